//! The rows' buttons: one click listener for all of them, which reads
//! what to do and to which key from `data-action` and `data-key`.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::dom::closest;
use super::fragments::render_key_dialog;
use super::names::{RowAction, attr, ids};
use super::refresh::{FocusAfterRefresh, ListRefresh};
use crate::model::error::AppError;
use crate::model::keys::{KeyDialog, KeyId};
use crate::server_fns::keys::set_webhook_key;
use crate::ui::components::dialog_host::DialogHost;
use crate::ui::components::last_asked::LastAsked;
use crate::ui::components::pending::is_pending;
use crate::ui::names::{self, has, is};

#[derive(Clone, Copy)]
pub(super) struct Rows {
    /// A row's dialog, rendered on the server for its key. Two clicks in
    /// quick succession open the second.
    fetch_dialog: LastAsked<(KeyId, KeyDialog), Result<String, AppError>>,
    set_webhook: Action<(KeyId, String), Result<String, AppError>>,
}

impl Rows {
    pub fn new(host: DialogHost, refresh: ListRefresh) -> Self {
        let fetch_dialog =
            LastAsked::new(move |(id, which): &(KeyId, KeyDialog)| render_key_dialog(*id, *which));
        Effect::new(move |_| match fetch_dialog.answer() {
            Some(Ok(html)) => host.open(&html),
            Some(Err(err)) => refresh.page_error.set(Some(err)),
            None => {}
        });
        let set_webhook = Action::new(move |(id, name): &(KeyId, String)| {
            let (id, name) = (*id, name.clone());
            async move { set_webhook_key(id).await.map(|()| name) }
        });
        Effect::new(move |_| match set_webhook.value().get() {
            Some(Ok(name)) => refresh.after_change(
                format!("“{name}” is now the webhook key."),
                FocusAfterRefresh::Button(format!("Edit {name}")),
            ),
            Some(Err(err)) => refresh.page_error.set(Some(err)),
            None => {}
        });
        disable_webhook_buttons_while(is_pending(set_webhook.pending()), refresh.list);
        Self {
            fetch_dialog,
            set_webhook,
        }
    }

    /// A click anywhere in the list.
    pub fn on_click(self, ev: &leptos::ev::MouseEvent) {
        let Some(button) = closest(ev, &format!("button{}", has(names::attr::ACTION))) else {
            return;
        };
        let action = button
            .get_attribute(names::attr::ACTION)
            .and_then(|a| RowAction::from_slug(&a));
        let id = button
            .get_attribute(attr::KEY)
            .and_then(|id| id.parse().ok())
            .map(KeyId);
        let Some((action, id)) = action.zip(id) else {
            return;
        };
        match action {
            RowAction::SetWebhook => {
                let name = document()
                    .get_element_by_id(&ids::key_name(id))
                    .and_then(|el| el.text_content())
                    .unwrap_or_default();
                self.set_webhook.dispatch((id, name));
            }
            RowAction::Open(which) => self.fetch_dialog.dispatch((id, which)),
        }
    }
}

/// The rows' webhook buttons are the server's markup, not views: they are
/// disabled here while one change of webhook key is on its way.
fn disable_webhook_buttons_while(
    pending: impl Fn() -> bool + Send + Sync + 'static,
    list: NodeRef<leptos::html::Div>,
) {
    let selector = format!(
        "button{}",
        is(names::attr::ACTION, RowAction::SetWebhook.slug())
    );
    Effect::new(move |_| {
        let pending = pending();
        if let Some(el) = list.get()
            && let Ok(buttons) = el.query_selector_all(&selector)
        {
            for button in (0..buttons.length()).filter_map(|i| buttons.item(i)) {
                if let Ok(button) = button.dyn_into::<web_sys::HtmlButtonElement>() {
                    button.set_disabled(pending);
                }
            }
        }
    });
}
