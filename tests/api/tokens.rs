//! OAuth2: /oauth/token, /oauth/revoke, /oauth/introspect, and Bearer tokens everywhere.

use crate::common::*;
use actix_web::test::TestRequest;
use serde_json::{json, Value};

fn form(path: &str, body: &str) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload(body.to_string())
}

fn password_grant(email: &str, password: &str) -> TestRequest {
    form(
        "/oauth/token",
        &format!(
            "grant_type=password&username={}&password={}",
            email,
            password.replace(' ', "+")
        ),
    )
}

#[actix_web::test]
async fn the_password_grant_answers_rfc_6749_and_the_token_works_as_bearer() {
    let app = start().await;
    let reply = app.send(password_grant(ADMIN_EMAIL, ADMIN_PASSWORD)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let access = body["access_token"].as_str().unwrap();
    assert!(body["refresh_token"].is_string());
    let me = app
        .send(authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::Bearer(access.to_string()),
        ))
        .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["email"], ADMIN_EMAIL);
    // Only the SHA-256 is stored.
    let conn = app.state.pool.get().unwrap();
    let stored: i64 = conn
        .query_row(
            "SELECT count(*) FROM tokens WHERE length(secret_hash) = 32",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 2);
}

#[actix_web::test]
async fn json_bodies_work_like_forms() {
    let app = start().await;
    let req = TestRequest::post().uri("/oauth/token").set_json(
        json!({"grant_type": "password", "username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
    );
    let reply = app.send(req).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[actix_web::test]
async fn grant_errors_follow_rfc_6749_section_5_2() {
    let app = start().await;
    let cases: [(TestRequest, u16, &str); 5] = [
        (
            password_grant(ADMIN_EMAIL, "not the right password"),
            400,
            "invalid_grant",
        ),
        (
            form("/oauth/token", "grant_type=implicit"),
            400,
            "unsupported_grant_type",
        ),
        (form("/oauth/token", "username=x"), 400, "invalid_request"),
        (
            form(
                "/oauth/token",
                "grant_type=client_credentials&client_id=x&client_secret=y",
            ),
            401,
            "invalid_client",
        ),
        (
            form(
                "/oauth/token",
                "grant_type=refresh_token&refresh_token=ghr_nothing",
            ),
            400,
            "invalid_grant",
        ),
    ];
    for (req, status, error) in cases {
        let reply = app.send(req).await;
        assert_eq!(reply.status, status, "{}", reply.text());
        assert_eq!(reply.json()["error"], error);
        assert!(reply.json()["error_description"].is_string());
        assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    }
}

#[actix_web::test]
async fn client_credentials_take_an_api_key_and_act_as_its_owner_with_the_audience_echoed() {
    let app = start().await;
    app.world().await;
    let key = app
        .post(
            "/api/v1/api-keys",
            &Who::basic(SITE_ADMIN),
            json!({"name": "historian"}),
        )
        .await
        .json();
    // As Hoxton's clients send it.
    let req = TestRequest::post().uri("/oauth/token").set_json(json!({
        "grant_type": "client_credentials", "audience": "https://api.plant.example",
        "client_id": key["id"], "client_secret": key["secret"]}));
    let reply = app.send(req).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert!(body.get("refresh_token").is_none());
    let access = body["access_token"].as_str().unwrap().to_string();
    let me = app
        .send(authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::Bearer(access.to_string()),
        ))
        .await
        .json();
    assert_eq!(me["email"], SITE_ADMIN);
    let org = TestRequest::post()
        .uri("/api/v1/organisations")
        .insert_header(("Authorization", format!("Bearer {access}")))
        .set_json(json!({"name": "Nope"}));
    assert_eq!(app.send(org).await.status, 403, "never more than the owner");

    let info = introspect(&app, &Who::admin(), &access).await;
    assert_eq!(info["active"], true);
    assert_eq!(info["aud"], "https://api.plant.example");
    assert_eq!(info["client_id"], key["id"]);

    // Revoking the key ends its tokens.
    app.delete(
        &format!("/api/v1/api-keys/{}", key["id"].as_str().unwrap()),
        &Who::basic(SITE_ADMIN),
    )
    .await;
    assert_eq!(
        app.send(authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::Bearer(access.to_string())
        ))
        .await
        .status,
        401
    );

    let wrong = TestRequest::post().uri("/oauth/token").set_json(json!({
        "grant_type": "client_credentials", "client_id": key["id"], "client_secret": "ghk_wrong"}));
    assert_eq!(app.send(wrong).await.json()["error"], "invalid_client");
}

async fn introspect<S, B>(app: &TestApp<S>, who: &Who, token: &str) -> Value
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let req = authorize(form("/oauth/introspect", &format!("token={token}")), who);
    let reply = app.send(req).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

#[actix_web::test]
async fn a_refresh_rotates_and_a_replayed_refresh_token_revokes_the_family() {
    let app = start().await;
    let first = app
        .send(password_grant(ADMIN_EMAIL, ADMIN_PASSWORD))
        .await
        .json();
    let old_refresh = first["refresh_token"].as_str().unwrap().to_string();
    let second = app
        .send(form(
            "/oauth/token",
            &format!("grant_type=refresh_token&refresh_token={old_refresh}"),
        ))
        .await;
    assert_eq!(second.status, 200, "{}", second.text());
    let second = second.json();
    let new_access = second["access_token"].as_str().unwrap().to_string();
    let new_refresh = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(new_refresh, old_refresh);
    assert_eq!(
        app.send(authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::Bearer(new_access.to_string())
        ))
        .await
        .status,
        200
    );

    // The old refresh token is used up; presenting it again revokes everything of the family.
    let replay = app
        .send(form(
            "/oauth/token",
            &format!("grant_type=refresh_token&refresh_token={old_refresh}"),
        ))
        .await;
    assert_eq!(replay.status, 400);
    assert_eq!(replay.json()["error"], "invalid_grant");
    assert_eq!(
        app.send(authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::Bearer(new_access.to_string())
        ))
        .await
        .status,
        401
    );
    let after = app
        .send(form(
            "/oauth/token",
            &format!("grant_type=refresh_token&refresh_token={new_refresh}"),
        ))
        .await;
    assert_eq!(after.json()["error"], "invalid_grant");
    // The first access token belongs to the family too.
    assert_eq!(
        app.send(authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::Bearer(first["access_token"].as_str().unwrap().to_string())
        ))
        .await
        .status,
        401
    );
}

