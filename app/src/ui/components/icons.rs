use leptos::prelude::*;

/// A trash can. Decorative: the button around it carries the name.
#[component]
pub fn TrashIcon() -> impl IntoView {
    view! {
        <svg
            class="icon"
            aria-hidden="true"
            focusable="false"
            viewBox="0 0 24 24"
            width="18"
            height="18"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
        >
            <path d="M3 6h18" />
            <path d="M8 6V4h8v2" />
            <path d="M19 6l-1 14H6L5 6" />
            <path d="M10 11v6M14 11v6" />
        </svg>
    }
}
