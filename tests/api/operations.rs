//! What an operator's tools read: `/metrics` (Prometheus text), request ids in responses,
//! logs and audit rows, JSON log lines.

use crate::common::process::{exchange, header, write_config, Server};
use crate::common::{start, start_with, Who, ADMIN_EMAIL, ADMIN_PASSWORD};
use actix_web::test::TestRequest;
use serde_json::{json, Value};
use std::collections::HashMap;

/// One sample of the Prometheus text format: its name, labels and value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: HashMap<String, String>,
    value: f64,
}

/// Parses the text exposition format strictly enough to fail on anything a scraper would
/// refuse: every sample `name{label="value",...} number`, every family declared by `# TYPE`
/// before its samples, label values with only the format's escapes.
fn parse_prometheus(text: &str) -> Vec<Sample> {
    let mut typed: HashMap<String, String> = HashMap::new();
    let mut samples = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (kind, name, what) = (parts.next(), parts.next(), parts.next());
            assert!(matches!(kind, Some("HELP" | "TYPE")), "bad comment: {line}");
            if kind == Some("TYPE") {
                let what = what.unwrap_or("");
                assert!(
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(&what),
                    "bad type: {line}"
                );
                typed.insert(name.unwrap().to_string(), what.to_string());
            }
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("no value: {line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value: {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (
                name,
                parse_labels(
                    rest.strip_suffix('}')
                        .unwrap_or_else(|| panic!("unclosed labels: {line}")),
                ),
            ),
            None => (series, HashMap::new()),
        };
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name: {line}"
        );
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix).filter(|f| typed.contains_key(*f)))
            .unwrap_or(name);
        assert!(typed.contains_key(family), "no # TYPE before {line}");
        samples.push(Sample {
            name: name.to_string(),
            labels,
            value,
        });
    }
    samples
}

fn parse_labels(text: &str) -> HashMap<String, String> {
    let mut labels = HashMap::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (key, after) = rest
            .split_once("=\"")
            .unwrap_or_else(|| panic!("bad labels: {text}"));
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => match chars.next() {
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, c @ ('\\' | '"'))) => value.push(c),
                    other => panic!("bad escape {other:?} in {text}"),
                },
                Some((i, '"')) => break i,
                Some((_, c)) => value.push(c),
                None => panic!("unterminated label value in {text}"),
            }
        };
        labels.insert(key.to_string(), value);
        rest = after[end + 1..]
            .strip_prefix(',')
            .unwrap_or(&after[end + 1..]);
    }
    labels
}

/// The sum of the samples named `name` whose labels include all of `want`.
fn total(samples: &[Sample], name: &str, want: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            want.iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .sum()
}

#[actix_web::test]
async fn metrics_parse_as_prometheus_text_and_count_requests_by_route_template() {
    let app = start().await;
    let root = Who::admin();
    let org = app
        .create(
            "/api/v1/organisations",
            &root,
            json!({"name": "Metrics Org"}),
        )
        .await;
    let scrape = || async { parse_prometheus(&app.get("/metrics", &Who::Nobody).await.text()) };
    let route = [
        ("route", "/api/v1/organisations/{id}"),
        ("method", "GET"),
        ("status", "200"),
    ];
    let before = total(&scrape().await, "gatehouse_http_requests_total", &route);
    for _ in 0..3 {
        assert_eq!(
            app.status("GET", &format!("/api/v1/organisations/{org}"), &root, None)
                .await,
            200
        );
    }
    let reply = app.get("/metrics", &Who::Nobody).await;
    assert_eq!(reply.status, 200);
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = reply.text();
    assert!(!text.contains(&org), "a series named by a raw path: {text}");
    let samples = parse_prometheus(&text);
    let after = total(&samples, "gatehouse_http_requests_total", &route);
    assert!(after - before >= 3.0, "{before} -> {after}");
    let timed = [("route", "/api/v1/organisations/{id}"), ("method", "GET")];
    assert!(
        total(
            &samples,
            "gatehouse_http_request_duration_seconds_count",
            &timed
        ) >= 3.0
    );
    assert!(total(&samples, "gatehouse_users", &[]) >= 1.0);
    assert!(total(&samples, "gatehouse_organisations", &[]) >= 1.0);
    assert!(total(&samples, "gatehouse_audit_rows_total", &[]) >= 1.0);
    assert!(total(&samples, "gatehouse_db_pool_wait_seconds_count", &[]) >= 1.0);
    let version = [("version", env!("CARGO_PKG_VERSION"))];
    assert_eq!(total(&samples, "gatehouse_build_info", &version), 1.0);
}

