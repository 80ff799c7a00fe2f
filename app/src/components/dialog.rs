//! A modal dialog on the native `<dialog>` element: `showModal()` makes the
//! rest of the page inert and gives screen readers the dialog role. On top of
//! that, Tab and Shift+Tab wrap inside the dialog, Escape closes it, and focus
//! returns to whatever opened it.
//!
//! Dialogs only ever open in response to a click, so this component never
//! renders on the server.

use leptos::html;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};

const FOCUSABLE: &str = "button:not([disabled]), input:not([disabled]), select:not([disabled]), \
     textarea:not([disabled]), a[href], [tabindex]:not([tabindex='-1'])";

/// `title_id` must be the id of the element that names the dialog (its
/// heading); the dialog's accessible name comes from it.
///
/// The children keep their type (`TypedChildren`, not `Children`): a view
/// erased to `AnyView` carries every way of rendering it, server-side
/// hydration included, into the WASM bundle, though a dialog is only ever
/// built in the browser.
#[component]
pub fn Dialog<C>(
    #[prop(into)] title_id: String,
    #[prop(into, optional)] describedby: Option<String>,
    #[prop(into)] on_close: Callback<()>,
    children: TypedChildren<C>,
) -> impl IntoView
where
    C: IntoView + 'static,
{
    let node = NodeRef::<html::Dialog>::new();

    // Remember what had focus, to give it back when the dialog goes away.
    let opener = SendWrapper::new(
        document()
            .active_element()
            .and_then(|el| el.dyn_into::<HtmlElement>().ok()),
    );
    on_cleanup(move || {
        let opener = opener.take();
        // Cleanup runs while the modal is still in the document, when the
        // rest of the page is inert and cannot take focus: wait a frame.
        request_animation_frame(move || match opener {
            Some(el) if el.is_connected() => {
                let _ = el.focus();
            }
            // The opener was re-rendered or removed (its row was deleted).
            other => {
                let label = other.and_then(|el| el.get_attribute("aria-label"));
                if !label.is_some_and(|l| focus_by_label(&l)) {
                    focus_page_heading();
                }
            }
        });
    });

    Effect::new(move |_| {
        if let Some(dialog) = node.get()
            && !dialog.open()
        {
            let _ = dialog.show_modal();
        }
    });

    let on_keydown = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            on_close.run(());
        }
        "Tab" => {
            let Some(dialog) = node.get() else { return };
            wrap_focus(&dialog, &ev);
        }
        _ => {}
    };

    view! {
        <dialog
            node_ref=node
            class="dialog"
            aria-labelledby=title_id
            aria-describedby=describedby
            on:keydown=on_keydown
            // The browser's own Escape handling: keep our state in charge.
            on:cancel=move |ev: leptos::ev::Event| {
                ev.prevent_default();
                on_close.run(());
            }
        >
            {children.into_inner()()}
        </dialog>
    }
}

/// Keeps Tab inside the dialog: from the last control to the first, and
/// Shift+Tab from the first to the last.
fn wrap_focus(dialog: &web_sys::HtmlDialogElement, ev: &KeyboardEvent) {
    let Ok(list) = dialog.query_selector_all(FOCUSABLE) else {
        return;
    };
    let items: Vec<HtmlElement> = (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .filter(|el| el.offset_parent().is_some())
        .collect();
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        return;
    };
    let active = document().active_element();
    let is = |el: &HtmlElement| {
        active
            .as_ref()
            .is_some_and(|a| a == el.unchecked_ref::<web_sys::Element>())
    };
    let inside = active.as_ref().is_some_and(|a| dialog.contains(Some(a)));
    if ev.shift_key() && (is(first) || !inside) {
        ev.prevent_default();
        let _ = last.focus();
    } else if !ev.shift_key() && (is(last) || !inside) {
        ev.prevent_default();
        let _ = first.focus();
    }
}

/// Focuses the button whose accessible label is `label`, if there is one.
pub fn focus_by_label(label: &str) -> bool {
    let Ok(list) = document().query_selector_all("button[aria-label]") else {
        return false;
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
        .find(|el| el.get_attribute("aria-label").as_deref() == Some(label))
        .is_some_and(|el| el.focus().is_ok())
}

/// Focuses the page's main heading (it has `tabindex="-1"`).
pub fn focus_page_heading() {
    if let Some(h) = document()
        .get_element_by_id("page-heading")
        .and_then(|el| el.dyn_into::<HtmlElement>().ok())
    {
        let _ = h.focus();
    }
}
