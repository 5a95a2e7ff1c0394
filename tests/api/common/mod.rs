//! Starts Gatehouse in-process on a fresh temporary database and speaks HTTP to it.

pub mod matrix;
pub mod oidc;
pub mod process;
pub mod scim;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::test::{self, TestRequest};
use actix_web::Error;
use base64::Engine;
use gatehouse::app;
use gatehouse::clock::Clock;
use gatehouse::config::Config;
use gatehouse::state::AppState;
use serde_json::{json, Value};
use tempfile::TempDir;

pub const ADMIN_EMAIL: &str = "root@plant.example";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";
/// A password that passes the policy, used for every test user.
pub const PASSWORD: &str = "a long enough pass phrase";

/// How a request authenticates.
#[derive(Clone, Debug)]
pub enum Who {
    Nobody,
    Basic(String, String),
    Key(String),
    Bearer(String),
    /// A browser session: the cookie (`name=value`) and its CSRF token.
    Session {
        cookie: String,
        csrf: String,
    },
}

impl Who {
    pub fn basic(email: &str) -> Who {
        Who::Basic(email.to_string(), PASSWORD.to_string())
    }

    pub fn admin() -> Who {
        Who::Basic(ADMIN_EMAIL.to_string(), ADMIN_PASSWORD.to_string())
    }

    /// A caller of the matrix by name: the superadmin, or one of the world's users.
    pub fn named(caller: &str) -> Who {
        if caller == matrix::ROOT {
            Who::admin()
        } else {
            Who::basic(caller)
        }
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// The body as JSON; a body that is not JSON fails the test, naming what it was.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "the body is not JSON ({e}), status {}: {}",
                self.status,
                self.text()
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

pub fn test_config(dir: &TempDir) -> Config {
    let mut config = Config::default();
    config.database.path = dir.path().join("gatehouse.db");
    config.database.pool_size = 4;
    // The lowest bcrypt cost keeps the suite fast; production uses the configured 12.
    config.security.bcrypt_cost = 4;
    config
}

pub struct TestApp<S> {
    pub service: S,
    pub state: AppState,
    pub clock: Clock,
    /// Holds the database's directory until the app is dropped.
    _dir: TempDir,
}

/// A fresh app with the bootstrap superadmin `ADMIN_EMAIL`.
pub async fn start() -> TestApp<
    impl Service<actix_http::Request, Response = ServiceResponse<impl MessageBody>, Error = Error>,
> {
    start_with(|_| {}).await
}

pub async fn start_with(
    adjust: impl FnOnce(&mut Config),
) -> TestApp<
    impl Service<actix_http::Request, Response = ServiceResponse<impl MessageBody>, Error = Error>,
> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut config = test_config(&dir);
    adjust(&mut config);
    let app = start_on(config, dir).await;
    {
        let mut conn = app.state.pool.get().expect("connection");
        gatehouse::ops::bootstrap::bootstrap(
            &mut conn,
            &app.state.env,
            ADMIN_EMAIL,
            Some(ADMIN_PASSWORD.into()),
        )
        .expect("bootstrap");
    }
    app
}

/// An app on `config` as it is (no first superadmin made): a replica of another's file, say.
/// `dir` is kept until the app is dropped.
pub async fn start_on(
    config: Config,
    dir: TempDir,
) -> TestApp<
    impl Service<actix_http::Request, Response = ServiceResponse<impl MessageBody>, Error = Error>,
> {
    let clock = Clock::default();
    let state = AppState::open(config, clock.clone()).expect("open the app");
    let service = test::init_service(app::app(state.clone())).await;
    TestApp {
        service,
        state,
        clock,
        _dir: dir,
    }
}

pub fn authorize(req: TestRequest, who: &Who) -> TestRequest {
    match who {
        Who::Nobody => req,
        Who::Basic(email, password) => {
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("{email}:{password}"));
            req.insert_header(("Authorization", format!("Basic {token}")))
        }
        Who::Key(secret) => req.insert_header(("X-API-KEY", secret.clone())),
        Who::Bearer(token) => req.insert_header(("Authorization", format!("Bearer {token}"))),
        Who::Session { cookie, csrf } => req
            .insert_header(("Cookie", cookie.clone()))
            .insert_header(("X-CSRF-Token", csrf.clone()))
            .insert_header(("X-Requested-With", "gatehouse")),
    }
}

