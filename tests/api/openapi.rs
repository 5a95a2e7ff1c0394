//! The OpenAPI document: generated from the handlers as they are mounted, so every route of
//! `/api/v1`, `/oauth` and `/health` is in it, and every path in it is served.

use crate::common::{start, Who};
use actix_web::test::TestRequest;
use serde_json::{json, Value};
use std::collections::HashSet;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every `$ref` in `value`.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                found.push(r.clone());
            }
            map.values().for_each(|v| references(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, found)),
        _ => {}
    }
}

#[actix_web::test]
async fn the_document_is_openapi_3_1_with_unique_operations_and_every_reference_resolving() {
    let app = start().await;
    let reply = app.get("/api/v1/openapi.json", &Who::Nobody).await;
    assert_eq!(reply.status, 200, "served without credentials");
    let doc = reply.json();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    for scheme in ["basic", "apiKey", "bearer", "session", "csrf"] {
        assert!(schemes.contains_key(scheme), "security scheme {scheme}");
    }
    assert_eq!(schemes["apiKey"]["name"], "X-API-KEY");
    assert_eq!(schemes["csrf"]["name"], "X-CSRF-Token");
    let mut ids = HashSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}: no operationId"));
            assert!(ids.insert(id.to_string()), "operationId {id} is used twice");
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path}: no responses"
            );
            // Every JSON answer has a shape: none is an object of anything.
            for (status, response) in op["responses"].as_object().unwrap() {
                let schema = &response["content"]["application/json"]["schema"];
                assert!(
                    schema != &json!({}),
                    "{method} {path} {status}: a body without a shape"
                );
            }
        }
    }
    let mut refs = Vec::new();
    references(&doc, &mut refs);
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for r in refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {r}"));
        assert!(schemas.contains_key(name), "$ref {r} does not resolve");
    }
    let error = &schemas["Error"]["properties"]["error"];
    assert!(
        error.to_string().contains("ErrorDetail"),
        "the error shape: {error}"
    );
    for path in [
        "/health",
        "/oauth/token",
        "/oauth/revoke",
        "/oauth/introspect",
        "/api/v1/users/{id}",
        "/api/v1/audit",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is described");
    }
    let login = &doc["paths"]["/api/v1/auth/login"]["post"];
    assert_eq!(
        login["security"],
        json!([{}]),
        "sign-in needs no credentials"
    );
}

#[actix_web::test]
async fn every_operation_in_the_document_is_served_at_its_path() {
    let app = start().await;
    let root = Who::admin();
    let doc = app.get("/api/v1/openapi.json", &Who::Nobody).await.json();
    let org = app
        .create("/api/v1/organisations", &root, json!({"name": "Doc Org"}))
        .await;
    let site = app
        .create(
            "/api/v1/sites",
            &root,
            json!({"organisationId": org, "name": "Doc Site"}),
        )
        .await;
    let plant = app
        .create(
            "/api/v1/plants",
            &root,
            json!({"siteId": site, "name": "Doc Plant"}),
        )
        .await;
    let user = app
        .create_user(
            &root,
            "documented@plant.example",
            json!([{"siteId": site, "role": "member"}]),
        )
        .await;
    let record = app
        .get(&format!("/api/v1/users/{user}"), &root)
        .await
        .json();
    let membership = record["memberships"][0]["id"].as_str().unwrap().to_string();
    let key = app
        .create("/api/v1/api-keys", &root, json!({"name": "doc"}))
        .await;
    let id_for = |path: &str| match path.split('/').nth(3) {
        Some("organisations") => org.clone(),
        Some("sites") => site.clone(),
        Some("plants") => plant.clone(),
        Some("api-keys") => key.clone(),
        _ => user.clone(),
    };
    let mut operations: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            assert!(METHODS.contains(&method.as_str()), "{method} {path}");
            operations.push((method.clone(), path.clone()));
        }
    }
    // Deletions last: they take away what the others need.
    operations.sort_by_key(|(method, _)| method == "delete");
    for (method, path) in operations {
        let concrete = path
            .replace("{id}", &id_for(&path))
            .replace("{membership}", &membership);
        let req = match method.as_str() {
            "get" => TestRequest::get(),
            "post" => TestRequest::post(),
            "put" => TestRequest::put(),
            "patch" => TestRequest::patch(),
            _ => TestRequest::delete(),
        }
        .uri(&concrete);
        let req = crate::common::authorize(req, &root);
        let req = match method.as_str() {
            "get" | "delete" => req,
            _ => req.set_json(json!({})),
        };
        let reply = app.send(req).await;
        let unrouted = reply.status == 405
            || (reply.status == 404
                && (reply.body.is_empty() || reply.text().contains("no such endpoint")));
        assert!(
            !unrouted,
            "{method} {path} is described but not served: {} {}",
            reply.status,
            reply.text()
        );
        assert!(
            reply.status < 500,
            "{method} {path}: {} {}",
            reply.status,
            reply.text()
        );
    }
}

/// Routes of the described APIs are mounted through `Routes` only, which takes them from their
/// descriptions: a plain actix `.route(...)` or `web::resource(...)` there would serve a path
/// the document does not have.
#[test]
fn the_described_apis_mount_no_route_outside_their_descriptions() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut files = vec![root.join("oauth.rs"), root.join("openapi.rs")];
    let mut dirs = vec![root.join("v1")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for forbidden in [".route(", "web::resource(", "web::scope("] {
            assert!(
                !text.contains(forbidden),
                "{} mounts with {forbidden}",
                file.display()
            );
        }
    }
}

/// Each seed platform's user API has a document of its own, with its own security scheme and
/// error shape, and every path in it is served.
#[actix_web::test]
async fn each_dialect_has_its_own_document_and_serves_every_path_in_it() {
    let app = start().await;
    let root = Who::admin();
    let dialects = [
        (
            "/_config/users/openapi.json",
            "basic",
            "/_config/users/_list",
        ),
        (
            "/api/admin/openapi.json",
            "apiKey",
            "/api/admin/user/{email}",
        ),
        ("/users/openapi.json", "bearer", "/users/{id}"),
    ];
    for (at, scheme, path) in dialects {
        let reply = app.get(at, &Who::Nobody).await;
        assert_eq!(reply.status, 200, "{at}: {}", reply.text());
        let doc = reply.json();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{at}");
        assert!(
            doc["components"]["securitySchemes"].get(scheme).is_some(),
            "{at}: {scheme}"
        );
        assert!(doc["paths"].get(path).is_some(), "{at} describes {path}");
        let mut refs = Vec::new();
        references(&doc, &mut refs);
        for r in refs {
            let name = r.trim_start_matches("#/components/schemas/");
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "{at}: $ref {r}"
            );
        }
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                let concrete = path
                    .replace("{email}", "root@plant.example")
                    .replace("{username}", "root@plant.example")
                    .replace("{id}", "00000000-0000-4000-8000-000000000000");
                let req = match method.as_str() {
                    "get" => TestRequest::get(),
                    "post" => TestRequest::post(),
                    "put" => TestRequest::put(),
                    _ => continue, // Deleting is not needed to see that a path is served.
                }
                .uri(&concrete);
                let reply = app.send(crate::common::authorize(req, &root)).await;
                let unrouted =
                    reply.status == 405 || (reply.status == 404 && reply.body.is_empty());
                assert!(
                    !unrouted,
                    "{at}: {method} {path} is not served: {}",
                    reply.status
                );
            }
        }
    }
    // The native document describes none of them.
    let native = app.get("/api/v1/openapi.json", &Who::Nobody).await.json();
    assert!(native["paths"].get("/_config/users/_list").is_none());
}
