//! **Requests per minute**: saved from the key form and refused with its
//! field, audited; enforced by the API guard exactly on one instance, with
//! `Retry-After` and the `RateLimit` headers, and within the limit across
//! two instances on PostgreSQL; a refused request costs no database work.

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::{TestApp, backends};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

async fn save(app: &TestApp, id: Option<i64>, limit: Option<&str>) -> (StatusCode, Value) {
    let mut input = json!({ "name": "Limited", "restricted": false });
    if let Some(limit) = limit {
        input["requests_per_minute"] = json!(limit);
    }
    match id {
        Some(id) => {
            app.call("/api/keys/update", json!({ "id": id, "input": input }))
                .await
        }
        None => {
            app.call("/api/keys/create", json!({ "input": input }))
                .await
        }
    }
}

/// `GET /get-api-key-info` with `secret` on `router`: status, headers,
/// JSON body.
async fn info(router: &axum::Router, secret: &str) -> (StatusCode, HeaderMap, Value) {
    let request = Request::get("/get-api-key-info")
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (parts.status, parts.headers, json)
}

/// Sends `n` requests with `secret` at once, the `i`th to `routers[i %
/// len]`; answers how many succeeded. Anything but 200 or 429 fails.
async fn succeeded_of(routers: &[axum::Router], secret: &str, n: usize) -> usize {
    let mut sent = Vec::new();
    for i in 0..n {
        let (router, secret) = (routers[i % routers.len()].clone(), secret.to_owned());
        sent.push(tokio::spawn(async move { info(&router, &secret).await.0 }));
    }
    let mut ok = 0;
    for request in sent {
        match request.await.unwrap() {
            StatusCode::OK => ok += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("{other}"),
        }
    }
    ok
}

#[tokio::test]
async fn the_form_saves_a_limit_and_refuses_a_bad_one() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        for bad in ["0", "1000001", "ten", "2.5"] {
            let (status, body) = save(&app, None, Some(bad)).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
            assert_eq!(body["Invalid"]["field"], "requests_per_minute");
            assert_eq!(
                body["Invalid"]["message"],
                app::model::rate_limit::OUT_OF_RANGE
            );
        }
        let (status, created) = save(&app, None, Some("1,200")).await;
        assert_eq!(status, StatusCode::OK, "{created}");
        let id = created["id"].as_i64().unwrap();
        let (_, list) = app.call("/api/keys/list", json!({})).await;
        assert_eq!(list["keys"][0]["rate_limit"], 1200, "{list}");
        // Absent keeps it; empty clears it.
        save(&app, Some(id), None).await;
        let (_, list) = app.call("/api/keys/list", json!({})).await;
        assert_eq!(list["keys"][0]["rate_limit"], 1200);
        save(&app, Some(id), Some("")).await;
        let (_, list) = app.call("/api/keys/list", json!({})).await;
        assert_eq!(list["keys"][0]["rate_limit"], Value::Null);

        let entries = app::domain::audit::store::page(
            &app.db,
            app.org().await,
            app::model::audit::AuditQuery::default(),
        )
        .await
        .unwrap();
        let changed: Vec<&str> = entries
            .entries
            .iter()
            .filter(|e| e.action == app::model::audit::AuditAction::RateLimitChanged)
            .map(|e| e.detail.as_str())
            .collect();
        assert_eq!(changed, ["1,200 requests a minute → No limit"]);
        let created_entry = entries
            .entries
            .iter()
            .find(|e| e.action == app::model::audit::AuditAction::KeyCreated)
            .unwrap();
        assert!(
            created_entry.detail.contains("Requests per minute: 1,200."),
            "{}",
            created_entry.detail
        );
    }
}

#[tokio::test]
async fn on_one_instance_the_limit_is_exact_and_a_refusal_says_when_to_retry() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (_, created) = save(&app, None, Some("5")).await;
        let secret = created["secret"].as_str().unwrap().to_owned();
        let (_, unlimited) = app
            .call(
                "/api/keys/create",
                json!({ "input": { "name": "Free", "restricted": false } }),
            )
            .await;
        common::room_in_this_minute(20).await;
        for n in 1..=5 {
            let (status, headers, body) = info(&app.router, &secret).await;
            assert_eq!(status, StatusCode::OK, "request {n}: {body}");
            assert_eq!(headers["ratelimit-policy"], "\"per-minute\";q=5;w=60");
            let now = headers["ratelimit"].to_str().unwrap();
            assert!(
                now.starts_with(&format!("\"per-minute\";r={};t=", 5 - n)),
                "request {n}: {now}"
            );
        }
        // The budget is spent (`refusals_run_no_statement` counts that no
        // statement runs from here on).
        let (status, headers, body) = info(&app.router, &secret).await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}: {body}",
            app.backend
        );
        let retry: u64 = headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        assert_eq!(body["error"]["status"], 429);
        assert_eq!(
            body["error"]["message"],
            format!(
                "This API key is over its limit of 5 requests a minute. Retry after {retry} seconds."
            )
        );
        assert!(
            headers["ratelimit"]
                .to_str()
                .unwrap()
                .starts_with("\"per-minute\";r=0;")
        );
        // A key without a limit carries no such headers.
        let (status, headers, _) = info(&app.router, unlimited["secret"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers.get("ratelimit").is_none() && headers.get("ratelimit-policy").is_none());
    }
}

