//! The server's markup carries every name `KeyManager` looks for: each
//! view is rendered to HTML and searched for the names in `names.rs` (and
//! `ui::names`), so renaming one side alone fails here.

use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;

use super::dialogs::{NewKeyTemplate, dialog_html};
use super::list::list_html;
use super::names::{DialogAction, NEW_KEY_TEMPLATE, RowAction, Submit, attr, fields, ids};
use crate::model::expiry::Expiry;
use crate::model::key_policy::KeyPolicy;
use crate::model::keys::{KeyDialog, KeyId, KeySummary};
use crate::model::permissions::{Access, Group, Level, Requirement};
use crate::ui::names::{self, rendered};

/// A key as the list and the dialogs get it.
pub(super) fn key(id: i64, name: &str, is_webhook: bool) -> KeySummary {
    let mut key = crate::model::keys::tests::summary(id);
    key.name = name.into();
    key.is_webhook = is_webhook;
    key.created_by = Some("ada@example.com".into());
    key
}

#[track_caller]
fn carries(html: &str, attr: &str, value: &str) {
    assert!(
        html.contains(&rendered(attr, value)),
        "{attr}={value}: {html}"
    );
}

#[track_caller]
fn flags(html: &str, attr: &str) {
    assert!(
        html.contains(&format!(" {attr}>")) || html.contains(&format!(" {attr} ")),
        "{attr}: {html}"
    );
}

fn new_key_template() -> String {
    view! { <NewKeyTemplate policy=KeyPolicy::default() now=chrono::Utc::now() /> }.to_html()
}

#[test]
fn the_rows_name_their_key_action_and_name() {
    let html = list_html(crate::model::keys::KeyList {
        keys: vec![key(7, "Zapier", false)],
        may_manage: true,
        policy: KeyPolicy::default(),
        may_set_policy: true,
        read_at: chrono::Utc::now(),
        leak_response: Default::default(),
    });
    for action in RowAction::ALL {
        carries(&html, names::attr::ACTION, action.slug());
    }
    carries(&html, attr::KEY, "7");
    carries(&html, "id", &ids::key_name(KeyId(7)));
}

#[test]
fn adds_form_is_in_its_template_and_says_what_it_does() {
    let html = new_key_template();
    carries(&html, "id", NEW_KEY_TEMPLATE);
    carries(&html, attr::SUBMIT, Submit::Create.slug());
    carries(&html, names::attr::LABELLEDBY, ids::KEY_FORM_TITLE);
    carries(&html, "id", ids::KEY_FORM_TITLE);
    carries(&html, "id", ids::KEY_FORM_ERROR);
    carries(&html, names::attr::ERROR_FOR, "");
    carries(&html, names::attr::PENDING_LABEL, "Creating…");
    carries(&html, names::attr::ACTION, DialogAction::Close.slug());
}

/// `read_form` reads these names, and `restrict_to` checks these inputs.
#[test]
fn the_key_form_has_each_field_the_island_reads() {
    let html = new_key_template();
    for field in [
        fields::NAME,
        fields::RESTRICTED,
        fields::EXPIRES,
        fields::EXPIRY_DATE,
        fields::ALLOWED_IPS,
        fields::REQUESTS_PER_MINUTE,
    ] {
        carries(&html, "name", field);
    }
    for field in [
        fields::NAME,
        fields::EXPIRY_DATE,
        fields::ALLOWED_IPS,
        fields::REQUESTS_PER_MINUTE,
    ] {
        carries(&html, names::attr::FIELD, field);
        carries(&html, names::attr::ERROR_FOR, field);
    }
    // The key policy's refusals go beside Restrict permissions and Expires.
    for field in [fields::RESTRICTED, fields::EXPIRES] {
        carries(&html, names::attr::ERROR_FOR, field);
    }
    for group in Group::ALL {
        carries(&html, "name", &fields::level(group));
        for level in Level::ALL.into_iter().filter(|l| group.offers(*l)) {
            assert!(
                html.contains(&format!(
                    r#"name="{}" value="{}""#,
                    fields::level(group),
                    level.slug()
                )) || html.contains(&format!(
                    r#"value="{}" name="{}""#,
                    level.slug(),
                    fields::level(group)
                )),
                "{group:?} {level:?}: {html}"
            );
        }
    }
}

