//! Errors next to the fields of a form the server rendered (the API Keys
//! dialogs). The markup carries where each error goes; the browser only
//! fills it in, so the dialogs' views stay out of the WASM bundle.
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

/// Where the error of `field` goes (`""`: the form's own errors).
#[component]
pub fn FieldError(
    #[prop(into)] id: String,
    field: &'static str,
    /// `form-error` under the form, `field-error` beside a field.
    #[prop(default = "field-error")]
    class: &'static str,
) -> impl IntoView {
    view! { <p class=class id=id data-error-for=field role="alert" hidden></p> }
}

/// Shows `err` in `form`: beside its field when it names one the form
/// has, else in the form's own place. Returns the control it was about, to
/// focus.
pub fn show_error(form: &Element, err: &AppError) -> Option<HtmlElement> {
    clear_errors(form);
    let field = match err {
        AppError::Invalid { field, .. } => field.as_str(),
        _ => "",
    };
    let message = match err {
        AppError::Invalid { message, .. } => message.clone(),
        other => other.to_string(),
    };
    let slot = find(form, &format!("[data-error-for=\"{field}\"]"))
        .or_else(|| find(form, "[data-error-for=\"\"]"))?;
    slot.set_text_content(Some(&message));
    slot.set_hidden(false);
    let control = find(form, &format!("[data-field=\"{field}\"]")).filter(|_| !field.is_empty())?;
    let _ = control.set_attribute("aria-invalid", "true");
    let described = match control.get_attribute("data-describedby") {
        Some(own) => format!("{own} {}", slot.id()),
        None => slot.id(),
    };
    let _ = control.set_attribute("aria-describedby", &described);
    Some(control)
}

/// Hides every error in `form` and gives each control its own description
/// back.
pub fn clear_errors(form: &Element) {
    for slot in all(form, "[data-error-for]") {
        slot.set_hidden(true);
        slot.set_text_content(None);
    }
    for control in all(form, "[data-field]") {
        let _ = control.remove_attribute("aria-invalid");
        let _ = match control.get_attribute("data-describedby") {
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
