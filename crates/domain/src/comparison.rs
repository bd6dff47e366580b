//! Comparison with other departments' lists (数据比对): which department sends which list, the
//! columns such a list may carry, the kinds of finding a comparison produces, and the states of
//! the work order (工单) that carries a finding to the village until it is verified and fixed.
//!
//! Everything here is pure data and rules; reading files is in `exchange::compare`, matching and
//! the work orders themselves in `store::comparison`.

use crate::vocab::fold;

/// The department a list comes from. Codes are stable (stored and used in the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Department {
    /// 民政
    CivilAffairs,
    /// 医保
    MedicalInsurance,
    /// 残联
    DisabledPersons,
    /// 教育
    Education,
    /// 公安
    PublicSecurity,
    /// 住建
    Housing,
    /// 人社
    HumanResources,
    /// 市场监管
    MarketRegulation,
    /// 公安交管
    TrafficPolice,
    /// 财政
    Finance,
}

impl Department {
    pub const ALL: [Department; 10] = [
        Department::CivilAffairs,
        Department::MedicalInsurance,
        Department::DisabledPersons,
        Department::Education,
        Department::PublicSecurity,
        Department::Housing,
        Department::HumanResources,
        Department::MarketRegulation,
        Department::TrafficPolice,
        Department::Finance,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Department::CivilAffairs => "civil_affairs",
            Department::MedicalInsurance => "medical_insurance",
            Department::DisabledPersons => "disabled_persons",
            Department::Education => "education",
            Department::PublicSecurity => "public_security",
            Department::Housing => "housing",
            Department::HumanResources => "human_resources",
            Department::MarketRegulation => "market_regulation",
            Department::TrafficPolice => "traffic_police",
            Department::Finance => "finance",
        }
    }

    /// The short name officials use (民政, 医保 …).
    pub fn label(self) -> &'static str {
        match self {
            Department::CivilAffairs => "民政",
            Department::MedicalInsurance => "医保",
            Department::DisabledPersons => "残联",
            Department::Education => "教育",
            Department::PublicSecurity => "公安",
            Department::Housing => "住建",
            Department::HumanResources => "人社",
            Department::MarketRegulation => "市场监管",
            Department::TrafficPolice => "公安交管",
            Department::Finance => "财政",
        }
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            Department::CivilAffairs => &["民政局", "民政部门"],
            Department::MedicalInsurance => &["医保局", "医疗保障局", "医疗保障"],
            Department::DisabledPersons => &["残疾人联合会", "县残联"],
            Department::Education => &["教育局", "教体局", "教育部门"],
            Department::PublicSecurity => &["公安局", "派出所", "户籍"],
            Department::Housing => &["住建局", "住房和城乡建设局", "住房城乡建设"],
            Department::HumanResources => &["人社局", "人力资源和社会保障局", "人力资源社会保障"],
            Department::MarketRegulation => &["市场监管局", "市场监督管理局", "工商"],
            Department::TrafficPolice => &["交管", "交警", "车管所", "公安交警"],
            Department::Finance => &["财政局", "编办", "组织部"],
        }
    }

    /// Accepts the code, the label or a common variant (民政局, 车管所 …).
    pub fn parse(text: &str) -> Option<Department> {
        let t = fold(text);
        Department::ALL.into_iter().find(|d| d.code() == t || d.label() == t || d.aliases().iter().any(|a| *a == t))
    }

    pub fn by_code(code: &str) -> Option<Department> {
        Department::ALL.into_iter().find(|d| d.code() == code)
    }
}

/// What a list is. Each kind belongs to one department by default; a few may come from another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListKind {
    /// 民政 低保对象名单
    Dibao,
    /// 民政 特困供养人员名单
    Tekun,
    /// 医保 医疗费用（个人自付）
    MedicalExpense,
    /// 残联 持证残疾人名单（残疾人证）
    Disability,
    /// 教育 学籍（在校生名单）
    StudentRoll,
    /// 公安 死亡注销
    Death,
    /// 公安 户口迁出
    MovedOut,
    /// 住建 危房（农村危房鉴定/改造）
    DangerousHouse,
    /// 人社 就业登记 / 社保（职工）缴费
    Employment,
    /// 市场监管 企业法人/股东
    Company,
    /// 公安交管 机动车登记
    Vehicle,
    /// 财政供养人员
    PublicPayroll,
}

