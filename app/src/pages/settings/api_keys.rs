//! Settings > API Keys: list, add, edit, delete, and the webhook key.

use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::data_table::DataTable;

use crate::components::dialog::{Dialog, focus_by_label, focus_page_heading};
use crate::components::icons::TrashIcon;
use crate::components::key_form::{KeyFormDialog, KeyFormMode};
use crate::components::pending::is_pending;
use crate::components::roll_dialog::RollKeyDialog;
use crate::components::sparkline::Sparkline;
use crate::error::AppError;
use crate::keys::lifecycle::format_time;
use crate::keys::server_fns::{delete_key, list_keys, set_webhook_key};
use crate::keys::{KeyId, KeySummary, WEBHOOK_KEY_UNDELETABLE, format_date};

/// Where focus goes once a refreshed list is on screen.
#[derive(Clone, Debug, PartialEq)]
enum FocusAfterRefresh {
    /// The button with this accessible label (e.g. `Edit Zapier`).
    Button(String),
    /// The page heading, when the row that had focus is gone.
    Heading,
}

/// Which dialog, if any, is open.
#[derive(Clone, Debug, PartialEq)]
enum Open {
    Form(KeyFormMode),
    Roll(KeySummary),
    ConfirmDelete(KeySummary),
}

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    // Bumped after every change, so the list is fetched again.
    let version = RwSignal::new(0u32);
    let keys = Resource::new(move || version.get(), |_| list_keys());
    let open = RwSignal::new(None::<Open>);
    let status = RwSignal::new(String::new());
    let page_error = RwSignal::new(None::<AppError>);

    // A refresh re-renders the rows, and with them the button that had
    // focus; this names the control to focus once the new rows are in.
    let focus_after_refresh = RwSignal::new(None::<FocusAfterRefresh>);
    let refresh = move |message: String| {
        status.set(message);
        page_error.set(None);
        version.update(|v| *v += 1);
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = keys.get()
            && let Some(target) = focus_after_refresh.get_untracked()
        {
            focus_after_refresh.set(None);
            request_animation_frame(move || {
                let lost = document()
                    .active_element()
                    .is_none_or(|el| el.tag_name() == "BODY");
                match target {
                    FocusAfterRefresh::Button(label) if lost => {
                        if !focus_by_label(&label) {
                            focus_page_heading();
                        }
                    }
                    FocusAfterRefresh::Button(_) => {}
                    FocusAfterRefresh::Heading => focus_page_heading(),
                }
            });
        }
    });
    let on_saved = Callback::new(move |(message, name): (String, String)| {
        focus_after_refresh.set(Some(FocusAfterRefresh::Button(format!("Edit {name}"))));
        refresh(message);
    });
    let on_deleted = Callback::new(move |message: String| {
        focus_after_refresh.set(Some(FocusAfterRefresh::Heading));
        refresh(message);
    });
    let close = Callback::new(move |()| open.set(None));

    let set_webhook = Action::new(move |key: &KeySummary| {
        let (id, name) = (key.id, key.name.clone());
        async move { set_webhook_key(id).await.map(|()| name) }
    });
    Effect::new(move |_| match set_webhook.value().get() {
        Some(Ok(name)) => {
            focus_after_refresh.set(Some(FocusAfterRefresh::Button(format!("Edit {name}"))));
            refresh(format!("“{name}” is now the webhook key."));
        }
        Some(Err(err)) => page_error.set(Some(err)),
        None => {}
    });

    view! {
        <Title text="API Keys · Settings · Keyward" />
        <div class="page-header">
            <h1 id="page-heading" tabindex="-1">"API Keys"</h1>
            <button
                type="button"
                class="btn btn--primary"
                on:click=move |_| open.set(Some(Open::Form(KeyFormMode::Create)))
            >
                "Add"
            </button>
        </div>
        <p class="lead">
            "The “API Keys” section allows you to manage your authentication credentials for accessing the API."
        </p>
        <p class="notice">
            "Keep your API keys secure and never share them publicly. If a key is compromised, delete it immediately and create a new one."
        </p>
        <p class="status" role="status">{move || status.get()}</p>
        {move || {
            page_error.get().map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
        }}
        <Transition fallback=|| {
            view! { <p class="loading" role="status">"Loading API keys…"</p> }
        }>
            {move || {
                keys.get()
                    .map(|result| match result {
                        Err(err) => {
                            EitherOf3::A(view! {
                                <div class="form-error" role="alert">
                                    <p>"The API keys could not be loaded. " {err.to_string()}</p>
                                    <button type="button" class="btn" on:click=move |_| version.update(|v| *v += 1)>
                                        "Try again"
                                    </button>
                                </div>
                            })
                        }
                        Ok(list) if list.is_empty() => {
                            EitherOf3::B(view! {
                                <div class="empty">
                                    <h2>"No API keys yet"</h2>
                                    <p>"Click “Add” and give your key a descriptive name to identify its purpose."</p>
                                </div>
                            })
                        }
                        Ok(list) => EitherOf3::C(view! { <KeyTable list open set_webhook /> }),
                    })
            }}
        </Transition>
        {move || {
            open.get()
                .map(|which| match which {
                    Open::Form(mode) => {
                        EitherOf3::A(view! { <KeyFormDialog mode on_close=close on_saved /> })
                    }
                    Open::Roll(key) => EitherOf3::B(Suspend::new(roll_dialog(key, close, on_saved))),
                    Open::ConfirmDelete(key) => {
                        EitherOf3::C(Suspend::new(confirm_delete_dialog(key, close, on_deleted)))
                    }
                })
        }}
    }
}

