//! Sending the page's changes and showing what the server did: the error
//! beside its control, the invitation link once, or the list again.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlFormElement};

use super::fragments::members_table;
use super::names::{PageAction, attr, fields, ids, role_label};
use crate::model::error::AppError;
use crate::model::members::{InvitationId, InvitationLink, InviteInput, UserId};
use crate::model::roles::Role;
use crate::server_fns::members::{change_role, invite_member, remove_member, revoke_invitation};
use crate::ui::components::dialog::focus_page_heading;
use crate::ui::components::dialog_host::DialogHost;
use crate::ui::components::field_error::{clear_errors, show_error};
use crate::ui::components::last_asked::LastAsked;
use crate::ui::components::pending::is_pending;
use crate::ui::components::shown_once::{copy_shown, show_once};
use crate::ui::components::submit::show_pending;
use crate::ui::names::is;

/// A change the page asks for; the email is for the message.
#[derive(Clone, Debug)]
pub(super) enum Change {
    Invite(InviteInput),
    Revoke(InvitationId, String),
    Role(UserId, Role, String),
    Remove(UserId, String),
}

#[derive(Clone, Debug)]
enum Changed {
    Invited(InvitationLink),
    /// What to say, and the label of the control to focus once the list is
    /// in place again (a Role select's own, which the new list replaces).
    Done(String, Option<String>),
}

async fn send(change: Change) -> Result<Changed, AppError> {
    match change {
        Change::Invite(input) => invite_member(input).await.map(Changed::Invited),
        Change::Revoke(id, email) => revoke_invitation(id)
            .await
            .map(|()| Changed::Done(format!("Revoked the invitation for {email}."), None)),
        Change::Role(user, role, email) => change_role(user, role).await.map(|()| {
            let said = format!("{email} is now {}.", role.label());
            Changed::Done(said, Some(role_label(&email)))
        }),
        Change::Remove(user, email) => remove_member(user)
            .await
            .map(|()| Changed::Done(format!("Removed {email}."), None)),
    }
}

/// The list again, and the label of the control to focus in it.
type Reloaded = (Result<String, AppError>, Option<String>);

#[derive(Clone, Copy)]
pub(super) struct Changes {
    action: Action<Change, Result<Changed, AppError>>,
    /// Where the answer's error goes: the dialog's form or a row's Role
    /// control (a browser object, set only in the browser).
    place: StoredValue<Option<SendWrapper<Element>>>,
    /// Whom the open Remove dialog is about.
    removing: StoredValue<Option<(UserId, String)>>,
    reload: LastAsked<Option<String>, Reloaded>,
    host: DialogHost,
    list: NodeRef<leptos::html::Div>,
    pub status: RwSignal<String>,
    pub page_error: RwSignal<Option<AppError>>,
}

impl Changes {
    pub fn new(host: DialogHost, list: NodeRef<leptos::html::Div>) -> Self {
        let this = Self {
            action: Action::new(|change: &Change| send(change.clone())),
            place: StoredValue::new(None),
            removing: StoredValue::new(None),
            reload: LastAsked::new(|focus: &Option<String>| {
                let focus = focus.clone();
                async move { (members_table().await, focus) }
            }),
            host,
            list,
            status: RwSignal::new(String::new()),
            page_error: RwSignal::new(None),
        };
        let changing = is_pending(this.action.pending());
        Effect::new(move |_| {
            let pending = changing();
            if let Some(place) = this.place() {
                show_pending(&place, pending);
            }
        });
        Effect::new(move |_| {
            if let Some(result) = this.action.value().get() {
                this.show_answer(result);
            }
        });
        Effect::new(move |_| match this.reload.answer() {
            Some((Ok(html), focus)) => {
                if let Some(el) = this.list.get_untracked() {
                    el.set_inner_html(&html);
                }
                if let Some(label) = focus {
                    request_animation_frame(move || focus_select(&label));
                }
            }
            Some((Err(err), _)) => this.page_error.set(Some(err)),
            None => {}
        });
        this
    }

