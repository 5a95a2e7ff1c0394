//! The request and answer bodies of `/api/v1/users`: what a client sends, parsed and checked
//! for shape here; every rule about what it may do is the operations'.

use crate::api::extract::present;
use crate::domain::model::Role;
use crate::error::Error;
use crate::ops::listing::UserFilter;
use crate::ops::users::{NewMembership, ScopeRef};
use serde::Deserialize;

/// Users counted at each place, by id.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(super) struct CountsByPlace {
    pub(super) organisations: std::collections::BTreeMap<String, u64>,
    pub(super) sites: std::collections::BTreeMap<String, u64>,
    pub(super) plants: std::collections::BTreeMap<String, u64>,
}

/// How many match, all pages together.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(super) struct Total {
    pub(super) total: u64,
}

/// A role at exactly one of an organisation, a site or a plant (also a line of
/// `gatehouse import`, which takes the fields of `POST /api/v1/users`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MembershipIn {
    pub(super) organisation_id: Option<String>,
    pub(super) site_id: Option<String>,
    pub(super) plant_id: Option<String>,
    #[schema(value_type = crate::domain::model::Role)]
    pub(super) role: String,
}

pub(super) fn one_scope(
    field: &str,
    org: Option<String>,
    site: Option<String>,
    plant: Option<String>,
) -> Result<Option<ScopeRef>, Error> {
    match (org, site, plant) {
        (Some(o), None, None) => Ok(Some(ScopeRef::Organisation(o))),
        (None, Some(s), None) => Ok(Some(ScopeRef::Site(s))),
        (None, None, Some(p)) => Ok(Some(ScopeRef::Plant(p))),
        (None, None, None) => Ok(None),
        _ => Err(Error::invalid(
            field,
            "give only one of organisationId, siteId, plantId",
        )),
    }
}

impl MembershipIn {
    pub(crate) fn into_request(self, field: &str) -> Result<NewMembership, Error> {
        let scope = one_scope(field, self.organisation_id, self.site_id, self.plant_id)?
            .ok_or_else(|| Error::invalid(field, "give one of organisationId, siteId, plantId"))?;
        Ok(NewMembership {
            scope,
            role: Role::parse(&self.role)?,
        })
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct NewUserIn {
    #[schema(value_type = crate::domain::fields::shapes::EmailAddress)]
    pub(super) email: String,
    #[schema(value_type = Option<crate::domain::fields::shapes::OptionalName>)]
    pub(super) first_name: Option<String>,
    #[schema(value_type = Option<crate::domain::fields::shapes::OptionalName>)]
    pub(super) last_name: Option<String>,
    #[schema(value_type = Option<crate::domain::fields::shapes::OptionalName>)]
    pub(super) display_name: Option<String>,
    #[schema(value_type = Option<crate::domain::fields::shapes::MobileNumber>)]
    pub(super) mobile_number: Option<String>,
    #[schema(value_type = Option<crate::domain::fields::shapes::CountryCode>)]
    pub(super) country_code: Option<String>,
    pub(super) password: Option<String>,
    #[serde(default)]
    pub(super) superadmin: bool,
    #[serde(default)]
    pub(super) memberships: Vec<MembershipIn>,
    #[serde(default)]
    #[schema(value_type = Vec<crate::domain::fields::shapes::Module>)]
    pub(super) modules: Vec<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct UserPatch {
    #[schema(value_type = Option<crate::domain::fields::shapes::EmailAddress>)]
    pub(super) email: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<crate::domain::fields::shapes::OptionalName>)]
    pub(super) first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<crate::domain::fields::shapes::OptionalName>)]
    pub(super) last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<crate::domain::fields::shapes::OptionalName>)]
    pub(super) display_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<crate::domain::fields::shapes::MobileNumber>)]
    pub(super) mobile_number: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<crate::domain::fields::shapes::CountryCode>)]
    pub(super) country_code: Option<Option<String>>,
    #[schema(value_type = Option<crate::domain::model::UserStatus>)]
    pub(super) status: Option<String>,
    pub(super) superadmin: Option<bool>,
    pub(super) can_introspect: Option<bool>,
    #[schema(value_type = Option<Vec<crate::domain::fields::shapes::Module>>)]
    pub(super) modules: Option<Vec<String>>,
    /// The scope that owns the account (a superadmin's change), or null for the system.
    #[serde(default, deserialize_with = "present")]
    pub(super) owner: Option<Option<OwnerIn>>,
    /// Needed when the caller changes their own email.
    pub(super) current_password: Option<String>,
}

/// An account's owner: exactly one of an organisation, a site or a plant.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct OwnerIn {
    pub(super) organisation_id: Option<String>,
    pub(super) site_id: Option<String>,
    pub(super) plant_id: Option<String>,
}

impl OwnerIn {
    pub(super) fn into_scope(self) -> Result<ScopeRef, Error> {
        one_scope("owner", self.organisation_id, self.site_id, self.plant_id)?
            .ok_or_else(|| Error::invalid("owner", "give one of organisationId, siteId, plantId"))
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct PasswordChange {
    pub(super) current_password: String,
    pub(super) new_password: String,
}

#[derive(Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ListQuery {
    pub(super) organisation_id: Option<String>,
    pub(super) site_id: Option<String>,
    pub(super) plant_id: Option<String>,
    #[param(value_type = Option<crate::domain::model::Role>)]
    #[schema(value_type = Option<crate::domain::model::Role>)]
    pub(super) role: Option<String>,
    pub(super) q: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    #[schema(minimum = 1, maximum = 500)]
    pub(super) limit: Option<usize>,
    /// The `nextCursor` of the page before.
    pub(super) cursor: Option<String>,
    #[param(value_type = Option<ListState>)]
    #[schema(value_type = Option<ListState>)]
    pub(super) state: Option<String>,
    #[param(value_type = Option<ListSort>)]
    #[schema(value_type = Option<ListSort>)]
    pub(super) sort: Option<String>,
    #[param(value_type = Option<SortOrder>)]
    #[schema(value_type = Option<SortOrder>)]
    pub(super) order: Option<String>,
}

/// The states the list filters on (the operations parse them; these only name them).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)]
pub(super) enum ListState {
    Active,
    Disabled,
    Locked,
    MustChangePassword,
}

/// The orders the list sorts in.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)]
pub(super) enum ListSort {
    Email,
    Name,
    LastSignIn,
    Status,
}

#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub(super) enum SortOrder {
    Asc,
    Desc,
}

impl ListQuery {
    pub(super) fn into_filter(self) -> Result<UserFilter, Error> {
        Ok(UserFilter {
            scope: one_scope(
                "organisationId",
                self.organisation_id,
                self.site_id,
                self.plant_id,
            )?,
            role: self.role,
            text: self.q,
            cursor: self.cursor,
            limit: self.limit,
            state: self.state,
            sort: self.sort,
            order: self.order,
        })
    }
}
