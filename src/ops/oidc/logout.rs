//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): an application sends the
//! person here to end their Gatehouse session, and names where to send them afterwards.
//! Without an ID token of theirs as the hint, the person confirms first, so that a link on
//! another site cannot sign anyone out.

use super::authorize::Refused;
use super::claims::IdToken;
use crate::db::oidc::find_client;
use crate::db::tokens::revoke_token;
use crate::db::{self, oidc::Client};
use crate::error::Error;
use crate::ops::audit::{self, Actor, Event};
use crate::ops::{sessions, Env};
use crate::secrets;
use rusqlite::Connection;
use serde::Deserialize;

#[derive(Debug, Default, Clone, Deserialize)]
pub struct Request {
    pub id_token_hint: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
    pub client_id: Option<String>,
}

pub enum Next {
    /// Ask the person to confirm (the form carries the session's CSRF token).
    Confirm {
        csrf_token: String,
        client_name: Option<String>,
    },
    /// Signed out (or nobody was signed in): go to `redirect`, or show that it is done.
    Done { redirect: Option<String> },
}

fn refused(message: &str) -> Refused {
    Refused::Page(message.to_string())
}

/// The ID token hint's claims, when it is one Gatehouse signed (expired or not).
fn hint(conn: &Connection, env: &Env, req: &Request) -> Result<Option<IdToken>, Refused> {
    let Some(text) = req.id_token_hint.as_deref().filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match super::keys::verify::<IdToken>(conn, env, text)? {
        Some(claims) => Ok(Some(claims)),
        None => Err(refused(
            "The id_token_hint is not an ID token Gatehouse issued.",
        )),
    }
}

/// Where to send the person afterwards: only a URI registered for the application.
fn destination(
    conn: &Connection,
    req: &Request,
    hint: Option<&IdToken>,
) -> Result<(Option<Client>, Option<String>), Refused> {
    let client_id = hint
        .map(|h| h.aud.clone())
        .or_else(|| req.client_id.clone());
    if let (Some(h), Some(named)) = (hint, &req.client_id) {
        if &h.aud != named {
            return Err(refused(
                "client_id is not the application the id_token_hint was issued to.",
            ));
        }
    }
    let client = match &client_id {
        Some(id) => find_client(conn, id)?.map(|(c, _)| c),
        None => None,
    };
    let Some(uri) = req
        .post_logout_redirect_uri
        .as_deref()
        .filter(|u| !u.is_empty())
    else {
        return Ok((client, None));
    };
    let registered = client
        .as_ref()
        .is_some_and(|c| c.post_logout_redirect_uris.iter().any(|r| r == uri));
    if !registered {
        return Err(refused("post_logout_redirect_uri is not registered for the application (send id_token_hint or client_id to name it)."));
    }
    let mut to = uri.to_string();
    if let Some(state) = &req.state {
        let query = serde_urlencoded::to_string([("state", state)]).unwrap_or_default();
        to.push(if to.contains('?') { '&' } else { '?' });
        to.push_str(&query);
    }
    Ok((client, Some(to)))
}

/// Ends the session `session` (the cookie's secret) when the hint names its person or the
/// person confirmed (`confirmed`: the CSRF token the confirmation form sent).
pub fn end(
    conn: &mut Connection,
    env: &Env,
    req: &Request,
    session: Option<&str>,
    confirmed: Option<&str>,
    source: &str,
) -> Result<Next, Refused> {
    let hint = hint(conn, env, req)?;
    let (client, redirect) = destination(conn, req, hint.as_ref())?;
    let found = match session {
        Some(secret) => sessions::find(conn, env, secret)?,
        None => None,
    };
    let Some(found) = found else {
        return Ok(Next::Done { redirect });
    };
    let csrf = found.csrf_token.clone().unwrap_or_default();
    let by_hint = hint.as_ref().is_some_and(|h| h.person.sub == found.user_id);
    let by_form = confirmed
        .is_some_and(|c| !csrf.is_empty() && secrets::equal(c.as_bytes(), csrf.as_bytes()));
    if !by_hint && !by_form {
        return Ok(Next::Confirm {
            csrf_token: csrf,
            client_name: client.map(|c| c.name),
        });
    }
    let client_id = client.map(|c| c.id);
    end_one(conn, env, &found, client_id, source)?;
    Ok(Next::Done { redirect })
}

/// Ends the session `found`, audited with the application that asked.
fn end_one(
    conn: &mut Connection,
    env: &Env,
    found: &crate::db::tokens::Token,
    client_id: Option<String>,
    source: &str,
) -> Result<(), Error> {
    let tx = db::write(conn)?;
    revoke_token(&tx, &found.id, &env.clock.now_text())?;
    let actor = Actor::user(
        &tx,
        &found.user_id,
        "session",
        Some(found.id.clone()),
        source,
    )?;
    let event = Event::new("oidc.logout")
        .target("session", &found.id)
        .organisations(audit::account_organisations_by_id(&tx, &found.user_id)?)
        .summary(serde_json::json!({"clientId": client_id}));
    audit::record(&tx, env, &actor, event)?;
    tx.commit()?;
    crate::metrics::tokens_revoked(1);
    Ok(())
}
