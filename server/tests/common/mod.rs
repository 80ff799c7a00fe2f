//! Test harness: a real router over a throwaway database, on SQLite always
//! and on PostgreSQL when `TEST_POSTGRES_URL` is set (each test gets its own
//! database there, dropped when the test ends, even when it fails).
#![allow(dead_code)]

use leptos::server_fn::ServerFn;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use app::domain::auth::throttle::{Limits, ManualClock, SignInThrottle};
use app::domain::entities::user;
use app::domain::{MasterKey, OrgId, Sealer};
use app::server_fns::AppState;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde_json::{Value, json};
use tower::ServiceExt;

pub mod binary;
pub mod receiver;

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
    if let Ok(url) = std::env::var("TEST_POSTGRES_URL")
        && !url.trim().is_empty()
    {
        all.push(Backend::Postgres(url));
    }
    all
}

/// A database that exists for one test.
pub enum TestDb {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
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
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .unwrap();
                admin.close().await.ok();
                let url = with_database(admin_url, &name);
                TestDb::Postgres {
                    admin_url: admin_url.clone(),
                    name,
                    url,
                }
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
        if let TestDb::Postgres {
            admin_url, name, ..
        } = self
        {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime; use a fresh one on a thread.
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(admin_url.as_str()).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
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
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    format!("{}/{}{}", &base[..host_end], name, query)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The server functions whose input is a URL-encoded form (so that their
/// pages' forms work before hydration); the others take JSON.
pub const FORM_ENCODED: &[&str] = &[
    <app::server_fns::auth::Signup as ServerFn>::PATH,
    <app::server_fns::auth::Login as ServerFn>::PATH,
    <app::server_fns::webhooks::SaveWebhookUrl as ServerFn>::PATH,
    <app::server_fns::auth::Join as ServerFn>::PATH,
    <app::server_fns::members::SwitchOrganization as ServerFn>::PATH,
    <app::server_fns::keys::SaveKeyPolicy as ServerFn>::PATH,
    <app::server_fns::keys::SaveLeakResponse as ServerFn>::PATH,
];

pub const FORM: &str = "application/x-www-form-urlencoded";

/// A JSON object as a form body the way `serde_qs` reads it: nested
/// objects as `input[email]=…`.
pub fn form_encoded(value: &Value) -> String {
    fn add(out: &mut url::form_urlencoded::Serializer<String>, key: &str, value: &Value) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let key = if key.is_empty() {
                        k.clone()
                    } else {
                        format!("{key}[{k}]")
                    };
                    add(out, &key, v);
                }
            }
            Value::String(s) => {
                out.append_pair(key, s);
            }
            Value::Null => {}
            other => {
                out.append_pair(key, &other.to_string());
            }
        }
    }
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    add(&mut out, "", value);
    out.finish()
}

/// The whole server over a fresh database, with one account signed in.
pub struct TestApp {
    pub backend: &'static str,
    pub router: Router,
    pub state: AppState,
    pub db: DatabaseConnection,
    /// The `Cookie` header of the account `call` acts as.
    pub session: String,
    pub last_used: Arc<server::api::LastUsed>,
    /// The API's key cache, which `state.key_changes` tells.
    pub keys: Arc<server::api::KeyCache>,
    _key_sync: KeySync,
    _test_db: TestDb,
}

/// The tasks that keep a key cache in step with other instances; stopped
/// when the test's instance is dropped.
pub struct KeySync(Vec<tokio::task::JoinHandle<()>>);

impl Drop for KeySync {
    fn drop(&mut self) {
        self.0.iter().for_each(tokio::task::JoinHandle::abort);
    }
}

/// A second instance on the same database: its own connections, its own
/// key cache and sync, its own router (for tests of what instances see of
/// each other's changes).
pub struct Replica {
    pub router: Router,
    pub db: DatabaseConnection,
    pub keys: Arc<server::api::KeyCache>,
    _key_sync: KeySync,
}

impl Replica {
    /// Calls a server function on this instance, as `TestApp::call_with`.
    pub async fn call_with(
        &self,
        cookie: Option<&str>,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let (status, body, _) = call_on(&self.router, cookie, path, body).await;
        (status, body)
    }

    /// Calls the public API on this instance, as `TestApp::api`.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        api_on(&self.router, method, path, key, body).await
    }
}

