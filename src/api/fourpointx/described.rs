//! What 4PointX's document says of its refusals, in the seed document's words.

use super::ErrorBody;

/// The refusals of this dialect, in its shape (the seed document's words).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub(super) enum Refusals {
    /// "Invalid content type", "Insufficient inputs", or a field that is not valid.
    #[response(status = 400)]
    Invalid(ErrorBody),
    /// "Unauthorized access".
    #[response(status = 401)]
    Unauthenticated(ErrorBody),
    /// "Unauthorized operation!, can't ...".
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// "User not found".
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// "User already exists".
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// The database refuses writes for now; `Retry-After` says when to come back.
    #[response(status = 503)]
    Unavailable(ErrorBody),
}
