//! A key's requests per day as a small inline chart, drawn by the page
//! (integers only: no float formatting in the bundle).

use leptos::prelude::*;

/// One point per day, oldest first; the line's top is the busiest day.
/// `label` names it for screen readers (by default, requests).
#[component]
pub fn Sparkline(daily: Vec<u64>, #[prop(optional)] label: Option<String>) -> impl IntoView {
    const STEP: usize = 10;
    const HEIGHT: u64 = 100;
    let total: u64 = daily.iter().sum();
    let busiest = daily.iter().copied().max().unwrap_or(0).max(1);
    let points = daily
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{},{}", i * STEP, HEIGHT - n * HEIGHT / busiest))
        .collect::<Vec<_>>()
        .join(" ");
    let width = daily.len().saturating_sub(1).max(1) * STEP;
    view! {
        <svg
            class="sparkline"
            viewBox=format!("0 -4 {width} 108")
            preserveAspectRatio="none"
            role="img"
            aria-label=label.unwrap_or_else(|| format!("Requests in the last 30 days: {total}"))
        >
            <polyline points=points vector-effect="non-scaling-stroke" />
        </svg>
    }
}
