//! Settings > API Keys: list, add, edit, roll, delete, and the webhook key.
//!
//! Everything the page shows is HTML rendered on the server: the list
//! (`KeyList`), and the dialogs (`key_dialogs.rs`): Add's form is in the
//! page, Edit, Roll and Delete are rendered for their key when a row asks.
//! One island, `KeyManager`, makes it interactive: the Add button, one
//! `<dialog>` that shows whichever dialog is open and sends its form, and
//! one click listener for the rows' buttons, which say what they do and to
//! which key in `data-action` and `data-key`. After a change it asks the
//! server for the list again, as HTML, and puts it in place. So no view of a
//! row or a dialog, and no decoder of a key's summary, is in the WASM
//! bundle: the island is behaviour only.

use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlFormElement};

use super::key_dialogs::{
    DEFAULT_GRACE, DialogAction, NEW_KEY_TEMPLATE, NewKeyTemplate, Submit, fields,
    parse_levels_attr,
};
use crate::components::data_table::DataTable;
use crate::components::dialog::{focus_by_label, focus_page_heading, wrap_focus};
use crate::components::field_error::{clear_errors, show_error};
use crate::components::hydrated::island_hydrated;
use crate::components::icons::TrashIcon;
use crate::components::last_asked::LastAsked;
use crate::components::pending::is_pending;
use crate::components::sparkline::Sparkline;
use crate::error::AppError;
use crate::keys::lifecycle::{Expiry, RollGrace, format_time};
use crate::keys::server_fns::{
    create_key, delete_key, key_table, list_keys, render_key_dialog, roll_key, set_webhook_key,
    update_key,
};
use crate::keys::{KeyDialog, KeyId, KeyInput, KeySummary, NewSecret, format_date, validate_name};
use crate::permissions::{Group, Level};

/// What a row's button asks for, as its `data-action` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RowAction {
    SetWebhook,
    Open(KeyDialog),
}

impl RowAction {
    const ALL: [RowAction; 4] = [
        Self::SetWebhook,
        Self::Open(KeyDialog::Edit),
        Self::Open(KeyDialog::Roll),
        Self::Open(KeyDialog::Delete),
    ];

