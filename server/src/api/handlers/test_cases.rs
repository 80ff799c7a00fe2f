//! Test case definitions (the Testing group).

use axum::extract::Path;
use serde_json::json;

use super::{Answer, fields, merge, modify, new_id, now_ms, ok};
use crate::api::auth::Ctx;
use crate::api::body::{JsonBody, Object, require_array, require_engine, require_str};
use crate::api::error::ApiError;
use crate::api::resources::{self, Kind};

/// Fields the server sets; a client's values for them are ignored.
const OWNED: &[&str] = &[
    "test_case_definition_id",
    "type",
    "creation_timestamp",
    "user_modified_timestamp",
];

/// On create every field is required; on update, those given are checked.
fn check(body: &Object, creating: bool) -> Result<(), ApiError> {
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

pub async fn create(cx: Ctx, JsonBody(body): JsonBody) -> Answer {
    check(&body, true)?;
    let id = new_id("tcd_");
    let now = now_ms();
    let mut def =
        fields(json!({ "dynamic_variables": {}, "tool_mocks": [], "llm_model": "gpt-4.1" }));
    merge(&mut def, body, OWNED);
    def.insert("test_case_definition_id".into(), json!(id));
    def.insert("type".into(), json!("simulation"));
    def.insert("creation_timestamp".into(), json!(now));
    def.insert("user_modified_timestamp".into(), json!(now));
    resources::insert(&cx.db, cx.org(), Kind::TestCaseDefinition, &id, &def).await?;
    ok(def)
}

pub async fn update(cx: Ctx, Path(id): Path<String>, JsonBody(body): JsonBody) -> Answer {
    ok(modify(&cx, Kind::TestCaseDefinition, &id, |def| {
        check(&body, false)?;
        merge(def, body, OWNED);
        def.insert("user_modified_timestamp".into(), json!(now_ms()));
        Ok(())
    })
    .await?)
}
