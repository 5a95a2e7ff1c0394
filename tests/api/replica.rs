//! A read-only replica (`[database] mode = "replica"`), in-process, on a copy of a primary's
//! file: it serves every read by key, token and session, refuses every write and every
//! password check in each API's own shape naming the primary, writes nothing at all, and
//! copes with its file changing under it. With Litestream itself: `replication.rs`.

use crate::common::*;
use actix_web::test::TestRequest;
use gatehouse::config::Mode;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const PRIMARY: &str = "https://gatehouse.plant.example";

/// The superadmin's password grant (RFC 6749 section 4.3).
fn password_grant() -> TestRequest {
    TestRequest::post()
        .uri("/oauth/token")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(format!(
            "grant_type=password&username={ADMIN_EMAIL}&password={}",
            ADMIN_PASSWORD.replace(' ', "+")
        ))
}

/// What the primary made before the copy: credentials of each kind, and an organisation.
struct Made {
    key: String,
    bearer: String,
    session: Who,
    organisation: String,
}

/// A primary with data, copied (SQLite's online backup) into a new directory.
async fn primary_copy() -> (tempfile::TempDir, PathBuf, Made) {
    let app = start().await;
    let organisation = app
        .create(
            "/api/v1/organisations",
            &Who::admin(),
            json!({"name": "North"}),
        )
        .await;
    let key = app.api_key(&Who::admin()).await;
    let token = app.send(password_grant()).await.json();
    let bearer = token["access_token"].as_str().unwrap().to_string();
    let session = app.session(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replica.db");
    let conn = app.state.pool.get().unwrap();
    gatehouse::db::backup(&conn, &path).unwrap();
    let made = Made {
        key,
        bearer,
        session,
        organisation,
    };
    (dir, path, made)
}

fn replica_config(dir: &tempfile::TempDir, path: &Path) -> gatehouse::config::Config {
    let mut config = test_config(dir);
    config.database.path = path.to_path_buf();
    config.database.mode = Mode::Replica;
    config.replica.primary_url = Some(PRIMARY.into());
    config
}

fn digest(path: &Path) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

fn refused(reply: &Reply) -> String {
    assert_eq!(reply.status, 503, "{}", reply.text());
    let text = reply.text();
    assert!(
        text.contains(PRIMARY),
        "the refusal names the primary: {text}"
    );
    text
}

#[actix_web::test]
async fn a_replica_serves_reads_by_key_token_and_session_and_every_api() {
    let (dir, path, made) = primary_copy().await;
    let replica = start_on(replica_config(&dir, &path), dir).await;
    let key = Who::Key(made.key.clone());
    for who in [&key, &Who::Bearer(made.bearer.clone()), &made.session] {
        let me = replica.get("/api/v1/users/me", who).await;
        assert_eq!(me.status, 200, "{who:?}: {}", me.text());
        assert_eq!(me.json()["email"], ADMIN_EMAIL);
    }
    let org = replica
        .get(
            &format!("/api/v1/organisations/{}", made.organisation),
            &key,
        )
        .await;
    assert_eq!(org.json()["name"], "North");
    let reads = [
        "/api/v1/users",
        "/api/v1/users/count",
        "/api/v1/organisations",
        "/api/v1/audit",
        "/api/v1/api-keys",
        "/api/v1/auth/session",
        "/api/admin/user?accountId=",
        "/users",
        "/users/me",
    ];
    for path in reads {
        let path = path.replace("accountId=", &format!("accountId={}", made.organisation));
        let who = if path == "/api/v1/auth/session" {
            &made.session
        } else {
            &key
        };
        let reply = replica.get(&path, who).await;
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.text());
    }
    let introspect = TestRequest::post()
        .uri("/oauth/introspect")
        .set_json(json!({"token": made.bearer}));
    let answer = replica.send(authorize(introspect, &key)).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.json()["active"], true);
    let health = replica.get("/health", &Who::Nobody).await.json();
    assert_eq!(health["mode"], "replica");
    assert_eq!(health["primary"], PRIMARY);
}

