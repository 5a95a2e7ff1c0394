//! The real binary: subcommands, configuration errors, and surviving a SIGKILL.

use crate::common::process::{http, run, write_config, Server};
use crate::common::{ADMIN_EMAIL, ADMIN_PASSWORD};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn init_creates_the_database_and_prints_a_generated_password_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let first = run(
        &config,
        &["init"],
        &[("GATEHOUSE_ADMIN_EMAIL", "ops@plant.example")],
    );
    assert!(first.status.success(), "{}", stderr(&first));
    let log = stderr(&first);
    let line = log
        .lines()
        .find(|l| l.contains("generated password"))
        .expect("the password is printed");
    assert!(
        line.contains("ops@plant.example") && line.contains("must be changed"),
        "{line}"
    );
    let second = run(&config, &["init"], &[]);
    assert!(second.status.success());
    assert!(
        !stderr(&second).contains("generated password"),
        "never printed again"
    );
    let check = run(&config, &["check"], &[]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(String::from_utf8_lossy(&check.stdout).contains("ok (schema version"));
}

#[test]
fn the_generated_password_signs_in_but_must_be_changed() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let init = run(&config, &["init"], &[]);
    let log = stderr(&init);
    let password = log
        .split("generated password ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("password in the log")
        .to_string();
    let server = Server::start(&config);
    let (status, body) = http(
        &server.address,
        "GET",
        "/api/v1/users/me",
        Some(("admin@localhost", &password)),
        None,
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"mustChangePassword\":true"));
    let (status, _) = http(
        &server.address,
        "GET",
        "/api/v1/organisations",
        Some(("admin@localhost", &password)),
        None,
    );
    assert_eq!(status, 403);
    assert!(
        !server.log_text().contains(&password),
        "the server never logs it again"
    );
}

#[test]
fn check_fails_on_a_damaged_file_and_serve_refuses_a_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    assert!(run(&config, &["init"], &[]).status.success());
    let db = dir.path().join("gatehouse.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let check = run(&config, &["check"], &[]);
    assert!(!check.status.success());
    assert!(
        stderr(&check).contains("schema version 99"),
        "{}",
        stderr(&check)
    );
    let serve = run(&config, &["serve"], &[]);
    assert!(!serve.status.success());
    let message = stderr(&serve);
    assert!(message.contains("newer than this Gatehouse"), "{message}");
    assert!(!message.contains("panicked"));

    let garbage = dir.path().join("garbage.db");
    std::fs::write(&garbage, vec![b'x'; 8192]).unwrap();
    let other = dir.path().join("other.toml");
    std::fs::write(
        &other,
        format!("[database]\npath = \"{}\"\n", garbage.display()),
    )
    .unwrap();
    let check = run(&other, &["check"], &[]);
    assert!(!check.status.success());
}

