//! The Hoxton organisation/site dialect, replaying orgsite-users-api.txt's samples with only
//! the address and credentials (a Bearer token from /oauth/token) changed.

use crate::common::*;
use actix_web::test::TestRequest;
use serde_json::{json, Value};

fn sample_user() -> Value {
    json!({
        "email": "user@example.com",
        "firstName": "string",
        "id": "string",
        "lastName": "string",
        "name": "string",
        "organisationId": "c9b3f279-e3b5-4204-ad99-646257417f98",
        "organisationName": "string",
        "roles": [],
        "siteIds": []
    })
}

/// A Bearer token for an admin of the documents' organisation, got as Hoxton's clients get one.
async fn admin_token<S, B>(app: &TestApp<S>) -> String
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let owner = app.doc_admin().await;
    let key = app
        .post("/api/v1/api-keys", &owner, json!({"name": "hoxton"}))
        .await
        .json();
    let token = TestRequest::post().uri("/oauth/token").set_json(json!({
        "grant_type": "client_credentials", "audience": "https://api.hoxton.example",
        "client_id": key["id"], "client_secret": key["secret"]}));
    let reply = app.send(token).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["access_token"].as_str().unwrap().to_string()
}

fn is_error(body: &Value, code: u16) -> bool {
    body["code"] == code && body["message"].is_string()
}

#[actix_web::test]
async fn every_sample_request_of_the_document_replays() {
    let app = start().await;
    let token = admin_token(&app).await;

    let created = app
        .send(
            authorize(
                TestRequest::put().uri("/users"),
                &Who::Bearer(token.clone()),
            )
            .set_json(sample_user()),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let user = created.json();
    assert_eq!(user["email"], "user@example.com");
    assert_eq!(user["firstName"], "string");
    assert_eq!(user["lastName"], "string");
    assert_eq!(user["name"], "string");
    assert_eq!(user["organisationId"], DOC_ORGANISATION);
    assert_eq!(user["organisationName"], "Demo Org");
    assert_eq!(user["roles"], json!([]));
    assert_eq!(user["siteIds"], json!([]));
    let id = user["id"].as_str().unwrap().to_string();
    assert_ne!(id, "string", "an id that names nobody creates a new user");

    let mut update = sample_user();
    update["id"] = json!(id);
    update["firstName"] = json!("Grace");
    update["roles"] = json!(["member"]);
    update["siteIds"] = json!([DOC_SITE]);
    let updated = app
        .send(
            authorize(
                TestRequest::put().uri("/users"),
                &Who::Bearer(token.clone()),
            )
            .set_json(update),
        )
        .await;
    assert_eq!(updated.status, 204, "{}", updated.text());

    let got = app
        .send(authorize(
            TestRequest::get().uri(&format!("/users/{id}")),
            &Who::Bearer(token.clone()),
        ))
        .await;
    assert_eq!(got.status, 200);
    let got = got.json();
    assert_eq!(got["firstName"], "Grace");
    assert_eq!(got["roles"], json!(["member"]));
    assert_eq!(got["siteIds"], json!([DOC_SITE]));

    let me = app
        .send(authorize(
            TestRequest::get().uri("/users/me"),
            &Who::Bearer(token.clone()),
        ))
        .await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["email"], "owner@demo.example");
    assert_eq!(me.json()["roles"], json!(["admin"]));

    let list = app
        .send(authorize(
            TestRequest::get().uri(&format!("/users?organisationId={DOC_ORGANISATION}")),
            &Who::Bearer(token.clone()),
        ))
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json().as_array().unwrap().len(), 2);
    let at_site = app
        .send(authorize(
            TestRequest::get().uri(&format!("/users?siteId={DOC_SITE}")),
            &Who::Bearer(token.clone()),
        ))
        .await
        .json();
    assert_eq!(at_site.as_array().unwrap().len(), 1);
    assert_eq!(at_site[0]["id"], id);

    let deleted = app
        .send(authorize(
            TestRequest::delete().uri(&format!("/users/{id}")),
            &Who::Bearer(token.clone()),
        ))
        .await;
    assert_eq!(deleted.status, 204);
    let gone = app
        .send(authorize(
            TestRequest::get().uri(&format!("/users/{id}")),
            &Who::Bearer(token.clone()),
        ))
        .await;
    assert_eq!(gone.status, 404);
    assert!(is_error(&gone.json(), 404));
}

