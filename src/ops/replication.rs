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

/// Where a replica stands, for `/health`.
pub struct Standing {
    /// Seconds since the primary's last heartbeat that reached the file, as last probed.
    pub lag: Option<f64>,
    /// The position `litestream restore -f` says it has applied.
    pub position: Option<String>,
    pub primary: Option<String>,
}

/// Where this Gatehouse stands as a replica; None on a primary.
pub fn standing(env: &Env) -> Option<Standing> {
    env.replica().then(|| Standing {
        lag: env.health.lag(env.clock.now()),
        position: db::replica::followed_position(&env.config.database.path),
        primary: env.config.replica.primary_url.clone(),
    })
}

/// On the first start on a restored file: checks it (integrity, references, the audit chain)
/// and, when it holds, records where it came from in the audit trail. A file that fails is
/// refused, with the reason in one line. A file is a restored one when `gatehouse restore`
/// marked it, or when it carries Litestream's tables but no Litestream replicates it here (a
/// plain `litestream restore`) and no start has checked it before.
pub fn first_start(conn: &mut Connection, env: &Env) -> Result<(), Error> {
    let Some(restore) = restore_to_check(conn, env)? else {
        return Ok(());
    };
    let rows = verify(conn, &restore)?;
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
    let now = env.clock.now_text();
    match restore.id {
        0 => store::insert_started_restore(&tx, &restore, &now)?,
        id => store::mark_started(&tx, id, &now)?,
    }
    tx.commit()?;
    log::info!(
        "started on a file restored from {} at position {}",
        restore.source,
        restore.position
    );
    Ok(())
}

/// The restore this start must check, if any (id 0: one `gatehouse restore` did not mark).
fn restore_to_check(conn: &Connection, env: &Env) -> Result<Option<store::Restore>, Error> {
    if let Some(marked) = store::unstarted_restore(conn)? {
        return Ok(Some(marked));
    }
    let unmarked = store::has_litestream_tables(conn)?
        && !crate::litestream::replicates(&env.config.database.path)
        && !store::any_started_restore(conn)?;
    Ok(unmarked.then(|| store::Restore {
        id: 0,
        source: "a copy made outside gatehouse restore (it carries Litestream's tables)".into(),
        position: "unknown".into(),
        point_in_time: None,
        restored_at: env.clock.now_text(),
    }))
}

/// Checks a restored file; the number of audit rows verified, or why it is refused.
fn verify(conn: &Connection, restore: &store::Restore) -> Result<i64, Error> {
    let refuse = |why: String| {
        Error::Internal(format!(
            "refusing to start: this file was restored from {} (position {}) and {why}",
            restore.source, restore.position
        ))
    };
    if let Some(problem) = db::check(conn)?.into_iter().next() {
        return Err(refuse(format!("fails its check: {problem}")));
    }
    db::audit::verify(conn).map_err(|e| refuse(format!("fails audit verify: {e}")))
}
