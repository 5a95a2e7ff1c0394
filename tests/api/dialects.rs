//! Across the dialects: one user seen alike through every API, and the authorization matrix
//! run through each dialect so that none reveals or changes anything outside the caller's scope.

use crate::common::matrix::{expect, MATRIX, TARGETS};
use crate::common::*;

/// A request with the caller's API key.
fn authorize_key(req: TestRequest, key: &str) -> TestRequest {
    authorize(req, &Who::Key(key.to_string()))
}
use actix_web::test::TestRequest;
use serde_json::{json, Value};

/// (scope type, scope id, role) of every membership, sorted, as /api/v1 shows them.
fn held(user: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = user["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["scopeType"].as_str().unwrap().into(),
                m["scopeId"].as_str().unwrap().into(),
                m["role"].as_str().unwrap().into(),
            )
        })
        .collect();
    out.sort();
    out
}

#[actix_web::test]
async fn a_user_created_through_any_api_is_seen_alike_through_the_others() {
    let app = start().await;
    app.doc_structure().await;
    let root = Who::admin();
    let key = app.api_key(&root).await;
    let v1 = |email: &str| format!("/api/v1/users?q={email}");

    // Through 4PointX: a site admin.
    let body = json!({"site_id": DOC_SITE, "username": "fourpointx@plant.example", "mobile_number": "1234567890",
        "country_code": "+91", "user_type": "site-admin", "password": "a long enough pass phrase", "modules": ["Alerting"]});
    assert_eq!(
        app.call("POST", "/_config/users/", &root, Some(body))
            .await
            .status,
        201
    );
    // Through Busroot: a member of the account.
    let busroot = authorize_key(
        TestRequest::post().uri(&format!("/api/admin/user?accountId={DOC_ORGANISATION}")),
        &key,
    )
    .set_json(json!({"email": "busroot@plant.example", "role": "member"}));
    assert_eq!(app.send(busroot).await.status, 200);
    // Through Hoxton: a member of one site.
    let hoxton = authorize_key(TestRequest::put().uri("/users"), &key).set_json(json!({"email": "hoxton@plant.example",
        "firstName": "Hox", "lastName": "Ton", "organisationId": DOC_ORGANISATION, "roles": ["member"], "siteIds": [DOC_SITE]}));
    assert_eq!(app.send(hoxton).await.status, 201);

    // /api/v1 sees what each meant.
    let a = app.get(&v1("fourpointx@"), &root).await.json()["items"][0].clone();
    assert_eq!(held(&a), [("site".into(), DOC_SITE.into(), "admin".into())]);
    assert_eq!(a["modules"], json!(["Alerting"]));
    let b = app.get(&v1("busroot@"), &root).await.json()["items"][0].clone();
    assert_eq!(
        held(&b),
        [(
            "organisation".into(),
            DOC_ORGANISATION.into(),
            "member".into()
        )]
    );
    let c = app.get(&v1("hoxton@"), &root).await.json()["items"][0].clone();
    assert_eq!(
        held(&c),
        [("site".into(), DOC_SITE.into(), "member".into())]
    );

    // 4PointX reads each.
    let fpx = |email: &str| format!("/_config/users/{email}");
    let attrs = app
        .get(&fpx("fourpointx@plant.example"), &root)
        .await
        .json()["attributes"]
        .clone();
    assert_eq!(
        (
            attrs["user_type"].clone(),
            attrs["site_id"].clone(),
            attrs["plant_id"].clone()
        ),
        (json!("site-admin"), json!(DOC_SITE), json!("*"))
    );
    let attrs = app.get(&fpx("busroot@plant.example"), &root).await.json()["attributes"].clone();
    assert_eq!(
        (attrs["user_type"].clone(), attrs["site_id"].clone()),
        (json!("general-user"), json!("*"))
    );
    let attrs = app.get(&fpx("hoxton@plant.example"), &root).await.json()["attributes"].clone();
    assert_eq!(
        (
            attrs["user_type"].clone(),
            attrs["site_id"].clone(),
            attrs["plant_id"].clone()
        ),
        (json!("general-user"), json!(DOC_SITE), json!("*"))
    );

    // Busroot reads each.
    for (email, role) in [
        ("fourpointx@plant.example", "admin"),
        ("busroot@plant.example", "member"),
        ("hoxton@plant.example", "member"),
    ] {
        let got = app
            .send(authorize_key(
                TestRequest::get().uri(&format!("/api/admin/user/{email}")),
                &key,
            ))
            .await
            .json();
        assert_eq!(
            got["result"]["accounts"],
            json!([{"role": role, "accountId": DOC_ORGANISATION, "domain": "demo.example"}]),
            "{email}"
        );
    }

    // Each create was audited, whichever API it came through.
    let audit = app
        .get("/api/v1/audit?action=user.create", &root)
        .await
        .json();
    let targets: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["targetId"].as_str().unwrap())
        .collect();
    for user in [&a, &b, &c] {
        assert!(
            targets.contains(&user["id"].as_str().unwrap()),
            "{} not audited",
            user["email"]
        );
    }

    // Hoxton reads each.
    for (user, roles, sites) in [
        (&a, json!(["admin"]), json!([DOC_SITE])),
        (&b, json!(["member"]), json!([])),
        (&c, json!(["member"]), json!([DOC_SITE])),
    ] {
        let got = app
            .send(authorize_key(
                TestRequest::get().uri(&format!("/users/{}", user["id"].as_str().unwrap())),
                &key,
            ))
            .await
            .json();
        assert_eq!(got["organisationId"], DOC_ORGANISATION);
        assert_eq!(got["roles"], roles, "{}", user["email"]);
        assert_eq!(got["siteIds"], sites, "{}", user["email"]);
    }
}

