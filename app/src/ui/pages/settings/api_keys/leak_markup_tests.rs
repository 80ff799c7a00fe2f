//! What the page shows of leaks and expiries: the row's **Leaked** badge,
//! the banner and its links, and the Roll dialog of a leaked key.

use super::dialogs::dialog_html;
use super::list::{ALERTS_LABEL, list_html};
use super::markup_tests::key;
use super::names::ids;
use crate::model::key_policy::KeyPolicy;
use crate::model::keys::{KeyDialog, KeyId, KeyList, KeySummary};
use crate::model::leaks::Leak;
use crate::ui::names::rendered;

fn listed(keys: Vec<KeySummary>, now: chrono::DateTime<chrono::Utc>) -> String {
    list_html(KeyList {
        keys,
        may_manage: true,
        policy: KeyPolicy::default(),
        may_set_policy: true,
        read_at: now,
        leak_response: Default::default(),
    })
}

fn leaked(id: i64, name: &str) -> KeySummary {
    let mut key = key(id, name, false);
    key.leaked = Some(Leak {
        at: chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap(),
        url: Some("https://github.com/o/r/blob/1/<b>.py".into()),
    });
    key
}

#[test]
fn a_leaked_key_is_marked_with_when_and_where_and_the_banner_links_to_it() {
    let now = chrono::Utc::now();
    let mut soon = key(8, "Soon", false);
    soon.expires_at = Some(now + chrono::Duration::days(2));
    let html = listed(vec![leaked(7, "Zapier"), soon, key(9, "Calm", false)], now);
    assert_eq!(html.matches(">Leaked<").count(), 1, "{html}");
    assert!(html.contains(">Reported leaked on "), "{html}");
    // Where it was found is the scanner's text: escaped.
    assert!(
        html.contains("found at https://github.com/o/r/blob/1/&lt;b&gt;.py"),
        "{html}"
    );
    assert!(!html.contains("<b>"), "{html}");
    for id in [7, 8, 9] {
        assert!(
            html.contains(&rendered("id", &ids::key_row(KeyId(id)))),
            "{id}: {html}"
        );
    }
    let banner = &html[..html.find("<table").expect("a table")];
    assert!(banner.contains(ALERTS_LABEL), "{banner}");
    let link = |id| rendered("href", &format!("#{}", ids::key_row(KeyId(id))));
    assert!(banner.contains(&link(7)) && banner.contains("1 key was reported leaked"));
    assert!(banner.contains(&link(8)) && banner.contains("1 key expires within 7 days"));
    assert!(!banner.contains("Calm"), "{banner}");
}

#[test]
fn no_banner_when_nothing_needs_attention() {
    let html = listed(vec![key(1, "Calm", false)], chrono::Utc::now());
    assert!(!html.contains(ALERTS_LABEL), "{html}");
}

#[test]
fn rolling_a_leaked_key_offers_no_grace_period() {
    let html = dialog_html(leaked(7, "Zapier"), KeyPolicy::default(), KeyDialog::Roll);
    assert!(html.contains(super::dialogs::LEAKED_ROLL_HINT), "{html}");
    // The hint describes the select, which has focus when the dialog opens.
    assert!(
        html.contains(r#"aria-describedby="roll-grace-hint""#),
        "{html}"
    );
    assert_eq!(
        grace_options(&html),
        [r#"<option value="now" selected>"#],
        "{html}"
    );
    let calm = dialog_html(key(8, "Calm", false), KeyPolicy::default(), KeyDialog::Roll);
    assert_eq!(grace_options(&calm).len(), 4, "{calm}");
    assert!(!calm.contains(super::dialogs::LEAKED_ROLL_HINT));
}

/// The options of the **Old key stops working** select.
fn grace_options(html: &str) -> Vec<&str> {
    let start = html.find(r#"id="roll-grace""#).expect("the grace select");
    let end = start + html[start..].find("</select>").unwrap();
    html[start..end]
        .match_indices("<option")
        .map(|(at, _)| {
            let tag = &html[start + at..];
            &tag[..=tag.find('>').unwrap()]
        })
        .collect()
}
