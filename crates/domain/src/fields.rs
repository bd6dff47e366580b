//! The field catalog: every registry field with its code name, Chinese header, header variants and kind.
//! The importer, the exporter, the store's columns and the demo generator all read this one list.

use crate::value::Kind;
use crate::vocab::*;

/// Where a field lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// A column of the `household` or `member` table named by the field's key.
    Column,
    /// A column of `household_income` (one row per household and year).
    Income,
    /// Read from and written to files, but derived, not stored (region names, head's name and ID).
    Derived,
}

/// One field: code name (also the column name), the header officials use, its variants.
#[derive(Debug)]
pub struct FieldDef {
    pub key: &'static str,
    pub label: &'static str,
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    pub storage: Storage,
}

macro_rules! catalog {
    ($enum:ident, $table:ident, $count:ident: $($variant:ident => $key:literal, $label:literal, $kind:expr, $storage:ident, [$($alias:literal),*];)*) => {
        /// Field identifiers; `as usize` indexes the catalog and records.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $enum { $($variant),* }
        pub const $count: usize = [$($key),*].len();
        pub static $table: [FieldDef; $count] = [$(FieldDef { key: $key, label: $label, aliases: &[$($alias),*], kind: $kind, storage: Storage::$storage }),*];
        impl $enum {
            pub const ALL: [$enum; $count] = [$($enum::$variant),*];
            pub fn def(self) -> &'static FieldDef { &$table[self as usize] }
        }
    };
}

