//! One handler per operation. Bodies and answers follow the official
//! `retell-sdk` types; unknown fields a client sends are kept and returned.
//! Calls are records only: nothing is dialled.

use std::collections::HashMap;

use app::api_routes::Operation as Op;
use axum::Json;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use chrono::Utc;
use sea_orm::TransactionTrait;
use serde_json::{Value, json};

use super::ApiState;
use super::auth::ApiCaller;
use super::body::{
    JsonBody, Object, optional_str, require_array, require_engine, require_phone, require_str,
};
use super::error::ApiError;
use super::resources::{self, Kind};
use super::voices;

/// Stores a new call and queues its `call_started` webhook in one
/// transaction: the event exists exactly when the call does.
async fn insert_call(
    state: &ApiState,
    caller: &ApiCaller,
    id: &str,
    call: &Object,
) -> Result<(), ApiError> {
    let txn = state.db.begin().await?;
    resources::insert(&txn, caller.org, Kind::Call, id, call).await?;
    app::webhooks::outbox::enqueue(
        &txn,
        caller.org,
        "call_started",
        &Value::Object(call.clone()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

type Answer = Result<Response, ApiError>;

/// The handler of each operation; exhaustive, so no route lacks one.
pub fn handler(op: Op, filter: MethodFilter) -> MethodRouter<ApiState> {
    match op {
        Op::GetApiKeyInfo => on(filter, get_api_key_info),
        Op::CreateAgent => on(filter, create_agent),
        Op::GetAgent => on(filter, get_agent),
        Op::UpdateAgent => on(filter, update_agent),
        Op::DeleteAgent => on(filter, delete_agent),
        Op::ListAgents => on(filter, list_agents),
        Op::ListKnowledgeBases => on(filter, list_knowledge_bases),
        Op::GetKnowledgeBase => on(filter, get_knowledge_base),
        Op::DeleteKnowledgeBase => on(filter, delete_knowledge_base),
        Op::ListVoices => on(filter, list_voices),
        Op::GetVoice => on(filter, get_voice),
        Op::CreateTestCaseDefinition => on(filter, create_test_case_definition),
        Op::ListTestCaseDefinitions => on(filter, list_test_case_definitions),
        Op::GetTestCaseDefinition => on(filter, get_test_case_definition),
        Op::UpdateTestCaseDefinition => on(filter, update_test_case_definition),
        Op::DeleteTestCaseDefinition => on(filter, delete_test_case_definition),
        Op::ListCalls => on(filter, list_calls),
        Op::GetCall => on(filter, get_call),
        Op::UpdateCall => on(filter, update_call),
        Op::DeleteCall => on(filter, delete_call),
        Op::ListExportRequests => on(filter, list_export_requests),
        Op::CreateExportRequest => on(filter, create_export_request),
        Op::CreatePhoneCall => on(filter, create_phone_call),
        Op::CreateWebCall => on(filter, create_web_call),
        Op::CreateBatchCall => on(filter, create_batch_call),
        Op::StopCall => on(filter, stop_call),
        Op::CreatePhoneNumber => on(filter, create_phone_number),
        Op::ListPhoneNumbers => on(filter, list_phone_numbers),
        Op::GetPhoneNumber => on(filter, get_phone_number),
        Op::UpdatePhoneNumber => on(filter, update_phone_number),
        Op::DeletePhoneNumber => on(filter, delete_phone_number),
    }
}

// ---- helpers -------------------------------------------------------------

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn new_id(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source is unavailable");
    format!(
        "{prefix}{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

fn ok(value: impl Into<Value>) -> Answer {
    Ok(Json(value.into()).into_response())
}

fn no_content() -> Answer {
    Ok(StatusCode::NO_CONTENT.into_response())
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

/// `limit` (1 to 1000, default 50) and `pagination_key`, from a query
/// string or a body.
fn paging(limit: Option<&Value>, key: Option<&Value>) -> Result<(u64, Option<String>), ApiError> {
    let limit = match limit {
        None | Some(Value::Null) => 50,
        Some(v) => whole_number(v)
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| {
                ApiError::unprocessable("limit", "limit must be a whole number from 1 to 1000.")
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

async fn page_of(
    state: &ApiState,
    caller: &ApiCaller,
    kind: Kind,
    limit: u64,
    key: Option<String>,
) -> Answer {
    let page = resources::list(&state.db, caller.org, kind, limit, key.as_deref()).await?;
    let items = page.items.iter().cloned().map(Value::Object).collect();
    ok(page.to_json(items))
}

// ---- identity ------------------------------------------------------------

async fn get_api_key_info(Extension(caller): Extension<ApiCaller>) -> Answer {
    ok(json!({ "api_key_name": caller.key_name, "org_name": caller.org_name }))
}

// ---- agents --------------------------------------------------------------

const AGENT_OWNED: &[&str] = &[
    "agent_id",
    "version",
    "last_modification_timestamp",
    "is_published",
];

async fn create_agent(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    JsonBody(body): JsonBody,
) -> Answer {
    require_engine(&body, "response_engine")?;
    require_str(&body, "voice_id")?;
    optional_str(&body, "agent_name")?;
    let id = new_id("agent_");
    let mut agent = Object::new();
    merge(&mut agent, body, AGENT_OWNED);
    agent.insert("agent_id".into(), json!(id));
    agent.insert("version".into(), json!(0));
    agent.insert("is_published".into(), json!(false));
    agent.insert("last_modification_timestamp".into(), json!(now_ms()));
    resources::insert(&state.db, caller.org, Kind::Agent, &id, &agent).await?;
    ok(agent)
}

async fn get_agent(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
) -> Answer {
    ok(resources::get(&state.db, caller.org, Kind::Agent, &id).await?)
}

async fn update_agent(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Answer {
    let mut agent = resources::get(&state.db, caller.org, Kind::Agent, &id).await?;
    if body.contains_key("response_engine") {
        require_engine(&body, "response_engine")?;
    }
    if body.contains_key("voice_id") {
        require_str(&body, "voice_id")?;
    }
    optional_str(&body, "agent_name")?;
    merge(&mut agent, body, AGENT_OWNED);
    agent.insert("last_modification_timestamp".into(), json!(now_ms()));
    resources::put(&state.db, caller.org, Kind::Agent, &id, &agent).await?;
    ok(agent)
}

async fn delete_agent(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
) -> Answer {
    resources::delete(&state.db, caller.org, Kind::Agent, &id).await?;
    no_content()
}

async fn list_agents(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Query(query): Query<HashMap<String, String>>,
    // Paging comes in the query; a body, if any, must still be an object.
    JsonBody(_): JsonBody,
) -> Answer {
    let (limit, key) = query_paging(&query)?;
    let page = resources::list(&state.db, caller.org, Kind::Agent, limit, key.as_deref()).await?;
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

// ---- knowledge bases and voices -------------------------------------------

async fn list_knowledge_bases(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
) -> Answer {
    let page = resources::list(&state.db, caller.org, Kind::KnowledgeBase, 1000, None).await?;
    ok(Value::Array(
        page.items.into_iter().map(Value::Object).collect(),
    ))
}

async fn get_knowledge_base(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
) -> Answer {
    ok(resources::get(&state.db, caller.org, Kind::KnowledgeBase, &id).await?)
}

async fn delete_knowledge_base(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
) -> Answer {
    resources::delete(&state.db, caller.org, Kind::KnowledgeBase, &id).await?;
    no_content()
}

async fn list_voices() -> Answer {
    ok(Value::Array(voices::all()))
}

async fn get_voice(Path(id): Path<String>) -> Answer {
    voices::find(&id)
        .map(Json)
        .map(IntoResponse::into_response)
        .ok_or(ApiError::NotFound("Voice"))
}

// ---- test case definitions ----------------------------------------------------

const TEST_CASE_OWNED: &[&str] = &[
    "test_case_definition_id",
    "type",
    "creation_timestamp",
    "user_modified_timestamp",
];

fn check_test_case(body: &Object, creating: bool) -> Result<(), ApiError> {
    if creating || body.contains_key("name") {
        require_str(body, "name")?;
    }
    if creating || body.contains_key("user_prompt") {
        require_str(body, "user_prompt")?;
    }
    if creating || body.contains_key("response_engine") {
        require_engine(body, "response_engine")?;
    }
    if creating || body.contains_key("metrics") {
        require_array(body, "metrics")?;
    }
    Ok(())
}

async fn create_test_case_definition(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    JsonBody(body): JsonBody,
) -> Answer {
    check_test_case(&body, true)?;
    let id = new_id("tcd_");
    let now = now_ms();
    let mut def = json!({ "dynamic_variables": {}, "tool_mocks": [], "llm_model": "gpt-4.1" })
        .as_object()
        .cloned()
        .unwrap_or_default();
    merge(&mut def, body, TEST_CASE_OWNED);
    def.insert("test_case_definition_id".into(), json!(id));
    def.insert("type".into(), json!("simulation"));
    def.insert("creation_timestamp".into(), json!(now));
    def.insert("user_modified_timestamp".into(), json!(now));
    resources::insert(&state.db, caller.org, Kind::TestCaseDefinition, &id, &def).await?;
    ok(def)
}

async fn list_test_case_definitions(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let (limit, key) = query_paging(&query)?;
    page_of(&state, &caller, Kind::TestCaseDefinition, limit, key).await
}

async fn get_test_case_definition(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
) -> Answer {
    ok(resources::get(&state.db, caller.org, Kind::TestCaseDefinition, &id).await?)
}

async fn update_test_case_definition(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Answer {
    let mut def = resources::get(&state.db, caller.org, Kind::TestCaseDefinition, &id).await?;
    check_test_case(&body, false)?;
    merge(&mut def, body, TEST_CASE_OWNED);
    def.insert("user_modified_timestamp".into(), json!(now_ms()));
    resources::put(&state.db, caller.org, Kind::TestCaseDefinition, &id, &def).await?;
    ok(def)
}

async fn delete_test_case_definition(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
) -> Answer {
    resources::delete(&state.db, caller.org, Kind::TestCaseDefinition, &id).await?;
    no_content()
}

// ---- calls ---------------------------------------------------------------

const CALL_OWNED: &[&str] = &[
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

async fn list_calls(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    JsonBody(body): JsonBody,
) -> Answer {
    let (limit, key) = paging(body.get("limit"), body.get("pagination_key"))?;
    page_of(&state, &caller, Kind::Call, limit, key).await
}

async fn get_call(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
) -> Answer {
    ok(resources::get(&state.db, caller.org, Kind::Call, &id).await?)
}

async fn update_call(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Answer {
    let mut call = resources::get(&state.db, caller.org, Kind::Call, &id).await?;
    if let Some(metadata) = body.get("metadata")
        && !metadata.is_object()
        && !metadata.is_null()
    {
        return Err(ApiError::unprocessable(
            "metadata",
            "metadata must be an object.",
        ));
    }
    merge(&mut call, body, CALL_OWNED);
    resources::put(&state.db, caller.org, Kind::Call, &id, &call).await?;
    ok(call)
}

async fn delete_call(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
) -> Answer {
    resources::delete(&state.db, caller.org, Kind::Call, &id).await?;
    no_content()
}

/// The agent a call uses: the one named, which must exist in this
/// organization, or the outbound agent of the calling number.
async fn agent_for_call(
    state: &ApiState,
    caller: &ApiCaller,
    field: &str,
    named: Option<&str>,
    from_number: Option<&str>,
) -> Result<String, ApiError> {
    if let Some(agent_id) = named {
        if !resources::exists(&state.db, caller.org, Kind::Agent, agent_id).await? {
            return Err(ApiError::unprocessable(
                field,
                format!("{field} does not name an agent of this organization."),
            ));
        }
        return Ok(agent_id.to_owned());
    }
    if let Some(number) = from_number
        && let Ok(phone) = resources::get(&state.db, caller.org, Kind::PhoneNumber, number).await
        && let Some(agent) = phone.get("outbound_agent_id").and_then(Value::as_str)
    {
        return Ok(agent.to_owned());
    }
    Ok(String::new())
}

async fn create_phone_call(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    JsonBody(body): JsonBody,
) -> Answer {
    let from = require_phone(&body, "from_number")?;
    let to = require_phone(&body, "to_number")?;
    let named = optional_str(&body, "override_agent_id")?;
    let agent_id = agent_for_call(&state, &caller, "override_agent_id", named, Some(&from)).await?;
    let id = new_id("call_");
    let mut call = Object::new();
    merge(&mut call, body, CALL_OWNED);
    call.extend(
        json!({
            "call_id": id, "call_type": "phone_call", "direction": "outbound", "call_status": "registered",
            "agent_id": agent_id, "agent_version": 0, "from_number": from, "to_number": to,
            "start_timestamp": now_ms(),
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    );
    insert_call(&state, &caller, &id, &call).await?;
    ok(call)
}

async fn create_web_call(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    JsonBody(body): JsonBody,
) -> Answer {
    let named = require_str(&body, "agent_id")?.to_owned();
    let agent_id = agent_for_call(&state, &caller, "agent_id", Some(&named), None).await?;
    let id = new_id("call_");
    let mut call = Object::new();
    merge(&mut call, body, CALL_OWNED);
    call.extend(
        json!({
            "call_id": id, "call_type": "web_call", "call_status": "registered", "agent_id": agent_id,
            "agent_version": 0, "access_token": new_id("wc_"), "start_timestamp": now_ms(),
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    );
    insert_call(&state, &caller, &id, &call).await?;
    ok(call)
}

async fn create_batch_call(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    JsonBody(body): JsonBody,
) -> Answer {
    let from = require_phone(&body, "from_number")?;
    let tasks = require_array(&body, "tasks")?;
    if tasks.is_empty() {
        return Err(ApiError::unprocessable(
            "tasks",
            "tasks must hold at least one call.",
        ));
    }
    for (i, task) in tasks.iter().enumerate() {
        let field = format!("tasks[{i}].to_number");
        match task.as_object() {
            Some(task)
                if task
                    .get("to_number")
                    .and_then(Value::as_str)
                    .is_some_and(super::body::is_e164) => {}
            _ => {
                return Err(ApiError::unprocessable(
                    &field,
                    format!("{field} must be an E.164 number."),
                ));
            }
        }
    }
    let id = new_id("batch_call_");
    let batch = json!({
        "batch_call_id": id,
        "name": optional_str(&body, "name")?.unwrap_or("Batch call"),
        "from_number": from,
        "scheduled_timestamp": body.get("trigger_timestamp").and_then(Value::as_i64).unwrap_or_else(now_ms),
        "total_task_count": tasks.len(),
    });
    let batch = batch.as_object().cloned().unwrap_or_default();
    resources::insert(&state.db, caller.org, Kind::BatchCall, &id, &batch).await?;
    ok(batch)
}

async fn stop_call(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
    JsonBody(_): JsonBody,
) -> Answer {
    let mut call = resources::get(&state.db, caller.org, Kind::Call, &id).await?;
    call.insert("call_status".into(), json!("ended"));
    call.insert("end_timestamp".into(), json!(now_ms()));
    let txn = state.db.begin().await?;
    resources::put(&txn, caller.org, Kind::Call, &id, &call).await?;
    app::webhooks::outbox::enqueue(&txn, caller.org, "call_ended", &Value::Object(call)).await?;
    txn.commit().await?;
    no_content()
}

// ---- export requests --------------------------------------------------------

async fn list_export_requests(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let (limit, key) = query_paging(&query)?;
    page_of(&state, &caller, Kind::ExportRequest, limit, key).await
}

async fn create_export_request(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    JsonBody(body): JsonBody,
) -> Answer {
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
    merge(
        &mut export,
        body,
        &["export_request_id", "status", "created_timestamp", "url"],
    );
    export.extend(
        json!({ "export_request_id": id, "status": "created", "created_timestamp": now_ms(),
                "channel": channel, "timezone": timezone })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    );
    resources::insert(&state.db, caller.org, Kind::ExportRequest, &id, &export).await?;
    ok(export)
}

// ---- phone numbers ------------------------------------------------------------

const PHONE_OWNED: &[&str] = &[
    "phone_number",
    "phone_number_type",
    "last_modification_timestamp",
];

async fn create_phone_number(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    JsonBody(body): JsonBody,
) -> Answer {
    // Checked whenever it is given, even if phone_number makes it moot.
    let area = match body.get("area_code") {
        None | Some(Value::Null) => 415,
        Some(v) => whole_number(v)
            .filter(|a| (200..=999).contains(a))
            .ok_or_else(|| {
                ApiError::unprocessable("area_code", "area_code must be a 3-digit US area code.")
            })?,
    };
    let number = match body.get("phone_number") {
        Some(Value::Null) | None => {
            let mut n = [0u8; 2];
            getrandom::fill(&mut n).expect("the OS random source is unavailable");
            format!("+1{area}555{:04}", u16::from_le_bytes(n) % 10_000)
        }
        Some(_) => require_phone(&body, "phone_number")?,
    };
    if resources::exists(&state.db, caller.org, Kind::PhoneNumber, &number).await? {
        return Err(ApiError::Conflict {
            field: "phone_number".into(),
            message: "This phone number already exists.".into(),
        });
    }
    let mut phone = Object::new();
    merge(&mut phone, body, PHONE_OWNED);
    phone.insert("phone_number".into(), json!(number));
    phone.insert("phone_number_type".into(), json!("retell-twilio"));
    phone.insert("last_modification_timestamp".into(), json!(now_ms()));
    resources::insert(&state.db, caller.org, Kind::PhoneNumber, &number, &phone).await?;
    ok(phone)
}

async fn list_phone_numbers(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let (limit, key) = query_paging(&query)?;
    page_of(&state, &caller, Kind::PhoneNumber, limit, key).await
}

async fn get_phone_number(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Path(n): Path<String>,
) -> Answer {
    ok(resources::get(&state.db, caller.org, Kind::PhoneNumber, &n).await?)
}

async fn update_phone_number(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Path(n): Path<String>,
    JsonBody(body): JsonBody,
) -> Answer {
    let mut phone = resources::get(&state.db, caller.org, Kind::PhoneNumber, &n).await?;
    for field in ["inbound_agent_id", "outbound_agent_id", "nickname"] {
        optional_str(&body, field)?;
    }
    merge(&mut phone, body, PHONE_OWNED);
    phone.insert("last_modification_timestamp".into(), json!(now_ms()));
    resources::put(&state.db, caller.org, Kind::PhoneNumber, &n, &phone).await?;
    ok(phone)
}

async fn delete_phone_number(
    State(state): State<ApiState>,
    Extension(caller): Extension<ApiCaller>,
    Path(n): Path<String>,
) -> Answer {
    resources::delete(&state.db, caller.org, Kind::PhoneNumber, &n).await?;
    no_content()
}
