//! Calls: creating them (the Call group, action-only), reading, updating
//! and listing them (the History group). A call is a record; nothing is
//! dialled. Creating or ending one queues its webhook in the same
//! transaction.

use axum::extract::Path;
use sea_orm::TransactionTrait;
use serde_json::{Value, json};

use super::{Answer, fields, merge, modify, new_id, no_content, now_ms, ok, page_of, paging};
use crate::api::auth::Ctx;
use crate::api::body::{
    JsonBody, Object, is_e164, optional_str, require_array, require_phone, require_str,
};
use crate::api::error::ApiError;
use crate::api::resources::{self, Kind};

/// Fields the server sets; a client's values for them are ignored.
const OWNED: &[&str] = &[
    "call_id",
    "call_type",
    "call_status",
    "direction",
    "agent_id",
    "agent_version",
    "access_token",
    "from_number",
    "to_number",
    "start_timestamp",
    "end_timestamp",
];

/// Paged by `limit` and `pagination_key` in the body (the SDK's shape).
pub async fn list(cx: Ctx, JsonBody(body): JsonBody) -> Answer {
    let (limit, key) = paging(body.get("limit"), body.get("pagination_key"))?;
    page_of(&cx, Kind::Call, limit, key).await
}

pub async fn update(cx: Ctx, Path(id): Path<String>, JsonBody(body): JsonBody) -> Answer {
    ok(modify(&cx, Kind::Call, &id, |call| {
        if let Some(metadata) = body.get("metadata")
            && !metadata.is_object()
            && !metadata.is_null()
        {
            return Err(ApiError::unprocessable(
                "metadata",
                "metadata must be an object.",
            ));
        }
        merge(call, body, OWNED);
        Ok(())
    })
    .await?)
}

pub async fn create_phone_call(cx: Ctx, JsonBody(body): JsonBody) -> Answer {
    let from = require_phone(&body, "from_number")?;
    let to = require_phone(&body, "to_number")?;
    let named = optional_str(&body, "override_agent_id")?;
    let agent_id = agent_for_call(&cx, "override_agent_id", named, Some(&from)).await?;
    let id = new_id("call_");
    let mut call = Object::new();
    merge(&mut call, body, OWNED);
    call.extend(fields(json!({
        "call_id": id, "call_type": "phone_call", "direction": "outbound", "call_status": "registered",
        "agent_id": agent_id, "agent_version": 0, "from_number": from, "to_number": to,
        "start_timestamp": now_ms(),
    })));
    insert_call(&cx, &id, &call).await?;
    ok(call)
}

/// What a web page may send with a public key: Retell's create-web-call
/// fields, at most `PUBLIC_BODY_LIMIT` of them. Anyone can send what a
/// public key allows, so nothing else of the body is kept (no transcript,
/// no recording URL that the organization's records and webhooks would
/// then carry).
const PUBLIC_FIELDS: &[&str] = &[
    "agent_id",
    "agent_version",
    "metadata",
    "retell_llm_dynamic_variables",
];
const PUBLIC_BODY_LIMIT: usize = 16 * 1024;

pub async fn create_web_call(cx: Ctx, JsonBody(mut body): JsonBody) -> Answer {
    if cx.is_public() {
        body.retain(|field, _| PUBLIC_FIELDS.contains(&field.as_str()));
        let size = serde_json::to_vec(&body).map_or(usize::MAX, |b| b.len());
        if size > PUBLIC_BODY_LIMIT {
            return Err(ApiError::DocumentTooLarge {
                noun: "A web call from a public key",
                size: size.div_ceil(1024),
                limit: PUBLIC_BODY_LIMIT / 1024,
            });
        }
    }
    let named = require_str(&body, "agent_id")?.to_owned();
    cx.may_use_agent(&named)?;
    let agent_id = agent_for_call(&cx, "agent_id", Some(&named), None).await?;
    let id = new_id("call_");
    let mut call = Object::new();
    merge(&mut call, body, OWNED);
    call.extend(fields(json!({
        "call_id": id, "call_type": "web_call", "call_status": "registered", "agent_id": agent_id,
        "agent_version": 0, "access_token": new_id("wc_"), "start_timestamp": now_ms(),
    })));
    insert_call(&cx, &id, &call).await?;
    ok(call)
}

pub async fn create_batch_call(cx: Ctx, JsonBody(body): JsonBody) -> Answer {
    let from = require_phone(&body, "from_number")?;
    let tasks = require_array(&body, "tasks")?;
    if tasks.is_empty() {
        return Err(ApiError::unprocessable(
            "tasks",
            "tasks must hold at least one call.",
        ));
    }
    for (i, task) in tasks.iter().enumerate() {
        let to = task.as_object().and_then(|t| t.get("to_number"));
        if !to.and_then(Value::as_str).is_some_and(is_e164) {
            let field = format!("tasks[{i}].to_number");
            let message = format!("{field} must be an E.164 number.");
            return Err(ApiError::unprocessable(&field, message));
        }
    }
    let id = new_id("batch_call_");
    let batch = fields(json!({
        "batch_call_id": id,
        "name": optional_str(&body, "name")?.unwrap_or("Batch call"),
        "from_number": from,
        "scheduled_timestamp": body.get("trigger_timestamp").and_then(Value::as_i64).unwrap_or_else(now_ms),
        "total_task_count": tasks.len(),
    }));
    resources::insert(&cx.db, cx.org(), Kind::BatchCall, &id, &batch).await?;
    ok(batch)
}

pub async fn stop(cx: Ctx, Path(id): Path<String>, JsonBody(_): JsonBody) -> Answer {
    // The call is held from the read to the commit, so an update running
    // meanwhile cannot bring back the old status.
    let txn = cx.db.begin().await?;
    let mut call = resources::get_for_update(&txn, cx.org(), Kind::Call, &id).await?;
    call.insert("call_status".into(), json!("ended"));
    call.insert("end_timestamp".into(), json!(now_ms()));
    resources::put(&txn, cx.org(), Kind::Call, &id, &call).await?;
    app::domain::webhooks::deliveries::enqueue(&txn, cx.org(), "call_ended", &Value::Object(call))
        .await?;
    txn.commit().await?;
    no_content()
}

/// Stores a new call and queues its `call_started` webhook in one
/// transaction: the event exists exactly when the call does.
async fn insert_call(cx: &Ctx, id: &str, call: &Object) -> Result<(), ApiError> {
    let txn = cx.db.begin().await?;
    resources::insert(&txn, cx.org(), Kind::Call, id, call).await?;
    app::domain::webhooks::deliveries::enqueue(
        &txn,
        cx.org(),
        "call_started",
        &Value::Object(call.clone()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The agent a call uses: the one named, which must exist in this
/// organization, or the outbound agent of the calling number.
async fn agent_for_call(
    cx: &Ctx,
    field: &str,
    named: Option<&str>,
    from_number: Option<&str>,
) -> Result<String, ApiError> {
    if let Some(agent_id) = named {
        if !resources::exists(&cx.db, cx.org(), Kind::Agent, agent_id).await? {
            return Err(ApiError::unknown_reference(
                field,
                format!("{field} does not name an agent of this organization."),
            ));
        }
        return Ok(agent_id.to_owned());
    }
    if let Some(number) = from_number
        && let Ok(phone) = resources::get(&cx.db, cx.org(), Kind::PhoneNumber, number).await
        && let Some(agent) = phone.get("outbound_agent_id").and_then(Value::as_str)
    {
        return Ok(agent.to_owned());
    }
    Ok(String::new())
}
