//! The server functions behind the API Keys page. Each one first
//! establishes the caller, then acts only within the caller's organization.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::lifecycle::RollGrace;
use super::{KeyDialog, KeyId, KeyInput, KeySummary, NewSecret};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "keys/list", input = Json)]
pub async fn list_keys() -> Result<Vec<KeySummary>, AppError> {
    crate::ssr::with_caller(|caller, state| async move {
        super::store::list(&state.db, caller.org).await
    })
    .await
}

/// The list as the API Keys page shows it, as HTML rendered on the server:
/// the rows' markup stays out of the browser's bundle.
#[server(prefix = "/api", endpoint = "keys/table", input = Json)]
pub async fn key_table() -> Result<String, AppError> {
    let keys = list_keys().await?;
    Ok(crate::pages::settings::api_keys::list_html(keys))
}

/// One of a key's dialogs (Edit, Roll, Delete), as HTML rendered on the
/// server from the key as it is now. The page shows it as it comes and
/// sends its form; the markup stays out of the browser's bundle.
#[server(prefix = "/api", endpoint = "keys/dialog", input = Json)]
pub async fn render_key_dialog(id: KeyId, dialog: KeyDialog) -> Result<String, AppError> {
    crate::ssr::with_caller(|caller, state| async move {
        let key = super::store::list(&state.db, caller.org)
            .await?
            .into_iter()
            .find(|k| k.id == id)
            .ok_or(AppError::NotFound(crate::error::Missing::ApiKey))?;
        Ok(crate::pages::settings::key_dialogs::dialog_html(
            key, dialog,
        ))
    })
    .await
}

#[server(prefix = "/api", endpoint = "keys/create", input = Json)]
pub async fn create_key(input: KeyInput) -> Result<NewSecret, AppError> {
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
        .map(NewSecret::from)
    })
    .await
}

/// Answers the key's name as saved (trimmed).
#[server(prefix = "/api", endpoint = "keys/update", input = Json)]
pub async fn update_key(id: KeyId, input: KeyInput) -> Result<String, AppError> {
    crate::ssr::with_caller(|caller, state| async move {
        let (name, access) = input.validate()?;
        super::store::update(
            &state.db,
            &state.key_changes,
            caller.org,
            &caller.actor(),
            id,
            name,
            access,
            &input.expires,
            chrono::Utc::now(),
        )
        .await
        .map(|key| key.name)
    })
    .await
}

#[server(prefix = "/api", endpoint = "keys/delete", input = Json)]
pub async fn delete_key(id: KeyId) -> Result<(), AppError> {
    crate::ssr::with_caller(|caller, state| async move {
        super::store::delete(
            &state.db,
            &state.key_changes,
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
pub async fn roll_key(id: KeyId, grace: RollGrace) -> Result<NewSecret, AppError> {
    crate::ssr::with_caller(|caller, state| async move {
        super::store::roll(
            &state.db,
            &state.sealer,
            &state.key_changes,
            caller.org,
            &caller.actor(),
            id,
            grace,
            chrono::Utc::now(),
        )
        .await
        .map(NewSecret::from)
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
    register_explicit::<RenderKeyDialog>();
    register_explicit::<CreateKey>();
    register_explicit::<UpdateKey>();
    register_explicit::<DeleteKey>();
    register_explicit::<SetWebhookKey>();
    register_explicit::<RollKey>();
}
