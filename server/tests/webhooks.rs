//! Webhooks: the outbox, the delivery worker, signatures and the Webhooks
//! server functions, against a real HTTP receiver on loopback.

mod common;

use std::sync::atomic::Ordering;

use app::domain::OrgId;
use app::domain::entities::{api_key, organization, webhook_delivery};
use app::domain::keys::secret::ApiKeySecret;
use app::domain::webhooks::sending::{self, Signing};
use app::model::keys::KeySettings;
use app::model::permissions::Access;
use app::model::webhooks::DeliveryStatus;
use axum::Router;
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::receiver::{Receiver, hanging, setup, verifies};
use common::{TestApp, backends};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use server::webhooks::DeliveryWorker;
use server::webhooks::signature;

fn worker(app: &TestApp) -> DeliveryWorker {
    DeliveryWorker::new(app.db.clone(), app.state.sealer.clone(), true)
}

async fn create_call(app: &TestApp, api_key: &str, to: &str) -> StatusCode {
    let request = axum::http::Request::post("/v2/create-phone-call")
        .header("authorization", format!("Bearer {api_key}"))
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({ "from_number": "+14155550100", "to_number": to }).to_string(),
        ))
        .unwrap();
    tower::ServiceExt::oneshot(app.router.clone(), request)
        .await
        .unwrap()
        .status()
}

/// Makes every pending retry due now, as the passing of its wait would.
async fn let_the_wait_pass(app: &TestApp) {
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
}

async fn deliveries(app: &TestApp) -> Vec<webhook_delivery::Model> {
    webhook_delivery::Entity::find()
        .order_by_asc(webhook_delivery::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_created_call_is_delivered_signed_with_the_webhook_key() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (receiver, url) = Receiver::start().await;
        let secret = setup(&app, &url).await;
        let api_key = secret.clone();
        assert_eq!(
            create_call(&app, &api_key, "+14155550101").await,
            StatusCode::OK
        );
        assert_eq!(worker(&app).run_once().await.unwrap(), 1);
        let got = receiver.received();
        assert_eq!(got.len(), 1);
        let (signature, body) = &got[0];
        assert!(verifies(&secret, body, signature), "{signature}");
        assert!(
            !verifies(
                &secret,
                &body.replace("+14155550101", "+14155550199"),
                signature
            ),
            "tampered"
        );
        let event: Value = serde_json::from_str(body).unwrap();
        assert_eq!(event["event"], "call_started");
        assert_eq!(event["call"]["to_number"], "+14155550101");
        let d = &deliveries(&app).await[0];
        assert_eq!(
            (d.status, d.attempts, d.last_status_code),
            (DeliveryStatus::Delivered, 1, Some(200))
        );
    }
}

#[tokio::test]
async fn pending_deliveries_survive_a_restart() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (receiver, url) = Receiver::start().await;
        let api_key = setup(&app, &url).await;
        for to in ["+14155550101", "+14155550102"] {
            create_call(&app, &api_key, to).await;
        }
        // No worker ran; a claim was left behind by one that died mid-send.
        webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::LockedUntil,
                Expr::value(Some(Utc::now() - Duration::seconds(1))),
            )
            .exec(&app.db)
            .await
            .unwrap();
        // A new process: a fresh worker over the same database.
        let fresh = DeliveryWorker::new(app.db.clone(), app.state.sealer.clone(), true);
        assert_eq!(fresh.run_once().await.unwrap(), 2);
        assert_eq!(receiver.received().len(), 2);
        assert!(
            deliveries(&app)
                .await
                .iter()
                .all(|d| d.status == DeliveryStatus::Delivered)
        );
    }
}

