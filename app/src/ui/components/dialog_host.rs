//! A page's one `<dialog>`: it shows markup from the server, keeps Tab
//! inside, and gives focus back when it closes. Every page with dialogs
//! (API Keys, Members, Public Keys) opens them through one of these.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::ui::components::dialog::{focus_by_label, focus_page_heading, wrap_focus};
use crate::ui::names::{self, has};

#[derive(Clone, Copy)]
pub struct DialogHost {
    pub node: NodeRef<leptos::html::Dialog>,
    /// What had focus when the dialog opened, to give it back. A browser
    /// object, set only in the browser: empty on the server, where the
    /// page's owner may be dropped on another thread than the one that
    /// rendered it.
    opener: StoredValue<Option<SendWrapper<HtmlElement>>>,
}

impl Default for DialogHost {
    fn default() -> Self {
        Self::new()
    }
}

impl DialogHost {
    pub fn new() -> Self {
        Self {
            node: NodeRef::new(),
            opener: StoredValue::new(None),
        }
    }

    /// Shows `html` in the dialog, opening it if it is closed.
    pub fn open(self, html: &str) {
        let Some(d) = self.node.get_untracked() else {
            return;
        };
        if !d.open() {
            self.opener.set_value(
                document()
                    .active_element()
                    .and_then(|el| el.dyn_into::<HtmlElement>().ok())
                    .map(SendWrapper::new),
            );
        }
        d.set_inner_html(html);
        name_dialog(&d);
        if !d.open() {
            let _ = d.show_modal();
        }
    }

    /// Closes the dialog, removes its markup (a secret shown once must not
    /// stay in the page) and gives focus back.
    pub fn close(self) {
        let Some(d) = self.node.get_untracked() else {
            return;
        };
        d.close();
        d.set_inner_html("");
        match self
            .opener
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
    }

    /// Shows the dialog a `<template>` of the page holds (by its id);
    /// answers the dialog, for the page to fill in.
    pub fn open_template(self, template: &str) -> Option<web_sys::Element> {
        let html = document().get_element_by_id(template)?.inner_html();
        self.open(&html);
        self.node.get_untracked().map(web_sys::Element::from)
    }

    /// Escape dismisses (as `dismiss` allows); Tab stays inside.
    pub fn on_keydown(self, ev: &leptos::ev::KeyboardEvent, dismiss: impl Fn()) {
        match ev.key().as_str() {
            "Escape" => {
                ev.prevent_default();
                dismiss();
            }
            "Tab" => {
                if let Some(d) = self.node.get_untracked() {
                    wrap_focus(&d, ev);
                }
            }
            _ => {}
        }
    }
}

/// Names the dialog after the heading its content says
/// (`data-labelledby`), and describes it the same way.
fn name_dialog(dialog: &web_sys::HtmlDialogElement) {
    let root = dialog
        .query_selector(&has(names::attr::LABELLEDBY))
        .ok()
        .flatten();
    for (data, aria) in [
        (names::attr::LABELLEDBY, "aria-labelledby"),
        (names::attr::DESCRIBEDBY, "aria-describedby"),
    ] {
        let _ = match root.as_ref().and_then(|r| r.get_attribute(data)) {
            Some(id) => dialog.set_attribute(aria, &id),
            None => dialog.remove_attribute(aria),
        };
    }
}

/// The button a click came from, and what it does: the slug of its
/// `data-action`, for the page to read as its own actions.
pub fn clicked_action(ev: &leptos::ev::MouseEvent) -> Option<(web_sys::Element, String)> {
    let button = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())?
        .closest(&format!("button{}", has(names::attr::ACTION)))
        .ok()??;
    let action = button.get_attribute(names::attr::ACTION)?;
    Some((button, action))
}
