//! SCIM 2.0 at `/scim/v2` (RFC 7644): directories (Entra ID, Okta) provision users and groups.
//! The edge reads SCIM's wire format and answers in it (`application/scim+json`, SCIM error
//! bodies with `scimType`); what SCIM means is `domain::scim`, what it does `ops::scim`.
//!
//! Not in the OpenAPI document: SCIM describes itself at `/Schemas`, `/ResourceTypes` and
//! `/ServiceProviderConfig`, which is what its clients read.

mod discovery;
mod resources;

use super::refusal::{Refused, Shape};
use crate::domain::access::Principal;
use crate::domain::scim::list::{ListRequest, Parameters};
use crate::domain::scim::{scim_type, ERROR};
use crate::error::Error;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::{header, StatusCode};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;

pub const MEDIA_TYPE: &str = "application/scim+json";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/scim/v2")
            .configure(discovery::configure)
            .configure(resources::configure)
            .default_service(web::to(|| async {
                Reply::Err(Refused::new(Error::not_found("SCIM endpoint")))
            })),
    );
}

/// SCIM's error: `{"schemas": [Error], "status": "400", "scimType": …, "detail": …}`.
pub struct Scim;

impl Shape for Scim {
    fn render(error: &Error) -> HttpResponse {
        let status = error.status();
        let mut body = json!({"schemas": [ERROR], "status": status.to_string(),
            "detail": error.public_message()});
        if let Some(kind) = scim_type(error) {
            body["scimType"] = json!(kind);
        }
        let mut response = HttpResponse::build(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        );
        if matches!(error, Error::Unauthenticated | Error::SignInRequired(_)) {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"gatehouse\""));
        }
        response.content_type(MEDIA_TYPE).body(body.to_string())
    }
}

type Reply = super::refusal::Reply<Scim>;

/// A SCIM answer: the document, in SCIM's media type, with its version as the ETag.
fn answer(status: StatusCode, doc: &Value) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    if let Some(version) = doc["meta"]["version"].as_str() {
        response.insert_header((header::ETAG, version));
    }
    response.content_type(MEDIA_TYPE).body(doc.to_string())
}

/// A provisioning client: an API key as Bearer token, an access token, X-API-KEY or Basic.
pub struct Provisioner(pub Principal);

impl FromRequest for Provisioner {
    type Error = Refused<Scim>;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| Error::Internal("application state is not configured".into()))?;
            let principal = crate::auth::authenticate_provisioning(&state, &req).await?;
            Ok(Provisioner(principal))
        })
    }
}

/// A SCIM request's body: JSON (`application/scim+json` or `application/json`), an object.
fn body(req: &HttpRequest, bytes: &[u8]) -> Result<Value, Error> {
    if !super::extract::is_json(req) {
        return Err(Error::UnsupportedMediaType(format!(
            "the body must be {MEDIA_TYPE} (or application/json)"
        )));
    }
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| Error::Malformed(format!("the body is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(Error::Malformed("the body must be a JSON object".into()));
    }
    Ok(value)
}

/// The list parameters of a query string.
fn query_parameters(req: &HttpRequest) -> Result<ListRequest, Error> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|e| Error::bad_request(format!("bad query string: {e}")))?;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    ListRequest::parse(&Parameters::named(get))
}

/// The list parameters of a `.search` body (RFC 7644 3.4.3).
fn search_parameters(doc: &Value) -> Result<ListRequest, Error> {
    use crate::domain::scim::path::field;
    let get = |name: &str| match field(doc, name) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
        ),
        Some(other) => Some(other.to_string()),
    };
    ListRequest::parse(&Parameters::named(get))
}
