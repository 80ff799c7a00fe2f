//! The public keys as the server renders them, on the page and after each
//! change (`fragments::public_key_table`). The key is shown whole with
//! **Copy**: it is not a secret. Those who may change keys get each row's
//! Edit and Delete.

use leptos::either::Either;
use leptos::prelude::*;

use super::names::{PageAction, copy_label, delete_label, edit_label};
use crate::model::dates::format_date;
use crate::model::keys::USAGE_DAYS;
use crate::model::public_keys::{PublicKeyList, PublicKeySummary};
use crate::ui::components::data_table::DataTable;
use crate::ui::components::icons::TrashIcon;
use crate::ui::components::sparkline::Sparkline;

pub const COLUMNS: &[&str] = &["Name", "Public key", "Allowed domains", "Agents", "Usage"];

#[component]
pub(super) fn PublicKeyTable(list: PublicKeyList) -> impl IntoView {
    if list.keys.is_empty() {
        return Either::Left(view! {
            <p class="empty">
                "No public keys yet. Add one to start web calls from your website."
            </p>
        });
    }
    let may_manage = list.may_manage;
    let rows = list
        .keys
        .into_iter()
        .map(|public_key| view! { <PublicKeyRow public_key may_manage /> })
        .collect_view();
    Either::Right(view! {
        <DataTable caption="Public keys" columns=COLUMNS>
            {rows}
        </DataTable>
    })
}

#[component]
fn PublicKeyRow(public_key: PublicKeySummary, may_manage: bool) -> impl IntoView {
    let key = public_key;
    let id = key.id.0.to_string();
    let name = key.name.clone();
    let agents = if key.agents.is_empty() {
        Either::Left("Any agent")
    } else {
        Either::Right(lines(key.agents.clone()))
    };
    view! {
        <tr>
            <th scope="row">{name.clone()}</th>
            <td data-label="Public key">
                <div class="public-key">
                    <code>{key.key.clone()}</code>
                    <button
                        type="button"
                        class="btn btn--small"
                        aria-label=copy_label(&name)
                        data-action=PageAction::Copy.slug()
                        data-copy=key.key.clone()
                    >
                        "Copy"
                    </button>
                </div>
            </td>
            <td data-label="Allowed domains">{lines(key.domains.clone())}</td>
            <td data-label="Agents">{agents}</td>
            <td data-label="Usage"><Usage public_key=key.clone() /></td>
            <td class="actions">
                {may_manage.then(|| view! {
                    <div class="actions__inner">
                        <button
                            type="button"
                            class="btn btn--small"
                            aria-label=edit_label(&name)
                            data-action=PageAction::Edit.slug()
                            data-public-key=id.clone()
                            data-name=name.clone()
                        >
                            "Edit"
                        </button>
                        <button
                            type="button"
                            class="btn btn--icon"
                            aria-label=delete_label(&name)
                            data-action=PageAction::AskDelete.slug()
                            data-public-key=id.clone()
                            data-name=name.clone()
                        >
                            <TrashIcon />
                        </button>
                    </div>
                })}
            </td>
        </tr>
    }
}

fn lines(items: Vec<String>) -> impl IntoView {
    view! {
        <ul class="plain-list" role="list">
            {items.into_iter().map(|item| view! { <li><code>{item}</code></li> }).collect_view()}
        </ul>
    }
}

/// Web calls in the last `USAGE_DAYS` days, refusals, last use and the
/// key's limit.
#[component]
fn Usage(public_key: PublicKeySummary) -> impl IntoView {
    let key = public_key;
    let total = key.total();
    let last = match key.last_used_at {
        Some(at) => format!("Last used {}", format_date(&at)),
        None => "Never used".to_owned(),
    };
    let refused = (key.refused > 0).then(|| format!(", {} refused", key.refused));
    view! {
        <div class="usage">
            <Sparkline daily=key.daily.clone() label=format!("Web calls in the last {USAGE_DAYS} days: {total}") />
            <p class="key-meta">
                {format!("{total} web calls in {USAGE_DAYS} days")} {refused}
            </p>
            <p class="key-meta">{last}</p>
            <p class="key-meta">
                {format!("{} web calls a minute per domain", key.web_calls_per_minute)}
            </p>
        </div>
    }
}

/// The list as the island puts it in place after a change.
#[cfg(feature = "ssr")]
pub(super) fn list_html(list: PublicKeyList) -> String {
    use leptos::tachys::view::RenderHtml;
    view! { <PublicKeyTable list /> }.to_html()
}
