//! The users CSV export: the list's filters, every cell quoted and defused, written page by
//! page.

use super::{ListQuery, Reply};
use crate::api::csv;
use crate::api::extract::Caller;
use crate::api::refusal::Refusals;
use crate::api::stream::{self, Frame};
use crate::domain::model::UserRecord;
use crate::ops::listing::{self, UserFilter};
use crate::state::AppState;
use actix_web::{web, HttpResponse};

pub(super) const CSV_HEADER: [&str; 11] = [
    "id",
    "email",
    "firstName",
    "lastName",
    "displayName",
    "status",
    "superadmin",
    "roles",
    "modules",
    "createdAt",
    "lastLoginAt",
];

pub(super) fn csv_row(r: &UserRecord) -> String {
    let u = &r.user;
    let roles = r
        .memberships
        .iter()
        .map(|m| {
            // The id in brackets lets `gatehouse import` read the file back.
            format!(
                "{} at {} {} ({})",
                m.role.as_str(),
                m.scope.kind().as_str(),
                m.scope_name,
                m.scope.id()
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    csv::row(&[
        u.id.as_str(),
        &u.email,
        u.first_name.as_deref().unwrap_or(""),
        u.last_name.as_deref().unwrap_or(""),
        &u.display_name,
        u.status.as_str(),
        if u.superadmin { "true" } else { "false" },
        &roles,
        &r.modules.join("; "),
        &u.created_at,
        u.last_login_at.as_deref().unwrap_or(""),
    ])
}

/// Every user the caller can see under the same filters as the list, as CSV, written page
/// by page (of `limit` users).
#[utoipa::path(
    get,
    path = "/api/v1/users/export.csv",
    operation_id = "export_users",
    tag = "users",
    params(ListQuery),
    responses((status = 200, description = "The users as CSV", content_type = "text/csv", body = String), Refusals)
)]
pub(super) async fn export(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    q: web::Query<ListQuery>,
) -> Reply {
    let filter = q.into_inner().into_filter()?;
    let frame = Frame::csv(csv::row(&CSV_HEADER));
    let rows = stream::pages(&state, frame, move |conn, env, cursor| {
        let page = listing::list_users(
            conn,
            env,
            &p,
            UserFilter {
                cursor,
                // The file is written a page at a time: `limit` is the page's size.
                limit: filter.limit.or(Some(listing::MAX_LIMIT)),
                ..filter.clone()
            },
        )?;
        let rows = page.items.iter().map(|r| csv_row(r).into_bytes()).collect();
        Ok((rows, page.next_cursor))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"users.csv\""))
        .streaming(rows))
}
