//! Secret-scanning reports, end to end through the router on every
//! backend, signed with a key pair made here: a live secret is quarantined
//! (on every instance) until a roll, a previous secret's grace period ends,
//! anything else is a false positive; an unverified, oversized or
//! overfull report changes nothing; **Delete it** deletes (but never the
//! webhook key), and a leaked webhook key holds deliveries until a roll.

mod common;

use app::domain::entities::{api_key, audit_entry};
use app::model::audit::AuditAction;
use app::model::leaks::{LEAK_RESPONSE_FIELD, SCANNER_ACTOR, WEBHOOK_KEY_LEAKED};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use common::{Backend, Replica, TestApp, backends};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey, LineEnding};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use server::secret_scanning::{MAX_TOKENS, PATH, ScannerKeys};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

const FOUND_AT: &str = "https://github.com/octo/demo/blob/4f2a/config.py";

/// GitHub's side: a signing key and the identifier it publishes it under.
struct Scanner {
    key: SigningKey,
    id: &'static str,
}

impl Scanner {
    fn new(seed: u8, id: &'static str) -> Scanner {
        Scanner {
            key: SigningKey::from_bytes(&[seed; 32].into()).expect("a valid scalar"),
            id,
        }
    }

    /// The published document, as `KEYWARD_SECRET_SCANNING_KEYS` names it.
    fn document(&self) -> String {
        let pem = self
            .key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        json!({ "public_keys": [{ "key_identifier": self.id, "key": pem, "is_current": true }] })
            .to_string()
    }

    fn keys(&self) -> ScannerKeys {
        ScannerKeys::parse(&self.document()).unwrap()
    }

    fn sign(&self, body: &[u8]) -> String {
        let signature: Signature = self.key.sign(body);
        base64::engine::general_purpose::STANDARD.encode(signature.to_der().as_bytes())
    }
}

/// POSTs `body` with the given identifier and signature headers.
async fn post(
    router: &Router,
    body: Vec<u8>,
    id: Option<&str>,
    signature: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = Request::post(PATH).header("content-type", "application/json");
    if let Some(id) = id {
        request = request.header("Github-Public-Key-Identifier", id);
    }
    if let Some(signature) = signature {
        request = request.header("Github-Public-Key-Signature", signature);
    }
    common::json_answer(router, request.body(Body::from(body)).unwrap()).await
}

fn tokens(tokens: &[&str]) -> Vec<u8> {
    let items: Vec<Value> = tokens
        .iter()
        .map(|t| json!({ "token": t, "type": "keyward_api_key", "url": FOUND_AT, "source": "content" }))
        .collect();
    serde_json::to_vec(&items).unwrap()
}

