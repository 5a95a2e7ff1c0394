//! Registering applications (`/api/v1/oidc-clients`): who may, what a redirect URI may be,
//! and the secret shown once; and signed JWT access tokens (`[tokens] format = "jwt"`).

use crate::common::oidc::{cookie, verified, REDIRECT};
use crate::common::{start, start_with, Who, ADMIN_EMAIL, ADMIN_PASSWORD, ORG_ADMIN, PASSWORD};
use serde_json::json;

#[actix_web::test]
async fn redirect_uris_are_exact_https_or_loopback_and_the_reason_is_named() {
    let app = start().await;
    for (uri, says) in [
        ("http://dashboards.plant.example/cb", "loopback"),
        ("https://*.plant.example/cb", "wildcard"),
        ("https://app.example/cb#frag", "fragment"),
        ("/relative", "absolute"),
    ] {
        let body = json!({"name": "X", "redirectUris": [uri]});
        let reply = app.post("/api/v1/oidc-clients", &Who::admin(), body).await;
        assert_eq!(reply.status, 400, "{uri}");
        assert!(
            reply.text().contains("redirectUris") && reply.text().contains(says),
            "{}",
            reply.text()
        );
    }
    let none = app
        .post(
            "/api/v1/oidc-clients",
            &Who::admin(),
            json!({"name": "X", "redirectUris": []}),
        )
        .await;
    assert_eq!(none.status, 400);
    let unknown = app
        .post(
            "/api/v1/oidc-clients",
            &Who::admin(),
            json!({"name": "X", "redirectUris": [REDIRECT], "scopes": ["openid", "root"]}),
        )
        .await;
    assert_eq!(unknown.status, 400, "{}", unknown.text());
    assert_eq!(app.count("oidc_clients"), 0, "nothing was registered");
}

#[actix_web::test]
async fn the_secret_is_shown_once_and_a_public_client_has_none() {
    let app = start().await;
    let rp = app.register_rp(&Who::admin(), json!({})).await;
    let secret = rp.secret.clone().expect("a confidential client's secret");
    let shown = app
        .get(
            &format!("/api/v1/oidc-clients/{}", rp.client_id),
            &Who::admin(),
        )
        .await;
    assert_eq!(shown.status, 200);
    assert!(shown.json().get("clientSecret").is_none());
    assert!(!shown.text().contains(&secret));
    let stored: Vec<u8> = app
        .state
        .pool
        .get()
        .unwrap()
        .query_row("SELECT secret_hash FROM oidc_clients", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored.len(), 32, "a SHA-256, never the secret");
    let public = app
        .register_rp(&Who::admin(), json!({"public": true}))
        .await;
    assert!(public.secret.is_none());
    let list = app.get("/api/v1/oidc-clients", &Who::admin()).await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let changed = app
        .patch(
            &format!("/api/v1/oidc-clients/{}", rp.client_id),
            &Who::admin(),
            json!({"name": "Historian"}),
        )
        .await;
    assert_eq!(changed.json()["name"], "Historian");
    let flip = app
        .patch(
            &format!("/api/v1/oidc-clients/{}", rp.client_id),
            &Who::admin(),
            json!({"public": true}),
        )
        .await;
    assert_eq!(flip.status, 400, "{}", flip.text());
}

#[actix_web::test]
async fn an_organisation_admin_registers_clients_only_for_their_own_organisation() {
    let app = start().await;
    let world = app.world().await;
    let admin = Who::basic(ORG_ADMIN);
    let body = |orgs: serde_json::Value| json!({"name": "X", "redirectUris": [REDIRECT], "organisationIds": orgs});
    assert_eq!(
        app.post("/api/v1/oidc-clients", &admin, body(json!([world.org_b])))
            .await
            .status,
        403
    );
    assert_eq!(
        app.post("/api/v1/oidc-clients", &admin, body(json!([])))
            .await
            .status,
        403,
        "a client for everyone"
    );
    let skip = json!({"name": "X", "redirectUris": [REDIRECT], "organisationIds": [world.org_a], "skipConsent": true});
    assert_eq!(
        app.post("/api/v1/oidc-clients", &admin, skip).await.status,
        403,
        "skipConsent is a superadmin's"
    );
    for who in [
        Who::basic(crate::common::SITE_ADMIN),
        Who::basic(crate::common::MEMBER),
    ] {
        assert_eq!(
            app.post("/api/v1/oidc-clients", &who, body(json!([world.org_a])))
                .await
                .status,
            403
        );
    }
    let own = app
        .register_rp(&admin, json!({"organisationIds": [world.org_a]}))
        .await;
    let theirs = app
        .register_rp(&Who::admin(), json!({"organisationIds": [world.org_b]}))
        .await;
    let path = |rp: &crate::common::oidc::Rp| format!("/api/v1/oidc-clients/{}", rp.client_id);
    assert_eq!(app.get(&path(&own), &admin).await.status, 200);
    assert_eq!(
        app.get(&path(&theirs), &admin).await.status,
        404,
        "another organisation's"
    );
    assert_eq!(app.delete(&path(&theirs), &admin).await.status, 404);
    let listed = app.get("/api/v1/oidc-clients", &admin).await.json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let moved = app
        .patch(
            &path(&own),
            &admin,
            json!({"organisationIds": [world.org_b]}),
        )
        .await;
    assert_eq!(moved.status, 403, "cannot hand it to another organisation");
    assert_eq!(app.delete(&path(&own), &admin).await.status, 204);
    assert_eq!(app.count("audit WHERE action LIKE 'oidc_client.%'"), 3);
}

