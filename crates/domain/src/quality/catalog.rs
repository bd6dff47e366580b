//! The rule catalogue: every logic rule with its stable code, severity, level, the fields it concerns,
//! how to fix it, its parameters (with shipped defaults) and the document it comes from.

use super::{Level, Requires, Severity};
use crate::fields::FieldRef;
use crate::fields::FieldRef::{Household as H, Member as M};
use crate::fields::{HouseholdField as HF, MemberField as MF};

/// How a parameter's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A whole number in the unit named by the label (years, months, days, percent, km×100 …).
    Int,
    /// An amount in 元 (stored in fen).
    Money,
    /// A decimal with two places (亩, 公里, 平方米), stored ×100.
    Hundredths,
    /// Field keys or labels separated by 、 or commas.
    Fields,
}

/// One parameter of a rule.
#[derive(Debug)]
pub struct ParamDef {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: ParamKind,
    pub default: &'static str,
}

/// One rule of the catalogue.
#[derive(Debug)]
pub struct RuleDef {
    pub code: &'static str,
    pub group: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub level: Level,
    pub requires: Requires,
    pub fields: &'static [FieldRef],
    pub fix: &'static str,
    pub params: &'static [ParamDef],
    pub basis: &'static str,
}

const fn p(key: &'static str, label: &'static str, kind: ParamKind, default: &'static str) -> ParamDef {
    ParamDef { key, label, kind, default }
}

use ParamKind::{Fields, Hundredths, Int, Money};

macro_rules! rules {
    ($($variant:ident => $code:literal, $sev:ident, $level:ident, $req:ident, $group:literal, $title:literal,
        fields [$($field:expr),*], params [$($param:expr),*], fix $fix:literal, basis $basis:literal;)*) => {
        /// A rule of the catalogue; `RULES[rule as usize]` is its definition.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule { $($variant),* }
        pub const RULE_COUNT: usize = [$($code),*].len();
        pub static RULES: [RuleDef; RULE_COUNT] = [$(RuleDef {
            code: $code, group: $group, title: $title, severity: Severity::$sev, level: Level::$level,
            requires: Requires::$req, fields: &[$($field),*], fix: $fix, params: &[$($param),*], basis: $basis,
        }),*];
        impl Rule {
            pub const ALL: [Rule; RULE_COUNT] = [$(Rule::$variant),*];
        }
    };
}

