//! Organisations, sites and plants through /api/v1.

use crate::common::*;
use serde_json::json;

#[actix_web::test]
async fn a_superadmin_builds_the_hierarchy_and_reads_it_back() {
    let app = start().await;
    let root = Who::admin();
    let org = app
        .create(
            "/api/v1/organisations",
            &root,
            json!({"name": "Acme", "domain": "acme.example"}),
        )
        .await;
    let site = app
        .create(
            "/api/v1/sites",
            &root,
            json!({"organisationId": org, "name": "North", "timezone": "Europe/London"}),
        )
        .await;
    let plant = app
        .create(
            "/api/v1/plants",
            &root,
            json!({"siteId": site, "name": "Press"}),
        )
        .await;

    let got = app
        .get(&format!("/api/v1/plants/{plant}"), &root)
        .await
        .json();
    assert_eq!(got["name"], "Press");
    assert_eq!(got["siteName"], "North");
    assert_eq!(got["organisationName"], "Acme");
    let sites = app
        .get(&format!("/api/v1/sites?organisationId={org}"), &root)
        .await
        .json();
    assert_eq!(sites["items"][0]["timezone"], "Europe/London");
    let renamed = app
        .patch(
            &format!("/api/v1/sites/{site}"),
            &root,
            json!({"name": "North Works"}),
        )
        .await;
    assert_eq!(renamed.status, 200);
    assert_eq!(renamed.json()["name"], "North Works");
    assert_eq!(
        app.get(&format!("/api/v1/organisations/{org}"), &root)
            .await
            .json()["domain"],
        "acme.example"
    );
}

#[actix_web::test]
async fn ids_are_uuids() {
    let app = start().await;
    let org = app
        .create(
            "/api/v1/organisations",
            &Who::admin(),
            json!({"name": "Acme"}),
        )
        .await;
    assert!(uuid::Uuid::parse_str(&org).is_ok(), "{org}");
}

#[actix_web::test]
async fn deleting_something_with_things_below_it_is_a_conflict_that_says_what_is_in_the_way() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    let reply = app
        .delete(&format!("/api/v1/organisations/{}", w.org_a), &root)
        .await;
    assert_eq!(reply.status, 409);
    let message = reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("2 sites")
            && message.contains("3 plants")
            && message.contains("memberships"),
        "{message}"
    );

    let reply = app.delete(&format!("/api/v1/plants/{}", w.p3), &root).await;
    assert_eq!(reply.status, 409);
    assert!(reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("1 membership"));

    let empty_plant = app
        .create(
            "/api/v1/plants",
            &root,
            json!({"siteId": w.s2, "name": "Spare"}),
        )
        .await;
    assert_eq!(
        app.status(
            "DELETE",
            &format!("/api/v1/plants/{empty_plant}"),
            &root,
            None
        )
        .await,
        204
    );
    assert_eq!(
        app.status("GET", &format!("/api/v1/plants/{empty_plant}"), &root, None)
            .await,
        404
    );
}

#[actix_web::test]
async fn duplicate_names_conflict_within_their_parent_only() {
    let app = start().await;
    let root = Who::admin();
    let a = app
        .create("/api/v1/organisations", &root, json!({"name": "Acme"}))
        .await;
    let b = app
        .create("/api/v1/organisations", &root, json!({"name": "Bolt"}))
        .await;
    assert_eq!(
        app.status(
            "POST",
            "/api/v1/organisations",
            &root,
            Some(json!({"name": "acme"}))
        )
        .await,
        409
    );
    app.create(
        "/api/v1/sites",
        &root,
        json!({"organisationId": a, "name": "North"}),
    )
    .await;
    let dup = app
        .post(
            "/api/v1/sites",
            &root,
            json!({"organisationId": a, "name": "North"}),
        )
        .await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.json()["error"]["code"], "conflict");
    app.create(
        "/api/v1/sites",
        &root,
        json!({"organisationId": b, "name": "North"}),
    )
    .await;
    assert_eq!(app.count("sites"), 2);
}

#[actix_web::test]
async fn bad_structure_input_is_named_and_writes_nothing() {
    let app = start().await;
    let root = Who::admin();
    let org = app
        .create("/api/v1/organisations", &root, json!({"name": "Acme"}))
        .await;
    let cases = [
        ("/api/v1/organisations", json!({"name": ""}), "name"),
        (
            "/api/v1/organisations",
            json!({"name": "X", "colour": "red"}),
            "colour",
        ),
        ("/api/v1/organisations", json!({}), "name"),
        ("/api/v1/organisations", json!({"name": 5}), "name"),
        (
            "/api/v1/organisations",
            json!({"name": "Y", "domain": "not a domain"}),
            "domain",
        ),
        (
            "/api/v1/sites",
            json!({"organisationId": org, "name": "S", "timezone": "not a zone!"}),
            "timezone",
        ),
        (
            "/api/v1/sites",
            json!({"organisationId": "00000000-0000-0000-0000-000000000000", "name": "S"}),
            "organisationId",
        ),
        (
            "/api/v1/plants",
            json!({"siteId": "nope", "name": "P"}),
            "siteId",
        ),
    ];
    for (path, body, field) in cases {
        let reply = app.post(path, &root, body.clone()).await;
        assert_eq!(reply.status, 400, "{path} {body}: {}", reply.text());
        let message = reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(message.contains(field), "{body} -> {message}");
    }
    assert_eq!(app.count("organisations"), 1);
    assert_eq!(app.count("sites"), 0);
    assert_eq!(app.count("plants"), 0);
}

