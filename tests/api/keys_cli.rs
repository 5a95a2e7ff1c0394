//! `gatehouse keys rotate` and `gatehouse jwks export` on the real binary: keys made at the
//! first start, rotated, and the public halves exported for verifiers that cannot reach
//! Gatehouse.

use crate::common::process::{run, write_config};
use serde_json::Value;

fn export(config: &std::path::Path, to: &std::path::Path) -> Vec<Value> {
    let out = run(config, &["jwks", "export", to.to_str().unwrap()], &[]);
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(to).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["keys"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn keys_are_made_at_the_first_start_rotated_on_demand_and_exported_without_private_parts() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let before_init = run(&config, &["jwks", "export", "/dev/null"], &[]);
    assert!(!before_init.status.success(), "nothing to export yet");
    let stderr = String::from_utf8_lossy(&before_init.stderr);
    assert!(stderr.contains("no signing keys"), "{stderr}");
    assert!(run(&config, &["init"], &[]).status.success());
    let file = dir.path().join("jwks.json");
    let first = export(&config, &file);
    let algs: Vec<&str> = first.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    assert_eq!(algs.len(), 3);
    for alg in ["EdDSA", "ES256", "RS256"] {
        assert!(algs.contains(&alg), "{alg}: {algs:?}");
    }
    let text = std::fs::read_to_string(&file).unwrap();
    for private in ["\"d\"", "\"p\"", "\"q\""] {
        assert!(
            !text.contains(private),
            "a private part {private} in {text}"
        );
    }
    let rotated = run(&config, &["keys", "rotate"], &[]);
    let said = String::from_utf8_lossy(&rotated.stdout);
    assert!(
        rotated.status.success() && said.contains("new ES256 key"),
        "{said}"
    );
    let after = export(&config, &file);
    assert_eq!(
        after.len(),
        6,
        "the old keys stay published until their tokens expire"
    );
    for old in &first {
        assert!(
            after.iter().any(|k| k["kid"] == old["kid"]),
            "{} kept",
            old["kid"]
        );
    }
    let verify = run(&config, &["audit", "verify"], &[]);
    assert!(verify.status.success(), "{verify:?}");
}
