//! `KeyManager`, the page's one island: the Add button, the dialog that
//! shows whichever form is open and sends it, and the rows' buttons. Its
//! pieces: `DialogHost` (the `<dialog>`), `Changes` (sending a form and
//! showing the answer), `Rows` (the rows' buttons) and `ListRefresh` (the
//! list again, the status line).

use leptos::prelude::*;

use super::LoadError;
use super::changes::Changes;
use super::dom::{closest, copy_secret, restrict_to};
use super::names::{DialogAction, NEW_KEY_TEMPLATE};
use super::refresh::ListRefresh;
use super::rows::Rows;
use crate::ui::components::dialog_host::DialogHost;
use crate::ui::components::hydrated::island_hydrated;
use crate::ui::names::{PAGE_HEADING, attr, has};

/// Everything on the page that responds to input. `children` is the list
/// as the server rendered it; each refresh replaces it. `may_manage`: the
/// viewer's role may change keys, so the page has Add (the server refuses
/// the changes of any other role whatever the page shows).
#[island]
pub(super) fn KeyManager(may_manage: bool, children: Children) -> impl IntoView {
    island_hydrated();
    let refresh = ListRefresh::new();
    let host = DialogHost::new();
    let changes = Changes::new(host, refresh);
    let rows = Rows::new(host, refresh);
    let on_add = move |_| {
        if let Some(template) = document().get_element_by_id(NEW_KEY_TEMPLATE) {
            host.open(&template.inner_html());
        }
    };
    view! {
        <div class="page-header">
            <h1 id=PAGE_HEADING tabindex="-1">"API Keys"</h1>
            {may_manage.then(|| view! {
                <button type="button" class="btn btn--primary" on:click=on_add>
                    "Add"
                </button>
            })}
        </div>
        <p class="lead">
            "The “API Keys” section allows you to manage your authentication credentials for accessing the API."
        </p>
        <p class="notice">
            "Keep your API keys secure and never share them publicly. If a key is compromised, delete it immediately and create a new one."
        </p>
        <Messages refresh />
        <div class="key-list" node_ref=refresh.list on:click=move |ev| rows.on_click(&ev)>
            {children()}
        </div>
        <dialog
            node_ref=host.node
            class="dialog"
            on:submit=move |ev| changes.on_submit(&ev)
            on:click=move |ev| on_dialog_click(&ev, changes)
            on:keydown=move |ev| host.on_keydown(&ev, move || changes.dismiss())
            // The browser's own Escape handling: keep the page in charge.
            on:cancel=move |ev: leptos::ev::Event| {
                ev.prevent_default();
                changes.dismiss();
            }
        ></dialog>
    }
}

/// The status line, the page's own error, and the list's load error with
/// its way to try again.
#[component]
fn Messages(refresh: ListRefresh) -> impl IntoView {
    view! {
        <p class="status" role="status">{move || refresh.status.get()}</p>
        {move || {
            refresh.page_error.get().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
        }}
        {move || {
            refresh.load_error.get().map(|err| view! {
                <LoadError err>
                    <button type="button" class="btn" on:click=move |_| refresh.retry()>
                        "Try again"
                    </button>
                </LoadError>
            })
        }}
    }
}

/// A button inside the dialog, by its `data-action`.
fn on_dialog_click(ev: &leptos::ev::MouseEvent, changes: Changes) {
    let Some(button) = closest(ev, &has(attr::ACTION)) else {
        return;
    };
    let action = button
        .get_attribute(attr::ACTION)
        .and_then(|a| DialogAction::from_slug(&a));
    match action {
        Some(DialogAction::Close) => changes.dismiss(),
        Some(DialogAction::Copy) => copy_secret(&button),
        Some(DialogAction::Suggest) => restrict_to(&button),
        None => {}
    }
}
