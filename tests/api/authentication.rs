//! HTTP Basic and API keys.

use crate::common::*;
use serde_json::json;

#[actix_web::test]
async fn wrong_password_unknown_user_and_disabled_user_look_the_same() {
    let app = start().await;
    let w = app.world().await;
    app.patch(
        &format!("/api/v1/users/{}", w.at_p2),
        &Who::admin(),
        json!({"status": "disabled"}),
    )
    .await;
    let attempts = [
        Who::Basic(MEMBER.into(), "not the right password at all".into()),
        Who::basic("nobody@nowhere.example"),
        Who::basic("worker.p2@a.example"),
        Who::Nobody,
        Who::Key("ghk_0000000000000000".into()),
    ];
    let mut bodies = Vec::new();
    for who in attempts {
        let reply = app.get("/api/v1/users/me", &who).await;
        assert_eq!(reply.status, 401, "{who:?}");
        assert_eq!(
            reply.header("www-authenticate").as_deref(),
            Some("Basic realm=\"gatehouse\"")
        );
        bodies.push(reply.text());
    }
    assert!(bodies.windows(2).all(|p| p[0] == p[1]), "{bodies:?}");
}

#[actix_web::test]
async fn an_unknown_email_is_checked_against_a_hash_of_the_configured_cost() {
    let app = start_with(|c| c.security.bcrypt_cost = 5).await;
    assert!(app.state.env.dummy_hash.get().starts_with("$2b$05$"));
}

#[actix_web::test]
async fn an_api_key_is_shown_once_stored_as_a_hash_and_acts_as_its_owner() {
    let app = start().await;
    app.world().await;
    let member = Who::basic(MEMBER);
    let created = app
        .post("/api/v1/api-keys", &member, json!({"name": "historian"}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let key = created.json();
    let secret = key["secret"].as_str().unwrap().to_string();
    assert!(
        secret.starts_with("ghk_") && secret.len() >= 4 + 32,
        "at least 128 bits"
    );
    assert!(secret.starts_with(key["prefix"].as_str().unwrap()));
    for field in ["id", "name", "prefix", "createdAt", "expiresAt"] {
        assert!(key.get(field).is_some(), "{field}");
    }

    let by_key = Who::Key(secret.clone());
    assert_eq!(
        app.get("/api/v1/users/me", &by_key).await.json()["email"],
        MEMBER
    );
    // Never more than the owner: a member cannot create organisations or see other users.
    assert_eq!(
        app.status(
            "POST",
            "/api/v1/organisations",
            &by_key,
            Some(json!({"name": "X"}))
        )
        .await,
        403
    );
    assert_eq!(
        app.get("/api/v1/users", &by_key).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let listed = app.get("/api/v1/api-keys", &member).await;
    assert!(!listed.text().contains(&secret));
    let item = &listed.json()["items"][0];
    assert_eq!(item["name"], "historian");
    assert!(item["lastUsedAt"].is_string(), "{item}");
    let conn = app.state.pool.get().unwrap();
    let stored: Vec<u8> = conn
        .query_row("SELECT secret_hash FROM api_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored.len(), 32);
    assert!(!String::from_utf8_lossy(&stored).contains(&secret[4..]));
}

#[actix_web::test]
async fn a_key_is_accepted_only_from_the_header() {
    let app = start().await;
    let created = app
        .post("/api/v1/api-keys", &Who::admin(), json!({"name": "x"}))
        .await
        .json();
    let secret = created["secret"].as_str().unwrap();
    for query in ["api_key", "apiKey", "x-api-key", "key"] {
        let reply = app
            .get(&format!("/api/v1/users/me?{query}={secret}"), &Who::Nobody)
            .await;
        assert_eq!(reply.status, 401, "{query}");
    }
}

#[actix_web::test]
async fn a_revoked_key_stops_at_once() {
    let app = start().await;
    let root = Who::admin();
    let created = app
        .post("/api/v1/api-keys", &root, json!({"name": "x"}))
        .await
        .json();
    let by_key = Who::Key(created["secret"].as_str().unwrap().into());
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &by_key, None).await,
        200
    );
    let path = format!("/api/v1/api-keys/{}", created["id"].as_str().unwrap());
    assert_eq!(app.status("DELETE", &path, &root, None).await, 204);
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &by_key, None).await,
        401
    );
    assert_eq!(app.status("DELETE", &path, &root, None).await, 404);
}

