//! Browser sessions with CSRF tokens, account lockout and address throttling.

use crate::common::*;
use actix_web::test::TestRequest;
use serde_json::json;

fn login(email: &str, password: &str) -> TestRequest {
    TestRequest::post()
        .uri("/api/v1/auth/login")
        .set_json(json!({"email": email, "password": password}))
}

/// The session cookie's `name=value` from a login reply.
fn session_cookie(reply: &Reply) -> String {
    let set = reply.header("set-cookie").expect("a session cookie");
    set.split(';').next().unwrap().to_string()
}

fn with_cookie(req: TestRequest, cookie: &str) -> TestRequest {
    req.insert_header(("Cookie", cookie.to_string()))
}

#[actix_web::test]
async fn login_sets_a_strict_http_only_cookie_and_gives_a_csrf_token() {
    let app = start().await;
    let reply = app.send(login(ADMIN_EMAIL, ADMIN_PASSWORD)).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let set = reply.header("set-cookie").unwrap();
    assert!(set.starts_with("gatehouse_session="), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"),
        "{set}"
    );
    assert!(!set.contains("Secure"), "plain HTTP: no Secure flag");
    let body = reply.json();
    let csrf = body["csrfToken"].as_str().unwrap().to_string();
    assert!(csrf.len() >= 32);
    assert_eq!(body["user"]["email"], ADMIN_EMAIL);

    let cookie = session_cookie(&reply);
    let session = app
        .send(with_cookie(
            TestRequest::get().uri("/api/v1/auth/session"),
            &cookie,
        ))
        .await;
    assert_eq!(session.status, 200);
    assert_eq!(session.json()["csrfToken"], csrf);
}

#[actix_web::test]
async fn a_cookie_request_that_changes_state_needs_the_csrf_token_and_no_foreign_origin() {
    let app = start().await;
    let reply = app.send(login(ADMIN_EMAIL, ADMIN_PASSWORD)).await;
    let cookie = session_cookie(&reply);
    let csrf = reply.json()["csrfToken"].as_str().unwrap().to_string();
    let create = |name: &str| {
        with_cookie(TestRequest::post().uri("/api/v1/organisations"), &cookie)
            .set_json(json!({"name": name}))
    };
    assert_eq!(app.send(create("A")).await.status, 403);
    assert_eq!(
        app.send(create("A").insert_header(("X-CSRF-Token", "wrong")))
            .await
            .status,
        403
    );
    let foreign = create("A")
        .insert_header(("X-CSRF-Token", csrf.clone()))
        .insert_header(("Origin", "https://evil.example"));
    assert_eq!(app.send(foreign).await.status, 403);
    assert_eq!(app.count("organisations"), 0);
    let good = create("A").insert_header(("X-CSRF-Token", csrf.clone()));
    assert_eq!(app.send(good).await.status, 201);
    let same_origin = create("B")
        .insert_header(("X-CSRF-Token", csrf))
        .insert_header(("Origin", "http://localhost:8080"));
    assert_eq!(app.send(same_origin).await.status, 201);
    // Reads need no token, and Basic, keys and Bearer need none either.
    assert_eq!(
        app.send(with_cookie(
            TestRequest::get().uri("/api/v1/organisations"),
            &cookie
        ))
        .await
        .status,
        200
    );
    assert_eq!(
        app.status(
            "POST",
            "/api/v1/organisations",
            &Who::admin(),
            Some(json!({"name": "C"}))
        )
        .await,
        201
    );
}

