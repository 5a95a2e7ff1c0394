//! `gatehouse-bench`: Gatehouse at a million users, against the bare actix-web + SQLite program
//! of `../shared/limits/`, in one run on one machine.
//!
//! It builds the database through Gatehouse's own storage code, starts the real `gatehouse`
//! binary on it, drives each case over loopback with wrk for a fixed time and concurrency,
//! runs the bare program's cases when it is built, and prints one table (also written as
//! JSON). Run: `cargo run --release --bin gatehouse-bench -- --users 1000000`.

mod cases;
mod load;
mod scim;
mod seed;

use clap::Parser;
use load::{Driver, Measured};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Measures Gatehouse at many users against the bare actix-web + SQLite program")]
struct Args {
    /// How many users to build.
    #[arg(long, default_value_t = 1_000_000)]
    users: usize,
    /// Seconds each case runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Open connections per case (wrk -c).
    #[arg(long, default_value_t = 32)]
    connections: u32,
    /// The bare program's binary; its cases are skipped, and said so, when it is not built.
    #[arg(long)]
    bare: Option<PathBuf>,
    /// Where the JSON report goes.
    #[arg(long, default_value = "target/bench.json")]
    json: PathBuf,
    /// bcrypt cost of the seeded passwords and the server (the configured default is 12).
    #[arg(long, default_value_t = 12)]
    bcrypt_cost: u32,
    /// Skip the bare program even when it is built (the CI smoke run).
    #[arg(long)]
    no_bare: bool,
    /// Run only the cases whose name contains this.
    #[arg(long)]
    only: Option<String>,
    /// Keep the work directory (the database, the config, wrk's scripts) for a closer look.
    #[arg(long)]
    keep: bool,
    /// Serve the reads from a read-only replica (`[database] mode = "replica"`) of the built
    /// file, as `litestream restore -f` leaves it (rollback journal); writes and password
    /// checks, which a replica refuses, are not run.
    #[arg(long)]
    replica: bool,
    /// Access tokens are signed JWTs (`[tokens] format = "jwt"`): every grant signs one, and
    /// a Bearer token is found by its `jti`.
    #[arg(long)]
    jwt: bool,
}

/// A running server: its process and address.
struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn peak_rss_kib(&self) -> u64 {
        status_field(self.child.id(), "VmHWM:")
    }

    fn threads(&self) -> u64 {
        status_field(self.child.id(), "Threads:")
    }
}

fn status_field(pid: u32, name: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Starts `gatehouse serve`; returns it once `/health` answers 200, with the time that took.
fn start_gatehouse(config: &Path) -> (Server, f64) {
    let binary = std::env::current_exe()
        .expect("own path")
        .with_file_name("gatehouse");
    let started = Instant::now();
    let mut child = Command::new(&binary)
        .arg("--config")
        .arg(config)
        .arg("serve")
        .env("RUST_LOG", "warn,gatehouse::serve=info,gatehouse=info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "start {}: {e} (cargo build --release first)",
                binary.display()
            )
        });
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(address) = line.split("listening on http://").nth(1) {
                let _ = tx.send(address.trim().to_string());
            }
        }
    });
    let address = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("gatehouse said where it listens");
    wait_healthy(&address);
    let ready = started.elapsed().as_secs_f64() * 1000.0;
    (Server { child, address }, ready)
}

fn wait_healthy(address: &str) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(120) {
        if std::net::TcpStream::connect(address).is_ok()
            && load::http(address, "GET", "/health", &[], "").0 == 200
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    panic!("{address} did not become healthy");
}

fn write_config(dir: &Path, cost: u32, jwt: bool) -> PathBuf {
    let path = dir.join("config.toml");
    let format = if jwt { "jwt" } else { "opaque" };
    let text = format!(
        "[server]\nbind = \"127.0.0.1:0\"\n[database]\npath = \"{}\"\n[security]\nbcrypt_cost = {cost}\n\
         [lockout]\naddress_max_failures = 1000000\n[tokens]\nformat = \"{format}\"\n",
        dir.join("bench.db").display()
    );
    std::fs::write(&path, text).expect("write the config");
    path
}

/// A replica's configuration on `database`, which is first turned into what Litestream's
/// follower leaves: a rollback-journal file (its write-ahead log copied in).
fn replica_config(dir: &Path, database: &Path) -> PathBuf {
    let conn = rusqlite::Connection::open(database).expect("open the built file");
    conn.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))
        .expect("leave WAL mode");
    drop(conn);
    let path = dir.join("replica.toml");
    let text = format!(
        "[server]\nbind = \"127.0.0.1:0\"\n[database]\npath = \"{}\"\nmode = \"replica\"\n\
         [replica]\nprimary_url = \"http://127.0.0.1:1\"\n",
        database.display()
    );
    std::fs::write(&path, text).expect("write the replica's config");
    path
}

fn file_size_mib(path: &Path) -> f64 {
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let wal = path.with_extension("db-wal");
    (size(path) + size(&wal)) as f64 / (1024.0 * 1024.0)
}

/// The time of one bcrypt verify at `cost`, the median of five.
fn bcrypt_verify_ms(cost: u32) -> f64 {
    let hash = bcrypt::hash("a benchmark password", cost).expect("bcrypt");
    let mut times: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            let _ = bcrypt::verify("a benchmark password", &hash);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[2]
}

