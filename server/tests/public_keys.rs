//! Public keys: made, changed and deleted from the page's server functions
//! (roles, bad input, isolation, audit), and used from a web page: only
//! `POST /v3/create-web-call`, only from an allowed origin (with CORS
//! headers for that origin alone), only with its agents, within its web
//! calls per minute per allowed domain; a change holds on another instance
//! at once; usage is counted.

mod common;

use app::domain::entities::audit_entry;
use app::model::audit::AuditAction;
use app::model::public_keys::{ONLY_WEB_CALLS, agent_not_allowed, not_allowed_on};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::{TestApp, backends};
use http_body_util::BodyExt;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tower::ServiceExt;

const SITE: &str = "https://shop.example";

/// Creates a public key as the signed-in owner; its id and key.
async fn create(app: &TestApp, domains: &str, agents: &str, per_minute: &str) -> (i64, String) {
    let input = json!({ "name": "Site", "allowed_domains": domains, "agents": agents, "web_calls_per_minute": per_minute });
    let (status, body) = app
        .call("/api/public-keys/create", json!({ "input": input }))
        .await;
    assert_eq!(status, StatusCode::OK, "{}: {body}", app.backend);
    (
        body["id"].as_i64().unwrap(),
        body["key"].as_str().unwrap().to_owned(),
    )
}

/// An agent of the owner's organization, made with an API key.
async fn agent(app: &TestApp) -> String {
    let (_, secret) = app.full_key("Server").await;
    let body = json!({ "response_engine": { "type": "retell-llm", "llm_id": "llm_1" }, "voice_id": "11labs-Adrian" });
    let (status, agent) = app
        .api("POST", "/create-agent", Some(&secret), Some(body))
        .await;
    assert_eq!(status, StatusCode::OK, "{agent}");
    agent["agent_id"].as_str().unwrap().to_owned()
}

/// `POST /v3/create-web-call` on `router` with `key`, from `origin`.
async fn web_call(
    router: &Router,
    key: &str,
    origin: Option<&str>,
    agent: &str,
) -> (StatusCode, HeaderMap, Value) {
    send(
        router,
        "POST",
        "/v3/create-web-call",
        key,
        origin,
        json!({ "agent_id": agent }),
    )
    .await
}

