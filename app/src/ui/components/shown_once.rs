//! What a dialog shows once and never again (a new key's secret, an
//! invitation link): hidden in the dialog until the server's answer
//! arrives, then filled in by the page's island, which hides the form it
//! answers. One markup and one behaviour for every page that has one.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use crate::ui::names::{attr, by_id, has, is};

/// The hidden part of a dialog that shows `value_id`'s text once, with
/// **Copy** and **Done** (whose `data-action`s are the page's own).
/// `children` says what it is.
#[component]
pub fn ShownOnce(
    title_id: &'static str,
    title: &'static str,
    value_id: &'static str,
    copy_action: &'static str,
    done_action: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="dialog__body" data-reveal hidden>
            <h2 id=title_id class="dialog__title">{title}</h2>
            {children()}
            <div class="secret">
                <code class="secret__value" id=value_id></code>
                <button type="button" class="btn" data-action=copy_action>
                    "Copy"
                </button>
            </div>
            <p class="status" role="status" data-copy-status></p>
            <div class="dialog__actions">
                <button type="button" class="btn btn--primary" data-action=done_action>
                    "Done"
                </button>
            </div>
        </div>
    }
}

/// `form` makes way for its `ShownOnce`, which now shows `text` in
/// `value_id` and names the dialog by `title_id`; focus goes to Done.
/// Answers the shown part, for the page to fill in anything else.
pub fn show_once(
    form: &Element,
    value_id: &str,
    title_id: &str,
    text: &str,
    done_action: &str,
) -> Option<Element> {
    let content = form.parent_element()?;
    let find = |selector: &str| content.query_selector(selector).ok().flatten();
    let reveal = find(&has(attr::REVEAL))?;
    find(&by_id(value_id))?.set_text_content(Some(text));
    if let Ok(form) = form.clone().dyn_into::<HtmlElement>() {
        form.set_hidden(true);
    }
    let _ = reveal.remove_attribute("hidden");
    if let Some(dialog) = content.parent_element() {
        let _ = dialog.set_attribute("aria-labelledby", title_id);
        let _ = dialog.remove_attribute("aria-describedby");
    }
    if let Some(done) = reveal
        .query_selector(&is(attr::ACTION, done_action))
        .ok()
        .flatten()
        .and_then(|b| b.dyn_into::<HtmlElement>().ok())
    {
        let _ = done.focus();
    }
    Some(reveal)
}

/// **Copy**: the text shown beside the button (`value_id`), to the
/// clipboard; the status line says whether it worked.
pub fn copy_shown(button: &Element, value_id: &str, what: &'static str) {
    let Some(reveal) = button.closest(&has(attr::REVEAL)).ok().flatten() else {
        return;
    };
    let find = |selector: &str| reveal.query_selector(selector).ok().flatten();
    let text = find(&by_id(value_id))
        .and_then(|s| s.text_content())
        .unwrap_or_default();
    let status = find(&has(attr::COPY_STATUS));
    leptos::task::spawn_local(async move {
        let promise = window().navigator().clipboard().write_text(&text);
        let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
        if let Some(status) = status {
            let said = if ok {
                "Copied to the clipboard.".to_owned()
            } else {
                format!("Could not copy: select the {what} and copy it yourself.")
            };
            status.set_text_content(Some(&said));
        }
    });
}
