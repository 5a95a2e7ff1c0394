//! OpenID Connect: Gatehouse signs people in for the plant's web applications and hands them
//! signed ID tokens; access tokens may be signed JWTs that HMIs check offline.
//!
//! `keys` holds the signing keys, `clients` the registered applications, `authorize` the
//! authorization endpoint's decisions, `code` the code exchange, `claims` what a token says
//! about its person, `consents` what a person allowed, `logout` RP-initiated logout.

pub mod authorize;
pub mod claims;
pub mod clients;
pub mod code;
pub mod consents;
pub mod jwt;
pub mod keys;
pub mod logout;
mod request;

use super::Env;

/// The issuer: `[server] public_url` when set, else the address the server listens at (or,
/// before it listens, the configured bind address).
pub fn issuer(env: &Env) -> String {
    if let Ok(Some(origin)) = env.config.server.public_origin() {
        return origin;
    }
    if let Some(listening) = env.listening.get() {
        return listening.clone();
    }
    let scheme = if env.config.tls.enabled() {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{}", env.config.server.bind)
}

/// How long an authorization code lives: long enough to be exchanged, short enough that a
/// leaked one is worth little (RFC 6749 section 4.1.2 recommends at most ten minutes).
pub const CODE_LIFETIME: time::Duration = time::Duration::minutes(1);

/// What `/oauth/userinfo` tells the holder of an access token: the claims its scope asks
/// for. A token from another grant (password, client credentials) was issued to the person
/// themselves, or to their own key, and gets every claim.
pub fn userinfo(
    conn: &rusqlite::Connection,
    caller: &crate::domain::access::Principal,
) -> Result<claims::Person, crate::error::Error> {
    use crate::domain::access::Credential;
    let token = match &caller.credential {
        Credential::Bearer(id) => crate::db::tokens::find_token_by_id(conn, id)?,
        _ => None,
    };
    let Some(token) = token else {
        return Err(crate::error::Error::Forbidden(
            "userinfo takes an access token (Authorization: Bearer)".into(),
        ));
    };
    let record = super::users::load_record(conn, &token.user_id)?
        .ok_or(crate::error::Error::Unauthenticated)?;
    let all = crate::domain::oidc::SCOPES.join(" ");
    let scope = token.scope.as_deref().unwrap_or(&all);
    let scopes: Vec<String> = scope.split(' ').map(str::to_string).collect();
    let organisations = match &token.client_id {
        Some(id) => crate::db::oidc::find_client(conn, id)?
            .map(|(c, _)| c.organisation_ids)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    Ok(claims::person(&record, &scopes, &organisations))
}

/// Where the admin page goes on after a sign-in it was sent to by `/oauth/authorize`: only
/// back to an authorization request of this server, never anywhere else.
pub fn continuation(next: Option<&str>) -> Option<String> {
    let next = next?;
    let clean = !next.chars().any(|c| c.is_control() || c == '\\');
    (next.starts_with("/oauth/authorize?") && clean).then(|| next.to_string())
}

/// Drops authorization codes that expired a day ago: until then a used code presented again
/// is still recognised as the replay it is.
pub fn forget_expired_codes(
    conn: &rusqlite::Connection,
    env: &Env,
) -> Result<usize, crate::error::Error> {
    let before = crate::clock::format(env.clock.now() - time::Duration::days(1));
    crate::db::oidc::delete_expired_codes(conn, &before)
}
