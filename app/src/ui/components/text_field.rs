//! The one text input of every form: a labelled input with its hint and
//! the place its error goes (`FieldError`). It is server markup: an island
//! reads its value from the form when it is sent (so what was typed before
//! the island hydrated is never lost), and shows errors with
//! `field_error::show_error`.

use leptos::either::Either;
use leptos::prelude::*;

use super::field_error::{ControlIds, FieldError};

/// A labelled input. `field` is the name the server's errors give it
/// (`AppError::Invalid::field`), `name` the form's name for it when they
/// differ (a form that also posts as plain HTML: `input[email]`). `error`
/// is a message the server already has for it (a plain post refused).
#[component]
pub fn TextInput(
    id: &'static str,
    label: &'static str,
    field: &'static str,
    #[prop(optional)] name: Option<&'static str>,
    #[prop(default = None)] hint: Option<String>,
    #[prop(optional)] value: String,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "field")] class: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] autofocus: bool,
    #[prop(optional)] maxlength: Option<usize>,
    /// A date input's latest day (`YYYY-MM-DD`).
    #[prop(default = None)]
    max: Option<String>,
    #[prop(default = None)] error: Option<String>,
    /// Several lines: a `<textarea>` of this many rows.
    #[prop(optional)]
    rows: Option<u32>,
) -> impl IntoView {
    let ControlIds {
        hint_id,
        error_id,
        described,
    } = ControlIds::of(id, hint.is_some(), error.is_some());
    let invalid = error.is_some();
    view! {
        <div class=class>
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="field-hint" id=hint_id.clone()>{h}</p> })}
            {match rows {
                None => Either::Left(view! {
                    <input
                        id=id
                        name=name.unwrap_or(field)
                        type=input_type
                        autocomplete=autocomplete
                        maxlength=maxlength.map(|n| n.to_string())
                        max=max
                        autofocus=autofocus
                        value=value
                        data-field=field
                        aria-invalid=invalid.then_some("true")
                        aria-describedby=described
                        data-describedby=hint_id
                    />
                }),
                // The renderer writes a textarea's text unescaped: it is
                // escaped here (the browser reads the entities back).
                Some(rows) => Either::Right(view! {
                    <textarea
                        id=id
                        name=name.unwrap_or(field)
                        rows=rows.to_string()
                        autocomplete=autocomplete
                        spellcheck="false"
                        data-field=field
                        aria-invalid=invalid.then_some("true")
                        aria-describedby=described
                        data-describedby=hint_id
                        inner_html=escape_text(&value)
                    ></textarea>
                }),
            }}
            <FieldError id=error_id field message=error />
        </div>
    }
}

/// Text as a textarea's contents: `&` and `<` as entities, so that no
/// text can end the element.
fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;")
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::ui::names::{attr, rendered};
    use leptos::tachys::view::RenderHtml;

    /// `show_error` finds the control and its error's place by these
    /// attributes.
    #[test]
    fn an_input_names_its_field_and_its_errors_place() {
        let html =
            view! { <TextInput id="t-url" label="URL" field="url" hint=Some("Where.".into()) /> }
                .to_html();
        for (a, v) in [
            (attr::FIELD, "url"),
            (attr::ERROR_FOR, "url"),
            (attr::DESCRIBEDBY, "t-url-hint"),
            ("aria-describedby", "t-url-hint"),
        ] {
            assert!(html.contains(&rendered(a, v)), "{a}: {html}");
        }
        assert!(html.contains("hidden"), "{html}");
        assert!(!html.contains("aria-invalid"), "{html}");
    }

    #[test]
    fn an_error_the_server_knows_is_shown_and_described() {
        let html = view! {
            <TextInput id="t-email" label="Email" field="email" name="input[email]" error=Some("Wrong.".to_owned()) />
        }
        .to_html();
        assert!(html.contains(&rendered("name", "input[email]")), "{html}");
        assert!(html.contains(&rendered("aria-invalid", "true")), "{html}");
        assert!(
            html.contains(&rendered("aria-describedby", "t-email-error")),
            "{html}"
        );
        assert!(html.contains(">Wrong.</p>"), "{html}");
        assert!(!html.contains("hidden"), "{html}");
    }

    /// A textarea's text cannot end the element or add markup.
    #[test]
    fn a_textareas_text_stays_text() {
        let value = "10.0.0.0/8\n</textarea><img src=x onerror=alert(1)>&amp;".to_owned();
        let html =
            view! { <TextInput id="t-ips" label="IPs" field="ips" value rows=4 /> }.to_html();
        assert!(!html.contains("</textarea><img"), "{html}");
        assert!(
            html.contains("10.0.0.0/8\n&lt;/textarea>&lt;img src=x onerror=alert(1)>&amp;amp;"),
            "{html}"
        );
        assert!(html.contains(&rendered(attr::FIELD, "ips")), "{html}");
    }
}
