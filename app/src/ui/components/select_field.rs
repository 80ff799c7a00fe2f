//! A labelled `<select>` as server HTML, with the place its error goes
//! (see `FieldError`).

use leptos::prelude::*;

use super::field_error::{ControlIds, FieldError};

#[component]
pub fn SelectField(
    id: &'static str,
    label: &'static str,
    /// The form field's name, which is also the name the server gives its
    /// errors (`AppError::Invalid::field`).
    name: &'static str,
    /// `(value, label)` pairs, in display order.
    options: Vec<(String, String)>,
    selected: String,
    #[prop(optional)] autofocus: bool,
    /// Shown, not changeable: for a viewer whose role may not change it.
    #[prop(optional)]
    disabled: bool,
    #[prop(default = None)] hint: Option<String>,
    /// A message the server already has for it (a plain post refused).
    #[prop(default = None)]
    error: Option<String>,
) -> impl IntoView {
    let ControlIds {
        hint_id,
        error_id,
        described,
    } = ControlIds::of(id, hint.is_some(), error.is_some());
    let invalid = error.is_some();
    let options = options
        .into_iter()
        .map(|(value, text)| {
            let is_selected = value == selected;
            view! { <option value=value selected=is_selected>{text}</option> }
        })
        .collect_view();
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id.clone()>{h}</p> })}
            <select
                id=id
                name=name
                autofocus=autofocus
                disabled=disabled
                data-field=name
                aria-invalid=invalid.then_some("true")
                aria-describedby=described
                data-describedby=hint_id
            >
                {options}
            </select>
            <FieldError id=error_id field=name message=error />
        </div>
    }
}
