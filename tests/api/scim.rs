//! SCIM 2.0 provisioning (`/scim/v2`), users: discovery, create/read/replace/patch/delete,
//! filters, paging, errors with `scimType`, and requests as Entra ID and Okta send them.

use crate::common::scim::{error_of, patch, root_key, scim, user_names, USER};
use crate::common::{start, TestApp, Who};
use serde_json::{json, Value};

#[actix_web::test]
async fn discovery_describes_every_attribute_served_and_refuses_writes() {
    let app = start().await;
    app.world().await;
    let key = root_key(&app).await;
    let config = scim(&app, "GET", "/ServiceProviderConfig", &key, None).await;
    assert_eq!(config.status, 200);
    assert_eq!(
        config.header("content-type").as_deref(),
        Some("application/scim+json")
    );
    assert_eq!(config.json()["patch"]["supported"], true);
    let types = scim(&app, "GET", "/ResourceTypes", &key, None).await.json();
    let names: Vec<&str> = types["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["User", "Group"]);
    let schemas = scim(&app, "GET", "/Schemas", &key, None).await.json();
    assert_eq!(schemas["totalResults"], 3);
    let user = scim(&app, "GET", &format!("/Schemas/{USER}"), &key, None)
        .await
        .json();
    let user_name = user["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "userName")
        .unwrap();
    assert_eq!(
        (
            user_name["required"].clone(),
            user_name["uniqueness"].clone()
        ),
        (json!(true), json!("server"))
    );
    for a in user["attributes"].as_array().unwrap() {
        for key in ["type", "multiValued", "required", "mutability", "returned"] {
            assert!(a.get(key).is_some(), "{a} lacks {key}");
        }
    }
    let group = scim(
        &app,
        "GET",
        "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group",
        &key,
        None,
    )
    .await
    .json();
    let offered = group["attributes"][0]["canonicalValues"]
        .as_array()
        .unwrap()
        .clone();
    assert!(
        offered.contains(&json!("supervisor at Acme / North")),
        "{offered:?}"
    );
    assert!(
        !offered.contains(&json!("admin at Acme / North")),
        "a group that exists is not offered"
    );
    for path in ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"] {
        error_of(
            &scim(&app, "POST", path, &key, Some(json!({}))).await,
            405,
            None,
        );
        error_of(&scim(&app, "DELETE", path, &key, None).await, 405, None);
    }
    let anonymous = scim(&app, "GET", "/Users", &Who::Nobody, None).await;
    error_of(&anonymous, 401, None);
    assert!(anonymous.header("www-authenticate").is_some());
    let session = app
        .session(crate::common::ADMIN_EMAIL, crate::common::ADMIN_PASSWORD)
        .await;
    error_of(
        &scim(&app, "GET", "/Users", &session, None).await,
        401,
        None,
    );
}

#[actix_web::test]
async fn a_user_is_created_read_replaced_and_deleted_with_an_api_key_as_bearer() {
    let app = start().await;
    let key = root_key(&app).await;
    let body = json!({"schemas": [USER], "userName": "ada@plant.example", "externalId": "E-1",
        "name": {"givenName": "Ada", "familyName": "Lovelace"}, "displayName": "Ada L.",
        "emails": [{"value": "ada@plant.example", "type": "work", "primary": true}],
        "phoneNumbers": [{"value": "+44 7700 900123", "type": "mobile"}], "active": true});
    let created = scim(&app, "POST", "/Users", &key, Some(body.clone())).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(
        created.header("content-type").as_deref(),
        Some("application/scim+json")
    );
    let doc = created.json();
    let id = doc["id"].as_str().unwrap().to_string();
    assert!(created
        .header("location")
        .unwrap()
        .ends_with(&format!("/scim/v2/Users/{id}")));
    assert_eq!(
        created.header("etag").as_deref(),
        doc["meta"]["version"].as_str()
    );
    assert_eq!(doc["meta"]["resourceType"], "User");
    assert_eq!(doc["phoneNumbers"][0]["value"], "+44 7700 900123");
    assert_eq!(doc["externalId"], "E-1");
    // The same account through the native API: a temporary password, to be reset.
    let native = app
        .get(&format!("/api/v1/users/{id}"), &Who::admin())
        .await
        .json();
    assert_eq!(
        (native["email"].clone(), native["countryCode"].clone()),
        (json!("ada@plant.example"), json!("+44"))
    );
    let read = scim(&app, "GET", &format!("/Users/{id}"), &key, None).await;
    assert_eq!(read.json()["userName"], "ada@plant.example");
    let mut replaced = body.clone();
    replaced["name"]["givenName"] = json!("Augusta");
    replaced["active"] = json!(false);
    let put = scim(&app, "PUT", &format!("/Users/{id}"), &key, Some(replaced)).await;
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(
        (
            put.json()["name"]["givenName"].clone(),
            put.json()["active"].clone()
        ),
        (json!("Augusta"), json!(false))
    );
    assert_ne!(put.json()["meta"]["version"], doc["meta"]["version"]);
    let native = app
        .get(&format!("/api/v1/users/{id}"), &Who::admin())
        .await
        .json();
    assert_eq!(native["status"], "disabled");
    let gone = scim(&app, "DELETE", &format!("/Users/{id}"), &key, None).await;
    assert_eq!(gone.status, 204);
    error_of(
        &scim(&app, "GET", &format!("/Users/{id}"), &key, None).await,
        404,
        None,
    );
    // Audited as the key's holder did it.
    let audit = app
        .get("/api/v1/audit?action=user", &Who::admin())
        .await
        .json();
    let kinds: Vec<(String, String)> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_string(),
                r["credentialKind"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for action in ["user.create", "user.update", "user.delete"] {
        assert!(
            kinds.contains(&(action.to_string(), "api_key".to_string())),
            "{action}: {kinds:?}"
        );
    }
}

#[actix_web::test]
async fn a_user_name_that_is_not_an_email_is_kept_and_the_email_comes_from_emails() {
    let app = start().await;
    let key = root_key(&app).await;
    let body = json!({"userName": "E12345", "emails": [{"value": "home@x.example", "type": "home"},
        {"value": "work@x.example", "type": "work"}]});
    let doc = scim(&app, "POST", "/Users", &key, Some(body)).await.json();
    assert_eq!(
        (doc["userName"].clone(), doc["emails"][0]["value"].clone()),
        (json!("E12345"), json!("work@x.example"))
    );
    let found = scim(
        &app,
        "GET",
        "/Users?filter=userName%20eq%20%22e12345%22",
        &key,
        None,
    )
    .await
    .json();
    assert_eq!(found["totalResults"], 1);
    // Narrowed in SQL by text, the directory's own userName is found too; a name that is not
    // ASCII is matched without the narrowing.
    for filter in [
        "userName%20sw%20%22e123%22",
        "userName%20co%20%22234%22%20and%20active%20eq%20true",
        "emails.value%20co%20%22WORK@%22",
    ] {
        let list = scim(&app, "GET", &format!("/Users?filter={filter}"), &key, None)
            .await
            .json();
        assert_eq!(list["totalResults"], 1, "{filter}: {list}");
    }
    let accented = json!({"userName": "emile@x.example", "name": {"givenName": "Émile"}});
    assert_eq!(
        scim(&app, "POST", "/Users", &key, Some(accented))
            .await
            .status,
        201
    );
    let list = scim(
        &app,
        "GET",
        "/Users?filter=name.givenName%20eq%20%22%C3%A9MILE%22",
        &key,
        None,
    )
    .await
    .json();
    assert_eq!(list["totalResults"], 1, "{list}");
    let refused = scim(
        &app,
        "POST",
        "/Users",
        &key,
        Some(json!({"userName": "E9"})),
    )
    .await;
    let body = error_of(&refused, 400, Some("invalidValue"));
    assert!(
        body["detail"].as_str().unwrap().contains("needs an email"),
        "{body}"
    );
    assert_eq!(
        app.count("users"),
        3,
        "nothing was made by the refused request"
    );
}

#[actix_web::test]
async fn a_taken_user_name_or_email_is_a_409_uniqueness() {
    let app = start().await;
    let key = root_key(&app).await;
    let first = json!({"userName": "E1", "emails": [{"value": "one@x.example"}]});
    assert_eq!(
        scim(&app, "POST", "/Users", &key, Some(first)).await.status,
        201
    );
    let same_name = json!({"userName": "e1", "emails": [{"value": "two@x.example"}]});
    error_of(
        &scim(&app, "POST", "/Users", &key, Some(same_name)).await,
        409,
        Some("uniqueness"),
    );
    let same_email = json!({"userName": "E2", "emails": [{"value": "one@x.example"}]});
    error_of(
        &scim(&app, "POST", "/Users", &key, Some(same_email)).await,
        409,
        Some("uniqueness"),
    );
    let admins_email = json!({"userName": crate::common::ADMIN_EMAIL});
    error_of(
        &scim(&app, "POST", "/Users", &key, Some(admins_email)).await,
        409,
        Some("uniqueness"),
    );
    assert_eq!(app.count("users"), 2);
}

#[actix_web::test]
async fn a_patch_changes_every_mutable_attribute_with_and_without_path() {
    let app = start().await;
    let key = root_key(&app).await;
    let doc = scim(
        &app,
        "POST",
        "/Users",
        &key,
        Some(json!({"userName": "p@x.example"})),
    )
    .await
    .json();
    let at = format!("/Users/{}", doc["id"].as_str().unwrap());
    for (op, check) in [
        (
            json!({"op": "replace", "path": "userName", "value": "q@x.example"}),
            ("/userName", json!("q@x.example")),
        ),
        (
            json!({"op": "add", "path": "name.givenName", "value": "Grace"}),
            ("/name/givenName", json!("Grace")),
        ),
        (
            json!({"op": "add", "path": "name.familyName", "value": "Hopper"}),
            ("/name/familyName", json!("Hopper")),
        ),
        (
            json!({"op": "replace", "path": "displayName", "value": "Amazing Grace"}),
            ("/displayName", json!("Amazing Grace")),
        ),
        (
            json!({"op": "replace", "path": "emails", "value": [{"value": "grace@x.example"}]}),
            ("/emails/0/value", json!("grace@x.example")),
        ),
        (
            json!({"op": "add", "path": "phoneNumbers", "value": [{"value": "0123 456789"}]}),
            ("/phoneNumbers/0/value", json!("0123 456789")),
        ),
        (
            json!({"op": "replace", "path": "externalId", "value": "X-9"}),
            ("/externalId", json!("X-9")),
        ),
        (
            json!({"op": "replace", "path": "active", "value": false}),
            ("/active", json!(false)),
        ),
        (
            json!({"op": "replace", "value": {"active": true, "name": {"givenName": "G."}}}),
            ("/name/givenName", json!("G.")),
        ),
        (
            json!({"op": "remove", "path": "phoneNumbers"}),
            ("/phoneNumbers", Value::Null),
        ),
        (
            json!({"op": "remove", "path": "displayName"}),
            ("/displayName", Value::Null),
        ),
        (
            json!({"op": "remove", "path": "externalId"}),
            ("/externalId", Value::Null),
        ),
    ] {
        let reply = scim(&app, "PATCH", &at, &key, Some(patch(json!([op.clone()])))).await;
        assert_eq!(reply.status, 200, "{op}: {}", reply.text());
        let (pointer, expected) = check;
        assert_eq!(
            reply
                .json()
                .pointer(pointer)
                .cloned()
                .unwrap_or(Value::Null),
            expected,
            "{op}"
        );
        let read = scim(&app, "GET", &at, &key, None).await.json();
        assert_eq!(
            read.pointer(pointer).cloned().unwrap_or(Value::Null),
            expected,
            "{op} read back"
        );
    }
    // A remove without path, an unknown operation, and a filter that does not parse change nothing.
    let version = scim(&app, "GET", &at, &key, None).await.json()["meta"]["version"].clone();
    error_of(
        &scim(
            &app,
            "PATCH",
            &at,
            &key,
            Some(patch(json!([{"op": "remove"}]))),
        )
        .await,
        400,
        Some("noTarget"),
    );
    error_of(
        &scim(
            &app,
            "PATCH",
            &at,
            &key,
            Some(patch(json!([{"op": "move", "path": "x"}]))),
        )
        .await,
        400,
        Some("invalidSyntax"),
    );
    error_of(
        &scim(
            &app,
            "PATCH",
            &at,
            &key,
            Some(patch(
                json!([{"op": "add", "path": "emails[type eq", "value": 1}]),
            )),
        )
        .await,
        400,
        Some("invalidPath"),
    );
    assert_eq!(
        scim(&app, "GET", &at, &key, None).await.json()["meta"]["version"],
        version
    );
}

/// Users with names and states to filter on; returns the ids by userName.
async fn filterable<S, B>(app: &TestApp<S>, key: &Who) -> Vec<(String, String)>
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let mut ids = Vec::new();
    for (name, external, active) in [
        ("anna@f.example", "A1", true),
        ("bert@f.example", "B2", false),
        ("cleo@g.example", "C3", true),
    ] {
        let body = json!({"userName": name, "externalId": external, "active": active, "displayName": name.split('@').next()});
        let doc = scim(app, "POST", "/Users", key, Some(body)).await.json();
        ids.push((name.to_string(), doc["id"].as_str().unwrap().to_string()));
    }
    ids
}

#[actix_web::test]
async fn filters_paging_sorting_and_attributes_answer_as_rfc_7644_says() {
    let app = start().await;
    let key = root_key(&app).await;
    filterable(&app, &key).await;
    let query = |q: &str| format!("/Users?{}", q.replace(' ', "%20").replace('"', "%22"));
    for (filter, expected) in [
        (r#"userName eq "ANNA@f.example""#, vec!["anna@f.example"]),
        (r#"externalId eq "B2""#, vec!["bert@f.example"]),
        (r#"displayName eq "cleo""#, vec!["cleo@g.example"]),
        (
            r#"emails.value co "@f.""#,
            vec!["anna@f.example", "bert@f.example"],
        ),
        (r#"userName sw "c""#, vec!["cleo@g.example"]),
        (r#"userName ew "g.example""#, vec!["cleo@g.example"]),
        ("active eq false", vec!["bert@f.example"]),
        (
            r#"userName ne "anna@f.example" and active eq true"#,
            vec!["cleo@g.example", "root@plant.example"],
        ),
        (
            r#"externalId eq "A1" or externalId eq "C3""#,
            vec!["anna@f.example", "cleo@g.example"],
        ),
        (
            "externalId pr",
            vec!["anna@f.example", "bert@f.example", "cleo@g.example"],
        ),
        (
            r#"meta.lastModified gt "2000-01-01T00:00:00Z" and userName sw "b""#,
            vec!["bert@f.example"],
        ),
        (r#"emails[value ew "g.example"]"#, vec!["cleo@g.example"]),
    ] {
        let list = scim(
            &app,
            "GET",
            &query(&format!("filter={filter}&sortBy=userName")),
            &key,
            None,
        )
        .await;
        assert_eq!(list.status, 200, "{filter}: {}", list.text());
        assert_eq!(user_names(&list.json()), expected, "{filter}");
        assert_eq!(list.json()["totalResults"], expected.len(), "{filter}");
    }
    let page = scim(
        &app,
        "GET",
        &query("sortBy=userName&sortOrder=descending&startIndex=2&count=2"),
        &key,
        None,
    )
    .await
    .json();
    assert_eq!(
        (
            page["totalResults"].clone(),
            page["startIndex"].clone(),
            page["itemsPerPage"].clone()
        ),
        (json!(4), json!(2), json!(2))
    );
    assert_eq!(user_names(&page), ["cleo@g.example", "bert@f.example"]);
    // With no filter and no order: email order, counted by the index, read up to the page.
    let plain = scim(&app, "GET", &query("startIndex=2&count=2"), &key, None)
        .await
        .json();
    assert_eq!(plain["totalResults"], 4);
    assert_eq!(user_names(&plain), ["bert@f.example", "cleo@g.example"]);
    let across = scim(
        &app,
        "POST",
        "/.search",
        &key,
        Some(json!({"startIndex": 4, "count": 1})),
    )
    .await
    .json();
    assert_eq!(
        (across["totalResults"].clone(), user_names(&across)),
        (json!(4), vec!["root@plant.example".to_string()])
    );
    let counted = scim(&app, "GET", &query("count=0"), &key, None)
        .await
        .json();
    assert_eq!(
        (
            counted["totalResults"].clone(),
            counted["Resources"].clone()
        ),
        (json!(4), json!([]))
    );
    let cut = scim(
        &app,
        "GET",
        &query(r#"filter=userName eq "anna@f.example"&attributes=userName,name.givenName"#),
        &key,
        None,
    )
    .await
    .json();
    let only = cut["Resources"][0].as_object().unwrap();
    let mut keys: Vec<&str> = only.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["id", "schemas", "userName"]);
    let without = scim(
        &app,
        "GET",
        &query(r#"filter=userName eq "anna@f.example"&excludedAttributes=emails,meta"#),
        &key,
        None,
    )
    .await
    .json();
    assert!(
        without["Resources"][0].get("emails").is_none()
            && without["Resources"][0].get("userName").is_some()
    );
    let searched = scim(
        &app,
        "POST",
        "/Users/.search",
        &key,
        Some(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "userName sw \"a\"", "attributes": ["userName"]}),
        ),
    )
    .await
    .json();
    assert_eq!(user_names(&searched), ["anna@f.example"]);
    let everything = scim(
        &app,
        "POST",
        "/.search",
        &key,
        Some(json!({"filter": "userName sw \"b\""})),
    )
    .await
    .json();
    assert_eq!(user_names(&everything), ["bert@f.example"]);
    for bad in ["userName eq", "userName is \"x\"", "(userName eq \"x\""] {
        let reply = scim(&app, "GET", &query(&format!("filter={bad}")), &key, None).await;
        error_of(&reply, 400, Some("invalidFilter"));
    }
    error_of(
        &scim(&app, "GET", &query("count=ten"), &key, None).await,
        400,
        Some("invalidValue"),
    );
}

#[actix_web::test]
async fn entra_requests_are_accepted_as_entra_sends_them() {
    let app = start().await;
    let key = root_key(&app).await;
    // Entra looks the person up first, then creates them with its default mapping.
    let none = scim(
        &app,
        "GET",
        "/Users?filter=userName+eq+%22ent%40x.example%22",
        &key,
        None,
    )
    .await
    .json();
    assert_eq!(none["totalResults"], 0);
    let body = json!({"schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "8c2f", "userName": "ent@x.example", "active": true, "displayName": "Ent User",
        "emails": [{"primary": true, "type": "work", "value": "ent@x.example"}],
        "name": {"formatted": "Ent User", "familyName": "User", "givenName": "Ent"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Paint", "employeeNumber": "77"}});
    let created = scim(&app, "POST", "/Users", &key, Some(body)).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let at = format!("/Users/{}", created.json()["id"].as_str().unwrap());
    let ops = patch(json!([
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "ent2@x.example"},
        {"op": "Replace", "path": "name.familyName", "value": "Renamed"},
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Press"}]));
    let changed = scim(&app, "PATCH", &at, &key, Some(ops)).await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(
        (
            changed.json()["emails"][0]["value"].clone(),
            changed.json()["name"]["familyName"].clone()
        ),
        (json!("ent2@x.example"), json!("Renamed"))
    );
    // Deactivated with a string, deleted weeks later.
    let off = patch(json!([{"op": "Replace", "path": "active", "value": "False"}]));
    assert_eq!(
        scim(&app, "PATCH", &at, &key, Some(off)).await.json()["active"],
        false
    );
    let native = app
        .get(&format!("/api/v1{}", at.to_lowercase()), &Who::admin())
        .await
        .json();
    assert_eq!(native["status"], "disabled");
    assert_eq!(scim(&app, "DELETE", &at, &key, None).await.status, 204);
}

#[actix_web::test]
async fn okta_requests_are_accepted_as_okta_sends_them() {
    let app = start().await;
    let key = root_key(&app).await;
    // Okta's first request, before anything exists, then its lookup by userName.
    let first = scim(&app, "GET", "/Users?startIndex=1&count=2", &key, None).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.json()["itemsPerPage"], 1, "the superadmin alone");
    let body = json!({"schemas": [USER], "userName": "okta@x.example", "name": {"givenName": "Ok", "familyName": "Ta"},
        "emails": [{"primary": true, "value": "okta@x.example", "type": "work"}], "displayName": "Ok Ta",
        "locale": "en-US", "externalId": "00u1", "groups": [], "password": "ignored-by-gatehouse-1", "active": true});
    let created = scim(&app, "POST", "/Users", &key, Some(body.clone())).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_string();
    let lookup = scim(
        &app,
        "GET",
        "/Users?filter=userName%20eq%20%22okta%40x.example%22&startIndex=1&count=100",
        &key,
        None,
    )
    .await
    .json();
    assert_eq!(lookup["Resources"][0]["id"], id.as_str());
    let mut put = body.clone();
    put["id"] = json!(id);
    put["name"]["familyName"] = json!("Tá");
    assert_eq!(
        scim(&app, "PUT", &format!("/Users/{id}"), &key, Some(put))
            .await
            .json()["name"]["familyName"],
        "Tá"
    );
    let off = patch(json!([{"op": "replace", "value": {"active": false}}]));
    assert_eq!(
        scim(&app, "PATCH", &format!("/Users/{id}"), &key, Some(off))
            .await
            .json()["active"],
        false
    );
}
