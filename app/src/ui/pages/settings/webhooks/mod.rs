//! Settings > Webhooks: where events go, which key signs them, and what
//! became of each delivery.
//!
//! The same idiom as API Keys: the server renders everything (the key
//! status and the log in `views.rs`, the URL form here), and the page's
//! island (`panel.rs`) is behaviour only. It acts on the markup through
//! the names in `names.rs`, and reads the key status and the log again as
//! HTML (`fragments.rs`).

mod fragments;
mod names;
mod panel;
mod views;

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use crate::model::webhooks::WebhookOverview;
use crate::server_fns::webhooks::{SaveWebhookUrl, load_webhooks};
use crate::ui::components::field_error::{FieldError, KnownError};
use crate::ui::components::preload::PreloadLazyIsland;
use crate::ui::components::submit::SubmitButton;
use crate::ui::components::text_field::TextInput;
use crate::ui::names::PAGE_HEADING;
use crate::ui::pages::form_post::form_post_error;
#[cfg(feature = "ssr")]
pub use fragments::register;
use names::{URL_FIELD, WebhookAction, ids};
use panel::WebhooksPanel;
use views::{DeliveryLog, KeyStatus};

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| load_webhooks());
    // A URL saved before hydration that came back refused.
    let known = KnownError::new(form_post_error::<SaveWebhookUrl>());
    view! {
        <Title text="Webhooks · Settings · Keyward" />
        <PreloadLazyIsland island="webhooks_panel" />
        <div class="page-header">
            <h1 id=PAGE_HEADING tabindex="-1">"Webhooks"</h1>
        </div>
        <p class="lead">
            "Keyward sends call events to your URL, signed with your webhook key, so that you can check each one with "
            <code>"Retell.verify"</code> "."
        </p>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading webhooks…"</p> }>
            {move || {
                let known = known.clone();
                Suspend::new(async move {
                    match overview.await {
                        Ok(overview) => Either::Left(view! { <Panel overview known /> }),
                        Err(err) => {
                            Either::Right(view! {
                                <p class="form-error" role="alert">
                                    "The webhook settings could not be loaded. " {err.to_string()}
                                </p>
                            })
                        }
                    }
                })
            }}
        </Suspense>
    }
}

/// The page's data and form, in the island that makes them work.
#[component]
fn Panel(overview: WebhookOverview, known: KnownError) -> impl IntoView {
    view! {
        <WebhooksPanel has_url=overview.url.is_some()>
            <PanelMarkup overview known />
        </WebhooksPanel>
    }
}

/// What the island acts on: the places it fills and the form it sends.
#[component]
fn PanelMarkup(overview: WebhookOverview, known: KnownError) -> impl IntoView {
    let WebhookOverview {
        url,
        webhook_key,
        deliveries,
        may_manage,
    } = overview;
    // A role that may not change the settings reads the URL, not a form.
    let url_view = if may_manage {
        Either::Left(view! { <WebhookForm url known /> })
    } else {
        Either::Right(view! {
            <p class="webhook-url">
                "Webhook URL: " {url.unwrap_or_else(|| "not set".into())}
            </p>
        })
    };
    view! {
        <div id=ids::KEY_STATUS>
            <KeyStatus webhook_key />
        </div>
        {url_view}
        <p class="status" role="status" id=ids::STATUS></p>
        <p class="form-error" role="alert" id=ids::ERROR hidden></p>
        <h2>"Recent deliveries"</h2>
        <div id=ids::DELIVERIES>
            <DeliveryLog deliveries may_manage />
        </div>
    }
}

