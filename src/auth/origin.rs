//! Gatehouse's own origin, and the refusal of state-changing requests a browser sent from
//! another one.
//!
//! A browser attaches ambient credentials (a cached Basic password, the session cookie) to a
//! cross-site form post. Such a request carries `Origin` (or, from older browsers, only
//! `Referer`) naming the page that sent it; scripts and services send neither, so they are
//! unaffected. Our origin is `[server] public_url` when set; otherwise the scheme we serve and
//! the `Host` header, where `X-Forwarded-Proto`/`-Host` count only from a trusted proxy.

use crate::config::Config;
use crate::error::Error;
use actix_web::http::{header, Method};
use actix_web::HttpRequest;

/// The origin this request was addressed to, as a browser would write it.
pub fn own_origin(req: &HttpRequest, config: &Config) -> String {
    if let Ok(Some(origin)) = config.server.public_origin() {
        return origin;
    }
    let headers = req.headers();
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(',')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .filter(|v| !v.is_empty())
    };
    let from_proxy = req
        .peer_addr()
        .is_some_and(|peer| config.lockout.trusted_proxies.contains(&peer.ip()));
    let scheme = match (from_proxy, text("x-forwarded-proto")) {
        (true, Some(proto)) if proto == "https" || proto == "http" => proto,
        _ if config.tls.enabled() => "https".into(),
        _ => "http".into(),
    };
    let host = match (from_proxy, text("x-forwarded-host")) {
        (true, Some(host)) => host,
        // A request without Host (HTTP/1.0) is taken to be for the server's own name.
        _ => text(header::HOST.as_str()).unwrap_or_else(|| req.app_config().host().to_string()),
    };
    format!("{scheme}://{host}")
}

/// Whether cookies must be `Secure` (and so may take the `__Host-` prefix): Gatehouse serves
/// TLS itself, or browsers reach it over https through a proxy.
pub fn secure_cookies(config: &Config) -> bool {
    config.tls.enabled()
        || matches!(config.server.public_origin(), Ok(Some(o)) if o.starts_with("https://"))
}

/// The origin a browser says the request came from: `Origin`, else the origin of `Referer`.
fn sender(req: &HttpRequest) -> Option<String> {
    let headers = req.headers();
    if let Some(origin) = headers.get(header::ORIGIN) {
        // Unreadable or "null" (a sandboxed or privacy-stripped sender) is a foreign origin.
        return Some(
            origin
                .to_str()
                .unwrap_or("null")
                .trim()
                .to_ascii_lowercase(),
        );
    }
    let referer = headers.get(header::REFERER)?.to_str().unwrap_or("null");
    let uri: actix_web::http::Uri = referer.trim().parse().ok()?;
    match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) => Some(format!(
            "{}://{}",
            scheme.to_ascii_lowercase(),
            authority.as_str().to_ascii_lowercase()
        )),
        _ => Some("null".into()),
    }
}

/// Refuses (403) a state-changing request whose browser-set origin is not ours.
pub fn refuse_cross_site(req: &HttpRequest, config: &Config) -> Result<(), Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    match sender(req) {
        Some(from) if from != own_origin(req, config) => Err(Error::Forbidden(
            "cross-origin request refused: it came from a page of another site".into(),
        )),
        _ => Ok(()),
    }
}
