//! What the Webhooks page shows of its data, rendered on the server: on
//! the page, and again for each refresh (`fragments::webhook_panel`).

use leptos::either::{Either, EitherOf5};
use leptos::prelude::*;

use super::names::WebhookAction;
use crate::model::dates::{format_clock, format_date};
use crate::model::expiry::format_time;
use crate::model::leaks::WEBHOOK_KEY_LEAKED;
use crate::model::webhooks::{DeliveryStatus, DeliverySummary, WebhookKeyStatus};
use crate::ui::components::data_table::DataTable;

/// Which key signs deliveries, and with which of its secrets.
#[component]
pub(super) fn KeyStatus(webhook_key: Option<WebhookKeyStatus>) -> impl IntoView {
    let manage = || view! { <a href="/settings/api-keys">"Manage API keys"</a> };
    match webhook_key {
        Some(WebhookKeyStatus {
            name,
            leaked_at: Some(at),
            expired: false,
            ..
        }) => EitherOf5::B(view! {
            <p class="warning" role="note">
                "Your webhook key “" {name} "” was reported leaked on " {format_time(&at)}
                ", so deliveries are waiting, not sent. Roll the key: deliveries are then signed with its new secret. "
                {manage()}
            </p>
        }),
        Some(WebhookKeyStatus {
            name,
            expired: true,
            expires_at,
            ..
        }) => {
            let when = expires_at
                .map(|at| format!(" on {}", format_time(&at)))
                .unwrap_or_default();
            EitherOf5::A(view! {
                <p class="warning" role="note">
                    "Your webhook key “" {name} "” expired" {when}
                    ", so deliveries are not being sent. Set another key as the webhook key, or change this key's expiry. "
                    {manage()}
                </p>
            })
        }
        Some(WebhookKeyStatus {
            name,
            previous_signs_until: Some(until),
            ..
        }) => EitherOf5::C(view! {
            <p class="notice notice--ok">
                "Deliveries are signed with the previous secret of “" {name} "”, your webhook key, until "
                {format_time(&until)} ", then with its new secret. " {manage()}
            </p>
        }),
        Some(WebhookKeyStatus {
            name, expires_at, ..
        }) => {
            let until = expires_at
                .map(|at| format!(" It expires on {}.", format_time(&at)))
                .unwrap_or_default();
            EitherOf5::D(view! {
                <p class="notice notice--ok">
                    "Deliveries are signed with “" {name} "”, your webhook key." {until} " " {manage()}
                </p>
            })
        }
        None => EitherOf5::E(view! {
            <p class="warning" role="note">
                "No webhook key is set, so deliveries are not being sent. Choose one with “Set as Webhook Key” under "
                <a href="/settings/api-keys">"API Keys"</a> "."
            </p>
        }),
    }
}

/// The latest deliveries, each with its **Resend** button for a role that
/// may resend.
#[component]
pub(super) fn DeliveryLog(deliveries: Vec<DeliverySummary>, may_manage: bool) -> impl IntoView {
    if deliveries.is_empty() {
        return Either::Left(view! { <p class="empty">"No deliveries yet."</p> });
    }
    let rows = deliveries
        .into_iter()
        .map(|d| {
            let status_text = match (&d.status, &d.last_error) {
                (DeliveryStatus::NotSent | DeliveryStatus::Dropped, Some(reason)) => reason.clone(),
                // Held, no attempt spent: it says why it waits.
                (DeliveryStatus::Pending, Some(reason)) if reason == WEBHOOK_KEY_LEAKED => reason.clone(),
                (DeliveryStatus::Pending, Some(err)) if d.attempts > 0 => format!("Retrying: {err}"),
                (s, _) => s.label().to_owned(),
            };
            let id = d.id;
            view! {
                <tr>
                    <th scope="row">{d.event.clone()}</th>
                    <td data-label="Status">{status_text}</td>
                    <td data-label="Response">{d.last_status_code.map(|c| c.to_string()).unwrap_or_else(|| "–".into())}</td>
                    <td data-label="Attempts">{d.attempts}</td>
                    <td data-label="Time">
                        <time datetime=d.created_at.to_rfc3339()>
                            {format!("{} {}", format_date(&d.created_at), format_clock(&d.created_at))}
                        </time>
                    </td>
                    <td class="actions">
                        {may_manage.then(|| view! {
                        <div class="actions__inner">
                            <button
                                type="button"
                                class="btn btn--small"
                                aria-label=format!("Resend {} delivery {}", d.event, id)
                                data-action=WebhookAction::Resend.slug()
                                data-delivery=id.to_string()
                            >
                                "Resend"
                            </button>
                        </div>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    Either::Right(view! {
        <DataTable caption="Recent webhook deliveries" columns=&["Event", "Status", "Response", "Attempts", "Time"] class="deliveries">
            {rows}
        </DataTable>
    })
}
