//! The staff pages of notices: the list with periods and days left, the form that posts a notice
//! or publishes an announcement, a notice's page (items, photo, objections with resolve forms, an
//! official's objection form, the close button with its refusal reasons, the public link and QR).

use super::{ItemView, can_resolve, cn_date, days_left_label, item_views, period, procedure_short, public_url, region_name, store_error, today};
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::edit::with_status;
use crate::handlers::render;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::workflow::{Level, StepKind};
use bangfu_domain::{Capability, RegionCode};
use bangfu_store::StoreError;
use bangfu_store::workflow::attachments::{self, Owner};
use bangfu_store::workflow::notices::{self, NewNotice, NoticeFilter};
use bangfu_store::workflow::objections::{self, NotLodged, Objection, ObjectionInput};
use bangfu_store::workflow::{calendar, cases, definitions};

pub struct NoticeLine {
    pub id: i64,
    pub title: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub posted: bool,
    pub place: String,
    pub period: String,
    pub left: String,
    pub due: bool,
    pub items: i64,
    pub open_objections: i64,
}

#[derive(Template)]
#[template(path = "notice_list.html")]
struct ListPage {
    nav: Nav,
    rows: Vec<NoticeLine>,
    due: bool,
    waiting: Vec<WaitingLine>,
}

pub struct WaitingLine {
    pub place: String,
    pub procedure: String,
    pub step: String,
    pub cases: i64,
    pub href: String,
    pub action: &'static str,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    due: String,
    region: String,
    procedure: String,
}

pub async fn list(State(state): State<AppState>, p: Principal, Query(q): Query<ListQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let due = !q.due.is_empty();
    let today = today();
    let f = NoticeFilter { status: Some(q.status.clone()).filter(|s| s == "posted" || s == "closed"), due_on: due.then_some(today), region: Some(q.region.clone()), procedure: Some(q.procedure.clone()) };
    let (rows, groups) = state
        .db
        .run(move |c, _| {
            let groups = notices::waiting_groups(c, &scope).map_err(store_error)?;
            let rows = notices::list(c, &scope, &f).map_err(store_error)?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let left = if r.notice.is_posted() { calendar::for_region(c, &r.notice.region_code).map_err(store_error)?.days_left(today, r.notice.ends_on, r.notice.working_days) } else { 0 };
                out.push((r, left));
            }
            Ok((out, groups))
        })
        .await?;
    let waiting = groups
        .iter()
        .map(|g| WaitingLine {
            place: region_name(&state, &g.region_code),
            procedure: crate::handlers::workflow::procedure_title(&g.procedure),
            step: g.step_title.clone(),
            cases: g.cases,
            href: format!("/notices/new?procedure={}&step={}&region={}", crate::views::urlencode(&g.procedure), crate::views::urlencode(&g.step_key), g.region_code),
            action: if g.announcement { "发布公告" } else { "张贴公示" },
        })
        .collect();
    let rows = rows
        .into_iter()
        .map(|(r, left)| NoticeLine {
            id: r.notice.id,
            title: r.notice.title.clone(),
            kind: r.notice.kind_label(),
            status: r.notice.status_label(),
            posted: r.notice.is_posted(),
            place: region_name(&state, &r.notice.region_code),
            period: if r.notice.is_announcement() { cn_date(r.notice.starts_on) } else { period(&r.notice) },
            left: if r.notice.is_posted() { days_left_label(left, r.notice.working_days) } else { String::new() },
            due: r.notice.is_posted() && left < 0,
            items: r.items,
            open_objections: r.open_objections,
        })
        .collect();
    Ok(render(&ListPage { nav: Nav::new(&p, &state.names(), "notices"), rows, due, waiting }))
}

pub struct CaseChoice {
    pub id: i64,
    pub title: String,
    pub group: String,
    pub item: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "notice_new.html")]
struct NewPage {
    nav: Nav,
    error: String,
    announcement: bool,
    procedure: String,
    procedure_label: String,
    step_key: String,
    step_title: String,
    region_code: String,
    region_label: String,
    rule: String,
    cases: Vec<CaseChoice>,
    title: String,
    place: String,
    starts_on: String,
    contact: String,
}

