//! The SQL that finds each kind of discrepancy between a list and the registry.

#[allow(unused_imports)]
use super::*;

/// A parameter of a finding query's FROM … WHERE part, in order of appearance.
#[derive(Debug, Clone, Copy)]
pub(super) enum Bind {
    /// The list's rows: two parameters, the first and last row id.
    Rows,
    /// The list's region as a LIKE pattern.
    Pattern,
}

/// The SELECT of one finding kind's INSERT … SELECT.
pub(super) struct FindingQuery {
    /// Expressions for the order's row_no, household_id, member_id, region_code and detail.
    row_no: &'static str,
    household_id: &'static str,
    member_id: &'static str,
    region_code: &'static str,
    detail: String,
    /// The ORDER BY that numbers the new orders.
    order: &'static str,
    /// FROM … WHERE … (with `?` in the order of `binds`).
    from_where: String,
    pub(super) binds: Vec<Bind>,
}

impl FindingQuery {
    /// Parameters: id base, list id, kind, created_at, updated_at, updated_by, then `binds`, then
    /// the kind and the list kind again (no unresolved order of this kind for the same subject from
    /// a list of the same kind).
    pub(super) fn insert_sql(&self) -> String {
        format!(
            "INSERT INTO work_order (id, list_id, row_no, kind, household_id, member_id, region_code, detail, status, note, created_at, updated_at, updated_by, version) \
             SELECT ? + ROW_NUMBER() OVER (ORDER BY {order}) - 1, ?, {row_no}, ?, {hh}, {member}, {region}, {detail}, 'open', NULL, ?, ?, ?, 1 {from_where} \
             AND NOT EXISTS (SELECT 1 FROM work_order w JOIN dept_list wl ON wl.id = w.list_id WHERE w.household_id = {hh} AND w.kind = ? AND w.status IN ('open', 'verified_true') \
             AND COALESCE(w.member_id, 0) = COALESCE({member}, 0) AND wl.list_kind = ?)",
            order = self.order,
            row_no = self.row_no,
            hh = self.household_id,
            member = self.member_id,
            region = self.region_code,
            detail = self.detail,
            from_where = self.from_where,
        )
    }

    /// Candidates regardless of earlier unresolved orders (for the `already_open` count); parameters: `binds`.
    pub(super) fn count_sql(&self) -> String {
        format!("SELECT COUNT(*) {}", self.from_where)
    }
}

/// A CASE expression turning a vocabulary code into its label.
pub(super) fn label_case(expr: &str, vocab: &Vocabulary) -> String {
    let mut s = format!("CASE {expr}");
    for t in vocab.terms {
        let _ = write!(s, " WHEN '{}' THEN '{}'", t.code.replace('\'', "''"), t.label.replace('\'', "''"));
    }
    let _ = write!(s, " ELSE COALESCE({expr}, '未填写') END");
    s
}

/// Fen as 元 text in SQL ("12345.6" style without trailing zeros is not needed: two decimals or none).
pub(super) fn yuan_sql(expr: &str) -> String {
    format!(
        "(CAST({expr} / 100 AS TEXT) || CASE WHEN {expr} % 100 = 0 THEN '' WHEN {expr} % 100 < 10 THEN '.0' || CAST({expr} % 100 AS TEXT) ELSE '.' || CAST({expr} % 100 AS TEXT) END)"
    )
}

pub(super) const GRADE_LABEL: &str = "CASE {} WHEN '1' THEN '一级' WHEN '2' THEN '二级' WHEN '3' THEN '三级' WHEN '4' THEN '四级' ELSE COALESCE({}, '未填写') END";

pub(super) fn grade_label(expr: &str) -> String {
    GRADE_LABEL.replace("{}", expr)
}

/// Households currently under monitoring: a 监测户 (or one with a monitoring category) whose risk
/// has not been eliminated.
pub(super) const UNDER_MONITORING: &str = "((COALESCE(h.household_type, '') = 'monitored' OR h.monitoring_category IS NOT NULL) AND COALESCE(h.risk_eliminated, FALSE) = FALSE)";
/// Households of the registered population (贫困户, 脱贫户, 监测对象).
pub(super) const REGISTERED: &str = "(COALESCE(h.household_type, '') IN ('poor', 'exited', 'monitored') OR h.monitoring_category IS NOT NULL)";
/// Compulsory-education grades of `在校生状况`.
pub(super) const COMPULSORY: &str = "('primary_1', 'primary_2', 'primary_3', 'primary_4', 'primary_5', 'primary_6', 'junior_7', 'junior_8', 'junior_9')";

