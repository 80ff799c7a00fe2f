//! Reading a dialog's form into the change it asks the server for.

use web_sys::HtmlFormElement;

use super::dialogs::DEFAULT_GRACE;
use super::names::{Submit, attr, fields};
use crate::model::error::AppError;
use crate::model::expiry::{Expiry, RollGrace};
use crate::model::keys::{KeyId, KeyInput, validate_name};
use crate::model::permissions::{Group, Level};

/// What sending a dialog's form asks of the server.
#[derive(Clone, Debug)]
pub(super) enum Change {
    Create(KeyInput),
    Update(KeyId, KeyInput),
    Roll(KeyId, RollGrace, Expiry),
    /// The key, and its name for the message.
    Delete(KeyId, String),
}

/// What the form asks for, or why it cannot be sent (the name is checked
/// here too, as the server will, for an instant answer).
pub(super) fn read_form(form: &HtmlFormElement) -> Result<Change, AppError> {
    let data = web_sys::FormData::new_with_form(form)
        .map_err(|_| AppError::Transport("The form could not be read.".into()))?;
    let text = |name: &str| data.get(name).as_string().unwrap_or_default();
    let id = form
        .get_attribute(attr::KEY)
        .and_then(|id| id.parse().ok())
        .map(KeyId);
    let submit = form
        .get_attribute(attr::SUBMIT)
        .and_then(|s| Submit::from_slug(&s));
    let expires = || Expiry::from_form(&text(fields::EXPIRES), text(fields::EXPIRY_DATE));
    let key_input = || -> Result<KeyInput, AppError> {
        let name = text(fields::NAME);
        validate_name(&name)?;
        Ok(KeyInput {
            name,
            restricted: data.has(fields::RESTRICTED),
            levels: Group::ALL
                .into_iter()
                .filter_map(|g| Some((g, Level::from_slug(&text(&fields::level(g)))?)))
                .collect(),
            expires: expires(),
            allowed_ips: Some(text(fields::ALLOWED_IPS)),
            requests_per_minute: Some(text(fields::REQUESTS_PER_MINUTE)),
        })
    };
    let unreadable = || AppError::Transport("The form could not be read.".into());
    match (submit, id) {
        (Some(Submit::Create), _) => Ok(Change::Create(key_input()?)),
        (Some(Submit::Update), Some(id)) => Ok(Change::Update(id, key_input()?)),
        (Some(Submit::Roll), Some(id)) => Ok(Change::Roll(
            id,
            RollGrace::from_slug(&text(fields::GRACE)).unwrap_or(DEFAULT_GRACE),
            expires(),
        )),
        (Some(Submit::Delete), Some(id)) => Ok(Change::Delete(
            id,
            form.get_attribute(attr::NAME).unwrap_or_default(),
        )),
        _ => Err(unreadable()),
    }
}