/// Reports `secrets`, signed; the labels, in order.
async fn report(router: &Router, scanner: &Scanner, secrets: &[&str]) -> Vec<String> {
    let body = tokens(secrets);
    let signature = scanner.sign(&body);
    let (status, answer) = post(router, body, Some(scanner.id), Some(&signature)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let answer = answer.as_array().unwrap().clone();
    for (item, secret) in answer.iter().zip(secrets) {
        assert_eq!(
            item["token_hash"],
            hex::encode(Sha256::digest(secret.as_bytes()))
        );
        assert_eq!(item["token_type"], "keyward_api_key");
    }
    answer
        .iter()
        .map(|item| item["label"].as_str().unwrap().to_owned())
        .collect()
}

async fn roll(app: &TestApp, id: i64, grace: &str) -> String {
    let (status, rolled) = app
        .call("/api/keys/roll", json!({ "id": id, "grace": grace }))
        .await;
    assert_eq!(status, StatusCode::OK, "{rolled}");
    rolled["secret"].as_str().unwrap().to_owned()
}

const ROUTE: &str = "/get-api-key-info";

async fn use_key(app: &TestApp, secret: &str) -> (StatusCode, Value) {
    app.api("GET", ROUTE, Some(secret), None).await
}

async fn listed(app: &TestApp, id: i64) -> Value {
    app.listed_key(id).await.unwrap_or(Value::Null)
}

async fn entries(app: &TestApp, action: AuditAction) -> Vec<audit_entry::Model> {
    audit_entry::Entity::find()
        .filter(audit_entry::Column::Action.eq(action))
        .all(&app.db)
        .await
        .unwrap()
}

/// Polls the replica until `secret` is refused there; how long it took.
async fn refused_on(replica: &Replica, secret: &str) -> std::time::Duration {
    let start = std::time::Instant::now();
    loop {
        let (status, body) = replica.api("GET", ROUTE, Some(secret), None).await;
        if status == StatusCode::UNAUTHORIZED {
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("reported as leaked")
            );
            return start.elapsed();
        }
        assert!(
            start.elapsed().as_secs() < 2,
            "still {status} on the replica"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_reported_key_is_quarantined_everywhere_until_it_is_rolled() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        // Instances share a database on PostgreSQL only.
        let replica = match backend {
            Backend::Postgres(_) => Some(app.replica().await),
            Backend::Sqlite => None,
        };
        let scanner = Scanner::new(7, "gh-1");
        let router = app.with_scanning(scanner.keys());
        let (id, secret) = app.full_key("leaky").await;
        if let Some(replica) = &replica {
            for _ in 0..2 {
                let (status, _) = replica.api("GET", ROUTE, Some(&secret), None).await;
                assert_eq!(status, StatusCode::OK);
            }
        }

        assert_eq!(
            report(&router, &scanner, &[&secret]).await,
            ["true_positive"]
        );
        let (status, body) = use_key(&app, &secret).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{}", app.backend);
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("This API key was reported as leaked on ")
                && message.ends_with("; roll it or delete it."),
            "{message}"
        );
        if let Some(replica) = &replica {
            let took = refused_on(replica, &secret).await;
            assert!(took.as_millis() <= 1000, "{}: {took:?}", app.backend);
        }
        let row = listed(&app, id).await;
        assert_eq!(row["leaked"]["url"], FOUND_AT, "{row}");

        // Audited once, by the scanner, naming where; a second report
        // changes nothing and writes nothing.
        let audited = entries(&app, AuditAction::ReportedLeaked).await;
        assert_eq!(audited.len(), 1);
        assert_eq!(audited[0].actor, SCANNER_ACTOR);
        assert!(
            audited[0].detail.contains(FOUND_AT),
            "{}",
            audited[0].detail
        );
        let before = api_key::Entity::find_by_id(id).one(&app.db).await.unwrap();
        assert_eq!(
            report(&router, &scanner, &[&secret]).await,
            ["true_positive"]
        );
        assert_eq!(entries(&app, AuditAction::ReportedLeaked).await.len(), 1);
        assert_eq!(
            api_key::Entity::find_by_id(id).one(&app.db).await.unwrap(),
            before
        );

        // Roll lifts the quarantine; the leaked secret gets no grace period
        // whatever was asked, and never works again.
        let new = roll(&app, id, "seven_days").await;
        assert_eq!(use_key(&app, &new).await.0, StatusCode::OK);
        assert_eq!(use_key(&app, &secret).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(listed(&app, id).await["leaked"], Value::Null);
        // Reported again now, it is no live secret.
        assert_eq!(
            report(&router, &scanner, &[&secret]).await,
            ["false_positive"]
        );
        assert_eq!(use_key(&app, &new).await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn a_reported_previous_secret_ends_its_grace_period_and_leaves_the_key_alone() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let scanner = Scanner::new(7, "gh-1");
        let router = app.with_scanning(scanner.keys());
        let (id, old) = app.full_key("rolled").await;
        let new = roll(&app, id, "seven_days").await;
        assert_eq!(use_key(&app, &old).await.0, StatusCode::OK);

        assert_eq!(report(&router, &scanner, &[&old]).await, ["true_positive"]);
        let (status, body) = use_key(&app, &old).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("replaced")
        );
        assert_eq!(use_key(&app, &new).await.0, StatusCode::OK);
        let row = listed(&app, id).await;
        assert_eq!(
            (&row["leaked"], &row["previous_secret_until"]),
            (&Value::Null, &Value::Null)
        );
        assert_eq!(entries(&app, AuditAction::ReportedLeaked).await.len(), 1);
        // Its sealed copy is gone: it can never sign a webhook again.
        let stored = api_key::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.previous_sealed_secret, None);
        assert_eq!(report(&router, &scanner, &[&old]).await, ["false_positive"]);
    }
}

