//! SCIM testers written by others, against the real binary: scim2-tester (run by scim2-cli's
//! `scim test`) and scim-sanity's probe, both from PyPI (`.ci/run` installs them). Elsewhere,
//! when they are missing, the test is built as ignored with the reason; in CI it fails.

use crate::common::process::{exchange, write_config, Server};
use crate::common::{ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD};
use serde_json::{json, Value};
use std::process::Command;

/// POSTs JSON as `who` (email, password); returns the answer's JSON, failing on anything but 201.
fn create(server: &Server, path: &str, who: (&str, &str), body: Value) -> Value {
    let (status, _, text) = exchange(
        &server.address,
        "POST",
        path,
        Some(who),
        Some(&body.to_string()),
    );
    assert_eq!(status, 201, "POST {path}: {text}");
    serde_json::from_str(&text).expect("JSON")
}

/// An organisation with sites and a plant (the groups a tester may create are roles there), its
/// admin, and an API key each for the superadmin and that admin.
fn keys(server: &Server) -> Vec<(&'static str, String)> {
    let root = (ADMIN_EMAIL, ADMIN_PASSWORD);
    let org = create(
        server,
        "/api/v1/organisations",
        root,
        json!({"name": "Acme"}),
    );
    let org = org["id"].as_str().unwrap();
    for name in ["North", "South"] {
        let site = create(
            server,
            "/api/v1/sites",
            root,
            json!({"organisationId": org, "name": name}),
        );
        let body = json!({"siteId": site["id"], "name": "Press"});
        create(server, "/api/v1/plants", root, body);
    }
    let admin = json!({"email": "it@acme.example", "password": PASSWORD,
        "memberships": [{"organisationId": org, "role": "admin"}]});
    create(server, "/api/v1/users", root, admin);
    let key = |who: (&str, &str)| {
        let made = create(
            server,
            "/api/v1/api-keys",
            who,
            json!({"name": "directory"}),
        );
        made["secret"].as_str().unwrap().to_string()
    };
    vec![
        ("superadmin", key(root)),
        ("organisation admin", key(("it@acme.example", PASSWORD))),
    ]
}

/// Why the testers cannot run here, if they cannot.
fn missing() -> Option<&'static str> {
    for tool in ["scim", "scim-sanity"] {
        if Command::new(tool).arg("--help").output().is_err() {
            return Some(
                "scim2-cli or scim-sanity is not installed: pip install scim2-cli scim-sanity",
            );
        }
    }
    None
}

#[test]
#[cfg_attr(
    no_scim_testers,
    ignore = "scim2-cli or scim-sanity is missing: pip install scim2-cli scim-sanity"
)]
fn independent_scim_testers_pass_against_the_binary() {
    if let Some(reason) = missing() {
        panic!("the SCIM testers cannot run: {reason}");
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&write_config(dir.path()));
    let url = format!("http://{}/scim/v2", server.address);
    for (holder, key) in keys(&server) {
        // The secret goes by environment, as scim2-cli advises, not on the command line.
        let out = Command::new("scim")
            .args(["--url", &url, "test"])
            .env("SCIM_CLI_HEADERS", format!("Authorization: Bearer {key}"))
            .output()
            .expect("run scim");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let verdicts: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with(' '))
            .filter_map(|l| l.split(' ').next())
            .collect();
        let passed = verdicts.iter().filter(|v| **v == "SUCCESS").count();
        let others: Vec<&str> = text
            .lines()
            .filter(|l| {
                ["ERROR", "CRITICAL", "SKIPPED"]
                    .iter()
                    .any(|v| l.starts_with(v))
            })
            .collect();
        assert!(
            out.status.success() && others.is_empty() && passed >= 60,
            "scim2-tester with the {holder}'s key ({passed} passed):\n{text}\nserver log:\n{}",
            server.log_text()
        );
        // scim-sanity, the user phases: its group phase creates groups named
        // `scim-sanity-test-group-…`, which are not roles at scopes (asserted below).
        let probe = Command::new("scim-sanity")
            .args([
                "probe",
                &url,
                "--token",
                &key,
                "--i-accept-side-effects",
                "--resource",
                "User",
            ])
            .output()
            .expect("run scim-sanity");
        let said = String::from_utf8_lossy(&probe.stdout);
        assert!(
            probe.status.success() && said.contains("All tests passed"),
            "scim-sanity with the {holder}'s key:\n{said}"
        );
    }
    let root_key = &keys_of_root(&server);
    let full = Command::new("scim-sanity")
        .args([
            "probe",
            &url,
            "--token",
            root_key,
            "--i-accept-side-effects",
        ])
        .output()
        .expect("run scim-sanity");
    let said = String::from_utf8_lossy(&full.stdout);
    let failures: Vec<&str> = said.lines().filter(|l| l.contains("[FAIL]")).collect();
    assert_eq!(
        failures,
        ["  [FAIL] POST /Groups"],
        "only its made-up group name is refused:\n{said}"
    );
    assert!(said.contains("got 400"), "{said}");
}

/// Another key of the superadmin's.
fn keys_of_root(server: &Server) -> String {
    let made = create(
        server,
        "/api/v1/api-keys",
        (ADMIN_EMAIL, ADMIN_PASSWORD),
        json!({"name": "probe"}),
    );
    made["secret"].as_str().unwrap().to_string()
}
