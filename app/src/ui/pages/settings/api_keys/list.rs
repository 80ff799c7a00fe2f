//! The list of keys as the server renders it, on the page and after each
//! change (`fragments::key_table`).

use leptos::either::Either;
use leptos::prelude::*;

use super::names::{RowAction, ids};
use crate::model::dates::format_date;
use crate::model::expiry::format_time;
use crate::model::key_alerts::alerts;
use crate::model::key_policy::{Breach, KeyPolicy};
use crate::model::keys::{KeyDialog, KeyId, KeyList as Listing, KeySummary};
use crate::model::leaks::Leak;
use crate::ui::components::data_table::DataTable;
use crate::ui::components::icons::TrashIcon;
use crate::ui::components::sparkline::Sparkline;

/// The list as the server renders it: the empty state, or a table whose
/// buttons carry what `KeyManager` needs to act on their key. A viewer
/// whose role may not change keys gets the rows without their buttons.
#[component]
pub(super) fn KeyList(list: Listing) -> impl IntoView {
    let Listing {
        keys: list,
        may_manage,
        policy,
        read_at,
        ..
    } = list;
    if list.is_empty() {
        return Either::Left(view! {
            <div class="empty">
                <h2>"No API keys yet"</h2>
                <p>"Click “Add” and give your key a descriptive name to identify its purpose."</p>
            </div>
        });
    }
    let banner = key_alerts(&list, read_at);
    let rows = list
        .into_iter()
        .map(|key| view! { <KeyRow key may_manage policy /> })
        .collect_view();
    Either::Right(view! {
        {banner}
        <DataTable caption="API keys" columns=&["Name", "Key", "Access", "Created", "Last used"]>
            {rows}
        </DataTable>
    })
}

#[component]
fn KeyRow(key: KeySummary, may_manage: bool, policy: KeyPolicy) -> impl IntoView {
    let id = key.id;
    let name_id = ids::key_name(id);
    let label = |verb: &str| format!("{verb} {}", key.name);
    let lifetime = lifetime_words(&key);
    view! {
        <tr id=ids::key_row(id)>
            <th scope="row">
                <span class="key-name" id=name_id.clone()>{key.name.clone()}</span>
                {key.is_webhook.then(|| view! { <span class="badge">"Webhook"</span> })}
                <Leaked leak=key.leaked.clone() />
                {key.expired.then(|| view! { <span class="badge badge--danger">"Expired"</span> })}
                <OutsidePolicy breaches=key.outside_policy.clone() policy />
                {lifetime.map(|text| view! { <span class="key-meta">{text}</span> })}
                {key
                    .previous_secret_until
                    .map(|until| {
                        view! {
                            <span class="key-meta">
                                "Previous secret works until " {format_time(&until)}
                            </span>
                        }
                    })}
            </th>
            <td data-label="Key">
                <code>{key.display.clone()}</code>
            </td>
            <td data-label="Access">
                {key.access.summary()}
                {key.rate_limit.per_minute().is_some().then(|| view! {
                    <span class="key-meta">{key.rate_limit.summary()}</span>
                })}
                {(!key.allowed_ips.is_empty()).then(|| {
                    let ranges = key.allowed_ips.to_lines().replace('\n', ", ");
                    let title = ranges.clone();
                    view! {
                        <span class="key-meta" title=title>
                            {key.allowed_ips.summary()}
                            {(key.allowed_ips.len() > 1)
                                .then(|| view! { <span class="visually-hidden">": " {ranges}</span> })}
                        </span>
                    }
                })}
            </td>
            <td data-label="Created">
                <time datetime=key.created_at.to_rfc3339()>{format_date(&key.created_at)}</time>
                <span class="key-meta">{created_by(key.created_by.as_deref())}</span>
            </td>
            <td data-label="Last used">
                <span class="last-used">
                    {match key.last_used_at {
                        Some(at) => {
                            Either::Left(view! { <time datetime=at.to_rfc3339()>{format_date(&at)}</time> })
                        }
                        None => Either::Right("Never"),
                    }}
                    <Sparkline daily=key.usage.daily.clone() />
                </span>
            </td>
            <td class="actions">
                {may_manage.then(|| view! {
                <div class="actions__inner">
                    {(!key.is_webhook).then(|| view! {
                        <RowButton action=RowAction::SetWebhook id describedby=name_id>
                            "Set as Webhook Key"
                        </RowButton>
                    })}
                    <RowButton action=RowAction::Open(KeyDialog::Edit) id label=label("Edit")>"Edit"</RowButton>
                    <RowButton action=RowAction::Open(KeyDialog::Roll) id label=label("Roll")>"Roll"</RowButton>
                    <RowButton action=RowAction::Open(KeyDialog::Delete) id label=label("Delete") class="btn btn--small btn--icon">
                        <TrashIcon />
                    </RowButton>
                </div>
                })}
            </td>
        </tr>
    }
}

/// "Expires <time>" or "Expired <time>", under the name of a key that
/// expires.
fn lifetime_words(key: &KeySummary) -> Option<String> {
    let verb = if key.expired { "Expired" } else { "Expires" };
    key.expires_at
        .map(|at| format!("{verb} {}", format_time(&at)))
}

