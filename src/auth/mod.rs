//! Authentication: turns the credentials a request presents into a `Principal`.
//!
//! Accepted: `X-API-KEY` (header only, never the query string), HTTP Basic with email and
//! password, `Authorization: Bearer` access tokens, and the browser session cookie (with its
//! CSRF token on state-changing requests). Every failure is the same `Unauthenticated`,
//! whatever the reason, so that the answer does not tell which accounts exist; an unknown
//! email costs a bcrypt check too. Password checks, lockout and throttling are
//! `ops::signin`'s.

pub mod origin;

use crate::db::tokens::TokenKind;
use crate::domain::access::{Credential, Principal};
use crate::domain::model::{UserRecord, UserStatus};
use crate::error::Error;
use crate::ops::known::Recognition;
use crate::ops::signin::{self, Via};
use crate::ops::{self, lookup, Env};
use crate::state::AppState;
use crate::{clock, db, secrets};
use actix_web::http::{header, Method};
use actix_web::HttpRequest;
use base64::Engine;
use rusqlite::Connection;
use std::net::IpAddr;
use time::OffsetDateTime;

/// The credentials a request carries. `Debug` never shows a secret.
pub enum Presented {
    ApiKey(String),
    Basic { email: String, password: String },
    Bearer(String),
    Session(String),
    Nothing,
}

impl std::fmt::Debug for Presented {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Presented::ApiKey(_) => "ApiKey(..)",
            Presented::Basic { .. } => "Basic(..)",
            Presented::Bearer(_) => "Bearer(..)",
            Presented::Session(_) => "Session(..)",
            Presented::Nothing => "Nothing",
        })
    }
}

/// The session cookie's name: with TLS, the `__Host-` prefix binds it to this exact origin.
pub fn session_cookie_name(tls: bool) -> &'static str {
    if tls {
        "__Host-gatehouse_session"
    } else {
        "gatehouse_session"
    }
}

/// The cookie that carries the same session to `/oauth` when another site sends the person
/// there: SameSite=Lax (the admin page's own cookie is Strict, which a browser does not send
/// on a navigation that started elsewhere), and only for `/oauth`.
pub fn sso_cookie_name(tls: bool) -> &'static str {
    if tls {
        "__Secure-gatehouse_sso"
    } else {
        "gatehouse_sso"
    }
}

/// The browser session's cookie secret for `/oauth`: the admin page's cookie, or the one kept
/// for applications' redirects (SameSite=Lax, sent when another site sends the person here).
pub fn browser_session(req: &HttpRequest, config: &crate::config::Config) -> Option<String> {
    let tls = origin::secure_cookies(config);
    req.cookie(session_cookie_name(tls))
        .or_else(|| req.cookie(sso_cookie_name(tls)))
        .map(|c| c.value().to_string())
}

/// Reads the credentials from the headers (and the session cookie); malformed ones are simply
/// unauthenticated.
pub fn presented(req: &HttpRequest, tls: bool) -> Result<Presented, Error> {
    if let Some(key) = req.headers().get("x-api-key") {
        let key = key.to_str().map_err(|_| Error::Unauthenticated)?;
        return Ok(Presented::ApiKey(key.trim().to_string()));
    }
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(match req.cookie(session_cookie_name(tls)) {
            Some(cookie) => Presented::Session(cookie.value().to_string()),
            None => Presented::Nothing,
        });
    };
    let value = value.to_str().map_err(|_| Error::Unauthenticated)?;
    let (scheme, rest) = value.split_once(' ').ok_or(Error::Unauthenticated)?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Ok(Presented::Bearer(rest.trim().to_string()));
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(Error::Unauthenticated);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .map_err(|_| Error::Unauthenticated)?;
    let text = String::from_utf8(decoded).map_err(|_| Error::Unauthenticated)?;
    let (email, password) = text.split_once(':').ok_or(Error::Unauthenticated)?;
    Ok(Presented::Basic {
        email: email.to_string(),
        password: password.to_string(),
    })
}

/// The client's address: the TCP peer, or, when the peer is a trusted proxy, the nearest
/// untrusted address in X-Forwarded-For.
pub fn client_address(req: &HttpRequest, trusted: &[IpAddr]) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".into();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    forwarded
        .split(',')
        .rev()
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .find(|a| !trusted.contains(a))
        .unwrap_or(peer)
        .to_string()
}

/// What a cookie-authenticated request must show besides the cookie.
struct CsrfEvidence {
    state_changing: bool,
    header: Option<String>,
    origin_ok: bool,
}

