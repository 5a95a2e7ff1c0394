//! One error type for every wire format: `Refused<S>` carries the domain's `Error` out of a
//! handler, and `S`, the wire format, renders it in its own shape. Every handler in every API
//! ends with `?`; the native shape is `ApiError`.

use crate::error::Error;
use actix_web::dev::ServiceResponse;
use actix_web::http::{header, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use std::fmt;
use std::marker::PhantomData;

/// How one wire format answers an error.
pub trait Shape: 'static {
    fn render(error: &Error) -> HttpResponse;
}

/// An error on its way out, to be answered in the wire format `S`.
pub struct Refused<S> {
    pub error: Error,
    shape: PhantomData<fn() -> S>,
}

impl<S> Refused<S> {
    pub fn new(error: Error) -> Refused<S> {
        Refused {
            error,
            shape: PhantomData,
        }
    }
}

impl<S> From<Error> for Refused<S> {
    fn from(error: Error) -> Refused<S> {
        Refused::new(error)
    }
}

impl<S> fmt::Debug for Refused<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl<S> fmt::Display for Refused<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl<S: Shape> ResponseError for Refused<S> {
    fn status_code(&self) -> StatusCode {
        S::render(&self.error).status()
    }

    /// Every shape tells a client when to come back, when the error says.
    fn error_response(&self) -> HttpResponse {
        let mut response = S::render(&self.error);
        if let Some(seconds) = self.error.retry_after() {
            let value = header::HeaderValue::from(seconds);
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// What a handler answers in the wire format `S`.
pub type Reply<S = Native> = Result<HttpResponse, Refused<S>>;

/// The native API's shape: `{"error": {"status", "code", "message", "field"?}}`, where `field`
/// names the request field at fault when there is one (the admin page shows the message there).
pub struct Native;

/// The native error.
pub type ApiError = Refused<Native>;

/// The native API's error.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct ErrorDetail {
    /// The HTTP status again.
    status: u16,
    /// A short machine-readable code: `invalid_request`, `unauthenticated`, `forbidden`,
    /// `not_found`, `conflict`, `unavailable` ...
    code: &'static str,
    /// What is wrong, for a person.
    message: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

/// The refusals every native endpoint may answer, in the one error shape.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum Refusals {
    /// The request is malformed or a field is invalid; `field` names it.
    #[response(status = 400)]
    Invalid(ErrorBody),
    /// No credentials, or credentials that do not hold.
    #[response(status = 401)]
    Unauthenticated(ErrorBody),
    /// The caller may not do this, or must change their password first.
    #[response(status = 403)]
    Forbidden(ErrorBody),
    /// Absent, or outside everything the caller can see.
    #[response(status = 404)]
    NotFound(ErrorBody),
    /// The endpoint does not take this method.
    #[response(status = 405)]
    MethodNotAllowed(ErrorBody),
    /// The request clashes with what is stored.
    #[response(status = 409)]
    Conflict(ErrorBody),
    /// The body is larger than `[server] body_limit`.
    #[response(status = 413)]
    PayloadTooLarge(ErrorBody),
    /// The body is not of a media type the endpoint takes.
    #[response(status = 415)]
    UnsupportedMediaType(ErrorBody),
    /// Too many failed sign-ins from this address; `Retry-After` says when to come back.
    #[response(status = 429)]
    TooManyRequests(ErrorBody),
    /// The database refuses writes (disk full, read-only, busy); `Retry-After` says when.
    #[response(status = 503)]
    Unavailable(ErrorBody),
}

impl Shape for Native {
    fn render(error: &Error) -> HttpResponse {
        let status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = HttpResponse::build(status);
        if *error == Error::Unauthenticated {
            response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"gatehouse\""));
        }
        response
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(ErrorBody {
                error: ErrorDetail {
                    status: error.status(),
                    code: error.code(),
                    message: error.public_message(),
                    field: error.field().map(str::to_string),
                },
            })
    }
}

/// Gives actix's own 405 (a method the endpoint does not take) the native error shape.
pub fn method_not_allowed<B>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let method = res.request().method().to_string();
    let allow = res.headers().get(header::ALLOW).cloned();
    let (req, _) = res.into_parts();
    let mut response = HttpResponse::MethodNotAllowed().json(ErrorBody {
        error: ErrorDetail {
            status: 405,
            code: "method_not_allowed",
            message: format!("this endpoint does not take {method}"),
            field: None,
        },
    });
    if let Some(allow) = allow {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}
