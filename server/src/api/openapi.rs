//! `GET /openapi.json`: an OpenAPI 3.1 document generated from the route
//! table, with the permission each route needs and a bearer scheme.

use app::model::api_routes::{Method, Operation as Op, ROUTES};
use axum::Json;
use serde_json::{Map, Value, json};

/// How public-key authentication works, for the document's readers.
const PUBLIC_KEY_AUTH: &str = "A public key (`pk_…`), for web pages: made in Settings > Public Keys, safe to publish. \
It opens only `POST /v3/create-web-call` (any other route answers 403 \"Public keys can only create web calls.\"), \
only from a browser whose `Origin` one of the key's Allowed domains matches (else 403; a request without `Origin` is refused), \
only with the key's Agents when it lists some (else 403 naming the agent), and at most the key's Web calls per minute per allowed domain (else 429 with `Retry-After`). \
Answers to an allowed origin carry `Access-Control-Allow-Origin: <origin>` and `Vary: Origin`; `OPTIONS` preflights are answered for origins some public key allows.";

/// Who may call an operation: API keys always; public keys only where
/// they open it.
fn security(operation: Op) -> Value {
    if operation.opens_to_public_keys() {
        json!([{ "bearerAuth": [] }, { "publicKey": [] }])
    } else {
        json!([{ "bearerAuth": [] }])
    }
}

pub fn document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let params: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        let mut op = json!({
            "operationId": format!("{:?}", route.operation),
            "summary": route.summary,
            "description": format!("Requires: {}.", route.need.describe()),
            "security": security(route.operation),
            "parameters": params,
            "responses": {
                "200": { "description": "Success", "content": { "application/json": { "schema": success_schema(route.operation) } } },
                "204": { "description": "Done, nothing to return" },
                "400": { "$ref": "#/components/responses/Error" },
                "401": { "$ref": "#/components/responses/Unauthenticated" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/Error" },
                "408": { "$ref": "#/components/responses/Error" },
                "409": { "$ref": "#/components/responses/Error" },
                "413": { "$ref": "#/components/responses/Error" },
                "422": { "$ref": "#/components/responses/Error" },
                "429": { "$ref": "#/components/responses/RateLimited" },
                "503": { "$ref": "#/components/responses/Error" },
            },
            "x-keyward-permission": route.need.describe(),
        });
        if let Some(links) = links_from(route.operation) {
            op["responses"]["200"]["links"] = links;
        }
        if let Some(schema) = request_schema(route.operation) {
            // A body with required fields is itself required.
            let required = schema["required"].as_array().is_some_and(|r| !r.is_empty());
            op["requestBody"] = json!({
                "required": required,
                "content": { "application/json": { "schema": schema } },
            });
        }
        debug_assert_eq!(
            request_schema(route.operation).is_some(),
            matches!(route.method, Method::Post | Method::Put | Method::Patch),
            "{:?}: a body exactly on the methods that carry one",
            route.operation
        );
        let entry = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        entry[route.method.as_str().to_lowercase()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Keyward API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Retell-shaped API. Authenticate with `Authorization: Bearer <key>`; each route needs the permission named in its description.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": { "type": "http", "scheme": "bearer", "description": "An API key (`key_…`), for servers. Never put one in a web page." },
                "publicKey": { "type": "http", "scheme": "bearer", "description": PUBLIC_KEY_AUTH },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": { "error": { "type": "object", "properties": {
                        "status": { "type": "integer" }, "message": { "type": "string" }, "field": { "type": "string" } } } },
                },
            },
            "responses": error_responses(),
        },
    })
}

/// The answers every operation may refuse with: 401, 403 (a permission
/// or an address), 429 (a key's rate, with its headers) and the rest.
fn error_responses() -> Value {
    let error = json!({
        "description": "An error",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } },
    });
    json!({
        "Unauthenticated": {
            "description": "No key, an unknown or deleted key, an expired key, a secret replaced by a roll, or a key reported leaked and quarantined (the message says which)",
            "content": error["content"].clone(),
        },
        "Forbidden": {
            "description": "The key lacks the route's permission (`required_permission` names it), or may not be used from the client's address (its Allowed IP addresses)",
            "content": error["content"].clone(),
        },
        "RateLimited": {
            "description": "Over the key's Requests per minute, or too many unknown keys from this address",
            "headers": {
                "Retry-After": { "description": "Seconds until the key's budget renews (sent with a key's rate limit)", "schema": { "type": "integer", "minimum": 1 } },
                "RateLimit-Policy": { "description": "The key's limit (IETF httpapi rate-limit headers draft): `\"per-minute\";q=<limit>;w=60`", "schema": { "type": "string" } },
                "RateLimit": { "description": "Where the key stands: `\"per-minute\";r=<remaining>;t=<seconds to reset>`", "schema": { "type": "string" } },
            },
            "content": error["content"].clone(),
        },
        "Error": error,
    })
}

