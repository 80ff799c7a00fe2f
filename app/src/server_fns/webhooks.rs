//! The server functions behind the Webhooks page.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::domain::webhooks::deliveries;
use crate::model::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::roles::Capability;
use crate::model::webhooks::WebhookOverview;

#[server(prefix = "/api", endpoint = "webhooks/overview", input = Json)]
pub async fn load_webhooks() -> Result<WebhookOverview, AppError> {
    crate::server_fns::with_caller(|caller, state| async move {
        Ok(WebhookOverview {
            may_manage: caller.role.may(Capability::ManageWebhooks),
            ..deliveries::overview(&state.db, caller.org).await?
        })
    })
    .await
}

/// A URL-encoded form (`url`), so the page's form works before hydration.
#[server(prefix = "/api", endpoint = "webhooks/save-url")]
pub async fn save_webhook_url(url: String) -> Result<(), AppError> {
    crate::server_fns::with_caller_who_may(Capability::ManageWebhooks, |caller, state| async move {
        let url = crate::model::webhooks::validate_url(&url)?;
        Ok(deliveries::save_url(&state.db, caller.org, &caller.actor(), &url).await?)
    })
    .await
}

/// Queues a `test` event, signed and sent like any other.
#[server(prefix = "/api", endpoint = "webhooks/test", input = Json)]
pub async fn send_test_event() -> Result<(), AppError> {
    crate::server_fns::with_caller_who_may(Capability::ManageWebhooks, |caller, state| async move {
        if !state.manual_sends.allow(caller.org) {
            return Err(AppError::TooManyAttempts.into());
        }
        let call = serde_json::json!({
            "call_id": "call_test",
            "call_type": "web_call",
            "call_status": "ended",
            "agent_id": "",
            "agent_version": 0,
            "start_timestamp": chrono::Utc::now().timestamp_millis(),
        });
        match deliveries::enqueue(&state.db, caller.org, "test", &call).await? {
            Some(_) => Ok(()),
            None => Err(AppError::invalid("url", "Save a webhook URL first.").into()),
        }
    })
    .await
}

#[server(prefix = "/api", endpoint = "webhooks/resend", input = Json)]
pub async fn resend_delivery(id: i64) -> Result<(), AppError> {
    crate::server_fns::with_caller_who_may(Capability::ManageWebhooks, |caller, state| async move {
        if !state.manual_sends.allow(caller.org) {
            return Err(AppError::TooManyAttempts.into());
        }
        Ok(deliveries::resend(&state.db, caller.org, id).await?)
    })
    .await
}

#[cfg(feature = "ssr")]
pub fn register() {
    use leptos::server_fn::axum::register_explicit;
    register_explicit::<LoadWebhooks>();
    register_explicit::<SaveWebhookUrl>();
    register_explicit::<SendTestEvent>();
    register_explicit::<ResendDelivery>();
}