#[tokio::test]
async fn a_new_limit_applies_at_the_next_request() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (_, created) = save(&app, None, Some("2")).await;
        let (id, secret) = (
            created["id"].as_i64().unwrap(),
            created["secret"].as_str().unwrap().to_owned(),
        );
        common::room_in_this_minute(20).await;
        for _ in 0..2 {
            assert_eq!(info(&app.router, &secret).await.0, StatusCode::OK);
        }
        assert_eq!(
            info(&app.router, &secret).await.0,
            StatusCode::TOO_MANY_REQUESTS
        );
        save(&app, Some(id), Some("10")).await;
        let (status, headers, _) = info(&app.router, &secret).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["ratelimit-policy"], "\"per-minute\";q=10;w=60");
    }
}

/// Two instances on one PostgreSQL database, a limit of 100 a minute and
/// 300 requests sent to both at once on four threads: no more than the
/// limit succeed, and what the instances hold unspent costs at most a
/// tenth of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn across_two_instances_the_limit_holds() {
    let postgres: Vec<_> = backends()
        .into_iter()
        .filter(|b| b.name() == "postgres")
        .collect();
    if postgres.is_empty() {
        eprintln!("skipped: set TEST_POSTGRES_URL (.ci/run does) to run this test");
    }
    for backend in postgres {
        let app = TestApp::start(&backend).await;
        let replica = app.replica().await;
        let (_, created) = save(&app, None, Some("100")).await;
        let secret = created["secret"].as_str().unwrap().to_owned();
        common::room_in_this_minute(30).await;
        let routers = [app.router.clone(), replica.router.clone()];
        let ok = succeeded_of(&routers, &secret, 300).await;
        assert!((90..=100).contains(&ok), "{ok} succeeded");
    }
}

/// The OpenAPI document says what a limited key and a key from another
/// address are answered: 429 with its headers, and 403.
#[tokio::test]
async fn the_openapi_document_lists_the_refusals() {
    let app = TestApp::start(&backends()[0]).await;
    let (status, doc) = app.api("GET", "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let op = &doc["paths"]["/get-api-key-info"]["get"]["responses"];
    assert_eq!(op["429"]["$ref"], "#/components/responses/RateLimited");
    assert_eq!(op["403"]["$ref"], "#/components/responses/Forbidden");
    let limited = &doc["components"]["responses"]["RateLimited"];
    for header in ["Retry-After", "RateLimit", "RateLimit-Policy"] {
        assert!(
            limited["headers"][header].is_object(),
            "{header}: {limited}"
        );
    }
    let forbidden = doc["components"]["responses"]["Forbidden"]["description"]
        .as_str()
        .unwrap();
    assert!(forbidden.contains("address"), "{forbidden}");
}

/// A limit larger than one take, sent one by one: exactly the limit
/// succeed, and `r` counts down by one each time.
#[tokio::test]
async fn a_limit_of_many_takes_is_exact_on_one_instance() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (_, created) = save(&app, None, Some("100")).await;
        let secret = created["secret"].as_str().unwrap().to_owned();
        common::room_in_this_minute(30).await;
        for n in 1..=100u32 {
            let (status, headers, _) = info(&app.router, &secret).await;
            assert_eq!(status, StatusCode::OK, "request {n}");
            let now = headers["ratelimit"].to_str().unwrap().to_owned();
            assert!(
                now.starts_with(&format!("\"per-minute\";r={};", 100 - n)),
                "{n}: {now}"
            );
        }
        assert_eq!(
            info(&app.router, &secret).await.0,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
}

/// Many requests at once on one instance, on four threads: exactly the
/// limit succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_on_one_instance_get_exactly_the_limit() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (_, created) = save(&app, None, Some("50")).await;
        let secret = created["secret"].as_str().unwrap().to_owned();
        common::room_in_this_minute(30).await;
        let ok = succeeded_of(std::slice::from_ref(&app.router), &secret, 200).await;
        assert_eq!(ok, 50, "{}", app.backend);
    }
}

/// Lowered mid-minute, what was used counts; raised again, only the rest
/// of the new limit is left.
#[tokio::test]
async fn a_lowered_limit_counts_what_was_used() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (_, created) = save(&app, None, Some("10")).await;
        let (id, secret) = (
            created["id"].as_i64().unwrap(),
            created["secret"].as_str().unwrap().to_owned(),
        );
        common::room_in_this_minute(30).await;
        for _ in 0..6 {
            assert_eq!(info(&app.router, &secret).await.0, StatusCode::OK);
        }
        save(&app, Some(id), Some("3")).await;
        assert_eq!(
            info(&app.router, &secret).await.0,
            StatusCode::TOO_MANY_REQUESTS
        );
        save(&app, Some(id), Some("10")).await;
        let mut ok = 0;
        for _ in 0..10 {
            if info(&app.router, &secret).await.0 == StatusCode::OK {
                ok += 1;
            }
        }
        assert_eq!(ok, 4, "{}", app.backend);
    }
}

