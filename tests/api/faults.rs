//! Faults an operator must see: the database's disk full, its file system read-only. Each
//! runs the real binary on a small file system the test mounts (a size-limited tmpfs, a
//! read-only bind mount); where this process may not mount one (not root, no mount
//! namespace), the test says so and passes without checking.

use crate::common::process::{exchange, header, run, write_config, Server};
use crate::common::{ADMIN_EMAIL, ADMIN_PASSWORD};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// File systems mounted for one test, unmounted when it ends.
struct Mounts(Vec<PathBuf>);

impl Mounts {
    /// Runs `mount args...`; false (with the reason printed) when it may not.
    fn mount(&mut self, args: &[&str], at: &Path) -> bool {
        let out = Command::new("mount").args(args).arg(at).output();
        match out {
            Ok(o) if o.status.success() => {
                self.0.push(at.to_path_buf());
                true
            }
            Ok(o) => {
                eprintln!(
                    "skipped: cannot mount ({})",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                false
            }
            Err(e) => {
                eprintln!("skipped: cannot run mount ({e})");
                false
            }
        }
    }
}

impl Drop for Mounts {
    fn drop(&mut self) {
        for at in self.0.iter().rev() {
            let _ = Command::new("umount").arg("-l").arg(at).status();
        }
    }
}

const ADMIN: Option<(&str, &str)> = Some((ADMIN_EMAIL, ADMIN_PASSWORD));

fn create_organisation(server: &Server, name: &str) -> (u16, Vec<(String, String)>, Value) {
    let body = format!("{{\"name\": \"{name}\"}}");
    let (status, headers, text) = exchange(
        &server.address,
        "POST",
        "/api/v1/organisations",
        ADMIN,
        Some(&body),
    );
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

fn health(server: &Server) -> (u16, Value) {
    let (status, _, text) = exchange(&server.address, "GET", "/health", None, None);
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Fills the file system at `dir` to the last byte; the file is removed to make room again.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).expect("create the filler");
    let chunk = vec![0u8; 16 * 1024];
    while file
        .write_all(&chunk)
        .and_then(|_| file.sync_data())
        .is_ok()
    {}
    // Whatever is left is smaller than a chunk: take it byte by byte.
    while file.write_all(&[0]).and_then(|_| file.sync_data()).is_ok() {}
    path
}

#[test]
fn a_full_disk_answers_503_and_health_says_full_until_writes_succeed_again() {
    let dir = tempfile::tempdir().unwrap();
    let fs = dir.path().join("small");
    std::fs::create_dir(&fs).unwrap();
    let mut mounts = Mounts(Vec::new());
    if !mounts.mount(&["-t", "tmpfs", "-o", "size=6m", "tmpfs"], &fs) {
        return;
    }
    let config = write_config(&fs);
    let server = Server::start(&config);
    let (status, _, _) = create_organisation(&server, "Before the disk filled");
    assert_eq!(status, 201);
    let filler = fill(&fs);

    let mut acknowledged = 1;
    let refused = (0..500).find_map(|n| {
        let (status, headers, body) =
            create_organisation(&server, &format!("Org {n} {}", "x".repeat(150)));
        match status {
            201 => {
                acknowledged += 1;
                None
            }
            _ => Some((status, headers, body)),
        }
    });
    let (status, headers, body) = refused.expect("a write was refused on a full disk");
    assert_eq!(status, 503, "{body}");
    assert!(header(&headers, "retry-after").is_some_and(|s| s.parse::<u64>().is_ok()));
    assert_eq!(body["error"]["code"], "unavailable");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("the database disk is full"), "{message}");
    assert_eq!(
        health(&server),
        (
            503,
            serde_json::json!({"status": "unavailable", "database": "full", "mode": "primary"})
        )
    );
    let (_, _, metrics) = exchange(&server.address, "GET", "/metrics", None, None);
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("gatehouse_db_faults_total{fault=\"full\"}")),
        "{metrics}"
    );

    std::fs::remove_file(filler).unwrap();
    let resumed = (0..100).any(|n| {
        std::thread::sleep(Duration::from_millis(50));
        create_organisation(&server, &format!("After {n}")).0 == 201
    });
    assert!(resumed, "writes resume once there is room");
    assert_eq!(health(&server).0, 200);
    let (_, _, list) = exchange(&server.address, "GET", "/api/v1/organisations", ADMIN, None);
    let stored: Value = serde_json::from_str(&list).unwrap();
    let names = stored.to_string();
    assert_eq!(
        names.matches("Org ").count(),
        acknowledged - 1,
        "every acknowledged write kept"
    );
    std::thread::sleep(Duration::from_millis(200));
    let said = server
        .log_text()
        .matches("writes are refused: the database disk is full")
        .count();
    assert_eq!(said, 1, "said once a minute: {}", server.log_text());
}

