//! The case list with its filters, and a case's page: its progress through the steps, the
//! timeline from the ledger, its attachments, and the decision form when the user may act on the
//! current step (check results above it on a check step); the county office extends deadlines.

use super::{days_left, decision_kind, is_stale, step_title, store_error, today};
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::edit::with_status;
use crate::handlers::quality::{Opt, local_time, region_options, region_param};
use crate::handlers::render;
use crate::state::AppState;
use crate::views::{Nav, urlencode};
use askama::Template;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::workflow::engine::{self, CaseStatus};
use bangfu_domain::workflow::{StepKind, procedures};
use bangfu_domain::{Capability, Role};
use bangfu_store::workflow::attachments::{self, Owner};
use bangfu_store::workflow::decide::{self, Decided, DecisionInput};
use bangfu_store::workflow::{CaseFilter, cases, checks};

pub const PAGE_SIZE: i64 = 50;

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct ListQuery {
    pub procedure: String,
    pub step: String,
    pub status: String,
    pub region: String,
    pub overdue: String,
    pub page: i64,
}

impl ListQuery {
    /// The store's filter, with the region checked against the scope (outside = 404).
    pub fn filter(&self, p: &Principal) -> AppResult<CaseFilter> {
        let scope = p.scope();
        let status = match self.status.trim() {
            "" | "all" => None,
            s => Some(CaseStatus::parse(s).ok_or_else(|| AppError::BadRequest(format!("状态“{s}”无效：open、completed、rejected 或 withdrawn")))?),
        };
        Ok(CaseFilter {
            procedure: Some(self.procedure.trim().to_string()).filter(|s| !s.is_empty()),
            status,
            step_key: Some(self.step.trim().to_string()).filter(|s| !s.is_empty()),
            region: region_param(&self.region, scope.prefix())?,
            overdue_on: matches!(self.overdue.as_str(), "1" | "true" | "on").then(today),
            ..Default::default()
        })
    }

    fn qs(&self) -> String {
        format!(
            "procedure={}&step={}&status={}&region={}&overdue={}",
            urlencode(self.procedure.trim()),
            urlencode(self.step.trim()),
            urlencode(self.status.trim()),
            urlencode(self.region.trim()),
            urlencode(self.overdue.trim())
        )
    }
}

/// One row of a case list.
pub struct CaseRow {
    pub id: i64,
    pub title: String,
    pub procedure: String,
    pub step: String,
    pub status: &'static str,
    pub region: String,
    pub due: String,
    pub left: String,
    pub overdue: bool,
}

pub fn case_row(c: &cases::Case, step: String, names: &crate::regions::RegionNames, today: chrono::NaiveDate) -> CaseRow {
    let open = c.status == CaseStatus::Open;
    let (left, overdue) = if open { days_left(c.step_due, today) } else { (String::new(), false) };
    CaseRow {
        id: c.id,
        title: c.title.clone(),
        procedure: super::procedure_title(&c.procedure),
        step: if open { step } else { String::new() },
        status: c.status.label(),
        region: names.path(&c.region_code),
        due: if open { c.step_due.map(|d| d.to_string()).unwrap_or_default() } else { String::new() },
        left,
        overdue,
    }
}

#[derive(Template)]
#[template(path = "wf_cases.html")]
struct ListPage {
    nav: Nav,
    q: ListQuery,
    rows: Vec<CaseRow>,
    total: i64,
    page: i64,
    pages: i64,
    qs: String,
    procedures: Vec<Opt>,
    steps: Vec<Opt>,
    statuses: Vec<Opt>,
    regions: Vec<Opt>,
}

