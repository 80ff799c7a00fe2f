//! An `HTTP_PROXY` in the server's environment must not carry webhooks: a
//! proxy connects on the server's behalf to whatever a URL names, past the
//! resolver's address check. Its own test binary, because environment
//! variables are shared by every test in a process.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::StatusCode;
use common::receiver::{Receiver, setup};
use common::{TestApp, backends};
use serde_json::json;
use server::webhooks::DeliveryWorker;

#[tokio::test]
async fn an_environment_proxy_never_carries_a_delivery() {
    // A "proxy" that only counts who connects to it.
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    tokio::spawn(async move {
        while let Ok((_socket, _)) = proxy.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
        }
    });
    for name in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        // SAFETY: set before any other thread of this test binary reads the
        // environment (the runtime's workers do not), and this file holds
        // this one test.
        unsafe { std::env::set_var(name, &proxy_url) };
    }

    let app = TestApp::start(&backends()[0]).await;
    let (receiver, url) = Receiver::start().await;
    setup(&app, &url).await;
    assert_eq!(
        app.call("/api/webhooks/test", json!({})).await.0,
        StatusCode::OK
    );
    let worker = DeliveryWorker::new(app.db.clone(), app.state.sealer.clone(), true);
    worker.run_once().await.unwrap();
    assert_eq!(receiver.received().len(), 1, "delivered directly");
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "the proxy was never used"
    );
}
