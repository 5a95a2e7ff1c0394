//! Tells the tests whether the admin page's browser test and the independent SCIM testers can
//! run on this machine. Without Chromium or the npm packages (or without the PyPI SCIM testers),
//! and outside CI, the test is built as ignored (`cargo test` prints the reason) rather than
//! passing without having run; in CI it runs, and fails when something is missing.

use std::path::Path;

/// Whether a program of this name is on the PATH.
fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

fn main() {
    println!("cargo::rustc-check-cfg=cfg(no_browser)");
    println!("cargo::rustc-check-cfg=cfg(no_scim_testers)");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-changed=build.rs");
    for watched in [
        "/usr/bin/chromium",
        "tests/e2e/node_modules/playwright-core",
        "tests/e2e/node_modules/openid-client",
    ] {
        println!("cargo::rerun-if-changed={watched}");
    }
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .any(|p| Path::new(p).exists());
    let playwright = Path::new("tests/e2e/node_modules/playwright-core").exists()
        && Path::new("tests/e2e/node_modules/openid-client").exists();
    if std::env::var_os("CI").is_none() && !(chromium && playwright) {
        println!("cargo::rustc-cfg=no_browser");
    }
    if std::env::var_os("CI").is_none() && !(on_path("scim") && on_path("scim-sanity")) {
        println!("cargo::rustc-cfg=no_scim_testers");
    }
}
