//! Comparison with other departments' lists (数据比对) and the work orders (工单) it produces.
//!
//! An import is one transaction ([`begin_import`] → [`ListImport::add_rows`] … →
//! [`ListImport::finish`]): the list's rows are bulk-written to a temporary stage, then written to
//! `dept_list_row` together with their match by one `INSERT … SELECT … LEFT JOIN member` on
//! `member.resident_id` (only people in the list's region, which lies in the importer's scope; each
//! row written once, at its final size, with consecutive ids), and every finding becomes a
//! `work_order` row assigned to the household's village, written by one `INSERT … SELECT` per
//! finding kind. One audit entry records the import with its counts. Nothing is written if anything
//! fails.
//!
//! Reading ([`lists`], [`list_summary`], [`orders`], [`order`], [`completion_by_township`]) and
//! changing ([`update_order`]) are scoped by a [`RegionScope`] in SQL: an order outside the caller's
//! scope is "not found", exactly like a missing one.
//!
//! A finding already under an unresolved order (待核实 or 核实属实) of the same kind for the same
//! household and member, from an earlier list of the same kind, is not issued again; it is counted
//! as `already_open` in the list's report.

use crate::audit::{self, Actor};
use crate::bulk::write_rows;
use crate::db::{Backend, Cell, Conn, Row, P};
use crate::error::{Result, StoreError};
use bangfu_domain::comparison::{Department, FindingKind, ListKind, MedicalThresholds, OrderStatus};
use bangfu_domain::value::format_hundredths;
use bangfu_domain::vocab::{Vocabulary, LABOUR_SKILL, SCHOOL_STATUS};
use bangfu_domain::{RegionCode, RegionScope, ResidentId};
use chrono::NaiveDate;
use std::fmt::Write as _;

/// What is being imported: which list, for which region, with which parameters.
#[derive(Debug, Clone)]
pub struct NewList {
    pub department: Department,
    pub kind: ListKind,
    /// The region the list is compared for: the importer's scope or a region inside it. Only people
    /// registered here are matched; for a complete list, only people here can be "absent".
    pub region: RegionScope,
    /// The file name as the user knows it (no directories).
    pub file_name: String,
    /// 全量名单: the list holds everyone the department has (for 低保/特困 and 学籍 lists, absence
    /// from it is a finding too).
    pub complete: bool,
    /// For 医疗费用 lists.
    pub thresholds: MedicalThresholds,
}

/// One person of a list, as read and normalised by the reader. Kind-specific values stay `None`
/// where the list has no such column.
#[derive(Debug, Clone)]
pub struct ListRow {
    /// Physical row number in the file (1-based, as Excel shows it).
    pub row_no: u64,
    pub resident_id: ResidentId,
    pub name: Option<String>,
    /// 个人自付, fen.
    pub amount_fen: Option<i64>,
    /// '1'..'4'.
    pub disability_grade: Option<&'static str>,
    /// 'A'..'D'.
    pub housing_grade: Option<&'static str>,
    pub event_date: Option<NaiveDate>,
    pub school: Option<String>,
    pub school_grade: Option<String>,
    pub plate: Option<String>,
    pub vehicle_type: Option<String>,
    pub company_name: Option<String>,
    pub credit_code: Option<String>,
    pub company_role: Option<String>,
    pub work_unit: Option<String>,
    pub detail: Option<String>,
}

impl ListRow {
    /// A row with only an ID (and the rest empty).
    pub fn new(row_no: u64, resident_id: ResidentId) -> ListRow {
        ListRow {
            row_no,
            resident_id,
            name: None,
            amount_fen: None,
            disability_grade: None,
            housing_grade: None,
            event_date: None,
            school: None,
            school_grade: None,
            plate: None,
            vehicle_type: None,
            company_name: None,
            credit_code: None,
            company_role: None,
            work_unit: None,
            detail: None,
        }
    }
}

/// What the reader counted that never reached the database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadFigures {
    /// Rows skipped as unreadable (invalid ID, unreadable amount …).
    pub bad_rows: u64,
    /// Rows repeating an ID already read (the first occurrence counts).
    pub duplicate_rows: u64,
}

/// The figures of one imported list (for the whole list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFigures {
    /// Distinct people read.
    pub rows: u64,
    pub bad_rows: u64,
    pub duplicate_rows: u64,
    /// Matched an active member of the registry (in the list's region).
    pub matched: u64,
    /// Matched a member already removed from the registry (已减少): no finding.
    pub removed: u64,
    /// Nobody with that ID is registered in the list's region (名单人员不在本系统).
    pub not_in_registry: u64,
    /// ID matched but the name differs (each also has a `name_differs` order).
    pub name_differs: u64,
    /// Work orders created.
    pub findings: u64,
    /// Findings already under an unresolved order from an earlier list (not issued again).
    pub already_open: u64,
}

