//! The vocabularies of pairing: kinds of helper, unit, rank and team role, the parties a pairing
//! joins, and every pairing kind with its helper side and beneficiary side.

macro_rules! coded {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $code:literal, $label:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),* }
            }
            /// By code or Chinese label.
            pub fn parse(text: &str) -> Option<$name> {
                let t = text.trim();
                Self::ALL.iter().copied().find(|v| v.code() == t || v.label() == t)
            }
        }
    };
}

coded! {
    /// What kind of body a unit is.
    UnitKind {
        Government => "government", "党政机关";
        Institution => "institution", "事业单位";
        School => "school", "学校";
        University => "university", "高校";
        Enterprise => "enterprise", "企业";
        Hospital => "hospital", "医院";
        SocialOrganisation => "social_organisation", "社会组织";
        City => "city", "市（州）";
        County => "county", "县（市、区）";
    }
}

coded! {
    /// What kind of person helps.
    HelperKind {
        Cadre => "cadre", "干部";
        Teacher => "teacher", "教师";
        FirstSecretary => "first_secretary", "驻村第一书记";
        TeamMember => "team_member", "工作队队员";
        Volunteer => "volunteer", "志愿者";
        EnterpriseStaff => "enterprise_staff", "企业人员";
        Leader => "leader", "领导干部";
    }
}

coded! {
    /// Rank, which sets the caseload (8/7/6/5/4 in one county, 2–3 and 1 in another: configurable).
    Rank {
        FullDivision => "full_division", "正处级";
        DeputyDivision => "deputy_division", "副处级";
        FullSection => "full_section", "正科级";
        DeputySection => "deputy_section", "副科级";
        Ordinary => "ordinary", "一般干部";
        Other => "other", "其他";
    }
}

coded! {
    /// A member's role in a work team.
    TeamRole {
        FirstSecretary => "first_secretary", "第一书记（队长）";
        Leader => "leader", "副队长";
        Member => "member", "队员";
    }
}

coded! {
    /// Whether a pairing is in force.
    PairingStatus {
        Active => "active", "在帮";
        Ended => "ended", "已结束";
    }
}

coded! {
    /// What stands on one side of a pairing (the id refers to the table of that kind; regions are codes).
    PartyKind {
        Helper => "helper", "帮扶人";
        Unit => "unit", "帮扶单位";
        Team => "team", "驻村工作队";
        Household => "household", "户";
        Student => "student", "学生";
        Village => "village", "村";
        School => "school", "学校";
        County => "county", "县";
        City => "city", "市";
    }
}

coded! {
    /// Every kind of pairing (SPEC §3); each joins a helper side to a beneficiary side.
    PairingKind {
        HelperHousehold => "helper_household", "帮扶责任人—户";
        UnitVillage => "unit_village", "单位包村（定点帮扶）";
        TeamVillage => "team_village", "驻村工作队—村";
        SecretaryVillage => "secretary_village", "第一书记—村";
        EnterpriseVillage => "enterprise_village", "企业—村（村企结对）";
        LeaderVillage => "leader_village", "乡镇领导包村";
        LeaderHousehold => "leader_household", "领导干部包户";
        SubunitHousehold => "subunit_household", "处室（科室）包户";
        TeacherStudent => "teacher_student", "教师—学生";
        VolunteerStudent => "volunteer_student", "志愿者—学生";
        SchoolSchool => "school_school", "学校—学校（城乡结对）";
        VocationalSchool => "vocational_school", "职业院校—县学校";
        UniversityCounty => "university_county", "高校—县";
        CityCity => "city_city", "市—市（东西部协作）";
        CountyCounty => "county_county", "县—县（对口支援）";
        GridChiefSecretary => "grid_chief_secretary", "片长—第一书记（网格）";
        GridSecretaryMember => "grid_secretary_member", "第一书记—队员（网格）";
    }
}

impl PairingKind {
    /// The helper side and the beneficiary side.
    pub fn sides(self) -> (PartyKind, PartyKind) {
        use PairingKind::*;
        use PartyKind as P;
        match self {
            HelperHousehold | LeaderHousehold => (P::Helper, P::Household),
            SubunitHousehold => (P::Unit, P::Household),
            UnitVillage | EnterpriseVillage => (P::Unit, P::Village),
            TeamVillage => (P::Team, P::Village),
            SecretaryVillage | LeaderVillage => (P::Helper, P::Village),
            TeacherStudent | VolunteerStudent => (P::Helper, P::Student),
            SchoolSchool | VocationalSchool => (P::School, P::School),
            UniversityCounty => (P::Unit, P::County),
            CityCity => (P::City, P::City),
            CountyCounty => (P::County, P::County),
            GridChiefSecretary | GridSecretaryMember => (P::Helper, P::Helper),
        }
    }

    /// Whether it counts towards a helper's caseload of households (一户一帮扶责任人).
    pub fn counts_for_caseload(self) -> bool {
        matches!(self, PairingKind::HelperHousehold | PairingKind::LeaderHousehold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels_parse_back_and_every_kind_has_sides() {
        for k in PairingKind::ALL {
            assert_eq!(PairingKind::parse(k.code()), Some(*k));
            assert_eq!(PairingKind::parse(k.label()), Some(*k));
            let _ = k.sides();
        }
        assert_eq!(Rank::parse("正科级"), Some(Rank::FullSection));
        assert_eq!(PairingKind::HelperHousehold.sides(), (PartyKind::Helper, PartyKind::Household));
    }
}
