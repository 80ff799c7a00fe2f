//! The "Restrict permissions" grid: one row per group, under its section,
//! each row a radio group named after the group. Action-only groups show a
//! dash where Read would be. Everything here is read from `permissions`.
//!
//! Server HTML: the Add and Edit dialogs are rendered on the server, and the
//! form is read as it is sent (`level-<group>` radios).

use std::collections::BTreeMap;

use leptos::either::Either;
use leptos::prelude::*;

use super::field_error::FieldError;
use crate::model::permissions::{Group, Level, Section};

/// The name of `group`'s radios: the form reads each group's level there.
pub fn level_field(group: Group) -> String {
    format!("level-{}", group.slug())
}

#[component]
pub fn PermissionGrid(
    /// The levels checked at first; a group not in it starts at No Access.
    levels: BTreeMap<Group, Level>,
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
                                .map(|group| {
                                    let level = levels.get(&group).copied().unwrap_or(Level::NoAccess);
                                    view! { <PermissionRow group level /> }
                                })
                                .collect_view()}
                        </div>
                    }
                })
                .collect_view()}
        </div>
    }
}

#[component]
fn PermissionRow(group: Group, level: Level) -> impl IntoView {
    let slug = group.slug();
    let label_id = format!("perm-{slug}-label");
    let desc_id = format!("perm-{slug}-desc");
    // The server names a group's error `permissions.<slug>`.
    let field = group.error_field();

    let cells = Level::ALL
        .map(|cell| {
            if group.offers(cell) {
                Either::Left(view! {
                    <label class="perm-cell">
                        <input
                            type="radio"
                            name=level_field(group)
                            value=cell.slug()
                            checked=cell == level
                        />
                        <span class="perm-cell__text">{cell.label()}</span>
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

    let (labelledby, describedby) = (label_id.clone(), desc_id.clone());
    view! {
        <div
            class="perm-row"
            role="radiogroup"
            aria-labelledby=labelledby
            aria-describedby=describedby.clone()
            data-describedby=describedby
            data-field=field
        >
            <div class="perm-row__label">
                <span class="perm-row__name" id=label_id>
                    {group.label()}
                </span>
                <span class="perm-row__desc" id=desc_id>
                    {group.description()}
                </span>
                <FieldError id=format!("perm-{slug}-error") field />
            </div>
            {cells}
        </div>
    }
}
