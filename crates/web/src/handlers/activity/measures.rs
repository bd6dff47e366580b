//! The measures forms of the household file: add a measure, end one (帮扶措施). `EditRegistry`.

use super::{parse_date, parse_yuan};
use crate::auth::{Principal, csrf};
use crate::error::{AppError, AppResult};
use crate::handlers::quality::store_error;
use crate::state::AppState;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use bangfu_domain::Capability;
use bangfu_store::activity::measures::{self, NewMeasure};

#[derive(serde::Deserialize, Default, Debug)]
#[serde(default)]
pub struct MeasureForm {
    #[serde(rename = "_csrf")]
    pub csrf: String,
    pub kind: String,
    pub member_id: String,
    pub started_on: String,
    pub ended_on: String,
    pub description: String,
    pub amount: String,
}

impl MeasureForm {
    pub fn to_measure(&self, household_id: i64) -> AppResult<NewMeasure> {
        let kind = super::measure_kind(&self.kind).ok_or_else(|| AppError::BadRequest("请选择措施类别（措施类别）".into()))?;
        let started_on = parse_date("开始日期", &self.started_on)?.ok_or_else(|| AppError::BadRequest("请填写开始日期（开始日期）".into()))?;
        let member_id = match self.member_id.trim() {
            "" => None,
            t => Some(t.parse().map_err(|_| AppError::BadRequest("所选成员无效（成员）".into()))?),
        };
        Ok(NewMeasure {
            household_id,
            member_id,
            kind,
            started_on,
            ended_on: parse_date("结束日期", &self.ended_on)?,
            description: Some(self.description.clone()),
            amount: parse_yuan("金额", &self.amount)?,
            pairing_id: None,
        })
    }
}

/// POST /households/{id}/measures
pub async fn add(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Form(f): Form<MeasureForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    p.require(Capability::EditRegistry)?;
    let m = f.to_measure(id)?;
    let (scope, actor) = (p.scope(), p.actor());
    state.db.run(move |c, _| measures::add_measure(c, &actor, &scope, &m).map_err(store_error)).await?;
    Ok(Redirect::to(&format!("/households/{id}#measures")).into_response())
}

#[derive(serde::Deserialize, Default, Debug)]
#[serde(default)]
pub struct EndForm {
    #[serde(rename = "_csrf")]
    pub csrf: String,
    pub ended_on: String,
}

/// POST /measures/{id}/end
pub async fn end(State(state): State<AppState>, p: Principal, Path(id): Path<i64>, Form(f): Form<EndForm>) -> AppResult<Response> {
    csrf::check(&p, &f.csrf)?;
    p.require(Capability::EditRegistry)?;
    let on = parse_date("结束日期", &f.ended_on)?.unwrap_or_else(bangfu_store::activity::today_china);
    let (scope, actor) = (p.scope(), p.actor());
    let household = state
        .db
        .run(move |c, _| {
            let m = measures::measure(c, &scope, id)?.ok_or(AppError::NotFound)?;
            measures::end_measure(c, &actor, &scope, id, on).map_err(store_error)?;
            Ok(m.household_id)
        })
        .await?;
    Ok(Redirect::to(&format!("/households/{household}#measures")).into_response())
}
