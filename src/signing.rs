//! Signing keys for ID tokens and JWT access tokens: making a key pair, signing claims and
//! checking a signature. The cryptography is the RustCrypto crates' (through jsonwebtoken's
//! pure-Rust backend); this file only chooses, encodes and names keys.

use crate::error::Error;
use jsonwebtoken::jwk::{Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The algorithms Gatehouse signs with: EdDSA (Ed25519) and ES256 (P-256) as the modern pair,
/// RS256 because OpenID Connect Discovery requires it and older clients know nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    EdDsa,
    Es256,
    Rs256,
}

impl Alg {
    pub const ALL: [Alg; 3] = [Alg::EdDsa, Alg::Es256, Alg::Rs256];

    pub fn as_str(self) -> &'static str {
        match self {
            Alg::EdDsa => "EdDSA",
            Alg::Es256 => "ES256",
            Alg::Rs256 => "RS256",
        }
    }

    pub fn parse(text: &str) -> Option<Alg> {
        Alg::ALL.into_iter().find(|a| a.as_str() == text)
    }

    fn jwt(self) -> Algorithm {
        match self {
            Alg::EdDsa => Algorithm::EdDSA,
            Alg::Es256 => Algorithm::ES256,
            Alg::Rs256 => Algorithm::RS256,
        }
    }

    fn encoding_key(self, der: &[u8]) -> EncodingKey {
        match self {
            Alg::EdDsa => EncodingKey::from_ed_der(der),
            Alg::Es256 => EncodingKey::from_ec_der(der),
            Alg::Rs256 => EncodingKey::from_rsa_der(der),
        }
    }
}

fn internal(what: &str) -> impl Fn(String) -> Error + '_ {
    move |e| Error::Internal(format!("{what}: {e}"))
}

/// A new private key of `alg`, DER-encoded as jsonwebtoken reads it: PKCS#8 for Ed25519 and
/// P-256, PKCS#1 for RSA.
pub fn generate(alg: Alg) -> Result<Vec<u8>, Error> {
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    let fail = internal("cannot make a signing key");
    match alg {
        Alg::EdDsa => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| fail(e.to_string()))?;
            // PKCS#8 v1, the seed alone: the form jsonwebtoken reads.
            let pair = ed25519_dalek::pkcs8::KeypairBytes {
                secret_key: seed,
                public_key: None,
            };
            let der = pair.to_pkcs8_der().map_err(|e| fail(e.to_string()))?;
            Ok(der.as_bytes().to_vec())
        }
        Alg::Es256 => {
            // A random scalar is a valid key unless it is zero or not below the group order:
            // a chance of about 2^-32; try again then.
            loop {
                let mut bytes = [0u8; 32];
                getrandom::fill(&mut bytes).map_err(|e| fail(e.to_string()))?;
                if let Ok(key) = p256::SecretKey::from_slice(&bytes) {
                    let der = key.to_pkcs8_der().map_err(|e| fail(e.to_string()))?;
                    return Ok(der.as_bytes().to_vec());
                }
            }
        }
        Alg::Rs256 => {
            use rsa::pkcs1::EncodeRsaPrivateKey;
            use rsa::Generate;
            let key = rsa::PrivateKey::try_generate().map_err(|e| fail(format!("{e:?}")))?;
            let der = key.to_pkcs1_der().map_err(|e| fail(e.to_string()))?;
            Ok(der.as_bytes().to_vec())
        }
    }
}

/// The public half of a private key as a JSON Web Key named `kid`, for the JWKS.
pub fn public_jwk(alg: Alg, der: &[u8], kid: &str) -> Result<Jwk, Error> {
    let mut jwk = Jwk::from_encoding_key(&alg.encoding_key(der), alg.jwt())
        .map_err(|e| Error::Internal(format!("cannot describe a signing key: {e}")))?;
    jwk.common.key_id = Some(kid.to_string());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    jwk.common.key_algorithm = Some(match alg {
        Alg::EdDsa => KeyAlgorithm::EdDSA,
        Alg::Es256 => KeyAlgorithm::ES256,
        Alg::Rs256 => KeyAlgorithm::RS256,
    });
    Ok(jwk)
}

/// `claims` signed with the private key `der` of `alg`, named `kid`, with the JOSE `typ`
/// (`JWT` for an ID token, `at+jwt` for an access token, RFC 9068).
pub fn sign(
    alg: Alg,
    der: &[u8],
    kid: &str,
    typ: &str,
    claims: &impl Serialize,
) -> Result<String, Error> {
    let mut header = Header::new(alg.jwt());
    header.kid = Some(kid.to_string());
    header.typ = Some(typ.to_string());
    jsonwebtoken::encode(&header, claims, &alg.encoding_key(der))
        .map_err(|e| Error::Internal(format!("cannot sign a token: {e}")))
}

/// The `kid` a token's header names, if it is a JWT at all.
pub fn key_id_of(token: &str) -> Option<String> {
    jsonwebtoken::decode_header(token).ok()?.kid
}

/// The claims of `token` when its signature checks out against `jwk` (expiry is the caller's
/// question: an ID token given as a logout hint may have expired). None for anything else.
pub fn verified<T: DeserializeOwned>(token: &str, jwk: &Jwk) -> Option<T> {
    let alg = jwk.common.key_algorithm.as_ref()?.to_string();
    let alg = Alg::parse(&alg)?;
    let key = DecodingKey::from_jwk(jwk).ok()?;
    let mut validation = Validation::new(alg.jwt());
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<T>(token, &key, &validation)
        .ok()
        .map(|d| d.claims)
}

/// The claims of a JWT read without checking its signature: only to find the stored record
/// that the whole token is then compared with.
pub fn unverified_claims<T: DeserializeOwned>(token: &str) -> Option<T> {
    jsonwebtoken::dangerous::insecure_decode::<T>(token)
        .ok()
        .map(|d| d.claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_signs_what_its_public_key_verifies_and_nothing_else() {
        for alg in Alg::ALL {
            let der = generate(alg).unwrap();
            let jwk = public_jwk(alg, &der, "k1").unwrap();
            let token = sign(alg, &der, "k1", "JWT", &serde_json::json!({"sub": "u"})).unwrap();
            assert_eq!(key_id_of(&token).as_deref(), Some("k1"));
            let claims: serde_json::Value = verified(&token, &jwk).unwrap();
            assert_eq!(claims["sub"], "u", "{alg:?}");
            let other = public_jwk(alg, &generate(alg).unwrap(), "k2").unwrap();
            assert!(verified::<serde_json::Value>(&token, &other).is_none());
            let public = serde_json::to_value(&jwk).unwrap();
            assert!(public.get("d").is_none(), "no private part: {public}");
        }
    }
}
