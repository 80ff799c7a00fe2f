//! Names that server markup and the islands acting on it share, on every
//! page: the page heading's id, and the `data-*` attributes of the pieces
//! in `components` (an error's place, a busy label, what a button does).
//!
//! The `view!` macro takes attribute names as written, so the markup
//! spells `data-action` while the island reads `attr::ACTION`: the unit
//! tests render each view and check that its markup carries every name
//! the code looks for, so a rename on one side fails a test.

/// The id of each page's `<h1>` (it has `tabindex="-1"`): the skip link's
/// target, and where focus goes when the control that had it is gone.
pub const PAGE_HEADING: &str = "page-heading";

/// `data-*` attribute names shared by more than one page.
pub mod attr {
    /// What a button does when clicked (a slug the page's island knows).
    pub const ACTION: &str = "data-action";
    /// On a control: the field of the server's errors it is about.
    pub const FIELD: &str = "data-field";
    /// On an error's place: the field whose error goes there (`""`: the
    /// form's own errors).
    pub const ERROR_FOR: &str = "data-error-for";
    /// A control's own description, without any error.
    pub const DESCRIBEDBY: &str = "data-describedby";
    /// A dialog's content: the id of the heading that names the dialog.
    pub const LABELLEDBY: &str = "data-labelledby";
    /// A send button's text while its form is on its way.
    pub const PENDING_LABEL: &str = "data-pending-label";
    /// A send button's own text, kept while it shows its busy label.
    pub const LABEL: &str = "data-label";
    /// What a dialog shows once (`ShownOnce`), hidden until then; and
    /// what its **Copy** says it did.
    pub const REVEAL: &str = "data-reveal";
    pub const COPY_STATUS: &str = "data-copy-status";
}

/// `[data-x]`: any element that has the attribute.
pub fn has(attr: &str) -> String {
    format!("[{attr}]")
}

/// `[data-x="value"]`.
pub fn is(attr: &str, value: &str) -> String {
    format!("[{attr}=\"{value}\"]")
}

/// `#id`.
pub fn by_id(id: &str) -> String {
    format!("#{id}")
}

/// For the markup tests: `name="value"` as rendered HTML writes it.
#[cfg(test)]
pub fn rendered(attr: &str, value: &str) -> String {
    format!("{attr}=\"{value}\"")
}
