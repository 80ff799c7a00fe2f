//! Phone numbers (the Phone group), stored under the number itself.

use axum::extract::Path;
use serde_json::{Value, json};

use super::{Answer, merge, modify, now_ms, ok, whole_number};
use crate::api::auth::Ctx;
use crate::api::body::{JsonBody, Object, optional_str, require_phone};
use crate::api::error::ApiError;
use crate::api::resources::{self, Kind};

/// Fields the server sets; a client's values for them are ignored.
const OWNED: &[&str] = &[
    "phone_number",
    "phone_number_type",
    "last_modification_timestamp",
];

/// The area code a number is bought in when none is given.
const DEFAULT_AREA_CODE: u64 = 415;

pub async fn create(cx: Ctx, JsonBody(body): JsonBody) -> Answer {
    // Checked whenever it is given, even if phone_number makes it moot.
    let area = match body.get("area_code") {
        None | Some(Value::Null) => DEFAULT_AREA_CODE,
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
    if resources::exists(&cx.db, cx.org(), Kind::PhoneNumber, &number).await? {
        return Err(taken());
    }
    let mut phone = Object::new();
    merge(&mut phone, body, OWNED);
    phone.insert("phone_number".into(), json!(number));
    phone.insert("phone_number_type".into(), json!("retell-twilio"));
    phone.insert("last_modification_timestamp".into(), json!(now_ms()));
    // Two requests for one number at once: the unique index refuses the
    // second with the same 409.
    resources::insert(&cx.db, cx.org(), Kind::PhoneNumber, &number, &phone).await?;
    ok(phone)
}

fn taken() -> ApiError {
    ApiError::Conflict {
        field: "phone_number".into(),
        message: "This phone number already exists.".into(),
    }
}

pub async fn update(cx: Ctx, Path(n): Path<String>, JsonBody(body): JsonBody) -> Answer {
    ok(modify(&cx, Kind::PhoneNumber, &n, |phone| {
        for field in ["inbound_agent_id", "outbound_agent_id", "nickname"] {
            optional_str(&body, field)?;
        }
        merge(phone, body, OWNED);
        phone.insert("last_modification_timestamp".into(), json!(now_ms()));
        Ok(())
    })
    .await?)
}
