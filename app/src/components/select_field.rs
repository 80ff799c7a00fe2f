//! A labelled `<select>` whose error sits next to it, like `TextField`.

use leptos::prelude::*;

use super::text_field::describedby;

#[component]
pub fn SelectField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    /// `(value, label)` pairs, in display order.
    options: Vec<(String, String)>,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(optional)] autofocus: bool,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let describedby = describedby(&id, false, error);
    let options = options
        .into_iter()
        .map(|(v, text)| {
            let selected = {
                let v = v.clone();
                move || value.with(|current| *current == v)
            };
            view! { <option value=v selected=selected>{text}</option> }
        })
        .collect_view();
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select
                id=id
                autofocus=autofocus
                on:change=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || error.with(|e| e.as_ref().map(|_| "true"))
                aria-describedby=describedby
            >
                {options}
            </select>
            {move || {
                error.get().map(|m| view! { <p class="field-error" id=error_id.clone() role="alert">{m}</p> })
            }}
        </div>
    }
}
