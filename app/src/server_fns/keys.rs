//! The server functions behind the API Keys page. Each one first
//! establishes the caller, then acts only within the caller's organization.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::domain::keys::{leaks, policy, store};
use crate::model::error::AppError;
use crate::model::expiry::{Expiry, RollGrace};
use crate::model::key_policy::KeyPolicy;
use crate::model::keys::{KeyId, KeyInput, KeyList, NewSecret};
use crate::model::leaks::LeakResponse;
#[cfg(feature = "ssr")]
use crate::model::{keys::KeySummary, members::UserId, roles::Capability};

/// Every member sees the list and the key policy; whether they may change
/// them decides the page's controls.
#[server(prefix = "/api", endpoint = "keys/list", input = Json)]
pub async fn list_keys() -> Result<KeyList, AppError> {
    crate::server_fns::with_caller(|caller, state| async move {
        // Read once, so the rows' marks and the section agree.
        let (policy, leak_response) =
            policy::read_with_leak_response(&state.db, caller.org).await?;
        Ok(KeyList {
            keys: store::list(&state.db, caller.org, &policy).await?,
            may_manage: caller.role.may(Capability::ManageKeys),
            policy,
            may_set_policy: caller.role.may(Capability::SetKeyPolicy),
            read_at: chrono::Utc::now(),
            leak_response,
        })
    })
    .await
}

/// What a row's dialog (Edit, Roll, Delete) is rendered from: the key as
/// the list shows it, and the organization's key policy.
#[cfg(feature = "ssr")]
pub struct KeyForDialog {
    pub key: KeySummary,
    pub policy: KeyPolicy,
}

/// One key of the caller's organization, for a row's dialog, so only for
/// those who may change it.
#[cfg(feature = "ssr")]
pub async fn find_key(id: KeyId) -> Result<KeyForDialog, AppError> {
    crate::server_fns::with_caller_who_may(Capability::ManageKeys, |caller, state| async move {
        let policy = policy::read(&state.db, caller.org).await?;
        let key = store::find(&state.db, caller.org, id, &policy).await?;
        Ok(KeyForDialog { key, policy })
    })
    .await
}

/// **Save policy**. A URL-encoded form (`max_lifetime`, and
/// `require_restricted` when the switch is on): the page's policy form is
/// a plain form, which comes back to its page. Admins only.
#[server(prefix = "/api", endpoint = "keys/policy")]
pub async fn save_key_policy(
    max_lifetime: String,
    require_restricted: Option<String>,
) -> Result<KeyPolicy, AppError> {
    crate::server_fns::with_caller_who_may(Capability::SetKeyPolicy, |caller, state| async move {
        let wanted = KeyPolicy::from_form(&max_lifetime, require_restricted.is_some())?;
        let by = (&caller.actor(), UserId(caller.user.id));
        Ok(policy::save(&state.db, caller.org, by, wanted).await?)
    })
    .await
}

/// **When a key is reported leaked** › **Save**. A URL-encoded form
/// (`leak_response`), a plain form like the key policy's. Admins only.
#[server(prefix = "/api", endpoint = "keys/leak-response")]
pub async fn save_leak_response(leak_response: String) -> Result<LeakResponse, AppError> {
    crate::server_fns::with_caller_who_may(Capability::SetKeyPolicy, |caller, state| async move {
        let wanted = LeakResponse::from_slug(&leak_response)?;
        let by = (&caller.actor(), UserId(caller.user.id));
        Ok(leaks::response::save(&state.db, caller.org, by, wanted).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "keys/create", input = Json)]
pub async fn create_key(input: KeyInput) -> Result<NewSecret, AppError> {
    crate::server_fns::with_caller_who_may(Capability::ManageKeys, |caller, state| async move {
        let settings = input.validate()?;
        store::create(
            &state.db,
            &state.sealer,
            caller.org,
            &caller.actor(),
            caller.user.id,
            &settings,
            &input.expires,
        )
        .await
        .map(NewSecret::from)
        .map_err(Into::into)
    })
    .await
}

/// Answers the key's name as saved (trimmed).
#[server(prefix = "/api", endpoint = "keys/update", input = Json)]
pub async fn update_key(id: KeyId, input: KeyInput) -> Result<String, AppError> {
    crate::server_fns::with_caller_who_may(Capability::ManageKeys, |caller, state| async move {
        let settings = input.validate()?;
        store::update(
            &state.db,
            &state.key_changes,
            caller.org,
            &caller.actor(),
            id,
            &settings,
            &input.expires,
            chrono::Utc::now(),
        )
        .await
        .map(|key| key.name)
        .map_err(Into::into)
    })
    .await
}

#[server(prefix = "/api", endpoint = "keys/delete", input = Json)]
pub async fn delete_key(id: KeyId) -> Result<(), AppError> {
    crate::server_fns::with_caller_who_may(Capability::ManageKeys, |caller, state| async move {
        store::delete(
            &state.db,
            &state.key_changes,
            caller.org,
            &caller.actor(),
            id,
        )
        .await
        .map_err(Into::into)
    })
    .await
}

#[server(prefix = "/api", endpoint = "keys/set-webhook", input = Json)]
pub async fn set_webhook_key(id: KeyId) -> Result<(), AppError> {
    crate::server_fns::with_caller_who_may(Capability::ManageKeys, |caller, state| async move {
        store::set_webhook(&state.db, caller.org, &caller.actor(), id)
            .await
            .map_err(Into::into)
    })
    .await
}

/// A new secret for the key; the old one keeps working for `grace`. The
/// key gets the expiry `expires` asks for (absent, like `Keep`: keeps its
/// own; an `Option` so that clients from before it need not send it),
/// within the key policy. The answer carries the new secret, the only time it is
/// shown.
#[server(prefix = "/api", endpoint = "keys/roll", input = Json)]
pub async fn roll_key(
    id: KeyId,
    grace: RollGrace,
    expires: Option<Expiry>,
) -> Result<NewSecret, AppError> {
    crate::server_fns::with_caller_who_may(Capability::ManageKeys, |caller, state| async move {
        store::roll(
            &state.db,
            &state.sealer,
            &state.key_changes,
            caller.org,
            &caller.actor(),
            id,
            grace,
            &expires.unwrap_or_default(),
            chrono::Utc::now(),
        )
        .await
        .map(NewSecret::from)
        .map_err(Into::into)
    })
    .await
}

#[cfg(feature = "ssr")]
pub fn register() {
    use leptos::server_fn::axum::register_explicit;
    register_explicit::<ListKeys>();
    register_explicit::<CreateKey>();
    register_explicit::<UpdateKey>();
    register_explicit::<DeleteKey>();
    register_explicit::<SetWebhookKey>();
    register_explicit::<RollKey>();
    register_explicit::<SaveKeyPolicy>();
}