/// Authenticates the request. Unless `allow_pending_password_change`, a user who must change
/// their password is refused with `PasswordChangeRequired`.
pub async fn authenticate(
    state: &AppState,
    req: &HttpRequest,
    allow_pending_password_change: bool,
) -> Result<Principal, Error> {
    let presented = presented(req, origin::secure_cookies(&state.env.config))?;
    authenticate_presented(state, req, presented, allow_pending_password_change).await
}

/// Authenticates a provisioning client (SCIM): what directories can send, an API key as the
/// Bearer token (Entra and Okta hold one long-lived secret) or a token from `/oauth/token`,
/// X-API-KEY or Basic; never the admin page's session cookie.
pub async fn authenticate_provisioning(
    state: &AppState,
    req: &HttpRequest,
) -> Result<Principal, Error> {
    let presented = match presented(req, origin::secure_cookies(&state.env.config))? {
        Presented::Bearer(secret) if secret.starts_with(ops::keys::KEY_PREFIX) => {
            Presented::ApiKey(secret)
        }
        Presented::Session(_) => Presented::Nothing,
        other => other,
    };
    authenticate_presented(state, req, presented, false).await
}

// long: the credential, the CSRF evidence and the pending-password rule, in order.
async fn authenticate_presented(
    state: &AppState,
    req: &HttpRequest,
    presented: Presented,
    allow_pending_password_change: bool,
) -> Result<Principal, Error> {
    let config = &state.env.config;
    // The admin page marks its requests; it gets no Basic challenge, which would make the
    // browser open its own password dialog over the page.
    let from_page = req.headers().contains_key("x-requested-with");
    let by_cookie = matches!(presented, Presented::Session(_));
    if matches!(presented, Presented::Nothing) {
        return Err(if from_page {
            Error::SignInRequired("sign in first".into())
        } else {
            Error::Unauthenticated
        });
    }
    let source = client_address(req, &config.lockout.trusted_proxies);
    let csrf = CsrfEvidence {
        state_changing: !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS),
        header: req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        origin_ok: origin::refuse_cross_site(req, config).is_ok(),
    };
    let seen = recognise(&state.env, &presented);
    let now = state.env.clock.now();
    if let Some(known) = seen.and_then(|s| recall(&state.env, &s, &presented, &source, now)) {
        return pending_rule(known, allow_pending_password_change);
    }
    let generation = state.env.known.generation();
    let (principal, expires) = state
        .run(move |conn, env| check(conn, env, presented, source, csrf))
        .await
        .map_err(|e| match e {
            Error::Unauthenticated if by_cookie || from_page => {
                Error::SignInRequired("your session has ended; sign in again".into())
            }
            other => other,
        })?;
    if let Some(seen) = seen {
        let known = &state.env.known;
        known.remember(seen, &principal, generation, now, expires);
    }
    pending_rule(principal, allow_pending_password_change)
}

fn pending_rule(principal: Principal, allow_pending: bool) -> Result<Principal, Error> {
    if principal.must_change_password && !allow_pending {
        return Err(Error::PasswordChangeRequired);
    }
    Ok(principal)
}

/// The key under which a caller presenting this is known: API keys, Bearer tokens and
/// passwords. Sessions are not (each state-changing request checks its CSRF token).
fn recognise(env: &Env, presented: &Presented) -> Option<Recognition> {
    // On a replica a change arrives in the file, not through this process, and nothing would
    // tell the memory of callers that a token was revoked: every request asks the file.
    if env.replica() {
        return None;
    }
    let known = &env.known;
    match presented {
        Presented::ApiKey(secret) => Some(known.recognise("api key", &[secret])),
        Presented::Bearer(secret) => Some(known.recognise("bearer", &[secret])),
        Presented::Basic { email, password } => {
            let email_key = crate::domain::fields::Email::key_of(email);
            Some(known.recognise("basic", &[&email_key, password]))
        }
        Presented::Session(_) | Presented::Nothing => None,
    }
}

/// A known caller, from this request's address; a password from an address the sign-in
/// throttle holds back is checked the long way (and refused there).
fn recall(
    env: &Env,
    seen: &Recognition,
    presented: &Presented,
    source: &str,
    now: OffsetDateTime,
) -> Option<Principal> {
    if matches!(presented, Presented::Basic { .. }) && env.throttle.blocked(env, source).is_some() {
        return None;
    }
    let mut principal = env.known.recall(seen, now)?;
    principal.source = source.to_string();
    Some(principal)
}

