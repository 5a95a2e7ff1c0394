//! An application signing people in with Gatehouse, in-process: registering it, the
//! authorization request with PKCE, the consent form, and the code exchange.

use super::{Reply, TestApp, Who};
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::TestRequest;
use actix_web::Error;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const REDIRECT: &str = "http://127.0.0.1:9/callback";
pub const AFTER_LOGOUT: &str = "http://127.0.0.1:9/signed-out";

/// A registered application.
#[derive(Clone, Debug)]
pub struct Rp {
    pub client_id: String,
    pub secret: Option<String>,
}

/// A PKCE verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(&verifier));
    (verifier, challenge)
}

/// The cookie header of a session caller.
pub fn cookie(who: &Who) -> String {
    match who {
        Who::Session { cookie, .. } => cookie.clone(),
        other => panic!("not a session: {other:?}"),
    }
}

/// The value of `name` in a URL's query.
pub fn param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The hidden fields of a page's form.
pub fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let unescape = |s: &str| {
        s.replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    };
    html.split("<input type=\"hidden\" ")
        .skip(1)
        .filter_map(|rest| {
            let name = rest.split("name=\"").nth(1)?.split('"').next()?;
            let value = rest.split("value=\"").nth(1)?.split('"').next()?;
            Some((unescape(name), unescape(value)))
        })
        .collect()
}

impl<S, B> TestApp<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    /// Makes the signing keys, as `gatehouse init` does at the first start.
    pub fn signing_keys(&self) {
        let mut conn = self.state.pool.get().expect("connection");
        gatehouse::ops::oidc::keys::ensure(&mut conn, &self.state.env).expect("keys");
    }

    /// Registers an application as `who`, with `extra` fields over the defaults.
    pub async fn register_rp(&self, who: &Who, extra: Value) -> Rp {
        let mut body = json!({"name": "Dashboards", "redirectUris": [REDIRECT],
            "postLogoutRedirectUris": [AFTER_LOGOUT]});
        for (k, v) in extra.as_object().expect("an object") {
            body[k] = v.clone();
        }
        let reply = self.post("/api/v1/oidc-clients", who, body).await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        let out = reply.json();
        Rp {
            client_id: out["clientId"].as_str().expect("clientId").to_string(),
            secret: out["clientSecret"].as_str().map(str::to_string),
        }
    }

    /// GET with the session cookie only, as a browser navigating.
    pub async fn browse(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut req = TestRequest::get().uri(path);
        if let Some(cookie) = cookie {
            req = req.insert_header(("Cookie", cookie.to_string()));
        }
        self.send(req).await
    }

    /// A form post with the session cookie, from Gatehouse's own page.
    pub async fn submit(&self, path: &str, cookie: &str, fields: &[(String, String)]) -> Reply {
        let body = serde_urlencoded::to_string(fields).expect("form");
        let req = TestRequest::post()
            .uri(path)
            .insert_header(("Cookie", cookie.to_string()))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload(body);
        self.send(req).await
    }

    /// The sign-in page's form, posted.
    pub async fn sign_in_form(&self, email: &str, password: &str, next: &str) -> Reply {
        let body =
            serde_urlencoded::to_string([("email", email), ("password", password), ("next", next)])
                .expect("form");
        let req = TestRequest::post()
            .uri("/oauth/signin")
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload(body);
        self.send(req).await
    }

    /// Answers a consent page: `allow` or `deny`.
    pub async fn answer_consent(&self, cookie: &str, page: &Reply, decision: &str) -> Reply {
        assert_eq!(page.status, 200, "a consent page: {}", page.text());
        let mut fields = hidden_fields(&page.text());
        fields.push(("decision".into(), decision.into()));
        self.submit("/oauth/authorize", cookie, &fields).await
    }

    /// The code for `rp` from the signed-in `cookie`: authorize, consent if asked, the code
    /// from the redirect. Returns the code and the verifier.
    pub async fn code_for(&self, rp: &Rp, cookie: &str, extra: &str) -> (String, String) {
        let (verifier, challenge) = pkce();
        let mut reply = self
            .browse(&authorize_path(rp, &challenge, extra), Some(cookie))
            .await;
        if reply.status == 200 {
            reply = self.answer_consent(cookie, &reply, "allow").await;
        }
        assert_eq!(reply.status, 303, "{}", reply.text());
        let location = reply.header("location").expect("a redirect");
        assert!(location.starts_with(REDIRECT), "{location}");
        assert_eq!(param(&location, "state").as_deref(), Some("st-1"));
        let code = param(&location, "code").unwrap_or_else(|| panic!("a code: {location}"));
        (code, verifier)
    }

    /// The token endpoint with a form body.
    pub async fn token(&self, form: &[(&str, &str)]) -> Reply {
        self.token_call("/oauth/token", form).await
    }

    /// An OAuth endpoint (token, revoke) with a form body.
    pub async fn token_call(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        let req = TestRequest::post()
            .uri(path)
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload(serde_urlencoded::to_string(form).expect("form"));
        self.send(req).await
    }

    /// Exchanges a code as `rp`.
    pub async fn exchange(&self, rp: &Rp, code: &str, verifier: &str) -> Reply {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
            ("client_id", rp.client_id.as_str()),
        ];
        if let Some(secret) = &rp.secret {
            form.push(("client_secret", secret.as_str()));
        }
        self.token(&form).await
    }
}

/// An authorization request of `rp` with the usual scope, state and nonce, and `extra`.
pub fn authorize_path(rp: &Rp, challenge: &str, extra: &str) -> String {
    let query = serde_urlencoded::to_string([
        ("response_type", "code"),
        ("client_id", rp.client_id.as_str()),
        ("redirect_uri", REDIRECT),
        ("scope", "openid profile email gatehouse"),
        ("state", "st-1"),
        ("nonce", "n-1"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ])
    .expect("query");
    format!("/oauth/authorize?{query}{extra}")
}

/// The claims of a JWT that one of `jwks`'s keys signed; panics otherwise.
pub fn verified(token: &str, jwks: &Value) -> Value {
    let set: jsonwebtoken::jwk::JwkSet = serde_json::from_value(jwks.clone()).expect("a JWKS");
    let kid = jsonwebtoken::decode_header(token)
        .expect("a JWT")
        .kid
        .expect("a kid");
    let jwk = set
        .find(&kid)
        .unwrap_or_else(|| panic!("no key {kid} in the JWKS"));
    gatehouse::signing::verified::<Value>(token, jwk).expect("a valid signature")
}
