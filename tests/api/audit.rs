//! The audit trail: what is recorded, who reads it, and that it cannot be edited unseen.

use crate::common::process::{run, write_config};
use crate::common::*;
use actix_web::test::TestRequest;
use serde_json::{json, Value};

fn actions(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn every_kind_of_change_is_recorded_with_actor_source_target_and_outcome() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    let user = format!("/api/v1/users/{}", w.at_p1);
    app.patch(
        &user,
        &root,
        json!({"modules": ["Alerting"], "firstName": "Ada"}),
    )
    .await;
    let membership = app
        .post(
            &format!("{user}/memberships"),
            &root,
            json!({"plantId": w.p2, "role": "member"}),
        )
        .await
        .json();
    app.delete(
        &format!("{user}/memberships/{}", membership["id"].as_str().unwrap()),
        &root,
    )
    .await;
    let key = app
        .post("/api/v1/api-keys", &root, json!({"name": "k"}))
        .await
        .json();
    app.delete(
        &format!("/api/v1/api-keys/{}", key["id"].as_str().unwrap()),
        &root,
    )
    .await;
    let form = format!(
        "grant_type=password&username={ADMIN_EMAIL}&password={}",
        ADMIN_PASSWORD.replace(' ', "+")
    );
    let token = app
        .send(
            TestRequest::post()
                .uri("/oauth/token")
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload(form),
        )
        .await
        .json();
    app.send(
        TestRequest::post()
            .uri("/oauth/revoke")
            .set_json(json!({"token": token["access_token"]})),
    )
    .await;
    app.get(
        "/api/v1/users/me",
        &Who::Basic(MEMBER.into(), "wrong guess here".into()),
    )
    .await;
    let plant = app
        .create(
            "/api/v1/plants",
            &root,
            json!({"siteId": w.s2, "name": "Spare"}),
        )
        .await;
    app.delete(&format!("/api/v1/plants/{plant}"), &root).await;
    app.delete(&user, &root).await;

    let page = app.get("/api/v1/audit?limit=1000", &root).await.json();
    let seen = actions(&page);
    for expected in [
        "organisation.create",
        "site.create",
        "plant.create",
        "plant.delete",
        "user.create",
        "user.update",
        "modules.update",
        "membership.create",
        "membership.delete",
        "apikey.create",
        "apikey.revoke",
        "token.issue",
        "token.revoke",
        "signin",
        "user.delete",
    ] {
        assert!(
            seen.iter().any(|a| a == expected),
            "{expected} missing from {seen:?}"
        );
    }
    let update = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "user.update")
        .unwrap();
    assert_eq!(update["actorEmail"], ADMIN_EMAIL);
    assert_eq!(update["credentialKind"], "basic");
    assert_eq!(update["targetType"], "user");
    assert_eq!(update["targetId"], w.at_p1);
    assert_eq!(update["outcome"], "success");
    assert!(update["source"].is_string());
    assert_eq!(
        update["summary"]["changed"],
        json!(["firstName", "displayName", "modules"])
    );
    let failure = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "signin" && r["outcome"] == "failure")
        .unwrap();
    assert_eq!(failure["summary"]["reason"], "wrong password");
    // Newest first.
    let seqs: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|p| p[0] > p[1]));
}

#[actix_web::test]
async fn lockout_and_unlock_are_recorded() {
    let app = start().await;
    let w = app.world().await;
    for _ in 0..5 {
        app.get(
            "/api/v1/users/me",
            &Who::Basic("worker.p1@a.example".into(), "wrong guess here".into()),
        )
        .await;
    }
    app.post(
        &format!("/api/v1/users/{}/unlock", w.at_p1),
        &Who::admin(),
        json!({}),
    )
    .await;
    let seen = actions(
        &app.get("/api/v1/audit?target=".to_string().as_str(), &Who::admin())
            .await
            .json(),
    );
    assert!(
        seen.contains(&"account.lock".to_string()) && seen.contains(&"account.unlock".to_string()),
        "{seen:?}"
    );
}