/// The shared matrix as (caller, sees user, manages user) per target.
fn matrix() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    MATRIX
        .into_iter()
        .map(|row| (row.caller, row.sees_user, row.manages_user))
}

#[actix_web::test]
async fn the_matrix_through_fourpointx() {
    for (caller, sees, manages) in matrix() {
        let app = start().await;
        let w = app.world().await;
        let who = Who::named(caller);
        let plants = [&w.p1, &w.p2, &w.p3, &w.q1];
        for (i, email) in TARGETS.iter().enumerate() {
            let (s, m) = (sees.as_bytes()[i] == b'Y', manages.as_bytes()[i] == b'Y');
            let ctx = format!("{caller} on {email}");
            assert_eq!(
                app.status("GET", &format!("/_config/users/{email}"), &who, None)
                    .await,
                expect(s, true, 200),
                "GET {ctx}"
            );
            let body = json!({"username": email, "mobile_number": "5550001111", "country_code": "+44",
                "user_type": "general-user", "plant_id": plants[i]});
            assert_eq!(
                app.call("PUT", "/_config/users/", &who, Some(body))
                    .await
                    .status,
                expect(s, m, 200),
                "PUT {ctx}"
            );
            let listed = app
                .get(
                    &format!("/_config/users/_list?plant_id={}", plants[i]),
                    &who,
                )
                .await;
            let found = listed.status == 200
                && listed
                    .json()
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|u| u["username"] == *email);
            assert_eq!(found, s, "_list {ctx}");
        }
        for (i, email) in TARGETS.iter().enumerate() {
            let (s, m) = (sees.as_bytes()[i] == b'Y', manages.as_bytes()[i] == b'Y');
            assert_eq!(
                app.status("DELETE", &format!("/_config/users/{email}"), &who, None)
                    .await,
                expect(s, m, 200),
                "DELETE {caller} on {email}"
            );
        }
    }
}