/// **Outside policy**, for a key made before the key policy and not
/// edited since, with how it breaks it (in its tooltip, and read out after
/// it).
#[component]
fn OutsidePolicy(breaches: Vec<Breach>, policy: KeyPolicy) -> impl IntoView {
    (!breaches.is_empty()).then(|| {
        let why = breaches
            .iter()
            .map(|b| policy.describe(*b))
            .collect::<Vec<_>>()
            .join(" ");
        let title = why.clone();
        view! {
            <span class="badge badge--warning" title=title>
                "Outside policy"
                <span class="visually-hidden">": " {why}</span>
            </span>
        }
    })
}

/// **Leaked**, for a quarantined key, and under the name when and where
/// it was found.
#[component]
fn Leaked(leak: Option<Leak>) -> impl IntoView {
    leak.map(|leak| {
        view! {
            <span class="badge badge--danger">"Leaked"</span>
            <span class="key-meta key-meta--danger">{leak.describe()}</span>
        }
    })
}

/// The banner's accessible name.
pub(super) const ALERTS_LABEL: &str = "Keys that need attention";

/// Keys that need attention now: reported leaked, expired in the last
/// days, expiring in the next; each line links to the first of its rows
/// and names them all.
fn key_alerts(keys: &[KeySummary], now: chrono::DateTime<chrono::Utc>) -> impl IntoView + use<> {
    let lines = alerts(keys, now);
    (!lines.is_empty()).then(|| {
        let name = |id: &KeyId| {
            keys.iter()
                .find(|k| k.id == *id)
                .map(|k| k.name.clone())
                .unwrap_or_default()
        };
        let items = lines
            .into_iter()
            .map(|(kind, which)| {
                let names = which.iter().map(name).collect::<Vec<_>>().join(", ");
                let href = format!("#{}", ids::key_row(which[0]));
                view! {
                    <li>
                        <a href=href>{kind.words(which.len())}</a>
                        ": " {names}
                    </li>
                }
            })
            .collect_view();
        view! {
            <div class="warning key-alerts" role="note" aria-label=ALERTS_LABEL>
                <ul>{items}</ul>
            </div>
        }
    })
}

/// Who made the key, while they are a member.
fn created_by(email: Option<&str>) -> String {
    match email {
        Some(email) => format!("Created by {email}"),
        None => "Created by a former member".to_owned(),
    }
}

/// A row's button: `KeyManager` acts on its click by `data-action` and
/// `data-key`.
#[component]
fn RowButton(
    action: RowAction,
    id: KeyId,
    #[prop(optional, into)] label: Option<String>,
    #[prop(optional, into)] describedby: Option<String>,
    #[prop(default = "btn btn--small")] class: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <button
            type="button"
            class=class
            aria-label=label
            aria-describedby=describedby
            data-action=action.slug()
            data-key=id.0.to_string()
        >
            {children()}
        </button>
    }
}

/// The list as `KeyManager` puts it in place after a change.
#[cfg(feature = "ssr")]
pub(super) fn list_html(list: Listing) -> String {
    use leptos::tachys::view::RenderHtml;
    view! { <KeyList list /> }.to_html()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::ui::pages::settings::api_keys::markup_tests::key;

    /// `KeyManager` finds the key and the action of a click in the
    /// server's markup: each row's buttons must carry both.
    #[test]
    fn each_rows_buttons_name_their_key_and_action() {
        let html = list_html(managed(vec![
            key(7, "Zapier", false),
            key(9, "Hooks", true),
        ]));
        for action in ["webhook", "edit", "roll", "delete"] {
            assert!(
                html.contains(&format!(r#"data-action="{action}" data-key="7""#)),
                "{action}: {html}"
            );
        }
        assert!(html.contains(r#"aria-label="Edit Zapier""#), "{html}");
        // The webhook key is already the webhook key.
        assert!(
            !html.contains(r#"data-action="webhook" data-key="9""#),
            "{html}"
        );
        assert!(
            html.contains(r#"data-action="delete" data-key="9""#),
            "{html}"
        );
        for slug in RowAction::ALL.map(RowAction::slug) {
            assert_eq!(RowAction::from_slug(slug).map(RowAction::slug), Some(slug));
        }
    }

    /// The list is markup placed with `innerHTML`: a name must come out as text.
    #[test]
    fn a_keys_name_is_escaped() {
        let html = list_html(managed(vec![key(1, "<img src=x onerror=alert(1)>", false)]));
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
        assert!(html.contains(r#"aria-label="Edit &lt;img"#), "{html}");
    }

    #[test]
    fn no_keys_shows_the_empty_state() {
        assert!(list_html(managed(vec![])).contains("No API keys yet"));
    }

    fn managed(keys: Vec<KeySummary>) -> Listing {
        Listing {
            keys,
            may_manage: true,
            policy: KeyPolicy::default(),
            may_set_policy: true,
            read_at: chrono::Utc::now(),
            leak_response: Default::default(),
        }
    }

    /// A Member sees every row, who made it, and no button to change it.
    #[test]
    fn a_role_that_may_not_manage_gets_no_buttons() {
        let mut former = key(9, "Hooks", false);
        former.created_by = None;
        let html = list_html(Listing {
            keys: vec![key(7, "Zapier", false), former],
            may_manage: false,
            policy: KeyPolicy::default(),
            may_set_policy: false,
            read_at: chrono::Utc::now(),
            leak_response: Default::default(),
        });
        assert!(html.contains("Zapier") && html.contains("Hooks"), "{html}");
        assert!(!html.contains("<button"), "{html}");
        assert!(html.contains("Created by ada@example.com"), "{html}");
        assert!(html.contains("Created by a former member"), "{html}");
    }
}