/// The URL form. It posts as a plain form until the page is hydrated; then
/// the island sends it, and a refusal is shown beside the field, like
/// every form's. **Send test event** needs a URL to send to.
#[component]
fn WebhookForm(url: Option<String>, known: KnownError) -> impl IntoView {
    let has_url = url.is_some();
    view! {
        <form class="webhook-form" method="post" action=SaveWebhookUrl::PATH novalidate>
            <TextInput
                id="webhook-url"
                field=URL_FIELD
                label="Webhook URL"
                input_type="url"
                hint=Some("Events are POSTed here as JSON, with an x-retell-signature header.".into())
                value=url.unwrap_or_default()
                error=known.field(URL_FIELD)
            />
            <FieldError id="webhook-form-error" field="" class="form-error" message=known.form(&[URL_FIELD]) />
            <div class="webhook-form__actions">
                <SubmitButton label="Save" pending_label="Save" />
                <button
                    type="button"
                    class="btn"
                    disabled=!has_url
                    data-action=WebhookAction::Test.slug()
                >
                    "Send test event"
                </button>
            </div>
        </form>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::model::error::AppError;
    use crate::model::webhooks::{DeliveryStatus, DeliverySummary, validate_url};
    use crate::ui::names::{attr, rendered};
    use leptos::tachys::view::RenderHtml;

    /// The island reads the URL by `URL_FIELD`, and its refusal names the
    /// same field; the markup carries it as the form's name and as the
    /// field of its error's place, and names the test button.
    #[test]
    fn the_url_form_carries_the_names_its_island_reads() {
        match validate_url("") {
            Err(AppError::Invalid { field, .. }) => assert_eq!(field, URL_FIELD),
            other => panic!("{other:?}"),
        }
        let html = view! { <WebhookForm url=None known=KnownError::default() /> }.to_html();
        for (a, v) in [
            ("name", URL_FIELD),
            (attr::FIELD, URL_FIELD),
            (attr::ERROR_FOR, URL_FIELD),
            (attr::ERROR_FOR, ""),
            (attr::PENDING_LABEL, "Save"),
            (attr::ACTION, WebhookAction::Test.slug()),
        ] {
            assert!(html.contains(&rendered(a, v)), "{a}={v}: {html}");
        }
    }

    /// The places the island fills, and a delivery's Resend button.
    #[test]
    fn the_panel_has_the_places_and_buttons_its_island_uses() {
        let delivery = DeliverySummary {
            id: 42,
            event: "test".into(),
            status: DeliveryStatus::Pending,
            attempts: 0,
            last_status_code: None,
            last_error: None,
            created_at: chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap(),
            next_attempt_at: chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap(),
        };
        let overview = WebhookOverview {
            url: Some("https://example.com/hook".into()),
            webhook_key: None,
            deliveries: vec![delivery],
            may_manage: true,
        };
        let html = view! { <PanelMarkup overview=overview.clone() known=KnownError::default() /> }
            .to_html();
        for id in [ids::KEY_STATUS, ids::DELIVERIES, ids::STATUS, ids::ERROR] {
            assert!(html.contains(&rendered("id", id)), "{id}: {html}");
        }
        assert!(
            html.contains(&rendered(attr::ACTION, WebhookAction::Resend.slug())),
            "{html}"
        );
        assert!(
            html.contains(&rendered(names::DELIVERY_ATTR, "42")),
            "{html}"
        );
        for a in WebhookAction::ALL {
            assert_eq!(WebhookAction::from_slug(a.slug()), Some(a));
        }
    }

    /// A role that may not manage webhooks reads the URL and the log, and
    /// gets no form, no test and no Resend.
    #[test]
    fn a_role_without_webhooks_gets_no_controls() {
        let overview = WebhookOverview {
            url: Some("https://example.com/hook".into()),
            webhook_key: None,
            deliveries: vec![DeliverySummary {
                id: 3,
                event: "test".into(),
                status: DeliveryStatus::Pending,
                attempts: 0,
                last_status_code: None,
                last_error: None,
                created_at: chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap(),
                next_attempt_at: chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap(),
            }],
            may_manage: false,
        };
        let html = view! { <PanelMarkup overview known=KnownError::default() /> }.to_html();
        assert!(html.contains("https://example.com/hook"), "{html}");
        assert!(
            !html.contains("<form") && !html.contains("<button"),
            "{html}"
        );
    }
}