impl ListKind {
    pub const ALL: [ListKind; 12] = [
        ListKind::Dibao,
        ListKind::Tekun,
        ListKind::MedicalExpense,
        ListKind::Disability,
        ListKind::StudentRoll,
        ListKind::Death,
        ListKind::MovedOut,
        ListKind::DangerousHouse,
        ListKind::Employment,
        ListKind::Company,
        ListKind::Vehicle,
        ListKind::PublicPayroll,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ListKind::Dibao => "dibao",
            ListKind::Tekun => "tekun",
            ListKind::MedicalExpense => "medical_expense",
            ListKind::Disability => "disability",
            ListKind::StudentRoll => "student_roll",
            ListKind::Death => "death",
            ListKind::MovedOut => "moved_out",
            ListKind::DangerousHouse => "dangerous_house",
            ListKind::Employment => "employment",
            ListKind::Company => "company",
            ListKind::Vehicle => "vehicle",
            ListKind::PublicPayroll => "public_payroll",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ListKind::Dibao => "低保对象名单",
            ListKind::Tekun => "特困供养人员名单",
            ListKind::MedicalExpense => "医疗费用（个人自付）",
            ListKind::Disability => "持证残疾人名单",
            ListKind::StudentRoll => "学籍（在校生名单）",
            ListKind::Death => "死亡注销人员",
            ListKind::MovedOut => "户口迁出人员",
            ListKind::DangerousHouse => "危房名单",
            ListKind::Employment => "就业/社保缴费人员",
            ListKind::Company => "企业法人/股东",
            ListKind::Vehicle => "机动车登记",
            ListKind::PublicPayroll => "财政供养人员",
        }
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            ListKind::Dibao => &["低保", "低保名单", "低保对象"],
            ListKind::Tekun => &["特困", "特困名单", "特困供养", "五保"],
            ListKind::MedicalExpense => &["医疗费用", "医疗", "大额医疗", "个人自付", "住院费用"],
            ListKind::Disability => &["残疾", "残疾人", "残疾人证", "持证残疾人"],
            ListKind::StudentRoll => &["学籍", "在校生", "在校生名单", "学生"],
            ListKind::Death => &["死亡", "死亡注销", "死亡人员"],
            ListKind::MovedOut => &["迁出", "户口迁出", "迁出人员"],
            ListKind::DangerousHouse => &["危房", "危房改造"],
            ListKind::Employment => &["就业", "社保", "社保缴费", "就业登记"],
            ListKind::Company => &["企业", "工商", "法人", "股东"],
            ListKind::Vehicle => &["车辆", "机动车"],
            ListKind::PublicPayroll => &["财政供养", "公职人员", "吃财政饭"],
        }
    }

    /// Accepts the code, the label or a short variant (低保, 车辆, 学籍 …).
    pub fn parse(text: &str) -> Option<ListKind> {
        let t = fold(text);
        ListKind::ALL.into_iter().find(|k| k.code() == t || fold(k.label()) == t || k.aliases().iter().any(|a| *a == t))
    }

    pub fn by_code(code: &str) -> Option<ListKind> {
        ListKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The departments that send this kind of list, the usual one first.
    pub fn departments(self) -> &'static [Department] {
        use Department::*;
        match self {
            ListKind::Dibao | ListKind::Tekun => &[CivilAffairs],
            ListKind::MedicalExpense => &[MedicalInsurance],
            ListKind::Disability => &[DisabledPersons],
            ListKind::StudentRoll => &[Education],
            ListKind::Death | ListKind::MovedOut => &[PublicSecurity],
            ListKind::DangerousHouse => &[Housing],
            ListKind::Employment => &[HumanResources],
            ListKind::Company => &[MarketRegulation],
            ListKind::Vehicle => &[TrafficPolice, PublicSecurity],
            ListKind::PublicPayroll => &[Finance],
        }
    }

    /// The usual department of this kind.
    pub fn department(self) -> Department {
        self.departments()[0]
    }

    /// The columns read from such a list besides the ID number and the name.
    pub fn columns(self) -> &'static [ListColumn] {
        use ListColumn::*;
        match self {
            ListKind::Dibao | ListKind::Tekun => &[Detail],
            ListKind::MedicalExpense => &[Amount, EventDate, Detail],
            ListKind::Disability => &[DisabilityGrade, Detail],
            ListKind::StudentRoll => &[School, SchoolGrade],
            ListKind::Death | ListKind::MovedOut => &[EventDate, Detail],
            ListKind::DangerousHouse => &[HousingGrade, Detail],
            ListKind::Employment => &[WorkUnit, EventDate],
            ListKind::Company => &[CompanyName, CreditCode, CompanyRole],
            ListKind::Vehicle => &[Plate, VehicleType],
            ListKind::PublicPayroll => &[WorkUnit, Detail],
        }
    }

    /// Columns without which the list cannot be compared (besides the ID number).
    pub fn required(self) -> &'static [ListColumn] {
        match self {
            ListKind::MedicalExpense => &[ListColumn::Amount],
            _ => &[],
        }
    }

    /// Findings this kind of list can produce (name_differs and not_in_registry for every list).
    pub fn findings(self, complete: bool) -> Vec<FindingKind> {
        use FindingKind::*;
        let mut v = match self {
            ListKind::Dibao | ListKind::Tekun => vec![DibaoNotRecorded],
            ListKind::MedicalExpense => vec![LargeMedicalNotMonitored],
            ListKind::Disability => vec![DisabilityGradeDiffers, DisabilityNotRecorded],
            ListKind::StudentRoll => vec![StudentRecordedOutOfSchool],
            ListKind::Death => vec![DeceasedStillRegistered],
            ListKind::MovedOut => vec![MovedOutStillRegistered],
            ListKind::DangerousHouse => vec![DangerousHouseNotRecorded],
            ListKind::Employment => vec![EmployedRecordedWithoutLabour],
            ListKind::Company => vec![CompanyOwner],
            ListKind::Vehicle => vec![VehicleOwner],
            ListKind::PublicPayroll => vec![PublicPayrollRelative],
        };
        if complete {
            match self {
                ListKind::Dibao | ListKind::Tekun => v.push(DibaoRecordedNotOnList),
                ListKind::StudentRoll => v.push(NotOnStudentRoll),
                _ => {}
            }
        }
        v.push(NameDiffers);
        v
    }

    /// Whether "absent from the complete list" means something for this kind (低保/特困, 学籍).
    pub fn supports_complete(self) -> bool {
        matches!(self, ListKind::Dibao | ListKind::Tekun | ListKind::StudentRoll)
    }
}