#[tokio::test]
async fn failures_are_retried_with_growing_waits_then_given_up() {
    let app = TestApp::start(&backends()[0]).await;
    let (receiver, url) = Receiver::start().await;
    receiver.answer.store(500, Ordering::SeqCst);
    let api_key = setup(&app, &url).await;
    create_call(&app, &api_key, "+14155550101").await;
    let w = worker(&app);
    let mut waits = Vec::new();
    for attempt in 1..=sending::MAX_ATTEMPTS {
        let before = Utc::now();
        assert_eq!(w.run_once().await.unwrap(), 1, "attempt {attempt}");
        let d = deliveries(&app).await.remove(0);
        assert_eq!(d.attempts, attempt);
        assert_eq!(d.last_status_code, Some(500));
        if attempt < sending::MAX_ATTEMPTS {
            assert_eq!(d.status, DeliveryStatus::Pending);
            waits.push((d.next_attempt_at - before).num_seconds());
            // Not due yet: nothing is sent.
            assert_eq!(w.run_once().await.unwrap(), 0);
            let_the_wait_pass(&app).await;
        } else {
            assert_eq!(d.status, DeliveryStatus::Failed);
        }
    }
    assert_eq!(waits, vec![30, 60, 120, 240, 480]);
    assert_eq!(receiver.received().len(), sending::MAX_ATTEMPTS as usize);
    // Resend starts it over.
    receiver.answer.store(204, Ordering::SeqCst);
    let id = deliveries(&app).await[0].id;
    assert_eq!(
        app.call("/api/webhooks/resend", json!({ "id": id }))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(w.run_once().await.unwrap(), 1);
    assert_eq!(deliveries(&app).await[0].status, DeliveryStatus::Delivered);
}

#[tokio::test]
async fn two_workers_never_send_the_same_delivery() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (receiver, url) = Receiver::start().await;
        let api_key = setup(&app, &url).await;
        for i in 0..20 {
            create_call(&app, &api_key, &format!("+141555501{i:02}")).await;
        }
        let (a, b) = (worker(&app), worker(&app));
        // Rounds of both at once until the outbox is empty (each round
        // takes a few per organization).
        let mut sent = 0;
        for _ in 0..20 {
            let (ra, rb) = tokio::join!(a.run_once(), b.run_once());
            let round = ra.unwrap() + rb.unwrap();
            if round == 0 {
                break;
            }
            sent += round;
        }
        assert_eq!(sent, 20);
        let mut bodies: Vec<String> = receiver.received().into_iter().map(|(_, b)| b).collect();
        bodies.sort();
        bodies.dedup();
        assert_eq!(bodies.len(), 20, "{}", app.backend);
        assert_eq!(receiver.received().len(), 20, "each delivery sent once");
        assert!(
            deliveries(&app)
                .await
                .iter()
                .all(|d| d.attempts == 1 && d.status == DeliveryStatus::Delivered)
        );
    }
}

#[tokio::test]
async fn without_a_webhook_key_nothing_goes_out_unsigned() {
    let app = TestApp::start(&backends()[0]).await;
    let (receiver, url) = Receiver::start().await;
    assert_eq!(
        app.call("/api/webhooks/save-url", json!({ "url": url }))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        app.call("/api/webhooks/test", json!({})).await.0,
        StatusCode::OK
    );
    worker(&app).run_once().await.unwrap();
    assert!(receiver.received().is_empty());
    let d = deliveries(&app).await.remove(0);
    assert_eq!(
        (d.status, d.last_error.as_deref()),
        (DeliveryStatus::NotSent, Some("not sent: no webhook key"))
    );
    let (_, overview) = app.call("/api/webhooks/overview", json!({})).await;
    assert_eq!(overview["webhook_key"], Value::Null);
    assert_eq!(overview["deliveries"][0]["status"], "not_sent");
}

