//! The embedded admin page: `static/` compiled into the binary with rust-embed.
//!
//! `/` serves `index.html` (revalidated on every load). Every other file is served under
//! `/assets/<version>/`, where the version is a hash of all the files: those names change with
//! the content, so they are cached for a year, and a new binary's page never mixes old files
//! with new ones. Every answer has an ETag.

use crate::secrets;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;
use std::sync::OnceLock;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/index.html", web::get().to(index))
        .route("/assets/{version}/{path:.*}", web::get().to(asset));
}

/// A hash over every file's name and content, as a short hex string.
fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let mut names: Vec<String> = Assets::iter().map(|n| n.to_string()).collect();
        names.sort();
        let hashes: Vec<[u8; 32]> = names
            .iter()
            .filter_map(|n| Assets::get(n).map(|f| f.metadata.sha256_hash()))
            .collect();
        let mut parts: Vec<&[u8]> = names.iter().map(|n| n.as_bytes()).collect();
        parts.extend(hashes.iter().map(|h| h.as_slice()));
        secrets::hex(&secrets::digest_parts(&parts))[..16].to_string()
    })
}

/// Where the admin page's file `name` is served (for Gatehouse's other pages' styles).
pub fn asset_path(name: &str) -> String {
    format!("/assets/{}/{name}", version())
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// 304 when the client already holds this version.
fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        })
}

fn respond(
    req: &HttpRequest,
    body: Vec<u8>,
    etag: String,
    kind: &str,
    cache: &str,
) -> HttpResponse {
    if not_modified(req, &etag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache.to_string()))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache.to_string()))
        .content_type(kind.to_string())
        .body(body)
}

async fn index(req: HttpRequest) -> HttpResponse {
    let Some(file) = Assets::get("index.html") else {
        return HttpResponse::NotFound().finish();
    };
    let html = String::from_utf8_lossy(&file.data)
        .replace("{{ASSETS}}", &format!("/assets/{}", version()));
    let etag = format!("\"{}\"", &secrets::hex(&secrets::digest(&html))[..32]);
    respond(
        &req,
        html.into_bytes(),
        etag,
        content_type("index.html"),
        "no-cache",
    )
}

async fn asset(req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let (asked, name) = path.into_inner();
    let file = Assets::get(&name).filter(|_| asked == version() && name != "index.html");
    let Some(file) = file else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("no such file");
    };
    let etag = format!("\"{}\"", &secrets::hex(&file.metadata.sha256_hash())[..32]);
    respond(
        &req,
        file.data.into_owned(),
        etag,
        content_type(&name),
        "public, max-age=31536000, immutable",
    )
}
