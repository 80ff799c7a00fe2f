//! The server functions behind the Public Keys page. Everyone sees the
//! keys; Admins and Developers change them (`ManageKeys`, re-checked by
//! the store inside each change's transaction).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[cfg(feature = "ssr")]
use crate::domain::public_keys::store;
use crate::model::error::AppError;
use crate::model::public_keys::{CreatedPublicKey, PublicKeyId, PublicKeyInput, PublicKeyList};
#[cfg(feature = "ssr")]
use crate::model::{members::UserId, public_keys::PublicKeySummary, roles::Capability};

#[server(prefix = "/api", endpoint = "public-keys/list", input = Json)]
pub async fn list_public_keys() -> Result<PublicKeyList, AppError> {
    crate::server_fns::with_caller(|caller, state| async move {
        Ok(PublicKeyList {
            keys: store::list(&state.db, caller.org).await?,
            may_manage: caller.role.may(Capability::ManageKeys),
        })
    })
    .await
}

/// One key of the caller's organization, for its Edit dialog, so only for
/// those who may change it.
#[cfg(feature = "ssr")]
pub async fn find_public_key(id: PublicKeyId) -> Result<PublicKeySummary, AppError> {
    crate::server_fns::with_caller_who_may(Capability::ManageKeys, |caller, state| async move {
        Ok(store::find(&state.db, caller.org, id).await?)
    })
    .await
}

/// Answers the new key (the list shows it whole too).
#[server(prefix = "/api", endpoint = "public-keys/create", input = Json)]
pub async fn create_public_key(input: PublicKeyInput) -> Result<CreatedPublicKey, AppError> {
    crate::server_fns::with_caller_who_may(Capability::ManageKeys, |caller, state| async move {
        let settings = input.validate()?;
        let acting = (&caller.actor(), UserId(caller.user.id));
        let key = store::create(&state.db, caller.org, acting, &settings).await?;
        Ok(CreatedPublicKey {
            id: key.id,
            name: key.name,
            key: key.key,
        })
    })
    .await
}

#[server(prefix = "/api", endpoint = "public-keys/update", input = Json)]
pub async fn update_public_key(id: PublicKeyId, input: PublicKeyInput) -> Result<(), AppError> {
    crate::server_fns::with_caller_who_may(Capability::ManageKeys, |caller, state| async move {
        let settings = input.validate()?;
        let acting = (&caller.actor(), UserId(caller.user.id));
        Ok(store::update(&state.db, caller.org, acting, id, &settings).await?)
    })
    .await
}

#[server(prefix = "/api", endpoint = "public-keys/delete", input = Json)]
pub async fn delete_public_key(id: PublicKeyId) -> Result<(), AppError> {
    crate::server_fns::with_caller_who_may(Capability::ManageKeys, |caller, state| async move {
        let acting = (&caller.actor(), UserId(caller.user.id));
        Ok(store::delete(&state.db, caller.org, acting, id).await?)
    })
    .await
}

#[cfg(feature = "ssr")]
pub fn register() {
    use leptos::server_fn::axum::register_explicit;
    register_explicit::<ListPublicKeys>();
    register_explicit::<CreatePublicKey>();
    register_explicit::<UpdatePublicKey>();
    register_explicit::<DeletePublicKey>();
}
