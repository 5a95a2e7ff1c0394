//! The admin page's import: a users file sent to `POST /api/v1/users/import`, previewed line by
//! line (nothing written) and then imported, within the caller's rights.

use crate::common::*;
use actix_web::test::TestRequest;
use serde_json::{json, Value};

fn send_file(path: &str, media: &str, text: &str, who: &Who) -> TestRequest {
    authorize(
        TestRequest::post()
            .uri(path)
            .insert_header(("Content-Type", media))
            .set_payload(text.to_string()),
        who,
    )
}

fn lines(values: &[Value]) -> String {
    values.iter().map(|v| format!("{v}\n")).collect()
}

#[actix_web::test]
async fn a_preview_shows_each_lines_outcome_and_error_and_writes_nothing() {
    let app = start().await;
    let w = app.world().await;
    let site_admin = Who::basic(SITE_ADMIN);
    let file = lines(&[
        json!({"email": "new.one@a.example", "firstName": "New", "memberships": [{"plantId": w.p1, "role": "member"}]}),
        json!({"email": "worker.p1@a.example", "lastName": "Renamed"}),
        json!({"email": "elsewhere@a.example", "memberships": [{"plantId": w.p3, "role": "member"}]}),
        json!({"email": "no-dot@localdomain", "memberships": [{"plantId": w.p1, "role": "member"}]}),
        json!({"email": "plain@a.example", "password": "a plain pass phrase here", "memberships": [{"plantId": w.p1, "role": "member"}]}),
        json!({"email": "new.two@a.example", "memberships": [{"siteId": w.s1, "role": "viewer"}]}),
    ]);
    let users = app.count("users");
    let imports = app.count("audit WHERE action = 'users.import'");
    let reply = app
        .send(send_file(
            "/api/v1/users/import?dryRun=true",
            "application/x-ndjson",
            &file,
            &site_admin,
        ))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let preview = reply.json();
    assert_eq!(preview["created"], 2, "{preview}");
    assert_eq!(preview["updated"], 1);
    assert_eq!(preview["failed"], 3);
    let outcomes: Vec<(u64, &str)> = preview["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["line"].as_u64().unwrap(), l["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (1, "create"),
            (2, "update"),
            (3, "error"),
            (4, "error"),
            (5, "error"),
            (6, "create")
        ]
    );
    assert_eq!(preview["lines"][3]["field"], "email");
    assert_eq!(preview["lines"][4]["field"], "password");
    assert!(
        preview["lines"][2]["error"]
            .as_str()
            .unwrap()
            .contains("plant"),
        "{preview}"
    );
    assert_eq!(app.count("users"), users, "a preview writes nothing");
    assert_eq!(app.count("audit WHERE action = 'users.import'"), imports);

    // Imported for real, the bad lines stop it before anything is written.
    let refused = app
        .send(send_file(
            "/api/v1/users/import",
            "application/x-ndjson",
            &file,
            &site_admin,
        ))
        .await;
    assert!(
        refused.status == 400 || refused.status == 403,
        "{}",
        refused.text()
    );
    assert!(
        refused.text().contains("line 3") || refused.text().contains("line 5: password: "),
        "{}",
        refused.text()
    );
    assert_eq!(app.count("users"), users);
}

#[actix_web::test]
async fn a_clean_file_imports_as_gatehouse_import_does_and_is_audited() {
    let app = start().await;
    let w = app.world().await;
    let site_admin = Who::basic(SITE_ADMIN);
    let file = lines(&[
        json!({"email": "new.one@a.example", "firstName": "New", "memberships": [{"plantId": w.p1, "role": "member"}]}),
        json!({"email": "worker.p1@a.example", "lastName": "Renamed"}),
    ]);
    let reply = app
        .send(send_file(
            "/api/v1/users/import",
            "application/x-ndjson",
            &file,
            &site_admin,
        ))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.json(),
        json!({"dryRun": false, "created": 1, "updated": 1})
    );
    let p1 = app
        .get(&format!("/api/v1/users/{}", w.at_p1), &Who::admin())
        .await
        .json();
    assert_eq!(p1["lastName"], "Renamed");
    assert_eq!(app.count("audit WHERE action = 'users.import'"), 1);
    // Our own CSV export reads back in (here: unchanged users, updated).
    let csv = app
        .get("/api/v1/users/export.csv?q=worker.p", &site_admin)
        .await
        .text();
    let again = app
        .send(send_file(
            "/api/v1/users/import?dryRun=true",
            "text/csv",
            &csv,
            &site_admin,
        ))
        .await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["updated"], 2, "{}", again.text());
    assert_eq!(again.json()["failed"], 0, "{}", again.text());
}

#[actix_web::test]
async fn a_file_that_is_not_a_users_file_is_refused_by_name() {
    let app = start().await;
    app.world().await;
    let root = Who::admin();
    let plain = app
        .send(send_file(
            "/api/v1/users/import",
            "text/plain",
            "{\"email\": \"x@a.example\"}\n",
            &root,
        ))
        .await;
    assert_eq!(
        plain.status,
        415,
        "a cross-site form can send text/plain: {}",
        plain.text()
    );
    let empty = app
        .send(send_file("/api/v1/users/import", "text/csv", "\n\n", &root))
        .await;
    assert_eq!(empty.status, 400, "{}", empty.text());
    let broken = app
        .send(send_file(
            "/api/v1/users/import?dryRun=true",
            "application/x-ndjson",
            "{\"email\": \"x@a.example\"}\n{not json\n",
            &root,
        ))
        .await;
    assert_eq!(broken.status, 400, "{}", broken.text());
    assert!(broken.text().contains("line 2"), "{}", broken.text());
    let unknown = app
        .send(send_file(
            "/api/v1/users/import?dry=true",
            "text/csv",
            "email\nx@a.example\n",
            &root,
        ))
        .await;
    assert_eq!(unknown.status, 400, "{}", unknown.text());
    // A session must show its CSRF token, as for every other change.
    let session = app.session(SITE_ADMIN, PASSWORD).await;
    let Who::Session { cookie, .. } = session else {
        panic!("a session")
    };
    let forged = Who::Session {
        cookie,
        csrf: "not the token".into(),
    };
    let refused = app
        .send(send_file(
            "/api/v1/users/import",
            "text/csv",
            "email\nx@a.example\n",
            &forged,
        ))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text());
}
