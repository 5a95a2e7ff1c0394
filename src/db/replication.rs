//! The primary's heartbeat, which replicas read to know their lag, and the record of each
//! restore from a replica (migration 10).

use crate::error::Error;
use rusqlite::{params, Connection, OptionalExtension};

/// Records the primary's clock.
pub fn beat(conn: &Connection, now: &str) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO heartbeat (id, at) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET at = excluded.at",
    )?
    .execute([now])?;
    Ok(())
}

/// The primary's clock at its last heartbeat, as this file has it.
pub fn last_beat(conn: &Connection) -> Result<Option<String>, Error> {
    Ok(conn
        .prepare_cached("SELECT at FROM heartbeat WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?)
}

/// Where a restored file came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restore {
    pub id: i64,
    /// The replica it was restored from (a URL, or the database path Litestream's
    /// configuration names).
    pub source: String,
    /// Litestream's transaction id the file was restored up to.
    pub position: String,
    /// The point in time asked for, if any.
    pub point_in_time: Option<String>,
    pub restored_at: String,
}

pub fn insert_restore(conn: &Connection, r: &Restore) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO restores (source, position, point_in_time, restored_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![r.source, r.position, r.point_in_time, r.restored_at])?;
    Ok(())
}

/// The restore no start has checked yet, if any.
pub fn unstarted_restore(conn: &Connection) -> Result<Option<Restore>, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT id, source, position, point_in_time, restored_at FROM restores
             WHERE started_at IS NULL ORDER BY id DESC LIMIT 1",
        )?
        .query_row([], |r| {
            Ok(Restore {
                id: r.get(0)?,
                source: r.get(1)?,
                position: r.get(2)?,
                point_in_time: r.get(3)?,
                restored_at: r.get(4)?,
            })
        })
        .optional()?)
}

/// Records a restore found at a start (not marked by `gatehouse restore`) as checked.
pub fn insert_started_restore(conn: &Connection, r: &Restore, now: &str) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT INTO restores (source, position, point_in_time, restored_at, started_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        r.source,
        r.position,
        r.point_in_time,
        r.restored_at,
        now
    ])?;
    Ok(())
}

/// Whether a start has checked a restore of this file before.
pub fn any_started_restore(conn: &Connection) -> Result<bool, Error> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM restores WHERE started_at IS NOT NULL LIMIT 1")?
        .query_row([], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Whether the file carries the tables Litestream adds to a database it replicates (and that
/// a restore from its replica therefore carries too).
pub fn has_litestream_tables(conn: &Connection) -> Result<bool, Error> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = '_litestream_seq'",
        )?
        .query_row([], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Marks every restore up to `id` as checked by a start.
pub fn mark_started(conn: &Connection, id: i64, now: &str) -> Result<(), Error> {
    conn.prepare_cached(
        "UPDATE restores SET started_at = ?2 WHERE id <= ?1 AND started_at IS NULL",
    )?
    .execute(params![id, now])?;
    Ok(())
}
