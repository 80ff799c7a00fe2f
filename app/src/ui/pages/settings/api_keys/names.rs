//! The names the API Keys page's markup and its island share: what a
//! button or form does (`data-action`, `data-submit`), the form's field
//! names, the element ids the island looks up, and the attribute that
//! carries suggested levels. Each is written here once; the views and the
//! island both use these, so a rename cannot leave one side behind (the
//! attribute names, which `view!` takes as written, are checked by the
//! markup tests in `markup_tests.rs`). Page-wide names are in
//! `ui/names.rs`.

use std::collections::BTreeMap;

use crate::model::keys::{KeyDialog, KeyId};
use crate::model::permissions::{Group, Level};

/// The id of the `<template>` that holds Add's dialog.
pub const NEW_KEY_TEMPLATE: &str = "new-key-dialog";

/// Element ids the island looks up or points `aria-*` at.
pub mod ids {
    use super::KeyId;

    /// Where the new secret is shown, once.
    pub const NEW_KEY_SECRET: &str = "new-key-secret";
    /// The heading of the new secret, which names the dialog then.
    pub const SECRET_TITLE: &str = "secret-title";
    pub const KEY_FORM_TITLE: &str = "key-form-title";
    pub const KEY_NAME: &str = "key-name";
    /// The switch and the select the stylesheet follows (`style/main.css`:
    /// the grid shows while the switch is on, the date while the select
    /// says "On a date").
    pub const KEY_RESTRICTED: &str = "key-restricted";
    pub const KEY_RESTRICTED_HINT: &str = "key-restricted-hint";
    pub const KEY_RESTRICTED_ERROR: &str = "key-restricted-error";
    pub const KEY_EXPIRES: &str = "key-expires";
    pub const KEY_EXPIRY_DATE: &str = "key-expiry-date";
    pub const KEY_ALLOWED_IPS: &str = "key-allowed-ips";
    pub const KEY_RATE_LIMIT: &str = "key-rate-limit";
    /// The forms' own error places.
    pub const KEY_FORM_ERROR: &str = "key-form-error";
    // Roll and Delete are rendered on the server only.
    #[cfg(feature = "ssr")]
    pub const ROLL_TITLE: &str = "roll-title";
    #[cfg(feature = "ssr")]
    pub const DELETE_TITLE: &str = "delete-title";
    #[cfg(feature = "ssr")]
    pub const DELETE_DESC: &str = "delete-desc";
    #[cfg(feature = "ssr")]
    pub const ROLL_ERROR: &str = "roll-error";
    #[cfg(feature = "ssr")]
    pub const DELETE_ERROR: &str = "delete-error";

    /// A row's name, which its webhook button is described by and whose
    /// text the island reads for its message.
    pub fn key_name(id: KeyId) -> String {
        format!("key-{}-name", id.0)
    }

    /// A row, which the banner's links go to.
    pub fn key_row(id: KeyId) -> String {
        format!("key-{}", id.0)
    }
}

/// The page's own `data-*` attributes (the shared ones are in
/// `ui::names::attr`).
pub mod attr {
    /// A row's button or a form: the key it acts on.
    pub const KEY: &str = "data-key";
    /// A form: what sending it does (`Submit`).
    pub const SUBMIT: &str = "data-submit";
    /// Delete's form: the key's name, for the message.
    pub const NAME: &str = "data-name";
    /// **Restrict to what it used**: the levels (`levels_attr`).
    pub const LEVELS: &str = "data-levels";
    /// Where the new key's name goes in it.
    pub const REVEAL_NAME: &str = "data-reveal-name";
}

/// What a row's button asks for, as its `data-action` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowAction {
    SetWebhook,
    Open(KeyDialog),
}

impl RowAction {
    pub const ALL: [RowAction; 4] = [
        Self::SetWebhook,
        Self::Open(KeyDialog::Edit),
        Self::Open(KeyDialog::Roll),
        Self::Open(KeyDialog::Delete),
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Self::SetWebhook => "webhook",
            Self::Open(KeyDialog::Edit) => "edit",
            Self::Open(KeyDialog::Roll) => "roll",
            Self::Open(KeyDialog::Delete) => "delete",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.slug() == slug)
    }
}

/// What a dialog's form does when it is sent, as its `data-submit` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Submit {
    Create,
    Update,
    Roll,
    Delete,
}

impl Submit {
    pub const ALL: [Submit; 4] = [Self::Create, Self::Update, Self::Roll, Self::Delete];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Roll => "roll",
            Self::Delete => "delete",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.slug() == slug)
    }
}

/// What a button inside a dialog does, as its `data-action` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogAction {
    /// Cancel, Close, Done.
    Close,
    /// Copies the new secret.
    Copy,
    /// **Restrict to what it used**: the levels in its `data-levels`.
    Suggest,
}

impl DialogAction {
    pub const ALL: [DialogAction; 3] = [Self::Close, Self::Copy, Self::Suggest];

    pub fn slug(self) -> &'static str {
        match self {
            Self::Close => "close",
            Self::Copy => "copy",
            Self::Suggest => "suggest",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.slug() == slug)
    }
}

/// The form field names the island reads: the model's, which its refusals
/// name too.
pub mod fields {
    pub use crate::model::keys::fields::*;

    /// The radios of one permission group.
    pub use crate::ui::components::permission_grid::level_field as level;
}

/// `agent=read,call=edit`: levels as **Restrict to what it used** carries
/// them in `data-levels`.
pub fn levels_attr(levels: &BTreeMap<Group, Level>) -> String {
    levels
        .iter()
        .map(|(g, l)| format!("{}={}", g.slug(), l.slug()))
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads `levels_attr`; what it does not know, it leaves out.
pub fn parse_levels_attr(text: &str) -> BTreeMap<Group, Level> {
    text.split(',')
        .filter_map(|pair| pair.split_once('='))
        .filter_map(|(g, l)| Some((Group::from_slug(g)?, Level::from_slug(l)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip() {
        for s in Submit::ALL {
            assert_eq!(Submit::from_slug(s.slug()), Some(s));
        }
        for a in DialogAction::ALL {
            assert_eq!(DialogAction::from_slug(a.slug()), Some(a));
        }
        assert_eq!(Submit::from_slug("drop"), None);
    }

    #[test]
    fn suggested_levels_round_trip_through_their_attribute() {
        let levels = BTreeMap::from([(Group::History, Level::Read), (Group::Call, Level::Edit)]);
        let text = levels_attr(&levels);
        assert_eq!(text, "history=read,call=edit");
        assert_eq!(parse_levels_attr(&text), levels);
        assert_eq!(
            parse_levels_attr("history=write,nope=read,,x"),
            BTreeMap::new()
        );
    }
}
