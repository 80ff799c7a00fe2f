//! `PublicKeysManager`, the page's one island: Add, the rows' Copy, Edit
//! and Delete, the dialog, and the list again after each change.

use leptos::prelude::*;
use web_sys::Element;

use super::HEADING;
use super::changes::Changes;
use super::fragments::render_public_key_form;
use super::names::{ADD_TEMPLATE, DELETE_TEMPLATE, PageAction, attr, key_of};
use crate::ui::components::dialog_host::{DialogHost, clicked_action};
use crate::ui::components::hydrated::island_hydrated;
use crate::ui::names::{PAGE_HEADING, has};

/// An island of its own chunk: only this page needs it.
#[island(lazy)]
pub(super) fn PublicKeysManager(may_manage: bool, children: Children) -> impl IntoView {
    island_hydrated();
    let host = DialogHost::new();
    let list = NodeRef::<leptos::html::Div>::new();
    let changes = Changes::new(host, list);
    let on_list_click = move |ev: leptos::ev::MouseEvent| on_row_click(&ev, changes, host);
    let on_dialog_click = move |ev: leptos::ev::MouseEvent| {
        if let Some((_, PageAction::Close)) = clicked(&ev) {
            changes.dismiss();
        }
    };
    view! {
        <div class="page-header">
            <h1 id=PAGE_HEADING tabindex="-1">{HEADING}</h1>
            {may_manage.then(|| view! {
                <button type="button" class="btn btn--primary" on:click=move |_| { host.open_template(ADD_TEMPLATE); }>
                    "Add"
                </button>
            })}
        </div>
        <p class="lead">
            "Public keys let a web page start web calls without a server of its own. A public key is not a secret: it works only from its allowed domains, only to create web calls, and only with its agents."
        </p>
        <p class="notice">
            "Never put an API key in a web page. Use a public key there instead."
        </p>
        <p class="status" role="status">{move || changes.status.get()}</p>
        {move || changes.page_error.get().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
        <div class="key-list" node_ref=list on:click=on_list_click>
            {children()}
        </div>
        <dialog
            node_ref=host.node
            class="dialog"
            on:submit=move |ev| changes.on_submit(&ev)
            on:click=on_dialog_click
            on:keydown=move |ev| host.on_keydown(&ev, move || changes.dismiss())
            on:cancel=move |ev: leptos::ev::Event| {
                ev.prevent_default();
                changes.dismiss();
            }
        ></dialog>
    }
}

/// A click in the list: Copy at once; Edit asks the server for the key's
/// form; Delete asks first.
fn on_row_click(ev: &leptos::ev::MouseEvent, changes: Changes, host: DialogHost) {
    let Some((button, action)) = clicked(ev) else {
        return;
    };
    let id = button.get_attribute(attr::KEY).and_then(|v| key_of(&v));
    let name = button.get_attribute(attr::NAME).unwrap_or_default();
    match (action, id) {
        (PageAction::Copy, _) => changes.copy(&button),
        (PageAction::Edit, Some(id)) => {
            leptos::task::spawn_local(async move {
                match render_public_key_form(id).await {
                    Ok(html) => host.open(&html),
                    Err(err) => changes.page_error.set(Some(err)),
                }
            });
        }
        (PageAction::AskDelete, Some(id)) => {
            changes.ask_delete(id, name.clone());
            if let Some(dialog) = host.open_template(DELETE_TEMPLATE)
                && let Ok(Some(place)) = dialog.query_selector(&has(attr::DELETE_NAME))
            {
                place.set_text_content(Some(&name));
            }
        }
        _ => {}
    }
}

/// The button a click came from, and what it does on this page.
fn clicked(ev: &leptos::ev::MouseEvent) -> Option<(Element, PageAction)> {
    let (button, slug) = clicked_action(ev)?;
    Some((button, PageAction::from_slug(&slug)?))
}
