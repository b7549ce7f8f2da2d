//! The accounts context's port: units, users, sessions, API tokens and logins.

mod auth;
pub(crate) mod org;
mod user;
