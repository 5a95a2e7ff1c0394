//! `gatehouse import`: users from JSON lines or our own CSV, in batches, audited per batch.

use crate::common::*;
use gatehouse::domain::access::Principal;
use gatehouse::ops::import::{self, Counts};
use serde_json::json;

fn import_text<S>(app: &TestApp<S>, text: &str, dry_run: bool) -> Result<Counts, String> {
    let lines = gatehouse::api::import::parse(text).map_err(|e| e.to_string())?;
    let mut conn = app.state.pool.get().unwrap();
    import::import(
        &mut conn,
        &app.state.env,
        &Principal::operator(),
        &lines,
        dry_run,
        &mut |_| {},
    )
    .map_err(|e| e.to_string())
}

#[actix_web::test]
async fn json_lines_create_and_then_update_users_with_their_roles_modules_and_passwords() {
    let app = start().await;
    let w = app.world().await;
    let hash = bcrypt::hash("a carried over pass phrase", 4).unwrap();
    let text = format!(
        "{}\n{}\n",
        json!({"email": "Carried@a.example", "firstName": "Carrie", "passwordHash": hash,
            "memberships": [{"plantId": w.p1, "role": "member"}], "modules": ["Alerting"]}),
        json!({"email": "nopass@a.example", "memberships": [{"siteId": w.s1, "role": "viewer"}]}),
    );
    assert_eq!(
        import_text(&app, &text, false),
        Ok(Counts {
            created: 2,
            updated: 0
        })
    );
    let carried = Who::Basic(
        "carried@a.example".into(),
        "a carried over pass phrase".into(),
    );
    let me = app.get("/api/v1/users/me", &carried).await.json();
    assert_eq!(me["firstName"], "Carrie");
    assert_eq!(me["modules"], json!(["Alerting"]));
    assert_eq!(me["owner"], json!({"scopeType": "plant", "scopeId": w.p1}));
    let nopass = Who::Basic("nopass@a.example".into(), String::new());
    assert_eq!(
        app.status("GET", "/api/v1/users/me", &nopass, None).await,
        401
    );
    // Matched by email, whatever its case: the second import updates.
    let again = json!({"email": "CARRIED@a.example", "lastName": "Over", "memberships": [{"siteId": w.s2, "role": "admin"}]});
    assert_eq!(
        import_text(&app, &again.to_string(), false),
        Ok(Counts {
            created: 0,
            updated: 1
        })
    );
    let me = app.get("/api/v1/users/me", &carried).await.json();
    assert_eq!(me["lastName"], "Over");
    assert_eq!(me["memberships"].as_array().unwrap().len(), 1);
    assert_eq!(me["memberships"][0]["scopeId"], w.s2.as_str());
    // One audit event per batch, with its counts.
    let conn = app.state.pool.get().unwrap();
    let summary: String = conn
        .query_row(
            "SELECT summary FROM audit WHERE action = 'users.import' ORDER BY seq LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(
        (summary["created"].clone(), summary["lines"].clone()),
        (json!(2), json!([1, 2]))
    );
}

#[actix_web::test]
async fn a_bad_line_is_reported_by_number_and_nothing_of_its_batch_is_written() {
    let app = start().await;
    let w = app.world().await;
    let before = app.count("users");
    let text = format!(
        "{}\n{}\n{}\n",
        json!({"email": "one@a.example", "memberships": [{"plantId": w.p1, "role": "member"}]}),
        json!({"email": "two@a.example", "memberships": [{"plantId": "7b8d6a0e-0000-4000-8000-000000000000", "role": "member"}]}),
        json!({"email": "three@a.example"}),
    );
    let error = import_text(&app, &text, false).unwrap_err();
    assert!(
        error.starts_with("line 2: plantId: no such plant"),
        "{error}"
    );
    assert_eq!(app.count("users"), before);
    let bad_hash = json!({"email": "h@a.example", "passwordHash": "md5:abc"}).to_string();
    assert!(import_text(&app, &bad_hash, false)
        .unwrap_err()
        .contains("passwordHash"));
}

#[actix_web::test]
async fn the_batches_before_a_bad_line_stay_written() {
    let app = start().await;
    let w = app.world().await;
    let before = app.count("users");
    let mut text = String::new();
    for i in 0..import::BATCH + 1 {
        let line = json!({"email": format!("bulk{i}@a.example"),
            "memberships": [{"plantId": w.p1, "role": "member"}]});
        text.push_str(&format!("{line}\n"));
    }
    text.push_str(&json!({"email": "not an email"}).to_string());
    let error = import_text(&app, &text, false).unwrap_err();
    let bad_line = import::BATCH + 2;
    assert!(
        error.starts_with(&format!("line {bad_line}: email")),
        "{error}"
    );
    // The first batch is in; the second (one good line and the bad one) is not.
    assert_eq!(app.count("users"), before + import::BATCH as i64);
}

