//! Gatehouse's own pages of the OpenID Connect flow, rendered on the server: the consent
//! screen, the sign-out confirmation, and the errors that must not be redirected. Plain HTML
//! with the admin page's styles; every value is escaped.

use crate::error::Error;
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse};

/// Text made safe for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The Content-Security-Policy of these pages: no script at all, and forms that may post here
/// and be redirected to `also` (the application's origin).
fn policy(also: Option<&str>) -> String {
    let also = also.map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'{also}; \
         base-uri 'none'; frame-ancestors 'none'"
    )
}

/// A whole page: the heading and the body's HTML (already escaped).
pub fn render(status: StatusCode, title: &str, body: &str, form_to: Option<&str>) -> HttpResponse {
    let css = crate::web::asset_path("app.css");
    let icon = crate::web::asset_path("favicon.svg");
    let title = escape(title);
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · Gatehouse</title>\n<link rel=\"icon\" href=\"{icon}\" type=\"image/svg+xml\">\n\
         <link rel=\"stylesheet\" href=\"{css}\">\n</head>\n\
         <body>\n<main class=\"signin\">\n<h1>{title}</h1>\n{body}\n</main>\n</body>\n</html>\n"
    );
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, policy(form_to)))
        // Not `no-referrer` as elsewhere: under it a browser sends `Origin: null` with a form
        // post, which the cross-site check refuses. `same-origin` still tells other sites
        // nothing.
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .content_type("text/html; charset=utf-8")
        .body(html)
}

/// A refusal shown to the person: what is wrong, in words.
pub fn error(status: StatusCode, message: &str) -> HttpResponse {
    let body = format!(
        "<p class=\"error\" role=\"alert\">{}</p>\n<p>Go back to the application and try again; if it keeps happening, tell whoever runs it.</p>",
        escape(message)
    );
    render(status, "Sign-in cannot go on", &body, None)
}

/// What each scope lets an application know, in words.
fn scope_words(scope: &str) -> &'static str {
    match scope {
        "openid" => "Who you are (your Gatehouse account id)",
        "profile" => "Your name",
        "email" => "Your email address",
        "gatehouse" => "Your roles at organisations, sites and plants, and your modules",
        _ => "",
    }
}

/// Hidden fields carrying `pairs` (the authorization request) through a form.
pub fn hidden(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The consent screen: the application, what it asks to know, allow or deny.
pub fn consent(
    client: &str,
    person: &str,
    scopes: &[String],
    fields: &str,
    redirect_origin: Option<&str>,
) -> HttpResponse {
    let items: String = scopes
        .iter()
        .map(|s| format!("<li>{}</li>", escape(scope_words(s))))
        .collect();
    let body = format!(
        "<p><strong>{client}</strong> asks to sign you in as <strong>{person}</strong> and to know:</p>\n\
         <div class=\"panel\"><ul id=\"scopes\">{items}</ul>\n\
         <form method=\"post\" action=\"/oauth/authorize\" aria-label=\"Consent\">\n{fields}\n\
         <div class=\"actions\">\
         <button type=\"submit\" name=\"decision\" value=\"allow\" class=\"primary\">Allow</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></div>\n</form></div>\n\
         <p class=\"hint\">You can take this back later under My account on the Gatehouse page.</p>",
        client = escape(client),
        person = escape(person),
    );
    render(
        StatusCode::OK,
        "Allow this application?",
        &body,
        redirect_origin,
    )
}

/// Asks the person to confirm signing out (no ID token named them).
pub fn confirm_logout(
    client: Option<&str>,
    fields: &str,
    redirect_origin: Option<&str>,
) -> HttpResponse {
    let from = client
        .map(|c| format!(" <strong>{}</strong> asks you to sign out.", escape(c)))
        .unwrap_or_default();
    let body = format!(
        "<p>Sign out of Gatehouse?{from}</p>\n<div class=\"panel\">\
         <form method=\"post\" action=\"/oauth/logout\" aria-label=\"Sign out\">\n{fields}\n\
         <div class=\"actions\"><button type=\"submit\" class=\"primary\">Sign out</button></div>\
         </form></div>"
    );
    render(StatusCode::OK, "Sign out", &body, redirect_origin)
}

/// Signed out, with nowhere to go back to.
pub fn signed_out() -> HttpResponse {
    render(
        StatusCode::OK,
        "Signed out",
        "<p role=\"status\">You have signed out of Gatehouse.</p>\n<p><a href=\"/\">Sign in again</a></p>",
        None,
    )
}

/// The page for an operation that failed: 503 with its reason when the database refuses
/// (a replica names its primary), a generic 500 otherwise (logged).
pub fn failed(state: &AppState, e: Error) -> HttpResponse {
    let e = e
        .naming_primary(&state.env.config.replica.primary_url)
        .logged();
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    error(status, &e.public_message())
}

/// The origin of a URI, for the pages' form-action policy.
pub fn origin_of(uri: &str) -> Option<String> {
    let parsed: actix_web::http::Uri = uri.parse().ok()?;
    Some(format!(
        "{}://{}",
        parsed.scheme_str()?,
        parsed.authority()?
    ))
}

/// Whether the request body is a form.
pub fn is_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// On to `to` (303, so that a form post becomes a GET), never cached.
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn escape_leaves_no_markup() {
        assert_eq!(
            super::escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