pub async fn list(State(state): State<AppState>, p: Principal, Query(q): Query<ListQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let f = q.filter(&p)?;
    let page = q.page.max(1);
    let scope = p.scope();
    let (rows, total, titles) = state
        .db
        .run(move |c, _| {
            let (rows, total) = cases::list(c, &scope, &f, (page - 1) * PAGE_SIZE, PAGE_SIZE).map_err(store_error)?;
            let defs = bangfu_store::workflow::definitions::list(c).map_err(store_error)?;
            let titles: std::collections::HashMap<(i64, usize), String> = defs.iter().flat_map(|d| d.def.steps.iter().enumerate().map(move |(i, s)| ((d.id, i), s.title.clone()))).collect();
            Ok((rows, total, titles))
        })
        .await?;
    let names = state.names();
    let t = today();
    let rows = rows.iter().map(|c| case_row(c, titles.get(&(c.definition_id, c.step_index)).cloned().unwrap_or_else(|| c.step_key.clone()), &names, t)).collect();
    let opt = |value: &str, label: &str, sel: &str| Opt { value: value.into(), label: label.into(), selected: value == sel };
    let procs = procedures::shipped();
    let steps: Vec<Opt> = procs.iter().filter(|d| q.procedure.is_empty() || d.procedure == q.procedure).flat_map(|d| d.steps.iter()).fold(Vec::<Opt>::new(), |mut v, s| {
        if !v.iter().any(|o| o.value == s.key) {
            v.push(opt(&s.key, &s.title, &q.step));
        }
        v
    });
    let page = ListPage {
        nav: Nav::new(&p, &names, "cases"),
        procedures: procs.iter().map(|d| opt(&d.procedure, &d.title, &q.procedure)).collect(),
        steps,
        statuses: [CaseStatus::Open, CaseStatus::Completed, CaseStatus::Rejected, CaseStatus::Withdrawn].iter().map(|s| opt(s.code(), s.label(), &q.status)).collect(),
        regions: region_options(&names, p.scope().prefix(), q.region.trim()),
        qs: q.qs(),
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        page,
        total,
        rows,
        q,
    };
    Ok(render(&page))
}

pub struct StepView {
    pub title: String,
    pub state: &'static str,
}

pub struct CheckRow {
    pub title: String,
    pub passed: bool,
    pub blocking: bool,
    pub detail: String,
}

pub struct EntryView {
    pub at: String,
    pub actor: String,
    pub role: String,
    pub step: String,
    pub decision: &'static str,
    pub comment: String,
    pub return_to: String,
    pub verdict: String,
    pub checks: Vec<CheckRow>,
}

pub struct AttachmentView {
    pub id: i64,
    pub purpose: String,
    pub file_name: String,
    pub size: String,
    pub by: String,
    pub at: String,
}

