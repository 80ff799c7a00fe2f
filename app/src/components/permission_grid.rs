//! The "Restrict permissions" grid: one row per group, under its section,
//! each row a radio group named after the group. Action-only groups show a
//! dash where Read would be. Everything here is read from `permissions`.

use std::collections::BTreeMap;

use leptos::either::Either;
use leptos::prelude::*;

use crate::permissions::{Group, Level, Section};

#[component]
pub fn PermissionGrid(
    levels: RwSignal<BTreeMap<Group, Level>>,
    /// A message about one group, from the server (`permissions.<slug>`).
    #[prop(into)]
    error: Signal<Option<(Group, String)>>,
) -> impl IntoView {
    view! {
        <div class="perm-grid">
            <div class="perm-grid__head" aria-hidden="true">
                <span>"Permission"</span>
                {Level::ALL.map(|l| view! { <span>{l.label()}</span> }).collect_view()}
            </div>
            {Section::ALL
                .map(|section| {
                    let heading_id = format!("perm-section-{}", section.slug());
                    let labelledby = heading_id.clone();
                    view! {
                        <div class="perm-section" role="group" aria-labelledby=labelledby>
                            <h3 class="perm-section__title" id=heading_id>
                                {section.label()}
                            </h3>
                            {section
                                .groups()
                                .map(|group| view! { <PermissionRow group levels error /> })
                                .collect_view()}
                        </div>
                    }
                })
                .collect_view()}
        </div>
    }
}

#[component]
fn PermissionRow(
    group: Group,
    levels: RwSignal<BTreeMap<Group, Level>>,
    error: Signal<Option<(Group, String)>>,
) -> impl IntoView {
    let slug = group.slug();
    let label_id = format!("perm-{slug}-label");
    let desc_id = format!("perm-{slug}-desc");
    let error_id = format!("perm-{slug}-error");
    let labelledby = label_id.clone();
    let current = move || levels.with(|m| m.get(&group).copied().unwrap_or(Level::NoAccess));
    let my_error = move || error.get().filter(|(g, _)| *g == group).map(|(_, m)| m);

    let cells = Level::ALL
        .map(|level| {
            if group.offers(level) {
                Either::Left(view! {
                    <label class="perm-cell">
                        <input
                            type="radio"
                            name=format!("level-{slug}")
                            value=level.slug()
                            prop:checked=move || current() == level
                            on:change=move |_| levels.update(|m| {
                                m.insert(group, level);
                            })
                        />
                        <span class="perm-cell__text">{level.label()}</span>
                    </label>
                })
            } else {
                Either::Right(view! {
                    <span class="perm-cell perm-cell--none">
                        <span aria-hidden="true">"–"</span>
                        <span class="visually-hidden">"Read is not available for this group"</span>
                    </span>
                })
            }
        })
        .collect_view();

    view! {
        <div
            class="perm-row"
            role="radiogroup"
            aria-labelledby=labelledby
            aria-describedby=move || {
                if my_error().is_some() {
                    format!("{desc_id} {error_id}")
                } else {
                    desc_id.clone()
                }
            }
            aria-invalid=move || my_error().map(|_| "true")
        >
            <div class="perm-row__label">
                <span class="perm-row__name" id=label_id>
                    {group.label()}
                </span>
                <span class="perm-row__desc" id=format!("perm-{slug}-desc")>
                    {group.description()}
                </span>
                {move || {
                    my_error()
                        .map(|m| {
                            view! {
                                <span class="field-error" id=format!("perm-{slug}-error") role="alert">
                                    {m}
                                </span>
                            }
                        })
                }}
            </div>
            {cells}
        </div>
    }
}
