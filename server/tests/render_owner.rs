//! A page's reactive owner never becomes another request's parent (see
//! `server/src/owner_isolation.rs`).
//!
//! In a test binary of its own: run beside the other page tests of
//! `headers.rs` (several tokio runtimes in one process, one of them
//! multi-threaded, all rendering pages through leptos's process-wide
//! executor), this single-threaded test hung about once in fifteen runs of
//! that binary, never on its own (0 in 20, then 0 in 30). The server runs
//! one runtime, so the hang is the harness's, not a server's; a 60 s limit
//! turns any hang into a failure rather than a stalled CI.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{TestApp, backends, page};
use tower::ServiceExt;

/// leptos's `Owner::new_root` leaves the page's owner as the thread's
/// current owner when it returns, and leptos_axum's static-file answer (the
/// favicon) makes its owner a child of whatever is current, then copies the
/// `ResponseOptions` it finds there onto its own answer, taking them. A
/// favicon asked for on the same thread while a page renders took the
/// page's Content-Security-Policy, and the page went out with the policy
/// that runs no script. `tokio::join!` polls both on one thread.
#[tokio::test]
async fn a_static_file_served_during_a_render_does_not_take_the_pages_headers() {
    tokio::time::timeout(Duration::from_secs(60), rounds())
        .await
        .expect("20 rounds of a page and 20 favicons within 60 s");
}

async fn rounds() {
    let app = TestApp::start(&backends()[0]).await;
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("favicon.svg"), "<svg/>").unwrap();
    let mut state = app.state.clone();
    state.leptos_options.site_root = site.path().to_string_lossy().into_owned().into();
    let router = server::routes::router(state, app.last_used.clone(), app.keys.clone());
    let get = |request: Request<Body>| router.clone().oneshot(request);

    for round in 0..20 {
        let page_answer = get(page("/settings/api-keys", Some(&app.session)));
        let favicons = async {
            for _ in 0..20 {
                let answer = get(page("/favicon.svg", None)).await.unwrap();
                assert_eq!(answer.status(), StatusCode::OK);
                tokio::task::yield_now().await;
            }
        };
        let (answer, ()) = tokio::join!(page_answer, favicons);
        let answer = answer.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        let csp = answer.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.contains("'nonce-"), "round {round}: {csp}");
    }
}
