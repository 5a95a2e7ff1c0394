//! `/api/v1/organisations`, `/api/v1/sites`, `/api/v1/plants`.

use super::wire::{List, OrganisationOut, PlantOut, SiteOut};
use crate::api::extract::{present, Body, Caller};
use crate::api::refusal::ApiError;
use crate::ops::structure::{self as ops, Changes, Named};
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/organisations")
            .route(web::get().to(list_organisations))
            .route(web::post().to(create_organisation)),
    )
    .service(
        web::resource("/organisations/{id}")
            .route(web::get().to(get_organisation))
            .route(web::patch().to(update_organisation))
            .route(web::delete().to(delete_organisation)),
    )
    .service(
        web::resource("/sites")
            .route(web::get().to(list_sites))
            .route(web::post().to(create_site)),
    )
    .service(
        web::resource("/sites/{id}")
            .route(web::get().to(get_site))
            .route(web::patch().to(update_site))
            .route(web::delete().to(delete_site)),
    )
    .service(
        web::resource("/plants")
            .route(web::get().to(list_plants))
            .route(web::post().to(create_plant)),
    )
    .service(
        web::resource("/plants/{id}")
            .route(web::get().to(get_plant))
            .route(web::patch().to(update_plant))
            .route(web::delete().to(delete_plant)),
    );
}

type Reply = Result<HttpResponse, ApiError>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrganisation {
    id: Option<String>,
    name: String,
    domain: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrganisationPatch {
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    domain: Option<Option<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewSite {
    id: Option<String>,
    organisation_id: String,
    name: String,
    timezone: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SitePatch {
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    timezone: Option<Option<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NewPlant {
    id: Option<String>,
    site_id: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlantPatch {
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SiteFilter {
    organisation_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PlantFilter {
    site_id: Option<String>,
}

async fn list_organisations(state: web::Data<AppState>, Caller(p, _): Caller) -> Reply {
    let items = state
        .run(move |conn, _| ops::list_organisations(conn, &p))
        .await?;
    Ok(HttpResponse::Ok().json(List::<OrganisationOut>::of(items)))
}

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
