//! Browser sessions: sign-in with email and password sets a cookie; each session has a CSRF
//! token that state-changing requests must echo, an idle timeout and an absolute one.

use super::audit::{self, Actor, Event};
use super::signin::{self, Via};
use super::tokens::issue;
use super::{new_id, Env};
use crate::db::tokens::{self as store, Token, TokenKind};
use crate::db::{self, users};
use crate::domain::access::Principal;
use crate::error::Error;
use crate::{clock, secrets};
use rusqlite::Connection;

/// A new session: the cookie's secret (shown once) and the stored record with its CSRF token.
pub struct NewSession {
    pub secret: String,
    pub session: Token,
}

pub fn login(
    conn: &mut Connection,
    env: &Env,
    email: &str,
    password: &str,
    source: &str,
) -> Result<NewSession, Error> {
    let user_id = signin::password(conn, env, email, password, source, Via::Login)?;
    let tx = db::write(conn)?;
    let epoch = users::credential_epoch(&tx, &user_id)?.ok_or(Error::Unauthenticated)?;
    let ttl = env.config.sessions.absolute_timeout.0;
    let (mut session, secret) = issue(env, TokenKind::Session, &user_id, epoch, &new_id(), ttl)?;
    session.csrf_token = Some(secrets::token("", 32)?);
    session.address = Some(source.to_string());
    store::insert_token(&tx, &session, &secrets::digest(&secret))?;
    let actor = Actor::user(&tx, &user_id, "session", Some(session.id.clone()), source)?;
    let orgs = audit::account_organisations_by_id(&tx, &user_id)?;
    audit::record(
        &tx,
        env,
        &actor,
        Event::new("session.create")
            .target("session", &session.id)
            .organisations(orgs),
    )?;
    tx.commit()?;
    crate::metrics::token_issued("session");
    Ok(NewSession { secret, session })
}

/// The live session with this cookie secret, touched for the idle timeout.
pub fn find(conn: &Connection, env: &Env, secret: &str) -> Result<Option<Token>, Error> {
    let Some(session) = super::lookup::token(conn, secret, TokenKind::Session)? else {
        return Ok(None);
    };
    if super::tokens::live_user(conn, env, &session)?.is_none() {
        return Ok(None);
    }
    let now = env.clock.now();
    let idle =
        time::Duration::try_from(env.config.sessions.idle_timeout.0).unwrap_or(time::Duration::MAX);
    let last = session.last_used_at.as_deref().and_then(clock::parse);
    if last.is_none_or(|at| at + idle <= now) {
        return Ok(None);
    }
    // Record use at most every tenth of the idle timeout (and at least once a minute), decided
    // on what was read, so that most reads write nothing and take no write lock.
    let step = std::cmp::min(idle / 10_i32, time::Duration::minutes(1));
    // A replica writes nothing: its sessions end at the idle timeout counted from their last
    // use on the primary.
    if last.is_some_and(|at| at < now - step) && !env.replica() {
        store::touch_token(
            conn,
            &session.id,
            &clock::format(now),
            &clock::format(now - step),
        )?;
    }
    Ok(Some(session))
}

/// A session by its id (the principal's credential), for describing it to its owner.
pub fn get(conn: &Connection, id: &str) -> Result<Token, Error> {
    store::find_token_by_id(conn, id)?
        .filter(|t| t.kind == TokenKind::Session)
        .ok_or(Error::Unauthenticated)
}

pub fn logout(conn: &mut Connection, env: &Env, actor: &Principal) -> Result<(), Error> {
    let crate::domain::access::Credential::Session(id) = &actor.credential else {
        return Err(Error::bad_request(
            "only a browser session signs out; revoke tokens with POST /oauth/revoke",
        ));
    };
    let tx = db::write(conn)?;
    store::revoke_token(&tx, id, &env.clock.now_text())?;
    let orgs = audit::account_organisations_by_id(&tx, &actor.user_id)?;
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        Event::new("session.end")
            .target("session", id)
            .organisations(orgs),
    )?;
    tx.commit()?;
    crate::metrics::tokens_revoked(1);
    Ok(())
}