#[tokio::test]
async fn tokens_that_are_no_live_secret_are_false_positives_yet_an_expired_key_is_quarantined() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let scanner = Scanner::new(7, "gh-1");
        let router = app.with_scanning(scanner.keys());
        let (_, live) = app.full_key("live").await;
        let (deleted_id, deleted) = app.full_key("deleted").await;
        app.call("/api/keys/delete", json!({ "id": deleted_id }))
            .await;
        let (expired_id, expired) = app.full_key("expired").await;
        api_key::Entity::update_many()
            .col_expr(
                api_key::Column::ExpiresAt,
                sea_orm::sea_query::Expr::value(Some(
                    chrono::Utc::now() - chrono::Duration::seconds(1),
                )),
            )
            .filter(api_key::Column::Id.eq(expired_id))
            .exec(&app.db)
            .await
            .unwrap();
        let unknown = app::domain::keys::secret::ApiKeySecret::generate();
        let labels = report(
            &router,
            &scanner,
            &[
                unknown.expose(),
                "key_not-even-close",
                &deleted,
                &expired,
                &live,
            ],
        )
        .await;
        assert_eq!(
            labels,
            [
                "false_positive",
                "false_positive",
                "false_positive",
                "false_positive",
                "true_positive"
            ],
            "{}",
            app.backend
        );
        // The expired key's secret is no live secret, but it is quarantined
        // all the same: moving its expiry must not bring it back.
        assert_eq!(entries(&app, AuditAction::ReportedLeaked).await.len(), 2);
        let (status, body) = app
            .call(
                "/api/keys/update",
                json!({ "id": expired_id, "input": { "name": "expired", "restricted": false, "expires": { "kind": "never" } } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = use_key(&app, &expired).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("reported as leaked")
        );
    }
}

/// The quarantine is a guardrail: refused after the key's allowed
/// addresses, and counted in its usage as a refusal of no permission.
#[tokio::test]
async fn a_quarantined_key_is_refused_after_its_allowed_addresses_and_counted() {
    let app = TestApp::start(&backends()[0]).await;
    let scanner = Scanner::new(7, "gh-1");
    let router = app.with_scanning(scanner.keys());
    let (status, created) = app
        .call(
            "/api/keys/create",
            json!({ "input": { "name": "fenced", "restricted": false, "allowed_ips": "10.0.0.0/8" } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let secret = created["secret"].as_str().unwrap();
    report(&router, &scanner, &[secret]).await;
    // From an address it may not be used from: that refusal first.
    let (status, body) = use_key(&app, secret).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let update = json!({ "id": created["id"], "input": { "name": "fenced", "restricted": false, "allowed_ips": "" } });
    assert_eq!(app.call("/api/keys/update", update).await.0, StatusCode::OK);
    let (status, _) = use_key(&app, secret).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.last_used.flush(&app.db).await.unwrap();
    let usage = &app
        .listed_key(created["id"].as_i64().unwrap())
        .await
        .unwrap()["usage"];
    assert_eq!(
        usage["daily"].as_array().unwrap().last(),
        Some(&json!(2)),
        "{usage}"
    );
    assert_eq!(usage["refused"], json!([]), "{usage}");
}

#[tokio::test]
async fn an_unverified_oversized_or_overfull_report_changes_nothing() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let scanner = Scanner::new(7, "gh-1");
        let router = app.with_scanning(scanner.keys());
        let (_, secret) = app.full_key("kept").await;
        let body = tokens(&[&secret]);
        let signature = scanner.sign(&body);
        let forger = Scanner::new(9, "gh-1");
        let mut altered = body.clone();
        altered.extend_from_slice(b" ");
        let refused = [
            (body.clone(), None, None),
            (body.clone(), Some("gh-2"), Some(signature.clone())),
            (body.clone(), Some("gh-1"), Some(forger.sign(&body))),
            (
                body.clone(),
                Some("gh-1"),
                Some("bm90IGEgc2lnbmF0dXJl".to_owned()),
            ),
            (altered, Some("gh-1"), Some(signature.clone())),
        ];
        for (body, id, signature) in refused {
            let (status, answer) = post(&router, body, id, signature.as_deref()).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{}: {answer}",
                app.backend
            );
            assert!(answer["error"]["message"].is_string(), "{answer}");
        }
        // Verified, but not a report.
        let body = br#"{"token": "not in an array"}"#.to_vec();
        let signature = scanner.sign(&body);
        let (status, answer) = post(&router, body, Some("gh-1"), Some(&signature)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["error"]["field"], "body");
        // Over 1,000 tokens, verified: refused whole.
        let many: Vec<&str> = std::iter::repeat_n(secret.as_str(), MAX_TOKENS + 1).collect();
        let body = tokens(&many);
        let signature = scanner.sign(&body);
        let (status, answer) = post(&router, body, Some("gh-1"), Some(&signature)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
        assert_eq!(answer["error"]["field"], "body");
        // Over 1 MiB: refused unread.
        let big = vec![b' '; server::api::BODY_LIMIT + 1];
        let (status, _) = post(&router, big, Some("gh-1"), Some(&signature)).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        // Not configured: there is no such route.
        let body = tokens(&[&secret]);
        let signature = scanner.sign(&body);
        let (status, answer) = post(&app.router, body, Some("gh-1"), Some(&signature)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{answer}");

        assert_eq!(use_key(&app, &secret).await.0, StatusCode::OK);
        assert!(entries(&app, AuditAction::ReportedLeaked).await.is_empty());
    }
}

#[test]
fn a_keys_file_that_cannot_be_used_says_why() {
    let scanner = Scanner::new(7, "gh-1");
    assert!(ScannerKeys::parse(&scanner.document()).is_ok());
    for (text, says) in [
        ("{}", "public_keys"),
        (r#"{"public_keys": []}"#, "no public_keys"),
        (
            r#"{"public_keys": [{"key_identifier": "x", "key": "not pem", "is_current": true}]}"#,
            "\"x\"",
        ),
    ] {
        let err = ScannerKeys::parse(text).unwrap_err();
        assert!(err.contains(says), "{text}: {err}");
    }
}

async fn set_response(app: &TestApp, cookie: &str, value: &str) -> (StatusCode, Value) {
    let mut form = json!({});
    form[LEAK_RESPONSE_FIELD] = json!(value);
    let (status, body, _) = app
        .call_with(Some(cookie), "/api/keys/leak-response", form)
        .await;
    (status, body)
}

#[tokio::test]
async fn delete_it_deletes_a_reported_key_but_quarantines_the_webhook_key() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let scanner = Scanner::new(7, "gh-1");
        let router = app.with_scanning(scanner.keys());
        // Admins only; a choice the form does not offer is refused by name.
        let developer = app.member("dev@a.example", "developer").await;
        assert_eq!(
            set_response(&app, &developer, "delete").await.0,
            StatusCode::FORBIDDEN
        );
        let (status, body) = set_response(&app, &app.session.clone(), "ignore").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body.to_string().contains(LEAK_RESPONSE_FIELD), "{body}");
        let (status, body) = set_response(&app, &app.session.clone(), "delete").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            app.call("/api/keys/list", json!({})).await.1["leak_response"],
            "delete"
        );
        assert_eq!(
            entries(&app, AuditAction::LeakResponseChanged).await.len(),
            1
        );

        let (id, secret) = app.full_key("doomed").await;
        let (webhook_id, webhook) = app.full_key("signer").await;
        app.call("/api/keys/set-webhook", json!({ "id": webhook_id }))
            .await;
        let labels = report(&router, &scanner, &[&secret, &webhook]).await;
        assert_eq!(labels, ["true_positive", "true_positive"]);
        assert_eq!(listed(&app, id).await, Value::Null, "{}", app.backend);
        assert_eq!(entries(&app, AuditAction::KeyDeleted).await.len(), 1);
        assert!(listed(&app, webhook_id).await["leaked"].is_object());
        assert_eq!(use_key(&app, &webhook).await.0, StatusCode::UNAUTHORIZED);
        // Another organization's setting is its own.
        let other = app.signup("owner@b.example", "Org B").await;
        let (_, list, _) = app
            .call_with(Some(&other), "/api/keys/list", json!({}))
            .await;
        assert_eq!(list["leak_response"], "quarantine");
    }
}

