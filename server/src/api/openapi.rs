//! `GET /openapi.json`: an OpenAPI 3.1 document generated from the route
//! table, with the permission each route needs and a bearer scheme.

use app::api_routes::{Method, ROUTES};
use axum::Json;
use serde_json::{Map, Value, json};

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
            "security": [{ "bearerAuth": [] }],
            "parameters": params,
            "responses": {
                "200": { "description": "Success", "content": { "application/json": { "schema": { "type": "object" } } } },
                "204": { "description": "Done, nothing to return" },
                "401": { "$ref": "#/components/responses/Unauthenticated" },
                "403": { "$ref": "#/components/responses/Forbidden" },
                "404": { "$ref": "#/components/responses/Error" },
                "413": { "$ref": "#/components/responses/Error" },
                "422": { "$ref": "#/components/responses/Error" },
            },
            "x-keyward-permission": route.need.describe(),
        });
        if matches!(route.method, Method::Post | Method::Put | Method::Patch) {
            op["requestBody"] = json!({
                "required": false,
                "content": { "application/json": { "schema": { "type": "object" } } },
            });
        }
        let entry = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        entry[route.method.as_str().to_lowercase()] = op;
    }
    let error = json!({
        "description": "An error",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } },
    });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Keyward API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Retell-shaped API. Authenticate with `Authorization: Bearer <key>`; each route needs the permission named in its description.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": { "bearerAuth": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": { "error": { "type": "object", "properties": {
                        "status": { "type": "integer" }, "message": { "type": "string" }, "field": { "type": "string" } } } },
                },
            },
            "responses": { "Unauthenticated": error.clone(), "Forbidden": error.clone(), "Error": error },
        },
    })
}

pub async fn serve() -> Json<Value> {
    Json(document())
}
