//! The 4PointX dialect, replaying 4pointx-users-api.txt's samples with only the address and
//! credentials changed (and, where noted, a password long enough for the policy).

use crate::common::*;
use actix_web::test::TestRequest;
use serde_json::{json, Value};

/// The document's create sample. Its 12-character password is below our default minimum of
/// 15, so it runs with `password_min_length = 12`; see the next test for the default.
fn sample_create() -> Value {
    json!({
        "site_id": "b92f2836-288b-4b3e-b396-4f86d6f14274",
        "plant_id": "df42ab44-476b-4937-9c8e-6f4787cbf507",
        "username": "user@email.com",
        "mobile_number": "1234567890",
        "country_code": "+91",
        "password": "xZsl5@7cYuop",
        "user_type": "general-user",
        "modules": ["Alerting", "Configuration"]
    })
}

fn sample_update() -> Value {
    json!({
        "site_id": "b92f2836-288b-4b3e-b396-4f86d6f14274",
        "username": "user@email.com",
        "mobile_number": "9876543210",
        "country_code": "+91",
        "password": "xZsl5@7cYuop",
        "user_type": "site-admin",
        "modules": []
    })
}

fn error(status: u16, message: &str) -> Value {
    json!({"error": {"status": status, "message": message}})
}

#[actix_web::test]
async fn every_sample_request_of_the_document_replays() {
    let app = start_with(|c| c.security.password_min_length = 12).await;
    app.doc_structure().await;
    let root = Who::admin();

    let created = app
        .call("POST", "/_config/users/", &root, Some(sample_create()))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(
        created.json(),
        json!({"status": "CREATED", "message": " 'user@email.com' created."})
    );

    let got = app.get("/_config/users/user@email.com", &root).await;
    assert_eq!(got.status, 200);
    let user = got.json();
    assert_eq!(user["hash"], "");
    assert_eq!(user["reserved"], false);
    assert_eq!(user["hidden"], false);
    assert_eq!(user["backend_roles"], json!([]));
    assert_eq!(user["opendistro_security_roles"], json!([]));
    assert_eq!(user["static"], false);
    let a = &user["attributes"];
    assert_eq!(a["user_type"], "general-user");
    assert_eq!(a["site_id"], DOC_SITE);
    assert_eq!(a["plant_id"], DOC_PLANT);
    assert_eq!(a["site_name"], "Demo Site");
    assert_eq!(a["plant_name"], "4PX Plant");
    assert_eq!(a["country_code"], "+91");
    assert_eq!(a["mobile_number"], "1234567890");
    assert!(a["created_at"].as_str().unwrap().parse::<u64>().unwrap() > 1_600_000_000_000);
    assert!(a["last_login_time"].is_null());

    let list = app
        .get(
            &format!("/_config/users/_list?site_id={DOC_SITE}&plant_id={DOC_PLANT}"),
            &root,
        )
        .await;
    assert_eq!(list.status, 200);
    let items = list.json();
    assert_eq!(items.as_array().unwrap().len(), 1);
    let item = &items[0];
    for key in [
        "username",
        "country_code",
        "mobile_number",
        "site_id",
        "plant_id",
        "user_type",
        "site_name",
        "plant_name",
        "created_at",
        "last_login_time",
        "permissions",
    ] {
        assert!(item.get(key).is_some(), "{key} in {item}");
    }
    assert_eq!(item["permissions"], json!(["Alerting", "Configuration"]));

    let updated = app
        .call("PUT", "/_config/users/", &root, Some(sample_update()))
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text());
    assert_eq!(
        updated.json(),
        json!({"status": "OK", "message": "'user@email.com' updated."})
    );
    let a = app.get("/_config/users/user@email.com", &root).await.json()["attributes"].clone();
    assert_eq!(a["user_type"], "site-admin");
    assert_eq!(a["site_id"], DOC_SITE);
    assert_eq!(a["plant_id"], "*");
    assert!(a["plant_name"].is_null());
    assert_eq!(a["mobile_number"], "9876543210");
    let listed = app
        .get(&format!("/_config/users/_list?site_id={DOC_SITE}"), &root)
        .await
        .json();
    assert_eq!(listed[0]["permissions"], Value::Null, "no modules: null");

    // The user signs in with the password the sample set.
    let user = Who::Basic("user@email.com".into(), "xZsl5@7cYuop".into());
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &user, None).await,
        200
    );
    let a = app.get("/_config/users/user@email.com", &root).await.json()["attributes"].clone();
    assert!(a["last_login_time"]
        .as_str()
        .unwrap()
        .parse::<u64>()
        .is_ok());

    let deleted = app.delete("/_config/users/user@email.com", &root).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(
        deleted.json(),
        json!({"status": "OK", "message": "'user@email.com' deleted."})
    );
    assert_eq!(
        app.get("/_config/users/user@email.com", &root).await.json(),
        error(404, "User not found!")
    );
}

