//! A webhook receiver on loopback that records what arrives, and the
//! signature check `Retell.verify` makes.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::Utc;
use serde_json::json;

use super::TestApp;

#[derive(Clone, Default)]
pub struct Receiver {
    pub got: Arc<Mutex<Vec<(String, String)>>>,
    pub answer: Arc<AtomicU16>,
}

impl Receiver {
    pub async fn start() -> (Receiver, String) {
        let receiver = Receiver {
            answer: Arc::new(AtomicU16::new(200)),
            ..Default::default()
        };
        async fn hook(State(r): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
            let sig = headers
                .get("x-retell-signature")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            r.got.lock().unwrap().push((sig, body));
            StatusCode::from_u16(r.answer.load(Ordering::SeqCst)).unwrap()
        }
        let app = Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    pub fn received(&self) -> Vec<(String, String)> {
        self.got.lock().unwrap().clone()
    }
}

/// What `Retell.verify` checks, at the current time.
pub fn verifies(secret: &str, body: &str, signature: &str) -> bool {
    server::webhooks::signature::verify(secret, body, signature, Utc::now().timestamp_millis())
}

/// An app with a webhook URL and a webhook key; the key has full access, so
/// it also serves as the API key that creates calls. Returns its secret.
pub async fn setup(app: &TestApp, url: &str) -> String {
    assert_eq!(
        app.call("/api/webhooks/save-url", json!({ "url": url }))
            .await
            .0,
        StatusCode::OK
    );
    let (_, created) = app
        .call(
            "/api/keys/create",
            json!({ "input": { "name": "signer", "restricted": false } }),
        )
        .await;
    let webhook_secret = created["secret"].as_str().unwrap().to_owned();
    assert_eq!(
        app.call("/api/keys/set-webhook", json!({ "id": created["id"] }))
            .await
            .0,
        StatusCode::OK
    );
    webhook_secret
}

/// A receiver on loopback that accepts connections and never answers.
/// Returns its URL and the connections it holds (one per request sent).
pub async fn hanging() -> (String, Arc<Mutex<Vec<tokio::net::TcpStream>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let held = Arc::new(Mutex::new(Vec::new()));
    let holder = held.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            holder.lock().unwrap().push(socket);
        }
    });
    (url, held)
}
