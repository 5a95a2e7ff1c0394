//! Gatehouse: organisations, sites, plants, users, roles at scopes, API keys, for
//! plant-monitoring platforms. One binary, one SQLite file.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod litestream;
pub mod logging;
pub mod metrics;
pub mod notify;
pub mod ops;
pub mod request_id;
pub mod secrets;
pub mod signing;
pub mod state;
pub mod web;
