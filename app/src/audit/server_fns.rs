//! The server function behind the Audit log page.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{AuditPage, AuditQuery};
use crate::error::AppError;

/// One page of the caller's organization's log.
#[server(prefix = "/api", endpoint = "audit/page", input = Json)]
pub async fn load_audit_log(query: AuditQuery) -> Result<AuditPage, AppError> {
    crate::ssr::with_caller(|caller, state| async move {
        Ok(super::store::page(&state.db, caller.org, query).await?)
    })
    .await
}

#[cfg(feature = "ssr")]
pub fn register() {
    leptos::server_fn::axum::register_explicit::<LoadAuditLog>();
}
