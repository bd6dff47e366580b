//! The household list, as filtered on screen, downloaded as xlsx in the import layout: written
//! household by household to a temporary file (1,000 at a time, from one consistent snapshot),
//! then streamed back and audited as the command line's export is.

use super::{XLSX, file_response, open, random_id};
use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::handlers::households::filters::ListQuery;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::Response;
use bangfu_domain::{Capability, RegionCode, RegionScope};
use bangfu_exchange::export::{DocWriter, Format};
use bangfu_store::audit::{self, Actor, Entry};
use bangfu_store::regions::Directory;
use bangfu_store::registry::query::{self, HouseholdFilter, SortKey};
use bangfu_store::registry::{StoredHousehold, read};
use bangfu_store::{Backend, Conn, Keyring};
use std::path::{Path, PathBuf};

/// Households loaded per round trip.
const CHUNK: i64 = 1000;
/// People a search may find (as on the list page).
pub const SEARCH_LIMIT: i64 = 200;

/// What to export: the list's filters, or the households of a search's hits.
pub struct Selection {
    pub scope: RegionScope,
    pub filter: HouseholdFilter,
    pub text: String,
}

impl Selection {
    /// Calls `f` for each selected household, in 户编号 order (search: in hit order).
    pub fn each(&self, c: &mut Conn, keys: &Keyring, mut f: impl FnMut(&StoredHousehold) -> AppResult<()>) -> AppResult<()> {
        if !self.text.is_empty() {
            let mut ids: Vec<i64> = Vec::new();
            for h in query::search(c, keys, &self.scope, &self.text, SEARCH_LIMIT)? {
                if !ids.contains(&h.household_id) {
                    ids.push(h.household_id);
                }
            }
            for h in read::load(c, keys, &self.scope, &ids)? {
                f(&h)?;
            }
            return Ok(());
        }
        let mut offset = 0;
        loop {
            let page = query::page(c, &self.scope, &self.filter, SortKey::HouseholdNo, offset, CHUNK)?;
            let ids: Vec<i64> = page.iter().map(|s| s.id).collect();
            for h in read::load(c, keys, &self.scope, &ids)? {
                f(&h)?;
            }
            if (page.len() as i64) < CHUNK {
                return Ok(());
            }
            offset += CHUNK;
        }
    }
}

/// Reads from one snapshot, so that paging is not disturbed by concurrent edits.
fn begin_snapshot(c: &mut Conn) -> AppResult<()> {
    match c.backend() {
        Backend::Postgres => c.batch("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")?,
        _ => c.batch("BEGIN")?,
    }
    Ok(())
}

fn sheet_error(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("export: {e}"))
}

/// Writes the selection to `path` (phones and bank accounts masked) and audits it; returns the households written.
fn write(c: &mut Conn, keys: &Keyring, sel: &Selection, path: &Path, actor: &Actor, download: &str, filters: &str) -> AppResult<u64> {
    begin_snapshot(c)?;
    // region names are not confidential: the whole directory names the columns above the scope too
    let directory = Directory::load(c, &RegionScope::all())?;
    let mut w = DocWriter::create(path, Format::Xlsx, true).map_err(sheet_error)?;
    let (mut households, mut multi_year) = (0u64, false);
    sel.each(c, keys, |h| {
        let names = h.doc.region_code().map(|r| directory.path_names(&r)).unwrap_or_default();
        multi_year |= h.doc.incomes.len() > 1;
        households += 1;
        w.write_doc(&h.doc, &names).map_err(sheet_error)
    })?;
    if multi_year {
        w.begin_income_sheet().map_err(sheet_error)?;
        sel.each(c, keys, |h| {
            for inc in &h.doc.incomes {
                w.write_income(&h.doc, inc).map_err(sheet_error)?;
            }
            Ok(())
        })?;
    }
    w.finish().map_err(sheet_error)?;
    c.commit()?;
    c.begin()?;
    audit::record(
        c,
        actor,
        Entry {
            region_code: Some(sel.scope.prefix()),
            entity: "export",
            entity_id: None,
            action: "export_households",
            before: None,
            after: Some(serde_json::json!({"file": download, "households": households, "filters": filters}).to_string()),
        },
    )?;
    c.commit()?;
    Ok(households)
}

/// Deletes the temporary file when the request ends early.
struct Temp(Option<PathBuf>);

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

pub async fn export(State(state): State<AppState>, p: Principal, Query(q): Query<ListQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    p.require(Capability::Export)?;
    let scope = p.scope();
    let names = state.names();
    // the file is named after the narrowest region asked for
    let region = RegionCode::parse(&q.region).ok().filter(|r| scope.contains(r));
    let place = match &region {
        Some(r) => names.name(r.as_str()).map(str::to_string).unwrap_or_else(|| r.as_str().to_string()),
        None => names.scope_label(&p.grant.region_code),
    };
    let download = format!("户籍名册_{place}_{}.xlsx", chrono::Local::now().format("%Y%m%d"));
    let dir = state.config.data_dir.join("exports");
    tokio::fs::create_dir_all(&dir).await.map_err(|e| AppError::Internal(format!("{}: {e}", dir.display())))?;
    let path = dir.join(format!("{}.xlsx", random_id()));
    let temp = Temp(Some(path.clone()));
    let sel = Selection { scope, filter: q.filter(state.income_line_fen()), text: q.q.trim().to_string() };
    let (actor, filters, name, target) = (p.actor(), q.query_string(), download.clone(), path.clone());
    let households = state.db.run(move |c, keys| write(c, keys, &sel, &target, &actor, &name, &filters)).await?;
    let (file, len) = open(&path).await?;
    // an open file stays readable after its name is gone (on Unix); elsewhere the guard removes it now or it stays in data_dir/exports
    drop(temp);
    tracing::info!(households, "export written");
    Ok(file_response(file, Some(len), &download, XLSX))
}