fn main() {
    let args = Args::parse();
    let dir = std::env::temp_dir().join(format!("gatehouse-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("work directory");
    let config_path = write_config(&dir, args.bcrypt_cost, args.jwt);
    let config = gatehouse::config::Config::load(&config_path, true).expect("config");
    eprintln!("building {} users ...", args.users);
    let seeded = seed::build(&config.database.path, &config, args.users);
    eprintln!("built in {:.1} s", seeded.seconds);
    let (server, ready_ms) = start_gatehouse(&config_path);
    let token = cases::bearer(&server.address, &seeded);
    let (server, ready_ms) = match args.replica {
        true => {
            drop(server);
            start_gatehouse(&replica_config(&dir, &config.database.path))
        }
        false => (server, ready_ms),
    };
    let driver = Driver {
        address: server.address.clone(),
        seconds: args.seconds,
        connections: args.connections,
        dir: dir.clone(),
    };
    let only = args.only.as_deref();
    let scim = scim::cases(&seeded, &dir);
    let ours = cases::run_gatehouse(&driver, &seeded, &dir, (only, &token, args.replica), scim);
    let report = Report {
        users: args.users,
        jwt: args.jwt,
        seconds_per_case: args.seconds,
        connections: args.connections,
        cores: std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        build_seconds: seeded.seconds,
        ready_ms,
        peak_rss_mib: server.peak_rss_kib() as f64 / 1024.0,
        threads: server.threads(),
        database_mib: file_size_mib(&config.database.path),
        bcrypt_verify_ms: bcrypt_verify_ms(args.bcrypt_cost),
        bare: cases::run_bare(&args, &dir),
        gatehouse: ours,
    };
    drop(server);
    report.print();
    if let Some(parent) = args.json.parent() {
        std::fs::create_dir_all(parent).ok();
    }
    std::fs::write(
        &args.json,
        serde_json::to_string_pretty(&report).unwrap_or_default(),
    )
    .expect("write the JSON report");
    eprintln!("JSON: {}", args.json.display());
    if args.keep {
        eprintln!("kept: {}", dir.display());
    } else {
        std::fs::remove_dir_all(&dir).ok();
    }
    // Every request of every case must have been answered with success: a case that errs
    // measures nothing.
    let failed: Vec<&str> = report
        .gatehouse
        .iter()
        .filter(|(m, _)| m.errors > 0 || m.requests_per_second <= 0.0)
        .map(|(m, _)| m.case.as_str())
        .collect();
    if !failed.is_empty() {
        eprintln!("cases with errors or no answers: {}", failed.join(", "));
        std::process::exit(1);
    }
}

/// Everything one run measured.
#[derive(serde::Serialize)]
pub struct Report {
    users: usize,
    /// Access tokens were signed JWTs (`--jwt`).
    jwt: bool,
    seconds_per_case: u64,
    connections: u32,
    cores: usize,
    build_seconds: f64,
    ready_ms: f64,
    peak_rss_mib: f64,
    threads: u64,
    database_mib: f64,
    bcrypt_verify_ms: f64,
    /// The bare program's cases, or why there are none.
    bare: Result<Vec<Measured>, String>,
    gatehouse: Vec<(Measured, cases::Reference)>,
}

impl Report {
    fn bare(&self, case: &str) -> Option<f64> {
        let bare = self.bare.as_ref().ok()?;
        bare.iter()
            .find(|m| m.case == case)
            .map(|m| m.requests_per_second)
    }

    fn ours(&self, case: &str) -> Option<f64> {
        self.gatehouse
            .iter()
            .find(|(m, _)| m.case == case)
            .map(|(m, _)| m.requests_per_second)
    }

    /// The figure a case is held against, and what it is.
    fn reference(&self, reference: &cases::Reference) -> Option<(f64, String)> {
        match reference {
            cases::Reference::Bare(case) => self.bare(case).map(|r| (r, format!("bare {case}"))),
            cases::Reference::Ours(case) => self.ours(case).map(|r| (r, (*case).to_string())),
            cases::Reference::BcryptBound => {
                let bound = self.cores as f64 * 1000.0 / self.bcrypt_verify_ms;
                Some((bound, format!("{} cores / one bcrypt", self.cores)))
            }
            cases::Reference::None => None,
        }
    }

    fn print(&self) {
        println!(
            "Gatehouse with {} users, {} s a case at {} connections, {} cores{}",
            self.users,
            self.seconds_per_case,
            self.connections,
            self.cores,
            if self.jwt { ", JWT access tokens" } else { "" }
        );
        println!(
            "{:<34} {:>10} {:>9} {:>9} {:>7} {:>7}  against",
            "case", "req/s", "p50 ms", "p99 ms", "errors", "ratio"
        );
        for (m, reference) in &self.gatehouse {
            let (ratio, against) = match self.reference(reference) {
                Some((r, what)) if r > 0.0 => (format!("{:.2}", m.requests_per_second / r), what),
                _ => ("-".into(), String::new()),
            };
            println!(
                "{:<34} {:>10.0} {:>9.2} {:>9.2} {:>7} {:>7}  {}",
                m.case, m.requests_per_second, m.p50_ms, m.p99_ms, m.errors, ratio, against
            );
        }
        match &self.bare {
            Ok(bare) => {
                for m in bare {
                    println!(
                        "{:<34} {:>10.0} {:>9.2} {:>9.2} {:>7}",
                        format!("bare {}", m.case),
                        m.requests_per_second,
                        m.p50_ms,
                        m.p99_ms,
                        m.errors
                    );
                }
            }
            Err(why) => println!("bare program: not run: {why}"),
        }
        println!(
            "build {:.1} s, ready {:.0} ms, peak RSS {:.1} MiB, {} threads, database {:.0} MiB, one bcrypt verify {:.1} ms",
            self.build_seconds, self.ready_ms, self.peak_rss_mib, self.threads, self.database_mib, self.bcrypt_verify_ms
        );
    }
}