#[tokio::test]
async fn a_new_webhook_key_signs_every_later_delivery() {
    let app = TestApp::start(&backends()[0]).await;
    let (receiver, url) = Receiver::start().await;
    let old_secret = setup(&app, &url).await;
    let (_, created) = app
        .call(
            "/api/keys/create",
            json!({ "input": { "name": "new signer", "restricted": false } }),
        )
        .await;
    let new_secret = created["secret"].as_str().unwrap().to_owned();
    app.call("/api/keys/set-webhook", json!({ "id": created["id"] }))
        .await;
    app.call("/api/webhooks/test", json!({})).await;
    worker(&app).run_once().await.unwrap();
    let (signature, body) = receiver.received().remove(0);
    assert!(verifies(&new_secret, &body, &signature));
    assert!(!verifies(&old_secret, &body, &signature));
    let (_, overview) = app.call("/api/webhooks/overview", json!({})).await;
    assert_eq!(overview["webhook_key"]["name"], "new signer");
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let app = TestApp::start(&backends()[0]).await;
    let (receiver, url) = Receiver::start().await;
    setup(&app, &url).await;
    app.call("/api/webhooks/test", json!({})).await;
    let strict = DeliveryWorker::new(app.db.clone(), app.state.sealer.clone(), false);
    strict.run_once().await.unwrap();
    assert!(receiver.received().is_empty());
    let d = deliveries(&app).await.remove(0);
    assert_eq!(d.status, DeliveryStatus::NotSent);
    // The page says why without naming the internal address.
    assert_eq!(
        d.last_error.as_deref(),
        Some(server::webhooks::DESTINATION_NOT_ALLOWED)
    );
    let (_, overview) = app.call("/api/webhooks/overview", json!({})).await;
    assert_eq!(
        overview["deliveries"][0]["last_error"],
        server::webhooks::DESTINATION_NOT_ALLOWED
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let app = TestApp::start(&backends()[0]).await;
    let (receiver, url) = Receiver::start().await;
    // A receiver that points elsewhere: the worker must not go there.
    let moved = Router::new().route(
        "/old",
        axum::routing::post(move || {
            let to = url.clone();
            async move { axum::response::Redirect::temporary(&to) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let old = format!("http://{}/old", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, moved).await.unwrap() });
    setup(&app, &old).await;
    app.call("/api/webhooks/test", json!({})).await;
    worker(&app).run_once().await.unwrap();
    assert!(
        receiver.received().is_empty(),
        "the redirect target was not called"
    );
    let d = deliveries(&app).await.remove(0);
    assert_eq!(
        (d.status, d.last_status_code),
        (DeliveryStatus::Pending, Some(307)),
        "a redirect is a failed attempt"
    );
}

#[tokio::test]
async fn webhook_server_functions_refuse_what_they_must() {
    let app = TestApp::start(&backends()[0]).await;
    for url in [
        "",
        "ftp://x.example",
        "https://",
        &format!("https://x.example/{}", "a".repeat(2048)),
    ] {
        let (status, body) = app
            .call("/api/webhooks/save-url", json!({ "url": url }))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url:?}");
        assert_eq!(body["Invalid"]["field"], "url");
    }
    let (status, body) = app.call("/api/webhooks/test", json!({})).await;
    assert_eq!(
        (status, body["Invalid"]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("url"))
    );
    // Another organization's delivery is not found; signed-out calls are refused.
    let (_, url) = Receiver::start().await;
    app.call("/api/webhooks/save-url", json!({ "url": url }))
        .await;
    app.call("/api/webhooks/test", json!({})).await;
    let id = deliveries(&app).await[0].id;
    let b = app.signup("owner@b.example", "Org B").await;
    let (status, body, _) = app
        .call_with(Some(&b), "/api/webhooks/resend", json!({ "id": id }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Said in the words of what is missing: a delivery, not a key.
    let err: app::model::error::AppError = serde_json::from_value(body).unwrap();
    assert!(
        err.to_string()
            .starts_with("That delivery no longer exists."),
        "{err}"
    );
    let (_, theirs, _) = app
        .call_with(Some(&b), "/api/webhooks/overview", json!({}))
        .await;
    assert_eq!(
        (theirs["url"].clone(), theirs["deliveries"].clone()),
        (Value::Null, json!([]))
    );
    // The page's HTML refresh: the first organization's log for it, none
    // of it for the other.
    let (_, mine) = app.call("/api/webhooks/panel", json!({})).await;
    let (_, theirs, _) = app
        .call_with(Some(&b), "/api/webhooks/panel", json!({}))
        .await;
    let resend = format!("Resend test delivery {id}");
    assert!(
        mine["deliveries"].as_str().unwrap().contains(&resend),
        "{mine}"
    );
    for part in ["key_status", "deliveries"] {
        let html = theirs[part].as_str().unwrap();
        assert!(!html.contains(&format!("delivery {id}")), "{part}: {html}");
    }
    for path in [
        "/api/webhooks/overview",
        "/api/webhooks/panel",
        "/api/webhooks/save-url",
        "/api/webhooks/test",
        "/api/webhooks/resend",
    ] {
        let (status, _, _) = app
            .call_with(None, path, json!({ "url": url, "id": id }))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
}

/// Queues a test event, runs one worker round, and returns what arrived.
async fn send_test(app: &TestApp, receiver: &Receiver) -> (String, String) {
    let before = receiver.received().len();
    assert_eq!(
        app.call("/api/webhooks/test", json!({})).await.0,
        StatusCode::OK
    );
    worker(app).run_once().await.unwrap();
    let got = receiver.received();
    assert_eq!(got.len(), before + 1, "one delivery arrived");
    got[before].clone()
}

#[tokio::test]
async fn during_a_rolls_grace_period_the_previous_secret_signs_then_the_new_one() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (receiver, url) = Receiver::start().await;
        let old = setup(&app, &url).await;
        let id = app.webhook_key_id().await;
        let (_, rolled) = app
            .call("/api/keys/roll", json!({ "id": id, "grace": "one_hour" }))
            .await;
        let new = rolled["secret"].as_str().unwrap().to_owned();

        // Receivers keep verifying with the secret they have for the whole period.
        let (signature, body) = send_test(&app, &receiver).await;
        assert!(
            verifies(&old, &body, &signature),
            "{}: signed with the previous secret",
            app.backend
        );
        assert!(!verifies(&new, &body, &signature));
        let (_, overview) = app.call("/api/webhooks/overview", json!({})).await;
        let until = overview["webhook_key"]["previous_signs_until"]
            .as_str()
            .expect("the page says until when");

        // The signer the worker uses, on a fake clock: at the end of the
        // period it switches to the new secret.
        let org = app.org().await;
        let until = chrono::DateTime::parse_from_rfc3339(until)
            .unwrap()
            .to_utc();
        for (at, expected) in [(until - Duration::seconds(1), &old), (until, &new)] {
            let (_, signing) = sending::destination(&app.db, &app.state.sealer, org, at)
                .await
                .unwrap();
            let Signing::With(secret) = signing else {
                panic!("a key signs")
            };
            assert_eq!(
                signature::sign(&secret, "{}", 1_700_000_000_000),
                signature::sign(
                    &ApiKeySecret::parse(expected).unwrap(),
                    "{}",
                    1_700_000_000_000
                )
            );
        }

        // Once the period has passed, deliveries are signed with the new one.
        api_key::Entity::update_many()
            .col_expr(
                api_key::Column::PreviousSecretUntil,
                Expr::value(Some(Utc::now() - Duration::seconds(1))),
            )
            .exec(&app.db)
            .await
            .unwrap();
        let (signature, body) = send_test(&app, &receiver).await;
        assert!(verifies(&new, &body, &signature) && !verifies(&old, &body, &signature));
        let (_, overview) = app.call("/api/webhooks/overview", json!({})).await;
        assert_eq!(overview["webhook_key"]["previous_signs_until"], Value::Null);

        // Rolling with Now switches at once.
        let (_, rolled) = app
            .call("/api/keys/roll", json!({ "id": id, "grace": "now" }))
            .await;
        let newest = rolled["secret"].as_str().unwrap();
        let (signature, body) = send_test(&app, &receiver).await;
        assert!(verifies(newest, &body, &signature) && !verifies(&new, &body, &signature));
    }
}

#[tokio::test]
async fn an_expired_webhook_key_signs_nothing() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (receiver, url) = Receiver::start().await;
        setup(&app, &url).await;
        api_key::Entity::update_many()
            .col_expr(
                api_key::Column::ExpiresAt,
                Expr::value(Some(Utc::now() - Duration::seconds(1))),
            )
            .exec(&app.db)
            .await
            .unwrap();
        assert_eq!(
            app.call("/api/webhooks/test", json!({})).await.0,
            StatusCode::OK
        );
        worker(&app).run_once().await.unwrap();
        assert!(receiver.received().is_empty(), "{}", app.backend);
        let d = deliveries(&app).await.remove(0);
        assert_eq!(
            (d.status, d.last_error.as_deref()),
            (
                DeliveryStatus::NotSent,
                Some("not sent: the webhook key expired")
            )
        );
        let (_, overview) = app.call("/api/webhooks/overview", json!({})).await;
        assert_eq!(overview["webhook_key"]["expired"], true);
    }
}

#[tokio::test]
async fn every_attempt_of_an_event_carries_the_same_event_id() {
    let app = TestApp::start(&backends()[0]).await;
    let (receiver, url) = Receiver::start().await;
    receiver.answer.store(500, Ordering::SeqCst);
    let api_key = setup(&app, &url).await;
    create_call(&app, &api_key, "+14155550101").await;
    let w = worker(&app);
    assert_eq!(w.run_once().await.unwrap(), 1);
    let_the_wait_pass(&app).await;
    receiver.answer.store(204, Ordering::SeqCst);
    assert_eq!(w.run_once().await.unwrap(), 1);
    create_call(&app, &api_key, "+14155550102").await;
    assert_eq!(w.run_once().await.unwrap(), 1);
    let ids: Vec<String> = receiver
        .received()
        .iter()
        .map(|(_, body)| {
            serde_json::from_str::<Value>(body).unwrap()["event_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], ids[1], "a retry is the same event");
    assert_ne!(ids[1], ids[2], "another event has another id");
    assert!(
        ids.iter()
            .all(|id| id.starts_with("evt_") && id.len() == 36),
        "{ids:?}"
    );
}

#[tokio::test]
async fn resend_leaves_a_delivery_in_flight_alone() {
    let app = TestApp::start(&backends()[0]).await;
    let (_receiver, url) = Receiver::start().await;
    setup(&app, &url).await;
    app.call("/api/webhooks/test", json!({})).await;
    // A worker has claimed it and is sending it.
    let claimed = sending::claim(&app.db, app.org().await, 10).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let lease = deliveries(&app).await[0].locked_until;
    assert!(lease.is_some());
    let (status, body) = app
        .call("/api/webhooks/resend", json!({ "id": claimed[0].id }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["Conflict"]
            .as_str()
            .unwrap()
            .contains("being sent right now")
    );
    assert_eq!(
        deliveries(&app).await[0].locked_until,
        lease,
        "the lease is kept"
    );
    // Once the attempt is recorded, Resend works.
    sending::record(
        &app.db,
        &claimed[0],
        sending::Outcome::Delivered { status_code: 200 },
    )
    .await
    .unwrap();
    assert_eq!(
        app.call("/api/webhooks/resend", json!({ "id": claimed[0].id }))
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hanging_receiver_with_a_thousand_queued_events_does_not_hold_up_another_organization() {
    let app = TestApp::start(&backends()[0]).await;
    // Organization A: a receiver that takes connections and never answers.
    let (hang_url, held) = hanging().await;
    setup(&app, &hang_url).await;
    let a = app.org().await;
    let txn = sea_orm::TransactionTrait::begin(&app.db).await.unwrap();
    for _ in 0..1000 {
        app::domain::webhooks::deliveries::enqueue(&txn, a, "test", &json!({}))
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();

    // Organization B, with a receiver that answers.
    let (b, receiver, b_secret) = organization_b_with_receiver(&app).await;

    let running = worker(&app).spawn(std::time::Duration::from_millis(100));
    // A's deliveries are under way, and stuck.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let queued = std::time::Instant::now();
    assert_eq!(
        app.call_with(Some(&b), "/api/webhooks/test", json!({}))
            .await
            .0,
        StatusCode::OK
    );
    while receiver.received().is_empty() {
        assert!(
            queued.elapsed() < std::time::Duration::from_secs(2),
            "B waited behind A"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (signature, body) = receiver.received().remove(0);
    assert!(verifies(&b_secret, &body, &signature));
    // A holds no more than its share of the sending slots.
    let a_connections = held.lock().unwrap().len();
    assert!(
        a_connections <= server::webhooks::PER_ORG_IN_FLIGHT,
        "{a_connections} of A's in flight"
    );
    running.abort();
}

#[tokio::test]
async fn test_events_and_resends_have_a_budget_per_organization() {
    let app = TestApp::start(&backends()[0]).await;
    let (_receiver, url) = Receiver::start().await;
    setup(&app, &url).await;
    let budget = app::domain::webhooks::send_budget::MANUAL_SENDS_PER_MINUTE;
    for i in 0..budget - 1 {
        assert_eq!(
            app.call("/api/webhooks/test", json!({})).await.0,
            StatusCode::OK,
            "test event {i}"
        );
    }
    let id = deliveries(&app).await[0].id;
    assert_eq!(
        app.call("/api/webhooks/resend", json!({ "id": id }))
            .await
            .0,
        StatusCode::OK,
        "resends count too"
    );
    let (status, body) = app.call("/api/webhooks/test", json!({})).await;
    assert_eq!(
        (status, body),
        (StatusCode::TOO_MANY_REQUESTS, json!("TooManyAttempts"))
    );
    assert_eq!(
        app.call("/api/webhooks/resend", json!({ "id": id }))
            .await
            .0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        deliveries(&app).await.len(),
        (budget - 1) as usize,
        "nothing more was queued"
    );
    // Another organization has its own budget.
    let b = app.signup("owner@b.example", "Org B").await;
    app.call_with(Some(&b), "/api/webhooks/save-url", json!({ "url": url }))
        .await;
    assert_eq!(
        app.call_with(Some(&b), "/api/webhooks/test", json!({}))
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_finished_send_starts_the_next_delivery_without_waiting_for_the_tick() {
    let app = TestApp::start(&backends()[0]).await;
    let (receiver, url) = Receiver::start().await;
    setup(&app, &url).await;
    let org = app.org().await;
    for _ in 0..20 {
        app::domain::webhooks::deliveries::enqueue(&app.db, org, "test", &json!({}))
            .await
            .unwrap();
    }
    // The tick is an hour away after its first round (which may take only
    // PER_ORG_IN_FLIGHT of one organization): everything after that must
    // start as earlier sends finish.
    let running = worker(&app).spawn(std::time::Duration::from_secs(3600));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while receiver.received().len() < 20 {
        let got = receiver.received().len();
        assert!(
            std::time::Instant::now() < deadline,
            "{got} of 20 delivered: waiting for the tick"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    running.abort();
}

/// A stored status the code does not know is an error when read: it is
/// never shown as, or taken for, Pending.
#[tokio::test]
async fn an_unknown_stored_status_is_an_error_not_pending() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (_, url) = Receiver::start().await;
        app.call("/api/webhooks/save-url", json!({ "url": url }))
            .await;
        app.call("/api/webhooks/test", json!({})).await;
        let (status, overview) = app.call("/api/webhooks/overview", json!({})).await;
        assert_eq!(overview["deliveries"][0]["status"], "pending");
        assert_eq!(status, StatusCode::OK);
        webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::Status, Expr::value("sent_twice"))
            .exec(&app.db)
            .await
            .unwrap();
        let (status, overview) = app.call("/api/webhooks/overview", json!({})).await;
        assert_eq!(
            status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{}: {overview}",
            app.backend
        );
    }
}

/// An organization made in the store directly (sign-ups are throttled per
/// address), with a webhook URL and a webhook key.
async fn organization_with_webhook(app: &TestApp, name: &str, url: &str) -> OrgId {
    let org = organization::ActiveModel {
        name: Set(name.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    let org = OrgId(org.id);
    let actor = common::actor();
    app::domain::webhooks::deliveries::save_url(&app.db, org, &actor, url)
        .await
        .unwrap();
    let key = app::domain::keys::store::create(
        &app.db,
        &app.state.sealer,
        org,
        &actor,
        common::NO_USER,
        &KeySettings {
            name: "signer".into(),
            access: Access::Full,
            allowed_ips: Default::default(),
            rate_limit: None,
        },
        &app::model::expiry::Expiry::Never,
    )
    .await
    .unwrap();
    app::domain::keys::store::set_webhook(&app.db, org, &actor, key.key.id)
        .await
        .unwrap();
    org
}

/// Queues `count` pending test events for `org` at once, as a backlog.
async fn backlog(app: &TestApp, org: OrgId, count: usize) {
    let now = Utc::now();
    let rows = (0..count).map(|i| webhook_delivery::ActiveModel {
        organization_id: Set(org.0),
        event: Set("test".into()),
        body: Set(
            json!({ "event": "test", "event_id": format!("evt_backlog_{i}"), "call": {} })
                .to_string(),
        ),
        status: Set(DeliveryStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_status_code: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    });
    webhook_delivery::Entity::insert_many(rows)
        .exec(&app.db)
        .await
        .unwrap();
}

/// Organization B, signed up, with a receiver that answers; returns B's
/// session, the receiver and the secret of B's webhook key.
async fn organization_b_with_receiver(app: &TestApp) -> (String, Receiver, String) {
    let b = app.signup("owner@b.example", "Org B").await;
    let (receiver, url) = Receiver::start().await;
    app.call_with(Some(&b), "/api/webhooks/save-url", json!({ "url": url }))
        .await;
    let (_, key, _) = app
        .call_with(
            Some(&b),
            "/api/keys/create",
            json!({ "input": { "name": "b signer", "restricted": false } }),
        )
        .await;
    app.call_with(
        Some(&b),
        "/api/keys/set-webhook",
        json!({ "id": key["id"] }),
    )
    .await;
    (b, receiver, key["secret"].as_str().unwrap().to_owned())
}

/// Sixteen organizations whose receivers never answer, with 200 events
/// queued for each, cannot hold every sending slot: another organization's
/// test event still goes out.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_organizations_with_hanging_receivers_do_not_starve_another() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (hang_url, held) = hanging().await;
        for n in 0..16 {
            let org = organization_with_webhook(&app, &format!("Hanging {n}"), &hang_url).await;
            backlog(&app, org, 200).await;
        }
        let (b, receiver, b_secret) = organization_b_with_receiver(&app).await;

        let running = worker(&app).spawn(std::time::Duration::from_millis(100));
        // The hanging organizations take every slot they may have.
        let started = std::time::Instant::now();
        while held.lock().unwrap().len() < 48 {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(5),
                "the hanging organizations' deliveries did not start"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;

        let queued = std::time::Instant::now();
        assert_eq!(
            app.call_with(Some(&b), "/api/webhooks/test", json!({}))
                .await
                .0,
            StatusCode::OK
        );
        while receiver.received().is_empty() {
            assert!(
                queued.elapsed() < std::time::Duration::from_secs(15),
                "{}: B's test event waited behind the hanging organizations ({} connections held)",
                app.backend,
                held.lock().unwrap().len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        eprintln!(
            "{}: B's test event arrived after {:?}, with {} connections held by the hanging organizations",
            app.backend,
            queued.elapsed(),
            held.lock().unwrap().len()
        );
        let (signature, body) = receiver.received().remove(0);
        assert!(verifies(&b_secret, &body, &signature));
        assert!(
            held.lock().unwrap().len() < server::webhooks::MAX_IN_FLIGHT,
            "slots were kept for organizations that wait"
        );
        running.abort();
    }
}

/// Past `PENDING_PER_ORG` pending deliveries, an organization's new events
/// are recorded as dropped, shown with their reason, and never sent.
#[tokio::test]
async fn past_the_pending_cap_new_events_are_dropped_and_shown_so() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (_receiver, url) = Receiver::start().await;
        let api_key = setup(&app, &url).await;
        let org = app.org().await;
        let cap = app::domain::webhooks::deliveries::PENDING_PER_ORG;
        backlog(&app, org, cap as usize - 1).await;
        // The last place is taken; calls are created either way.
        for to in ["+14155550101", "+14155550102"] {
            assert_eq!(create_call(&app, &api_key, to).await, StatusCode::OK);
        }
        assert_eq!(
            app.call("/api/webhooks/test", json!({})).await.0,
            StatusCode::OK
        );
        let reason = format!("dropped: {cap} deliveries already waiting");
        let (_, overview) = app.call("/api/webhooks/overview", json!({})).await;
        let latest: Vec<(Value, Value, Value)> = overview["deliveries"].as_array().unwrap()[..3]
            .iter()
            .map(|d| {
                (
                    d["event"].clone(),
                    d["status"].clone(),
                    d["last_error"].clone(),
                )
            })
            .collect();
        assert_eq!(
            latest,
            vec![
                (json!("test"), json!("dropped"), json!(reason)),
                (json!("call_started"), json!("dropped"), json!(reason)),
                (json!("call_started"), json!("pending"), Value::Null),
            ],
            "{}",
            app.backend
        );
        let (status, page) = app.get("/settings/webhooks").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(&reason), "the page shows why");

        // Resending a dropped delivery would pass the cap: refused, saying why.
        let dropped = overview["deliveries"][0]["id"].clone();
        let (status, body) = app
            .call("/api/webhooks/resend", json!({ "id": dropped }))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(
            body["Conflict"]
                .as_str()
                .unwrap()
                .contains(&format!("{cap} deliveries are already waiting")),
            "{body}"
        );
        // Once one pending delivery is done, there is room again.
        let first = deliveries(&app).await[0].id;
        webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::Status,
                Expr::value(DeliveryStatus::Delivered),
            )
            .filter(webhook_delivery::Column::Id.eq(first))
            .exec(&app.db)
            .await
            .unwrap();
        assert_eq!(
            app.call("/api/webhooks/resend", json!({ "id": dropped }))
                .await
                .0,
            StatusCode::OK
        );
        let pending = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(pending, cap);
        // Another organization has its own allowance.
        let (b, _, _) = organization_b_with_receiver(&app).await;
        app.call_with(Some(&b), "/api/webhooks/test", json!({}))
            .await;
        let (_, theirs, _) = app
            .call_with(Some(&b), "/api/webhooks/overview", json!({}))
            .await;
        assert_eq!(theirs["deliveries"][0]["status"], "pending");
    }
}
