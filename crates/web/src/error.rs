//! Errors of the web layer, shown as a Chinese page or as JSON for the API.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use bangfu_store::StoreError;

/// An error a handler returns; `IntoResponse` renders it as a small page.
#[derive(Debug)]
pub enum AppError {
    /// Not logged in (pages redirect to the login page).
    Unauthorized,
    /// The password was set by an administrator: it must be changed before anything else.
    MustChangePassword,
    /// Logged in but the role may not do this.
    Forbidden(String),
    /// Nothing there — or not in the user's scope (the two are indistinguishable on purpose).
    NotFound,
    BadRequest(String),
    /// Someone else saved the record first.
    Conflict(String),
    TooLarge(String),
    TooManyRequests(String),
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::MustChangePassword => StatusCode::FORBIDDEN,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The Chinese message shown to the user.
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthorized => "请先登录。".into(),
            AppError::MustChangePassword => "请先修改密码（初始密码或管理员重置的密码须修改后才能使用系统）。".into(),
            AppError::Forbidden(m) => format!("无权操作：{m}"),
            AppError::NotFound => "找不到该记录，或它不在您的管辖范围内。".into(),
            AppError::BadRequest(m) | AppError::Conflict(m) | AppError::TooLarge(m) | AppError::TooManyRequests(m) => m.clone(),
            AppError::Internal(_) => "系统内部错误，操作未完成，数据未被修改。请稍后重试；如果反复出现，请联系系统管理员（错误已记入日志）。".into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::MustChangePassword => "must_change_password",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound => "not_found",
            AppError::BadRequest(_) => "bad_request",
            AppError::Conflict(_) => "conflict",
            AppError::TooLarge(_) => "too_large",
            AppError::TooManyRequests(_) => "too_many_requests",
            AppError::Internal(_) => "internal",
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(m) => AppError::BadRequest(m),
            other => {
                tracing::error!(error = %other, "store error");
                AppError::Internal(other.to_string())
            }
        }
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        tracing::error!(error = %e, "blocking task failed");
        AppError::Internal(e.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Unauthorized = self {
            return axum::response::Redirect::to("/login").into_response();
        }
        if let AppError::MustChangePassword = self {
            return axum::response::Redirect::to("/account?must_change=1").into_response();
        }
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let msg = crate::views::escape(&self.message());
        let body = format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>出错了 · 帮扶</title><link rel=\"stylesheet\" href=\"/assets/app.css\"></head><body><main class=\"narrow\">\
             <h1>出错了</h1><p class=\"error-box\">{msg}</p><p><a href=\"javascript:history.back()\">返回上一页</a> · <a href=\"/\">首页</a></p></main></body></html>"
        );
        (self.status(), Html(body)).into_response()
    }
}

/// The same error as JSON, for the API: `{"error": {"code", "message", "fields"?}}`.
#[derive(Debug)]
pub struct ApiError(pub AppError, pub Option<serde_json::Value>);

pub type ApiResult<T> = Result<T, ApiError>;

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e, None)
    }
}
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError(e.into(), None)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self.0 {
            tracing::error!(%detail, "internal error");
        }
        let mut err = serde_json::json!({"code": self.0.code(), "message": self.0.message()});
        if let Some(f) = self.1 {
            err["fields"] = f;
        }
        (self.0.status(), axum::Json(serde_json::json!({ "error": err }))).into_response()
    }
}
