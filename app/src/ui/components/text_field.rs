//! A labelled text input whose error sits next to it: `aria-invalid`, the
//! message linked with `aria-describedby` and announced with `role="alert"`.

use leptos::prelude::*;

#[component]
pub fn TextField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into, default = "text".to_owned())] input_type: String,
    /// The form field name, for a form that also posts as plain HTML.
    #[prop(into, optional)]
    name: Option<String>,
    #[prop(into, optional)] autocomplete: Option<String>,
    #[prop(into, optional)] hint: Option<String>,
    #[prop(optional)] autofocus: bool,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    adopt_typed_value(&id, value);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let describedby = describedby(&id, hint.is_some(), error);
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id>{h}</p> })}
            <input
                id=id
                type=input_type
                name=name
                autocomplete=autocomplete
                autofocus=autofocus
                // The attribute carries the starting value in the server's
                // HTML (before hydration, or without JavaScript); the
                // property follows the signal afterwards.
                value=value.get_untracked()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || error.with(|e| e.as_ref().map(|_| "true"))
                aria-describedby=describedby
            />
            {move || {
                error.get().map(|m| view! { <p class="field-error" id=error_id.clone() role="alert">{m}</p> })
            }}
        </div>
    }
}

/// Until its island's code has arrived, the input is plain HTML, and a
/// person may already have typed into it (or the browser filled it in).
/// Hydration sets the input's `value` property from the signal, which would
/// wipe that; so in the browser the signal first takes what the input holds.
/// The component's body runs before its view is hydrated, so the property
/// is then set to the same text.
fn adopt_typed_value(id: &str, value: RwSignal<String>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        // Whatever it holds, emptied included: a saved URL cleared before
        // the code arrived stays cleared.
        let typed = document()
            .get_element_by_id(id)
            .and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok())
            .map(|input| input.value())
            .filter(|typed| *typed != value.get_untracked());
        if let Some(typed) = typed {
            value.set(typed);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (id, value);
}

/// `aria-describedby` of a field: its hint, if it has one, and its error
/// while there is one (ids `<id>-hint` and `<id>-error`).
pub fn describedby(
    id: &str,
    has_hint: bool,
    error: Signal<Option<String>>,
) -> impl Fn() -> Option<String> + use<> {
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    move || {
        let mut ids = Vec::new();
        if has_hint {
            ids.push(hint_id.clone());
        }
        if error.with(Option::is_some) {
            ids.push(error_id.clone());
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}
