//! What a person allowed each application, and taking it back: revoking a consent also ends
//! every token the application holds for them.

use crate::db;
use crate::db::oidc::{self as store, Consent};
use crate::domain::access::Principal;
use crate::error::Error;
use crate::ops::audit::{self, Actor, Event};
use crate::ops::Env;
use rusqlite::Connection;

/// The caller's own consents.
pub fn list(conn: &Connection, actor: &Principal) -> Result<Vec<Consent>, Error> {
    store::consents_of(conn, &actor.user_id)
}

/// Takes back the caller's consent to `client_id` and revokes the application's tokens.
pub fn revoke(
    conn: &mut Connection,
    env: &Env,
    actor: &Principal,
    client_id: &str,
) -> Result<(), Error> {
    let tx = db::write(conn)?;
    if !store::delete_consent(&tx, &actor.user_id, client_id)? {
        return Err(Error::not_found("consent"));
    }
    let revoked =
        store::revoke_client_tokens(&tx, &actor.user_id, client_id, &env.clock.now_text())?;
    let event = Event::new("oidc.consent_revoke")
        .target("oidc_client", client_id)
        .organisations(audit::organisations_of(&actor.memberships))
        .summary(serde_json::json!({"clientId": client_id, "tokensRevoked": revoked}));
    audit::record(&tx, env, &Actor::of(actor), event)?;
    tx.commit()?;
    crate::metrics::tokens_revoked(revoked as u64);
    Ok(())
}
