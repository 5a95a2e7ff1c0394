//! Tells the tests whether the admin page's browser test can run on this machine. Without
//! Chromium or the playwright-core npm package, and outside CI, the test is built as ignored
//! (`cargo test` prints the reason) rather than passing without having run; in CI it runs, and
//! fails when something is missing.

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(no_browser)");
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
}
