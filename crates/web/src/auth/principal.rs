//! The logged-in user with the active role and scope; handlers ask it for capabilities.

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use bangfu_domain::{Capability, RegionCode, RegionScope, Role};
use bangfu_store::audit::Actor;
use bangfu_store::users::{self, Grant, User};

/// The caller of a page or API request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub grants: Vec<Grant>,
    /// The role in force for this request.
    pub grant: Grant,
    pub csrf_token: String,
    /// Cookie token (None for API tokens).
    pub session_token: Option<String>,
    pub via_api_token: bool,
    pub ip: Option<String>,
}

/// Proof that a capability was checked; functions that change data take one.
#[derive(Debug, Clone, Copy)]
pub struct Allowed(pub Capability);

impl Principal {
    pub fn role(&self) -> Role {
        self.grant.role
    }

    /// The region scope of the active role ("" = the whole installation).
    pub fn scope(&self) -> RegionScope {
        scope_of(&self.grant.region_code)
    }

    pub fn can(&self, c: Capability) -> bool {
        self.grant.role.can(c)
    }

    pub fn require(&self, c: Capability) -> Result<Allowed, AppError> {
        if self.can(c) {
            Ok(Allowed(c))
        } else {
            Err(AppError::Forbidden(format!("您当前的角色“{}”不能进行此操作", self.grant.role.label())))
        }
    }

    /// The audit actor: web:<user> or api:<user>, with the client address.
    pub fn actor(&self) -> Actor {
        let source = if self.via_api_token { "api" } else { "web" };
        let mut a = Actor::new(format!("{source}:{}", self.user.username), source);
        a.ip = self.ip.clone();
        a
    }

    /// Who decides workflow steps: the user name, active role and scope.
    pub fn decider(&self) -> bangfu_domain::workflow::Decider {
        bangfu_domain::workflow::Decider { user: self.user.username.clone(), role: self.grant.role, scope: self.scope() }
    }

    pub fn lang(&self) -> crate::i18n::Lang {
        crate::i18n::Lang::parse(&self.user.locale)
    }
}

/// The scope of a grant's region code; an unparsable code sees nothing rather than everything.
pub fn scope_of(region_code: &str) -> RegionScope {
    if region_code.is_empty() {
        return RegionScope::all();
    }
    match RegionCode::parse(region_code) {
        Ok(c) => RegionScope::of(&c),
        Err(_) => RegionScope::of(&RegionCode::parse("999999999999").expect("valid code")),
    }
}

fn client_ip(parts: &Parts) -> Option<String> {
    parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip().to_string())
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(p.clone());
        }
        let ip = client_ip(parts);
        let bearer = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|s| s.trim().to_string());
        let principal = if let Some(token) = bearer {
            let found = state.db.run(move |c, _| Ok(users::api_token(c, &token)?)).await?;
            let (user, grant) = found.ok_or(AppError::Unauthorized)?;
            Principal { grants: vec![grant.clone()], user, grant, csrf_token: String::new(), session_token: None, via_api_token: true, ip }
        } else {
            let cookie = parts.headers.get(axum::http::header::COOKIE).and_then(|v| v.to_str().ok()).unwrap_or_default();
            let token = super::cookie_value(cookie, super::COOKIE).ok_or(AppError::Unauthorized)?.to_string();
            let t = token.clone();
            let info = state.db.run(move |c, _| Ok(users::session(c, &t)?)).await?.ok_or(AppError::Unauthorized)?;
            let grant = match info.active_grant.and_then(|id| info.grants.iter().find(|g| g.id == id)) {
                Some(g) => g.clone(),
                None => info.grants.first().cloned().ok_or_else(|| AppError::Forbidden("您还没有被授予任何角色，请联系系统管理员授权".into()))?,
            };
            Principal { user: info.user, grants: info.grants, grant, csrf_token: info.csrf_token, session_token: Some(token), via_api_token: false, ip }
        };
        let path = parts.uri.path();
        if principal.user.must_change_password && !principal.via_api_token && !path.starts_with("/account") && path != "/logout" {
            return Err(AppError::MustChangePassword);
        }
        parts.extensions.insert(principal.clone());
        Ok(principal)
    }
}
