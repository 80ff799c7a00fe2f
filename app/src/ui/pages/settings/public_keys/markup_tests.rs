//! The island finds what it acts on in the server's markup by the names
//! in `names.rs` and the model's field names: each view must carry them,
//! and a viewer who may not change keys gets none of the controls.

use super::dialogs::{DialogTemplates, form_html};
use super::list::list_html;
use super::names::{ADD_TEMPLATE, DELETE_TEMPLATE, PageAction, attr, ids};
use crate::model::key_fields;
use crate::model::public_keys::{
    AGENTS_FIELD, ALLOWED_DOMAINS_FIELD, PublicKeyId, PublicKeyList, PublicKeySummary,
    WEB_CALLS_FIELD,
};
use crate::ui::names::{self, rendered};
use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;

fn key() -> PublicKeySummary {
    PublicKeySummary {
        id: PublicKeyId(7),
        name: "<b>Site</b>".into(),
        key: "pk_abc".into(),
        domains: vec!["example.com".into(), "*.example.com".into()],
        agents: vec![],
        web_calls_per_minute: 30,
        created_at: chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap(),
        last_used_at: None,
        daily: vec![0, 2, 1],
        refused: 1,
    }
}

fn list(may_manage: bool) -> String {
    list_html(PublicKeyList {
        keys: vec![key()],
        may_manage,
    })
}

#[test]
fn a_manager_gets_each_rows_controls_named_for_its_key() {
    let html = list(true);
    for label in [
        "Copy &lt;b&gt;Site&lt;/b&gt;",
        "Edit &lt;b&gt;Site&lt;/b&gt;",
        "Delete &lt;b&gt;Site&lt;/b&gt;",
    ] {
        assert!(
            html.contains(&rendered("aria-label", label)),
            "{label}: {html}"
        );
    }
    for (name, value) in [
        (names::attr::ACTION, PageAction::Copy.slug()),
        (names::attr::ACTION, PageAction::Edit.slug()),
        (names::attr::ACTION, PageAction::AskDelete.slug()),
        (attr::KEY, "7"),
        (attr::COPY, "pk_abc"),
        (attr::NAME, "&lt;b&gt;Site&lt;/b&gt;"),
    ] {
        assert!(html.contains(&rendered(name, value)), "{name}: {html}");
    }
    assert!(!html.contains("<b>Site"), "names are escaped: {html}");
    assert!(
        html.contains("*.example.com") && html.contains("Any agent"),
        "{html}"
    );
    assert!(html.contains("3 web calls in 30 days"), "{html}");
    assert!(html.contains("Web calls in the last 30 days: 3"), "{html}");
    assert!(html.contains(", 1 refused"), "{html}");
    assert!(html.contains("30 web calls a minute per domain"), "{html}");
}

#[test]
fn a_member_sees_the_keys_without_edit_or_delete() {
    let html = list(false);
    assert!(html.contains("pk_abc"), "the key is shown whole: {html}");
    assert!(html.contains(PageAction::Copy.slug()), "{html}");
    for action in [PageAction::Edit, PageAction::AskDelete] {
        assert!(
            !html.contains(&rendered(names::attr::ACTION, action.slug())),
            "{html}"
        );
    }
}

#[test]
fn the_forms_carry_the_fields_the_island_and_the_server_name() {
    let templates = view! { <DialogTemplates /> }.to_html();
    assert!(
        templates.contains(&rendered("id", ADD_TEMPLATE)),
        "{templates}"
    );
    assert!(
        templates.contains(&rendered("id", DELETE_TEMPLATE)),
        "{templates}"
    );
    assert!(templates.contains(&rendered(attr::SUBMIT, PageAction::Create.slug())));
    assert!(templates.contains(&rendered(attr::SUBMIT, PageAction::Delete.slug())));
    assert!(templates.contains(attr::DELETE_NAME), "{templates}");
    assert!(
        templates.contains(&rendered(names::attr::ACTION, PageAction::Close.slug())),
        "{templates}"
    );
    for field in [
        key_fields::NAME,
        ALLOWED_DOMAINS_FIELD,
        AGENTS_FIELD,
        WEB_CALLS_FIELD,
    ] {
        assert!(
            templates.contains(&rendered(names::attr::FIELD, field)),
            "{field}: {templates}"
        );
    }
    assert!(templates.contains("Add public key"), "{templates}");
    assert!(templates.contains(">60<") || templates.contains(r#"value="60""#));
    let edit = form_html(key());
    assert!(
        edit.contains(&rendered(attr::SUBMIT, PageAction::Save.slug())),
        "{edit}"
    );
    assert!(edit.contains(&rendered(attr::KEY, "7")), "{edit}");
    assert!(edit.contains("example.com\n*.example.com"), "{edit}");
    assert!(edit.contains(&rendered("id", ids::FORM_TITLE)), "{edit}");
    assert!(edit.contains(r#"value="30""#), "{edit}");
}