/// Where `reveal_secret` and `copy_secret` put the new secret.
#[test]
fn add_and_roll_have_a_place_for_the_secret() {
    let roll = dialog_html(
        key(3, "Zapier", false),
        KeyPolicy::default(),
        KeyDialog::Roll,
    );
    for html in [new_key_template(), roll] {
        flags(&html, names::attr::REVEAL);
        flags(&html, attr::REVEAL_NAME);
        flags(&html, names::attr::COPY_STATUS);
        carries(&html, "id", ids::NEW_KEY_SECRET);
        carries(&html, "id", ids::SECRET_TITLE);
        carries(&html, names::attr::ACTION, DialogAction::Copy.slug());
        carries(&html, names::attr::ACTION, DialogAction::Close.slug());
    }
}

#[test]
fn edit_roll_and_delete_say_what_they_do_to_which_key() {
    let edit = dialog_html(
        key(3, "Zapier", false),
        KeyPolicy::default(),
        KeyDialog::Edit,
    );
    carries(&edit, attr::SUBMIT, Submit::Update.slug());
    carries(&edit, attr::KEY, "3");
    let roll = dialog_html(
        key(3, "Zapier", false),
        KeyPolicy::default(),
        KeyDialog::Roll,
    );
    carries(&roll, attr::SUBMIT, Submit::Roll.slug());
    carries(&roll, attr::KEY, "3");
    carries(&roll, "name", fields::GRACE);
    carries(&roll, names::attr::LABELLEDBY, ids::ROLL_TITLE);
    carries(&roll, "id", ids::ROLL_TITLE);
    carries(&roll, "id", ids::ROLL_ERROR);
    let delete = dialog_html(
        key(3, "Zapier", false),
        KeyPolicy::default(),
        KeyDialog::Delete,
    );
    carries(&delete, attr::SUBMIT, Submit::Delete.slug());
    carries(&delete, attr::KEY, "3");
    carries(&delete, attr::NAME, "Zapier");
    carries(&delete, names::attr::LABELLEDBY, ids::DELETE_TITLE);
    carries(&delete, names::attr::DESCRIBEDBY, ids::DELETE_DESC);
    carries(&delete, "id", ids::DELETE_TITLE);
    carries(&delete, "id", ids::DELETE_DESC);
    carries(&delete, "id", ids::DELETE_ERROR);
    let webhook = dialog_html(
        key(4, "Hooks", true),
        KeyPolicy::default(),
        KeyDialog::Delete,
    );
    carries(&webhook, names::attr::LABELLEDBY, ids::DELETE_TITLE);
    carries(&webhook, "id", ids::DELETE_DESC);
    carries(&webhook, names::attr::ACTION, DialogAction::Close.slug());
}

/// **Restrict to what it used** carries its levels in the format
/// `restrict_to` reads.
#[test]
fn the_suggestion_carries_its_levels() {
    let mut used = key(5, "Used", false);
    used.usage.used = vec![Requirement {
        group: Group::History,
        level: Level::Read,
    }];
    let html = dialog_html(used, KeyPolicy::default(), KeyDialog::Edit);
    carries(&html, names::attr::ACTION, DialogAction::Suggest.slug());
    carries(&html, attr::LEVELS, "history=read");
}

