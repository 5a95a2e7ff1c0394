//! Configuration: defaults, then `config.toml`, then `GATEHOUSE_<SECTION>_<KEY>` variables.
//!
//! Every setting is documented in the shipped `config.toml`. Unknown keys are refused, and every
//! problem is reported as one line naming the source, the key and what is wrong.

use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The whole configuration, passed around as a value (never a global).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: Server,
    pub database: Database,
    pub security: Security,
    pub modules: Modules,
    pub log: Log,
    pub tokens: Tokens,
    pub sessions: Sessions,
    pub lockout: Lockout,
    pub audit: Audit,
    pub tls: Tls,
    pub dialects: Dialects,
    pub ui: Ui,
}

/// The embedded admin page.
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
pub struct Tokens {
    /// Lifetime of an OAuth access token.
    pub access_ttl: Span,
    /// Lifetime of an OAuth refresh token.
    pub refresh_ttl: Span,
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

impl Default for Tokens {
    fn default() -> Self {
        Tokens {
            access_ttl: Span(Duration::from_secs(3600)),
            refresh_ttl: Span(Duration::from_secs(30 * 86_400)),
        }
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
    /// Worker threads answering HTTP; 0 means one per core.
    pub workers: usize,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Database {
    pub path: PathBuf,
    pub pool_size: u32,
    pub busy_timeout: Span,
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
}

impl Default for Server {
    fn default() -> Self {
        Server {
            bind: "127.0.0.1:8080".into(),
            body_limit: 64 * 1024,
            workers: 0,
        }
    }
}

impl Default for Database {
    fn default() -> Self {
        Database {
            path: PathBuf::from("gatehouse.db"),
            pool_size: 8,
            busy_timeout: Span(Duration::from_secs(5)),
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

/// A configuration problem, one line for the operator.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Variables that configure the first start rather than the server.
const BOOTSTRAP_VARIABLES: [&str; 2] = ["GATEHOUSE_ADMIN_EMAIL", "GATEHOUSE_ADMIN_PASSWORD"];
const SECTIONS: [&str; 12] = [
    "server", "database", "security", "modules", "log", "tokens", "sessions", "lockout", "audit",
    "tls", "dialects", "ui",
];

impl Config {
    /// Loads `path` (which may be absent when `required` is false) and the environment.
    pub fn load(path: &Path, required: bool) -> Result<Config, ConfigError> {
        let origin = path.display().to_string();
        let mut table = match std::fs::read_to_string(path) {
            Ok(text) => text
                .parse::<toml::Table>()
                .map_err(|e| ConfigError(format!("{origin}: {}", one_line(&e.to_string()))))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => toml::Table::new(),
            Err(e) => return Err(ConfigError(format!("{origin}: cannot read: {e}"))),
        };
        let overrides = apply_environment(&mut table, std::env::vars())?;
        Config::from_table(table, &origin).map_err(|ConfigError(message)| {
            // A bad value that came from the environment is named by its variable, not the file.
            let from_env = overrides.iter().find(|(key, _)| {
                message.contains(&format!("`{key}`")) || message.contains(&format!("{key}:"))
            });
            match from_env {
                Some((_, variable)) => ConfigError(message.replacen(
                    &origin,
                    &format!("environment variable {variable}"),
                    1,
                )),
                None => ConfigError(message),
            }
        })
    }

    /// Builds a configuration from a table, naming `origin` in every error.
    pub fn from_table(table: toml::Table, origin: &str) -> Result<Config, ConfigError> {
        for (section, value) in &table {
            if !SECTIONS.contains(&section.as_str()) {
                return Err(ConfigError(format!(
                    "{origin}: unknown section [{section}] (known: {})",
                    SECTIONS.join(", ")
                )));
            }
            if !value.is_table() {
                return Err(ConfigError(format!(
                    "{origin}: `{section}` must be a [section]"
                )));
            }
        }
        let config = Config::deserialize(toml::Value::Table(table))
            .map_err(|e| ConfigError(format!("{origin}: {}", one_line(&e.to_string()))))?;
        config
            .validate()
            .map_err(|e| ConfigError(format!("{origin}: {e}")))?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        if !(4..=31).contains(&self.security.bcrypt_cost) {
            return Err("security.bcrypt_cost: must be between 4 and 31".into());
        }
        if !(8..=64).contains(&self.security.password_min_length) {
            return Err("security.password_min_length: must be between 8 and 64".into());
        }
        if self.database.pool_size == 0 {
            return Err("database.pool_size: must be at least 1".into());
        }
        if self.server.body_limit < 1024 {
            return Err("server.body_limit: must be at least 1024 bytes".into());
        }
        if self.server.bind.parse::<std::net::SocketAddr>().is_err() {
            return Err(format!(
                "server.bind: `{}` is not an address such as 127.0.0.1:8080",
                self.server.bind
            ));
        }
        if self.tls.cert_file.is_some() != self.tls.key_file.is_some() {
            return Err("tls: set both cert_file and key_file, or neither".into());
        }
        if self.lockout.max_failures == 0 {
            return Err("lockout.max_failures: must be at least 1".into());
        }
        if self.tokens.access_ttl.0.is_zero() || self.sessions.idle_timeout.0.is_zero() {
            return Err(
                "tokens.access_ttl and sessions.idle_timeout: must be longer than 0s".into(),
            );
        }
        if let Some(bad) = self.modules.catalogue.iter().find(|m| m.trim().is_empty()) {
            return Err(format!("modules.catalogue: `{bad}` is not a module name"));
        }
        Ok(())
    }
}

/// Lays `GATEHOUSE_<SECTION>_<KEY>` variables over the file's table.
/// Returns the overridden keys (`section.key`) with the variables that set them.
pub fn apply_environment(
    table: &mut toml::Table,
    vars: impl Iterator<Item = (String, String)>,
) -> Result<Vec<(String, String)>, ConfigError> {
    let mut overrides = Vec::new();
    for (name, raw) in vars {
        let Some(rest) = name.strip_prefix("GATEHOUSE_") else {
            continue;
        };
        if BOOTSTRAP_VARIABLES.contains(&name.as_str()) {
            continue;
        }
        let lower = rest.to_ascii_lowercase();
        let Some((section, key)) = lower.split_once('_') else {
            return Err(ConfigError(format!(
                "environment variable {name}: expected GATEHOUSE_<SECTION>_<KEY>"
            )));
        };
        if !SECTIONS.contains(&section) {
            return Err(ConfigError(format!(
                "environment variable {name}: unknown section `{section}`"
            )));
        }
        let entry = table
            .entry(section.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let Some(section_table) = entry.as_table_mut() else {
            return Err(ConfigError(format!(
                "environment variable {name}: `{section}` is not a section"
            )));
        };
        section_table.insert(key.to_string(), env_value(&raw));
        overrides.push((format!("{section}.{key}"), name.clone()));
    }
    Ok(overrides)
}

/// Reads a variable's text as a TOML value (number, boolean, list), else as a string.
fn env_value(raw: &str) -> toml::Value {
    format!("v = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_need_a_unit() {
        assert_eq!(Span::parse("15m").unwrap().0, Duration::from_secs(900));
        assert_eq!(
            Span::parse("30d").unwrap().0,
            Duration::from_secs(30 * 86_400)
        );
        assert!(Span::parse("15").is_err());
        assert!(Span::parse("m").is_err());
    }

    #[test]
    fn the_shipped_file_parses_to_the_defaults() {
        let table: toml::Table = include_str!("../config.toml").parse().unwrap();
        assert_eq!(
            Config::from_table(table, "config.toml").unwrap(),
            Config::default()
        );
    }

    #[test]
    fn environment_overrides_the_file_and_unknown_keys_are_named() {
        let mut table: toml::Table = "[security]\nbcrypt_cost = 10\n".parse().unwrap();
        let vars = vec![(
            "GATEHOUSE_SECURITY_BCRYPT_COST".to_string(),
            "5".to_string(),
        )];
        apply_environment(&mut table, vars.into_iter()).unwrap();
        let config = Config::from_table(table, "test").unwrap();
        assert_eq!(config.security.bcrypt_cost, 5);

        let table: toml::Table = "[server]\nbidn = \"x\"\n".parse().unwrap();
        let err = Config::from_table(table, "test.toml").unwrap_err().0;
        assert!(err.contains("test.toml") && err.contains("bidn"), "{err}");
    }
}
