//! Sign-in and sign-up pages.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::model::auth::{
    LoginInput, PASSWORD_MIN_CHARS, SignupInput, safe_next, validate_email, validate_organization,
    validate_password,
};
use crate::model::error::AppError;
use crate::server_fns::auth::{Login, Signup};
use crate::ui::components::hydrated::island_hydrated;
use crate::ui::components::pending::is_pending;
use crate::ui::components::preload::PreloadLazyIsland;
use crate::ui::components::text_field::TextField;
use crate::ui::pages::form_post::form_post_error;
use leptos::server_fn::ServerFn;

/// Errors keyed by field; `form` holds the one that belongs to no field.
#[derive(Clone, Debug, Default, PartialEq)]
struct FormErrors(Vec<AppError>);

impl FormErrors {
    fn field(&self, name: &str) -> Option<String> {
        self.0.iter().find_map(|e| e.message_for(name))
    }

    fn form(&self, fields: &[&str]) -> Option<String> {
        self.0
            .iter()
            .find(|e| !matches!(e, AppError::Invalid { field, .. } if fields.contains(&field.as_str())))
            .map(ToString::to_string)
    }

    fn first_field(&self) -> Option<String> {
        self.0.iter().find_map(|e| match e {
            AppError::Invalid { field, .. } => Some(field.clone()),
            _ => None,
        })
    }
}

/// Moves focus to the input of the first field in error.
fn focus_field(prefix: &str, errors: &FormErrors) {
    if let Some(field) = errors.first_field()
        && let Some(el) = document().get_element_by_id(&format!("{prefix}-{field}"))
    {
        use wasm_bindgen::JsCast;
        if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    }
}

/// Runs `on_ok` when the form's action succeeds; otherwise shows the
/// error and moves focus to the field it names.
fn handle_result(
    result: impl Get<Value = Option<Result<(), AppError>>> + 'static,
    errors: RwSignal<FormErrors>,
    prefix: &'static str,
    on_ok: impl Fn() + 'static,
) {
    Effect::new(move |_| match result.get() {
        Some(Ok(())) => on_ok(),
        Some(Err(err)) => {
            let e = FormErrors(vec![err]);
            focus_field(prefix, &e);
            errors.set(e);
        }
        None => {}
    });
}

/// The form's submit button, disabled and relabelled while it works.
#[component]
fn SubmitButton(
    label: &'static str,
    pending_label: &'static str,
    pending: impl Fn() -> bool + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <button type="submit" class="btn btn--primary btn--block" disabled=pending>
            {move || if pending() { pending_label } else { label }}
        </button>
    }
}

#[component]
fn AuthCard(#[prop(into)] title: String, children: Children) -> impl IntoView {
    view! {
        <Title text=format!("{title} · Keyward") />
        <header class="topbar">
            <a class="topbar__brand" href="/">"Keyward"</a>
        </header>
        <main class="auth">
            <div class="auth__card">
                <h1 id="page-heading" tabindex="-1">{title}</h1>
                {children()}
            </div>
        </main>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let next = use_query_map().with_untracked(|q| q.get("next"));
    // A form posted before hydration came back with its error in the URL.
    let error = form_post_error::<Login>();
    view! {
        <AuthCard title="Sign in">
            <PreloadLazyIsland island="login_form" />
            <LoginForm next error />
            <p class="auth__switch">"No account yet? " <a href="/signup">"Create an account"</a></p>
        </AuthCard>
    }
}

/// An island of its own chunk: only this page needs it.
#[island(lazy)]
fn LoginForm(next: Option<String>, error: Option<AppError>) -> impl IntoView {
    island_hydrated();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = RwSignal::new(FormErrors(error.into_iter().collect()));
    let submit = ServerAction::<Login>::new();
    handle_result(submit.value(), errors, "login", move || {
        // A full load, so the next page renders with the new session.
        let next = safe_next(next.as_deref());
        let _ = window().location().assign(&next);
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.dispatch(Login {
            input: LoginInput {
                email: email.get_untracked(),
                password: password.get_untracked(),
            },
        });
    };
    view! {
            // Without the WASM yet, this posts as a plain form; once
            // hydrated, `on_submit` sends it and stays on the page.
            <form method="post" action=Login::PATH on:submit=on_submit novalidate>
                <TextField
                    id="login-email"
                    name="input[email]"
                    label="Email"
                    input_type="email"
                    autocomplete="email"
                    autofocus=true
                    value=email
                    error=Signal::derive(move || errors.with(|e| e.field("email")))
                />
                <TextField
                    id="login-password"
                    name="input[password]"
                    label="Password"
                    input_type="password"
                    autocomplete="current-password"
                    value=password
                    error=Signal::derive(move || errors.with(|e| e.field("password")))
                />
                {move || {
                    errors
                        .with(|e| e.form(&["email", "password"]))
                        .map(|m| view! { <p class="form-error" role="alert">{m}</p> })
                }}
                <SubmitButton label="Sign in" pending_label="Signing in…" pending=is_pending(submit.pending()) />
            </form>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let error = form_post_error::<Signup>();
    view! {
        <AuthCard title="Create your account">
            <PreloadLazyIsland island="signup_form" />
            <SignupForm error />
            <p class="auth__switch">"Already have an account? " <a href="/login">"Sign in"</a></p>
        </AuthCard>
    }
}

/// An island of its own chunk: only this page needs it.
#[island(lazy)]
fn SignupForm(error: Option<AppError>) -> impl IntoView {
    island_hydrated();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let organization = RwSignal::new(String::new());
    let errors = RwSignal::new(FormErrors(error.into_iter().collect()));
    let submit = ServerAction::<Signup>::new();
    handle_result(submit.value(), errors, "signup", || {
        let _ = window().location().assign("/settings/api-keys");
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = SignupInput {
            email: email.get_untracked(),
            password: password.get_untracked(),
            organization: organization.get_untracked(),
        };
        // Every field's problem at once, before a round trip.
        let found = FormErrors(
            [
                validate_email(&input.email).err(),
                validate_password(&input.password).err(),
                validate_organization(&input.organization).err(),
            ]
            .into_iter()
            .flatten()
            .collect(),
        );
        if found.0.is_empty() {
            errors.set(FormErrors::default());
            submit.dispatch(Signup { input });
        } else {
            focus_field("signup", &found);
            errors.set(found);
        }
    };
    view! {
            <form method="post" action=Signup::PATH on:submit=on_submit novalidate>
                <TextField
                    id="signup-email"
                    name="input[email]"
                    label="Email"
                    input_type="email"
                    autocomplete="email"
                    autofocus=true
                    value=email
                    error=Signal::derive(move || errors.with(|e| e.field("email")))
                />
                <TextField
                    id="signup-password"
                    name="input[password]"
                    label="Password"
                    input_type="password"
                    autocomplete="new-password"
                    hint=format!("At least {PASSWORD_MIN_CHARS} characters.")
                    value=password
                    error=Signal::derive(move || errors.with(|e| e.field("password")))
                />
                <TextField
                    id="signup-organization"
                    name="input[organization]"
                    label="Organization name"
                    autocomplete="organization"
                    value=organization
                    error=Signal::derive(move || errors.with(|e| e.field("organization")))
                />
                {move || {
                    errors
                        .with(|e| e.form(&["email", "password", "organization"]))
                        .map(|m| view! { <p class="form-error" role="alert">{m}</p> })
                }}
                <SubmitButton label="Create account" pending_label="Creating account…" pending=is_pending(submit.pending()) />
            </form>
    }
}
