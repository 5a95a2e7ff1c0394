//! Scope that cannot be escaped: the takeovers found when Gatehouse was attacked, replayed as
//! they were done, and the rules that close them (accounts owned by a scope, joining that adds
//! a membership and nothing else, credentials that a token cannot mint, races that cannot be won).

use crate::common::matrix::expect;
use crate::common::*;
use actix_web::test::TestRequest;
use serde_json::{json, Value};

const SERVICE: &str = "svc@plant.example";
const LONER: &str = "loner@plant.example";

/// A user the superadmin creates with no membership: the system owns the account.
async fn system_user<S, B>(app: &TestApp<S>, email: &str) -> String
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    app.create_user(&Who::admin(), email, json!([])).await
}

fn user_path(id: &str) -> String {
    format!("/api/v1/users/{id}")
}

/// The account as stored: name, password hash and status, to prove nothing changed.
fn stored_account<S>(app: &TestApp<S>, id: &str) -> (Option<String>, String, String, bool) {
    let conn = app.state.pool.get().unwrap();
    conn.query_row(
        "SELECT first_name, password_hash, status, must_change_password FROM users WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )
    .unwrap()
}

#[actix_web::test]
async fn an_organisation_admin_who_joins_a_service_account_through_busroot_cannot_take_it_over() {
    let app = start().await;
    let admin = app.doc_admin().await;
    let svc = system_user(&app, SERVICE).await;
    let flagged = app
        .patch(
            &user_path(&svc),
            &Who::admin(),
            json!({"canIntrospect": true}),
        )
        .await;
    assert_eq!(flagged.status, 200, "{}", flagged.text());
    let before = stored_account(&app, &svc);
    let key = app.api_key(&admin).await;

    // The join works as the document says: the account gains a role in the caller's account.
    let join = TestRequest::post()
        .uri(&format!("/api/admin/user?accountId={DOC_ORGANISATION}"))
        .insert_header(("X-API-KEY", key.clone()))
        .set_json(json!({"email": SERVICE, "role": "admin"}));
    let joined = app.send(join).await;
    assert_eq!(joined.status, 200, "{}", joined.text());
    assert!(joined.json()["result"].get("temporaryPassword").is_none());

    // The admin sees a member of their scope, and may not manage the account.
    let seen = app.get(&user_path(&svc), &admin).await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.json()["canManage"], false);
    let seen_memberships = seen.json()["memberships"].as_array().unwrap().len();
    assert_eq!(seen_memberships, 1);
    let reset = app
        .post(
            &format!("{}/reset-password", user_path(&svc)),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(reset.status, 403, "{}", reset.text());
    let renamed = app
        .patch(&user_path(&svc), &admin, json!({"firstName": "Mine"}))
        .await;
    assert_eq!(renamed.status, 403);
    let moved = app
        .patch(
            &user_path(&svc),
            &admin,
            json!({"email": "mine@demo.example"}),
        )
        .await;
    assert_eq!(moved.status, 403);
    let disabled = app
        .patch(&user_path(&svc), &admin, json!({"status": "disabled"}))
        .await;
    assert_eq!(disabled.status, 403);
    assert_eq!(
        app.status("DELETE", &user_path(&svc), &admin, None).await,
        403
    );
    let fourpointx = json!({"site_id": "*", "plant_id": "*", "username": SERVICE, "mobile_number": "1234567890",
        "country_code": "+44", "user_type": "general-user", "password": "a new pass phrase of mine"});
    let put = app
        .call("PUT", "/_config/users/", &admin, Some(fourpointx))
        .await;
    assert_ne!(put.status, 200, "{}", put.text());
    // Nothing of the account changed, and it still signs in with its own password.
    assert_eq!(stored_account(&app, &svc), before);
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &Who::basic(SERVICE), None)
            .await,
        200
    );
    // The caller did not gain the right to introspect.
    let introspect = TestRequest::post()
        .uri("/oauth/introspect")
        .insert_header(("X-API-KEY", key))
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload("token=anything");
    assert_eq!(app.send(introspect).await.status, 403);
    // The membership the admin granted is theirs to remove.
    let membership = seen.json()["memberships"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let removed = app
        .delete(
            &format!("{}/memberships/{membership}", user_path(&svc)),
            &admin,
        )
        .await;
    assert_eq!(removed.status, 204, "{}", removed.text());
}

