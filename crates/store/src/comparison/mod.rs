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

mod findings;
mod import;
mod lists;
mod orders;

pub use import::*;
pub use lists::*;
pub use orders::*;
