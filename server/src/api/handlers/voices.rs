//! Voices: the fixed catalogue in `api::voices`, the same for everyone.

use axum::extract::Path;
use serde_json::Value;

use super::{Answer, ok};
use crate::api::auth::Ctx;
use crate::api::error::ApiError;
use crate::api::voices;

// The caller is not used, but extracting it keeps these behind the guard
// like every other handler.
pub async fn list(_: Ctx) -> Answer {
    ok(Value::Array(voices::all()))
}

pub async fn get(_: Ctx, Path(id): Path<String>) -> Answer {
    ok(voices::find(&id).ok_or(ApiError::NotFound("Voice"))?)
}
