//! A replica's connections: read only, on a file that `litestream restore -f` rewrites in
//! place beneath them.
//!
//! Litestream's follow mode writes the primary's changed pages straight into the file, holding
//! SQLite's exclusive lock while it does (so that no reader sees half of a change), and marks
//! the file as a rollback-journal database. Three rules follow, each for something measured
//! here with Litestream 0.5.17:
//! 1. SQLite keeps pages in a connection's cache between transactions and trusts them while
//!    page 1's change counter stands; the follower changes it only when page 1 is among the
//!    pages, and a primary in WAL mode leaves page 1 alone on most commits (a renamed
//!    organisation stayed stale on a kept connection). So each use starts with an empty cache.
//! 2. A request reads inside one transaction: its shared lock keeps the follower out until the
//!    request is done, so that all its pages come from one state of the file.
//! 3. A file restored from a WAL database says WAL in its header until the follower's first
//!    page 1 rewrites it, and a connection in WAL mode holds a shared lock for as long as it is
//!    open, which kept the follower out for good. Such a connection is closed after its use.

use super::Pool;
use crate::error::{Error, Fault};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// Opens the pool of read-only connections on a replica's file, which must exist.
pub fn open(path: &Path, size: u32, busy_timeout: Duration) -> Result<Pool, Error> {
    if !path.exists() {
        return Err(Error::Internal(format!(
            "{} does not exist: a replica serves the file that `litestream restore -f` keeps up to date; start that first",
            path.display()
        )));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let manager = SqliteConnectionManager::file(path)
        .with_flags(flags)
        .with_init(move |c| {
            super::settle(c, busy_timeout)?;
            c.execute_batch("PRAGMA query_only = ON;")
        });
    super::pool_of(super::Manager::replica(manager), size, path)
}

/// Begins a request's reads on a replica: an empty page cache, one read transaction, and a
/// schema this Gatehouse knows (a primary of another release may have migrated the file).
pub fn begin_read(conn: &Connection) -> Result<(), Error> {
    conn.release_memory()?;
    conn.execute_batch("BEGIN")?;
    let known = schema_known(conn);
    if known.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    known
}

/// Ends what `begin_read` began.
pub fn end_read(conn: &Connection) {
    if !conn.is_autocommit() {
        if let Err(e) = conn.execute_batch("ROLLBACK") {
            log::warn!("replica: cannot end a read: {e}");
        }
    }
}

/// Refuses, at start, a file whose schema is newer than this Gatehouse; an older one is served
/// as 503 until the primary migrates it (see `begin_read`).
pub fn refuse_newer(conn: &Connection) -> Result<(), Error> {
    let version = super::schema_version(conn)?;
    let latest = super::latest_version();
    if version > latest {
        return Err(Error::Internal(format!(
            "the replica's database has schema version {version}, newer than this Gatehouse understands ({latest}): upgrade this replica to the primary's release"
        )));
    }
    if version < latest {
        log::warn!("replica: the database has schema version {version}, older than this Gatehouse's {latest}; requests are answered 503 until the primary migrates it");
    }
    Ok(())
}

/// Whether the file's schema is the one this Gatehouse reads (taking the read lock).
fn schema_known(conn: &Connection) -> Result<(), Error> {
    let version = super::schema_version(conn)?;
    let latest = super::latest_version();
    match version.cmp(&latest) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Greater => Err(Error::Unavailable(Fault::SchemaNewer)),
        std::cmp::Ordering::Less => Err(Error::Unavailable(Fault::SchemaOlder)),
    }
}

/// Whether the connection was opened as a replica's (`PRAGMA query_only`).
pub fn query_only(conn: &Connection) -> Result<bool, Error> {
    Ok(conn.query_row("PRAGMA query_only", [], |r| r.get::<_, bool>(0))?)
}

/// Whether the connection reads through a write-ahead log (rule 3 above).
pub fn in_wal_mode(conn: &Connection) -> bool {
    conn.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0))
        .map_or(true, |mode| mode.eq_ignore_ascii_case("wal"))
}

/// The position `litestream restore -f` has applied, from the file it keeps beside the
/// database (`<db>-txid`): a hexadecimal transaction id.
pub fn followed_position(path: &Path) -> Option<String> {
    let mut name = path.as_os_str().to_owned();
    name.push("-txid");
    let text = std::fs::read_to_string(name).ok()?;
    let id = text.trim();
    (!id.is_empty() && id.chars().all(|c| c.is_ascii_hexdigit())).then(|| id.to_string())
}
