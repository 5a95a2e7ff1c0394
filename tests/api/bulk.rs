//! Bulk actions: one action on many users, all or nothing, each user changed as the single
//! action would change them and audited alike.

use crate::common::*;
use serde_json::{json, Value};

/// The audit rows of changes (a caller's first sign-in with Basic is recorded too).
const CHANGES: &str = "audit WHERE action <> 'signin'";

fn status_of(app_reply: &Value) -> String {
    app_reply["status"].as_str().unwrap().to_string()
}

#[actix_web::test]
async fn a_site_admin_disables_and_enables_the_selected_users_with_one_audit_row_each() {
    let app = start().await;
    let w = app.world().await;
    let site_admin = Who::basic(SITE_ADMIN);
    let audit_before = app.count(CHANGES);
    let done = app
        .post(
            "/api/v1/users/bulk",
            &site_admin,
            json!({"action": "disable", "userIds": [w.at_p1, w.at_p2, w.at_p1]}),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert_eq!(
        done.json(),
        json!({"action": "disable", "matched": 2, "changed": 2})
    );
    for id in [&w.at_p1, &w.at_p2] {
        let user = app
            .get(&format!("/api/v1/users/{id}"), &Who::admin())
            .await
            .json();
        assert_eq!(status_of(&user), "disabled");
    }
    assert_eq!(
        app.count(CHANGES) - audit_before,
        2,
        "one audit row per user"
    );
    // Disabled users are signed out: their password no longer works.
    assert_eq!(
        app.status(
            "GET",
            "/api/v1/users/me",
            &Who::basic("worker.p1@a.example"),
            None
        )
        .await,
        401
    );
    let again = app
        .post(
            "/api/v1/users/bulk",
            &site_admin,
            json!({"action": "enable", "filter": {"siteId": w.s1, "q": "worker"}}),
        )
        .await;
    assert_eq!(
        again.json(),
        json!({"action": "enable", "matched": 2, "changed": 2})
    );
}

#[actix_web::test]
async fn one_user_out_of_reach_refuses_the_whole_action_and_changes_nothing() {
    let app = start().await;
    let w = app.world().await;
    let site_admin = Who::basic(SITE_ADMIN);
    let audit_before = app.count(CHANGES);
    for body in [
        json!({"action": "disable", "userIds": [w.at_p1, w.at_p3]}),
        json!({"action": "delete", "userIds": [w.at_p1, w.at_q1]}),
        // Their own account is among those matching: they may not delete themselves.
        json!({"action": "delete", "filter": {"siteId": w.s1}}),
    ] {
        let refused = app
            .post("/api/v1/users/bulk", &site_admin, body.clone())
            .await;
        assert!(
            refused.status == 400 || refused.status == 403,
            "{body}: {}",
            refused.text()
        );
    }
    let p1 = app
        .get(&format!("/api/v1/users/{}", w.at_p1), &Who::admin())
        .await;
    assert_eq!(status_of(&p1.json()), "active");
    assert_eq!(
        app.count(CHANGES),
        audit_before,
        "nothing was recorded either"
    );
    let users = app.count("users");
    let refused = app
        .post(
            "/api/v1/users/bulk",
            &site_admin,
            json!({"action": "delete", "userIds": [w.at_p1, w.at_p3]}),
        )
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.json()["error"]["field"],
        "userIds",
        "{}",
        refused.text()
    );
    assert!(
        refused.text().contains(&w.at_p3),
        "the error names the user: {}",
        refused.text()
    );
    assert_eq!(app.count("users"), users);
}

#[actix_web::test]
async fn roles_are_added_and_removed_for_all_that_match_once_each() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    let add = json!({"action": "addRole", "filter": {"siteId": w.s1, "q": "worker"},
        "membership": {"siteId": w.s2, "role": "viewer"}});
    let first = app.post("/api/v1/users/bulk", &root, add.clone()).await;
    assert_eq!(
        first.json(),
        json!({"action": "addRole", "matched": 2, "changed": 2}),
        "{}",
        first.text()
    );
    let second = app.post("/api/v1/users/bulk", &root, add).await;
    assert_eq!(second.json()["changed"], 0, "they hold it already");
    let p2 = app
        .get(&format!("/api/v1/users/{}", w.at_p2), &root)
        .await
        .json();
    assert!(p2["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["scopeId"] == w.s2.as_str() && m["role"] == "viewer"));
    let remove = app
        .post(
            "/api/v1/users/bulk",
            &root,
            json!({"action": "removeRole", "userIds": [w.at_p1, w.at_p2, w.at_p3],
                "membership": {"siteId": w.s2, "role": "viewer"}}),
        )
        .await;
    assert_eq!(
        remove.json(),
        json!({"action": "removeRole", "matched": 3, "changed": 2})
    );
    // The site admin of S1 may not grant roles at S2.
    let refused = app
        .post(
            "/api/v1/users/bulk",
            &Who::basic(SITE_ADMIN),
            json!({"action": "addRole", "userIds": [w.at_p1], "membership": {"siteId": w.s2, "role": "admin"}}),
        )
        .await;
    assert!(
        refused.status == 403 || refused.status == 400,
        "{}",
        refused.text()
    );
    let p1 = app
        .get(&format!("/api/v1/users/{}", w.at_p1), &root)
        .await
        .json();
    assert_eq!(p1["memberships"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn a_bulk_request_that_is_not_clear_is_refused_by_name() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    for (body, field) in [
        (json!({"action": "archive", "userIds": [w.at_p1]}), "action"),
        (json!({"action": "disable"}), "userIds"),
        (json!({"action": "disable", "userIds": []}), "userIds"),
        (
            json!({"action": "disable", "userIds": [w.at_p1], "filter": {}}),
            "userIds",
        ),
        (
            json!({"action": "addRole", "userIds": [w.at_p1]}),
            "membership",
        ),
        (
            json!({"action": "disable", "userIds": [w.at_p1], "membership": {"siteId": w.s1, "role": "viewer"}}),
            "membership",
        ),
        (
            json!({"action": "disable", "filter": {"state": "sleepy"}}),
            "state",
        ),
    ] {
        let reply = app.post("/api/v1/users/bulk", &root, body.clone()).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text());
        assert_eq!(
            reply.json()["error"]["field"],
            field,
            "{body}: {}",
            reply.text()
        );
    }
}

#[actix_web::test]
async fn the_selected_users_export_as_the_users_csv() {
    let app = start().await;
    let w = app.world().await;
    let reply = app
        .post(
            "/api/v1/users/bulk",
            &Who::basic(SITE_ADMIN),
            json!({"action": "export", "userIds": [w.at_p2, w.at_p1]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.header("content-type").unwrap(),
        "text/csv; charset=utf-8"
    );
    let text = reply.text();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("\"id\",\"email\""));
    assert_eq!(lines.len(), 3);
    assert!(lines[1].contains("worker.p2@a.example") && lines[2].contains("worker.p1@a.example"));
}
