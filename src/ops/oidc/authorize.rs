//! The authorization endpoint's decisions (RFC 6749 section 4.1, OpenID Connect Core 3.1.2):
//! whom to trust with a redirect, whether the person must sign in (again), whether they must
//! consent, and the code. The edge only renders what this decides.

use super::clients::serves;
pub use super::request::Request;
use super::request::{asked, Asked};
use crate::db::oidc::{self as store, Client, Code, Consent};
use crate::db::{self, oidc::find_client};
use crate::domain::model::UserRecord;
use crate::error::Error;
use crate::ops::audit::{self, Actor, Event};
use crate::ops::{new_id, sessions, users, Env};
use crate::{clock, secrets};
use rusqlite::Connection;

/// The person's answer on the consent screen, with the session's CSRF token.
pub struct Answer {
    pub approve: bool,
    pub csrf_token: String,
}

/// What comes next.
pub enum Next {
    /// The person signs in (again) on Gatehouse's page and comes back; a sign-in counts only
    /// from `auth_after` (a Unix time) on.
    SignIn { auth_after: i64 },
    /// The person is asked whether the application may know what `scopes` name.
    Consent(Screen),
    /// Back to the application, with a code or an error (the whole URL).
    Redirect(String),
}

/// The consent screen.
pub struct Screen {
    pub client_name: String,
    pub scopes: Vec<String>,
    pub csrf_token: String,
    pub person: String,
}

/// A request that cannot be sent back to the application: the client or its redirect URI is
/// not one Gatehouse knows, so it is shown on Gatehouse's own page (never redirected).
pub enum Refused {
    Page(String),
    Failed(Error),
}

impl From<Error> for Refused {
    fn from(e: Error) -> Refused {
        Refused::Failed(e)
    }
}

/// A request whose client and redirect URI are known: from here on, errors go back to it.
struct Valid {
    client: Client,
    redirect_uri: String,
    state: Option<String>,
    issuer: String,
}

impl Valid {
    /// The application's redirect URI with `params`, `state` and `iss` (RFC 9207) added.
    fn back(&self, params: &[(&str, &str)]) -> String {
        let mut all: Vec<(&str, &str)> = params.to_vec();
        if let Some(state) = &self.state {
            all.push(("state", state));
        }
        all.push(("iss", &self.issuer));
        let query = serde_urlencoded::to_string(&all).unwrap_or_default();
        let join = if self.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{join}{query}", self.redirect_uri)
    }

    fn error(&self, error: &str, description: &str) -> Next {
        Next::Redirect(self.back(&[("error", error), ("error_description", description)]))
    }
}

/// Checks the client and the redirect URI: until both are known, nothing is redirected.
fn known(conn: &Connection, env: &Env, req: &Request) -> Result<Valid, Refused> {
    let id = req.client_id.as_deref().unwrap_or("");
    let Some((client, _)) = find_client(conn, id)? else {
        return Err(Refused::Page(if id.is_empty() {
            "The request names no application (client_id is missing).".into()
        } else {
            "The application that sent you here is not registered with Gatehouse (unknown client_id).".into()
        }));
    };
    let uri = req.redirect_uri.as_deref().unwrap_or("");
    if !client.redirect_uris.iter().any(|r| r == uri) {
        return Err(Refused::Page(format!(
            "The address {} is not registered for the application {}, so Gatehouse will not send you there (redirect_uri).",
            if uri.is_empty() { "(none)".to_string() } else { crate::logging::escape(uri) },
            client.name
        )));
    }
    Ok(Valid {
        redirect_uri: uri.to_string(),
        state: req.state.clone(),
        issuer: super::issuer(env),
        client,
    })
}

/// The person behind the session, and when they signed in; or what to do instead.
struct SignedIn {
    session: crate::db::tokens::Token,
    record: UserRecord,
    auth_time: i64,
}

