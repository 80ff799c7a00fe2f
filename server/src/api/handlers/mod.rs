//! The handler of each operation. Bodies and answers follow the official
//! `retell-sdk` types; unknown fields a client sends are kept and returned.
//! Calls are records only: nothing is dialled.
//!
//! Reading, deleting and listing are the same for every kind of resource
//! and are built here from the kind; what differs (creating, updating,
//! answer shapes) lives in one file per resource.

mod agents;
mod calls;
mod exports;
mod phone_numbers;
mod test_cases;
mod voices;

use std::collections::HashMap;

use app::model::api_routes::Operation as Op;
use axum::Json;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use chrono::Utc;
use sea_orm::TransactionTrait;
use serde_json::{Value, json};

use super::ApiState;
use super::auth::Ctx;
use super::body::Object;
use super::error::ApiError;
use super::resources::{self, Kind};

type Answer = Result<Response, ApiError>;

/// The handler of each operation; exhaustive, so no route lacks one.
pub fn handler(op: Op, filter: MethodFilter) -> MethodRouter<ApiState> {
    match op {
        Op::GetApiKeyInfo => on(filter, get_api_key_info),
        Op::CreateAgent => on(filter, agents::create),
        Op::GetAgent => get_one(filter, Kind::Agent),
        Op::UpdateAgent => on(filter, agents::update),
        Op::DeleteAgent => delete_one(filter, Kind::Agent),
        Op::ListAgents => on(filter, agents::list),
        Op::ListKnowledgeBases => on(filter, agents::list_knowledge_bases),
        Op::GetKnowledgeBase => get_one(filter, Kind::KnowledgeBase),
        Op::DeleteKnowledgeBase => delete_one(filter, Kind::KnowledgeBase),
        Op::ListVoices => on(filter, voices::list),
        Op::GetVoice => on(filter, voices::get),
        Op::CreateTestCaseDefinition => on(filter, test_cases::create),
        Op::ListTestCaseDefinitions => list_page(filter, Kind::TestCaseDefinition),
        Op::GetTestCaseDefinition => get_one(filter, Kind::TestCaseDefinition),
        Op::UpdateTestCaseDefinition => on(filter, test_cases::update),
        Op::DeleteTestCaseDefinition => delete_one(filter, Kind::TestCaseDefinition),
        Op::ListCalls => on(filter, calls::list),
        Op::GetCall => get_one(filter, Kind::Call),
        Op::UpdateCall => on(filter, calls::update),
        Op::DeleteCall => delete_one(filter, Kind::Call),
        Op::ListExportRequests => list_page(filter, Kind::ExportRequest),
        Op::CreateExportRequest => on(filter, exports::create),
        Op::CreatePhoneCall => on(filter, calls::create_phone_call),
        Op::CreateWebCall => on(filter, calls::create_web_call),
        Op::CreateBatchCall => on(filter, calls::create_batch_call),
        Op::StopCall => on(filter, calls::stop),
        Op::CreatePhoneNumber => on(filter, phone_numbers::create),
        Op::ListPhoneNumbers => list_page(filter, Kind::PhoneNumber),
        Op::GetPhoneNumber => get_one(filter, Kind::PhoneNumber),
        Op::UpdatePhoneNumber => on(filter, phone_numbers::update),
        Op::DeletePhoneNumber => delete_one(filter, Kind::PhoneNumber),
    }
}

// ---- the same for every kind ---------------------------------------------

/// The resource named in the path, as stored.
fn get_one(filter: MethodFilter, kind: Kind) -> MethodRouter<ApiState> {
    on(filter, move |cx: Ctx, Path(id): Path<String>| async move {
        ok(resources::get(&cx.db, cx.org(), kind, &id).await?)
    })
}

/// Deletes the resource named in the path: 204, or 404 if it is not there.
fn delete_one(filter: MethodFilter, kind: Kind) -> MethodRouter<ApiState> {
    on(filter, move |cx: Ctx, Path(id): Path<String>| async move {
        resources::delete(&cx.db, cx.org(), kind, &id).await?;
        no_content()
    })
}

