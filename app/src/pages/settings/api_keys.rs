//! Settings > API Keys: list, add, edit, delete, and the webhook key.
//!
//! The list is HTML rendered on the server (`KeyList`): nothing in a row
//! reacts to anything but a click. One island, `KeyManager`, makes the page
//! interactive: the Add button, the dialogs, and the rows' buttons, whose
//! clicks it takes from the table by their `data-action` and `data-key`.
//! After a change it asks the server for the list again, as HTML and as
//! data, and puts the HTML in place. So the rows' views, the sparkline and
//! the date formatting stay out of the WASM bundle.

use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;
use leptos_meta::Title;
use wasm_bindgen::JsCast;

use crate::components::data_table::DataTable;
use crate::components::dialog::{Dialog, focus_by_label, focus_page_heading};
use crate::components::hydrated::island_hydrated;
use crate::components::icons::TrashIcon;
use crate::components::key_form::{KeyFormDialog, KeyFormMode};
use crate::components::last_asked::LastAsked;
use crate::components::pending::is_pending;
use crate::components::roll_dialog::RollKeyDialog;
use crate::components::sparkline::Sparkline;
use crate::error::AppError;
use crate::island_prop::JsonText;
use crate::keys::lifecycle::format_time;
use crate::keys::server_fns::{delete_key, key_table, list_keys, set_webhook_key};
use crate::keys::{KeyId, KeySummary, WEBHOOK_KEY_UNDELETABLE, format_date};

/// What a row's button asks for, as its `data-action` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RowAction {
    SetWebhook,
    Edit,
    Roll,
    Delete,
}

impl RowAction {
    const ALL: [RowAction; 4] = [Self::SetWebhook, Self::Edit, Self::Roll, Self::Delete];

    fn slug(self) -> &'static str {
        match self {
            Self::SetWebhook => "webhook",
            Self::Edit => "edit",
            Self::Roll => "roll",
            Self::Delete => "delete",
        }
    }

    fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.slug() == slug)
    }
}

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
    // Read on the server; the page arrives whole (`SsrMode::Async`).
    let keys = Resource::new(|| (), |_| list_keys());
    view! {
        <Title text="API Keys · Settings · Keyward" />
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading API keys…"</p> }>
            {move || Suspend::new(async move {
                match keys.await {
                    Ok(list) => Either::Left(view! {
                        <KeyManager keys=JsonText(list.clone())>
                            <KeyList list=list.clone() />
                        </KeyManager>
                    }),
                    Err(err) => Either::Right(view! {
                        <div class="page-header">
                            <h1 id="page-heading" tabindex="-1">"API Keys"</h1>
                        </div>
                        <LoadError err>
                            <a class="btn" href="/settings/api-keys">"Try again"</a>
                        </LoadError>
                    }),
                }
            })}
        </Suspense>
    }
}

/// The list could not be read: what went wrong, and `children`, the way to
/// try again (a reload when the page could not be rendered, a button in
/// the island after a change).
#[component]
fn LoadError<C>(err: AppError, children: TypedChildren<C>) -> impl IntoView
where
    C: IntoView + 'static,
{
    view! {
        <div class="form-error" role="alert">
            <p>"The API keys could not be loaded. " {err.to_string()}</p>
            {children.into_inner()()}
        </div>
    }
}

