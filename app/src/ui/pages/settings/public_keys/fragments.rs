//! The list and Edit's form as HTML rendered on the server, for the island
//! to put in place, as the API Keys page does.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::error::AppError;
use crate::model::public_keys::PublicKeyId;

#[server(prefix = "/api", endpoint = "public-keys/table", input = Json)]
pub async fn public_key_table() -> Result<String, AppError> {
    let list = crate::server_fns::public_keys::list_public_keys().await?;
    Ok(super::list::list_html(list))
}

/// Edit's form, from the key as it is now.
#[server(prefix = "/api", endpoint = "public-keys/form", input = Json)]
pub async fn render_public_key_form(id: PublicKeyId) -> Result<String, AppError> {
    let key = crate::server_fns::public_keys::find_public_key(id).await?;
    Ok(super::dialogs::form_html(key))
}

/// Registers these functions with the server explicitly, like
/// `server_fns::register`.
#[cfg(feature = "ssr")]
pub fn register() {
    use leptos::server_fn::axum::register_explicit;
    register_explicit::<PublicKeyTable>();
    register_explicit::<RenderPublicKeyForm>();
}