/// One imported list.
#[derive(Debug, Clone, PartialEq)]
pub struct DeptList {
    pub id: i64,
    pub department: Department,
    pub kind: ListKind,
    /// The region the list was compared for (a code prefix; "" = everything).
    pub region_prefix: String,
    pub file_name: String,
    /// UTC, ISO 8601.
    pub imported_at: String,
    pub actor: String,
    pub complete: bool,
    pub thresholds: MedicalThresholds,
    /// The import's figures; `None` when the caller's scope covers only part of the list's region
    /// (a township looking at a county list sees only its own orders).
    pub figures: Option<ListFigures>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOutcome {
    pub list_id: i64,
    pub figures: ListFigures,
    /// Work orders created, by finding kind (kinds with none omitted), in `FindingKind` order.
    pub findings: Vec<(FindingKind, u64)>,
}

/// An import in progress: the transaction is open until [`ListImport::finish`] or
/// [`ListImport::rollback`]; dropping it rolls back.
pub struct ListImport<'c> {
    conn: &'c mut Conn,
    actor: Actor,
    list: NewList,
    list_id: i64,
    now: String,
    rows: u64,
    open: bool,
    /// Time spent writing rows (reported with BANGFU_TIMING).
    writing: std::time::Duration,
}

impl Drop for ListImport<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.rollback();
        }
    }
}

/// The columns a list row is read into (staged, then written to `dept_list_row` with its match).
const ROW_COLUMNS: &[&str] = &[
    "row_no",
    "resident_id",
    "name",
    "amount",
    "disability_grade",
    "housing_grade",
    "event_date",
    "school",
    "school_grade",
    "plate",
    "vehicle_type",
    "company_name",
    "credit_code",
    "company_role",
    "work_unit",
    "detail",
];

/// The staging table of one import (per connection; gone at the end of the transaction). On
/// SQLite `seq` is the rowid, so reading the stage in file order needs no sort.
fn stage_ddl(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "CREATE TEMP TABLE compare_stage (seq INTEGER PRIMARY KEY, row_no BIGINT, resident_id TEXT, name TEXT, amount BIGINT, disability_grade TEXT, \
             housing_grade TEXT, event_date DATE, school TEXT, school_grade TEXT, plate TEXT, vehicle_type TEXT, company_name TEXT, credit_code TEXT, \
             company_role TEXT, work_unit TEXT, detail TEXT)"
        }
        Backend::Postgres => {
            "CREATE TEMP TABLE compare_stage (seq BIGINT, row_no BIGINT, resident_id TEXT COLLATE \"C\", name TEXT COLLATE \"C\", amount BIGINT, disability_grade TEXT, \
             housing_grade TEXT, event_date DATE, school TEXT, school_grade TEXT, plate TEXT, vehicle_type TEXT, company_name TEXT, credit_code TEXT, \
             company_role TEXT, work_unit TEXT, detail TEXT) ON COMMIT DROP"
        }
    }
}

fn opt_text(v: &Option<String>) -> Cell {
    v.as_ref().map(|s| Cell::Text(s.clone())).unwrap_or(Cell::Null)
}

fn opt_str(v: Option<&str>) -> P<'_> {
    v.map(P::Text).unwrap_or(P::Null)
}

/// The region code an audit entry about a prefix carries (the prefix padded to 12 digits).
fn audit_region(prefix: &str) -> Option<String> {
    (prefix.len() >= 6).then(|| format!("{prefix:0<12}"))
}

/// Starts importing a list: checks that its region lies in the caller's scope, opens the
/// transaction and records the list.
pub fn begin_import<'c>(conn: &'c mut Conn, actor: &Actor, scope: &RegionScope, list: &NewList) -> Result<ListImport<'c>> {
    if !list.region.prefix().starts_with(scope.prefix()) {
        return Err(StoreError::Invalid(format!("比对区域 {} 不在您的管辖范围内：只能比对本辖区（{}）或其下级区划", display_prefix(list.region.prefix()), display_prefix(scope.prefix()))));
    }
    if list.complete && !list.kind.supports_complete() {
        return Err(StoreError::Invalid(format!("“{}”不能作为全量名单比对：全量比对只用于低保、特困和学籍名单，请去掉“全量名单”选项", list.kind.label())));
    }
    if !list.kind.departments().contains(&list.department) {
        let names: Vec<&str> = list.kind.departments().iter().map(|d| d.label()).collect();
        return Err(StoreError::Invalid(format!("“{}”应由{}提供，而不是{}：请核对部门或名单类型", list.kind.label(), names.join("或"), list.department.label())));
    }
    conn.begin()?;
    let now = crate::now_utc();
    let result = (|| -> Result<i64> {
        let id = crate::ids::allocate(conn, "dept_list", 1)?;
        conn.execute(
            "INSERT INTO dept_list (id, department, list_kind, region_prefix, file_name, imported_at, actor, complete, medical_threshold_registered, medical_threshold_other, \
             row_count, bad_rows, duplicate_rows, matched_count, removed_count, unmatched_count, name_mismatch_count, finding_count, already_open_count) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0)",
            &[
                P::Int(id),
                P::Text(list.department.code()),
                P::Text(list.kind.code()),
                P::Text(list.region.prefix()),
                P::Text(&list.file_name),
                P::Text(&now),
                P::Text(&actor.name),
                P::Bool(list.complete),
                P::Int(list.thresholds.registered_fen),
                P::Int(list.thresholds.other_fen),
            ],
        )?;
        if conn.backend() == Backend::Sqlite {
            conn.batch("DROP TABLE IF EXISTS temp.compare_stage")?;
        }
        conn.batch(stage_ddl(conn.backend()))?;
        Ok(id)
    })();
    match result {
        Ok(list_id) => Ok(ListImport { conn, actor: actor.clone(), list: list.clone(), list_id, now, rows: 0, open: true, writing: std::time::Duration::ZERO }),
        Err(e) => {
            let _ = conn.rollback();
            Err(e)
        }
    }
}

