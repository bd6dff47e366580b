//! Importing a list: the rows staged and written with their registry match, the findings as work orders, in one transaction.

#[allow(unused_imports)]
use super::*;
#[allow(unused_imports)]
use super::findings::*;

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
pub(super) const ROW_COLUMNS: &[&str] = &[
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
pub(super) fn stage_ddl(backend: Backend) -> &'static str {
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

pub(super) fn opt_text(v: &Option<String>) -> Cell {
    v.as_ref().map(|s| Cell::Text(s.clone())).unwrap_or(Cell::Null)
}

pub(super) fn opt_str(v: Option<&str>) -> P<'_> {
    v.map(P::Text).unwrap_or(P::Null)
}

/// The region code an audit entry about a prefix carries (the prefix padded to 12 digits).
pub(super) fn audit_region(prefix: &str) -> Option<String> {
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

pub(super) fn display_prefix(p: &str) -> String {
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

