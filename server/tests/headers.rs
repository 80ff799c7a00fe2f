//! The headers every answer carries: a per-page Content-Security-Policy
//! whose nonce is the one on the page's scripts, no caching of pages and
//! answers (a secret shown once must not sit in a cache), and the usual
//! hardening headers.

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::{TestApp, backends, page};
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn fetch(app: &TestApp, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let response = app.router.clone().oneshot(request).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn header(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers
        .get(&name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} header"))
}

#[tokio::test]
async fn pages_carry_a_fresh_nonce_policy_that_their_scripts_match() {
    let app = TestApp::start(&backends()[0]).await;
    let mut nonces = Vec::new();
    for (path, cookie) in [
        ("/login", None),
        ("/settings/api-keys", Some(app.session.as_str())),
        ("/settings/webhooks", Some(app.session.as_str())),
    ] {
        let (status, headers, html) = fetch(&app, page(path, cookie)).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let csp = header(&headers, header::CONTENT_SECURITY_POLICY);
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap_or_else(|| panic!("{path}: no nonce in {csp}"));
        for directive in [
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
            "'strict-dynamic'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        // Every script on the page carries exactly this nonce.
        let scripts = html.matches("<script").count();
        assert!(scripts >= 1, "{path}");
        assert_eq!(
            html.matches(&format!("nonce=\"{nonce}\"")).count(),
            scripts,
            "{path}: {html}"
        );
        assert_eq!(
            header(&headers, header::CACHE_CONTROL),
            "no-store",
            "{path}"
        );
        assert_eq!(header(&headers, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(header(&headers, header::REFERRER_POLICY), "same-origin");
        nonces.push(nonce.to_owned());
    }
    nonces.sort();
    nonces.dedup();
    assert_eq!(nonces.len(), 3, "a new nonce for every page");
}

/// Pages rendered at the same time, on several threads, each keep their
/// own policy: a page whose header fell back to `default-src 'none'` would
/// block its own scripts and never hydrate.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_rendered_concurrently_each_carry_their_own_policy() {
    let app = std::sync::Arc::new(TestApp::start(&backends()[0]).await);
    let paths = [
        "/settings/api-keys",
        "/settings/webhooks",
        "/settings/audit-log",
        "/login",
    ];
    let mut tasks = tokio::task::JoinSet::new();
    for round in 0..100 {
        let app = app.clone();
        let path = paths[round % paths.len()];
        // Server function calls in between, as a page's islands make them.
        let call = app.clone();
        tasks.spawn(async move {
            let endpoint = ["/api/webhooks/overview", "/api/keys/table"][round % 2];
            let request = Request::post(endpoint)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::COOKIE, &call.session)
                .body(Body::from("{}"))
                .unwrap();
            let (status, _, body) = fetch(&call, request).await;
            assert_eq!(status, StatusCode::OK, "{endpoint}: {body}");
        });
        tasks.spawn(async move {
            let cookie = (path != "/login").then_some(app.session.as_str());
            let (status, headers, html) = fetch(&app, page(path, cookie)).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            let csp = header(&headers, header::CONTENT_SECURITY_POLICY);
            assert!(csp.contains("'nonce-"), "{path}: {csp}");
            let nonce = csp
                .split("'nonce-")
                .nth(1)
                .unwrap()
                .split('\'')
                .next()
                .unwrap();
            assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{path}");
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("a page rendered with its policy");
    }
}

#[tokio::test]
async fn api_answers_are_never_cached_and_allow_nothing_to_run() {
    let app = TestApp::start(&backends()[0]).await;
    let list = Request::post("/api/keys/list")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &app.session)
        .body(Body::from("{}"))
        .unwrap();
    let create = Request::post("/api/keys/create")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &app.session)
        .body(Body::from(r#"{"input":{"name":"k","restricted":false}}"#))
        .unwrap();
    let api = Request::get("/get-api-key-info")
        .body(Body::empty())
        .unwrap();
    for request in [list, create, api] {
        let path = request.uri().path().to_owned();
        let (_, headers, _) = fetch(&app, request).await;
        assert_eq!(
            header(&headers, header::CACHE_CONTROL),
            "no-store",
            "{path}"
        );
        assert_eq!(
            header(&headers, header::CONTENT_SECURITY_POLICY),
            "default-src 'none'; frame-ancestors 'none'",
            "{path}"
        );
        assert_eq!(
            header(&headers, header::X_CONTENT_TYPE_OPTIONS),
            "nosniff",
            "{path}"
        );
    }
}

/// Pages and answers are compressed for clients that accept it, except the
/// answers that carry a key's secret: a compressed secret next to text an
/// attacker can choose is what BREACH-style attacks read.
#[tokio::test]
async fn pages_are_compressed_and_answers_with_a_secret_are_not() {
    let app = TestApp::start(&backends()[0]).await;
    let mut request = page("/settings/api-keys", Some(&app.session));
    request
        .headers_mut()
        .insert(header::ACCEPT_ENCODING, "br, gzip".parse().unwrap());
    let (status, headers, _) = fetch(&app, request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, header::CONTENT_ENCODING), "br");
    assert_eq!(header(&headers, header::CACHE_CONTROL), "no-store");

    for (path, body, secret) in [
        (
            "/api/keys/create",
            r#"{"input":{"name":"plain","restricted":false}}"#.to_owned(),
            "\"secret\"",
        ),
        (
            "/api/keys/roll",
            r#"{"id":1,"grace":"now"}"#.to_owned(),
            "\"secret\"",
        ),
        // The invitation link is the invitation.
        (
            "/api/members/invite",
            r#"{"input":{"email":"new@a.example","role":"member"}}"#.to_owned(),
            "/join/",
        ),
    ] {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT_ENCODING, "br, gzip")
            .header(header::COOKIE, &app.session)
            .body(Body::from(body))
            .unwrap();
        let (status, headers, text) = fetch(&app, request).await;
        assert_eq!(status, StatusCode::OK, "{path}: {text}");
        assert!(text.contains(secret), "{path}: {text}");
        assert!(
            headers.get(header::CONTENT_ENCODING).is_none(),
            "{path} must not be compressed"
        );
    }
}
