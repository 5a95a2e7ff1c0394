//! The authorization matrix: every caller against every endpoint, with targets in their scope,
//! in a sibling plant, in a sibling site, and in another organisation.

use crate::common::matrix::{expect, flag, MATRIX};
use crate::common::*;
use serde_json::json;

#[actix_web::test]
async fn the_whole_matrix_through_the_native_api() {
    for row in MATRIX {
        let app = start().await;
        let w = app.world().await;
        let who = Who::named(row.caller);
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
                app.status("GET", &user, &who, None).await,
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
                app.status("GET", &plant, &who, None).await,
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
                app.status("DELETE", &plant, &who, None).await,
                expect(sees_p, manages_p, 409),
                "DELETE plant: {ctx}"
            );

            let site = format!("/api/v1/sites/{}", sites[i]);
            let (sees_s, manages_s) = (flag(row.sees_site, i), flag(row.manages_site, i));
            assert_eq!(
                app.status("GET", &site, &who, None).await,
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
        assert_eq!(app.status("GET", &own, &who, None).await, 200, "{caller}");
        assert_eq!(
            app.status("PATCH", &own, &who, Some(json!({"name": "Mine"})))
                .await,
            403,
            "{caller}"
        );
        assert_eq!(
            app.status("DELETE", &own, &who, None).await,
            403,
            "{caller}"
        );
        assert_eq!(app.status("GET", &other, &who, None).await, 404, "{caller}");
        assert_eq!(
            app.status("PATCH", &other, &who, Some(json!({"name": "Mine"})))
                .await,
            404,
            "{caller}"
        );
    }
    assert_eq!(
        app.status(
            "PATCH",
            &format!("/api/v1/organisations/{}", w.org_b),
            &Who::admin(),
            Some(json!({"name": "Bolt Ltd"}))
        )
        .await,
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
    assert_eq!(app.status("GET", &user, &admin, None).await, 200);
    assert_eq!(
        app.status("PATCH", &user, &admin, Some(json!({"status": "disabled"})))
            .await,
        403
    );
    assert_eq!(app.status("DELETE", &user, &admin, None).await, 403);
    // They may still change the memberships inside their own scope.
    assert_eq!(
        app.status(
            "POST",
            &format!("{user}/memberships"),
            &admin,
            Some(json!({"siteId": w.s1, "role": "viewer"}))
        )
        .await,
        201
    );
}

#[actix_web::test]
async fn a_site_admin_creates_users_only_with_roles_inside_their_site() {
    let app = start().await;
    let w = app.world().await;
    let admin = Who::basic(SITE_ADMIN);
    let inside = json!({"email": "in@a.example", "password": PASSWORD, "memberships": [{"plantId": w.p2, "role": "admin"}]});
    assert_eq!(
        app.status("POST", "/api/v1/users", &admin, Some(inside))
            .await,
        201
    );
    let outside = json!({"email": "out@a.example", "password": PASSWORD, "memberships": [{"siteId": w.s2, "role": "member"}]});
    assert_eq!(
        app.status("POST", "/api/v1/users", &admin, Some(outside))
            .await,
        400
    );
    let above = json!({"email": "up@a.example", "password": PASSWORD, "memberships": [{"organisationId": w.org_a, "role": "member"}]});
    assert_eq!(
        app.status("POST", "/api/v1/users", &admin, Some(above))
            .await,
        403
    );
    let none = json!({"email": "none@a.example", "password": PASSWORD});
    assert_eq!(
        app.status("POST", "/api/v1/users", &admin, Some(none))
            .await,
        400
    );
    for who in [SUPPORT, MEMBER] {
        let body = json!({"email": "x@a.example", "password": PASSWORD, "memberships": [{"plantId": w.p1, "role": "viewer"}]});
        assert_eq!(
            app.status("POST", "/api/v1/users", &Who::basic(who), Some(body))
                .await,
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
        app.status("PATCH", &own, &member, Some(json!({"firstName": "Me"})))
            .await,
        403
    );
}