#[actix_web::test]
async fn a_replica_refuses_every_write_and_password_check_in_each_shape() {
    let (dir, path, made) = primary_copy().await;
    let replica = start_on(replica_config(&dir, &path), dir).await;
    let key = Who::Key(made.key.clone());
    let native = refused(
        &replica
            .post("/api/v1/organisations", &key, json!({"name": "South"}))
            .await,
    );
    let native: Value = serde_json::from_str(&native).unwrap();
    assert_eq!(native["error"]["code"], "read_only_replica");
    let org = format!("/api/v1/organisations/{}", made.organisation);
    refused(&replica.patch(&org, &key, json!({"name": "Renamed"})).await);
    refused(&replica.delete(&org, &key).await);
    let user = json!({"email": "new@plant.example", "memberships": [{"organisationId": made.organisation, "role": "viewer"}]});
    refused(&replica.post("/api/v1/users", &key, user).await);
    // Each dialect in its own shape.
    let busroot = replica
        .post(
            &format!("/api/admin/user?accountId={}", made.organisation),
            &key,
            json!({"email": "b@plant.example", "role": "member"}),
        )
        .await;
    assert!(refused(&busroot).contains("\"isSuccess\":false"));
    let hoxton = replica
        .call(
            "PUT",
            "/users",
            &key,
            Some(
                json!({"email": "h@plant.example", "firstName": "H", "lastName": "K",
                "name": "H K", "organisationId": made.organisation, "roles": [], "siteIds": []}),
            ),
        )
        .await;
    assert!(refused(&hoxton).contains("\"code\":503"));
    // Password checks: Basic, the sign-in form, the password grant. The lockout lives on the
    // primary.
    refused(&replica.get("/api/v1/users/me", &Who::admin()).await);
    let fourpointx = replica
        .post(
            "/_config/users/",
            &Who::admin(),
            json!({"username": "f@plant.example"}),
        )
        .await;
    refused(&fourpointx);
    let login = TestRequest::post()
        .uri("/api/v1/auth/login")
        .set_json(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}));
    refused(&replica.send(login).await);
    assert!(refused(&replica.send(password_grant()).await).contains("temporarily_unavailable"));
    // A session's writes too, and signing out.
    let logout = replica
        .post("/api/v1/auth/logout", &made.session, json!({}))
        .await;
    refused(&logout);
}

#[actix_web::test]
async fn a_replica_writes_nothing_not_even_when_a_key_or_session_was_last_used() {
    let (dir, path, made) = primary_copy().await;
    let before = digest(&path);
    let replica = start_on(replica_config(&dir, &path), dir).await;
    let key = Who::Key(made.key.clone());
    let keys_before = replica.get("/api/v1/api-keys", &key).await.json();
    // Past the minute after which a primary records a key's and a session's use.
    replica.clock.advance(120);
    for _ in 0..3 {
        assert_eq!(
            replica.status("GET", "/api/v1/users", &key, None).await,
            200
        );
        let session = replica.get("/api/v1/auth/session", &made.session).await;
        assert_eq!(session.status, 200, "{}", session.text());
        assert_eq!(
            replica.status("GET", "/health", &Who::Nobody, None).await,
            200
        );
    }
    let keys_after = replica.get("/api/v1/api-keys", &key).await.json();
    assert_eq!(keys_before, keys_after, "a key's last use was recorded");
    // The directory goes with the app: compare while it stands.
    assert_eq!(before, digest(&path), "the replica's file changed");
    drop(replica);
}

/// Writes to the replica's file as Litestream would, from another connection.
fn change_file(path: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(sql).unwrap();
}

#[actix_web::test]
async fn a_replica_sees_each_change_to_its_file_at_the_next_request() {
    let (dir, path, made) = primary_copy().await;
    let replica = start_on(replica_config(&dir, &path), dir).await;
    let key = Who::Key(made.key.clone());
    let org = format!("/api/v1/organisations/{}", made.organisation);
    for name in ["Renamed once", "Renamed twice"] {
        assert_eq!(replica.get(&org, &key).await.status, 200);
        change_file(
            &path,
            &format!(
                "UPDATE organisations SET name = '{name}' WHERE id = '{}'",
                made.organisation
            ),
        );
        assert_eq!(replica.get(&org, &key).await.json()["name"], name);
    }
    // A key revoked on the primary stops working at once: no memory of recent callers.
    change_file(&path, "DELETE FROM api_keys");
    assert_eq!(replica.get("/api/v1/users/me", &key).await.status, 401);
}

