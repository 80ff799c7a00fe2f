//! A labelled text input whose error sits next to it: `aria-invalid`, the
//! message linked with `aria-describedby` and announced with `role="alert"`.

use leptos::prelude::*;

#[component]
pub fn TextField(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into, default = "text".to_owned())] input_type: String,
    #[prop(into, optional)] autocomplete: Option<String>,
    #[prop(into, optional)] hint: Option<String>,
    #[prop(optional)] autofocus: bool,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let describedby = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        let has_hint = hint.is_some();
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
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id>{h}</p> })}
            <input
                id=id
                type=input_type
                autocomplete=autocomplete
                autofocus=autofocus
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
