//! Storage: the connection pool, its pragmas, migrations, integrity checks and backups.
//! Every function here is synchronous; callers run them off the async workers.

pub mod audit;
pub mod keys;
pub mod oidc;
pub mod replica;
pub mod replication;
pub mod scim;
pub mod signing_keys;
pub mod structure;
pub mod tokens;
mod turns;
pub mod users;

use crate::config::Checkpoint;
use crate::error::Error;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::Path;
use std::time::Duration;

pub type Pool = r2d2::Pool<Manager>;

/// Opens connections for the pool: r2d2_sqlite's manager, and on a replica the rule that a
/// connection left in WAL mode is closed rather than kept (see `replica`).
#[derive(Debug)]
pub struct Manager {
    files: SqliteConnectionManager,
    replica: bool,
}

impl Manager {
    fn primary(files: SqliteConnectionManager) -> Manager {
        Manager {
            files,
            replica: false,
        }
    }

    fn replica(files: SqliteConnectionManager) -> Manager {
        Manager {
            files,
            replica: true,
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Connection;
    type Error = rusqlite::Error;

    fn connect(&self) -> Result<Connection, rusqlite::Error> {
        self.files.connect()
    }

    fn is_valid(&self, conn: &mut Connection) -> Result<(), rusqlite::Error> {
        self.files.is_valid(conn)
    }

    fn has_broken(&self, conn: &mut Connection) -> bool {
        self.replica && replica::in_wal_mode(conn)
    }
}

/// The pool over `manager`: connections open as they are needed.
fn pool_of(manager: Manager, size: u32, path: &Path) -> Result<Pool, Error> {
    r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(1))
        // A connection to a local file does not go stale; the check ran a statement per
        // checkout (a thirtieth of what reading one user costs).
        .test_on_check_out(false)
        .build(manager)
        .map_err(|e| Error::Internal(format!("cannot open database {}: {e}", path.display())))
}

const SCHEMA: &str = include_str!("../../schema.sql");

/// Settings every connection gets: WAL, a full fsync on commit (plant servers lose power),
/// foreign keys enforced, and a wait instead of an error while another writer holds the lock.
fn prepare(conn: &mut Connection, busy_timeout: Duration) -> rusqlite::Result<()> {
    settle(conn, busy_timeout)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
    )
}

/// What every connection gets, a replica's too: the busy wait, kept statements with stable
/// plans, temporary storage in memory.
fn settle(conn: &mut Connection, busy_timeout: Duration) -> rusqlite::Result<()> {
    conn.busy_timeout(busy_timeout)?;
    // Every statement Gatehouse runs is prepared once per connection and kept. The bundled
    // SQLite is built with STAT4, which re-plans a statement whenever a bound value changes
    // (a page query was parsed and planned anew on every request); our plans do not depend
    // on the values, so the query planner stability guarantee keeps them.
    conn.set_prepared_statement_cache_capacity(128);
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    // Temporary storage in memory: a savepoint's journal (each write of a shared commit runs
    // in one) spilled to a temporary file past 64 KiB, a tenth of the writing thread's time.
    // What Gatehouse sorts is a page of rows or the structure lists, never the users.
    conn.execute_batch("PRAGMA temp_store = MEMORY;")
}

/// Opens the pool on `path`, creating the file when absent.
pub fn open(path: &Path, size: u32, busy_timeout: Duration) -> Result<Pool, Error> {
    open_checkpointed(path, size, busy_timeout, Checkpoint::Gatehouse)
}

/// Opens the pool the `[database]` section describes: a primary's, whose write-ahead log is
/// checkpointed by Gatehouse or by someone else (Litestream), or a replica's (read only).
pub fn open_configured(database: &crate::config::Database) -> Result<Pool, Error> {
    let (path, size, busy) = (&database.path, database.pool_size, database.busy_timeout.0);
    match database.mode {
        crate::config::Mode::Primary => open_checkpointed(path, size, busy, database.checkpoint),
        crate::config::Mode::Replica => replica::open(path, size, busy),
    }
}

fn open_checkpointed(
    path: &Path,
    size: u32,
    busy_timeout: Duration,
    checkpoint: Checkpoint,
) -> Result<Pool, Error> {
    let manager = SqliteConnectionManager::file(path).with_init(move |c| {
        prepare(c, busy_timeout)?;
        // Litestream checkpoints after each sync; a commit that crossed SQLite's automatic
        // threshold would race it (Litestream's "tips": turn the automatic one off).
        match checkpoint {
            Checkpoint::External => c.execute_batch("PRAGMA wal_autocheckpoint = 0"),
            Checkpoint::Gatehouse => Ok(()),
        }
    });
    pool_of(Manager::primary(manager), size, path)
}

/// A write transaction and this process's turn to write (see `turns`). Read and write through
/// it as through the transaction; `commit` ends both.
pub struct Write<'c> {
    // Declared first, so dropped first: the transaction ends before the turn passes on.
    tx: Transaction<'c>,
    _turn: turns::Turn,
}

impl<'c> std::ops::Deref for Write<'c> {
    type Target = Transaction<'c>;