/// Check results stored in a ledger entry's `detail` (a JSON array), if it holds some.
pub fn parse_checks(detail: Option<&str>) -> Vec<CheckRow> {
    let Some(v) = detail.and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok()) else { return Vec::new() };
    let Some(a) = v.as_array() else { return Vec::new() };
    a.iter()
        .filter_map(|r| {
            Some(CheckRow {
                title: r.get("title")?.as_str()?.to_string(),
                passed: r.get("passed").and_then(|x| x.as_bool()).unwrap_or(false),
                blocking: r.get("blocking").and_then(|x| x.as_bool()).unwrap_or(false),
                detail: r.get("detail").and_then(|x| x.as_str()).unwrap_or_default().to_string(),
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "wf_case.html")]
struct CasePage {
    nav: Nav,
    id: i64,
    title: String,
    household_id: i64,
    region: String,
    procedure_title: String,
    version: String,
    status: &'static str,
    open: bool,
    steps: Vec<StepView>,
    step_title: String,
    step_kind: &'static str,
    step_roles: String,
    step_level: &'static str,
    step_policy: String,
    due: String,
    left: String,
    overdue: bool,
    applicant: String,
    verdict: String,
    timeline: Vec<EntryView>,
    attachments: Vec<AttachmentView>,
    can_upload: bool,
    can_extend: bool,
    /// Why the user may not decide (empty when they may).
    cannot: String,
    can_decide: bool,
    /// Link instead of the form on deliberation/notice/announcement steps: (label, href).
    moved_by: Option<(String, String)>,
    checks: Vec<CheckRow>,
    blocking: bool,
    return_targets: Vec<Opt>,
    return_allowed: bool,
    needs_verdict: bool,
    verdicts: Vec<Opt>,
    requires_attachment: bool,
    transition_no: i64,
    error: String,
    notice: String,
    comment: String,
}

/// Builds a case's page (None when missing or out of scope).
async fn case_page(state: &AppState, p: &Principal, id: i64, error: String, notice: String, comment: String) -> AppResult<CasePage> {
    let scope = p.scope();
    let who = p.decider();
    let t = today();
    let (file, timeline, atts, may, check_results) = state
        .db
        .run(move |c, keys| {
            let f = cases::file(c, &scope, id).map_err(store_error)?.ok_or(AppError::NotFound)?;
            let tl = cases::timeline(c, &scope, id).map_err(store_error)?;
            let atts = attachments::list(c, &scope, Owner::Case(id)).map_err(store_error)?;
            let may = engine::may_act(&f.definition.def, &f.case.view(), &who, t);
            let step = f.definition.def.step(f.case.step_index);
            let results = match step.and_then(|s| s.checks.clone()) {
                Some(set) if f.case.status == CaseStatus::Open && step.is_some_and(|s| s.kind == StepKind::Check) => checks::run(c, keys, &f.case, &set, t).unwrap_or_default(),
                _ => Vec::new(),
            };
            Ok((f, tl, atts, may, results))
        })
        .await?;
    let names = state.names();
    let case = &file.case;
    let def = &file.definition.def;
    let open = case.status == CaseStatus::Open;
    let step = def.step(case.step_index).cloned();
    let steps = def
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| StepView {
            title: s.title.clone(),
            state: if case.status == CaseStatus::Completed || i < case.step_index {
                "done"
            } else if i == case.step_index && open {
                "current"
            } else {
                "todo"
            },
        })
        .collect();
    let (left, overdue) = if open { days_left(case.step_due, t) } else { (String::new(), false) };
    let kind = step.as_ref().map(|s| s.kind).unwrap_or(StepKind::Review);
    let village = case.region_code.clone();
    let moved_by = if open {
        match kind {
            StepKind::Deliberation => Some(("由民主评议推进：登记评议会议结果".to_string(), format!("/deliberations/new?region={village}"))),
            StepKind::Notice => Some(("由公示推进：张贴公示".to_string(), format!("/notices/new?case={id}"))),
            StepKind::Announcement => Some(("发布公告".to_string(), format!("/notices/new?case={id}&announcement=1"))),
            _ => None,
        }
    } else {
        None
    };
    let cannot = match (&may, open, kind.is_manual()) {
        (_, false, _) => format!("该案件{}", case.status.label()),
        (_, true, false) => engine::Refusal::NotManual(kind).message(),
        (Err(r), _, _) => r.message(),
        _ => String::new(),
    };
    let can_decide = open && may.is_ok() && kind.is_manual();
    let timeline = timeline
        .iter()
        .map(|e| EntryView {
            at: local_time(&e.at),
            actor: e.actor.clone(),
            role: e.role.as_deref().and_then(Role::parse).map(|r| r.label().to_string()).unwrap_or_default(),
            step: step_title(def, e.step_index),
            decision: e.decision_label(),
            comment: e.comment.clone().unwrap_or_default(),
            return_to: e.return_to.map(|i| step_title(def, i)).unwrap_or_default(),
            verdict: e.verdict.as_deref().and_then(procedures::verdict_label).unwrap_or_default().to_string(),
            checks: parse_checks(e.detail.as_deref()),
        })
        .collect();
    let check_rows: Vec<CheckRow> = check_results.iter().map(|r| CheckRow { title: r.title.clone(), passed: r.passed, blocking: r.blocking, detail: r.detail.clone() }).collect();
    Ok(CasePage {
        nav: Nav::new(p, &names, "cases"),
        id,
        title: case.title.clone(),
        household_id: case.household_id.unwrap_or(0),
        region: names.path(&case.region_code),
        procedure_title: def.title.clone(),
        version: format!("{}第 {} 版", if file.definition.region_prefix.is_empty() { String::new() } else { format!("{} ", crate::handlers::quality::prefix_name(&names, &file.definition.region_prefix)) }, file.definition.version),
        status: case.status.label(),
        open,
        steps,
        step_title: step.as_ref().map(|s| s.title.clone()).unwrap_or_default(),
        step_kind: kind.label(),
        step_roles: step.as_ref().map(|s| s.role_labels()).unwrap_or_default(),
        step_level: step.as_ref().map(|s| s.level.label()).unwrap_or_default(),
        step_policy: step.as_ref().map(|s| s.policy.label()).unwrap_or_default(),
        due: case.step_due.map(|d| d.to_string()).unwrap_or_default(),
        left,
        overdue,
        applicant: case.applicant.clone(),
        verdict: case.verdict.as_deref().and_then(procedures::verdict_label).unwrap_or_default().to_string(),
        timeline,
        attachments: atts
            .iter()
            .map(|a| AttachmentView { id: a.id, purpose: a.purpose.clone(), file_name: a.file_name.clone(), size: format!("{:.1} KB", a.size as f64 / 1024.0), by: a.uploaded_by.clone(), at: local_time(&a.uploaded_at) })
            .collect(),
        can_upload: p.can(Capability::EditRegistry) && open,
        can_extend: open && p.role() == Role::CountyOffice,
        cannot,
        can_decide,
        moved_by,
        blocking: check_rows.iter().any(|r| !r.passed && r.blocking),
        checks: check_rows,
        return_targets: def.steps[..case.step_index.min(def.steps.len())].iter().map(|s| Opt { value: s.key.clone(), label: s.title.clone(), selected: false }).collect(),
        return_allowed: step.as_ref().is_some_and(|s| s.return_allowed) && case.step_index > 0,
        needs_verdict: step.as_ref().is_some_and(|s| s.verdict),
        verdicts: procedures::VERDICTS.iter().map(|(c, l)| Opt { value: c.to_string(), label: l.to_string(), selected: false }).collect(),
        requires_attachment: step.as_ref().is_some_and(|s| s.requires_attachment),
        transition_no: case.transition_no,
        error,
        notice,
        comment,
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    pub done: String,
}

fn done_message(code: &str) -> String {
    match code {
        "" => String::new(),
        "waiting" => "已记录您的同意，本环节还需等待其他人员审批".into(),
        "moved" => "已记录您的审批意见，案件已进入下一环节".into(),
        "completed" => "已记录您的审批意见，案件已办结".into(),
        "returned" => "已退回修改".into(),
        "rejected" => "已记录不通过，案件终止".into(),
        "extended" => "已延长办理时限（已记入案件记录）".into(),
        "uploaded" => "附件已上传".into(),
        _ => "已保存".into(),
    }
}

pub async fn show(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Query(q): Query<ShowQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    Ok(render(&case_page(&state, &p, id, String::new(), done_message(&q.done), String::new()).await?))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct DecideForm {
    #[serde(rename = "_csrf")]
    pub csrf: String,
    pub decision: String,
    pub return_to: String,
    pub comment: String,
    pub verdict: String,
    pub transition_no: i64,
}

/// The outcome's code for the page's message after the redirect.
pub fn outcome_code(o: &engine::Outcome) -> &'static str {
    match o {
        engine::Outcome::Waiting { .. } => "waiting",
        engine::Outcome::MoveTo(_) => "moved",
        engine::Outcome::Completed => "completed",
        engine::Outcome::ReturnedTo(_) => "returned",
        engine::Outcome::Rejected => "rejected",
    }
}

pub async fn decide(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Form(f): Form<DecideForm>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    csrf::check(&p, &f.csrf)?;
    let (scope, who, actor) = (p.scope(), p.decider(), p.actor());
    let (decision, return_to, comment, verdict, seen) = (f.decision.clone(), f.return_to.clone(), f.comment.clone(), f.verdict.clone(), f.transition_no);
    let r = state
        .db
        .run(move |c, keys| {
            let file = cases::file(c, &scope, id).map_err(store_error)?.ok_or(AppError::NotFound)?;
            if let Some(m) = super::not_manual(&file, seen) {
                return Ok(Decided::Refused(m));
            }
            let kind = match decision_kind(&file.definition.def, &decision, &return_to) {
                Ok(k) => k,
                Err(m) => return Ok(Decided::Refused(m)),
            };
            let input = DecisionInput { kind, seen_transition: seen, comment, verdict: Some(verdict).filter(|v| !v.trim().is_empty()) };
            decide::decide(c, keys, &actor, &who, id, &input, today()).map_err(store_error)
        })
        .await?;
    match r {
        Decided::Done(o) => Ok(Redirect::to(&format!("/cases/{id}?done={}", outcome_code(&o))).into_response()),
        Decided::Refused(m) => {
            let status = if is_stale(&m) { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
            Ok(with_status(status, &case_page(&state, &p, id, m, String::new(), f.comment).await?))
        }
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ExtendForm {
    #[serde(rename = "_csrf")]
    pub csrf: String,
    pub until: String,
    pub reason: String,
}

pub async fn extend(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Form(f): Form<ExtendForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    if p.role() != Role::CountyOffice {
        return Err(AppError::Forbidden("只有县帮扶办可以延长办理时限".into()));
    }
    let Ok(until) = chrono::NaiveDate::parse_from_str(f.until.trim(), "%Y-%m-%d") else {
        return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &case_page(&state, &p, id, format!("新的办理时限“{}”无效，请选择一个日期", f.until.trim()), String::new(), String::new()).await?));
    };
    let (who, actor, reason) = (p.decider(), p.actor(), f.reason.clone());
    let r = state
        .db
        .run(move |c, _| match decide::extend_deadline(c, &actor, &who, id, until, &reason, today()) {
            Ok(()) => Ok(Ok(())),
            Err(bangfu_store::StoreError::Invalid(m)) => Ok(Err(m)),
            Err(e) => Err(store_error(e)),
        })
        .await?;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}?done=extended")).into_response()),
        Err(m) => Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &case_page(&state, &p, id, m, String::new(), String::new()).await?)),
    }
}

