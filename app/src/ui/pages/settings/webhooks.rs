//! Settings > Webhooks: where events go, which key signs them, and what
//! became of each delivery.

use leptos::either::{Either, EitherOf4};
use leptos::prelude::*;

use crate::ui::components::hydrated::island_hydrated;
use crate::ui::components::last_asked::LastAsked;
use crate::ui::components::pending::is_pending;
use crate::ui::components::preload::PreloadLazyIsland;
use leptos_meta::Title;

use crate::ui::components::data_table::DataTable;

use crate::model::error::AppError;
use crate::model::expiry::format_time;
use crate::model::keys::{format_clock, format_date};
use crate::model::webhooks::{
    DeliveryStatus, DeliverySummary, WebhookKeyStatus, WebhookOverview, validate_url,
};
use crate::server_fns::webhooks::{
    SaveWebhookUrl, load_webhooks, resend_delivery, send_test_event,
};
use crate::ui::components::field_error::{FieldError, KnownError, clear_errors, show_error};
use crate::ui::components::submit::{SubmitButton, show_pending};
use crate::ui::components::text_field::TextInput;
use crate::ui::names::PAGE_HEADING;
use crate::ui::pages::form_post::form_post_error;
use leptos::server_fn::ServerFn;

/// The URL's field: its name in the form (which posts as `SaveWebhookUrl`
/// reads it) and in the server's errors.
const URL_FIELD: &str = "url";

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| load_webhooks());
    // A URL saved before hydration that came back refused.
    let error = form_post_error::<SaveWebhookUrl>();
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
                let error = error.clone();
                Suspend::new(async move {
                    match overview.await {
                        Ok(overview) => Either::Left(view! { <WebhooksPanel overview error /> }),
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

/// The page's interactive part, an island of its own chunk: only this page
/// needs it. It starts from the server's `overview`; the key status and the
/// log are read again after each change and every few seconds, since
/// deliveries are sent in the background.
#[island(lazy)]
fn WebhooksPanel(overview: WebhookOverview, error: Option<AppError>) -> impl IntoView {
    island_hydrated();
    let initial_url = overview.url.clone();
    let live = RwSignal::new(overview);
    // The poll and the refresh after each change overlap, and their answers
    // can come back in any order: only the last one asked for is shown.
    let reload = LastAsked::new(|_: &()| load_webhooks());
    Effect::new(move |_| {
        if let Some(Ok(overview)) = reload.answer() {
            live.set(overview);
        }
    });
    let refresh = move || {
        reload.dispatch(());
    };
    let status = RwSignal::new(String::new());
    let known = KnownError::new(error);
    let error = RwSignal::new(None);

    Effect::new(move |_| {
        let handle = set_interval_with_handle(refresh, std::time::Duration::from_secs(2)).ok();
        on_cleanup(move || {
            if let Some(h) = handle {
                h.clear();
            }
        });
    });

    let test = Action::new(|_: &()| send_test_event());
    let resend = Action::new(|id: &i64| {
        let id = *id;
        async move { resend_delivery(id).await }
    });
    Effect::new(move |_| match test.value().get() {
        Some(Ok(())) => {
            error.set(None);
            status.set("Test event queued.".into());
            refresh();
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| match resend.value().get() {
        Some(Ok(())) => {
            error.set(None);
            status.set("Delivery queued again.".into());
            refresh();
        }
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    // The test event's and a resend's: the form shows its own.
    let other_error = move || error.with(|e| e.as_ref().map(ToString::to_string));

    view! {
        {move || live.with(|o| view! { <KeyStatus webhook_key=o.webhook_key.clone() /> })}
        <WebhookForm initial_url known status error test on_saved=refresh />
        <p class="status" role="status">{move || status.get()}</p>
        {move || other_error().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
        <h2>"Recent deliveries"</h2>
        {move || live.with(|o| view! { <DeliveryLog deliveries=o.deliveries.clone() resend /> })}
    }
}

#[component]
fn KeyStatus(webhook_key: Option<WebhookKeyStatus>) -> impl IntoView {
    let manage = || view! { <a href="/settings/api-keys">"Manage API keys"</a> };
    match webhook_key {
        Some(WebhookKeyStatus {
            name,
            expired: true,
            expires_at,
            ..
        }) => {
            let when = expires_at
                .map(|at| format!(" on {}", format_time(&at)))
                .unwrap_or_default();
            EitherOf4::A(view! {
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
        }) => EitherOf4::B(view! {
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
            EitherOf4::C(view! {
                <p class="notice notice--ok">
                    "Deliveries are signed with “" {name} "”, your webhook key." {until} " " {manage()}
                </p>
            })
        }
        None => EitherOf4::D(view! {
            <p class="warning" role="note">
                "No webhook key is set, so deliveries are not being sent. Choose one with “Set as Webhook Key” under "
                <a href="/settings/api-keys">"API Keys"</a> "."
            </p>
        }),
    }
}

/// The URL form: the server's markup, read when it is sent (so a URL
/// typed before hydration is sent as typed); a refusal is shown beside
/// the field (`show_error`), like every form's.
#[component]
fn WebhookForm(
    initial_url: Option<String>,
    known: KnownError,
    status: RwSignal<String>,
    error: RwSignal<Option<AppError>>,
    test: Action<(), Result<(), AppError>>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    // A test event needs somewhere to go.
    let has_url = RwSignal::new(initial_url.is_some());
    let form = NodeRef::<leptos::html::Form>::new();
    let save = ServerAction::<SaveWebhookUrl>::new();
    let testing = is_pending(test.pending());
    show_saves(save, form, move || {
        error.set(None);
        has_url.set(true);
        status.set("Webhook URL saved.".into());
        on_saved();
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(form) = form.get_untracked() else {
            return;
        };
        let typed = web_sys::FormData::new_with_form(&form)
            .ok()
            .and_then(|data| data.get(URL_FIELD).as_string())
            .unwrap_or_default();
        match validate_url(&typed) {
            Ok(url) => {
                clear_errors(&form);
                save.dispatch(SaveWebhookUrl { url });
            }
            Err(e) => {
                show_error(&form, &e);
            }
        }
    };
    view! {
        // Posts as a plain form until the page is hydrated.
        <form class="webhook-form" method="post" action=SaveWebhookUrl::PATH node_ref=form on:submit=on_submit novalidate>
            <TextInput
                id="webhook-url"
                field=URL_FIELD
                label="Webhook URL"
                input_type="url"
                hint=Some("Events are POSTed here as JSON, with an x-retell-signature header.".into())
                value=initial_url.unwrap_or_default()
                error=known.field(URL_FIELD)
            />
            <FieldError id="webhook-form-error" field="" class="form-error" message=known.form(&[URL_FIELD]) />
            <div class="webhook-form__actions">
                <SubmitButton label="Save" pending_label="Save" />
                <button
                    type="button"
                    class="btn"
                    disabled=move || !has_url.get() || testing()
                    on:click=move |_| {
                        test.dispatch(());
                    }
                >
                    "Send test event"
                </button>
            </div>
        </form>
    }
}

/// The URL form's busy state while it is saved, and the answer: `on_ok`,
/// or the refusal beside the field.
fn show_saves(
    save: ServerAction<SaveWebhookUrl>,
    form: NodeRef<leptos::html::Form>,
    on_ok: impl Fn() + 'static,
) {
    let saving = is_pending(save.pending());
    Effect::new(move |_| {
        let pending = saving();
        if let Some(form) = form.get_untracked() {
            show_pending(&form, pending);
        }
    });
    Effect::new(move |_| match (save.value().get(), form.get_untracked()) {
        (Some(Ok(())), Some(form)) => {
            clear_errors(&form);
            on_ok();
        }
        (Some(Err(e)), Some(form)) => {
            show_error(&form, &e);
        }
        _ => {}
    });
}

#[component]
fn DeliveryLog(
    deliveries: Vec<DeliverySummary>,
    resend: Action<i64, Result<(), AppError>>,
) -> impl IntoView {
    if deliveries.is_empty() {
        return Either::Left(view! { <p class="empty">"No deliveries yet."</p> });
    }
    let rows = deliveries
        .into_iter()
        .map(|d| {
            let status_text = match (&d.status, &d.last_error) {
                (DeliveryStatus::NotSent | DeliveryStatus::Dropped, Some(reason)) => reason.clone(),
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
                        <div class="actions__inner">
                            <button
                                type="button"
                                class="btn btn--small"
                                aria-label=format!("Resend {} delivery {}", d.event, id)
                                on:click=move |_| {
                                    resend.dispatch(id);
                                }
                            >
                                "Resend"
                            </button>
                        </div>
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

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::ui::names::{attr, rendered};
    use leptos::tachys::view::RenderHtml;

    /// The island reads the URL by `URL_FIELD`, and its refusal names the
    /// same field; the markup carries it as the form's name and as the
    /// field of its error's place.
    #[test]
    fn the_url_form_carries_the_field_its_island_reads() {
        match validate_url("") {
            Err(AppError::Invalid { field, .. }) => assert_eq!(field, URL_FIELD),
            other => panic!("{other:?}"),
        }
        let owner = Owner::new();
        let html = owner.with(|| {
            let test = Action::new(|_: &()| async { Ok::<(), AppError>(()) });
            view! {
                <WebhookForm
                    initial_url=None
                    known=KnownError::default()
                    status=RwSignal::new(String::new())
                    error=RwSignal::new(None)
                    test
                    on_saved=|| {}
                />
            }
            .to_html()
        });
        for (a, v) in [
            ("name", URL_FIELD),
            (attr::FIELD, URL_FIELD),
            (attr::ERROR_FOR, URL_FIELD),
            (attr::ERROR_FOR, ""),
            (attr::PENDING_LABEL, "Save"),
        ] {
            assert!(html.contains(&rendered(a, v)), "{a}={v}: {html}");
        }
    }
}
