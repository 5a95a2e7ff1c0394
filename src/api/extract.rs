//! The extractors every API shares: the authenticated caller and the JSON body. Each is
//! generic over the wire format `S` its rejection is answered in, so that a dialect's handler
//! takes `Caller<Busroot>` and an unauthenticated request gets Busroot's error shape.

use super::refusal::{Native, Refused, Shape};
use crate::domain::access::Principal;
use crate::error::Error;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, Error> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| Error::Internal("application state is not configured".into()))
}

type Boxed<T, S> = Pin<Box<dyn Future<Output = Result<T, Refused<S>>>>>;

/// An authenticated caller who has no pending password change.
pub struct Caller<S = Native>(pub Principal, pub PhantomData<S>);

/// An authenticated caller who may still have to change their password: for the few endpoints
/// such a user may use (reading their profile, changing the password).
pub struct PendingCaller<S = Native>(pub Principal, pub PhantomData<S>);

async fn authenticate(req: HttpRequest, allow_pending: bool) -> Result<Principal, Error> {
    let state = state(&req)?;
    crate::auth::authenticate(&state, &req, allow_pending).await
}

impl<S: Shape> FromRequest for Caller<S> {
    type Error = Refused<S>;
    type Future = Boxed<Self, S>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let p = authenticate(req, false).await?;
            Ok(Caller(p, PhantomData))
        })
    }
}

impl<S: Shape> FromRequest for PendingCaller<S> {
    type Error = Refused<S>;
    type Future = Boxed<Self, S>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let p = authenticate(req, true).await?;
            Ok(PendingCaller(p, PhantomData))
        })
    }
}

/// A JSON body: 415 when it is not JSON, 413 over the configured limit, 400 naming the field.
pub struct Body<T, S = Native>(pub T, pub PhantomData<S>);

impl<T: DeserializeOwned + 'static, S: Shape> FromRequest for Body<T, S> {
    type Error = Refused<S>;
    type Future = Boxed<Self, S>;

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
            Ok(Body(parse_json(&bytes)?, PhantomData))
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

/// Parses JSON, naming the field at fault. A body that parses is read once, plainly; only one
/// that does not is read again, tracking the path to the fault (a third of the parsing time).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    // Every body is an object: serde would otherwise read a struct from an array of its
    // fields in order (`[null, null]`), which no client means.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(Error::bad_request("the body must be a JSON object"));
    }
    if let Ok(value) = serde_json::from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(describe_json_error)?;
    de.end().map_err(|_| {
        Error::bad_request("malformed JSON body: trailing characters after the JSON value")
    })?;
    Ok(value)
}

/// A JSON error as the client should read it: syntax as a malformed body, a type or field
/// problem under the name of the field.
fn describe_json_error(e: serde_path_to_error::Error<serde_json::Error>) -> Error {
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
}

/// Query strings that do not parse answer in the native error shape.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|e, _| {
        super::ApiError::new(Error::bad_request(format!("bad query string: {e}"))).into()
    })
}

/// Deserializes a field that may be absent (None), null (Some(None)) or a value (Some(Some)).
pub fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}
