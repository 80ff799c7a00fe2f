//! Errors next to the fields of a form the server rendered: the one way
//! every form shows them (the API Keys dialogs, sign-in and sign-up, the
//! webhook URL). The markup carries where each error goes; the browser
//! only fills it in, so the forms' views stay out of the WASM bundle. An
//! error the server already knows (a form posted before hydration) is
//! rendered in place, the same way.
//!
//! - A control says which of the server's field names it is, in
//!   `data-field` (the name `AppError::Invalid::field` uses), and its own
//!   description in `data-describedby`.
//! - Next to it, `FieldError` is an empty, hidden `role="alert"` with
//!   `data-error-for` naming the same field. One with an empty name takes
//!   every error no field claims.
//!
//! `show_error` puts a message in its place, marks the control
//! `aria-invalid` and adds the message to its description; `clear_errors`
//! undoes all of that.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use crate::model::error::AppError;
use crate::ui::names::{attr, has, is};

/// Where the error of `field` goes (`""`: the form's own errors); shown
/// at once when the server already has its `message`.
#[component]
pub fn FieldError(
    #[prop(into)] id: String,
    field: &'static str,
    /// `form-error` under the form, `field-error` beside a field.
    #[prop(default = "field-error")]
    class: &'static str,
    #[prop(default = None)] message: Option<String>,
) -> impl IntoView {
    let hidden = message.is_none();
    view! { <p class=class id=id data-error-for=field role="alert" hidden=hidden>{message}</p> }
}

/// The error of a form the server renders, split for its places: the
/// message of each field in `fields`, and the form's own (`form`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KnownError(Option<AppError>);

impl KnownError {
    pub fn new(err: Option<AppError>) -> Self {
        Self(err)
    }

    /// The message for `field`'s place.
    pub fn field(&self, field: &str) -> Option<String> {
        self.0.as_ref().and_then(|e| e.message_for(field))
    }

    /// The message no field of `fields` takes.
    pub fn form(&self, fields: &[&str]) -> Option<String> {
        self.0
            .as_ref()
            .filter(|e| !matches!(e, AppError::Invalid { field, .. } if fields.contains(&field.as_str())))
            .map(ToString::to_string)
    }
}

/// The ids a labelled control of server markup points at: its hint's (if
/// it has one), its error place's, and what its `aria-describedby` says
/// at first: the hint, and the error while it shows one (a plain post
/// refused); empty for nothing.
pub struct ControlIds {
    pub hint_id: Option<String>,
    pub error_id: String,
    pub described: Option<String>,
}

impl ControlIds {
    pub fn of(id: &str, has_hint: bool, invalid: bool) -> ControlIds {
        let hint_id = has_hint.then(|| format!("{id}-hint"));
        let error_id = format!("{id}-error");
        let described = [hint_id.clone(), invalid.then(|| error_id.clone())]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        ControlIds {
            hint_id,
            error_id,
            described: (!described.is_empty()).then_some(described),
        }
    }
}

/// Shows `err` in `form`: beside its field when it names one the form
/// has, else in the form's own place. Returns the control it was about, to
/// focus.
pub fn show_error(form: &Element, err: &AppError) -> Option<HtmlElement> {
    show_errors(form, std::slice::from_ref(err))
}

/// Shows each of `errs` in `form`, as `show_error` does one, after hiding
/// those shown before. Returns the control of the first that names one.
pub fn show_errors(form: &Element, errs: &[AppError]) -> Option<HtmlElement> {
    clear_errors(form);
    errs.iter()
        .filter_map(|err| place_error(form, err))
        .reduce(|first, _| first)
}

fn place_error(form: &Element, err: &AppError) -> Option<HtmlElement> {
    let field = match err {
        AppError::Invalid { field, .. } => field.as_str(),
        _ => "",
    };
    let message = match err {
        AppError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    };
    let slot =
        find(form, &is(attr::ERROR_FOR, field)).or_else(|| find(form, &is(attr::ERROR_FOR, "")))?;
    slot.set_text_content(Some(&message));
    slot.set_hidden(false);
    let control = find(form, &is(attr::FIELD, field)).filter(|_| !field.is_empty())?;
    let _ = control.set_attribute("aria-invalid", "true");
    let described = match control.get_attribute(attr::DESCRIBEDBY) {
        Some(own) => format!("{own} {}", slot.id()),
        None => slot.id(),
    };
    let _ = control.set_attribute("aria-describedby", &described);
    Some(control)
}

/// Hides every error in `form` and gives each control its own description
/// back.
pub fn clear_errors(form: &Element) {
    for slot in all(form, &has(attr::ERROR_FOR)) {
        slot.set_hidden(true);
        slot.set_text_content(None);
    }
    for control in all(form, &has(attr::FIELD)) {
        let _ = control.remove_attribute("aria-invalid");
        let _ = match control.get_attribute(attr::DESCRIBEDBY) {
            Some(own) => control.set_attribute("aria-describedby", &own),
            None => control.remove_attribute("aria-describedby"),
        };
    }
}

fn find(root: &Element, selector: &str) -> Option<HtmlElement> {
    root.query_selector(selector)
        .ok()
        .flatten()
        .and_then(|el| el.dyn_into().ok())
}

fn all(root: &Element, selector: &str) -> Vec<HtmlElement> {
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into().ok())
        .collect()
}