    fn slug(self) -> &'static str {
        match self {
            Self::SetWebhook => "webhook",
            Self::Open(KeyDialog::Edit) => "edit",
            Self::Open(KeyDialog::Roll) => "roll",
            Self::Open(KeyDialog::Delete) => "delete",
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

/// What sending a dialog's form asks of the server.
#[derive(Clone, Debug)]
enum Change {
    Create(KeyInput),
    Update(KeyId, KeyInput),
    Roll(KeyId, RollGrace),
    /// The key, and its name for the message.
    Delete(KeyId, String),
}

/// What the server did.
#[derive(Clone, Debug)]
enum Changed {
    Created(NewSecret),
    Saved(String),
    Rolled(NewSecret),
    Deleted(String),
}

async fn send(change: Change) -> Result<Changed, AppError> {
    match change {
        Change::Create(input) => create_key(input).await.map(Changed::Created),
        Change::Update(id, input) => update_key(id, input).await.map(Changed::Saved),
        Change::Roll(id, grace) => roll_key(id, grace).await.map(Changed::Rolled),
        Change::Delete(id, name) => delete_key(id).await.map(|()| Changed::Deleted(name)),
    }
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
                        <KeyManager>
                            <KeyList list />
                        </KeyManager>
                        <NewKeyTemplate />
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

/// Everything on the page that responds to input. `children` is the list
/// as the server rendered it; each refresh replaces it.
#[island]
fn KeyManager(children: Children) -> impl IntoView {
    island_hydrated();
    let status = RwSignal::new(String::new());
    let page_error = RwSignal::new(None::<AppError>);
    let load_error = RwSignal::new(None::<AppError>);
    let list = NodeRef::<leptos::html::Div>::new();
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    // What had focus when the dialog opened, to give it back; and the form
    // whose change is on its way, to show the answer in. Browser objects,
    // set only in the browser: empty on the server, where the page's owner
    // may be dropped on another thread than the one that rendered it.
    let opener = StoredValue::new(None::<SendWrapper<HtmlElement>>);
    let sending = StoredValue::new(None::<SendWrapper<HtmlFormElement>>);

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
            Ok(html) => {
                load_error.set(None);
                if let Some(el) = list.get_untracked() {
                    el.set_inner_html(&html);
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

    // The dialog: shows markup from the server, and gives focus back when
    // it closes.
    let open_dialog = move |html: &str| {
        let Some(d) = dialog.get_untracked() else {
            return;
        };
        if !d.open() {
            opener.set_value(
                document()
                    .active_element()
                    .and_then(|el| el.dyn_into::<HtmlElement>().ok())
                    .map(SendWrapper::new),
            );
        }
        d.set_inner_html(html);
        name_dialog(&d, "[data-labelledby]");
        if !d.open() {
            let _ = d.show_modal();
        }
    };
    let close_dialog = move || {
        let Some(d) = dialog.get_untracked() else {
            return;
        };
        d.close();
        // The markup goes with it: a secret shown once must not stay in
        // the page.
        d.set_inner_html("");
        match opener
            .try_update_value(Option::take)
            .flatten()
            .map(SendWrapper::take)
        {
            Some(el) if el.is_connected() => {
                let _ = el.focus();
            }
            // The opener was re-rendered or removed (its row was deleted).
            other => {
                let label = other.and_then(|el| el.get_attribute("aria-label"));
                if !label.is_some_and(|l| focus_by_label(&l)) {
                    focus_page_heading();
                }
            }
        }
    };

    // A row's dialog, rendered on the server for its key. Two clicks in
    // quick succession open the second.
    let fetch_dialog =
        LastAsked::new(move |(id, which): &(KeyId, KeyDialog)| render_key_dialog(*id, *which));
    Effect::new(move |_| match fetch_dialog.answer() {
        Some(Ok(html)) => open_dialog(&html),
        Some(Err(err)) => page_error.set(Some(err)),
        None => {}
    });

    // Sending a dialog's form.
    let change = Action::new(|change: &Change| send(change.clone()));
    let changing = is_pending(change.pending());
    Effect::new(move |_| {
        let pending = changing();
        sending.with_value(|form| {
            if let Some(form) = form {
                show_pending(form, pending);
            }
        });
    });
    Effect::new(move |_| {
        let Some(result) = change.value().get() else {
            return;
        };
        // A new secret: the list again, and the secret shown this once.
        let revealed = |verb: &str, new: &NewSecret, form: Option<HtmlFormElement>| {
            refresh(
                format!("{verb} “{}”.", new.name),
                FocusAfterRefresh::Button(format!("Edit {}", new.name)),
            );
            if let Some(form) = form {
                reveal_secret(&form, new);
            }
        };
        // The form the change came from, if its dialog is still open.
        let form = sending
            .with_value(|f| f.as_deref().cloned())
            .filter(|f| f.is_connected());
        match result {
            Ok(Changed::Created(new)) => revealed("Created", &new, form),
            Ok(Changed::Rolled(new)) => revealed("Rolled", &new, form),
            Ok(Changed::Saved(name)) => {
                close_dialog();
                refresh(
                    format!("Saved “{name}”."),
                    FocusAfterRefresh::Button(format!("Edit {name}")),
                );
            }
            Ok(Changed::Deleted(name)) => {
                close_dialog();
                refresh(format!("Deleted “{name}”."), FocusAfterRefresh::Heading);
            }
            Err(err) => {
                if let Some(form) = form {
                    show_form_error(&form, &err);
                }
            }
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        if changing() {
            return;
        }
        match read_form(&form) {
            Ok(request) => {
                clear_errors(&form);
                sending.set_value(Some(SendWrapper::new(form)));
                change.dispatch(request);
            }
            Err(err) => show_form_error(&form, &err),
        }
    };
    // Cancel, Close, Done and Escape. Not while a change is on its way: the
    // answer may be a secret shown only once, in this dialog.
    let dismiss = move || {
        if !changing() {
            close_dialog();
        }
    };
    let on_dialog_click = move |ev: leptos::ev::MouseEvent| {
        let Some(button) = closest(&ev, "[data-action]") else {
            return;
        };
        let action = button
            .get_attribute("data-action")
            .and_then(|a| DialogAction::from_slug(&a));
        match action {
            Some(DialogAction::Close) => dismiss(),
            Some(DialogAction::Copy) => copy_secret(&button),
            Some(DialogAction::Suggest) => restrict_to(
                &button,
                &button.get_attribute("data-levels").unwrap_or_default(),
            ),
            None => {}
        }
    };
    let on_dialog_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            dismiss();
        }
        "Tab" => {
            if let Some(d) = dialog.get_untracked() {
                wrap_focus(&d, &ev);
            }
        }
        _ => {}
    };

    let set_webhook = Action::new(move |(id, name): &(KeyId, String)| {
        let (id, name) = (*id, name.clone());
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
        let Some(button) = closest(&ev, "button[data-action]") else {
            return;
        };
        let action = button
            .get_attribute("data-action")
            .and_then(|a| RowAction::from_slug(&a));
        let id = button
            .get_attribute("data-key")
            .and_then(|id| id.parse().ok())
            .map(KeyId);
        let Some((action, id)) = action.zip(id) else {
            return;
        };
        match action {
            RowAction::SetWebhook => {
                let name = document()
                    .get_element_by_id(&format!("key-{}-name", id.0))
                    .and_then(|el| el.text_content())
                    .unwrap_or_default();
                set_webhook.dispatch((id, name));
            }
            RowAction::Open(which) => fetch_dialog.dispatch((id, which)),
        }
    };
    let on_add = move |_| {
        if let Some(template) = document().get_element_by_id(NEW_KEY_TEMPLATE) {
            open_dialog(&template.inner_html());
        }
    };

    view! {
        <div class="page-header">
            <h1 id="page-heading" tabindex="-1">"API Keys"</h1>
            <button type="button" class="btn btn--primary" on:click=on_add>
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
        <dialog
            node_ref=dialog
            class="dialog"
            on:submit=on_submit
            on:click=on_dialog_click
            on:keydown=on_dialog_keydown
            // The browser's own Escape handling: keep the page in charge.
            on:cancel=move |ev: leptos::ev::Event| {
                ev.prevent_default();
                dismiss();
            }
        ></dialog>
    }
}

/// The element the event came from, or its nearest ancestor, matching
/// `selector`.
fn closest(ev: &leptos::ev::MouseEvent, selector: &str) -> Option<Element> {
    ev.target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|el| el.closest(selector).ok().flatten())
}

/// Names the dialog after the heading its content says
/// (`data-labelledby`), and describes it the same way.
fn name_dialog(dialog: &web_sys::HtmlDialogElement, content: &str) {
    let root = dialog.query_selector(content).ok().flatten();
    for attr in ["labelledby", "describedby"] {
        let aria = format!("aria-{attr}");
        let _ = match root
            .as_ref()
            .and_then(|r| r.get_attribute(&format!("data-{attr}")))
        {
            Some(id) => dialog.set_attribute(&aria, &id),
            None => dialog.remove_attribute(&aria),
        };
    }
}

/// What the form asks for, or why it cannot be sent (the name is checked
/// here too, as the server will, for an instant answer).
fn read_form(form: &HtmlFormElement) -> Result<Change, AppError> {
    let data = web_sys::FormData::new_with_form(form)
        .map_err(|_| AppError::Transport("The form could not be read.".into()))?;
    let text = |name: &str| data.get(name).as_string().unwrap_or_default();
    let id = form
        .get_attribute("data-key")
        .and_then(|id| id.parse().ok())
        .map(KeyId);
    let submit = form
        .get_attribute("data-submit")
        .and_then(|s| Submit::from_slug(&s));
    let key_input = || -> Result<KeyInput, AppError> {
        let name = text(fields::NAME);
        validate_name(&name)?;
        Ok(KeyInput {
            name,
            restricted: data.has(fields::RESTRICTED),
            levels: Group::ALL
                .into_iter()
                .filter_map(|g| Some((g, Level::from_slug(&text(&fields::level(g)))?)))
                .collect(),
            expires: Expiry::from_form(&text(fields::EXPIRES), text(fields::EXPIRY_DATE)),
        })
    };
    let unreadable = || AppError::Transport("The form could not be read.".into());
    match (submit, id) {
        (Some(Submit::Create), _) => Ok(Change::Create(key_input()?)),
        (Some(Submit::Update), Some(id)) => Ok(Change::Update(id, key_input()?)),
        (Some(Submit::Roll), Some(id)) => Ok(Change::Roll(
            id,
            RollGrace::from_slug(&text(fields::GRACE)).unwrap_or(DEFAULT_GRACE),
        )),
        (Some(Submit::Delete), Some(id)) => Ok(Change::Delete(
            id,
            form.get_attribute("data-name").unwrap_or_default(),
        )),
        _ => Err(unreadable()),
    }
}

/// Shows the error beside its field, and puts focus on a name that was
/// refused, to correct it.
fn show_form_error(form: &HtmlFormElement, err: &AppError) {
    if let Some(control) = show_error(form, err)
        && err.message_for(fields::NAME).is_some()
    {
        let _ = control.focus();
    }
}

/// The send button reads its busy label and cannot be pressed twice while
/// the server answers.
fn show_pending(form: &HtmlFormElement, pending: bool) {
    let Some(button) = form
        .query_selector("button[type=submit]")
        .ok()
        .flatten()
        .and_then(|b| b.dyn_into::<web_sys::HtmlButtonElement>().ok())
    else {
        return;
    };
    if pending && button.get_attribute("data-label").is_none() {
        let _ = button.set_attribute("data-label", &button.text_content().unwrap_or_default());
    }
    let label = if pending {
        "data-pending-label"
    } else {
        "data-label"
    };
    if let Some(text) = button.get_attribute(label) {
        button.set_text_content(Some(&text));
    }
    button.set_disabled(pending);
}

/// The form makes way for the new secret, shown this once.
fn reveal_secret(form: &HtmlFormElement, new: &NewSecret) {
    let Some(content) = form.parent_element() else {
        return;
    };
    let find = |selector: &str| content.query_selector(selector).ok().flatten();
    let (Some(reveal), Some(secret)) = (find("[data-reveal]"), find("#new-key-secret")) else {
        return;
    };
    if let Some(name) = find("[data-reveal-name]") {
        name.set_text_content(Some(&new.name));
    }
    secret.set_text_content(Some(&new.secret));
    form.set_hidden(true);
    let _ = reveal.remove_attribute("hidden");
    if let Some(dialog) = content.parent_element() {
        let _ = dialog.set_attribute("aria-labelledby", "secret-title");
        let _ = dialog.remove_attribute("aria-describedby");
    }
    if let Some(done) = reveal
        .query_selector("[data-action=close]")
        .ok()
        .flatten()
        .and_then(|b| b.dyn_into::<HtmlElement>().ok())
    {
        let _ = done.focus();
    }
}

/// **Copy**: the secret beside the button, to the clipboard.
fn copy_secret(button: &Element) {
    let Some(reveal) = button.closest("[data-reveal]").ok().flatten() else {
        return;
    };
    let find = |selector: &str| reveal.query_selector(selector).ok().flatten();
    let secret = find("#new-key-secret")
        .and_then(|s| s.text_content())
        .unwrap_or_default();
    let status = find("[data-copy-status]");
    leptos::task::spawn_local(async move {
        let promise = window().navigator().clipboard().write_text(&secret);
        let ok = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
        if let Some(status) = status {
            status.set_text_content(Some(if ok {
                "Copied to the clipboard."
            } else {
                "Could not copy: select the key and copy it yourself."
            }));
        }
    });
}

/// **Restrict to what it used**: the switch on, and each group at the
/// level the key used (No Access where it used none). Saving is still the
/// person's choice.
fn restrict_to(button: &Element, levels: &str) {
    let Some(form) = button.closest("form").ok().flatten() else {
        return;
    };
    let levels = parse_levels_attr(levels);
    let check = |selector: &str| {
        if let Some(input) = form
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|i| i.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.set_checked(true);
        }
    };
    check(&format!("input[name={}]", fields::RESTRICTED));
    for group in Group::ALL {
        let level = levels.get(&group).copied().unwrap_or(Level::NoAccess);
        check(&format!(
            "input[name={}][value={}]",
            fields::level(group),
            level.slug()
        ));
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
                    <RowButton action=RowAction::Open(KeyDialog::Edit) id label=label("Edit")>"Edit"</RowButton>
                    <RowButton action=RowAction::Open(KeyDialog::Roll) id label=label("Roll")>"Roll"</RowButton>
                    <RowButton action=RowAction::Open(KeyDialog::Delete) id label=label("Delete") class="btn btn--small btn--icon">
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
