//! The server functions behind the API Keys page. Each one first
//! establishes the caller, then acts only within the caller's organization.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::lifecycle::RollGrace;
use super::{CreatedKey, KeyId, KeyInput, KeySummary, RenderedKeys};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "keys/list", input = Json)]
pub async fn list_keys() -> Result<Vec<KeySummary>, AppError> {
    crate::ssr::with_caller(|caller, state| async move {
        super::store::list(&state.db, caller.org).await
    })
    .await
}

/// The list as the API Keys page shows it: rendered on the server, so the
/// rows' markup is not in the browser's bundle.
#[server(prefix = "/api", endpoint = "keys/table", input = Json)]
pub async fn key_table() -> Result<RenderedKeys, AppError> {
    let keys = list_keys().await?;
    let html = crate::pages::settings::api_keys::list_html(keys.clone());
    Ok(RenderedKeys { html, keys })
}

#[server(prefix = "/api", endpoint = "keys/create", input = Json)]
pub async fn create_key(input: KeyInput) -> Result<CreatedKey, AppError> {
    crate::ssr::with_caller(|caller, state| async move {
        let (name, access) = input.validate()?;
        let expires_at = input.expires.resolve(chrono::Utc::now(), None)?;
        super::store::create(
            &state.db,
            &state.sealer,
            caller.org,
            &caller.actor(),
            name,
            access,
            expires_at,
        )
        .await
    })
    .await
}

#[server(prefix = "/api", endpoint = "keys/update", input = Json)]
pub async fn update_key(id: KeyId, input: KeyInput) -> Result<KeySummary, AppError> {
    crate::ssr::with_caller(|caller, state| async move {
        let (name, access) = input.validate()?;
        super::store::update(
            &state.db,
            &*state.key_changes,
            caller.org,
            &caller.actor(),
            id,
            name,
            access,
            &input.expires,
            chrono::Utc::now(),
        )
        .await
    })
    .await
}

#[server(prefix = "/api", endpoint = "keys/delete", input = Json)]
pub async fn delete_key(id: KeyId) -> Result<(), AppError> {
    crate::ssr::with_caller(|caller, state| async move {
        super::store::delete(
            &state.db,
            &*state.key_changes,
            caller.org,
            &caller.actor(),
            id,
        )
        .await
    })
    .await
}

#[server(prefix = "/api", endpoint = "keys/set-webhook", input = Json)]
pub async fn set_webhook_key(id: KeyId) -> Result<(), AppError> {
    crate::ssr::with_caller(|caller, state| async move {
        super::store::set_webhook(&state.db, caller.org, &caller.actor(), id).await
    })
    .await
}

/// A new secret for the key; the old one keeps working for `grace`. The
/// answer carries the new secret, the only time it is shown.
#[server(prefix = "/api", endpoint = "keys/roll", input = Json)]
pub async fn roll_key(id: KeyId, grace: RollGrace) -> Result<CreatedKey, AppError> {
    crate::ssr::with_caller(|caller, state| async move {
        super::store::roll(
            &state.db,
            &state.sealer,
            &*state.key_changes,
            caller.org,
            &caller.actor(),
            id,
            grace,
            chrono::Utc::now(),
        )
        .await
    })
    .await
}

/// Registers these functions with the server explicitly, so that a linker
/// that drops "unused" objects cannot lose their routes.
#[cfg(feature = "ssr")]
pub fn register() {
    use leptos::server_fn::axum::register_explicit;
    register_explicit::<ListKeys>();
    register_explicit::<KeyTable>();
    register_explicit::<CreateKey>();
    register_explicit::<UpdateKey>();
    register_explicit::<DeleteKey>();
    register_explicit::<SetWebhookKey>();
    register_explicit::<RollKey>();
}
