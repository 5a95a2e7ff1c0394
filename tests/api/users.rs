//! Users through /api/v1: create, read, list, change, delete, memberships, modules, export.

use crate::common::*;
use serde_json::json;

#[actix_web::test]
async fn a_user_created_without_a_password_gets_a_temporary_one_shown_once() {
    let app = start().await;
    let w = app.world().await;
    let reply = app
        .post(
            "/api/v1/users",
            &Who::admin(),
            json!({"email": "New.Person@a.example", "firstName": "New", "lastName": "Person",
            "memberships": [{"siteId": w.s1, "role": "supervisor"}], "modules": ["Alerting"]}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let user = reply.json();
    let temporary = user["temporaryPassword"].as_str().unwrap().to_string();
    assert!(temporary.len() >= 15);
    assert_eq!(user["mustChangePassword"], true);
    assert_eq!(user["displayName"], "New Person");
    assert_eq!(user["status"], "active");
    assert_eq!(user["superadmin"], false);
    assert_eq!(user["memberships"][0]["scopeType"], "site");
    assert_eq!(user["memberships"][0]["scopeName"], "North");
    assert_eq!(user["memberships"][0]["role"], "supervisor");
    assert_eq!(user["modules"], json!(["Alerting"]));
    assert!(user["createdAt"].as_str().unwrap().ends_with('Z'));

    let id = user["id"].as_str().unwrap();
    let again = app
        .get(&format!("/api/v1/users/{id}"), &Who::admin())
        .await
        .json();
    assert!(again.get("temporaryPassword").is_none());
    assert!(!app
        .get(&format!("/api/v1/users/{id}"), &Who::admin())
        .await
        .text()
        .contains(&temporary));

    // The temporary password signs in, but only to read the profile and change the password.
    let newcomer = Who::Basic("new.person@a.example".into(), temporary.clone());
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &newcomer, None).await,
        200
    );
    let blocked = app.get("/api/v1/organisations", &newcomer).await;
    assert_eq!(blocked.status, 403);
    assert_eq!(blocked.json()["error"]["code"], "password_change_required");
    let change = json!({"currentPassword": temporary, "newPassword": "my own long pass phrase"});
    assert_eq!(
        app.call("PUT", "/api/v1/users/me/password", &newcomer, Some(change))
            .await
            .status,
        204
    );
    let renewed = Who::Basic(
        "new.person@a.example".into(),
        "my own long pass phrase".into(),
    );
    assert_eq!(
        app.status("GET", "/api/v1/organisations", &renewed, None)
            .await,
        200
    );
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &newcomer, None).await,
        401
    );
}

#[actix_web::test]
async fn emails_are_unique_whatever_their_case() {
    let app = start().await;
    let root = Who::admin();
    app.create_user(&root, "Case@Plant.example", json!([]))
        .await;
    let dup = app
        .post(
            "/api/v1/users",
            &root,
            json!({"email": "case@plant.EXAMPLE", "password": PASSWORD}),
        )
        .await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.json()["error"]["code"], "conflict");
    // The login name is case-insensitive too.
    assert_eq!(
        app.status(
            "GET",
            "/api/v1/users/me",
            &Who::basic("CASE@plant.example"),
            None
        )
        .await,
        200
    );
    // The email reads back as it was typed (the key alone is stored when they are the same).
    let me = app
        .send(authorize(
            actix_web::test::TestRequest::get().uri("/api/v1/users/me"),
            &Who::basic("case@plant.example"),
        ))
        .await
        .json();
    assert_eq!(me["email"], "Case@Plant.example");
    let id = me["id"].as_str().unwrap().to_string();
    for typed in ["case@plant.example", "CASE@Plant.Example"] {
        let changed = app
            .patch(
                &format!("/api/v1/users/{id}"),
                &root,
                json!({"email": typed}),
            )
            .await;
        assert_eq!(changed.status, 200, "{}", changed.text());
        assert_eq!(changed.json()["email"], typed);
        let read = app
            .send(authorize(
                actix_web::test::TestRequest::get().uri(&format!("/api/v1/users/{id}")),
                &root,
            ))
            .await;
        assert_eq!(read.json()["email"], typed);
    }
}