#[actix_web::test]
async fn a_site_admin_who_joins_a_user_through_hoxton_cannot_take_them_over() {
    let app = start().await;
    app.doc_structure().await;
    let root = Who::admin();
    app.create_user(
        &root,
        "site.admin@demo.example",
        json!([{"siteId": DOC_SITE, "role": "admin"}]),
    )
    .await;
    let admin = Who::basic("site.admin@demo.example");
    let loner = system_user(&app, LONER).await;
    let before = stored_account(&app, &loner);
    let body = json!({"email": LONER, "firstName": "Lone", "lastName": "Wolf",
        "organisationId": DOC_ORGANISATION, "roles": ["member"], "siteIds": [DOC_SITE]});
    let joined = app.call("PUT", "/users", &admin, Some(body.clone())).await;
    assert_eq!(joined.status, 204, "{}", joined.text());
    assert_eq!(
        stored_account(&app, &loner),
        before,
        "the join changed the profile"
    );

    let reset = app
        .post(
            &format!("{}/reset-password", user_path(&loner)),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(reset.status, 403, "{}", reset.text());
    let again = app.call("PUT", "/users", &admin, Some(body)).await;
    assert_eq!(again.status, 403, "{}", again.text());
    let renamed = app
        .patch(&user_path(&loner), &admin, json!({"lastName": "Mine"}))
        .await;
    assert_eq!(renamed.status, 403);
    assert_eq!(stored_account(&app, &loner), before);
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &Who::basic(LONER), None)
            .await,
        200
    );
}

#[actix_web::test]
async fn a_user_of_another_organisation_joined_here_is_managed_by_nobody_but_a_superadmin() {
    // (caller, sees the joined user, administers plant P1 where they were joined)
    let callers = [
        ("superadmin", true, true),
        (ORG_ADMIN, true, true),
        (SITE_ADMIN, true, true),
        (PLANT_ADMIN, true, true),
        (SUPPORT, true, false),
        (MEMBER, false, false),
    ];
    for (caller, sees, administers_p1) in callers {
        let app = start().await;
        let w = app.world().await;
        let root = Who::admin();
        let email = "joined@b.example";
        let joined = app
            .create_user(&root, email, json!([{"plantId": w.q1, "role": "viewer"}]))
            .await;
        let grant = app
            .post(
                &format!("{}/memberships", user_path(&joined)),
                &root,
                json!({"plantId": w.p1, "role": "member"}),
            )
            .await;
        assert_eq!(grant.status, 201);
        let at_p1 = grant.json()["id"].as_str().unwrap().to_string();
        let who = Who::named(caller);
        let manages = caller == "superadmin";
        let ctx = format!("{caller} on a user of B joined to A");
        let path = user_path(&joined);

        assert_eq!(
            app.status("GET", &path, &who, None).await,
            expect(sees, true, 200),
            "GET: {ctx}"
        );
        let listed = app.get("/api/v1/users?limit=500", &who).await.text();
        assert_eq!(listed.contains(&joined), sees, "list: {ctx}");
        if sees && !manages {
            let seen = app.get(&path, &who).await.json();
            assert_eq!(seen["canManage"], false, "{ctx}");
            let scopes: Vec<&str> = seen["memberships"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["scopeId"].as_str().unwrap())
                .collect();
            assert_eq!(
                scopes,
                [w.p1.as_str()],
                "only the memberships inside A: {ctx}"
            );
        }
        let patched = app.patch(&path, &who, json!({"firstName": "Taken"})).await;
        assert_eq!(patched.status, expect(sees, manages, 200), "PATCH: {ctx}");
        let reset = app
            .post(&format!("{path}/reset-password"), &who, json!({}))
            .await;
        assert_eq!(reset.status, expect(sees, manages, 200), "reset: {ctx}");
        let unlock = app.post(&format!("{path}/unlock"), &who, json!({})).await;
        assert_eq!(unlock.status, expect(sees, manages, 200), "unlock: {ctx}");

        // 4PointX reads by username and writes the account.
        let read = app.get(&format!("/_config/users/{email}"), &who).await;
        assert_eq!(read.status, expect(sees, true, 200), "4PointX GET: {ctx}");
        let body = json!({"plant_id": w.p1, "site_id": w.s1, "username": email, "mobile_number": "1234567890",
            "country_code": "+44", "user_type": "general-user"});
        let put = app.call("PUT", "/_config/users/", &who, Some(body)).await;
        assert_eq!(put.status, expect(sees, manages, 200), "4PointX PUT: {ctx}");
        // Busroot reads by email.
        let busroot = app.get(&format!("/api/admin/user/{email}"), &who).await;
        assert_eq!(
            busroot.status,
            expect(sees, true, 200),
            "Busroot GET: {ctx}"
        );
        // Hoxton's upsert of a changed name is an account change.
        let hoxton = json!({"id": joined, "email": email, "firstName": "Hox", "lastName": "Taken",
            "organisationId": w.org_a, "roles": ["member"], "siteIds": [w.s1]});
        let put = app.call("PUT", "/users", &who, Some(hoxton)).await;
        let wanted = if manages { 204 } else { 403 };
        assert_eq!(put.status, wanted, "Hoxton PUT: {ctx}: {}", put.text());

        // The membership in A is A's to remove; the account is not A's to delete.
        let deleted = app.delete(&path, &who).await;
        assert_eq!(deleted.status, expect(sees, manages, 204), "DELETE: {ctx}");
        if !manages {
            let removed = app
                .delete(&format!("{path}/memberships/{at_p1}"), &who)
                .await;
            let wanted = expect(sees, administers_p1, 204);
            assert_eq!(removed.status, wanted, "remove membership: {ctx}");
        }
    }
}

