//! A service's grant (`client_credentials`): its API key's id and secret for an access token,
//! no refresh token. Small and asked for often, it can share a transaction with other writes.

use super::{issue_pair_in, new_id, required, Env, GrantError, GrantRequest, Granted, Issue};
use crate::db;
use crate::db::users;
use crate::domain::model::UserStatus;
use crate::error::Error;
use crate::ops::audit::{self, Actor, Event};
use crate::ops::lookup;
use rusqlite::Connection;
use serde_json::json;

/// How a grant is best run. A client's grant (a key looked up by its SHA-256, one token and
/// one audit row written, no password hashed) is small and asked for often: it shares a
/// transaction with the other writes waiting then. Grants with a password or a refresh token
/// run alone (bcrypt must not hold others' commit; a rotation decides on what it reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantPlan {
    Shared,
    Alone,
}

pub fn plan(request: &GrantRequest) -> GrantPlan {
    match request.grant_type.as_deref() {
        Some("client_credentials") => GrantPlan::Shared,
        _ => GrantPlan::Alone,
    }
}

/// A grant inside the caller's write transaction (`GrantPlan::Shared`). The outer error is
/// for what must be rolled back; a refused client is an answer, and its trace is kept.
pub fn grant_in(
    tx: &Connection,
    env: &Env,
    request: GrantRequest,
    source: &str,
) -> Result<Result<Granted, GrantError>, Error> {
    let granted = required(request.grant_type.clone(), "grant_type").and_then(|grant| {
        if grant != "client_credentials" {
            return Err(GrantError::InvalidRequest(
                "only client_credentials runs in a shared transaction".into(),
            ));
        }
        let client_id = required(request.client_id, "client_id")?;
        let client_secret = required(request.client_secret, "client_secret")?;
        client_credentials_in(
            tx,
            env,
            &client_id,
            &client_secret,
            request.audience,
            source,
        )
    });
    match granted {
        Err(GrantError::Internal(e)) => Err(e),
        other => Ok(other),
    }
}

pub(super) fn client_credentials(
    conn: &mut Connection,
    env: &Env,
    request: GrantRequest,
    source: &str,
) -> Result<Granted, GrantError> {
    let tx = db::write(conn)?;
    // A refused client is committed too: its trace stays.
    let granted = grant_in(&tx, env, request, source)?;
    tx.commit().map_err(Error::from)?;
    granted
}

fn client_credentials_in(
    tx: &Connection,
    env: &Env,
    client_id: &str,
    client_secret: &str,
    audience: Option<String>,
    source: &str,
) -> Result<Granted, GrantError> {
    if let Some(wait) = env.throttle.blocked(env, source) {
        crate::metrics::signin("client_credentials", "throttled");
        crate::metrics::throttled();
        return Err(GrantError::Throttled(wait));
    }
    let usable = lookup::api_key(tx, client_secret, env.clock.now())?.filter(|k| k.id == client_id);
    let owner_active = match &usable {
        Some(k) => {
            users::find_user(tx, &k.user_id)?.is_some_and(|u| u.status == UserStatus::Active)
        }
        None => false,
    };
    let Some(key) = usable.filter(|_| owner_active) else {
        env.throttle.failed(env, source);
        record_bad_client(tx, env, client_id, source)?;
        crate::metrics::signin("client_credentials", "failure");
        return Err(GrantError::InvalidClient);
    };
    crate::metrics::signin("client_credentials", "success");
    let issue = Issue {
        user_id: &key.user_id,
        api_key_id: Some(key.id.clone()),
        audience,
        source,
        family_id: &new_id(),
        grant: "client_credentials",
        client_id: None,
        scope: None,
    };
    issue_pair_in(tx, env, issue)
}

/// A client that failed to authenticate leaves its trace.
fn record_bad_client(
    tx: &Connection,
    env: &Env,
    client_id: &str,
    source: &str,
) -> Result<(), Error> {
    let actor = Actor {
        credential_kind: Some("api_key".into()),
        credential_id: Some(crate::logging::escape(client_id)),
        source: Some(source.into()),
        ..Actor::default()
    };
    let event = Event::new("token.issue")
        .failed()
        .summary(json!({"grant": "client_credentials"}));
    audit::record(tx, env, &actor, event)
}
