//! A token after it was issued: whether it is still good, revocation (RFC 7009) and
//! introspection (RFC 7662).

use super::organisations;
use crate::clock;
use crate::db::tokens::{self as store, Token, TokenKind};
use crate::db::{self, keys, users};
use crate::domain::access::Principal;
use crate::domain::model::{Membership, UserStatus};
use crate::error::Error;
use crate::ops::audit::{self, Actor, Event};
use crate::ops::{lookup, Env};
use rusqlite::Connection;

/// RFC 7009: revokes the token if it exists (a refresh token takes its family with it).
/// Unknown tokens are not an error.
pub fn revoke(conn: &mut Connection, env: &Env, secret: &str, source: &str) -> Result<(), Error> {
    let Some(token) = lookup::oauth_token(conn, secret)? else {
        return Ok(());
    };
    let now = clock::format(env.clock.now());
    let tx = db::write(conn)?;
    let revoked = match token.kind {
        TokenKind::Refresh => store::revoke_family(&tx, &token.family_id, &now)?,
        _ => {
            store::revoke_token(&tx, &token.id, &now)?;
            1
        }
    };
    let actor = Actor::user(&tx, &token.user_id, "token", Some(token.id.clone()), source)?;
    let event = Event::new("token.revoke")
        .target("token", &token.id)
        .organisations(organisations(&tx, &token.user_id)?);
    audit::record(&tx, env, &actor, event)?;
    tx.commit()?;
    crate::metrics::tokens_revoked(revoked as u64);
    Ok(())
}

/// What introspection says of an active token.
pub struct Introspection {
    pub token: Token,
    pub email: String,
    pub superadmin: bool,
    pub memberships: Vec<Membership>,
    pub modules: Vec<String>,
}

/// RFC 7662, for superadmins and users a superadmin marked `canIntrospect`.
pub fn introspect(
    conn: &Connection,
    env: &Env,
    caller: &Principal,
    secret: &str,
) -> Result<Option<Introspection>, Error> {
    if !caller.may_introspect() {
        return Err(Error::Forbidden(
            "introspection needs a superadmin or a user with canIntrospect".into(),
        ));
    }
    let Some(token) = lookup::oauth_token(conn, secret)? else {
        return Ok(None);
    };
    if live_user(conn, env, &token)?.is_none() {
        return Ok(None);
    }
    let Some(record) = crate::ops::users::load_record(conn, &token.user_id)? else {
        return Ok(None);
    };
    Ok(Some(Introspection {
        email: record.user.email,
        superadmin: record.user.superadmin,
        memberships: record.memberships,
        modules: record.modules,
        token,
    }))
}

/// The token's user id when the token is still good: not revoked, not expired, issued at the
/// user's current credential epoch, its user active, and its API key (if any) still there.
pub fn live_user(conn: &Connection, env: &Env, token: &Token) -> Result<Option<String>, Error> {
    let now = env.clock.now();
    if token.revoked_at.is_some() || lookup::is_expired(Some(&token.expires_at), now) {
        return Ok(None);
    }
    if users::credential_epoch(conn, &token.user_id)? != Some(token.epoch) {
        return Ok(None);
    }
    let active =
        users::find_user(conn, &token.user_id)?.is_some_and(|u| u.status == UserStatus::Active);
    let key_ok = match &token.api_key_id {
        Some(id) => keys::find_key(conn, id)?
            .is_some_and(|k| !lookup::is_expired(k.expires_at.as_deref(), now)),
        None => true,
    };
    Ok((active && key_ok).then(|| token.user_id.clone()))
}