fn display_prefix(p: &str) -> String {
    if p.is_empty() { "全部".to_string() } else { p.to_string() }
}

impl ListImport<'_> {
    pub fn list_id(&self) -> i64 {
        self.list_id
    }

    /// Stages rows (each ID once across the whole import: the reader removes repeats), in file order.
    pub fn add_rows(&mut self, rows: &[ListRow]) -> Result<()> {
        let started = std::time::Instant::now();
        let first = self.rows as i64;
        if let Some(c) = self.conn.sqlite() {
            // bound straight from the rows: a million-row list allocates nothing per cell
            let mut st = c.prepare_cached(
                "INSERT INTO temp.compare_stage (seq, row_no, resident_id, name, amount, disability_grade, housing_grade, event_date, school, school_grade, \
                 plate, vehicle_type, company_name, credit_code, company_role, work_unit, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            )?;
            for (i, r) in rows.iter().enumerate() {
                st.execute(rusqlite::params![
                    first + i as i64,
                    r.row_no as i64,
                    r.resident_id.as_str(),
                    r.name.as_deref(),
                    r.amount_fen,
                    r.disability_grade,
                    r.housing_grade,
                    r.event_date.map(|d| d.format("%Y-%m-%d").to_string()),
                    r.school.as_deref(),
                    r.school_grade.as_deref(),
                    r.plate.as_deref(),
                    r.vehicle_type.as_deref(),
                    r.company_name.as_deref(),
                    r.credit_code.as_deref(),
                    r.company_role.as_deref(),
                    r.work_unit.as_deref(),
                    r.detail.as_deref(),
                ])?;
            }
        } else {
            let cells: Vec<Vec<Cell>> = rows
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    vec![
                        Cell::Int(first + i as i64),
                        Cell::Int(r.row_no as i64),
                        Cell::Text(r.resident_id.as_str().to_string()),
                        opt_text(&r.name),
                        r.amount_fen.map(Cell::Int).unwrap_or(Cell::Null),
                        r.disability_grade.map(|s| Cell::Text(s.into())).unwrap_or(Cell::Null),
                        r.housing_grade.map(|s| Cell::Text(s.into())).unwrap_or(Cell::Null),
                        r.event_date.map(Cell::Date).unwrap_or(Cell::Null),
                        opt_text(&r.school),
                        opt_text(&r.school_grade),
                        opt_text(&r.plate),
                        opt_text(&r.vehicle_type),
                        opt_text(&r.company_name),
                        opt_text(&r.credit_code),
                        opt_text(&r.company_role),
                        opt_text(&r.work_unit),
                        opt_text(&r.detail),
                    ]
                })
                .collect();
            let mut columns = vec!["seq"];
            columns.extend_from_slice(ROW_COLUMNS);
            write_rows(self.conn, "compare_stage", &columns, &cells)?;
        }
        self.rows += rows.len() as u64;
        self.writing += started.elapsed();
        Ok(())
    }

    /// Matches the rows, writes the work orders and the audit entry, and commits.
    pub fn finish(mut self, read: ReadFigures) -> Result<ImportOutcome> {
        let result = self.compare(read);
        match result {
            Ok(outcome) => {
                self.open = false;
                let t = std::time::Instant::now();
                self.conn.commit()?;
                if std::env::var_os("BANGFU_TIMING").is_some() {
                    eprintln!("[timing] commit {:.2}s", t.elapsed().as_secs_f64());
                }
                Ok(outcome)
            }
            Err(e) => {
                self.open = false;
                let _ = self.conn.rollback();
                Err(e)
            }
        }
    }

    /// Abandons the import: nothing is written.
    pub fn rollback(mut self) -> Result<()> {
        self.open = false;
        self.conn.rollback()
    }

    fn compare(&mut self, read: ReadFigures) -> Result<ImportOutcome> {
        let timing = std::env::var_os("BANGFU_TIMING").is_some();
        if timing {
            eprintln!("[timing] writing {} rows {:.2}s", self.rows, self.writing.as_secs_f64());
        }
        let t = std::time::Instant::now();
        let list_id = self.list_id;
        let pattern = self.list.region.like_pattern();
        if self.conn.backend() == Backend::Postgres {
            // temporary tables are never analysed automatically: without statistics the planner
            // takes the stage for a handful of rows and probes the member index once per row
            self.conn.batch("ANALYZE compare_stage")?;
        }
        // 1. the rows with their match, in one statement, with consecutive ids in file order
        let staged_rows = self.rows as i64;
        let n = staged_rows;
        let first_row = if n > 0 { crate::ids::allocate(self.conn, "dept_list_row", n)? } else { 0 };
        let (from, to) = (first_row, first_row + n - 1);
        let columns = ROW_COLUMNS.join(", ");
        let staged: Vec<String> = ROW_COLUMNS.iter().map(|c| format!("s.{c}")).collect();
        self.conn.execute(
            &format!(
                "INSERT INTO dept_list_row (id, list_id, {columns}, member_id, household_id, region_code, member_active, name_differs) \
                 SELECT ? + s.seq, ?, {}, m.id, m.household_id, m.region_code, (m.status = 'active'), \
                 (s.name IS NOT NULL AND m.name IS NOT NULL AND s.name <> m.name) \
                 FROM compare_stage s LEFT JOIN member m ON m.resident_id = s.resident_id AND m.region_code LIKE ?",
                staged.join(", ")
            ),
            &[P::Int(first_row), P::Int(list_id), P::Text(&pattern)],
        )?;
        if self.conn.backend() == Backend::Sqlite {
            self.conn.batch("DROP TABLE temp.compare_stage")?;
        } else {
            self.conn.batch("ANALYZE dept_list_row")?;
        }
        if timing {
            eprintln!("[timing] match {:.2}s", t.elapsed().as_secs_f64());
        }
        let counts = self
            .conn
            .query_opt(
                "SELECT COUNT(*), \
                 SUM(CASE WHEN member_active = TRUE THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN member_active = FALSE THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN member_id IS NULL THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN member_active = TRUE AND name_differs = TRUE THEN 1 ELSE 0 END) \
                 FROM dept_list_row WHERE id BETWEEN ? AND ?",
                &[P::Int(from), P::Int(to)],
            )?
            .unwrap_or_default();
        let n = |i: usize| counts.get(i).and_then(Cell::int).unwrap_or(0) as u64;
        let mut figures = ListFigures {
            rows: n(0),
            bad_rows: read.bad_rows,
            duplicate_rows: read.duplicate_rows,
            matched: n(1),
            removed: n(2),
            not_in_registry: n(3),
            name_differs: n(4),
            findings: 0,
            already_open: 0,
        };
        // 2. the work orders, one INSERT … SELECT per finding kind
        let mut next_id = crate::ids::allocate(self.conn, "work_order", 0)?;
        let mut findings = Vec::new();
        for kind in self.list.kind.findings(self.list.complete) {
            let t = std::time::Instant::now();
            let q = finding_query(kind, &self.list, self.conn.backend());
            let binds: Vec<P> = q
                .binds
                .iter()
                .flat_map(|b| match b {
                    Bind::Rows => vec![P::Int(from), P::Int(to)],
                    Bind::Pattern => vec![P::Text(&pattern)],
                })
                .collect();
            let mut params: Vec<P> = vec![P::Int(next_id), P::Int(list_id), P::Text(kind.code()), P::Text(&self.now), P::Text(&self.now), P::Text(&self.actor.name)];
            params.extend(binds.iter().cloned());
            params.push(P::Text(kind.code()));
            params.push(P::Text(self.list.kind.code()));
            let inserted = self.conn.execute(&q.insert_sql(), &params)?;
            next_id += inserted as i64;
            if inserted > 0 {
                findings.push((kind, inserted));
            }
            figures.findings += inserted;
            // findings held back because an earlier list's order is still unresolved
            let earlier = self.conn.query_int(
                "SELECT COUNT(*) FROM work_order w JOIN dept_list wl ON wl.id = w.list_id WHERE w.kind = ? AND w.list_id <> ? AND w.status IN ('open', 'verified_true') AND wl.list_kind = ?",
                &[P::Text(kind.code()), P::Int(list_id), P::Text(self.list.kind.code())],
            )?;
            if earlier > 0 {
                let candidates = self.conn.query_int(&q.count_sql(), &binds)? as u64;
                figures.already_open += candidates.saturating_sub(inserted);
            }
            if timing {
                eprintln!("[timing] {} {:.2}s ({inserted})", kind.code(), t.elapsed().as_secs_f64());
            }
        }
        self.conn.execute("UPDATE id_allocator SET next_id = ? WHERE name = 'work_order'", &[P::Int(next_id)])?;
        // 3. the list's figures and one audit entry
        self.conn.execute(
            "UPDATE dept_list SET row_count = ?, bad_rows = ?, duplicate_rows = ?, matched_count = ?, removed_count = ?, unmatched_count = ?, \
             name_mismatch_count = ?, finding_count = ?, already_open_count = ?, row_id_from = ?, row_id_to = ? WHERE id = ?",
            &[
                P::Int(figures.rows as i64),
                P::Int(figures.bad_rows as i64),
                P::Int(figures.duplicate_rows as i64),
                P::Int(figures.matched as i64),
                P::Int(figures.removed as i64),
                P::Int(figures.not_in_registry as i64),
                P::Int(figures.name_differs as i64),
                P::Int(figures.findings as i64),
                P::Int(figures.already_open as i64),
                if staged_rows > 0 { P::Int(from) } else { P::Null },
                if staged_rows > 0 { P::Int(to) } else { P::Null },
                P::Int(list_id),
            ],
        )?;
        let by_kind: serde_json::Map<String, serde_json::Value> = findings.iter().map(|(k, n)| (k.code().to_string(), serde_json::Value::from(*n))).collect();
        let after = serde_json::json!({
            "department": self.list.department.code(),
            "kind": self.list.kind.code(),
            "file": self.list.file_name,
            "region": self.list.region.prefix(),
            "complete": self.list.complete,
            "rows": figures.rows,
            "bad_rows": figures.bad_rows,
            "duplicate_rows": figures.duplicate_rows,
            "matched": figures.matched,
            "removed": figures.removed,
            "not_in_registry": figures.not_in_registry,
            "name_differs": figures.name_differs,
            "findings": figures.findings,
            "already_open": figures.already_open,
            "by_kind": by_kind,
        });
        let region = audit_region(self.list.region.prefix());
        audit::record(
            self.conn,
            &self.actor,
            audit::Entry {
                region_code: region.as_deref(),
                entity: "dept_list",
                entity_id: Some(list_id.to_string()),
                action: "import",
                before: None,
                after: Some(after.to_string()),
            },
        )?;
        Ok(ImportOutcome { list_id, figures, findings })
    }
}