#[actix_web::test]
async fn sign_ins_lockouts_and_tokens_move_their_counters() {
    let app = start_with(|c| c.lockout.max_failures = 2).await;
    let root = Who::admin();
    app.create_user(&root, "counted@plant.example", json!([]))
        .await;
    let scrape = || async { parse_prometheus(&app.get("/metrics", &Who::Nobody).await.text()) };
    let failed = [("credential", "basic"), ("outcome", "failure")];
    let before = scrape().await;
    let wrong = Who::Basic(
        "counted@plant.example".into(),
        "not the password at all".into(),
    );
    for _ in 0..2 {
        assert_eq!(
            app.status("GET", "/api/v1/users/me", &wrong, None).await,
            401
        );
    }
    app.session(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let after = scrape().await;
    let moved = |name: &str, labels: &[(&str, &str)]| {
        total(&after, name, labels) - total(&before, name, labels)
    };
    assert!(moved("gatehouse_signins_total", &failed) >= 2.0);
    assert!(
        moved(
            "gatehouse_signins_total",
            &[("credential", "login"), ("outcome", "success")]
        ) >= 1.0
    );
    assert!(moved("gatehouse_lockouts_total", &[]) >= 1.0);
    assert!(moved("gatehouse_tokens_issued_total", &[("kind", "session")]) >= 1.0);
}

#[actix_web::test]
async fn metrics_can_be_switched_off_or_held_to_a_token_and_addresses() {
    let off = start_with(|c| c.metrics.enabled = false).await;
    assert_eq!(off.get("/metrics", &Who::Nobody).await.status, 404);

    let held = start_with(|c| {
        c.metrics.token = Some("scrape-secret-0123456789".into());
        c.metrics.allowed_sources = vec!["10.1.2.3".parse().unwrap()];
    })
    .await;
    let scrape = |peer: &str, token: Option<&str>| {
        let mut req = TestRequest::get()
            .uri("/metrics")
            .peer_addr(peer.parse().unwrap());
        if let Some(token) = token {
            req = req.insert_header(("Authorization", format!("Bearer {token}")));
        }
        req
    };
    let token = Some("scrape-secret-0123456789");
    assert_eq!(held.send(scrape("10.9.9.9:4000", token)).await.status, 403);
    assert_eq!(held.send(scrape("10.1.2.3:4000", None)).await.status, 401);
    assert_eq!(
        held.send(scrape("10.1.2.3:4000", Some("wrong")))
            .await
            .status,
        401
    );
    let ok = held.send(scrape("10.1.2.3:4000", token)).await;
    assert_eq!(ok.status, 200);
    assert!(ok.text().contains("gatehouse_build_info"));
}

#[actix_web::test]
async fn every_response_carries_a_request_id_and_the_audit_row_it_wrote_carries_the_same() {
    let app = start().await;
    let root = Who::admin();
    let health = app.get("/health", &Who::Nobody).await;
    let refused = app.get("/api/v1/users", &Who::Nobody).await;
    assert!(health.header("x-request-id").is_some() && refused.header("x-request-id").is_some());
    assert_ne!(
        health.header("x-request-id"),
        refused.header("x-request-id")
    );

    let created = app
        .post("/api/v1/organisations", &root, json!({"name": "Traced"}))
        .await;
    assert_eq!(created.status, 201);
    let id = created.header("x-request-id").expect("an id");
    let org = created.json()["id"].as_str().unwrap().to_string();
    let audit = app
        .get(&format!("/api/v1/audit?target={org}"), &root)
        .await
        .json();
    let row = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "organisation.create")
        .cloned()
        .unwrap_or_else(|| panic!("no audit row: {audit}"));
    assert_eq!(row["requestId"], id.as_str());
    let verify = app.state.pool.get().unwrap();
    assert!(
        gatehouse::db::audit::verify(&verify).is_ok(),
        "the chain covers the id"
    );
}

#[actix_web::test]
async fn a_request_id_sent_by_a_trusted_proxy_is_kept_and_anyone_elses_is_replaced() {
    let app = start_with(|c| c.lockout.trusted_proxies = vec!["10.0.0.1".parse().unwrap()]).await;
    let from = |peer: &str, id: &str| {
        TestRequest::get()
            .uri("/health")
            .peer_addr(peer.parse().unwrap())
            .insert_header(("X-Request-Id", id.to_string()))
    };
    let kept = app.send(from("10.0.0.1:5000", "proxy-7f3a.1")).await;
    assert_eq!(kept.header("x-request-id").as_deref(), Some("proxy-7f3a.1"));
    let stranger = app.send(from("10.0.0.2:5000", "proxy-7f3a.1")).await;
    assert_ne!(
        stranger.header("x-request-id").as_deref(),
        Some("proxy-7f3a.1")
    );
    let forged = app.send(from("10.0.0.1:5000", "a\"b<script>")).await;
    assert_ne!(
        forged.header("x-request-id").as_deref(),
        Some("a\"b<script>")
    );
}

#[test]
fn json_log_lines_parse_and_carry_the_request_id_the_response_carried() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let text = std::fs::read_to_string(&config).unwrap() + "[log]\nformat = \"json\"\n";
    std::fs::write(&config, text).unwrap();
    let server = Server::start(&config);
    let admin = Some((ADMIN_EMAIL, ADMIN_PASSWORD));
    let (status, headers, _) = exchange(&server.address, "GET", "/api/v1/users/me", admin, None);
    assert_eq!(status, 200);
    let id = header(&headers, "x-request-id")
        .expect("a request id")
        .to_string();
    let (status, _, _) = exchange(
        &server.address,
        "GET",
        "/api/v1/users/me",
        Some((ADMIN_EMAIL, "wrong password here")),
        None,
    );
    assert_eq!(status, 401);
    let line = wait_for_line(&server, &id);
    assert_eq!(line["method"], "GET");
    assert_eq!(line["route"], "/api/v1/users/me");
    assert_eq!(line["path"], "/api/v1/users/me");
    assert_eq!(line["status"], 200);
    assert!(line["durationMs"].is_number() && line["time"].is_string());
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["target"], "gatehouse::http");
    let log = server.log_text();
    for line in log.lines() {
        let parsed: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(parsed["message"].is_string(), "{line}");
    }
    assert!(!log.contains(ADMIN_PASSWORD) && !log.contains("wrong password here"));
}

/// The log line of the request `id`, once the batched log has been written.
fn wait_for_line(server: &Server, id: &str) -> Value {
    for _ in 0..100 {
        let found = server.log_text().lines().find_map(|l| {
            let v: Value = serde_json::from_str(l).ok()?;
            (v["requestId"] == id && v["route"].is_string()).then_some(v)
        });
        if let Some(line) = found {
            return line;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("no log line for request {id}: {}", server.log_text());
}
