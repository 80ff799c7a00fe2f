//! `POST /secret-scanning/github`: GitHub's secret-scanning partner
//! endpoint. The body is a JSON array of `{"token", "type", "url",
//! "source"}`, signed over its raw bytes (`keys`); each token is looked up
//! in every organization and, if it is a live secret, stops working at
//! once (`app::domain::keys::leaks`). The answer labels each token
//! `true_positive` or `false_positive`, by the SHA-256 of the token, never
//! the token.
//!
//! Anyone can reach the route, so everything it does before the signature
//! verifies is bounded: the body is read up to `BODY_LIMIT` (413 past it)
//! and only verified, never parsed; a verified report of more than
//! `MAX_TOKENS` tokens is refused whole (422).

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
use axum::http::HeaderMap;
use axum::routing::post;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use keys::ScannerKeys;

use crate::api::BODY_LIMIT;
use crate::api::error::ApiError;

pub const PATH: &str = "/secret-scanning/github";
/// Tokens one report may carry.
pub const MAX_TOKENS: usize = 1000;
const KEY_IDENTIFIER: &str = "github-public-key-identifier";
const SIGNATURE: &str = "github-public-key-signature";

#[derive(Clone)]
pub struct ScanningState {
    pub db: DatabaseConnection,
    pub changes: Arc<dyn KeyChangeSink>,
    /// `None`: `KEYWARD_SECRET_SCANNING_KEYS` is not set; the route
    /// answers 404.
    pub keys: Option<Arc<ScannerKeys>>,
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
    // The scanner's address, for the audit log, as `client_address` made it.
    let address = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip());
    let headers: HeaderMap = request.headers().clone();
    let body = Bytes::from_request(request, &())
        .await
        .map_err(|rejection| match rejection.status() {
            axum::http::StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge,
            _ => ApiError::BadRequest {
                field: "body".into(),
                message: rejection.body_text(),
            },
        })?;
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    keys.verify(header(KEY_IDENTIFIER), header(SIGNATURE), &body)
        .map_err(ApiError::UnverifiedReport)?;
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
