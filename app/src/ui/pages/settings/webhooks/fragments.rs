//! The page's data as HTML rendered on the server, for the island to put
//! in place after each change and every few seconds: the key status and
//! the delivery log stay out of the browser's bundle, as the API Keys
//! list does (`api_keys/fragments.rs`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::model::error::AppError;

/// The two places the page refreshes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelHtml {
    pub key_status: String,
    pub deliveries: String,
}

/// The key status and the delivery log, as the Webhooks page shows them.
#[server(prefix = "/api", endpoint = "webhooks/panel", input = Json)]
pub async fn webhook_panel() -> Result<PanelHtml, AppError> {
    let overview = crate::server_fns::webhooks::load_webhooks().await?;
    Ok(panel_html(overview))
}

#[cfg(feature = "ssr")]
pub(super) fn panel_html(overview: crate::model::webhooks::WebhookOverview) -> PanelHtml {
    use super::views::{DeliveryLog, KeyStatus};
    use leptos::tachys::view::RenderHtml;
    PanelHtml {
        key_status: view! { <KeyStatus webhook_key=overview.webhook_key /> }.to_html(),
        deliveries: view! { <DeliveryLog deliveries=overview.deliveries /> }.to_html(),
    }
}

/// Registers `webhook_panel` with the server explicitly, like
/// `server_fns::register`.
#[cfg(feature = "ssr")]
pub fn register() {
    leptos::server_fn::axum::register_explicit::<WebhookPanel>();
}