#[actix_web::test]
async fn each_bad_input_is_named_and_writes_nothing() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    let users = app.count("users");
    let memberships = app.count("memberships");
    let cases = [
        (
            json!({"email": "not-an-email", "password": PASSWORD}),
            "email",
        ),
        (json!({"password": PASSWORD}), "email"),
        (
            json!({"email": "x@a.example", "password": "short"}),
            "at least 15",
        ),
        (
            json!({"email": "x@a.example", "password": "x".repeat(73)}),
            "72 bytes",
        ),
        (
            json!({"email": "maintenance@a.example", "password": "maintenance team account"}),
            "email",
        ),
        (
            json!({"email": "x@a.example", "password": "1q2w3e4r5t6y7u8i9o0p"}),
            "common",
        ),
        (
            json!({"email": "x@a.example", "password": "passwordpassword"}),
            "repeated",
        ),
        (json!({"email": "x@plant", "password": PASSWORD}), "no dot"),
        (
            json!({"email": "x@a.example", "password": PASSWORD, "modules": ["Teleportation"]}),
            "Teleportation",
        ),
        (
            json!({"email": "x@a.example", "password": PASSWORD, "mobileNumber": "call me"}),
            "mobileNumber",
        ),
        (
            json!({"email": "x@a.example", "password": PASSWORD, "countryCode": "UK"}),
            "countryCode",
        ),
        (
            json!({"email": "x@a.example", "password": PASSWORD, "favouriteColour": "red"}),
            "favouriteColour",
        ),
        (
            json!({"email": "x@a.example", "password": PASSWORD, "memberships": [{"siteId": w.s1, "role": "overlord"}]}),
            "overlord",
        ),
        (
            json!({"email": "x@a.example", "password": PASSWORD, "memberships": [{"siteId": w.s1, "plantId": w.p1, "role": "admin"}]}),
            "memberships[0]",
        ),
        (
            json!({"email": "x@a.example", "password": PASSWORD, "memberships": [{"role": "admin"}]}),
            "memberships[0]",
        ),
        (
            json!({"email": "x@a.example", "password": PASSWORD, "memberships": [{"siteId": w.s1, "role": "admin"}, {"plantId": "00000000-0000-0000-0000-000000000000", "role": "admin"}]}),
            "plantId",
        ),
        (
            json!({"email": "x@a.example", "superadmin": "yes"}),
            "superadmin",
        ),
    ];
    for (body, expected) in cases {
        let reply = app.post("/api/v1/users", &root, body.clone()).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text());
        let error = reply.json()["error"].clone();
        assert_eq!(error["status"], 400);
        // The field at fault is named apart, for the admin page to show the message there.
        if let Some(field) = error["field"].as_str() {
            assert!(
                error["message"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("{field}: ")),
                "{error}"
            );
        }
        if expected == "mobileNumber" {
            assert_eq!(error["field"], "mobileNumber", "{error}");
        }
        assert!(
            error["message"].as_str().unwrap().contains(expected),
            "{body} -> {error}"
        );
    }
    assert_eq!(app.count("users"), users);
    assert_eq!(app.count("memberships"), memberships);
}

#[actix_web::test]
async fn malformed_json_wrong_media_type_and_oversized_bodies_get_their_own_statuses() {
    let app = start_with(|c| c.server.body_limit = 2048).await;
    let root = Who::admin();
    let users = app.count("users");
    let req = authorize(
        actix_web::test::TestRequest::post().uri("/api/v1/users"),
        &root,
    )
    .insert_header(("Content-Type", "application/json"))
    .set_payload("{\"email\": ");
    let reply = app.send(req).await;
    assert_eq!(reply.status, 400);
    assert!(reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("malformed JSON"));

    let req = authorize(
        actix_web::test::TestRequest::post().uri("/api/v1/users"),
        &root,
    )
    .insert_header(("Content-Type", "text/plain"))
    .set_payload("email=x");
    let reply = app.send(req).await;
    assert_eq!(reply.status, 415);
    assert_eq!(reply.json()["error"]["code"], "unsupported_media_type");

    let big =
        json!({"email": "big@a.example", "password": PASSWORD, "firstName": "x".repeat(4000)});
    let reply = app.post("/api/v1/users", &root, big).await;
    assert_eq!(reply.status, 413);
    assert_eq!(reply.json()["error"]["status"], 413);
    assert_eq!(app.count("users"), users);
}

