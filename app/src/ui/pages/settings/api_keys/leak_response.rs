//! **When a key is reported leaked**: what a secret scanner's report does
//! to the key (`domain::keys::leaks`). Part of the key policy, so the same
//! roles change it; like it, a plain form posted to its server function
//! (`save_leak_response`) that comes back to the page. No island.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::model::leaks::{LEAK_RESPONSE_FIELD, LeakResponse};
use crate::server_fns::keys::SaveLeakResponse;
use crate::ui::components::field_error::{FieldError, KnownError};
use crate::ui::components::submit::SubmitButton;

/// The ids the form's controls are labelled and described by.
pub mod ids {
    pub const LEGEND: &str = "leak-response-legend";
    pub const HINT: &str = "leak-response-hint";
    pub const ERROR: &str = "leak-response-error";

    /// The radio button of one choice.
    pub fn choice(slug: &str) -> String {
        format!("leak-response-{slug}")
    }
}

/// What each choice does, under its label.
fn explain(response: LeakResponse) -> &'static str {
    match response {
        LeakResponse::Quarantine => {
            "The key stops working and is marked Leaked until you roll or delete it."
        }
        LeakResponse::Delete => {
            "The key is deleted. The webhook key, which cannot be deleted, is quarantined."
        }
    }
}

/// The form. `may_set`: the viewer may change the key policy; others see
/// the choice in force, disabled. `known`: a refused post that came back.
#[component]
pub fn LeakResponseForm(response: LeakResponse, may_set: bool, known: KnownError) -> impl IntoView {
    let choices = LeakResponse::ALL
        .into_iter()
        .map(|choice| {
            let id = ids::choice(choice.slug());
            let hint = format!("{id}-hint");
            view! {
                <div class="field field--check">
                    <input
                        type="radio"
                        id=id.clone()
                        name=LEAK_RESPONSE_FIELD
                        value=choice.slug()
                        checked=choice == response
                        disabled=!may_set
                        aria-describedby=hint.clone()
                    />
                    <label for=id>{choice.label()}</label>
                    <p class="field-hint" id=hint>{explain(choice)}</p>
                </div>
            }
        })
        .collect_view();
    view! {
        <form method="post" action=SaveLeakResponse::PATH class="key-policy__form">
            <fieldset aria-describedby=ids::HINT>
                <legend id=ids::LEGEND>"When a key is reported leaked"</legend>
                <p class="field-hint" id=ids::HINT>
                    "GitHub secret scanning reports keys pushed to public repositories."
                </p>
                {choices}
            </fieldset>
            <FieldError id=ids::ERROR field="" class="form-error" message=known.form(&[]) />
            {if may_set {
                view! { <SubmitButton label="Save" pending_label="Saving…" describedby=ids::LEGEND /> }
                    .into_any()
            } else {
                view! { <p class="field-hint">"Only Admins can change what happens to leaked keys."</p> }
                    .into_any()
            }}
        </form>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::ui::names::rendered;
    use leptos::tachys::view::RenderHtml;

    fn html(response: LeakResponse, may_set: bool) -> String {
        view! { <LeakResponseForm response may_set known=KnownError::default() /> }.to_html()
    }

    /// The form posts the name and values `save_leak_response` reads,
    /// shows the choice in force, and offers Save only to those who may.
    #[test]
    fn the_leak_response_form_posts_what_its_server_function_reads() {
        let admin = html(LeakResponse::Delete, true);
        assert!(
            admin.contains(&rendered("action", SaveLeakResponse::PATH)),
            "{admin}"
        );
        for choice in LeakResponse::ALL {
            assert!(admin.contains(&rendered("value", choice.slug())), "{admin}");
            assert!(admin.contains(choice.label()), "{admin}");
        }
        assert!(
            admin.contains(&rendered("name", LEAK_RESPONSE_FIELD)),
            "{admin}"
        );
        let checked = admin.find(" checked").expect("one choice is checked");
        let delete = admin.find(&rendered("value", "delete")).unwrap();
        let quarantine = admin.find(&rendered("value", "quarantine")).unwrap();
        assert!(quarantine < delete && delete < checked, "{admin}");
        assert!(
            admin.contains(">Save<") && !admin.contains("disabled"),
            "{admin}"
        );
        let member = html(LeakResponse::Quarantine, false);
        assert!(
            !member.contains(">Save<") && member.contains("disabled"),
            "{member}"
        );
        assert!(member.contains("Only Admins can change what happens to leaked keys."));
    }
}
