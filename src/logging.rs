//! Logging: plain or JSON lines, one line per request with its id, and escaping so that
//! values cannot forge lines.

use crate::config::LogFormat;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use env_logger::fmt::Formatter;
use log::kv::{self, Key, Value, VisitSource};
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

/// Starts env_logger at `level` unless RUST_LOG says otherwise, writing `format` lines to
/// stderr in batches.
pub fn init(level: &str, format: LogFormat) {
    let env = env_logger::Env::default().default_filter_or(level);
    // A second initialisation (in tests) is harmless and ignored.
    let started = env_logger::Builder::from_env(env)
        .format(move |buf, record| match format {
            LogFormat::Text => text_line(buf, record),
            LogFormat::Json => json_line(buf, record),
        })
        .target(env_logger::Target::Pipe(Box::new(Batched)))
        .try_init();
    if started.is_ok() {
        std::thread::spawn(|| loop {
            std::thread::sleep(FLUSH_EVERY);
            flush();
        });
    }
}

/// `[time LEVEL target] message`, and the request id when the line belongs to a request.
fn text_line(buf: &mut Formatter, record: &log::Record) -> std::io::Result<()> {
    let time = buf.timestamp_millis();
    let level = record.level();
    write!(
        buf,
        "[{time} {level:<5} {}] {}",
        record.target(),
        record.args()
    )?;
    match crate::request_id::current() {
        Some(id) => writeln!(buf, " request_id={id}"),
        None => writeln!(buf),
    }
}

/// One JSON object: time, level, target, message, requestId, and the line's own fields
/// (a request line's method, route, path, status and durationMs).
fn json_line(buf: &mut Formatter, record: &log::Record) -> std::io::Result<()> {
    let mut line = serde_json::Map::new();
    let mut put = |key: &str, value: serde_json::Value| line.insert(key.to_string(), value);
    put("time", buf.timestamp_millis().to_string().into());
    put("level", record.level().as_str().into());
    put("target", record.target().into());
    put("message", record.args().to_string().into());
    if let Some(id) = crate::request_id::current() {
        put("requestId", id.to_string().into());
    }
    let mut fields = Fields(&mut line);
    // A field that cannot be read is left out; the message still says it.
    let _ = record.key_values().visit(&mut fields);
    writeln!(buf, "{}", serde_json::Value::Object(line))
}

/// Collects a line's key-value fields, named in camelCase as the API's fields are.
struct Fields<'a>(&'a mut serde_json::Map<String, serde_json::Value>);

impl<'kvs> VisitSource<'kvs> for Fields<'_> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: Value<'kvs>) -> Result<(), kv::Error> {
        let value = match (value.to_u64(), value.to_f64()) {
            (Some(n), _) => serde_json::Value::from(n),
            (None, Some(x)) => serde_json::Value::from(x),
            _ => serde_json::Value::from(value.to_string()),
        };
        self.0.insert(camel_case(key.as_str()), value);
        Ok(())
    }
}

fn camel_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
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

/// Gives the request its id (`X-Request-Id`: a trusted proxy's, else a new one) for all that
/// it does, then logs method, route, path (never the query string, which might carry a
/// secret), status and duration, counts it for `/metrics` and answers with the id.
pub fn log_request<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<B>, actix_web::Error>> + 'static
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
{
    let start = Instant::now();
    let id = request_id_of(&req);
    let method = req.method().clone();
    let path = escape(req.path());
    let response = srv.call(req);
    crate::request_id::scope(id.clone(), async move {
        let mut response = response.await?;
        let took = start.elapsed();
        let status = response.status().as_u16();
        let route = response.request().match_pattern();
        let route = route.as_deref().unwrap_or("(no route)");
        crate::metrics::request(route, method.as_str(), status, took);
        let ms = (took.as_secs_f64() * 10_000.0).round() / 10.0;
        log::info!(
            target: "gatehouse::http",
            method = method.as_str(), route = route, path = path.as_str(), status = status,
            duration_ms = ms;
            "{method} {path} {status} {ms:.1}ms"
        );
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
        Ok(response)
    })
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id a trusted proxy sent, when it sent a sound one; otherwise a new one.
fn request_id_of(req: &ServiceRequest) -> crate::request_id::RequestId {
    let sent = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok());
    let trusted = req
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .zip(req.peer_addr())
        .is_some_and(|(state, peer)| {
            let proxies = &state.env.config.lockout.trusted_proxies;
            proxies.contains(&peer.ip())
        });
    crate::request_id::choose(sent, trusted)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_newline_stays_on_one_line() {
        assert_eq!(super::escape("a\nb\"c"), "a\\nb\\\"c");
    }

    #[test]
    fn fields_are_named_in_camel_case() {
        assert_eq!(super::camel_case("duration_ms"), "durationMs");
        assert_eq!(super::camel_case("route"), "route");
    }
}
