//! The admin page end to end, in Debian's headless Chromium driven by playwright-core
//! (tests/e2e/admin-page.mjs). `.ci/run` installs both; elsewhere, when Chromium or the npm
//! package is missing, `build.rs` builds the test as ignored with the reason; in CI it fails.

use crate::common::process::{write_config, Server};
use crate::common::{ADMIN_EMAIL, ADMIN_PASSWORD};
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var("CHROMIUM").unwrap_or_default(),
        "/usr/bin/chromium".into(),
        "/usr/bin/chromium-browser".into(),
    ];
    candidates
        .into_iter()
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .find(|p| p.exists())
}

pub(crate) fn e2e_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e")
}

/// Why the browser test cannot run here, if it cannot.
pub(crate) fn missing() -> Option<String> {
    if chromium().is_none() {
        return Some("Chromium is not installed (apt-get install chromium)".into());
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Some("Node.js is not installed".into());
    }
    for package in ["playwright-core", "openid-client", "jose"] {
        if !e2e_dir().join("node_modules").join(package).exists() {
            return Some(format!(
                "{package} is not installed (cd tests/e2e && npm ci)"
            ));
        }
    }
    None
}

#[test]
#[cfg_attr(
    no_browser,
    ignore = "Chromium or playwright-core is missing: apt-get install chromium; cd tests/e2e && npm ci"
)]
fn the_admin_page_works_end_to_end_in_a_real_browser() {
    if let Some(reason) = missing() {
        panic!("the browser test cannot run: {reason}");
    }
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let server = Server::start(&config);
    let replica = replica_of(dir.path(), &config, &server);
    let screenshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e-screenshots");
    let out = Command::new("node")
        .arg("admin-page.mjs")
        .current_dir(e2e_dir())
        .env("GATEHOUSE_URL", format!("http://{}/", server.address))
        .env("ADMIN_EMAIL", ADMIN_EMAIL)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("SCREENSHOTS", &screenshots)
        .env("CHROMIUM", chromium().unwrap())
        .env("REPLICA_URL", format!("http://{}/", replica.address))
        .env("PRIMARY_URL", format!("http://{}", server.address))
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the browser test failed:\n{stdout}\n{stderr}\nserver log:\n{}",
        server.log_text()
    );
    assert!(stdout.contains("all steps passed"), "{stdout}");
    for shot in ["users-table.png", "user-form.png"] {
        assert!(screenshots.join(shot).exists(), "{shot} was saved");
    }
}

/// A read-only replica of the primary's file as it is now (a copy by `gatehouse backup`; the
/// page's notice and refusals do not need it to follow).
fn replica_of(dir: &Path, config: &Path, primary: &Server) -> Server {
    let copy = dir.join("replica.db");
    let backup = crate::common::process::run(config, &["backup", copy.to_str().unwrap()], &[]);
    assert!(backup.status.success(), "{backup:?}");
    let replica_config = crate::common::process::write_replica_config(dir, &copy, &primary.address);
    Server::start(&replica_config)
}