#[actix_web::test]
async fn logout_ends_the_session() {
    let app = start().await;
    let session = app.session(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let out = app
        .call("POST", "/api/v1/auth/logout", &session, None)
        .await;
    assert_eq!(out.status, 204);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(
        app.status("GET", "/api/v1/auth/session", &session, None)
            .await,
        401
    );
}

#[actix_web::test]
async fn sessions_end_after_the_idle_and_the_absolute_timeout() {
    let app = start_with(|c| {
        c.sessions.idle_timeout = gatehouse::config::Span::parse("60s").unwrap();
        c.sessions.absolute_timeout = gatehouse::config::Span::parse("300s").unwrap();
    })
    .await;
    let cookie = session_cookie(&app.send(login(ADMIN_EMAIL, ADMIN_PASSWORD)).await);
    let me = || with_cookie(TestRequest::get().uri("/api/v1/users/me"), &cookie);
    app.clock.advance(50);
    assert_eq!(app.send(me()).await.status, 200);
    app.clock.advance(50);
    assert_eq!(app.send(me()).await.status, 200, "activity keeps it alive");
    app.clock.advance(61);
    assert_eq!(app.send(me()).await.status, 401, "idle too long");

    let cookie = session_cookie(&app.send(login(ADMIN_EMAIL, ADMIN_PASSWORD)).await);
    for _ in 0..6 {
        app.clock.advance(50);
        app.send(with_cookie(
            TestRequest::get().uri("/api/v1/users/me"),
            &cookie,
        ))
        .await;
    }
    let late = app
        .send(with_cookie(
            TestRequest::get().uri("/api/v1/users/me"),
            &cookie,
        ))
        .await;
    assert_eq!(late.status, 401, "past the absolute timeout");
}

#[actix_web::test]
async fn with_tls_configured_the_cookie_is_secure_with_the_host_prefix() {
    let app = start_with(|c| {
        c.tls.cert_file = Some("cert.pem".into());
        c.tls.key_file = Some("key.pem".into());
    })
    .await;
    let reply = app.send(login(ADMIN_EMAIL, ADMIN_PASSWORD)).await;
    let set = reply.header("set-cookie").unwrap();
    assert!(set.starts_with("__Host-gatehouse_session="), "{set}");
    assert!(set.contains("Secure") && set.contains("Path=/"), "{set}");
}

#[actix_web::test]
async fn a_password_change_ends_other_sessions_but_keeps_this_one() {
    let app = start().await;
    app.world().await;
    let first = app.send(login(MEMBER, PASSWORD)).await;
    let cookie = session_cookie(&first);
    let csrf = first.json()["csrfToken"].as_str().unwrap().to_string();
    let other = session_cookie(&app.send(login(MEMBER, PASSWORD)).await);
    let change = with_cookie(TestRequest::put().uri("/api/v1/users/me/password"), &cookie)
        .insert_header(("X-CSRF-Token", csrf))
        .set_json(json!({"currentPassword": PASSWORD, "newPassword": "a fresh long pass phrase"}));
    assert_eq!(app.send(change).await.status, 204);
    assert_eq!(
        app.send(with_cookie(
            TestRequest::get().uri("/api/v1/users/me"),
            &cookie
        ))
        .await
        .status,
        200
    );
    assert_eq!(
        app.send(with_cookie(
            TestRequest::get().uri("/api/v1/users/me"),
            &other
        ))
        .await
        .status,
        401
    );
}

#[actix_web::test]
async fn an_admin_reset_gives_a_temporary_password_once_and_ends_sessions() {
    let app = start().await;
    let w = app.world().await;
    let cookie = session_cookie(&app.send(login("worker.p1@a.example", PASSWORD)).await);
    let reply = app
        .post(
            &format!("/api/v1/users/{}/reset-password", w.at_p1),
            &Who::basic(SITE_ADMIN),
            json!({}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let temporary = reply.json()["temporaryPassword"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.send(with_cookie(
            TestRequest::get().uri("/api/v1/users/me"),
            &cookie
        ))
        .await
        .status,
        401
    );
    let fresh = Who::Basic("worker.p1@a.example".into(), temporary);
    let me = app.get("/api/v1/users/me", &fresh).await;
    assert_eq!(me.json()["mustChangePassword"], true);
    assert_eq!(
        app.get("/api/v1/plants", &fresh).await.json()["error"]["code"],
        "password_change_required"
    );
    let outside = app
        .post(
            &format!("/api/v1/users/{}/reset-password", w.at_p3),
            &Who::basic(SITE_ADMIN),
            json!({}),
        )
        .await;
    assert_eq!(outside.status, 404);
}

#[actix_web::test]
async fn five_failures_lock_the_account_and_a_locked_account_answers_like_a_wrong_password() {
    let app = start().await;
    let w = app.world().await;
    let wrong = Who::Basic(MEMBER.into(), "wrong guess number one".into());
    let first_wrong = app.get("/api/v1/users/me", &wrong).await;
    for _ in 0..4 {
        assert_eq!(
            app.status("GET", "/api/v1/users/me", &wrong, None).await,
            401
        );
    }
    let locked = app.get("/api/v1/users/me", &Who::basic(MEMBER)).await;
    assert_eq!(locked.status, 401);
    assert_eq!(locked.text(), first_wrong.text());
    assert_eq!(
        locked.header("www-authenticate"),
        first_wrong.header("www-authenticate")
    );

    let member = app
        .get(&format!("/api/v1/users?q={MEMBER}"), &Who::admin())
        .await
        .json()["items"][0]
        .clone();
    let until = member["lockedUntil"]
        .as_str()
        .expect("the admin sees the lock")
        .to_string();
    // Attempts while locked do not extend the lock.
    app.clock.advance(60);
    app.get("/api/v1/users/me", &wrong).await;
    let again = app
        .get(&format!("/api/v1/users?q={MEMBER}"), &Who::admin())
        .await
        .json()["items"][0]["lockedUntil"]
        .clone();
    assert_eq!(again, until);
    // The lock expires.
    app.clock.advance(15 * 60);
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &Who::basic(MEMBER), None)
            .await,
        200
    );
    let _ = w;
}

#[actix_web::test]
async fn case_variants_and_every_sign_in_path_share_one_counter() {
    let app = start().await;
    app.world().await;
    let bad = "wrong guess for the test";
    app.get(
        "/api/v1/users/me",
        &Who::Basic("MEMBER@a.example".into(), bad.into()),
    )
    .await;
    app.get(
        "/api/v1/users/me",
        &Who::Basic("Member@A.Example".into(), bad.into()),
    )
    .await;
    app.send(login("member@A.example", bad)).await;
    let form = format!(
        "grant_type=password&username=MEMBER@a.example&password={}",
        bad.replace(' ', "+")
    );
    app.send(
        TestRequest::post()
            .uri("/oauth/token")
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload(form),
    )
    .await;
    app.get("/api/v1/users/me", &Who::Basic(MEMBER.into(), bad.into()))
        .await;
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &Who::basic(MEMBER), None)
            .await,
        401,
        "locked after five"
    );
}

