//! The OpenAPI document of /api/v1, derived from the handlers and response types (utoipa), served
//! at `/api/v1/openapi.json` and compared with a snapshot in the tests.

use axum::Json;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// Every error: `{"error": {"code", "message", "fields"?}}`.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// unauthorized | forbidden | not_found | bad_request | conflict | too_large | too_many_requests | internal | invalid
    pub code: String,
    /// What went wrong and what to do, in Chinese.
    pub message: String,
    /// Per-field problems (field key → message), for 422; for 409 the current `version`.
    pub fields: Option<BTreeMap<String, serde_json::Value>>,
}

/// The two ways to authenticate: the browser's session cookie, or an API token from /account.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme("cookie", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(crate::auth::COOKIE, "Session cookie set at /login; requests that change data also need the X-CSRF-Token header"))));
        c.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("API token created on /account (no CSRF header needed)")).build()));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "bangfu API", version = "1", description = "帮扶户籍名册的 JSON 接口：按登录角色的管辖范围读取和修改户、成员与收入，运行数据质量检查（逻辑校验）并查看问题，导入部门名单比对（数据比对）并跟踪核实工单。"),
    paths(
        super::me::me,
        super::households::list,
        super::households::get,
        super::edit::create,
        super::edit::update,
        super::search::search,
        super::imports::status,
        super::quality::rules,
        super::quality::start,
        super::quality::job,
        super::quality::runs,
        super::quality::run,
        super::quality::findings,
        super::quality::check,
        super::compare::lists,
        super::compare::upload,
        super::compare::job,
        super::compare::list,
        super::compare::orders,
        super::compare::order,
        super::compare::update,
        super::compare::progress,
        super::activities::create,
        super::activities::list,
        super::activities::photos,
        super::activities::household_measures,
        super::activities::add_measure,
        super::pairing::list_helpers,
        super::pairing::create_helper,
        super::pairing::get_helper,
        super::pairing::hand_over,
        super::pairing::list_pairings,
        super::pairing::create_pairing,
        super::pairing::end_pairing,
        super::pairing::coverage,
        super::pairing::import,
        super::pairing::import_job,
        super::compliance::month,
        super::compliance::due,
        super::cases::list,
        super::cases::get,
        super::cases::decide,
        super::cases::bulk,
        super::cases::tasks,
        super::campaigns::create,
        super::campaigns::progress,
        super::notices::list,
        super::notices::get,
        super::notices::create,
        super::notices::close,
        super::notices::resolve,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Security),
    tags(
        (name = "account", description = "The caller"),
        (name = "registry", description = "Households, members and incomes in the caller's scope"),
        (name = "imports", description = "Imports started from the browser"),
        (name = "quality", description = "Data-quality rules (逻辑校验), runs over a region as background jobs, findings, and checking one household"),
        (name = "compare", description = "Comparison with department lists (数据比对): lists uploaded as background jobs, the work orders they produce for the villages, their verification and completion per township"),
        (name = "activities", description = "Field work (走访, sign-ins, work logs, stints, trainings, meetings, donations, purchases, dividends) with photos, recorded idempotently by client_uuid, and assistance measures (帮扶措施) per household"),
        (name = "compliance", description = "Compliance of field work (考核): the month's rates per township and village, helpers behind and the overdue lists for a scope, and a helper's due list"),
        (name = "workflow", description = "Workflows with public notice (流程): cases with their steps and timeline, decisions on one case (409 when someone else decided first), bulk decisions with per-case exceptions, and the caller's tasks"),
        (name = "pairing", description = "Pairing assistance (结对帮扶): helpers with their caseload and hand-over, pairings of every kind (one effective-dated model with a helper side and a beneficiary side), coverage gaps, and the 对口帮扶任务分配表 import as a background job"),
    )
)]
struct ApiDoc;

/// The document as utoipa builds it.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Object keys in sorted order, recursively (whatever map type serde_json was built with).
fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect::<Map<String, Value>>())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The document as stable, pretty JSON (for the snapshot test).
pub fn stable_json() -> String {
    let v = serde_json::to_value(document()).unwrap_or(Value::Null);
    let mut s = serde_json::to_string_pretty(&sorted(v)).unwrap_or_default();
    s.push('\n');
    s
}

pub async fn serve() -> Response {
    let v = serde_json::to_value(document()).unwrap_or(Value::Null);
    ([(header::CACHE_CONTROL, "no-cache")], Json(sorted(v))).into_response()
}