#[derive(serde::Deserialize, Default, Clone)]
#[serde(default)]
pub struct NewQuery {
    case: Option<i64>,
    procedure: String,
    step: String,
    region: String,
}

/// The filled values of the form when it comes back with an error.
#[derive(Default)]
struct Filled {
    checked: Option<Vec<i64>>,
    title: String,
    place: String,
    starts_on: String,
    contact: String,
}

async fn new_page(state: &AppState, p: &Principal, q: NewQuery, error: String, filled: Filled) -> AppResult<NewPage> {
    let scope = p.scope();
    let q2 = q.clone();
    let (def, procedure, step_key, region, waiting) = state
        .db
        .run(move |c, _| {
            let (procedure, step_key, region, def) = if let Some(id) = q2.case {
                let f = cases::file(c, &scope, id).map_err(store_error)?.ok_or(AppError::NotFound)?;
                let step = f.definition.def.step(f.case.step_index).cloned().ok_or(AppError::NotFound)?;
                let region = if step.notice.is_some_and(|r| r.posted_in == Level::Township) { format!("{}000", &f.case.region_code[..9.min(f.case.region_code.len())]) } else { f.case.region_code.clone() };
                (f.case.procedure.clone(), f.case.step_key.clone(), region, f.definition)
            } else {
                let region = if q2.region.trim().is_empty() { scope.prefix().to_string() } else { q2.region.trim().to_string() };
                let def = definitions::current(c, &q2.procedure, &region).map_err(store_error)?;
                (q2.procedure.clone(), q2.step.clone(), region, def)
            };
            let code = RegionCode::parse(&region).map_err(|_| AppError::BadRequest(format!("请选择张贴公示的村或乡镇（区划代码“{region}”无效）")))?;
            if !scope.contains(&code) {
                return Err(AppError::NotFound);
            }
            let waiting = notices::waiting_cases(c, &scope, &procedure, &step_key, &region).map_err(store_error)?;
            Ok((def, procedure, step_key, region, waiting))
        })
        .await?;
    let step = def.def.steps.iter().find(|s| s.key == step_key).cloned().ok_or_else(|| AppError::BadRequest(format!("流程中没有环节“{step_key}”")))?;
    let announcement = step.kind == StepKind::Announcement;
    if !announcement && step.kind != StepKind::Notice {
        return Err(AppError::BadRequest(format!("环节“{}”不是公示或公告环节", step.title)));
    }
    let region_label = region_name(state, &region);
    let rule = step.notice.map(|r| format!("公示 {} {}，在{}范围内张贴", r.days, if r.working_days { "个工作日" } else { "天" }, r.posted_in.label())).unwrap_or_default();
    let township = format!("{}000", &region[..9.min(region.len())]);
    let step_title = step.title.split('（').next().unwrap_or(&step.title).to_string();
    let default_title = format!("{region_label} {} 年{}{}", today().format("%Y"), procedure_short(&procedure), if announcement { "公告".to_string() } else { step_title.clone() });
    let cases = waiting
        .iter()
        .map(|c| CaseChoice { id: c.id, title: c.title.clone(), group: c.group_name.clone().unwrap_or_default(), item: c.item.clone().unwrap_or_default(), checked: filled.checked.as_ref().is_none_or(|v| v.contains(&c.id)) })
        .collect();
    let or = |v: String, d: String| if v.trim().is_empty() { d } else { v };
    Ok(NewPage {
        nav: Nav::new(p, &state.names(), "notices"),
        error,
        announcement,
        procedure_label: crate::handlers::workflow::procedure_title(&procedure),
        procedure,
        step_key,
        step_title: step.title.clone(),
        region_label,
        rule,
        cases,
        title: or(filled.title, default_title),
        place: or(filled.place, if announcement { "村委会公示栏".into() } else if step.notice.is_some_and(|r| r.posted_in == Level::Township) { "乡镇政府公示栏及各村公示栏".into() } else { "村委会公示栏".into() }),
        starts_on: or(filled.starts_on, today().to_string()),
        contact: or(filled.contact, format!("{}人民政府（扶贫办）", region_name(state, &township))),
        region_code: region,
    })
}

