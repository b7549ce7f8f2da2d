//! The citizens' public lookup (no login): order number, phone and tracking code. Each try
//! is counted per client address and per order number before it is checked, so guessing the
//! hidden digits of a phone or counting order numbers is slowed to a crawl and recorded.

use super::Orders;
use super::work_orders::order_not_found;
use crate::work_order::{HistoryEntry, WorkOrder, tracking};
use jiceng_kernel::attempts::{Wait, give_back_attempt, take_attempt, throttled};
use jiceng_kernel::audit::chain::AuditRecord;
use jiceng_kernel::error::{Result, codes};
use jiceng_kernel::ids::OrderId;
use jiceng_kernel::throttle::{LOOKUP, scope};

impl Orders {
    /// A citizen's lookup. Every failure answers exactly like a missing order; after a few
    /// failures from one address or for one number, further tries wait (429, Retry-After).
    pub async fn lookup_order(
        &self,
        number: &str,
        phone: &str,
        code: Option<&str>,
        client: &str,
    ) -> Result<(WorkOrder, Vec<HistoryEntry>)> {
        let number_key: String = number.chars().take(32).collect();
        let refused = |secs| throttled(codes::LOOKUP_THROTTLED, "查询", secs);
        if let Err(Wait(secs)) = take_attempt(
            &*self.store,
            self.clock.now(),
            scope::LOOKUP_IP,
            client,
            &LOOKUP,
        )
        .await?
        {
            return Err(refused(secs));
        }
        let by_number = take_attempt(
            &*self.store,
            self.clock.now(),
            scope::LOOKUP_NUMBER,
            &number_key,
            &LOOKUP,
        )
        .await?;
        let number_tally = match by_number {
            Ok(t) => t,
            Err(Wait(secs)) => {
                give_back_attempt(&*self.store, scope::LOOKUP_IP, client).await?;
                return Err(refused(secs));
            }
        };
        match self.check_lookup(number, phone, code).await? {
            Some(found) => {
                give_back_attempt(&*self.store, scope::LOOKUP_IP, client).await?;
                give_back_attempt(&*self.store, scope::LOOKUP_NUMBER, &number_key).await?;
                Ok(found)
            }
            None => {
                if number_tally.attempts >= LOOKUP.free {
                    self.store
                        .append_audit(&[lookup_refused(
                            &number_key,
                            client,
                            number_tally.attempts,
                            self.clock.now(),
                        )])
                        .await?;
                }
                Err(order_not_found())
            }
        }
    }

    /// The order and its history when number, phone and code belong together.
    async fn check_lookup(
        &self,
        number: &str,
        phone: &str,
        code: Option<&str>,
    ) -> Result<Option<(WorkOrder, Vec<HistoryEntry>)>> {
        let phone = jiceng_kernel::user::parse_phone(Some(phone)).ok().flatten();
        let code = code.and_then(tracking::normalize);
        let (Some(phone), Some(code)) = (phone, code) else {
            return Ok(None);
        };
        if number.len() > 32 {
            return Ok(None);
        }
        let mut found = None;
        for county in self.counties_for_number(number).await? {
            found = self.store.find_order_by_number(county, number).await?;
            if found.is_some() {
                break;
            }
        }
        let Some(o) = found else {
            return Ok(None);
        };
        // The caller's own code opens the order; a caller joined by a merge keeps the code of
        // the order they called about.
        let mut via: Vec<OrderId> = Vec::new();
        if o.caller_phone.as_deref() == Some(phone.as_str()) {
            via.push(o.id);
        }
        via.extend(
            o.extra_callers
                .iter()
                .filter(|c| c.phone.as_deref() == Some(phone.as_str()))
                .map(|c| c.via_order),
        );
        if via.is_empty() {
            return Ok(None);
        }
        let typed = self.secrets.fingerprint(&code);
        let hashes = self.store.tracking_hashes(o.county(), &via).await?;
        if !hashes.iter().any(|(_, h)| *h == typed) {
            return Ok(None);
        }
        let h = self.store.order_history(o.county(), o.id).await?;
        Ok(Some((o, h)))
    }
}

/// Repeated failed lookups of one number: the number, the client address and the count;
/// never the phone or the code tried.
fn lookup_refused(
    number: &str,
    client: &str,
    attempts: u32,
    at: chrono::DateTime<chrono::Utc>,
) -> AuditRecord {
    // An attempt at access by someone not signed in, like a login: the system chain.
    AuditRecord::new(
        jiceng_kernel::audit::chain::Chain::System,
        at,
        format!("lookup:{client}"),
        "work_order.lookup_failed",
        format!("lookup:{number}"),
        serde_json::json!({"ip": client, "failures": attempts}),
    )
}