/// A parameter of a finding query's FROM … WHERE part, in order of appearance.
#[derive(Debug, Clone, Copy)]
enum Bind {
    /// The list's rows: two parameters, the first and last row id.
    Rows,
    /// The list's region as a LIKE pattern.
    Pattern,
}

/// The SELECT of one finding kind's INSERT … SELECT.
struct FindingQuery {
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
    binds: Vec<Bind>,
}

impl FindingQuery {
    /// Parameters: id base, list id, kind, created_at, updated_at, updated_by, then `binds`, then
    /// the kind and the list kind again (no unresolved order of this kind for the same subject from
    /// a list of the same kind).
    fn insert_sql(&self) -> String {
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
    fn count_sql(&self) -> String {
        format!("SELECT COUNT(*) {}", self.from_where)
    }
}

/// A CASE expression turning a vocabulary code into its label.
fn label_case(expr: &str, vocab: &Vocabulary) -> String {
    let mut s = format!("CASE {expr}");
    for t in vocab.terms {
        let _ = write!(s, " WHEN '{}' THEN '{}'", t.code.replace('\'', "''"), t.label.replace('\'', "''"));
    }
    let _ = write!(s, " ELSE COALESCE({expr}, '未填写') END");
    s
}

/// Fen as 元 text in SQL ("12345.6" style without trailing zeros is not needed: two decimals or none).
fn yuan_sql(expr: &str) -> String {
    format!(
        "(CAST({expr} / 100 AS TEXT) || CASE WHEN {expr} % 100 = 0 THEN '' WHEN {expr} % 100 < 10 THEN '.0' || CAST({expr} % 100 AS TEXT) ELSE '.' || CAST({expr} % 100 AS TEXT) END)"
    )
}

const GRADE_LABEL: &str = "CASE {} WHEN '1' THEN '一级' WHEN '2' THEN '二级' WHEN '3' THEN '三级' WHEN '4' THEN '四级' ELSE COALESCE({}, '未填写') END";

fn grade_label(expr: &str) -> String {
    GRADE_LABEL.replace("{}", expr)
}

/// Households currently under monitoring: a 监测户 (or one with a monitoring category) whose risk
/// has not been eliminated.
const UNDER_MONITORING: &str = "((COALESCE(h.household_type, '') = 'monitored' OR h.monitoring_category IS NOT NULL) AND COALESCE(h.risk_eliminated, FALSE) = FALSE)";
/// Households of the registered population (贫困户, 脱贫户, 监测对象).
const REGISTERED: &str = "(COALESCE(h.household_type, '') IN ('poor', 'exited', 'monitored') OR h.monitoring_category IS NOT NULL)";
/// Compulsory-education grades of `在校生状况`.
const COMPULSORY: &str = "('primary_1', 'primary_2', 'primary_3', 'primary_4', 'primary_5', 'primary_6', 'junior_7', 'junior_8', 'junior_9')";

/// `col NOT IN (the list's matched values)`, written so that each backend runs it as one pass:
/// SQLite builds the subquery's set once for NOT IN; PostgreSQL turns NOT EXISTS into a hash anti
/// join (its NOT IN would re-scan the list per row once the set outgrows work_mem).
fn not_on_list(backend: Backend, outer: &str, list_column: &str) -> String {
    match backend {
        Backend::Sqlite => format!("{outer} NOT IN (SELECT {list_column} FROM dept_list_row WHERE id BETWEEN ? AND ? AND member_active = TRUE)"),
        Backend::Postgres => format!("NOT EXISTS (SELECT 1 FROM dept_list_row x WHERE x.id BETWEEN ? AND ? AND x.member_active = TRUE AND x.{list_column} = {outer})"),
    }
}

/// The query producing one kind of finding for a list.
fn finding_query(kind: FindingKind, list: &NewList, backend: Backend) -> FindingQuery {
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

/// Lists whose region overlaps the caller's scope, newest first.
pub fn lists(conn: &mut Conn, scope: &RegionScope, offset: i64, limit: i64) -> Result<Vec<DeptList>> {
    let pattern = scope.like_pattern();
    let rows = conn.query(
        &format!("SELECT {LIST_COLUMNS} FROM dept_list WHERE (region_prefix LIKE ? OR ? LIKE region_prefix || '%') ORDER BY id DESC LIMIT ? OFFSET ?"),
        &[P::Text(&pattern), P::Text(scope.prefix()), P::Int(limit), P::Int(offset)],
    )?;
    Ok(rows.iter().filter_map(|r| list_from_row(r, scope)).collect())
}

/// One list, if its region overlaps the caller's scope.
pub fn list(conn: &mut Conn, scope: &RegionScope, id: i64) -> Result<Option<DeptList>> {
    let pattern = scope.like_pattern();
    let row = conn.query_opt(
        &format!("SELECT {LIST_COLUMNS} FROM dept_list WHERE id = ? AND (region_prefix LIKE ? OR ? LIKE region_prefix || '%')"),
        &[P::Int(id), P::Text(&pattern), P::Text(scope.prefix())],
    )?;
    Ok(row.as_deref().and_then(|r| list_from_row(r, scope)))
}

const LIST_COLUMNS: &str = "id, department, list_kind, region_prefix, file_name, imported_at, actor, complete, medical_threshold_registered, medical_threshold_other, \
     row_count, bad_rows, duplicate_rows, matched_count, removed_count, unmatched_count, name_mismatch_count, finding_count, already_open_count";

fn list_from_row(r: &[Cell], scope: &RegionScope) -> Option<DeptList> {
    let n = |i: usize| r.get(i).and_then(Cell::int).unwrap_or(0) as u64;
    let region_prefix = r[3].string();
    let whole = region_prefix.starts_with(scope.prefix());
    let defaults = MedicalThresholds::default();
    Some(DeptList {
        id: r[0].int()?,
        department: Department::by_code(r[1].text()?)?,
        kind: ListKind::by_code(r[2].text()?)?,
        region_prefix,
        file_name: r[4].string(),
        imported_at: r[5].string(),
        actor: r[6].string(),
        complete: r[7].bool().unwrap_or(false),
        thresholds: MedicalThresholds { registered_fen: r[8].int().unwrap_or(defaults.registered_fen), other_fen: r[9].int().unwrap_or(defaults.other_fen) },
        figures: whole.then(|| ListFigures {
            rows: n(10),
            bad_rows: n(11),
            duplicate_rows: n(12),
            matched: n(13),
            removed: n(14),
            not_in_registry: n(15),
            name_differs: n(16),
            findings: n(17),
            already_open: n(18),
        }),
    })
}

/// Orders counted by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub total: u64,
    pub open: u64,
    pub verified_true: u64,
    pub verified_false: u64,
    pub fixed: u64,
}

impl Progress {
    /// Nothing left to do: 核实不属实 + 已整改.
    pub fn closed(&self) -> u64 {
        self.verified_false + self.fixed
    }
    /// Closed orders as a share of all, 0.0–1.0 (1.0 when there are none).
    pub fn completion(&self) -> f64 {
        if self.total == 0 { 1.0 } else { self.closed() as f64 / self.total as f64 }
    }
    fn from_cells(r: &[Cell], first: usize) -> Progress {
        let n = |i: usize| r.get(first + i).and_then(Cell::int).unwrap_or(0) as u64;
        Progress { total: n(0), open: n(1), verified_true: n(2), verified_false: n(3), fixed: n(4) }
    }
}

const PROGRESS_COLUMNS: &str = "COUNT(*), SUM(CASE WHEN w.status = 'open' THEN 1 ELSE 0 END), SUM(CASE WHEN w.status = 'verified_true' THEN 1 ELSE 0 END), \
     SUM(CASE WHEN w.status = 'verified_false' THEN 1 ELSE 0 END), SUM(CASE WHEN w.status = 'fixed' THEN 1 ELSE 0 END)";

/// A list with its orders in the caller's scope, by finding kind.
#[derive(Debug, Clone, PartialEq)]
pub struct ListSummary {
    pub list: DeptList,
    /// Orders in the caller's scope, by kind (kinds with none omitted), in `FindingKind` order.
    pub by_kind: Vec<(FindingKind, Progress)>,
    /// All orders of the list in the caller's scope.
    pub total: Progress,
}

/// The list and its orders in the caller's scope; `NotFound` if the list's region does not overlap it.
pub fn list_summary(conn: &mut Conn, scope: &RegionScope, list_id: i64) -> Result<ListSummary> {
    let list = list(conn, scope, list_id)?.ok_or_else(|| StoreError::NotFound("该比对名单（或它不在您的管辖范围内）".into()))?;
    let pattern = scope.like_pattern();
    let rows = conn.query(
        &format!("SELECT w.kind, {PROGRESS_COLUMNS} FROM work_order w WHERE w.list_id = ? AND w.region_code LIKE ? GROUP BY w.kind"),
        &[P::Int(list_id), P::Text(&pattern)],
    )?;
    let mut by_kind: Vec<(FindingKind, Progress)> = rows.iter().filter_map(|r| Some((FindingKind::by_code(r[0].text()?)?, Progress::from_cells(r, 1)))).collect();
    by_kind.sort_by_key(|(k, _)| *k);
    let mut total = Progress::default();
    for (_, p) in &by_kind {
        total.total += p.total;
        total.open += p.open;
        total.verified_true += p.verified_true;
        total.verified_false += p.verified_false;
        total.fixed += p.fixed;
    }
    Ok(ListSummary { list, by_kind, total })
}

/// Which orders to show; every filter is optional.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub list_id: Option<i64>,
    pub kind: Option<FindingKind>,
    pub status: Option<OrderStatus>,
    /// A region inside the caller's scope (narrows it further).
    pub region: Option<RegionCode>,
    pub household_id: Option<i64>,
}

