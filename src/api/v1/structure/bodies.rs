//! The request bodies and filters of `/api/v1/organisations`, `/sites` and `/plants`.

use crate::api::extract::present;
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewOrganisation {
    #[schema(format = "uuid")]
    pub(super) id: Option<String>,
    #[schema(value_type = crate::domain::fields::shapes::Name)]
    pub(super) name: String,
    #[schema(value_type = Option<crate::domain::fields::shapes::Domain>)]
    pub(super) domain: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct OrganisationPatch {
    #[schema(value_type = Option<crate::domain::fields::shapes::Name>)]
    pub(super) name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<crate::domain::fields::shapes::Domain>)]
    pub(super) domain: Option<Option<String>>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct NewSite {
    #[schema(format = "uuid")]
    pub(super) id: Option<String>,
    pub(super) organisation_id: String,
    #[schema(value_type = crate::domain::fields::shapes::Name)]
    pub(super) name: String,
    #[schema(value_type = Option<crate::domain::fields::shapes::TimeZone>)]
    pub(super) timezone: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SitePatch {
    #[schema(value_type = Option<crate::domain::fields::shapes::Name>)]
    pub(super) name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<crate::domain::fields::shapes::TimeZone>)]
    pub(super) timezone: Option<Option<String>>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct NewPlant {
    #[schema(format = "uuid")]
    pub(super) id: Option<String>,
    pub(super) site_id: String,
    #[schema(value_type = crate::domain::fields::shapes::Name)]
    pub(super) name: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PlantPatch {
    #[schema(value_type = Option<crate::domain::fields::shapes::Name>)]
    pub(super) name: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct SiteFilter {
    pub(super) organisation_id: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct PlantFilter {
    pub(super) site_id: Option<String>,
}