#[actix_web::test]
async fn a_replica_refuses_while_its_file_has_another_releases_schema_and_then_recovers() {
    let (dir, path, made) = primary_copy().await;
    let replica = start_on(replica_config(&dir, &path), dir).await;
    let key = Who::Key(made.key.clone());
    let latest = gatehouse::db::latest_version();
    for (version, word, says) in [
        (latest + 1, "schema-newer", "upgrade this replica"),
        (latest - 1, "schema-older", "upgrade the primary"),
    ] {
        change_file(&path, &format!("PRAGMA user_version = {version}"));
        let reply = replica.get("/api/v1/users/me", &key).await;
        assert_eq!(reply.status, 503, "{}", reply.text());
        assert!(reply.text().contains(says), "{}", reply.text());
        replica.clock.advance(2);
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let health = replica.get("/health", &Who::Nobody).await;
        assert_eq!(health.status, 503);
        assert_eq!(health.json()["database"], word);
    }
    change_file(&path, &format!("PRAGMA user_version = {latest}"));
    assert_eq!(replica.get("/api/v1/users/me", &key).await.status, 200);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let health = replica.get("/health", &Who::Nobody).await;
    assert_eq!(health.status, 200, "{}", health.text());
}

#[actix_web::test]
async fn a_replicas_health_gives_its_lag_from_the_primarys_heartbeat() {
    let (dir, path, _) = primary_copy().await;
    let replica = start_on(replica_config(&dir, &path), dir).await;
    let health = replica.get("/health", &Who::Nobody).await.json();
    assert_eq!(health["mode"], "replica");
    assert!(health["lag"].is_null(), "no heartbeat yet: {health}");
    let three_seconds_ago =
        gatehouse::clock::format(replica.clock.now() - time::Duration::seconds(3));
    change_file(
        &path,
        &format!("INSERT INTO heartbeat (id, at) VALUES (1, '{three_seconds_ago}')"),
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let health = replica.get("/health", &Who::Nobody).await.json();
    let lag = health["lag"].as_f64().expect("a lag");
    assert!((3.0..6.0).contains(&lag), "{health}");
    let ui = replica.get("/api/v1/ui", &Who::Nobody).await.json();
    assert_eq!(ui["replica"]["primaryUrl"], PRIMARY);
}

#[actix_web::test]
async fn a_primary_says_so_and_its_page_shows_no_replica_notice() {
    let app = start().await;
    let health = app.get("/health", &Who::Nobody).await.json();
    assert_eq!(health["mode"], "primary");
    assert!(health.get("lag").is_none(), "{health}");
    assert!(app.get("/api/v1/ui", &Who::Nobody).await.json()["replica"].is_null());
}

#[test]
fn a_replica_must_name_its_primary() {
    let table: toml::Table = "[database]\nmode = \"replica\"\n".parse().unwrap();
    let err = gatehouse::config::Config::from_table(table, "c.toml")
        .unwrap_err()
        .0;
    assert!(err.contains("replica.primary_url"), "{err}");
    let table: toml::Table =
        "[database]\nmode = \"replica\"\n[replica]\nprimary_url = \"ftp://x\"\n"
            .parse()
            .unwrap();
    let err = gatehouse::config::Config::from_table(table, "c.toml")
        .unwrap_err()
        .0;
    assert!(err.contains("not an http or https URL"), "{err}");
}

#[test]
fn a_replica_will_not_start_without_its_file_or_on_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let config = crate::common::process::write_config(dir.path());
    let env = [
        ("GATEHOUSE_DATABASE_MODE", "replica"),
        ("GATEHOUSE_REPLICA_PRIMARY_URL", PRIMARY),
    ];
    let missing = crate::common::process::run(&config, &["serve"], &env);
    let said = String::from_utf8_lossy(&missing.stderr);
    assert!(!missing.status.success());
    assert!(said.contains("litestream restore -f"), "{said}");
    let init = crate::common::process::run(
        &config,
        &["init"],
        &[("GATEHOUSE_ADMIN_PASSWORD", ADMIN_PASSWORD)],
    );
    assert!(init.status.success(), "{init:?}");
    change_file(
        &dir.path().join("gatehouse.db"),
        "PRAGMA user_version = 999",
    );
    let newer = crate::common::process::run(&config, &["serve"], &env);
    let said = String::from_utf8_lossy(&newer.stderr);
    assert!(!newer.status.success());
    assert!(said.contains("newer than this Gatehouse"), "{said}");
}
