//! Logging helpers: one line per request, and escaping so that values cannot forge lines.

use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use std::future::Future;
use std::time::Instant;

/// Escapes control characters (newlines included) so that a value stays on one log line.
pub fn escape(text: &str) -> String {
    text.chars()
        .flat_map(char::escape_default)
        .collect::<String>()
}

/// Starts env_logger at `level` unless RUST_LOG says otherwise.
pub fn init(level: &str) {
    let env = env_logger::Env::default().default_filter_or(level);
    // A second initialisation (in tests) is harmless and ignored.
    let _ = env_logger::Builder::from_env(env)
        .format_timestamp_millis()
        .try_init();
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