/// A column of a department list: the header officials use and its variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListColumn {
    ResidentId,
    Name,
    /// 个人自付金额 (元 → fen)
    Amount,
    /// 残疾等级 (1–4)
    DisabilityGrade,
    /// 死亡/注销/迁出/就诊/参保日期
    EventDate,
    /// 学校
    School,
    /// 年级/班级
    SchoolGrade,
    /// 危房等级 (A–D)
    HousingGrade,
    /// 车牌号
    Plate,
    /// 车辆类型
    VehicleType,
    /// 企业名称
    CompanyName,
    /// 统一社会信用代码
    CreditCode,
    /// 法人/股东
    CompanyRole,
    /// 工作单位 / 用人单位
    WorkUnit,
    /// 备注、迁往地址、致残原因 … (kept as text)
    Detail,
}

impl ListColumn {
    pub const ALL: [ListColumn; 15] = [
        ListColumn::ResidentId,
        ListColumn::Name,
        ListColumn::Amount,
        ListColumn::DisabilityGrade,
        ListColumn::EventDate,
        ListColumn::School,
        ListColumn::SchoolGrade,
        ListColumn::HousingGrade,
        ListColumn::Plate,
        ListColumn::VehicleType,
        ListColumn::CompanyName,
        ListColumn::CreditCode,
        ListColumn::CompanyRole,
        ListColumn::WorkUnit,
        ListColumn::Detail,
    ];