async fn send(
    router: &Router,
    method: &str,
    path: &str,
    key: &str,
    origin: Option<&str>,
    body: Value,
) -> (StatusCode, HeaderMap, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn preflight(router: &Router, origin: Option<&str>) -> (StatusCode, HeaderMap) {
    let mut request = Request::builder()
        .method("OPTIONS")
        .uri("/v3/create-web-call")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        );
    if let Some(origin) = origin {
        request = request.header(header::ORIGIN, origin);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    (response.status(), response.headers().clone())
}

fn allowed_origin(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .and_then(|v| v.to_str().ok())
}

fn varies_by_origin(headers: &HeaderMap) -> bool {
    headers.get_all(header::VARY).iter().any(|v| {
        v.to_str()
            .unwrap_or("")
            .to_ascii_lowercase()
            .contains("origin")
    })
}

fn message(answer: &Value) -> &str {
    answer["error"]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_public_key_creates_web_calls_only_from_its_domains() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let agent = agent(&app).await;
        let (_, key) = create(&app, "shop.example\n*.shop.example\nlocalhost:5173", "", "").await;
        assert!(key.starts_with("pk_") && key.len() == 41, "{key}");
        for origin in [SITE, "https://app.shop.example", "http://localhost:5173"] {
            let (status, headers, call) = web_call(&app.router, &key, Some(origin), &agent).await;
            assert_eq!(status, StatusCode::OK, "{origin}: {call}");
            assert_eq!(call["call_type"], "web_call");
            assert_eq!(call["agent_id"], agent.as_str());
            assert_eq!(allowed_origin(&headers), Some(origin), "{origin}");
            assert!(varies_by_origin(&headers), "{origin}");
        }
        for origin in [
            "https://evil.example",
            "http://shop.example",
            "https://shop.example:8443",
            "http://localhost:5174",
            "https://shop.example.evil.example",
            "null",
        ] {
            let (status, headers, answer) = web_call(&app.router, &key, Some(origin), &agent).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{origin}: {answer}");
            assert_eq!(message(&answer), not_allowed_on(Some(origin)));
            assert_eq!(allowed_origin(&headers), None, "no CORS for {origin}");
            assert!(!varies_by_origin(&headers), "{origin}");
        }
        let (status, _, answer) = web_call(&app.router, &key, None, &agent).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
        assert_eq!(message(&answer), not_allowed_on(None));
        // Every other route, from an allowed origin too.
        for (method, path) in [
            ("GET", "/get-api-key-info"),
            ("POST", "/v2/create-phone-call"),
            ("POST", "/v3/list-calls"),
            ("POST", "/v2/list-agents"),
        ] {
            let (status, headers, answer) =
                send(&app.router, method, path, &key, Some(SITE), json!({})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
            assert_eq!(message(&answer), ONLY_WEB_CALLS, "{path}");
            assert_eq!(allowed_origin(&headers), None, "{path}");
        }
        // A mistyped key is unknown.
        let mut typo = key.clone();
        typo.replace_range(5..6, if &key[5..6] == "a" { "b" } else { "a" });
        let (status, _, _) = web_call(&app.router, &typo, Some(SITE), &agent).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_preflight_is_answered_for_allowed_origins_only() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (id, _) = create(&app, "*.shop.example\nlocalhost:5173", "", "").await;
        for origin in [
            "https://www.shop.example",
            "https://a.b.shop.example",
            "http://localhost:5173",
        ] {
            let (status, headers) = preflight(&app.router, Some(origin)).await;
            assert_eq!(status, StatusCode::NO_CONTENT, "{origin}");
            assert_eq!(allowed_origin(&headers), Some(origin));
            assert!(varies_by_origin(&headers));
            let allowed = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_ascii_lowercase()
            };
            assert_eq!(allowed("access-control-allow-methods"), "post");
            assert!(allowed("access-control-allow-headers").contains("authorization"));
            assert!(allowed("access-control-allow-headers").contains("content-type"));
        }
        for origin in [
            Some("https://shop.example"),
            Some("https://evil.example"),
            Some("null"),
            None,
        ] {
            let (status, headers) = preflight(&app.router, origin).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{origin:?}");
            assert_eq!(allowed_origin(&headers), None, "{origin:?}");
            assert!(!varies_by_origin(&headers), "{origin:?}");
        }
        // No other route answers a preflight.
        let request = Request::builder()
            .method("OPTIONS")
            .uri("/v3/list-calls")
            .header(header::ORIGIN, "https://www.shop.example")
            .body(Body::empty())
            .unwrap();
        let response = app.router.clone().oneshot(request).await.unwrap();
        assert_ne!(response.status(), StatusCode::NO_CONTENT);
        assert!(
            response
                .headers()
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .is_none()
        );
        // Once the key is gone, so is the origin's preflight.
        let (status, body) = app
            .call("/api/public-keys/delete", json!({ "id": id }))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, _) = preflight(&app.router, Some("https://www.shop.example")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_key_with_agents_starts_calls_with_those_only() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (allowed, other) = (agent(&app).await, agent(&app).await);
        let (_, key) = create(&app, "shop.example", &format!("{allowed}\n"), "").await;
        let (status, _, call) = web_call(&app.router, &key, Some(SITE), &allowed).await;
        assert_eq!(status, StatusCode::OK, "{call}");
        let (status, headers, answer) = web_call(&app.router, &key, Some(SITE), &other).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
        assert_eq!(message(&answer), agent_not_allowed(&other));
        assert_eq!(answer["error"]["field"], "agent_id");
        // The page may read why: the origin is allowed.
        assert_eq!(allowed_origin(&headers), Some(SITE));
    }
}

