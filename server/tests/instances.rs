//! Two instances on one PostgreSQL database, each with its own key cache:
//! a change made on one is refused or visible on the other within a second,
//! also after the connection that listens for changes was killed, went
//! silent without an error, or the journal could not be read for longer
//! than it looks back (faults put in with the cache's `SyncHooks`).
//! (PostgreSQL only: SQLite is one instance's file.)

mod common;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{Backend, Replica, TestApp, backends};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use serde_json::{Value, json};

/// What the spec promises: every instance sees a change within this.
const WITHIN: Duration = Duration::from_secs(1);

async fn postgres_app() -> Option<TestApp> {
    let backend = backends()
        .into_iter()
        .find(|b| matches!(b, Backend::Postgres(_)));
    match backend {
        Some(b) => Some(TestApp::start(&b).await),
        None => {
            eprintln!("TEST_POSTGRES_URL is not set: nothing to try on SQLite");
            None
        }
    }
}

/// Uses a key on the replica until its answer is `expected`; how long that
/// took. Fails after twice the promise, so a slow case is measured, not hung.
async fn until(
    replica: &Replica,
    secret: &str,
    path: &str,
    expected: impl Fn(StatusCode, &Value) -> bool,
) -> Duration {
    let start = Instant::now();
    loop {
        let (status, body) = replica.api("GET", path, Some(secret), None).await;
        if expected(status, &body) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < WITHIN * 2,
            "still {status} {body} on the replica after {:?}",
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The replica has verified the key (and cached it) on `path`.
async fn warm_on(replica: &Replica, secret: &str, path: &str) {
    for _ in 0..3 {
        let (status, body) = replica.api("GET", path, Some(secret), None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

async fn warm(replica: &Replica, secret: &str) {
    warm_on(replica, secret, "/list-knowledge-bases").await;
}

#[tokio::test]
async fn a_delete_a_narrowing_a_rename_and_a_roll_on_one_instance_reach_the_other_within_a_second()
{
    let Some(app) = postgres_app().await else {
        return;
    };
    let replica = app.replica().await;

    let (id, secret) = app.full_key("before").await;
    warm(&replica, &secret).await;

    // Renamed: /get-api-key-info on the replica names the new name.
    let (status, _) = app
        .call(
            "/api/keys/update",
            json!({ "id": id, "input": { "name": "after", "restricted": false } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let renamed = until(&replica, &secret, "/get-api-key-info", |s, b| {
        s == StatusCode::OK && b["api_key_name"] == "after"
    })
    .await;

    // Narrowed to History: Read: agents are refused.
    let (status, _) = app
        .call(
            "/api/keys/update",
            json!({ "id": id, "input": { "name": "after", "restricted": true, "levels": { "history": "read" } } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let narrowed = until(&replica, &secret, "/list-knowledge-bases", |s, _| {
        s == StatusCode::FORBIDDEN
    })
    .await;

    // Rolled with no grace period: the old secret stops everywhere.
    let (status, rolled) = app
        .call("/api/keys/roll", json!({ "id": id, "grace": "now" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{rolled}");
    let new_secret = rolled["secret"].as_str().unwrap().to_owned();
    let rolled_out = until(&replica, &secret, "/get-api-key-info", |s, _| {
        s == StatusCode::UNAUTHORIZED
    })
    .await;
    assert_eq!(
        replica
            .api("GET", "/get-api-key-info", Some(&new_secret), None)
            .await
            .0,
        StatusCode::OK
    );

    // Deleted: refused.
    warm_on(&replica, &new_secret, "/get-api-key-info").await;
    let (status, _) = app.call("/api/keys/delete", json!({ "id": id })).await;
    assert_eq!(status, StatusCode::OK);
    let deleted = until(&replica, &new_secret, "/get-api-key-info", |s, _| {
        s == StatusCode::UNAUTHORIZED
    })
    .await;

    for (what, took) in [
        ("rename", renamed),
        ("narrowing", narrowed),
        ("roll", rolled_out),
        ("delete", deleted),
    ] {
        assert!(took < WITHIN, "{what} reached the replica after {took:?}");
    }
}

#[tokio::test]
async fn after_the_listening_connection_is_killed_a_delete_still_reaches_the_other_instance_within_a_second()
 {
    let Some(app) = postgres_app().await else {
        return;
    };
    let replica = app.replica().await;
    // Both instances listen once their sync has started.
    wait_for_listeners(&app, 2).await;

    let (id, secret) = app.full_key("k").await;
    warm(&replica, &secret).await;

    let killed = app
        .db
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
        ))
        .await
        .unwrap();
    assert_eq!(killed.len(), 2, "both listeners killed");

    let (status, _) = app.call("/api/keys/delete", json!({ "id": id })).await;
    assert_eq!(status, StatusCode::OK);
    let took = until(&replica, &secret, "/list-knowledge-bases", |s, _| {
        s == StatusCode::UNAUTHORIZED
    })
    .await;
    assert!(
        took < WITHIN,
        "the delete reached the replica after {took:?}"
    );

    // And the listeners come back, so the cache is used again.
    wait_for_listeners(&app, 2).await;
    let (_, other) = app.full_key("later").await;
    warm(&replica, &other).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while replica.keys.is_empty() {
        assert!(
            Instant::now() < deadline,
            "the replica never trusted its cache again"
        );
        warm(&replica, &other).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_for_listeners(app: &TestApp, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rows = app
            .db
            .query_all_raw(Statement::from_string(
                DatabaseBackend::Postgres,
                "SELECT pid FROM pg_stat_activity \
                 WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
            ))
            .await
            .unwrap();
        if rows.len() >= n {
            return;
        }
        assert!(Instant::now() < deadline, "{} of {n} listening", rows.len());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The journal's look-back on the replica in the outage tests: an outage
/// longer than it takes seconds instead of the real window's tens.
const SHORT_WINDOW: Duration = Duration::from_secs(2);

/// A replica whose journal looks back `SHORT_WINDOW`, with a cached key
/// made on the first instance.
async fn replica_with_a_cached_key(app: &TestApp) -> (Replica, i64, String) {
    let replica = app.replica().await;
    replica.keys.hooks().set_journal_window(SHORT_WINDOW);
    wait_for_listeners(app, 2).await;
    let (id, secret) = app.full_key("k").await;
    let digest = app::domain::keys::secret::ApiKeySecret::parse(&secret)
        .unwrap()
        .digest();
    // Cached (a use while the cache is not trusted does not fill it).
    let deadline = Instant::now() + Duration::from_secs(5);
    while !replica.keys.holds(&digest) {
        assert!(
            Instant::now() < deadline,
            "the replica never cached the key"
        );
        warm(&replica, &secret).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (replica, id, secret)
}

/// The replica uses its cache again (and so is not merely refusing
/// because it verifies everything against the database).
async fn trusted_again(replica: &Replica, within: Duration) {
    let deadline = Instant::now() + within;
    while !replica.keys.trusted() {
        assert!(
            Instant::now() < deadline,
            "the replica never trusted its cache again"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Once the replica trusts its cache again, the deleted key is not in it.
async fn still_refused(replica: &Replica, secret: &str) {
    let (status, _) = replica
        .api("GET", "/list-knowledge-bases", Some(secret), None)
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the replica trusts its cache again, and serves the deleted key from it"
    );
}

#[tokio::test]
async fn after_journal_reads_failed_for_longer_than_their_window_a_key_deleted_meanwhile_is_refused_within_a_second()
 {
    let Some(app) = postgres_app().await else {
        return;
    };
    let (replica, id, secret) = replica_with_a_cached_key(&app).await;

    // The replica's journal reads fail, and the delete's notification
    // is lost, while the outage lasts longer than the journal's window.
    replica.keys.hooks().fail_journal_reads(true);
    replica.keys.hooks().lose_key_notifications(true);
    let (status, _) = app.call("/api/keys/delete", json!({ "id": id })).await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(SHORT_WINDOW + Duration::from_secs(1)).await;
    replica.keys.hooks().lose_key_notifications(false);
    replica.keys.hooks().fail_journal_reads(false);

    let took = until(&replica, &secret, "/list-knowledge-bases", |s, _| {
        s == StatusCode::UNAUTHORIZED
    })
    .await;
    assert!(took < WITHIN, "refused {took:?} after the journal was back");
    trusted_again(&replica, Duration::from_secs(2)).await;
    still_refused(&replica, &secret).await;
}

#[tokio::test]
async fn after_a_silent_partition_longer_than_the_journal_window_a_key_deleted_meanwhile_is_refused_within_a_second()
 {
    let Some(app) = postgres_app().await else {
        return;
    };
    let (replica, id, secret) = replica_with_a_cached_key(&app).await;

    // Cut silently: the listener stops hearing anything and never errors,
    // and the journal cannot be read, for longer than its window.
    replica.keys.hooks().stall_listener();
    replica.keys.hooks().fail_journal_reads(true);
    let (status, _) = app.call("/api/keys/delete", json!({ "id": id })).await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(SHORT_WINDOW + Duration::from_secs(1)).await;
    replica.keys.hooks().fail_journal_reads(false);

    let took = until(&replica, &secret, "/list-knowledge-bases", |s, _| {
        s == StatusCode::UNAUTHORIZED
    })
    .await;
    assert!(took < WITHIN, "refused {took:?} after the partition ended");
    trusted_again(&replica, Duration::from_secs(5)).await;
    still_refused(&replica, &secret).await;
}

#[tokio::test]
async fn a_listener_that_silently_stops_hearing_is_distrusted_within_a_second_and_replaced() {
    let Some(app) = postgres_app().await else {
        return;
    };
    let (replica, _, _) = replica_with_a_cached_key(&app).await;

    replica.keys.hooks().stall_listener();
    let stalled = Instant::now();
    while replica.keys.trusted() {
        assert!(
            stalled.elapsed() < WITHIN,
            "the replica still trusts its cache {:?} after its listener went silent",
            stalled.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A silent connection is dropped for a new one, which is heard.
    trusted_again(&replica, Duration::from_secs(6)).await;
    let (id, secret) = app.full_key("later").await;
    warm(&replica, &secret).await;
    let (status, _) = app.call("/api/keys/delete", json!({ "id": id })).await;
    assert_eq!(status, StatusCode::OK);
    let took = until(&replica, &secret, "/list-knowledge-bases", |s, _| {
        s == StatusCode::UNAUTHORIZED
    })
    .await;
    assert!(took < WITHIN, "refused after {took:?}");
}
