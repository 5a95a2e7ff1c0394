//! The settings of a database that Litestream replicates: which side of the stream this
//! Gatehouse is on, who checkpoints the write-ahead log, and where Litestream is.

use serde::Deserialize;
use std::path::PathBuf;

/// Whether this Gatehouse owns its database or follows a primary's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Reads and writes its own file (the default).
    #[default]
    Primary,
    /// Reads, and never writes, a file that `litestream restore -f` keeps up to date.
    Replica,
}

/// Who copies the write-ahead log into the database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Checkpoint {
    /// Gatehouse, four times a second, PASSIVE (the default; right without Litestream).
    #[default]
    Gatehouse,
    /// Someone else: Litestream, which checkpoints after each sync. Gatehouse turns SQLite's
    /// automatic checkpoint off too, so that no write races Litestream's own.
    External,
}

/// `[replica]`: what a replica needs to know about its primary.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Replica {
    /// The primary's address (`https://gatehouse.plant.example`), which refusals and the admin
    /// page name: writes and sign-ins go there.
    pub primary_url: Option<String>,
}

/// `[litestream]`: where Litestream is, for `gatehouse check` and `gatehouse restore`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Litestream {
    /// Litestream's own configuration file, naming the replicas of this database.
    pub config: PathBuf,
    /// The `litestream` program (a name looked up in PATH, or a path).
    pub command: PathBuf,
}

impl Default for Litestream {
    fn default() -> Self {
        Litestream {
            config: PathBuf::from("/etc/litestream.yml"),
            command: PathBuf::from("litestream"),
        }
    }
}

impl Replica {
    /// `primary_url` checked: an http or https URL, required on a replica.
    pub fn validate(&self, mode: Mode) -> Result<(), String> {
        match (&self.primary_url, mode) {
            (None, Mode::Replica) => Err(
                "replica.primary_url: a replica must name its primary, such as https://gatehouse.plant.example"
                    .into(),
            ),
            (Some(url), _) => {
                let parsed: Result<actix_web::http::Uri, _> = url.trim().parse();
                let scheme = parsed.as_ref().ok().and_then(|u| u.scheme_str());
                let host = parsed.as_ref().ok().and_then(|u| u.host());
                match (scheme, host) {
                    (Some("http" | "https"), Some(h)) if !h.is_empty() => Ok(()),
                    _ => Err(format!(
                        "replica.primary_url: `{url}` is not an http or https URL"
                    )),
                }
            }
            (None, Mode::Primary) => Ok(()),
        }
    }
}