/// Audit events about `user_id` that `who` can read.
async fn events_about<S, B>(app: &TestApp<S>, who: &Who, user_id: &str) -> Vec<Value>
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let page = app
        .get(&format!("/api/v1/audit?target={user_id}&limit=1000"), who)
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    page.json()["items"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn an_organisation_admin_never_reads_what_a_joined_user_did_elsewhere() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    app.create_user(
        &root,
        "b.admin@b.example",
        json!([{"organisationId": w.org_b, "role": "admin"}]),
    )
    .await;
    let joined = app
        .create_user(
            &root,
            "joined@b.example",
            json!([{"plantId": w.q1, "role": "viewer"}]),
        )
        .await;
    let as_joined = Who::basic("joined@b.example");
    // Signs in and fails once while only in B, then is joined to A and signs in again.
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &as_joined, None)
            .await,
        200
    );
    let wrong = Who::Basic("joined@b.example".into(), "not the password at all".into());
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &wrong, None).await,
        401
    );
    let grant = app
        .post(
            &format!("{}/memberships", user_path(&joined)),
            &root,
            json!({"plantId": w.p1, "role": "member"}),
        )
        .await;
    assert_eq!(grant.status, 201, "{}", grant.text());
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &as_joined, None)
            .await,
        200
    );

    let a_sees = events_about(&app, &Who::basic(ORG_ADMIN), &joined).await;
    let actions: Vec<&str> = a_sees
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        !actions.contains(&"signin"),
        "A reads B's sign-ins: {actions:?}"
    );
    let b_sees = events_about(&app, &Who::basic("b.admin@b.example"), &joined).await;
    let signins = b_sees.iter().filter(|e| e["action"] == "signin").count();
    // The success and the failure; the third sign-in is answered by the credential cache.
    assert_eq!(signins, 2, "B reads the sign-ins of its own account");
}

