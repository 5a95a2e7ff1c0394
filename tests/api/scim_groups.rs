//! SCIM 2.0 provisioning (`/scim/v2`), groups as roles at scopes, the bounds of an
//! organisation admin's key, and the organisation's provisioning key.

use crate::common::scim::{error_of, patch, root_key, scim, user_names};
use crate::common::{start, Who, World, ORG_ADMIN, PASSWORD};
use serde_json::{json, Value};

#[actix_web::test]
async fn a_group_is_a_role_at_a_scope_and_its_members_hold_that_role() {
    let app = start().await;
    let w = app.world().await;
    let key = root_key(&app).await;
    let created = scim(
        &app,
        "POST",
        "/Groups",
        &key,
        Some(json!({"displayName": "supervisor at Acme / North",
        "members": [{"value": w.at_p2}]})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let group = created.json();
    let id = group["id"].as_str().unwrap().to_string();
    assert_eq!(id, format!("site.{}.supervisor", w.s1));
    assert_eq!(group["members"][0]["value"], w.at_p2.as_str());
    let held = app
        .get(&format!("/api/v1/users/{}", w.at_p2), &Who::admin())
        .await
        .json();
    assert!(
        held["memberships"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["role"] == "supervisor" && m["siteId"] == w.s1.as_str()),
        "{held}"
    );
    // Members added with path, removed by value filter (Entra), added without path (Okta).
    let at = format!("/Groups/{id}");
    let add = patch(json!([{"op": "Add", "path": "members", "value": [{"value": w.at_p3}]}]));
    assert_eq!(
        scim(&app, "PATCH", &at, &key, Some(add)).await.json()["members"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let remove =
        patch(json!([{"op": "Remove", "path": format!("members[value eq \"{}\"]", w.at_p2)}]));
    let after = scim(&app, "PATCH", &at, &key, Some(remove)).await.json();
    assert_eq!(
        after["members"],
        json!([{"value": w.at_p3, "$ref": after["members"][0]["$ref"], "type": "User"}])
    );
    let okta = patch(json!([{"op": "add", "value": {"members": [{"value": w.at_p1}]}}]));
    assert_eq!(
        scim(&app, "PATCH", &at, &key, Some(okta)).await.json()["members"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let entra_remove = patch(
        json!([{"op": "Remove", "path": "members", "value": [{"value": w.at_p1}, {"value": w.at_p3}]}]),
    );
    assert_eq!(
        scim(&app, "PATCH", &at, &key, Some(entra_remove))
            .await
            .json()["members"],
        json!([])
    );
    // Listed and found by display name; the role's name at the scope is the group's name.
    let found = scim(
        &app,
        "GET",
        "/Groups?filter=displayName%20eq%20%22Supervisor%20at%20acme%20/%20north%22",
        &key,
        None,
    )
    .await
    .json();
    assert_eq!(found["Resources"][0]["id"], id.as_str());
    let listed = scim(
        &app,
        "GET",
        "/Groups?excludedAttributes=members",
        &key,
        None,
    )
    .await
    .json();
    let names: Vec<&str> = listed["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["displayName"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"admin at Acme") && names.contains(&"viewer at Acme / North / Press"),
        "{names:?}"
    );
    assert!(listed["Resources"][0].get("members").is_none());
    // A group is its role and scope: no other name, no second one, no name that is no group.
    let rename = patch(json!([{"op": "replace", "path": "displayName", "value": "admin at Acme"}]));
    error_of(
        &scim(&app, "PATCH", &at, &key, Some(rename)).await,
        400,
        Some("mutability"),
    );
    let again = scim(
        &app,
        "POST",
        "/Groups",
        &key,
        Some(json!({"displayName": "supervisor at Acme / North"})),
    )
    .await;
    assert!(error_of(&again, 409, Some("uniqueness"))["detail"]
        .as_str()
        .unwrap()
        .contains(&id));
    let nonsense = scim(
        &app,
        "POST",
        "/Groups",
        &key,
        Some(json!({"displayName": "Plant engineers"})),
    )
    .await;
    assert!(error_of(&nonsense, 400, Some("invalidValue"))["detail"]
        .as_str()
        .unwrap()
        .contains("a role at a scope"));
    let nowhere = scim(
        &app,
        "POST",
        "/Groups",
        &key,
        Some(json!({"displayName": "admin at Nowhere / Else"})),
    )
    .await;
    error_of(&nowhere, 400, Some("invalidValue"));
    // Deleting the group takes the role from its members; then it is gone.
    let put = scim(
        &app,
        "PUT",
        &at,
        &key,
        Some(json!({"displayName": "supervisor at Acme / North", "members": [{"value": w.at_p2}]})),
    )
    .await;
    assert_eq!(put.json()["members"].as_array().unwrap().len(), 1);
    assert_eq!(scim(&app, "DELETE", &at, &key, None).await.status, 204);
    error_of(&scim(&app, "GET", &at, &key, None).await, 404, None);
    let held = app
        .get(&format!("/api/v1/users/{}", w.at_p2), &Who::admin())
        .await
        .json();
    assert!(
        !held["memberships"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["role"] == "supervisor"),
        "{held}"
    );
}

#[actix_web::test]
async fn an_organisation_admins_key_provisions_only_that_organisation() {
    let app = start().await;
    let w: World = app.world().await;
    let key = Who::Bearer(app.api_key(&Who::basic(ORG_ADMIN)).await);
    let doc = scim(
        &app,
        "POST",
        "/Users",
        &key,
        Some(json!({"userName": "new@a.example"})),
    )
    .await;
    assert_eq!(doc.status, 201, "{}", doc.text());
    let id = doc.json()["id"].as_str().unwrap().to_string();
    let native = app
        .get(&format!("/api/v1/users/{id}"), &Who::admin())
        .await
        .json();
    assert_eq!(
        native["memberships"][0]["organisationId"],
        w.org_a.as_str(),
        "placed in their organisation"
    );
    // Organisation B's user, group and scope are not there for them.
    error_of(
        &scim(&app, "GET", &format!("/Users/{}", w.at_q1), &key, None).await,
        404,
        None,
    );
    let off = patch(json!([{"op": "replace", "path": "active", "value": false}]));
    error_of(
        &scim(
            &app,
            "PATCH",
            &format!("/Users/{}", w.at_q1),
            &key,
            Some(off),
        )
        .await,
        404,
        None,
    );
    error_of(
        &scim(&app, "DELETE", &format!("/Users/{}", w.at_q1), &key, None).await,
        404,
        None,
    );
    let theirs = scim(
        &app,
        "POST",
        "/Groups",
        &key,
        Some(json!({"displayName": "admin at Bolt"})),
    )
    .await;
    error_of(&theirs, 400, Some("invalidValue"));
    error_of(
        &scim(
            &app,
            "GET",
            &format!("/Groups/plant.{}.viewer", w.q1),
            &key,
            None,
        )
        .await,
        404,
        None,
    );
    let smuggle = scim(
        &app,
        "POST",
        "/Groups",
        &key,
        Some(json!({"displayName": "admin at Acme / South", "members": [{"value": w.at_q1}]})),
    )
    .await;
    error_of(&smuggle, 400, Some("invalidValue"));
    let listed = scim(&app, "GET", "/Users?count=1000", &key, None)
        .await
        .json();
    assert!(!user_names(&listed).contains(&"worker.q1@b.example".to_string()));
    let groups = scim(&app, "GET", "/Groups", &key, None).await.json();
    assert!(
        groups["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["displayName"].as_str().unwrap().contains("Acme")),
        "{groups}"
    );
    let native = app
        .get(&format!("/api/v1/users/{}", w.at_q1), &Who::admin())
        .await
        .json();
    assert_eq!(
        native["status"], "active",
        "nothing changed in organisation B"
    );
    // A support user's key reads, and changes nothing.
    let support = Who::Bearer(
        app.api_key(&Who::Basic(crate::common::SUPPORT.into(), PASSWORD.into()))
            .await,
    );
    error_of(
        &scim(
            &app,
            "POST",
            "/Users",
            &support,
            Some(json!({"userName": "x@a.example"})),
        )
        .await,
        403,
        None,
    );
}

#[actix_web::test]
async fn an_organisations_admin_makes_its_provisioning_key_and_sees_the_last_change() {
    let app = start().await;
    let w = app.world().await;
    let admin = Who::basic(ORG_ADMIN);
    let at = format!("/api/v1/organisations/{}/provisioning", w.org_a);
    let empty = app.get(&at, &admin).await;
    assert_eq!(empty.status, 200, "{}", empty.text());
    assert!(empty.json()["scimUrl"]
        .as_str()
        .unwrap()
        .ends_with("/scim/v2"));
    assert_eq!(
        (
            empty.json()["keys"].clone(),
            empty.json()["lastActivity"].clone()
        ),
        (json!([]), Value::Null)
    );
    let made = app.post(&format!("{at}/keys"), &admin, json!({})).await;
    assert_eq!(made.status, 201, "{}", made.text());
    let key = Who::Bearer(made.json()["secret"].as_str().unwrap().to_string());
    let doc = scim(
        &app,
        "POST",
        "/Users",
        &key,
        Some(json!({"userName": "joiner@a.example"})),
    )
    .await
    .json();
    let shown = app.get(&at, &admin).await.json();
    assert_eq!(shown["keys"][0]["holderEmail"], ORG_ADMIN);
    assert!(
        shown["keys"][0].get("secret").is_none(),
        "the secret is shown once"
    );
    assert_eq!(
        (
            shown["lastActivity"]["action"].clone(),
            shown["lastActivity"]["targetId"].clone()
        ),
        (json!("user.create"), doc["id"].clone())
    );
    // Not for another organisation, nor for a site's admin.
    let other = format!("/api/v1/organisations/{}/provisioning", w.org_b);
    assert_eq!(app.status("GET", &other, &admin, None).await, 404);
    assert_eq!(
        app.status("POST", &format!("{other}/keys"), &admin, Some(json!({})))
            .await,
        404
    );
    let site_admin = Who::basic(crate::common::SITE_ADMIN);
    assert_eq!(
        app.status("POST", &format!("{at}/keys"), &site_admin, Some(json!({})))
            .await,
        403
    );
    // A superadmin's provisioning key for organisation B puts the people it provisions there.
    let root_made = app
        .post(&format!("{other}/keys"), &Who::admin(), json!({}))
        .await
        .json();
    let root_key = Who::Bearer(root_made["secret"].as_str().unwrap().to_string());
    let placed = scim(
        &app,
        "POST",
        "/Users",
        &root_key,
        Some(json!({"userName": "b.joiner@b.example"})),
    )
    .await
    .json();
    let native = app
        .get(
            &format!("/api/v1/users/{}", placed["id"].as_str().unwrap()),
            &Who::admin(),
        )
        .await
        .json();
    assert_eq!(
        (
            native["memberships"][0]["organisationId"].clone(),
            native["memberships"][0]["role"].clone()
        ),
        (json!(w.org_b), json!("viewer"))
    );
}

#[actix_web::test]
async fn the_kept_counts_of_users_and_group_sizes_follow_every_change() {
    let app = start().await;
    let w = app.world().await;
    let key = root_key(&app).await;
    let body = json!({"displayName": "member at Acme / North", "members": [{"value": w.at_p1}, {"value": w.at_p2}]});
    let group = scim(&app, "POST", "/Groups", &key, Some(body)).await.json();
    let gone =
        patch(json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", w.at_p2)}]));
    scim(
        &app,
        "PATCH",
        &format!("/Groups/{}", group["id"].as_str().unwrap()),
        &key,
        Some(gone),
    )
    .await;
    // A user deleted takes their memberships with them (a cascade).
    assert_eq!(
        app.delete(&format!("/api/v1/users/{}", w.at_p3), &Who::admin())
            .await
            .status,
        204
    );
    let conn = app.state.pool.get().unwrap();
    let kept: i64 = conn
        .query_row("SELECT n FROM user_count", [], |r| r.get(0))
        .unwrap();
    let counted: i64 = conn
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, counted);
    let differ: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM (
                SELECT role, organisation, ifnull(site, 0), ifnull(plant, 0), count(*) FROM memberships GROUP BY 1, 2, 3, 4
                EXCEPT SELECT role, organisation, site, plant, members FROM group_sizes))
             + (SELECT count(*) FROM (SELECT role, organisation, site, plant, members FROM group_sizes
                EXCEPT SELECT role, organisation, ifnull(site, 0), ifnull(plant, 0), count(*) FROM memberships GROUP BY 1, 2, 3, 4))",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(differ, 0, "group_sizes is exactly the memberships counted");
    let listed = scim(&app, "GET", "/Users?count=1", &key, None).await.json();
    assert_eq!(listed["totalResults"], counted);
}

#[actix_web::test]
async fn an_access_token_from_a_keys_client_credentials_provisions_with_the_keys_rights() {
    let app = start().await;
    let w = app.world().await;
    let key = app
        .post(
            "/api/v1/api-keys",
            &Who::basic(ORG_ADMIN),
            json!({"name": "entra"}),
        )
        .await
        .json();
    let grant = actix_web::test::TestRequest::post().uri("/oauth/token").set_json(json!({
        "grant_type": "client_credentials", "client_id": key["id"], "client_secret": key["secret"]}));
    let reply = app.send(grant).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let token = Who::Bearer(reply.json()["access_token"].as_str().unwrap().to_string());
    let made = scim(
        &app,
        "POST",
        "/Users",
        &token,
        Some(json!({"userName": "tok@a.example"})),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.text());
    error_of(
        &scim(&app, "GET", &format!("/Users/{}", w.at_q1), &token, None).await,
        404,
        None,
    );
    error_of(
        &scim(
            &app,
            "GET",
            "/Users",
            &Who::Bearer("ghk_not_a_key".into()),
            None,
        )
        .await,
        401,
        None,
    );
}