#[tokio::test]
async fn web_calls_are_limited_per_allowed_domain() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let agent = agent(&app).await;
        let (_, key) = create(&app, "*.shop.example\nother.example", "", "2").await;
        common::room_in_this_minute(10).await;
        // Two subdomains share their line's budget.
        for origin in ["https://a.shop.example", "https://b.shop.example"] {
            let (status, _, call) = web_call(&app.router, &key, Some(origin), &agent).await;
            assert_eq!(status, StatusCode::OK, "{origin}: {call}");
        }
        let (status, headers, answer) =
            web_call(&app.router, &key, Some("https://c.shop.example"), &agent).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{answer}");
        assert!(
            message(&answer).contains("2 web calls a minute on *.shop.example"),
            "{answer}"
        );
        let retry: u64 = headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        assert_eq!(
            allowed_origin(&headers),
            Some("https://c.shop.example"),
            "the page may read it"
        );
        // The other line has its own budget.
        let (status, _, _) =
            web_call(&app.router, &key, Some("https://other.example"), &agent).await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn members_see_keys_and_only_managers_change_them_within_their_organization() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (id, key) = create(&app, "shop.example", "", "").await;
        // Bad input names its field.
        for (input, field) in [
            (
                json!({ "name": "", "allowed_domains": "shop.example" }),
                "name",
            ),
            (
                json!({ "name": "x", "allowed_domains": "" }),
                "allowed_domains",
            ),
            (
                json!({ "name": "x", "allowed_domains": "https://shop.example/" }),
                "allowed_domains",
            ),
            (
                json!({ "name": "x", "allowed_domains": "a.example", "agents": "not an id" }),
                "agents",
            ),
            (
                json!({ "name": "x", "allowed_domains": "a.example", "web_calls_per_minute": "0" }),
                "web_calls_per_minute",
            ),
        ] {
            let (status, body) = app
                .call("/api/public-keys/create", json!({ "input": input }))
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(body["Invalid"]["field"], field, "{body}");
        }
        let member = app.member("m@a.example", "member").await;
        let (status, list, _) = app
            .call_with(Some(&member), "/api/public-keys/list", json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        assert_eq!(
            list["keys"][0]["key"],
            key.as_str(),
            "members see the key whole"
        );
        assert_eq!(list["may_manage"], false);
        let input = json!({ "name": "Mine", "allowed_domains": "evil.example" });
        for (path, body) in [
            ("/api/public-keys/create", json!({ "input": input })),
            (
                "/api/public-keys/update",
                json!({ "id": id, "input": input }),
            ),
            ("/api/public-keys/delete", json!({ "id": id })),
            ("/api/public-keys/form", json!({ "id": id })),
        ] {
            let (status, answer, _) = app.call_with(Some(&member), path, body).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
            assert!(
                answer
                    .to_string()
                    .contains("cannot manage API keys or public keys"),
                "{path}: {answer}"
            );
        }
        // Another organization cannot see, change or delete it.
        let other = app.signup("owner@b.example", "Org B").await;
        let (_, list, _) = app
            .call_with(Some(&other), "/api/public-keys/list", json!({}))
            .await;
        assert_eq!(list["keys"], json!([]), "{list}");
        for (path, body) in [
            (
                "/api/public-keys/update",
                json!({ "id": id, "input": input }),
            ),
            ("/api/public-keys/delete", json!({ "id": id })),
            ("/api/public-keys/form", json!({ "id": id })),
        ] {
            let (status, answer, _) = app.call_with(Some(&other), path, body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {answer}");
        }
        let (status, _, _) = web_call(&app.router, &key, Some(SITE), "agent_x").await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "still A's, whose agents it names"
        );
        // Org B's own key cannot reach Org A's agent.
        let agent_of_a = agent(&app).await;
        let (_, list) = app.call("/api/public-keys/list", json!({})).await;
        assert_eq!(
            list["keys"][0]["domains"],
            json!(["shop.example"]),
            "unchanged"
        );
        let input = json!({ "name": "B", "allowed_domains": "shop.example" });
        let (status, created, _) = app
            .call_with(
                Some(&other),
                "/api/public-keys/create",
                json!({ "input": input }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{created}");
        let key_b = created["key"].as_str().unwrap().to_owned();
        let (status, _, answer) = web_call(&app.router, &key_b, Some(SITE), &agent_of_a).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");
    }
}

#[tokio::test]
async fn changes_are_audited_and_hold_on_another_instance_at_once() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let agent = agent(&app).await;
        let replica = app.replica().await;
        let (id, key) = create(&app, "shop.example", "", "").await;
        let (status, _, _) = web_call(&replica.router, &key, Some(SITE), &agent).await;
        assert_eq!(status, StatusCode::OK);
        let input = json!({ "name": "Site", "allowed_domains": "new.example", "agents": "", "web_calls_per_minute": "60" });
        let (status, body) = app
            .call(
                "/api/public-keys/update",
                json!({ "id": id, "input": input }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, _, _) = web_call(&replica.router, &key, Some(SITE), &agent).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "the old origin, at once on the replica"
        );
        let (status, _, _) =
            web_call(&replica.router, &key, Some("https://new.example"), &agent).await;
        assert_eq!(status, StatusCode::OK);
        // An unchanged save writes nothing.
        let (status, _) = app
            .call(
                "/api/public-keys/update",
                json!({ "id": id, "input": input }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = app
            .call("/api/public-keys/delete", json!({ "id": id }))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _, _) =
            web_call(&replica.router, &key, Some("https://new.example"), &agent).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "deleted, at once on the replica"
        );
        let actions: Vec<(AuditAction, String)> = audit_entry::Entity::find()
            .filter(audit_entry::Column::OrganizationId.eq(app.org().await.0))
            .order_by_asc(audit_entry::Column::Id)
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action.label().starts_with("Public key"))
            .map(|e| (e.action, e.detail))
            .collect();
        assert_eq!(actions.len(), 3, "{actions:?}");
        assert_eq!(actions[0].0, AuditAction::PublicKeyCreated);
        assert!(
            actions[1]
                .1
                .contains("Allowed domains: shop.example → new.example"),
            "{actions:?}"
        );
        assert_eq!(actions[2].0, AuditAction::PublicKeyDeleted);
    }
}

