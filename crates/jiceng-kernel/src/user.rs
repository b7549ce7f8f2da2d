//! Users, their roles, and the unit each role is held in.

use crate::error::codes;
use crate::error::{Error, Result};
use crate::ids::{UnitId, UserId};
use crate::org::UnitPath;
use crate::text;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The roles of the platform. A user holds a role *in* an org unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 市民
    Citizen,
    /// 接线员
    HotlineOperator,
    /// 派单员
    Dispatcher,
    /// 承办人
    UnitHandler,
    /// 承办单位负责人
    UnitLeader,
    /// 网格员
    GridWorker,
    /// 窗口人员
    WindowClerk,
    /// 督办人员
    Supervisor,
    /// 区县领导
    CountyLeader,
    /// 系统管理员
    Administrator,
}

impl Role {
    pub const ALL: [Role; 10] = [
        Self::Citizen,
        Self::HotlineOperator,
        Self::Dispatcher,
        Self::UnitHandler,
        Self::UnitLeader,
        Self::GridWorker,
        Self::WindowClerk,
        Self::Supervisor,
        Self::CountyLeader,
        Self::Administrator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::HotlineOperator => "hotline_operator",
            Self::Dispatcher => "dispatcher",
            Self::UnitHandler => "unit_handler",
            Self::UnitLeader => "unit_leader",
            Self::GridWorker => "grid_worker",
            Self::WindowClerk => "window_clerk",
            Self::Supervisor => "supervisor",
            Self::CountyLeader => "county_leader",
            Self::Administrator => "administrator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Citizen => "市民",
            Self::HotlineOperator => "接线员",
            Self::Dispatcher => "派单员",
            Self::UnitHandler => "承办人",
            Self::UnitLeader => "单位负责人",
            Self::GridWorker => "网格员",
            Self::WindowClerk => "窗口人员",
            Self::Supervisor => "督办人员",
            Self::CountyLeader => "区县领导",
            Self::Administrator => "系统管理员",
        }
    }

    pub fn is_staff(self) -> bool {
        self != Self::Citizen
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role held in a unit, with the unit's path so jurisdiction can be checked without a lookup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleGrant {
    pub role: Role,
    pub unit_id: UnitId,
    pub unit_name: String,
    pub unit_path: UnitPath,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub grants: Vec<RoleGrant>,
}

/// A login name: 3–32 characters of ASCII letters, digits, `.`, `_`, `-`; stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self> {
        let s = raw.trim().to_ascii_lowercase();
        let ok_len = (3..=32).contains(&s.len());
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !ok_len || !ok_chars {
            return Err(Error::new(
                codes::USER_INVALID_USERNAME,
                "用户名须为 3–32 位字母、数字或 . _ -",
            ));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A mainland mobile or landline number: digits with an optional leading `+` and dashes, 5–20 long.
pub fn parse_phone(raw: Option<&str>) -> Result<Option<String>> {
    let Some(s) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let digits: String = s.chars().filter(|c| *c != '-' && *c != ' ').collect();
    let body = digits.strip_prefix('+').unwrap_or(&digits);
    if !(5..=20).contains(&body.len()) || !body.chars().all(|c| c.is_ascii_digit()) {
        return Err(Error::new(
            codes::USER_INVALID_PHONE,
            "电话号码格式不正确（5–20 位数字）",
        ));
    }
    Ok(Some(digits))
}

/// A number to look a caller up by: an 11-digit mainland mobile (`1[3-9]…`) or a landline
/// with its area code (`0` + 2–3 digits, then 7–8 digits), spaces and dashes allowed. The
/// answer is the digits alone, the form [`parse_phone`] stores them in.
pub fn parse_mainland_phone(raw: &str) -> Result<String> {
    let digits: String = raw
        .trim()
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .collect();
    let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let b = digits.as_bytes();
    let mobile = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
    let landline = (10..=12).contains(&b.len()) && b[0] == b'0' && b[1] != b'0';
    if !(all_digits && (mobile || landline)) {
        return Err(Error::new(
            codes::USER_INVALID_PHONE,
            "电话号码格式不正确：请填写 11 位手机号，或带区号的固定电话（如 0826-2345678）",
        ));
    }
    Ok(digits)
}

pub const MIN_PASSWORD: usize = 8;
pub const MAX_PASSWORD: usize = 128;

/// Checks a new password against the policy: 8–128 characters, not all one class.
pub fn check_password_policy(pw: &str, username: &str) -> Result<()> {
    let n = pw.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&n) {
        return Err(Error::new(
            codes::USER_WEAK_PASSWORD,
            format!("密码长度须为 {MIN_PASSWORD}–{MAX_PASSWORD} 个字符"),
        ));
    }
    let has_alpha = pw.chars().any(|c| c.is_alphabetic());
    let has_other = pw.chars().any(|c| !c.is_alphabetic());
    if !(has_alpha && has_other) {
        return Err(Error::new(
            codes::USER_WEAK_PASSWORD,
            "密码须同时包含字母和数字或符号",
        ));
    }
    if pw.to_lowercase().contains(&username.to_lowercase()) {
        return Err(Error::new(codes::USER_WEAK_PASSWORD, "密码不能包含用户名"));
    }
    Ok(())
}

/// A validated request to create a user.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub phone: Option<String>,
    pub grants: Vec<(Role, UnitId)>,
}

impl NewUser {
    pub fn parse(
        username: &str,
        display_name: &str,
        phone: Option<&str>,
        grants: Vec<(Role, UnitId)>,
    ) -> Result<Self> {
        if grants.len() > 20 {
            return Err(Error::new(
                codes::USER_TOO_MANY_ROLES,
                "一个用户最多 20 个角色",
            ));
        }
        Ok(Self {
            username: Username::parse(username)?,
            display_name: text::clean(display_name, "姓名", 32, codes::USER_INVALID_DISPLAY_NAME)?,
            phone: parse_phone(phone)?,
            grants,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(Username::parse(" Admin ").unwrap().as_str(), "admin");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("张三").is_err());
        assert!(Username::parse("a b c").is_err());
    }

    #[test]
    fn mainland_phones() {
        assert_eq!(
            parse_mainland_phone(" 139-1234-0000 ").unwrap(),
            "13912340000"
        );
        assert_eq!(parse_mainland_phone("0826-2345678").unwrap(), "08262345678");
        assert_eq!(parse_mainland_phone("010 12345678").unwrap(), "01012345678");
        for bad in [
            "",
            "12345",
            "12912340000",
            "139123400001",
            "0012345678",
            "1391234000a",
            "+8613912340000",
        ] {
            assert!(parse_mainland_phone(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn password_policy() {
        assert!(check_password_policy("short1", "u").is_err());
        assert!(check_password_policy("onlyletters", "u").is_err());
        assert!(check_password_policy("admin-2026", "admin").is_err());
        assert!(check_password_policy("jiceng-demo", "admin").is_ok());
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn phones() {
        assert_eq!(
            parse_phone(Some("138-1234-5678")).unwrap().as_deref(),
            Some("13812345678")
        );
        assert!(parse_phone(Some("call me")).is_err());
        assert_eq!(parse_phone(Some("  ")).unwrap(), None);
    }
}