/// A page of the kind, newest first, paged by `limit` and `pagination_key`
/// in the query string.
fn list_page(filter: MethodFilter, kind: Kind) -> MethodRouter<ApiState> {
    on(
        filter,
        move |cx: Ctx, Query(query): Query<HashMap<String, String>>| async move {
            let (limit, key) = query_paging(&query)?;
            page_of(&cx, kind, limit, key).await
        },
    )
}

async fn get_api_key_info(cx: Ctx) -> Answer {
    // A public key never gets here (the guard opens it one route only).
    let crate::api::auth::CalledWith::ApiKey(key) = &cx.caller else {
        return Err(ApiError::PublicKeyRoute);
    };
    ok(json!({ "api_key_name": key.key_name, "org_name": key.org_name }))
}

// ---- helpers -------------------------------------------------------------

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source is unavailable");
    format!("{prefix}{}", hex::encode(bytes))
}

fn ok(value: impl Into<Value>) -> Answer {
    Ok(Json(value.into()).into_response())
}

fn no_content() -> Answer {
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The fields of a JSON object literal, to extend a document with.
fn fields(value: Value) -> Object {
    match value {
        Value::Object(map) => map,
        _ => Object::new(),
    }
}

/// A non-negative whole number. JSON has one number type, so 50.0 is the
/// whole number 50, as JSON Schema's `integer` says.
fn whole_number(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0)
            .map(|f| f as u64)
    })
}

/// `limit` (1 to `resources::MAX_LIMIT`, default `resources::DEFAULT_LIMIT`)
/// and `pagination_key`, from a query string or a body.
fn paging(limit: Option<&Value>, key: Option<&Value>) -> Result<(u64, Option<String>), ApiError> {
    let limit = match limit {
        None | Some(Value::Null) => resources::DEFAULT_LIMIT,
        Some(v) => whole_number(v)
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .filter(|n| (1..=resources::MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::unprocessable(
                    "limit",
                    format!(
                        "limit must be a whole number from 1 to {}.",
                        resources::MAX_LIMIT
                    ),
                )
            })?,
    };
    let key = match key {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            return Err(ApiError::unprocessable(
                "pagination_key",
                "pagination_key must be a string.",
            ));
        }
    };
    Ok((limit, key))
}

fn query_paging(query: &HashMap<String, String>) -> Result<(u64, Option<String>), ApiError> {
    let limit = query.get("limit").map(|s| Value::String(s.clone()));
    let key = query
        .get("pagination_key")
        .map(|s| Value::String(s.clone()));
    paging(limit.as_ref(), key.as_ref())
}

/// Copies `patch` onto `stored`, leaving the fields the server owns alone.
fn merge(stored: &mut Object, patch: Object, server_owned: &[&str]) {
    for (k, v) in patch {
        if !server_owned.contains(&k.as_str()) {
            stored.insert(k, v);
        }
    }
}

/// Reads, changes and writes back one resource in one transaction that
/// holds the resource throughout (`resources::get_for_update`): a
/// concurrent change to the same resource waits, so neither is lost.
async fn modify(
    cx: &Ctx,
    kind: Kind,
    id: &str,
    change: impl FnOnce(&mut Object) -> Result<(), ApiError>,
) -> Result<Object, ApiError> {
    let txn = cx.db.begin().await?;
    let mut doc = resources::get_for_update(&txn, cx.org(), kind, id).await?;
    change(&mut doc)?;
    resources::put(&txn, cx.org(), kind, id, &doc).await?;
    txn.commit().await?;
    Ok(doc)
}

async fn page_of(cx: &Ctx, kind: Kind, limit: u64, key: Option<String>) -> Answer {
    let page = resources::list(&cx.db, cx.org(), kind, limit, key.as_deref()).await?;
    let items = page.items.iter().cloned().map(Value::Object).collect();
    ok(page.to_json(items))
}
