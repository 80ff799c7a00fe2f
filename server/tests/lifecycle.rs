//! The key lifecycle end to end: expiry set on create and edit and enforced
//! by the API, rolling with each grace period, two rolls in a row, and every
//! refusal (bad choices, another organization's key, signed out). Instants
//! past a boundary are reached by moving the stored time, never by sleeping;
//! the boundary itself is checked with a fake clock in `model::expiry`.

mod common;

use app::domain::entities::api_key;
use app::model::keys::KeySettings;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use common::{TestApp, backends};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

async fn create(app: &TestApp, name: &str, expires: Value) -> (i64, String) {
    let (status, body) = app
        .call(
            "/api/keys/create",
            json!({ "input": { "name": name, "restricted": false, "expires": expires } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{}: {body}", app.backend);
    (
        body["id"].as_i64().unwrap(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

async fn listed(app: &TestApp, id: i64) -> Value {
    let (status, body) = app.call("/api/keys/list", json!({})).await;
    let body = body["keys"].clone();
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == id)
        .cloned()
        .expect("key is listed")
}

async fn roll(app: &TestApp, id: i64, grace: &str) -> Value {
    let (status, body) = app
        .call("/api/keys/roll", json!({ "id": id, "grace": grace }))
        .await;
    assert_eq!(status, StatusCode::OK, "{}: {body}", app.backend);
    body
}

/// The API's answer to a key: its status and error message.
async fn verify(app: &TestApp, secret: &str) -> (StatusCode, String) {
    let (status, body) = app
        .api("GET", "/get-api-key-info", Some(secret), None)
        .await;
    (
        status,
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// A time as the key list sends it: milliseconds since the epoch.
fn time(v: &Value) -> DateTime<Utc> {
    v.as_i64()
        .and_then(DateTime::from_timestamp_millis)
        .unwrap_or_else(|| panic!("a time, not {v}"))
}

fn close_to(at: DateTime<Utc>, expected: DateTime<Utc>) -> bool {
    (at - expected).num_seconds().abs() <= 60
}

/// Moves one of a key's times, as if the clock had moved on. The row is
/// written behind the app's back, so the API's key cache, which holds the
/// row as it was (and learns only of changes the app makes), starts empty,
/// as it would for a key first used after that time.
async fn set_time(app: &TestApp, id: i64, column: api_key::Column, at: DateTime<Utc>) {
    api_key::Entity::update_many()
        .col_expr(column, Expr::value(Some(at)))
        .filter(api_key::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
    app.keys.forget_all();
}

/// What the cache holds is checked against the clock on every request: a
/// key verified (and cached) a moment before it expires is refused the
/// moment after, with nothing changed in the database.
#[tokio::test]
async fn a_cached_key_stops_working_when_its_expiry_passes() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let org = app.org().await;
        let expires_at = Utc::now() + Duration::milliseconds(1500);
        let created = app::domain::keys::store::create(
            &app.db,
            &app.state.sealer,
            org,
            &common::actor(),
            common::NO_USER,
            &KeySettings {
                name: "brief".into(),
                access: app::model::permissions::Access::Full,
                allowed_ips: Default::default(),
                rate_limit: None,
            },
            &app::model::expiry::Expiry::Never,
        )
        .await
        .unwrap();
        // Sooner than any expiry the dialogs offer; before its first use.
        set_time(
            &app,
            created.key.id.0,
            api_key::Column::ExpiresAt,
            expires_at,
        )
        .await;
        assert_eq!(verify(&app, &created.secret).await.0, StatusCode::OK);
        assert_eq!(app.keys.len(), 1, "verified from the cache from now on");
        tokio::time::sleep((expires_at - Utc::now()).to_std().unwrap_or_default()).await;
        let (status, message) = verify(&app, &created.secret).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{message}");
        assert!(message.contains("expired on"), "{message}");
    }
}

#[tokio::test]
async fn expiry_is_chosen_on_create_and_edit() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (never, _) = create(&app, "never", json!({ "kind": "never" })).await;
        assert_eq!(listed(&app, never).await["expires_at"], Value::Null);

        let (week, _) = create(&app, "week", json!({ "kind": "in_days", "days": 7 })).await;
        let key = listed(&app, week).await;
        assert!(
            close_to(time(&key["expires_at"]), Utc::now() + Duration::days(7)),
            "{key}"
        );
        assert_eq!(key["expired"], false);

        let date = (Utc::now() + Duration::days(45)).date_naive();
        let (dated, _) = create(
            &app,
            "dated",
            json!({ "kind": "on_date", "date": date.to_string() }),
        )
        .await;
        let expected = date.and_hms_opt(0, 0, 0).unwrap().and_utc();
        assert_eq!(
            time(&listed(&app, dated).await["expires_at"]),
            expected,
            "00:00 UTC on the date"
        );

        // Editing without mentioning expiry keeps it; Never clears it; a
        // preset sets it from now.
        let edit = |expires: Option<Value>| {
            let mut input = json!({ "name": "dated v2", "restricted": false });
            if let Some(e) = expires {
                input["expires"] = e;
            }
            json!({ "id": dated, "input": input })
        };
        assert_eq!(
            app.call("/api/keys/update", edit(None)).await.0,
            StatusCode::OK
        );
        assert_eq!(time(&listed(&app, dated).await["expires_at"]), expected);
        assert_eq!(
            app.call("/api/keys/update", edit(Some(json!({ "kind": "keep" }))))
                .await
                .0,
            StatusCode::OK
        );
        assert_eq!(time(&listed(&app, dated).await["expires_at"]), expected);
        assert_eq!(
            app.call(
                "/api/keys/update",
                edit(Some(json!({ "kind": "in_days", "days": 30 })))
            )
            .await
            .0,
            StatusCode::OK
        );
        assert!(close_to(
            time(&listed(&app, dated).await["expires_at"]),
            Utc::now() + Duration::days(30)
        ));
        assert_eq!(
            app.call("/api/keys/update", edit(Some(json!({ "kind": "never" }))))
                .await
                .0,
            StatusCode::OK
        );
        assert_eq!(listed(&app, dated).await["expires_at"], Value::Null);
    }
}

#[tokio::test]
async fn bad_expiry_choices_are_refused_naming_the_field() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let today = Utc::now().date_naive().to_string();
        let cases = [
            (
                json!({ "kind": "on_date", "date": today }),
                "expiry_date",
                "after today",
            ),
            (
                json!({ "kind": "on_date", "date": "2020-01-01" }),
                "expiry_date",
                "after today",
            ),
            (
                json!({ "kind": "on_date", "date": "" }),
                "expiry_date",
                "Choose the date",
            ),
            (
                json!({ "kind": "on_date", "date": "31/12/2030" }),
                "expiry_date",
                "YYYY-MM-DD",
            ),
            (
                json!({ "kind": "in_days", "days": 8 }),
                "expires",
                "In 7 days",
            ),
        ];
        let (id, _) = create(&app, "k", json!({ "kind": "never" })).await;
        for (expires, field, message) in cases {
            for (path, body) in [
                (
                    "/api/keys/create",
                    json!({ "input": { "name": "x", "restricted": false, "expires": expires } }),
                ),
                (
                    "/api/keys/update",
                    json!({ "id": id, "input": { "name": "x", "restricted": false, "expires": expires } }),
                ),
            ] {
                let (status, answer) = app.call(path, body).await;
                assert_eq!(
                    status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{path} {expires}: {answer}"
                );
                assert_eq!(answer["Invalid"]["field"], field, "{answer}");
                assert!(
                    answer["Invalid"]["message"]
                        .as_str()
                        .unwrap()
                        .contains(message),
                    "{answer}"
                );
            }
        }
        // Nothing was created, and the refused edits changed nothing.
        let (_, all) = app.call("/api/keys/list", json!({})).await;
        let all = all["keys"].clone();
        assert_eq!(all.as_array().unwrap().len(), 1);
        assert_eq!(listed(&app, id).await["name"], "k");
        // An unknown kind does not decode at all.
        let (status, _) = app
            .call("/api/keys/create", json!({ "input": { "name": "x", "restricted": false, "expires": { "kind": "soon" } } }))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn an_expired_key_is_refused_with_a_401_that_says_when() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (id, secret) = create(&app, "soon", json!({ "kind": "in_days", "days": 7 })).await;
        assert_eq!(verify(&app, &secret).await.0, StatusCode::OK);

        let at = Utc::now() - Duration::seconds(1);
        set_time(&app, id, api_key::Column::ExpiresAt, at).await;
        let (status, message) = verify(&app, &secret).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(
            message.contains("expired on") && message.contains("UTC"),
            "{message}"
        );
        let key = listed(&app, id).await;
        assert_eq!(key["expired"], true, "the list marks it");
        // Every route refuses it, not only the identity route.
        assert_eq!(
            app.api("POST", "/v2/list-agents", Some(&secret), Some(json!({})))
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );

        // Moving the expiry forward brings it back.
        let (status, _) = app
            .call("/api/keys/update", json!({ "id": id, "input": { "name": "soon", "restricted": false, "expires": { "kind": "never" } } }))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(verify(&app, &secret).await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn rolling_changes_only_the_secret_and_keeps_the_old_one_for_the_grace_period() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        for (grace, period) in [
            ("now", None),
            ("one_hour", Some(Duration::hours(1))),
            ("one_day", Some(Duration::hours(24))),
            ("seven_days", Some(Duration::days(7))),
        ] {
            let (status, created) = app
                .call(
                    "/api/keys/create",
                    json!({ "input": { "name": grace, "restricted": true, "levels": { "history": "read" },
                                       "expires": { "kind": "in_days", "days": 90 } } }),
                )
                .await;
            assert_eq!(status, StatusCode::OK);
            let id = created["id"].as_i64().unwrap();
            let old = created["secret"].as_str().unwrap().to_owned();
            assert_eq!(
                app.call("/api/keys/set-webhook", json!({ "id": id }))
                    .await
                    .0,
                StatusCode::OK
            );
            let before = listed(&app, id).await;

            let rolled = roll(&app, id, grace).await;
            let new = rolled["secret"].as_str().unwrap().to_owned();
            assert_ne!(new, old);
            let after = listed(&app, id).await;
            for same in [
                "id",
                "name",
                "access",
                "expires_at",
                "created_at",
                "is_webhook",
            ] {
                assert_eq!(after[same], before[same], "{grace}: {same} is kept");
            }
            assert_ne!(
                after["display"], before["display"],
                "the display form follows the new secret"
            );
            assert!(
                !after.to_string().contains(&new),
                "the list never carries the secret"
            );

            assert_eq!(
                verify(&app, &new).await.0,
                StatusCode::OK,
                "{grace}: the new secret works"
            );
            let (status, message) = verify(&app, &old).await;
            match period {
                None => {
                    assert_eq!(
                        status,
                        StatusCode::UNAUTHORIZED,
                        "Now: the old secret stops at once"
                    );
                    assert!(message.contains("rolled"), "{message}");
                    assert_eq!(after["previous_secret_until"], Value::Null);
                }
                Some(period) => {
                    assert_eq!(
                        status,
                        StatusCode::OK,
                        "{grace}: the old secret still works"
                    );
                    let until = time(&after["previous_secret_until"]);
                    assert!(close_to(until, Utc::now() + period), "{grace}: {until}");
                }
            }
        }
    }
}

#[tokio::test]
async fn the_previous_secret_stops_when_its_grace_period_ends() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (id, old) = create(&app, "k", json!({ "kind": "never" })).await;
        let new = roll(&app, id, "one_hour").await["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(verify(&app, &old).await.0, StatusCode::OK);

        set_time(
            &app,
            id,
            api_key::Column::PreviousSecretUntil,
            Utc::now() - Duration::seconds(1),
        )
        .await;
        let (status, message) = verify(&app, &old).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(
            message.contains("rolled") && message.contains("new secret"),
            "{message}"
        );
        assert_eq!(verify(&app, &new).await.0, StatusCode::OK);
        assert_eq!(
            listed(&app, id).await["previous_secret_until"],
            Value::Null,
            "no longer shown"
        );
    }
}

#[tokio::test]
async fn rolling_again_ends_the_older_secret_at_once() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (id, first) = create(&app, "k", json!({ "kind": "never" })).await;
        let second = roll(&app, id, "seven_days").await["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        let third = roll(&app, id, "seven_days").await["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            verify(&app, &first).await.0,
            StatusCode::UNAUTHORIZED,
            "at most two live secrets"
        );
        assert_eq!(verify(&app, &second).await.0, StatusCode::OK);
        assert_eq!(verify(&app, &third).await.0, StatusCode::OK);
        // A roll with Now after that leaves only the newest.
        let fourth = roll(&app, id, "now").await["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        for gone in [&first, &second, &third] {
            assert_eq!(verify(&app, gone).await.0, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(verify(&app, &fourth).await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn concurrent_rolls_chain_so_the_last_two_secrets_shown_work() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (id, _) = create(&app, "k", json!({ "kind": "never" })).await;
        let rolls: Vec<_> = (0..4)
            .map(|_| {
                let (router, session) = (app.router.clone(), app.session.clone());
                tokio::spawn(async move {
                    let request = axum::http::Request::post("/api/keys/roll")
                        .header("content-type", "application/json")
                        .header("cookie", session)
                        .body(axum::body::Body::from(
                            json!({ "id": id, "grace": "seven_days" }).to_string(),
                        ))
                        .unwrap();
                    let response = tower::ServiceExt::oneshot(router, request).await.unwrap();
                    let status = response.status();
                    let bytes = http_body_util::BodyExt::collect(response.into_body())
                        .await
                        .unwrap()
                        .to_bytes();
                    (status, serde_json::from_slice::<Value>(&bytes).unwrap())
                })
            })
            .collect();
        let mut handed_out = Vec::new();
        for r in rolls {
            let (status, body) = r.await.unwrap();
            match status {
                StatusCode::OK => handed_out.push(body["secret"].as_str().unwrap().to_owned()),
                // Lost the race every time: told to try again, nothing shown.
                StatusCode::CONFLICT => {}
                other => panic!("{}: {other}: {body}", app.backend),
            }
        }
        assert!(!handed_out.is_empty());
        // Each roll must see the one before it: then the secret shown by the
        // last roll and the one it replaced work, and no other. A roll that
        // overwrote a concurrent one would keep a secret nobody was shown as
        // "previous", and leave fewer of the shown secrets working.
        let mut working = 0;
        for secret in &handed_out {
            if verify(&app, secret).await.0 == StatusCode::OK {
                working += 1;
            }
        }
        assert_eq!(
            working,
            handed_out.len().min(2),
            "{}: {} rolls succeeded",
            app.backend,
            handed_out.len()
        );
    }
}

#[tokio::test]
async fn roll_and_expiry_act_only_within_the_callers_organization() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (id, secret) = create(&app, "ours", json!({ "kind": "never" })).await;
        let intruder = app.signup("owner@b.example", "Org B").await;
        let attempts = [
            ("/api/keys/roll", json!({ "id": id, "grace": "now" })),
            (
                "/api/keys/update",
                json!({ "id": id, "input": { "name": "ours", "restricted": false, "expires": { "kind": "in_days", "days": 7 } } }),
            ),
        ];
        for (path, body) in &attempts {
            let (status, answer, _) = app.call_with(Some(&intruder), path, body.clone()).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {answer}");
            assert_eq!(answer, json!({ "NotFound": "ApiKey" }));
            let (status, _, _) = app.call_with(None, path, body.clone()).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} signed out");
        }
        assert_eq!(
            verify(&app, &secret).await.0,
            StatusCode::OK,
            "still its old secret"
        );
        assert_eq!(
            listed(&app, id).await["expires_at"],
            Value::Null,
            "still no expiry"
        );
        // Bad grace values do not decode; a missing key is 404.
        let (status, _) = app
            .call("/api/keys/roll", json!({ "id": id, "grace": "forever" }))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = app
            .call("/api/keys/roll", json!({ "id": id + 1000, "grace": "now" }))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Another organization's webhook key cannot be "deleted" either: it
        // is simply not found, so the 409 reveals nothing across.
        assert_eq!(
            app.call("/api/keys/set-webhook", json!({ "id": id }))
                .await
                .0,
            StatusCode::OK
        );
        let (status, _, _) = app
            .call_with(Some(&intruder), "/api/keys/delete", json!({ "id": id }))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
