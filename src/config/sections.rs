//! The sections of `config.toml`, each with its defaults, and the value types they use.

use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ui {
    /// The system-use notice shown above the sign-in form (IEC 62443-4-2 CR 1.12).
    pub banner: String,
}

impl Default for Ui {
    fn default() -> Self {
        Ui {
            banner: "Authorised use only. Activity on this system is monitored and recorded."
                .into(),
        }
    }
}

/// The seed platforms' user APIs; a switched-off one answers 404.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Dialects {
    /// 4PointX: `/_config/users/` with HTTP Basic.
    pub fourpointx: bool,
    /// Busroot: `/api/admin/user` with X-API-KEY.
    pub busroot: bool,
    /// Hoxton AI's organisation/site API: `/users` with Bearer tokens.
    pub hoxton: bool,
}

impl Default for Dialects {
    fn default() -> Self {
        Dialects {
            fourpointx: true,
            busroot: true,
            hoxton: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sessions {
    /// A browser session ends after this long without a request.
    pub idle_timeout: Span,
    /// A browser session ends this long after sign-in, however busy.
    pub absolute_timeout: Span,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Lockout {
    /// Consecutive failed sign-ins that lock an account.
    pub max_failures: u32,
    /// How long a locked account stays locked.
    pub duration: Span,
    /// Failed sign-ins from one address within `address_window` before it gets 429.
    pub address_max_failures: u32,
    pub address_window: Span,
    /// Proxies whose X-Forwarded-For is believed; the client address is otherwise the TCP peer.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Audit {
    /// How long audit rows are kept: "forever" or a duration such as "400d".
    pub retention: Retention,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tls {
    /// PEM certificate chain and private key; with both set, Gatehouse serves HTTPS.
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
}

impl Tls {
    pub fn enabled(&self) -> bool {
        self.cert_file.is_some() && self.key_file.is_some()
    }
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions {
            idle_timeout: Span(Duration::from_secs(30 * 60)),
            absolute_timeout: Span(Duration::from_secs(12 * 3600)),
        }
    }
}

impl Default for Lockout {
    fn default() -> Self {
        Lockout {
            max_failures: 5,
            duration: Span(Duration::from_secs(15 * 60)),
            address_max_failures: 20,
            address_window: Span(Duration::from_secs(60)),
            trusted_proxies: Vec::new(),
        }
    }
}

/// How long to keep something: forever, or a duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Retention {
    #[default]
    Forever,
    For(Span),
}

impl<'de> Deserialize<'de> for Retention {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.trim() == "forever" {
            return Ok(Retention::Forever);
        }
        Span::parse(&text)
            .map(Retention::For)
            .map_err(|e| serde::de::Error::custom(format!("{e}, or \"forever\"")))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Server {
    /// Address and port to listen on.
    pub bind: String,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Largest file the admin page may import (`POST /api/v1/users/import`), in bytes.
    pub import_limit: usize,
    /// Worker threads answering HTTP; 0 means one per core.
    pub workers: usize,
    /// The origin browsers reach Gatehouse at, when that is not the bind address (behind a
    /// TLS-terminating reverse proxy): `https://gatehouse.plant.example`. The cross-site check
    /// and the session cookie use it.
    pub public_url: Option<String>,
}

impl Server {
    /// `public_url` as an origin (`scheme://host[:port]`, lower-cased), or why it is not one.
    pub fn public_origin(&self) -> Result<Option<String>, String> {
        let Some(raw) = &self.public_url else {
            return Ok(None);
        };
        let bad = || {
            format!(
                "server.public_url: `{raw}` is not an origin such as https://gatehouse.plant.example"
            )
        };
        let uri: actix_web::http::Uri = raw.trim().parse().map_err(|_| bad())?;
        let scheme = uri.scheme_str().ok_or_else(bad)?.to_ascii_lowercase();
        let authority = uri
            .authority()
            .ok_or_else(bad)?
            .as_str()
            .to_ascii_lowercase();
        let bare_path = matches!(uri.path(), "" | "/") && uri.query().is_none();
        if !(scheme == "http" || scheme == "https") || authority.contains('@') || !bare_path {
            return Err(bad());
        }
        Ok(Some(format!("{scheme}://{authority}")))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Database {
    pub path: PathBuf,
    pub pool_size: u32,
    pub busy_timeout: Span,
    /// `primary` owns the file; `replica` reads one that Litestream keeps up to date.
    pub mode: super::Mode,
    /// Who checkpoints the write-ahead log: `gatehouse` or `external` (Litestream).
    pub checkpoint: super::Checkpoint,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Security {
    pub bcrypt_cost: u32,
    pub password_min_length: usize,
    /// How long a successful Basic check is remembered so that bcrypt is not run again.
    pub credential_cache_ttl: Span,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Modules {
    pub catalogue: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Log {
    pub level: String,
    /// Plain lines for a person, or one JSON object a line for a log collector.
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// `GET /metrics`, for Prometheus. The figures reveal activity (who signs in how often), so
/// a scrape may be held to a bearer token, to a list of source addresses, or both.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Metrics {
    pub enabled: bool,
    /// When set, a scrape must send `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// When not empty, only these addresses may scrape (the connection's own address).
    pub allowed_sources: Vec<std::net::IpAddr>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            enabled: true,
            token: None,
            allowed_sources: Vec::new(),
        }
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("enabled", &self.enabled)
            .field("token", &self.token.as_ref().map(|_| "(hidden)"))
            .field("allowed_sources", &self.allowed_sources)
            .finish()
    }
}

impl Default for Server {
    fn default() -> Self {
        Server {
            bind: "127.0.0.1:8080".into(),
            body_limit: 64 * 1024,
            import_limit: 16 * 1024 * 1024,
            workers: 0,
            public_url: None,
        }
    }
}

impl Default for Database {
    fn default() -> Self {
        Database {
            path: PathBuf::from("gatehouse.db"),
            pool_size: 8,
            busy_timeout: Span(Duration::from_secs(5)),
            mode: super::Mode::Primary,
            checkpoint: super::Checkpoint::Gatehouse,
        }
    }
}

impl Default for Security {
    fn default() -> Self {
        Security {
            bcrypt_cost: 12,
            password_min_length: 15,
            credential_cache_ttl: Span(Duration::from_secs(300)),
        }
    }
}

impl Default for Modules {
    fn default() -> Self {
        let names = [
            "Condition Monitoring",
            "Alerting",
            "Energy Monitoring",
            "Production Tracking",
            "OEE Analysis",
            "Configuration",
        ];
        Modules {
            catalogue: names.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl Default for Log {
    fn default() -> Self {
        Log {
            level: "info".into(),
            format: LogFormat::Text,
        }
    }
}

/// A duration written with its unit: `30s`, `15m`, `1h`, `30d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span(pub Duration);

impl Span {
    pub fn parse(text: &str) -> Result<Span, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(split);
        let count: u64 = digits
            .parse()
            .map_err(|_| format!("`{text}` is not a duration such as 30s, 15m, 1h or 30d"))?;
        let seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => {
                return Err(format!(
                    "`{text}` needs a unit: s, m, h or d (as in 30s, 15m, 1h, 30d)"
                ))
            }
        };
        Ok(Span(Duration::from_secs(count.saturating_mul(seconds))))
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Span::parse(&text).map_err(serde::de::Error::custom)
    }
}