#[actix_web::test]
async fn removing_a_client_revokes_its_tokens() {
    let app = start().await;
    app.signing_keys();
    let rp = app.register_rp(&Who::admin(), json!({})).await;
    let session = app.session(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (code, verifier) = app.code_for(&rp, &cookie(&session), "").await;
    let tokens = app.exchange(&rp, &code, &verifier).await.json();
    let access = Who::Bearer(tokens["access_token"].as_str().unwrap().to_string());
    assert_eq!(app.get("/oauth/userinfo", &access).await.status, 200);
    let gone = app
        .delete(
            &format!("/api/v1/oidc-clients/{}", rp.client_id),
            &Who::admin(),
        )
        .await;
    assert_eq!(gone.status, 204);
    assert_eq!(app.get("/oauth/userinfo", &access).await.status, 401);
}

#[actix_web::test]
async fn jwt_access_tokens_verify_offline_and_still_revoke_where_gatehouse_is_asked() {
    let app = start_with(|c| c.tokens.format = gatehouse::config::TokenFormat::Jwt).await;
    app.signing_keys();
    let world = app.world().await;
    let reply = app
        .token(&[
            ("grant_type", "password"),
            ("username", crate::common::MEMBER),
            ("password", PASSWORD),
        ])
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let tokens = reply.json();
    assert_eq!(tokens["expires_in"], 600, "ten minutes by default with jwt");
    let jwt = tokens["access_token"].as_str().unwrap().to_string();
    let header = jsonwebtoken::decode_header(&jwt).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let jwks = app.get("/oauth/jwks", &Who::Nobody).await.json();
    let claims = verified(&jwt, &jwks);
    for claim in ["iss", "sub", "aud", "exp", "iat", "jti", "client_id"] {
        assert!(!claims[claim].is_null(), "{claim}: {claims}");
    }
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        600
    );
    assert_eq!(claims["memberships"][0]["scopeId"], world.p1.as_str());
    let bearer = Who::Bearer(jwt.clone());
    assert_eq!(app.get("/api/v1/users/me", &bearer).await.status, 200);
    // A forged token (same claims, another signature) is nothing.
    let mut forged = jwt.clone();
    forged.truncate(jwt.rfind('.').unwrap() + 1);
    forged.push_str("AAAA");
    assert_eq!(
        app.get("/api/v1/users/me", &Who::Bearer(forged))
            .await
            .status,
        401
    );
    let revoked = app.token_call("/oauth/revoke", &[("token", &jwt)]).await;
    assert_eq!(revoked.status, 200);
    assert_eq!(app.get("/api/v1/users/me", &bearer).await.status, 401);
    let asked = app
        .post("/oauth/introspect", &Who::admin(), json!({"token": jwt}))
        .await;
    assert_eq!(asked.json(), json!({"active": false}));
    // A service's key gets a JWT too, naming the key as its client.
    let key = app.api_key(&Who::admin()).await;
    let key_id = app.get("/api/v1/api-keys", &Who::admin()).await.json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let service = app
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", &key_id),
            ("client_secret", &key),
        ])
        .await;
    let claims = verified(service.json()["access_token"].as_str().unwrap(), &jwks);
    assert_eq!(claims["client_id"], key_id.as_str());
}

#[actix_web::test]
async fn a_replica_serves_discovery_the_keys_and_userinfo_and_sends_sign_ins_to_the_primary() {
    let primary = start().await;
    primary.signing_keys();
    let rp = primary.register_rp(&Who::admin(), json!({})).await;
    let session = primary.session(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (code, verifier) = primary.code_for(&rp, &cookie(&session), "").await;
    let tokens = primary.exchange(&rp, &code, &verifier).await.json();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replica.db");
    gatehouse::db::backup(&primary.state.pool.get().unwrap(), &path).unwrap();
    let mut config = crate::common::test_config(&dir);
    config.database.path = path;
    config.database.mode = gatehouse::config::Mode::Replica;
    config.replica.primary_url = Some("https://gatehouse.plant.example".into());
    let replica = crate::common::start_on(config, dir).await;
    let jwks = replica.get("/oauth/jwks", &Who::Nobody).await;
    assert_eq!(jwks.status, 200);
    verified(tokens["id_token"].as_str().unwrap(), &jwks.json());
    let doc = replica
        .get("/.well-known/openid-configuration", &Who::Nobody)
        .await;
    assert_eq!(doc.status, 200);
    let access = Who::Bearer(tokens["access_token"].as_str().unwrap().to_string());
    assert_eq!(replica.get("/oauth/userinfo", &access).await.status, 200);
    // A code would be a write: the person is told to sign in on the primary.
    let (_, challenge) = crate::common::oidc::pkce();
    let path = crate::common::oidc::authorize_path(&rp, &challenge, "");
    let page = replica.browse(&path, Some(&cookie(&session))).await;
    assert_eq!(page.status, 503, "{}", page.text());
    assert!(
        page.text().contains("https://gatehouse.plant.example"),
        "{}",
        page.text()
    );
    let exchange = replica
        .exchange(&rp, "ghz_x", "y".repeat(43).as_str())
        .await;
    assert_eq!(exchange.status, 503, "{}", exchange.text());
    assert_eq!(exchange.json()["error"], "temporarily_unavailable");
}