fn check(
    conn: &mut Connection,
    env: &Env,
    presented: Presented,
    source: String,
    csrf: CsrfEvidence,
) -> Result<(Principal, Option<OffsetDateTime>), Error> {
    let kind = match presented {
        Presented::ApiKey(_) => "api_key",
        Presented::Bearer(_) => "bearer",
        Presented::Session(_) => "session",
        // Counted by the password check itself.
        Presented::Basic { .. } | Presented::Nothing => "",
    };
    let checked = match presented {
        Presented::ApiKey(secret) => check_api_key(conn, env, &secret, source),
        Presented::Basic { email, password } => {
            let user_id = signin::password(conn, env, &email, &password, &source, Via::Basic)?;
            let principal = load_principal(conn, &user_id, Credential::Basic, source)?;
            Ok((principal, None))
        }
        Presented::Bearer(secret) => check_bearer(conn, env, &secret, source),
        Presented::Session(secret) => Ok((check_session(conn, env, &secret, source, csrf)?, None)),
        Presented::Nothing => Err(Error::Unauthenticated),
    };
    if !kind.is_empty() {
        let outcome = if checked.is_ok() {
            "success"
        } else {
            "failure"
        };
        crate::metrics::signin(kind, outcome);
    }
    checked
}

fn check_bearer(
    conn: &Connection,
    env: &Env,
    secret: &str,
    source: String,
) -> Result<(Principal, Option<OffsetDateTime>), Error> {
    let token = lookup::token(conn, secret, TokenKind::Access)?.ok_or(Error::Unauthenticated)?;
    let user_id = ops::tokens::live_user(conn, env, &token)?.ok_or(Error::Unauthenticated)?;
    // Text that does not parse has already been refused as expired by `live_user`.
    let expires = clock::parse(&token.expires_at);
    let principal = load_principal(conn, &user_id, Credential::Bearer(token.id), source)?;
    Ok((principal, expires))
}

fn check_session(
    conn: &Connection,
    env: &Env,
    secret: &str,
    source: String,
    csrf: CsrfEvidence,
) -> Result<Principal, Error> {
    let session = ops::sessions::find(conn, env, secret)?.ok_or(Error::Unauthenticated)?;
    if csrf.state_changing {
        if !csrf.origin_ok {
            return Err(Error::Forbidden("cross-origin request refused".into()));
        }
        let expected = session.csrf_token.as_deref().unwrap_or_default();
        let given = csrf.header.as_deref().unwrap_or_default();
        if expected.is_empty() || !secrets::equal(expected.as_bytes(), given.as_bytes()) {
            return Err(Error::Forbidden(
                "missing or wrong X-CSRF-Token header".into(),
            ));
        }
    }
    load_principal(
        conn,
        &session.user_id,
        Credential::Session(session.id),
        source,
    )
}

fn check_api_key(
    conn: &Connection,
    env: &Env,
    secret: &str,
    source: String,
) -> Result<(Principal, Option<OffsetDateTime>), Error> {
    let now = env.clock.now();
    let key = lookup::api_key(conn, secret, now)?.ok_or(Error::Unauthenticated)?;
    let expires = key.expires_at.as_deref().and_then(clock::parse);
    let principal = load_principal(
        conn,
        &key.user_id,
        Credential::ApiKey(key.id.clone()),
        source,
    )?;
    // At most once a minute, decided on what was read: an UPDATE that changes nothing would
    // still take the write lock on every read.
    let a_minute_ago = now - time::Duration::minutes(1);
    let last = key.last_used_at.as_deref().and_then(clock::parse);
    // A replica writes nothing, not even this: the key's last use is the primary's.
    if last.is_none_or(|at| at < a_minute_ago) && !env.replica() {
        let since = clock::format(a_minute_ago);
        db::keys::touch_key(conn, &key.id, &clock::format(now), &since)?;
    }
    Ok((principal, expires))
}

/// Loads an active user and their memberships as a principal.
pub fn load_principal(
    conn: &Connection,
    user_id: &str,
    credential: Credential,
    source: String,
) -> Result<Principal, Error> {
    let UserRecord {
        user, memberships, ..
    } = db::users::find_record(conn, user_id)?.ok_or(Error::Unauthenticated)?;
    if user.status != UserStatus::Active {
        return Err(Error::Unauthenticated);
    }
    Ok(Principal {
        user_id: user.id,
        email: user.email,
        superadmin: user.superadmin,
        must_change_password: user.must_change_password,
        can_introspect: user.can_introspect,
        memberships,
        credential,
        source,
    })
}
