//! The page an invitation link opens: **Join <organization>**. A new email
//! sets its password; an email that has an account signs in with its own.
//! The form posts as a plain form until its island has loaded, like
//! sign-in's; a link that is used, revoked, expired or unknown says only
//! that.

use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_params_map;

use super::auth::{AuthCard, AuthField, EMAIL, EmailAndPassword, form_in, read, show_answers};
use crate::model::auth::DEFAULT_NEXT;
use crate::model::auth::PASSWORD_MIN_CHARS;
use crate::model::members::{JOIN_TOKEN, JoinInput};
use crate::server_fns::auth::{Join, invitation_organization};
use crate::ui::components::field_error::{FieldError, KnownError, clear_errors};
use crate::ui::components::hydrated::island_hydrated;
use crate::ui::components::preload::PreloadLazyIsland;
use crate::ui::components::submit::SubmitButton;
use crate::ui::pages::form_post::form_post_error;

/// The link's token, a hidden field of the form.
const TOKEN: AuthField = AuthField {
    field: JOIN_TOKEN,
    post: "input[token]",
};

#[component]
pub fn JoinPage() -> impl IntoView {
    let token = use_params_map().with_untracked(|p| p.get("token").unwrap_or_default());
    let organization = Resource::new(
        {
            let token = token.clone();
            move || token.clone()
        },
        invitation_organization,
    );
    let known = KnownError::new(form_post_error::<Join>());
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let (known, token) = (known.clone(), token.clone());
                Suspend::new(async move {
                    match organization.await {
                        Ok(name) => Either::Left(view! {
                            <AuthCard title=format!("Join {name}")>
                                <PreloadLazyIsland island="join_form" />
                                <JoinForm>
                                    <JoinFields token known />
                                </JoinForm>
                            </AuthCard>
                        }),
                        // A link that does not work says only that; any
                        // other failure says what it is.
                        Err(err) => Either::Right(view! {
                            <AuthCard title="Invitation">
                                <p role="alert">
                                    {err.message_for(JOIN_TOKEN).unwrap_or_else(|| err.to_string())}
                                </p>
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
            <input type="hidden" name=TOKEN.post value=token />
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
        let _ = window().location().assign(DEFAULT_NEXT);
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(form) = form_in(wrapper) else {
            return;
        };
        clear_errors(&form);
        submit.dispatch(Join {
            input: JoinInput {
                token: read(&form, TOKEN),
                email: read(&form, EMAIL),
                password: read(&form, super::auth::PASSWORD),
            },
        });
    };
    view! { <div node_ref=wrapper on:submit=on_submit>{children()}</div> }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::ui::names::rendered;
    use leptos::tachys::view::RenderHtml;

    /// The island reads each value by the name the form posts it under,
    /// and that is the name server_fn reads for `JoinInput`.
    #[test]
    fn the_join_form_posts_what_join_reads() {
        let html =
            view! { <JoinFields token="t0k".into() known=KnownError::default() /> }.to_html();
        for f in [TOKEN, EMAIL, super::super::auth::PASSWORD] {
            assert_eq!(f.post, format!("input[{}]", f.field));
            assert!(
                html.contains(&rendered("name", f.post)),
                "{}: {html}",
                f.post
            );
        }
        assert!(html.contains(r#"value="t0k""#), "{html}");
        assert!(html.contains(&rendered("action", Join::PATH)), "{html}");
    }
}
