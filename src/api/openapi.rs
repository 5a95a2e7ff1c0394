//! The OpenAPI 3.1 document of `/api/v1`, `/oauth` and `/health`. Its paths are not written
//! here: utoipa-actix-web collects each handler's `#[utoipa::path]` as the handler is mounted,
//! so that a route cannot be served without being described. This module adds what belongs
//! to the whole document (its title, the security schemes, the shared error responses) and
//! serves it.

use crate::api::refusal::ErrorBody;
use crate::api::routes::Described;
use actix_web::{web, HttpResponse};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gatehouse",
        description = "Users, roles and plant scopes for industrial monitoring platforms. \
            Every endpoint not marked otherwise takes any of the security schemes: HTTP Basic, \
            an API key in X-API-KEY, an OAuth2 Bearer token, or the admin page's session cookie \
            with its CSRF token in X-CSRF-Token on every request that changes something.",
        license(name = "MIT")
    ),
    modifiers(&SecuritySchemes),
    security(("basic" = []), ("apiKey" = []), ("bearer" = []), ("session" = [], "csrf" = [])),
    tags(
        (name = "health", description = "Liveness for load balancers and watchdogs."),
        (name = "auth", description = "The admin page's browser sessions."),
        (name = "users", description = "Users, their roles at scopes and their modules."),
        (name = "structure", description = "Organisations, sites and plants."),
        (name = "api-keys", description = "The caller's own API keys."),
        (name = "audit", description = "The tamper-evident audit trail."),
        (name = "oauth", description = "OAuth2 tokens (RFC 6749), revocation (RFC 7009), introspection (RFC 7662)."),
    ),
    components(schemas(ErrorBody))
)]
struct Base;

/// The schemes the server really has.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let basic = HttpBuilder::new().scheme(HttpAuthScheme::Basic).build();
        let bearer = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build();
        let key = |name: &str| ApiKeyValue::new(name);
        components.add_security_scheme("basic", SecurityScheme::Http(basic));
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        components.add_security_scheme(
            "apiKey",
            SecurityScheme::ApiKey(ApiKey::Header(key("X-API-KEY"))),
        );
        // Under TLS the cookie is `__Host-gatehouse_session`.
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(key("gatehouse_session"))),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(key("X-CSRF-Token"))),
        );
    }
}

/// What the document starts from, before the handlers add their paths.
pub fn base() -> utoipa::openapi::OpenApi {
    let mut document = Base::openapi();
    document.info.version = env!("CARGO_PKG_VERSION").to_string();
    document
}

/// The finished document, as JSON, for `GET /api/v1/openapi.json`.
pub struct Document(pub String);

/// The whole document: the base, and the paths and schemas the handlers described as they
/// were mounted.
/// `document` with the paths and schemas the handlers described.
fn assemble(
    mut document: utoipa::openapi::OpenApi,
    described: Described,
) -> utoipa::openapi::OpenApi {
    document.paths.merge(described.paths);
    let components = document.components.get_or_insert_with(Default::default);
    components.schemas.extend(described.schemas);
    document
}

fn to_text(document: &utoipa::openapi::OpenApi) -> String {
    document.to_json().unwrap_or_else(|e| {
        log::error!("cannot write an OpenAPI document: {e}");
        "{}".into()
    })
}

/// `base` with the paths and schemas the handlers described, as JSON.
pub fn finish(base: utoipa::openapi::OpenApi, described: Described) -> String {
    to_text(&assemble(base, described))
}

pub fn document_of(described: Described, modules: &[String]) -> Document {
    let mut document = assemble(base(), described);
    // The module catalogue is configuration: the document names this server's own (in place
    // of the plain string `shapes::Module` describes).
    let catalogue = utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .description(Some(
            "A module of this server's catalogue ([modules] catalogue)",
        ))
        .enum_values(Some(modules.iter().cloned()));
    let components = document.components.get_or_insert_with(Default::default);
    components.schemas.insert("Module".into(), catalogue.into());
    Document(to_text(&document))
}

/// This document: OpenAPI 3.1, generated from the handlers and wire types.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi",
    tag = "health",
    security(()),
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json"))
)]
pub async fn document(document: web::Data<Document>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document.0.clone())
}

/// The start of a seed platform's own document: its title, and the security schemes (of the
/// native document's) that the dialect takes, any one of which will do.
/// `E` is the dialect's error shape, which its refusals answer.
pub fn dialect_base<E: utoipa::ToSchema>(
    title: &str,
    about: &str,
    schemes: &[&str],
) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::security::SecurityRequirement;
    use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApiBuilder};
    let native = base().components.unwrap_or_default().security_schemes;
    let mut errors = vec![(E::name().into_owned(), E::schema())];
    E::schemas(&mut errors);
    let mut components = ComponentsBuilder::new().schemas_from_iter(errors);
    for name in schemes {
        if let Some(scheme) = native.get(*name) {
            components = components.security_scheme(*name, scheme.clone());
        }
    }
    let info = InfoBuilder::new()
        .title(title)
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(about))
        .build();
    let security = schemes
        .iter()
        .map(|name| SecurityRequirement::new(*name, Vec::<String>::new()));
    OpenApiBuilder::new()
        .info(info)
        .components(Some(components.build()))
        .security(Some(security.collect::<Vec<_>>()))
        .build()
}
