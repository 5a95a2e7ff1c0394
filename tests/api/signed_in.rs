//! Where a user is signed in: their live sessions and tokens, for them and for those who manage
//! their account, and signing them out everywhere (their API keys stay).

use crate::common::*;
use actix_web::test::TestRequest;
use serde_json::{json, Value};

const WORKER: &str = "worker.p1@a.example";

async fn bearer<S, B>(app: &TestApp<S>) -> Who
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let req = TestRequest::post()
        .uri("/oauth/token")
        .set_json(json!({"grant_type": "password", "username": WORKER, "password": PASSWORD}));
    let reply = app.send(req).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    Who::Bearer(reply.json()["access_token"].as_str().unwrap().to_string())
}

fn kinds(list: &Value) -> Vec<String> {
    let mut kinds: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap().to_string())
        .collect();
    kinds.sort();
    kinds
}

#[actix_web::test]
async fn an_admin_sees_where_a_user_is_signed_in_and_signs_them_out_everywhere() {
    let app = start().await;
    let w = app.world().await;
    let first = app.session(WORKER, PASSWORD).await;
    let second = app.session(WORKER, PASSWORD).await;
    let token = bearer(&app).await;
    let key = Who::Key(app.api_key(&Who::basic(WORKER)).await);
    let path = format!("/api/v1/users/{}/sessions", w.at_p1);
    let admin = Who::basic(PLANT_ADMIN);
    let listed = app.get(&path, &admin).await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    let list = listed.json();
    assert_eq!(kinds(&list), ["access", "refresh", "session", "session"]);
    for t in list["items"].as_array().unwrap() {
        assert!(
            t["createdAt"].is_string() && t["expiresAt"].is_string(),
            "{t}"
        );
        assert!(
            t["address"].is_string(),
            "each says where it was issued: {t}"
        );
        assert_eq!(t["current"], false);
    }
    // Seeing a user is not enough: support staff and strangers are refused.
    assert_eq!(
        app.status("GET", &path, &Who::basic(SUPPORT), None).await,
        403
    );
    let stranger = app
        .create_user(
            &Who::admin(),
            "stranger@b.example",
            json!([{"plantId": w.q1, "role": "admin"}]),
        )
        .await;
    assert!(!stranger.is_empty());
    assert_eq!(
        app.status("GET", &path, &Who::basic("stranger@b.example"), None)
            .await,
        404
    );
    assert_eq!(
        app.status("DELETE", &path, &Who::basic(SUPPORT), None)
            .await,
        403
    );

    let ended = app.delete(&path, &admin).await;
    assert_eq!(ended.status, 200, "{}", ended.text());
    assert_eq!(ended.json(), json!({"ended": 4}));
    for who in [&first, &second, &token] {
        let me = app.get("/api/v1/users/me", who).await;
        assert_eq!(me.status, 401, "{who:?}: {}", me.text());
    }
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &key, None).await,
        200,
        "API keys stay"
    );
    assert!(app.get(&path, &admin).await.json()["items"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(app.count("audit WHERE action = 'session.end_all'"), 1);
}

#[actix_web::test]
async fn signing_oneself_out_everywhere_keeps_the_session_asking() {
    let app = start().await;
    let w = app.world().await;
    let here = app.session(WORKER, PASSWORD).await;
    let elsewhere = app.session(WORKER, PASSWORD).await;
    let path = format!("/api/v1/users/{}/sessions", w.at_p1);
    let reply = app.get(&path, &here).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let list = reply.json();
    let current: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["current"] == true)
        .collect();
    assert_eq!(current.len(), 1, "{list}");
    let ended = app.delete(&path, &here).await;
    assert_eq!(ended.json(), json!({"ended": 1}), "{}", ended.text());
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &here, None).await,
        200
    );
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &elsewhere, None)
            .await,
        401
    );
    // Only the user themselves and those who manage them: a colleague may not.
    let colleague = app.session(MEMBER, PASSWORD).await;
    assert_eq!(app.status("DELETE", &path, &colleague, None).await, 404);
}