pub async fn new_form(State(state): State<AppState>, p: Principal, Query(q): Query<NewQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    if q.case.is_none() && (q.procedure.trim().is_empty() || q.step.trim().is_empty()) {
        // the list shows the cases waiting for a notice, with their links
        return Ok(Redirect::to("/notices").into_response());
    }
    Ok(render(&new_page(&state, &p, q, String::new(), Filled::default()).await?))
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default()
}

pub async fn create(State(state): State<AppState>, p: Principal, Form(fields): Form<Vec<(String, String)>>) -> AppResult<Response> {
    csrf::check(&p, field(&fields, "_csrf"))?;
    let ids: Vec<i64> = fields.iter().filter(|(k, _)| k == "case").filter_map(|(_, v)| v.parse().ok()).collect();
    let q = NewQuery { case: None, procedure: field(&fields, "procedure").into(), step: field(&fields, "step_key").into(), region: field(&fields, "region_code").into() };
    let filled = || Filled { checked: Some(ids.clone()), title: field(&fields, "title").into(), place: field(&fields, "place").into(), starts_on: field(&fields, "starts_on").into(), contact: field(&fields, "contact").into() };
    let back = |state: AppState, p: Principal, q: NewQuery, m: String, f: Filled| async move { Ok::<Response, AppError>(with_status(StatusCode::UNPROCESSABLE_ENTITY, &new_page(&state, &p, q, m, f).await?)) };
    if ids.is_empty() {
        return back(state, p, q, "请至少勾选一户（一个案件）".into(), filled()).await;
    }
    let Ok(starts_on) = chrono::NaiveDate::parse_from_str(field(&fields, "starts_on").trim(), "%Y-%m-%d") else {
        return back(state, p, q, "请填写开始日期，如 2026-11-23".into(), filled()).await;
    };
    let n = NewNotice {
        procedure: q.procedure.clone(),
        step_key: q.step.clone(),
        region_code: q.region.clone(),
        case_ids: ids.clone(),
        title: field(&fields, "title").into(),
        posted_at_place: field(&fields, "place").into(),
        starts_on,
        contact: field(&fields, "contact").into(),
    };
    let announce = field(&fields, "announcement") == "1";
    let (actor, who) = (p.actor(), p.decider());
    let r = state
        .db
        .run(move |c, keys| {
            match notices::post_or_announce(c, &actor, keys, &who, &n, announce, today()) {
                Ok(id) => Ok(Ok(id)),
                Err(StoreError::Invalid(m)) => Ok(Err(m)),
                Err(e) => Err(store_error(e)),
            }
        })
        .await?;
    match r {
        Ok(id) => Ok(Redirect::to(&format!("/notices/{id}?done={}", if announce { "announced" } else { "posted" })).into_response()),
        Err(m) => back(state, p, q, m, filled()).await,
    }
}

pub struct PhotoView {
    pub id: i64,
    pub name: String,
    pub image: bool,
    pub at: String,
}

pub struct ObjectionView {
    pub o: Objection,
    pub status: &'static str,
    pub item: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "notice_show.html")]
pub struct ShowPage {
    nav: Nav,
    error: String,
    done: String,
    id: i64,
    title: String,
    kind: &'static str,
    announcement: bool,
    posted: bool,
    status: &'static str,
    place: String,
    posted_at: String,
    period: String,
    left: String,
    contact: String,
    procedure: String,
    step: String,
    items: Vec<ItemView>,
    photos: Vec<PhotoView>,
    objections: Vec<ObjectionView>,
    refusals: Vec<String>,
    may_close: bool,
    can_resolve: bool,
    can_lodge: bool,
    can_reveal: bool,
    revealed: bool,
    public_url: String,
    qr: String,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    done: String,
    r#ref: String,
}

