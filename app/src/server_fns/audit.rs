//! What the Audit log page reads. The page renders it to HTML on the
//! server (`ui::pages::settings::audit_log`), so this is no endpoint of
//! its own: the page's fragment function calls it.

#[cfg(feature = "ssr")]
use crate::model::audit::{AuditPage, AuditQuery};
#[cfg(feature = "ssr")]
use crate::model::error::AppError;

/// One page of the caller's organization's log, for the roles that may
/// read it.
#[cfg(feature = "ssr")]
pub async fn audit_page(query: AuditQuery) -> Result<AuditPage, AppError> {
    use crate::model::roles::Capability;
    crate::server_fns::with_caller_who_may(Capability::ViewAuditLog, |caller, state| async move {
        Ok(crate::domain::audit::store::page(&state.db, caller.org, query).await?)
    })
    .await
}