#[tokio::test]
async fn usage_is_counted_and_listed() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let agent = agent(&app).await;
        let (_, key) = create(&app, "shop.example", "", "").await;
        for origin in [Some(SITE), Some(SITE), Some("https://evil.example")] {
            web_call(&app.router, &key, origin, &agent).await;
        }
        app.last_used.flush(&app.db).await.unwrap();
        let (_, list) = app.call("/api/public-keys/list", json!({})).await;
        let listed = &list["keys"][0];
        let total: u64 = listed["daily"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert_eq!(total, 3, "{listed}");
        assert_eq!(listed["refused"], 1, "{listed}");
        assert!(listed["last_used_at"].is_string(), "{listed}");
    }
}

/// What anyone may send with a public key is bounded: only Retell's
/// create-web-call fields are kept, and at most 16 KiB of them.
#[tokio::test]
async fn a_public_key_stores_only_web_call_fields_and_a_bounded_body() {
    let app = TestApp::start(&backends()[0]).await;
    let agent = agent(&app).await;
    let (_, key) = create(&app, "shop.example", "", "").await;
    let body = json!({
        "agent_id": agent,
        "metadata": { "cart": "42" },
        "recording_url": "https://evil.example/fake.wav",
        "transcript": "forged",
    });
    let (status, _, call) = send(
        &app.router,
        "POST",
        "/v3/create-web-call",
        &key,
        Some(SITE),
        body,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{call}");
    assert_eq!(call["metadata"], json!({ "cart": "42" }));
    assert!(
        call.get("recording_url").is_none() && call.get("transcript").is_none(),
        "{call}"
    );
    let big = json!({ "agent_id": agent, "metadata": { "x": "y".repeat(17 * 1024) } });
    let (status, headers, answer) = send(
        &app.router,
        "POST",
        "/v3/create-web-call",
        &key,
        Some(SITE),
        big,
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
    assert_eq!(
        allowed_origin(&headers),
        Some(SITE),
        "the page may read why"
    );
}

/// A look-up of a public key refused for its route or origin keeps its
/// unit of the address's budget spent: flooding with someone's public key
/// from elsewhere runs out of budget. A preflight spends none.
#[tokio::test]
async fn refused_public_key_requests_spend_the_addresss_budget_but_preflights_do_not() {
    use axum::extract::connect_info::MockConnectInfo;
    use server::api::unknown_keys::UNKNOWN_KEYS_PER_MINUTE;
    let app = TestApp::start(&backends()[0]).await;
    let agent = agent(&app).await;
    let (_, key) = create(&app, "shop.example", "", "").await;
    let from = |ip: [u8; 4]| {
        app.router
            .clone()
            .layer(MockConnectInfo(std::net::SocketAddr::from((ip, 40000))))
    };
    let (attacker, visitor) = (from([203, 0, 113, 7]), from([198, 51, 100, 9]));
    for _ in 0..UNKNOWN_KEYS_PER_MINUTE + 5 {
        preflight(&visitor, Some("https://evil.example")).await;
    }
    let (status, _, call) = web_call(&visitor, &key, Some(SITE), &agent).await;
    assert_eq!(status, StatusCode::OK, "preflights spent nothing: {call}");
    for _ in 0..UNKNOWN_KEYS_PER_MINUTE {
        let (status, _, _) = web_call(&attacker, &key, Some("https://evil.example"), &agent).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _, answer) = web_call(&attacker, &key, Some(SITE), &agent).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{answer}");
    let (status, _, _) = web_call(&visitor, &key, Some(SITE), &agent).await;
    assert_eq!(status, StatusCode::OK, "another address is not affected");
}

/// The OpenAPI document says how public keys authenticate, on the one
/// route they open and no other.
#[tokio::test]
async fn the_openapi_document_describes_public_key_authentication() {
    let app = TestApp::start(&backends()[0]).await;
    let (status, doc) = app.api("GET", "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let scheme = &doc["components"]["securitySchemes"]["publicKey"];
    assert_eq!(scheme["scheme"], "bearer");
    let described = scheme["description"].as_str().unwrap_or_default();
    assert!(described.contains(ONLY_WEB_CALLS), "{described}");
    assert!(described.contains("Origin"), "{described}");
    let security = |path: &str, method: &str| doc["paths"][path][method]["security"].clone();
    assert_eq!(
        security("/v3/create-web-call", "post"),
        json!([{ "bearerAuth": [] }, { "publicKey": [] }])
    );
    assert_eq!(
        security("/v3/list-calls", "post"),
        json!([{ "bearerAuth": [] }])
    );
}