#[actix_web::test]
async fn with_the_default_policy_the_samples_short_password_is_refused_and_nothing_written() {
    let app = start().await;
    app.doc_structure().await;
    let users = app.count("users");
    let reply = app
        .call(
            "POST",
            "/_config/users/",
            &Who::admin(),
            Some(sample_create()),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("at least 15"));
    assert_eq!(app.count("users"), users);
}

#[actix_web::test]
async fn a_missing_password_is_generated_and_returned_once() {
    let app = start().await;
    app.doc_structure().await;
    let mut body = sample_create();
    body.as_object_mut().unwrap().remove("password");
    let reply = app
        .call("POST", "/_config/users/", &Who::admin(), Some(body))
        .await;
    assert_eq!(reply.status, 201);
    let temporary = reply.json()["temporary_password"]
        .as_str()
        .unwrap()
        .to_string();
    let user = Who::Basic("user@email.com".into(), temporary);
    assert_eq!(
        app.get("/api/v1/users/me", &user).await.json()["mustChangePassword"],
        true
    );
}

#[actix_web::test]
async fn every_error_the_document_names_answers_with_its_status_and_shape() {
    let app = start_with(|c| c.security.password_min_length = 12).await;
    app.doc_structure().await;
    let root = Who::admin();
    let nobody = Who::Basic("nobody@x.example".into(), "wrong password here".into());
    assert_eq!(
        app.call("POST", "/_config/users/", &nobody, Some(sample_create()))
            .await
            .json(),
        error(401, "Unauthorized access")
    );
    assert_eq!(
        app.call("PUT", "/_config/users/", &nobody, Some(sample_update()))
            .await
            .json(),
        error(401, "Unauthorized access")
    );
    assert_eq!(
        app.delete("/_config/users/user@email.com", &nobody)
            .await
            .json(),
        error(401, "Unauthorized access")
    );
    assert_eq!(
        app.get("/_config/users/user@email.com", &nobody)
            .await
            .json(),
        error(401, "Unauthorized access")
    );
    assert_eq!(
        app.get("/_config/users/_list", &nobody).await.json(),
        error(401, "Unauthorized access")
    );

    let not_json = authorize(TestRequest::post().uri("/_config/users/"), &root)
        .insert_header(("Content-Type", "text/plain"))
        .set_payload("username=user@email.com");
    let reply = app.send(not_json).await;
    assert_eq!(
        (reply.status, reply.json()),
        (400, error(400, "Invalid content type"))
    );
    let mut missing = sample_create();
    missing.as_object_mut().unwrap().remove("mobile_number");
    let reply = app
        .call("POST", "/_config/users/", &root, Some(missing.clone()))
        .await;
    assert_eq!(
        (reply.status, reply.json()),
        (400, error(400, "Insufficient inputs"))
    );
    let reply = app
        .call("PUT", "/_config/users/", &root, Some(missing))
        .await;
    assert_eq!(reply.json(), error(400, "Insufficient inputs"));
    let no_site = json!({"username": "a@b.example", "mobile_number": "1234567890", "country_code": "+91", "user_type": "site-admin"});
    assert_eq!(
        app.call("POST", "/_config/users/", &root, Some(no_site))
            .await
            .json(),
        error(400, "Insufficient inputs")
    );

    app.call("POST", "/_config/users/", &root, Some(sample_create()))
        .await;
    let reply = app
        .call("POST", "/_config/users/", &root, Some(sample_create()))
        .await;
    assert_eq!(
        (reply.status, reply.json()),
        (409, error(409, "User already exists"))
    );

    let mut stranger = sample_update();
    stranger["username"] = json!("stranger@email.com");
    let reply = app
        .call("PUT", "/_config/users/", &root, Some(stranger))
        .await;
    assert_eq!(
        (reply.status, reply.json()),
        (404, error(404, "User not found"))
    );
    let reply = app.delete("/_config/users/stranger@email.com", &root).await;
    assert_eq!(
        (reply.status, reply.json()),
        (404, error(404, "User not found!"))
    );
    let reply = app
        .delete(&format!("/_config/users/{ADMIN_EMAIL}"), &root)
        .await;
    assert_eq!(
        (reply.status, reply.json()),
        (400, error(400, "Invalid operation, can't delete user"))
    );

    // A general user may not create, update or delete.
    let member = Who::Basic("user@email.com".into(), "xZsl5@7cYuop".into());
    let mut other = sample_create();
    other["username"] = json!("other@email.com");
    let reply = app
        .call("POST", "/_config/users/", &member, Some(other))
        .await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            403,
            error(403, "Unauthorized operation!, can't create user")
        )
    );
    let plant_admin = json!({"username": "padmin@email.com", "mobile_number": "1234567890", "country_code": "+91",
        "user_type": "plant-admin", "plant_id": DOC_PLANT, "password": "plant admin secret words"});
    assert_eq!(
        app.call("POST", "/_config/users/", &root, Some(plant_admin))
            .await
            .status,
        201
    );
    let padmin = Who::Basic("padmin@email.com".into(), "plant admin secret words".into());
    let reply = app
        .call("PUT", "/_config/users/", &padmin, Some(sample_update()))
        .await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            403,
            error(403, "Unauthorized operation!, can't update User")
        )
    );
    let reply = app
        .delete(&format!("/_config/users/{ADMIN_EMAIL}"), &padmin)
        .await;
    assert_eq!(
        reply.status, 404,
        "the superadmin is not visible to a plant admin"
    );
    let site_admin = json!({"username": "sadmin@email.com", "mobile_number": "1234567890", "country_code": "+91",
        "user_type": "site-admin", "site_id": DOC_SITE, "password": "site admin secret words"});
    assert_eq!(
        app.call("POST", "/_config/users/", &root, Some(site_admin))
            .await
            .status,
        201
    );
    assert_eq!(
        app.status("DELETE", "/_config/users/sadmin@email.com", &padmin, None)
            .await,
        404,
        "outside the plant"
    );
    // Visible through the plant, but also holding a role at the site: not the plant admin's to delete.
    let both =
        json!([{"plantId": DOC_PLANT, "role": "member"}, {"siteId": DOC_SITE, "role": "member"}]);
    app.create_user(&root, "both@email.com", both).await;
    let reply = app.delete("/_config/users/both@email.com", &padmin).await;
    assert_eq!(
        (reply.status, reply.json()),
        (
            403,
            error(403, "Unauthorized operation!, can't delete user")
        )
    );
}