#[actix_web::test]
async fn a_site_admin_manages_plants_of_their_site_but_not_the_site_itself() {
    let app = start().await;
    let w = app.world().await;
    let admin = Who::basic(SITE_ADMIN);
    let plant = app
        .create(
            "/api/v1/plants",
            &admin,
            json!({"siteId": w.s1, "name": "Weld"}),
        )
        .await;
    assert_eq!(
        app.status(
            "PATCH",
            &format!("/api/v1/plants/{plant}"),
            &admin,
            Some(json!({"name": "Welding"}))
        )
        .await,
        200
    );
    assert_eq!(
        app.status(
            "PATCH",
            &format!("/api/v1/sites/{}", w.s1),
            &admin,
            Some(json!({"name": "Mine"}))
        )
        .await,
        403
    );
    assert_eq!(
        app.status(
            "POST",
            "/api/v1/plants",
            &admin,
            Some(json!({"siteId": w.s2, "name": "X"}))
        )
        .await,
        400
    );
    assert_eq!(
        app.status(
            "POST",
            "/api/v1/sites",
            &admin,
            Some(json!({"organisationId": w.org_a, "name": "X"}))
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
    assert_eq!(
        app.status("DELETE", &format!("/api/v1/plants/{plant}"), &admin, None)
            .await,
        204
    );
}

#[actix_web::test]
async fn everyone_reads_only_the_structure_they_hold_a_role_in_and_the_names_above_it() {
    let app = start().await;
    let w = app.world().await;
    let member = Who::basic(MEMBER);
    let plants = app.get("/api/v1/plants", &member).await.json();
    let names: Vec<&str> = plants["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Press"]);
    let sites = app.get("/api/v1/sites", &member).await.json();
    assert_eq!(sites["items"].as_array().unwrap().len(), 1);
    let orgs = app.get("/api/v1/organisations", &member).await.json();
    assert_eq!(orgs["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.status("GET", &format!("/api/v1/plants/{}", w.p2), &member, None)
            .await,
        404
    );
    assert_eq!(
        app.status(
            "GET",
            &format!("/api/v1/organisations/{}", w.org_b),
            &member,
            None
        )
        .await,
        404
    );

    let site_admin = Who::basic(SITE_ADMIN);
    let plants = app.get("/api/v1/plants", &site_admin).await.json();
    assert_eq!(plants["items"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn ids_from_another_platform_can_be_kept_but_not_reused() {
    let app = start().await;
    let root = Who::admin();
    app.doc_structure().await;
    assert_eq!(
        app.get(&format!("/api/v1/plants/{DOC_PLANT}"), &root)
            .await
            .json()["siteId"],
        DOC_SITE
    );
    let again = app
        .post(
            "/api/v1/organisations",
            &root,
            json!({"id": DOC_ORGANISATION, "name": "Other"}),
        )
        .await;
    assert_eq!(again.status, 409);
    let bad = app
        .post(
            "/api/v1/organisations",
            &root,
            json!({"id": "not-a-uuid", "name": "Other"}),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("id"));
}

#[actix_web::test]
async fn a_sites_time_zone_is_a_name_of_the_iana_database() {
    let app = start().await;
    let root = Who::admin();
    let org = app
        .create("/api/v1/organisations", &root, json!({"name": "Zoned"}))
        .await;
    let refused = app
        .post(
            "/api/v1/sites",
            &root,
            json!({"organisationId": org, "name": "Mars", "timezone": "Mars/Olympus_Mons"}),
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.text());
    assert_eq!(refused.json()["error"]["field"], "timezone");
    let site = app
        .post(
            "/api/v1/sites",
            &root,
            json!({"organisationId": org, "name": "Kolkata", "timezone": "asia/kolkata"}),
        )
        .await;
    assert_eq!(site.status, 201, "{}", site.text());
    assert_eq!(site.json()["timezone"], "Asia/Kolkata");
    let ui = app.get("/api/v1/ui", &Who::Nobody).await.json();
    let zones = ui["timeZones"].as_array().unwrap();
    assert!(zones.iter().any(|z| z == "Europe/London"));
}