#[actix_web::test]
async fn nobody_revokes_or_lists_someone_elses_key() {
    let app = start().await;
    app.world().await;
    let created = app
        .post(
            "/api/v1/api-keys",
            &Who::basic(MEMBER),
            json!({"name": "x"}),
        )
        .await
        .json();
    let path = format!("/api/v1/api-keys/{}", created["id"].as_str().unwrap());
    assert_eq!(app.status("DELETE", &path, &Who::admin(), None).await, 404);
    assert!(
        app.get("/api/v1/api-keys", &Who::admin()).await.json()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[actix_web::test]
async fn an_expired_key_is_refused() {
    let app = start().await;
    let root = Who::admin();
    let soon = gatehouse::clock::format(app.clock.now() + time::Duration::hours(1));
    let created = app
        .post(
            "/api/v1/api-keys",
            &root,
            json!({"name": "x", "expiresAt": soon}),
        )
        .await
        .json();
    let by_key = Who::Key(created["secret"].as_str().unwrap().into());
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &by_key, None).await,
        200
    );
    app.clock.advance(2 * 3600);
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &by_key, None).await,
        401
    );
    let past = app
        .post(
            "/api/v1/api-keys",
            &root,
            json!({"name": "x", "expiresAt": "2001-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(past.status, 400);
    assert_eq!(
        app.status(
            "POST",
            "/api/v1/api-keys",
            &root,
            Some(json!({"name": "x", "expiresAt": "tomorrow"}))
        )
        .await,
        400
    );
}

#[actix_web::test]
async fn disabling_a_user_stops_their_keys_and_their_remembered_password_at_once() {
    let app = start().await;
    let w = app.world().await;
    let worker = Who::basic("worker.p1@a.example");
    let key = app
        .post("/api/v1/api-keys", &worker, json!({"name": "x"}))
        .await
        .json();
    let by_key = Who::Key(key["secret"].as_str().unwrap().into());
    // Both work, and the password check is now cached.
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &worker, None).await,
        200
    );
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &by_key, None).await,
        200
    );
    let path = format!("/api/v1/users/{}", w.at_p1);
    assert_eq!(
        app.status(
            "PATCH",
            &path,
            &Who::admin(),
            Some(json!({"status": "disabled"}))
        )
        .await,
        200
    );
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &worker, None).await,
        401
    );
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &by_key, None).await,
        401
    );
    // Enabling again restores the password (the key too: it was never revoked).
    assert_eq!(
        app.status(
            "PATCH",
            &path,
            &Who::admin(),
            Some(json!({"status": "active"}))
        )
        .await,
        200
    );
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &worker, None).await,
        200
    );
}

#[actix_web::test]
async fn deleting_a_user_removes_their_keys() {
    let app = start().await;
    let w = app.world().await;
    let worker = Who::basic("worker.p1@a.example");
    app.post("/api/v1/api-keys", &worker, json!({"name": "x"}))
        .await;
    assert_eq!(app.count("api_keys"), 1);
    assert_eq!(
        app.status(
            "DELETE",
            &format!("/api/v1/users/{}", w.at_p1),
            &Who::admin(),
            None
        )
        .await,
        204
    );
    assert_eq!(app.count("api_keys"), 0);
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &worker, None).await,
        401
    );
}

#[actix_web::test]
async fn a_changed_password_ends_the_remembered_old_one() {
    let app = start().await;
    app.world().await;
    let old = Who::basic(MEMBER);
    assert_eq!(app.status("GET", "/api/v1/users/me", &old, None).await, 200);
    let change = json!({"currentPassword": PASSWORD, "newPassword": "another long pass phrase"});
    assert_eq!(
        app.call("PUT", "/api/v1/users/me/password", &old, Some(change))
            .await
            .status,
        204
    );
    assert_eq!(app.status("GET", "/api/v1/users/me", &old, None).await, 401);
    let wrong = json!({"currentPassword": "not it at all, sorry", "newPassword": "yet another pass phrase"});
    let new = Who::Basic(MEMBER.into(), "another long pass phrase".into());
    let reply = app
        .call("PUT", "/api/v1/users/me/password", &new, Some(wrong))
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("currentPassword"));
}

#[actix_web::test]
async fn a_known_caller_loses_a_removed_role_at_once_and_a_change_by_another_process_in_seconds() {
    let app = start().await;
    let w = app.world().await;
    let admin = Who::basic(SITE_ADMIN);
    let key = app
        .post("/api/v1/api-keys", &admin, json!({"name": "x"}))
        .await
        .json();
    let by_key = Who::Key(key["secret"].as_str().unwrap().into());
    let worker = format!("/api/v1/users/{}", w.at_p1);
    for who in [&admin, &by_key, &admin, &by_key] {
        assert_eq!(app.status("GET", &worker, who, None).await, 200);
    }
    // Through the server: the next request already knows.
    let me = app.get("/api/v1/users/me", &admin).await.json();
    let membership = me["memberships"][0]["id"].as_str().unwrap().to_string();
    let path = format!(
        "/api/v1/users/{}/memberships/{membership}",
        me["id"].as_str().unwrap()
    );
    assert_eq!(app.status("DELETE", &path, &Who::admin(), None).await, 204);
    for who in [&admin, &by_key] {
        assert_eq!(app.status("GET", &worker, who, None).await, 404);
    }
    // Written beside the server (as `gatehouse import` would): seen within KNOWN_FOR.
    let readd = app
        .post(
            &format!("/api/v1/users/{}/memberships", me["id"].as_str().unwrap()),
            &Who::admin(),
            json!({"siteId": w.s1, "role": "admin"}),
        )
        .await;
    assert_eq!(readd.status, 201, "{}", readd.text());
    assert_eq!(app.status("GET", &worker, &by_key, None).await, 200);
    let conn = app.state.pool.get().unwrap();
    conn.execute(
        "DELETE FROM memberships WHERE user_number = (SELECT number FROM users WHERE id = ?1)",
        [me["id"].as_str().unwrap()],
    )
    .unwrap();
    app.clock
        .advance(gatehouse::ops::known::KNOWN_FOR.as_secs() as i64);
    for who in [&admin, &by_key] {
        assert_eq!(app.status("GET", &worker, who, None).await, 404);
    }
}
