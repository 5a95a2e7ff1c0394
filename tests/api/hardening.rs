//! Credentials that cannot be stretched and races that cannot be won: a token cannot mint a
//! key, a password set by someone else must be changed, one's own email needs the current
//! password, keys die with their owner's account, and parallel bursts do not overrun a rule.

use crate::common::*;
use actix_web::test::TestRequest;
use futures_util::future::join_all;
use serde_json::{json, Value};

fn user_path(id: &str) -> String {
    format!("/api/v1/users/{id}")
}

fn form(path: &str, body: &str) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload(body.to_string())
}

fn password_grant(email: &str, password: &str) -> TestRequest {
    let body = format!(
        "grant_type=password&username={email}&password={}",
        password.replace(' ', "+")
    );
    form("/oauth/token", &body)
}

/// Audit rows of one action, read straight from the database.
fn audited<S>(app: &TestApp<S>, action: &str) -> Vec<Value> {
    let conn = app.state.pool.get().unwrap();
    let mut stmt = conn
        .prepare("SELECT summary FROM audit WHERE action = ?1 ORDER BY seq")
        .unwrap();
    let rows = stmt
        .query_map([action], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|s| serde_json::from_str(&s.unwrap()).unwrap())
        .collect();
    rows
}

#[actix_web::test]
async fn nobody_resets_their_own_password_through_the_admin_path() {
    let app = start().await;
    let w = app.world().await;
    let me = app
        .get("/api/v1/users/me", &Who::basic(SITE_ADMIN))
        .await
        .json();
    let id = me["id"].as_str().unwrap();
    let reset = app
        .post(
            &format!("{}/reset-password", user_path(id)),
            &Who::basic(SITE_ADMIN),
            json!({}),
        )
        .await;
    assert_eq!(reset.status, 400);
    assert_eq!(
        reset.json()["error"]["message"],
        "use PUT /api/v1/users/me/password"
    );
    // The same through 4PointX's PUT with a password, on oneself.
    let body = json!({"site_id": w.s1, "plant_id": "*", "username": SITE_ADMIN, "mobile_number": "1234567890",
        "country_code": "+44", "user_type": "site-admin", "password": "another long pass phrase"});
    let put = app
        .call(
            "PUT",
            "/_config/users/",
            &Who::basic(SITE_ADMIN),
            Some(body),
        )
        .await;
    assert_eq!(put.status, 400, "{}", put.text());
    assert!(
        put.text().contains("use PUT /api/v1/users/me/password"),
        "{}",
        put.text()
    );
    // The password still works.
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &Who::basic(SITE_ADMIN), None)
            .await,
        200
    );
}

#[actix_web::test]
async fn a_password_someone_else_sets_must_be_changed_and_one_chosen_at_creation_need_not() {
    let app = start().await;
    app.doc_structure().await;
    let root = Who::admin();
    let create = json!({"site_id": DOC_SITE, "plant_id": DOC_PLANT, "username": "handed@plant.example",
        "mobile_number": "1234567890", "country_code": "+44", "user_type": "general-user",
        "password": "a long enough pass phrase"});
    let created = app
        .call("POST", "/_config/users/", &root, Some(create))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let user = app.get("/api/v1/users?q=handed@", &root).await.json()["items"][0].clone();
    assert_eq!(
        user["mustChangePassword"], false,
        "an admin's chosen password is handed over"
    );

    let update = json!({"site_id": DOC_SITE, "plant_id": DOC_PLANT, "username": "handed@plant.example",
        "mobile_number": "1234567890", "country_code": "+44", "user_type": "general-user",
        "password": "a password set by the admin"});
    let put = app
        .call("PUT", "/_config/users/", &root, Some(update))
        .await;
    assert_eq!(put.status, 200, "{}", put.text());
    let after = app
        .get(&user_path(user["id"].as_str().unwrap()), &root)
        .await
        .json();
    assert_eq!(after["mustChangePassword"], true);
    let reset = app
        .post(
            &format!("{}/reset-password", user_path(user["id"].as_str().unwrap())),
            &root,
            json!({}),
        )
        .await;
    assert_eq!(reset.status, 200);
    let after = app
        .get(&user_path(user["id"].as_str().unwrap()), &root)
        .await
        .json();
    assert_eq!(after["mustChangePassword"], true);
}

