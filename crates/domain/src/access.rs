//! Roles a user can hold at a region scope, and what each role may do (typed capabilities).

/// What a role allows. Pages and API calls ask for one of these before touching data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Read the registry (households, members, dashboard) in scope.
    ViewRegistry,
    /// Create and edit households and members, move members, record events.
    EditRegistry,
    /// Upload import files.
    Import,
    /// Download lists as xlsx.
    Export,
    /// Reveal full ID numbers, phones and bank accounts (each reveal is audited).
    RevealProtected,
    /// Search the audit trail.
    ViewAudit,
    /// Create users and grant roles.
    ManageUsers,
    /// Run the data-quality rules (逻辑校验) over a region in scope, or over one household.
    RunChecks,
    /// Change rule settings and income lines for the user's jurisdiction (their scope prefix).
    ManageRules,
    /// Import department lists and compare them with the registry (数据比对) for a region in scope.
    Compare,
    /// Manage pairing assistance (结对帮扶): units, helpers, teams, pairings, hand-overs and the
    /// 对口帮扶任务分配表 import, in scope.
    ManagePairing,
}

use Capability::*;

/// The roles of SPEC §10. A user may hold several, each at its own region scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    CountyOffice,
    TownshipStaff,
    VillageCadre,
    FirstSecretary,
    Helper,
    SchoolStaff,
    EducationBureau,
    Leader,
    DataOfficer,
    Inspector,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::Admin,
        Role::CountyOffice,
        Role::TownshipStaff,
        Role::VillageCadre,
        Role::FirstSecretary,
        Role::Helper,
        Role::SchoolStaff,
        Role::EducationBureau,
        Role::Leader,
        Role::DataOfficer,
        Role::Inspector,
    ];

    /// Stable code stored in the database and used on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::CountyOffice => "county_office",
            Role::TownshipStaff => "township_staff",
            Role::VillageCadre => "village_cadre",
            Role::FirstSecretary => "first_secretary",
            Role::Helper => "helper",
            Role::SchoolStaff => "school_staff",
            Role::EducationBureau => "education_bureau",
            Role::Leader => "leader",
            Role::DataOfficer => "data_officer",
            Role::Inspector => "inspector",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::CountyOffice => "县帮扶办",
            Role::TownshipStaff => "乡镇干部",
            Role::VillageCadre => "村干部",
            Role::FirstSecretary => "驻村第一书记",
            Role::Helper => "帮扶责任人",
            Role::SchoolStaff => "学校工作人员",
            Role::EducationBureau => "教育局",
            Role::Leader => "领导/审计",
            Role::DataOfficer => "部门数据专员",
            Role::Inspector => "督查（只读）",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::Admin => "System administrator",
            Role::CountyOffice => "County office",
            Role::TownshipStaff => "Township staff",
            Role::VillageCadre => "Village cadre",
            Role::FirstSecretary => "First secretary",
            Role::Helper => "Helper",
            Role::SchoolStaff => "School staff",
            Role::EducationBureau => "Education bureau",
            Role::Leader => "Leader / auditor",
            Role::DataOfficer => "Department data officer",
            Role::Inspector => "Inspector (read-only)",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn parse(text: &str) -> Option<Role> {
        let t = text.trim();
        Role::ALL.into_iter().find(|r| r.code() == t || r.label() == t)
    }

    pub fn capabilities(self) -> &'static [Capability] {
        match self {
            Role::Admin => &[ViewRegistry, EditRegistry, Import, Export, RevealProtected, ViewAudit, ManageUsers, RunChecks, ManageRules, Compare, ManagePairing],
            Role::CountyOffice => &[ViewRegistry, EditRegistry, Import, Export, RevealProtected, ViewAudit, RunChecks, ManageRules, Compare, ManagePairing],
            Role::TownshipStaff => &[ViewRegistry, EditRegistry, Import, Export, RevealProtected, RunChecks, ManagePairing],
            Role::VillageCadre | Role::FirstSecretary => &[ViewRegistry, EditRegistry, Export, RevealProtected, RunChecks],
            Role::Helper | Role::SchoolStaff => &[ViewRegistry],
            Role::EducationBureau => &[ViewRegistry, Import, Export],
            Role::DataOfficer => &[ViewRegistry, Import, Export, RunChecks, ManageRules, Compare, ManagePairing],
            Role::Leader => &[ViewRegistry, Export, ViewAudit],
            Role::Inspector => &[ViewRegistry, ViewAudit],
        }
    }

    pub fn can(self, c: Capability) -> bool {
        self.capabilities().contains(&c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_labels_parse() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(r));
            assert_eq!(Role::parse(r.label()), Some(r));
        }
        assert_eq!(Role::parse("nobody"), None);
    }

    #[test]
    fn read_only_roles_cannot_write_or_reveal() {
        for r in [Role::Inspector, Role::Helper, Role::SchoolStaff, Role::Leader] {
            assert!(r.can(ViewRegistry));
            assert!(!r.can(EditRegistry), "{r:?}");
            assert!(!r.can(RevealProtected), "{r:?}");
        }
        assert!(Role::Admin.can(ManageUsers));
        assert!(!Role::CountyOffice.can(ManageUsers));
    }

    #[test]
    fn checks_are_run_by_registry_staff_and_rules_set_by_the_county_office() {
        for r in [Role::Admin, Role::CountyOffice, Role::TownshipStaff, Role::VillageCadre, Role::FirstSecretary, Role::DataOfficer] {
            assert!(r.can(RunChecks), "{r:?}");
        }
        for r in [Role::Helper, Role::SchoolStaff, Role::EducationBureau, Role::Leader, Role::Inspector] {
            assert!(!r.can(RunChecks), "{r:?}");
        }
        for r in Role::ALL {
            assert_eq!(r.can(ManageRules), matches!(r, Role::Admin | Role::CountyOffice | Role::DataOfficer), "{r:?}");
        }
    }

    #[test]
    fn lists_are_compared_by_the_county_office_and_orders_verified_by_registry_editors() {
        for r in Role::ALL {
            assert_eq!(r.can(Compare), matches!(r, Role::Admin | Role::CountyOffice | Role::DataOfficer), "{r:?}");
        }
        // verifying a work order is an edit of the registry's follow-up: village, township and county staff
        for r in [Role::VillageCadre, Role::FirstSecretary, Role::TownshipStaff, Role::CountyOffice] {
            assert!(r.can(EditRegistry) && !r.can(ManageUsers), "{r:?}");
        }
        assert!(!Role::DataOfficer.can(EditRegistry), "a data officer imports lists but does not verify orders");
    }

    #[test]
    fn pairings_are_managed_by_county_township_and_data_staff() {
        for r in Role::ALL {
            assert_eq!(r.can(ManagePairing), matches!(r, Role::Admin | Role::CountyOffice | Role::TownshipStaff | Role::DataOfficer), "{r:?}");
        }
    }
}
