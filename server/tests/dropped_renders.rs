//! Pages whose request is dropped midway, as a browser that navigates away
//! or a load generator that stops drops them: the server must not panic.
//!
//! A `Suspense` (or `Transition`) rendered on the server checks whether its
//! resources are in with an effect that runs in a task of its own, on any
//! worker thread, and that effect walks the suspended view again (the
//! layout's `user.get()`, the page's `keys.await`, the island's signals).
//! Dropping the request on another thread disposed the page's reactive
//! owner under that effect's feet: `page_render` (100 keys, 16
//! connections) logged "Tried to access a reactive value that has already
//! been disposed" in one run of 3 to 6. See `server::owner_isolation`.

mod common;

use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, backends};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Every panic in this test binary, on any thread, caught or not.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn record_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.lock().unwrap().push(info.to_string());
            previous(info);
        }));
    });
}

fn panics() -> Vec<String> {
    PANICS.lock().unwrap().clone()
}

/// Renders the API Keys page to its last byte.
async fn render(router: Router, cookie: String) {
    let request = Request::get("/settings/api-keys")
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.into_body().collect().await.unwrap();
}

/// A duration in `[0, bound)`.
fn random_below(bound: Duration) -> Duration {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    let nanos = u64::from_le_bytes(bytes) % (bound.as_nanos() as u64).max(1);
    Duration::from_nanos(nanos)
}

/// Renders `per_round` pages at once, each dropped at a random point of the
/// first quarter of what one render alone takes (32 at once take longer:
/// that is when their resources come in, and it found the panic faster
/// than points across the whole render), round after round, for `budget`
/// or until something panicked; returns how many were dropped unfinished.
async fn drop_renders_midway(app: &TestApp, per_round: usize, budget: Duration) -> usize {
    let started = Instant::now();
    render(app.router.clone(), app.session.clone()).await;
    let whole = started.elapsed();
    let deadline = Instant::now() + budget;
    let mut dropped = 0;
    while Instant::now() < deadline && panics().is_empty() {
        let mut renders = tokio::task::JoinSet::new();
        for _ in 0..per_round {
            let page = tokio::spawn(render(app.router.clone(), app.session.clone()));
            renders.spawn(async move {
                tokio::time::sleep(random_below(whole / 4)).await;
                page.abort();
                page.await.is_err_and(|e| e.is_cancelled())
            });
        }
        while let Some(cancelled) = renders.join_next().await {
            dropped += usize::from(cancelled.unwrap());
        }
    }
    dropped
}

/// More worker threads than the machine has cores: a worker is then now
/// and then descheduled in the middle of a Suspense's effect, as on a busy
/// server, and a dropped render disposes the page meanwhile. Without the
/// fix this found a panic within 4 s in 40 runs of 40 (with 4 workers and
/// drops across the whole render, in 2 runs of 9). On a current-thread
/// runtime no effect runs while a render is dropped: 6,500 drops found
/// nothing, so there is no such test.
#[tokio::test(flavor = "multi_thread", worker_threads = 16)]
async fn api_keys_renders_dropped_midway_do_not_panic() {
    record_panics();
    let app = TestApp::start(&backends()[0]).await;
    common::fill_keys(&app, app.org().await, 100).await;
    let dropped = drop_renders_midway(&app, 32, Duration::from_secs(5)).await;
    let panics = panics();
    assert!(
        panics.is_empty(),
        "{} panics ({dropped} renders dropped midway), the first: {}",
        panics.len(),
        panics[0]
    );
    assert!(dropped > 0, "no render was dropped midway");
    // And pages still render whole afterwards.
    render(app.router.clone(), app.session.clone()).await;
}