#[actix_web::test]
async fn a_token_does_not_outlive_its_users_disable_or_delete() {
    let app = start().await;
    let w = app.world().await;
    let token = app
        .send(password_grant("worker.p1@a.example", PASSWORD))
        .await
        .json();
    let access = token["access_token"].as_str().unwrap().to_string();
    let refresh = token["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(
        app.send(authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::Bearer(access.to_string())
        ))
        .await
        .status,
        200
    );
    app.patch(
        &format!("/api/v1/users/{}", w.at_p1),
        &Who::admin(),
        json!({"status": "disabled"}),
    )
    .await;
    assert_eq!(
        app.send(authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::Bearer(access.to_string())
        ))
        .await
        .status,
        401
    );
    let refreshed = app
        .send(form(
            "/oauth/token",
            &format!("grant_type=refresh_token&refresh_token={refresh}"),
        ))
        .await;
    assert_eq!(refreshed.json()["error"], "invalid_grant");
    // Enabling again does not bring old tokens back.
    app.patch(
        &format!("/api/v1/users/{}", w.at_p1),
        &Who::admin(),
        json!({"status": "active"}),
    )
    .await;
    assert_eq!(
        app.send(authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::Bearer(access.to_string())
        ))
        .await
        .status,
        401
    );

    let token = app
        .send(password_grant("worker.p2@a.example", PASSWORD))
        .await
        .json();
    let access = token["access_token"].as_str().unwrap().to_string();
    app.delete(&format!("/api/v1/users/{}", w.at_p2), &Who::admin())
        .await;
    assert_eq!(
        app.send(authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::Bearer(access.to_string())
        ))
        .await
        .status,
        401
    );
}

