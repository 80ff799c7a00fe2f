//! Test harness: a real router over a throwaway database, on SQLite always
//! and on PostgreSQL when `TEST_POSTGRES_URL` is set (each test gets its own
//! database there, dropped when the test ends, even when it fails).
#![allow(dead_code)]

use std::sync::Arc;

use app::ssr::{AppState, MasterKey, OrgId, Sealer};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::Value;
use tower::ServiceExt;

pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// The backends this run covers.
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    if let Ok(url) = std::env::var("TEST_POSTGRES_URL") {
        if !url.trim().is_empty() {
            all.push(Backend::Postgres(url));
        }
    }
    all
}

/// A database that exists for one test.
pub enum TestDb {
    Sqlite { _dir: tempfile::TempDir, url: String },
    Postgres { admin_url: String, name: String, url: String },
}

impl TestDb {
    pub async fn create(backend: &Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/test.db?mode=rwc", dir.path().display());
                TestDb::Sqlite { _dir: dir, url }
            }
            Backend::Postgres(admin_url) => {
                let mut suffix = [0u8; 8];
                getrandom::fill(&mut suffix).unwrap();
                let name = format!("keyward_test_{}", hex(&suffix));
                let admin = Database::connect(admin_url.as_str())
                    .await
                    .expect("TEST_POSTGRES_URL is set but the server is unreachable");
                admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
                admin.close().await.ok();
                let url = with_database(admin_url, &name);
                TestDb::Postgres { admin_url: admin_url.clone(), name, url }
            }
        }
    }

    pub fn url(&self) -> &str {
        match self {
            TestDb::Sqlite { url, .. } | TestDb::Postgres { url, .. } => url,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name, .. } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime; use a fresh one on a thread.
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(admin_url.as_str()).await {
                        let _ = admin
                            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                            .await;
                        admin.close().await.ok();
                    }
                });
            })
            .join()
            .ok();
        }
    }
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..].find('/').map(|i| i + scheme_end).unwrap_or(base.len());
    format!("{}/{}{}", &base[..host_end], name, query)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The whole server over a fresh database.
pub struct TestApp {
    pub backend: &'static str,
    pub router: Router,
    pub state: AppState,
    pub db: DatabaseConnection,
    _test_db: TestDb,
}

impl TestApp {
    pub async fn start(backend: &Backend) -> TestApp {
        let test_db = TestDb::create(backend).await;
        let db = server::db::connect(test_db.url()).await.expect("connect and migrate");
        let default_org = server::db::ensure_default_organization(&db).await.unwrap();
        let state = AppState {
            leptos_options: LeptosOptions::builder().output_name("keyward").build(),
            db: db.clone(),
            sealer: Arc::new(Sealer::new(&MasterKey::generate())),
            default_org,
        };
        TestApp {
            backend: backend.name(),
            router: server::routes::router(state.clone()),
            state,
            db,
            _test_db: test_db,
        }
    }

    pub fn org(&self) -> OrgId {
        self.state.default_org
    }

    /// POSTs JSON to a server function and returns the status and JSON body.
    pub async fn call(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(request).await
    }

    pub async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, json)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self.router.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }
}
