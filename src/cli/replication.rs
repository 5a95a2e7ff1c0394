//! `gatehouse restore` (a file from a Litestream replica, checked before it is put in place)
//! and what `gatehouse check` says about replication.

use crate::config::Config;
use crate::db::{self, replication::Restore};
use crate::litestream::{self, Source};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// What `gatehouse restore` is asked.
#[derive(clap::Args)]
pub struct Asked {
    /// The replica's URL (file:///mnt/nas/gatehouse, s3://bucket/gatehouse, ...), as
    /// `litestream restore` takes it; default: the replica that [litestream] config names for
    /// the database.
    #[arg(value_name = "REPLICA_URL")]
    url: Option<String>,
    /// The same as REPLICA_URL.
    #[arg(long, value_name = "URL", conflicts_with = "url")]
    from: Option<String>,
    /// Restore the database as it was at this time (RFC 3339, e.g. 2026-12-01T14:30:00Z).
    #[arg(long, value_name = "TIME")]
    timestamp: Option<String>,
    /// Write the restored database here instead of [database] path.
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,
    /// Replace a database that exists at the target (stop Gatehouse first).
    #[arg(long)]
    force: bool,
}

/// Restores the database from its replica into `output` (the configured database when not
/// given): Litestream writes a new file beside it, which must open, pass the integrity and
/// reference checks and verify its audit chain; it is then migrated, marked with where it came
/// from (the first start writes that into the audit trail), and only then moved into place.
// long: the restore's steps in order, with the partial file removed on any failure.
pub fn restore(config: &Config, asked: Asked) -> Result<(), String> {
    let output = asked.output.unwrap_or_else(|| config.database.path.clone());
    if output.exists() && !asked.force {
        return Err(format!(
            "{} exists: stop Gatehouse and move it away, or pass --force to replace it",
            output.display()
        ));
    }
    let from = asked.url.or(asked.from);
    let source = match &from {
        Some(url) => Source::Url(url),
        None => Source::Configured(&config.database.path),
    };
    let partial = sibling(&output, ".restoring");
    remove_database(&partial)?;
    let made = litestream::restore(
        &config.litestream,
        &source,
        &partial,
        asked.timestamp.as_deref(),
    )
    .and_then(|position| {
        let restore = Restore {
            id: 0,
            source: source.describe(),
            position,
            point_in_time: asked.timestamp.clone(),
            restored_at: crate::clock::format(time::OffsetDateTime::now_utc()),
        };
        prepare(&partial, &restore).map(|rows| (restore, rows))
    });
    let (restore, rows) = match made {
        Ok(done) => done,
        Err(e) => {
            let _ = remove_database(&partial);
            return Err(e);
        }
    };
    remove_database(&output)?;
    std::fs::rename(&partial, &output)
        .map_err(|e| format!("cannot move the restored file to {}: {e}", output.display()))?;
    println!(
        "{}: restored from {} at position {}{}; checked, and {rows} audit rows verified",
        output.display(),
        restore.source,
        restore.position,
        restore
            .point_in_time
            .as_deref()
            .map(|t| format!(" (as of {t})"))
            .unwrap_or_default()
    );
    Ok(())
}

/// Checks a freshly restored file, migrates it and records where it came from; returns the
/// number of audit rows verified.
fn prepare(path: &Path, restore: &Restore) -> Result<i64, String> {
    let named = |e: String| format!("the restored file fails its check: {e}");
    let mut conn = Connection::open(path).map_err(|e| named(e.to_string()))?;
    let newer = db::schema_version(&conn).map_err(|e| named(e.to_string()))?;
    if newer > db::latest_version() {
        return Err(named(format!(
            "schema version {newer} is newer than this Gatehouse understands ({})",
            db::latest_version()
        )));
    }
    let problems = db::check(&conn).map_err(|e| named(e.to_string()))?;
    // The schema version may be older (a replica of an older release): migrated below.
    if let Some(problem) = problems.iter().find(|p| !p.starts_with("schema version")) {
        return Err(named(problem.clone()));
    }
    let rows = db::audit::verify(&conn).map_err(|e| named(format!("audit: {e}")))?;
    db::migrate(&mut conn).map_err(|e| format!("cannot migrate the restored file: {e}"))?;
    db::replication::insert_restore(&conn, restore)
        .map_err(|e| format!("cannot record the restore: {e}"))?;
    Ok(rows)
}

/// `path` with `suffix` added to its name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Removes a database file and the write-ahead log and index SQLite keeps beside it.
fn remove_database(path: &Path) -> Result<(), String> {
    for file in [
        path.to_path_buf(),
        sibling(path, "-wal"),
        sibling(path, "-shm"),
    ] {
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot remove {}: {e}", file.display())),
        }
    }
    Ok(())
}

/// Says, after `gatehouse check`, what Litestream's state tells (see `report_lines`).
pub fn report(config: &Config) {
    for line in report_lines(config) {
        println!("{line}");
    }
}

/// Lines for `gatehouse check` about Litestream, when it replicates the file: where its own
/// position is, and how far the replica is behind it.
fn report_lines(config: &Config) -> Vec<String> {
    let db = &config.database.path;
    if !litestream::replicates(db) {
        return Vec::new();
    }
    let Some(local) = litestream::local_position(db) else {
        return vec![
            "replication: Litestream's state is beside the file, but holds no position yet".into(),
        ];
    };
    let mut lines = vec![format!(
        "replication: Litestream replicates this file; its position is {}{}",
        local.id(),
        local
            .at
            .map(|t| format!(" ({})", crate::clock::format(t)))
            .unwrap_or_default()
    )];
    lines.push(match litestream::replica_position(&config.litestream, db) {
        Ok(replica) => behind(&local, &replica),
        Err(e) => format!("replication: the replica's position is unknown: {e}"),
    });
    lines
}

/// How far `replica` is behind `local`, in transactions and seconds.
fn behind(local: &litestream::Position, replica: &litestream::Position) -> String {
    let transactions = local.txid.saturating_sub(replica.txid);
    let seconds = match (local.at, replica.at) {
        (Some(l), Some(r)) if transactions > 0 => (l - r).as_seconds_f64().max(0.0),
        _ => 0.0,
    };
    match transactions {
        0 => format!(
            "replication: the replica is up to date (position {})",
            replica.id()
        ),
        n => format!(
            "replication: the replica is at {}, {n} transactions and {seconds:.1} s behind",
            replica.id()
        ),
    }
}