#[actix_web::test]
async fn a_success_resets_the_counter() {
    let app = start().await;
    app.world().await;
    let wrong = Who::Basic(MEMBER.into(), "wrong guess for the test".into());
    for _ in 0..4 {
        app.get("/api/v1/users/me", &wrong).await;
    }
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &Who::basic(MEMBER), None)
            .await,
        200
    );
    for _ in 0..4 {
        app.get("/api/v1/users/me", &wrong).await;
    }
    app.state.env.cache.forget_all();
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &Who::basic(MEMBER), None)
            .await,
        200,
        "4 + 4 never reached 5 in a row"
    );
}

#[actix_web::test]
async fn an_admin_unlocks_at_once() {
    let app = start().await;
    let w = app.world().await;
    let wrong = Who::Basic(
        "worker.p1@a.example".into(),
        "wrong guess for the test".into(),
    );
    for _ in 0..5 {
        app.get("/api/v1/users/me", &wrong).await;
    }
    let worker = Who::basic("worker.p1@a.example");
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &worker, None).await,
        401
    );
    let unlocked = app
        .post(
            &format!("/api/v1/users/{}/unlock", w.at_p1),
            &Who::basic(PLANT_ADMIN),
            json!({}),
        )
        .await;
    assert_eq!(unlocked.status, 200, "{}", unlocked.text());
    assert!(unlocked.json()["lockedUntil"].is_null());
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &worker, None).await,
        200
    );
}

