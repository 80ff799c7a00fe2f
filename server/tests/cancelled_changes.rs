//! A change to a key reaches this instance's key cache once it has
//! committed, whatever happens to the request that made it (the client
//! gone, a timeout): on SQLite nothing else would ever remove the key.
//! Each change here is dropped while its COMMIT is under way, which then
//! completes: the moment when no one can know whether it committed.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use app::domain::OrgId;
use app::domain::entities::api_key;
use app::domain::keys::store;
use app::model::expiry::{Expiry, RollGrace};
use app::model::keys::KeySettings;
use app::model::keys::{CreatedKey, KeyId};
use app::model::permissions::{Access, Group, Level, Restrictions};
use axum::http::StatusCode;
use chrono::Utc;
use common::{Backend, TestApp};
use sea_orm::sqlx::sqlite::SqliteConnection;
use sea_orm::{ConnectOptions, Database, DatabaseConnection, EntityTrait};

/// The route each check calls: needs Agent: Read, which the narrowing
/// below takes away.
const PATH: &str = "/list-knowledge-bases";

/// Holds the next commit, in SQLite's commit hook on the connection's
/// worker thread, until the test lets it go.
#[derive(Default)]
struct CommitGate {
    armed: AtomicBool,
    committing: tokio::sync::Notify,
    released: Mutex<bool>,
    release: Condvar,
}

impl CommitGate {
    fn arm(&self) {
        *self.released.lock().unwrap() = false;
        self.armed.store(true, Ordering::SeqCst);
    }

    /// The commit hook: the first commit after `arm` says so and waits.
    fn on_commit(&self) -> bool {
        if self.armed.swap(false, Ordering::SeqCst) {
            self.committing.notify_one();
            let released = self.released.lock().unwrap();
            let (released, _) = self
                .release
                .wait_timeout_while(released, Duration::from_secs(5), |r| !*r)
                .unwrap();
            assert!(*released, "the test never released the commit");
        }
        true
    }

    fn let_go(&self) {
        *self.released.lock().unwrap() = true;
        self.release.notify_all();
    }
}

/// Another connection pool on the test's database whose commits pass
/// through `gate`.
async fn gated_db(app: &TestApp, gate: Arc<CommitGate>) -> DatabaseConnection {
    let mut options = ConnectOptions::new(app.database_url().to_owned());
    options.sqlx_logging(false);
    options.map_sqlx_sqlite_opts(|o| o.busy_timeout(Duration::from_secs(10)));
    options.map_sqlx_sqlite_pool_opts(move |pool| {
        let gate = gate.clone();
        pool.after_connect(move |conn: &mut SqliteConnection, _| {
            let gate = gate.clone();
            Box::pin(async move {
                conn.lock_handle()
                    .await?
                    .set_commit_hook(move || gate.on_commit());
                Ok(())
            })
        })
    });
    Database::connect(options).await.unwrap()
}

#[derive(Clone, Copy, Debug)]
enum Change {
    Delete,
    Roll,
    Narrow,
}

impl Change {
    /// What the key's old secret gets once the change has committed.
    fn refused_with(self) -> StatusCode {
        match self {
            Change::Delete | Change::Roll => StatusCode::UNAUTHORIZED,
            Change::Narrow => StatusCode::FORBIDDEN,
        }
    }

    /// Makes the change through `db`, told to `app`'s key cache.
    async fn run(self, app: &TestApp, db: &DatabaseConnection, org: OrgId, id: KeyId) {
        let actor = common::actor();
        let changes = &app.state.key_changes;
        let done = match self {
            Change::Delete => store::delete(db, changes, org, &actor, id).await,
            Change::Roll => store::roll(
                db,
                &app.state.sealer,
                changes,
                org,
                &actor,
                id,
                RollGrace::Now,
                &app::model::expiry::Expiry::Keep,
                Utc::now(),
            )
            .await
            .map(drop),
            Change::Narrow => store::update(
                db,
                changes,
                org,
                &actor,
                id,
                &KeySettings {
                    name: "k".into(),
                    access: Access::Restricted(
                        Restrictions::none()
                            .with(Group::History, Level::Read)
                            .unwrap(),
                    ),
                    allowed_ips: Default::default(),
                    rate_limit: None,
                },
                &Expiry::Keep,
                Utc::now(),
            )
            .await
            .map(drop),
        };
        done.unwrap();
    }

    /// Whether the change is in the database.
    async fn committed(self, app: &TestApp, id: KeyId) -> bool {
        let row = api_key::Entity::find_by_id(id.0)
            .one(&app.db)
            .await
            .unwrap();
        match (self, row) {
            (Change::Delete, row) => row.is_none(),
            (Change::Roll, row) => row.unwrap().previous_secret_digest.is_some(),
            (Change::Narrow, row) => row.unwrap().restricted,
        }
    }
}

async fn status(app: &TestApp, secret: &str) -> StatusCode {
    app.api("GET", PATH, Some(secret), None).await.0
}

/// A key with full access, verified once so that the cache holds it.
async fn cached_key(app: &TestApp, org: OrgId) -> CreatedKey {
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
    assert_eq!(status(app, &created.secret).await, StatusCode::OK);
    let digest = app::domain::keys::secret::ApiKeySecret::parse(&created.secret)
        .unwrap()
        .digest();
    assert!(app.keys.holds(&digest));
    created
}

/// The old secret gets `expected` within the spec's second.
async fn refused_within_a_second(app: &TestApp, change: Change, secret: &str) {
    let start = Instant::now();
    loop {
        let got = status(app, secret).await;
        if got == change.refused_with() {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "{change:?} committed after its request was dropped, and the key still gets {got}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_delete_a_roll_or_a_narrowing_dropped_during_its_commit_is_in_force_once_committed() {
    let app = TestApp::start(&Backend::Sqlite).await;
    let org = app.org().await;
    let gate = Arc::new(CommitGate::default());
    let db = gated_db(&app, gate.clone()).await;
    for change in [Change::Delete, Change::Roll, Change::Narrow] {
        let key = cached_key(&app, org).await;
        gate.arm();
        tokio::select! {
            () = change.run(&app, &db, org, key.key.id) => {
                panic!("{change:?} finished while its commit was held")
            }
            // The request is dropped here, its COMMIT under way.
            () = gate.committing.notified() => {}
        }
        gate.let_go();
        // The commit completes on its own (a write waits for it).
        let deadline = Instant::now() + Duration::from_secs(5);
        while !change.committed(&app, key.key.id).await {
            assert!(Instant::now() < deadline, "{change:?} never committed");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        refused_within_a_second(&app, change, &key.secret).await;
    }
}
