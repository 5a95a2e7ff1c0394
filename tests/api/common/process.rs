//! Runs the real `gatehouse` binary and talks plain HTTP/1.1 to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{ADMIN_EMAIL, ADMIN_PASSWORD};

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_gatehouse")
}

/// Writes a configuration for a server on a free port with a database in `dir`.
pub fn write_config(dir: &Path) -> PathBuf {
    let path = dir.join("config.toml");
    let text = format!(
        "[server]\nbind = \"127.0.0.1:0\"\n[database]\npath = \"{}\"\n[security]\nbcrypt_cost = 4\n",
        dir.join("gatehouse.db").display()
    );
    std::fs::write(&path, text).expect("write config");
    path
}

/// Writes `replica.toml` in `dir`: a read-only replica on `database` naming `primary`.
pub fn write_replica_config(dir: &Path, database: &Path, primary: &str) -> PathBuf {
    let path = dir.join("replica.toml");
    let text = format!(
        "[server]\nbind = \"127.0.0.1:0\"\n[database]\npath = \"{}\"\nmode = \"replica\"\n\
         [replica]\nprimary_url = \"http://{primary}\"\n",
        database.display()
    );
    std::fs::write(&path, text).expect("write the replica's config");
    path
}

/// Runs a subcommand to completion.
pub fn run(config: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(binary());
    command.arg("--config").arg(config).args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("run gatehouse")
}

pub struct Server {
    child: Child,
    pub address: String,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `gatehouse serve` and waits until it says where it listens.
    pub fn start(config: &Path) -> Server {
        Server::start_logging(config, "info")
    }

    /// The same, logging at `level` (RUST_LOG).
    pub fn start_logging(config: &Path, level: &str) -> Server {
        let mut child = Command::new(binary())
            .arg("--config")
            .arg(config)
            .arg("serve")
            .env("GATEHOUSE_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("GATEHOUSE_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("RUST_LOG", level)
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn gatehouse");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let started = Instant::now();
        loop {
            // A plain line ends with the address; a JSON line's message has a quote after it.
            let found = log.lock().unwrap().iter().find_map(|l| {
                l.split("listening on http://").nth(1).map(|a| {
                    a.chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || ".:[]".contains(*c))
                        .collect::<String>()
                })
            });
            if let Some(address) = found {
                return Server {
                    child,
                    address,
                    log,
                };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("gatehouse exited with {status}: {:?}", log.lock().unwrap());
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "gatehouse did not start: {:?}",
                log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the process without warning, as a power cut would.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reap");
    }

    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request; returns the status and the body.
pub fn http(
    address: &str,
    method: &str,
    path: &str,
    basic: Option<(&str, &str)>,
    body: Option<&str>,
) -> (u16, String) {
    let (status, _, body) = exchange(address, method, path, basic, body);
    (status, body)
}

/// An answer: the status, the header lines (names lower-cased) and the body.
pub type Exchanged = (u16, Vec<(String, String)>, String);

/// One HTTP/1.1 request; returns the status, the header lines (names lower-cased) and the body.
pub fn exchange(
    address: &str,
    method: &str,
    path: &str,
    basic: Option<(&str, &str)>,
    body: Option<&str>,
) -> Exchanged {
    use base64::Engine;
    let basic = basic.map(|(user, password)| {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        ("Authorization", format!("Basic {token}"))
    });
    let headers: Vec<(&str, &str)> = basic.iter().map(|(k, v)| (*k, v.as_str())).collect();
    exchange_with(address, method, path, &headers, body)
}

/// One HTTP/1.1 request with these headers; returns what `exchange` returns.
pub fn exchange_with(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Exchanged {
    try_exchange(address, method, path, headers, body).expect("HTTP exchange")
}

/// The same, or the error of a server that is not there (killed, say).
pub fn try_exchange(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> std::io::Result<Exchanged> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok((status, headers, body.to_string()))
}

/// The value of header `name` among `headers`.
pub fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