#[actix_web::test]
async fn roles_are_held_at_the_organisation_and_members_at_their_sites() {
    let app = start().await;
    let token = admin_token(&app).await;
    let second_site = app
        .create(
            "/api/v1/sites",
            &Who::admin(),
            json!({"organisationId": DOC_ORGANISATION, "name": "Second"}),
        )
        .await;
    let mut body = sample_user();
    body["roles"] = json!(["admin", "member"]);
    body["siteIds"] = json!([DOC_SITE, second_site]);
    let created = app
        .send(
            authorize(
                TestRequest::put().uri("/users"),
                &Who::Bearer(token.clone()),
            )
            .set_json(body),
        )
        .await
        .json();
    let v1 = app
        .get(
            &format!("/api/v1/users/{}", created["id"].as_str().unwrap()),
            &Who::admin(),
        )
        .await
        .json();
    let mut held: Vec<(String, String)> = v1["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["scopeType"].as_str().unwrap().to_string(),
                m["role"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    held.sort();
    assert_eq!(
        held,
        [
            ("organisation".into(), "admin".into()),
            ("site".into(), "member".into()),
            ("site".into(), "member".into())
        ]
    );
    assert_eq!(created["roles"], json!(["admin", "member"]));
    assert_eq!(created["siteIds"].as_array().unwrap().len(), 2);

    // The email names the user too: an update by email replaces the roles in this organisation.
    let mut again = sample_user();
    again["id"] = Value::Null;
    again["roles"] = json!(["support"]);
    assert_eq!(
        app.send(
            authorize(
                TestRequest::put().uri("/users"),
                &Who::Bearer(token.clone())
            )
            .set_json(again)
        )
        .await
        .status,
        204
    );
    let v1 = app
        .get(
            &format!("/api/v1/users/{}", created["id"].as_str().unwrap()),
            &Who::admin(),
        )
        .await
        .json();
    assert_eq!(v1["memberships"].as_array().unwrap().len(), 1);
    assert_eq!(v1["memberships"][0]["role"], "support");
}

#[actix_web::test]
async fn every_error_the_document_names_answers_with_its_status_and_shape() {
    let app = start().await;
    let token = admin_token(&app).await;
    let reply = app
        .send(authorize(
            TestRequest::get().uri("/users/me"),
            &Who::Bearer("gha_not_a_token".into()),
        ))
        .await;
    assert_eq!(reply.status, 401);
    assert!(is_error(&reply.json(), 401));

    let not_json = authorize(
        TestRequest::put().uri("/users"),
        &Who::Bearer(token.clone()),
    )
    .insert_header(("Content-Type", "application/json"))
    .set_payload("{email:");
    let reply = app.send(not_json).await;
    assert_eq!(reply.status, 400);
    assert!(is_error(&reply.json(), 400));
    let mut missing = sample_user();
    missing.as_object_mut().unwrap().remove("organisationId");
    let reply = app
        .send(
            authorize(
                TestRequest::put().uri("/users"),
                &Who::Bearer(token.clone()),
            )
            .set_json(missing),
        )
        .await;
    assert_eq!(reply.status, 400);

    let mut unknown_role = sample_user();
    unknown_role["roles"] = json!(["overlord"]);
    let reply = app
        .send(
            authorize(
                TestRequest::put().uri("/users"),
                &Who::Bearer(token.clone()),
            )
            .set_json(unknown_role),
        )
        .await;
    assert_eq!(reply.status, 422);
    assert!(is_error(&reply.json(), 422));
    let elsewhere = app
        .create(
            "/api/v1/organisations",
            &Who::admin(),
            json!({"name": "Elsewhere"}),
        )
        .await;
    let foreign_site = app
        .create(
            "/api/v1/sites",
            &Who::admin(),
            json!({"organisationId": elsewhere, "name": "Far"}),
        )
        .await;
    let mut outside = sample_user();
    outside["roles"] = json!(["member"]);
    outside["siteIds"] = json!([foreign_site]);
    let reply = app
        .send(
            authorize(
                TestRequest::put().uri("/users"),
                &Who::Bearer(token.clone()),
            )
            .set_json(outside),
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text());
    let mut bad_email = sample_user();
    bad_email["email"] = json!("not an email");
    assert_eq!(
        app.send(
            authorize(
                TestRequest::put().uri("/users"),
                &Who::Bearer(token.clone())
            )
            .set_json(bad_email)
        )
        .await
        .status,
        422
    );
    assert_eq!(app.count("users"), 2, "nothing was written");

    // A member of the organisation may not change anyone.
    app.create_user(
        &Who::admin(),
        "member@demo.example",
        json!([{"organisationId": DOC_ORGANISATION, "role": "member"}]),
    )
    .await;
    let member = app
        .post(
            "/api/v1/api-keys",
            &Who::basic("member@demo.example"),
            json!({"name": "m"}),
        )
        .await
        .json()["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let by_member = TestRequest::put()
        .uri("/users")
        .insert_header(("X-API-KEY", member.clone()))
        .set_json(sample_user());
    let reply = app.send(by_member).await;
    assert_eq!(reply.status, 403);
    assert!(is_error(&reply.json(), 403));
    let owner = app
        .get("/api/v1/users/me", &Who::basic("owner@demo.example"))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .send(
            TestRequest::delete()
                .uri(&format!("/users/{owner}"))
                .insert_header(("X-API-KEY", member)),
        )
        .await;
    assert_eq!(reply.status, 404, "members see only themselves");
    let reply = app
        .send(authorize(
            TestRequest::delete().uri("/users/00000000-0000-0000-0000-000000000000"),
            &Who::Bearer(token.clone()),
        ))
        .await;
    assert_eq!(reply.status, 404);
}

#[actix_web::test]
async fn switched_off_it_answers_404() {
    let app = start_with(|c| c.dialects.hoxton = false).await;
    assert_eq!(
        app.status("GET", "/users/me", &Who::admin(), None).await,
        404
    );
}

#[actix_web::test]
async fn writing_back_what_was_read_never_widens_a_plant_role() {
    let app = start().await;
    let token = admin_token(&app).await;
    let id = app
        .create_user(
            &Who::admin(),
            "plant.person@demo.example",
            json!([{"plantId": DOC_PLANT, "role": "member"}]),
        )
        .await;
    let read = app
        .send(authorize(
            TestRequest::get().uri(&format!("/users/{id}")),
            &Who::Bearer(token.clone()),
        ))
        .await
        .json();
    assert_eq!(read["roles"], json!(["member"]));
    assert_eq!(read["siteIds"], json!([DOC_SITE]));
    let mut back = read.clone();
    back["firstName"] = json!("Pat");
    back["lastName"] = json!("Lee");
    assert_eq!(
        app.send(
            authorize(
                TestRequest::put().uri("/users"),
                &Who::Bearer(token.clone())
            )
            .set_json(back)
        )
        .await
        .status,
        204
    );
    let v1 = app
        .get(&format!("/api/v1/users/{id}"), &Who::admin())
        .await
        .json();
    assert_eq!(v1["firstName"], "Pat");
    assert_eq!(v1["memberships"].as_array().unwrap().len(), 1);
    assert_eq!(v1["memberships"][0]["scopeType"], "plant");
}
