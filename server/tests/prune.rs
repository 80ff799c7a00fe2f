//! Rows past their use are deleted: sessions past their idle or absolute
//! expiry, finished webhook deliveries past their retention (audit entries:
//! `audit.rs`). One pass directly, passes on two instances at once, and the
//! real binary starting the timer. On SQLite, and on PostgreSQL when
//! `TEST_POSTGRES_URL` is set.

mod common;

use std::process::{Child, Stdio};
use std::time::{Duration as StdDuration, Instant};

use app::domain::entities::{audit_entry, organization, session, user, webhook_delivery};
use app::model::audit::AuditAction;
use app::model::webhooks::DeliveryStatus;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use common::binary::{free_port, keyward};
use common::{TestApp, TestDb, backends};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;
use server::prune::{Retention, prune_once};

/// A session of `user_id` created and last used that long ago; answers
/// its id.
async fn session_aged(
    db: &impl ConnectionTrait,
    user_id: i64,
    created: Duration,
    last_seen: Duration,
) -> i64 {
    let now = Utc::now();
    let digest: String = (0..64)
        .map(|_| char::from(b"0123456789abcdef"[rand_index(16)]))
        .collect();
    session::ActiveModel {
        token_digest: Set(digest),
        user_id: Set(user_id),
        created_at: Set(now - created),
        last_seen_at: Set(now - last_seen),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

fn rand_index(n: u8) -> usize {
    let mut byte = [0u8; 1];
    getrandom::fill(&mut byte).unwrap();
    usize::from(byte[0] % n)
}

/// A delivery of `org` in `status`, last changed `age` ago; answers its id.
async fn delivery_aged(
    db: &impl ConnectionTrait,
    org: i64,
    status: DeliveryStatus,
    age: Duration,
) -> i64 {
    let at: DateTime<Utc> = Utc::now() - age;
    webhook_delivery::ActiveModel {
        organization_id: Set(org),
        event: Set("test".into()),
        body: Set("{}".into()),
        status: Set(status),
        attempts: Set(1),
        next_attempt_at: Set(at),
        locked_until: Set(None),
        last_status_code: Set(None),
        last_error: Set(None),
        created_at: Set(at - Duration::minutes(15)),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

async fn owner_id(app: &TestApp) -> i64 {
    user::Entity::find()
        .filter(user::Column::Email.eq("owner@a.example"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn session_ids(db: &impl ConnectionTrait) -> Vec<i64> {
    session::Entity::find()
        .select_only()
        .column(session::Column::Id)
        .order_by_asc(session::Column::Id)
        .into_tuple()
        .all(db)
        .await
        .unwrap()
}

async fn delivery_ids(db: &impl ConnectionTrait) -> Vec<i64> {
    webhook_delivery::Entity::find()
        .select_only()
        .column(webhook_delivery::Column::Id)
        .order_by_asc(webhook_delivery::Column::Id)
        .into_tuple()
        .all(db)
        .await
        .unwrap()
}

#[tokio::test]
async fn one_pass_deletes_sessions_past_idle_or_absolute_expiry_and_keeps_live_ones() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let user = owner_id(&app).await;
        let [signed_up] = session_ids(&app.db).await[..] else {
            panic!("sign-up made one session");
        };
        let idle = session_aged(&app.db, user, Duration::days(10), Duration::days(8)).await;
        let too_old = session_aged(&app.db, user, Duration::days(31), Duration::hours(1)).await;
        let nearly_idle = session_aged(&app.db, user, Duration::days(29), Duration::days(6)).await;

        let pruned = prune_once(&app.db, Utc::now(), Retention::default()).await;
        assert_eq!(pruned.sessions.unwrap(), 2, "{}", app.backend);
        let left = session_ids(&app.db).await;
        assert_eq!(left, vec![signed_up, nearly_idle], "{}", app.backend);
        assert!(!left.contains(&idle) && !left.contains(&too_old));
        // The live session still signs its user in.
        let (status, _) = app.call("/api/keys/list", json!({})).await;
        assert_eq!(status, StatusCode::OK, "{}", app.backend);
        // A second pass finds nothing more.
        let again = prune_once(&app.db, Utc::now(), Retention::default()).await;
        assert_eq!(again.sessions.unwrap(), 0);
    }
}

#[tokio::test]
async fn finished_deliveries_older_than_the_retention_are_deleted() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let org = app.org().await.0;
        let day = Duration::days(1);
        let delivered_old = delivery_aged(&app.db, org, DeliveryStatus::Delivered, day * 31).await;
        let failed_old = delivery_aged(&app.db, org, DeliveryStatus::Failed, day * 31).await;
        let not_sent_old = delivery_aged(&app.db, org, DeliveryStatus::NotSent, day * 40).await;
        // Still to be sent: kept whatever its age.
        let pending_old = delivery_aged(&app.db, org, DeliveryStatus::Pending, day * 40).await;
        let delivered_new = delivery_aged(&app.db, org, DeliveryStatus::Delivered, day * 29).await;
        let failed_new = delivery_aged(&app.db, org, DeliveryStatus::Failed, day * 2).await;

        let retention = Retention::default();
        assert_eq!(retention.delivery_days, 30);
        let pruned = prune_once(&app.db, Utc::now(), retention).await;
        assert_eq!(pruned.deliveries.unwrap(), 3, "{}", app.backend);
        let left = delivery_ids(&app.db).await;
        assert_eq!(
            left,
            vec![pending_old, delivered_new, failed_new],
            "{}",
            app.backend
        );
        for gone in [delivered_old, failed_old, not_sent_old] {
            assert!(!left.contains(&gone));
        }
        // A shorter retention reaches further.
        let shorter = Retention {
            delivery_days: 10,
            ..retention
        };
        let pruned = prune_once(&app.db, Utc::now(), shorter).await;
        assert_eq!(pruned.deliveries.unwrap(), 1, "{}", app.backend);
        assert_eq!(delivery_ids(&app.db).await, vec![pending_old, failed_new]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn passes_on_several_instances_at_once_delete_each_row_once() {
    for backend in backends() {
        let app = TestApp::start(&backend).await;
        let replica = app.replica().await;
        let (user, org) = (owner_id(&app).await, app.org().await.0);
        for _ in 0..40 {
            session_aged(&app.db, user, Duration::days(10), Duration::days(8)).await;
            delivery_aged(&app.db, org, DeliveryStatus::Delivered, Duration::days(31)).await;
        }
        let now = Utc::now();
        let retention = Retention::default();
        let passes = futures_util::future::join_all([
            prune_once(&app.db, now, retention),
            prune_once(&replica.db, now, retention),
            prune_once(&app.db, now, retention),
            prune_once(&replica.db, now, retention),
        ])
        .await;
        let (mut sessions, mut deliveries) = (0, 0);
        for pass in passes {
            sessions += pass.sessions.expect("a concurrent pass fails nothing");
            deliveries += pass.deliveries.expect("a concurrent pass fails nothing");
            pass.audit_entries.unwrap();
        }
        assert_eq!((sessions, deliveries), (40, 40), "{}", app.backend);
        assert_eq!(session_ids(&app.db).await.len(), 1, "the live one");
        assert!(delivery_ids(&app.db).await.is_empty());
    }
}

/// The server, killed when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether a session, a delivery and an audit entry past their expiry or
/// retention are all still there.
async fn any_left(db: &impl ConnectionTrait, session: i64, delivery: i64, entry: i64) -> bool {
    session::Entity::find_by_id(session)
        .one(db)
        .await
        .unwrap()
        .is_some()
        || webhook_delivery::Entity::find_by_id(delivery)
            .one(db)
            .await
            .unwrap()
            .is_some()
        || audit_entry::Entity::find_by_id(entry)
            .one(db)
            .await
            .unwrap()
            .is_some()
}

#[tokio::test]
async fn the_server_starts_the_pruner() {
    for backend in backends() {
        let test_db = TestDb::create(&backend).await;
        let db = server::db::connect(test_db.url()).await.unwrap();
        let now = Utc::now();
        let org = organization::ActiveModel {
            name: Set("Pruned".into()),
            created_at: Set(now - Duration::days(200)),
            ..Default::default()
        }
        .insert(&db)
        .await
        .unwrap()
        .id;
        let user = user::ActiveModel {
            organization_id: Set(org),
            email: Set("pruned@example.com".into()),
            password_hash: Set("not a hash: nobody signs in".into()),
            created_at: Set(now - Duration::days(200)),
            ..Default::default()
        }
        .insert(&db)
        .await
        .unwrap()
        .id;
        let idle = session_aged(&db, user, Duration::days(10), Duration::days(8)).await;
        let live = session_aged(&db, user, Duration::days(1), Duration::hours(1)).await;
        let delivery = delivery_aged(&db, org, DeliveryStatus::Delivered, Duration::days(31)).await;
        let entry = audit_entry::ActiveModel {
            organization_id: Set(org),
            at: Set(now - Duration::days(91)),
            actor: Set("pruned@example.com".into()),
            action: Set(AuditAction::SignedIn),
            detail: Set(String::new()),
            ..Default::default()
        }
        .insert(&db)
        .await
        .unwrap()
        .id;

        let data = tempfile::tempdir().unwrap();
        let _server = Running(
            keyward(&[
                ("LEPTOS_SITE_ADDR", &format!("127.0.0.1:{}", free_port())),
                ("KEYWARD_DATA_DIR", data.path().to_str().unwrap()),
                ("DATABASE_URL", test_db.url()),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
        );
        let deadline = Instant::now() + StdDuration::from_secs(20);
        while any_left(&db, idle, delivery, entry).await {
            assert!(
                Instant::now() < deadline,
                "{}: the server did not prune within 20 s of starting",
                backend.name()
            );
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        assert_eq!(session_ids(&db).await, vec![live], "{}", backend.name());
        db.close().await.unwrap();
    }
}
