//! The audit trail: append, read, verify the hash chain, prune.

use crate::error::Error;
use crate::secrets;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

/// The chain's starting hash on a database that was never pruned.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit row. `seq`, `prev_hash` and `hash` are filled in by `append`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<String>,
    pub actor_email: Option<String>,
    pub credential_kind: Option<String>,
    pub credential_id: Option<String>,
    pub source: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub outcome: String,
    pub organisations: Vec<String>,
    pub summary: serde_json::Value,
    /// The request that wrote the row (its `X-Request-Id`), when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip)]
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    /// The hash over this row's content and the previous row's hash.
    fn chain_hash(&self, prev_hash: &str) -> String {
        let organisations = serde_json::to_string(&self.organisations).unwrap_or_default();
        let summary = self.summary.to_string();
        let fields: [&str; 12] = [
            &self.at,
            self.actor_id.as_deref().unwrap_or(""),
            self.actor_email.as_deref().unwrap_or(""),
            self.credential_kind.as_deref().unwrap_or(""),
            self.credential_id.as_deref().unwrap_or(""),
            self.source.as_deref().unwrap_or(""),
            &self.action,
            self.target_type.as_deref().unwrap_or(""),
            self.target_id.as_deref().unwrap_or(""),
            &self.outcome,
            &organisations,
            &summary,
        ];
        let mut parts: Vec<&[u8]> = vec![prev_hash.as_bytes()];
        parts.extend(fields.iter().map(|f| f.as_bytes()));
        // Rows from before migration 9 have none and keep the hash they were written with.
        if let Some(id) = &self.request_id {
            parts.push(id.as_bytes());
        }
        secrets::hex(&secrets::digest_parts(&parts))
    }
}

const COLUMNS: &str =
    "seq, at, actor_id, actor_email, credential_kind, credential_id, source, action,
    target_type, target_id, outcome, organisations, summary, prev_hash, hash, request_id";

fn row(r: &Row) -> rusqlite::Result<AuditRow> {
    let organisations: String = r.get(11)?;
    let summary: String = r.get(12)?;
    Ok(AuditRow {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor_id: r.get(2)?,
        actor_email: r.get(3)?,
        credential_kind: r.get(4)?,
        credential_id: r.get(5)?,
        source: r.get(6)?,
        action: r.get(7)?,
        target_type: r.get(8)?,
        target_id: r.get(9)?,
        outcome: r.get(10)?,
        organisations: serde_json::from_str(&organisations).unwrap_or_default(),
        summary: serde_json::from_str(&summary).unwrap_or(serde_json::Value::Null),
        prev_hash: r.get(13)?,
        hash: r.get(14)?,
        request_id: r.get(15)?,
    })
}

fn last_hash(conn: &Connection) -> Result<String, Error> {
    let last: Option<String> = conn
        .prepare_cached("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?;
    match last {
        Some(hash) => Ok(hash),
        None => Ok(anchor(conn)?
            .map(|(_, h)| h)
            .unwrap_or_else(|| GENESIS.to_string())),
    }
}

fn anchor(conn: &Connection) -> Result<Option<(i64, String)>, Error> {
    let sql = "SELECT after_seq, hash FROM audit_anchor WHERE id = 1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Appends a row to the chain. Call inside the write transaction of the change it records.
pub fn append(conn: &Connection, event: &AuditRow) -> Result<(), Error> {
    let prev_hash = last_hash(conn)?;
    let hash = event.chain_hash(&prev_hash);
    conn.prepare_cached(&format!("INSERT INTO audit ({COLUMNS}) VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"))?.execute(params![
            event.at,
            event.actor_id,
            event.actor_email,
            event.credential_kind,
            event.credential_id,
            event.source,
            event.action,
            event.target_type,
            event.target_id,
            event.outcome,
            serde_json::to_string(&event.organisations).unwrap_or_else(|_| "[]".into()),
            event.summary.to_string(),
            prev_hash,
            hash,
            event.request_id
        ])?;
    Ok(())
}

/// What to read from the trail, newest first.
#[derive(Debug, Default, Clone)]
pub struct AuditQuery {
    /// None: everything. Some: rows concerning one of these organisations.
    pub organisations: Option<Vec<String>>,
    pub actor: Option<String>,
    /// Rows this person did or that were done to them: the text asked (an id or an email) and
    /// the id of the user it names.
    pub person: Option<String>,
    pub person_id: Option<String>,
    /// Rows concerning this organisation.
    pub organisation: Option<String>,
    pub target: Option<String>,
    pub action: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub before_seq: Option<i64>,
    pub limit: usize,
}

pub fn list(conn: &Connection, q: &AuditQuery) -> Result<Vec<AuditRow>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM audit
         WHERE {CONCERNING}
           AND (?2 IS NULL OR actor_id = ?2 OR actor_email = ?2 COLLATE NOCASE)
           AND (?3 IS NULL OR target_id = ?3)
           AND (?4 IS NULL OR action = ?4 OR action LIKE ?4 || '.%')
           AND (?5 IS NULL OR at >= ?5)
           AND (?6 IS NULL OR at <= ?6)
           AND (?7 IS NULL OR seq < ?7)
           AND (?9 IS NULL OR actor_id = ?9 OR actor_email = ?9 COLLATE NOCASE
                OR actor_id = ?10 OR target_id = ?10)
           AND (?11 IS NULL OR EXISTS (SELECT 1 FROM json_each(audit.organisations) o
                                       WHERE o.value = ?11))
         ORDER BY seq DESC LIMIT ?8"
    );
    let organisations = json_list(q.organisations.as_deref());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            organisations,
            q.actor,
            q.target,
            q.action,
            q.since,
            q.until,
            q.before_seq,
            q.limit as i64,
            q.person,
            q.person_id,
            q.organisation
        ],
        row,
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The organisations a reader may read, as the JSON list `CONCERNING` binds (None: all).
fn json_list(organisations: Option<&[String]>) -> Option<String> {
    organisations.map(|o| serde_json::to_string(o).unwrap_or_default())
}