/// Where a success answer leads: the operations that take an id it holds,
/// where in its body that id is (a JSON pointer), and where the target takes
/// it. They become OpenAPI `links`, so that a client, or Schemathesis's
/// stateful phase, can follow a create to the get, update and delete of what
/// it made. Knowledge bases have none: nothing in the API creates one, so no
/// answer can be relied on to name one.
pub struct Link {
    pub from: Op,
    pub to: &'static [Op],
    pub pointer: &'static str,
    pub into: IdPlace,
}

/// Where a link's target takes the id.
#[derive(Clone, Copy)]
pub enum IdPlace {
    /// The target route's one path parameter.
    Path,
    /// A field of the target's JSON body.
    Body(&'static str),
}

pub const LINKS: &[Link] = &[
    Link {
        from: Op::CreateAgent,
        to: &[Op::GetAgent, Op::UpdateAgent, Op::DeleteAgent],
        pointer: "/agent_id",
        into: IdPlace::Path,
    },
    Link {
        from: Op::CreateAgent,
        to: &[Op::CreateWebCall],
        pointer: "/agent_id",
        into: IdPlace::Body("agent_id"),
    },
    Link {
        from: Op::ListVoices,
        to: &[Op::GetVoice],
        pointer: "/0/voice_id",
        into: IdPlace::Path,
    },
    Link {
        from: Op::CreateTestCaseDefinition,
        to: &[
            Op::GetTestCaseDefinition,
            Op::UpdateTestCaseDefinition,
            Op::DeleteTestCaseDefinition,
        ],
        pointer: "/test_case_definition_id",
        into: IdPlace::Path,
    },
    Link {
        from: Op::CreatePhoneCall,
        to: &[Op::GetCall, Op::UpdateCall, Op::DeleteCall, Op::StopCall],
        pointer: "/call_id",
        into: IdPlace::Path,
    },
    Link {
        from: Op::CreateWebCall,
        to: &[Op::GetCall, Op::UpdateCall, Op::DeleteCall, Op::StopCall],
        pointer: "/call_id",
        into: IdPlace::Path,
    },
    Link {
        from: Op::CreatePhoneNumber,
        to: &[
            Op::GetPhoneNumber,
            Op::UpdatePhoneNumber,
            Op::DeletePhoneNumber,
        ],
        pointer: "/phone_number",
        into: IdPlace::Path,
    },
];

/// The one path parameter of an operation's route (every link target has
/// exactly one).
pub fn path_parameter(op: Op) -> Option<&'static str> {
    let route = ROUTES.iter().find(|r| r.operation == op)?;
    route
        .path
        .split('/')
        .find_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
}

/// The `links` object of an operation's success answer, if it leads anywhere.
fn links_from(op: Op) -> Option<Value> {
    let mut links = Map::new();
    for link in LINKS.iter().filter(|l| l.from == op) {
        let value = format!("$response.body#{}", link.pointer);
        for &to in link.to {
            let taken = match link.into {
                IdPlace::Path => {
                    let param = path_parameter(to).expect("a path link's target has a parameter");
                    json!({ "parameters": { param: value } })
                }
                IdPlace::Body(field) => json!({ "requestBody": { field: value } }),
            };
            let mut entry = json!({ "operationId": format!("{to:?}") });
            entry
                .as_object_mut()
                .unwrap()
                .extend(taken.as_object().unwrap().clone());
            links.insert(format!("{to:?}"), entry);
        }
    }
    (!links.is_empty()).then_some(Value::Object(links))
}

/// What a success answers: an object, or (as in Retell's API) a plain
/// array for the knowledge base and voice lists.
fn success_schema(op: Op) -> Value {
    match op {
        Op::ListKnowledgeBases | Op::ListVoices => {
            json!({ "type": "array", "items": { "type": "object" } })
        }
        _ => json!({ "type": "object" }),
    }
}

