//! The house's import rule: the edge (`api/`, `auth/`, the app and its state) depends on the
//! middle (`ops/`), the middle on storage (`db/`) and rules (`domain/`), never the other way.

use std::path::Path;

/// Every `crate::` path a source file names.
fn imports(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("read a source file");
    text.split("crate::")
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read a source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_middle_never_imports_the_edge_and_rules_never_import_storage() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edge = ["api", "app", "auth", "state", "web", "cli"];
    let rules: [(&str, &[&str]); 3] = [
        ("ops", &edge),
        ("db", &["api", "app", "auth", "state", "web", "cli", "ops"]),
        (
            "domain",
            &["api", "app", "auth", "state", "web", "cli", "ops", "db"],
        ),
    ];
    let mut broken = Vec::new();
    for (layer, forbidden) in rules {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "src/{layer} has files");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for name in imports(&file) {
                if forbidden.contains(&name.as_str()) {
                    broken.push(format!("{} imports crate::{name}", file.display()));
                }
            }
            if text.contains("actix_web") {
                broken.push(format!("{} uses actix_web", file.display()));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "layer rule broken:\n{}",
        broken.join("\n")
    );
}