#[tokio::test]
async fn a_leaked_webhook_key_holds_deliveries_until_it_is_rolled() {
    use app::domain::entities::webhook_delivery;
    use app::model::webhooks::DeliveryStatus;
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let scanner = Scanner::new(7, "gh-1");
        let router = app.with_scanning(scanner.keys());
        let (receiver, url) = common::receiver::Receiver::start().await;
        let secret = common::receiver::setup(&app, &url).await;
        report(&router, &scanner, &[&secret]).await;
        assert_eq!(
            app.call("/api/webhooks/test", json!({})).await.0,
            StatusCode::OK
        );
        let worker =
            server::webhooks::DeliveryWorker::new(app.db.clone(), app.state.sealer.clone(), true);
        worker.run_once().await.unwrap();
        assert!(receiver.received().is_empty(), "{}", app.backend);
        // The report's own event, and the test event: both wait, no
        // attempt spent.
        let held = webhook_delivery::Entity::find()
            .order_by_asc(webhook_delivery::Column::Id)
            .all(&app.db)
            .await
            .unwrap();
        let events: Vec<&str> = held.iter().map(|d| d.event.as_str()).collect();
        assert_eq!(events, ["key_leaked", "test"], "{}", app.backend);
        for d in &held {
            assert_eq!(
                (d.status, d.attempts, d.last_error.as_deref()),
                (DeliveryStatus::Pending, 0, Some(WEBHOOK_KEY_LEAKED))
            );
        }
        let (_, overview) = app.call("/api/webhooks/overview", json!({})).await;
        assert!(
            overview["webhook_key"]["leaked_at"].is_string(),
            "{overview}"
        );

        let id = app.webhook_key_id().await;
        // The roll makes them due at once, not at the next minute's look.
        let new = roll(&app, id, "one_day").await;
        worker.run_once().await.unwrap();
        let got = receiver.received();
        assert_eq!(got.len(), 2, "{}", app.backend);
        for (signature, body) in &got {
            assert!(common::receiver::verifies(&new, body, signature));
            assert!(!common::receiver::verifies(&secret, body, signature));
        }
        let leaked: Value = got
            .iter()
            .map(|(_, body)| serde_json::from_str::<Value>(body).unwrap())
            .find(|b| b["event"] == "key_leaked")
            .unwrap();
        assert_eq!(leaked["key"]["id"], id, "{leaked}");
        assert_eq!(leaked["key"]["name"], "signer");
        assert_eq!(leaked["key"]["found_at"], FOUND_AT);
        assert_eq!(leaked["key"]["response"], "quarantined");
        assert!(
            leaked["key"]["display"]
                .as_str()
                .unwrap()
                .starts_with("key_")
        );
        assert!(!leaked.to_string().contains(&secret));
    }
}