/// Everything on the page that responds to input. `keys` is the list the
/// server rendered `children` from; each refresh replaces both.
#[island]
fn KeyManager(keys: JsonText<Vec<KeySummary>>, children: Children) -> impl IntoView {
    island_hydrated();
    let keys = StoredValue::new(keys.0);
    let open = RwSignal::new(None::<Open>);
    let status = RwSignal::new(String::new());
    let page_error = RwSignal::new(None::<AppError>);
    let load_error = RwSignal::new(None::<AppError>);
    let list = NodeRef::<leptos::html::Div>::new();

    // Reads the list again and puts it in place. A refresh replaces the
    // rows, and with them the button that had focus; `focus` names the
    // control to focus once the new rows are in.
    //
    // Refreshes can overlap (two changes in quick succession), and their
    // answers can come back in any order: only the last one asked for is
    // put in place.
    let reload = LastAsked::new(move |focus: &Option<FocusAfterRefresh>| {
        let focus = focus.clone();
        async move { (key_table().await, focus) }
    });
    Effect::new(move |_| {
        let Some((result, focus)) = reload.answer() else {
            return;
        };
        match result {
            Ok(table) => {
                load_error.set(None);
                keys.set_value(table.keys);
                if let Some(el) = list.get_untracked() {
                    el.set_inner_html(&table.html);
                }
                if let Some(target) = focus {
                    request_animation_frame(move || restore_focus(target));
                }
            }
            Err(err) => load_error.set(Some(err)),
        }
    });
    let refresh = move |message: String, focus: FocusAfterRefresh| {
        status.set(message);
        page_error.set(None);
        reload.dispatch(Some(focus));
    };
    let on_saved = Callback::new(move |(message, name): (String, String)| {
        refresh(message, FocusAfterRefresh::Button(format!("Edit {name}")));
    });
    let on_deleted = Callback::new(move |message: String| {
        refresh(message, FocusAfterRefresh::Heading);
    });
    let close = Callback::new(move |()| open.set(None));

    let set_webhook = Action::new(move |key: &KeySummary| {
        let (id, name) = (key.id, key.name.clone());
        async move { set_webhook_key(id).await.map(|()| name) }
    });
    Effect::new(move |_| match set_webhook.value().get() {
        Some(Ok(name)) => refresh(
            format!("“{name}” is now the webhook key."),
            FocusAfterRefresh::Button(format!("Edit {name}")),
        ),
        Some(Err(err)) => page_error.set(Some(err)),
        None => {}
    });
    // The rows' webhook buttons are the server's markup, not views: they
    // are disabled here while one change of webhook key is on its way.
    let webhook_pending = is_pending(set_webhook.pending());
    Effect::new(move |_| {
        let pending = webhook_pending();
        if let Some(el) = list.get()
            && let Ok(buttons) = el.query_selector_all("button[data-action=webhook]")
        {
            for button in (0..buttons.length()).filter_map(|i| buttons.item(i)) {
                if let Ok(button) = button.dyn_into::<web_sys::HtmlButtonElement>() {
                    button.set_disabled(pending);
                }
            }
        }
    });

    // One listener for every row's buttons.
    let on_row_click = move |ev: leptos::ev::MouseEvent| {
        let Some(button) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("button[data-action]").ok().flatten())
        else {
            return;
        };
        let action = button
            .get_attribute("data-action")
            .and_then(|a| RowAction::from_slug(&a));
        let id = button
            .get_attribute("data-key")
            .and_then(|id| id.parse().ok())
            .map(KeyId);
        let Some((action, key)) = action.zip(
            id.and_then(|id| keys.with_value(|keys| keys.iter().find(|k| k.id == id).cloned())),
        ) else {
            return;
        };
        match action {
            RowAction::SetWebhook => {
                set_webhook.dispatch(key);
            }
            RowAction::Edit => open.set(Some(Open::Form(KeyFormMode::Edit(Box::new(key))))),
            RowAction::Roll => open.set(Some(Open::Roll(key))),
            RowAction::Delete => open.set(Some(Open::ConfirmDelete(key))),
        }
    };

    view! {
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
        {move || {
            load_error.get().map(|err| view! {
                <LoadError err>
                    <button type="button" class="btn" on:click=move |_| { reload.dispatch(None); }>
                        "Try again"
                    </button>
                </LoadError>
            })
        }}
        <div class="key-list" node_ref=list on:click=on_row_click>
            {children()}
        </div>
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

/// Focus after a refresh: where it was asked to go, when the control that
/// had it was replaced. A closing dialog that found its opener gone has
/// already put focus on the page heading, its fallback; that counts as
/// lost too, or the list arriving after the dialog closed would leave it
/// there.
fn restore_focus(target: FocusAfterRefresh) {
    let lost = document()
        .active_element()
        .is_none_or(|el| el.tag_name() == "BODY" || el.id() == "page-heading");
    match target {
        FocusAfterRefresh::Button(label) if lost => {
            if !focus_by_label(&label) {
                focus_page_heading();
            }
        }
        FocusAfterRefresh::Button(_) => {}
        FocusAfterRefresh::Heading => focus_page_heading(),
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

/// The list as the server renders it: the empty state, or a table whose
/// buttons carry what `KeyManager` needs to act on their key.
#[component]
fn KeyList(list: Vec<KeySummary>) -> impl IntoView {
    if list.is_empty() {
        return Either::Left(view! {
            <div class="empty">
                <h2>"No API keys yet"</h2>
                <p>"Click “Add” and give your key a descriptive name to identify its purpose."</p>
            </div>
        });
    }
    let rows = list
        .into_iter()
        .map(|key| view! { <KeyRow key /> })
        .collect_view();
    Either::Right(view! {
        <DataTable caption="API keys" columns=&["Name", "Key", "Access", "Created", "Last used"]>
            {rows}
        </DataTable>
    })
}

#[component]
fn KeyRow(key: KeySummary) -> impl IntoView {
    let id = key.id;
    let name_id = format!("key-{}-name", id.0);
    let label = |verb: &str| format!("{verb} {}", key.name);
    let lifetime = match (key.expires_at, key.expired) {
        (Some(at), true) => Some(format!("Expired {}", format_time(&at))),
        (Some(at), false) => Some(format!("Expires {}", format_time(&at))),
        (None, _) => None,
    };
    view! {
        <tr>
            <th scope="row">
                <span class="key-name" id=name_id.clone()>{key.name.clone()}</span>
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
                    {(!key.is_webhook).then(|| view! {
                        <RowButton action=RowAction::SetWebhook id describedby=name_id>
                            "Set as Webhook Key"
                        </RowButton>
                    })}
                    <RowButton action=RowAction::Edit id label=label("Edit")>"Edit"</RowButton>
                    <RowButton action=RowAction::Roll id label=label("Roll")>"Roll"</RowButton>
                    <RowButton action=RowAction::Delete id label=label("Delete") class="btn btn--small btn--icon">
                        <TrashIcon />
                    </RowButton>
                </div>
            </td>
        </tr>
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
pub fn list_html(list: Vec<KeySummary>) -> String {
    use leptos::tachys::view::RenderHtml;
    view! { <KeyList list /> }.to_html()
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

    fn key(id: i64, name: &str, is_webhook: bool) -> KeySummary {
        KeySummary {
            id: KeyId(id),
            name: name.into(),
            display: "key_Ab3x…9fQz".into(),
            is_webhook,
            access: Access::Full,
            created_at: chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap(),
            last_used_at: None,
            expires_at: None,
            expired: false,
            previous_secret_until: None,
            usage: KeyUsage::default(),
        }
    }

    /// `KeyManager` finds the key and the action of a click in the
    /// server's markup: each row's buttons must carry both.
    #[test]
    fn each_rows_buttons_name_their_key_and_action() {
        let html = list_html(vec![key(7, "Zapier", false), key(9, "Hooks", true)]);
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
        let html = list_html(vec![key(1, "<img src=x onerror=alert(1)>", false)]);
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
        assert!(html.contains(r#"aria-label="Edit &lt;img"#), "{html}");
    }

    #[test]
    fn no_keys_shows_the_empty_state() {
        assert!(list_html(vec![]).contains("No API keys yet"));
    }
}