/// The stylesheet shows the permission grid and the date field by
/// following the form's own controls (`:has()`): it names them by the ids
/// and the value the form renders.
#[test]
fn the_stylesheet_follows_the_forms_controls_by_their_names() {
    let css = include_str!("../../../../../../style/main.css");
    let html = new_key_template();
    for id in [ids::KEY_RESTRICTED, ids::KEY_EXPIRES] {
        assert!(css.contains(&names::by_id(id)), "main.css lacks #{id}");
        carries(&html, "id", id);
    }
    let on_a_date = format!(
        "{} option[value=\"{}\"]",
        names::by_id(ids::KEY_EXPIRES),
        crate::model::expiry::Expiry::ON_A_DATE
    );
    assert!(css.contains(&on_a_date), "main.css lacks {on_a_date}");
    carries(&html, "value", crate::model::expiry::Expiry::ON_A_DATE);
    // Roll's form shows its date the same way: it is a `.key-form` too.
    let roll = dialog_html(
        key(3, "Zapier", false),
        KeyPolicy::default(),
        KeyDialog::Roll,
    );
    assert!(css.contains(".key-form:not(:has(#key-expires"), "main.css");
    assert!(roll.contains(r#"class="dialog__body key-form""#), "{roll}");
    carries(&roll, "id", ids::KEY_EXPIRES);
}

fn thirty_days_restricted() -> KeyPolicy {
    KeyPolicy {
        max_lifetime: crate::model::key_policy::MaxLifetime::Days30,
        require_restricted: true,
    }
}

/// Under a 30-day policy Add offers no Never and no preset past 30 days,
/// chooses the longest allowed, caps the date; and keeps Restrict
/// permissions on, sending it from a hidden field.
#[test]
fn add_offers_only_what_the_key_policy_allows() {
    let html = view! { <NewKeyTemplate policy=thirty_days_restricted() now=chrono::Utc::now() /> }
        .to_html();
    let option = |value: &str| format!(r#"<option value="{value}""#);
    assert!(!html.contains(&option(Expiry::NEVER)), "{html}");
    assert!(!html.contains(r#"<option value="90""#), "{html}");
    assert!(html.contains(r#"<option value="30" selected>"#), "{html}");
    assert!(html.contains(r#"<option value="7">"#), "{html}");
    let latest = (chrono::Utc::now() + chrono::Duration::days(30)).date_naive();
    carries(&html, "max", &crate::model::dates::iso_day(latest));
    assert!(html.contains("keys expire within 30 days"), "{html}");
    assert!(
        html.contains(&format!(
            r#"<input type="hidden" name="{}" value="on">"#,
            fields::RESTRICTED
        )),
        "{html}"
    );
    flags(&html, "disabled");
    // Without a policy: Never, chosen, and every preset.
    let free = new_key_template();
    assert!(
        free.contains(&format!("{} selected>", option(Expiry::NEVER))),
        "{free}"
    );
    assert!(free.contains(r#"<option value="90">"#), "{free}");
    assert!(!free.contains(r#"type="hidden""#), "{free}");
}

/// Edit and Roll offer to keep an expiry only while it keeps to the
/// policy; Roll asks for the expiry at all.
#[test]
fn edit_and_roll_keep_an_expiry_only_within_the_policy() {
    let mut far = key(3, "Zapier", false);
    far.expires_at = Some(chrono::Utc::now() + chrono::Duration::days(200));
    let mut near = far.clone();
    near.expires_at = Some(chrono::Utc::now() + chrono::Duration::days(10));
    for dialog in [KeyDialog::Edit, KeyDialog::Roll] {
        let outside = dialog_html(far.clone(), thirty_days_restricted(), dialog);
        assert!(
            !outside.contains(&rendered("value", Expiry::KEEP)),
            "{dialog:?}: {outside}"
        );
        carries(&outside, "name", fields::EXPIRES);
        let within = dialog_html(near.clone(), thirty_days_restricted(), dialog);
        assert!(
            within.contains(&format!(r#"<option value="{}" selected>"#, Expiry::KEEP)),
            "{dialog:?}: {within}"
        );
    }
}

/// A key made before the policy is marked, with how it breaks it.
#[test]
fn a_key_outside_the_policy_is_marked_with_why() {
    use crate::model::key_policy::Breach;
    let mut old = key(5, "Legacy", false);
    old.outside_policy = vec![Breach::Lifetime, Breach::Unrestricted];
    let html = list_html(crate::model::keys::KeyList {
        keys: vec![old, key(6, "New", false)],
        may_manage: true,
        policy: thirty_days_restricted(),
        may_set_policy: true,
        read_at: chrono::Utc::now(),
        leak_response: Default::default(),
    });
    assert_eq!(html.matches(">Outside policy").count(), 1, "{html}");
    assert!(
        html.contains(&format!(
            "{} {}",
            crate::model::key_policy::lifetime_refusal(30),
            crate::model::key_policy::RESTRICTED_REQUIRED
        )),
        "{html}"
    );
}

/// Editing a full-access key under required restriction says that saving
/// as it is leaves the key no access; a restricted key is not told.
#[test]
fn edit_warns_when_required_restriction_will_narrow_a_full_key() {
    let warning = "This key has full access: choose what it may do before saving";
    let full = dialog_html(
        key(3, "Zapier", false),
        thirty_days_restricted(),
        KeyDialog::Edit,
    );
    assert!(full.contains(warning), "{full}");
    let mut narrow = key(4, "Narrow", false);
    narrow.access = Access::Restricted(crate::model::permissions::Restrictions::none());
    let narrow = dialog_html(narrow, thirty_days_restricted(), KeyDialog::Edit);
    assert!(!narrow.contains(warning), "{narrow}");
}