/// Anyone can send a body: at most `MAX_READING` are read at once, and one
/// more is answered 503 unread, until one of them ends.
#[tokio::test]
async fn report_bodies_read_at_once_are_bounded() {
    use axum::body::Bytes;
    use server::secret_scanning::MAX_READING;
    let app = TestApp::start(&backends()[0]).await;
    let scanner = Scanner::new(7, "gh-1");
    let router = app.with_scanning(scanner.keys());
    let signature = scanner.sign(b"[]");
    // Bodies that never finish arriving, well signed as far as headers go.
    let held: Vec<_> = (0..MAX_READING)
        .map(|_| {
            let router = router.clone();
            let signature = signature.clone();
            tokio::spawn(async move {
                let never = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
                let request = Request::post(PATH)
                    .header("Github-Public-Key-Identifier", "gh-1")
                    .header("Github-Public-Key-Signature", signature)
                    .body(Body::from_stream(never))
                    .unwrap();
                router.oneshot(request).await
            })
        })
        .collect();
    let probe = || post(&router, b"[]".to_vec(), Some("gh-1"), Some(&signature));
    let until = |wanted: StatusCode| async move {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let (status, answer) = probe().await;
            if status == wanted {
                return answer;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "still {status}: {answer}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    };
    let busy = until(StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(
        busy["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Too many"),
        "{busy}"
    );
    held.iter().for_each(tokio::task::JoinHandle::abort);
    assert_eq!(until(StatusCode::OK).await, json!([]));
}

/// An Admin demoted while their save waited for the organization's row
/// may no longer change the setting: the role is asked again under the lock.
#[tokio::test]
async fn a_leak_response_save_by_an_admin_demoted_meanwhile_is_refused() {
    use app::domain::keys::leaks::response;
    use app::model::leaks::LeakResponse;
    use app::model::members::UserId;
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let id = app.demoted_admin("second@a.example").await;
        let actor = common::actor();
        let by = (&actor, UserId(id));
        let refused = response::save(&app.db, app.org().await, by, LeakResponse::Delete).await;
        assert!(
            matches!(&refused, Err(app::domain::DomainError::Forbidden(m)) if m.contains("Developer")),
            "{refused:?}"
        );
        let (_, list) = app.call("/api/keys/list", json!({})).await;
        assert_eq!(list["leak_response"], "quarantine");
    }
}

/// A report that read the clock earlier but reaches a previous secret
/// after another report ended its grace period (GitHub's retry overtaking
/// a slow report) changes nothing more.
#[tokio::test]
async fn an_earlier_report_arriving_late_does_not_end_a_grace_period_twice() {
    use app::domain::keys::leaks::{ReportedToken, report};
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let (id, old) = app.full_key("rolled").await;
        roll(&app, id, "seven_days").await;
        let token = ReportedToken {
            token: &old,
            url: Some(FOUND_AT),
        };
        let later = chrono::Utc::now();
        let earlier = later - chrono::Duration::seconds(5);
        let changes = &app.state.key_changes;
        report(&app.db, changes, &token, None, later).await.unwrap();
        report(&app.db, changes, &token, None, earlier)
            .await
            .unwrap();
        assert_eq!(
            entries(&app, AuditAction::ReportedLeaked).await.len(),
            1,
            "{}",
            app.backend
        );
        let stored = api_key::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            stored.previous_secret_until.map(|t| t.timestamp()),
            Some(later.timestamp())
        );
    }
}
