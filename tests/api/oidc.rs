//! OpenID Connect: discovery, the authorization code flow with PKCE, ID tokens, userinfo,
//! refresh and logout, and every refusal the issue names, through the HTTP surface.

use crate::common::oidc::{authorize_path, cookie, param, pkce, verified, AFTER_LOGOUT, REDIRECT};
use crate::common::{start, start_with, Who, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD};
use serde_json::{json, Value};

#[actix_web::test]
async fn discovery_names_every_endpoint_under_the_issuer_and_the_jwks_has_public_keys_only() {
    let app = start().await;
    app.signing_keys();
    let doc = app
        .get("/.well-known/openid-configuration", &Who::Nobody)
        .await
        .json();
    let issuer = doc["issuer"].as_str().unwrap().to_string();
    for (key, path) in [
        ("authorization_endpoint", "/oauth/authorize"),
        ("token_endpoint", "/oauth/token"),
        ("userinfo_endpoint", "/oauth/userinfo"),
        ("jwks_uri", "/oauth/jwks"),
        ("end_session_endpoint", "/oauth/logout"),
    ] {
        assert_eq!(doc[key], format!("{issuer}{path}"), "{key}");
    }
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(doc["response_types_supported"], json!(["code"]));
    let algs = doc["id_token_signing_alg_values_supported"]
        .as_array()
        .unwrap();
    for alg in ["RS256", "ES256", "EdDSA"] {
        assert!(algs.contains(&json!(alg)), "{alg}");
    }
    let jwks = app.get("/oauth/jwks", &Who::Nobody).await.json();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 3, "{jwks}");
    for key in keys {
        assert!(key["kid"].is_string() && key["alg"].is_string(), "{key}");
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(
                key.get(private).is_none(),
                "a private part {private}: {key}"
            );
        }
    }
}

/// The whole flow: sign-in session, consent, code, tokens, ID token, userinfo, refresh.
#[actix_web::test]
async fn the_code_flow_gives_a_signed_id_token_with_the_nonce_and_the_person_s_claims() {
    let app = start().await;
    app.signing_keys();
    let world = app.world().await;
    let rp = app.register_rp(&Who::admin(), json!({})).await;
    assert!(rp.secret.as_deref().is_some_and(|s| s.starts_with("ghc_")));
    let session = app.session(crate::common::MEMBER, PASSWORD).await;
    let (code, verifier) = app.code_for(&rp, &cookie(&session), "").await;
    let reply = app.exchange(&rp, &code, &verifier).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    let tokens = reply.json();
    let jwks = app.get("/oauth/jwks", &Who::Nobody).await.json();
    let id = verified(tokens["id_token"].as_str().unwrap(), &jwks);
    let issuer = app
        .get("/.well-known/openid-configuration", &Who::Nobody)
        .await
        .json()["issuer"]
        .clone();
    assert_eq!(id["iss"], issuer);
    assert_eq!(id["aud"], rp.client_id.as_str());
    assert_eq!(id["nonce"], "n-1");
    assert_eq!(id["email"], crate::common::MEMBER);
    assert_eq!(id["email_verified"], false);
    assert!(id["auth_time"].as_i64().unwrap() <= id["iat"].as_i64().unwrap());
    assert!(id["exp"].as_i64().unwrap() > id["iat"].as_i64().unwrap());
    let held = id["memberships"].as_array().unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0]["scopeId"], world.p1.as_str());
    assert_eq!(held[0]["role"], "member");
    assert_eq!(held[0]["name"], "Press");
    assert!(id["modules"].is_array());

    let access = Who::Bearer(tokens["access_token"].as_str().unwrap().to_string());
    let info = app.get("/oauth/userinfo", &access).await;
    assert_eq!(info.status, 200, "{}", info.text());
    assert_eq!(info.json()["sub"], id["sub"]);
    assert_eq!(info.json()["email"], crate::common::MEMBER);
    let posted = app.call("POST", "/oauth/userinfo", &access, None).await;
    assert_eq!(posted.status, 200, "{}", posted.text());
    assert_eq!(app.get("/oauth/userinfo", &Who::Nobody).await.status, 401);

    let refresh = tokens["refresh_token"].as_str().unwrap();
    let secret = rp.secret.clone().unwrap();
    let again = app
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("client_id", &rp.client_id),
            ("client_secret", &secret),
        ])
        .await;
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["scope"], "openid profile email gatehouse");
    // Without the client's secret, the client's refresh token is refused.
    let stolen = again.json()["refresh_token"].as_str().unwrap().to_string();
    let refused = app
        .token(&[("grant_type", "refresh_token"), ("refresh_token", &stolen)])
        .await;
    assert_eq!(refused.status, 401, "{}", refused.text());
}