rules! {
    // ── 证件号码 ──
    IdLength => "ID-01", Error, Member, Registry, "证件号码", "证件号码位数错误",
        fields [M(MF::IdNumber)], params [], fix "身份证号应为 18 位（残疾人证号 20 或 22 位），请对照户口簿改正",
        basis "GB 11643-1999；省级监测数据校验规则 [S23]";
    IdCharacters => "ID-02", Error, Member, Registry, "证件号码", "证件号码含非法字符或地区码、出生日期无效",
        fields [M(MF::IdNumber)], params [], fix "只能是数字，最后一位可以是 X；请对照身份证改正",
        basis "GB 11643-1999";
    IdCheckDigit => "ID-03", Error, Member, Registry, "证件号码", "身份证校验码错误",
        fields [M(MF::IdNumber)], params [], fix "号码中有录错的数字，请对照身份证逐位核对",
        basis "GB 11643-1999 校验码（加权求和模 11）[S23]";
    BirthDateVsId => "ID-04", Error, Member, Registry, "证件号码", "出生日期与身份证号不符",
        fields [M(MF::BirthDate), M(MF::IdNumber)], params [], fix "核对身份证号和出生日期，改正录错的一项",
        basis "GB 11643-1999 第 7–14 位为出生日期";
    SexVsId => "ID-05", Error, Member, Registry, "证件号码", "性别与身份证号不符",
        fields [M(MF::Sex), M(MF::IdNumber)], params [], fix "核对身份证号和性别，改正录错的一项",
        basis "GB 11643-1999 第 17 位奇数为男、偶数为女";
    DuplicateId => "ID-06", Error, Registry, Registry, "证件号码", "同一证件号码出现在多户",
        fields [M(MF::IdNumber)], params [], fix "一人只能在一户：核实此人实际所在户，在其他户做自然减少或改正号码",
        basis "省级监测数据校验规则：证件号码重复 [S23]";
    // ── 家庭构成 ──
    NoHead => "HH-01", Error, Household, Registry, "家庭构成", "该户没有户主",
        fields [M(MF::Relation)], params [], fix "每户必须有且只有一名户主，请把户主的与户主关系填为“户主”",
        basis "一户一档；2014 年甘肃审计脚本 [S97]";
    SeveralHeads => "HH-02", Error, Household, Registry, "家庭构成", "该户有多名户主",
        fields [M(MF::Relation)], params [], fix "每户只能有一名户主，其他成员请填写与户主的实际关系",
        basis "一户一档";
    SameSexSpouse => "HH-03", Error, Household, Registry, "家庭构成", "户主与配偶性别相同",
        fields [M(MF::Sex), M(MF::Relation)], params [], fix "核对户主和配偶的性别、与户主关系",
        basis "省级监测数据校验规则 [S23]";
    RelationMissing => "HH-04", Error, Member, Registry, "家庭构成", "与户主关系为空",
        fields [M(MF::Relation)], params [], fix "请填写与户主关系",
        basis "省级监测数据校验规则 [S23]";
    SeveralSpouses => "HH-05", Error, Household, Registry, "家庭构成", "该户有多名配偶",
        fields [M(MF::Relation)], params [], fix "户主只能有一名配偶，其他成员请填写实际关系",
        basis "婚姻法；一户一档";
    EmptyHousehold => "HH-06", Error, Household, Registry, "家庭构成", "空户：该户没有在册成员",
        fields [H(HF::StatedSize)], params [], fix "补录成员，或按程序注销该户",
        basis "2014 年甘肃审计脚本：空户 [S97]";
    StatedSizeMismatch => "HH-07", Error, Household, Registry, "家庭构成", "家庭人口数与成员人数不符",
        fields [H(HF::StatedSize)], params [], fix "以实际在册成员为准改正家庭人口数，或补录/减少成员",
        basis "2014 年甘肃审计脚本：户人数与实际人员不符 [S97]";
    ChildOlderThanHead => "HH-08", Warning, Member, Registry, "家庭构成", "子女比户主年长或父母比户主年轻",
        fields [M(MF::Relation), M(MF::BirthDate)], params [p("gap", "父母与子女至少相差（岁）", Int, "14")],
        fix "核对与户主关系和出生日期", basis "亲属关系与年龄的一致性（推断）";
    YoungHead => "HH-09", Warning, Household, Registry, "家庭构成", "户主未满 16 周岁",
        fields [M(MF::Relation), M(MF::BirthDate)], params [p("min_age", "户主最小年龄（岁）", Int, "16")],
        fix "核对户主是否填错；未成年人单独立户须有说明", basis "民法典：16 周岁以上以自己的劳动收入为主要生活来源的视为完全民事行为能力人";
    // ── 年龄与属性 ──
    PreschoolTooOld => "AGE-01", Error, Member, Registry, "年龄与属性", "7 岁以上健康成员登记为学龄前或学前教育",
        fields [M(MF::SchoolStatus), M(MF::Education), M(MF::BirthDate)], params [p("age", "年龄达到（岁）", Int, "7")],
        fix "按实际就读年级填写在校生状况，未上学的填写未上学原因", basis "省级监测数据校验规则 [S23]";
    HigherEducationTooYoung => "AGE-02", Error, Member, Registry, "年龄与属性", "未满 18 岁文化程度为技师、大专或本科",
        fields [M(MF::Education), M(MF::BirthDate)], params [p("age", "年龄低于（岁）", Int, "18")],
        fix "核对文化程度和出生日期", basis "省级监测数据校验规则 [S23]";
    LabourTooYoung => "AGE-03", Error, Member, Registry, "年龄与属性", "未满 16 岁登记为有劳动能力",
        fields [M(MF::LabourSkill), M(MF::BirthDate)], params [p("age", "年龄低于（岁）", Int, "16")],
        fix "未满 16 周岁的劳动技能应为“无劳动力”", basis "省级监测数据校验规则 [S23]；劳动法第 15 条";
    WorkingAgeWithoutLabour => "AGE-04", Warning, Member, Registry, "年龄与属性", "16–60 岁健康非在校生登记为弱劳动力或无劳动力",
        fields [M(MF::LabourSkill), M(MF::Health), M(MF::SchoolStatus)], params [p("from", "年龄自（岁）", Int, "16"), p("to", "年龄至（岁）", Int, "60")],
        fix "核实劳动能力；健康的劳动年龄人口一般为普通或技能劳动力", basis "省级监测数据校验规则 [S23]";
    OutOfSchoolNoReason => "AGE-05", Error, Member, Registry, "年龄与属性", "义务教育阶段适龄儿童未在校且无未上学原因",
        fields [M(MF::SchoolStatus), M(MF::NotInSchoolReason)], params [p("from", "学年年龄自（岁）", Int, "6"), p("to", "学年年龄至（岁）", Int, "15")],
        fix "核实是否辍学：在校的填写年级，未上学的填写原因并落实控辍保学", basis "义务教育法；省级监测数据校验规则 [S23]";
    WelfarePostAge => "AGE-06", Error, Member, Registry, "年龄与属性", "公益性岗位人员未满 16 岁或 70 岁以上",
        fields [M(MF::WelfarePost), M(MF::BirthDate)], params [p("min", "最小年龄（岁）", Int, "16"), p("max", "年龄达到即报（岁）", Int, "70")],
        fix "核实公益性岗位安置对象是否符合年龄条件", basis "省级监测数据校验规则 [S23]";
    TekunWorkingAge => "AGE-07", Warning, Member, Registry, "年龄与属性", "18–60 岁健康非在校生享受特困供养",
        fields [M(MF::Tekun), M(MF::Health), M(MF::BirthDate)], params [p("from", "年龄自（岁）", Int, "18"), p("to", "年龄至（岁）", Int, "60")],
        fix "核实特困供养条件（无劳动能力、无生活来源、无赡养扶养义务人）", basis "省级监测数据校验规则 [S23]；《特困人员认定办法》";
    StudentMigrant => "AGE-08", Warning, Member, Registry, "年龄与属性", "在校生登记为外出务工或计划务工",
        fields [M(MF::SchoolStatus), M(MF::MigrantStatus), M(MF::PlansMigrantWork)], params [],
        fix "核实是在校就读还是已外出务工，改正其中一项", basis "省级监测数据校验规则 [S23]";
    ChildMigrant => "AGE-09", Error, Member, Registry, "年龄与属性", "未满 16 岁登记为务工",
        fields [M(MF::MigrantStatus), M(MF::MigrantMonths), M(MF::BirthDate)], params [p("age", "年龄低于（岁）", Int, "16")],
        fix "核实务工信息；未满 16 周岁不得务工", basis "劳动法第 15 条";
    GradeVsAge => "AGE-10", Warning, Member, Registry, "年龄与属性", "就读年级与年龄明显不符",
        fields [M(MF::SchoolStatus), M(MF::BirthDate)], params [p("tolerance", "允许偏差（岁）", Int, "3")],
        fix "核对在校生状况和出生日期", basis "按学年年龄推算年级（推断）";
    ImplausibleAge => "AGE-11", Warning, Member, Registry, "年龄与属性", "年龄超过 105 岁",
        fields [M(MF::BirthDate)], params [p("age", "年龄达到（岁）", Int, "105")],
        fix "核实此人是否健在；已去世的做自然减少", basis "死亡未销户是比对常见问题 [S96a]";
    // ── 必填项 ──
    HouseholdRequired => "REQ-01", Error, Household, Registry, "必填项", "户信息必填项为空",
        fields [], params [
            p("all", "所有户必填", Fields, "household_type、cause_1、housing_area、dangerous_house、has_electricity、safe_drinking_water、road_hardened、cultivated_land"),
            p("exited", "脱贫户另须填写", Fields, "exit_year"),
            p("monitored", "监测户另须填写", Fields, "monitoring_category、monitoring_identified_on、risk_eliminated"),
            p("eliminated", "风险已消除另须填写", Fields, "risk_eliminated_on、risk_elimination_method")],
        fix "补填所列项目", basis "省级监测数据校验规则：必填项 [S23]";
    MemberRequired => "REQ-02", Error, Member, Registry, "必填项", "成员信息必填项为空",
        fields [], params [
            p("all", "所有成员必填", Fields, "name、sex、relation、health、school_status"),
            p("adult", "16 岁以上另须填写", Fields, "labour_skill、education、resident_medical_insurance、serious_illness_insurance"),
            p("adult_age", "成年线（岁）", Int, "16")],
        fix "补填所列项目", basis "省级监测数据校验规则：劳动技能、医保、大病保险、养老保险等必填 [S23]";
    ReasonWithoutNeed => "REQ-03", Warning, Member, Registry, "必填项", "在校生填写了未上学原因",
        fields [M(MF::NotInSchoolReason), M(MF::SchoolStatus)], params [],
        fix "在校的清空未上学原因；未在校的改正在校生状况", basis "字段间一致性（推断）";
    // ── 取值范围 ──
    LandRange => "RNG-01", Error, Household, Registry, "取值范围", "耕地、牧草地、水面面积超出范围",
        fields [H(HF::CultivatedLand), H(HF::Grassland), H(HF::WaterSurface)], params [p("max", "上限（亩）", Hundredths, "100")],
        fix "核对面积单位（亩）和小数点", basis "省级监测数据校验规则：0–100 亩 [S23]";
    ForestRange => "RNG-02", Error, Household, Registry, "取值范围", "林地、退耕还林、林果面积超出范围",
        fields [H(HF::ForestLand), H(HF::ReturnedFarmland), H(HF::OrchardLand)], params [p("max", "上限（亩）", Hundredths, "200")],
        fix "核对面积单位（亩）和小数点", basis "省级监测数据校验规则：0–200 亩 [S23]";
    RoadDistanceRange => "RNG-03", Error, Household, Registry, "取值范围", "与村主干路距离超出范围",
        fields [H(HF::DistanceToRoad)], params [p("max", "上限（公里）", Hundredths, "5")],
        fix "核对距离单位（公里）", basis "省级监测数据校验规则：≤ 5 公里 [S23]";
    MigrantIncomeRange => "RNG-04", Error, Member, Registry, "取值范围", "务工月收入超出范围",
        fields [M(MF::MigrantMonthlyIncome)], params [p("min", "下限（元）", Money, "100"), p("max", "上限（元）", Money, "30000")],
        fix "核对务工月收入（元/月，不是年收入）", basis "省级监测数据校验规则：100–30000 元 [S23]";
    HousingAreaRange => "RNG-05", Error, Household, Registry, "取值范围", "住房面积超出范围",
        fields [H(HF::HousingArea)], params [p("min", "下限（平方米）", Hundredths, "5"), p("max", "上限（平方米）", Hundredths, "1000")],
        fix "核对住房面积（平方米）", basis "取值合理性（推断）";
    MonthsRange => "RNG-06", Error, Member, Registry, "取值范围", "务工或公益性岗位月数超过 12",
        fields [M(MF::MigrantMonths), M(MF::WelfarePostMonths)], params [p("max", "上限（月）", Int, "12")],
        fix "月数是一年内的月数，不能超过 12", basis "取值合理性（推断）";
    IrrigatedOverCultivated => "RNG-07", Error, Household, Registry, "取值范围", "有效灌溉面积大于耕地面积",
        fields [H(HF::IrrigatedLand), H(HF::CultivatedLand)], params [],
        fix "有效灌溉面积是耕地的一部分，请核对", basis "分项不大于总数";
    // ── 联系电话 ──
    PhoneFormat => "PH-01", Error, Household, Registry, "联系电话", "联系电话格式错误",
        fields [H(HF::Phone)], params [],
        fix "手机号为 1 开头的 11 位数字，固定电话为区号加号码", basis "省级监测数据校验规则：11 位有效号码 [S23]";
    SharedPhone => "PH-02", Warning, Registry, Registry, "联系电话", "同一联系电话出现在多户",
        fields [H(HF::Phone)], params [p("max_households", "允许的户数", Int, "1")],
        fix "核实是否为帮扶人或村干部的电话，改为户内成员本人电话", basis "省级监测数据校验规则 [S23]";
    // ── 收入 ──
    IncomeComponents => "INC-01", Error, Household, Registry, "收入", "收入构成相加不等于家庭纯收入",
        fields [H(HF::NetIncome), H(HF::WageIncome), H(HF::BusinessIncome), H(HF::PropertyIncome), H(HF::TransferIncome), H(HF::BusinessExpense)],
        params [p("tolerance", "允许误差（元）", Money, "1")],
        fix "家庭纯收入 = 工资性 + 生产经营性 + 财产性 + 转移性收入 − 生产经营性支出", basis "收入统计口径";
    PerCapitaIncome => "INC-02", Error, Household, Registry, "收入", "人均纯收入不等于家庭纯收入除以人口数",
        fields [H(HF::PerCapitaNetIncome), H(HF::NetIncome)], params [p("tolerance", "允许误差（元）", Money, "1")],
        fix "人均纯收入 = 家庭纯收入 ÷ 在册人口数", basis "收入统计口径";
    ExitedBelowLine => "INC-03", Error, Household, Registry, "收入", "脱贫户人均纯收入低于当年扶贫标准",
        fields [H(HF::PerCapitaNetIncome), H(HF::HouseholdType)], params [],
        fix "核实收入是否漏算；确已低于标准的按程序纳入监测或返贫", basis "贫困退出标准 [S26c]；当年现价扶贫标准见参考数据";
    ExitedBelowMonitoringLine => "INC-04", Warning, Household, Registry, "收入", "脱贫户人均纯收入低于监测线但未纳入监测",
        fields [H(HF::PerCapitaNetIncome), H(HF::HouseholdType)], params [],
        fix "开展入户核实，符合条件的按程序纳入监测", basis "防返贫监测线 [S39a–S44]";
    ClearedBelowMonitoringLine => "INC-05", Error, Household, Registry, "收入", "风险已消除但人均纯收入低于当年监测线",
        fields [H(HF::PerCapitaNetIncome), H(HF::RiskEliminated)], params [],
        fix "收入未稳定超过监测线的不能标注风险消除，请核实后回退", basis "风险消除条件 [S47–S49]；省级校验规则 [S23]";
    IncomeMissing => "INC-06", Warning, Household, Registry, "收入", "缺少上一年度收入信息",
        fields [H(HF::IncomeYear), H(HF::NetIncome)], params [p("lag", "允许滞后（年）", Int, "1")],
        fix "按年度收入核算补录上一年度收入", basis "年度收入核算";
    ImplausibleIncome => "INC-07", Warning, Household, Registry, "收入", "人均纯收入为负数或畸高",
        fields [H(HF::PerCapitaNetIncome)], params [p("max", "上限（元）", Money, "200000")],
        fix "核对金额单位（元/万元）和小数点", basis "量级检查（推断；样本材料中万元、元混用）";
    MigrantWithoutWage => "INC-08", Warning, Household, Registry, "收入", "有务工收入但工资性收入明显偏低",
        fields [H(HF::WageIncome), M(MF::MigrantMonthlyIncome), M(MF::MigrantMonths)], params [p("share", "工资性收入不低于务工收入的（%）", Int, "50")],
        fix "工资性收入应包含成员务工收入（月收入 × 月数）", basis "分项与总数一致";
    DibaoWithoutTransfer => "INC-09", Warning, Household, Registry, "收入", "享受低保或特困供养但转移性收入为零",
        fields [H(HF::TransferIncome), M(MF::Dibao), M(MF::Tekun)], params [],
        fix "低保金、特困供养金计入转移性收入", basis "收入统计口径";
    // ── 风险与成员 ──
    IllnessWithoutPatient => "RSK-01", Warning, Household, Registry, "风险与成员", "致贫/返贫风险为因病但无患病成员",
        fields [H(HF::Cause1), M(MF::Health)], params [],
        fix "核实风险类型或成员健康状况", basis "省级监测数据校验规则 [S23]";
    DisabilityWithoutDisabled => "RSK-02", Warning, Household, Registry, "风险与成员", "致贫/返贫风险为因残但无残疾成员",
        fields [H(HF::Cause1), M(MF::Health), M(MF::DisabilityGrade)], params [],
        fix "核实风险类型或成员残疾情况", basis "风险类型与成员一致（推断，同 [S23] 因病规则）";
    SchoolingWithoutStudent => "RSK-03", Warning, Household, Registry, "风险与成员", "致贫/返贫风险为因学但无在校生",
        fields [H(HF::Cause1), M(MF::SchoolStatus)], params [],
        fix "核实风险类型或成员在校情况", basis "风险类型与成员一致（推断）";
    LackLabourButAble => "RSK-04", Warning, Household, Registry, "风险与成员", "致贫/返贫风险为缺劳力但多数成员有劳动能力",
        fields [H(HF::Cause1), M(MF::LabourSkill)], params [p("share", "有劳动能力成员占比超过（%）", Int, "50")],
        fix "核实风险类型或成员劳动能力", basis "省级监测数据校验规则（该规则用 1/4，可按辖区调整）[S23]";
    RepeatedCause => "RSK-05", Warning, Household, Registry, "风险与成员", "同一致贫/返贫风险重复填写",
        fields [H(HF::Cause1), H(HF::Cause2), H(HF::Cause3)], params [],
        fix "删除重复的风险类型", basis "字段一致性（推断）";
    ClearedWithoutLabour => "RSK-06", Error, Household, Registry, "风险与成员", "全户无劳动能力但标注风险已消除",
        fields [H(HF::RiskEliminated), M(MF::LabourSkill)], params [],
        fix "无劳动能力的监测户不标注风险消除，继续监测", basis "风险消除条件 [S48, S49]；省级校验规则 [S23]";
    HousingRiskButSafe => "RSK-07", Warning, Household, Registry, "风险与成员", "风险为因安全住房但住房安全有保障",
        fields [H(HF::Cause1), H(HF::HousingSecure), H(HF::DangerousHouse)], params [],
        fix "核实住房情况或风险类型", basis "风险类型与三保障一致（推断）";
    WaterRiskButSafe => "RSK-08", Warning, Household, Registry, "风险与成员", "风险为因安全饮水但饮水安全已解决",
        fields [H(HF::Cause1), H(HF::SafeDrinkingWater)], params [],
        fix "核实饮水情况或风险类型", basis "风险类型与饮水安全一致（推断）";
    AttributeVsDibao => "RSK-09", Warning, Household, Registry, "风险与成员", "贫困户属性与成员享受低保、特困情况不一致",
        fields [H(HF::PovertyAttribute), M(MF::Dibao), M(MF::Tekun)], params [],
        fix "属性为低保的应有成员享受低保，属性为特困的应有成员享受特困供养；反之亦然", basis "户属性与成员政策一致（推断）";
    // ── 两不愁三保障 ──
    DangerousButSecure => "GUA-01", Error, Household, Registry, "两不愁三保障", "危房户或 C、D 级危房却标注住房安全有保障",
        fields [H(HF::HousingSecure), H(HF::DangerousHouse), H(HF::HousingGrade)], params [],
        fix "核实房屋鉴定等级，改正住房安全有保障或危房信息", basis "住房安全等级 A/B 安全、C/D 危房 [S36]";
    GradeVsDangerous => "GUA-02", Error, Household, Registry, "两不愁三保障", "危房等级与是否危房户不一致",
        fields [H(HF::HousingGrade), H(HF::DangerousHouse)], params [],
        fix "C、D 级为危房，A、B 级不是危房，请改正其中一项", basis "住房安全等级 [S36]";
    ExitedWithUnmetGuarantee => "GUA-03", Error, Household, Registry, "两不愁三保障", "脱贫户两不愁三保障或饮水安全未全部实现",
        fields [H(HF::FoodClothingSecure), H(HF::EducationSecure), H(HF::MedicalSecure), H(HF::HousingSecure), H(HF::SafeDrinkingWater)], params [],
        fix "核实并落实保障措施；确属未保障的按程序纳入监测", basis "贫困户退出标准 [S26c]";
    DropoutButEducationSecure => "GUA-04", Warning, Household, Registry, "两不愁三保障", "有义务教育阶段未在校儿童却标注义务教育有保障",
        fields [H(HF::EducationSecure), M(MF::SchoolStatus)], params [p("from", "学年年龄自（岁）", Int, "6"), p("to", "学年年龄至（岁）", Int, "15")],
        fix "核实儿童就学情况（因重残送教上门的视为有保障）", basis "义务教育有保障标准";
    UninsuredButMedicalSecure => "GUA-05", Warning, Household, Registry, "两不愁三保障", "有成员未参加基本医疗保险却标注基本医疗有保障",
        fields [H(HF::MedicalSecure), M(MF::ResidentMedicalInsurance), M(MF::EmployeeMedicalInsurance)], params [],
        fix "动员参保，或改正参保信息", basis "基本医疗有保障：参加基本医保";
    // ── 帮扶措施（待帮扶措施模块上线后启用）──
    DibaoWithoutMeasure => "MEA-01", Error, Household, Measures, "帮扶措施", "享受低保或特困供养但无对应兜底保障措施，或反之",
        fields [M(MF::Dibao), M(MF::Tekun)], params [],
        fix "补录低保、特困供养兜底措施，或核实享受情况", basis "省级监测数据校验规则 [S23]";
    DisabledWithoutSubsidy => "MEA-02", Error, Household, Measures, "帮扶措施", "一、二级残疾成员无残疾人补贴措施",
        fields [M(MF::DisabilityGrade)], params [],
        fix "落实困难残疾人生活补贴和重度残疾人护理补贴，并录入措施", basis "省级监测数据校验规则 [S23]";
    RiskWithoutMeasure => "MEA-03", Warning, Household, Measures, "帮扶措施", "风险类型无对应帮扶措施",
        fields [H(HF::Cause1)], params [],
        fix "因学、因残、因安全住房、因安全饮水的风险应有对应措施", basis "省级监测数据校验规则 [S23]";
    // ── 监测时限 ──
    ClearedTooSoon => "MON-01", Error, Household, Registry, "监测时限", "识别监测到风险消除不足 6 个月",
        fields [H(HF::MonitoringIdentifiedOn), H(HF::RiskEliminatedOn)], params [p("months", "最短监测期（月）", Int, "6")],
        fix "风险消除须在识别 6 个月以后且至少落实一项措施，请核实后回退", basis "风险消除条件 [S48]；省级校验规则 [S23]";
    NoDevelopmentMeasure => "MON-02", Error, Household, Measures, "监测时限", "有劳动能力的监测户纳入 6 个月后仍无开发式帮扶措施",
        fields [H(HF::MonitoringIdentifiedOn), M(MF::LabourSkill)], params [p("months", "期限（月）", Int, "6")],
        fix "落实产业、就业、金融或公益岗位等开发式措施", basis "省级规则 [S23]";
    EliminatedBeforeIdentified => "MON-03", Error, Household, Registry, "监测时限", "风险消除时间早于识别监测时间",
        fields [H(HF::MonitoringIdentifiedOn), H(HF::RiskEliminatedOn)], params [],
        fix "核对两个日期", basis "日期先后";
    LongMonitoredAble => "MON-04", Warning, Household, Registry, "监测时限", "有劳动能力的监测户超过一年未消除风险",
        fields [H(HF::MonitoringIdentifiedOn), H(HF::RiskEliminated)], params [p("months", "期限（月）", Int, "12")],
        fix "分析原因、加强帮扶，符合条件的按程序消除风险", basis "2022 年集中排查十类重点人群 [S40]";
    NotMonitoredButDated => "MON-05", Warning, Household, Registry, "监测时限", "非监测户填写了监测识别或风险消除信息",
        fields [H(HF::HouseholdType), H(HF::MonitoringIdentifiedOn)], params [],
        fix "核实户类型：监测户请改户类型，不是监测户的清空监测信息", basis "字段一致性（推断）";
    // ── 记录本身 ──
    OrphanMember => "REC-01", Error, Registry, Registry, "记录", "在册成员所在户已注销",
        fields [], params [], fix "把成员转入其实际所在户，或做自然减少", basis "2014 年甘肃审计脚本：多余人员 [S97]";
    Unreadable => "REC-02", Error, Household, Registry, "记录", "记录无法读取",
        fields [], params [], fix "请在一户一档页面核对该户，或联系管理员", basis "数据完整性";
}

impl Rule {
    pub fn def(self) -> &'static RuleDef {
        &RULES[self as usize]
    }
    pub fn code(self) -> &'static str {
        self.def().code
    }
    /// The rule with this code (codes are stable across versions).
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.code() == code)
    }
    /// The parameter index of `key` in the rule's definition.
    pub fn param_index(self, key: &str) -> Option<usize> {
        self.def().params.iter().position(|p| p.key == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut codes: Vec<&str> = RULES.iter().map(|r| r.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), RULE_COUNT);
        for r in Rule::ALL {
            assert_eq!(Rule::from_code(r.code()), Some(r));
            assert!(!r.def().fix.is_empty() && !r.def().title.is_empty() && !r.def().basis.is_empty());
        }
    }
}