/// POST /cases/{id}/attachments (multipart: `_csrf`, `purpose`, `file`).
pub async fn upload(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, mut mp: Multipart) -> AppResult<Response> {
    p.require(Capability::EditRegistry)?;
    let too_large = || AppError::TooLarge("附件太大：每个附件不能超过 10 MB，请压缩照片或扫描件后再上传".into());
    let (mut token, mut purpose, mut name, mut bytes) = (String::new(), String::new(), String::new(), Vec::new());
    while let Some(field) = mp.next_field().await.map_err(|_| too_large())? {
        match field.name().unwrap_or_default() {
            "file" => {
                name = field.file_name().unwrap_or_default().to_string();
                bytes = field.bytes().await.map_err(|_| too_large())?.to_vec();
            }
            "_csrf" => token = field.text().await.unwrap_or_default(),
            "purpose" => purpose = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    csrf::check(&p, &token)?;
    if bytes.is_empty() {
        return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &case_page(&state, &p, id, "请选择要上传的文件".into(), String::new(), String::new()).await?));
    }
    let purpose = if purpose.trim().is_empty() { "附件".to_string() } else { purpose.trim().chars().take(60).collect() };
    let (scope, actor) = (p.scope(), p.actor());
    let r = state
        .db
        .run(move |c, _| {
            let case = cases::get(c, &scope, id).map_err(store_error)?.ok_or(AppError::NotFound)?;
            c.begin()?;
            match attachments::add(c, &actor, Owner::Case(id), &case.region_code, &purpose, &name, &bytes) {
                Ok(_) => {
                    c.commit()?;
                    Ok(Ok(()))
                }
                Err(bangfu_store::StoreError::Invalid(m)) => {
                    c.rollback()?;
                    Ok(Err(m))
                }
                Err(e) => Err(store_error(e)),
            }
        })
        .await?;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}?done=uploaded")).into_response()),
        Err(m) => Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &case_page(&state, &p, id, m, String::new(), String::new()).await?)),
    }
}

pub async fn download(State(state): State<AppState>, p: Principal, Path((id, aid)): Path<(i64, i64)>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let (name, mime, bytes) = state.db.run(move |c, _| attachments::get(c, &scope, Owner::Case(id), aid).map_err(store_error)).await?.ok_or(AppError::NotFound)?;
    let disposition = crate::handlers::transfer::attachment(&name);
    let mime = axum::http::HeaderValue::from_str(&mime).unwrap_or(axum::http::HeaderValue::from_static("application/octet-stream"));
    Ok(([(header::CONTENT_TYPE, mime), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}
