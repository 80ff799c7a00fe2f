//! What the island does to the server's markup: finding the element a
//! click came from, naming and filling the dialog, showing errors, the
//! busy state and the new secret, and putting focus back.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlFormElement};

use super::names::{DialogAction, attr, fields, ids, parse_levels_attr};
use crate::model::error::AppError;
use crate::model::keys::NewSecret;
use crate::model::permissions::{Group, Level};
use crate::ui::components::field_error::show_error;
use crate::ui::names::{self, by_id, has, is};

/// The element the event came from, or its nearest ancestor, matching
/// `selector`.
pub(super) fn closest(ev: &leptos::ev::MouseEvent, selector: &str) -> Option<Element> {
    ev.target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|el| el.closest(selector).ok().flatten())
}

/// Shows the error beside its field, and puts focus on a name that was
/// refused, to correct it.
pub(super) fn show_form_error(form: &HtmlFormElement, err: &AppError) {
    if let Some(control) = show_error(form, err)
        && err.message_for(fields::NAME).is_some()
    {
        let _ = control.focus();
    }
}

/// The form makes way for the new secret, shown this once.
pub(super) fn reveal_secret(form: &HtmlFormElement, new: &NewSecret) {
    let Some(content) = form.parent_element() else {
        return;
    };
    let find = |selector: &str| content.query_selector(selector).ok().flatten();
    let (Some(reveal), Some(secret)) =
        (find(&has(attr::REVEAL)), find(&by_id(ids::NEW_KEY_SECRET)))
    else {
        return;
    };
    if let Some(name) = find(&has(attr::REVEAL_NAME)) {
        name.set_text_content(Some(&new.name));
    }
    secret.set_text_content(Some(&new.secret));
    form.set_hidden(true);
    let _ = reveal.remove_attribute("hidden");
    if let Some(dialog) = content.parent_element() {
        let _ = dialog.set_attribute("aria-labelledby", ids::SECRET_TITLE);
        let _ = dialog.remove_attribute("aria-describedby");
    }
    if let Some(done) = reveal
        .query_selector(&is(names::attr::ACTION, DialogAction::Close.slug()))
        .ok()
        .flatten()
        .and_then(|b| b.dyn_into::<HtmlElement>().ok())
    {
        let _ = done.focus();
    }
}

/// **Copy**: the secret beside the button, to the clipboard.
pub(super) fn copy_secret(button: &Element) {
    let Some(reveal) = button.closest(&has(attr::REVEAL)).ok().flatten() else {
        return;
    };
    let find = |selector: &str| reveal.query_selector(selector).ok().flatten();
    let secret = find(&by_id(ids::NEW_KEY_SECRET))
        .and_then(|s| s.text_content())
        .unwrap_or_default();
    let status = find(&has(attr::COPY_STATUS));
    leptos::task::spawn_local(async move {
        let promise = window().navigator().clipboard().write_text(&secret);
        let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
        if let Some(status) = status {
            status.set_text_content(Some(if ok {
                "Copied to the clipboard."
            } else {
                "Could not copy: select the key and copy it yourself."
            }));
        }
    });
}

/// **Restrict to what it used**: the switch on, and each group at the
/// level the key used (No Access where it used none), as the button's
/// `data-levels` says. Saving is still the person's choice.
pub(super) fn restrict_to(button: &Element) {
    let Some(form) = button.closest("form").ok().flatten() else {
        return;
    };
    let levels = parse_levels_attr(&button.get_attribute(attr::LEVELS).unwrap_or_default());
    let check = |selector: &str| {
        if let Some(input) = form
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|i| i.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.set_checked(true);
        }
    };
    check(&format!("input{}", is("name", fields::RESTRICTED)));
    for group in Group::ALL {
        let level = levels.get(&group).copied().unwrap_or(Level::NoAccess);
        check(&format!(
            "input{}{}",
            is("name", &fields::level(group)),
            is("value", level.slug())
        ));
    }
}
