//! The island finds what it acts on in the server's markup by the names
//! in `names.rs`: each view must carry them, and an Admin's view only
//! the controls an Admin has.

use super::dialogs::DialogTemplates;
use super::list::list_html;
use super::names::{INVITE_TEMPLATE, PageAction, REMOVE_TEMPLATE, attr, fields, ids};
use crate::model::members::{
    InvitationId, InvitationSummary, MemberSummary, MembersOverview, UserId,
};
use crate::model::roles::Role;
use crate::ui::names::{self, rendered};
use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;

fn overview(your_role: Role) -> MembersOverview {
    MembersOverview {
        members: vec![
            MemberSummary {
                user: UserId(1),
                email: "ada@example.com".into(),
                role: Role::Admin,
                last_signed_in_at: None,
            },
            MemberSummary {
                user: UserId(2),
                email: "<b>bob</b>@example.com".into(),
                role: Role::Developer,
                last_signed_in_at: chrono::DateTime::from_timestamp(1_795_000_000, 0),
            },
        ],
        invitations: vec![InvitationSummary {
            id: InvitationId(5),
            email: "cy@example.com".into(),
            role: Role::Member,
            expires_at: chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap(),
        }],
        you: UserId(1),
        your_role,
    }
}

#[test]
fn an_admin_gets_every_control_named_for_its_member() {
    let html = list_html(overview(Role::Admin));
    assert!(
        html.contains(r#"aria-label="Role for ada@example.com""#),
        "{html}"
    );
    assert!(
        html.contains(r#"aria-label="Remove ada@example.com""#),
        "{html}"
    );
    assert!(
        html.contains(r#"aria-label="Revoke invitation for cy@example.com""#),
        "{html}"
    );
    for (name, value) in [
        (names::attr::ACTION, PageAction::AskRemove.slug()),
        (names::attr::ACTION, PageAction::Revoke.slug()),
        (attr::MEMBER, "2"),
        (attr::INVITATION, "5"),
        (attr::CURRENT, Role::Developer.slug()),
        ("id", ids::role_select(UserId(2)).as_str()),
        ("id", ids::role_error(UserId(2)).as_str()),
    ] {
        assert!(
            html.contains(&rendered(name, value)),
            "{name}={value}: {html}"
        );
    }
    assert!(html.contains(attr::EMAIL), "{html}");
    assert!(html.contains("Expires "), "{html}");
    // Emails are text, not markup.
    assert!(!html.contains("<b>bob"), "{html}");
}

#[test]
fn others_see_the_list_without_controls() {
    for role in [Role::Developer, Role::Member] {
        let html = list_html(overview(role));
        assert!(html.contains("ada@example.com") && html.contains("cy@example.com"));
        assert!(
            !html.contains("<button") && !html.contains("<select"),
            "{html}"
        );
        assert!(
            html.contains("Developer") && html.contains("Admin"),
            "{html}"
        );
    }
}

#[test]
fn the_dialogs_carry_what_the_island_reads() {
    let html = view! { <DialogTemplates /> }.to_html();
    for (name, value) in [
        ("id", INVITE_TEMPLATE),
        ("id", REMOVE_TEMPLATE),
        ("id", ids::INVITATION_LINK),
        ("id", ids::LINK_TITLE),
        (attr::SUBMIT, PageAction::Invite.slug()),
        (attr::SUBMIT, PageAction::Remove.slug()),
        (names::attr::ACTION, PageAction::Copy.slug()),
        (names::attr::ACTION, PageAction::Close.slug()),
        ("name", fields::EMAIL),
        ("name", fields::ROLE),
        (names::attr::LABELLEDBY, ids::INVITE_TITLE),
        (names::attr::LABELLEDBY, ids::REMOVE_TITLE),
    ] {
        assert!(
            html.contains(&rendered(name, value)),
            "{name}={value}: {html}"
        );
    }
    for bare in [
        names::attr::REVEAL,
        names::attr::COPY_STATUS,
        attr::REMOVE_EMAIL,
    ] {
        assert!(html.contains(bare), "{bare}: {html}");
    }
    assert!(
        html.contains(r#"<option value="developer" selected"#),
        "{html}"
    );
    for action in PageAction::ALL {
        assert_eq!(PageAction::from_slug(action.slug()), Some(action));
    }
}
