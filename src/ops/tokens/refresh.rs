//! The refresh grant: a refresh token for a new pair, rotating it. A token issued to an
//! OpenID Connect client keeps its client and scope, and a confidential client proves itself
//! again (RFC 6749 section 6).

use super::{issue_pair_in, organisations, required, GrantError, GrantRequest, Granted, Issue};
use crate::clock;
use crate::db::tokens::{self as store, Token, TokenKind};
use crate::db::{self, users};
use crate::domain::model::UserStatus;
use crate::error::Error;
use crate::ops::audit::{self, Actor, Event};
use crate::ops::Env;
use rusqlite::Connection;
use serde_json::json;

/// Exchanges a refresh token for new tokens. A used refresh token presented again means it was
/// stolen or replayed: every token of its family is revoked. Reading, rotating and issuing are
/// one IMMEDIATE transaction, so that of two concurrent refreshes exactly one wins and the
/// other is the replay.
// long: reading, the replay check, rotating and issuing must stay in one transaction, in this order.
pub(super) fn rotate(
    conn: &mut Connection,
    env: &Env,
    request: GrantRequest,
    source: &str,
) -> Result<Granted, GrantError> {
    let secret = required(request.refresh_token.clone(), "refresh_token")?;
    let invalid = || GrantError::InvalidGrant("the refresh token is not valid".into());
    let tx = db::write(conn)?;
    let found = crate::ops::lookup::token(&tx, &secret, TokenKind::Refresh)?;
    let Some(token) = found else {
        drop(tx);
        env.throttle.failed(env, source);
        return Err(invalid());
    };
    if !crate::ops::oidc::code::client_may_refresh(&tx, &token, &request)? {
        return Err(GrantError::InvalidClient);
    }
    let now = clock::format(env.clock.now());
    let actor = Actor::user(
        &tx,
        &token.user_id,
        "refresh_token",
        Some(token.id.clone()),
        source,
    )?;
    let orgs = organisations(&tx, &token.user_id)?;
    if !store::revoke_token(&tx, &token.id, &now)? {
        revoke_replayed_family(&tx, env, &actor, &token, orgs)?;
        tx.commit().map_err(Error::from)?;
        return Err(invalid());
    }
    if !still_good(&tx, env, &token)? {
        // Rolled back: the token stays as it was, and it can never be good again.
        return Err(invalid());
    }
    audit::record(
        &tx,
        env,
        &actor,
        Event::new("token.refresh")
            .target("token", &token.id)
            .organisations(orgs),
    )?;
    let issue = Issue {
        user_id: &token.user_id,
        api_key_id: None,
        audience: token.audience.clone(),
        source,
        family_id: &token.family_id,
        grant: "refresh_token",
        client_id: token.client_id.clone(),
        scope: token.scope.clone(),
    };
    let granted = issue_pair_in(&tx, env, issue)?;
    tx.commit().map_err(Error::from)?;
    Ok(granted)
}

/// A used refresh token came back: stolen or replayed. Every token of its family ends.
fn revoke_replayed_family(
    tx: &Connection,
    env: &Env,
    actor: &Actor,
    token: &Token,
    orgs: Vec<String>,
) -> Result<(), Error> {
    let revoked = store::revoke_family(tx, &token.family_id, &env.clock.now_text())?;
    let event = Event::new("token.replay")
        .failed()
        .target("token", &token.id)
        .organisations(orgs)
        .summary(json!({"family": token.family_id, "revoked": revoked}));
    audit::record(tx, env, actor, event)
}

/// A refresh token not expired, of an active user, at the user's current epoch.
fn still_good(tx: &Connection, env: &Env, token: &Token) -> Result<bool, Error> {
    let user = users::find_user(tx, &token.user_id)?;
    let epoch = users::credential_epoch(tx, &token.user_id)?;
    let expired = crate::ops::lookup::is_expired(Some(&token.expires_at), env.clock.now());
    let active = user.is_some_and(|u| u.status == UserStatus::Active);
    Ok(!expired && active && epoch == Some(token.epoch))
}
