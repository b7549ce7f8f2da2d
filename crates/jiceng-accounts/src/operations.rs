//! Running the server: who may read its operating figures (metrics of requests and
//! background jobs). They describe the whole server, not one jurisdiction, so only an
//! administrator of a top-level unit may read them.

use crate::Accounts;
use jiceng_kernel::access::{Granted, Principal, action};
use jiceng_kernel::error::Result;

impl Accounts {
    /// 403 unless the caller may read the server's figures (an administrator of a top-level
    /// unit, [`action::ReadServerMetrics`]).
    pub fn check_server_admin(
        &self,
        who: &Principal,
    ) -> Result<Granted<action::ReadServerMetrics>> {
        who.grant()
    }
}
