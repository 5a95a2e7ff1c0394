//! The authorization matrix: every caller against every endpoint, with targets in their scope,
//! in a sibling plant, in a sibling site, and in another organisation.

mod common;

use common::*;
use serde_json::json;

/// One row of the matrix. Each string has one letter per target (P1, P2, P3, Q1):
/// Y where the caller may, N where they may not.
struct Row {
    caller: &'static str,
    sees_user: &'static str,
    manages_user: &'static str,
    sees_plant: &'static str,
    manages_plant: &'static str,
    sees_site: &'static str,
    manages_site: &'static str,
}

const ROOT: &str = "superadmin";

const MATRIX: [Row; 6] = [
    Row {
        caller: ROOT,
        sees_user: "YYYY",
        manages_user: "YYYY",
        sees_plant: "YYYY",
        manages_plant: "YYYY",
        sees_site: "YYYY",
        manages_site: "YYYY",
    },
    Row {
        caller: ORG_ADMIN,
        sees_user: "YYYN",
        manages_user: "YYYN",
        sees_plant: "YYYN",
        manages_plant: "YYYN",
        sees_site: "YYYN",
        manages_site: "YYYN",
    },
    Row {
        caller: SITE_ADMIN,
        sees_user: "YYNN",
        manages_user: "YYNN",
        sees_plant: "YYNN",
        manages_plant: "YYNN",
        sees_site: "YYNN",
        manages_site: "NNNN",
    },
    Row {
        caller: PLANT_ADMIN,
        sees_user: "YNNN",
        manages_user: "YNNN",
        sees_plant: "YNNN",
        manages_plant: "NNNN",
        sees_site: "YYNN",
        manages_site: "NNNN",
    },
    Row {
        caller: SUPPORT,
        sees_user: "YYNN",
        manages_user: "NNNN",
        sees_plant: "YYNN",
        manages_plant: "NNNN",
        sees_site: "YYNN",
        manages_site: "NNNN",
    },
    Row {
        caller: MEMBER,
        sees_user: "NNNN",
        manages_user: "NNNN",
        sees_plant: "YNNN",
        manages_plant: "NNNN",
        sees_site: "YYNN",
        manages_site: "NNNN",
    },
];

fn flag(s: &str, i: usize) -> bool {
    s.as_bytes()[i] == b'Y'
}

/// What a caller gets: `ok` when allowed, 403 when they see the target but may not act,
/// 404 when the target is invisible to them.
fn expect(sees: bool, may: bool, ok: u16) -> u16 {
    match (sees, may) {
        (true, true) => ok,
        (true, false) => 403,
        (false, _) => 404,
    }
}

#[actix_web::test]
async fn the_whole_matrix_through_the_native_api() {
    for row in MATRIX {
        let app = start().await;
        let w = app.world().await;
        let who = if row.caller == ROOT {
            Who::admin()
        } else {
            Who::basic(row.caller)
        };
        let users = [&w.at_p1, &w.at_p2, &w.at_p3, &w.at_q1];
        let plants = [&w.p1, &w.p2, &w.p3, &w.q1];
        let sites = [&w.s1, &w.s1, &w.s2, &w.t1];
        let listed = app.get("/api/v1/users?limit=500", &who).await.json();
        let listed: Vec<&str> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap())
            .collect();
        let exported = app.get("/api/v1/users/export.csv", &who).await.text();
        for i in 0..4 {
            let ctx = format!("{} on target {i}", row.caller);
            let (sees, manages) = (flag(row.sees_user, i), flag(row.manages_user, i));
            let user = format!("/api/v1/users/{}", users[i]);
            assert_eq!(
                app.get(&user, &who).await.status,
                expect(sees, true, 200),
                "GET user: {ctx}"
            );
            assert_eq!(listed.contains(&users[i].as_str()), sees, "list: {ctx}");
            assert_eq!(exported.contains(users[i].as_str()), sees, "export: {ctx}");
            let patched = app
                .patch(&user, &who, json!({"firstName": "Renamed"}))
                .await;
            assert_eq!(
                patched.status,
                expect(sees, manages, 200),
                "PATCH user: {ctx}"
            );
            let grant = app
                .post(
                    &format!("{user}/memberships"),
                    &who,
                    json!({"plantId": plants[i], "role": "member"}),
                )
                .await;
            assert_eq!(grant.status, expect(sees, manages, 201), "grant: {ctx}");

            let plant = format!("/api/v1/plants/{}", plants[i]);
            let (sees_p, manages_p) = (flag(row.sees_plant, i), flag(row.manages_plant, i));
            assert_eq!(
                app.get(&plant, &who).await.status,
                expect(sees_p, true, 200),
                "GET plant: {ctx}"
            );
            let renamed = app
                .patch(&plant, &who, json!({"name": format!("Plant {i}")}))
                .await;
            assert_eq!(
                renamed.status,
                expect(sees_p, manages_p, 200),
                "PATCH plant: {ctx}"
            );
            // The plant still has memberships, so an allowed delete is refused with 409.
            assert_eq!(
                app.delete(&plant, &who).await.status,
                expect(sees_p, manages_p, 409),
                "DELETE plant: {ctx}"
            );

            let site = format!("/api/v1/sites/{}", sites[i]);
            let (sees_s, manages_s) = (flag(row.sees_site, i), flag(row.manages_site, i));
            assert_eq!(
                app.get(&site, &who).await.status,
                expect(sees_s, true, 200),
                "GET site: {ctx}"
            );
            let renamed = app.patch(&site, &who, json!({"timezone": "UTC"})).await;
            assert_eq!(
                renamed.status,
                expect(sees_s, manages_s, 200),
                "PATCH site: {ctx}"
            );
            // Adding a plant to the target's site takes what changing its plants takes; a site
            // the caller cannot see is named in the body, so it is a bad request, not a 404.
            let body = json!({"siteId": sites[i], "name": format!("New plant {i}")});
            let created = app.post("/api/v1/plants", &who, body).await;
            let wanted = if sees_s {
                expect(true, manages_p, 201)
            } else {
                400
            };
            assert_eq!(created.status, wanted, "POST plant: {ctx}");

            let reset = app
                .post(&format!("{user}/reset-password"), &who, json!({}))
                .await;
            assert_eq!(
                reset.status,
                expect(sees, manages, 200),
                "reset password: {ctx}"
            );
            let unlock = app.post(&format!("{user}/unlock"), &who, json!({})).await;
            assert_eq!(unlock.status, expect(sees, manages, 200), "unlock: {ctx}");
        }
        // Destructive last: deleting each target user.
        for (i, target) in users.iter().enumerate() {
            let ctx = format!("{} deleting target {i}", row.caller);
            let (sees, manages) = (flag(row.sees_user, i), flag(row.manages_user, i));
            let reply = app.delete(&format!("/api/v1/users/{target}"), &who).await;
            assert_eq!(
                reply.status,
                expect(sees, manages, 204),
                "DELETE user: {ctx}"
            );
        }
    }
}