#[actix_web::test]
async fn the_trail_filters_by_actor_target_action_and_time_and_pages_by_cursor() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    let by_target = app
        .get(&format!("/api/v1/audit?target={}", w.at_p1), &root)
        .await
        .json();
    assert_eq!(actions(&by_target), ["user.create"]);
    let creates = app
        .get("/api/v1/audit?action=site.create", &root)
        .await
        .json();
    assert_eq!(creates["items"].as_array().unwrap().len(), 3);
    let by_prefix = app.get("/api/v1/audit?action=site", &root).await.json();
    assert_eq!(by_prefix["items"].as_array().unwrap().len(), 3);
    let by_actor = app
        .get(
            &format!("/api/v1/audit?actor={ADMIN_EMAIL}&action=plant.create"),
            &root,
        )
        .await
        .json();
    assert_eq!(by_actor["items"].as_array().unwrap().len(), 4);
    let future = app
        .get("/api/v1/audit?since=2999-01-01T00:00:00Z", &root)
        .await
        .json();
    assert!(future["items"].as_array().unwrap().is_empty());
    let past = app
        .get("/api/v1/audit?until=2000-01-01T00:00:00Z", &root)
        .await
        .json();
    assert!(past["items"].as_array().unwrap().is_empty());
    assert_eq!(
        app.status("GET", "/api/v1/audit?since=yesterday", &root, None)
            .await,
        400
    );

    let mut all = Vec::new();
    let mut path = "/api/v1/audit?limit=5".to_string();
    loop {
        let page = app.get(&path, &root).await.json();
        all.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["seq"].as_i64().unwrap()),
        );
        match page["nextCursor"].as_str() {
            Some(c) => path = format!("/api/v1/audit?limit=5&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(all.len() as i64, app.count("audit"));
}

#[actix_web::test]
async fn an_organisation_admin_reads_their_organisations_events_only() {
    let app = start().await;
    let w = app.world().await;
    let page = app
        .get("/api/v1/audit?limit=1000", &Who::basic(ORG_ADMIN))
        .await;
    assert_eq!(page.status, 200);
    let items = page.json()["items"].as_array().unwrap().clone();
    assert!(!items.is_empty());
    assert!(items.iter().all(|r| r["organisations"]
        .as_array()
        .unwrap()
        .contains(&json!(w.org_a))));
    assert!(!items.iter().any(|r| r["targetId"] == json!(w.at_q1)));
    for caller in [SITE_ADMIN, PLANT_ADMIN, SUPPORT, MEMBER] {
        assert_eq!(
            app.status("GET", "/api/v1/audit", &Who::basic(caller), None)
                .await,
            403,
            "{caller}"
        );
    }
    let csv = app
        .get("/api/v1/audit/export.csv", &Who::basic(ORG_ADMIN))
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.text().starts_with("\"seq\",\"at\",\"actorId\""));
    assert!(!csv.text().contains(&w.at_q1));
}