#[actix_web::test]
async fn one_address_spraying_many_accounts_is_throttled() {
    let app = start_with(|c| c.lockout.address_max_failures = 3).await;
    app.world().await;
    let from = |ip: &str, email: &str| {
        let who = Who::Basic(email.into(), "spray spray spray spray".into());
        authorize(TestRequest::get().uri("/api/v1/users/me"), &who)
            .peer_addr(format!("{ip}:40000").parse().unwrap())
    };
    for email in [MEMBER, SUPPORT, SITE_ADMIN] {
        assert_eq!(app.send(from("10.9.9.9", email)).await.status, 401);
    }
    let throttled = app.send(from("10.9.9.9", ORG_ADMIN)).await;
    assert_eq!(throttled.status, 429);
    let wait: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!(wait > 0 && wait <= 60);
    // Another address is not affected, and the window passes.
    let other = authorize(
        TestRequest::get().uri("/api/v1/users/me"),
        &Who::basic(ORG_ADMIN),
    )
    .peer_addr("10.1.1.1:40000".parse().unwrap());
    assert_eq!(app.send(other).await.status, 200);
    app.clock.advance(61);
    let later = authorize(
        TestRequest::get().uri("/api/v1/users/me"),
        &Who::basic(ORG_ADMIN),
    )
    .peer_addr("10.9.9.9:40000".parse().unwrap());
    assert_eq!(app.send(later).await.status, 200);
}

#[actix_web::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let app = start_with(|c| {
        c.lockout.address_max_failures = 2;
        c.lockout.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let attempt = |peer: &str, forwarded: &str| {
        let who = Who::Basic(MEMBER.into(), "spray spray spray spray".into());
        authorize(TestRequest::get().uri("/api/v1/users/me"), &who)
            .peer_addr(format!("{peer}:40000").parse().unwrap())
            .insert_header(("X-Forwarded-For", forwarded.to_string()))
    };
    // An untrusted peer cannot dodge the throttle by inventing forwarded addresses.
    app.send(attempt("10.5.5.5", "1.1.1.1")).await;
    app.send(attempt("10.5.5.5", "2.2.2.2")).await;
    assert_eq!(app.send(attempt("10.5.5.5", "3.3.3.3")).await.status, 429);
    // Behind the trusted proxy, each forwarded client is counted on its own.
    app.send(attempt("127.0.0.1", "4.4.4.4")).await;
    app.send(attempt("127.0.0.1", "4.4.4.4")).await;
    assert_eq!(app.send(attempt("127.0.0.1", "4.4.4.4")).await.status, 429);
    assert_eq!(app.send(attempt("127.0.0.1", "5.5.5.5")).await.status, 401);
}

#[actix_web::test]
async fn a_remembered_success_resets_the_counter_too() {
    let app = start().await;
    app.world().await;
    let wrong = Who::Basic(MEMBER.into(), "wrong guess for the test".into());
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &Who::basic(MEMBER), None)
            .await,
        200
    );
    for _ in 0..4 {
        app.get("/api/v1/users/me", &wrong).await;
    }
    // This success comes from the credential cache.
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &Who::basic(MEMBER), None)
            .await,
        200
    );
    for _ in 0..4 {
        app.get("/api/v1/users/me", &wrong).await;
    }
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &Who::basic(MEMBER), None)
            .await,
        200
    );
}

#[actix_web::test]
async fn disabling_a_user_ends_their_sessions_at_once() {
    let app = start().await;
    let w = app.world().await;
    let cookie = session_cookie(&app.send(login("worker.p1@a.example", PASSWORD)).await);
    let me = || with_cookie(TestRequest::get().uri("/api/v1/users/me"), &cookie);
    assert_eq!(app.send(me()).await.status, 200);
    app.patch(
        &format!("/api/v1/users/{}", w.at_p1),
        &Who::admin(),
        json!({"status": "disabled"}),
    )
    .await;
    assert_eq!(app.send(me()).await.status, 401);
}

#[actix_web::test]
async fn a_wrong_login_answers_401_without_a_cookie() {
    let app = start().await;
    let reply = app
        .send(login(ADMIN_EMAIL, "not the password at all"))
        .await;
    assert_eq!(reply.status, 401);
    assert!(reply.header("set-cookie").is_none());
    assert_eq!(reply.json()["error"]["code"], "unauthenticated");
}
