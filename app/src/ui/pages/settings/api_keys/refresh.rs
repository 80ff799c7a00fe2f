//! The list again after a change, as HTML from the server, put in place;
//! and the page's status line and error, which say what happened.

use leptos::prelude::*;

use super::fragments::key_table;
use crate::model::error::AppError;
use crate::ui::components::dialog::{focus_by_label, focus_page_heading};
use crate::ui::components::last_asked::LastAsked;
use crate::ui::names::PAGE_HEADING;

/// Where focus goes once a refreshed list is on screen.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum FocusAfterRefresh {
    /// The button with this accessible label (e.g. `Edit Zapier`).
    Button(String),
    /// The page heading, when the row that had focus is gone.
    Heading,
}

type Answer = (Result<String, AppError>, Option<FocusAfterRefresh>);

/// The status line, the page's own error, and the list's refresh.
#[derive(Clone, Copy)]
pub(super) struct ListRefresh {
    pub status: RwSignal<String>,
    pub page_error: RwSignal<Option<AppError>>,
    /// The list could not be read again.
    pub load_error: RwSignal<Option<AppError>>,
    pub list: NodeRef<leptos::html::Div>,
    reload: LastAsked<Option<FocusAfterRefresh>, Answer>,
}

impl ListRefresh {
    /// A refresh replaces the rows, and with them the button that had
    /// focus; the focus asked for names the control to focus once the new
    /// rows are in. Refreshes can overlap (two changes in quick
    /// succession), and their answers can come back in any order: only the
    /// last one asked for is put in place.
    pub fn new() -> Self {
        let reload = LastAsked::new(move |focus: &Option<FocusAfterRefresh>| {
            let focus = focus.clone();
            async move { (key_table().await, focus) }
        });
        let this = Self {
            status: RwSignal::new(String::new()),
            page_error: RwSignal::new(None),
            load_error: RwSignal::new(None),
            list: NodeRef::new(),
            reload,
        };
        Effect::new(move |_| {
            if let Some(answer) = reload.answer() {
                this.put_in_place(answer);
            }
        });
        this
    }

    fn put_in_place(self, (result, focus): Answer) {
        match result {
            Ok(html) => {
                self.load_error.set(None);
                if let Some(el) = self.list.get_untracked() {
                    el.set_inner_html(&html);
                }
                if let Some(target) = focus {
                    request_animation_frame(move || restore_focus(target));
                }
            }
            Err(err) => self.load_error.set(Some(err)),
        }
    }

    /// After a change: says what happened, and reads the list again.
    pub fn after_change(self, message: String, focus: FocusAfterRefresh) {
        self.status.set(message);
        self.page_error.set(None);
        self.reload.dispatch(Some(focus));
    }

    /// **Try again**, after the list could not be read.
    pub fn retry(self) {
        self.reload.dispatch(None);
    }
}

/// Focus after a refresh: where it was asked to go, when the control that
/// had it was replaced. A closing dialog that found its opener gone has
/// already put focus on the page heading, its fallback; that counts as
/// lost too, or the list arriving after the dialog closed would leave it
/// there.
pub(super) fn restore_focus(target: FocusAfterRefresh) {
    let lost = document()
        .active_element()
        .is_none_or(|el| el.tag_name() == "BODY" || el.id() == PAGE_HEADING);
    match target {
        FocusAfterRefresh::Button(label) if lost => {
            if !focus_by_label(&label) {
                focus_page_heading();
            }
        }
        FocusAfterRefresh::Button(_) => {}
        FocusAfterRefresh::Heading => focus_page_heading(),
    }
}