#[actix_web::test]
async fn a_dry_run_reports_what_would_change_and_writes_nothing() {
    let app = start().await;
    let w = app.world().await;
    let before = (app.count("users"), app.count("audit"));
    let text =
        json!({"email": "dry@a.example", "memberships": [{"plantId": w.p1, "role": "member"}]})
            .to_string();
    assert_eq!(
        import_text(&app, &text, true),
        Ok(Counts {
            created: 1,
            updated: 0
        })
    );
    assert_eq!((app.count("users"), app.count("audit")), before);
}

#[actix_web::test]
async fn our_own_csv_export_imports_back() {
    let app = start().await;
    app.world().await;
    let root = Who::admin();
    let export = app
        .get("/api/v1/users/export.csv?q=worker.", &root)
        .await
        .text();
    let before = app.count("memberships");
    let counts = import_text(&app, &export, false).unwrap();
    assert_eq!(
        counts,
        Counts {
            created: 0,
            updated: 4
        }
    );
    assert_eq!(
        app.count("memberships"),
        before,
        "the roles read back as they were"
    );
    // A new user in the same columns, with a password hash column added.
    let hash = bcrypt::hash("a csv imported pass phrase", 4).unwrap();
    let p1_role = export
        .lines()
        .nth(1)
        .unwrap()
        .split("\",\"")
        .nth(7)
        .unwrap()
        .to_string();
    let csv = format!(
        "\"email\",\"roles\",\"passwordHash\"\r\n\"csv@a.example\",\"{p1_role}\",\"{hash}\"\r\n"
    );
    assert_eq!(
        import_text(&app, &csv, false),
        Ok(Counts {
            created: 1,
            updated: 0
        })
    );
    let who = Who::Basic("csv@a.example".into(), "a csv imported pass phrase".into());
    assert_eq!(app.status("GET", "/api/v1/users/me", &who, None).await, 200);
}

#[test]
fn the_command_imports_a_file_and_says_what_it_did() {
    use crate::common::process::{run, write_config};
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let file = dir.path().join("users.jsonl");
    std::fs::write(
        &file,
        "{\"email\": \"cli@plant.example\", \"firstName\": \"Cli\"}\n",
    )
    .unwrap();
    let env = [("GATEHOUSE_ADMIN_PASSWORD", ADMIN_PASSWORD)];
    let dry = run(
        &config,
        &["import", "--dry-run", file.to_str().unwrap()],
        &env,
    );
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(String::from_utf8_lossy(&dry.stdout).contains("would create 1"));
    let out = run(&config, &["import", file.to_str().unwrap()], &env);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created 1 and updated 0 users"));
    std::fs::write(&file, "{\"email\": \"x@plant.example\", \"shoe\": 9}\n").unwrap();
    let bad = run(&config, &["import", file.to_str().unwrap()], &env);
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("line 1") && stderr.contains("shoe"),
        "{stderr}"
    );
}

#[actix_web::test]
async fn long_lists_and_exports_are_written_page_by_page_and_hold_every_user_once() {
    let app = start().await;
    app.doc_structure().await;
    let count = 1_203; // more than two pages of 500
    let text: String = (0..count)
        .map(|i| {
            json!({"email": format!("many{i:05}@plant.example"), "firstName": "M", "lastName": "N",
                "memberships": [{"plantId": DOC_PLANT, "role": "member"}]})
            .to_string()
                + "\n"
        })
        .collect();
    import_text(&app, &text, false).unwrap();
    let root = Who::admin();
    let ours = |body: &str| -> Vec<String> {
        let mut found: Vec<String> = body
            .split(['"', ','])
            .filter(|s| s.starts_with("many") && s.ends_with("@plant.example"))
            .map(str::to_string)
            .collect();
        found.dedup();
        found
    };
    let expected: Vec<String> = (0..count)
        .map(|i| format!("many{i:05}@plant.example"))
        .collect();

    let csv = app
        .get(
            &format!("/api/v1/users/export.csv?plantId={DOC_PLANT}"),
            &root,
        )
        .await;
    assert_eq!(csv.status, 200);
    let text = csv.text();
    assert_eq!(
        text.lines().count(),
        count + 1,
        "a header and one line a user"
    );
    assert_eq!(ours(&text), expected);

    let fpx = app
        .get(&format!("/_config/users/_list?plant_id={DOC_PLANT}"), &root)
        .await;
    let rows = fpx.json();
    assert_eq!(
        rows.as_array().unwrap().len(),
        count,
        "a JSON array across pages"
    );
    assert_eq!(ours(&fpx.text()), expected);

    let hoxton = app.get(&format!("/users?siteId={DOC_SITE}"), &root).await;
    assert_eq!(hoxton.json().as_array().unwrap().len(), count);

    let busroot = app
        .get(
            &format!("/api/admin/user?accountId={DOC_ORGANISATION}"),
            &root,
        )
        .await
        .json();
    assert_eq!(busroot["isSuccess"], true);
    assert_eq!(busroot["results"].as_array().unwrap().len(), count);
    let busroot_csv = app
        .get(
            &format!("/api/admin/user/csv?accountId={DOC_ORGANISATION}"),
            &root,
        )
        .await
        .text();
    assert_eq!(ours(&busroot_csv), expected);
}