#[actix_web::test]
async fn lists_page_through_a_stable_order_and_filter_by_scope_role_and_text() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/users?limit=4&cursor={c}"),
            None => "/api/v1/users?limit=4".to_string(),
        };
        let page = app.get(&path, &root).await.json();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["email"].as_str().unwrap().to_string()),
        );
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len() as i64, app.count("users"));
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);

    let emails = |v: serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap().to_string())
            .collect()
    };
    // A site filter takes the site and its plants.
    let at_s1 = emails(
        app.get(&format!("/api/v1/users?siteId={}", w.s1), &root)
            .await
            .json(),
    );
    assert_eq!(at_s1.len(), 6, "{at_s1:?}");
    assert!(at_s1.contains(&"worker.p2@a.example".to_string()));
    assert!(!at_s1.contains(&"worker.p3@a.example".to_string()));
    let admins = emails(
        app.get(
            &format!("/api/v1/users?organisationId={}&role=admin", w.org_a),
            &root,
        )
        .await
        .json(),
    );
    assert_eq!(admins, [ORG_ADMIN, PLANT_ADMIN, SITE_ADMIN]);
    let found = emails(app.get("/api/v1/users?q=WORKER.P", &root).await.json());
    assert_eq!(found.len(), 3);
    assert_eq!(
        app.status("GET", "/api/v1/users?limit=501", &root, None)
            .await,
        400
    );
    assert_eq!(
        app.status("GET", "/api/v1/users?limit=ten", &root, None)
            .await,
        400
    );
    assert_eq!(
        app.status("GET", "/api/v1/users?cursor=zz", &root, None)
            .await,
        400
    );
    assert_eq!(
        app.status("GET", "/api/v1/users?role=overlord", &root, None)
            .await,
        400
    );
}

