//! Request bodies of the dashboard and its server functions: at most
//! `BODY_LIMIT` (1 MiB, as for the API), refused past it with 413 and
//! `"TooLarge"`, the server functions' error shape.

use app::model::error::AppError;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

pub use crate::api::BODY_LIMIT;

/// Reads the body, up to `BODY_LIMIT`, before the handler runs; a larger
/// one (declared, or found while reading a chunked one) is refused. Server
/// functions read their body whole anyway, so reading it here first costs
/// no more memory; without this they would read up to axum's default of
/// 2 MB, and answer a larger one as an undecodable body (400).
pub async fn limit_body(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > BODY_LIMIT as u64) {
        return crate::audit::refuse(AppError::TooLarge);
    }
    let (parts, body) = request.into_parts();
    let mut limited = Request::new(body);
    DefaultBodyLimit::max(BODY_LIMIT).apply(&mut limited);
    match Bytes::from_request(limited, &()).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            crate::audit::refuse(AppError::TooLarge)
        }
        Err(rejection) => crate::audit::refuse(AppError::invalid("body", rejection.body_text())),
    }
}
