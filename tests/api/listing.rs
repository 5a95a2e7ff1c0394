//! Lists of users beyond their pages in email order: narrowed to an account state, counted,
//! sorted by another column across every page, counted at each place; and membership ids.

use crate::common::*;
use serde_json::{json, Value};

/// Every page of `path` (which has its own query), `limit` at a time, as emails.
async fn every_page<S, B>(app: &TestApp<S>, path: &str, who: &Who) -> Vec<String>
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_path = match &cursor {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_string(),
        };
        let page = app.get(&page_path, who).await;
        assert_eq!(page.status, 200, "{page_path}: {}", page.text());
        let page = page.json();
        for u in page["items"].as_array().unwrap() {
            seen.push(u["email"].as_str().unwrap().to_string());
        }
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return seen,
        }
    }
}

#[actix_web::test]
async fn lists_narrow_to_locked_disabled_and_must_change_accounts_and_count_every_page() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    let wrong = Who::Basic("worker.p1@a.example".into(), "a wrong guess".into());
    for _ in 0..5 {
        app.get("/api/v1/users/me", &wrong).await;
    }
    let disabled = app
        .patch(
            &format!("/api/v1/users/{}", w.at_p2),
            &root,
            json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(disabled.status, 200, "{}", disabled.text());
    let reset = app
        .post(
            &format!("/api/v1/users/{}/reset-password", w.at_p3),
            &root,
            json!({}),
        )
        .await;
    assert_eq!(reset.status, 200, "{}", reset.text());
    let emails = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap().to_string())
            .collect()
    };
    // A role names the organisation and the site its place is in.
    let locked = app.get("/api/v1/users?state=locked", &root).await.json();
    let held = &locked["items"][0]["memberships"][0];
    assert_eq!(held["organisationId"], w.org_a.as_str());
    assert_eq!(held["siteId"], w.s1.as_str());
    assert_eq!(held["scopeId"], w.p1.as_str());
    for (state, who) in [
        ("locked", "worker.p1@a.example"),
        ("disabled", "worker.p2@a.example"),
        ("mustChangePassword", "worker.p3@a.example"),
    ] {
        let page = app
            .get(&format!("/api/v1/users?state={state}"), &root)
            .await;
        assert_eq!(emails(page.json()), [who], "{state}");
        // The site admin of S1 sees P1 and P2, not P3 (site S2).
        let site = app
            .get(
                &format!("/api/v1/users?state={state}&q=worker"),
                &Who::basic(SITE_ADMIN),
            )
            .await;
        let expected: Vec<&str> = if who.ends_with("p3@a.example") {
            vec![]
        } else {
            vec![who]
        };
        assert_eq!(emails(site.json()), expected, "{state}, as the site admin");
    }
    let active = emails(
        app.get("/api/v1/users?state=active&q=worker", &root)
            .await
            .json(),
    );
    assert_eq!(
        active,
        [
            "worker.p1@a.example",
            "worker.p3@a.example",
            "worker.q1@b.example"
        ]
    );
    let bad = app.get("/api/v1/users?state=asleep", &root).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"]["field"], "state", "{}", bad.text());

    // The total of every page, whatever the page size, within what the caller may see.
    let total = |path: &str, who: &Who| {
        let path = path.to_string();
        let who = who.clone();
        let app = &app;
        async move {
            let reply = app.get(&path, &who).await;
            assert_eq!(reply.status, 200, "{path}: {}", reply.text());
            reply.json()["total"].as_u64().unwrap()
        }
    };
    assert_eq!(
        total("/api/v1/users/count?limit=2", &root).await,
        app.count("users") as u64
    );
    assert_eq!(total("/api/v1/users/count?q=worker", &root).await, 4);
    assert_eq!(total("/api/v1/users/count?state=disabled", &root).await, 1);
    assert_eq!(
        total(&format!("/api/v1/users/count?siteId={}", w.s1), &root).await,
        6
    );
    // The site admin's count: the six of S1 (themselves among them), nobody of S2 or B.
    assert_eq!(
        total("/api/v1/users/count", &Who::basic(SITE_ADMIN)).await,
        6
    );
    assert_eq!(
        total(
            &format!("/api/v1/users/count?organisationId={}", w.org_b),
            &Who::basic(SITE_ADMIN)
        )
        .await,
        0
    );
}

#[actix_web::test]
async fn the_structure_counts_the_users_each_caller_sees_at_each_place() {
    let app = start().await;
    let w = app.world().await;
    let all = app.get("/api/v1/users/count-by-place", &Who::admin()).await;
    assert_eq!(all.status, 200, "{}", all.text());
    let all = all.json();
    assert_eq!(all["organisations"][&w.org_a], 8, "{all}");
    assert_eq!(all["organisations"][&w.org_b], 1);
    assert_eq!(all["sites"][&w.s1], 6);
    assert_eq!(all["sites"][&w.s2], 1);
    assert_eq!(all["plants"][&w.p1], 3);
    // The site admin of S1: their site's people only, and no count of what they cannot see.
    let site = app
        .get("/api/v1/users/count-by-place", &Who::basic(SITE_ADMIN))
        .await
        .json();
    assert_eq!(site["sites"][&w.s1], 6, "{site}");
    assert!(site["sites"].get(&w.s2).is_none(), "{site}");
    assert!(site["organisations"].get(&w.org_b).is_none(), "{site}");
    assert_eq!(site["plants"][&w.p1], 3);
}

