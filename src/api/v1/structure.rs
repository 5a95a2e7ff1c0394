//! `/api/v1/organisations`, `/api/v1/sites`, `/api/v1/plants`.

use super::wire::{List, OrganisationOut, PlantOut, SiteOut};
use crate::api::extract::{Body, Caller};
use crate::api::refusal::{ApiError, Refusals};
use crate::api::routes::Routes;
use crate::ops::structure::{self as ops, Changes, Named};
use crate::state::AppState;
use actix_web::{web, HttpResponse};

pub fn configure(routes: &mut Routes) {
    routes
        .resource(|r| {
            r.to(__path_list_organisations, list_organisations)
                .to(__path_create_organisation, create_organisation);
        })
        .resource(|r| {
            r.to(__path_get_organisation, get_organisation)
                .to(__path_update_organisation, update_organisation)
                .to(__path_delete_organisation, delete_organisation);
        })
        .resource(|r| {
            r.to(__path_list_sites, list_sites)
                .to(__path_create_site, create_site);
        })
        .resource(|r| {
            r.to(__path_get_site, get_site)
                .to(__path_update_site, update_site)
                .to(__path_delete_site, delete_site);
        })
        .resource(|r| {
            r.to(__path_list_plants, list_plants)
                .to(__path_create_plant, create_plant);
        })
        .resource(|r| {
            r.to(__path_get_plant, get_plant)
                .to(__path_update_plant, update_plant)
                .to(__path_delete_plant, delete_plant);
        });
}

type Reply = Result<HttpResponse, ApiError>;

mod bodies;
use bodies::*;

/// The organisations the caller can see.
#[utoipa::path(
    get,
    path = "/api/v1/organisations",
    tag = "structure",
    responses((status = 200, description = "OK", body = List<OrganisationOut>), Refusals)
)]
async fn list_organisations(state: web::Data<AppState>, Caller(p, _): Caller) -> Reply {
    let items = state
        .run(move |conn, _| ops::list_organisations(conn, &p))
        .await?;
    Ok(HttpResponse::Ok().json(List::<OrganisationOut>::of(items)))
}

/// One organisation.
#[utoipa::path(
    get,
    path = "/api/v1/organisations/{id}",
    tag = "structure",
    params(("id" = String, Path, description = "Its id")),
    responses((status = 200, description = "OK", body = OrganisationOut), Refusals)
)]
async fn get_organisation(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    id: web::Path<String>,
) -> Reply {
    let org = state
        .run(move |conn, _| ops::get_organisation(conn, &p, &id))
        .await?;
    Ok(HttpResponse::Ok().json(OrganisationOut::from(org)))
}

/// Creates an organisation (superadmins).
#[utoipa::path(
    post,
    path = "/api/v1/organisations",
    tag = "structure",
    request_body = NewOrganisation,
    responses((status = 201, description = "Created", body = OrganisationOut), Refusals)
)]
async fn create_organisation(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    Body(b, _): Body<NewOrganisation>,
) -> Reply {
    let org = state
        .run(move |conn, env| {
            ops::create_organisation(
                conn,
                env,
                &p,
                Named {
                    id: b.id,
                    name: b.name,
                },
                b.domain,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(OrganisationOut::from(org)))
}

/// Renames an organisation or changes its domain.
#[utoipa::path(
    patch,
    path = "/api/v1/organisations/{id}",
    tag = "structure",
    request_body = OrganisationPatch,
    params(("id" = String, Path, description = "Its id")),
    responses((status = 200, description = "OK", body = OrganisationOut), Refusals)
)]
async fn update_organisation(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    id: web::Path<String>,
    Body(b, _): Body<OrganisationPatch>,
) -> Reply {
    let changes = Changes {
        name: b.name,
        domain: b.domain,
        timezone: None,
    };
    let org = state
        .run(move |conn, env| ops::update_organisation(conn, env, &p, &id, changes))
        .await?;
    Ok(HttpResponse::Ok().json(OrganisationOut::from(org)))
}

/// Deletes an empty organisation.
#[utoipa::path(
    delete,
    path = "/api/v1/organisations/{id}",
    tag = "structure",
    params(("id" = String, Path, description = "Its id")),
    responses((status = 204, description = "Done"), Refusals)
)]
async fn delete_organisation(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    id: web::Path<String>,
) -> Reply {
    state
        .run(move |conn, env| ops::delete_organisation(conn, env, &p, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The sites the caller can see.
#[utoipa::path(
    get,
    path = "/api/v1/sites",
    tag = "structure",
    params(SiteFilter),
    responses((status = 200, description = "OK", body = List<SiteOut>), Refusals)
)]
async fn list_sites(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    q: web::Query<SiteFilter>,
) -> Reply {
    let q = q.into_inner();
    let items = state
        .run(move |conn, _| ops::list_sites(conn, &p, q.organisation_id.as_deref()))
        .await?;
    Ok(HttpResponse::Ok().json(List::<SiteOut>::of(items)))
}

/// One site.
#[utoipa::path(
    get,
    path = "/api/v1/sites/{id}",
    tag = "structure",
    params(("id" = String, Path, description = "Its id")),
    responses((status = 200, description = "OK", body = SiteOut), Refusals)
)]
async fn get_site(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    id: web::Path<String>,
) -> Reply {
    let site = state
        .run(move |conn, _| ops::get_site(conn, &p, &id))
        .await?;
    Ok(HttpResponse::Ok().json(SiteOut::from(site)))
}

