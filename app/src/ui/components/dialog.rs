//! Focus around modal dialogs. The dialogs are native `<dialog>` elements
//! opened with `showModal()`, which makes the rest of the page inert and
//! gives screen readers the dialog role. On top of that, Tab and Shift+Tab
//! wrap inside the dialog (`wrap_focus`), and focus goes back where it was
//! when the dialog closes, or somewhere sensible when that is gone
//! (`focus_by_label`, `focus_page_heading`).

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};

use crate::ui::names::PAGE_HEADING;

const FOCUSABLE: &str = "button:not([disabled]), input:not([disabled]), select:not([disabled]), \
     textarea:not([disabled]), a[href], [tabindex]:not([tabindex='-1'])";

/// Keeps Tab inside the dialog: from the last control to the first, and
/// Shift+Tab from the first to the last.
pub fn wrap_focus(dialog: &web_sys::HtmlDialogElement, ev: &KeyboardEvent) {
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
        .get_element_by_id(PAGE_HEADING)
        .and_then(|el| el.dyn_into::<HtmlElement>().ok())
    {
        let _ = h.focus();
    }
}
