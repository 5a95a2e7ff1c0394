//! Speaking SCIM to the app in-process, as directories do.

use super::{Reply, TestApp, Who};
use actix_web::test::TestRequest;
use serde_json::{json, Value};

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A SCIM request as directories send it: `application/scim+json`, the credential as given.
pub async fn scim<S, B>(
    app: &TestApp<S>,
    method: &str,
    path: &str,
    who: &Who,
    body: Option<Value>,
) -> Reply
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let req = match method {
        "GET" => TestRequest::get(),
        "POST" => TestRequest::post(),
        "PUT" => TestRequest::put(),
        "PATCH" => TestRequest::patch(),
        _ => TestRequest::delete(),
    }
    .uri(&format!("/scim/v2{path}"));
    let mut req = crate::common::authorize(req, who);
    if let Some(body) = body {
        req = req
            .insert_header(("Content-Type", "application/scim+json"))
            .set_payload(body.to_string());
    }
    app.send(req).await
}

pub fn patch(operations: Value) -> Value {
    json!({"schemas": [PATCH], "Operations": operations})
}

/// The superadmin's API key, as a Bearer token the way Entra and Okta hold it.
pub async fn root_key<S, B>(app: &TestApp<S>) -> Who
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    Who::Bearer(app.api_key(&Who::admin()).await)
}

pub fn error_of(reply: &Reply, status: u16, scim_type: Option<&str>) -> Value {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some("application/scim+json")
    );
    let body = reply.json();
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert_eq!(body["status"], status.to_string());
    assert_eq!(body["scimType"].as_str(), scim_type, "{body}");
    body
}

pub fn user_names(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap_or_default().to_string())
        .collect()
}