#[actix_web::test]
async fn no_summary_holds_a_secret_that_was_sent() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    let mut secrets = vec![ADMIN_PASSWORD.to_string(), PASSWORD.to_string()];
    let created = app
        .post(
            "/api/v1/users",
            &root,
            json!({"email": "gen@a.example", "memberships": [{"plantId": w.p1, "role": "member"}]}),
        )
        .await
        .json();
    secrets.push(created["temporaryPassword"].as_str().unwrap().to_string());
    let key = app
        .post("/api/v1/api-keys", &root, json!({"name": "k"}))
        .await
        .json();
    secrets.push(key["secret"].as_str().unwrap().to_string());
    let token = app
        .send(TestRequest::post().uri("/oauth/token").set_json(json!({"grant_type": "client_credentials", "client_id": key["id"], "client_secret": key["secret"]})))
        .await
        .json();
    secrets.push(token["access_token"].as_str().unwrap().to_string());
    let reset = app
        .post(
            &format!("/api/v1/users/{}/reset-password", w.at_p1),
            &root,
            json!({}),
        )
        .await
        .json();
    secrets.push(reset["temporaryPassword"].as_str().unwrap().to_string());
    app.get(
        "/api/v1/users/me",
        &Who::Basic(MEMBER.into(), "a wrong password sent here".into()),
    )
    .await;
    secrets.push("a wrong password sent here".into());
    let login = app
        .send(
            TestRequest::post()
                .uri("/api/v1/auth/login")
                .set_json(json!({"email": MEMBER, "password": PASSWORD})),
        )
        .await;
    secrets.push(login.json()["csrfToken"].as_str().unwrap().to_string());

    let conn = app.state.pool.get().unwrap();
    let mut stmt = conn.prepare("SELECT * FROM audit").unwrap();
    let columns = stmt.column_count();
    let rows: Vec<String> = stmt
        .query_map([], |r| {
            Ok((0..columns)
                .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                .collect::<Vec<_>>()
                .join("|"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let export = app.get("/api/v1/audit/export.csv", &root).await.text();
    for secret in &secrets {
        assert!(
            !rows.iter().any(|r| r.contains(secret.as_str())),
            "a secret is in the audit table"
        );
        assert!(
            !export.contains(secret.as_str()),
            "a secret is in the audit export"
        );
    }
    let hashes: Vec<String> = conn
        .prepare("SELECT password_hash FROM users")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!hashes
        .iter()
        .any(|h| rows.iter().any(|r| r.contains(h.as_str()))));
}

#[actix_web::test]
async fn audit_rows_cannot_be_changed_or_deleted() {
    let app = start().await;
    app.world().await;
    let conn = app.state.pool.get().unwrap();
    assert!(conn
        .execute("UPDATE audit SET action = 'nothing'", [])
        .is_err());
    assert!(conn.execute("DELETE FROM audit", []).is_err());
    for method in ["PUT", "PATCH", "DELETE"] {
        let reply = app.call(method, "/api/v1/audit", &Who::admin(), None).await;
        assert!(
            reply.status == 404 || reply.status == 405,
            "{method} {}",
            reply.status
        );
    }
    assert!(app.count("audit") > 0);
}

#[actix_web::test]
async fn a_name_with_a_newline_stays_one_escaped_entry() {
    let app = start().await;
    let forged = "x@a.example\n[2026-01-01T00:00:00Z INFO  gatehouse::http] GET /fake 200";
    app.get(
        "/api/v1/users/me",
        &Who::Basic(forged.into(), "whatever it is".into()),
    )
    .await;
    let page = app
        .get("/api/v1/audit?action=signin", &Who::admin())
        .await
        .json();
    let failed = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["outcome"] == "failure")
        .unwrap()
        .clone();
    let email = failed["actorEmail"].as_str().unwrap().to_string();
    assert!(!email.contains('\n'), "{email}");
    assert!(email.contains("\\n"), "{email}");
    let csv = app
        .get("/api/v1/audit/export.csv?action=signin", &Who::admin())
        .await
        .text();
    assert_eq!(
        csv.lines().count(),
        3,
        "a header, the failure and the admin's own sign-in: {csv}"
    );
}

#[actix_web::test]
async fn pruning_keeps_the_chain_verifiable_and_is_itself_recorded() {
    let app = start_with(|c| {
        c.audit.retention =
            gatehouse::config::Retention::For(gatehouse::config::Span::parse("1d").unwrap())
    })
    .await;
    app.world().await;
    let before = app.count("audit");
    app.clock.advance(2 * 86_400);
    app.create(
        "/api/v1/organisations",
        &Who::admin(),
        json!({"name": "Later"}),
    )
    .await;
    let mut conn = app.state.pool.get().unwrap();
    let removed = gatehouse::ops::audit::prune(&mut conn, &app.state.env).unwrap();
    assert_eq!(removed, before);
    let seen = actions(&app.get("/api/v1/audit", &Who::admin()).await.json());
    assert_eq!(seen, ["audit.prune", "organisation.create"]);
    assert_eq!(gatehouse::db::audit::verify(&conn), Ok(2));
}

#[test]
fn audit_verify_names_the_first_changed_or_removed_row() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let db = dir.path().join("gatehouse.db");
    let out = run(&config, &["init"], &[]);
    assert!(out.status.success());
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        for i in 0..5 {
            let row = gatehouse::db::audit::AuditRow {
                at: format!("2026-01-0{}T00:00:00Z", i + 1),
                action: "test.event".into(),
                outcome: "success".into(),
                summary: json!({"n": i}),
                ..Default::default()
            };
            gatehouse::db::audit::append(&conn, &row).unwrap();
        }
    }
    let ok = run(&config, &["audit", "verify"], &[]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("intact (5 rows)"));

    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("DROP TRIGGER audit_rows_are_never_changed; UPDATE audit SET summary = '{\"n\":99}' WHERE seq = 3;").unwrap();
    let changed = run(&config, &["audit", "verify"], &[]);
    assert!(!changed.status.success());
    let message = String::from_utf8_lossy(&changed.stderr).to_string();
    assert!(message.contains("row 3 was changed"), "{message}");

    conn.execute_batch("UPDATE audit SET summary = '{\"n\":2}' WHERE seq = 3; UPDATE audit_guard SET pruning = 1; DELETE FROM audit WHERE seq = 2;").unwrap();
    let removed = run(&config, &["audit", "verify"], &[]);
    let message = String::from_utf8_lossy(&removed.stderr).to_string();
    assert!(message.contains("row 3 does not follow row 1"), "{message}");
}

