//! `POST /secret-scanning/github`: GitHub's secret-scanning partner
//! endpoint. The body is a JSON array of `{"token", "type", "url",
//! "source"}`, signed over its raw bytes (`keys`); each token is looked up
//! in every organization and, if it is a live secret, stops working at
//! once (`app::domain::keys::leaks`). The answer labels each token
//! `true_positive` or `false_positive`, by the SHA-256 of the token, never
//! the token.
//!
//! Anyone can reach the route, so everything it does before the signature
//! verifies is bounded: the signature's headers are checked first (401
//! without reading the body), at most `MAX_READING` bodies are read at once
//! (503 past it), each up to `BODY_LIMIT` (413 past it), and a body is only
//! verified, never parsed, until it verifies; a verified report of more
//! than `MAX_TOKENS` tokens is refused whole (422).

pub mod keys;

use std::net::SocketAddr;
use std::sync::Arc;

use app::domain::key_changes::KeyChangeSink;
use app::domain::keys::leaks::{self, ReportedToken};
use app::model::leaks::LeakLabel;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, Request, State};
use axum::routing::post;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

pub use keys::ScannerKeys;

use crate::api::BODY_LIMIT;
use crate::api::error::ApiError;

pub const PATH: &str = "/secret-scanning/github";
/// Tokens one report may carry.
pub const MAX_TOKENS: usize = 1000;
const KEY_IDENTIFIER: &str = "github-public-key-identifier";
const SIGNATURE: &str = "github-public-key-signature";

/// Report bodies read at once; one more is answered 503 unread, so
/// anonymous uploads hold at most this many MiB.
pub const MAX_READING: usize = 8;

#[derive(Clone)]
pub struct ScanningState {
    db: DatabaseConnection,
    changes: Arc<dyn KeyChangeSink>,
    /// `None`: `KEYWARD_SECRET_SCANNING_KEYS` is not set; the route
    /// answers 404.
    keys: Option<Arc<ScannerKeys>>,
    /// Permits for bodies being read (`MAX_READING`).
    reading: Arc<Semaphore>,
}

impl ScanningState {
    pub fn new(
        db: DatabaseConnection,
        changes: Arc<dyn KeyChangeSink>,
        keys: Option<Arc<ScannerKeys>>,
    ) -> ScanningState {
        ScanningState {
            db,
            changes,
            keys,
            reading: Arc::new(Semaphore::new(MAX_READING)),
        }
    }
}

#[derive(Deserialize)]
struct Reported {
    token: String,
    #[serde(rename = "type", default)]
    token_type: String,
    #[serde(default)]
    url: Option<String>,
}

#[derive(Serialize)]
struct Labelled {
    token_hash: String,
    token_type: String,
    label: LeakLabel,
}

pub fn router(state: ScanningState) -> Router {
    Router::new()
        .route(PATH, post(receive))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

async fn receive(
    State(state): State<ScanningState>,
    request: Request,
) -> Result<Json<Vec<Labelled>>, ApiError> {
    let Some(keys) = &state.keys else {
        return Err(ApiError::SecretScanningOff);
    };
    // Refused from the headers alone, before a byte of the body is read;
    // then at most `MAX_READING` bodies are read at once.
    let claimed = {
        // Scoped: the request is not held across an await by reference.
        let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok());
        keys.signed_by(header(KEY_IDENTIFIER), header(SIGNATURE))
    }
    .map_err(ApiError::UnverifiedReport)?;
    let _reading = state
        .reading
        .clone()
        .try_acquire_owned()
        .map_err(|_| ApiError::ReportsBusy)?;
    // The scanner's address, for the audit log, as `client_address` made it.
    let address = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip());
    let body = Bytes::from_request(request, &())
        .await
        .map_err(|rejection| match rejection.status() {
            axum::http::StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge,
            _ => ApiError::BadRequest {
                field: "body".into(),
                message: rejection.body_text(),
            },
        })?;
    claimed.verify(&body).map_err(ApiError::UnverifiedReport)?;
    let reported: Vec<Reported> = serde_json::from_slice(&body).map_err(|e| {
        ApiError::unprocessable(
            "body",
            format!("Send a JSON array of {{\"token\", \"type\", \"url\", \"source\"}} ({e})."),
        )
    })?;
    if reported.len() > MAX_TOKENS {
        return Err(ApiError::unprocessable(
            "body",
            format!(
                "A report may carry at most {MAX_TOKENS} tokens; this one has {}.",
                reported.len()
            ),
        ));
    }
    let now = chrono::Utc::now();
    let mut answer = Vec::with_capacity(reported.len());
    for item in reported {
        let token = ReportedToken {
            token: &item.token,
            url: item.url.as_deref(),
        };
        let label = leaks::report(&state.db, &state.changes, &token, address, now).await?;
        answer.push(Labelled {
            token_hash: hex::encode(Sha256::digest(item.token.as_bytes())),
            token_type: item.token_type,
            label,
        });
    }
    Ok(Json(answer))
}
