//! Whether an action is running, as views read it.

use leptos::prelude::*;

/// An action's `pending()` memo, taken while the component's owner is
/// alive, as a closure for `disabled=` and busy labels.
///
/// Why not `move || action.pending().get()`: the server can still resolve a
/// view after its request was dropped and the page's owner disposed
/// (leptos_axum resolves suspended parts in a task of their own), and
/// reading a disposed action or memo panics that task. Here a disposed
/// memo reads as "not pending".
pub fn is_pending(pending: Memo<bool>) -> impl Fn() -> bool + Copy + Send + Sync + 'static {
    move || pending.try_get().unwrap_or(false)
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use leptos::tachys::view::RenderHtml;

    /// leptos_axum resolves suspended parts of a page in a task of their
    /// own. When the browser drops the request midway, the page's owner is
    /// gone by the time that task reads a view's closures; a `disabled=`
    /// that reads a disposed action must not panic the task.
    #[test]
    fn a_view_resolved_after_its_owner_is_gone_does_not_panic() {
        let owner = Owner::new();
        let mut button = owner.with(|| {
            let save = Action::new(|_: &()| async {});
            view! {
                <button type="button" disabled=is_pending(save.pending())>
                    "Save"
                </button>
            }
        });
        owner.cleanup();
        drop(owner);
        button.dry_resolve();
        // And the markup is still whole, with the action read as idle.
        let html = button.to_html();
        assert!(html.contains(">Save</button>"), "{html}");
        assert!(!html.contains("disabled"), "{html}");
    }
}
