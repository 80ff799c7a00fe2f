//! Sign-in and sign-up pages.
//!
//! Each form is the server's markup (`TextInput`, `FieldError`,
//! `SubmitButton`), and posts as a plain form until its island's chunk has
//! loaded (or without JavaScript). The island is behaviour only, like the
//! API Keys page's: it reads the form when it is sent, so what was typed
//! before it hydrated is sent as typed, checks it as the server will,
//! sends it, and shows a refusal beside its field (`show_errors`).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use wasm_bindgen::JsCast;
use web_sys::HtmlFormElement;

use crate::model::auth::{
    LoginInput, PASSWORD_MIN_CHARS, SignupInput, safe_next, validate_email, validate_organization,
    validate_password,
};
use crate::model::error::AppError;
use crate::server_fns::auth::{Login, Signup};
use crate::ui::components::field_error::{FieldError, KnownError, clear_errors, show_errors};
use crate::ui::components::hydrated::island_hydrated;
use crate::ui::components::pending::is_pending;
use crate::ui::components::preload::PreloadLazyIsland;
use crate::ui::components::submit::{SubmitButton, show_pending};
use crate::ui::components::text_field::TextInput;
use crate::ui::names::PAGE_HEADING;
use crate::ui::pages::form_post::form_post_error;

/// A field of these forms: the name the server's errors give it, and the
/// name it is posted under (server_fn's form encoding of `input`).
#[derive(Clone, Copy)]
pub(super) struct AuthField {
    pub field: &'static str,
    pub post: &'static str,
}

pub(super) const EMAIL: AuthField = AuthField {
    field: "email",
    post: "input[email]",
};
pub(super) const PASSWORD: AuthField = AuthField {
    field: "password",
    post: "input[password]",
};
const ORGANIZATION: AuthField = AuthField {
    field: "organization",
    post: "input[organization]",
};

/// The form inside an island's wrapper, and what it holds for `field`.
pub(super) fn form_in(wrapper: NodeRef<leptos::html::Div>) -> Option<HtmlFormElement> {
    wrapper
        .get_untracked()?
        .query_selector("form")
        .ok()
        .flatten()?
        .dyn_into()
        .ok()
}

pub(super) fn read(form: &HtmlFormElement, field: AuthField) -> String {
    web_sys::FormData::new_with_form(form)
        .ok()
        .and_then(|data| data.get(field.post).as_string())
        .unwrap_or_default()
}

/// Shows `errs` in the form, and moves focus to the first field in error.
fn refuse(form: &HtmlFormElement, errs: &[AppError]) {
    if let Some(control) = show_errors(form, errs) {
        let _ = control.focus();
    }
}

/// The form's busy state while its action runs, and its answer: `on_ok`,
/// or the refusal shown in the form.
pub(super) fn show_answers(
    result: impl Get<Value = Option<Result<(), AppError>>> + 'static,
    pending: Memo<bool>,
    wrapper: NodeRef<leptos::html::Div>,
    on_ok: impl Fn() + 'static,
) {
    let pending = is_pending(pending);
    Effect::new(move |_| {
        let pending = pending();
        if let Some(form) = form_in(wrapper) {
            show_pending(&form, pending);
        }
    });
    Effect::new(move |_| match result.get() {
        Some(Ok(())) => on_ok(),
        Some(Err(err)) => {
            if let Some(form) = form_in(wrapper) {
                refuse(&form, &[err]);
            }
        }
        None => {}
    });
}