catalog! { HouseholdField, HOUSEHOLD_FIELDS, HOUSEHOLD_FIELD_COUNT:
    ProvinceName => "province_name", "省", Kind::Text, Derived, ["省份", "省(区、市)", "省(自治区、直辖市)"];
    CityName => "city_name", "市", Kind::Text, Derived, ["市(州)", "地市", "市州", "市(地、州、盟)", "地(市、州、盟)"];
    CountyName => "county_name", "县", Kind::Text, Derived, ["县(市、区、旗)", "县(市、区)", "县区", "区县", "县(区)", "县(市)"];
    TownshipName => "township_name", "乡", Kind::Text, Derived, ["乡(镇)", "乡镇", "乡镇(街道)", "乡(镇、街道)", "镇"];
    VillageName => "village_name", "村", Kind::Text, Derived, ["行政村", "村(社区)", "村(居)", "村名"];
    RegionCode => "region_code", "区划代码", Kind::Region, Column, ["行政区划代码", "村区划代码", "村级区划代码"];
    VillagerGroup => "villager_group", "组", Kind::Text, Column, ["村民小组", "组别", "自然村(组)", "小组"];
    HouseholdNo => "household_no", "户编号", Kind::Text, Column, ["户码", "家庭编号", "户编码"];
    HeadName => "head_name", "户主姓名", Kind::Text, Derived, ["户主"];
    HeadId => "head_id", "户主证件号码", Kind::Text, Derived, ["户主身份证号", "户主身份证号码", "户主身份证"];
    StatedSize => "stated_size", "家庭人口数", Kind::Count, Column, ["家庭人数", "户人口数", "人口数", "家庭人口"];
    HouseholdType => "household_type", "户类型", Kind::Vocab(&HOUSEHOLD_TYPE), Column, ["农户类型", "户别"];
    PovertyAttribute => "poverty_attribute", "贫困户属性", Kind::Vocab(&POVERTY_ATTRIBUTE), Column, ["脱贫户属性", "户属性"];
    MonitoringCategory => "monitoring_category", "监测对象类别", Kind::Vocab(&MONITORING_CATEGORY), Column, ["监测类型", "监测户类型", "监测对象类型"];
    IdentificationStandard => "identification_standard", "识别标准", Kind::Vocab(&IDENTIFICATION_STANDARD), Column, [];
    RegistrationYear => "registration_year", "识别年度", Kind::Year, Column, ["建档立卡年度", "纳入年度", "贫困户识别年度", "识别年份"];
    ExitYear => "exit_year", "脱贫年度", Kind::Year, Column, ["脱贫年份", "脱贫时间", "计划脱贫年度"];
    MonitoringIdentifiedOn => "monitoring_identified_on", "识别监测时间", Kind::Date, Column, ["纳入监测时间", "监测识别时间", "纳入监测日期"];
    RiskEliminated => "risk_eliminated", "风险是否已消除", Kind::Bool, Column, ["是否风险消除", "风险是否消除"];
    RiskEliminationMethod => "risk_elimination_method", "风险消除方式", Kind::Vocab(&RISK_ELIMINATION_METHOD), Column, [];
    RiskEliminatedOn => "risk_eliminated_on", "风险消除时间", Kind::Date, Column, ["风险消除日期"];
    Cause1 => "cause_1", "主要致贫原因", Kind::Vocab(&POVERTY_CAUSE), Column, ["致贫原因", "致贫返贫风险1", "致贫/返贫风险1", "主要风险", "风险类型1", "主要返贫致贫风险"];
    Cause2 => "cause_2", "其他致贫原因", Kind::Vocab(&POVERTY_CAUSE), Column, ["次要致贫原因", "致贫返贫风险2", "致贫/返贫风险2", "风险类型2"];
    Cause3 => "cause_3", "其他致贫原因2", Kind::Vocab(&POVERTY_CAUSE), Column, ["致贫返贫风险3", "致贫/返贫风险3", "风险类型3"];
    Cause4 => "cause_4", "致贫/返贫风险4", Kind::Vocab(&POVERTY_CAUSE), Column, ["致贫返贫风险4", "风险类型4"];
    Cause5 => "cause_5", "致贫/返贫风险5", Kind::Vocab(&POVERTY_CAUSE), Column, ["致贫返贫风险5", "风险类型5"];
    CultivatedLand => "cultivated_land", "耕地面积(亩)", Kind::Hundredths, Column, ["耕地面积", "耕地"];
    IrrigatedLand => "irrigated_land", "有效灌溉面积(亩)", Kind::Hundredths, Column, ["有效灌溉面积"];
    ForestLand => "forest_land", "林地面积(亩)", Kind::Hundredths, Column, ["林地面积"];
    ReturnedFarmland => "returned_farmland", "退耕还林面积(亩)", Kind::Hundredths, Column, ["退耕还林面积"];
    OrchardLand => "orchard_land", "林果面积(亩)", Kind::Hundredths, Column, ["林果面积"];
    Grassland => "grassland", "牧草地面积(亩)", Kind::Hundredths, Column, ["牧草地面积"];
    WaterSurface => "water_surface", "水面面积(亩)", Kind::Hundredths, Column, ["水面面积"];
    HousingArea => "housing_area", "住房面积(平方米)", Kind::Hundredths, Column, ["住房面积", "人均住房面积"];
    DangerousHouse => "dangerous_house", "是否危房户", Kind::Bool, Column, ["是否危房", "危房户"];
    HousingGrade => "housing_grade", "危房等级", Kind::Vocab(&HOUSING_GRADE), Column, ["住房安全等级", "房屋等级", "房屋安全等级"];
    HasElectricity => "has_electricity", "是否通生活用电", Kind::Bool, Column, ["是否通电", "通生活用电"];
    HasBroadcastTv => "has_broadcast_tv", "是否通广播电视", Kind::Bool, Column, ["通广播电视"];
    SafeDrinkingWater => "safe_drinking_water", "是否解决安全饮用水", Kind::Bool, Column, ["饮水安全", "是否饮水安全", "饮水安全有保障", "饮水安全保障", "安全饮水"];
    RoadHardened => "road_hardened", "入户道路是否硬化", Kind::Bool, Column, ["入户路是否硬化", "入户道路硬化"];
    RoadType => "road_type", "入户路类型", Kind::Text, Column, ["入户道路类型"];
    DistanceToRoad => "distance_to_road", "与村主干路距离(公里)", Kind::Hundredths, Column, ["与村主干路距离", "距村主干路距离", "与村主干道距离"];
    HasSanitaryToilet => "has_sanitary_toilet", "是否有卫生厕所", Kind::Bool, Column, ["有无卫生厕所", "卫生厕所"];
    MainFuel => "main_fuel", "主要燃料类型", Kind::Text, Column, ["燃料类型", "主要燃料"];
    CooperativeMember => "cooperative_member", "是否加入农民专业合作社", Kind::Bool, Column, ["是否加入合作社", "加入农民专业合作社"];
    FoodClothingSecure => "food_clothing_secure", "不愁吃不愁穿", Kind::Bool, Column, ["两不愁", "是否实现不愁吃不愁穿", "吃穿不愁", "不愁吃、不愁穿"];
    EducationSecure => "education_secure", "义务教育有保障", Kind::Bool, Column, ["义务教育保障", "是否义务教育有保障"];
    MedicalSecure => "medical_secure", "基本医疗有保障", Kind::Bool, Column, ["基本医疗保障", "是否基本医疗有保障"];
    HousingSecure => "housing_secure", "住房安全有保障", Kind::Bool, Column, ["住房安全保障", "是否住房安全有保障"];
    IncomeYear => "income_year", "收入年度", Kind::Year, Income, ["年度", "统计年度", "收入年份"];
    WageIncome => "wage_income", "工资性收入(元)", Kind::Money, Income, ["工资性收入"];
    BusinessIncome => "business_income", "生产经营性收入(元)", Kind::Money, Income, ["生产经营性收入"];
    PropertyIncome => "property_income", "财产性收入(元)", Kind::Money, Income, ["财产性收入"];
    TransferIncome => "transfer_income", "转移性收入(元)", Kind::Money, Income, ["转移性收入"];
    BusinessExpense => "business_expense", "生产经营性支出(元)", Kind::Money, Income, ["生产经营性支出"];
    NetIncome => "net_income", "家庭纯收入(元)", Kind::Money, Income, ["家庭纯收入", "家庭年纯收入", "年纯收入", "家庭年人均纯收入总额"];
    PerCapitaNetIncome => "per_capita_net_income", "人均纯收入(元)", Kind::Money, Income, ["人均纯收入", "家庭人均纯收入", "年人均纯收入"];
    BankName => "bank_name", "开户银行", Kind::Text, Column, ["开户行"];
    BankAccount => "bank_account", "银行账号", Kind::BankAccount, Column, ["银行卡号", "开户账号", "一卡通账号", "银行帐号"];
    Phone => "phone", "联系电话", Kind::Phone, Column, ["家庭成员联系电话", "户主联系电话", "电话", "手机号码", "联系方式"];
    HelperName => "helper_name", "帮扶责任人", Kind::Text, Column, ["帮扶人", "帮扶责任人姓名"];
    HelperUnit => "helper_unit", "帮扶责任人单位", Kind::Text, Column, ["帮扶单位", "帮扶人单位"];
    HelperPhone => "helper_phone", "帮扶责任人电话", Kind::Text, Column, ["帮扶责任人联系电话", "帮扶人电话"];
}