// Rolling and deleting start from a row of the table, never from Add, so
// their dialogs are separate WASM chunks (`cargo leptos --split`): fetched
// the first time one opens, not with the page. Add and Edit share
// `KeyFormDialog`, which stays in the main bundle.
#[lazy]
fn roll_dialog(
    key: KeySummary,
    on_close: Callback<()>,
    on_rolled: Callback<(String, String)>,
) -> AnyView {
    view! { <RollKeyDialog key on_close on_rolled /> }.into_any()
}

#[lazy]
fn confirm_delete_dialog(
    key: KeySummary,
    on_close: Callback<()>,
    on_deleted: Callback<String>,
) -> AnyView {
    view! { <ConfirmDelete key on_close on_deleted /> }.into_any()
}

#[component]
fn KeyTable(
    list: Vec<KeySummary>,
    open: RwSignal<Option<Open>>,
    set_webhook: Action<KeySummary, Result<String, AppError>>,
) -> impl IntoView {
    let webhook_pending = is_pending(set_webhook.pending());
    let rows = list
        .into_iter()
        .map(|key| {
            let name_id = format!("key-{}-name", key.id.0);
            let webhook_button = (!key.is_webhook).then(|| {
                let key = key.clone();
                view! {
                    <button
                        type="button"
                        class="btn btn--small"
                        aria-describedby=name_id.clone()
                        disabled=webhook_pending
                        on:click=move |_| {
                            set_webhook.dispatch(key.clone());
                        }
                    >
                        "Set as Webhook Key"
                    </button>
                }
            });
            let edit_key = key.clone();
            let roll_key = key.clone();
            let delete_key = key.clone();
            let lifetime = match (key.expires_at, key.expired) {
                (Some(at), true) => Some(format!("Expired {}", format_time(&at))),
                (Some(at), false) => Some(format!("Expires {}", format_time(&at))),
                (None, _) => None,
            };
            view! {
                <tr>
                    <th scope="row">
                        <span class="key-name" id=name_id>
                            {key.name.clone()}
                        </span>
                        {key.is_webhook.then(|| view! { <span class="badge">"Webhook"</span> })}
                        {key.expired.then(|| view! { <span class="badge badge--danger">"Expired"</span> })}
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
                    <td data-label="Access">{key.access.summary()}</td>
                    <td data-label="Created">
                        <time datetime=key.created_at.to_rfc3339()>{format_date(&key.created_at)}</time>
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
                        <div class="actions__inner">
                        {webhook_button}
                        <button
                            type="button"
                            class="btn btn--small"
                            aria-label=format!("Edit {}", key.name)
                            on:click=move |_| {
                                open.set(Some(Open::Form(KeyFormMode::Edit(Box::new(edit_key.clone())))))
                            }
                        >
                            "Edit"
                        </button>
                        <button
                            type="button"
                            class="btn btn--small"
                            aria-label=format!("Roll {}", key.name)
                            on:click=move |_| open.set(Some(Open::Roll(roll_key.clone())))
                        >
                            "Roll"
                        </button>
                        <button
                            type="button"
                            class="btn btn--small btn--icon"
                            aria-label=format!("Delete {}", key.name)
                            on:click=move |_| open.set(Some(Open::ConfirmDelete(delete_key.clone())))
                        >
                            <TrashIcon />
                        </button>
                        </div>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable caption="API keys" columns=&["Name", "Key", "Access", "Created", "Last used"]>
            {rows}
        </DataTable>
    }
}

#[component]
fn ConfirmDelete(
    key: KeySummary,
    #[prop(into)] on_close: Callback<()>,
    #[prop(into)] on_deleted: Callback<String>,
) -> impl IntoView {
    // The webhook key cannot be deleted: the dialog explains what to do
    // instead, and offers nothing that would fail.
    if key.is_webhook {
        return Either::Left(view! {
            <Dialog title_id="delete-title" describedby="delete-desc" on_close>
                <div class="dialog__body">
                    <h2 id="delete-title" class="dialog__title">"Delete API key"</h2>
                    <div id="delete-desc">
                        <p>"“" {key.name.clone()} "” is your webhook key, so it cannot be deleted."</p>
                        <p>{WEBHOOK_KEY_UNDELETABLE}</p>
                    </div>
                    <div class="dialog__actions">
                        <button type="button" class="btn btn--primary" autofocus on:click=move |_| on_close.run(())>
                            "Close"
                        </button>
                    </div>
                </div>
            </Dialog>
        });
    }
    let id: KeyId = key.id;
    let name = key.name.clone();
    let remove = Action::new(move |_: &()| {
        let name = name.clone();
        async move { delete_key(id).await.map(|()| format!("Deleted “{name}”.")) }
    });
    Effect::new(move |_| {
        if let Some(Ok(message)) = remove.value().get() {
            on_deleted.run(message);
            on_close.run(());
        }
    });
    let error = move || {
        remove.value().with(|v| {
            v.as_ref()
                .and_then(|r| r.as_ref().err())
                .map(|e| e.to_string())
        })
    };
    Either::Right(view! {
        <Dialog title_id="delete-title" describedby="delete-desc" on_close>
            <div class="dialog__body">
                <h2 id="delete-title" class="dialog__title">"Delete API key"</h2>
                <p id="delete-desc">
                    "Delete “" {key.name.clone()}
                    "”? Programs that use this key will stop working immediately. This cannot be undone."
                </p>
                {move || error().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                <div class="dialog__actions">
                    <button type="button" class="btn" autofocus on:click=move |_| on_close.run(())>
                        "Cancel"
                    </button>
                    <button
                        type="button"
                        class="btn btn--danger"
                        disabled=is_pending(remove.pending())
                        on:click=move |_| {
                            remove.dispatch(());
                        }
                    >
                        "Delete"
                    </button>
                </div>
            </div>
        </Dialog>
    })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::keys::KeyUsage;
    use crate::permissions::Access;
    use leptos::tachys::view::RenderHtml;

    fn key(name: &str) -> KeySummary {
        KeySummary {
            id: KeyId(1),
            name: name.into(),
            display: "key_Ab3x…9fQz".into(),
            is_webhook: false,
            access: Access::Full,
            created_at: chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap(),
            last_used_at: None,
            expires_at: None,
            expired: false,
            previous_secret_until: None,
            usage: KeyUsage::default(),
        }
    }

    /// leptos_axum resolves the key table (inside a `Transition`) in a task
    /// of its own. When the browser drops the request midway, the page's
    /// owner is gone by the time that task reads the table's closures; a
    /// closure that reads a disposed action must not panic the task.
    #[test]
    fn a_table_resolved_after_its_page_is_gone_does_not_panic() {
        let owner = Owner::new();
        let mut table = owner.with(|| {
            let open = RwSignal::new(None::<Open>);
            let set_webhook = Action::new(|key: &KeySummary| {
                let name = key.name.clone();
                async move { Ok::<_, AppError>(name) }
            });
            view! { <KeyTable list=vec![key("Zapier")] open set_webhook /> }
        });
        owner.cleanup();
        drop(owner);
        table.dry_resolve();
        // And the markup of the table is still whole.
        let html = table.to_html();
        assert!(html.contains("Set as Webhook Key"), "{html}");
    }
}