#[actix_web::test]
async fn the_audit_export_is_written_a_page_at_a_time_and_holds_every_row_once() {
    let app = start().await;
    let before = app.count("audit");
    {
        let mut conn = app.state.pool.get().unwrap();
        let tx = gatehouse::db::write(&mut conn).unwrap();
        let actor = gatehouse::ops::audit::Actor::default();
        for i in 0..2_345 {
            let event = gatehouse::ops::audit::Event::new("user.update").summary(json!({"n": i}));
            gatehouse::ops::audit::record(&tx, &app.state.env, &actor, event).unwrap();
        }
        tx.commit().unwrap();
    }
    let export = app.get("/api/v1/audit/export.csv", &Who::admin()).await;
    assert_eq!(export.status, 200);
    let text = export.text();
    let rows = app.count("audit") as usize;
    assert!(
        rows > before as usize + 2_345,
        "the 2,345 rows and the sign-in's own"
    );
    assert_eq!(
        text.lines().count(),
        rows + 1,
        "a header and one line a row, across three pages"
    );
    let numbers: std::collections::HashSet<&str> = text
        .lines()
        .filter(|l| l.contains("user.update"))
        .filter_map(|l| l.split("\"\"n\"\":").nth(1))
        .collect();
    assert_eq!(numbers.len(), 2_345, "no row twice, none missing");
}