#[test]
fn a_backup_taken_while_serving_opens_and_passes_check() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let server = Server::start(&config);
    let admin = Some((ADMIN_EMAIL, ADMIN_PASSWORD));
    let (status, _) = http(
        &server.address,
        "POST",
        "/api/v1/organisations",
        admin,
        Some(r#"{"name":"Backed Up"}"#),
    );
    assert_eq!(status, 201);
    let copy = dir.path().join("copy.db");
    let backup = run(&config, &["backup", copy.to_str().unwrap()], &[]);
    assert!(backup.status.success(), "{}", stderr(&backup));
    let copy_config = dir.path().join("copy.toml");
    std::fs::write(
        &copy_config,
        format!("[database]\npath = \"{}\"\n", copy.display()),
    )
    .unwrap();
    assert!(run(&copy_config, &["check"], &[]).status.success());
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let name: String = conn
        .query_row("SELECT name FROM organisations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, "Backed Up");
}

#[test]
fn acknowledged_writes_survive_a_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let server = Server::start(&config);
    let admin = Some((ADMIN_EMAIL, ADMIN_PASSWORD));
    let mut ids = Vec::new();
    for i in 0..25 {
        let body = format!(r#"{{"name":"Org {i}"}}"#);
        let (status, reply) = http(
            &server.address,
            "POST",
            "/api/v1/organisations",
            admin,
            Some(&body),
        );
        assert_eq!(status, 201, "{reply}");
        let value: serde_json::Value = serde_json::from_str(&reply).unwrap();
        ids.push(value["id"].as_str().unwrap().to_string());
    }
    server.kill();
    let server = Server::start(&config);
    for id in ids {
        let (status, _) = http(
            &server.address,
            "GET",
            &format!("/api/v1/organisations/{id}"),
            admin,
            None,
        );
        assert_eq!(
            status, 200,
            "organisation {id} was acknowledged and must survive"
        );
    }
}

#[test]
fn a_bad_configuration_stops_with_one_line_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[server]\nbidn = \"0.0.0.0:1\"\n").unwrap();
    let out = run(&config, &["check"], &[]);
    assert!(!out.status.success());
    let message = stderr(&out);
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(
        message.contains("bad.toml") && message.contains("bidn"),
        "{message}"
    );

    std::fs::write(&config, "[security]\nbcrypt_cost = 99\n").unwrap();
    let message = stderr(&run(&config, &["check"], &[]));
    assert!(message.contains("bcrypt_cost"), "{message}");

    std::fs::write(&config, "[database]\nbusy_timeout = \"5\"\n").unwrap();
    let message = stderr(&run(&config, &["check"], &[]));
    assert!(
        message.contains("busy_timeout") || message.contains("unit"),
        "{message}"
    );

    std::fs::write(&config, "").unwrap();
    let out = run(&config, &["check"], &[("GATEHOUSE_SERVER_BIND", "nowhere")]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("server.bind"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("environment variable GATEHOUSE_SERVER_BIND"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"));

    let missing = run(&dir.path().join("absent.toml"), &["check"], &[]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("absent.toml"));
}

#[test]
fn environment_variables_override_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let moved = dir.path().join("elsewhere.db");
    let out = run(
        &config,
        &["init"],
        &[("GATEHOUSE_DATABASE_PATH", moved.to_str().unwrap())],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(moved.exists());
    assert!(!dir.path().join("gatehouse.db").exists());
}

#[test]
fn the_request_log_has_method_path_status_and_duration_and_no_secret_even_at_trace_level() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let server = Server::start_logging(&config, "trace");
    let (status, _) = http(
        &server.address,
        "GET",
        "/api/v1/users/me",
        Some((ADMIN_EMAIL, ADMIN_PASSWORD)),
        None,
    );
    assert_eq!(status, 200);
    let body = format!(
        r#"{{"email":"new@plant.example","password":"{}"}}"#,
        "a secret pass phrase here"
    );
    http(
        &server.address,
        "POST",
        "/api/v1/users",
        Some((ADMIN_EMAIL, ADMIN_PASSWORD)),
        Some(&body),
    );
    let login = format!(r#"{{"email":"{ADMIN_EMAIL}","password":"{ADMIN_PASSWORD}"}}"#);
    let (status, session) = http(
        &server.address,
        "POST",
        "/api/v1/auth/login",
        None,
        Some(&login),
    );
    assert_eq!(status, 200);
    let csrf = serde_json::from_str::<serde_json::Value>(&session).unwrap()["csrfToken"]
        .as_str()
        .unwrap()
        .to_string();
    let grant = format!(
        r#"{{"grant_type":"password","username":"{ADMIN_EMAIL}","password":"{ADMIN_PASSWORD}"}}"#
    );
    let (status, token) = http(&server.address, "POST", "/oauth/token", None, Some(&grant));
    assert_eq!(status, 200);
    let token: serde_json::Value = serde_json::from_str(&token).unwrap();
    // Lines are written in batches, a tenth of a second apart.
    let waited = std::time::Instant::now();
    while !server.log_text().contains("POST /oauth/token") && waited.elapsed().as_secs() < 10 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let log = server.log_text();
    assert!(!log.contains(&csrf));
    assert!(!log.contains(token["access_token"].as_str().unwrap()));
    assert!(!log.contains(token["refresh_token"].as_str().unwrap()));
    assert!(!log.contains("gatehouse_session="));
    let line = log
        .lines()
        .find(|l| l.contains("GET /api/v1/users/me"))
        .expect("a request line");
    assert!(line.contains(" 200 ") && line.contains("ms"), "{line}");
    assert!(!log.contains(ADMIN_PASSWORD));
    assert!(!log.contains("a secret pass phrase here"));
    assert!(!log.contains("Basic "));
}

/// Runs a command, or None when the tool is not installed on this machine.
fn tool(program: &str, args: &[&str]) -> Option<std::process::Output> {
    std::process::Command::new(program).args(args).output().ok()
}

#[test]
fn with_a_certificate_gatehouse_serves_https_with_hsts_and_secure_cookies() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let made = tool(
        "openssl",
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            key.to_str().unwrap(),
            "-out",
            cert.to_str().unwrap(),
        ],
    );
    if made.as_ref().is_none_or(|o| !o.status.success()) || tool("curl", &["--version"]).is_none() {
        eprintln!("SKIPPED: openssl and curl are needed to test HTTPS and are not installed here");
        return;
    }
    let config = write_config(dir.path());
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "[tls]\ncert_file = \"{}\"\nkey_file = \"{}\"\n",
        cert.display(),
        key.display()
    ));
    std::fs::write(&config, text).unwrap();
    let server = Server::start(&config);
    let url = format!("https://{}/api/v1/auth/login", server.address);
    let body = format!(r#"{{"email":"{ADMIN_EMAIL}","password":"{ADMIN_PASSWORD}"}}"#);
    let out = tool(
        "curl",
        &[
            "-sk",
            "-i",
            "-H",
            "Content-Type: application/json",
            "-d",
            &body,
            &url,
        ],
    )
    .unwrap();
    let response = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(
        response.starts_with("http/1.1 200") || response.starts_with("http/2 200"),
        "{response}"
    );
    assert!(
        response.contains("strict-transport-security: max-age="),
        "{response}"
    );
    let cookie = response
        .lines()
        .find(|l| l.starts_with("set-cookie:"))
        .expect("a cookie");
    assert!(
        cookie.contains("__host-gatehouse_session=") && cookie.contains("secure"),
        "{cookie}"
    );
    // Plain HTTP on the TLS port is not served.
    let plain = tool(
        "curl",
        &[
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &format!("http://{}/health", server.address),
        ],
    )
    .unwrap();
    assert_ne!(String::from_utf8_lossy(&plain.stdout), "200");
}

