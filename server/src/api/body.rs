//! Request bodies: JSON objects, at most 1 MiB, with errors that name the
//! field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::error::ApiError;

pub type Object = Map<String, Value>;

/// The body as a JSON object; an empty body is an empty object.
pub struct JsonBody(pub Object);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::TooLarge
                } else {
                    ApiError::BadRequest {
                        field: "body".into(),
                        message: rejection.body_text(),
                    }
                }
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(Map::new()));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(JsonBody(map)),
            Ok(_) => Err(ApiError::BadRequest {
                field: "body".into(),
                message: "The body must be a JSON object.".into(),
            }),
            Err(e) => Err(ApiError::BadRequest {
                field: "body".into(),
                message: format!("The body is not valid JSON: {e}."),
            }),
        }
    }
}

/// A required, non-empty string field.
pub fn require_str<'a>(body: &'a Object, field: &str) -> Result<&'a str, ApiError> {
    match body.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) => Err(ApiError::unprocessable(
            field,
            format!("{field} must not be empty."),
        )),
        Some(_) => Err(ApiError::unprocessable(
            field,
            format!("{field} must be a string."),
        )),
        None => Err(ApiError::unprocessable(
            field,
            format!("{field} is required."),
        )),
    }
}

/// A required JSON object with a string `type` (a Retell response engine).
pub fn require_engine(body: &Object, field: &str) -> Result<(), ApiError> {
    match body.get(field) {
        Some(Value::Object(engine)) if engine.get("type").is_some_and(Value::is_string) => Ok(()),
        Some(_) => Err(ApiError::unprocessable(
            field,
            format!("{field} must be an object with a string `type`."),
        )),
        None => Err(ApiError::unprocessable(
            field,
            format!("{field} is required."),
        )),
    }
}

pub fn require_array<'a>(body: &'a Object, field: &str) -> Result<&'a Vec<Value>, ApiError> {
    match body.get(field) {
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(ApiError::unprocessable(
            field,
            format!("{field} must be an array."),
        )),
        None => Err(ApiError::unprocessable(
            field,
            format!("{field} is required."),
        )),
    }
}

/// When present (and not null), the field must be a string.
pub fn optional_str<'a>(body: &'a Object, field: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::unprocessable(
            field,
            format!("{field} must be a string."),
        )),
    }
}

/// E.164: `+` and 8 to 15 digits.
pub fn require_phone(body: &Object, field: &str) -> Result<String, ApiError> {
    let number = require_str(body, field)?;
    if is_e164(number) {
        Ok(number.to_owned())
    } else {
        Err(ApiError::unprocessable(
            field,
            format!("{field} must be an E.164 number such as +14155550123."),
        ))
    }
}

pub fn is_e164(number: &str) -> bool {
    number
        .strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}