#[actix_web::test]
async fn tokens_expire() {
    let app = start().await;
    let token = app
        .send(password_grant(ADMIN_EMAIL, ADMIN_PASSWORD))
        .await
        .json();
    let access = token["access_token"].as_str().unwrap().to_string();
    app.clock.advance(3601);
    assert_eq!(
        app.send(authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::Bearer(access.to_string())
        ))
        .await
        .status,
        401
    );
    let refresh = token["refresh_token"].as_str().unwrap();
    assert_eq!(
        app.send(form(
            "/oauth/token",
            &format!("grant_type=refresh_token&refresh_token={refresh}")
        ))
        .await
        .status,
        200
    );
    app.clock.advance(31 * 86_400);
    assert_eq!(
        app.send(form(
            "/oauth/token",
            &format!("grant_type=refresh_token&refresh_token={refresh}")
        ))
        .await
        .status,
        400
    );
}

#[actix_web::test]
async fn revocation_ends_a_token_and_unknown_tokens_are_not_an_error() {
    let app = start().await;
    let token = app
        .send(password_grant(ADMIN_EMAIL, ADMIN_PASSWORD))
        .await
        .json();
    let access = token["access_token"].as_str().unwrap().to_string();
    let reply = app
        .send(form("/oauth/revoke", &format!("token={access}")))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        app.send(authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::Bearer(access.to_string())
        ))
        .await
        .status,
        401
    );
    assert_eq!(
        app.send(form("/oauth/revoke", "token=gha_unknown"))
            .await
            .status,
        200
    );
    // Revoking a refresh token takes its access tokens with it.
    let token = app
        .send(password_grant(ADMIN_EMAIL, ADMIN_PASSWORD))
        .await
        .json();
    let refresh = token["refresh_token"].as_str().unwrap();
    app.send(
        TestRequest::post()
            .uri("/oauth/revoke")
            .set_json(json!({"token": refresh})),
    )
    .await;
    assert_eq!(
        app.send(authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::Bearer(token["access_token"].as_str().unwrap().to_string())
        ))
        .await
        .status,
        401
    );
}

#[actix_web::test]
async fn introspection_needs_a_superadmin_or_can_introspect_and_says_who_the_caller_is() {
    let app = start().await;
    let w = app.world().await;
    let token = app.send(password_grant(SITE_ADMIN, PASSWORD)).await.json();
    let access = token["access_token"].as_str().unwrap().to_string();

    let info = introspect(&app, &Who::admin(), &access).await;
    assert_eq!(info["active"], true);
    assert_eq!(info["email"], SITE_ADMIN);
    assert_eq!(info["superadmin"], false);
    assert!(info["sub"].is_string() && info["exp"].is_i64());
    assert_eq!(info["memberships"][0]["scopeId"], w.s1);
    assert_eq!(info["memberships"][0]["role"], "admin");
    assert!(info["modules"].is_array());

    // A service account: a plain user, allowed by a superadmin.
    let service = app
        .create(
            "/api/v1/users",
            &Who::admin(),
            json!({"email": "svc@ops.example", "password": PASSWORD}),
        )
        .await;
    let svc = Who::basic("svc@ops.example");
    let refused = app
        .send(authorize(
            form("/oauth/introspect", &format!("token={access}")),
            &svc,
        ))
        .await;
    assert_eq!(refused.status, 403);
    let patched = app
        .patch(
            &format!("/api/v1/users/{service}"),
            &Who::admin(),
            json!({"canIntrospect": true}),
        )
        .await;
    assert_eq!(patched.json()["canIntrospect"], true);
    assert_eq!(introspect(&app, &svc, &access).await["active"], true);
    // An admin may not set the flag.
    let by_admin = app
        .patch(
            &format!("/api/v1/users/{}", w.at_p1),
            &Who::basic(ORG_ADMIN),
            json!({"canIntrospect": true}),
        )
        .await;
    assert_eq!(by_admin.status, 403);

    // Inactive tokens say nothing else.
    app.send(form("/oauth/revoke", &format!("token={access}")))
        .await;
    assert_eq!(
        introspect(&app, &svc, &access).await,
        json!({"active": false})
    );
    assert_eq!(
        introspect(&app, &svc, "gha_never_issued").await,
        json!({"active": false})
    );
    let anonymous = app
        .send(form("/oauth/introspect", &format!("token={access}")))
        .await;
    assert_eq!(anonymous.status, 401);
}

