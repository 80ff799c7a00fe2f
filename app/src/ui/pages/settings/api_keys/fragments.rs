//! The list and a row's dialogs as HTML rendered on the server, for the
//! island to put in place: the rows' and forms' markup stays out of the
//! browser's bundle. These are server functions of the page, not of the
//! domain: each asks a server function for the data, then renders it.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::error::AppError;
use crate::model::keys::{KeyDialog, KeyId};

/// The list as the API Keys page shows it.
#[server(prefix = "/api", endpoint = "keys/table", input = Json)]
pub async fn key_table() -> Result<String, AppError> {
    let keys = crate::server_fns::keys::list_keys().await?;
    Ok(super::list::list_html(keys))
}

/// One of a key's dialogs (Edit, Roll, Delete), from the key as it is now.
#[server(prefix = "/api", endpoint = "keys/dialog", input = Json)]
pub async fn render_key_dialog(id: KeyId, dialog: KeyDialog) -> Result<String, AppError> {
    let found = crate::server_fns::keys::find_key(id).await?;
    Ok(super::dialogs::dialog_html(found.key, found.policy, dialog))
}

/// Registers these functions with the server explicitly, like
/// `server_fns::register`.
#[cfg(feature = "ssr")]
pub fn register() {
    use leptos::server_fn::axum::register_explicit;
    register_explicit::<KeyTable>();
    register_explicit::<RenderKeyDialog>();
}