/// The body an operation takes: the fields its handler requires and checks
/// (any others are kept and returned). `None` for operations without one.
fn request_schema(op: Op) -> Option<Value> {
    let engine = json!({ "type": "object", "required": ["type"], "properties": { "type": { "type": "string" } } });
    let agent =
        json!({ "response_engine": engine, "voice_id": text(), "agent_name": optional_text() });
    let test_case = json!({
        "name": text(), "user_prompt": text(), "response_engine": engine, "metrics": { "type": "array" },
    });
    Some(match op {
        Op::CreateAgent => object(&["response_engine", "voice_id"], agent),
        Op::UpdateAgent => object(&[], agent),
        Op::CreateTestCaseDefinition => object(
            &["name", "user_prompt", "response_engine", "metrics"],
            test_case,
        ),
        Op::UpdateTestCaseDefinition => object(&[], test_case),
        Op::ListCalls
        | Op::UpdateCall
        | Op::CreatePhoneCall
        | Op::CreateWebCall
        | Op::CreateBatchCall => call_request_schema(op)?,
        Op::CreateExportRequest => object(
            &[],
            json!({ "channel": { "enum": ["call", "chat", null] }, "timezone": optional_text() }),
        ),
        Op::CreatePhoneNumber => object(
            &[],
            json!({
                "area_code": { "type": ["integer", "null"], "minimum": 200, "maximum": 999 },
                "phone_number": { "anyOf": [phone(), { "type": "null" }] },
            }),
        ),
        Op::UpdatePhoneNumber => object(
            &[],
            json!({ "inbound_agent_id": optional_text(), "outbound_agent_id": optional_text(), "nickname": optional_text() }),
        ),
        // Bodies these accept and ignore: still a JSON object, or nothing.
        Op::ListAgents | Op::StopCall => object(&[], json!({})),
        Op::GetApiKeyInfo
        | Op::GetAgent
        | Op::DeleteAgent
        | Op::ListKnowledgeBases
        | Op::GetKnowledgeBase
        | Op::DeleteKnowledgeBase
        | Op::ListVoices
        | Op::GetVoice
        | Op::ListTestCaseDefinitions
        | Op::GetTestCaseDefinition
        | Op::DeleteTestCaseDefinition
        | Op::GetCall
        | Op::DeleteCall
        | Op::ListExportRequests
        | Op::ListPhoneNumbers
        | Op::GetPhoneNumber
        | Op::DeletePhoneNumber => return None,
    })
}

/// The bodies of the call operations (see [`request_schema`]).
fn call_request_schema(op: Op) -> Option<Value> {
    Some(match op {
        Op::ListCalls => object(
            &[],
            json!({
                "limit": { "type": ["integer", "null"], "minimum": 1, "maximum": 1000 },
                "pagination_key": { "type": ["string", "null"], "description": "The `pagination_key` of an earlier page; 404 naming the field if it names nothing." },
            }),
        ),
        Op::UpdateCall => object(&[], json!({ "metadata": { "type": ["object", "null"] } })),
        Op::CreatePhoneCall => object(
            &["from_number", "to_number"],
            json!({
                "from_number": phone(), "to_number": phone(),
                "override_agent_id": { "type": ["string", "null"], "pattern": "\\S", "description": "An agent of this organization; 404 naming the field if there is none." },
            }),
        ),
        Op::CreateWebCall => object(
            &["agent_id"],
            json!({ "agent_id": { "type": "string", "pattern": "\\S", "description": "An agent of this organization; 404 naming the field if there is none." } }),
        ),
        Op::CreateBatchCall => object(
            &["from_number", "tasks"],
            json!({
                "from_number": phone(), "name": optional_text(),
                "tasks": { "type": "array", "minItems": 1, "items": object(&["to_number"], json!({ "to_number": phone() })) },
            }),
        ),
        _ => return None,
    })
}

/// An object with these `required` fields among its `properties`.
fn object(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": properties })
}

/// A required string, which must not be blank.
fn text() -> Value {
    json!({ "type": "string", "pattern": "\\S" })
}

fn optional_text() -> Value {
    json!({ "type": ["string", "null"] })
}

fn phone() -> Value {
    json!({ "type": "string", "pattern": "^\\+[0-9]{8,15}$", "description": "E.164" })
}

pub async fn serve() -> Json<Value> {
    Json(document())
}
