//! The server function behind the Audit log page.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::AuditQuery;
use crate::error::AppError;

/// One page of the caller's organization's log, rendered as HTML on the
/// server (see `pages::settings::audit_log`): its filter, entries and
/// page links.
#[server(prefix = "/api", endpoint = "audit/page", input = Json)]
pub async fn render_audit_log(query: AuditQuery) -> Result<String, AppError> {
    crate::ssr::with_caller(|caller, state| async move {
        let page = super::store::page(&state.db, caller.org, query).await?;
        Ok(crate::pages::settings::audit_log::fragment(page, query))
    })
    .await
}

#[cfg(feature = "ssr")]
pub fn register() {
    leptos::server_fn::axum::register_explicit::<RenderAuditLog>();
}