catalog! { MemberField, MEMBER_FIELDS, MEMBER_FIELD_COUNT:
    Name => "name", "姓名", Kind::Text, Column, ["成员姓名", "家庭成员姓名"];
    IdType => "id_type", "证件类型", Kind::Vocab(&ID_TYPE), Column, [];
    IdNumber => "id_number", "证件号码", Kind::IdNumber, Column, ["身份证号", "公民身份号码", "身份证号码", "身份证件号码", "证件号码(身份证号)", "成员证件号码"];
    Sex => "sex", "性别", Kind::Vocab(&SEX), Column, [];
    BirthDate => "birth_date", "出生日期", Kind::Date, Column, ["出生年月", "出生年月日"];
    Relation => "relation", "与户主关系", Kind::Vocab(&RELATION), Column, ["与户主的关系", "家庭关系", "与户主关系(称谓)"];
    Ethnicity => "ethnicity", "民族", Kind::Text, Column, [];
    PoliticalStatus => "political_status", "政治面貌", Kind::Text, Column, [];
    Education => "education", "文化程度", Kind::Vocab(&EDUCATION), Column, ["学历"];
    SchoolStatus => "school_status", "在校生状况", Kind::Vocab(&SCHOOL_STATUS), Column, ["在校生情况", "在校情况", "在校状况"];
    NotInSchoolReason => "not_in_school_reason", "义务教育阶段未上学原因", Kind::Vocab(&NOT_IN_SCHOOL_REASON), Column, ["失学或辍学原因", "未上学原因", "失学辍学原因"];
    Health => "health", "健康状况", Kind::Vocab(&HEALTH), Column, ["健康情况"];
    DisabilityGrade => "disability_grade", "残疾等级", Kind::Vocab(&DISABILITY_GRADE), Column, [];
    DisabilityCategory => "disability_category", "残疾类别", Kind::Vocab(&DISABILITY_CATEGORY), Column, ["残疾类型"];
    LabourSkill => "labour_skill", "劳动技能", Kind::Vocab(&LABOUR_SKILL), Column, ["劳动能力", "劳动力状况"];
    MigrantStatus => "migrant_status", "务工状况", Kind::Text, Column, ["务工情况"];
    MigrantPlace => "migrant_place", "务工所在地", Kind::Text, Column, ["务工地点", "务工区域", "务工地"];
    MigrantCounty => "migrant_county", "务工所在县", Kind::Text, Column, [];
    MigrantMonths => "migrant_months", "务工时间(月)", Kind::Count, Column, ["务工时间", "务工月数", "务工时长"];
    MigrantMonthlyIncome => "migrant_monthly_income", "务工月收入(元)", Kind::Money, Column, ["务工月收入"];
    Employer => "employer", "务工企业名称", Kind::Text, Column, ["务工单位", "务工单位名称"];
    EmploymentChannel => "employment_channel", "就业渠道", Kind::Text, Column, [];
    PlansMigrantWork => "plans_migrant_work", "是否计划务工", Kind::Bool, Column, [];
    ResidentMedicalInsurance => "resident_medical_insurance", "是否参加城乡居民基本医疗保险", Kind::Bool, Column, ["城乡居民基本医疗保险", "是否参加城乡居民医保", "城乡居民医保"];
    EmployeeMedicalInsurance => "employee_medical_insurance", "是否参加城镇职工基本医疗保险", Kind::Bool, Column, ["城镇职工基本医疗保险", "是否参加职工医保"];
    SeriousIllnessInsurance => "serious_illness_insurance", "是否参加大病保险", Kind::Bool, Column, ["大病保险"];
    MedicalAssistance => "medical_assistance", "是否接受医疗救助", Kind::Bool, Column, ["医疗救助"];
    ResidentPension => "resident_pension", "是否参加城乡居民基本养老保险", Kind::Bool, Column, ["城乡居民基本养老保险", "城乡居民养老保险", "是否参加养老保险"];
    Dibao => "dibao", "享受低保政策情况", Kind::Text, Column, ["是否享受低保", "享受低保", "低保"];
    Tekun => "tekun", "享受特困供养政策情况", Kind::Text, Column, ["是否特困供养", "享受特困供养", "特困供养"];
    WelfarePost => "welfare_post", "公益性岗位", Kind::Text, Column, ["是否公益性岗位"];
    WelfarePostMonths => "welfare_post_months", "公益性岗位(月数)", Kind::Count, Column, ["公益性岗位月数"];
}

