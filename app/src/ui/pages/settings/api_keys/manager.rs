//! `KeyManager`, the page's one island: the Add button, the dialog that
//! shows whichever form is open and sends it, and the rows' buttons.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlFormElement};

use super::LoadError;
use super::dom::{
    closest, copy_secret, name_dialog, restore_focus, restrict_to, reveal_secret, show_form_error,
    show_pending,
};
use super::form::read_form;
use super::fragments::{key_table, render_key_dialog};
use super::names::{DialogAction, NEW_KEY_TEMPLATE, RowAction};
use crate::model::error::AppError;
use crate::model::expiry::RollGrace;
use crate::model::keys::{KeyDialog, KeyId, KeyInput, NewSecret};
use crate::server_fns::keys::{create_key, delete_key, roll_key, set_webhook_key, update_key};
use crate::ui::components::dialog::{focus_by_label, focus_page_heading, wrap_focus};
use crate::ui::components::field_error::clear_errors;
use crate::ui::components::hydrated::island_hydrated;
use crate::ui::components::last_asked::LastAsked;
use crate::ui::components::pending::is_pending;

/// Where focus goes once a refreshed list is on screen.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum FocusAfterRefresh {
    /// The button with this accessible label (e.g. `Edit Zapier`).
    Button(String),
    /// The page heading, when the row that had focus is gone.
    Heading,
}

/// What sending a dialog's form asks of the server.
#[derive(Clone, Debug)]
pub(super) enum Change {
    Create(KeyInput),
    Update(KeyId, KeyInput),
    Roll(KeyId, RollGrace),
    /// The key, and its name for the message.
    Delete(KeyId, String),
}

/// What the server did.
#[derive(Clone, Debug)]
enum Changed {
    Created(NewSecret),
    Saved(String),
    Rolled(NewSecret),
    Deleted(String),
}

async fn send(change: Change) -> Result<Changed, AppError> {
    match change {
        Change::Create(input) => create_key(input).await.map(Changed::Created),
        Change::Update(id, input) => update_key(id, input).await.map(Changed::Saved),
        Change::Roll(id, grace) => roll_key(id, grace).await.map(Changed::Rolled),
        Change::Delete(id, name) => delete_key(id).await.map(|()| Changed::Deleted(name)),
    }
}