/// Creates a site in an organisation.
#[utoipa::path(
    post,
    path = "/api/v1/sites",
    tag = "structure",
    request_body = NewSite,
    responses((status = 201, description = "Created", body = SiteOut), Refusals)
)]
async fn create_site(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    Body(b, _): Body<NewSite>,
) -> Reply {
    let site = state
        .run(move |conn, env| {
            ops::create_site(
                conn,
                env,
                &p,
                &b.organisation_id,
                Named {
                    id: b.id,
                    name: b.name,
                },
                b.timezone,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(SiteOut::from(site)))
}

/// Renames a site or changes its time zone.
#[utoipa::path(
    patch,
    path = "/api/v1/sites/{id}",
    tag = "structure",
    request_body = SitePatch,
    params(("id" = String, Path, description = "Its id")),
    responses((status = 200, description = "OK", body = SiteOut), Refusals)
)]
async fn update_site(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    id: web::Path<String>,
    Body(b, _): Body<SitePatch>,
) -> Reply {
    let changes = Changes {
        name: b.name,
        domain: None,
        timezone: b.timezone,
    };
    let site = state
        .run(move |conn, env| ops::update_site(conn, env, &p, &id, changes))
        .await?;
    Ok(HttpResponse::Ok().json(SiteOut::from(site)))
}

/// Deletes an empty site.
#[utoipa::path(
    delete,
    path = "/api/v1/sites/{id}",
    tag = "structure",
    params(("id" = String, Path, description = "Its id")),
    responses((status = 204, description = "Done"), Refusals)
)]
async fn delete_site(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    id: web::Path<String>,
) -> Reply {
    state
        .run(move |conn, env| ops::delete_site(conn, env, &p, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The plants the caller can see.
#[utoipa::path(
    get,
    path = "/api/v1/plants",
    tag = "structure",
    params(PlantFilter),
    responses((status = 200, description = "OK", body = List<PlantOut>), Refusals)
)]
async fn list_plants(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    q: web::Query<PlantFilter>,
) -> Reply {
    let q = q.into_inner();
    let items = state
        .run(move |conn, _| ops::list_plants(conn, &p, q.site_id.as_deref()))
        .await?;
    Ok(HttpResponse::Ok().json(List::<PlantOut>::of(items)))
}

/// One plant.
#[utoipa::path(
    get,
    path = "/api/v1/plants/{id}",
    tag = "structure",
    params(("id" = String, Path, description = "Its id")),
    responses((status = 200, description = "OK", body = PlantOut), Refusals)
)]
async fn get_plant(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    id: web::Path<String>,
) -> Reply {
    let plant = state
        .run(move |conn, _| ops::get_plant(conn, &p, &id))
        .await?;
    Ok(HttpResponse::Ok().json(PlantOut::from(plant)))
}

/// Creates a plant in a site.
#[utoipa::path(
    post,
    path = "/api/v1/plants",
    tag = "structure",
    request_body = NewPlant,
    responses((status = 201, description = "Created", body = PlantOut), Refusals)
)]
async fn create_plant(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    Body(b, _): Body<NewPlant>,
) -> Reply {
    let plant = state
        .run(move |conn, env| {
            ops::create_plant(
                conn,
                env,
                &p,
                &b.site_id,
                Named {
                    id: b.id,
                    name: b.name,
                },
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(PlantOut::from(plant)))
}

/// Renames a plant.
#[utoipa::path(
    patch,
    path = "/api/v1/plants/{id}",
    tag = "structure",
    request_body = PlantPatch,
    params(("id" = String, Path, description = "Its id")),
    responses((status = 200, description = "OK", body = PlantOut), Refusals)
)]
async fn update_plant(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    id: web::Path<String>,
    Body(b, _): Body<PlantPatch>,
) -> Reply {
    let changes = Changes {
        name: b.name,
        ..Changes::default()
    };
    let plant = state
        .run(move |conn, env| ops::update_plant(conn, env, &p, &id, changes))
        .await?;
    Ok(HttpResponse::Ok().json(PlantOut::from(plant)))
}

/// Deletes a plant without members.
#[utoipa::path(
    delete,
    path = "/api/v1/plants/{id}",
    tag = "structure",
    params(("id" = String, Path, description = "Its id")),
    responses((status = 204, description = "Done"), Refusals)
)]
async fn delete_plant(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    id: web::Path<String>,
) -> Reply {
    state
        .run(move |conn, env| ops::delete_plant(conn, env, &p, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
