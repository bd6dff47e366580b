//! Moving a whole installation between databases (e.g. a county's SQLite file into the province's
//! PostgreSQL): every table in one transaction on the target, protected fields re-sealed for its key.

use crate::bulk::write_rows;
use crate::db::{Cell, Row};
use crate::error::{Result, StoreError};
use crate::Store;

/// Tables in the order their references need, with the column that orders a stable read.
pub const TABLES: &[(&str, &str)] = &[
    ("id_allocator", "name"),
    ("region", "code"),
    ("villager_group", "region_code, name"),
    ("import_batch", "id"),
    ("household", "id"),
    ("member", "id"),
    ("household_income", "household_id, year"),
    ("membership_history", "member_id, from_on"),
    ("adjustment_event", "id"),
    ("audit_log", "id"),
    ("audit_head", "chain"),
    ("app_user", "id"),
    ("role_grant", "id"),
    ("api_token", "id"),
    ("quality_rule_setting", "rule_code, region_prefix"),
    ("reference_line", "kind, region_prefix, year"),
    ("quality_run", "id"),
    ("quality_finding", "run_id, household_id, member_id, rule_code"),
    ("quality_count", "run_id, region_code, rule_code"),
    ("dept_list", "id"),
    ("dept_list_row", "id"),
    ("work_order", "id"),
    ("assist_unit", "id"),
    ("helper", "id"),
    ("work_team", "id"),
    ("team_member", "team_id, helper_id, started_on"),
    ("pairing", "id"),
    ("assistance_measure", "id"),
    ("activity", "id"),
    ("activity_helper", "helper_id, occurred_on, activity_id"),
    ("activity_photo", "id"),
    ("reference_param", "area, key, region_prefix"),
    ("flow_definition", "id"),
    ("wf_campaign", "id"),
    ("wf_campaign_deadline", "campaign_id, village_code"),
    ("wf_case", "id"),
    ("wf_decision", "id"),
    ("wf_attachment", "id"),
    ("wf_deliberation", "id"),
    ("wf_deliberation_item", "deliberation_id, case_id"),
    ("wf_notice", "id"),
    ("wf_notice_item", "notice_id, case_id"),
    ("wf_objection", "id"),
    ("holiday", "region_prefix, day"),
];

/// Per table: rows copied.
pub type CopyReport = Vec<(&'static str, u64)>;

fn columns(store: &mut Store, table: &str) -> Result<Vec<String>> {
    let rows = match store.backend() {
        crate::Backend::Sqlite => store.conn.query(&format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"), &[])?,
        crate::Backend::Postgres => store.conn.query(
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            &[crate::P::Text(table)],
        )?,
    };
    Ok(rows.iter().map(|r| r[0].string()).collect())
}

/// Copies everything from `from` into the empty, migrated `to`. `progress` is told (table, rows so far).
pub fn copy_all(from: &mut Store, to: &mut Store, mut progress: impl FnMut(&str, u64)) -> Result<CopyReport> {
    let mut existing = 0;
    for (table, _) in TABLES {
        existing += to.conn.query_int(&format!("SELECT COUNT(*) FROM {table}"), &[])?;
    }
    if existing > 0 {
        return Err(StoreError::Invalid("目标数据库不是空的：为避免混合两套数据，请复制到一个新建的空数据库".into()));
    }
    let reseal = |keys_from: &crate::Keyring, keys_to: &crate::Keyring, c: &Cell| -> Result<Cell> {
        match c {
            Cell::Bytes(b) => Ok(Cell::Bytes(keys_to.seal(&keys_from.open(b)?))),
            other => Ok(other.clone()),
        }
    };
    to.conn.begin()?;
    let mut report = Vec::new();
    let result = (|| -> Result<()> {
        // id_allocator rows were created by the target's own migrations? no: it starts empty
        for (table, order) in TABLES {
            let cols = columns(from, table)?;
            let target_cols = columns(to, table)?;
            if cols != target_cols {
                return Err(StoreError::Invalid(format!("表 {table} 的结构在两个数据库中不一致：请先对两边都运行 `bangfu migrate`")));
            }
            let sealed: Vec<usize> = cols.iter().enumerate().filter(|(_, c)| (*table == "household" && (c.as_str() == "phone" || c.as_str() == "bank_account")) || (*table == "wf_objection" && c.as_str() == "phone")).map(|(i, _)| i).collect();
            let hash_col = cols.iter().position(|c| c == "phone_hash" && *table == "household");
            let phone_col = cols.iter().position(|c| c == "phone" && *table == "household");
            let col_refs: Vec<&str> = cols.iter().map(String::as_str).collect();
            let sql = format!("SELECT {} FROM {table} ORDER BY {order}", cols.join(", "));
            let mut buf: Vec<Row> = Vec::with_capacity(5000);
            let mut n = 0u64;
            let (keys_from, keys_to) = (from.keys.clone(), to.keys.clone());
            let conn_to = &mut to.conn;
            from.conn.for_each_row(&sql, |mut row| {
                if let (Some(h), Some(p)) = (hash_col, phone_col) {
                    row[h] = match &row[p] {
                        Cell::Bytes(b) => Cell::Text(keys_to.search_hash(&keys_from.open(b)?)),
                        _ => Cell::Null,
                    };
                }
                for i in &sealed {
                    row[*i] = reseal(&keys_from, &keys_to, &row[*i])?;
                }
                buf.push(row);
                if buf.len() == 5000 {
                    write_rows(conn_to, table, &col_refs, &buf)?;
                    n += buf.len() as u64;
                    buf.clear();
                    progress(table, n);
                }
                Ok(())
            })?;
            write_rows(&mut to.conn, table, &col_refs, &buf)?;
            n += buf.len() as u64;
            progress(table, n);
            report.push((*table, n));
        }
        Ok(())
    })();
    match result {
        Ok(()) => {
            to.conn.commit()?;
            to.conn.analyze()?;
            Ok(report)
        }
        Err(e) => {
            let _ = to.conn.rollback();
            Err(e)
        }
    }
}