    /// The header this program writes for the column.
    pub fn label(self) -> &'static str {
        match self {
            ListColumn::ResidentId => "身份证号",
            ListColumn::Name => "姓名",
            ListColumn::Amount => "个人自付金额(元)",
            ListColumn::DisabilityGrade => "残疾等级",
            ListColumn::EventDate => "日期",
            ListColumn::School => "学校",
            ListColumn::SchoolGrade => "年级",
            ListColumn::HousingGrade => "危房等级",
            ListColumn::Plate => "车牌号",
            ListColumn::VehicleType => "车辆类型",
            ListColumn::CompanyName => "企业名称",
            ListColumn::CreditCode => "统一社会信用代码",
            ListColumn::CompanyRole => "任职/出资类型",
            ListColumn::WorkUnit => "工作单位",
            ListColumn::Detail => "备注",
        }
    }

    /// Header variants (compared after `sheets::normalize_header` and `vocab::fold`).
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            ListColumn::ResidentId => &[
                "身份证号", "身份证号码", "公民身份号码", "公民身份证号码", "证件号码", "身份证", "证件号", "身份证件号码",
                "户主身份证号", "户主身份证号码", "户主证件号码", "身份证号(18位)", "社会保障号码", "社会保障卡号", "个人身份证号",
                "残疾人证号", "证件号码(身份证号)", "学生身份证号", "身份证件号", "法定代表人证件号码", "股东证件号码", "车主身份证号",
                "所有人身份证号", "机动车所有人身份证号", "身份证明号码", "所有人身份证明号码", "证件号码(身份证)",
            ],
            ListColumn::Name => &[
                "姓名", "户主姓名", "人员姓名", "参保人姓名", "患者姓名", "学生姓名", "死者姓名", "残疾人姓名", "法定代表人",
                "法定代表人姓名", "股东姓名", "股东", "车主", "车主姓名", "所有人", "机动车所有人", "保障对象姓名", "供养人员姓名",
                "户主", "房主", "房主姓名", "成员姓名", "名字",
            ],
            ListColumn::Amount => &[
                "个人自付", "自付金额", "个人负担", "合规自付", "个人自付金额", "个人自付费用", "自付费用", "个人负担金额",
                "个人自负", "自负金额", "政策范围内个人自付", "合规自付金额", "个人现金支付", "个人支付金额", "累计个人自付",
                "年度累计个人自付", "自付合计", "个人自付(元)",
            ],
            ListColumn::DisabilityGrade => &["残疾等级", "残疾级别", "等级", "残疾程度"],
            ListColumn::EventDate => &[
                "死亡日期", "注销日期", "迁出日期", "死亡时间", "注销时间", "迁出时间", "变动日期", "入院日期", "出院日期",
                "结算日期", "就诊日期", "参保日期", "就业日期", "入职日期", "缴费日期", "日期", "登记日期",
            ],
            ListColumn::School => &["学校", "学校名称", "就读学校", "在读学校", "所在学校"],
            ListColumn::SchoolGrade => &["年级", "班级", "就读年级", "年级班级", "学段", "在读年级"],
            ListColumn::HousingGrade => &["危房等级", "鉴定等级", "房屋等级", "房屋安全等级", "鉴定结果", "危险等级"],
            ListColumn::Plate => &["车牌号", "车牌号码", "号牌号码", "车牌", "号牌"],
            ListColumn::VehicleType => &["车辆类型", "车型", "号牌种类", "车辆种类", "使用性质"],
            ListColumn::CompanyName => &["企业名称", "公司名称", "市场主体名称", "单位名称", "名称", "个体工商户名称"],
            ListColumn::CreditCode => &["统一社会信用代码", "信用代码", "注册号", "社会信用代码"],
            ListColumn::CompanyRole => &["任职/出资类型", "身份", "角色", "人员类型", "职务", "出资方式", "类型"],
            ListColumn::WorkUnit => &["工作单位", "用人单位", "单位", "就业单位", "参保单位", "所在单位", "供职单位", "单位名称"],
            ListColumn::Detail => &["备注", "迁往地址", "迁往地", "迁入地", "致残原因", "死亡原因", "说明", "医疗机构", "就诊医院", "保障类别"],
        }
    }

    /// The column a normalised header names, for a list of `kind` (only its columns, ID and name).
    pub fn lookup(header: &str, kind: ListKind) -> Option<ListColumn> {
        let h = fold(header);
        let allowed = |c: ListColumn| c == ListColumn::ResidentId || c == ListColumn::Name || kind.columns().contains(&c);
        // the ID column first: "户主身份证号" is an ID column, not the 户主 name
        ListColumn::ALL.into_iter().filter(|c| allowed(*c)).find(|c| c.aliases().iter().any(|a| fold(a) == h))
    }
}