#[actix_web::test]
async fn the_trail_names_people_and_places_and_narrows_to_a_person_or_an_organisation() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    let renamed = app
        .patch(
            &format!("/api/v1/users/{}", w.at_p1),
            &Who::basic(ORG_ADMIN),
            json!({"displayName": "Pat Worker"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    let page = app
        .get("/api/v1/audit?person=worker.p1@a.example", &root)
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    let rows = page.json()["items"].as_array().unwrap().clone();
    assert!(!rows.is_empty());
    for r in &rows {
        assert!(
            r["actorId"] == w.at_p1.as_str() || r["targetId"] == w.at_p1.as_str(),
            "only events of worker.p1: {r}"
        );
    }
    let update = rows
        .iter()
        .find(|r| r["action"] == "user.update")
        .expect("the rename");
    assert_eq!(update["targetName"], "Pat Worker");
    assert_eq!(update["targetEmail"], "worker.p1@a.example");
    assert_eq!(
        update["actorName"], "org.admin",
        "the org admin's display name"
    );
    // By id as well as by email.
    let by_id = app
        .get(&format!("/api/v1/audit?person={}", w.at_p1), &root)
        .await
        .json();
    assert_eq!(by_id["items"].as_array().unwrap().len(), rows.len());
    // A place is named too.
    let all = app
        .get("/api/v1/audit?action=site.create", &root)
        .await
        .json();
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["targetName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["East", "South", "North"]);
    // An organisation's events only: B's site and plant, none of A's.
    let of_b = app
        .get(
            &format!(
                "/api/v1/audit?organisationId={}&action=site.create",
                w.org_b
            ),
            &root,
        )
        .await
        .json();
    assert_eq!(of_b["items"].as_array().unwrap().len(), 1);
    assert_eq!(of_b["items"][0]["targetId"], w.t1.as_str());
    // An organisation admin of A asking for B's events sees none, and no name from B.
    let asked = app
        .get(
            &format!("/api/v1/audit?organisationId={}", w.org_b),
            &Who::basic(ORG_ADMIN),
        )
        .await
        .json();
    assert!(asked["items"].as_array().unwrap().is_empty());
    let own = app
        .get("/api/v1/audit?limit=1000", &Who::basic(ORG_ADMIN))
        .await
        .json();
    for r in own["items"].as_array().unwrap() {
        assert_ne!(r["targetEmail"], "worker.q1@b.example", "{r}");
    }
}

#[actix_web::test]
async fn the_start_page_activity_counts_sign_ins_per_hour_lockouts_and_failing_addresses() {
    let app = start().await;
    let w = app.world().await;
    let wrong = Who::Basic("worker.p1@a.example".into(), "not the password".into());
    for _ in 0..5 {
        app.get("/api/v1/users/me", &wrong).await;
    }
    app.get("/api/v1/users/me", &Who::basic("worker.p2@a.example"))
        .await;
    let reply = app.get("/api/v1/audit/activity", &Who::admin()).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let a = reply.json();
    let hours = a["hours"].as_array().unwrap();
    assert_eq!(hours.len(), 7 * 24);
    assert!(hours[0]["hour"].as_str().unwrap().ends_with(":00:00Z"));
    assert_eq!(a["since"], hours[0]["hour"]);
    let now = hours.last().unwrap();
    assert_eq!(now["failedSignIns"], 5, "{now}");
    assert!(now["signIns"].as_u64().unwrap() >= 2, "{now}");
    let sum: u64 = hours
        .iter()
        .map(|h| h["failedSignIns"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, 5);
    assert_eq!(a["lockouts"], 1);
    assert_eq!(a["failingAddresses"][0]["failedSignIns"], 5, "{a}");
    assert!(a["failingAddresses"][0]["address"].is_string());
    // An organisation admin of A sees A's sign-ins; of B, none of them.
    let of_b = app
        .create_user(
            &Who::admin(),
            "b.admin@b.example",
            json!([{"organisationId": w.org_b, "role": "admin"}]),
        )
        .await;
    assert!(!of_b.is_empty());
    let b = app
        .get("/api/v1/audit/activity", &Who::basic("b.admin@b.example"))
        .await
        .json();
    assert_eq!(b["lockouts"], 0, "{b}");
    assert!(b["failingAddresses"].as_array().unwrap().is_empty(), "{b}");
    let a_admin = app
        .get("/api/v1/audit/activity", &Who::basic(ORG_ADMIN))
        .await
        .json();
    assert_eq!(a_admin["lockouts"], 1, "{a_admin}");
    assert_eq!(
        app.status(
            "GET",
            "/api/v1/audit/activity",
            &Who::basic(SITE_ADMIN),
            None
        )
        .await,
        403
    );
}
