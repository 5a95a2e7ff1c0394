//! The rules of OpenID Connect that need no database: redirect URIs, scopes and PKCE.

use crate::error::Error;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The scopes Gatehouse knows: `openid` (an ID token), `profile` (names), `email`, and
/// `gatehouse` (memberships and modules). `offline_access` is accepted and changes nothing:
/// every code grant gets a refresh token.
pub const SCOPES: [&str; 4] = ["openid", "profile", "email", "gatehouse"];
const ACCEPTED_EXTRA: [&str; 1] = ["offline_access"];

/// A redirect URI a client may register: absolute, https (or http to a loopback address),
/// no fragment, no wildcard. Compared with what a request names by exact text.
pub fn redirect_uri(field: &str, text: &str) -> Result<String, Error> {
    let bad = |why: &str| Error::invalid(field, format!("`{text}` {why}"));
    if text.contains('*') {
        return Err(bad("has a wildcard; register each URI exactly"));
    }
    if text.contains('#') {
        return Err(bad("has a fragment (#), which a redirect URI may not have"));
    }
    let Some((scheme, host)) = scheme_and_host(text) else {
        return Err(bad(
            "is not an absolute URI such as https://app.plant.example/callback",
        ));
    };
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) || text.contains('@') {
        return Err(bad("has characters a redirect URI may not have"));
    }
    match scheme {
        "https" => Ok(text.to_string()),
        "http" if is_loopback(host) => Ok(text.to_string()),
        "http" => Err(bad(
            "uses http, which is allowed only for a loopback address (127.0.0.1, [::1], localhost)",
        )),
        _ => Err(bad("must be https (or http for a loopback address)")),
    }
}

/// The scheme and host of an absolute `scheme://host[:port][/path][?query]` URI.
fn scheme_and_host(text: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = text.split_once("://")?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let authority = rest.split(['/', '?']).next()?;
    let host = match authority.strip_prefix('[') {
        Some(v6) => &authority[..v6.find(']')? + 2],
        None => authority.split(':').next()?,
    };
    (scheme_ok && !host.is_empty()).then_some((scheme, host))
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The scopes of a request or a registration, known and without repeats; unknown ones are an
/// error naming them.
pub fn scopes(field: &str, text: &str) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for s in text.split(' ').filter(|s| !s.is_empty()) {
        if !SCOPES.contains(&s) && !ACCEPTED_EXTRA.contains(&s) {
            return Err(Error::invalid(
                field,
                format!(
                    "`{}` is not a scope Gatehouse knows; it knows {}",
                    crate::logging::escape(s),
                    SCOPES.join(", ")
                ),
            ));
        }
        if SCOPES.contains(&s) && !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    Ok(out)
}

/// Whether a PKCE verifier (RFC 7636) matches the S256 challenge made from it.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let shaped = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if !shaped {
        return false;
    }
    let made = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier));
    crate::secrets::equal(made.as_bytes(), challenge.as_bytes())
}

/// An S256 code challenge: 43 characters of base64url.
pub fn is_challenge(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_https_or_loopback_http_and_never_wildcards() {
        for good in [
            "https://app.plant.example/cb",
            "http://127.0.0.1:8080/cb",
            "http://localhost/cb",
            "http://[::1]:9/cb?x=1",
        ] {
            assert!(redirect_uri("r", good).is_ok(), "{good}");
        }
        for bad in [
            "http://app.plant.example/cb",
            "https://*.plant.example/cb",
            "https://app/cb#x",
            "/cb",
            "javascript:alert(1)",
            "https://user@app.example/cb",
            "ftp://app.example/",
        ] {
            assert!(redirect_uri("r", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scopes_are_known_ones_without_repeats() {
        assert_eq!(
            scopes("s", "openid  email openid offline_access").unwrap(),
            ["openid", "email"]
        );
        assert!(scopes("s", "openid admin").is_err());
    }

    #[test]
    fn pkce_takes_the_verifier_whose_sha256_is_the_challenge() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(is_challenge(challenge));
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK",
            challenge
        ));
        assert!(!pkce_matches("short", challenge));
    }
}
