//! Litestream, the program that streams the database's write-ahead log to a replica: the
//! state it keeps beside the database, the position its replica has reached, and restoring a
//! file from that replica. Gatehouse runs the `litestream` program for what it cannot read
//! itself (a replica may be on S3, with credentials in Litestream's configuration).

use crate::config;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A point in the replicated stream: Litestream's transaction id (hexadecimal, as it writes
/// them) and when it was written, where known.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    pub txid: u64,
    pub at: Option<time::OffsetDateTime>,
}

impl Position {
    /// The id as Litestream prints it: sixteen hexadecimal digits.
    pub fn id(&self) -> String {
        format!("{:016x}", self.txid)
    }
}

/// The directory where Litestream keeps its state of `db`: `.<name>-litestream` beside it.
pub fn state_dir(db: &Path) -> PathBuf {
    let name = db.file_name().map(|n| n.to_string_lossy().into_owned());
    let dir = db.parent().unwrap_or(Path::new(""));
    dir.join(format!(".{}-litestream", name.unwrap_or_default()))
}

/// Whether Litestream replicates `db` (its state directory exists).
pub fn replicates(db: &Path) -> bool {
    state_dir(db).is_dir()
}

/// The newest position Litestream has taken from the write-ahead log, from its state
/// directory's files (named `<first txid>-<last txid>.ltx`).
pub fn local_position(db: &Path) -> Option<Position> {
    let level0 = state_dir(db).join("ltx").join("0");
    let mut newest: Option<Position> = None;
    for entry in std::fs::read_dir(level0).ok()?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(txid) = last_txid_of(&name) else {
            continue;
        };
        if newest.as_ref().is_none_or(|p| txid > p.txid) {
            let at = entry.metadata().and_then(|m| m.modified()).ok();
            newest = Some(Position {
                txid,
                at: at.map(time::OffsetDateTime::from),
            });
        }
    }
    newest
}

/// The last transaction id of an LTX file's name.
fn last_txid_of(name: &str) -> Option<u64> {
    let stem = name.strip_suffix(".ltx")?;
    let (_, last) = stem.split_once('-')?;
    u64::from_str_radix(last, 16).ok()
}

/// One file Litestream lists for a replica.
#[derive(Deserialize)]
struct Listed {
    max_txid: String,
    timestamp: Option<String>,
}

/// The newest position the replica of `db` (as Litestream's configuration names it) holds.
pub fn replica_position(settings: &config::Litestream, db: &Path) -> Result<Position, String> {
    let mut command = Command::new(&settings.command);
    command
        .arg("ltx")
        .arg("-config")
        .arg(&settings.config)
        .args(["-level", "all", "-json"])
        .arg(db);
    let listed: Vec<Listed> = serde_json::from_slice(&run(command)?)
        .map_err(|e| format!("litestream ltx: unexpected answer: {e}"))?;
    listed
        .iter()
        .filter_map(|l| {
            let txid = u64::from_str_radix(&l.max_txid, 16).ok()?;
            let at = l.timestamp.as_deref().and_then(crate::clock::parse);
            Some(Position { txid, at })
        })
        .max_by_key(|p| p.txid)
        .ok_or_else(|| "the replica holds nothing yet".to_string())
}

/// Where to restore from: a replica's URL, or the database Litestream's configuration names.
pub enum Source<'a> {
    Url(&'a str),
    Configured(&'a Path),
}

impl Source<'_> {
    pub fn describe(&self) -> String {
        match self {
            Source::Url(url) => url.to_string(),
            Source::Configured(db) => format!("the replica of {}", db.display()),
        }
    }
}

#[derive(Deserialize)]
struct Restored {
    txid: String,
}

/// Restores `source` into `output` (which must not exist), up to `timestamp` when given;
/// returns the position restored.
pub fn restore(
    settings: &config::Litestream,
    source: &Source,
    output: &Path,
    timestamp: Option<&str>,
) -> Result<String, String> {
    let mut command = Command::new(&settings.command);
    command.arg("restore").arg("-json").arg("-o").arg(output);
    if let Some(at) = timestamp {
        command.arg("-timestamp").arg(at);
    }
    match source {
        Source::Url(url) => command.arg(url),
        Source::Configured(db) => command.arg("-config").arg(&settings.config).arg(db),
    };
    let restored: Restored = serde_json::from_slice(&run(command)?)
        .map_err(|e| format!("litestream restore: unexpected answer: {e}"))?;
    Ok(restored.txid)
}

/// Runs a Litestream command; its standard output, or its error in one line.
fn run(mut command: Command) -> Result<Vec<u8>, String> {
    let program = command.get_program().to_string_lossy().into_owned();
    let output = command
        .output()
        .map_err(|e| format!("cannot run {program}: {e} (set [litestream] command)"))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        let line = said.lines().rev().find(|l| !l.trim().is_empty());
        return Err(format!(
            "{program} failed: {}",
            line.unwrap_or("no message").trim()
        ));
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_directory_sits_beside_the_database_with_a_dot() {
        assert_eq!(
            state_dir(Path::new("/var/lib/gatehouse/gatehouse.db")),
            PathBuf::from("/var/lib/gatehouse/.gatehouse.db-litestream")
        );
    }

    #[test]
    fn an_ltx_name_gives_its_last_transaction() {
        assert_eq!(
            last_txid_of("0000000000000005-000000000000000c.ltx"),
            Some(12)
        );
        assert_eq!(last_txid_of("notes.txt"), None);
    }
}
