//! The public API: authentication, the permission matrix generated from the
//! route table, request validation and organization isolation.

mod common;

use app::domain::OrgId;
use app::domain::entities::api_key;
use app::domain::keys::store;
use app::model::api_routes::{Need, ROUTES};
use app::model::expiry::Expiry;
use app::model::keys::KeySettings;
use app::model::permissions::{Access, Group, Level, Requirement, Restrictions};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use common::{TestApp, backends};
use http_body_util::BodyExt;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tower::ServiceExt;

async fn key(app: &TestApp, org: OrgId, access: Access) -> String {
    store::create(
        &app.db,
        &app.state.sealer,
        org,
        &common::actor(),
        common::NO_USER,
        &KeySettings {
            name: "k".into(),
            access,
            allowed_ips: Default::default(),
            rate_limit: None,
        },
        &app::model::expiry::Expiry::Never,
    )
    .await
    .unwrap()
    .secret
}

fn restricted(group: Group, level: Level) -> Access {
    Access::Restricted(Restrictions::none().with(group, level).unwrap())
}

async fn api(
    app: &TestApp,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    app.api(method, path, key, body).await
}

/// The route's path with its parameters filled with ids that do not exist.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| if seg.starts_with('{') { "missing" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// A group and level a route needs (`None`: any valid key), as slugs.
type SpecNeed = Option<(&'static str, &'static str)>;

/// The contract's route table (`shared/spec/permissions.md`), written out
/// here on its own, so that the test checks the code against the spec and
/// not against the code's own table: method, path, and the group and level
/// needed (`None`: any valid key).
const SPEC_ROUTES: &[(&str, &str, SpecNeed)] = &[
    ("GET", "/get-api-key-info", None),
    ("POST", "/create-agent", Some(("agent", "edit"))),
    ("GET", "/get-agent/{agent_id}", Some(("agent", "read"))),
    ("PATCH", "/update-agent/{agent_id}", Some(("agent", "edit"))),
    (
        "DELETE",
        "/delete-agent/{agent_id}",
        Some(("agent", "edit")),
    ),
    ("POST", "/v2/list-agents", Some(("agent", "read"))),
    ("GET", "/list-knowledge-bases", Some(("agent", "read"))),
    (
        "GET",
        "/get-knowledge-base/{knowledge_base_id}",
        Some(("agent", "read")),
    ),
    (
        "DELETE",
        "/delete-knowledge-base/{knowledge_base_id}",
        Some(("agent", "edit")),
    ),
    ("GET", "/list-voices", Some(("agent", "read"))),
    ("GET", "/get-voice/{voice_id}", Some(("agent", "read"))),
    (
        "POST",
        "/create-test-case-definition",
        Some(("testing", "edit")),
    ),
    (
        "GET",
        "/v2/list-test-case-definitions",
        Some(("testing", "read")),
    ),
    (
        "GET",
        "/get-test-case-definition/{id}",
        Some(("testing", "read")),
    ),
    (
        "PUT",
        "/update-test-case-definition/{id}",
        Some(("testing", "edit")),
    ),
    (
        "DELETE",
        "/delete-test-case-definition/{id}",
        Some(("testing", "edit")),
    ),
    ("POST", "/v3/list-calls", Some(("history", "read"))),
    ("GET", "/v2/get-call/{call_id}", Some(("history", "read"))),
    (
        "PATCH",
        "/v2/update-call/{call_id}",
        Some(("history", "edit")),
    ),
    (
        "DELETE",
        "/v2/delete-call/{call_id}",
        Some(("history", "edit")),
    ),
    ("GET", "/v2/list-export-requests", Some(("export", "edit"))),
    ("POST", "/create-export-request", Some(("export", "edit"))),
    ("POST", "/v2/create-phone-call", Some(("call", "edit"))),
    ("POST", "/v3/create-web-call", Some(("call", "edit"))),
    ("POST", "/create-batch-call", Some(("call", "edit"))),
    ("POST", "/v2/stop-call/{call_id}", Some(("call", "edit"))),
    ("POST", "/create-phone-number", Some(("phone", "edit"))),
    ("GET", "/v2/list-phone-numbers", Some(("phone", "read"))),
    (
        "GET",
        "/get-phone-number/{phone_number}",
        Some(("phone", "read")),
    ),
    (
        "PATCH",
        "/update-phone-number/{phone_number}",
        Some(("phone", "edit")),
    ),
    (
        "DELETE",
        "/delete-phone-number/{phone_number}",
        Some(("phone", "edit")),
    ),
];

/// The spec's groups with the levels each offers (Export and Call are
/// action-only) and the label a 403 names them by.
const SPEC_GROUPS: &[(&str, &str, &[&str])] = &[
    ("agent", "Agent", &["no_access", "read", "edit"]),
    ("testing", "Testing", &["no_access", "read", "edit"]),
    ("history", "History", &["no_access", "read", "edit"]),
    ("export", "Export", &["no_access", "edit"]),
    ("call", "Call", &["no_access", "edit"]),
    ("phone", "Phone", &["no_access", "read", "edit"]),
];

/// The spec's rule: Read grants read routes, Edit grants read and edit
/// routes, No Access grants nothing, other groups are No Access.
fn spec_grants(key: Option<(&str, &str)>, need: Option<(&str, &str)>) -> bool {
    match (key, need) {
        (_, None) | (None, _) => true,
        (Some((group, level)), Some((needed_group, needed_level))) => {
            group == needed_group
                && match needed_level {
                    "read" => level == "read" || level == "edit",
                    _ => level == "edit",
                }
        }
    }
}

