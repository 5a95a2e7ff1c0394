//! `POST /api/v1/users/import`: the admin page's import of a users file (CSV with the columns
//! of our export, or JSON lines), previewed line by line with `?dryRun=true`, then written.
//! The same reading and the same operation as `gatehouse import`.

use super::Reply;
use crate::api::extract::Caller;
use crate::api::refusal::Refusals;
use crate::error::Error;
use crate::ops::import::{self as ops, LineError};
use crate::state::AppState;
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct ImportQuery {
    dry_run: Option<bool>,
}

/// The media types of a users file. Not `text/plain`: a cross-site form can send that.
const FILE_TYPES: [&str; 3] = ["text/csv", "application/x-ndjson", "application/jsonl"];

fn media_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The body, up to `limit` bytes.
async fn read(mut payload: web::Payload, limit: usize) -> Result<Vec<u8>, Error> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| Error::bad_request("the file was not received whole"))?;
        if body.len() + chunk.len() > limit {
            return Err(Error::PayloadTooLarge(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A line's error, saying which line.
fn at_line(e: LineError) -> Error {
    let line = e.line;
    match e.error {
        // The line leads: "line 3: email: ...". The field is the file's, not a form's.
        invalid @ Error::Invalid { .. } => {
            Error::bad_request(format!("line {line}: {}", invalid.public_message()))
        }
        Error::Forbidden(m) => Error::Forbidden(format!("line {line}: {m}")),
        Error::Conflict(m) => Error::Conflict(format!("line {line}: {m}")),
        Error::NotFound(m) => Error::invalid("line", format!("line {line}: {m}")),
        Error::Malformed(m) => Error::Malformed(format!("line {line}: {m}")),
        other => other,
    }
}

/// What an import did; with `dryRun`, what it would do, line by line.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Imported {
    dry_run: bool,
    created: usize,
    updated: usize,
    /// The lines that would fail (a preview only).
    #[serde(skip_serializing_if = "Option::is_none")]
    failed: Option<usize>,
    /// Every line's outcome (a preview only).
    #[serde(skip_serializing_if = "Option::is_none")]
    lines: Option<Vec<LineOut>>,
}

/// One line of a preview: `create`, `update`, or `error` with what is wrong.
#[derive(Serialize, utoipa::ToSchema)]
struct LineOut {
    line: usize,
    email: String,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

fn previewed(lines: &[ops::LinePreview]) -> Imported {
    let count = |created: bool| {
        lines
            .iter()
            .filter(|l| matches!(l.outcome, Ok(c) if c == created))
            .count()
    };
    let shown = lines.iter().map(|l| {
        let (outcome, error, field) = match &l.outcome {
            Ok(true) => ("create", None, None),
            Ok(false) => ("update", None, None),
            Err(e) => (
                "error",
                Some(e.public_message()),
                e.field().map(str::to_string),
            ),
        };
        LineOut {
            line: l.line,
            email: l.email.clone(),
            outcome,
            error,
            field,
        }
    });
    Imported {
        dry_run: true,
        created: count(true),
        updated: count(false),
        failed: Some(lines.iter().filter(|l| l.outcome.is_err()).count()),
        lines: Some(shown.collect()),
    }
}

/// Creates or updates users from a CSV or JSON-lines file (text/csv, application/x-ndjson); with dryRun=true, the preview of every line.
#[utoipa::path(
    post,
    path = "/api/v1/users/import",
    operation_id = "import_users",
    tag = "users",
    request_body(content = String, content_type = "text/csv", description = "A CSV users file (or application/x-ndjson: one JSON user a line)"),
    params(ImportQuery),
    responses((status = 200, description = "What was imported, or the preview", body = Imported), Refusals)
)]
pub(super) async fn import(
    state: web::Data<AppState>,
    Caller(p, _): Caller,
    req: HttpRequest,
    q: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Reply {
    if !FILE_TYPES.contains(&media_type(&req).as_str()) {
        return Err(Error::UnsupportedMediaType(
            "send the file as text/csv or application/x-ndjson".into(),
        )
        .into());
    }
    let bytes = read(payload, state.env.config.server.import_limit).await?;
    let text =
        String::from_utf8(bytes).map_err(|_| Error::bad_request("the file must be UTF-8 text"))?;
    let lines = crate::api::import::parse(&text).map_err(at_line)?;
    if lines.is_empty() {
        return Err(Error::bad_request("the file holds no users").into());
    }
    if q.dry_run.unwrap_or(false) {
        let preview = state
            .run(move |conn, env| ops::preview(conn, env, &p, &lines))
            .await?;
        return Ok(HttpResponse::Ok().json(previewed(&preview)));
    }
    let counts = state
        .run(move |conn, env| ops::import_sent(conn, env, &p, &lines).map_err(at_line))
        .await?;
    Ok(HttpResponse::Ok().json(Imported {
        dry_run: false,
        created: counts.created,
        updated: counts.updated,
        failed: None,
        lines: None,
    }))
}
