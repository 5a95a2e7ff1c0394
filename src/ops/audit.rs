//! The audit trail: what every operation records, and who may read it.
//!
//! Summaries are built field by field from what changed; no password, hash, key or token is
//! ever put in one.

use super::Env;
use crate::clock;
use crate::config::Retention;
use crate::db::audit::{self as store, AuditRow};
use crate::domain::access::Principal;
use crate::domain::model::{Membership, User};
use crate::error::Error;
use rusqlite::Connection;
use serde_json::Value;

mod reading;
pub use reading::{activity, list, Activity, AuditFilter, AuditPage, HourCount, NamedRow};

/// Who did something and from where; for sign-in failures, only the name they tried.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub id: Option<String>,
    pub email: Option<String>,
    pub credential_kind: Option<String>,
    pub credential_id: Option<String>,
    pub source: Option<String>,
}

impl Actor {
    /// A user acting through a credential that is not a request's principal (a grant, a
    /// sign-in), with their email looked up for the record.
    pub fn user(
        conn: &Connection,
        user_id: &str,
        kind: &str,
        credential_id: Option<String>,
        source: &str,
    ) -> Result<Actor, Error> {
        Ok(Actor {
            id: Some(user_id.to_string()),
            email: crate::db::users::find_user(conn, user_id)?.map(|u| u.email),
            credential_kind: Some(kind.to_string()),
            credential_id,
            source: Some(source.to_string()),
        })
    }

    pub fn of(p: &Principal) -> Actor {
        Actor {
            id: (!p.user_id.is_empty()).then(|| p.user_id.clone()),
            email: Some(p.email.clone()),
            credential_kind: Some(p.credential.kind().to_string()),
            credential_id: p.credential.id().map(str::to_string),
            source: Some(p.source.clone()),
        }
    }
}

/// One thing that happened.
#[derive(Debug, Clone)]
pub struct Event {
    pub action: &'static str,
    pub target: Option<(&'static str, String)>,
    pub success: bool,
    pub organisations: Vec<String>,
    pub summary: Value,
}

impl Event {
    pub fn new(action: &'static str) -> Event {
        Event {
            action,
            target: None,
            success: true,
            organisations: Vec::new(),
            summary: Value::Object(Default::default()),
        }
    }

    pub fn target(mut self, kind: &'static str, id: &str) -> Event {
        self.target = Some((kind, id.to_string()));
        self
    }

    pub fn failed(mut self) -> Event {
        self.success = false;
        self
    }

    pub fn organisations(mut self, ids: impl IntoIterator<Item = String>) -> Event {
        for id in ids {
            if !self.organisations.contains(&id) {
                self.organisations.push(id);
            }
        }
        self
    }

    pub fn summary(mut self, summary: Value) -> Event {
        self.summary = summary;
        self
    }
}

/// The organisations a set of memberships lies in.
pub fn organisations_of(memberships: &[Membership]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in memberships {
        if !out.contains(&m.scope.organisation_id) {
            out.push(m.scope.organisation_id.clone());
        }
    }
    out
}

/// The organisations an event about an account concerns: the one whose scope owns it, none
/// for an account the system owns. Joining other organisations later does not widen it, so
/// their admins never read what the account did elsewhere.
pub fn account_organisations(user: &User) -> Vec<String> {
    user.owner
        .iter()
        .map(|o| o.organisation_id.clone())
        .collect()
}

/// The same, looked up by id (a missing user concerns no organisation).
pub fn account_organisations_by_id(conn: &Connection, user_id: &str) -> Result<Vec<String>, Error> {
    Ok(crate::db::users::find_user(conn, user_id)?
        .map(|u| account_organisations(&u))
        .unwrap_or_default())
}

/// Appends the event; call inside the transaction of the change it records.
pub fn record(conn: &Connection, env: &Env, actor: &Actor, event: Event) -> Result<(), Error> {
    let (target_type, target_id) = match event.target {
        Some((kind, id)) => (Some(kind.to_string()), Some(id)),
        None => (None, None),
    };
    let row = AuditRow {
        at: env.clock.now_text(),
        actor_id: actor.id.clone(),
        actor_email: actor.email.clone(),
        credential_kind: actor.credential_kind.clone(),
        credential_id: actor.credential_id.clone(),
        source: actor.source.clone(),
        action: event.action.to_string(),
        target_type,
        target_id,
        outcome: if event.success { "success" } else { "failure" }.to_string(),
        organisations: event.organisations,
        summary: event.summary,
        request_id: crate::request_id::current().map(|id| id.to_string()),
        ..AuditRow::default()
    };
    store::append(conn, &row)
}

/// Removes audit rows older than the configured retention; the pruning is itself audited.
/// Returns how many rows were removed.
pub fn prune(conn: &mut Connection, env: &Env) -> Result<i64, Error> {
    let Retention::For(span) = env.config.audit.retention else {
        return Ok(0);
    };
    let keep = time::Duration::try_from(span.0).unwrap_or(time::Duration::MAX);
    let before = clock::format(
        env.clock
            .now()
            .checked_sub(keep)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    );
    let tx = crate::db::write(conn)?;
    let (removed, cut_at) = store::prune(&tx, &before)?;
    if removed > 0 {
        let system = Actor {
            credential_kind: Some("system".into()),
            ..Actor::default()
        };
        let summary = serde_json::json!({"removed": removed, "olderThan": before, "chainAnchoredAfter": cut_at});
        record(
            &tx,
            env,
            &system,
            Event::new("audit.prune").summary(summary),
        )?;
    }
    tx.commit()?;
    Ok(removed)
}
