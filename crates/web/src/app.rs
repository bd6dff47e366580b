//! The router: every page and API route, with request ids, logs, limits, timeouts and security headers.

use crate::handlers::{account, assets, audit, dashboard, health, households, login};
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// Request ids: a per-process prefix and a counter (short, sortable, unique per run).
#[derive(Clone)]
struct Ids {
    prefix: u32,
    next: std::sync::Arc<AtomicU64>,
}

impl MakeRequestId for Ids {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{:08x}-{n}", self.prefix)).ok().map(RequestId::new)
    }
}

/// Refuses cross-site form posts: a POST whose Origin names another host is rejected.
async fn same_origin(req: Request, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        if let Some(origin) = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            let origin_host = origin.split("://").nth(1).unwrap_or(origin);
            if origin != "null" && origin_host != host {
                tracing::warn!(%origin, %host, "cross-site request refused");
                return crate::error::AppError::Forbidden("跨站提交被拒绝（请求来源与本系统地址不符）".into()).into_response();
            }
        }
    }
    next.run(req).await
}

/// Adds `Server-Timing: app;dur=<ms>`: the time spent in the server, for benchmarks and browsers' dev tools.
async fn server_timing(req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let mut r = next.run(req).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(v) = HeaderValue::from_str(&format!("app;dur={ms:.2}")) {
        r.headers_mut().insert(HeaderName::from_static("server-timing"), v);
    }
    r
}

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    let upload_limit = (state.config.max_upload_mib as usize) * 1024 * 1024;
    let pages = Router::new()
        .route("/", get(dashboard::show))
        .route("/login", get(login::show).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/account", get(account::show))
        .route("/account/password", post(account::change_password))
        .route("/account/role", post(account::switch_role))
        .route("/account/lang", post(account::set_lang))
        .route("/account/token", post(account::create_token))
        .route("/households", get(households::list::list))
        .route("/households/{id}", get(households::show::show))
        .route("/households/{id}/reveal", post(households::show::reveal))
        .route("/audit", get(audit::show))
        .route("/audit/verify", post(audit::verify))
        .route("/health", get(health::health))
        .route("/assets/{name}", get(assets::asset));
    let uploads = Router::new().layer(DefaultBodyLimit::max(upload_limit));
    let ids = Ids { prefix: rand::random::<u32>(), next: Default::default() };
    let x_request_id = HeaderName::from_static("x-request-id");
    pages
        .merge(uploads)
        .merge(crate::api::router())
        .merge(crate::handlers::edit::router())
        .merge(crate::handlers::transfer::router())
        .merge(crate::handlers::quality::router())
        .merge(crate::handlers::compare::router())
        .merge(crate::handlers::pairing::router())
        .merge(crate::handlers::activity::router())
        .merge(crate::handlers::compliance::router())
        .merge(crate::handlers::deliberation::router())
        .merge(crate::handlers::apply::router())
        .merge(crate::handlers::campaigns::router())
        .merge(crate::handlers::workflow::router())
        .merge(crate::handlers::notices::router())
        .fallback(|| async { crate::error::AppError::NotFound })
        .layer(DefaultBodyLimit::max(2 * 1024 * 1024))
        .layer(middleware::from_fn(same_origin))
        .layer(middleware::from_fn(server_timing))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(120)))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            // the path only: query strings may carry ID numbers or names and are never logged
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_string();
            tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(SetRequestIdLayer::new(x_request_id, ids))
        .with_state(state)
}
