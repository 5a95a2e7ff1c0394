//! What schemathesis found, kept as tests: each answer matches the OpenAPI document, and input
//! the document does not allow is refused, naming what is wrong, and changes nothing.

use crate::common::{start, Who};
use actix_web::test::TestRequest;
use serde_json::json;

#[actix_web::test]
async fn a_body_that_is_not_a_json_object_is_refused_and_changes_nothing() {
    let app = start().await;
    let root = Who::admin();
    let org = app
        .create("/api/v1/organisations", &root, json!({"name": "Kept"}))
        .await;
    for body in ["[null, null]", "[\"Renamed\"]", "\"Renamed\"", "42", "null"] {
        let req = TestRequest::patch()
            .uri(&format!("/api/v1/organisations/{org}"))
            .insert_header(("Content-Type", "application/json"))
            .set_payload(body);
        let reply = app.send(crate::common::authorize(req, &root)).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text());
        assert_eq!(
            reply.json()["error"]["message"],
            "the body must be a JSON object"
        );
    }
    let stored = app
        .get(&format!("/api/v1/organisations/{org}"), &root)
        .await
        .json();
    assert_eq!(stored["name"], "Kept");
}

#[actix_web::test]
async fn a_limit_out_of_range_is_refused_by_counts_and_exports_too() {
    let app = start().await;
    let root = Who::admin();
    for path in [
        "/api/v1/users/count?limit=0",
        "/api/v1/users/export.csv?limit=0",
        "/api/v1/users/export.csv?limit=501",
        "/api/v1/audit/export.csv?limit=0",
        "/api/v1/audit?limit=1001",
    ] {
        let reply = app.get(path, &root).await;
        assert_eq!(reply.status, 400, "{path}: {}", reply.text());
        assert_eq!(reply.json()["error"]["field"], "limit", "{path}");
    }
    let csv = app.get("/api/v1/users/export.csv?limit=1", &root).await;
    assert_eq!(csv.status, 200, "a page of one is still the whole file");
    assert!(csv.text().contains("root@plant.example"));
}

#[actix_web::test]
async fn an_empty_time_filter_is_not_a_time() {
    let app = start().await;
    let reply = app
        .get("/api/v1/audit/export.csv?until=", &Who::admin())
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"]["field"], "until");
}

#[actix_web::test]
async fn introspection_of_an_unknown_token_says_only_that_it_is_not_active() {
    let app = start().await;
    let reply = app
        .post(
            "/oauth/introspect",
            &Who::admin(),
            json!({"token": "not a token we gave"}),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json(), json!({"active": false}));
    let doc = app.get("/api/v1/openapi.json", &Who::Nobody).await.json();
    let answer = &doc["components"]["schemas"]["Introspected"];
    assert!(
        answer["oneOf"].as_array().is_some_and(|v| v.len() == 2),
        "{answer}"
    );
}
