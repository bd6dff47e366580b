//! The visit entry page (走访登记) for phones: `/visits/new?household=ID`. A plain multipart form
//! (works without JavaScript; photos go with it) whose `client_uuid` is made by the server, so even
//! a form sent twice by hand is stored once. `assets/visit.js` keeps the form in the browser while
//! it is typed, queues it when offline and posts it to `/api/v1/activities` when the network returns.

use super::{Recorder, new_uuid, parse_date, parse_degrees, parse_ids, parse_yuan};
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::edit::with_status;
use crate::handlers::quality::store_error;
use crate::handlers::render;
use crate::state::AppState;
use crate::views::Nav;
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::fields::HouseholdField as HF;
use bangfu_domain::pairing::ActivityKind;
use bangfu_domain::{Capability, RegionScope};
use bangfu_store::StoreError;
use bangfu_store::activity::{self, CHECKS, NewActivity};
use bangfu_store::registry::read;

/// The fields of the visit form, as sent (re-shown after an error).
#[derive(Debug, Clone, Default)]
pub struct VisitFields {
    pub csrf: String,
    pub client_uuid: String,
    pub household_id: String,
    pub occurred_on: String,
    pub start_time: String,
    pub end_time: String,
    pub helpers: Vec<String>,
    pub other_helpers: String,
    pub checked: Vec<String>,
    pub problems: String,
    pub help_given: String,
    pub money: String,
    pub goods: String,
    pub latitude: String,
    pub longitude: String,
}

impl VisitFields {
    /// The activity these fields describe (format errors name the field).
    pub fn to_activity(&self) -> AppResult<NewActivity> {
        let household_id: i64 = self.household_id.trim().parse().map_err(|_| AppError::NotFound)?;
        let on = parse_date("走访日期", &self.occurred_on)?.ok_or_else(|| AppError::BadRequest("请填写走访日期（走访日期）".into()))?;
        let mut a = NewActivity::new(ActivityKind::Visit, on);
        a.household_id = Some(household_id);
        let mut ids = parse_ids("帮扶人", &self.helpers)?;
        ids.extend(parse_ids("其他帮扶人编号", std::slice::from_ref(&self.other_helpers))?);
        ids.sort_unstable();
        ids.dedup();
        a.helper_ids = ids;
        a.start_time = Some(self.start_time.clone());
        a.end_time = Some(self.end_time.clone());
        a.checked = self.checked.iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect();
        a.problems = Some(self.problems.clone());
        a.help_given = Some(self.help_given.clone());
        a.money = parse_yuan("帮扶金额", &self.money)?;
        a.goods = Some(self.goods.clone());
        a.latitude_e6 = parse_degrees(&self.latitude);
        a.longitude_e6 = parse_degrees(&self.longitude);
        a.client_uuid = Some(self.client_uuid.clone());
        Ok(a)
    }

    fn set(&mut self, name: &str, value: String) {
        match name {
            "_csrf" => self.csrf = value,
            "client_uuid" => self.client_uuid = value,
            "household_id" => self.household_id = value,
            "occurred_on" => self.occurred_on = value,
            "start_time" => self.start_time = value,
            "end_time" => self.end_time = value,
            "helper" => self.helpers.push(value),
            "other_helpers" => self.other_helpers = value,
            "checked" => self.checked.push(value),
            "problems" => self.problems = value,
            "help_given" => self.help_given = value,
            "money" => self.money = value,
            "goods" => self.goods = value,
            "latitude" => self.latitude = value,
            "longitude" => self.longitude = value,
            _ => {}
        }
    }
}

pub struct HelperChoice {
    pub id: i64,
    pub name: String,
    pub paired: bool,
    pub checked: bool,
}

pub struct CheckChoice {
    pub code: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "visit_form.html")]