#[test]
fn a_missing_certificate_stops_the_server_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(
        "[tls]\ncert_file = \"/nonexistent/cert.pem\"\nkey_file = \"/nonexistent/key.pem\"\n",
    );
    std::fs::write(&config, text).unwrap();
    let out = run(&config, &["serve"], &[]);
    assert!(!out.status.success());
    let message = stderr(&out);
    assert!(
        message.contains("tls.cert_file") && !message.contains("panicked"),
        "{message}"
    );
}

#[test]
fn concurrent_writers_wait_for_each_other_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let server = Server::start(&config);
    let address = server.address.clone();
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let address = address.clone();
            std::thread::spawn(move || {
                (0..10)
                    .map(|i| {
                        let body = format!(r#"{{"name":"Org {w}-{i}"}}"#);
                        http(
                            &address,
                            "POST",
                            "/api/v1/organisations",
                            Some((ADMIN_EMAIL, ADMIN_PASSWORD)),
                            Some(&body),
                        )
                        .0
                    })
                    .collect::<Vec<u16>>()
            })
        })
        .collect();
    let statuses: Vec<u16> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let (_, list) = http(
        &address,
        "GET",
        "/api/v1/organisations",
        Some((ADMIN_EMAIL, ADMIN_PASSWORD)),
        None,
    );
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 80);
}

#[test]
fn completions_for_bash_zsh_and_fish_and_a_manual_page_are_generated_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    // Neither needs a configuration: a broken one must not stop them.
    let config = dir.path().join("broken.toml");
    std::fs::write(&config, "[nonsense\n").unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&config, &["completions", shell], &[]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let script = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            script.contains("gatehouse") && script.contains("backup") && script.contains("config"),
            "{shell}: {script}"
        );
    }
    let bash = run(&config, &["completions", "bash"], &[]);
    let file = dir.path().join("gatehouse.bash");
    std::fs::write(&file, &bash.stdout).unwrap();
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&file)
        .output()
        .unwrap();
    assert!(syntax.status.success(), "bash -n: {}", stderr(&syntax));
    let man = run(&config, &["man"], &[]);
    assert!(man.status.success());
    let page = String::from_utf8_lossy(&man.stdout).into_owned();
    assert!(
        page.contains(".TH gatehouse 1") && page.contains("backup") && page.contains("completions"),
        "{page}"
    );
    let refused = run(&config, &["completions", "tcsh"], &[]);
    assert!(!refused.status.success() && stderr(&refused).contains("tcsh"));
}

/// The files `cargo deb` packages beside the binary are what the binary makes of itself.
#[test]
fn the_packaged_completions_manual_and_configuration_are_those_of_this_binary() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let generated = [
        (
            &["completions", "bash"][..],
            "debian/completions/gatehouse.bash",
        ),
        (&["completions", "zsh"][..], "debian/completions/_gatehouse"),
        (
            &["completions", "fish"][..],
            "debian/completions/gatehouse.fish",
        ),
        (&["man"][..], "debian/gatehouse.1"),
    ];
    for (args, file) in generated {
        let made = run(&config, args, &[]).stdout;
        let packaged = std::fs::read(root.join(file)).unwrap();
        assert!(
            made == packaged,
            "{file} is stale: run `gatehouse {}` > {file}",
            args.join(" ")
        );
    }
    let shipped = std::fs::read_to_string(root.join("config.toml")).unwrap();
    let packaged = std::fs::read_to_string(root.join("debian/config.toml")).unwrap();
    let expected = shipped
        .replacen("# Gatehouse configuration.", "# Gatehouse configuration, as the Debian package installs it (/etc/gatehouse/config.toml).", 1)
        .replacen("path = \"gatehouse.db\"", "path = \"/var/lib/gatehouse/gatehouse.db\"", 1);
    assert!(
        packaged == expected,
        "debian/config.toml is config.toml with the package's database path"
    );
}