/// One work order as pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkOrder {
    pub id: i64,
    pub list_id: i64,
    pub department: Option<Department>,
    pub list_kind: Option<ListKind>,
    /// The list row behind the finding (`None`: absent from a complete list).
    pub row_no: Option<i64>,
    pub kind: FindingKind,
    pub status: OrderStatus,
    pub household_id: i64,
    pub household_no: Option<String>,
    /// The household head's name (for finding the household; also for household-level orders).
    pub head_name: Option<String>,
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    /// The member's ID, masked (4301**********123X).
    pub resident_id_masked: Option<String>,
    /// The household's village.
    pub region_code: String,
    pub village_name: Option<String>,
    pub detail: String,
    pub note: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub updated_by: String,
    pub version: i64,
}

const ORDER_COLUMNS: &str = "w.id, w.list_id, l.department, l.list_kind, w.row_no, w.kind, w.status, w.household_id, h.household_no, \
     (SELECT hm.name FROM member hm WHERE hm.household_id = w.household_id AND hm.relation = 'head' AND hm.status = 'active' ORDER BY hm.seq LIMIT 1), \
     w.member_id, m.name, m.resident_id, w.region_code, rg.name, w.detail, w.note, w.created_at, w.updated_at, w.updated_by, w.version";
const ORDER_FROM: &str = "FROM work_order w LEFT JOIN dept_list l ON l.id = w.list_id LEFT JOIN household h ON h.id = w.household_id \
     LEFT JOIN member m ON m.id = w.member_id LEFT JOIN region rg ON rg.code = w.region_code";

