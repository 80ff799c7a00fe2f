//! The permission model: groups, levels and what a key may do.
//!
//! This module is the single source of truth for the groups, their labels and
//! sections, which groups are action-only, and how levels compare
//! (`catalogue`), and for what a key's access grants (`access`). The UI, the
//! server functions, the API guard and the tests all read it from here.

mod access;
mod catalogue;

pub use access::{Access, PermissionError, Restrictions};
pub use catalogue::{Group, Level, Requirement, Section};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_hold_the_groups_of_the_spec_in_order() {
        let by_section: Vec<(Section, Vec<Group>)> = Section::ALL
            .iter()
            .map(|s| (*s, s.groups().collect()))
            .collect();
        assert_eq!(
            by_section,
            vec![
                (Section::Build, vec![Group::Agent, Group::Testing]),
                (Section::Monitor, vec![Group::History, Group::Export]),
                (Section::Deploy, vec![Group::Call, Group::Phone]),
            ]
        );
    }

    #[test]
    fn a_section_slug_is_its_label_in_lower_case() {
        for section in Section::ALL {
            assert_eq!(section.slug(), section.label().to_lowercase());
        }
    }

    #[test]
    fn only_export_and_call_are_action_only() {
        let action_only: Vec<Group> = Group::ALL
            .into_iter()
            .filter(|g| g.is_action_only())
            .collect();
        assert_eq!(action_only, vec![Group::Export, Group::Call]);
        assert_eq!(Group::Export.levels(), &[Level::NoAccess, Level::Edit]);
        assert_eq!(
            Group::Agent.levels(),
            &[Level::NoAccess, Level::Read, Level::Edit]
        );
    }

    #[test]
    fn edit_implies_read_and_no_access_grants_nothing() {
        assert!(Level::Edit.satisfies(Level::Read));
        assert!(Level::Edit.satisfies(Level::Edit));
        assert!(Level::Read.satisfies(Level::Read));
        assert!(!Level::Read.satisfies(Level::Edit));
        assert!(!Level::NoAccess.satisfies(Level::Read));
    }

    #[test]
    fn unrestricted_key_has_edit_everywhere() {
        for g in Group::ALL {
            assert_eq!(Access::Full.level(g), Level::Edit);
            assert!(Access::Full.allows(Requirement {
                group: g,
                level: Level::Edit
            }));
        }
    }

    #[test]
    fn restricted_key_missing_a_group_has_no_access() {
        let access = Access::Restricted(
            Restrictions::none()
                .with(Group::History, Level::Read)
                .unwrap(),
        );
        assert!(access.allows(Requirement {
            group: Group::History,
            level: Level::Read
        }));
        assert!(!access.allows(Requirement {
            group: Group::History,
            level: Level::Edit
        }));
        assert!(!access.allows(Requirement {
            group: Group::Agent,
            level: Level::Read
        }));
        assert_eq!(access.level(Group::Phone), Level::NoAccess);
    }

    #[test]
    fn read_on_an_action_only_group_is_rejected_not_mapped() {
        for g in [Group::Export, Group::Call] {
            assert_eq!(
                Restrictions::none().with(g, Level::Read),
                Err(PermissionError::ReadOnActionOnly { group: g })
            );
        }
        let err = serde_json::from_str::<Restrictions>(r#"{"call":"read"}"#).unwrap_err();
        assert!(err.to_string().contains("Call is action-only"), "{err}");
    }

    #[test]
    fn restrictions_round_trip_as_a_slug_map() {
        let r = Restrictions::none()
            .with(Group::Agent, Level::Read)
            .unwrap()
            .with(Group::Call, Level::Edit)
            .unwrap()
            .with(Group::Phone, Level::NoAccess)
            .unwrap();
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, r#"{"agent":"read","call":"edit"}"#);
        assert_eq!(serde_json::from_str::<Restrictions>(&json).unwrap(), r);
    }

    #[test]
    fn access_travels_externally_tagged() {
        let restricted = Access::Restricted(
            Restrictions::none()
                .with(Group::History, Level::Read)
                .unwrap(),
        );
        for (access, json) in [
            (Access::Full, r#""full""#),
            (restricted, r#"{"restricted":{"history":"read"}}"#),
        ] {
            assert_eq!(serde_json::to_string(&access).unwrap(), json);
            assert_eq!(serde_json::from_str::<Access>(json).unwrap(), access);
        }
        // The restrictions' own checks still apply inside the tag.
        let err = serde_json::from_str::<Access>(r#"{"restricted":{"call":"read"}}"#).unwrap_err();
        assert!(err.to_string().contains("Call is action-only"), "{err}");
    }

    #[test]
    fn summary_names_granted_groups() {
        assert_eq!(Access::Full.summary(), "Full access");
        assert_eq!(
            Access::Restricted(Restrictions::none()).summary(),
            "No access"
        );
        let r = Restrictions::none()
            .with(Group::Call, Level::Edit)
            .unwrap()
            .with(Group::Agent, Level::Read)
            .unwrap();
        assert_eq!(Access::Restricted(r).summary(), "Agent: Read · Call: Edit");
    }

    #[test]
    fn requirement_displays_as_in_403_answers() {
        let need = Requirement {
            group: Group::Agent,
            level: Level::Edit,
        };
        assert_eq!(need.to_string(), "Agent → Edit");
    }

    #[test]
    fn slugs_round_trip() {
        for g in Group::ALL {
            assert_eq!(Group::from_slug(g.slug()), Some(g));
        }
        assert_eq!(Group::from_slug("nope"), None);
        for g in Group::ALL {
            assert_eq!(g.error_field(), format!("permissions.{}", g.slug()));
        }
        for l in Level::ALL {
            assert_eq!(Level::from_slug(l.slug()), Some(l));
        }
        assert_eq!(Level::from_slug("Read"), None);
    }
}