/// A request from an address the key may not be used from spends none of
/// its budget, and its answer says nothing of the limit.
#[tokio::test]
async fn a_request_from_elsewhere_spends_nothing() {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let input = json!({ "name": "Office", "restricted": false,
            "allowed_ips": "198.51.100.7", "requests_per_minute": "2" });
        let (_, created) = app
            .call("/api/keys/create", json!({ "input": input }))
            .await;
        let secret = created["secret"].as_str().unwrap().to_owned();
        common::room_in_this_minute(30).await;
        let from = |ip: [u8; 4]| {
            let mut request = Request::get("/get-api-key-info")
                .header(header::AUTHORIZATION, format!("Bearer {secret}"))
                .body(Body::empty())
                .unwrap();
            request
                .extensions_mut()
                .insert(ConnectInfo(SocketAddr::from((ip, 40000))));
            request
        };
        for _ in 0..5 {
            let response = app
                .router
                .clone()
                .oneshot(from([203, 0, 113, 9]))
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN);
            assert!(response.headers().get("ratelimit").is_none());
        }
        for _ in 0..2 {
            let response = app
                .router
                .clone()
                .oneshot(from([198, 51, 100, 7]))
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
        }
        let response = app
            .router
            .clone()
            .oneshot(from([198, 51, 100, 7]))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}

/// When the budget cannot be read from the database, an instance counts in
/// memory: requests keep working, but no more than the limit.
#[tokio::test]
async fn without_the_database_the_limit_is_kept_in_memory() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (_, created) = save(&app, None, Some("3")).await;
        let secret = created["secret"].as_str().unwrap().to_owned();
        sea_orm::ConnectionTrait::execute_unprepared(&app.db, "DROP TABLE rate_windows")
            .await
            .unwrap();
        common::room_in_this_minute(20).await;
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(info(&app.router, &secret).await.0.as_u16());
        }
        assert_eq!(statuses, [200, 200, 200, 429, 429], "{}", app.backend);
    }
}

/// Pruning keeps the last few minutes: an instance whose clock is ahead
/// never deletes a minute another is still spending.
#[tokio::test]
async fn pruning_keeps_the_minutes_in_use() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (_, created) = save(&app, None, Some("5")).await;
        let secret = created["secret"].as_str().unwrap().to_owned();
        assert_eq!(info(&app.router, &secret).await.0, StatusCode::OK);
        let pruned = server::prune::prune_once(
            &app.db,
            chrono::Utc::now() + chrono::Duration::minutes(3),
            server::prune::Retention::default(),
        )
        .await;
        assert_eq!(pruned.rate_windows.unwrap(), 0, "{}", app.backend);
        let pruned = server::prune::prune_once(
            &app.db,
            chrono::Utc::now() + chrono::Duration::minutes(10),
            server::prune::Retention::default(),
        )
        .await;
        assert_eq!(pruned.rate_windows.unwrap(), 1, "{}", app.backend);
    }
}

/// Counted at the database: with the budget spent, refusals run no
/// statement at all, and allowed requests only the takes.
#[tokio::test]
async fn refusals_run_no_statement() {
    use std::sync::atomic::Ordering;
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (_, created) = save(&app, None, Some("3")).await;
        let secret = created["secret"].as_str().unwrap().to_owned();
        let (router, statements) = app.api_counting("rate_windows");
        common::room_in_this_minute(20).await;
        for _ in 0..3 {
            assert_eq!(info(&router, &secret).await.0, StatusCode::OK);
        }
        let takes = statements.load(Ordering::SeqCst);
        assert_eq!(
            takes, 3,
            "{}: one take a request below 40 a minute",
            app.backend
        );
        for _ in 0..10 {
            assert_eq!(
                info(&router, &secret).await.0,
                StatusCode::TOO_MANY_REQUESTS
            );
        }
        assert_eq!(statements.load(Ordering::SeqCst), takes, "{}", app.backend);
    }
}

/// Another organization's key cannot be given a limit: it answers like a
/// missing key, and stays as it was.
#[tokio::test]
async fn another_organizations_key_is_untouched() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (_, created) = save(&app, None, Some("100")).await;
        let id = created["id"].as_i64().unwrap();
        let other = app.signup("other@b.example", "Org B").await;
        let input = json!({ "name": "Mine", "restricted": false, "requests_per_minute": "1" });
        let (status, body, _) = app
            .call_with(
                Some(&other),
                "/api/keys/update",
                json!({ "id": id, "input": input }),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (_, list) = app.call("/api/keys/list", json!({})).await;
        assert_eq!(list["keys"][0]["rate_limit"], 100);
    }
}