fn order_from_row(r: &Row) -> Option<WorkOrder> {
    let masked = r[12].text().map(|id| match ResidentId::parse(id) {
        Ok(rid) => rid.masked(),
        Err(_) => bangfu_domain::value::mask(id),
    });
    Some(WorkOrder {
        id: r[0].int()?,
        list_id: r[1].int()?,
        department: r[2].text().and_then(Department::by_code),
        list_kind: r[3].text().and_then(ListKind::by_code),
        row_no: r[4].int(),
        kind: FindingKind::by_code(r[5].text()?)?,
        status: OrderStatus::by_code(r[6].text()?)?,
        household_id: r[7].int()?,
        household_no: r[8].text().map(str::to_string),
        head_name: r[9].text().map(str::to_string),
        member_id: r[10].int(),
        member_name: r[11].text().map(str::to_string),
        resident_id_masked: masked,
        region_code: r[13].string(),
        village_name: r[14].text().map(str::to_string),
        detail: r[15].string(),
        note: r[16].text().map(str::to_string),
        created_at: r[17].string(),
        updated_at: r[18].string(),
        updated_by: r[19].string(),
        version: r[20].int().unwrap_or(0),
    })
}

/// A page of orders and how many match in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderPage {
    pub total: i64,
    pub orders: Vec<WorkOrder>,
}

