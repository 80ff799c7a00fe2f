//! Sending a dialog's form, and showing what the server did: the error
//! beside its field, the new secret once, or the list again.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use web_sys::HtmlFormElement;

use super::dom::{reveal_secret, show_form_error};
use super::form::{Change, read_form};
use super::refresh::{FocusAfterRefresh, ListRefresh};
use crate::model::error::AppError;
use crate::model::keys::NewSecret;
use crate::server_fns::keys::{create_key, delete_key, roll_key, update_key};
use crate::ui::components::dialog_host::DialogHost;
use crate::ui::components::field_error::clear_errors;
use crate::ui::components::pending::is_pending;
use crate::ui::components::submit::show_pending;

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
        Change::Roll(id, grace, expires) => roll_key(id, grace, Some(expires))
            .await
            .map(Changed::Rolled),
        Change::Delete(id, name) => delete_key(id).await.map(|()| Changed::Deleted(name)),
    }
}

/// The change on its way, if any, and the form it came from.
#[derive(Clone, Copy)]
pub(super) struct Changes {
    action: Action<Change, Result<Changed, AppError>>,
    /// The form whose change is on its way, to show the answer in (a
    /// browser object: see `DialogHost::opener`).
    sending: StoredValue<Option<SendWrapper<HtmlFormElement>>>,
    host: DialogHost,
    refresh: ListRefresh,
}

impl Changes {
    pub fn new(host: DialogHost, refresh: ListRefresh) -> Self {
        let this = Self {
            action: Action::new(|change: &Change| send(change.clone())),
            sending: StoredValue::new(None),
            host,
            refresh,
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
        this
    }

    /// Whether a change is on its way.
    pub fn pending(self) -> bool {
        is_pending(self.action.pending())()
    }

    /// The form the change came from, if its dialog is still open.
    fn form(self) -> Option<HtmlFormElement> {
        self.sending
            .with_value(|f| f.as_deref().cloned())
            .filter(|f| f.is_connected())
    }

    fn show_answer(self, result: Result<Changed, AppError>) {
        // A new secret: the list again, and the secret shown this once.
        let revealed = |verb: &str, new: &NewSecret| {
            self.refresh.after_change(
                format!("{verb} “{}”.", new.name),
                FocusAfterRefresh::Button(format!("Edit {}", new.name)),
            );
            if let Some(form) = self.form() {
                reveal_secret(&form, new);
            }
        };
        match result {
            Ok(Changed::Created(new)) => revealed("Created", &new),
            Ok(Changed::Rolled(new)) => revealed("Rolled", &new),
            Ok(Changed::Saved(name)) => {
                self.host.close();
                self.refresh.after_change(
                    format!("Saved “{name}”."),
                    FocusAfterRefresh::Button(format!("Edit {name}")),
                );
            }
            Ok(Changed::Deleted(name)) => {
                self.host.close();
                self.refresh
                    .after_change(format!("Deleted “{name}”."), FocusAfterRefresh::Heading);
            }
            Err(err) => {
                if let Some(form) = self.form() {
                    show_form_error(&form, &err);
                }
            }
        }
    }

    /// A dialog's form was sent: read it, check it, send it.
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
        match read_form(&form) {
            Ok(request) => {
                clear_errors(&form);
                self.sending.set_value(Some(SendWrapper::new(form)));
                self.action.dispatch(request);
            }
            Err(err) => show_form_error(&form, &err),
        }
    }

    /// Cancel, Close, Done and Escape. Not while a change is on its way:
    /// the answer may be a secret shown only once, in this dialog.
    pub fn dismiss(self) {
        if !self.pending() {
            self.host.close();
        }
    }
}
