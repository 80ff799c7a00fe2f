//! **Key policy**: the organization's maximum key lifetime and whether
//! keys must be restricted. Everyone sees it; Admins change it.
//!
//! A plain form, posted to `save_key_policy`, which comes back to the page:
//! the new policy changes what Add offers and which rows are marked, all of
//! which the server renders, so the page is simply rendered again. No
//! island, so nothing of it is in the browser's bundle.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::leak_response::LeakResponseForm;
use crate::model::key_policy::{KeyPolicy, MaxLifetime, policy_fields};
use crate::model::leaks::LeakResponse;
use crate::server_fns::keys::SaveKeyPolicy;
use crate::ui::components::field_error::{FieldError, KnownError};
use crate::ui::components::select_field::SelectField;
use crate::ui::components::submit::SubmitButton;

/// The ids the section's controls are labelled and described by.
pub mod ids {
    pub const TITLE: &str = "key-policy-title";
    pub const MAX_LIFETIME: &str = "key-policy-max-lifetime";
    pub const REQUIRE_RESTRICTED: &str = "key-policy-require-restricted";
    pub const REQUIRE_RESTRICTED_HINT: &str = "key-policy-require-restricted-hint";
    pub const ERROR: &str = "key-policy-error";
}

/// The section. `may_set`: the viewer is an Admin, so the controls can be
/// changed and **Save policy** is there; others see the policy in force.
/// `known`: the refusal of a post that came back (`form_post_error`).
/// Under it, **When a key is reported leaked** (`leak_response`), which
/// the same roles change, with its own form and its own refusal
/// (`leak_known`).
#[component]
pub fn KeyPolicySection(
    policy: KeyPolicy,
    may_set: bool,
    known: KnownError,
    leak_response: LeakResponse,
    leak_known: KnownError,
) -> impl IntoView {
    let options = MaxLifetime::ALL
        .iter()
        .map(|m| (m.slug().to_owned(), m.label().to_owned()))
        .collect();
    view! {
        <section class="key-policy" aria-labelledby=ids::TITLE>
            <h2 id=ids::TITLE>"Key policy"</h2>
            <form method="post" action=SaveKeyPolicy::PATH class="key-policy__form">
                <SelectField
                    id=ids::MAX_LIFETIME
                    label="Maximum key lifetime"
                    name=policy_fields::MAX_LIFETIME
                    options
                    selected=policy.max_lifetime.slug().to_owned()
                    disabled=!may_set
                    hint=Some("New keys, edited keys and rolled keys must expire within it.".into())
                    error=known.field(policy_fields::MAX_LIFETIME)
                />
                <div class="field field--check">
                    <input
                        id=ids::REQUIRE_RESTRICTED
                        name=policy_fields::REQUIRE_RESTRICTED
                        type="checkbox"
                        role="switch"
                        checked=policy.require_restricted
                        disabled=!may_set
                        aria-describedby=ids::REQUIRE_RESTRICTED_HINT
                    />
                    <label for=ids::REQUIRE_RESTRICTED>"Require restricted keys"</label>
                    <p class="field-hint" id=ids::REQUIRE_RESTRICTED_HINT>
                        "Keys cannot be created or saved without Restrict permissions."
                    </p>
                </div>
                <FieldError
                    id=ids::ERROR
                    field=""
                    class="form-error"
                    message=known.form(&[policy_fields::MAX_LIFETIME])
                />
                {if may_set {
                    view! { <SubmitButton label="Save policy" pending_label="Saving…" /> }.into_any()
                } else {
                    view! { <p class="field-hint">"Only Admins can change the key policy."</p> }
                        .into_any()
                }}
            </form>
            <p class="field-hint">
                "Keys that break a new policy keep working. They are marked Outside policy until edited or rolled within it."
            </p>
            <LeakResponseForm response=leak_response may_set known=leak_known />
        </section>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::ui::names::rendered;
    use leptos::tachys::view::RenderHtml;

    fn html(policy: KeyPolicy, may_set: bool) -> String {
        view! {
            <KeyPolicySection
                policy
                may_set
                known=KnownError::default()
                leak_response=LeakResponse::default()
                leak_known=KnownError::default()
            />
        }
        .to_html()
    }

    /// The form posts the names `save_key_policy` reads, shows the policy
    /// in force, and offers Save only to Admins.
    #[test]
    fn the_policy_form_posts_what_its_server_function_reads() {
        let policy = KeyPolicy {
            max_lifetime: MaxLifetime::Days90,
            require_restricted: true,
        };
        let admin = html(policy, true);
        assert!(
            admin.contains(&rendered("action", SaveKeyPolicy::PATH)),
            "{admin}"
        );
        for name in [
            policy_fields::MAX_LIFETIME,
            policy_fields::REQUIRE_RESTRICTED,
        ] {
            assert!(admin.contains(&rendered("name", name)), "{name}: {admin}");
        }
        assert!(admin.contains(r#"<option value="90" selected>"#), "{admin}");
        assert!(admin.contains("checked"), "{admin}");
        assert!(admin.contains("Save policy") && !admin.contains("disabled"));
        let developer = html(policy, false);
        assert!(!developer.contains("Save policy"), "{developer}");
        assert!(developer.contains("disabled"), "{developer}");
        assert!(developer.contains("Only Admins can change the key policy."));
    }
}