#[actix_web::test]
async fn a_code_used_twice_is_refused_and_revokes_the_tokens_issued_from_it() {
    let app = start().await;
    app.signing_keys();
    let rp = app.register_rp(&Who::admin(), json!({})).await;
    let session = app.session(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (code, verifier) = app.code_for(&rp, &cookie(&session), "").await;
    let first = app.exchange(&rp, &code, &verifier).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let access = Who::Bearer(first.json()["access_token"].as_str().unwrap().to_string());
    assert_eq!(app.get("/oauth/userinfo", &access).await.status, 200);
    let second = app.exchange(&rp, &code, &verifier).await;
    assert_eq!(second.status, 400);
    assert_eq!(second.json()["error"], "invalid_grant");
    assert_eq!(
        app.get("/oauth/userinfo", &access).await.status,
        401,
        "revoked"
    );
    let refresh = first.json()["refresh_token"].as_str().unwrap().to_string();
    let secret = rp.secret.clone().unwrap();
    let refreshed = app
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &rp.client_id),
            ("client_secret", &secret),
        ])
        .await;
    assert_eq!(refreshed.status, 400, "the refresh token went with them");
    let reuse = app.count("audit WHERE action = 'oidc.code_reuse'");
    assert_eq!(reuse, 1);
}

#[actix_web::test]
async fn an_unknown_client_or_redirect_uri_is_shown_on_a_page_and_never_redirected() {
    let app = start().await;
    app.signing_keys();
    let rp = app.register_rp(&Who::admin(), json!({})).await;
    let session = app.session(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (_, challenge) = pkce();
    let good = authorize_path(&rp, &challenge, "");
    for bad in [
        good.replace(&rp.client_id, "no-such-client"),
        good.replace("%2Fcallback", "%2Felsewhere"),
        good.replace("http%3A%2F%2F127.0.0.1%3A9", "https%3A%2F%2Fevil.example"),
    ] {
        let reply = app.browse(&bad, Some(&cookie(&session))).await;
        assert_eq!(reply.status, 400, "{bad}");
        assert!(reply.header("location").is_none());
        assert!(reply
            .header("content-type")
            .unwrap()
            .starts_with("text/html"));
        assert!(!reply.text().contains("<script"), "{}", reply.text());
    }
    // The code's redirect URI must be named again, exactly, at the exchange.
    let (code, verifier) = app.code_for(&rp, &cookie(&session), "").await;
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "http://127.0.0.1:9/other"),
        ("code_verifier", verifier.as_str()),
        ("client_id", rp.client_id.as_str()),
    ];
    let secret = rp.secret.clone().unwrap();
    form.push(("client_secret", &secret));
    let reply = app.token(&form).await;
    assert_eq!(reply.json()["error"], "invalid_grant", "{}", reply.text());
}