#[actix_web::test]
async fn changing_ones_own_email_takes_the_current_password_and_a_wrong_one_counts() {
    let app = start_with(|c| c.lockout.max_failures = 3).await;
    let w = app.world().await;
    // A token, so that no sign-in of the caller resets the count between the attempts.
    let token = app
        .send(password_grant(ADMIN_EMAIL, ADMIN_PASSWORD))
        .await
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let root = Who::Bearer(token);
    let me = app.get("/api/v1/users/me", &root).await.json();
    let path = user_path(me["id"].as_str().unwrap());
    let missing = app
        .patch(&path, &root, json!({"email": "new.root@plant.example"}))
        .await;
    assert_eq!(missing.status, 400);
    assert!(missing.json()["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("currentPassword"));
    let wrong = app
        .patch(
            &path,
            &root,
            json!({"email": "new.root@plant.example", "currentPassword": "not it at all"}),
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert_eq!(
        wrong.json()["error"]["message"],
        "currentPassword: is not the current password"
    );
    // The same answer PUT /api/v1/users/me/password gives.
    let change = app
        .call("PUT", "/api/v1/users/me/password", &root,
            Some(json!({"currentPassword": "not it at all", "newPassword": "whatever long enough thing"})))
        .await;
    assert_eq!(change.json(), wrong.json());
    let failures: i64 = app
        .state
        .pool
        .get()
        .unwrap()
        .query_row(
            "SELECT failed_logins FROM users WHERE email_key = ?1",
            [ADMIN_EMAIL],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        failures, 2,
        "each wrong currentPassword counts toward the lockout"
    );
    // Nothing changed; with the right password it does.
    assert_eq!(
        app.get("/api/v1/users/me", &root).await.json()["email"],
        ADMIN_EMAIL
    );
    let right = app
        .patch(
            &path,
            &root,
            json!({"email": "new.root@plant.example", "currentPassword": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(right.status, 200, "{}", right.text());
    assert_eq!(right.json()["email"], "new.root@plant.example");
    // Another user's email is an admin's to change without it.
    let other = app
        .patch(
            &user_path(&w.at_p1),
            &Who::Basic("new.root@plant.example".into(), ADMIN_PASSWORD.into()),
            json!({"email": "moved.p1@a.example"}),
        )
        .await;
    assert_eq!(other.status, 200, "{}", other.text());
}

#[actix_web::test]
async fn only_a_password_sign_in_creates_an_api_key() {
    let app = start().await;
    let token = app
        .send(password_grant(ADMIN_EMAIL, ADMIN_PASSWORD))
        .await
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let by_token = app
        .post(
            "/api/v1/api-keys",
            &Who::Bearer(token),
            json!({"name": "forever"}),
        )
        .await;
    assert_eq!(by_token.status, 403);
    assert_eq!(
        by_token.json()["error"]["message"],
        "an API key can only be created with a password sign-in"
    );
    let key = app.api_key(&Who::admin()).await;
    let by_key = app
        .post(
            "/api/v1/api-keys",
            &Who::Key(key),
            json!({"name": "another"}),
        )
        .await;
    assert_eq!(by_key.status, 403);
    assert_eq!(app.count("api_keys"), 1);
}

#[actix_web::test]
async fn api_keys_end_for_good_when_the_account_is_disabled_deleted_or_reset_by_an_admin() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    let worker = Who::basic("worker.p1@a.example");
    let key = Who::Key(app.api_key(&worker).await);
    assert_eq!(app.status("GET", "/api/v1/users/me", &key, None).await, 200);
    // Disabled and enabled again: the old key stays dead.
    let path = user_path(&w.at_p1);
    app.patch(&path, &root, json!({"status": "disabled"})).await;
    app.patch(&path, &root, json!({"status": "active"})).await;
    assert_eq!(app.status("GET", "/api/v1/users/me", &key, None).await, 401);

    // A reset by an admin ends the keys too.
    let key = Who::Key(app.api_key(&worker).await);
    let reset = app
        .post(&format!("{path}/reset-password"), &root, json!({}))
        .await;
    assert_eq!(reset.status, 200);
    assert_eq!(app.status("GET", "/api/v1/users/me", &key, None).await, 401);

    // One's own password change keeps them.
    let other = Who::basic("worker.p2@a.example");
    let key = Who::Key(app.api_key(&other).await);
    let change = app
        .call(
            "PUT",
            "/api/v1/users/me/password",
            &other,
            Some(
                json!({"currentPassword": PASSWORD, "newPassword": "my own new long pass phrase"}),
            ),
        )
        .await;
    assert_eq!(change.status, 204, "{}", change.text());
    assert_eq!(app.status("GET", "/api/v1/users/me", &key, None).await, 200);

    // Deleting the account deletes its keys.
    assert_eq!(
        app.status("DELETE", &user_path(&w.at_p2), &root, None)
            .await,
        204
    );
    assert_eq!(app.status("GET", "/api/v1/users/me", &key, None).await, 401);
    assert_eq!(app.count("api_keys"), 0);
}

#[actix_web::test]
async fn of_two_concurrent_refreshes_with_one_token_exactly_one_wins() {
    for _ in 0..5 {
        let app = start().await;
        let first = app
            .send(password_grant(ADMIN_EMAIL, ADMIN_PASSWORD))
            .await
            .json();
        let refresh = first["refresh_token"].as_str().unwrap().to_string();
        let body = format!("grant_type=refresh_token&refresh_token={refresh}");
        let replies = join_all((0..2).map(|_| app.send(form("/oauth/token", &body)))).await;
        let won = replies.iter().filter(|r| r.status == 200).count();
        assert_eq!(
            won,
            1,
            "{:?}",
            replies.iter().map(|r| r.text()).collect::<Vec<_>>()
        );
        let lost = replies.iter().find(|r| r.status != 200).unwrap();
        assert_eq!(lost.json()["error"], "invalid_grant");
        assert_eq!(audited(&app, "token.replay").len(), 1);
        // The replay revoked the family: the winner's tokens end too.
        let winner = replies.iter().find(|r| r.status == 200).unwrap().json();
        let token = Who::Bearer(winner["access_token"].as_str().unwrap().to_string());
        assert_eq!(
            app.status("GET", "/api/v1/users/me", &token, None).await,
            401
        );
    }
}

#[actix_web::test]
async fn a_parallel_burst_of_wrong_passwords_checks_no_more_than_the_lockout_allows() {
    let app = start_with(|c| {
        c.lockout.max_failures = 5;
        c.lockout.address_max_failures = 1000;
    })
    .await;
    let wrong = Who::Basic(ADMIN_EMAIL.into(), "wrong password, try again".into());
    let replies = join_all((0..40).map(|_| app.get("/api/v1/users/me", &wrong))).await;
    assert!(replies.iter().all(|r| r.status == 401));
    let reasons: Vec<String> = audited(&app, "signin")
        .iter()
        .map(|s| s["reason"].as_str().unwrap_or_default().to_string())
        .collect();
    let checked = reasons.iter().filter(|r| *r == "wrong password").count();
    assert_eq!(checked, 5, "{reasons:?}");
    assert_eq!(reasons.len(), 40);
    assert_eq!(audited(&app, "account.lock").len(), 1);
    // Locked: the right password is refused now.
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &Who::admin(), None)
            .await,
        401
    );
}

#[actix_web::test]
async fn a_parallel_burst_from_one_address_gets_no_further_than_its_limit() {
    let app = start_with(|c| c.lockout.address_max_failures = 20).await;
    let callers: Vec<Who> = (0..40)
        .map(|i| {
            Who::Basic(
                format!("nobody{i}@plant.example"),
                "a wrong password".into(),
            )
        })
        .collect();
    let replies = join_all(callers.iter().map(|who| app.get("/api/v1/users/me", who))).await;
    let past = replies.iter().filter(|r| r.status != 429).count();
    assert_eq!(past, 20);
    assert_eq!(audited(&app, "signin").len(), 20);
}

#[actix_web::test]
async fn a_caller_who_may_not_create_is_refused_before_any_password_work_whatever_the_email() {
    let app = start().await;
    let w = app.world().await;
    let member = Who::basic(MEMBER);
    // A password that breaks the policy: had it been looked at, the answer would be a 400.
    for email in ["worker.p2@a.example", "brand.new@a.example"] {
        let body = json!({"email": email, "password": "short", "memberships": [{"plantId": w.p1, "role": "admin"}]});
        let refused = app.post("/api/v1/users", &member, body).await;
        assert_eq!(refused.status, 403, "{email}: {}", refused.text());
        assert_eq!(
            refused.json()["error"]["message"],
            "you may not grant roles at Press"
        );
    }
    // The same through the dialects: Busroot's join and Hoxton's upsert.
    let key = app.api_key(&member).await;
    let mut bodies = Vec::new();
    for email in ["worker.p2@a.example", "brand.new@a.example"] {
        let busroot = TestRequest::post()
            .uri(&format!("/api/admin/user?accountId={}", w.org_a))
            .insert_header(("X-API-KEY", key.clone()))
            .set_json(json!({"email": email, "role": "member"}));
        let reply = app.send(busroot).await;
        assert_eq!(reply.status, 403, "{email}: {}", reply.text());
        let hoxton = json!({"email": email, "firstName": "A", "lastName": "B", "organisationId": w.org_a,
            "roles": ["member"], "siteIds": [w.s1]});
        let hox = app.call("PUT", "/users", &member, Some(hoxton)).await;
        assert_eq!(hox.status, 403, "{email}: {}", hox.text());
        bodies.push((reply.text(), hox.text()));
    }
    assert_eq!(
        bodies[0], bodies[1],
        "the refusal tells nothing of which emails exist"
    );
}

#[actix_web::test]
async fn a_read_with_a_key_or_a_session_takes_no_write_lock_once_its_use_is_recorded() {
    let app = start_with(|c| {
        c.database.busy_timeout = gatehouse::config::Span(std::time::Duration::from_millis(300))
    })
    .await;
    let key = Who::Key(app.api_key(&Who::admin()).await);
    let session = app.session(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    // The first use records itself; the next ones within the minute only read.
    assert_eq!(app.status("GET", "/api/v1/users/me", &key, None).await, 200);
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &session, None).await,
        200
    );
    let blocker = rusqlite::Connection::open(&app.state.env.config.database.path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    for _ in 0..3 {
        assert_eq!(
            app.status("GET", "/api/v1/users/me", &key, None).await,
            200,
            "the key's read waited for the write lock"
        );
        assert_eq!(
            app.status("GET", "/api/v1/users/me", &session, None).await,
            200,
            "the session's read waited for the write lock"
        );
    }
    blocker.execute_batch("ROLLBACK").unwrap();
}

#[actix_web::test]
async fn parallel_sign_ins_of_one_account_with_the_right_password_all_succeed() {
    let app = start_with(|c| c.lockout.max_failures = 5).await;
    let root = Who::admin();
    let replies = join_all((0..32).map(|_| app.get("/api/v1/users/me", &root))).await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    // One bcrypt check; the others were answered by the cache it filled.
    assert_eq!(audited(&app, "signin").len(), 1);
}

#[actix_web::test]
async fn concurrent_client_grants_share_commits_and_a_refused_one_keeps_its_trace() {
    let app = start().await;
    let key = app
        .post("/api/v1/api-keys", &Who::admin(), json!({"name": "svc"}))
        .await
        .json();
    let (id, secret) = (key["id"].as_str().unwrap(), key["secret"].as_str().unwrap());
    let good = format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
    let bad = format!("grant_type=client_credentials&client_id={id}&client_secret=wrong");
    let bodies: Vec<&str> = (0..24)
        .map(|i| {
            if i % 6 == 5 {
                bad.as_str()
            } else {
                good.as_str()
            }
        })
        .collect();
    let replies = join_all(bodies.iter().map(|b| app.send(form("/oauth/token", b)))).await;
    let granted: Vec<String> = replies
        .iter()
        .filter(|r| r.status == 200)
        .map(|r| r.json()["access_token"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(granted.len(), 20);
    assert_eq!(replies.iter().filter(|r| r.status == 401).count(), 4);
    for token in &granted {
        let who = Who::Bearer(token.clone());
        assert_eq!(app.status("GET", "/api/v1/users/me", &who, None).await, 200);
    }
    let issued = audited(&app, "token.issue");
    assert_eq!(
        issued.len(),
        24,
        "20 grants and 4 refusals, each audited once"
    );
    let conn = app.state.pool.get().unwrap();
    assert!(
        gatehouse::db::audit::verify(&conn).is_ok(),
        "the chain holds across shared commits"
    );
}

#[actix_web::test]
async fn a_write_that_fails_in_a_shared_transaction_takes_only_itself_back() {
    let app = start().await;
    let insert = |name: &'static str| {
        move |tx: &rusqlite::Connection, _: &gatehouse::ops::Env| {
            tx.execute(
                "INSERT INTO organisations (id, name, created_at, updated_at) VALUES (?1, ?1, 'now', 'now')",
                [name],
            )
            .map_err(gatehouse::error::Error::from)
        }
    };
    let (kept, refused, panicked, also_kept) = futures_util::future::join4(
        app.state.write(insert("kept")),
        app.state.write(move |tx, env| {
            insert("refused")(tx, env)?;
            Err::<usize, _>(gatehouse::error::Error::Conflict("no".into()))
        }),
        app.state.write(move |tx, env| {
            insert("panicked")(tx, env)?;
            if env.config.tokens.access_lifetime().as_secs() > 0 {
                panic!("a bug in one write");
            }
            Ok(0)
        }),
        app.state.write(insert("also kept")),
    )
    .await;
    assert_eq!(kept, Ok(1));
    assert_eq!(refused, Err(gatehouse::error::Error::Conflict("no".into())));
    assert!(matches!(
        panicked,
        Err(gatehouse::error::Error::Internal(_))
    ));
    assert_eq!(also_kept, Ok(1));
    let conn = app.state.pool.get().unwrap();
    let names: Vec<String> = conn
        .prepare("SELECT id FROM organisations ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(names, ["also kept", "kept"]);
}
