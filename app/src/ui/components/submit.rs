//! The button that sends a server-rendered form, and its busy state: it
//! reads `pending_label` and cannot be pressed twice while the server
//! answers. The island that sends the form calls `show_pending`.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

use crate::ui::names::attr;

/// A dialog's **Cancel**: `close` is the page's own action for closing
/// (its island closes the dialog on it).
#[component]
pub fn CancelButton(close: &'static str, #[prop(optional)] autofocus: bool) -> impl IntoView {
    view! {
        <button type="button" class="btn" data-action=close autofocus=autofocus>
            "Cancel"
        </button>
    }
}

#[component]
pub fn SubmitButton(
    label: &'static str,
    pending_label: &'static str,
    #[prop(default = "btn btn--primary")] class: &'static str,
    /// What it saves, where its label alone does not say ("Save" beside
    /// another form's "Save policy").
    #[prop(optional)]
    describedby: Option<&'static str>,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class=class
            data-pending-label=pending_label
            aria-describedby=describedby
        >
            {label}
        </button>
    }
}

/// Puts `form`'s send button in its busy state, or back.
pub fn show_pending(form: &Element, pending: bool) {
    let Some(button) = form
        .query_selector("button[type=submit]")
        .ok()
        .flatten()
        .and_then(|b| b.dyn_into::<web_sys::HtmlButtonElement>().ok())
    else {
        return;
    };
    if pending && button.get_attribute(attr::LABEL).is_none() {
        let _ = button.set_attribute(attr::LABEL, &button.text_content().unwrap_or_default());
    }
    let label = if pending {
        attr::PENDING_LABEL
    } else {
        attr::LABEL
    };
    if let Some(text) = button.get_attribute(label) {
        button.set_text_content(Some(&text));
    }
    button.set_disabled(pending);
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::ui::names::rendered;
    use leptos::tachys::view::RenderHtml;

    #[test]
    fn the_button_carries_its_busy_label() {
        let html = view! { <SubmitButton label="Save" pending_label="Saving…" /> }.to_html();
        assert!(
            html.contains(&rendered(attr::PENDING_LABEL, "Saving…")),
            "{html}"
        );
        assert!(html.contains(r#"type="submit""#), "{html}");
    }
}