fn signed_in(
    conn: &Connection,
    env: &Env,
    session: Option<&str>,
    asked: &Asked,
    valid: &Valid,
) -> Result<Result<SignedIn, Next>, Error> {
    let none = asked.prompt.iter().any(|p| p == "none");
    let now = env.clock.now().unix_timestamp();
    let again = |why: &str| match none {
        true => valid.error("login_required", why),
        false => Next::SignIn {
            auth_after: asked.signed_in_after.unwrap_or(0).min(now),
        },
    };
    let found = match session {
        Some(secret) => sessions::find(conn, env, secret)?,
        None => None,
    };
    let record = match &found {
        Some(s) => users::load_record(conn, &s.user_id)?,
        None => None,
    };
    let (Some(session), Some(record)) = (found, record) else {
        return Ok(Err(again("nobody is signed in to Gatehouse")));
    };
    let auth_time = clock::parse(&session.created_at).map_or(0, |t| t.unix_timestamp());
    let stale = asked.signed_in_after.is_some_and(|t| auth_time < t);
    // prompt=login: a sign-in made before this request never counts (the request that comes
    // back after it carries auth_after instead).
    let login = asked.prompt.iter().any(|p| p == "login");
    if record.user.must_change_password || stale || login {
        return Ok(Err(again("a new sign-in is needed")));
    }
    Ok(Ok(SignedIn {
        session,
        record,
        auth_time,
    }))
}

/// The whole decision. `session` is the browser session's cookie secret, if any; `answer`
/// the consent screen's, when this request is its submission.
pub fn decide(
    conn: &mut Connection,
    env: &Env,
    req: &Request,
    session: Option<&str>,
    answer: Option<Answer>,
    source: &str,
) -> Result<Next, Refused> {
    let valid = known(conn, env, req)?;
    let asked = match asked(req, &valid.client, env.clock.now().unix_timestamp()) {
        Ok(asked) => asked,
        Err((error, description)) => return Ok(valid.error(error, &description)),
    };
    let who = match signed_in(conn, env, session, &asked, &valid)? {
        Ok(who) => who,
        Err(next) => return Ok(next),
    };
    if !serves(&valid.client, &who.record) {
        return Ok(valid.error(
            "access_denied",
            "this application is only for members of the organisations it serves",
        ));
    }
    let consented = match consent(conn, env, &valid, &asked, &who, answer, source)? {
        Ok(consented) => consented,
        Err(next) => return Ok(next),
    };
    let grant = Grant {
        valid: &valid,
        who: &who,
        asked: &asked,
        consented,
        nonce: req.nonce.clone(),
        source,
    };
    let code = issue_code(conn, env, grant)?;
    Ok(Next::Redirect(valid.back(&[("code", &code)])))
}

/// The consent step: Ok(true) when the person just consented, Ok(false) when no consent is
/// needed, or what to do instead (the screen, or the refusal to send back).
fn consent(
    conn: &mut Connection,
    env: &Env,
    valid: &Valid,
    asked: &Asked,
    who: &SignedIn,
    answer: Option<Answer>,
    source: &str,
) -> Result<Result<bool, Next>, Refused> {
    let csrf = who.session.csrf_token.clone().unwrap_or_default();
    if let Some(a) = answer {
        if csrf.is_empty() || !secrets::equal(a.csrf_token.as_bytes(), csrf.as_bytes()) {
            return Err(Refused::Page(
                "The consent form has expired or did not come from Gatehouse; start again from the application.".into(),
            ));
        }
        if !a.approve {
            refuse_consent(conn, env, &valid.client, &who.record, source)?;
            return Ok(Err(
                valid.error("access_denied", "the person did not allow it")
            ));
        }
        return Ok(Ok(true));
    }
    if !needs_consent(conn, &valid.client, &who.record, asked)? {
        return Ok(Ok(false));
    }
    Ok(Err(match asked.prompt.iter().any(|p| p == "none") {
        true => valid.error(
            "consent_required",
            "the person has not allowed this application yet",
        ),
        false => Next::Consent(Screen {
            client_name: valid.client.name.clone(),
            scopes: asked.scopes.clone(),
            csrf_token: csrf,
            person: who.record.user.email.clone(),
        }),
    }))
}

