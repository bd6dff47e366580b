//! Extractors of the JSON API: the caller (401 as JSON, never a redirect), the query string, path
//! ids and bodies, each refusing with the API's error JSON instead of axum's plain text.

use crate::auth::Principal;
use crate::error::{ApiError, AppError};
use crate::state::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// The caller of an API request (session cookie or bearer token).
pub struct ApiUser(pub Principal);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let p: Result<Principal, AppError> = Principal::from_request_parts(parts, state).await;
        p.map(ApiUser).map_err(ApiError::from)
    }
}

/// A query string; a malformed one is a 400 in the API's format.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e| AppError::BadRequest(format!("查询参数有误：{}", e.body_text())).into())
    }
}

/// A household id in the path; anything but a number is "not found".
pub struct ApiId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for ApiId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<i64>::from_request_parts(parts, state).await.map(|p| ApiId(p.0)).map_err(|_| AppError::NotFound.into())
    }
}

/// A JSON body; a malformed one is a 400 (or 415 without the JSON content type) in the API's format.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state).await.map(|j| ApiJson(j.0)).map_err(|e| {
            let msg = format!("请求内容不是有效的 JSON 或缺少字段：{}", e.body_text());
            AppError::BadRequest(msg).into()
        })
    }
}

/// Paging of a list endpoint: `offset` from 0, `limit` 1–200 (default 50).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// From 0.
    pub offset: i64,
    /// 1–200 (default 50).
    pub limit: i64,
}

impl PageParams {
    /// The offset (never negative) and the limit (default 50, at most 200).
    pub fn window(&self) -> (i64, i64) {
        (self.offset.max(0), if self.limit <= 0 { 50 } else { self.limit.min(200) })
    }
}
