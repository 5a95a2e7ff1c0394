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

#[derive(serde::Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(serde::Serialize)]
struct ErrorDetail<'a> {
    status: u16,
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
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
                    field: match error {
                        Error::Invalid { field, .. } => field.as_deref(),
                        _ => None,
                    },
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