#[actix_web::test]
async fn pkce_is_required_s256_only_and_the_verifier_must_match() {
    let app = start().await;
    app.signing_keys();
    let rp = app.register_rp(&Who::admin(), json!({})).await;
    let session = app.session(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (verifier, challenge) = pkce();
    let good = authorize_path(&rp, &challenge, "");
    let cases = [
        good.replace(&format!("&code_challenge={challenge}"), ""),
        good.replace("code_challenge_method=S256", "code_challenge_method=plain"),
        good.replace("&code_challenge_method=S256", ""),
    ];
    for case in cases {
        let reply = app.browse(&case, Some(&cookie(&session))).await;
        assert_eq!(reply.status, 303, "{case}: {}", reply.text());
        let to = reply.header("location").unwrap();
        assert!(to.starts_with(REDIRECT), "{to}");
        assert_eq!(
            param(&to, "error").as_deref(),
            Some("invalid_request"),
            "{to}"
        );
        assert_eq!(param(&to, "state").as_deref(), Some("st-1"));
    }
    let (code, _) = app.code_for(&rp, &cookie(&session), "").await;
    let wrong = app.exchange(&rp, &code, &verifier).await;
    assert_eq!(wrong.json()["error"], "invalid_grant", "{}", wrong.text());
    let missing = app
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &rp.client_id),
            ("client_secret", rp.secret.as_deref().unwrap()),
        ])
        .await;
    assert_eq!(
        missing.json()["error"],
        "invalid_request",
        "{}",
        missing.text()
    );
}

#[actix_web::test]
async fn prompt_none_without_a_session_answers_login_required_and_prompt_login_asks_again() {
    let app = start().await;
    app.signing_keys();
    let rp = app.register_rp(&Who::admin(), json!({})).await;
    let (_, challenge) = pkce();
    let silent = authorize_path(&rp, &challenge, "&prompt=none");
    let reply = app.browse(&silent, None).await;
    assert_eq!(reply.status, 303);
    let to = reply.header("location").unwrap();
    assert_eq!(
        param(&to, "error").as_deref(),
        Some("login_required"),
        "{to}"
    );
    // Without a session, the person signs in on Gatehouse's page, which comes back here.
    let reply = app.browse(&authorize_path(&rp, &challenge, ""), None).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let next = next_of(&reply);
    assert!(next.starts_with("/oauth/authorize?"), "{next}");
    assert_eq!(
        param(&next, "client_id").as_deref(),
        Some(rp.client_id.as_str())
    );
    // Signed in, prompt=login asks again, and only a newer sign-in counts.
    let session = app.session(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let reply = app
        .browse(
            &authorize_path(&rp, &challenge, "&prompt=login"),
            Some(&cookie(&session)),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.text().contains("action=\"/oauth/signin\""));
    let next = next_of(&reply);
    assert!(
        param(&next, "prompt").is_none() && param(&next, "auth_after").is_some(),
        "{next}"
    );
    let again = app.sign_in_form(ADMIN_EMAIL, ADMIN_PASSWORD, &next).await;
    assert_eq!(again.status, 303, "{}", again.text());
    assert_eq!(again.header("location").as_deref(), Some(next.as_str()));
}

/// The `next` a sign-in page carries.
fn next_of(page: &crate::common::Reply) -> String {
    crate::common::oidc::hidden_fields(&page.text())
        .into_iter()
        .find(|(k, _)| k == "next")
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("a sign-in page: {}", page.text()))
}