    fn pending(self) -> bool {
        is_pending(self.action.pending())()
    }

    fn place(self) -> Option<Element> {
        self.place
            .with_value(|p| p.as_deref().cloned())
            .filter(|p| p.is_connected())
    }

    /// Sends `change`; its error shows in `place` (or the page's).
    pub fn send(self, change: Change, place: Option<Element>) {
        if self.pending() {
            return;
        }
        if let Some(place) = &place {
            clear_errors(place);
        }
        self.page_error.set(None);
        self.place.set_value(place.map(SendWrapper::new));
        self.action.dispatch(change);
    }

    pub fn ask_remove(self, user: UserId, email: String) {
        self.removing.set_value(Some((user, email)));
    }

    /// A dialog's form was sent.
    pub fn on_submit(self, ev: &leptos::ev::SubmitEvent) {
        ev.prevent_default();
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        let change = match form
            .get_attribute(attr::SUBMIT)
            .and_then(|s| PageAction::from_slug(&s))
        {
            Some(PageAction::Invite) => Change::Invite(InviteInput {
                email: value_of(&form, fields::EMAIL),
                role: value_of(&form, fields::ROLE),
            }),
            Some(PageAction::Remove) => match self.removing.get_value() {
                Some((user, email)) => Change::Remove(user, email),
                None => return,
            },
            _ => return,
        };
        self.send(change, Some(form.into()));
    }

    fn show_answer(self, result: Result<Changed, AppError>) {
        match result {
            Ok(Changed::Invited(link)) => {
                self.status.set("Invitation created.".into());
                if let Some(form) = self.place() {
                    reveal_link(&form, &link);
                }
                self.reload.dispatch(None);
            }
            Ok(Changed::Done(message, focus)) => {
                if self.host.node.get_untracked().is_some_and(|d| d.open()) {
                    self.host.close();
                } else {
                    focus_page_heading();
                }
                self.status.set(message);
                self.reload.dispatch(focus);
            }
            Err(err) => match self.place() {
                Some(place) => {
                    revert_select(&place);
                    if let Some(control) = show_error(&place, &err) {
                        let _ = control.focus();
                    }
                }
                None => self.page_error.set(Some(err)),
            },
        }
    }

    /// Cancel, Done and Escape; not while a change is on its way (the
    /// answer may be the link, shown only once, in this dialog).
    pub fn dismiss(self) {
        if !self.pending() {
            self.host.close();
        }
    }
}

fn value_of(form: &HtmlFormElement, name: &str) -> String {
    web_sys::FormData::new_with_form(form)
        .ok()
        .and_then(|data| data.get(name).as_string())
        .unwrap_or_default()
}

/// Focuses the select named `label`, else the page heading: the list
/// that had the focused control was replaced.
fn focus_select(label: &str) {
    let found = document()
        .query_selector(&format!("select{}", is("aria-label", label)))
        .ok()
        .flatten()
        .and_then(|el| el.dyn_into::<HtmlElement>().ok());
    match found {
        Some(select) => {
            let _ = select.focus();
        }
        None => focus_page_heading(),
    }
}

/// A Role select the server refused goes back to the role it had.
fn revert_select(place: &Element) {
    if let Ok(Some(select)) = place.query_selector("select")
        && let Ok(select) = select.dyn_into::<web_sys::HtmlSelectElement>()
        && let Some(current) = select.get_attribute(attr::CURRENT)
    {
        select.set_value(&current);
    }
}

/// The form makes way for the link, shown this once, with this page's
/// origin in front.
fn reveal_link(form: &Element, link: &InvitationLink) {
    let origin = window().location().origin().unwrap_or_default();
    let link = format!("{origin}{}", link.0);
    show_once(
        form,
        ids::INVITATION_LINK,
        ids::LINK_TITLE,
        &link,
        PageAction::Close.slug(),
    );
}

/// **Copy**: the link beside the button, to the clipboard.
pub(super) fn copy_link(button: &Element) {
    copy_shown(button, ids::INVITATION_LINK, "link");
}