/// A kind of discrepancy between a department list and the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FindingKind {
    DeceasedStillRegistered,
    MovedOutStillRegistered,
    DibaoNotRecorded,
    DibaoRecordedNotOnList,
    LargeMedicalNotMonitored,
    DisabilityGradeDiffers,
    DisabilityNotRecorded,
    StudentRecordedOutOfSchool,
    NotOnStudentRoll,
    DangerousHouseNotRecorded,
    EmployedRecordedWithoutLabour,
    VehicleOwner,
    CompanyOwner,
    PublicPayrollRelative,
    NameDiffers,
    /// On the list but nobody with that ID is registered (in the importer's scope): counted in the
    /// list's report only, never a work order.
    NotInRegistry,
}

impl FindingKind {
    pub const ALL: [FindingKind; 16] = [
        FindingKind::DeceasedStillRegistered,
        FindingKind::MovedOutStillRegistered,
        FindingKind::DibaoNotRecorded,
        FindingKind::DibaoRecordedNotOnList,
        FindingKind::LargeMedicalNotMonitored,
        FindingKind::DisabilityGradeDiffers,
        FindingKind::DisabilityNotRecorded,
        FindingKind::StudentRecordedOutOfSchool,
        FindingKind::NotOnStudentRoll,
        FindingKind::DangerousHouseNotRecorded,
        FindingKind::EmployedRecordedWithoutLabour,
        FindingKind::VehicleOwner,
        FindingKind::CompanyOwner,
        FindingKind::PublicPayrollRelative,
        FindingKind::NameDiffers,
        FindingKind::NotInRegistry,
    ];

    pub fn code(self) -> &'static str {
        match self {
            FindingKind::DeceasedStillRegistered => "deceased_still_registered",
            FindingKind::MovedOutStillRegistered => "moved_out_still_registered",
            FindingKind::DibaoNotRecorded => "dibao_not_recorded",
            FindingKind::DibaoRecordedNotOnList => "dibao_recorded_not_on_list",
            FindingKind::LargeMedicalNotMonitored => "large_medical_not_monitored",
            FindingKind::DisabilityGradeDiffers => "disability_grade_differs",
            FindingKind::DisabilityNotRecorded => "disability_not_recorded",
            FindingKind::StudentRecordedOutOfSchool => "student_recorded_out_of_school",
            FindingKind::NotOnStudentRoll => "not_on_student_roll",
            FindingKind::DangerousHouseNotRecorded => "dangerous_house_not_recorded",
            FindingKind::EmployedRecordedWithoutLabour => "employed_recorded_without_labour",
            FindingKind::VehicleOwner => "vehicle_owner",
            FindingKind::CompanyOwner => "company_owner",
            FindingKind::PublicPayrollRelative => "public_payroll_relative",
            FindingKind::NameDiffers => "name_differs",
            FindingKind::NotInRegistry => "not_in_registry",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FindingKind::DeceasedStillRegistered => "已死亡仍在册",
            FindingKind::MovedOutStillRegistered => "户口已迁出仍在册",
            FindingKind::DibaoNotRecorded => "享受低保/特困但系统未登记",
            FindingKind::DibaoRecordedNotOnList => "系统登记低保/特困但不在民政名单",
            FindingKind::LargeMedicalNotMonitored => "大额医疗自付未纳入监测",
            FindingKind::DisabilityGradeDiffers => "残疾等级不一致",
            FindingKind::DisabilityNotRecorded => "持证残疾人系统未登记残疾",
            FindingKind::StudentRecordedOutOfSchool => "在校生系统登记为不在校",
            FindingKind::NotOnStudentRoll => "义务教育阶段学生不在学籍名单",
            FindingKind::DangerousHouseNotRecorded => "危房未登记",
            FindingKind::EmployedRecordedWithoutLabour => "有就业/缴费记录但登记为无劳动力",
            FindingKind::VehicleOwner => "家庭成员名下有车辆",
            FindingKind::CompanyOwner => "家庭成员为企业法人/股东",
            FindingKind::PublicPayrollRelative => "家庭成员为财政供养人员",
            FindingKind::NameDiffers => "证件号码相同但姓名不一致",
            FindingKind::NotInRegistry => "名单人员不在本系统",
        }
    }

    /// How a village or township cadre verifies the finding.
    pub fn hint(self) -> &'static str {
        match self {
            FindingKind::DeceasedStillRegistered => "入户或向派出所核实死亡情况；属实的在系统中做“自然减少（死亡）”，并停发相关补助",
            FindingKind::MovedOutStillRegistered => "核实户口迁出去向与是否仍在本村居住；已迁出的做成员减少或迁移，仍在本村居住的说明情况",
            FindingKind::DibaoNotRecorded => "到民政部门或乡镇民政办核实低保/特困享受情况；属实的更新成员“享受低保/特困供养政策情况”和户属性",
            FindingKind::DibaoRecordedNotOnList => "向民政部门核实是否已退出低保/特困；已退出的更新户属性和成员享受情况，名单遗漏的请民政部门补正",
            FindingKind::LargeMedicalNotMonitored => "入户核实医疗支出和家庭收入，评估返贫致贫风险；符合条件的按程序纳入监测（防返贫监测对象）",
            FindingKind::DisabilityGradeDiffers => "查看残疾人证（第二代）上的等级，以证为准更新“残疾等级”",
            FindingKind::DisabilityNotRecorded => "查看残疾人证，更新成员“健康状况（残疾）”“残疾等级”“残疾类别”",
            FindingKind::StudentRecordedOutOfSchool => "向学校或教育部门核实就读情况，更新“在校生状况”；确未就读的核实学籍是否被冒用",
            FindingKind::NotOnStudentRoll => "核实是否辍学、外地就读或随迁就读；辍学的按控辍保学程序劝返，外地就读的更新就读信息",
            FindingKind::DangerousHouseNotRecorded => "查看住建部门鉴定结论，入户核实住房安全；属实的更新“是否危房户”“危房等级”并纳入危房改造",
            FindingKind::EmployedRecordedWithoutLabour => "核实是否实际就业、单位为其缴纳社保的情况；属实的更新“劳动技能”与务工信息",
            FindingKind::VehicleOwner => "核实车辆类型和用途（摩托车、农用车、三轮车等生产性车辆一般不影响认定），按本地认定办法处理",
            FindingKind::CompanyOwner => "核实企业经营状况、出资额与收入，按本地认定办法处理；长期吊销、未实际经营的说明情况",
            FindingKind::PublicPayrollRelative => "核实是否为同一户籍的家庭成员及其收入，按本地认定办法处理",
            FindingKind::NameDiffers => "核对身份证原件：系统录错的更正姓名；名单错误的告知部门更正；号码录错的更正号码",
            FindingKind::NotInRegistry => "名单中的人员不在本系统（或不在您的管辖范围内），无需处理；如应在册请核实是否漏登",
        }
    }

    pub fn by_code(code: &str) -> Option<FindingKind> {
        FindingKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Accepts the code or the label.
    pub fn parse(text: &str) -> Option<FindingKind> {
        let t = text.trim();
        FindingKind::ALL.into_iter().find(|k| k.code() == t || k.label() == t)
    }

    /// Whether the finding becomes a work order (everything but `NotInRegistry`).
    pub fn makes_order(self) -> bool {
        self != FindingKind::NotInRegistry
    }

    /// Whether the finding concerns a household as a whole (member_id stays empty on its order).
    pub fn is_household_level(self) -> bool {
        matches!(self, FindingKind::DibaoRecordedNotOnList | FindingKind::DangerousHouseNotRecorded)
    }
}