#[actix_web::test]
async fn a_membership_id_names_one_membership_of_one_user_and_is_never_given_again() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    let add = |user: &str| format!("/api/v1/users/{user}/memberships");
    let first = app
        .post(
            &add(&w.at_p1),
            &root,
            json!({"siteId": w.s2, "role": "viewer"}),
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.text());
    let id = first.json()["id"].as_str().unwrap().to_string();
    let shown = app
        .get(&format!("/api/v1/users/{}", w.at_p1), &root)
        .await
        .json();
    assert!(
        shown["memberships"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == id.as_str()),
        "the id answered is the id shown: {shown}"
    );
    // Another user's path with this id: no such membership there.
    assert_eq!(
        app.status("DELETE", &format!("{}/{id}", add(&w.at_p2)), &root, None)
            .await,
        404
    );
    assert_eq!(
        app.status("DELETE", &format!("{}/{id}", add(&w.at_p1)), &root, None)
            .await,
        204
    );
    let again = app
        .post(
            &add(&w.at_p1),
            &root,
            json!({"siteId": w.s2, "role": "viewer"}),
        )
        .await;
    assert_ne!(
        again.json()["id"].as_str().unwrap(),
        id,
        "a removed membership's id is not reused"
    );
    assert_eq!(
        app.status("DELETE", &format!("{}/{id}", add(&w.at_p1)), &root, None)
            .await,
        404
    );
}

#[actix_web::test]
async fn lists_sort_by_name_last_sign_in_and_status_across_every_page() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    for (email, first, last) in [
        ("zed@a.example", "Amy", "Zulu"),
        ("amy@a.example", "Zed", "Alpha"),
        ("mid@a.example", "mike", "Middle"),
    ] {
        let id = app
            .create_user(&root, email, json!([{"plantId": w.p1, "role": "viewer"}]))
            .await;
        app.patch(
            &format!("/api/v1/users/{id}"),
            &root,
            json!({"firstName": first, "lastName": last}),
        )
        .await;
    }
    app.patch(
        &format!("/api/v1/users/{}", w.at_p2),
        &root,
        json!({"status": "disabled"}),
    )
    .await;
    app.get("/api/v1/users/me", &Who::basic("worker.p3@a.example"))
        .await;
    let all = app.get("/api/v1/users?limit=500", &root).await.json();
    let users = all["items"].as_array().unwrap().clone();
    let key = |u: &Value, sort: &str| -> String {
        match sort {
            "name" => {
                let full = format!(
                    "{} {}",
                    u["firstName"].as_str().unwrap_or(""),
                    u["lastName"].as_str().unwrap_or("")
                );
                let full = full.trim();
                let shown = if full.is_empty() {
                    u["displayName"].as_str().unwrap()
                } else {
                    full
                };
                shown.to_ascii_lowercase()
            }
            "lastSignIn" => u["lastLoginAt"].as_str().unwrap_or("").to_string(),
            "email" => u["email"].as_str().unwrap().to_ascii_lowercase(),
            _ => u["status"].as_str().unwrap().to_string(),
        }
    };
    for sort in ["email", "name", "lastSignIn", "status"] {
        let mut expected: Vec<(String, String)> = users
            .iter()
            .map(|u| (key(u, sort), u["email"].as_str().unwrap().to_string()))
            .collect();
        expected.sort();
        let emails: Vec<String> = expected.iter().map(|(_, e)| e.clone()).collect();
        let asc = every_page(&app, &format!("/api/v1/users?sort={sort}&limit=3"), &root).await;
        assert_eq!(asc, emails, "{sort}");
        let desc = every_page(
            &app,
            &format!("/api/v1/users?sort={sort}&order=desc&limit=4"),
            &root,
        )
        .await;
        let mut reversed = emails.clone();
        reversed.reverse();
        assert_eq!(desc, reversed, "{sort}, descending");
    }
    // Within what the caller sees, with the filters: the site admin's plant-1 viewers by name.
    let site = every_page(
        &app,
        &format!(
            "/api/v1/users?sort=name&plantId={}&role=viewer&limit=2",
            w.p1
        ),
        &Who::basic(SITE_ADMIN),
    )
    .await;
    assert_eq!(
        site,
        [
            "zed@a.example",
            "mid@a.example",
            "worker.p1@a.example",
            "amy@a.example"
        ]
    );
    for bad in ["sort=age", "order=up", "sort=name&cursor=6162"] {
        let reply = app.get(&format!("/api/v1/users?{bad}"), &root).await;
        assert_eq!(reply.status, 400, "{bad}: {}", reply.text());
    }
}
