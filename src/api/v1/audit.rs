//! `/api/v1/audit`: the audit trail, as JSON pages or CSV.

use crate::api::csv;
use crate::api::extract::Caller;
use crate::api::refusal::{ApiError, Refusals};
use crate::api::routes::Routes;
use crate::api::stream::{self, Frame};
use crate::db::audit::AuditRow;
use crate::ops::audit::{self as ops, AuditFilter, NamedRow};
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

pub fn configure(routes: &mut Routes) {
    routes
        .resource(|r| {
            r.to(__path_list, list);
        })
        .resource(|r| {
            r.to(__path_activity, activity);
        })
        .resource(|r| {
            r.to(__path_export, export);
        });
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct Query {
    actor: Option<String>,
    person: Option<String>,
    #[serde(rename = "organisationId")]
    organisation_id: Option<String>,
    target: Option<String>,
    action: Option<String>,
    #[param(format = DateTime)]
    since: Option<String>,
    #[param(format = DateTime)]
    until: Option<String>,
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    cursor: Option<String>,
}

impl From<Query> for AuditFilter {
    fn from(q: Query) -> AuditFilter {
        AuditFilter {
            actor: q.actor,
            person: q.person,
            organisation_id: q.organisation_id,
            target: q.target,
            action: q.action,
            since: q.since,
            until: q.until,
            cursor: q.cursor,
            limit: q.limit,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Page {
    items: Vec<AuditOut>,
    next_cursor: Option<String>,
}

/// An event with the names of its actor and target as the reader may see them now.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct AuditOut {
    #[serde(flatten)]
    row: AuditRow,
    actor_name: Option<String>,
    target_name: Option<String>,
    target_email: Option<String>,
}

impl From<NamedRow> for AuditOut {
    fn from(n: NamedRow) -> Self {
        AuditOut {
            row: n.row,
            actor_name: n.actor_name,
            target_name: n.target_name,
            target_email: n.target_email,
        }
    }
}

/// The audit rows the caller may read, newest first, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    operation_id = "list_audit",
    tag = "audit",
    params(Query),
    responses((status = 200, description = "OK", body = Page), Refusals)
)]
async fn list(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    q: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let filter = AuditFilter::from(q.into_inner());
    let page = state
        .run(move |conn, _| ops::list(conn, &p, filter))
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: page.items.into_iter().map(AuditOut::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

const HEADER: [&str; 13] = [
    "seq",
    "at",
    "actorId",
    "actorEmail",
    "credentialKind",
    "credentialId",
    "source",
    "action",
    "targetType",
    "targetId",
    "outcome",
    "summary",
    "hash",
];

fn row(r: &AuditRow) -> String {
    csv::row(&[
        r.seq.to_string(),
        r.at.clone(),
        r.actor_id.clone().unwrap_or_default(),
        r.actor_email.clone().unwrap_or_default(),
        r.credential_kind.clone().unwrap_or_default(),
        r.credential_id.clone().unwrap_or_default(),
        r.source.clone().unwrap_or_default(),
        r.action.clone(),
        r.target_type.clone().unwrap_or_default(),
        r.target_id.clone().unwrap_or_default(),
        r.outcome.clone(),
        r.summary.to_string(),
        r.hash.clone(),
    ])
}

/// The same rows as CSV.
#[utoipa::path(
    get,
    path = "/api/v1/audit/export.csv",
    operation_id = "export_audit",
    tag = "audit",
    params(Query),
    responses((status = 200, description = "The rows as CSV", content_type = "text/csv", body = String), Refusals)
)]
async fn export(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    q: web::Query<Query>,
) -> Result<HttpResponse, ApiError> {
    let filter = AuditFilter::from(q.into_inner());
    // Newest first, `limit` (a thousand) rows a page, written as the client reads.
    let rows = stream::pages(
        &state,
        Frame::csv(csv::row(&HEADER)),
        move |conn, _, cursor| {
            let filter = AuditFilter {
                cursor,
                limit: filter.limit.or(Some(1000)),
                ..filter.clone()
            };
            let page = ops::list(conn, &p, filter)?;
            let rows = page
                .items
                .iter()
                .map(|e| row(&e.row).into_bytes())
                .collect();
            Ok((rows, page.next_cursor))
        },
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"audit.csv\""))
        .streaming(rows))
}

/// Sign-ins and failed sign-ins per hour over the last seven days, lockouts, and the addresses
/// most failed sign-ins came from: what the start page draws.
/// The last seven days of sign-ins, as the reader may read the trail (the start page's pictures).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct ActivityOut {
    since: String,
    /// Every hour of the seven days, oldest first (168).
    hours: Vec<HourOut>,
    lockouts: u64,
    /// The addresses most failed sign-ins came from, most first (five at most).
    failing_addresses: Vec<AddressOut>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct HourOut {
    hour: String,
    sign_ins: u64,
    failed_sign_ins: u64,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct AddressOut {
    address: String,
    failed_sign_ins: u64,
}

/// Sign-ins by hour over the last week, lockouts, and the addresses that fail most.
#[utoipa::path(
    get,
    path = "/api/v1/audit/activity",
    operation_id = "audit_activity",
    tag = "audit",
    responses((status = 200, description = "OK", body = ActivityOut), Refusals)
)]
async fn activity(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
) -> Result<HttpResponse, ApiError> {
    let a = state
        .run(move |conn, env| ops::activity(conn, env, &p))
        .await?;
    let hours = a.hours.into_iter().map(|h| HourOut {
        hour: h.hour,
        sign_ins: h.succeeded,
        failed_sign_ins: h.failed,
    });
    let addresses = a
        .failing_addresses
        .into_iter()
        .map(|(address, n)| AddressOut {
            address,
            failed_sign_ins: n,
        });
    Ok(HttpResponse::Ok().json(ActivityOut {
        since: a.since,
        hours: hours.collect(),
        lockouts: a.lockouts,
        failing_addresses: addresses.collect(),
    }))
}