/// The state of a work order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrderStatus {
    /// 待核实
    Open,
    /// 核实属实 (to be fixed)
    VerifiedTrue,
    /// 核实不属实 (closed)
    VerifiedFalse,
    /// 已整改 (closed)
    Fixed,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 4] = [OrderStatus::Open, OrderStatus::VerifiedTrue, OrderStatus::VerifiedFalse, OrderStatus::Fixed];

    pub fn code(self) -> &'static str {
        match self {
            OrderStatus::Open => "open",
            OrderStatus::VerifiedTrue => "verified_true",
            OrderStatus::VerifiedFalse => "verified_false",
            OrderStatus::Fixed => "fixed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::Open => "待核实",
            OrderStatus::VerifiedTrue => "核实属实",
            OrderStatus::VerifiedFalse => "核实不属实",
            OrderStatus::Fixed => "已整改",
        }
    }

    pub fn by_code(code: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Accepts the code or the label (属实/不属实/整改 too).
    pub fn parse(text: &str) -> Option<OrderStatus> {
        let t = fold(text);
        OrderStatus::ALL.into_iter().find(|s| s.code() == t || s.label() == t).or(match t.as_str() {
            "属实" => Some(OrderStatus::VerifiedTrue),
            "不属实" => Some(OrderStatus::VerifiedFalse),
            "整改" | "已整改完成" => Some(OrderStatus::Fixed),
            "待办" | "未核实" => Some(OrderStatus::Open),
            _ => None,
        })
    }

    /// Nothing left to do: verified as not true, or fixed.
    pub fn is_closed(self) -> bool {
        matches!(self, OrderStatus::VerifiedFalse | OrderStatus::Fixed)
    }

    /// The allowed moves: 待核实 → 属实 / 不属实 / 已整改; 属实 → 已整改 (or back to 待核实);
    /// a closed order can only be reopened (→ 待核实).
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Open, VerifiedTrue) | (Open, VerifiedFalse) | (Open, Fixed) | (VerifiedTrue, Fixed) | (VerifiedTrue, Open) | (VerifiedFalse, Open) | (Fixed, Open)
        )
    }

    /// Whether the move needs a note (核实不属实 must say why; 已整改 must say what was done).
    pub fn needs_note(self) -> bool {
        matches!(self, OrderStatus::VerifiedFalse | OrderStatus::Fixed)
    }
}

