//! The figures `/metrics` shows, in the Prometheus text format: one function per event, so
//! that a metric's name and labels are written once, here. The `metrics` crate keeps them;
//! its Prometheus exporter renders them (without its own HTTP server: `/metrics` is a route of
//! ours, behind our own access rule).

use crate::error::Fault;
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Bucket bounds, in seconds, for request durations and pool waits.
const SECONDS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// How often histogram samples are folded into their buckets when nobody scrapes, so that
/// they never pile up in memory.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Installs the recorder once per process (the server, or every in-process test together).
pub fn install() {
    HANDLE.get_or_init(|| {
        let built = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS)
            .and_then(|b| b.install_recorder());
        match built {
            Ok(handle) => {
                describe();
                let upkeep = handle.clone();
                std::thread::spawn(move || loop {
                    std::thread::sleep(UPKEEP_EVERY);
                    upkeep.run_upkeep();
                });
                Some(handle)
            }
            Err(e) => {
                log::error!("metrics are off: {e}");
                None
            }
        }
    });
}

/// The text a scrape answers; `None` when the recorder could not be installed.
pub fn render() -> Option<String> {
    let handle = HANDLE.get()?.as_ref()?;
    gauge!("gatehouse_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    Some(handle.render())
}

/// Each metric's kind, name and help text, as a scrape shows them.
const DESCRIBED: [(Kind, &str, &str); 17] = [
    (Kind::Counter, "gatehouse_http_requests_total", "HTTP requests answered, by route template, method and status."),
    (Kind::Seconds, "gatehouse_http_request_duration_seconds", "Time to answer an HTTP request, by route template and method."),
    (Kind::Counter, "gatehouse_signins_total", "Credential checks, by credential kind and outcome (success, failure, throttled)."),
    (Kind::Counter, "gatehouse_lockouts_total", "Accounts locked after too many failed sign-ins."),
    (Kind::Counter, "gatehouse_throttled_requests_total", "Requests refused because their address failed to sign in too often."),
    (Kind::Counter, "gatehouse_tokens_issued_total", "OAuth2 tokens and browser sessions issued, by kind."),
    (Kind::Counter, "gatehouse_tokens_revoked_total", "Tokens and sessions revoked."),
    (Kind::Counter, "gatehouse_audit_rows_total", "Audit rows ever written to this database."),
    (Kind::Seconds, "gatehouse_db_pool_wait_seconds", "Time a request waited for a database connection."),
    (Kind::Counter, "gatehouse_db_faults_total", "Writes refused by the database: full (disk), read-only (file system), busy (a lock past busy_timeout)."),
    (Kind::Counter, "gatehouse_db_busy_errors_total", "Database operations that gave up waiting for a lock (busy_timeout)."),
    (Kind::Gauge, "gatehouse_users", "Users stored (counted at most once a minute)."),
    (Kind::Gauge, "gatehouse_organisations", "Organisations stored."),
    (Kind::Gauge, "gatehouse_sites", "Sites stored."),
    (Kind::Gauge, "gatehouse_plants", "Plants stored."),
    (Kind::Gauge, "gatehouse_database_fault", "1 while writes are refused for this reason (full, read-only, busy), else 0."),
    (Kind::Gauge, "gatehouse_build_info", "Always 1; the label says which version runs."),
];

#[derive(Clone, Copy)]
enum Kind {
    Counter,
    Gauge,
    Seconds,
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    for (kind, name, help) in DESCRIBED {
        match kind {
            Kind::Counter => describe_counter!(name, help),
            Kind::Gauge => describe_gauge!(name, help),
            Kind::Seconds => describe_histogram!(name, Unit::Seconds, help),
        }
    }
}

/// One answered request. `route` is the template the router matched (`/api/v1/users/{id}`),
/// never the path itself, which would carry ids and make a series per user.
pub fn request(route: &str, method: &str, status: u16, took: Duration) {
    let labels = [("route", route.to_string()), ("method", method.to_string())];
    counter!(
        "gatehouse_http_requests_total",
        &[
            labels[0].clone(),
            labels[1].clone(),
            ("status", status.to_string()),
        ]
    )
    .increment(1);
    histogram!("gatehouse_http_request_duration_seconds", &labels).record(took.as_secs_f64());
}

/// A credential checked against the database: `kind` is how it came (`basic`, `login`,
/// `api_key` ...), `outcome` `success`, `failure` or `throttled`.
pub fn signin(kind: &'static str, outcome: &'static str) {
    counter!("gatehouse_signins_total", "credential" => kind, "outcome" => outcome).increment(1);
}

pub fn lockout() {
    counter!("gatehouse_lockouts_total").increment(1);
}

pub fn throttled() {
    counter!("gatehouse_throttled_requests_total").increment(1);
}

pub fn token_issued(kind: &'static str) {
    counter!("gatehouse_tokens_issued_total", "kind" => kind).increment(1);
}

pub fn tokens_revoked(count: u64) {
    counter!("gatehouse_tokens_revoked_total").increment(count);
}

pub fn pool_wait(took: Duration) {
    histogram!("gatehouse_db_pool_wait_seconds").record(took.as_secs_f64());
}

/// A write refused for `fault`; the gauge stays up until `database_recovered`.
pub fn database_fault(fault: Fault) {
    counter!("gatehouse_db_faults_total", "fault" => fault.word()).increment(1);
    if fault == Fault::Busy {
        counter!("gatehouse_db_busy_errors_total").increment(1);
    }
    for each in Fault::ALL {
        let up = if each == fault { 1.0 } else { 0.0 };
        gauge!("gatehouse_database_fault", "fault" => each.word()).set(up);
    }
}

pub fn database_recovered() {
    for each in Fault::ALL {
        gauge!("gatehouse_database_fault", "fault" => each.word()).set(0.0);
    }
}

/// What the database holds, as counted by `ops::tally`.
pub fn stored(users: i64, organisations: i64, sites: i64, plants: i64, audit_rows: i64) {
    gauge!("gatehouse_users").set(users as f64);
    gauge!("gatehouse_organisations").set(organisations as f64);
    gauge!("gatehouse_sites").set(sites as f64);
    gauge!("gatehouse_plants").set(plants as f64);
    counter!("gatehouse_audit_rows_total").absolute(audit_rows.max(0) as u64);
}