#[test]
fn a_read_only_file_system_answers_503_and_health_says_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let (rw, ro) = (dir.path().join("rw"), dir.path().join("ro"));
    std::fs::create_dir(&rw).unwrap();
    std::fs::create_dir(&ro).unwrap();
    let config = write_config(&rw);
    let init = run(
        &config,
        &["init"],
        &[
            ("GATEHOUSE_ADMIN_EMAIL", ADMIN_EMAIL),
            ("GATEHOUSE_ADMIN_PASSWORD", ADMIN_PASSWORD),
        ],
    );
    assert!(init.status.success());
    let mut mounts = Mounts(Vec::new());
    let rw_text = rw.display().to_string();
    if !mounts.mount(&["--bind", &rw_text], &ro) || !mounts.mount(&["-o", "remount,bind,ro"], &ro) {
        return;
    }
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace(&rw_text, &ro.display().to_string());
    let ro_config = dir.path().join("ro.toml");
    std::fs::write(&ro_config, text).unwrap();
    let server = Server::start(&ro_config);
    let (status, headers, body) = create_organisation(&server, "Nowhere to write");
    assert_eq!(status, 503, "{body}");
    assert!(header(&headers, "retry-after").is_some());
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("read-only file system"), "{message}");
    assert_eq!(
        health(&server),
        (
            503,
            serde_json::json!({"status": "unavailable", "database": "read-only", "mode": "primary"})
        )
    );
}

/// Another process holds the write lock past `busy_timeout`: the write is refused with 503,
/// `/health` says busy, and both recover once the lock is gone.
#[actix_web::test]
async fn a_lock_held_past_busy_timeout_answers_503_and_health_says_busy() {
    use crate::common::{start_with, Who};
    let app = start_with(|c| c.database.busy_timeout.0 = Duration::from_millis(100)).await;
    let root = Who::admin();
    // Signed in once, so that the refused request below is the write itself.
    app.create(
        "/api/v1/organisations",
        &root,
        serde_json::json!({"name": "Before"}),
    )
    .await;
    let path = app.state.env.config.database.path.clone();
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let refused = app
        .post(
            "/api/v1/organisations",
            &root,
            serde_json::json!({"name": "Blocked"}),
        )
        .await;
    assert_eq!(refused.status, 503, "{}", refused.text());
    assert_eq!(refused.header("retry-after").as_deref(), Some("1"));
    assert!(
        refused.text().contains("busy_timeout"),
        "{}",
        refused.text()
    );
    let health = app.get("/health", &Who::Nobody).await;
    assert_eq!(
        (health.status, health.json()["database"].clone()),
        (503, "busy".into())
    );
    other.execute_batch("ROLLBACK").unwrap();
    app.create(
        "/api/v1/organisations",
        &root,
        serde_json::json!({"name": "After"}),
    )
    .await;
    assert_eq!(app.get("/health", &Who::Nobody).await.status, 200);
    let names = app.get("/api/v1/organisations", &root).await.text();
    assert!(names.contains("Before") && names.contains("After") && !names.contains("Blocked"));
}