#[actix_web::test]
async fn organisations_are_changed_by_superadmins_only() {
    let app = start().await;
    let w = app.world().await;
    for caller in [ORG_ADMIN, SITE_ADMIN, PLANT_ADMIN, SUPPORT, MEMBER] {
        let who = Who::basic(caller);
        let own = format!("/api/v1/organisations/{}", w.org_a);
        let other = format!("/api/v1/organisations/{}", w.org_b);
        assert_eq!(app.get(&own, &who).await.status, 200, "{caller}");
        assert_eq!(
            app.patch(&own, &who, json!({"name": "Mine"})).await.status,
            403,
            "{caller}"
        );
        assert_eq!(app.delete(&own, &who).await.status, 403, "{caller}");
        assert_eq!(app.get(&other, &who).await.status, 404, "{caller}");
        assert_eq!(
            app.patch(&other, &who, json!({"name": "Mine"}))
                .await
                .status,
            404,
            "{caller}"
        );
    }
    assert_eq!(
        app.patch(
            &format!("/api/v1/organisations/{}", w.org_b),
            &Who::admin(),
            json!({"name": "Bolt Ltd"})
        )
        .await
        .status,
        200
    );
}

#[actix_web::test]
async fn an_admin_cannot_change_a_user_who_also_holds_a_role_outside_their_scope() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    app.post(
        &format!("/api/v1/users/{}/memberships", w.at_p1),
        &root,
        json!({"plantId": w.p3, "role": "member"}),
    )
    .await;
    let admin = Who::basic(SITE_ADMIN);
    let user = format!("/api/v1/users/{}", w.at_p1);
    assert_eq!(app.get(&user, &admin).await.status, 200);
    assert_eq!(
        app.patch(&user, &admin, json!({"status": "disabled"}))
            .await
            .status,
        403
    );
    assert_eq!(app.delete(&user, &admin).await.status, 403);
    // They may still change the memberships inside their own scope.
    assert_eq!(
        app.post(
            &format!("{user}/memberships"),
            &admin,
            json!({"siteId": w.s1, "role": "viewer"})
        )
        .await
        .status,
        201
    );
}

#[actix_web::test]
async fn a_site_admin_creates_users_only_with_roles_inside_their_site() {
    let app = start().await;
    let w = app.world().await;
    let admin = Who::basic(SITE_ADMIN);
    let inside = json!({"email": "in@a.example", "password": PASSWORD, "memberships": [{"plantId": w.p2, "role": "admin"}]});
    assert_eq!(app.post("/api/v1/users", &admin, inside).await.status, 201);
    let outside = json!({"email": "out@a.example", "password": PASSWORD, "memberships": [{"siteId": w.s2, "role": "member"}]});
    assert_eq!(app.post("/api/v1/users", &admin, outside).await.status, 400);
    let above = json!({"email": "up@a.example", "password": PASSWORD, "memberships": [{"organisationId": w.org_a, "role": "member"}]});
    assert_eq!(app.post("/api/v1/users", &admin, above).await.status, 403);
    let none = json!({"email": "none@a.example", "password": PASSWORD});
    assert_eq!(app.post("/api/v1/users", &admin, none).await.status, 400);
    for who in [SUPPORT, MEMBER] {
        let body = json!({"email": "x@a.example", "password": PASSWORD, "memberships": [{"plantId": w.p1, "role": "viewer"}]});
        assert_eq!(
            app.post("/api/v1/users", &Who::basic(who), body)
                .await
                .status,
            403,
            "{who}"
        );
    }
    assert!(
        app.get("/api/v1/users?q=out@", &Who::admin()).await.json()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[actix_web::test]
async fn members_read_only_their_own_profile() {
    let app = start().await;
    app.world().await;
    let member = Who::basic(MEMBER);
    let me = app.get("/api/v1/users/me", &member).await.json();
    assert_eq!(me["email"], MEMBER);
    let listed = app.get("/api/v1/users", &member).await.json();
    let emails: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, [MEMBER]);
    let own = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
    assert_eq!(
        app.patch(&own, &member, json!({"firstName": "Me"}))
            .await
            .status,
        403
    );
}