fn emails_of(page: serde_json::Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn scope_lists_show_what_the_caller_reads_there_in_email_order_after_a_rename() {
    let app = start().await;
    let w = app.world().await;
    let list = |who: Who, query: String| {
        let app = &app;
        async move {
            emails_of(
                app.get(&format!("/api/v1/users?{query}"), &who)
                    .await
                    .json(),
            )
        }
    };
    // A plant admin filtering by the site above sees the users of their own plant only.
    let plant_admin_at_s1 = list(Who::basic(PLANT_ADMIN), format!("siteId={}", w.s1)).await;
    assert_eq!(
        plant_admin_at_s1,
        [MEMBER, PLANT_ADMIN, "worker.p1@a.example"]
    );
    // A site admin's unfiltered list is their site's users and themselves, once each.
    let site_admin_all = list(Who::basic(SITE_ADMIN), String::new()).await;
    let site_admin_at_s1 = list(Who::basic(SITE_ADMIN), format!("siteId={}", w.s1)).await;
    assert_eq!(site_admin_all, site_admin_at_s1);
    assert!(!site_admin_all.iter().any(|e| e == "worker.p3@a.example"));
    // Another site, and a site that does not exist: nobody.
    assert!(list(Who::basic(SITE_ADMIN), format!("siteId={}", w.s2))
        .await
        .is_empty());
    assert!(list(Who::admin(), "siteId=no-such-site".into())
        .await
        .is_empty());
    // A new email moves the user to its place in every list of the scope.
    let renamed = app
        .patch(
            &format!("/api/v1/users/{}", w.at_p1),
            &Who::admin(),
            json!({"email": "aaa.first@a.example"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{:?}", renamed.json());
    for query in [
        format!("siteId={}", w.s1),
        format!("plantId={}", w.p1),
        format!("organisationId={}&role=viewer", w.org_a),
    ] {
        let found = list(Who::admin(), format!("{query}&limit=1")).await;
        assert_eq!(found, ["aaa.first@a.example"], "{query}");
        let rest = list(Who::admin(), query.clone()).await;
        assert!(
            !rest.iter().any(|e| e == "worker.p1@a.example"),
            "{query}: {rest:?}"
        );
    }
}

#[actix_web::test]
async fn memberships_are_added_and_removed_within_the_admins_scope() {
    let app = start().await;
    let w = app.world().await;
    let admin = Who::basic(SITE_ADMIN);
    let path = format!("/api/v1/users/{}/memberships", w.at_p1);
    let added = app
        .post(
            &path,
            &admin,
            json!({"plantId": w.p2, "role": "supervisor"}),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text());
    let membership = added.json()["id"].as_str().unwrap().to_string();
    assert_eq!(
        app.status(
            "POST",
            &path,
            &admin,
            Some(json!({"plantId": w.p2, "role": "supervisor"}))
        )
        .await,
        409
    );
    assert_eq!(
        app.status(
            "POST",
            &path,
            &admin,
            Some(json!({"siteId": w.s2, "role": "member"}))
        )
        .await,
        400
    );
    assert_eq!(
        app.status(
            "POST",
            &path,
            &admin,
            Some(json!({"organisationId": w.org_a, "role": "member"}))
        )
        .await,
        403
    );
    let user = app
        .get(&format!("/api/v1/users/{}", w.at_p1), &admin)
        .await
        .json();
    assert_eq!(user["memberships"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.status("DELETE", &format!("{path}/{membership}"), &admin, None)
            .await,
        204
    );
    assert_eq!(
        app.status("DELETE", &format!("{path}/{membership}"), &admin, None)
            .await,
        404
    );
}

#[actix_web::test]
async fn a_user_json_shows_only_the_memberships_the_caller_can_see() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    app.post(
        &format!("/api/v1/users/{}/memberships", w.at_p1),
        &root,
        json!({"plantId": w.q1, "role": "member"}),
    )
    .await;
    let as_root = app
        .get(&format!("/api/v1/users/{}", w.at_p1), &root)
        .await
        .json();
    assert_eq!(as_root["memberships"].as_array().unwrap().len(), 2);
    let as_site_admin = app
        .get(
            &format!("/api/v1/users/{}", w.at_p1),
            &Who::basic(SITE_ADMIN),
        )
        .await
        .json();
    assert_eq!(as_site_admin["memberships"].as_array().unwrap().len(), 1);
    assert_eq!(as_site_admin["memberships"][0]["scopeName"], "Press");
}

#[actix_web::test]
async fn modules_are_set_with_patch_and_unknown_ones_are_named() {
    let app = start().await;
    let w = app.world().await;
    let path = format!("/api/v1/users/{}", w.at_p1);
    let admin = Who::basic(PLANT_ADMIN);
    let reply = app
        .patch(
            &path,
            &admin,
            json!({"modules": ["OEE Analysis", "Alerting"]}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["modules"], json!(["Alerting", "OEE Analysis"]));
    let bad = app
        .patch(
            &path,
            &admin,
            json!({"modules": ["Alerting", "Mind Reading"]}),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("Mind Reading"));
    assert_eq!(
        app.get(&path, &admin).await.json()["modules"],
        json!(["Alerting", "OEE Analysis"])
    );
}

#[actix_web::test]
async fn the_module_catalogue_comes_from_the_configuration() {
    let app = start_with(|c| c.modules.catalogue = vec!["Vibration".into()]).await;
    let root = Who::admin();
    let ok = app
        .post(
            "/api/v1/users",
            &root,
            json!({"email": "v@a.example", "password": PASSWORD, "modules": ["Vibration"]}),
        )
        .await;
    assert_eq!(ok.status, 201);
    let bad = app
        .post(
            "/api/v1/users",
            &root,
            json!({"email": "w@a.example", "password": PASSWORD, "modules": ["Alerting"]}),
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[actix_web::test]
async fn nobody_deletes_or_disables_themselves() {
    let app = start().await;
    app.world().await;
    let me = app
        .get("/api/v1/users/me", &Who::basic(ORG_ADMIN))
        .await
        .json();
    let path = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
    assert_eq!(
        app.status("DELETE", &path, &Who::basic(ORG_ADMIN), None)
            .await,
        400
    );
    assert_eq!(
        app.status(
            "PATCH",
            &path,
            &Who::basic(ORG_ADMIN),
            Some(json!({"status": "disabled"}))
        )
        .await,
        400
    );
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &Who::basic(ORG_ADMIN), None)
            .await,
        200
    );
}

#[actix_web::test]
async fn the_last_active_superadmin_stays() {
    let app = start().await;
    let root = Who::admin();
    let me = app.get("/api/v1/users/me", &root).await.json();
    let root_path = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
    let second = app
        .create(
            "/api/v1/users",
            &root,
            json!({"email": "second@ops.example", "password": PASSWORD, "superadmin": true}),
        )
        .await;
    let other = Who::basic("second@ops.example");
    let second_path = format!("/api/v1/users/{second}");
    assert_eq!(
        app.status(
            "PATCH",
            &second_path,
            &root,
            Some(json!({"superadmin": false}))
        )
        .await,
        200
    );
    // Now root is the last one: the other (no longer superadmin) cannot touch it, and root
    // cannot demote itself.
    assert_eq!(
        app.status(
            "PATCH",
            &root_path,
            &other,
            Some(json!({"superadmin": false}))
        )
        .await,
        404
    );
    let demote = app
        .patch(&root_path, &root, json!({"superadmin": false}))
        .await;
    assert_eq!(demote.status, 409, "{}", demote.text());
    assert_eq!(
        app.get("/api/v1/users/me", &root).await.json()["superadmin"],
        true
    );
}

#[actix_web::test]
async fn only_a_superadmin_grants_superadmin_or_creates_organisations() {
    let app = start().await;
    let w = app.world().await;
    let admin = Who::basic(ORG_ADMIN);
    let body = json!({"email": "boss@a.example", "password": PASSWORD, "superadmin": true, "memberships": [{"organisationId": w.org_a, "role": "member"}]});
    assert_eq!(
        app.status("POST", "/api/v1/users", &admin, Some(body))
            .await,
        403
    );
    assert_eq!(
        app.status(
            "PATCH",
            &format!("/api/v1/users/{}", w.at_p1),
            &admin,
            Some(json!({"superadmin": true}))
        )
        .await,
        403
    );
    assert_eq!(
        app.status(
            "POST",
            "/api/v1/organisations",
            &admin,
            Some(json!({"name": "Mine"}))
        )
        .await,
        403
    );
    assert_eq!(app.count("organisations"), 2);
}

#[actix_web::test]
async fn the_csv_export_quotes_cells_and_defuses_formulas() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    app.post(
        "/api/v1/users",
        &root,
        json!({"email": "formula@a.example", "password": PASSWORD, "firstName": "=HYPERLINK(\"x\")",
        "lastName": "Smith, Jr", "memberships": [{"plantId": w.p1, "role": "member"}]}),
    )
    .await;
    let reply = app
        .get("/api/v1/users/export.csv", &Who::basic(SITE_ADMIN))
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("text/csv"));
    let text = reply.text();
    assert!(text.starts_with("\"id\",\"email\",\"firstName\",\"lastName\",\"displayName\",\"status\",\"superadmin\",\"roles\",\"modules\",\"createdAt\",\"lastLoginAt\"\r\n"), "{text}");
    assert!(text.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{text}");
    assert!(text.contains("\"Smith, Jr\""));
    // The site admin sees their site's people, not the other site's or organisation's.
    assert!(text.contains("worker.p2@a.example"));
    assert!(!text.contains("worker.p3@a.example"));
    assert!(!text.contains("worker.q1@b.example"));
}

#[actix_web::test]
async fn responses_carry_the_hardening_headers_and_errors_one_shape() {
    let app = start().await;
    let wrong_method = app
        .call("PUT", "/api/v1/organisations", &Who::admin(), None)
        .await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.json()["error"]["code"], "method_not_allowed");
    assert!(wrong_method.header("allow").is_some());
    let reply = app.get("/api/v1/nothing-here", &Who::admin()).await;
    assert_eq!(reply.status, 404);
    assert_eq!(reply.json()["error"]["code"], "not_found");
    assert_eq!(
        reply.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(reply.header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(
        reply.header("referrer-policy").as_deref(),
        Some("no-referrer")
    );
    let me = app.get("/api/v1/users/me", &Who::admin()).await;
    assert_eq!(me.header("cache-control").as_deref(), Some("no-store"));
}

#[actix_web::test]
async fn health_answers_without_authentication() {
    let app = start().await;
    let reply = app.get("/health", &Who::Nobody).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"status": "ok", "database": "ok", "mode": "primary"})
    );
}

#[actix_web::test]
async fn health_answers_503_when_the_database_cannot_be_read() {
    let app = start().await;
    let conn = app.state.pool.get().unwrap();
    conn.execute_batch("ALTER TABLE users RENAME TO users_elsewhere")
        .unwrap();
    let reply = app.get("/health", &Who::Nobody).await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.json()["database"], "unreadable");
}

#[actix_web::test]
async fn a_bad_change_changes_nothing() {
    let app = start().await;
    let w = app.world().await;
    let path = format!("/api/v1/users/{}", w.at_p1);
    let before = app.get(&path, &Who::admin()).await.json();
    let audit_rows = app.count("audit");
    let cases = [
        json!({"firstName": "Ada", "email": "not an email"}),
        json!({"firstName": "Ada", "modules": ["Nope"]}),
        json!({"firstName": "Ada", "status": "sleeping"}),
        json!({"firstName": "Ada", "mobileNumber": "call me maybe"}),
        json!({"firstName": "Ada", "nickname": "ada"}),
        json!({"firstName": "Ada", "email": SITE_ADMIN}),
    ];
    for body in cases {
        let reply = app.patch(&path, &Who::admin(), body.clone()).await;
        assert!(
            reply.status == 400 || reply.status == 409,
            "{body}: {}",
            reply.text()
        );
    }
    let mut after = app.get(&path, &Who::admin()).await.json();
    after["lastLoginAt"] = before["lastLoginAt"].clone();
    assert_eq!(after, before);
    assert_eq!(
        app.count("audit"),
        audit_rows,
        "nothing was written, not even an audit row"
    );
}

#[actix_web::test]
async fn an_address_stored_under_older_rules_still_signs_in_and_is_edited() {
    let app = start().await;
    let root = Who::admin();
    let id = app
        .create_user(&root, "legacy@plant.example", json!([]))
        .await;
    // As a release before the dot rule stored it.
    app.state
        .pool
        .get()
        .unwrap()
        .execute(
            "UPDATE users SET email = NULL, email_key = 'legacy@plant' WHERE id = ?1",
            [&id],
        )
        .unwrap();
    let legacy = Who::basic("legacy@plant");
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &legacy, None).await,
        200
    );
    let renamed = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &root,
            json!({"firstName": "Old"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    let change = json!({"currentPassword": PASSWORD, "newPassword": "another long pass phrase"});
    let changed = app
        .call("PUT", "/api/v1/users/me/password", &legacy, Some(change))
        .await;
    assert_eq!(changed.status, 204, "{}", changed.text());
    // A new address must follow today's rule.
    let moved = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &root,
            json!({"email": "legacy@other"}),
        )
        .await;
    assert_eq!(moved.status, 400, "{}", moved.text());
}