/// Calls the public API on `router` (see `TestApp::api`).
pub async fn api_on(
    router: &Router,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(key) = key {
        request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    let body = match body {
        Some(b) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    json_answer(router, request.body(body).unwrap()).await
}

/// Sends `request` to `router`; the status and the JSON answer (`Null`
/// when the answer is not JSON).
pub async fn json_answer(router: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Waits until a key cache is used (on PostgreSQL, once it listens and has
/// read the change journal), so tests see the cache as a server does.
async fn in_sync(keys: &server::api::KeyCache) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !keys.trusted() {
        assert!(
            std::time::Instant::now() < deadline,
            "the key cache never got in sync"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

fn instance(db: DatabaseConnection) -> (AppState, Arc<server::api::KeyCache>, KeySync) {
    let keys = Arc::new(server::api::KeyCache::for_database(
        &db,
        server::api::key_cache::DEFAULT_ENTRIES,
    ));
    let sync = KeySync(keys.spawn_sync(db.clone()));
    let state = AppState {
        leptos_options: LeptosOptions::builder().output_name("keyward").build(),
        db,
        sealer: Arc::new(Sealer::new(&MasterKey::generate())),
        // The default limits on a clock that stands still: no budget
        // refills while a loaded machine runs a test.
        sign_in_throttle: Arc::new(SignInThrottle::with_limits_and_clock(
            Limits::default(),
            ManualClock::default(),
        )),
        manual_sends: Arc::default(),
        cookie_secure: false,
        key_changes: keys.clone(),
    };
    (state, keys, sync)
}

pub const PASSWORD: &str = "correct horse battery staple";

impl TestApp {
    pub async fn start(backend: &Backend) -> TestApp {
        let test_db = TestDb::create(backend).await;
        let db = server::db::connect(test_db.url())
            .await
            .expect("connect and migrate");
        let (state, keys, key_sync) = instance(db.clone());
        let last_used = Arc::new(server::api::LastUsed::default());
        let mut app = TestApp {
            backend: backend.name(),
            router: server::routes::router(state.clone(), last_used.clone(), keys.clone()),
            last_used,
            keys,
            _key_sync: key_sync,
            state,
            db,
            session: String::new(),
            _test_db: test_db,
        };
        app.session = app.signup("owner@a.example", "Org A").await;
        in_sync(&app.keys).await;
        app
    }

    /// This instance's router, receiving secret-scanning reports signed by
    /// `keys` (`router` has none configured).
    pub fn with_scanning(&self, keys: server::secret_scanning::ScannerKeys) -> Router {
        server::routes::router_with_scanning(
            self.state.clone(),
            self.last_used.clone(),
            self.keys.clone(),
            Some(Arc::new(keys)),
        )
    }

    /// Creates an unrestricted key through the dashboard; its id and secret.
    pub async fn full_key(&self, name: &str) -> (i64, String) {
        let (status, created) = self
            .call(
                "/api/keys/create",
                json!({ "input": { "name": name, "restricted": false } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{created}");
        (
            created["id"].as_i64().unwrap(),
            created["secret"].as_str().unwrap().to_owned(),
        )
    }

    /// The organization's keys as `/api/keys/list` answers them.
    pub async fn listed_keys(&self) -> Vec<Value> {
        let (_, list) = self.call("/api/keys/list", json!({})).await;
        list["keys"].as_array().cloned().unwrap_or_default()
    }

    /// The list's entry for key `id`, if it is listed.
    pub async fn listed_key(&self, id: i64) -> Option<Value> {
        self.listed_keys().await.into_iter().find(|k| k["id"] == id)
    }

    /// A second Admin of the owner's organization, demoted to Developer
    /// by the owner; their user id. For a save that was let in as an Admin
    /// and must be refused once it holds the organization's lock.
    pub async fn demoted_admin(&self, email: &str) -> i64 {
        let second = self.member(email, "admin").await;
        let (_, overview, _) = self
            .call_with(Some(&second), "/api/members/overview", json!({}))
            .await;
        let id = overview["you"].as_i64().unwrap();
        let demote = json!({ "user": id, "role": "developer" });
        let (status, body) = self.call("/api/members/role", demote).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        id
    }

    /// The id of the organization's webhook key.
    pub async fn webhook_key_id(&self) -> i64 {
        let keys = self.listed_keys().await;
        let key = keys.iter().find(|k| k["is_webhook"] == true);
        key.expect("a webhook key")["id"].as_i64().unwrap()
    }

    /// The URL of this test's database.
    pub fn database_url(&self) -> &str {
        self._test_db.url()
    }

    /// Another instance on this test's database.
    pub async fn replica(&self) -> Replica {
        let db = server::db::connect(self._test_db.url())
            .await
            .expect("connect the replica");
        let (state, keys, key_sync) = instance(db.clone());
        in_sync(&keys).await;
        Replica {
            router: server::routes::router(state, Arc::default(), keys.clone()),
            db,
            keys,
            _key_sync: key_sync,
        }
    }

    /// Signs up a new account and returns its session as a `Cookie` header.
    pub async fn signup(&self, email: &str, organization: &str) -> String {
        let (status, body, cookie) = self
            .call_with(
                None,
                "/api/auth/signup",
                serde_json::json!({ "input": { "email": email, "password": PASSWORD, "organization": organization } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "signup: {body}");
        cookie.expect("signup sets a session cookie")
    }

    /// The public API on this instance's database and key cache, with a
    /// count of the statements it runs whose SQL contains `pattern`: how a
    /// test shows which requests cost database work.
    pub fn api_counting(&self, pattern: &'static str) -> (Router, Arc<AtomicUsize>) {
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        let mut db = self.db.clone();
        db.set_metric_callback(move |info| {
            if info.statement.sql.contains(pattern) {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        let router = server::api::router(server::api::ApiState {
            db,
            last_used: Arc::default(),
            keys: self.keys.clone(),
            unknown_keys: Arc::default(),
            rate_limiter: Arc::default(),
        });
        (router, statements)
    }

    /// Invites `email` as `role` with the owner's session; the link's token.
    pub async fn invite(&self, email: &str, role: &str) -> String {
        let (status, body) = self
            .call(
                "/api/members/invite",
                serde_json::json!({ "input": { "email": email, "role": role } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", self.backend);
        let link = body.as_str().unwrap();
        link.strip_prefix("/join/").unwrap().to_owned()
    }

    /// Joins with an invitation's `token`: the status, the JSON body and
    /// the session cookie set, if any.
    pub async fn join_with(
        &self,
        token: &str,
        email: &str,
        password: &str,
    ) -> (StatusCode, Value, Option<String>) {
        self.call_with(
            None,
            "/api/auth/join",
            serde_json::json!({ "input": { "token": token, "email": email, "password": password } }),
        )
        .await
    }

    /// Invites and joins `email` as `role`; their session cookie.
    pub async fn member(&self, email: &str, role: &str) -> String {
        let token = self.invite(email, role).await;
        let (status, body, cookie) = self.join_with(&token, email, PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", self.backend);
        cookie.expect("joining signs in")
    }

    /// The organization of the account behind a session's email.
    pub async fn org_of(&self, email: &str) -> OrgId {
        let u = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(&self.db)
            .await
            .unwrap()
            .unwrap();
        OrgId(u.organization_id)
    }

    pub async fn org(&self) -> OrgId {
        self.org_of("owner@a.example").await
    }

    /// POSTs JSON to a server function as the signed-in account.
    pub async fn call(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let (status, body, _) = self.call_with(Some(&self.session), path, body).await;
        (status, body)
    }

    /// POSTs JSON with the given `Cookie` header (or none); returns the
    /// status, the JSON body and the session cookie set, if any.
    pub async fn call_with(
        &self,
        cookie: Option<&str>,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value, Option<String>) {
        call_on(&self.router, cookie, path, body).await
    }

    /// Calls the public API with `Authorization: Bearer <key>` (if any) and
    /// a JSON body (if any); returns the status and the JSON answer.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        api_on(&self.router, method, path, key, body).await
    }

    pub async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, json)
    }

    /// GETs a page as the signed-in account.
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        self.get_with(Some(&self.session.clone()), path).await
    }

    pub async fn get_with(&self, cookie: Option<&str>, path: &str) -> (StatusCode, String) {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        if let Some(location) = response.headers().get(header::LOCATION) {
            return (status, location.to_str().unwrap().to_owned());
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// The creator the tests that call the store directly give a key: no
/// member (the row says "a former member").
pub const NO_USER: i64 = 0;

/// Who the tests that call the store directly act as, in the audit log.
pub fn actor() -> app::domain::audit::store::Actor {
    app::domain::audit::store::Actor::user("owner@a.example", None)
}

/// Fills organization `org` up to `held` keys with rows written directly.
pub async fn fill_keys(app: &TestApp, org: OrgId, held: usize) {
    use app::domain::entities::api_key;
    use sea_orm::ActiveValue::Set;
    let now = chrono::Utc::now();
    let rows = (0..held).map(|i| {
        let mut digest = [0u8; 32];
        getrandom::fill(&mut digest).unwrap();
        api_key::ActiveModel {
            organization_id: Set(org.0),
            name: Set(format!("filler {i}")),
            display_form: Set("key_xxxx…xxxx".into()),
            secret_digest: Set(hex::encode(digest)),
            sealed_secret: Set(vec![0; 8]),
            is_webhook: Set(false),
            restricted: Set(false),
            permissions: Set("{}".into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
    });
    for chunk in rows.collect::<Vec<_>>().chunks(200) {
        api_key::Entity::insert_many(chunk.to_vec())
            .exec(&app.db)
            .await
            .unwrap();
    }
}

/// A GET of a page, signed in with `cookie` if given.
pub fn page(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::empty()).unwrap()
}

/// POSTs JSON to a server function on `router` with the given `Cookie`
/// header (or none); returns the status, the JSON body and the session
/// cookie set, if any.
pub async fn call_on(
    router: &Router,
    cookie: Option<&str>,
    path: &str,
    body: Value,
) -> (StatusCode, Value, Option<String>) {
    // Each server function is sent in its own input encoding, as the
    // server function client sends it.
    let (content_type, body) = if FORM_ENCODED.contains(&path) {
        (FORM, form_encoded(&body))
    } else {
        ("application/json", body.to_string())
    };
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "application/json");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let set_cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("keyward_session=") && !c.contains("Max-Age=0"))
        .map(|c| c.split(';').next().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, json, set_cookie)
}

/// Waits, if need be, for a minute with at least `secs` seconds left, so
/// that a test's requests fall in one rate-limit window.
pub async fn room_in_this_minute(secs: u64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let left = 60 - now % 60;
    if left < secs {
        tokio::time::sleep(std::time::Duration::from_secs(left + 1)).await;
    }
}
