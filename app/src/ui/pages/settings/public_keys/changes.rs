//! Sending the page's changes and showing what the server did: the error
//! beside its field, or the dialog closed and the list again.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlFormElement};

use super::fragments::public_key_table;
use super::names::{PageAction, attr, copy_label, edit_label, key_of};
use crate::model::error::AppError;
use crate::model::key_fields;
use crate::model::public_keys::{
    AGENTS_FIELD, ALLOWED_DOMAINS_FIELD, PublicKeyId, PublicKeyInput, WEB_CALLS_FIELD,
};
use crate::server_fns::public_keys::{create_public_key, delete_public_key, update_public_key};
use crate::ui::components::dialog::{focus_by_label, focus_page_heading};
use crate::ui::components::dialog_host::DialogHost;
use crate::ui::components::field_error::{clear_errors, show_error};
use crate::ui::components::last_asked::LastAsked;
use crate::ui::components::pending::is_pending;
use crate::ui::components::submit::show_pending;

/// A change the page asks for.
#[derive(Clone, Debug)]
pub(super) enum Change {
    Create(PublicKeyInput),
    Update(PublicKeyId, PublicKeyInput),
    /// The key, and its name for the message.
    Delete(PublicKeyId, String),
}

/// What to say once a change is done, and the label of the button to
/// focus in the list read again (the one that opened the dialog is
/// replaced with the list); `None`: the page heading.
type Done = (String, Option<String>);

/// The list again, and the label of the button to focus in it.
type Reloaded = (Result<String, AppError>, Option<String>);

/// Sends `change`.
async fn send(change: Change) -> Result<Done, AppError> {
    match change {
        Change::Create(input) => create_public_key(input).await.map(|key| {
            let said = format!("Created public key {}.", key.name);
            (said, Some(copy_label(&key.name)))
        }),
        Change::Update(id, input) => {
            let name = input.name.trim().to_owned();
            update_public_key(id, input)
                .await
                .map(|()| (format!("Saved {name}."), Some(edit_label(&name))))
        }
        Change::Delete(id, name) => delete_public_key(id)
            .await
            .map(|()| (format!("Deleted {name}."), None)),
    }
}

#[derive(Clone, Copy)]
pub(super) struct Changes {
    action: Action<Change, Result<Done, AppError>>,
    /// The form being sent (a browser object, set only in the browser).
    form: StoredValue<Option<SendWrapper<Element>>>,
    /// Which key the open Delete dialog is about.
    deleting: StoredValue<Option<(PublicKeyId, String)>>,
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
            form: StoredValue::new(None),
            deleting: StoredValue::new(None),
            reload: LastAsked::new(|focus: &Option<String>| {
                let focus = focus.clone();
                async move { (public_key_table().await, focus) }
            }),
            host,
            list,
            status: RwSignal::new(String::new()),
            page_error: RwSignal::new(None),
        };
        let changing = is_pending(this.action.pending());
        Effect::new(move |_| {
            let pending = changing();
            if let Some(form) = this.form() {
                show_pending(&form, pending);
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
                request_animation_frame(move || {
                    if !focus.is_some_and(|label| focus_by_label(&label)) {
                        focus_page_heading();
                    }
                });
            }
            Some((Err(err), _)) => this.page_error.set(Some(err)),
            None => {}
        });
        this
    }

    fn pending(self) -> bool {
        is_pending(self.action.pending())()
    }

    fn form(self) -> Option<Element> {
        self.form
            .with_value(|p| p.as_deref().cloned())
            .filter(|p| p.is_connected())
    }

    pub fn ask_delete(self, id: PublicKeyId, name: String) {
        self.deleting.set_value(Some((id, name)));
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
        if self.pending() {
            return;
        }
        let action = form
            .get_attribute(attr::SUBMIT)
            .and_then(|s| PageAction::from_slug(&s));
        let change = match action {
            Some(PageAction::Create) => Change::Create(input_of(&form)),
            Some(PageAction::Save) => {
                let Some(id) = form.get_attribute(attr::KEY).and_then(|v| key_of(&v)) else {
                    return;
                };
                Change::Update(id, input_of(&form))
            }
            Some(PageAction::Delete) => match self.deleting.get_value() {
                Some((id, name)) => Change::Delete(id, name),
                None => return,
            },
            _ => return,
        };
        clear_errors(&form);
        self.page_error.set(None);
        self.form.set_value(Some(SendWrapper::new(form.into())));
        self.action.dispatch(change);
    }

    fn show_answer(self, result: Result<Done, AppError>) {
        match result {
            Ok((message, focus)) => {
                self.host.close();
                self.status.set(message);
                self.reload.dispatch(focus);
            }
            Err(err) => match self.form() {
                Some(form) => {
                    if let Some(control) = show_error(&form, &err) {
                        let _ = control.focus();
                    }
                }
                None => self.page_error.set(Some(err)),
            },
        }
    }

    /// Cancel and Escape; not while a change is on its way.
    pub fn dismiss(self) {
        if !self.pending() {
            self.host.close();
        }
    }

    /// A row's Copy: the key to the clipboard; the status line says
    /// whether it worked.
    pub fn copy(self, button: &Element) {
        let text = button.get_attribute(attr::COPY).unwrap_or_default();
        leptos::task::spawn_local(async move {
            let promise = window().navigator().clipboard().write_text(&text);
            let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            self.status.set(if ok {
                "Copied the public key to the clipboard.".to_owned()
            } else {
                "Could not copy: select the key and copy it yourself.".to_owned()
            });
        });
    }
}

/// What the form says, as typed: the server checks it.
fn input_of(form: &HtmlFormElement) -> PublicKeyInput {
    let data = web_sys::FormData::new_with_form(form).ok();
    let value = |name: &str| {
        data.as_ref()
            .and_then(|d| d.get(name).as_string())
            .unwrap_or_default()
    };
    PublicKeyInput {
        name: value(key_fields::NAME),
        allowed_domains: value(ALLOWED_DOMAINS_FIELD),
        agents: value(AGENTS_FIELD),
        web_calls_per_minute: value(WEB_CALLS_FIELD),
    }
}
