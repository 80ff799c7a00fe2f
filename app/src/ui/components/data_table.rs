//! A list of records as a table: a caption for screen readers, one header
//! per column, and a last, unnamed-on-screen "Actions" column. On narrow
//! screens the stylesheet turns rows into cards, labelled by `data-label`.

use leptos::prelude::*;

#[component]
pub fn DataTable(
    /// Read by screen readers; not shown.
    caption: &'static str,
    /// Column headers, before the actions column.
    columns: &'static [&'static str],
    #[prop(default = "")] class: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <table class=format!("keys {class}")>
            <caption class="visually-hidden">{caption}</caption>
            <thead>
                <tr>
                    {columns.iter().map(|c| view! { <th scope="col">{*c}</th> }).collect_view()}
                    <th scope="col">
                        <span class="visually-hidden">"Actions"</span>
                    </th>
                </tr>
            </thead>
            <tbody>{children()}</tbody>
        </table>
    }
}
