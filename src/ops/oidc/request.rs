//! An authorization request as it came, and what it asks for once checked: response type,
//! scopes, PKCE, prompts and how recent a sign-in must be (RFC 6749 4.1.1, RFC 7636 4.3,
//! OpenID Connect Core 3.1.2.1). A refusal here goes back to the application.

use crate::db::oidc::Client;
use crate::domain::oidc;
use serde::Deserialize;

/// An authorization request, from the query (or the consent form, which carries it along).
/// Every field is text as it came, so that a wrong value is refused with what is wrong.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Request {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub prompt: Option<String>,
    pub max_age: Option<String>,
    /// Gatehouse's own: set when it sent the person to sign in, so that only a sign-in at or
    /// after this Unix time counts (`prompt=login`, `max_age`).
    pub auth_after: Option<String>,
}

/// What the request asks for, once checked: scopes, the PKCE challenge, and when a sign-in
/// must have happened. An error is the RFC's code and a description.
pub(super) struct Asked {
    pub scopes: Vec<String>,
    pub challenge: String,
    pub prompt: Vec<String>,
    pub signed_in_after: Option<i64>,
}

/// A refusal to send back: the RFC's error code and a description.
type Refusal = (&'static str, String);

fn invalid(description: &str) -> Refusal {
    ("invalid_request", description.to_string())
}

pub(super) fn asked(req: &Request, client: &Client, now: i64) -> Result<Asked, Refusal> {
    if req.response_type.as_deref() != Some("code") {
        let why = "response_type must be code".to_string();
        return Err(("unsupported_response_type", why));
    }
    let scopes = scopes_of(req, client)?;
    let challenge = challenge_of(req)?;
    let prompt = prompts_of(req)?;
    let max_age = seconds("max_age", &req.max_age)?.map(|m| now - m);
    let after = seconds("auth_after", &req.auth_after)?;
    let login = prompt.iter().any(|p| p == "login").then_some(now);
    let signed_in_after = [max_age, after, login].into_iter().flatten().max();
    Ok(Asked {
        scopes,
        challenge,
        prompt,
        signed_in_after,
    })
}

/// The scopes asked for (`openid` when none), each one the application may ask for.
fn scopes_of(req: &Request, client: &Client) -> Result<Vec<String>, Refusal> {
    let scopes = oidc::scopes("scope", req.scope.as_deref().unwrap_or("openid"))
        .map_err(|e| ("invalid_scope", e.public_message()))?;
    match scopes.iter().find(|s| !client.scopes.contains(s)) {
        Some(s) => Err((
            "invalid_scope",
            format!("this application may not ask for `{s}`"),
        )),
        None => Ok(scopes),
    }
}

/// The PKCE challenge: required, S256 only (RFC 7636; plain is refused).
fn challenge_of(req: &Request) -> Result<String, Refusal> {
    let challenge = req.code_challenge.clone().unwrap_or_default();
    if challenge.is_empty() {
        return Err(invalid(
            "PKCE is required: send code_challenge and code_challenge_method=S256",
        ));
    }
    if req.code_challenge_method.as_deref() != Some("S256") {
        return Err(invalid(
            "code_challenge_method must be S256; plain is refused",
        ));
    }
    if !oidc::is_challenge(&challenge) {
        return Err(invalid(
            "code_challenge must be 43 characters of base64url (SHA-256)",
        ));
    }
    Ok(challenge)
}

/// The prompts asked for: any of none, login, consent, select_account; none alone.
fn prompts_of(req: &Request) -> Result<Vec<String>, Refusal> {
    let known = ["none", "login", "consent", "select_account"];
    let prompt: Vec<String> = req
        .prompt
        .as_deref()
        .unwrap_or("")
        .split(' ')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(p) = prompt.iter().find(|p| !known.contains(&p.as_str())) {
        return Err(invalid(&format!(
            "prompt `{}` is not one of none, login, consent, select_account",
            crate::logging::escape(p)
        )));
    }
    if prompt.len() > 1 && prompt.iter().any(|p| p == "none") {
        return Err(invalid(
            "prompt=none cannot be combined with another prompt",
        ));
    }
    Ok(prompt)
}

/// A parameter that is a whole number of seconds, if present.
fn seconds(name: &str, value: &Option<String>) -> Result<Option<i64>, Refusal> {
    value
        .as_deref()
        .map(|t| {
            let n = t.parse::<i64>().ok().filter(|n| *n >= 0);
            n.ok_or_else(|| invalid(&format!("{name} must be a whole number of seconds")))
        })
        .transpose()
}