#[actix_web::test]
async fn an_account_stays_owned_by_its_first_scope_until_a_superadmin_moves_it() {
    let app = start().await;
    let w = app.world().await;
    let site_admin = Who::basic(SITE_ADMIN);
    let id = app
        .create_user(
            &site_admin,
            "made.here@a.example",
            json!([{"plantId": w.p1, "role": "member"}, {"plantId": w.p2, "role": "viewer"}]),
        )
        .await;
    let user = app.get(&user_path(&id), &Who::admin()).await.json();
    assert_eq!(
        user["owner"],
        json!({"scopeType": "plant", "scopeId": w.p1})
    );
    // The plant admin of P2 does not own it, even though the user holds a role there only
    // once the P1 role is gone.
    let p1_role = user["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["scopeId"] == w.p1.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let removed = app
        .delete(
            &format!("{}/memberships/{p1_role}", user_path(&id)),
            &site_admin,
        )
        .await;
    assert_eq!(removed.status, 204);
    let after = app.get(&user_path(&id), &Who::admin()).await.json();
    assert_eq!(
        after["owner"]["scopeId"],
        w.p1.as_str(),
        "the owner stays as recorded"
    );
    // Only a superadmin moves it.
    let moved = app
        .patch(
            &user_path(&id),
            &site_admin,
            json!({"owner": {"siteId": w.s2}}),
        )
        .await;
    assert_eq!(moved.status, 403);
    let moved = app
        .patch(
            &user_path(&id),
            &Who::admin(),
            json!({"owner": {"plantId": w.p2}}),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    assert_eq!(moved.json()["owner"]["scopeId"], w.p2.as_str());
    let to_system = app
        .patch(&user_path(&id), &Who::admin(), json!({"owner": null}))
        .await;
    assert_eq!(to_system.json()["owner"], Value::Null);
    let renamed = app
        .patch(&user_path(&id), &site_admin, json!({"firstName": "Nope"}))
        .await;
    assert_eq!(
        renamed.status, 403,
        "the system's accounts are a superadmin's"
    );
}

#[actix_web::test]
async fn deleting_a_plant_moves_the_accounts_it_owned_up_to_its_site() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    let plant = app
        .create(
            "/api/v1/plants",
            &root,
            json!({"siteId": w.s1, "name": "Temporary"}),
        )
        .await;
    let id = app
        .create_user(
            &root,
            "temp@a.example",
            json!([{"plantId": plant, "role": "member"}]),
        )
        .await;
    let user = app.get(&user_path(&id), &root).await.json();
    let role = user["memberships"][0]["id"].as_str().unwrap().to_string();
    app.delete(&format!("{}/memberships/{role}", user_path(&id)), &root)
        .await;
    let deleted = app.delete(&format!("/api/v1/plants/{plant}"), &root).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    let user = app.get(&user_path(&id), &root).await.json();
    assert_eq!(user["owner"], json!({"scopeType": "site", "scopeId": w.s1}));
}

#[actix_web::test]
async fn the_server_says_what_the_page_may_offer_so_the_page_decides_nothing() {
    let app = start().await;
    let w = app.world().await;
    let site_admin = Who::basic(SITE_ADMIN);
    let orgs = app.get("/api/v1/organisations", &site_admin).await.json();
    let org = &orgs["items"][0];
    assert_eq!(
        (
            org["id"].as_str().unwrap(),
            &org["canManage"],
            &org["canAdminister"]
        ),
        (w.org_a.as_str(), &json!(false), &json!(false))
    );
    let sites = app.get("/api/v1/sites", &site_admin).await.json();
    let s1 = sites["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == w.s1.as_str())
        .unwrap();
    assert_eq!(
        (&s1["canManage"], &s1["canAdminister"]),
        (&json!(false), &json!(true))
    );
    let p1 = app
        .get(&format!("/api/v1/plants/{}", w.p1), &site_admin)
        .await
        .json();
    assert_eq!(
        (&p1["canManage"], &p1["canAdminister"]),
        (&json!(true), &json!(true))
    );
    let p1_as_plant_admin = app
        .get(
            &format!("/api/v1/plants/{}", w.p1),
            &Who::basic(PLANT_ADMIN),
        )
        .await
        .json();
    assert_eq!(
        (
            &p1_as_plant_admin["canManage"],
            &p1_as_plant_admin["canAdminister"]
        ),
        (&json!(false), &json!(true))
    );
    let root_orgs = app.get("/api/v1/organisations", &Who::admin()).await.json();
    assert!(root_orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["canManage"] == true));

    let login = |email: &str, password: &str| {
        TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_json(json!({"email": email, "password": password}))
    };
    let rights = |reply: Reply| reply.json()["rights"].clone();
    assert_eq!(
        rights(app.send(login(SITE_ADMIN, PASSWORD)).await),
        json!({"readAudit": false, "createUsers": true, "createOrganisations": false, "registerApps": false})
    );
    assert_eq!(
        rights(app.send(login(ORG_ADMIN, PASSWORD)).await),
        json!({"readAudit": true, "createUsers": true, "createOrganisations": false, "registerApps": true})
    );
    assert_eq!(
        rights(app.send(login(MEMBER, PASSWORD)).await),
        json!({"readAudit": false, "createUsers": false, "createOrganisations": false, "registerApps": false})
    );
    assert_eq!(
        rights(app.send(login(ADMIN_EMAIL, ADMIN_PASSWORD)).await),
        json!({"readAudit": true, "createUsers": true, "createOrganisations": true, "registerApps": true})
    );
}

#[test]
fn the_migrations_give_existing_users_an_owner_and_keep_every_membership_module_and_number() {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = rusqlite::Connection::open(dir.path().join("old.db")).unwrap();
    for (number, sql) in gatehouse::db::migrations()
        .into_iter()
        .filter(|(n, _)| *n <= 2)
    {
        conn.execute_batch(sql).unwrap();
        conn.pragma_update(None, "user_version", number).unwrap();
    }
    let now = "2026-01-01T00:00:00Z";
    conn.execute_batch(&format!(
        "INSERT INTO organisations VALUES ('o', 'O', NULL, '{now}', '{now}');
         INSERT INTO sites VALUES ('s', 'o', 'S', NULL, '{now}', '{now}');
         INSERT INTO users (id, email, email_key, display_name, status, superadmin, can_introspect,
             password_hash, created_at, updated_at)
         VALUES ('member', 'm@x.example', 'm@x.example', 'm', 'active', 0, 0, 'h', '{now}', '{now}'),
                ('service', 's@x.example', 's@x.example', 's', 'active', 0, 1, 'h', '{now}', '{now}'),
                ('loner', 'L@X.example', 'l@x.example', 'l', 'active', 0, 0, 'h', '{now}', '{now}');
         INSERT INTO memberships (id, user_id, scope_type, organisation_id, site_id, scope_id, role, created_at)
         VALUES ('m1', 'member', 'site', 'o', 's', 's', 'member', '2026-01-01T00:00:00Z'),
                ('m2', 'member', 'organisation', 'o', NULL, 'o', 'viewer', '2026-02-01T00:00:00Z'),
                ('m3', 'service', 'site', 'o', 's', 's', 'viewer', '{now}');
         INSERT INTO user_modules (user_id, module) VALUES ('member', 'Alerting');
         INSERT INTO users (id, email, email_key, display_name, status, password_hash, created_at, updated_at)
         VALUES ('gone', 'g@x.example', 'g@x.example', 'g', 'active', 'h', '{now}', '{now}');
         DELETE FROM users WHERE id = 'gone';"
    ))
    .unwrap();
    gatehouse::db::migrate(&mut conn).unwrap();
    let owner = |id: &str| -> (Option<String>, Option<String>) {
        conn.query_row(
            "SELECT o.id, s.id FROM users u LEFT JOIN organisations o ON o.number = u.owner_organisation
             LEFT JOIN sites s ON s.number = u.owner_site WHERE u.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    };
    assert_eq!(owner("member"), (Some("o".into()), Some("s".into())));
    assert_eq!(
        owner("service"),
        (None, None),
        "canIntrospect accounts are the system's"
    );
    assert_eq!(owner("loner"), (None, None), "no membership: the system's");
    let keys: Vec<String> = conn
        .prepare("SELECT email_key FROM memberships ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(keys, ["m@x.example", "m@x.example", "s@x.example"]);
    // Migration 5: memberships and modules point at their user and scopes by number.
    let held: Vec<(String, Option<String>, String, String)> =
        gatehouse::db::users::list_memberships(&conn, &["member", "service"])
            .unwrap()
            .into_iter()
            .map(|m| {
                (
                    m.user_id,
                    m.scope.site_id,
                    m.role.as_str().to_string(),
                    m.scope_name,
                )
            })
            .collect();
    assert_eq!(
        held,
        [
            (
                "member".into(),
                Some("s".into()),
                "member".into(),
                "S".into()
            ),
            ("member".into(), None, "viewer".into(), "O".into()),
            (
                "service".into(),
                Some("s".into()),
                "viewer".into(),
                "S".into()
            ),
        ]
    );
    let record = gatehouse::db::users::find_record(&conn, "member")
        .unwrap()
        .unwrap();
    assert_eq!(record.modules, ["Alerting"]);
    let email = |id: &str| {
        gatehouse::db::users::find_user(&conn, id)
            .unwrap()
            .unwrap()
            .email
    };
    assert_eq!(email("member"), "m@x.example");
    assert_eq!(
        email("loner"),
        "L@X.example",
        "an email keeps the case it was typed in"
    );
    assert_eq!(record.memberships.len(), 2);
    conn.execute_batch(&format!(
        "INSERT INTO users (id, email, email_key, display_name, status, password_hash, created_at, updated_at)
         VALUES ('new', 'n@x.example', 'n@x.example', 'n', 'active', 'h', '{now}', '{now}')"
    ))
    .unwrap();
    let number: i64 = conn
        .query_row("SELECT number FROM users WHERE id = 'new'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(
        number, 5,
        "the number of a user deleted before the migration is not reused"
    );
    // Migration 8: the memberships made before keep their ids; a new one's is made from its
    // number, and a number deleted is not given again.
    let m1 = gatehouse::db::users::find_membership(&conn, "m1")
        .unwrap()
        .expect("an old id still finds its membership");
    assert_eq!(
        (m1.user_id.as_str(), m1.role.as_str()),
        ("member", "member")
    );
    let grant = |role: gatehouse::domain::model::Role| {
        let m = gatehouse::domain::model::Membership {
            id: String::new(),
            user_id: "new".into(),
            scope: gatehouse::domain::model::Scope::site("o", "s"),
            scope_name: "S".into(),
            role,
        };
        gatehouse::db::users::insert_membership(
            &conn,
            &gatehouse::domain::access::MembershipWrite::by_the_operator(&m),
            now,
        )
        .unwrap()
    };
    let first = grant(gatehouse::domain::model::Role::Member);
    assert!(first.starts_with("00000000-0000-8000-8000-"), "{first}");
    let found = gatehouse::db::users::find_membership(&conn, &first)
        .unwrap()
        .expect("found by its made id");
    gatehouse::db::users::delete_membership(
        &conn,
        &gatehouse::domain::access::MembershipWrite::by_the_operator(&found),
    )
    .unwrap();
    assert!(gatehouse::db::users::find_membership(&conn, &first)
        .unwrap()
        .is_none());
    let second = grant(gatehouse::domain::model::Role::Member);
    assert_ne!(
        second, first,
        "a deleted membership's number is not given again"
    );
    let stored: Option<String> = conn
        .query_row(
            "SELECT id FROM memberships WHERE user_number = 5",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, None, "a new membership stores no id");
    assert!(gatehouse::db::check(&conn).unwrap().is_empty());
}

#[actix_web::test]
async fn an_id_the_caller_was_never_shown_does_not_join_its_user_through_hoxton() {
    let app = start().await;
    let w = app.world().await;
    // The site admin of S1 names the id of a user of organisation B, with a new email.
    let body = json!({"id": w.at_q1, "email": "fresh@a.example", "firstName": "F", "lastName": "R",
        "organisationId": w.org_a, "roles": ["member"], "siteIds": [w.s1]});
    let put = app
        .call("PUT", "/users", &Who::basic(SITE_ADMIN), Some(body))
        .await;
    assert_eq!(put.status, 201, "{}", put.text());
    assert_ne!(put.json()["id"], w.at_q1.as_str());
    let q1 = app.get(&user_path(&w.at_q1), &Who::admin()).await.json();
    assert_eq!(
        q1["memberships"].as_array().unwrap().len(),
        1,
        "the B user gained nothing"
    );
}
