//! Logging helpers: one line per request, and escaping so that values cannot forge lines.

use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use std::future::Future;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Escapes control characters (newlines included) so that a value stays on one log line.
pub fn escape(text: &str) -> String {
    text.chars()
        .flat_map(char::escape_default)
        .collect::<String>()
}

/// Starts env_logger at `level` unless RUST_LOG says otherwise, writing to stderr in batches.
pub fn init(level: &str) {
    let env = env_logger::Env::default().default_filter_or(level);
    // A second initialisation (in tests) is harmless and ignored.
    let started = env_logger::Builder::from_env(env)
        .format_timestamp_millis()
        .target(env_logger::Target::Pipe(Box::new(Batched)))
        .try_init();
    if started.is_ok() {
        std::thread::spawn(|| loop {
            std::thread::sleep(FLUSH_EVERY);
            flush();
        });
    }
}

/// How long a log line waits at most before it is written.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// Above this, lines are written at once rather than waiting for the next flush.
const BATCH_BYTES: usize = 64 * 1024;

static PENDING: Mutex<Vec<u8>> = Mutex::new(Vec::new());

/// Lines gathered for stderr. A line per request written on its own costs a system call per
/// request (half of what `/health` costs at tens of thousands a second); gathered, they are
/// written every `FLUSH_EVERY` or every `BATCH_BYTES`, whichever comes first.
struct Batched;

impl Write for Batched {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut pending = PENDING.lock().unwrap_or_else(|p| p.into_inner());
        pending.extend_from_slice(bytes);
        if pending.len() >= BATCH_BYTES {
            write_out(&mut pending);
        }
        Ok(bytes.len())
    }

    /// env_logger asks after every line; the batch is written by `flush()` instead.
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes the lines gathered so far (also called on the way out of `main`).
pub fn flush() {
    let mut pending = PENDING.lock().unwrap_or_else(|p| p.into_inner());
    write_out(&mut pending);
}

fn write_out(pending: &mut Vec<u8>) {
    if !pending.is_empty() {
        // Nowhere to report a failure to write the log; the lines are dropped.
        let _ = std::io::stderr().write_all(pending);
        pending.clear();
    }
}

/// Logs method, path (never the query string, which might carry a secret), status and duration.
pub fn log_request<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<B>, actix_web::Error>> + 'static
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
{
    let start = Instant::now();
    let method = req.method().clone();
    let path = escape(req.path());
    let response = srv.call(req);
    async move {
        let response = response.await?;
        log::info!(
            target: "gatehouse::http",
            "{method} {path} {} {:.1}ms",
            response.status().as_u16(),
            start.elapsed().as_secs_f64() * 1000.0
        );
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_newline_stays_on_one_line() {
        assert_eq!(super::escape("a\nb\"c"), "a\\nb\\\"c");
    }
}