#[actix_web::test]
async fn the_sign_in_page_has_the_banner_the_lockout_and_sends_a_temporary_password_to_be_changed()
{
    let app = start_with(|c| c.ui.banner = "Authorised use only <plant>".into()).await;
    app.signing_keys();
    let world = app.world().await;
    let rp = app.register_rp(&Who::admin(), json!({})).await;
    let (_, challenge) = pkce();
    let page = app.browse(&authorize_path(&rp, &challenge, ""), None).await;
    assert!(
        page.text().contains("Authorised use only &lt;plant&gt;"),
        "{}",
        page.text()
    );
    assert!(!page.text().contains("<script"));
    let next = next_of(&page);
    let wrong = app
        .sign_in_form(crate::common::MEMBER, "not the password", &next)
        .await;
    assert_eq!(wrong.status, 401);
    assert!(
        wrong.text().contains("Wrong email or password"),
        "{}",
        wrong.text()
    );
    assert!(wrong.header("set-cookie").is_none());
    let elsewhere = app
        .sign_in_form(crate::common::MEMBER, PASSWORD, "https://evil.example/")
        .await;
    assert_eq!(
        elsewhere.status, 400,
        "only back to an authorization request"
    );
    let ok = app
        .sign_in_form(crate::common::MEMBER, PASSWORD, &next)
        .await;
    assert_eq!(ok.status, 303, "{}", ok.text());
    assert_eq!(ok.header("location").as_deref(), Some(next.as_str()));
    let cookies: Vec<String> = ok
        .headers
        .get_all("set-cookie")
        .map(|c| c.to_str().unwrap().to_string())
        .collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("gatehouse_sso=")
            && c.contains("SameSite=Lax")
            && c.contains("Path=/oauth")),
        "{cookies:?}"
    );
    let cookie = cookies[0].split(';').next().unwrap().to_string();
    let consent = app.browse(&next, Some(&cookie)).await;
    assert!(
        consent.text().contains("Allow this application?"),
        "{}",
        consent.text()
    );
    // A temporary password signs in, then goes to the admin page's forced change first.
    let reset = app
        .post(
            &format!("/api/v1/users/{}/reset-password", world.at_p1),
            &Who::admin(),
            json!({}),
        )
        .await;
    let temporary = reset.json()["temporaryPassword"]
        .as_str()
        .unwrap()
        .to_string();
    let first = app
        .sign_in_form("worker.p1@a.example", &temporary, &next)
        .await;
    assert_eq!(first.status, 303, "{}", first.text());
    let to = first.header("location").unwrap();
    assert_eq!(param(&to, "next").as_deref(), Some(next.as_str()), "{to}");
    assert!(to.starts_with("/?"), "{to}");
    let ui = app
        .get(
            &format!("/api/v1/ui?{}", to.trim_start_matches("/?")),
            &Who::Nobody,
        )
        .await
        .json();
    assert_eq!(ui["continueTo"], next.as_str());
    let elsewhere = app
        .get(
            "/api/v1/ui?next=https%3A%2F%2Fevil.example%2F",
            &Who::Nobody,
        )
        .await
        .json();
    assert!(
        elsewhere["continueTo"].is_null(),
        "only back to an authorization request"
    );
    // Five wrong passwords lock the account here as anywhere.
    for _ in 0..5 {
        app.sign_in_form("worker.p2@a.example", "wrong", &next)
            .await;
    }
    let locked = app
        .sign_in_form("worker.p2@a.example", PASSWORD, &next)
        .await;
    assert_ne!(locked.status, 303, "locked out: {}", locked.text());
}