pub async fn show_page(state: &AppState, p: &Principal, headers: &HeaderMap, id: i64, reveal: bool, error: String, done: String) -> AppResult<ShowPage> {
    let (scope, actor, who) = (p.scope(), p.actor(), p.decider());
    let today = today();
    let (n, items, photos, objs, refusals, may, left, def) = state
        .db
        .run(move |c, keys| {
            let n = notices::get(c, &scope, id).map_err(store_error)?.ok_or(AppError::NotFound)?;
            let items = notices::items(c, id).map_err(store_error)?;
            let photos = attachments::list(c, &scope, Owner::Notice(id)).map_err(store_error)?;
            let objs = objections::of_notice(c, &actor, keys, &scope, id, reveal).map_err(store_error)?;
            let refusals = if n.is_posted() { notices::close_refusals(c, &n, today).map_err(store_error)? } else { Vec::new() };
            let may = notices::may_act_on(c, &who, &n, today).map_err(store_error)?;
            let left = calendar::for_region(c, &n.region_code).map_err(store_error)?.days_left(today, n.ends_on, n.working_days);
            let def = definitions::current(c, &n.procedure, &n.region_code).map_err(store_error)?;
            Ok((n, items, photos, objs, refusals, may, left, def))
        })
        .await?;
    let url = public_url(headers, &n.public_code);
    let item_label = |cid: Option<i64>, text: &Option<String>| -> String {
        cid.and_then(|c| items.iter().find(|i| i.case_id == c)).map(|i| format!("{}（{}）", i.display_name, i.group_name.clone().unwrap_or_default())).or_else(|| text.clone()).unwrap_or_else(|| "未指明".into())
    };
    let objections = objs.into_iter().map(|o| ObjectionView { status: o.status_label(), item: item_label(o.case_id, &o.item_text), at: super::local_time(&o.lodged_at), o }).collect();
    let mut refusals = refusals;
    if let Err(why) = &may
        && n.is_posted()
    {
        refusals.insert(0, why.clone());
    }
    Ok(ShowPage {
        nav: Nav::new(p, &state.names(), "notices"),
        error,
        done,
        id,
        title: n.title.clone(),
        kind: n.kind_label(),
        announcement: n.is_announcement(),
        posted: n.is_posted(),
        status: n.status_label(),
        place: region_name(state, &n.region_code),
        posted_at: n.posted_at_place.clone().unwrap_or_default(),
        period: if n.is_announcement() { cn_date(n.starts_on) } else { period(&n) },
        left: if n.is_posted() { days_left_label(left, n.working_days) } else { String::new() },
        contact: n.contact.clone().unwrap_or_default(),
        procedure: def.def.title.clone(),
        step: def.def.steps.iter().find(|s| s.key == n.step_key).map(|s| s.title.clone()).unwrap_or_else(|| n.step_key.clone()),
        items: item_views(&items),
        photos: photos.iter().map(|a| PhotoView { id: a.id, name: a.file_name.clone(), image: a.mime.starts_with("image/"), at: super::local_time(&a.uploaded_at) }).collect(),
        objections,
        may_close: n.is_posted() && refusals.is_empty(),
        refusals,
        can_resolve: can_resolve(p),
        can_lodge: n.is_posted() && p.can(Capability::EditRegistry),
        can_reveal: p.can(Capability::RevealProtected),
        revealed: reveal,
        qr: crate::qr::svg(&url, 160),
        public_url: url,
    })
}

pub async fn show(State(state): State<AppState>, p: Principal, headers: HeaderMap, Path(id): Path<i64>, Query(q): Query<ShowQuery>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let done = match q.done.as_str() {
        "posted" => "公示已张贴登记：请打印公示、张贴后上传张贴照片。".to_string(),
        "announced" => "公告已发布，相关案件已办结。".to_string(),
        "closed" => "公示已结束，无异议的案件已进入下一环节。".to_string(),
        "uploaded" => "张贴照片已上传。".to_string(),
        "resolved" => "异议已处理。".to_string(),
        "lodged" => format!("异议已登记，编号 {}。", q.r#ref),
        _ => String::new(),
    };
    Ok(render(&show_page(&state, &p, &headers, id, false, String::new(), done).await?))
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    #[serde(rename = "_csrf")]
    csrf: String,
}

pub async fn reveal(State(state): State<AppState>, p: Principal, headers: HeaderMap, Path(id): Path<i64>, Form(f): Form<CsrfForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    p.require(Capability::RevealProtected)?;
    Ok(render(&show_page(&state, &p, &headers, id, true, String::new(), String::new()).await?))
}

pub async fn close(State(state): State<AppState>, p: Principal, headers: HeaderMap, Path(id): Path<i64>, Form(f): Form<CsrfForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    let (actor, who) = (p.actor(), p.decider());
    let r = state
        .db
        .run(move |c, keys| match notices::close_notice(c, &actor, keys, &who, id, today()) {
            Ok(()) => Ok(Ok(())),
            Err(StoreError::Invalid(m)) => Ok(Err(m)),
            Err(e) => Err(store_error(e)),
        })
        .await?;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/notices/{id}?done=closed")).into_response()),
        Err(m) => Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &show_page(&state, &p, &headers, id, false, m, String::new()).await?)),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct LodgeForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    name: String,
    phone: String,
    case_id: String,
    item_text: String,
    reason: String,
}

