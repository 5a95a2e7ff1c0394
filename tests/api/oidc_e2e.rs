//! An application written by others signs a person in with the real binary: openid-client
//! (npm) with Debian's headless Chromium as the person's browser, and jose verifying a JWT
//! access token with the JWKS that `gatehouse jwks export` wrote (tests/e2e/oidc-client.mjs).
//! Like the admin page's browser test, it is built as ignored where Chromium or the npm
//! packages are missing, and fails in CI.

use crate::common::process::{run, write_config, Server};
use crate::common::{ADMIN_EMAIL, ADMIN_PASSWORD};
use crate::e2e::{chromium, e2e_dir, missing};
use std::process::Command;

#[test]
#[cfg_attr(
    no_browser,
    ignore = "Chromium or the npm packages are missing: apt-get install chromium; cd tests/e2e && npm ci"
)]
fn openid_client_completes_the_whole_flow_against_the_binary() {
    if let Some(reason) = missing() {
        panic!("the OpenID Connect client test cannot run: {reason}");
    }
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("[tokens]\nformat = \"jwt\"\n");
    std::fs::write(&config, text).unwrap();
    let server = Server::start(&config);
    let jwks = dir.path().join("jwks.json");
    let token = dir.path().join("access-token.jwt");
    let exported = run(&config, &["jwks", "export", jwks.to_str().unwrap()], &[]);
    assert!(exported.status.success(), "{exported:?}");
    let out = Command::new("node")
        .arg("oidc-client.mjs")
        .current_dir(e2e_dir())
        .env("GATEHOUSE_URL", format!("http://{}", server.address))
        .env("ADMIN_EMAIL", ADMIN_EMAIL)
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("JWKS_FILE", &jwks)
        .env("ACCESS_TOKEN_FILE", &token)
        .env("CHROMIUM", chromium().unwrap())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the OpenID Connect client failed:\n{stdout}\n{stderr}\nserver log:\n{}",
        server.log_text()
    );
    assert!(stdout.contains("all steps passed"), "{stdout}");
    // The README's Python verifier (pyjwt) checks the same access token offline.
    let python = Command::new("python3")
        .arg(e2e_dir().join("verify-jwt.py"))
        .arg(&jwks)
        .arg(&token)
        .arg(format!("http://{}", server.address))
        .output()
        .expect("run python3");
    let said = String::from_utf8_lossy(&python.stdout);
    assert!(
        python.status.success() && said.starts_with("verified: "),
        "pyjwt: {said}{} (pip install pyjwt cryptography)",
        String::from_utf8_lossy(&python.stderr)
    );
}
