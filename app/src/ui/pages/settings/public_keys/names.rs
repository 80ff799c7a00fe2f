//! The names the Public Keys page's markup and its island share, each
//! written once (page-wide ones are in `ui/names.rs`; the form's field
//! names are the model's, in `model::public_keys`).

use crate::model::public_keys::PublicKeyId;

/// The `<template>` holding Add public key's dialog, and the one holding
/// Delete's confirmation.
pub const ADD_TEMPLATE: &str = "add-public-key-dialog";
pub const DELETE_TEMPLATE: &str = "delete-public-key-dialog";

pub mod ids {
    pub const FORM_TITLE: &str = "public-key-form-title";
    pub const NAME: &str = "public-key-name";
    pub const DOMAINS: &str = "public-key-domains";
    pub const AGENTS: &str = "public-key-agents";
    pub const WEB_CALLS: &str = "public-key-web-calls";
    pub const FORM_ERROR: &str = "public-key-form-error";
    pub const DELETE_TITLE: &str = "delete-public-key-title";
    pub const DELETE_DESC: &str = "delete-public-key-desc";
    pub const DELETE_ERROR: &str = "delete-public-key-error";
}

/// The page's own `data-*` attributes.
pub mod attr {
    /// A dialog's form: what sending it does (a `PageAction`).
    pub const SUBMIT: &str = "data-submit";
    /// A row's control, and Edit's form: which key (its id).
    pub const KEY: &str = "data-public-key";
    /// A row's control: the key's name, for messages and Delete's dialog.
    pub const NAME: &str = "data-name";
    /// A row's Copy: the text it copies.
    pub const COPY: &str = "data-copy";
    /// Where in Delete's dialog the key's name goes.
    pub const DELETE_NAME: &str = "data-delete-name";
}

/// What a button or form of the page does, as its `data-action` or
/// `data-submit` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageAction {
    /// Add's form.
    Create,
    /// A row's Edit: opens the key's form.
    Edit,
    /// Edit's form.
    Save,
    /// A row's trash icon: opens the confirmation.
    AskDelete,
    /// The confirmation's Delete.
    Delete,
    /// A row's Copy.
    Copy,
    Close,
}

impl PageAction {
    pub const ALL: [PageAction; 7] = [
        PageAction::Create,
        PageAction::Edit,
        PageAction::Save,
        PageAction::AskDelete,
        PageAction::Delete,
        PageAction::Copy,
        PageAction::Close,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            PageAction::Create => "create",
            PageAction::Edit => "edit",
            PageAction::Save => "save",
            PageAction::AskDelete => "ask-delete",
            PageAction::Delete => "delete",
            PageAction::Copy => "copy",
            PageAction::Close => "close",
        }
    }

    pub fn from_slug(slug: &str) -> Option<PageAction> {
        PageAction::ALL.into_iter().find(|a| a.slug() == slug)
    }
}

/// The id a control's attribute carries, read back.
pub fn key_of(value: &str) -> Option<PublicKeyId> {
    value.parse().ok().map(PublicKeyId)
}

/// A row's buttons' accessible names.
pub fn edit_label(name: &str) -> String {
    format!("Edit {name}")
}
pub fn delete_label(name: &str) -> String {
    format!("Delete {name}")
}
pub fn copy_label(name: &str) -> String {
    format!("Copy {name}")
}