/// A key made through the server function, as the page makes them.
async fn make_key(app: &TestApp, input: Value) -> String {
    let (status, body) = app
        .call("/api/keys/create", json!({ "input": input }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["secret"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_route_allows_or_refuses_exactly_as_the_spec_says() {
    // The code's route table is the spec's, no more and no less.
    let mut code: Vec<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.as_str().to_owned(), r.path.to_owned()))
        .collect();
    let mut spec: Vec<(String, String)> = SPEC_ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    code.sort();
    spec.sort();
    assert_eq!(code, spec);

    for backend in backends() {
        let app = TestApp::start(&backend).await;
        // An unrestricted key, and one key per group and level the spec
        // offers, made through the server function as the page makes them.
        let mut keys = Vec::new();

        keys.push((
            None,
            make_key(&app, json!({ "name": "full", "restricted": false })).await,
        ));
        for (group, _, levels) in SPEC_GROUPS {
            for level in *levels {
                let input = json!({ "name": format!("{group} {level}"), "restricted": true, "levels": { *group: level } });
                keys.push((Some((*group, *level)), make_key(&app, input).await));
            }
        }
        for (method, path, need) in SPEC_ROUTES {
            let body = matches!(*method, "POST" | "PUT" | "PATCH").then(|| json!({}));
            for (key, secret) in &keys {
                let (status, answer) =
                    api(&app, method, &concrete(path), Some(secret), body.clone()).await;
                if spec_grants(*key, *need) {
                    assert!(
                        status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED,
                        "{method} {path} with {key:?}: {status} {answer}"
                    );
                } else {
                    let (group, level) = need.expect("refused routes need a permission");
                    let label = SPEC_GROUPS.iter().find(|(g, _, _)| *g == group).unwrap().1;
                    let level = if level == "read" { "Read" } else { "Edit" };
                    assert_eq!(
                        status,
                        StatusCode::FORBIDDEN,
                        "{method} {path} with {key:?}"
                    );
                    let message = answer["error"]["message"].as_str().unwrap();
                    assert!(message.contains(&format!("{label} → {level}")), "{message}");
                }
            }
        }
    }
}

#[tokio::test]
async fn missing_malformed_unknown_and_deleted_keys_get_the_same_401() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let org = app.org().await;
        let live = key(&app, org, Access::Full).await;
        let deleted = store::create(
            &app.db,
            &app.state.sealer,
            org,
            &common::actor(),
            common::NO_USER,
            &KeySettings {
                name: "gone".into(),
                access: Access::Full,
                allowed_ips: Default::default(),
                rate_limit: None,
            },
            &app::model::expiry::Expiry::Never,
        )
        .await
        .unwrap();
        store::delete(
            &app.db,
            &app.state.key_changes,
            org,
            &common::actor(),
            deleted.key.id,
        )
        .await
        .unwrap();
        let unknown = app::domain::keys::secret::ApiKeySecret::generate()
            .expose()
            .to_owned();
        let mut typo = live.clone().into_bytes();
        typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
        let typo = String::from_utf8(typo).unwrap();

        let (status, info) = api(&app, "GET", "/get-api-key-info", Some(&live), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(info, json!({ "api_key_name": "k", "org_name": "Org A" }));

        let mut answers = Vec::new();
        for presented in [
            None,
            Some("nonsense"),
            Some(typo.as_str()),
            Some(unknown.as_str()),
            Some(deleted.secret.as_str()),
        ] {
            answers.push(api(&app, "GET", "/get-api-key-info", presented, None).await);
        }
        let basic = Request::get("/get-api-key-info")
            .header(header::AUTHORIZATION, format!("Basic {live}"));
        let response = app
            .router
            .clone()
            .oneshot(basic.body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        for (status, body) in &answers {
            assert_eq!(*status, StatusCode::UNAUTHORIZED);
            assert_eq!(body, &answers[0].1);
        }
    }
}

#[tokio::test]
async fn deleting_or_narrowing_a_key_takes_effect_on_the_next_request() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let org = app.org().await;
        let created = store::create(
            &app.db,
            &app.state.sealer,
            org,
            &common::actor(),
            common::NO_USER,
            &KeySettings {
                name: "k".into(),
                access: Access::Full,
                allowed_ips: Default::default(),
                rate_limit: None,
            },
            &app::model::expiry::Expiry::Never,
        )
        .await
        .unwrap();
        let body = json!({ "response_engine": { "type": "retell-llm", "llm_id": "llm_1" }, "voice_id": "11labs-Adrian" });
        assert_eq!(
            api(
                &app,
                "POST",
                "/create-agent",
                Some(&created.secret),
                Some(body.clone())
            )
            .await
            .0,
            StatusCode::OK
        );
        store::update(
            &app.db,
            &app.state.key_changes,
            org,
            &common::actor(),
            created.key.id,
            &KeySettings {
                name: "k".into(),
                access: restricted(Group::Agent, Level::Read),
                allowed_ips: Default::default(),
                rate_limit: None,
            },
            &Expiry::Keep,
            Utc::now(),
        )
        .await
        .unwrap();
        let (status, answer) = api(
            &app,
            "POST",
            "/create-agent",
            Some(&created.secret),
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(
            answer["error"]["required_permission"],
            json!({ "group": "Agent", "level": "Edit" })
        );
        assert_eq!(
            api(
                &app,
                "POST",
                "/v2/list-agents",
                Some(&created.secret),
                Some(json!({}))
            )
            .await
            .0,
            StatusCode::OK
        );
        store::delete(
            &app.db,
            &app.state.key_changes,
            org,
            &common::actor(),
            created.key.id,
        )
        .await
        .unwrap();
        assert_eq!(
            api(
                &app,
                "POST",
                "/v2/list-agents",
                Some(&created.secret),
                Some(json!({}))
            )
            .await
            .0,
            StatusCode::UNAUTHORIZED
        );
    }
}

#[tokio::test]
async fn permission_is_checked_before_the_body_is_read() {
    let app = TestApp::start(&backends()[0]).await;
    let reader = key(&app, app.org().await, restricted(Group::Agent, Level::Read)).await;
    let mut request =
        Request::post("/create-agent").header(header::AUTHORIZATION, format!("Bearer {reader}"));
    request = request.header(header::CONTENT_TYPE, "application/json");
    let response = app
        .router
        .clone()
        .oneshot(request.body(Body::from("{not json")).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let huge = vec![b' '; 2 * 1024 * 1024];
    let request =
        Request::post("/create-agent").header(header::AUTHORIZATION, format!("Bearer {reader}"));
    let response = app
        .router
        .clone()
        .oneshot(request.body(Body::from(huge)).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_bodies_name_the_field_unknown_ids_are_404_and_big_bodies_413() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let full = key(&app, app.org().await, Access::Full).await;
        let cases = [
            (
                "POST",
                "/create-agent",
                json!({ "voice_id": "v" }),
                422,
                "response_engine",
            ),
            (
                "POST",
                "/create-agent",
                json!({ "response_engine": { "type": "retell-llm" } }),
                422,
                "voice_id",
            ),
            (
                "POST",
                "/create-agent",
                json!({ "response_engine": "llm", "voice_id": "v" }),
                422,
                "response_engine",
            ),
            (
                "POST",
                "/v2/create-phone-call",
                json!({ "from_number": "+14155550100" }),
                422,
                "to_number",
            ),
            (
                "POST",
                "/v2/create-phone-call",
                json!({ "from_number": "555", "to_number": "+14155550101" }),
                422,
                "from_number",
            ),
            // Well-formed, naming what this organization does not have:
            // the spec's 404 for an unknown id, naming the field.
            (
                "POST",
                "/v3/create-web-call",
                json!({ "agent_id": "agent_nope" }),
                404,
                "agent_id",
            ),
            (
                "POST",
                "/v2/create-phone-call",
                json!({ "from_number": "+14155550100", "to_number": "+14155550101", "override_agent_id": "agent_nope" }),
                404,
                "override_agent_id",
            ),
            (
                "POST",
                "/v3/list-calls",
                json!({ "pagination_key": "call_nope" }),
                404,
                "pagination_key",
            ),
            (
                "POST",
                "/v3/create-web-call",
                json!({ "agent_id": "" }),
                422,
                "agent_id",
            ),
            (
                "POST",
                "/create-batch-call",
                json!({ "from_number": "+14155550100", "tasks": [{ "to_number": "x" }] }),
                422,
                "tasks[0].to_number",
            ),
            (
                "POST",
                "/create-test-case-definition",
                json!({ "name": "t", "response_engine": { "type": "retell-llm" }, "metrics": [] }),
                422,
                "user_prompt",
            ),
            (
                "POST",
                "/v3/list-calls",
                json!({ "limit": 0 }),
                422,
                "limit",
            ),
            (
                "POST",
                "/create-phone-number",
                json!({ "area_code": 12 }),
                422,
                "area_code",
            ),
            (
                "POST",
                "/create-export-request",
                json!({ "channel": "fax" }),
                422,
                "channel",
            ),
        ];
        for (method, path, body, status, field) in cases {
            let (got, answer) = api(&app, method, path, Some(&full), Some(body.clone())).await;
            assert_eq!(got.as_u16(), status, "{path} {body}: {answer}");
            assert_eq!(answer["error"]["field"], field, "{path} {body}");
        }
        let request = Request::post("/create-agent")
            .header(header::AUTHORIZATION, format!("Bearer {full}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("[1, 2"))
            .unwrap();
        let response = app.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);

        let huge = format!("{{\"voice_id\": \"{}\"}}", "x".repeat(1024 * 1024));
        let request = Request::post("/create-agent")
            .header(header::AUTHORIZATION, format!("Bearer {full}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(huge))
            .unwrap();
        let response = app.router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

        for (method, path) in [
            ("GET", "/get-agent/agent_nope"),
            ("GET", "/v2/get-call/nope"),
            ("DELETE", "/delete-phone-number/+14155550199"),
            ("GET", "/get-voice/nope"),
        ] {
            let (status, answer) = api(&app, method, path, Some(&full), None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert!(
                answer["error"]["message"]
                    .as_str()
                    .unwrap()
                    .ends_with("not found.")
            );
        }
    }
}

#[tokio::test]
async fn stored_documents_are_capped_and_list_pages_are_bounded_in_bytes() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let full = key(&app, app.org().await, Access::Full).await;
        let agent = |pad: usize| json!({ "response_engine": { "type": "retell-llm", "llm_id": "llm_1" }, "voice_id": "v", "notes": "n".repeat(pad) });
        // Over 64 KiB: refused naming the limit, nothing stored.
        let (status, answer) = api(
            &app,
            "POST",
            "/create-agent",
            Some(&full),
            Some(agent(70 * 1024)),
        )
        .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .contains("at most 64 KiB"),
            "{answer}"
        );
        assert_eq!(answer["error"]["field"], "body");
        let (_, listed) = api(
            &app,
            "POST",
            "/v2/list-agents",
            Some(&full),
            Some(json!({})),
        )
        .await;
        assert_eq!(listed["items"], json!([]));

        // Growing a stored document past the cap with updates is refused too.
        let (_, created) = api(
            &app,
            "POST",
            "/create-agent",
            Some(&full),
            Some(agent(40 * 1024)),
        )
        .await;
        let path = format!("/update-agent/{}", created["agent_id"].as_str().unwrap());
        let (status, _) = api(
            &app,
            "PATCH",
            &path,
            Some(&full),
            Some(json!({ "more": "m".repeat(40 * 1024) })),
        )
        .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        let (_, stored) = api(
            &app,
            "GET",
            &path.replace("update", "get"),
            Some(&full),
            None,
        )
        .await;
        assert!(
            stored.get("more").is_none(),
            "the refused update changed nothing"
        );

        // 24 documents of 60 KiB: a page of up to 1,000 stops near 1 MiB and
        // says there is more; following the pages lists each one once.
        for _ in 0..23 {
            let (status, _) = api(
                &app,
                "POST",
                "/create-agent",
                Some(&full),
                Some(agent(60 * 1024)),
            )
            .await;
            assert_eq!(status, StatusCode::OK);
        }
        let mut seen = std::collections::HashSet::new();
        let mut next: Option<String> = None;
        let mut pages = 0;
        loop {
            let query = match &next {
                Some(key) => format!("/v2/list-agents?limit=1000&pagination_key={key}"),
                None => "/v2/list-agents?limit=1000".to_owned(),
            };
            let (status, page) = api(&app, "POST", &query, Some(&full), Some(json!({}))).await;
            assert_eq!(status, StatusCode::OK);
            let items = page["items"].as_array().unwrap();
            assert!(
                items.len() <= 18,
                "a page holds about 1 MiB, not {} documents",
                items.len()
            );
            for item in items {
                assert!(
                    seen.insert(item["agent_id"].as_str().unwrap().to_owned()),
                    "listed twice"
                );
            }
            pages += 1;
            if page["has_more"] == true {
                next = Some(page["pagination_key"].as_str().unwrap().to_owned());
            } else {
                break;
            }
        }
        assert_eq!(seen.len(), 24, "{}", app.backend);
        assert!(pages >= 2);
    }
}

#[tokio::test]
async fn resources_round_trip_and_keep_unknown_fields() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let full = key(&app, app.org().await, Access::Full).await;
        let (status, agent) = api(&app, "POST", "/create-agent", Some(&full), Some(json!({
            "response_engine": { "type": "retell-llm", "llm_id": "llm_1" }, "voice_id": "11labs-Adrian",
            "agent_name": "Front desk", "x_custom": { "kept": true },
        }))).await;
        assert_eq!(status, StatusCode::OK);
        let id = agent["agent_id"].as_str().unwrap().to_owned();
        assert!(id.starts_with("agent_"));
        assert_eq!(agent["x_custom"], json!({ "kept": true }));
        assert!(
            agent["last_modification_timestamp"].as_i64().unwrap() > 1_700_000_000_000,
            "milliseconds"
        );

        let (_, updated) = api(
            &app,
            "PATCH",
            &format!("/update-agent/{id}"),
            Some(&full),
            Some(json!({ "agent_name": "Reception", "agent_id": "hijack" })),
        )
        .await;
        assert_eq!(
            (updated["agent_name"].clone(), updated["agent_id"].clone()),
            (json!("Reception"), json!(id))
        );
        let (_, listed) = api(
            &app,
            "POST",
            "/v2/list-agents",
            Some(&full),
            Some(json!({})),
        )
        .await;
        assert_eq!(listed["has_more"], false);
        assert_eq!(listed["items"][0]["agent_name"], "Reception");

        let (_, call) = api(&app, "POST", "/v2/create-phone-call", Some(&full), Some(json!({ "from_number": "+14155550100", "to_number": "+14155550101", "override_agent_id": id }))).await;
        let call_id = call["call_id"].as_str().unwrap().to_owned();
        assert_eq!(
            (call["call_status"].clone(), call["agent_id"].clone()),
            (json!("registered"), json!(id))
        );
        assert_eq!(
            api(
                &app,
                "POST",
                &format!("/v2/stop-call/{call_id}"),
                Some(&full),
                Some(json!({}))
            )
            .await
            .0,
            StatusCode::NO_CONTENT
        );
        let (_, ended) = api(
            &app,
            "GET",
            &format!("/v2/get-call/{call_id}"),
            Some(&full),
            None,
        )
        .await;
        assert_eq!(ended["call_status"], "ended");

        // Paging: newest first, a key to continue.
        for _ in 0..3 {
            api(
                &app,
                "POST",
                "/v3/create-web-call",
                Some(&full),
                Some(json!({ "agent_id": id })),
            )
            .await;
        }
        let (_, first) = api(
            &app,
            "POST",
            "/v3/list-calls",
            Some(&full),
            Some(json!({ "limit": 3 })),
        )
        .await;
        assert_eq!(
            (
                first["items"].as_array().unwrap().len(),
                first["has_more"].clone()
            ),
            (3, json!(true))
        );
        let (_, rest) = api(
            &app,
            "POST",
            "/v3/list-calls",
            Some(&full),
            Some(json!({ "limit": 3, "pagination_key": first["pagination_key"] })),
        )
        .await;
        assert_eq!(rest["items"].as_array().unwrap().len(), 1);
        assert_eq!(
            rest["items"][0]["call_id"],
            json!(call_id),
            "the oldest call comes last"
        );

        assert_eq!(
            api(
                &app,
                "DELETE",
                &format!("/delete-agent/{id}"),
                Some(&full),
                None
            )
            .await
            .0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            api(&app, "GET", &format!("/get-agent/{id}"), Some(&full), None)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn another_organizations_resources_are_not_found() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let a = key(&app, app.org().await, Access::Full).await;
        app.signup("owner@b.example", "Org B").await;
        let b = key(&app, app.org_of("owner@b.example").await, Access::Full).await;
        let (_, agent) = api(
            &app,
            "POST",
            "/create-agent",
            Some(&a),
            Some(json!({ "response_engine": { "type": "retell-llm" }, "voice_id": "v" })),
        )
        .await;
        let id = agent["agent_id"].as_str().unwrap();
        let (_, number) = api(
            &app,
            "POST",
            "/create-phone-number",
            Some(&a),
            Some(json!({})),
        )
        .await;
        let number = number["phone_number"].as_str().unwrap();
        for (method, path, body) in [
            ("GET", format!("/get-agent/{id}"), None),
            (
                "PATCH",
                format!("/update-agent/{id}"),
                Some(json!({ "agent_name": "pwned" })),
            ),
            ("DELETE", format!("/delete-agent/{id}"), None),
            ("GET", format!("/get-phone-number/{number}"), None),
            ("DELETE", format!("/delete-phone-number/{number}"), None),
        ] {
            assert_eq!(
                api(&app, method, &path, Some(&b), body).await.0,
                StatusCode::NOT_FOUND,
                "{method} {path}"
            );
        }
        let (_, listed) = api(&app, "POST", "/v2/list-agents", Some(&b), Some(json!({}))).await;
        assert_eq!(listed["items"], json!([]));
        let (_, info) = api(&app, "GET", "/get-api-key-info", Some(&b), None).await;
        assert_eq!(info["org_name"], "Org B");
        // A's agent is untouched.
        let (_, mine) = api(&app, "GET", &format!("/get-agent/{id}"), Some(&a), None).await;
        assert_eq!(mine["agent_name"], Value::Null);
    }
}

#[tokio::test]
async fn last_use_is_recorded_in_batches() {
    let app = TestApp::start(&backends()[0]).await;
    let org = app.org().await;
    let created = store::create(
        &app.db,
        &app.state.sealer,
        org,
        &common::actor(),
        common::NO_USER,
        &KeySettings {
            name: "k".into(),
            access: Access::Full,
            allowed_ips: Default::default(),
            rate_limit: None,
        },
        &app::model::expiry::Expiry::Never,
    )
    .await
    .unwrap();
    for _ in 0..3 {
        api(
            &app,
            "GET",
            "/get-api-key-info",
            Some(&created.secret),
            None,
        )
        .await;
    }
    let row = api_key::Entity::find_by_id(created.key.id.0)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.last_used_at.is_none(), "no write per request");
    assert_eq!(
        app.last_used.flush(&app.db).await.unwrap(),
        1,
        "three uses, one write"
    );
    let row = api_key::Entity::find_by_id(created.key.id.0)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.last_used_at.is_some());
    let (_, keys) = app.call("/api/keys/list", json!({})).await;
    let keys = keys["keys"].clone();
    assert!(
        keys[0]["last_used_at"].is_i64(),
        "shown on the API Keys page"
    );
}

#[tokio::test]
async fn a_last_use_batch_that_cannot_be_written_is_kept_for_the_next_flush() {
    let app = TestApp::start(&backends()[0]).await;
    let org = app.org().await;
    let created = store::create(
        &app.db,
        &app.state.sealer,
        org,
        &common::actor(),
        common::NO_USER,
        &KeySettings {
            name: "k".into(),
            access: Access::Full,
            allowed_ips: Default::default(),
            rate_limit: None,
        },
        &app::model::expiry::Expiry::Never,
    )
    .await
    .unwrap();
    api(
        &app,
        "GET",
        "/get-api-key-info",
        Some(&created.secret),
        None,
    )
    .await;
    // A database without the schema: the write fails.
    let broken = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    assert!(app.last_used.flush(&broken).await.is_err());
    assert_eq!(app.last_used.pending(), 1, "the batch went back");
    assert_eq!(app.last_used.flush(&app.db).await.unwrap(), 1);
    let row = api_key::Entity::find_by_id(created.key.id.0)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.last_used_at.is_some(), "recorded on the next flush");
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_with_its_permission() {
    let app = TestApp::start(&backends()[0]).await;
    let response = app
        .router
        .clone()
        .oneshot(Request::get("/openapi.json").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    for route in ROUTES {
        let op = &doc["paths"][route.path][route.method.as_str().to_lowercase()];
        let expected = match route.need {
            Need::AnyKey => "Requires: any valid API key.".to_owned(),
            Need::Permission(Requirement { group, level }) => {
                format!("Requires: {} → {}.", group.label(), level.label())
            }
        };
        assert_eq!(op["description"], expected, "{}", route.path);
        // Every answer the server can give is documented.
        for status in [
            "200", "400", "401", "403", "404", "408", "409", "413", "422", "503",
        ] {
            assert!(
                op["responses"][status].is_object(),
                "{} {status}",
                route.path
            );
        }
    }
    // Bodies say what they need, as the handlers check it.
    let create_agent = &doc["paths"]["/create-agent"]["post"]["requestBody"];
    assert_eq!(create_agent["required"], true);
    assert_eq!(
        create_agent["content"]["application/json"]["schema"]["required"],
        json!(["response_engine", "voice_id"])
    );
    let phone_call = &doc["paths"]["/v2/create-phone-call"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    assert_eq!(
        phone_call["properties"]["to_number"]["pattern"],
        "^\\+[0-9]{8,15}$"
    );
    let voices = &doc["paths"]["/list-voices"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_eq!(voices["type"], "array", "a plain array, as in Retell's API");
    assert!(doc["paths"]["/get-agent/{agent_id}"]["get"]["requestBody"].is_null());
}

/// The document's `links` lead from what an answer holds to the operations
/// that take it: followed from a real answer, each one reaches the resource
/// (how Schemathesis's stateful phase gets past "not found").
#[tokio::test]
async fn following_the_documents_links_reaches_what_the_answer_named() {
    let app = TestApp::start(&backends()[0]).await;
    let full = key(&app, app.org().await, Access::Full).await;
    let doc = app.api("GET", "/openapi.json", None, None).await.1;
    let (_, agent) = api(
        &app,
        "POST",
        "/create-agent",
        Some(&full),
        Some(json!({ "response_engine": { "type": "retell-llm" }, "voice_id": "v" })),
    )
    .await;
    // A body each source operation accepts.
    let source_body = |operation: &str| match operation {
        "CreateAgent" => {
            Some(json!({ "response_engine": { "type": "retell-llm" }, "voice_id": "v" }))
        }
        "CreateTestCaseDefinition" => Some(json!({
            "name": "t", "user_prompt": "p", "response_engine": { "type": "retell-llm" }, "metrics": [],
        })),
        "CreatePhoneCall" => {
            Some(json!({ "from_number": "+14155550100", "to_number": "+14155550101" }))
        }
        "CreateWebCall" => Some(json!({ "agent_id": agent["agent_id"] })),
        "CreatePhoneNumber" => Some(json!({ "area_code": 415 })),
        _ => None,
    };
    let operations: Vec<(String, String, Value)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, methods)| {
            methods
                .as_object()
                .unwrap()
                .iter()
                .map(move |(method, op)| (path.clone(), method.to_uppercase(), op.clone()))
        })
        .collect();
    let find = |id: &str| {
        operations
            .iter()
            .find(|(_, _, op)| op["operationId"] == id)
            .unwrap_or_else(|| panic!("a link names {id}, which the document lacks"))
    };
    let mut followed = 0;
    for (path, method, op) in &operations {
        let Some(links) = op["responses"]["200"]["links"].as_object() else {
            continue;
        };
        let source = op["operationId"].as_str().unwrap();
        let (status, answer) = api(&app, method, path, Some(&full), source_body(source)).await;
        assert_eq!(status, StatusCode::OK, "{source}: {answer}");
        // Deletes last: the others need the resource.
        let mut links: Vec<_> = links.values().collect();
        links.sort_by_key(|link| link["operationId"].as_str().unwrap().starts_with("Delete"));
        for link in links {
            let (target_path, target_method, _) = find(link["operationId"].as_str().unwrap());
            // The id the answer holds, where the link says.
            let resolve = |expression: &Value| {
                let pointer = expression
                    .as_str()
                    .unwrap()
                    .strip_prefix("$response.body#")
                    .unwrap();
                let id = answer.pointer(pointer).and_then(Value::as_str);
                id.unwrap_or_else(|| panic!("{source}'s answer has nothing at {pointer}: {answer}"))
                    .to_owned()
            };
            let mut concrete = target_path.clone();
            for (param, expression) in link["parameters"].as_object().into_iter().flatten() {
                concrete = concrete.replace(&format!("{{{param}}}"), &resolve(expression));
            }
            let mut body =
                matches!(target_method.as_str(), "POST" | "PUT" | "PATCH").then(|| json!({}));
            for (field, expression) in link["requestBody"].as_object().into_iter().flatten() {
                body.as_mut().unwrap()[field] = json!(resolve(expression));
            }
            let (status, reached) = api(&app, target_method, &concrete, Some(&full), body).await;
            assert!(
                status.is_success(),
                "{source} -> {}: {status} {reached}",
                link["operationId"]
            );
            followed += 1;
        }
    }
    // Every route that takes an id in its path is the target of a link, but
    // knowledge bases: nothing in the API creates one.
    let takes_an_id = |path: &str| path.contains('{') && !path.contains("knowledge-base");
    for route in ROUTES.iter().filter(|r| takes_an_id(r.path)) {
        let id = format!("{:?}", route.operation);
        assert!(
            operations
                .iter()
                .any(|(_, _, op)| op["responses"]["200"]["links"]
                    .as_object()
                    .is_some_and(|links| links.contains_key(&id))),
            "nothing links to {id}"
        );
    }
    assert!(followed >= 18, "{followed} links followed");
    // And a web call's agent comes from a created agent's answer.
    let create_agent = &doc["paths"]["/create-agent"]["post"]["responses"]["200"]["links"];
    assert_eq!(
        create_agent["CreateWebCall"]["requestBody"]["agent_id"],
        "$response.body#/agent_id"
    );
}

#[tokio::test]
async fn what_schemathesis_found_stays_fixed() {
    let app = TestApp::start(&backends()[0]).await;
    let full = key(&app, app.org().await, Access::Full).await;
    // A body that is not an object is refused even where it is ignored.
    let (status, answer) = api(
        &app,
        "POST",
        "/v2/list-agents",
        Some(&full),
        Some(json!([null, null])),
    )
    .await;
    assert_eq!(
        (status, answer["error"]["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("body"))
    );
    // 2.0 is the whole number 2.
    let (status, _) = api(
        &app,
        "POST",
        "/v3/list-calls",
        Some(&full),
        Some(json!({ "limit": 2.0 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // area_code is checked even when phone_number is given.
    let (status, answer) = api(
        &app,
        "POST",
        "/create-phone-number",
        Some(&full),
        Some(json!({ "area_code": {}, "phone_number": "+14155550123" })),
    )
    .await;
    assert_eq!(
        (status, answer["error"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("area_code"))
    );
    // A number already held is a conflict, naming the field.
    let number = json!({ "phone_number": "+14155550123" });
    assert_eq!(
        api(
            &app,
            "POST",
            "/create-phone-number",
            Some(&full),
            Some(number.clone())
        )
        .await
        .0,
        StatusCode::OK
    );
    let (status, answer) = api(
        &app,
        "POST",
        "/create-phone-number",
        Some(&full),
        Some(number),
    )
    .await;
    assert_eq!(
        (status, answer["error"]["field"].clone()),
        (StatusCode::CONFLICT, json!("phone_number"))
    );
}

/// Changes to one resource made at the same time all survive: each
/// read-modify-write holds the resource from its read to its write, so
/// none writes back a copy that misses another's field, and a call
/// stopped while it is being updated stays ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_changes_to_one_resource_are_not_lost() {
    const WRITERS: usize = 12;
    for backend in backends() {
        let app = std::sync::Arc::new(TestApp::start(&backend).await);
        let full = key(&app, app.org().await, Access::Full).await;
        let (_, agent) = api(&app, "POST", "/create-agent", Some(&full), Some(json!({
            "response_engine": { "type": "retell-llm", "llm_id": "llm_1" }, "voice_id": "11labs-Adrian",
        }))).await;
        let agent_id = agent["agent_id"].as_str().unwrap().to_owned();
        let (_, call) = api(
            &app,
            "POST",
            "/v3/create-web-call",
            Some(&full),
            Some(json!({ "agent_id": agent_id })),
        )
        .await;
        let call_id = call["call_id"].as_str().unwrap().to_owned();

        let mut writers = tokio::task::JoinSet::new();
        for i in 0..WRITERS {
            let (app, full, agent_id) = (app.clone(), full.clone(), agent_id.clone());
            writers.spawn(async move {
                let path = format!("/update-agent/{agent_id}");
                let body = json!({ format!("x_writer_{i}"): i });
                api(&app, "PATCH", &path, Some(&full), Some(body)).await.0
            });
        }
        for i in 0..WRITERS {
            let (app, full, call_id) = (app.clone(), full.clone(), call_id.clone());
            writers.spawn(async move {
                if i == WRITERS / 2 {
                    let path = format!("/v2/stop-call/{call_id}");
                    api(&app, "POST", &path, Some(&full), Some(json!({})))
                        .await
                        .0
                } else {
                    let path = format!("/v2/update-call/{call_id}");
                    let body = json!({ format!("x_writer_{i}"): i });
                    api(&app, "PATCH", &path, Some(&full), Some(body)).await.0
                }
            });
        }
        while let Some(status) = writers.join_next().await {
            assert!(status.unwrap().is_success(), "{}", app.backend);
        }

        let (_, agent) = api(
            &app,
            "GET",
            &format!("/get-agent/{agent_id}"),
            Some(&full),
            None,
        )
        .await;
        let lost: Vec<usize> = (0..WRITERS)
            .filter(|i| agent[format!("x_writer_{i}")] != json!(i))
            .collect();
        assert!(
            lost.is_empty(),
            "{}: agent lost the changes of writers {lost:?}",
            app.backend
        );
        let (_, call) = api(
            &app,
            "GET",
            &format!("/v2/get-call/{call_id}"),
            Some(&full),
            None,
        )
        .await;
        assert_eq!(call["call_status"], "ended", "{}", app.backend);
        let lost: Vec<usize> = (0..WRITERS)
            .filter(|i| *i != WRITERS / 2 && call[format!("x_writer_{i}")] != json!(i))
            .collect();
        assert!(
            lost.is_empty(),
            "{}: call lost the changes of writers {lost:?}",
            app.backend
        );
    }
}

/// Several requests creating the same phone number at once: one gets it,
/// every other gets the 409 a later request would get, never a 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_of_one_phone_number_conflict_cleanly() {
    const REQUESTS: usize = 8;
    for backend in backends() {
        let app = std::sync::Arc::new(TestApp::start(&backend).await);
        let full = key(&app, app.org().await, Access::Full).await;
        let mut requests = tokio::task::JoinSet::new();
        for _ in 0..REQUESTS {
            let (app, full) = (app.clone(), full.clone());
            requests.spawn(async move {
                let body = json!({ "phone_number": "+14155550199" });
                api(
                    &app,
                    "POST",
                    "/create-phone-number",
                    Some(&full),
                    Some(body),
                )
                .await
            });
        }
        let mut created = 0;
        while let Some(answer) = requests.join_next().await {
            let (status, body) = answer.unwrap();
            match status {
                StatusCode::OK => created += 1,
                StatusCode::CONFLICT => assert_eq!(
                    (
                        body["error"]["field"].as_str(),
                        body["error"]["message"].as_str()
                    ),
                    (
                        Some("phone_number"),
                        Some("This phone number already exists.")
                    )
                ),
                other => panic!("{}: {other} {body}", app.backend),
            }
        }
        assert_eq!(created, 1, "{}", app.backend);
    }
}

/// Well-formed keys that match nothing cost a database read each, so one
/// address may present only so many a minute; past that, a key not verified
/// before is answered 429 without being looked up, while keys it already
/// uses keep working and other addresses are unaffected.
#[tokio::test]
async fn an_address_past_its_unknown_keys_is_not_read_for() {
    use axum::extract::connect_info::MockConnectInfo;
    use server::api::unknown_keys::UNKNOWN_KEYS_PER_MINUTE;
    let app = TestApp::start(&backends()[0]).await;
    let from = |ip: [u8; 4]| {
        app.router
            .clone()
            .layer(MockConnectInfo(std::net::SocketAddr::from((ip, 40000))))
    };
    let info = |router: axum::Router, secret: String| async move {
        common::api_on(&router, "GET", "/get-api-key-info", Some(&secret), None).await
    };
    let unknown = || {
        app::domain::keys::secret::ApiKeySecret::generate()
            .expose()
            .to_owned()
    };
    let prober = from([203, 0, 113, 50]);
    let in_use = key(&app, app.org().await, Access::Full).await;
    assert_eq!(info(prober.clone(), in_use.clone()).await.0, StatusCode::OK);

    for _ in 0..UNKNOWN_KEYS_PER_MINUTE {
        assert_eq!(
            info(prober.clone(), unknown()).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (status, body) = info(prober.clone(), unknown()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Too many requests with unknown API keys"),
        "{body}"
    );
    // A real key never verified before is not looked up from there either
    // (a look-up would find it): the refusal costs no read.
    let fresh = key(&app, app.org().await, Access::Full).await;
    assert_eq!(
        info(prober.clone(), fresh.clone()).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The key the address already uses still works; another address is
    // not affected, and may use the fresh key.
    assert_eq!(info(prober.clone(), in_use).await.0, StatusCode::OK);
    let other = from([198, 51, 100, 20]);
    assert_eq!(
        info(other.clone(), unknown()).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(info(other, fresh).await.0, StatusCode::OK);
}

/// The budget is taken before the look-up, not counted after it: unknown
/// keys sent all at once from one address cost at most the budget in reads
/// of the key table (counted by the database's metric callback), and the
/// rest are answered 429.
#[tokio::test]
async fn concurrent_unknown_keys_from_one_address_cost_at_most_the_budget_in_reads() {
    use axum::extract::connect_info::MockConnectInfo;
    use server::api::unknown_keys::UNKNOWN_KEYS_PER_MINUTE;
    use std::sync::atomic::Ordering;
    const REQUESTS: usize = 200;
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (router, key_reads) = app.api_counting(r#"FROM "api_keys""#);
        let router = router.layer(MockConnectInfo(std::net::SocketAddr::from((
            [203, 0, 113, 60],
            40000,
        ))));
        let mut requests = tokio::task::JoinSet::new();
        for _ in 0..REQUESTS {
            let (router, secret) = (
                router.clone(),
                app::domain::keys::secret::ApiKeySecret::generate()
                    .expose()
                    .to_owned(),
            );
            requests.spawn(async move {
                common::api_on(&router, "GET", "/get-api-key-info", Some(&secret), None)
                    .await
                    .0
            });
        }
        let (mut unauthorized, mut refused) = (0, 0);
        while let Some(status) = requests.join_next().await {
            match status.unwrap() {
                StatusCode::UNAUTHORIZED => unauthorized += 1,
                StatusCode::TOO_MANY_REQUESTS => refused += 1,
                other => panic!("{}: {other}", app.backend),
            }
        }
        let budget = UNKNOWN_KEYS_PER_MINUTE as usize;
        let reads = key_reads.load(Ordering::SeqCst);
        assert!(reads <= budget, "{}: {reads} reads", app.backend);
        assert_eq!(
            (unauthorized, refused),
            (budget, REQUESTS - budget),
            "{}",
            app.backend
        );
        assert_eq!(reads, unauthorized, "{}: one read per 401", app.backend);
    }
}

/// Each key's use is counted per day and per permission a route needed,
/// refusals (403) apart, in batches; the page's list shows the last 30
/// days, and another organization's list shows none of it.
#[tokio::test]
async fn usage_is_counted_per_day_and_permission_with_refusals_apart() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let reader = make_key(
            &app,
            json!({ "name": "reader", "restricted": true, "levels": { "history": "read" } }),
        )
        .await;
        for _ in 0..3 {
            let (status, _) = api(
                &app,
                "POST",
                "/v3/list-calls",
                Some(&reader),
                Some(json!({})),
            )
            .await;
            assert_eq!(status, StatusCode::OK);
        }
        assert_eq!(
            api(&app, "GET", "/get-api-key-info", Some(&reader), None)
                .await
                .0,
            StatusCode::OK
        );
        for _ in 0..2 {
            let (status, _) = api(
                &app,
                "POST",
                "/create-agent",
                Some(&reader),
                Some(json!({})),
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN);
        }
        app.last_used.flush(&app.db).await.unwrap();
        // A second batch adds to the same day's rows.
        api(
            &app,
            "POST",
            "/v3/list-calls",
            Some(&reader),
            Some(json!({})),
        )
        .await;
        app.last_used.flush(&app.db).await.unwrap();

        let (_, keys) = app.call("/api/keys/list", json!({})).await;
        let keys = keys["keys"].clone();
        let usage = &keys[0]["usage"];
        let daily = usage["daily"].as_array().unwrap();
        assert_eq!(daily.len(), 30, "{}", app.backend);
        assert_eq!(
            daily[29],
            json!(7),
            "{}: 4 reads, 1 info, 2 refused",
            app.backend
        );
        assert!(daily[..29].iter().all(|d| *d == json!(0)));
        assert_eq!(
            usage["used"],
            json!([{ "group": "history", "level": "read" }])
        );
        assert_eq!(
            usage["refused"],
            json!([[{ "group": "agent", "level": "edit" }, 2]])
        );

        // Organization B: its own key, none of A's use.
        let b = app.signup("owner@b.example", "Org B").await;
        app.call_with(
            Some(&b),
            "/api/keys/create",
            json!({ "input": { "name": "b", "restricted": false } }),
        )
        .await;
        let (_, theirs, _) = app.call_with(Some(&b), "/api/keys/list", json!({})).await;
        let theirs = theirs["keys"].clone();
        assert_eq!(theirs[0]["usage"]["used"], json!([]), "{}", app.backend);
        assert!(
            theirs[0]["usage"]["daily"]
                .as_array()
                .unwrap()
                .iter()
                .all(|d| *d == json!(0))
        );

        // Old days go; deleting the key takes its rows along.
        app::domain::keys::usage::prune_usage(
            &app.db,
            Utc::now().date_naive() + chrono::Duration::days(30),
        )
        .await
        .unwrap();
        let (_, keys) = app.call("/api/keys/list", json!({})).await;
        let keys = keys["keys"].clone();
        assert_eq!(keys[0]["usage"]["used"], json!([]));
    }
}
