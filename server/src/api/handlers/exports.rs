//! Export requests (the Export group, action-only).

use serde_json::json;

use super::{Answer, fields, merge, new_id, now_ms, ok};
use crate::api::auth::Ctx;
use crate::api::body::{JsonBody, Object, optional_str};
use crate::api::error::ApiError;
use crate::api::resources::{self, Kind};

/// Fields the server sets; a client's values for them are ignored.
const OWNED: &[&str] = &["export_request_id", "status", "created_timestamp", "url"];

pub async fn create(cx: Ctx, JsonBody(body): JsonBody) -> Answer {
    let channel = optional_str(&body, "channel")?.unwrap_or("call");
    if !matches!(channel, "call" | "chat") {
        return Err(ApiError::unprocessable(
            "channel",
            "channel must be \"call\" or \"chat\".",
        ));
    }
    let timezone = optional_str(&body, "timezone")?.unwrap_or("UTC").to_owned();
    let channel = channel.to_owned();
    let id = new_id("export_");
    let mut export = Object::new();
    merge(&mut export, body, OWNED);
    export.extend(fields(json!({
        "export_request_id": id, "status": "created", "created_timestamp": now_ms(),
        "channel": channel, "timezone": timezone,
    })));
    resources::insert(&cx.db, cx.org(), Kind::ExportRequest, &id, &export).await?;
    ok(export)
}
