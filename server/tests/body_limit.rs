//! Request bodies of the server functions: at most 1 MiB, as the README
//! promises; a larger one is refused with 413 before any of it is used.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{FORM, PASSWORD, TestApp, backends, form_encoded};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

const MIB: usize = 1024 * 1024;

/// A form body of exactly `size` bytes: `fields`, then a padding field
/// the server function does not know.
fn padded_form(fields: &Value, size: usize) -> String {
    let body = format!("{}&pad=", form_encoded(fields));
    let padding = size - body.len();
    body + &"a".repeat(padding)
}

/// A JSON body of exactly `size` bytes: `fields` with a padding field.
fn padded_json(fields: &Value, size: usize) -> String {
    let mut fields = fields.clone();
    fields["pad"] = json!("");
    let bare = fields.to_string();
    fields["pad"] = json!("a".repeat(size - bare.len()));
    fields.to_string()
}

/// Posts `body` to the server function at `path` (as the signed-in account
/// when `cookie` is given); the status and the JSON answer.
async fn post(
    app: &TestApp,
    path: &str,
    content_type: &str,
    cookie: Option<&str>,
    body: Body,
) -> (StatusCode, Value) {
    let mut request = Request::post(path)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, "application/json");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = app
        .router
        .clone()
        .oneshot(request.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned())),
    )
}

fn sign_in(password: &str) -> Value {
    json!({ "input": { "email": "owner@a.example", "password": password } })
}

fn sign_up(email: &str) -> Value {
    json!({ "input": { "email": email, "password": PASSWORD, "organization": "New" } })
}

fn create_key(name: &str) -> Value {
    json!({ "input": { "name": name, "restricted": false } })
}

/// The refusal of a body over the limit, in the server functions' error
/// shape, with its words.
fn is_too_large(answer: &(StatusCode, Value)) -> bool {
    let message = serde_json::from_value::<app::model::error::AppError>(answer.1.clone())
        .map(|err| err.to_string())
        .unwrap_or_default();
    answer.0 == StatusCode::PAYLOAD_TOO_LARGE && message == "The request body is larger than 1 MiB."
}

#[tokio::test]
async fn server_function_bodies_over_one_mebibyte_are_refused_with_413() {
    let app = TestApp::start(&backends()[0]).await;
    let size = MIB + MIB / 2;
    let cases = [
        (
            "/api/auth/login",
            FORM,
            None,
            padded_form(&sign_in(PASSWORD), size),
        ),
        (
            "/api/auth/signup",
            FORM,
            None,
            padded_form(&sign_up("big@x.example"), size),
        ),
        (
            "/api/keys/create",
            "application/json",
            Some(app.session.as_str()),
            padded_json(&create_key("big"), size),
        ),
    ];
    for (path, content_type, cookie, body) in cases {
        assert_eq!(body.len(), size);
        let answer = post(&app, path, content_type, cookie, Body::from(body)).await;
        assert!(is_too_large(&answer), "{path}: {answer:?}");
    }
    // Without a declared length (chunked), the limit holds all the same.
    let chunks = padded_json(&create_key("streamed"), size)
        .into_bytes()
        .chunks(64 * 1024)
        .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
        .collect::<Vec<_>>();
    let body = Body::from_stream(futures_util::stream::iter(chunks));
    let answer = post(
        &app,
        "/api/keys/create",
        "application/json",
        Some(&app.session),
        body,
    )
    .await;
    assert!(is_too_large(&answer), "chunked: {answer:?}");
    let (_, keys) = app.call("/api/keys/list", json!({})).await;
    let keys = keys["keys"].clone();
    assert_eq!(keys, json!([]), "nothing was created");
}

#[tokio::test]
async fn bodies_just_under_the_limit_are_read_as_before() {
    let app = TestApp::start(&backends()[0]).await;
    let size = MIB - 16;
    let (status, body) = post(
        &app,
        "/api/auth/login",
        FORM,
        None,
        Body::from(padded_form(&sign_in(PASSWORD), size)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = post(
        &app,
        "/api/auth/signup",
        FORM,
        None,
        Body::from(padded_form(&sign_up("new@x.example"), size)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = post(
        &app,
        "/api/keys/create",
        "application/json",
        Some(&app.session),
        Body::from(padded_json(&create_key("padded"), size)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["name"], "padded");
}