/// All vocabularies, for listings and consistency tests.
pub static ALL_VOCABULARIES: &[&Vocabulary] = &[
    &HOUSEHOLD_TYPE, &POVERTY_ATTRIBUTE, &MONITORING_CATEGORY, &IDENTIFICATION_STANDARD, &POVERTY_CAUSE,
    &RELATION, &SEX, &ID_TYPE, &EDUCATION, &SCHOOL_STATUS, &NOT_IN_SCHOOL_REASON, &HEALTH,
    &DISABILITY_GRADE, &DISABILITY_CATEGORY, &LABOUR_SKILL, &HOUSING_GRADE, &RISK_ELIMINATION_METHOD,
];

/// Headers whose meaning is the negation of a field ("饮水是否困难: 是" = no safe water).
pub static INVERTED_HEADERS: &[(&str, HouseholdField)] = &[("饮水是否困难", HouseholdField::SafeDrinkingWater), ("是否饮水困难", HouseholdField::SafeDrinkingWater)];

/// Which field a column header names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldRef {
    Household(HouseholdField),
    Member(MemberField),
    /// A household field whose yes/no is inverted by its header.
    InvertedHousehold(HouseholdField),
}

impl FieldRef {
    pub fn def(self) -> &'static FieldDef {
        match self {
            FieldRef::Household(f) | FieldRef::InvertedHousehold(f) => f.def(),
            FieldRef::Member(f) => f.def(),
        }
    }
}

/// Resolves a normalised header (see `sheets::normalize_header`) to a field.
pub fn lookup_header(normalized: &str) -> Option<FieldRef> {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static INDEX: OnceLock<HashMap<String, FieldRef>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let key = |s: &str| fold(s);
        let mut m = HashMap::new();
        for f in HouseholdField::ALL {
            let d = f.def();
            for name in std::iter::once(&d.label).chain(d.aliases.iter()).chain(std::iter::once(&d.key)) {
                m.entry(key(name)).or_insert(FieldRef::Household(f));
            }
        }
        for f in MemberField::ALL {
            let d = f.def();
            for name in std::iter::once(&d.label).chain(d.aliases.iter()).chain(std::iter::once(&d.key)) {
                m.entry(key(name)).or_insert(FieldRef::Member(f));
            }
        }
        for (name, f) in INVERTED_HEADERS {
            m.insert(key(name), FieldRef::InvertedHousehold(*f));
        }
        m
    });
    index.get(normalized).or_else(|| index.get(&fold(normalized))).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_header_and_variant_resolves_to_its_own_field() {
        for f in HouseholdField::ALL {
            for name in std::iter::once(&f.def().label).chain(f.def().aliases) {
                assert_eq!(lookup_header(name), Some(FieldRef::Household(f)), "{name}");
            }
        }
        for f in MemberField::ALL {
            for name in std::iter::once(&f.def().label).chain(f.def().aliases) {
                assert_eq!(lookup_header(name), Some(FieldRef::Member(f)), "{name}");
            }
        }
        assert_eq!(lookup_header("饮水是否困难"), Some(FieldRef::InvertedHousehold(HouseholdField::SafeDrinkingWater)));
        assert_eq!(lookup_header("户主 证件号码"), Some(FieldRef::Household(HouseholdField::HeadId)));
    }
}