/// The out-of-pocket thresholds of the 医保 warning rule (S51: inpatient ≥ 5,000 元 for the registered
/// 脱贫/贫困 population, ≥ 20,000 元 for other rural residents), in fen. Set per import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MedicalThresholds {
    /// Households registered as 贫困户/脱贫户 (or monitored with the risk eliminated).
    pub registered_fen: i64,
    /// Every other household (一般农户).
    pub other_fen: i64,
}

impl Default for MedicalThresholds {
    fn default() -> Self {
        MedicalThresholds { registered_fen: 500_000, other_fen: 2_000_000 }
    }
}

/// A person's name as lists write it: spaces dropped, the middle dots of minority names unified.
pub fn normalize_name(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{200b}' && *c != '\u{feff}')
        .map(|c| match c {
            '•' | '・' | '．' | '.' | '‧' | '∙' => '·',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for k in FindingKind::ALL {
            assert!(seen.insert(k.code()));
            assert_eq!(FindingKind::by_code(k.code()), Some(k));
            assert_eq!(FindingKind::parse(k.label()), Some(k));
        }
        for k in ListKind::ALL {
            assert_eq!(ListKind::by_code(k.code()), Some(k));
            assert_eq!(ListKind::parse(k.label()), Some(k));
            assert!(k.departments().contains(&k.department()));
        }
        for d in Department::ALL {
            assert_eq!(Department::parse(d.label()), Some(d));
            assert_eq!(Department::parse(d.code()), Some(d));
        }
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.label()), Some(s));
        }
        assert_eq!(ListKind::parse("低保"), Some(ListKind::Dibao));
        assert_eq!(Department::parse("车管所"), Some(Department::TrafficPolice));
    }

    #[test]
    fn every_finding_but_not_in_registry_comes_from_some_list() {
        let produced: std::collections::HashSet<FindingKind> = ListKind::ALL.iter().flat_map(|k| k.findings(true)).collect();
        for f in FindingKind::ALL {
            assert_eq!(produced.contains(&f), f.makes_order(), "{f:?}");
        }
    }

    #[test]
    fn id_column_aliases_win_over_name_aliases() {
        assert_eq!(ListColumn::lookup("户主身份证号", ListKind::Dibao), Some(ListColumn::ResidentId));
        assert_eq!(ListColumn::lookup("户主", ListKind::Dibao), Some(ListColumn::Name));
        assert_eq!(ListColumn::lookup("公民身份号码", ListKind::Vehicle), Some(ListColumn::ResidentId));
        assert_eq!(ListColumn::lookup("个人自付", ListKind::MedicalExpense), Some(ListColumn::Amount));
        // a column of another kind is not read
        assert_eq!(ListColumn::lookup("个人自付", ListKind::Vehicle), None);
    }

    #[test]
    fn status_moves_and_closure() {
        use OrderStatus::*;
        assert!(Open.can_become(VerifiedTrue) && VerifiedTrue.can_become(Fixed) && Fixed.can_become(Open));
        assert!(!Fixed.can_become(VerifiedTrue) && !Open.can_become(Open));
        assert!(VerifiedFalse.is_closed() && Fixed.is_closed() && !VerifiedTrue.is_closed());
    }

    #[test]
    fn names_are_normalised() {
        assert_eq!(normalize_name(" 张 三 "), "张三");
        assert_eq!(normalize_name("买买提•艾力"), "买买提·艾力");
    }
}
