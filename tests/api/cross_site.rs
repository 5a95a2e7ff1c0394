//! Requests a browser sends from another site with ambient credentials, Gatehouse behind a
//! TLS-terminating proxy, and the smaller holes: caching of secrets, CSV cells, configuration
//! bounds, 72-byte passwords, `:` in emails, and a token for a password that must change.

use crate::common::*;
use actix_web::test::TestRequest;
use serde_json::json;

const PROXY: &str = "10.0.0.5";

fn create_user_request(email: &str, plant: &str) -> TestRequest {
    authorize(TestRequest::post().uri("/api/v1/users"), &Who::admin()).set_json(
        json!({"email": email, "password": PASSWORD, "memberships": [{"plantId": plant, "role": "viewer"}]}),
    )
}

#[actix_web::test]
async fn a_state_changing_request_from_another_origin_is_refused_whatever_the_credential() {
    let app = start().await;
    let w = app.world().await;
    let before = app.count("users");
    let from_evil = create_user_request("evil1@a.example", &w.p1)
        .insert_header(("Host", "gatehouse.test"))
        .insert_header(("Origin", "http://evil.example"));
    let reply = app.send(from_evil).await;
    assert_eq!(reply.status, 403, "{}", reply.text());
    assert!(reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("cross-origin"));
    let by_referer = create_user_request("evil2@a.example", &w.p1)
        .insert_header(("Host", "gatehouse.test"))
        .insert_header(("Referer", "http://evil.example/form.html"));
    assert_eq!(app.send(by_referer).await.status, 403);
    let null_origin = create_user_request("evil3@a.example", &w.p1)
        .insert_header(("Host", "gatehouse.test"))
        .insert_header(("Origin", "null"));
    assert_eq!(app.send(null_origin).await.status, 403);
    // An API key is refused the same way when a browser carries it cross-site.
    let key = app.api_key(&Who::admin()).await;
    let keyed = TestRequest::post()
        .uri("/api/v1/organisations")
        .insert_header(("X-API-KEY", key))
        .insert_header(("Host", "gatehouse.test"))
        .insert_header(("Origin", "http://evil.example"))
        .set_json(json!({"name": "Evil"}));
    assert_eq!(app.send(keyed).await.status, 403);
    assert_eq!(app.count("users"), before);
    // Our own origin, and scripts that send no origin at all, go through.
    let own = create_user_request("own@a.example", &w.p1)
        .insert_header(("Host", "gatehouse.test"))
        .insert_header(("Origin", "http://gatehouse.test"));
    assert_eq!(app.send(own).await.status, 201);
    let script = create_user_request("script@a.example", &w.p1);
    assert_eq!(app.send(script).await.status, 201);
    // Reads are not refused: a cross-site GET reads nothing the browser shows the other site.
    let read = authorize(TestRequest::get().uri("/api/v1/users/me"), &Who::admin())
        .insert_header(("Origin", "http://evil.example"));
    assert_eq!(app.send(read).await.status, 200);
}

#[actix_web::test]
async fn a_cross_site_text_form_cannot_create_a_superadmin_through_fourpointx() {
    let app = start().await;
    let body = r#"{"username": "evil@plant.example", "mobile_number": "1234567890", "country_code": "+44", "user_type": "saas-admin", "password": "a long enough pass phrase"}"#;
    let form = authorize(TestRequest::post().uri("/_config/users/"), &Who::admin())
        .insert_header(("Content-Type", "text/plain"))
        .insert_header(("Host", "gatehouse.test"))
        .insert_header(("Origin", "http://evil.example"))
        .set_payload(body);
    assert_eq!(app.send(form).await.status, 403);
    // Even without an Origin, a body not sent as JSON is the documented 400.
    let text = authorize(TestRequest::post().uri("/_config/users/"), &Who::admin())
        .insert_header(("Content-Type", "text/plain"))
        .set_payload(body);
    let reply = app.send(text).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["error"]["message"], "Invalid content type");
    assert_eq!(app.count("users"), 1);
}

