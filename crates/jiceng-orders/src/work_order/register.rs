//! Intake (受理): a validated demand, ready to become an order.

use super::model::*;
use chrono::{DateTime, FixedOffset, Utc};
use jiceng_kernel::error::codes;
use jiceng_kernel::error::{Error, Result};
use jiceng_kernel::ids::{OrderId, UserId};
use jiceng_kernel::text;
use jiceng_kernel::user::parse_phone;
use serde_json::json;

pub const MAX_CONTENT: usize = 10_000;

/// A demand as it arrives, checked field by field.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWorkOrder {
    pub channel: Channel,
    pub caller_name: Option<String>,
    pub caller_phone: Option<String>,
    pub anonymous: bool,
    pub wants_callback: bool,
    pub title: String,
    pub content: String,
    pub category: Option<String>,
    pub urgency: Urgency,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub address: Option<String>,
}

/// Raw intake fields, as a form or an API client sends them.
#[derive(Debug, Clone, Default)]
pub struct IntakeForm<'a> {
    pub channel: Option<Channel>,
    pub caller_name: Option<&'a str>,
    pub caller_phone: Option<&'a str>,
    pub anonymous: bool,
    pub wants_callback: Option<bool>,
    pub title: Option<&'a str>,
    pub content: &'a str,
    pub category: Option<&'a str>,
    pub urgency: Option<Urgency>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub address: Option<&'a str>,
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::new(codes::WORK_ORDER_INVALID_FIELD, msg)
}

impl NewWorkOrder {
    pub fn parse(f: IntakeForm<'_>) -> Result<Self> {
        let content = text::clean(
            f.content,
            "诉求内容",
            MAX_CONTENT,
            codes::WORK_ORDER_INVALID_FIELD,
        )
        .or_else(|e| {
            // Free text may contain line breaks and tabs; only other control characters are refused.
            let cleaned: String = f
                .content
                .chars()
                .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
                .collect();
            if cleaned.trim().is_empty()
                || cleaned.chars().count() > MAX_CONTENT
                || cleaned.len() != f.content.len()
            {
                Err(e)
            } else {
                Ok(cleaned.trim().to_owned())
            }
        })?;
        let title = match f.title.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => text::clean(t, "标题", 100, codes::WORK_ORDER_INVALID_FIELD)?,
            None => content
                .lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(30)
                .collect(),
        };
        let (caller_name, caller_phone) = if f.anonymous {
            (None, None)
        } else {
            (
                text::clean_opt(
                    f.caller_name,
                    "来电人姓名",
                    32,
                    codes::WORK_ORDER_INVALID_FIELD,
                )?,
                parse_phone(f.caller_phone)
                    .map_err(|_| invalid("来电号码格式不正确（5–20 位数字）"))?,
            )
        };
        let wants_callback = f.wants_callback.unwrap_or(caller_phone.is_some());
        if wants_callback && caller_phone.is_none() {
            return Err(invalid("需要回访的诉求须留下联系电话"));
        }
        match (f.latitude, f.longitude) {
            (Some(lat), Some(lon)) => {
                if !(-90.0..=90.0).contains(&lat)
                    || !(-180.0..=180.0).contains(&lon)
                    || !lat.is_finite()
                    || !lon.is_finite()
                {
                    return Err(invalid("坐标超出范围（纬度 −90…90，经度 −180…180）"));
                }
            }
            (None, None) => {}
            _ => return Err(invalid("经纬度须同时提供")),
        }
        Ok(Self {
            channel: f.channel.unwrap_or(Channel::Api),
            caller_name,
            caller_phone,
            anonymous: f.anonymous,
            wants_callback,
            title,
            content,
            category: text::clean_opt(f.category, "分类", 64, codes::WORK_ORDER_INVALID_FIELD)?,
            urgency: f.urgency.unwrap_or(Urgency::Normal),
            latitude: f.latitude,
            longitude: f.longitude,
            address: text::clean_opt(f.address, "地址", 200, codes::WORK_ORDER_INVALID_FIELD)?,
        })
    }

    /// The order and its first history entry.
    pub fn into_order(
        self,
        id: OrderId,
        number: String,
        region: Assignee,
        created_by: UserId,
        actor_name: &str,
        now: DateTime<Utc>,
    ) -> (WorkOrder, HistoryEntry) {
        let entry = HistoryEntry {
            seq: 1,
            at: now,
            actor: created_by,
            actor_name: actor_name.to_owned(),
            action: "register".into(),
            from_status: None,
            to_status: Status::Registered,
            payload: json!({"channel": self.channel, "region": region.unit_name}),
        };
        let order = WorkOrder {
            id,
            number,
            status: Status::Registered,
            channel: self.channel,
            caller_name: self.caller_name,
            caller_phone: self.caller_phone,
            anonymous: self.anonymous,
            wants_callback: self.wants_callback,
            title: self.title,
            content: self.content,
            category: self.category,
            urgency: self.urgency,
            latitude: self.latitude,
            longitude: self.longitude,
            address: self.address,
            region,
            lead: None,
            co_units: Vec::new(),
            arbitrated: false,
            transfer_count: 0,
            return_count: 0,
            reopen_count: 0,
            extension: None,
            handling_due: None,
            reply: None,
            satisfaction: None,
            merged_into: None,
            extra_callers: Vec::new(),
            created_by,
            created_at: now,
            updated_at: now,
            version: 1,
            clocks: Default::default(),
            duty: None,
            routing: None,
            tracking_hash: None,
        };
        (order, entry)
    }
}

/// The order number for the `seq`-th order of the local day: `JC20261124000123`.
pub fn order_number(now: DateTime<Utc>, tz: FixedOffset, seq: u64) -> String {
    format!("JC{}{:06}", day_key(now, tz), seq)
}

/// The local calendar day, `YYYYMMDD`, whose counter numbers the orders.
pub fn day_key(now: DateTime<Utc>, tz: FixedOffset) -> String {
    now.with_timezone(&tz).format("%Y%m%d").to_string()
}