/// Orders in the caller's scope matching the filter, by village then number.
pub fn orders(conn: &mut Conn, scope: &RegionScope, f: &OrderFilter, offset: i64, limit: i64) -> Result<OrderPage> {
    let pattern = scope.like_pattern();
    let region_pattern = f.region.map(|r| format!("{}%", r.prefix()));
    let mut sql = String::from("WHERE w.region_code LIKE ?");
    let mut params: Vec<P> = vec![P::Text(&pattern)];
    if let Some(p) = &region_pattern {
        sql.push_str(" AND w.region_code LIKE ?");
        params.push(P::Text(p));
    }
    if let Some(id) = f.list_id {
        sql.push_str(" AND w.list_id = ?");
        params.push(P::Int(id));
    }
    if let Some(k) = f.kind {
        sql.push_str(" AND w.kind = ?");
        params.push(P::Text(k.code()));
    }
    if let Some(s) = f.status {
        sql.push_str(" AND w.status = ?");
        params.push(P::Text(s.code()));
    }
    if let Some(h) = f.household_id {
        sql.push_str(" AND w.household_id = ?");
        params.push(P::Int(h));
    }
    let total = conn.query_int(&format!("SELECT COUNT(*) FROM work_order w {sql}"), &params)?;
    let mut page_params = params.clone();
    page_params.push(P::Int(limit));
    page_params.push(P::Int(offset));
    let rows = conn.query(&format!("SELECT {ORDER_COLUMNS} {ORDER_FROM} {sql} ORDER BY w.region_code, w.id LIMIT ? OFFSET ?"), &page_params)?;
    Ok(OrderPage { total, orders: rows.iter().filter_map(order_from_row).collect() })
}

