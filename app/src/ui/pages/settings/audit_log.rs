//! Settings > Audit log: every change to the organization's keys and
//! webhook settings, and its users' sign-ins, newest first, a page at a
//! time.
//!
//! Nothing in the log reacts to anything: it is links, a GET form and a
//! table. So the server renders it to HTML (`render_audit_log`, escaped
//! like any view), in the page it serves; each link and the filter are a
//! new page load. No island, so the table's rows, their types and their
//! decoding stay out of the WASM bundle, and paging and the filter work
//! without JavaScript.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::model::audit::AuditQuery;
use crate::model::error::AppError;
use crate::ui::names::PAGE_HEADING;

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(|p| AuditQuery::from_params(|name| p.get(name))));
    let log = Resource::new(move || query.get(), render_audit_log);
    view! {
        <Title text="Audit log · Settings · Keyward" />
        <div class="page-header">
            <h1 id=PAGE_HEADING tabindex="-1">"Audit log"</h1>
        </div>
        <p class="lead">
            "Every change to your API keys and webhook settings, and every sign-in to your organization, newest first. Times are in UTC."
        </p>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading the audit log…"</p> }>
            {move || {
                log.get()
                    .map(|result| match result {
                        Ok(html) => Either::Left(view! { <div class="audit" inner_html=html></div> }),
                        // A role without the audit log: that, and no "could not".
                        Err(AppError::Forbidden(message)) => {
                            Either::Right(Either::Left(view! { <p class="notice">{message}</p> }))
                        }
                        Err(err) => {
                            Either::Right(Either::Right(view! {
                                <p class="form-error" role="alert">
                                    "The audit log could not be loaded. " {err.to_string()}
                                </p>
                            }))
                        }
                    })
            }}
        </Transition>
    }
}

/// One page of the caller's organization's log, rendered as HTML on the
/// server: its filter, entries and page links.
#[server(prefix = "/api", endpoint = "audit/page", input = leptos::server_fn::codec::Json)]
pub async fn render_audit_log(query: AuditQuery) -> Result<String, crate::model::error::AppError> {
    use leptos::tachys::view::RenderHtml;
    let page = crate::server_fns::audit::audit_page(query).await?;
    Ok(view! { <AuditLog page query /> }.to_html())
}

/// Registers `render_audit_log` with the server, like
/// `server_fns::register`.
#[cfg(feature = "ssr")]
pub fn register() {
    leptos::server_fn::axum::register_explicit::<RenderAuditLog>();
}

#[cfg(feature = "ssr")]
use server_side::AuditLog;

#[cfg(feature = "ssr")]
mod server_side {
    use leptos::either::Either;
    use leptos::prelude::*;

    use crate::model::audit::{AuditEntry, AuditPage, AuditQuery, KeyChoice};
    use crate::model::dates::{format_clock, format_date};

    #[component]
    pub fn AuditLog(page: AuditPage, query: AuditQuery) -> impl IntoView {
        let AuditPage {
            entries,
            newer,
            older,
            keys,
        } = page;
        let empty = if query.key.is_some() {
            "No entries for this key."
        } else {
            "No entries yet."
        };
        let table = if entries.is_empty() {
            Either::Left(view! { <p class="empty">{empty}</p> })
        } else {
            Either::Right(view! { <EntryTable entries /> })
        };
        view! {
            <div class="audit-toolbar">
                <KeyFilter keys selected=query.key />
                <a class="btn" href=query.csv_href() download="audit-log.csv">
                    "Download CSV"
                </a>
            </div>
            {table}
            <nav class="pager" aria-label="Audit log pages">
                <PageLink label="Previous" to=newer />
                <PageLink label="Next" to=older />
            </nav>
        }
    }

    /// The "Key" select: a GET form, applied with its button rather than on
    /// change, so that moving through the options with the keyboard does
    /// not reload the page at each one.
    #[component]
    fn KeyFilter(keys: Vec<KeyChoice>, selected: Option<i64>) -> impl IntoView {
        let options = keys
            .into_iter()
            .map(|k| {
                let label = if k.deleted {
                    format!("{} (deleted)", k.name)
                } else {
                    k.name
                };
                view! {
                    <option value=k.id.to_string() selected={selected == Some(k.id)}>
                        {label}
                    </option>
                }
            })
            .collect_view();
        view! {
            <form class="audit-filter" method="get" action="/settings/audit-log">
                <label for="audit-key">"Key"</label>
                <select id="audit-key" name="key">
                    <option value="" selected={selected.is_none()}>
                        "All keys"
                    </option>
                    {options}
                </select>
                <button type="submit" class="btn btn--small">
                    "Apply"
                </button>
            </form>
        }
    }

    #[component]
    fn PageLink(label: &'static str, to: Option<AuditQuery>) -> impl IntoView {
        match to {
            Some(to) => Either::Left(view! { <a href=to.href()>{label}</a> }),
            None => Either::Right(
                view! { <span class="pager__none" aria-disabled="true">{label}</span> },
            ),
        }
    }

    #[component]
    fn EntryTable(entries: Vec<AuditEntry>) -> impl IntoView {
        let rows = entries
            .into_iter()
            .map(|e| {
                view! {
                    <tr>
                        <td data-label="Time (UTC)">
                            <time datetime=e.at.to_rfc3339()>
                                {format!("{} {}", format_date(&e.at), format_clock(&e.at))}
                            </time>
                        </td>
                        <td data-label="Who">{e.who}</td>
                        <th scope="row" data-label="What">{e.action.label()}</th>
                        <td data-label="Key">{e.key_name.unwrap_or_default()}</td>
                        <td data-label="Details">{e.detail}</td>
                        <td data-label="Client address">{e.client_address.unwrap_or_default()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="keys audit-log">
                <caption class="visually-hidden">"Audit log entries, newest first"</caption>
                <thead>
                    <tr>
                        {["Time (UTC)", "Who", "What", "Key", "Details", "Client address"]
                            .into_iter()
                            .map(|c| view! { <th scope="col">{c}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
    }
}
