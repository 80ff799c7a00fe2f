//! The page an invitation link opens: **Join <organization>**. A new email
//! sets its password; an email that has an account signs in with its own.
//! The form posts as a plain form until its island has loaded, like
//! sign-in's; a link that is used, revoked, expired or unknown says only
//! that.

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_params_map;

use super::auth::{AuthCard, EMAIL, EmailAndPassword, form_in, read, show_answers};
use crate::model::auth::PASSWORD_MIN_CHARS;
use crate::model::members::{INVITATION_GONE, JoinInput};
use crate::server_fns::auth::{Join, invitation_organization};
use crate::ui::components::field_error::{FieldError, KnownError, clear_errors};
use crate::ui::components::hydrated::island_hydrated;
use crate::ui::components::preload::PreloadLazyIsland;
use crate::ui::components::submit::SubmitButton;
use crate::ui::pages::form_post::form_post_error;

/// The token's name in the form: server_fn's encoding of `input.token`.
const TOKEN_POST: &str = "input[token]";

#[component]
pub fn JoinPage() -> impl IntoView {
    let token = use_params_map().with_untracked(|p| p.get("token").unwrap_or_default());
    let organization = Resource::new(move || token.clone(), invitation_organization);
    let known = KnownError::new(form_post_error::<Join>());
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let known = known.clone();
                Suspend::new(async move {
                    match organization.await {
                        Ok(name) => Either::Left(view! {
                            <AuthCard title=format!("Join {name}")>
                                <PreloadLazyIsland island="join_form" />
                                <JoinForm>
                                    <JoinFields token=use_params_map().with_untracked(|p| p.get("token").unwrap_or_default()) known />
                                </JoinForm>
                            </AuthCard>
                        }),
                        Err(_) => Either::Right(view! {
                            <AuthCard title="Invitation">
                                <p>{INVITATION_GONE}</p>
                                <p class="auth__switch"><a href="/login">"Sign in"</a></p>
                            </AuthCard>
                        }),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn JoinFields(token: String, known: KnownError) -> impl IntoView {
    let fields = [EMAIL.field, super::auth::PASSWORD.field];
    view! {
        <form method="post" action=Join::PATH novalidate>
            <input type="hidden" name=TOKEN_POST value=token />
            <p>"Use the email you were invited with."</p>
            <EmailAndPassword
                ids=["join-email", "join-password"]
                password_autocomplete="current-password"
                password_hint=Some(format!(
                    "If you have an account, its password. If not, choose one of at least {PASSWORD_MIN_CHARS} characters."
                ))
                known=known.clone()
            />
            <FieldError id="join-error" field="" class="form-error" message=known.form(&fields) />
            <SubmitButton label="Join" pending_label="Joining…" class="btn btn--primary btn--block" />
        </form>
    }
}

/// Sends the join form; once joined, the organization's API Keys page.
#[island(lazy)]
fn JoinForm(children: Children) -> impl IntoView {
    island_hydrated();
    let wrapper = NodeRef::<leptos::html::Div>::new();
    let submit = ServerAction::<Join>::new();
    show_answers(submit.value(), submit.pending(), wrapper, || {
        let _ = window().location().assign("/settings/api-keys");
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(form) = form_in(wrapper) else {
            return;
        };
        clear_errors(&form);
        let token = web_sys::FormData::new_with_form(&form)
            .ok()
            .and_then(|data| data.get(TOKEN_POST).as_string())
            .unwrap_or_default();
        submit.dispatch(Join {
            input: JoinInput {
                token,
                email: read(&form, EMAIL),
                password: read(&form, super::auth::PASSWORD),
            },
        });
    };
    view! { <div node_ref=wrapper on:submit=on_submit>{children()}</div> }
}