/// A small world: organisation A with sites S1 (plants P1, P2) and S2 (plant P3); organisation B
/// with site T1 (plant Q1); an admin at each level, a support user and a member, and a plain
/// user at P1, P2, S2's P3 and Q1 to act upon.
pub struct World {
    pub org_a: String,
    pub org_b: String,
    pub s1: String,
    pub s2: String,
    pub t1: String,
    pub p1: String,
    pub p2: String,
    pub p3: String,
    pub q1: String,
    /// Users to act upon, by where they hold their one membership.
    pub at_p1: String,
    pub at_p2: String,
    pub at_p3: String,
    pub at_q1: String,
}

pub const ORG_ADMIN: &str = "org.admin@a.example";
pub const SITE_ADMIN: &str = "site.admin@a.example";
pub const PLANT_ADMIN: &str = "plant.admin@a.example";
pub const SUPPORT: &str = "support@a.example";
pub const MEMBER: &str = "member@a.example";

/// The ids the seed documents use in their samples.
pub const DOC_ORGANISATION: &str = "c9b3f279-e3b5-4204-ad99-646257417f98";
pub const DOC_SITE: &str = "b92f2836-288b-4b3e-b396-4f86d6f14274";
pub const DOC_PLANT: &str = "df42ab44-476b-4937-9c8e-6f4787cbf507";

impl<S, B> TestApp<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    pub async fn send(&self, req: TestRequest) -> Reply {
        let response = test::call_service(&self.service, req.to_request()).await;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = test::read_body(response).await.to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn call(&self, method: &str, path: &str, who: &Who, body: Option<Value>) -> Reply {
        let mut req = match method {
            "GET" => TestRequest::get(),
            "POST" => TestRequest::post(),
            "PUT" => TestRequest::put(),
            "PATCH" => TestRequest::patch(),
            "DELETE" => TestRequest::delete(),
            other => panic!("unknown method {other}"),
        }
        .uri(path);
        req = authorize(req, who);
        if let Some(body) = body {
            req = req.set_json(body);
        }
        self.send(req).await
    }

    /// The status of one request: for the many checks that need nothing else.
    pub async fn status(&self, method: &str, path: &str, who: &Who, body: Option<Value>) -> u16 {
        self.call(method, path, who, body).await.status
    }

