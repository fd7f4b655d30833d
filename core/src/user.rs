//! Users and roles, and which role may do what.
//!
//! Roles follow the people in users.md: front desk, clinician, vaccine
//! coordinator, clinic administrator. A user may hold several.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// A role a user holds at the clinic.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Finds and registers patients, prints records, records consent choices.
    FrontDesk,
    /// Records doses, refusals, contraindications and evidence of immunity.
    Clinician,
    /// Receives, counts and orders vaccine.
    VaccineCoordinator,
    /// Manages users and devices; may do everything.
    ClinicAdmin,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 4] = [
        Role::FrontDesk,
        Role::Clinician,
        Role::VaccineCoordinator,
        Role::ClinicAdmin,
    ];

    /// The stable text form.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Role::FrontDesk => "front_desk",
            Role::Clinician => "clinician",
            Role::VaccineCoordinator => "vaccine_coordinator",
            Role::ClinicAdmin => "clinic_admin",
        }
    }
}

/// Text that is not a role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role '{0}' (use front_desk, clinician, vaccine_coordinator or clinic_admin)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.code().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// Something a user may be permitted to do.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum Permission {
    /// Search and view patient records.
    ViewPatients,
    /// Register and edit patients, record consent choices.
    EditPatients,
    /// Record immunization events and mark them entered in error.
    RecordEvents,
    /// Manage stock.
    ManageInventory,
    /// Manage users.
    ManageUsers,
    /// Review the audit log (who saw or changed what).
    ReviewAudit,
}

/// Whether any of `roles` grants `permission`.
#[must_use]
pub fn permits(roles: &[Role], permission: Permission) -> bool {
    roles.iter().any(|role| {
        matches!(
            (role, permission),
            (Role::ClinicAdmin, _)
                | (
                    Role::FrontDesk | Role::Clinician,
                    Permission::ViewPatients | Permission::EditPatients
                )
                | (Role::Clinician, Permission::RecordEvents)
                | (
                    Role::VaccineCoordinator,
                    Permission::ViewPatients | Permission::ManageInventory
                )
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_what_their_people_do() {
        assert!(permits(&[Role::FrontDesk], Permission::EditPatients));
        assert!(!permits(&[Role::FrontDesk], Permission::RecordEvents));
        assert!(permits(&[Role::Clinician], Permission::RecordEvents));
        assert!(!permits(&[Role::Clinician], Permission::ManageUsers));
        assert!(permits(&[Role::ClinicAdmin], Permission::ManageUsers));
        assert!(!permits(&[], Permission::ViewPatients));
        assert_eq!("Clinician".parse::<Role>(), Ok(Role::Clinician));
    }
}
