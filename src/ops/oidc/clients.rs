//! The applications that sign people in with Gatehouse. A superadmin registers any; an
//! organisation admin registers applications for their own organisations' members.

use crate::db::oidc::{self as store, Client};
use crate::db::{self, structure};
use crate::domain::access::Principal;
use crate::domain::model::UserRecord;
use crate::domain::{fields, oidc};
use crate::error::Error;
use crate::ops::audit::{self, Actor, Event};
use crate::ops::{new_id, Env};
use crate::secrets;
use crate::signing::Alg;
use rusqlite::Connection;

/// Every secret of a confidential client starts with this, so that a leaked one is easy to
/// recognise in a scan.
pub const SECRET_PREFIX: &str = "ghc_";

/// What a registration or a change may set; None leaves a field as it is (or, when
/// registering, at its default).
#[derive(Debug, Default)]
pub struct ClientFields {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub public: Option<bool>,
    pub skip_consent: Option<bool>,
    pub scopes: Option<Vec<String>>,
    pub organisation_ids: Option<Vec<String>>,
    pub signing_alg: Option<String>,
}

/// A registered client; a confidential client's secret is here this once.
pub struct Registered {
    pub client: Client,
    pub secret: Option<String>,
}

fn uris(field: &str, list: &[String], required: bool) -> Result<Vec<String>, Error> {
    if required && list.is_empty() {
        return Err(Error::invalid(field, "must name at least one URI"));
    }
    let mut out: Vec<String> = Vec::new();
    for uri in list {
        let uri = oidc::redirect_uri(field, uri)?;
        if !out.contains(&uri) {
            out.push(uri);
        }
    }
    Ok(out)
}

/// Applies `fields` to `client`, checking each value, and the caller's right to the result.
// long: one check per field, in the order a person reads the form.
fn apply(
    conn: &Connection,
    actor: &Principal,
    client: &mut Client,
    f: ClientFields,
) -> Result<(), Error> {
    if let Some(name) = f.name {
        client.name = fields::name("name", &name)?;
    }
    if let Some(list) = f.redirect_uris {
        client.redirect_uris = uris("redirectUris", &list, true)?;
    }
    if let Some(list) = f.post_logout_redirect_uris {
        client.post_logout_redirect_uris = uris("postLogoutRedirectUris", &list, false)?;
    }
    if let Some(scopes) = f.scopes {
        let scopes = oidc::scopes("scopes", &scopes.join(" "))?;
        if !scopes.iter().any(|s| s == "openid") {
            return Err(Error::invalid("scopes", "must include openid"));
        }
        client.scopes = scopes;
    }
    if let Some(alg) = f.signing_alg {
        Alg::parse(&alg)
            .ok_or_else(|| Error::invalid("signingAlg", "must be one of EdDSA, ES256 and RS256"))?;
        client.signing_alg = alg;
    }
    if let Some(ids) = f.organisation_ids {
        client.organisation_ids = organisations(conn, ids)?;
    }
    if f.skip_consent.is_some_and(|s| s != client.skip_consent) && !actor.may_skip_consent() {
        return Err(Error::Forbidden(
            "only a superadmin lets an application skip the consent screen".into(),
        ));
    }
    client.skip_consent = f.skip_consent.unwrap_or(client.skip_consent);
    if !actor.may_manage_oidc_client(&client.organisation_ids) {
        return Err(Error::Forbidden(
            "an organisation admin registers applications only for organisations they administer (organisationIds)".into(),
        ));
    }
    Ok(())
}

/// Organisation ids that exist, without repeats.
fn organisations(conn: &Connection, ids: Vec<String>) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        if structure::find_organisation(conn, &id)?.is_none() {
            return Err(Error::invalid(
                "organisationIds",
                format!("there is no organisation `{}`", crate::logging::escape(&id)),
            ));
        }
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

fn event(action: &'static str, client: &Client) -> Event {
    Event::new(action)
        .target("oidc_client", &client.id)
        .organisations(client.organisation_ids.clone())
        .summary(serde_json::json!({
            "clientId": client.id, "name": client.name, "redirectUris": client.redirect_uris,
            "public": client.public, "skipConsent": client.skip_consent,
            "organisationIds": client.organisation_ids,
        }))
}