    /// Signs in through the login endpoint and returns the session as a caller.
    pub async fn session(&self, email: &str, password: &str) -> Who {
        let login = TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_json(serde_json::json!({"email": email, "password": password}));
        let reply = self.send(login).await;
        assert_eq!(reply.status, 200, "login: {}", reply.text());
        let set = reply.header("set-cookie").expect("a session cookie");
        Who::Session {
            cookie: set.split(';').next().unwrap_or_default().to_string(),
            csrf: reply.json()["csrfToken"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        }
    }

    pub async fn get(&self, path: &str, who: &Who) -> Reply {
        self.call("GET", path, who, None).await
    }

    pub async fn post(&self, path: &str, who: &Who, body: Value) -> Reply {
        self.call("POST", path, who, Some(body)).await
    }

    pub async fn patch(&self, path: &str, who: &Who, body: Value) -> Reply {
        self.call("PATCH", path, who, Some(body)).await
    }

    pub async fn delete(&self, path: &str, who: &Who) -> Reply {
        self.call("DELETE", path, who, None).await
    }

    /// Creates something and returns its id, failing the test on anything but 201.
    pub async fn create(&self, path: &str, who: &Who, body: Value) -> String {
        let reply = self.post(path, who, body).await;
        assert_eq!(reply.status, 201, "POST {path}: {}", reply.text());
        reply.json()["id"].as_str().expect("an id").to_string()
    }

    pub async fn create_user(&self, who: &Who, email: &str, memberships: Value) -> String {
        let body = json!({"email": email, "password": PASSWORD, "memberships": memberships});
        self.create("/api/v1/users", who, body).await
    }

    /// Rows in a table, read straight from the database.
    pub fn count(&self, table: &str) -> i64 {
        let conn = self.state.pool.get().expect("connection");
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .expect("count")
    }

    pub async fn world(&self) -> World {
        let root = Who::admin();
        let org_a = self
            .create("/api/v1/organisations", &root, json!({"name": "Acme"}))
            .await;
        let org_b = self
            .create("/api/v1/organisations", &root, json!({"name": "Bolt"}))
            .await;
        let s1 = self
            .create(
                "/api/v1/sites",
                &root,
                json!({"organisationId": org_a, "name": "North"}),
            )
            .await;
        let s2 = self
            .create(
                "/api/v1/sites",
                &root,
                json!({"organisationId": org_a, "name": "South"}),
            )
            .await;
        let t1 = self
            .create(
                "/api/v1/sites",
                &root,
                json!({"organisationId": org_b, "name": "East"}),
            )
            .await;
        let p1 = self
            .create(
                "/api/v1/plants",
                &root,
                json!({"siteId": s1, "name": "Press"}),
            )
            .await;
        let p2 = self
            .create(
                "/api/v1/plants",
                &root,
                json!({"siteId": s1, "name": "Paint"}),
            )
            .await;
        let p3 = self
            .create(
                "/api/v1/plants",
                &root,
                json!({"siteId": s2, "name": "Mill"}),
            )
            .await;
        let q1 = self
            .create(
                "/api/v1/plants",
                &root,
                json!({"siteId": t1, "name": "Kiln"}),
            )
            .await;
        self.create_user(
            &root,
            ORG_ADMIN,
            json!([{"organisationId": org_a, "role": "admin"}]),
        )
        .await;
        self.create_user(&root, SITE_ADMIN, json!([{"siteId": s1, "role": "admin"}]))
            .await;
        self.create_user(
            &root,
            PLANT_ADMIN,
            json!([{"plantId": p1, "role": "admin"}]),
        )
        .await;
        self.create_user(&root, SUPPORT, json!([{"siteId": s1, "role": "support"}]))
            .await;
        self.create_user(&root, MEMBER, json!([{"plantId": p1, "role": "member"}]))
            .await;
        let at_p1 = self
            .create_user(
                &root,
                "worker.p1@a.example",
                json!([{"plantId": p1, "role": "viewer"}]),
            )
            .await;
        let at_p2 = self
            .create_user(
                &root,
                "worker.p2@a.example",
                json!([{"plantId": p2, "role": "viewer"}]),
            )
            .await;
        let at_p3 = self
            .create_user(
                &root,
                "worker.p3@a.example",
                json!([{"plantId": p3, "role": "viewer"}]),
            )
            .await;
        let at_q1 = self
            .create_user(
                &root,
                "worker.q1@b.example",
                json!([{"plantId": q1, "role": "viewer"}]),
            )
            .await;
        World {
            org_a,
            org_b,
            s1,
            s2,
            t1,
            p1,
            p2,
            p3,
            q1,
            at_p1,
            at_p2,
            at_p3,
            at_q1,
        }
    }

    /// The organisation, site and plant of the seed documents' samples, kept under their ids.
    pub async fn doc_structure(&self) {
        let root = Who::admin();
        self.create(
            "/api/v1/organisations",
            &root,
            json!({"id": DOC_ORGANISATION, "name": "Demo Org", "domain": "demo.example"}),
        )
        .await;
        self.create(
            "/api/v1/sites",
            &root,
            json!({"id": DOC_SITE, "organisationId": DOC_ORGANISATION, "name": "Demo Site"}),
        )
        .await;
        self.create(
            "/api/v1/plants",
            &root,
            json!({"id": DOC_PLANT, "siteId": DOC_SITE, "name": "4PX Plant"}),
        )
        .await;
    }

    /// A new API key of `who`; returns the secret.
    pub async fn api_key(&self, who: &Who) -> String {
        let reply = self
            .post("/api/v1/api-keys", who, json!({"name": "test"}))
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        reply.json()["secret"]
            .as_str()
            .expect("a secret")
            .to_string()
    }

    /// The documents' structure, and an admin of its organisation (`owner@demo.example`).
    pub async fn doc_admin(&self) -> Who {
        self.doc_structure().await;
        let admin = json!([{"organisationId": DOC_ORGANISATION, "role": "admin"}]);
        self.create_user(&Who::admin(), "owner@demo.example", admin)
            .await;
        Who::basic("owner@demo.example")
    }
}