#[actix_web::test]
async fn behind_a_tls_proxy_the_page_works_at_the_public_url_and_forwarded_headers_count_only_from_the_proxy(
) {
    let app = start_with(|c| {
        c.server.public_url = Some("https://gatehouse.plant.example".into());
        c.lockout.trusted_proxies = vec![PROXY.parse().unwrap()];
    })
    .await;
    let login = TestRequest::post()
        .uri("/api/v1/auth/login")
        .peer_addr(format!("{PROXY}:40000").parse().unwrap())
        .insert_header(("Origin", "https://gatehouse.plant.example"))
        .set_json(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}));
    let reply = app.send(login).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let set = reply.header("set-cookie").unwrap();
    assert!(
        set.starts_with("__Host-gatehouse_session=") && set.contains("Secure"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_string();
    let csrf = reply.json()["csrfToken"].as_str().unwrap().to_string();
    let change = |origin: &str| {
        TestRequest::post()
            .uri("/api/v1/organisations")
            .peer_addr(format!("{PROXY}:40001").parse().unwrap())
            .insert_header(("Cookie", cookie.clone()))
            .insert_header(("X-CSRF-Token", csrf.clone()))
            .insert_header(("X-Requested-With", "gatehouse"))
            .insert_header(("Origin", origin.to_string()))
            .set_json(json!({"name": format!("From {origin}")}))
    };
    let ok = app.send(change("https://gatehouse.plant.example")).await;
    assert_eq!(ok.status, 201, "{}", ok.text());
    assert_eq!(app.send(change("https://evil.example")).await.status, 403);

    // Without public_url, X-Forwarded-Host names our origin only when the proxy sent it.
    let app = start_with(|c| c.lockout.trusted_proxies = vec![PROXY.parse().unwrap()]).await;
    let forwarded = |peer: &str, name: &str| {
        create_user_request(name, "unused")
            .peer_addr(format!("{peer}:40002").parse().unwrap())
            .insert_header(("Host", "127.0.0.1:8080"))
            .insert_header(("X-Forwarded-Host", "evil.example"))
            .insert_header(("X-Forwarded-Proto", "https"))
            .insert_header(("Origin", "https://evil.example"))
    };
    let spoofed = app.send(forwarded("192.0.2.7", "a@a.example")).await;
    assert_eq!(
        spoofed.status, 403,
        "X-Forwarded-Host from anyone must not count"
    );
    let proxied = app.send(forwarded(PROXY, "b@a.example")).await;
    assert_ne!(proxied.status, 403, "{}", proxied.text());
}

#[actix_web::test]
async fn every_answer_that_carries_a_secret_is_never_cached() {
    let app = start().await;
    let admin = app.doc_admin().await;
    let root = Who::admin();
    let key = app.api_key(&root).await;
    let no_store = |reply: &Reply, what: &str| {
        assert!(reply.status < 300, "{what}: {}", reply.text());
        assert_eq!(
            reply.header("cache-control").as_deref(),
            Some("no-store"),
            "{what}"
        );
    };
    let v1 = app
        .post("/api/v1/users", &root, json!({"email": "t1@plant.example", "memberships": [{"siteId": DOC_SITE, "role": "member"}]}))
        .await;
    no_store(&v1, "native create with a temporary password");
    let id = v1.json()["id"].as_str().unwrap().to_string();
    let reset = app
        .post(
            &format!("/api/v1/users/{id}/reset-password"),
            &root,
            json!({}),
        )
        .await;
    no_store(&reset, "reset");
    let created_key = app
        .post("/api/v1/api-keys", &admin, json!({"name": "k"}))
        .await;
    no_store(&created_key, "API key");
    let busroot = TestRequest::post()
        .uri(&format!("/api/admin/user?accountId={DOC_ORGANISATION}"))
        .insert_header(("X-API-KEY", key.clone()))
        .set_json(json!({"email": "t2@plant.example", "role": "member"}));
    no_store(&app.send(busroot).await, "Busroot create");
    let fourpointx = json!({"site_id": DOC_SITE, "plant_id": DOC_PLANT, "username": "t3@plant.example",
        "mobile_number": "1234567890", "country_code": "+44", "user_type": "general-user"});
    no_store(
        &app.call("POST", "/_config/users/", &root, Some(fourpointx))
            .await,
        "4PointX create",
    );
    let hoxton = json!({"email": "t4@plant.example", "firstName": "T", "lastName": "Four",
        "organisationId": DOC_ORGANISATION, "roles": ["member"]});
    no_store(
        &app.call("PUT", "/users", &root, Some(hoxton)).await,
        "Hoxton create",
    );
    let login = TestRequest::post()
        .uri("/api/v1/auth/login")
        .set_json(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}));
    no_store(&app.send(login).await, "login");
}

