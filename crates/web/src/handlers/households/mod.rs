//! The registry pages: the household list with filters and search, the household file (一户一档).

pub mod filters;
pub mod list;
pub mod show;