/// The audit rows concerning one of `organisations` (None: every row), as a condition on `?1`.
const CONCERNING: &str = "(?1 IS NULL OR EXISTS (SELECT 1 FROM json_each(audit.organisations) o
    WHERE o.value IN (SELECT value FROM json_each(?1))))";

/// Sign-ins since `since`, by hour (`2026-12-01T14`) and outcome: (hour, succeeded, count).
pub fn sign_ins_by_hour(
    conn: &Connection,
    since: &str,
    organisations: Option<&[String]>,
) -> Result<Vec<(String, bool, i64)>, Error> {
    let sql = format!(
        "SELECT substr(at, 1, 13) AS hour, outcome = 'success', count(*) FROM audit
         WHERE at >= ?2 AND action = 'signin' AND {CONCERNING}
         GROUP BY hour, outcome ORDER BY hour"
    );
    let organisations = json_list(organisations);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![organisations, since], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many rows of `action` since `since`.
pub fn count_since(
    conn: &Connection,
    action: &str,
    since: &str,
    organisations: Option<&[String]>,
) -> Result<i64, Error> {
    let sql = format!("SELECT count(*) FROM audit WHERE at >= ?2 AND action = ?3 AND {CONCERNING}");
    let organisations = json_list(organisations);
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![organisations, since, action], |r| r.get(0))?)
}

/// The addresses most failed sign-ins came from since `since`, most first.
pub fn failing_sources(
    conn: &Connection,
    since: &str,
    organisations: Option<&[String]>,
    limit: usize,
) -> Result<Vec<(String, i64)>, Error> {
    let sql = format!(
        "SELECT source, count(*) AS n FROM audit
         WHERE at >= ?2 AND action = 'signin' AND outcome = 'failure' AND source IS NOT NULL
           AND {CONCERNING}
         GROUP BY source ORDER BY n DESC, source LIMIT ?3"
    );
    let organisations = json_list(organisations);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![organisations, since, limit as i64], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Walks the chain from its anchor; the error names the first row that does not fit.
pub fn verify(conn: &Connection) -> Result<i64, String> {
    let fail = |e: rusqlite::Error| e.to_string();
    let (after_seq, mut expected_prev) = anchor(conn)
        .map_err(|e| e.to_string())?
        .unwrap_or((0, GENESIS.to_string()));
    let mut stmt = conn
        .prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY seq"))
        .map_err(fail)?;
    let rows = stmt.query_map([], row).map_err(fail)?;
    let mut count = 0;
    let mut previous_seq = after_seq;
    for r in rows {
        let r = r.map_err(fail)?;
        if r.prev_hash != expected_prev {
            return Err(format!(
                "audit row {} does not follow row {previous_seq}: a row before it was removed, inserted or reordered",
                r.seq
            ));
        }
        if r.chain_hash(&r.prev_hash) != r.hash {
            return Err(format!(
                "audit row {} was changed after it was written",
                r.seq
            ));
        }
        expected_prev = r.hash.clone();
        previous_seq = r.seq;
        count += 1;
    }
    Ok(count)
}

/// Removes rows older than `before`, keeping the chain verifiable by recording the hash of the
/// last row removed. Returns how many rows went and the last seq removed.
pub fn prune(conn: &Connection, before: &str) -> Result<(i64, Option<i64>), Error> {
    let cut: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit WHERE at < ?1 ORDER BY seq DESC LIMIT 1",
            [before],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((seq, hash)) = cut else {
        return Ok((0, None));
    };
    conn.prepare_cached("UPDATE audit_guard SET pruning = 1 WHERE id = 1")?
        .execute([])?;
    let removed = conn
        .prepare_cached("DELETE FROM audit WHERE seq <= ?1")?
        .execute([seq])?;
    conn.prepare_cached("UPDATE audit_guard SET pruning = 0 WHERE id = 1")?
        .execute([])?;
    conn.prepare_cached(
        "INSERT INTO audit_anchor (id, after_seq, hash) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET after_seq = excluded.after_seq, hash = excluded.hash",
    )?
    .execute(params![seq, hash])?;
    Ok((removed as i64, Some(seq)))
}