#[actix_web::test]
async fn the_matrix_through_busroot() {
    for (caller, sees, _) in matrix() {
        let app = start().await;
        let w = app.world().await;
        let who = Who::named(caller);
        let key = app.api_key(&who).await;
        let listed = app
            .send(authorize_key(
                TestRequest::get().uri(&format!("/api/admin/user?accountId={}", w.org_a)),
                &key,
            ))
            .await
            .json();
        for (i, email) in TARGETS.iter().enumerate() {
            let s = sees.as_bytes()[i] == b'Y';
            let ctx = format!("{caller} on {email}");
            let got = app
                .send(authorize_key(
                    TestRequest::get().uri(&format!("/api/admin/user/{email}")),
                    &key,
                ))
                .await;
            assert_eq!(got.status, expect(s, true, 200), "GET {ctx}");
            let in_list = listed["results"]
                .as_array()
                .is_some_and(|r| r.iter().any(|u| u["email"] == *email));
            assert_eq!(in_list, s && i < 3, "list {ctx}");
        }
        // Adding to an account is an admin's act at the organisation.
        let post = authorize_key(
            TestRequest::post().uri(&format!("/api/admin/user?accountId={}", w.org_a)),
            &key,
        )
        .set_json(json!({"email": "new.person@a.example", "role": "member"}));
        let status = app.send(post).await.status;
        let org_admin = caller == "superadmin" || caller == ORG_ADMIN;
        assert_eq!(status, if org_admin { 200 } else { 403 }, "POST {caller}");
        let other = authorize_key(
            TestRequest::post().uri(&format!("/api/admin/user?accountId={}", w.org_b)),
            &key,
        )
        .set_json(json!({"email": "intruder@a.example", "role": "admin"}));
        let status = app.send(other).await.status;
        assert_eq!(
            status,
            if caller == "superadmin" { 200 } else { 404 },
            "POST to another account {caller}"
        );
    }
}

#[actix_web::test]
async fn the_matrix_through_hoxton() {
    for (caller, sees, manages) in matrix() {
        let app = start().await;
        let w = app.world().await;
        let who = Who::named(caller);
        let key = app.api_key(&who).await;
        let ids = [&w.at_p1, &w.at_p2, &w.at_p3, &w.at_q1];
        let listed = app
            .send(authorize_key(TestRequest::get().uri("/users"), &key))
            .await
            .json();
        for (i, id) in ids.iter().enumerate() {
            let s = sees.as_bytes()[i] == b'Y';
            let ctx = format!("{caller} on {}", TARGETS[i]);
            let got = app
                .send(authorize_key(
                    TestRequest::get().uri(&format!("/users/{id}")),
                    &key,
                ))
                .await;
            assert_eq!(got.status, expect(s, true, 200), "GET {ctx}");
            let in_list = listed.as_array().unwrap().iter().any(|u| u["id"] == **id);
            assert_eq!(in_list, s, "list {ctx}");
            // Renaming someone is changing them; the roles and sites are sent back as read.
            let org = if i < 3 { &w.org_a } else { &w.org_b };
            let seen = got.json();
            let (roles, sites) = if s {
                (seen["roles"].clone(), seen["siteIds"].clone())
            } else {
                (json!([]), json!([]))
            };
            let rename = authorize_key(TestRequest::put().uri("/users"), &key).set_json(json!({"id": id, "email": TARGETS[i],
                "firstName": "Renamed", "lastName": "Person", "organisationId": org, "roles": roles, "siteIds": sites}));
            let status = app.send(rename).await.status;
            let m = manages.as_bytes()[i] == b'Y';
            let allowed = if m {
                204
            } else if s {
                403
            } else {
                status
            };
            assert_eq!(status, allowed, "PUT {ctx}");
            assert!(m || status != 204 || !s, "PUT {ctx} must not succeed");
        }
        for (i, id) in ids.iter().enumerate() {
            let (s, m) = (sees.as_bytes()[i] == b'Y', manages.as_bytes()[i] == b'Y');
            let reply = app
                .send(authorize_key(
                    TestRequest::delete().uri(&format!("/users/{id}")),
                    &key,
                ))
                .await;
            assert_eq!(
                reply.status,
                expect(s, m, 204),
                "DELETE {caller} on {}",
                TARGETS[i]
            );
        }
        // Whatever the answers, nobody outside the caller's scope was renamed.
        for (i, id) in ids.iter().enumerate() {
            if manages.as_bytes()[i] == b'N' {
                let user = app
                    .get(&format!("/api/v1/users/{id}"), &Who::admin())
                    .await
                    .json();
                assert_ne!(
                    user["firstName"], "Renamed",
                    "{caller} renamed {}",
                    TARGETS[i]
                );
            }
        }
    }
}