fn needs_consent(
    conn: &Connection,
    client: &Client,
    record: &UserRecord,
    asked: &Asked,
) -> Result<bool, Error> {
    if asked.prompt.iter().any(|p| p == "consent") {
        return Ok(true);
    }
    if client.skip_consent {
        return Ok(false);
    }
    let given = store::find_consent(conn, &record.user.id, &client.id)?;
    Ok(!given.is_some_and(|c| {
        let allowed: Vec<&str> = c.scope.split(' ').collect();
        asked.scopes.iter().all(|s| allowed.contains(&s.as_str()))
    }))
}

fn refuse_consent(
    conn: &mut Connection,
    env: &Env,
    client: &Client,
    record: &UserRecord,
    source: &str,
) -> Result<(), Error> {
    let tx = db::write(conn)?;
    let actor = Actor::user(&tx, &record.user.id, "session", None, source)?;
    let event = Event::new("oidc.consent")
        .failed()
        .target("oidc_client", &client.id)
        .organisations(audit::organisations_of(&record.memberships))
        .summary(serde_json::json!({"clientId": client.id}));
    audit::record(&tx, env, &actor, event)?;
    tx.commit()?;
    Ok(())
}

/// What a code is issued for.
struct Grant<'a> {
    valid: &'a Valid,
    who: &'a SignedIn,
    asked: &'a Asked,
    consented: bool,
    nonce: Option<String>,
    source: &'a str,
}

/// Stores a new code (and the consent just given), audited; returns the code itself.
// long: the consent, the code and their audit rows are one transaction.
fn issue_code(conn: &mut Connection, env: &Env, g: Grant) -> Result<String, Error> {
    let now = env.clock.now();
    let id = new_id();
    let secret = crate::ops::tokens::secret_for("ghz_", &id)?;
    let scope = g.asked.scopes.join(" ");
    let client = &g.valid.client;
    let code = Code {
        id: id.clone(),
        client_id: client.id.clone(),
        user_id: g.who.record.user.id.clone(),
        redirect_uri: g.valid.redirect_uri.clone(),
        scope: scope.clone(),
        nonce: g.nonce,
        code_challenge: g.asked.challenge.clone(),
        auth_time: clock::format(
            time::OffsetDateTime::from_unix_timestamp(g.who.auth_time).unwrap_or(now),
        ),
        session_id: Some(g.who.session.id.clone()),
        family_id: new_id(),
        created_at: clock::format(now),
        expires_at: clock::format(now + super::CODE_LIFETIME),
        used_at: None,
    };
    let tx = db::write(conn)?;
    let actor = Actor::user(
        &tx,
        &code.user_id,
        "session",
        Some(g.who.session.id.clone()),
        g.source,
    )?;
    let orgs = audit::organisations_of(&g.who.record.memberships);
    if g.consented {
        let consent = Consent {
            user_id: code.user_id.clone(),
            client_id: client.id.clone(),
            client_name: client.name.clone(),
            scope: scope.clone(),
            granted_at: code.created_at.clone(),
        };
        store::upsert_consent(&tx, &consent)?;
        let event = Event::new("oidc.consent")
            .target("oidc_client", &client.id)
            .organisations(orgs.clone())
            .summary(serde_json::json!({"clientId": client.id, "scope": scope}));
        audit::record(&tx, env, &actor, event)?;
    }
    store::insert_code(&tx, &code, &secrets::digest(&secret))?;
    let event = Event::new("oidc.authorize").target("oidc_client", &client.id).organisations(orgs).summary(serde_json::json!({"clientId": client.id, "scope": scope, "redirectUri": code.redirect_uri}));
    audit::record(&tx, env, &actor, event)?;
    tx.commit()?;
    Ok(secret)
}
