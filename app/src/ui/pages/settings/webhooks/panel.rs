//! `WebhooksPanel`, the page's island (lazy: its own chunk, fetched on
//! this page only). Behaviour only, like the API Keys page's: it sends the
//! URL form, the test event and resends; shows what they did in the
//! server's markup; and every 2 s, and after each change, asks the server
//! for the key status and the log again, as HTML (`webhook_panel`), since
//! deliveries are sent in the background.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlFormElement};

use super::fragments::{PanelHtml, webhook_panel};
use super::names::{DELIVERY_ATTR, URL_FIELD, WebhookAction, ids};
use crate::model::error::AppError;
use crate::model::webhooks::validate_url;
use crate::server_fns::webhooks::{SaveWebhookUrl, resend_delivery, send_test_event};
use crate::ui::components::field_error::{clear_errors, show_error};
use crate::ui::components::hydrated::island_hydrated;
use crate::ui::components::last_asked::LastAsked;
use crate::ui::components::pending::is_pending;
use crate::ui::components::submit::show_pending;
use crate::ui::names::{attr, has, is};

/// `children` is the panel as the server rendered it: the key status, the
/// URL form, the status line and the log.
#[island(lazy)]
pub(super) fn WebhooksPanel(has_url: bool, children: Children) -> impl IntoView {
    island_hydrated();
    let root = NodeRef::<leptos::html::Div>::new();
    let refresh = keep_current();
    // A test event needs somewhere to go.
    let has_url = RwSignal::new(has_url);
    let test = Action::new(|_: &()| send_test_event());
    let resend = Action::new(|id: &i64| resend_delivery(*id));
    for (action, done) in [
        (test.value(), "Test event queued."),
        (resend.value(), "Delivery queued again."),
    ] {
        Effect::new(move |_| match action.get() {
            Some(Ok(())) => {
                say(Some(done), None);
                refresh();
            }
            Some(Err(e)) => say(None, Some(&e)),
            None => {}
        });
    }
    let testing = is_pending(test.pending());
    Effect::new(move |_| set_test_enabled(root, has_url.get() && !testing()));
    let save = ServerAction::<SaveWebhookUrl>::new();
    show_saves(save, root, move || {
        say(Some("Webhook URL saved."), None);
        has_url.set(true);
        refresh();
    });
    let on_click = move |ev: leptos::ev::MouseEvent| match clicked(&ev) {
        Some((WebhookAction::Test, _)) => {
            test.dispatch(());
        }
        Some((WebhookAction::Resend, button)) => {
            if let Some(id) = button
                .get_attribute(DELIVERY_ATTR)
                .and_then(|id| id.parse().ok())
            {
                resend.dispatch(id);
            }
        }
        None => {}
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(form) = form_in(root) {
            send_url(&form, save);
        }
    };
    view! { <div node_ref=root on:click=on_click on:submit=on_submit>{children()}</div> }
}

/// Reads the key status and the log every 2 s, and returns the refresh to
/// ask for after a change. The poll and those refreshes overlap, and their
/// answers can come back in any order: only the last one asked for is
/// put in place.
fn keep_current() -> impl Fn() + Copy + Send + Sync + 'static {
    let reload = LastAsked::new(|_: &()| webhook_panel());
    // What is on screen, so that an unchanged answer leaves it (and the
    // focus in it) alone.
    let shown = StoredValue::new(None::<PanelHtml>);
    Effect::new(move |_| {
        if let Some(Ok(panel)) = reload.answer()
            && shown.with_value(|s| s.as_ref() != Some(&panel))
        {
            fill(ids::KEY_STATUS, &panel.key_status);
            fill(ids::DELIVERIES, &panel.deliveries);
            shown.set_value(Some(panel));
        }
    });
    let refresh = move || reload.dispatch(());
    Effect::new(move |_| {
        let handle = set_interval_with_handle(refresh, std::time::Duration::from_secs(2)).ok();
        on_cleanup(move || {
            if let Some(h) = handle {
                h.clear();
            }
        });
    });
    refresh
}

fn fill(id: &str, html: &str) {
    if let Some(el) = document().get_element_by_id(id) {
        el.set_inner_html(html);
    }
}

/// The status line says what a change did; the page's error place shows
/// why a test event or a resend was refused, or hides.
fn say(status: Option<&str>, error: Option<&AppError>) {
    let doc = document();
    if let Some(line) = doc.get_element_by_id(ids::STATUS)
        && status.is_some()
    {
        line.set_text_content(status);
    }
    if let Some(place) = doc
        .get_element_by_id(ids::ERROR)
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    {
        place.set_text_content(error.map(ToString::to_string).as_deref());
        place.set_hidden(error.is_none());
    }
}

/// The button a click was on, and what it does.
fn clicked(ev: &leptos::ev::MouseEvent) -> Option<(WebhookAction, Element)> {
    let button = ev
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())?
        .closest(&format!("button{}", has(attr::ACTION)))
        .ok()
        .flatten()?;
    let action = WebhookAction::from_slug(&button.get_attribute(attr::ACTION)?)?;
    Some((action, button))
}

fn set_test_enabled(root: NodeRef<leptos::html::Div>, enabled: bool) {
    let selector = format!("button{}", is(attr::ACTION, WebhookAction::Test.slug()));
    if let Some(button) = root
        .get_untracked()
        .and_then(|r| r.query_selector(&selector).ok().flatten())
        .and_then(|b| b.dyn_into::<web_sys::HtmlButtonElement>().ok())
    {
        button.set_disabled(!enabled);
    }
}

fn form_in(root: NodeRef<leptos::html::Div>) -> Option<HtmlFormElement> {
    root.get_untracked()?
        .query_selector("form")
        .ok()
        .flatten()?
        .dyn_into()
        .ok()
}

/// Checks the URL as the server will, then saves it.
fn send_url(form: &HtmlFormElement, save: ServerAction<SaveWebhookUrl>) {
    let typed = web_sys::FormData::new_with_form(form)
        .ok()
        .and_then(|data| data.get(URL_FIELD).as_string())
        .unwrap_or_default();
    match validate_url(&typed) {
        Ok(url) => {
            clear_errors(form);
            save.dispatch(SaveWebhookUrl { url });
        }
        Err(e) => {
            show_error(form, &e);
        }
    }
}

/// The URL form's busy state while it is saved, and the answer: `on_ok`,
/// or the refusal beside the field.
fn show_saves(
    save: ServerAction<SaveWebhookUrl>,
    root: NodeRef<leptos::html::Div>,
    on_ok: impl Fn() + 'static,
) {
    let saving = is_pending(save.pending());
    Effect::new(move |_| {
        let pending = saving();
        if let Some(form) = form_in(root) {
            show_pending(&form, pending);
        }
    });
    Effect::new(move |_| match (save.value().get(), form_in(root)) {
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