    fn deref(&self) -> &Transaction<'c> {
        &self.tx
    }
}

impl Write<'_> {
    pub fn commit(self) -> rusqlite::Result<()> {
        let Write { tx, _turn } = self;
        tx.commit()
    }
}

/// Begins a write transaction that takes the write lock at once, so that a check made inside
/// it still holds at its writes; writers of this process wait their turn before it.
pub fn write(conn: &mut Connection) -> Result<Write<'_>, Error> {
    // A replica's connections are opened read only and query only: the write is refused
    // before it begins. (A file on a read-only file system opens read only too, but not query
    // only: its write fails below, as the fault it is.)
    if conn.is_readonly(rusqlite::MAIN_DB)? && replica::query_only(conn)? {
        return Err(Error::ReadOnlyReplica(None));
    }
    let turn = turns::Turn::take(conn.path().unwrap_or(""));
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    Ok(Write { tx, _turn: turn })
}

/// The numbered migrations in `schema.sql`, in order.
pub fn migrations() -> Vec<(u32, &'static str)> {
    let mut out = Vec::new();
    let mut rest = SCHEMA;
    while let Some(start) = rest.find("-- migration ") {
        let after = &rest[start + "-- migration ".len()..];
        let number: u32 = after
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let end = after.find("-- migration ").unwrap_or(after.len());
        // The block starts after the rest of its header line.
        let body_start = after[..end].find('\n').map_or(end, |i| i + 1);
        out.push((number, &after[body_start..end]));
        rest = &after[end..];
    }
    out
}

pub fn latest_version() -> u32 {
    migrations().last().map(|(n, _)| *n).unwrap_or(0)
}

pub fn schema_version(conn: &Connection) -> Result<u32, Error> {
    Ok(conn
        .prepare_cached("PRAGMA user_version")?
        .query_row([], |r| r.get(0))?)
}

/// Applies the migrations the database lacks, each in its own transaction.
/// Refuses a database written by a newer Gatehouse.
pub fn migrate(conn: &mut Connection) -> Result<u32, Error> {
    let current = schema_version(conn)?;
    let latest = latest_version();
    if current > latest {
        return Err(Error::Internal(format!(
            "the database has schema version {current}, newer than this Gatehouse understands ({latest}); run a newer release or restore a backup"
        )));
    }
    if current == latest {
        return Ok(latest);
    }
    // A migration may rebuild a table (create the new one, copy, drop the old, rename): with
    // foreign keys on, dropping the old table would delete the rows that point at it. They are
    // off while migrations run, and every reference is checked before each one commits.
    conn.pragma_update(None, "foreign_keys", false)?;
    let migrated = apply_migrations(conn, current);
    conn.pragma_update(None, "foreign_keys", true)?;
    migrated.map(|()| latest)
}

fn apply_migrations(conn: &mut Connection, current: u32) -> Result<(), Error> {
    for (number, sql) in migrations().into_iter().filter(|(n, _)| *n > current) {
        let tx = write(conn)?;
        tx.execute_batch(sql)?;
        let dangling: i64 =
            tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })?;
        if dangling > 0 {
            return Err(Error::Internal(format!(
                "migration {number} would leave {dangling} rows pointing at nothing; nothing was changed"
            )));
        }
        tx.pragma_update(None, "user_version", number)?;
        tx.commit()?;
        log::info!("database migrated to schema version {number}");
    }
    Ok(())
}

/// Problems found by SQLite's integrity and foreign-key checks and the schema version.
pub fn check(conn: &Connection) -> Result<Vec<String>, Error> {
    let mut problems = Vec::new();
    let mut stmt = conn.prepare_cached("PRAGMA integrity_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    for row in rows {
        let row = row?;
        if row != "ok" {
            problems.push(format!("integrity: {row}"));
        }
    }
    let mut stmt = conn.prepare_cached("PRAGMA foreign_key_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    for table in rows {
        problems.push(format!(
            "foreign key: a row of {} points at nothing",
            table?
        ));
    }
    let version = schema_version(conn)?;
    if version != latest_version() {
        problems.push(format!(
            "schema version {version}, expected {}",
            latest_version()
        ));
    }
    Ok(problems)
}

/// Copies the live database to `target` with SQLite's online backup; safe while serving.
/// The copy is written beside the target and renamed into place when complete.
pub fn backup(conn: &Connection, target: &Path) -> Result<(), Error> {
    let partial = target.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    {
        let mut copy = Connection::open(&partial)
            .map_err(|e| Error::Internal(format!("cannot create {}: {e}", partial.display())))?;
        let backup = rusqlite::backup::Backup::new(conn, &mut copy)?;
        backup.run_to_completion(256, Duration::from_millis(5), None)?;
    }
    std::fs::rename(&partial, target)
        .map_err(|e| Error::Internal(format!("cannot move the copy to {}: {e}", target.display())))
}

/// Maps a uniqueness violation to a conflict with `message`; other errors pass through.
pub fn unique_or(e: rusqlite::Error, message: &str) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
        {
            Error::Conflict(message.to_string())
        }
        _ => e.into(),
    }
}