/// Everything on the page that responds to input. `children` is the list
/// as the server rendered it; each refresh replaces it.
#[island]
pub(super) fn KeyManager(children: Children) -> impl IntoView {
    island_hydrated();
    let status = RwSignal::new(String::new());
    let page_error = RwSignal::new(None::<AppError>);
    let load_error = RwSignal::new(None::<AppError>);
    let list = NodeRef::<leptos::html::Div>::new();
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    // What had focus when the dialog opened, to give it back; and the form
    // whose change is on its way, to show the answer in. Browser objects,
    // set only in the browser: empty on the server, where the page's owner
    // may be dropped on another thread than the one that rendered it.
    let opener = StoredValue::new(None::<SendWrapper<HtmlElement>>);
    let sending = StoredValue::new(None::<SendWrapper<HtmlFormElement>>);

    // Reads the list again and puts it in place. A refresh replaces the
    // rows, and with them the button that had focus; `focus` names the
    // control to focus once the new rows are in.
    //
    // Refreshes can overlap (two changes in quick succession), and their
    // answers can come back in any order: only the last one asked for is
    // put in place.
    let reload = LastAsked::new(move |focus: &Option<FocusAfterRefresh>| {
        let focus = focus.clone();
        async move { (key_table().await, focus) }
    });
    Effect::new(move |_| {
        let Some((result, focus)) = reload.answer() else {
            return;
        };
        match result {
            Ok(html) => {
                load_error.set(None);
                if let Some(el) = list.get_untracked() {
                    el.set_inner_html(&html);
                }
                if let Some(target) = focus {
                    request_animation_frame(move || restore_focus(target));
                }
            }
            Err(err) => load_error.set(Some(err)),
        }
    });
    let refresh = move |message: String, focus: FocusAfterRefresh| {
        status.set(message);
        page_error.set(None);
        reload.dispatch(Some(focus));
    };

    // The dialog: shows markup from the server, and gives focus back when
    // it closes.
    let open_dialog = move |html: &str| {
        let Some(d) = dialog.get_untracked() else {
            return;
        };
        if !d.open() {
            opener.set_value(
                document()
                    .active_element()
                    .and_then(|el| el.dyn_into::<HtmlElement>().ok())
                    .map(SendWrapper::new),
            );
        }
        d.set_inner_html(html);
        name_dialog(&d, "[data-labelledby]");
        if !d.open() {
            let _ = d.show_modal();
        }
    };
    let close_dialog = move || {
        let Some(d) = dialog.get_untracked() else {
            return;
        };
        d.close();
        // The markup goes with it: a secret shown once must not stay in
        // the page.
        d.set_inner_html("");
        match opener
            .try_update_value(Option::take)
            .flatten()
            .map(SendWrapper::take)
        {
            Some(el) if el.is_connected() => {
                let _ = el.focus();
            }
            // The opener was re-rendered or removed (its row was deleted).
            other => {
                let label = other.and_then(|el| el.get_attribute("aria-label"));
                if !label.is_some_and(|l| focus_by_label(&l)) {
                    focus_page_heading();
                }
            }
        }
    };

    // A row's dialog, rendered on the server for its key. Two clicks in
    // quick succession open the second.
    let fetch_dialog =
        LastAsked::new(move |(id, which): &(KeyId, KeyDialog)| render_key_dialog(*id, *which));
    Effect::new(move |_| match fetch_dialog.answer() {
        Some(Ok(html)) => open_dialog(&html),
        Some(Err(err)) => page_error.set(Some(err)),
        None => {}
    });

    // Sending a dialog's form.
    let change = Action::new(|change: &Change| send(change.clone()));
    let changing = is_pending(change.pending());
    Effect::new(move |_| {
        let pending = changing();
        sending.with_value(|form| {
            if let Some(form) = form {
                show_pending(form, pending);
            }
        });
    });
    Effect::new(move |_| {
        let Some(result) = change.value().get() else {
            return;
        };
        // A new secret: the list again, and the secret shown this once.
        let revealed = |verb: &str, new: &NewSecret, form: Option<HtmlFormElement>| {
            refresh(
                format!("{verb} “{}”.", new.name),
                FocusAfterRefresh::Button(format!("Edit {}", new.name)),
            );
            if let Some(form) = form {
                reveal_secret(&form, new);
            }
        };
        // The form the change came from, if its dialog is still open.
        let form = sending
            .with_value(|f| f.as_deref().cloned())
            .filter(|f| f.is_connected());
        match result {
            Ok(Changed::Created(new)) => revealed("Created", &new, form),
            Ok(Changed::Rolled(new)) => revealed("Rolled", &new, form),
            Ok(Changed::Saved(name)) => {
                close_dialog();
                refresh(
                    format!("Saved “{name}”."),
                    FocusAfterRefresh::Button(format!("Edit {name}")),
                );
            }
            Ok(Changed::Deleted(name)) => {
                close_dialog();
                refresh(format!("Deleted “{name}”."), FocusAfterRefresh::Heading);
            }
            Err(err) => {
                if let Some(form) = form {
                    show_form_error(&form, &err);
                }
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        if changing() {
            return;
        }
        match read_form(&form) {
            Ok(request) => {
                clear_errors(&form);
                sending.set_value(Some(SendWrapper::new(form)));
                change.dispatch(request);
            }
            Err(err) => show_form_error(&form, &err),
        }
    };
    // Cancel, Close, Done and Escape. Not while a change is on its way: the
    // answer may be a secret shown only once, in this dialog.
    let dismiss = move || {
        if !changing() {
            close_dialog();
        }
    };
    let on_dialog_click = move |ev: leptos::ev::MouseEvent| {
        let Some(button) = closest(&ev, "[data-action]") else {
            return;
        };
        let action = button
            .get_attribute("data-action")
            .and_then(|a| DialogAction::from_slug(&a));
        match action {
            Some(DialogAction::Close) => dismiss(),
            Some(DialogAction::Copy) => copy_secret(&button),
            Some(DialogAction::Suggest) => restrict_to(
                &button,
                &button.get_attribute("data-levels").unwrap_or_default(),
            ),
            None => {}
        }
    };
    let on_dialog_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            dismiss();
        }
        "Tab" => {
            if let Some(d) = dialog.get_untracked() {
                wrap_focus(&d, &ev);
            }
        }
        _ => {}
    };

    let set_webhook = Action::new(move |(id, name): &(KeyId, String)| {
        let (id, name) = (*id, name.clone());
        async move { set_webhook_key(id).await.map(|()| name) }
    });
    Effect::new(move |_| match set_webhook.value().get() {
        Some(Ok(name)) => refresh(
            format!("“{name}” is now the webhook key."),
            FocusAfterRefresh::Button(format!("Edit {name}")),
        ),
        Some(Err(err)) => page_error.set(Some(err)),
        None => {}
    });
    // The rows' webhook buttons are the server's markup, not views: they
    // are disabled here while one change of webhook key is on its way.
    let webhook_pending = is_pending(set_webhook.pending());
    Effect::new(move |_| {
        let pending = webhook_pending();
        if let Some(el) = list.get()
            && let Ok(buttons) = el.query_selector_all("button[data-action=webhook]")
        {
            for button in (0..buttons.length()).filter_map(|i| buttons.item(i)) {
                if let Ok(button) = button.dyn_into::<web_sys::HtmlButtonElement>() {
                    button.set_disabled(pending);
                }
            }
        }
    });

    // One listener for every row's buttons.
    let on_row_click = move |ev: leptos::ev::MouseEvent| {
        let Some(button) = closest(&ev, "button[data-action]") else {
            return;
        };
        let action = button
            .get_attribute("data-action")
            .and_then(|a| RowAction::from_slug(&a));
        let id = button
            .get_attribute("data-key")
            .and_then(|id| id.parse().ok())
            .map(KeyId);
        let Some((action, id)) = action.zip(id) else {
            return;
        };
        match action {
            RowAction::SetWebhook => {
                let name = document()
                    .get_element_by_id(&format!("key-{}-name", id.0))
                    .and_then(|el| el.text_content())
                    .unwrap_or_default();
                set_webhook.dispatch((id, name));
            }
            RowAction::Open(which) => fetch_dialog.dispatch((id, which)),
        }
    };
    let on_add = move |_| {
        if let Some(template) = document().get_element_by_id(NEW_KEY_TEMPLATE) {
            open_dialog(&template.inner_html());
        }
    };

    view! {
        <div class="page-header">
            <h1 id="page-heading" tabindex="-1">"API Keys"</h1>
            <button type="button" class="btn btn--primary" on:click=on_add>
                "Add"
            </button>
        </div>
        <p class="lead">
            "The “API Keys” section allows you to manage your authentication credentials for accessing the API."
        </p>
        <p class="notice">
            "Keep your API keys secure and never share them publicly. If a key is compromised, delete it immediately and create a new one."
        </p>
        <p class="status" role="status">{move || status.get()}</p>
        {move || {
            page_error.get().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
        }}
        {move || {
            load_error.get().map(|err| view! {
                <LoadError err>
                    <button type="button" class="btn" on:click=move |_| { reload.dispatch(None); }>
                        "Try again"
                    </button>
                </LoadError>
            })
        }}
        <div class="key-list" node_ref=list on:click=on_row_click>
            {children()}
        </div>
        <dialog
            node_ref=dialog
            class="dialog"
            on:submit=on_submit
            on:click=on_dialog_click
            on:keydown=on_dialog_keydown
            // The browser's own Escape handling: keep the page in charge.
            on:cancel=move |ev: leptos::ev::Event| {
                ev.prevent_default();
                dismiss();
            }
        ></dialog>
    }
}
