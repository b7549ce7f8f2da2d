//! The accounts context: org units, users and their roles, logins, sessions and API tokens.
//! [`Accounts`] holds its use cases; each takes the caller's
//! [`Principal`](jiceng_kernel::access::Principal) and checks it against the access-policy
//! table before touching storage, which it reaches only through [`ports::AccountsStore`].

mod auth;
mod operations;
mod org;
pub mod ports;
mod users;

pub use auth::{LoginOutcome, NewApiToken};
pub use org::{UnitPatch, unit_not_found};
pub use users::UserView;

use jiceng_kernel::clock::Clock;
use jiceng_kernel::ports::Secrets;
use ports::AccountsStore;
use std::sync::Arc;

/// The accounts context's use cases over its storage port, clock and secrets.
#[derive(Clone)]
pub struct Accounts {
    pub store: Arc<dyn AccountsStore>,
    pub clock: Arc<dyn Clock>,
    pub secrets: Arc<dyn Secrets>,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts")
            .field("backend", &self.store.backend())
            .finish()
    }
}

impl Accounts {
    pub fn new(
        store: Arc<dyn AccountsStore>,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn Secrets>,
    ) -> Self {
        Self {
            store,
            clock,
            secrets,
        }
    }
}
