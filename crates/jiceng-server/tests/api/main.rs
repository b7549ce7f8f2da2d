//! The HTTP API's black-box tests, one binary: a real server on port 0 per test.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod access;
mod audit_api;
mod auth;
mod auto_dispatch;
mod contract;
mod dispatch_engine;
mod duplicates;
mod duty_lists;
mod error_logs;
mod fuzz;
mod input;
mod intake_checks;
mod intake_input;
mod jobs;
mod login_race;
mod models;
mod openapi;
mod order_lists;
mod order_props;
mod order_sort;
mod personal_data;
mod policy;
mod public_lookup;
mod retries;
mod sla;
mod sla_figures;
mod sla_jurisdictions;
mod sla_race;
mod sla_subjects;
mod sweep;
mod web_files;
mod web_security;
mod web_ui;
mod work_orders;