struct VisitPage {
    nav: Nav,
    household_id: i64,
    household_name: String,
    household_no: String,
    village: String,
    helpers: Vec<HelperChoice>,
    checks: Vec<CheckChoice>,
    f: VisitFields,
    today: String,
    error: String,
    /// A helper records for themselves only (no helper choice).
    own_helper: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct NewQuery {
    pub household: String,
}

/// The household's name and place, and the helpers to choose from (in scope, else 404).
struct Loaded {
    name: String,
    no: String,
    region: String,
    helpers: Vec<(i64, String, bool)>,
    recorder: Recorder,
    own_name: Option<String>,
}

async fn load(state: &AppState, p: &Principal, household_id: i64) -> AppResult<Loaded> {
    p.require(Capability::ViewRegistry)?;
    let scope: RegionScope = p.scope();
    let pp = p.clone();
    state
        .db
        .run(move |c, keys| {
            let recorder = Recorder::of(c, &pp)?;
            let Some(h) = read::get(c, keys, &scope, household_id)? else { return Err(AppError::NotFound) };
            if !recorder.may_visit(c, household_id) {
                return Err(AppError::Forbidden("您未与该户结对，不能登记该户的走访；如确有入户，请请村干部代为登记".into()));
            }
            let helpers = activity::helpers_for_household(c, household_id)?;
            let own_name = match recorder.helper_id {
                Some(id) => c.query_opt("SELECT name FROM helper WHERE id = ?", &[bangfu_store::P::Int(id)])?.map(|r| r[0].string()),
                None => None,
            };
            Ok(Loaded {
                name: h.doc.head().map(|m| m.name().to_string()).unwrap_or_default(),
                no: h.doc.get(HF::HouseholdNo).as_text().unwrap_or_default().to_string(),
                region: h.doc.get(HF::RegionCode).as_text().unwrap_or_default().to_string(),
                helpers,
                recorder,
                own_name,
            })
        })
        .await
}

fn page(state: &AppState, p: &Principal, household_id: i64, l: Loaded, f: VisitFields, error: String) -> VisitPage {
    let names = state.names();
    let mut helpers: Vec<HelperChoice> = l
        .helpers
        .iter()
        .map(|(id, name, paired)| HelperChoice { id: *id, name: name.clone(), paired: *paired, checked: f.helpers.iter().any(|h| h.trim() == id.to_string()) })
        .collect();
    let own_helper = !l.recorder.edit;
    if let Some(me) = l.recorder.helper_id {
        if let Some(h) = helpers.iter_mut().find(|h| h.id == me) {
            h.checked = h.checked || f.helpers.is_empty();
        } else {
            helpers.insert(0, HelperChoice { id: me, name: l.own_name.clone().unwrap_or_else(|| "我".into()), paired: false, checked: true });
        }
    } else if f.helpers.is_empty() && helpers.iter().filter(|h| h.paired).count() == 1 {
        // one helper in charge: theirs is the usual visit
        if let Some(h) = helpers.iter_mut().find(|h| h.paired) {
            h.checked = true;
        }
    }
    VisitPage {
        nav: Nav::new(p, &names, "activities"),
        household_id,
        household_name: format!("{}户", l.name),
        household_no: l.no,
        village: names.path(&l.region),
        helpers,
        checks: CHECKS.iter().map(|(code, label)| CheckChoice { code, label, checked: f.checked.iter().any(|c| c == code) }).collect(),
        today: activity::today_china().to_string(),
        f,
        error,
        own_helper,
    }
}

/// GET /visits/new?household=ID
pub async fn form(State(state): State<AppState>, p: Principal, Query(q): Query<NewQuery>) -> AppResult<Response> {
    let id: i64 = q.household.trim().parse().map_err(|_| AppError::NotFound)?;
    let l = load(&state, &p, id).await?;
    let f = VisitFields {
        client_uuid: new_uuid(),
        household_id: id.to_string(),
        occurred_on: activity::today_china().to_string(),
        checked: vec!["guarantees".into(), "income".into(), "needs".into()],
        ..Default::default()
    };
    Ok(render(&page(&state, &p, id, l, f, String::new())))
}

/// Reads the multipart form: its fields and photos.
pub async fn read_form(mut mp: Multipart) -> AppResult<(VisitFields, Vec<Vec<u8>>)> {
    let mut f = VisitFields::default();
    let mut photos = Vec::new();
    let too_large = || AppError::TooLarge("上传内容太大：每张照片不能超过 5 MB，一次最多约 30 MB".into());
    while let Some(field) = mp.next_field().await.map_err(|_| too_large())? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "photo" {
            let has_file = field.file_name().is_some_and(|n| !n.is_empty());
            let bytes = field.bytes().await.map_err(|_| too_large())?;
            if has_file && !bytes.is_empty() {
                photos.push(bytes.to_vec());
            }
        } else {
            let text = field.text().await.map_err(|_| AppError::BadRequest("表单内容无法读取".into()))?;
            f.set(&name, text);
        }
    }
    Ok((f, photos))
}

/// POST /visits (multipart): records the visit and its photos; back to the form with the message on
/// a mistake (what was typed is kept).
pub async fn submit(State(state): State<AppState>, p: Principal, mp: Multipart) -> AppResult<Response> {
    let (f, photos) = read_form(mp).await?;
    csrf::check(&p, &f.csrf)?;
    let household_id: i64 = f.household_id.trim().parse().map_err(|_| AppError::NotFound)?;
    for ph in &photos {
        if let Err(StoreError::Invalid(m)) = activity::check_photo(ph) {
            let l = load(&state, &p, household_id).await?;
            return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &p, household_id, l, f, m)));
        }
    }
    let mut a = match f.to_activity() {
        Ok(a) => a,
        Err(AppError::BadRequest(m)) => {
            let l = load(&state, &p, household_id).await?;
            return Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &p, household_id, l, f, m)));
        }
        Err(e) => return Err(e),
    };
    p.require(Capability::ViewRegistry)?;
    let (scope, actor, pp) = (p.scope(), p.actor(), p.clone());
    let outcome = state
        .db
        .run(move |c, _| {
            let rec = Recorder::of(c, &pp)?;
            rec.authorize(c, &mut a)?;
            let r = match activity::record(c, &actor, &scope, &a) {
                Ok(r) => r,
                Err(e) => return Ok(Err(e)),
            };
            if !r.duplicate {
                for ph in &photos {
                    activity::add_photo(c, &actor, &scope, r.id, ph)?;
                }
            }
            Ok(Ok(r))
        })
        .await?;
    match outcome {
        Ok(r) => Ok(Redirect::to(&format!("/activities/{}?saved=1", r.id)).into_response()),
        Err(StoreError::Invalid(m)) => {
            let l = load(&state, &p, household_id).await?;
            Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &p, household_id, l, f, m)))
        }
        Err(e) => Err(store_error(e)),
    }
}
