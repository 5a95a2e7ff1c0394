//! `[tokens]`: what OAuth access tokens are (opaque or signed JWTs), how long they live, and
//! what JWTs are signed with.

use super::Span;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tokens {
    /// Lifetime of an OAuth access token; unset, an hour for opaque tokens and ten minutes for
    /// JWTs (an offline verifier accepts a revoked JWT until it expires).
    pub access_ttl: Option<Span>,
    /// Lifetime of an OAuth refresh token.
    pub refresh_ttl: Span,
    /// What an access token is: `opaque` (random, checked by asking Gatehouse) or `jwt`
    /// (signed, RFC 9068, checked offline with the JWKS).
    pub format: TokenFormat,
    /// The algorithm JWT access tokens are signed with when no OpenID Connect client chose one.
    pub signing_alg: SigningAlg,
}

impl Tokens {
    /// The access token lifetime in force.
    pub fn access_lifetime(&self) -> Duration {
        match (self.access_ttl, self.format) {
            (Some(span), _) => span.0,
            (None, TokenFormat::Opaque) => Duration::from_secs(3600),
            (None, TokenFormat::Jwt) => Duration::from_secs(600),
        }
    }
}

/// `[tokens] format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenFormat {
    #[default]
    Opaque,
    Jwt,
}

/// A signing algorithm named in the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum SigningAlg {
    EdDSA,
    #[default]
    ES256,
    RS256,
}

impl SigningAlg {
    pub fn alg(self) -> crate::signing::Alg {
        match self {
            SigningAlg::EdDSA => crate::signing::Alg::EdDsa,
            SigningAlg::ES256 => crate::signing::Alg::Es256,
            SigningAlg::RS256 => crate::signing::Alg::Rs256,
        }
    }
}

impl Default for Tokens {
    fn default() -> Self {
        Tokens {
            access_ttl: None,
            refresh_ttl: Span(Duration::from_secs(30 * 86_400)),
            format: TokenFormat::Opaque,
            signing_alg: SigningAlg::ES256,
        }
    }
}
