//! Replication with Litestream, as the operations see it: the primary's heartbeat, how stale
//! a replica is, and the first start on a file restored from a replica.

use super::audit::{self, Actor, Event};
use super::Env;
use crate::db::{self, replication as store};
use crate::error::Error;
use rusqlite::Connection;

/// Records the primary's clock for its replicas (see `lag`).
pub fn beat(conn: &mut Connection, env: &Env) -> Result<(), Error> {
    let tx = db::write(conn)?;
    store::beat(&tx, &env.clock.now_text())?;
    tx.commit()?;
    Ok(())
}

/// The probe behind `/health`: the database answers a read; on a replica, the primary's last
/// heartbeat is kept for the lag.
pub fn probe(conn: &mut Connection, env: &Env) -> Result<(), Error> {
    super::bootstrap::database_readable(conn)?;
    if env.replica() {
        let beat = store::last_beat(conn)?;
        env.health
            .heard(beat.as_deref().and_then(crate::clock::parse));
    }
    Ok(())
}

/// On the first start on a file `gatehouse restore` made: checks it (integrity, references,
/// the audit chain) and, when it holds, records where it came from in the audit trail. A file
/// that fails is refused, with the reason in one line.
// long: the checks, then the audit row and the mark in one transaction.
pub fn first_start(conn: &mut Connection, env: &Env) -> Result<(), Error> {
    let Some(restore) = store::unstarted_restore(conn)? else {
        return Ok(());
    };
    let refuse = |why: String| {
        Error::Internal(format!(
            "refusing to start: this file was restored from {} (position {}) and {why}",
            restore.source, restore.position
        ))
    };
    if let Some(problem) = db::check(conn)?.into_iter().next() {
        return Err(refuse(format!("fails its check: {problem}")));
    }
    let rows = db::audit::verify(conn).map_err(|e| refuse(format!("fails audit verify: {e}")))?;
    let tx = db::write(conn)?;
    let system = Actor {
        credential_kind: Some("system".into()),
        ..Actor::default()
    };
    let summary = serde_json::json!({
        "replica": restore.source,
        "position": restore.position,
        "pointInTime": restore.point_in_time,
        "restoredAt": restore.restored_at,
        "auditRowsVerified": rows,
    });
    audit::record(
        &tx,
        env,
        &system,
        Event::new("database.restore").summary(summary),
    )?;
    store::mark_started(&tx, restore.id, &env.clock.now_text())?;
    tx.commit()?;
    log::info!(
        "started on a file restored from {} at position {}",
        restore.source,
        restore.position
    );
    Ok(())
}
