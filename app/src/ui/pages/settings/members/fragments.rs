//! The members list as HTML rendered on the server, for the island to put
//! in place after each change, as the API Keys list is.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::error::AppError;

#[server(prefix = "/api", endpoint = "members/table", input = Json)]
pub async fn members_table() -> Result<String, AppError> {
    let overview = crate::server_fns::members::load_members().await?;
    Ok(super::list::list_html(overview))
}

/// Registers `members_table` with the server explicitly, like
/// `server_fns::register`.
#[cfg(feature = "ssr")]
pub fn register() {
    leptos::server_fn::axum::register_explicit::<MembersTable>();
}
