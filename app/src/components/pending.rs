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
