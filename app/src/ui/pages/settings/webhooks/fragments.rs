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
        deliveries:
            view! { <DeliveryLog deliveries=overview.deliveries may_manage=overview.may_manage /> }
                .to_html(),
    }
}

/// Registers `webhook_panel` with the server explicitly, like
/// `server_fns::register`.
#[cfg(feature = "ssr")]
pub fn register() {
    leptos::server_fn::axum::register_explicit::<WebhookPanel>();
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::model::webhooks::{
        DeliveryStatus, DeliverySummary, WebhookKeyStatus, WebhookOverview,
    };

    /// The panel is placed with `innerHTML`: a key's name and what a
    /// delivery says (its event, its error: text from the receiver's host)
    /// come out as text.
    #[test]
    fn the_panels_text_is_escaped() {
        let at = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap();
        let html = panel_html(WebhookOverview {
            url: Some("https://hooks.example".into()),
            webhook_key: Some(WebhookKeyStatus {
                name: "<img src=x onerror=alert(1)>".into(),
                expires_at: None,
                expired: false,
                previous_signs_until: None,
                leaked_at: None,
            }),
            deliveries: vec![DeliverySummary {
                id: 7,
                event: "<b>call_ended</b>".into(),
                status: DeliveryStatus::Failed,
                attempts: 6,
                last_status_code: None,
                last_error: Some("<script>alert(2)</script>".into()),
                created_at: at,
                next_attempt_at: at,
            }],
            may_manage: true,
        });
        for part in [&html.key_status, &html.deliveries] {
            assert!(
                !part.contains("<img") && !part.contains("<script") && !part.contains("<b>"),
                "{part}"
            );
        }
        assert!(
            html.key_status.contains("&lt;img src=x"),
            "{}",
            html.key_status
        );
        assert!(
            html.deliveries.contains("&lt;b&gt;call_ended"),
            "{}",
            html.deliveries
        );
    }
}