#[actix_web::test]
async fn logout_with_the_id_token_ends_the_session_and_returns_to_the_registered_uri() {
    let app = start().await;
    app.signing_keys();
    let rp = app.register_rp(&Who::admin(), json!({})).await;
    let session = app.session(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (code, verifier) = app.code_for(&rp, &cookie(&session), "").await;
    let id_token = app.exchange(&rp, &code, &verifier).await.json()["id_token"]
        .as_str()
        .unwrap()
        .to_string();
    let query = serde_urlencoded::to_string([
        ("id_token_hint", id_token.as_str()),
        ("post_logout_redirect_uri", AFTER_LOGOUT),
        ("state", "bye"),
    ])
    .unwrap();
    // An unregistered destination is refused on a page, and nothing ends.
    let evil = query.replace("signed-out", "phish");
    let reply = app
        .browse(&format!("/oauth/logout?{evil}"), Some(&cookie(&session)))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(app.get("/api/v1/auth/session", &session).await.status, 200);
    let reply = app
        .browse(&format!("/oauth/logout?{query}"), Some(&cookie(&session)))
        .await;
    assert_eq!(reply.status, 303, "{}", reply.text());
    assert_eq!(
        reply.header("location").unwrap(),
        format!("{AFTER_LOGOUT}?state=bye")
    );
    assert!(reply
        .headers
        .get_all("set-cookie")
        .any(|c| c.to_str().unwrap().contains("Max-Age=0")));
    assert_eq!(
        app.get("/api/v1/auth/session", &session).await.status,
        401,
        "the session ended"
    );
    assert_eq!(app.count("audit WHERE action = 'oidc.logout'"), 1);
}

#[actix_web::test]
async fn logout_without_a_hint_asks_the_person_first() {
    let app = start().await;
    app.signing_keys();
    let session = app.session(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let reply = app.browse("/oauth/logout", Some(&cookie(&session))).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        app.get("/api/v1/auth/session", &session).await.status,
        200,
        "not yet"
    );
    let mut fields = crate::common::oidc::hidden_fields(&reply.text());
    let forged: Vec<(String, String)> = vec![("csrf_token".into(), "forged".into())];
    let reply2 = app
        .submit("/oauth/logout", &cookie(&session), &forged)
        .await;
    assert_eq!(reply2.status, 200, "a forged confirmation only asks again");
    assert_eq!(app.get("/api/v1/auth/session", &session).await.status, 200);
    fields.retain(|(k, _)| k == "csrf_token");
    let done = app
        .submit("/oauth/logout", &cookie(&session), &fields)
        .await;
    assert_eq!(done.status, 200);
    assert!(done.text().contains("signed out"), "{}", done.text());
    assert_eq!(app.get("/api/v1/auth/session", &session).await.status, 401);
}

#[actix_web::test]
async fn a_code_of_a_user_disabled_since_is_refused_at_the_exchange() {
    let app = start().await;
    app.signing_keys();
    let world = app.world().await;
    let rp = app.register_rp(&Who::admin(), json!({})).await;
    let session = app.session("worker.p1@a.example", PASSWORD).await;
    let (code, verifier) = app.code_for(&rp, &cookie(&session), "").await;
    let disabled = app
        .patch(
            &format!("/api/v1/users/{}", world.at_p1),
            &Who::admin(),
            json!({"status": "disabled"}),
        )
        .await;
    assert_eq!(disabled.status, 200, "{}", disabled.text());
    let reply = app.exchange(&rp, &code, &verifier).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"], "invalid_grant");
}

#[actix_web::test]
async fn an_organisation_limited_client_refuses_a_user_of_another_organisation() {
    let app = start().await;
    app.signing_keys();
    let world = app.world().await;
    let rp = app
        .register_rp(
            &Who::basic(crate::common::ORG_ADMIN),
            json!({"organisationIds": [world.org_a]}),
        )
        .await;
    let outsider = app.session("worker.q1@b.example", PASSWORD).await;
    let (_, challenge) = pkce();
    let reply = app
        .browse(
            &authorize_path(&rp, &challenge, ""),
            Some(&cookie(&outsider)),
        )
        .await;
    assert_eq!(reply.status, 303, "{}", reply.text());
    let to = reply.header("location").unwrap();
    assert_eq!(
        param(&to, "error").as_deref(),
        Some("access_denied"),
        "{to}"
    );
    // A member of A signs in, and learns only of A's memberships.
    let insider = app.session("worker.p1@a.example", PASSWORD).await;
    let (code, verifier) = app.code_for(&rp, &cookie(&insider), "").await;
    let reply = app.exchange(&rp, &code, &verifier).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}

#[actix_web::test]
async fn consent_is_asked_once_denial_goes_back_as_access_denied_and_it_can_be_revoked() {
    let app = start().await;
    app.signing_keys();
    let rp = app.register_rp(&Who::admin(), json!({})).await;
    let session = app.session(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (_, challenge) = pkce();
    let path = authorize_path(&rp, &challenge, "");
    let page = app.browse(&path, Some(&cookie(&session))).await;
    assert!(page.text().contains("Dashboards") && page.text().contains("Your email address"));
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("form-action 'self' http://127.0.0.1:9"),
        "{csp}"
    );
    let denied = app.answer_consent(&cookie(&session), &page, "deny").await;
    let to = denied.header("location").unwrap();
    assert_eq!(param(&to, "error").as_deref(), Some("access_denied"));
    // A forged form (no CSRF token of the session) is refused on a page.
    let mut forged = crate::common::oidc::hidden_fields(&page.text());
    forged.retain(|(k, _)| k != "csrf_token");
    forged.push(("decision".into(), "allow".into()));
    assert_eq!(
        app.submit("/oauth/authorize", &cookie(&session), &forged)
            .await
            .status,
        400
    );
    let (code, verifier) = app.code_for(&rp, &cookie(&session), "").await;
    let tokens = app.exchange(&rp, &code, &verifier).await.json();
    // Asked again: no consent screen.
    let again = app.browse(&path, Some(&cookie(&session))).await;
    assert_eq!(again.status, 303, "no second consent");
    let mine = app.get("/api/v1/users/me/consents", &session).await.json();
    assert_eq!(mine["items"][0]["clientId"], rp.client_id.as_str());
    let gone = app
        .delete(
            &format!("/api/v1/users/me/consents/{}", rp.client_id),
            &session,
        )
        .await;
    assert_eq!(gone.status, 204, "{}", gone.text());
    let access = Who::Bearer(tokens["access_token"].as_str().unwrap().to_string());
    assert_eq!(
        app.get("/oauth/userinfo", &access).await.status,
        401,
        "its tokens ended"
    );
    assert_eq!(
        app.browse(&path, Some(&cookie(&session))).await.status,
        200,
        "asked again"
    );
    for action in [
        "oidc.authorize",
        "oidc.consent",
        "oidc.code_exchange",
        "oidc.consent_revoke",
    ] {
        let rows = app.count(&format!(
            "audit WHERE action = '{action}' AND summary LIKE '%{}%'",
            rp.client_id
        ));
        assert!(rows >= 1, "{action}");
    }
}

#[actix_web::test]
async fn a_rotated_key_still_verifies_the_tokens_it_signed() {
    let app = start().await;
    app.signing_keys();
    let rp = app
        .register_rp(&Who::admin(), json!({"signingAlg": "EdDSA"}))
        .await;
    let session = app.session(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (code, verifier) = app.code_for(&rp, &cookie(&session), "").await;
    let old = app.exchange(&rp, &code, &verifier).await.json()["id_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        jsonwebtoken::decode_header(&old).unwrap().alg,
        jsonwebtoken::Algorithm::EdDSA
    );
    {
        let mut conn = app.state.pool.get().unwrap();
        gatehouse::ops::oidc::keys::rotate(&mut conn, &app.state.env).unwrap();
    }
    let jwks = app.get("/oauth/jwks", &Who::Nobody).await.json();
    assert_eq!(
        jwks["keys"].as_array().unwrap().len(),
        6,
        "the old keys stay published"
    );
    let claims: Value = verified(&old, &jwks);
    assert_eq!(claims["aud"], rp.client_id.as_str());
    let (code, verifier) = app.code_for(&rp, &cookie(&session), "").await;
    let new = app.exchange(&rp, &code, &verifier).await.json()["id_token"]
        .as_str()
        .unwrap()
        .to_string();
    let kid = |t: &str| jsonwebtoken::decode_header(t).unwrap().kid.unwrap();
    assert_ne!(kid(&old), kid(&new), "the new key signs now");
    verified(&new, &jwks);
}
