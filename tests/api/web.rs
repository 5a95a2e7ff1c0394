//! Serving the embedded admin page: content types, ETags, caching and the security policy.

use crate::common::*;
use actix_web::test::TestRequest;

#[actix_web::test]
async fn the_page_is_served_with_a_strict_policy_and_revalidated() {
    let app = start().await;
    let page = app.send(TestRequest::get().uri("/")).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.header("cache-control").as_deref(), Some("no-cache"));
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'self'")
            && csp.contains("script-src 'self'")
            && !csp.contains("unsafe"),
        "{csp}"
    );
    let etag = page.header("etag").unwrap();
    let again = app
        .send(
            TestRequest::get()
                .uri("/")
                .insert_header(("If-None-Match", etag)),
        )
        .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert!(!page.text().contains("{{ASSETS}}"));
}

#[actix_web::test]
async fn assets_live_under_a_content_version_and_are_cached_for_long() {
    let app = start().await;
    let html = app.send(TestRequest::get().uri("/")).await.text();
    let script = html
        .split("src=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert!(
        script.starts_with("/assets/") && script.ends_with("/app.js"),
        "{script}"
    );
    let js = app.send(TestRequest::get().uri(&script)).await;
    assert_eq!(js.status, 200);
    assert_eq!(
        js.header("content-type").as_deref(),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(
        js.header("cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    let etag = js.header("etag").unwrap();
    assert_eq!(
        app.send(
            TestRequest::get()
                .uri(&script)
                .insert_header(("If-None-Match", etag))
        )
        .await
        .status,
        304
    );
    let css = script.replace("app.js", "app.css");
    let css = app.send(TestRequest::get().uri(&css)).await;
    assert_eq!(
        css.header("content-type").as_deref(),
        Some("text/css; charset=utf-8")
    );
    assert_eq!(
        app.send(TestRequest::get().uri("/assets/0000000000000000/app.js"))
            .await
            .status,
        404
    );
    assert_eq!(
        app.send(TestRequest::get().uri(&script.replace("app.js", "nothing.js")))
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn the_banner_comes_from_the_configuration_without_signing_in() {
    let app = start_with(|c| c.ui.banner = "Plant 4 systems. Authorised staff only.".into()).await;
    let ui = app.get("/api/v1/ui", &Who::Nobody).await;
    assert_eq!(ui.status, 200);
    assert_eq!(
        ui.json()["banner"],
        "Plant 4 systems. Authorised staff only."
    );
}

#[actix_web::test]
async fn the_role_pickers_get_every_role_with_what_it_may_do_from_the_server() {
    let app = start().await;
    let ui = app.get("/api/v1/ui", &Who::Nobody).await.json();
    let roles = ui["roles"].as_array().unwrap();
    let names: Vec<&str> = roles.iter().map(|r| r["role"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["admin", "support", "supervisor", "member", "viewer"]
    );
    for role in roles {
        let description = role["description"].as_str().unwrap();
        assert!(description.len() > 20, "{role}");
        assert!(!role["name"].as_str().unwrap().is_empty());
    }
    assert!(roles[1]["description"]
        .as_str()
        .unwrap()
        .contains("changes nothing"));
}

#[actix_web::test]
async fn the_password_fields_get_the_configured_minimum() {
    let app = start_with(|c| c.security.password_min_length = 21).await;
    let ui = app.get("/api/v1/ui", &Who::Nobody).await.json();
    assert_eq!(ui["passwordMinLength"], 21);
}

#[actix_web::test]
async fn the_page_gets_no_basic_challenge_so_the_browser_shows_no_password_dialog() {
    let app = start().await;
    let reply = app
        .send(
            TestRequest::get()
                .uri("/api/v1/auth/session")
                .insert_header(("X-Requested-With", "gatehouse")),
        )
        .await;
    assert_eq!(reply.status, 401);
    assert!(reply.header("www-authenticate").is_none());
    let login = TestRequest::post()
        .uri("/api/v1/auth/login")
        .set_json(serde_json::json!({"email": ADMIN_EMAIL, "password": "wrong"}));
    let reply = app.send(login).await;
    assert_eq!(reply.status, 401);
    assert!(reply.header("www-authenticate").is_none());
    // Other clients still get the challenge.
    assert!(app
        .get("/api/v1/users/me", &Who::Nobody)
        .await
        .header("www-authenticate")
        .is_some());
}
