//! The wire formats, one module each, and the extractors they share.
//!
//! The shared extractors reject with `ApiError`, which renders the native error shape. A dialect
//! with its own shape takes `Result<Extractor, ApiError>` and renders the inner `Error` itself.

pub mod busroot;
pub mod csv;
pub mod fourpointx;
pub mod hoxton;
pub mod oauth;
pub mod v1;

use crate::app::AppState;
use crate::domain::access::Principal;
use crate::error::Error;
use actix_web::dev::{Payload, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;

/// The native error: `{"error": {"status", "code", "message"}}`.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        ApiError(e)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(serde::Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(serde::Serialize)]
struct ErrorDetail<'a> {
    status: u16,
    code: &'a str,
    message: String,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        match self.0 {
            Error::Unauthenticated => {
                response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"gatehouse\""));
            }
            Error::TooManyRequests(seconds) => {
                response.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            _ => {}
        }
        response
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(ErrorBody {
                error: ErrorDetail {
                    status: self.0.status(),
                    code: self.0.code(),
                    message: self.0.public_message(),
                },
            })
    }
}

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, Error> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| Error::Internal("application state is not configured".into()))
}

type Boxed<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

/// An authenticated caller who has no pending password change.
pub struct Caller(pub Principal);

/// An authenticated caller who may still have to change their password: for the few endpoints
/// such a user may use (reading their profile, changing the password).
pub struct PendingCaller(pub Principal);

async fn authenticate(req: HttpRequest, allow_pending: bool) -> Result<Principal, ApiError> {
    let state = state(&req)?;
    Ok(crate::auth::authenticate(&state, &req, allow_pending).await?)
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(req, false).await.map(Caller) })
    }
}

impl FromRequest for PendingCaller {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(req, true).await.map(PendingCaller) })
    }
}

/// A JSON body: 415 when it is not JSON, 413 over the configured limit, 400 naming the field.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let bytes = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let limit = state(&req)?.env.config.server.body_limit;
            if !is_json(&req) {
                return Err(Error::UnsupportedMediaType(
                    "the body must be JSON (Content-Type: application/json)".into(),
                )
                .into());
            }
            let bytes = bytes.await.map_err(|_| Error::PayloadTooLarge(limit))?;
            parse_json(&bytes).map(Body).map_err(ApiError)
        })
    }
}

/// Whether the request says its body is JSON (`application/json` or `application/*+json`).
/// A browser's cross-site form can send only form and text bodies, so this also keeps such
/// forms from reaching a JSON endpoint.
pub fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            let v = v.trim().to_ascii_lowercase();
            v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
        })
}

/// Parses JSON, naming the field at fault.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let syntax = matches!(
            inner.classify(),
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof
        );
        let message = inner.to_string();
        if syntax {
            return Error::bad_request(format!("malformed JSON body: {message}"));
        }
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_string();
        let named = message
            .strip_prefix("missing field `")
            .or_else(|| message.strip_prefix("unknown field `"))
            .and_then(|rest| rest.split('`').next());
        match (path.as_str(), named) {
            ("." | "", Some(field)) => Error::invalid(field, message.clone()),
            ("." | "", None) => Error::bad_request(format!("malformed JSON body: {message}")),
            (path, _) => Error::invalid(path, message),
        }
    })?;
    de.end().map_err(|_| {
        Error::bad_request("malformed JSON body: trailing characters after the JSON value")
    })?;
    Ok(value)
}

/// The seed platforms' dialects that the configuration switches on; the others are not
/// mounted, so they answer 404.
pub fn dialects(enabled: &crate::config::Dialects) -> impl FnOnce(&mut web::ServiceConfig) + '_ {
    move |cfg: &mut web::ServiceConfig| {
        if enabled.fourpointx {
            fourpointx::configure(cfg);
        }
        if enabled.busroot {
            busroot::configure(cfg);
        }
        if enabled.hoxton {
            hoxton::configure(cfg);
        }
    }
}

/// Query strings that do not parse answer in the native error shape.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|e, _| ApiError(Error::bad_request(format!("bad query string: {e}"))).into())
}

/// Deserializes a field that may be absent (None), null (Some(None)) or a value (Some(Some)).
pub fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(d).map(Some)
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
        },
    });
    if let Some(allow) = allow {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}
