//! The native API's JSON shapes (camelCase), built from the domain types.

use crate::db::keys::ApiKey;
use crate::domain::model::{
    Membership, Organisation, Plant, Role, Scope, ScopeType, Site, UserRecord, UserStatus,
};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationOut {
    pub id: String,
    pub name: String,
    pub domain: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Whether the caller may rename or delete it.
    pub can_manage: bool,
    /// Whether the caller may grant roles, create users and add structure here.
    pub can_administer: bool,
}

impl From<Organisation> for OrganisationOut {
    fn from(o: Organisation) -> Self {
        OrganisationOut {
            id: o.id,
            name: o.name,
            domain: o.domain,
            created_at: o.created_at,
            updated_at: o.updated_at,
            can_manage: o.rights.manage,
            can_administer: o.rights.administer,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SiteOut {
    pub id: String,
    pub organisation_id: String,
    pub organisation_name: String,
    pub name: String,
    pub timezone: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Whether the caller may rename or delete it.
    pub can_manage: bool,
    /// Whether the caller may grant roles, create users and add structure here.
    pub can_administer: bool,
}

impl From<Site> for SiteOut {
    fn from(s: Site) -> Self {
        SiteOut {
            id: s.id,
            organisation_id: s.organisation_id,
            organisation_name: s.organisation_name,
            name: s.name,
            timezone: s.timezone,
            created_at: s.created_at,
            updated_at: s.updated_at,
            can_manage: s.rights.manage,
            can_administer: s.rights.administer,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlantOut {
    pub id: String,
    pub site_id: String,
    pub site_name: String,
    pub organisation_id: String,
    pub organisation_name: String,
    pub name: String,
    pub created_at: String,
    pub updated_at: String,
    /// Whether the caller may rename or delete it.
    pub can_manage: bool,
    /// Whether the caller may grant roles, create users and add structure here.
    pub can_administer: bool,
}

impl From<Plant> for PlantOut {
    fn from(p: Plant) -> Self {
        PlantOut {
            id: p.id,
            site_id: p.site_id,
            site_name: p.site_name,
            organisation_id: p.organisation_id,
            organisation_name: p.organisation_name,
            name: p.name,
            created_at: p.created_at,
            updated_at: p.updated_at,
            can_manage: p.rights.manage,
            can_administer: p.rights.administer,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MembershipOut {
    pub id: String,
    pub scope_type: ScopeType,
    pub scope_id: String,
    pub scope_name: String,
    pub role: Role,
    /// The organisation the scope is in (the scope itself for an organisation's role).
    pub organisation_id: String,
    /// The site the scope is in, for a site's or a plant's role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_id: Option<String>,
}

impl From<&Membership> for MembershipOut {
    fn from(m: &Membership) -> Self {
        MembershipOut {
            id: m.id.clone(),
            scope_type: m.scope.kind(),
            scope_id: m.scope.id().to_string(),
            scope_name: m.scope_name.clone(),
            role: m.role,
            organisation_id: m.scope.organisation_id.clone(),
            site_id: m.scope.site_id.clone(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OwnerOut {
    pub scope_type: ScopeType,
    pub scope_id: String,
}

impl From<&Scope> for OwnerOut {
    fn from(s: &Scope) -> Self {
        OwnerOut {
            scope_type: s.kind(),
            scope_id: s.id().to_string(),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserOut {
    pub id: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: String,
    pub mobile_number: Option<String>,
    pub country_code: Option<String>,
    pub status: UserStatus,
    pub superadmin: bool,
    pub can_introspect: bool,
    pub must_change_password: bool,
    pub locked_until: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub last_login_at: Option<String>,
    pub memberships: Vec<MembershipOut>,
    pub modules: Vec<String>,
    /// The scope that owns the account; null for the system's accounts and for an owner the
    /// caller cannot see.
    pub owner: Option<OwnerOut>,
    /// Whether the caller may change, disable or delete this user (for the admin page).
    pub can_manage: bool,
    /// Only in the answer to a create without a password: shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary_password: Option<String>,
}

impl From<UserRecord> for UserOut {
    fn from(r: UserRecord) -> Self {
        let u = r.user;
        UserOut {
            id: u.id,
            email: u.email,
            first_name: u.first_name,
            last_name: u.last_name,
            display_name: u.display_name,
            mobile_number: u.mobile_number,
            country_code: u.country_code,
            status: u.status,
            superadmin: u.superadmin,
            can_introspect: u.can_introspect,
            must_change_password: u.must_change_password,
            locked_until: u.locked_until,
            created_at: u.created_at,
            updated_at: u.updated_at,
            last_login_at: u.last_login_at,
            memberships: r.memberships.iter().map(MembershipOut::from).collect(),
            modules: r.modules,
            owner: u.owner.as_ref().map(OwnerOut::from),
            can_manage: r.manageable,
            temporary_password: None,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyOut {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub expires_at: Option<String>,
    /// Only in the answer to a create: the whole key, shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl From<ApiKey> for ApiKeyOut {
    fn from(k: ApiKey) -> Self {
        ApiKeyOut {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            expires_at: k.expires_at,
            secret: None,
        }
    }
}

/// A list answer: `{items, nextCursor}`.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct List<T> {
    pub items: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<Option<String>>,
}

impl<T> List<T> {
    pub fn of<S: Into<T>>(items: Vec<S>) -> List<T> {
        List {
            items: items.into_iter().map(Into::into).collect(),
            next_cursor: None,
        }
    }
}
