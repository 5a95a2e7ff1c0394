//! What Busroot's document says besides the handlers: its refusals, and the list's shape
//! (the list is written as it is read, so no type of the code has that shape).

use super::{Failure, UserOut};

/// The refusals of this dialect, in its shape.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub(super) enum Refusals {
    /// The request is malformed or a field is invalid.
    #[response(status = 400)]
    Invalid(Failure),
    /// No key, or one that does not hold.
    #[response(status = 401)]
    Unauthenticated(Failure),
    /// The caller may not do this.
    #[response(status = 403)]
    Forbidden(Failure),
    /// No such user or account, or one the caller cannot see.
    #[response(status = 404)]
    NotFound(Failure),
    /// The request clashes with what is stored.
    #[response(status = 409)]
    Conflict(Failure),
    /// The database refuses writes for now; `Retry-After` says when to come back.
    #[response(status = 503)]
    Unavailable(Failure),
}

/// A list of users, as the list answers it (written as it is read).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub(super) struct Listed {
    #[schema(rename = "isSuccess")]
    is_success: bool,
    results: Vec<UserOut>,
}
