//! `MembersManager`, the page's one island: Invite member, the rows'
//! Role selects, Remove and Revoke buttons, the dialog, and the list
//! again after each change.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlSelectElement};

use super::changes::{Change, Changes};
use super::names::{INVITE_TEMPLATE, PageAction, REMOVE_TEMPLATE, attr, invitation_of, member_of};
use crate::model::roles::Role;
use crate::ui::components::dialog_host::{DialogHost, clicked_action};
use crate::ui::components::hydrated::island_hydrated;
use crate::ui::names::{PAGE_HEADING, has};

/// An island of its own chunk: only this page needs it, so the API Keys
/// page's first load does not carry it.
#[island(lazy)]
pub(super) fn MembersManager(admin: bool, children: Children) -> impl IntoView {
    island_hydrated();
    let host = DialogHost::new();
    let list = NodeRef::<leptos::html::Div>::new();
    let changes = Changes::new(host, list);
    let open = move |template: &str| host.open_template(template);
    let on_list_click = move |ev: leptos::ev::MouseEvent| on_row_click(&ev, changes, host);
    let on_list_change = move |ev: leptos::ev::Event| on_role_change(&ev, changes);
    let on_dialog_click = move |ev: leptos::ev::MouseEvent| match clicked(&ev) {
        Some((_, PageAction::Close)) => changes.dismiss(),
        Some((button, PageAction::Copy)) => super::changes::copy_link(&button),
        _ => {}
    };
    view! {
        <div class="page-header">
            <h1 id=PAGE_HEADING tabindex="-1">"Members"</h1>
            {admin.then(|| view! {
                <button type="button" class="btn btn--primary" on:click=move |_| { open(INVITE_TEMPLATE); }>
                    "Invite member"
                </button>
            })}
        </div>
        <p class="lead">
            "Everyone in your organization and their role. Admins manage members; Admins and Developers manage API keys, public keys and webhooks; Members can see them."
        </p>
        <p class="status" role="status">{move || changes.status.get()}</p>
        {move || changes.page_error.get().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
        <div class="member-list" node_ref=list on:click=on_list_click on:change=on_list_change>
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

/// A click in the list: Revoke sends at once; Remove asks first.
fn on_row_click(ev: &leptos::ev::MouseEvent, changes: Changes, host: DialogHost) {
    let Some((button, action)) = clicked(ev) else {
        return;
    };
    let email = button.get_attribute(attr::EMAIL).unwrap_or_default();
    match action {
        PageAction::Revoke => {
            if let Some(id) = button
                .get_attribute(attr::INVITATION)
                .and_then(|v| invitation_of(&v))
            {
                changes.send(Change::Revoke(id, email), None);
            }
        }
        PageAction::AskRemove => {
            let Some(user) = button
                .get_attribute(attr::MEMBER)
                .and_then(|v| member_of(&v))
            else {
                return;
            };
            changes.ask_remove(user, email.clone());
            if let Some(dialog) = host.open_template(REMOVE_TEMPLATE)
                && let Ok(Some(place)) = dialog.query_selector(&has(attr::REMOVE_EMAIL))
            {
                place.set_text_content(Some(&email));
            }
        }
        _ => {}
    }
}

/// A Role select changed: the new role is saved at once; a refusal shows
/// beside it.
fn on_role_change(ev: &leptos::ev::Event, changes: Changes) {
    let Some(select) = ev
        .target()
        .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
    else {
        return;
    };
    let user = select
        .get_attribute(attr::MEMBER)
        .and_then(|v| member_of(&v));
    let role = Role::from_slug(&select.value());
    if let Some((user, role)) = user.zip(role) {
        let email = select.get_attribute(attr::EMAIL).unwrap_or_default();
        changes.send(Change::Role(user, role, email), select.parent_element());
    }
}

/// The button a click came from, and what it does on this page.
fn clicked(ev: &leptos::ev::MouseEvent) -> Option<(Element, PageAction)> {
    let (button, slug) = clicked_action(ev)?;
    Some((button, PageAction::from_slug(&slug)?))
}