/// A new client before its fields are applied: every scope, ES256, for everyone.
fn blank(now: &str, public: bool) -> Client {
    Client {
        id: new_id(),
        name: String::new(),
        redirect_uris: Vec::new(),
        post_logout_redirect_uris: Vec::new(),
        public,
        skip_consent: false,
        scopes: oidc::SCOPES.iter().map(|s| s.to_string()).collect(),
        organisation_ids: Vec::new(),
        signing_alg: Alg::Es256.as_str().to_string(),
        created_at: now.to_string(),
        updated_at: now.to_string(),
    }
}

pub fn register(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    f: ClientFields,
) -> Result<Registered, Error> {
    let public = f.public.unwrap_or(false);
    let mut client = blank(&env.clock.now_text(), public);
    for (field, given) in [
        ("name", f.name.is_some()),
        ("redirectUris", f.redirect_uris.is_some()),
    ] {
        if !given {
            return Err(Error::invalid(field, "is required"));
        }
    }
    let tx = db::write(conn)?;
    apply(&tx, actor, &mut client, f)?;
    let secret = (!public)
        .then(|| secrets::token(SECRET_PREFIX, 32))
        .transpose()?;
    let hash = secret.as_deref().map(secrets::digest);
    store::insert_client(&tx, &client, hash.as_deref())?;
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        event("oidc_client.create", &client),
    )?;
    tx.commit()?;
    Ok(Registered { client, secret })
}

/// The clients the caller manages.
pub fn list(conn: &Connection, actor: &Principal) -> Result<Vec<Client>, Error> {
    Ok(store::list_clients(conn)?
        .into_iter()
        .filter(|c| actor.may_manage_oidc_client(&c.organisation_ids))
        .collect())
}

/// One client the caller manages; any other is "not found".
pub fn get(conn: &Connection, actor: &Principal, id: &str) -> Result<Client, Error> {
    store::find_client(conn, id)?
        .map(|(c, _)| c)
        .filter(|c| actor.may_manage_oidc_client(&c.organisation_ids))
        .ok_or_else(|| Error::not_found("OIDC client"))
}

pub fn change(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    id: &str,
    f: ClientFields,
) -> Result<Client, Error> {
    if f.public.is_some() {
        return Err(Error::invalid(
            "public",
            "cannot change; register a new client instead",
        ));
    }
    let tx = db::write(conn)?;
    let mut client = get(&tx, actor, id)?;
    apply(&tx, actor, &mut client, f)?;
    client.updated_at = env.clock.now_text();
    store::update_client(&tx, &client)?;
    audit::record(
        &tx,
        env,
        &Actor::of(actor),
        event("oidc_client.update", &client),
    )?;
    tx.commit()?;
    Ok(client)
}

/// Removes a client, its codes and consents, and revokes every token issued to it.
pub fn remove(conn: &mut Connection, env: &Env, actor: &Principal, id: &str) -> Result<(), Error> {
    let tx = db::write(conn)?;
    let client = get(&tx, actor, id)?;
    let revoked = store::revoke_all_client_tokens(&tx, id, &env.clock.now_text())?;
    store::delete_client(&tx, id)?;
    let event = event("oidc_client.delete", &client);
    let summary =
        serde_json::json!({"clientId": client.id, "name": client.name, "tokensRevoked": revoked});
    audit::record(&tx, env, &Actor::of(actor), event.summary(summary))?;
    tx.commit()?;
    Ok(())
}

/// The client a token request names, when its credentials are right: a confidential client's
/// secret, compared in constant time; a public client has none (PKCE proves it instead).
pub fn authenticate(
    conn: &Connection,
    id: &str,
    secret: Option<&str>,
) -> Result<Option<Client>, Error> {
    let Some((client, stored)) = store::find_client(conn, id)? else {
        return Ok(None);
    };
    let ok = match (&stored, secret) {
        (None, None) => true,
        (Some(hash), Some(secret)) => secrets::equal(hash, &secrets::digest(secret)),
        _ => false,
    };
    Ok(ok.then_some(client))
}

/// Whether an application limited to some organisations serves this person: they hold a
/// role in one of them.
pub fn serves(client: &Client, record: &UserRecord) -> bool {
    client.organisation_ids.is_empty()
        || record
            .memberships
            .iter()
            .any(|m| client.organisation_ids.contains(&m.scope.organisation_id))
}
