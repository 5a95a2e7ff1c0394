//! The Busroot dialect, replaying busroot-user-api.txt's samples with only the address and the
//! API key changed.

use crate::common::*;
use actix_web::test::TestRequest;
use serde_json::{json, Value};

fn key_request(method: &str, path: &str, key: &str) -> TestRequest {
    let req = match method {
        "POST" => TestRequest::post(),
        _ => TestRequest::get(),
    };
    req.uri(path)
        .insert_header(("X-API-KEY", key.to_string()))
        .insert_header(("Accept", "*/*"))
}

fn error(status: u16) -> impl Fn(&Value) -> bool {
    move |body: &Value| {
        body["isSuccess"] == false
            && body["error"]["status"] == status
            && body["error"]["message"].is_string()
    }
}

#[actix_web::test]
async fn every_sample_request_of_the_document_replays() {
    let app = start().await;
    let key = app.api_key(&app.doc_admin().await).await;

    let post = key_request("POST", "/api/admin/user", &key)
        .set_json(json!({"email": "name@gmail.com", "role": "member"}));
    let reply = app.send(post).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["isSuccess"], true);
    let result = &body["result"];
    assert!(result["userId"].is_i64());
    assert_eq!(result["role"], "member");
    assert_eq!(result["accountId"], DOC_ORGANISATION);
    assert!(result["createdAt"].is_string() && result["updatedAt"].is_string());
    assert!(result["temporaryPassword"].is_string());

    let reply = app.send(key_request("GET", "/api/admin/user", &key)).await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["isSuccess"], true);
    let results = body["results"].as_array().unwrap();
    let user = results
        .iter()
        .find(|u| u["email"] == "name@gmail.com")
        .unwrap();
    assert_eq!(user["id"], result["userId"]);
    assert_eq!(user["userRole"], "customer");
    assert_eq!(
        user["accounts"],
        json!([{"role": "member", "accountId": DOC_ORGANISATION, "domain": "demo.example"}])
    );

    let reply = app
        .send(key_request("GET", "/api/admin/user/name@gmail.com", &key))
        .await;
    assert_eq!(reply.status, 200);
    let one = reply.json();
    assert_eq!(one["isSuccess"], true);
    assert_eq!(one["result"], *user);

    let reply = app
        .send(key_request("GET", "/api/admin/user/csv", &key))
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("text/csv"));
    let csv = reply.text();
    assert!(csv.starts_with("\"id\",\"email\",\"userRole\",\"role\",\"accountId\",\"domain\"\r\n"));
    assert!(csv.contains(&format!(
        "\"{}\",\"name@gmail.com\",\"customer\",\"member\",\"{DOC_ORGANISATION}\",\"demo.example\"",
        user["id"]
    )));
}

#[actix_web::test]
async fn the_integer_id_is_stable_and_a_superadmin_reads_as_admin() {
    let app = start().await;
    let key = app.api_key(&app.doc_admin().await).await;
    let first = app
        .send(key_request(
            "GET",
            "/api/admin/user/owner@demo.example",
            &key,
        ))
        .await
        .json();
    let again = app
        .send(key_request(
            "GET",
            "/api/admin/user/owner@demo.example",
            &key,
        ))
        .await
        .json();
    assert_eq!(first["result"]["id"], again["result"]["id"]);
    let root_key = app
        .post("/api/v1/api-keys", &Who::admin(), json!({"name": "root"}))
        .await
        .json()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let me = app
        .send(key_request(
            "GET",
            &format!("/api/admin/user/{ADMIN_EMAIL}"),
            &root_key,
        ))
        .await
        .json();
    assert_eq!(me["result"]["userRole"], "admin");
}

#[actix_web::test]
async fn roles_map_both_ways() {
    let app = start().await;
    let key = app.api_key(&app.doc_admin().await).await;
    for (busroot, ours) in [
        ("admin", "admin"),
        ("member", "member"),
        ("supervisor", "supervisor"),
        ("readonly", "viewer"),
    ] {
        let email = format!("{busroot}@gmail.com");
        let post = key_request("POST", "/api/admin/user", &key)
            .set_json(json!({"email": email, "role": busroot}));
        let reply = app.send(post).await;
        assert_eq!(reply.json()["result"]["role"], busroot);
        let v1 = app
            .get(&format!("/api/v1/users?q={email}"), &Who::admin())
            .await
            .json();
        assert_eq!(v1["items"][0]["memberships"][0]["role"], ours);
        assert_eq!(
            v1["items"][0]["memberships"][0]["scopeType"],
            "organisation"
        );
        let back = app
            .send(key_request(
                "GET",
                &format!("/api/admin/user/{email}"),
                &key,
            ))
            .await
            .json();
        assert_eq!(back["result"]["accounts"][0]["role"], busroot);
    }
}

