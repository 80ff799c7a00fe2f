//! Agents, and the knowledge bases they draw on (both in the Agent group).

use std::collections::HashMap;

use axum::extract::{Path, Query};
use serde_json::{Value, json};

use super::{Answer, merge, modify, new_id, now_ms, ok, query_paging};
use crate::api::auth::Ctx;
use crate::api::body::{JsonBody, Object, optional_str, require_engine, require_str};
use crate::api::resources::{self, Kind};

/// Fields the server sets; a client's values for them are ignored.
const OWNED: &[&str] = &[
    "agent_id",
    "version",
    "last_modification_timestamp",
    "is_published",
];

pub async fn create(cx: Ctx, JsonBody(body): JsonBody) -> Answer {
    require_engine(&body, "response_engine")?;
    require_str(&body, "voice_id")?;
    optional_str(&body, "agent_name")?;
    let id = new_id("agent_");
    let mut agent = Object::new();
    merge(&mut agent, body, OWNED);
    agent.insert("agent_id".into(), json!(id));
    agent.insert("version".into(), json!(0));
    agent.insert("is_published".into(), json!(false));
    agent.insert("last_modification_timestamp".into(), json!(now_ms()));
    resources::insert(&cx.db, cx.org(), Kind::Agent, &id, &agent).await?;
    ok(agent)
}

pub async fn update(cx: Ctx, Path(id): Path<String>, JsonBody(body): JsonBody) -> Answer {
    ok(modify(&cx, Kind::Agent, &id, |agent| {
        if body.contains_key("response_engine") {
            require_engine(&body, "response_engine")?;
        }
        if body.contains_key("voice_id") {
            require_str(&body, "voice_id")?;
        }
        optional_str(&body, "agent_name")?;
        merge(agent, body, OWNED);
        agent.insert("last_modification_timestamp".into(), json!(now_ms()));
        Ok(())
    })
    .await?)
}

/// The SDK's list shape: a summary of each agent, not the whole document.
pub async fn list(
    cx: Ctx,
    Query(query): Query<HashMap<String, String>>,
    // Paging comes in the query; a body, if any, must still be an object.
    JsonBody(_): JsonBody,
) -> Answer {
    let (limit, key) = query_paging(&query)?;
    let page = resources::list(&cx.db, cx.org(), Kind::Agent, limit, key.as_deref()).await?;
    let items = page
        .items
        .iter()
        .map(|a| {
            json!({
                "agent_id": a.get("agent_id"),
                "agent_name": a.get("agent_name").and_then(Value::as_str).unwrap_or_default(),
                "channel": "voice",
                "tags": {},
                "user_modified_timestamp": a.get("last_modification_timestamp"),
            })
        })
        .collect();
    ok(page.to_json(items))
}

/// Knowledge bases are listed whole, as a plain array (the SDK's shape).
pub async fn list_knowledge_bases(cx: Ctx) -> Answer {
    let page = resources::list(
        &cx.db,
        cx.org(),
        Kind::KnowledgeBase,
        resources::MAX_LIMIT,
        None,
    )
    .await?;
    ok(Value::Array(
        page.items.into_iter().map(Value::Object).collect(),
    ))
}