#[actix_web::test]
async fn user_types_map_onto_memberships_and_back() {
    let app = start().await;
    app.doc_structure().await;
    let root = Who::admin();
    let base = |name: &str, kind: &str| {
        json!({"username": format!("{name}@email.com"), "mobile_number": "1234567890",
        "country_code": "+91", "user_type": kind, "password": "a long enough pass phrase"})
    };
    let mut site_general = base("sitegen", "general-user");
    site_general["site_id"] = json!(DOC_SITE);
    site_general["plant_id"] = json!("*");
    let mut plant_admin = base("padmin", "plant-admin");
    plant_admin["plant_id"] = json!(DOC_PLANT);
    let saas = base("saas", "saas-admin");
    for body in [site_general, plant_admin, saas] {
        assert_eq!(
            app.call("POST", "/_config/users/", &root, Some(body.clone()))
                .await
                .status,
            201,
            "{body}"
        );
    }
    let v1 = |email: &str| format!("/api/v1/users?q={email}");
    let sitegen = app.get(&v1("sitegen@"), &root).await.json()["items"][0].clone();
    assert_eq!(sitegen["memberships"][0]["scopeType"], "site");
    assert_eq!(sitegen["memberships"][0]["role"], "member");
    let padmin = app.get(&v1("padmin@"), &root).await.json()["items"][0].clone();
    assert_eq!(padmin["memberships"][0]["scopeType"], "plant");
    assert_eq!(padmin["memberships"][0]["role"], "admin");
    let saas = app.get(&v1("saas@"), &root).await.json()["items"][0].clone();
    assert_eq!(saas["superadmin"], true);

    let a = app
        .get("/_config/users/sitegen@email.com", &root)
        .await
        .json()["attributes"]
        .clone();
    assert_eq!(
        (a["user_type"].clone(), a["plant_id"].clone()),
        (json!("general-user"), json!("*"))
    );
    let a = app.get("/_config/users/saas@email.com", &root).await.json()["attributes"].clone();
    assert_eq!(a["user_type"], "saas-admin");
    // Several memberships: the highest type is reported.
    let id = padmin["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/users/{id}/memberships"),
        &root,
        json!({"siteId": DOC_SITE, "role": "admin"}),
    )
    .await;
    let a = app
        .get("/_config/users/padmin@email.com", &root)
        .await
        .json()["attributes"]
        .clone();
    assert_eq!(a["user_type"], "site-admin");
}

#[actix_web::test]
async fn anyone_but_a_superadmin_must_name_a_site_or_plant_to_list() {
    let app = start().await;
    app.doc_structure().await;
    let root = Who::admin();
    app.create_user(
        &root,
        "sadmin@email.com",
        json!([{"siteId": DOC_SITE, "role": "admin"}]),
    )
    .await;
    let admin = Who::basic("sadmin@email.com");
    let reply = app.get("/_config/users/_list", &admin).await;
    assert_eq!(
        (reply.status, reply.json()),
        (400, error(400, "Insufficient inputs"))
    );
    assert_eq!(
        app.status(
            "GET",
            &format!("/_config/users/_list?site_id={DOC_SITE}"),
            &admin,
            None
        )
        .await,
        200
    );
    let all = app.get("/_config/users/_list", &root).await.json();
    assert_eq!(all.as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn switched_off_it_answers_404() {
    let app = start_with(|c| c.dialects.fourpointx = false).await;
    assert_eq!(
        app.status(
            "GET",
            &format!("/_config/users/{ADMIN_EMAIL}"),
            &Who::admin(),
            None
        )
        .await,
        404
    );
    assert_eq!(
        app.call(
            "POST",
            "/_config/users/",
            &Who::admin(),
            Some(sample_create())
        )
        .await
        .status,
        404
    );
}
