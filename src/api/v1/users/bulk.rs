//! `POST /api/v1/users/bulk`: one action on the selected users or on all that match a filter.

use super::export::{csv_row, CSV_HEADER};
use super::{ListQuery, MembershipIn, Reply};
use crate::api::csv;
use crate::api::extract::{Body, Caller};
use crate::api::refusal::Refusals;
use crate::error::Error;
use crate::ops::bulk::{self, BulkAction, Chosen};
use crate::ops::users as users_ops;
use crate::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct BulkIn {
    /// `addRole`, `removeRole`, `disable`, `enable`, `delete` or `export`.
    #[schema(value_type = Actions)]
    action: String,
    /// The selected users; or
    user_ids: Option<Vec<String>>,
    /// every user the list with this filter shows (its `limit` and `cursor` are not used).
    filter: Option<ListQuery>,
    /// The role, at its place, that `addRole` grants and `removeRole` takes.
    membership: Option<MembershipIn>,
}

/// What a bulk action did: the users it matched, and those it changed (a user who already had
/// the role or the status is matched, not changed).
#[derive(serde::Serialize, utoipa::ToSchema)]
struct BulkDone {
    action: String,
    matched: usize,
    changed: usize,
}

/// The actions (the operation parses them; this only names them).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)]
enum Actions {
    AddRole,
    RemoveRole,
    Disable,
    Enable,
    Delete,
    Export,
}

impl BulkIn {
    fn chosen(&mut self) -> Result<Chosen, Error> {
        match (self.user_ids.take(), self.filter.take()) {
            (Some(ids), None) => Ok(Chosen::Users(ids)),
            (None, Some(filter)) => Ok(Chosen::Matching(filter.into_filter()?)),
            _ => Err(Error::invalid("userIds", "give either userIds or filter")),
        }
    }

    fn action(&mut self) -> Result<Option<BulkAction>, Error> {
        let role = |m: Option<MembershipIn>| {
            m.ok_or_else(|| Error::invalid("membership", "name the role and its place"))?
                .into_request("membership")
        };
        Ok(Some(match self.action.as_str() {
            "addRole" => BulkAction::AddRole(role(self.membership.take())?),
            "removeRole" => BulkAction::RemoveRole(role(self.membership.take())?),
            "disable" => BulkAction::Disable,
            "enable" => BulkAction::Enable,
            "delete" => BulkAction::Delete,
            "export" => return Ok(None),
            _ => {
                return Err(Error::invalid(
                    "action",
                    "must be one of addRole, removeRole, disable, enable, delete, export",
                ))
            }
        }))
    }
}

/// One action on up to 10,000 users in one transaction; one refusal writes nothing.
#[utoipa::path(
    post,
    path = "/api/v1/users/bulk",
    operation_id = "bulk_users",
    tag = "users",
    request_body = BulkIn,
    responses(
        (status = 200, description = "What was done; for `export`, the users as CSV", content(
            (BulkDone = "application/json"),
            (String = "text/csv"),
        )),
        Refusals
    )
)]
pub(super) async fn bulk(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    Body(mut b, _): Body<BulkIn>,
) -> Reply {
    let action = b.action()?;
    if b.membership.is_some() {
        return Err(Error::invalid("membership", "only addRole and removeRole take one").into());
    }
    let chosen = b.chosen()?;
    let name = b.action.clone();
    match action {
        Some(action) => {
            let done = state
                .run(move |conn, env| bulk::apply(conn, env, &p, &action, chosen))
                .await?;
            Ok(HttpResponse::Ok().json(BulkDone {
                action: name,
                matched: done.matched,
                changed: done.changed,
            }))
        }
        None => export(&state, p, chosen).await,
    }
}

/// The chosen users as the users export writes them.
async fn export(state: &AppState, p: crate::domain::access::Principal, chosen: Chosen) -> Reply {
    let body = state
        .run(move |conn, env| {
            let ids = bulk::chosen_ids(conn, env, &p, chosen)?;
            let mut out = csv::row(&CSV_HEADER);
            for id in ids {
                out.push_str(&csv_row(&users_ops::get_user(conn, &p, &id)?));
            }
            Ok(out)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", "attachment; filename=\"users.csv\""))
        .body(body))
}