#[actix_web::test]
async fn posting_an_existing_user_adds_them_to_the_account_once() {
    let app = start().await;
    let key = app.api_key(&app.doc_admin().await).await;
    let other = app
        .create(
            "/api/v1/organisations",
            &Who::admin(),
            json!({"name": "Elsewhere"}),
        )
        .await;
    app.create_user(
        &Who::admin(),
        "shared@gmail.com",
        json!([{"organisationId": other, "role": "member"}]),
    )
    .await;
    let post = || {
        key_request("POST", "/api/admin/user", &key)
            .set_json(json!({"email": "shared@gmail.com", "role": "supervisor"}))
    };
    let reply = app.send(post()).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.json()["result"].get("temporaryPassword").is_none());
    let again = app.send(post()).await;
    assert_eq!(again.status, 409);
    assert!(error(409)(&again.json()));
    // The account admin sees their own account only.
    let seen = app
        .send(key_request("GET", "/api/admin/user/shared@gmail.com", &key))
        .await
        .json();
    assert_eq!(seen["result"]["accounts"].as_array().unwrap().len(), 1);
    let all = app
        .get("/api/v1/users?q=shared@", &Who::admin())
        .await
        .json();
    assert_eq!(all["items"][0]["memberships"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn every_error_the_document_names_answers_with_its_status_and_shape() {
    let app = start().await;
    let key = app.api_key(&app.doc_admin().await).await;
    let reply = app
        .send(key_request("GET", "/api/admin/user", "ghk_not_a_key"))
        .await;
    assert_eq!(reply.status, 401);
    assert!(error(401)(&reply.json()));
    let reply = app
        .send(
            key_request("GET", "/api/admin/user", &key)
                .uri("/api/admin/user")
                .insert_header(("X-API-KEY", "")),
        )
        .await;
    assert_eq!(reply.status, 401);

    for body in [
        json!({"email": "x@gmail.com", "role": "overlord"}),
        json!({"email": "not an email", "role": "member"}),
        json!({"role": "member"}),
    ] {
        let reply = app
            .send(key_request("POST", "/api/admin/user", &key).set_json(body.clone()))
            .await;
        assert_eq!(reply.status, 400, "{body}");
        assert!(error(400)(&reply.json()), "{}", reply.text());
    }
    // A member of the account may not add people.
    app.create_user(
        &Who::admin(),
        "member@demo.example",
        json!([{"organisationId": DOC_ORGANISATION, "role": "member"}]),
    )
    .await;
    let member_key = app
        .post(
            "/api/v1/api-keys",
            &Who::basic("member@demo.example"),
            json!({"name": "m"}),
        )
        .await
        .json()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .send(
            key_request("POST", "/api/admin/user", &member_key)
                .set_json(json!({"email": "y@gmail.com", "role": "member"})),
        )
        .await;
    assert_eq!(reply.status, 403);
    assert!(error(403)(&reply.json()));
    let reply = app
        .send(
            key_request("POST", "/api/admin/user", &key)
                .set_json(json!({"email": "owner@demo.example", "role": "member"})),
        )
        .await;
    assert_eq!(reply.status, 409);
    assert!(error(409)(&reply.json()));
    let reply = app
        .send(key_request("GET", "/api/admin/user/nobody@gmail.com", &key))
        .await;
    assert_eq!(reply.status, 404);
    assert!(error(404)(&reply.json()));
}

#[actix_web::test]
async fn an_owner_in_several_accounts_must_name_one() {
    let app = start().await;
    let key = app.api_key(&app.doc_admin().await).await;
    let other = app
        .create(
            "/api/v1/organisations",
            &Who::admin(),
            json!({"name": "Second"}),
        )
        .await;
    let me = app
        .get("/api/v1/users/me", &Who::basic("owner@demo.example"))
        .await
        .json();
    app.post(
        &format!("/api/v1/users/{}/memberships", me["id"].as_str().unwrap()),
        &Who::admin(),
        json!({"organisationId": other, "role": "admin"}),
    )
    .await;
    let reply = app.send(key_request("GET", "/api/admin/user", &key)).await;
    assert_eq!(reply.status, 400);
    assert!(reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("accountId"));
    let reply = app
        .send(key_request(
            "GET",
            &format!("/api/admin/user?accountId={other}"),
            &key,
        ))
        .await;
    assert_eq!(reply.status, 200);
    let post = key_request("POST", &format!("/api/admin/user?accountId={other}"), &key)
        .set_json(json!({"email": "n@gmail.com", "role": "member"}));
    assert_eq!(app.send(post).await.json()["result"]["accountId"], other);
    let post = key_request("POST", "/api/admin/user", &key)
        .set_json(json!({"email": "m@gmail.com", "role": "member"}));
    assert_eq!(app.send(post).await.status, 400);
}

#[actix_web::test]
async fn switched_off_it_answers_404() {
    let app = start_with(|c| c.dialects.busroot = false).await;
    let key = app
        .post("/api/v1/api-keys", &Who::admin(), json!({"name": "k"}))
        .await
        .json()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.send(key_request("GET", "/api/admin/user", &key))
            .await
            .status,
        404
    );
}
