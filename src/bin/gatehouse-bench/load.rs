//! Drives a server on loopback with wrk (Debian's `wrk`), one case at a time, a fixed duration
//! and concurrency each, and reads back requests/s, latency percentiles and errors.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// One case's outcome.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Measured {
    pub case: String,
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Non-2xx answers and socket errors, as wrk counts them.
    pub errors: u64,
}

/// A wrk Lua script: `request` builds each request; `init` seeds each thread's randomness.
pub struct Script {
    pub name: String,
    pub body: String,
}

pub struct Driver {
    pub address: String,
    pub seconds: u64,
    pub connections: u32,
    pub dir: PathBuf,
}

/// Milliseconds from wrk's latency text (`812.00us`, `1.20ms`, `2.01s`).
fn millis(text: &str) -> f64 {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().unwrap_or(0.0);
    match unit {
        "us" => value / 1000.0,
        "ms" => value,
        "s" => value * 1000.0,
        "m" => value * 60_000.0,
        _ => value,
    }
}

/// Reads wrk's `--latency` report.
fn parse(case: &str, out: &str) -> Measured {
    let mut m = Measured {
        case: case.to_string(),
        ..Measured::default()
    };
    for line in out.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", rps] => m.requests_per_second = rps.parse().unwrap_or(0.0),
            ["50%", latency] => m.p50_ms = millis(latency),
            ["99%", latency] => m.p99_ms = millis(latency),
            ["Non-2xx", "or", "3xx", "responses:", n] => m.errors += n.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                m.errors += rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>()
            }
            _ => {}
        }
    }
    m
}

impl Driver {
    /// Waits until the server has worked off what the last case left queued (its slow
    /// requests go on after wrk stops), so that one case's backlog is not the next one's time.
    pub fn settle(&self, probe: &[(&str, &str)]) {
        let started = std::time::Instant::now();
        let mut quick = 0;
        while quick < 3 && started.elapsed() < Duration::from_secs(60) {
            let t = std::time::Instant::now();
            http(&self.address, "GET", "/api/v1/users/me", probe, "");
            quick = if t.elapsed() < Duration::from_millis(50) {
                quick + 1
            } else {
                0
            };
        }
    }

    /// Runs one case; `connections` overrides the driver's (bcrypt cases use fewer). The other
    /// cases first get a one-second warm-up that is not counted (connections open, their
    /// statements are prepared, the pages the case reads come into the cache); a bcrypt case
    /// would leave its warm-up's hashing queued into the measured run.
    pub fn run(&self, script: &Script, connections: Option<u32>) -> Measured {
        if connections.is_none() {
            self.wrk(script, connections, 1);
        }
        let output = self.wrk(script, connections, self.seconds);
        parse(&script.name, &String::from_utf8_lossy(&output.stdout))
    }

    fn wrk(&self, script: &Script, connections: Option<u32>, seconds: u64) -> std::process::Output {
        let file: String = script
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let path = self.dir.join(format!("{file}.lua"));
        std::fs::write(&path, &script.body).expect("write the wrk script");
        let connections = connections.unwrap_or(self.connections);
        Command::new("wrk")
            .current_dir(&self.dir)
            .args(["-t2", &format!("-c{connections}"), &format!("-d{seconds}s")])
            .args(["--latency", "--timeout", "30s", "-s"])
            .arg(&path)
            .arg(format!("http://{}", self.address))
            .output()
            .expect("run wrk (apt-get install wrk)")
    }
}

/// Lua that loads lines from a file into a table, once per thread.
pub fn lines_from(name: &str, file: &Path) -> String {
    format!(
        "local {name} = {{}}\nfor line in io.lines(\"{}\") do if #line > 0 then {name}[#{name} + 1] = line end end\n",
        file.display()
    )
}

/// The per-thread parts every script shares: a thread number and a random seed.
pub const PRELUDE: &str = "local counter = 0\n\
function setup(thread) counter = counter + 1; thread:set(\"tid\", counter) end\n\
function init(args) math.randomseed(os.time() * 1000 + (tid or 0)); n = 0 end\n";

/// One plain HTTP/1.1 request for the benchmark's own set-up; returns status and body.
pub fn http(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(60))).ok();
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).ok();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrk_reports_are_read() {
        let out = "  Latency Distribution\n     50%  812.00us\n     99%    2.01s\n  Non-2xx or 3xx responses: 7\nRequests/sec:   1234.50\n";
        let m = super::parse("x", out);
        assert!((m.p50_ms - 0.812).abs() < 1e-9 && (m.p99_ms - 2010.0).abs() < 1e-9);
        assert_eq!(m.errors, 7);
        assert_eq!(m.requests_per_second, 1234.5);
    }
}