#[actix_web::test]
async fn a_password_change_ends_other_tokens_but_not_the_one_used() {
    let app = start().await;
    app.world().await;
    let one = app.send(password_grant(MEMBER, PASSWORD)).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let two = app.send(password_grant(MEMBER, PASSWORD)).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let change = TestRequest::put()
        .uri("/api/v1/users/me/password")
        .insert_header(("Authorization", format!("Bearer {one}")))
        .set_json(json!({"currentPassword": PASSWORD, "newPassword": "a different pass phrase"}));
    assert_eq!(app.send(change).await.status, 204);
    assert_eq!(
        app.send(authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::Bearer(one.to_string())
        ))
        .await
        .status,
        200
    );
    assert_eq!(
        app.send(authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::Bearer(two.to_string())
        ))
        .await
        .status,
        401
    );
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &Who::basic(MEMBER), None)
            .await,
        401
    );
}

#[actix_web::test]
async fn a_token_is_found_by_the_id_its_secret_carries_and_its_random_part_still_counts() {
    let app = start().await;
    let body = app
        .send(password_grant(ADMIN_EMAIL, ADMIN_PASSWORD))
        .await
        .json();
    let access = body["access_token"].as_str().unwrap().to_string();
    let id = gatehouse::ops::tokens::id_in_secret(&access).expect("the secret carries its id");
    let conn = app.state.pool.get().unwrap();
    let kind: String = conn
        .query_row("SELECT kind FROM tokens WHERE id = ?1", [&id], |r| r.get(0))
        .unwrap();
    assert_eq!(kind, "access");
    let me = |secret: String| {
        authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::Bearer(secret),
        )
    };
    assert_eq!(app.send(me(access.clone())).await.status, 200);
    // The same id with another random part, or one digit changed, is nobody.
    let mut forged = access.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == '0' { '1' } else { '0' });
    assert_eq!(app.send(me(forged)).await.status, 401);
    // The refresh token carries its own id and is no access token.
    let refresh = body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(gatehouse::ops::tokens::id_in_secret(&refresh), Some(id));
    assert_eq!(app.send(me(refresh)).await.status, 401);
}

#[actix_web::test]
async fn a_token_issued_before_secrets_carried_ids_still_works_until_it_is_revoked() {
    let app = start().await;
    let admin = app
        .send(authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::admin(),
        ))
        .await
        .json();
    // As migration 6 leaves a token issued before it: found by the hash of its secret.
    let old = format!("gha_{}", "ab".repeat(32));
    let conn = app.state.pool.get().unwrap();
    conn.execute(
        "INSERT INTO tokens (id, kind, user_id, secret_hash, found_by_hash, family_id, epoch,
             created_at, expires_at)
         VALUES ('old-token', 'access', ?1, ?2, 1, 'old-family',
             (SELECT credential_epoch FROM users WHERE id = ?1), '2026-01-01T00:00:00Z',
             '2999-01-01T00:00:00Z')",
        rusqlite::params![
            admin["id"].as_str().unwrap(),
            gatehouse::secrets::digest(&old)
        ],
    )
    .unwrap();
    let me = |secret: &str| {
        authorize(
            TestRequest::get().uri("/api/v1/users/me"),
            &Who::Bearer(secret.to_string()),
        )
    };
    assert_eq!(app.send(me(&old)).await.status, 200);
    let revoked = app
        .send(form("/oauth/revoke", &format!("token={old}")))
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.text());
    app.clock
        .advance(gatehouse::ops::known::KNOWN_FOR.as_secs() as i64);
    assert_eq!(app.send(me(&old)).await.status, 401);
}
