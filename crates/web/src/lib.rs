//! The web application: server-rendered Chinese pages, the JSON API, sessions, roles and scopes.

pub mod api;
pub mod app;
pub mod auth;
pub mod cache;
pub mod charts;
pub mod config;
pub mod demo;
pub mod error;
pub mod handlers;
pub mod i18n;
pub mod jobs;
pub mod pool;
pub mod qr;
pub mod regions;
pub mod server;
pub mod state;
pub mod views;

pub use config::ServeConfig;
pub use state::AppState;
