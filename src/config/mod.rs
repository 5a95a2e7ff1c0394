//! Configuration: defaults, then `config.toml`, then `GATEHOUSE_<SECTION>_<KEY>` variables.
//!
//! Every setting is documented in the shipped `config.toml`. Unknown keys are refused, and every
//! problem is reported as one line naming the source, the key and what is wrong.

mod replication;
mod sections;
mod tokens;

pub use replication::*;
pub use sections::*;
use serde::Deserialize;
use std::fmt;
use std::path::Path;
pub use tokens::*;

/// The whole configuration, passed around as a value (never a global).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: Server,
    pub database: Database,
    pub security: Security,
    pub modules: Modules,
    pub log: Log,
    pub metrics: Metrics,
    pub tokens: Tokens,
    pub sessions: Sessions,
    pub lockout: Lockout,
    pub audit: Audit,
    pub tls: Tls,
    pub dialects: Dialects,
    pub ui: Ui,
    pub replica: Replica,
    pub litestream: Litestream,
}

/// The embedded admin page.
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
const SECTIONS: [&str; 15] = [
    "server",
    "database",
    "security",
    "modules",
    "log",
    "metrics",
    "tokens",
    "sessions",
    "lockout",
    "audit",
    "tls",
    "dialects",
    "ui",
    "replica",
    "litestream",
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
        if self.server.import_limit < 1024 {
            return Err("server.import_limit: must be at least 1024 bytes".into());
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
        if self.tokens.access_lifetime().is_zero() || self.sessions.idle_timeout.0.is_zero() {
            return Err(
                "tokens.access_ttl and sessions.idle_timeout: must be longer than 0s".into(),
            );
        }
        if let Some(bad) = self.modules.catalogue.iter().find(|m| m.trim().is_empty()) {
            return Err(format!("modules.catalogue: `{bad}` is not a module name"));
        }
        self.server.public_origin()?;
        self.replica.validate(self.database.mode)?;
        self.within_bounds()
    }

    /// Upper bounds on durations and counts: a value past them is a typo, and one large enough
    /// would overflow the clock and make a rule fail open (a lock that never locks).
    /// long: the table of durations, one line per setting.
    fn within_bounds(&self) -> Result<(), String> {
        const DAY: u64 = 86_400;
        let spans = [
            ("lockout.duration", self.lockout.duration, 30 * DAY),
            ("lockout.address_window", self.lockout.address_window, DAY),
            (
                "tokens.access_ttl",
                Span(self.tokens.access_lifetime()),
                400 * DAY,
            ),
            ("tokens.refresh_ttl", self.tokens.refresh_ttl, 400 * DAY),
            (
                "sessions.idle_timeout",
                self.sessions.idle_timeout,
                30 * DAY,
            ),
            (
                "sessions.absolute_timeout",
                self.sessions.absolute_timeout,
                400 * DAY,
            ),
            (
                "security.credential_cache_ttl",
                self.security.credential_cache_ttl,
                DAY,
            ),
            ("database.busy_timeout", self.database.busy_timeout, 600),
        ];
        for (name, span, most) in spans {
            if span.0.as_secs() > most {
                return Err(format!("{name}: must be at most {}", describe(most)));
            }
        }
        if let Retention::For(span) = self.audit.retention {
            if span.0.as_secs() > 100 * 366 * DAY {
                return Err("audit.retention: must be at most 36600d, or \"forever\"".into());
            }
        }
        self.counts_within_bounds()
    }

    /// Upper bounds on counts and sizes, one line per setting.
    fn counts_within_bounds(&self) -> Result<(), String> {
        let counts = [
            (
                "lockout.max_failures",
                self.lockout.max_failures as u64,
                1_000,
            ),
            (
                "lockout.address_max_failures",
                self.lockout.address_max_failures as u64,
                1_000_000,
            ),
            ("database.pool_size", self.database.pool_size as u64, 256),
            ("server.workers", self.server.workers as u64, 1_024),
            (
                "server.body_limit",
                self.server.body_limit as u64,
                64 * 1024 * 1024,
            ),
            (
                "server.import_limit",
                self.server.import_limit as u64,
                256 * 1024 * 1024,
            ),
        ];
        for (name, value, most) in counts {
            if value > most {
                return Err(format!("{name}: must be at most {most}"));
            }
        }
        Ok(())
    }
}

/// A number of seconds the way a configuration writes it: in days, hours, minutes or seconds.
fn describe(seconds: u64) -> String {
    match seconds {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
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
    use std::time::Duration;

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
        let table: toml::Table = include_str!("../../config.toml").parse().unwrap();
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
