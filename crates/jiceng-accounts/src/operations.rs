//! Running the server: who may read its operating figures (metrics of requests and
//! background jobs). They describe the whole server, not one jurisdiction, so only an
//! administrator of a top-level unit may read them.

use crate::Accounts;
use jiceng_kernel::access::Principal;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::user::Role;

impl Accounts {
    /// 403 unless the caller administers a top-level unit.
    pub fn check_server_admin(&self, who: &Principal) -> Result<()> {
        let top_admin = who
            .grants
            .iter()
            .any(|g| g.role == Role::Administrator && g.unit_path.depth() == 1);
        if top_admin {
            Ok(())
        } else {
            Err(Error::forbidden(
                "只有最高一级单位的系统管理员可以查看服务器运行指标",
            ))
        }
    }
}
