//! `GET /api/v1/me`: who the caller is, the role in force, its region scope and what it may do.

use super::extract::ApiUser;
use super::openapi::ErrorBody;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use bangfu_domain::Capability;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct MeUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeRole {
    /// Stable code, e.g. `village_cadre`.
    pub code: String,
    /// Chinese name, e.g. 村干部.
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeScope {
    /// The region code of the grant ("" = the whole installation).
    pub region_code: String,
    /// Its name ("全部区划" for the whole installation).
    pub name: String,
}

/// The caller.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user: MeUser,
    pub role: MeRole,
    pub scope: MeScope,
    /// view_registry, edit_registry, import, export, reveal_protected, view_audit, manage_users, run_checks, manage_rules, compare, manage_pairing.
    pub capabilities: Vec<String>,
    /// Whether the request was authenticated by an API token (else a session cookie).
    pub via_api_token: bool,
}

pub fn capability_code(c: Capability) -> &'static str {
    match c {
        Capability::ViewRegistry => "view_registry",
        Capability::EditRegistry => "edit_registry",
        Capability::Import => "import",
        Capability::Export => "export",
        Capability::RevealProtected => "reveal_protected",
        Capability::ViewAudit => "view_audit",
        Capability::ManageUsers => "manage_users",
        Capability::RunChecks => "run_checks",
        Capability::ManageRules => "manage_rules",
        Capability::Compare => "compare",
        Capability::ManagePairing => "manage_pairing",
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "account",
    responses(
        (status = 200, description = "The caller, the active role and its scope", body = Me),
        (status = 401, description = "Not logged in", body = ErrorBody),
    ),
    security(("cookie" = []), ("bearer" = []))
)]
pub async fn me(State(state): State<AppState>, ApiUser(p): ApiUser) -> Json<Me> {
    let names = state.names();
    Json(Me {
        user: MeUser { id: p.user.id, username: p.user.username.clone(), display_name: p.user.display_name.clone() },
        role: MeRole { code: p.role().code().into(), label: p.role().label().into() },
        scope: MeScope { region_code: p.grant.region_code.clone(), name: names.scope_label(&p.grant.region_code) },
        capabilities: p.role().capabilities().iter().map(|c| capability_code(*c).to_string()).collect(),
        via_api_token: p.via_api_token,
    })
}