#[actix_web::test]
async fn csv_exports_quote_every_cell_so_no_separator_starts_a_formula() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    app.patch(
        &format!("/api/v1/users/{}", w.at_p1),
        &root,
        json!({"firstName": "a;=1+1", "lastName": "=HYPERLINK(1)"}),
    )
    .await;
    let csv = app
        .get("/api/v1/users/export.csv?q=worker.p1", &root)
        .await
        .text();
    let line = csv.lines().nth(1).unwrap();
    assert!(line.contains("\"a;=1+1\""), "{line}");
    assert!(line.contains("\"'=HYPERLINK(1)\""), "{line}");
    assert!(
        line.split(',')
            .all(|cell| cell.starts_with('"') && cell.ends_with('"')),
        "{line}"
    );
}

#[test]
fn durations_and_counts_past_their_bounds_are_refused_at_start_with_one_line() {
    let cases = [
        (
            "[lockout]\nduration = \"3000000d\"\n",
            "lockout.duration: must be at most 30d",
        ),
        (
            "[tokens]\naccess_ttl = \"401d\"\n",
            "tokens.access_ttl: must be at most 400d",
        ),
        (
            "[tokens]\nrefresh_ttl = \"999999d\"\n",
            "tokens.refresh_ttl: must be at most 400d",
        ),
        (
            "[lockout]\nmax_failures = 100000\n",
            "lockout.max_failures: must be at most 1000",
        ),
        (
            "[sessions]\nidle_timeout = \"31d\"\n",
            "sessions.idle_timeout: must be at most 30d",
        ),
    ];
    for (text, wanted) in cases {
        let table: toml::Table = text.parse().unwrap();
        let error = gatehouse::config::Config::from_table(table, "config.toml").unwrap_err();
        let line = error.to_string();
        assert!(line.contains(wanted), "{text}: {line}");
        assert_eq!(line.lines().count(), 1);
    }
    let table: toml::Table = "[server]\npublic_url = \"ftp://x\"\n".parse().unwrap();
    assert!(gatehouse::config::Config::from_table(table, "config.toml")
        .unwrap_err()
        .to_string()
        .contains("server.public_url"));
}

#[actix_web::test]
async fn a_password_of_exactly_72_bytes_is_taken_whole_and_73_are_refused() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    let exact = "a".repeat(36) + &"b".repeat(36);
    let body = json!({"email": "long@a.example", "password": exact, "memberships": [{"plantId": w.p1, "role": "viewer"}]});
    let created = app.post("/api/v1/users", &root, body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(
        app.status(
            "GET",
            "/api/v1/users/me",
            &Who::Basic("long@a.example".into(), exact.clone()),
            None
        )
        .await,
        200
    );
    // Every byte counts: the last one changed is a wrong password.
    let almost = "a".repeat(36) + &"b".repeat(35) + "c";
    assert_eq!(
        app.status(
            "GET",
            "/api/v1/users/me",
            &Who::Basic("long@a.example".into(), almost),
            None
        )
        .await,
        401
    );
    let too_long = exact + "x";
    let body = json!({"email": "longer@a.example", "password": too_long, "memberships": [{"plantId": w.p1, "role": "viewer"}]});
    let refused = app.post("/api/v1/users", &root, body).await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.text().contains("at most 72 bytes"),
        "{}",
        refused.text()
    );
}

#[actix_web::test]
async fn an_email_with_a_colon_is_refused_because_basic_could_never_sign_it_in() {
    let app = start().await;
    let w = app.world().await;
    let body = json!({"email": "a:b@a.example", "password": PASSWORD, "memberships": [{"plantId": w.p1, "role": "viewer"}]});
    let refused = app.post("/api/v1/users", &Who::admin(), body).await;
    assert_eq!(refused.status, 400);
    assert!(refused.text().contains("HTTP Basic"), "{}", refused.text());
}

#[actix_web::test]
async fn the_password_grant_refuses_a_user_who_must_change_their_password() {
    let app = start().await;
    let w = app.world().await;
    let root = Who::admin();
    let reset = app
        .post(
            &format!("/api/v1/users/{}/reset-password", w.at_p1),
            &root,
            json!({}),
        )
        .await;
    let temporary = reset.json()["temporaryPassword"]
        .as_str()
        .unwrap()
        .to_string();
    let grant = TestRequest::post()
        .uri("/oauth/token")
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .set_payload(format!(
            "grant_type=password&username=worker.p1@a.example&password={temporary}"
        ));
    let reply = app.send(grant).await;
    assert_eq!(reply.status, 400, "{}", reply.text());
    assert_eq!(reply.json()["error"], "invalid_grant");
    assert!(reply.json()["error_description"]
        .as_str()
        .unwrap()
        .contains("must be changed"));
}