/// An official records an objection received in person or by phone (no per-client limit).
pub async fn lodge(State(state): State<AppState>, p: Principal, headers: HeaderMap, Path(id): Path<i64>, Form(f): Form<LodgeForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    p.require(Capability::EditRegistry)?;
    let (scope, actor) = (p.scope(), p.actor());
    let input = ObjectionInput { name: f.name, phone: f.phone, item_text: f.item_text, case_id: f.case_id.parse().ok(), reason: f.reason };
    let r = state
        .db
        .run(move |c, keys| {
            let n = notices::get(c, &scope, id).map_err(store_error)?.ok_or(AppError::NotFound)?;
            objections::lodge_objection(c, &actor, keys, &n.public_code, &input, "", "official", chrono::Utc::now()).map_err(store_error)
        })
        .await?;
    match r {
        Ok(reference) => Ok(Redirect::to(&format!("/notices/{id}?done=lodged&ref={reference}")).into_response()),
        Err(e) => {
            let status = if matches!(e, NotLodged::Limited(_)) { StatusCode::TOO_MANY_REQUESTS } else { StatusCode::UNPROCESSABLE_ENTITY };
            Ok(with_status(status, &show_page(&state, &p, &headers, id, false, e.message().to_string(), String::new()).await?))
        }
    }
}

/// The evidence photo of the posted notice (公示张贴照片).
pub async fn upload(State(state): State<AppState>, p: Principal, headers: HeaderMap, Path(id): Path<i64>, mut mp: Multipart) -> AppResult<Response> {
    p.require(Capability::EditRegistry)?;
    let too_large = || AppError::TooLarge("照片太大：不能超过 10 MB，请压缩后再上传".into());
    let (mut token, mut name, mut bytes) = (String::new(), String::new(), Vec::new());
    while let Some(field) = mp.next_field().await.map_err(|_| too_large())? {
        match field.name().unwrap_or_default() {
            "file" => {
                name = field.file_name().unwrap_or_default().to_string();
                bytes = field.bytes().await.map_err(|_| too_large())?.to_vec();
            }
            "_csrf" => token = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    csrf::check(&p, &token)?;
    if bytes.is_empty() {
        return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &show_page(&state, &p, &headers, id, false, "请选择公示张贴照片".into(), String::new()).await?));
    }
    let (scope, actor) = (p.scope(), p.actor());
    let r = state
        .db
        .run(move |c, _| {
            let n = notices::get(c, &scope, id).map_err(store_error)?.ok_or(AppError::NotFound)?;
            c.begin()?;
            match attachments::add(c, &actor, Owner::Notice(id), &n.region_code, "公示张贴照片", &name, &bytes) {
                Ok(_) => {
                    c.commit()?;
                    Ok(Ok(()))
                }
                Err(StoreError::Invalid(m)) => {
                    c.rollback()?;
                    Ok(Err(m))
                }
                Err(e) => {
                    let _ = c.rollback();
                    Err(store_error(e))
                }
            }
        })
        .await?;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/notices/{id}?done=uploaded")).into_response()),
        Err(m) => Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &show_page(&state, &p, &headers, id, false, m, String::new()).await?)),
    }
}

pub async fn photo(State(state): State<AppState>, p: Principal, Path((id, aid)): Path<(i64, i64)>) -> AppResult<Response> {
    p.require(Capability::ViewRegistry)?;
    let scope = p.scope();
    let (name, mime, bytes) = state.db.run(move |c, _| attachments::get(c, &scope, Owner::Notice(id), aid).map_err(store_error)).await?.ok_or(AppError::NotFound)?;
    let disposition = if mime.starts_with("image/") { "inline".to_string() } else { format!("attachment; filename*=UTF-8''{}", crate::views::urlencode(&name)) };
    Ok(([(header::CONTENT_TYPE, mime), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}
