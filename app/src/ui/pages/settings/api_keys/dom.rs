//! What the island does to the server's markup: finding the element a
//! click came from, naming and filling the dialog, showing errors, the
//! busy state and the new secret, and putting focus back.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlFormElement};

use super::names::{DialogAction, attr, fields, ids, parse_levels_attr};
use crate::model::error::AppError;
use crate::model::keys::NewSecret;
use crate::model::permissions::{Group, Level};
use crate::ui::components::field_error::show_error;
use crate::ui::components::shown_once::{copy_shown, show_once};
use crate::ui::names::{has, is};

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

/// The form makes way for the new secret, shown this once, with the
/// key's name.
pub(super) fn reveal_secret(form: &HtmlFormElement, new: &NewSecret) {
    let shown = show_once(
        form,
        ids::NEW_KEY_SECRET,
        ids::SECRET_TITLE,
        &new.secret,
        DialogAction::Close.slug(),
    );
    if let Some(name) = shown.and_then(|s| s.query_selector(&has(attr::REVEAL_NAME)).ok().flatten())
    {
        name.set_text_content(Some(&new.name));
    }
}

/// **Copy**: the secret beside the button, to the clipboard.
pub(super) fn copy_secret(button: &Element) {
    copy_shown(button, ids::NEW_KEY_SECRET, "key");
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
