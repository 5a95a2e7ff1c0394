//! Mounting a handler and describing it are one step. A handler's `#[utoipa::path]` names its
//! method and path; `Routes` mounts the handler at exactly that method and path and keeps the
//! description for the OpenAPI document. A route of `/api/v1`, `/oauth` or `/health` cannot be
//! served without being in the document, nor described at a path it is not served at.
//!
//! Handlers of one path share one actix resource, so that a method the path does not take is
//! answered 405 with `Allow`, as before.

use actix_web::http::Method;
use actix_web::{web, FromRequest, Handler, Responder};
use utoipa::openapi::path::{HttpMethod, Paths};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa_actix_web::OpenApiFactory;

/// The descriptions gathered while mounting.
#[derive(Default)]
pub struct Described {
    pub paths: Paths,
    pub schemas: Vec<(String, RefOr<Schema>)>,
}

/// Mounts described handlers on an actix `ServiceConfig` under `prefix`.
pub struct Routes<'c> {
    cfg: &'c mut web::ServiceConfig,
    prefix: String,
    described: &'c mut Described,
}

impl<'c> Routes<'c> {
    pub fn new(cfg: &'c mut web::ServiceConfig, described: &'c mut Described) -> Routes<'c> {
        Routes {
            cfg,
            prefix: String::new(),
            described,
        }
    }

    /// One path and the handlers of its methods: `routes.resource(|r| r.to(__path_list, list))`.
    pub fn resource(&mut self, build: impl FnOnce(&mut Resource)) -> &mut Self {
        let mut resource = Resource {
            prefix: &self.prefix,
            path: None,
            resource: None,
            described: self.described,
        };
        build(&mut resource);
        if let Some(built) = resource.resource.take() {
            self.cfg.service(built);
        }
        self
    }

    /// A scope at `path` whose routes `build` mounts, described under the full path; the caller
    /// wraps the returned scope in its middleware and mounts it with `service`.
    pub fn scope(&mut self, path: &str, build: impl FnOnce(&mut Routes)) -> actix_web::Scope {
        let prefix = format!("{}{path}", self.prefix);
        let described = &mut *self.described;
        web::scope(path).configure(|cfg| {
            let mut inner = Routes {
                cfg,
                prefix,
                described,
            };
            build(&mut inner);
        })
    }

    /// A document of its own at `at` (a seed platform's user API): `mount` mounts its routes,
    /// and the document served at `at` is `base` with what they describe. `at` is mounted
    /// first, so that a path such as `/users/{id}` does not take it.
    pub fn document(
        &mut self,
        at: &str,
        base: utoipa::openapi::OpenApi,
        mount: impl FnOnce(&mut Routes),
    ) -> &mut Self {
        let served = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
        let text = served.clone();
        self.cfg.route(
            at,
            web::get().to(move || {
                let text = text.get().cloned().unwrap_or_else(|| "{}".into());
                async move {
                    actix_web::HttpResponse::Ok()
                        .content_type("application/json")
                        .body(text)
                }
            }),
        );
        let mut described = Described::default();
        let mut own = Routes {
            cfg: &mut *self.cfg,
            prefix: self.prefix.clone(),
            described: &mut described,
        };
        mount(&mut own);
        let _ = served.set(crate::api::openapi::finish(base, described));
        self
    }

    /// Routes that are not part of the document: the admin page's files, `/metrics`, the seed
    /// platforms' dialects.
    pub fn undocumented(&mut self, mount: impl FnOnce(&mut web::ServiceConfig)) -> &mut Self {
        mount(self.cfg);
        self
    }

    /// Mounts a service (a scope built with `scope`).
    pub fn service(
        &mut self,
        service: impl actix_web::dev::HttpServiceFactory + 'static,
    ) -> &mut Self {
        self.cfg.service(service);
        self
    }

    pub fn app_data<U: 'static>(&mut self, data: U) -> &mut Self {
        self.cfg.app_data(data);
        self
    }
}

/// The handlers of one path, one per method.
pub struct Resource<'r> {
    prefix: &'r str,
    path: Option<String>,
    resource: Option<actix_web::Resource>,
    described: &'r mut Described,
}

impl Resource<'_> {
    /// Mounts `handler` at the method and path its description `D` (the `__path_<handler>`
    /// that `#[utoipa::path]` makes) names. Every handler of one resource must name the
    /// same path; a mismatch is a programming error, found by the first test that starts the app.
    pub fn to<D, F, Args>(&mut self, description: D, handler: F) -> &mut Self
    where
        D: utoipa::Path + OpenApiFactory,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        let full = D::path();
        let Some(relative) = full.strip_prefix(self.prefix) else {
            panic!(
                "{full} is described outside the scope {} it is mounted in",
                self.prefix
            );
        };
        // OpenAPI writes `{id}`, and so does actix: the path is the same text.
        let relative = relative.to_string();
        if let Some(path) = &self.path {
            assert_eq!(path, &relative, "one resource, one path");
        }
        let mut resource = self
            .resource
            .take()
            .unwrap_or_else(|| web::resource(relative.clone()));
        for method in D::methods() {
            resource = resource.route(web::method(actix_method(&method)).to(handler.clone()));
        }
        self.resource = Some(resource);
        self.path = Some(relative);
        self.described.paths.merge(description.paths());
        description.schemas(&mut self.described.schemas);
        self
    }
}

fn actix_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}