/// One order in the caller's scope.
pub fn order(conn: &mut Conn, scope: &RegionScope, id: i64) -> Result<Option<WorkOrder>> {
    let pattern = scope.like_pattern();
    let row = conn.query_opt(&format!("SELECT {ORDER_COLUMNS} {ORDER_FROM} WHERE w.id = ? AND w.region_code LIKE ?"), &[P::Int(id), P::Text(&pattern)])?;
    Ok(row.as_ref().and_then(order_from_row))
}

/// What [`update_order`] did.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // one per request
pub enum OrderUpdate {
    /// Written; the order now has this version.
    Saved { version: i64 },
    /// Someone changed the order first: it as stored now. Nothing written.
    Conflict { current: WorkOrder },
}

/// Records a verification or fix: the new status and note, if `expected_version` is still current.
/// Refused (`StoreError::Invalid`) when the move is not allowed (see `OrderStatus::can_become`;
/// keeping the status and changing only the note is allowed) or a needed note is missing;
/// `NotFound` outside the caller's scope. Audited with before and after.
pub fn update_order(conn: &mut Conn, actor: &Actor, scope: &RegionScope, id: i64, expected_version: i64, status: OrderStatus, note: Option<&str>) -> Result<OrderUpdate> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    conn.begin()?;
    let result = (|| -> Result<OrderUpdate> {
        let current = order(conn, scope, id)?.ok_or_else(|| StoreError::NotFound("该工单（或它不在您的管辖范围内）".into()))?;
        if current.version != expected_version {
            return Ok(OrderUpdate::Conflict { current });
        }
        if status != current.status && !current.status.can_become(status) {
            return Err(StoreError::Invalid(format!("工单当前为“{}”，不能直接改为“{}”", current.status.label(), status.label())));
        }
        if status.needs_note() && note.is_none() {
            let what = if status == OrderStatus::VerifiedFalse { "核实情况（为什么不属实）" } else { "整改情况（做了什么）" };
            return Err(StoreError::Invalid(format!("改为“{}”需要填写{what}", status.label())));
        }
        let now = crate::now_utc();
        let pattern = scope.like_pattern();
        let n = conn.execute(
            "UPDATE work_order SET status = ?, note = ?, updated_at = ?, updated_by = ?, version = version + 1 WHERE id = ? AND version = ? AND region_code LIKE ?",
            &[P::Text(status.code()), opt_str(note), P::Text(&now), P::Text(&actor.name), P::Int(id), P::Int(expected_version), P::Text(&pattern)],
        )?;
        if n != 1 {
            let current = order(conn, scope, id)?.ok_or_else(|| StoreError::NotFound("该工单（或它不在您的管辖范围内）".into()))?;
            return Ok(OrderUpdate::Conflict { current });
        }
        let before = serde_json::json!({ "status": current.status.code(), "note": current.note, "version": current.version });
        let after = serde_json::json!({ "status": status.code(), "note": note, "version": current.version + 1 });
        audit::record(
            conn,
            actor,
            audit::Entry {
                region_code: Some(&current.region_code),
                entity: "work_order",
                entity_id: Some(id.to_string()),
                action: "update",
                before: Some(before.to_string()),
                after: Some(after.to_string()),
            },
        )?;
        Ok(OrderUpdate::Saved { version: current.version + 1 })
    })();
    match result {
        Ok(o @ OrderUpdate::Saved { .. }) => {
            conn.commit()?;
            Ok(o)
        }
        other => {
            let _ = conn.rollback();
            other
        }
    }
}

/// Completion of one township's orders.
#[derive(Debug, Clone, PartialEq)]
pub struct TownshipProgress {
    /// The township's 12-digit code.
    pub code: String,
    pub name: Option<String>,
    pub progress: Progress,
}

/// Orders per township in the caller's scope (optionally of one list), in code order.
pub fn completion_by_township(conn: &mut Conn, scope: &RegionScope, list_id: Option<i64>) -> Result<Vec<TownshipProgress>> {
    let pattern = scope.like_pattern();
    let mut params = vec![P::Text(&pattern)];
    let mut cond = String::from("w.region_code LIKE ?");
    if let Some(id) = list_id {
        cond.push_str(" AND w.list_id = ?");
        params.push(P::Int(id));
    }
    let rows = conn.query(
        &format!(
            "SELECT t.township, rg.name, t.total, t.open, t.verified_true, t.verified_false, t.fixed FROM ( \
               SELECT SUBSTR(w.region_code, 1, 9) || '000' AS township, \
                 COUNT(*) AS total, SUM(CASE WHEN w.status = 'open' THEN 1 ELSE 0 END) AS open, \
                 SUM(CASE WHEN w.status = 'verified_true' THEN 1 ELSE 0 END) AS verified_true, \
                 SUM(CASE WHEN w.status = 'verified_false' THEN 1 ELSE 0 END) AS verified_false, \
                 SUM(CASE WHEN w.status = 'fixed' THEN 1 ELSE 0 END) AS fixed \
               FROM work_order w WHERE {cond} GROUP BY SUBSTR(w.region_code, 1, 9) \
             ) t LEFT JOIN region rg ON rg.code = t.township ORDER BY t.township"
        ),
        &params,
    )?;
    Ok(rows.iter().map(|r| TownshipProgress { code: r[0].string(), name: r[1].text().map(str::to_string), progress: Progress::from_cells(r, 2) }).collect())
}