#[component]
pub(super) fn AuthCard(#[prop(into)] title: String, children: Children) -> impl IntoView {
    view! {
        <Title text=format!("{title} · Keyward") />
        <header class="topbar">
            <a class="topbar__brand" href="/">"Keyward"</a>
        </header>
        <main class="auth">
            <div class="auth__card">
                <h1 id=PAGE_HEADING tabindex="-1">{title}</h1>
                {children()}
            </div>
        </main>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let next = use_query_map().with_untracked(|q| q.get("next"));
    // A form posted before hydration came back with its error in the URL.
    let known = KnownError::new(form_post_error::<Login>());
    view! {
        <AuthCard title="Sign in">
            <PreloadLazyIsland island="login_form" />
            <LoginForm next>
                <LoginFields known />
            </LoginForm>
            <p class="auth__switch">"No account yet? " <a href="/signup">"Create an account"</a></p>
        </AuthCard>
    }
}

/// The email and password inputs both forms start with.
#[component]
pub(super) fn EmailAndPassword(
    ids: [&'static str; 2],
    password_autocomplete: &'static str,
    #[prop(default = None)] password_hint: Option<String>,
    known: KnownError,
) -> impl IntoView {
    view! {
        <TextInput
            id=ids[0]
            field=EMAIL.field
            name=EMAIL.post
            label="Email"
            input_type="email"
            autocomplete="email"
            autofocus=true
            error=known.field(EMAIL.field)
        />
        <TextInput
            id=ids[1]
            field=PASSWORD.field
            name=PASSWORD.post
            label="Password"
            input_type="password"
            autocomplete=password_autocomplete
            hint=password_hint
            error=known.field(PASSWORD.field)
        />
    }
}

/// The sign-in form, with the refusal of a plain post (`known`).
#[component]
fn LoginFields(known: KnownError) -> impl IntoView {
    let fields = [EMAIL.field, PASSWORD.field];
    view! {
        <form method="post" action=Login::PATH novalidate>
            <EmailAndPassword
                ids=["login-email", "login-password"]
                password_autocomplete="current-password"
                known=known.clone()
            />
            <FieldError id="login-error" field="" class="form-error" message=known.form(&fields) />
            <SubmitButton label="Sign in" pending_label="Signing in…" class="btn btn--primary btn--block" />
        </form>
    }
}

/// Sends the sign-in form. An island of its own chunk: only this page
/// needs it.
#[island(lazy)]
fn LoginForm(next: Option<String>, children: Children) -> impl IntoView {
    island_hydrated();
    let wrapper = NodeRef::<leptos::html::Div>::new();
    let submit = ServerAction::<Login>::new();
    show_answers(submit.value(), submit.pending(), wrapper, move || {
        // A full load, so the next page renders with the new session.
        let next = safe_next(next.as_deref());
        let _ = window().location().assign(&next);
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(form) = form_in(wrapper) else {
            return;
        };
        clear_errors(&form);
        submit.dispatch(Login {
            input: LoginInput {
                email: read(&form, EMAIL),
                password: read(&form, PASSWORD),
            },
        });
    };
    view! { <div node_ref=wrapper on:submit=on_submit>{children()}</div> }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let known = KnownError::new(form_post_error::<Signup>());
    view! {
        <AuthCard title="Create your account">
            <PreloadLazyIsland island="signup_form" />
            <SignupForm>
                <SignupFields known />
            </SignupForm>
            <p class="auth__switch">"Already have an account? " <a href="/login">"Sign in"</a></p>
        </AuthCard>
    }
}

/// The sign-up form, with the refusal of a plain post (`known`).
#[component]
fn SignupFields(known: KnownError) -> impl IntoView {
    let fields = [EMAIL.field, PASSWORD.field, ORGANIZATION.field];
    view! {
        <form method="post" action=Signup::PATH novalidate>
            <EmailAndPassword
                ids=["signup-email", "signup-password"]
                password_autocomplete="new-password"
                password_hint=Some(format!("At least {PASSWORD_MIN_CHARS} characters."))
                known=known.clone()
            />
            <TextInput
                id="signup-organization"
                field=ORGANIZATION.field
                name=ORGANIZATION.post
                label="Organization name"
                autocomplete="organization"
                error=known.field(ORGANIZATION.field)
            />
            <FieldError id="signup-error" field="" class="form-error" message=known.form(&fields) />
            <SubmitButton label="Create account" pending_label="Creating account…" class="btn btn--primary btn--block" />
        </form>
    }
}

/// Sends the sign-up form, after checking every field at once. An island
/// of its own chunk: only this page needs it.
#[island(lazy)]
fn SignupForm(children: Children) -> impl IntoView {
    island_hydrated();
    let wrapper = NodeRef::<leptos::html::Div>::new();
    let submit = ServerAction::<Signup>::new();
    show_answers(submit.value(), submit.pending(), wrapper, || {
        let _ = window().location().assign("/settings/api-keys");
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(form) = form_in(wrapper) else {
            return;
        };
        let input = SignupInput {
            email: read(&form, EMAIL),
            password: read(&form, PASSWORD),
            organization: read(&form, ORGANIZATION),
        };
        // Every field's problem at once, before a round trip.
        let found: Vec<AppError> = [
            validate_email(&input.email).err(),
            validate_password(&input.password).err(),
            validate_organization(&input.organization).err(),
        ]
        .into_iter()
        .flatten()
        .collect();
        if found.is_empty() {
            clear_errors(&form);
            submit.dispatch(Signup { input });
        } else {
            refuse(&form, &found);
        }
    };
    view! { <div node_ref=wrapper on:submit=on_submit>{children()}</div> }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::ui::names::{attr, rendered};
    use leptos::tachys::view::RenderHtml;

    /// The names the forms post under are the ones server_fn reads, and
    /// the names their errors go by are the ones the checks give.
    #[test]
    fn the_fields_names_match_the_checks_and_the_posts() {
        fn field_of<T: std::fmt::Debug>(e: Result<T, AppError>) -> String {
            match e {
                Err(AppError::Invalid { field, .. }) => field,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(field_of(validate_email("")), EMAIL.field);
        assert_eq!(field_of(validate_password("")), PASSWORD.field);
        assert_eq!(field_of(validate_organization("")), ORGANIZATION.field);
        for f in [EMAIL, PASSWORD, ORGANIZATION] {
            assert_eq!(f.post, format!("input[{}]", f.field));
        }
    }

    /// The island finds each value by its posted name, and each error's
    /// place by its field.
    #[test]
    fn the_forms_carry_the_names_their_islands_use() {
        let html = view! {
            <SignupFields known=KnownError::default() />
            <LoginFields known=KnownError::default() />
        }
        .to_html();
        for f in [EMAIL, PASSWORD, ORGANIZATION] {
            assert!(
                html.contains(&rendered("name", f.post)),
                "{}: {html}",
                f.post
            );
            assert!(html.contains(&rendered(attr::FIELD, f.field)), "{html}");
            assert!(html.contains(&rendered(attr::ERROR_FOR, f.field)), "{html}");
        }
        assert!(html.contains(&rendered(attr::ERROR_FOR, "")), "{html}");
        assert!(
            html.contains(&rendered(attr::PENDING_LABEL, "Signing in…")),
            "{html}"
        );
    }
}
