//! What a token says about its person: the standard claims a scope asks for, and Gatehouse's
//! own `memberships` and `modules`, limited to the organisations the application serves.

use crate::domain::model::{Membership, UserRecord};
use serde::{Deserialize, Serialize};

/// One role held at one scope, as tokens and userinfo carry it (the shape introspection uses,
/// with the scope's name).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MembershipClaim {
    /// `organisation`, `site` or `plant`.
    pub scope_type: String,
    pub scope_id: String,
    pub name: String,
    pub role: String,
    pub organisation_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plant_id: Option<String>,
}

impl From<&Membership> for MembershipClaim {
    fn from(m: &Membership) -> MembershipClaim {
        MembershipClaim {
            scope_type: m.scope.kind().as_str().to_string(),
            scope_id: m.scope.id().to_string(),
            name: m.scope_name.clone(),
            role: m.role.as_str().to_string(),
            organisation_id: m.scope.organisation_id.clone(),
            site_id: m.scope.site_id.clone(),
            plant_id: m.scope.plant_id.clone(),
        }
    }
}

/// The memberships an application may learn of: all of them, or for an application limited
/// to some organisations, those within them.
pub fn memberships_for(record: &UserRecord, organisations: &[String]) -> Vec<MembershipClaim> {
    record
        .memberships
        .iter()
        .filter(|m| organisations.is_empty() || organisations.contains(&m.scope.organisation_id))
        .map(MembershipClaim::from)
        .collect()
}

/// The claims about a person that `scopes` ask for (OpenID Connect Core section 5.4).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Person {
    /// The user's id.
    pub sub: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Always false: Gatehouse sends no mail, so it has never verified an address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memberships: Option<Vec<MembershipClaim>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modules: Option<Vec<String>>,
}

/// The person's claims for `scopes`, for an application serving `organisations` (empty: all).
pub fn person(record: &UserRecord, scopes: &[String], organisations: &[String]) -> Person {
    let has = |s: &str| scopes.iter().any(|x| x == s);
    let user = &record.user;
    let mut out = Person {
        sub: user.id.clone(),
        ..Person::default()
    };
    if has("email") {
        out.email = Some(user.email.clone());
        out.email_verified = Some(false);
    }
    if has("profile") {
        out.name = Some(user.display_name.clone());
        out.given_name = user.first_name.clone();
        out.family_name = user.last_name.clone();
    }
    if has("gatehouse") {
        out.memberships = Some(memberships_for(record, organisations));
        out.modules = Some(record.modules.clone());
    }
    out
}

/// An ID token's claims (OpenID Connect Core section 2).
#[derive(Debug, Serialize, Deserialize)]
pub struct IdToken {
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub auth_time: i64,
    /// The client the token was issued to (section 2: `azp`).
    pub azp: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(flatten)]
    pub person: Person,
}

/// A JWT access token's claims (RFC 9068): who, for whom, until when, and what they hold.
#[derive(Debug, Serialize, Deserialize)]
pub struct AccessToken {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub client_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    pub memberships: Vec<MembershipClaim>,
    pub modules: Vec<String>,
}

/// Every claim the provider may put in a token or userinfo, for discovery.
pub const SUPPORTED: [&str; 16] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "azp",
    "email",
    "email_verified",
    "name",
    "given_name",
    "family_name",
    "memberships",
    "modules",
    "client_id",
];
