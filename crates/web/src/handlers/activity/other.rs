//! One form for every activity kind besides household visits (驻村签到, 工作日志, 支教/挂职, 培训,
//! 会议, 捐赠, 消费扶贫, 分红, and visits to a village): the fields of the chosen kind are shown,
//! kind-specific ones go to `details`.

use super::{Recorder, kind_options, new_uuid, parse_date, parse_ids, parse_yuan};
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::edit::with_status;
use crate::handlers::quality::store_error;
use crate::handlers::render;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::pairing::ActivityKind;
use bangfu_domain::{Capability, RegionLevel};
use bangfu_store::StoreError;
use bangfu_store::activity::{self, NewActivity, STINT_KINDS, TRAINING_LEVELS};
use serde_json::Value;

/// The generic form as sent.
#[derive(serde::Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct ActivityForm {
    #[serde(rename = "_csrf")]
    pub csrf: String,
    pub client_uuid: String,
    pub kind: String,
    pub village: String,
    pub occurred_on: String,
    pub ended_on: String,
    pub start_time: String,
    pub end_time: String,
    pub helpers: String,
    pub title: String,
    pub problems: String,
    pub help_given: String,
    pub money: String,
    pub goods: String,
    pub level: String,
    pub trainer: String,
    pub sessions: String,
    pub participants: String,
    pub person_times: String,
    pub credits: String,
    pub stint_kind: String,
    pub post: String,
    pub donor: String,
    pub buyer: String,
    pub quantity: String,
    pub households: String,
}

const TEXT_DETAILS: &[&str] = &["level", "trainer", "stint_kind", "post", "donor", "buyer", "quantity"];
const INT_DETAILS: &[(&str, &str)] = &[("sessions", "期数"), ("participants", "人数"), ("person_times", "人次"), ("credits", "学时"), ("households", "受益户数")];

impl ActivityForm {
    fn detail(&self, key: &str) -> &str {
        match key {
            "level" => &self.level,
            "trainer" => &self.trainer,
            "sessions" => &self.sessions,
            "participants" => &self.participants,
            "person_times" => &self.person_times,
            "credits" => &self.credits,
            "stint_kind" => &self.stint_kind,
            "post" => &self.post,
            "donor" => &self.donor,
            "buyer" => &self.buyer,
            "quantity" => &self.quantity,
            "households" => &self.households,
            _ => "",
        }
    }

    pub fn to_activity(&self) -> AppResult<NewActivity> {
        let kind = ActivityKind::parse(&self.kind).ok_or_else(|| AppError::BadRequest("请选择活动类别（类别）".into()))?;
        let on = parse_date("日期", &self.occurred_on)?.ok_or_else(|| AppError::BadRequest("请填写日期（日期）".into()))?;
        let mut a = NewActivity::new(kind, on);
        a.village = Some(self.village.clone());
        a.ended_on = parse_date("结束日期", &self.ended_on)?;
        a.start_time = Some(self.start_time.clone());
        a.end_time = Some(self.end_time.clone());
        a.helper_ids = parse_ids("帮扶人编号", std::slice::from_ref(&self.helpers))?;
        a.title = Some(self.title.clone());
        a.problems = Some(self.problems.clone());
        a.help_given = Some(self.help_given.clone());
        a.money = parse_yuan("金额", &self.money)?;
        a.goods = Some(self.goods.clone());
        a.client_uuid = Some(self.client_uuid.clone());
        for key in TEXT_DETAILS {
            let v = self.detail(key).trim();
            if !v.is_empty() {
                a.details.insert((*key).into(), Value::String(v.into()));
            }
        }
        for (key, label) in INT_DETAILS {
            let v = self.detail(key).trim();
            if !v.is_empty() {
                let n: i64 = v.parse().map_err(|_| AppError::BadRequest(format!("{label}“{v}”应为整数（{label}）")))?;
                a.details.insert((*key).into(), Value::from(n));
            }
        }
        Ok(a)
    }
}

#[derive(Template)]
#[template(path = "activity_form.html")]
struct FormPage {
    nav: Nav,
    f: ActivityForm,
    kinds: Vec<(&'static str, &'static str, bool)>,
    villages: Vec<(String, String)>,
    levels: &'static [&'static str],
    stint_kinds: &'static [&'static str],
    today: String,
    error: String,
    /// The recorder is a helper: their own id is added.
    own_helper: Option<i64>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    pub kind: String,
    pub village: String,
}

async fn recorder(state: &AppState, p: &Principal) -> AppResult<Recorder> {
    p.require(Capability::ViewRegistry)?;
    let pp = p.clone();
    state.db.run(move |c, _| Recorder::of(c, &pp)).await
}

fn page(state: &AppState, p: &Principal, r: Recorder, f: ActivityForm, error: String) -> FormPage {
    let names = state.names();
    let kind = ActivityKind::parse(&f.kind);
    FormPage {
        nav: Nav::new(p, &names, "activities"),
        kinds: kind_options(kind).into_iter().filter(|(c, _, _)| *c != "visit").collect(),
        villages: names.children(&p.scope(), RegionLevel::Village),
        levels: TRAINING_LEVELS,
        stint_kinds: STINT_KINDS,
        today: activity::today_china().to_string(),
        error,
        own_helper: if r.edit { None } else { r.helper_id },
        f,
    }
}

/// GET /activities/new?kind=training&village=CODE
pub async fn form(State(state): State<AppState>, p: Principal, Query(q): Query<NewQuery>) -> AppResult<Response> {
    let r = recorder(&state, &p).await?;
    let kind = ActivityKind::parse(&q.kind).filter(|k| *k != ActivityKind::Visit).unwrap_or(ActivityKind::SignIn);
    let f = ActivityForm { client_uuid: new_uuid(), kind: kind.code().into(), village: q.village, occurred_on: activity::today_china().to_string(), ..Default::default() };
    Ok(render(&page(&state, &p, r, f, String::new())))
}

/// POST /activities
pub async fn submit(State(state): State<AppState>, p: Principal, Form(f): Form<ActivityForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    let r = recorder(&state, &p).await?;
    let mut a = match f.to_activity() {
        Ok(a) => a,
        Err(AppError::BadRequest(m)) => return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &p, r, f, m))),
        Err(e) => return Err(e),
    };
    let (scope, actor) = (p.scope(), p.actor());
    let outcome = state
        .db
        .run(move |c, _| {
            r.authorize(c, &mut a)?;
            Ok(activity::record(c, &actor, &scope, &a))
        })
        .await?;
    match outcome {
        Ok(done) => Ok(Redirect::to(&format!("/activities/{}?saved=1", done.id)).into_response()),
        Err(StoreError::Invalid(m)) => Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &p, r, f, m))),
        Err(e) => Err(store_error(e)),
    }
}