/// `col NOT IN (the list's matched values)`, written so that each backend runs it as one pass:
/// SQLite builds the subquery's set once for NOT IN; PostgreSQL turns NOT EXISTS into a hash anti
/// join (its NOT IN would re-scan the list per row once the set outgrows work_mem).
pub(super) fn not_on_list(backend: Backend, outer: &str, list_column: &str) -> String {
    match backend {
        Backend::Sqlite => format!("{outer} NOT IN (SELECT {list_column} FROM dept_list_row WHERE id BETWEEN ? AND ? AND member_active = TRUE)"),
        Backend::Postgres => format!("NOT EXISTS (SELECT 1 FROM dept_list_row x WHERE x.id BETWEEN ? AND ? AND x.member_active = TRUE AND x.{list_column} = {outer})"),
    }
}

/// The query producing one kind of finding for a list.
pub(super) fn finding_query(kind: FindingKind, list: &NewList, backend: Backend) -> FindingQuery {
    let who = "COALESCE(m.name, r.name, '')";
    let date = "COALESCE('（' || CAST(r.event_date AS TEXT) || '）', '')";
    // the finding from a matched row of the list: r = the row, m = the member, h = the household
    let row_based = |cond: String, detail: String| FindingQuery {
        row_no: "r.row_no",
        household_id: "r.household_id",
        member_id: "r.member_id",
        region_code: "r.region_code",
        detail,
        order: "r.id",
        from_where: format!(
            "FROM dept_list_row r JOIN member m ON m.id = r.member_id JOIN household h ON h.id = r.household_id \
             WHERE r.id BETWEEN ? AND ? AND r.member_active = TRUE AND h.status = 'active' AND ({cond})"
        ),
        binds: vec![Bind::Rows],
    };
    let list_name = match list.kind {
        ListKind::Tekun => "特困",
        _ => "低保",
    };
    let attribute = match list.kind {
        ListKind::Tekun => "tekun",
        _ => "dibao",
    };
    let member_flag = match list.kind {
        ListKind::Tekun => "m.tekun",
        _ => "m.dibao",
    };
    match kind {
        FindingKind::DeceasedStillRegistered => row_based("1 = 1".into(), format!("'公安死亡注销名单载明 ' || {who} || ' 已死亡' || {date} || '，系统中仍为在册成员'")),
        FindingKind::MovedOutStillRegistered => row_based(
            "1 = 1".into(),
            format!("'公安户口迁出名单载明 ' || {who} || ' 的户口已迁出' || {date} || COALESCE('，迁往' || r.detail, '') || '，系统中仍为在册成员'"),
        ),
        FindingKind::DibaoNotRecorded => row_based(
            format!("NOT (COALESCE({member_flag}, '') = '是' OR COALESCE(h.poverty_attribute, '') = '{attribute}')"),
            format!("'民政{list_name}名单中有 ' || {who} || '，系统中本人未登记享受{list_name}，户属性也不是{list_name}'"),
        ),
        FindingKind::LargeMedicalNotMonitored => {
            let t = list.thresholds;
            let (reg, other) = (format_hundredths(t.registered_fen), format_hundredths(t.other_fen));
            row_based(
                format!("r.amount IS NOT NULL AND r.amount >= CASE WHEN {REGISTERED} THEN {} ELSE {} END AND NOT {UNDER_MONITORING}", t.registered_fen, t.other_fen),
                format!(
                    "'医保名单：' || {who} || ' 个人自付医疗费用 ' || {} || ' 元' || {date} || '，达到' || CASE WHEN {REGISTERED} THEN '脱贫（贫困）人口 {reg}' ELSE '其他农村人口 {other}' END || ' 元的预警线，本户未在监测中'",
                    yuan_sql("r.amount")
                ),
            )
        }
        FindingKind::DisabilityGradeDiffers => row_based(
            "r.disability_grade IS NOT NULL AND ((m.disability_grade IS NOT NULL AND m.disability_grade <> r.disability_grade) OR (m.disability_grade IS NULL AND COALESCE(m.health, '') = 'disabled'))".into(),
            format!("'残联名单：' || {who} || ' 的残疾等级为' || {} || '，系统登记为' || {}", grade_label("r.disability_grade"), grade_label("m.disability_grade")),
        ),
        FindingKind::DisabilityNotRecorded => row_based(
            "m.disability_grade IS NULL AND COALESCE(m.health, '') <> 'disabled'".into(),
            format!("'残联持证残疾人名单中有 ' || {who} || COALESCE('（' || {} || '）', '') || '，系统中未登记残疾'", "CASE r.disability_grade WHEN '1' THEN '一级' WHEN '2' THEN '二级' WHEN '3' THEN '三级' WHEN '4' THEN '四级' END"),
        ),
        FindingKind::StudentRecordedOutOfSchool => row_based(
            "COALESCE(m.school_status, 'not_student') IN ('not_student', 'preschool_age') OR m.not_in_school_reason IS NOT NULL".into(),
            format!(
                "'教育学籍名单：' || {who} || ' 在' || COALESCE(r.school, '学校') || COALESCE(r.school_grade, '') || '就读，系统登记为“' || {} || '”' || CASE WHEN m.not_in_school_reason IS NOT NULL THEN '，并填写了未上学原因' ELSE '' END",
                label_case("m.school_status", &SCHOOL_STATUS)
            ),
        ),
        FindingKind::DangerousHouseNotRecorded => {
            // one order per household, from its first row on the list
            let mut q = row_based(
                "NOT (COALESCE(h.dangerous_house, FALSE) = TRUE OR COALESCE(h.housing_grade, '') IN ('C', 'D'))".into(),
                format!("'住建危房名单：' || {who} || ' 家的住房被鉴定为' || COALESCE(r.housing_grade || '级', '') || '危房，系统中本户未登记为危房户'"),
            );
            q.member_id = "NULL";
            q.from_where = "FROM (SELECT household_id AS hid, MIN(id) AS first_row FROM dept_list_row WHERE id BETWEEN ? AND ? AND member_active = TRUE GROUP BY household_id) f \
                 JOIN dept_list_row r ON r.id = f.first_row JOIN member m ON m.id = r.member_id JOIN household h ON h.id = r.household_id \
                 WHERE h.status = 'active' AND NOT (COALESCE(h.dangerous_house, FALSE) = TRUE OR COALESCE(h.housing_grade, '') IN ('C', 'D'))"
                .to_string();
            q.binds = vec![Bind::Rows];
            q
        }
        FindingKind::EmployedRecordedWithoutLabour => row_based(
            "COALESCE(m.labour_skill, '') IN ('lost', 'none')".into(),
            format!("'人社名单：' || {who} || COALESCE(' 在' || r.work_unit, '') || ' 有就业或社保缴费记录' || {date} || '，系统登记为“' || {} || '”'", label_case("m.labour_skill", &LABOUR_SKILL)),
        ),
        FindingKind::VehicleOwner => row_based(
            "1 = 1".into(),
            format!("'机动车登记：' || {who} || ' 名下有车辆' || COALESCE(' ' || r.plate, '') || COALESCE('（' || r.vehicle_type || '）', '')"),
        ),
        FindingKind::CompanyOwner => row_based(
            "1 = 1".into(),
            format!(
                "'市场监管名单：' || {who} || ' 是' || COALESCE('“' || r.company_name || '”', '企业') || '的' || COALESCE(r.company_role, '法定代表人或股东') || COALESCE('（统一社会信用代码 ' || r.credit_code || '）', '')"
            ),
        ),
        FindingKind::PublicPayrollRelative => row_based(
            "1 = 1".into(),
            format!("'财政供养人员名单：家庭成员 ' || {who} || ' 为财政供养人员' || COALESCE('（' || r.work_unit || '）', '')"),
        ),
        FindingKind::NameDiffers => row_based(
            "r.name_differs = TRUE".into(),
            "'名单姓名“' || COALESCE(r.name, '') || '”与系统姓名“' || COALESCE(m.name, '') || '”不一致（证件号码相同）'".into(),
        ),
        FindingKind::DibaoRecordedNotOnList => FindingQuery {
            row_no: "NULL",
            household_id: "h.id",
            member_id: "NULL",
            region_code: "h.region_code",
            detail: format!(
                "'系统登记本户享受{list_name}（' || CASE WHEN COALESCE(h.poverty_attribute, '') = '{attribute}' THEN '户属性为{list_name}' ELSE '有成员享受{list_name}' END || '），但民政全量{list_name}名单中没有本户成员'"
            ),
            order: "h.region_code, h.id",
            from_where: format!(
                "FROM household h WHERE h.region_code LIKE ? AND h.status = 'active' \
                 AND (COALESCE(h.poverty_attribute, '') = '{attribute}' OR h.id IN (SELECT m.household_id FROM member m WHERE m.region_code LIKE ? AND m.status = 'active' AND {member_flag} = '是')) \
                 AND {}",
                not_on_list(backend, "h.id", "household_id")
            ),
            binds: vec![Bind::Pattern, Bind::Pattern, Bind::Rows],
        },
        FindingKind::NotOnStudentRoll => FindingQuery {
            row_no: "NULL",
            household_id: "m.household_id",
            member_id: "m.id",
            region_code: "h.region_code",
            detail: format!("'系统登记 ' || COALESCE(m.name, '') || ' 为“' || {} || '”，但教育部门全量学籍名单中没有此人'", label_case("m.school_status", &SCHOOL_STATUS)),
            order: "h.region_code, m.id",
            from_where: format!(
                "FROM member m JOIN household h ON h.id = m.household_id WHERE m.region_code LIKE ? AND m.status = 'active' AND h.status = 'active' \
                 AND m.school_status IN {COMPULSORY} AND {}",
                not_on_list(backend, "m.id", "member_id")
            ),
            binds: vec![Bind::Pattern, Bind::Rows],
        },
        FindingKind::NotInRegistry => FindingQuery {
            row_no: "NULL",
            household_id: "NULL",
            member_id: "NULL",
            region_code: "NULL",
            detail: "NULL".into(),
            order: "1",
            from_where: "FROM dept_list_row WHERE 1 = 0".into(),
            binds: vec![],
        },
    }
}

