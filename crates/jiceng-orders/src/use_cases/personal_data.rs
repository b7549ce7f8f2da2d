//! A citizen's requests about their personal data (个人信息保护法): a copy of everything the
//! orders of the jurisdiction hold about them, and the erasure of their contact data.
//!
//! Both are the administrators' (the role that sees phones unmasked), over the orders whose
//! region or lead unit lies in their jurisdiction; other orders are neither shown nor touched
//! nor counted. Both are audited without the phone in clear. The rule of what an erasure
//! changes on an order is [`crate::work_order::erasure`].

use super::Orders;
use super::work_orders::order_not_found;
use crate::duplicates::OrderSketch;
use crate::effects::{Effects, Redaction, RedactionRecord, SketchWrite};
use crate::work_order::WorkOrder;
use crate::work_order::audit_records as records;
use crate::work_order::erasure::{CallerPart, caller_part, erase_contact};
use jiceng_kernel::access::{Permission, Principal, Scope};
use jiceng_kernel::error::{Error, Result, codes};
use jiceng_kernel::ids::OrderId;
use jiceng_kernel::text::mask_phone;

/// One order of a citizen's export, and how they appear on it.
#[derive(Debug, Clone)]
pub struct CitizenOrder {
    pub order: WorkOrder,
    pub part: CallerPart,
}

/// A citizen's copy: the phone as the orders hold it, and the orders.
#[derive(Debug, Clone)]
pub struct CitizenExport {
    pub phone: String,
    pub orders: Vec<CitizenOrder>,
}

/// What an erasure did: the orders newly erased; none when the citizen was erased before.
#[derive(Debug, Clone, Default)]
pub struct ErasureOutcome {
    pub erased: Vec<(OrderId, String)>,
}

/// The phone of a request: required, and in the form intake stores it.
fn citizen_phone(raw: &str) -> Result<String> {
    jiceng_kernel::user::parse_phone(Some(raw))?.ok_or_else(|| {
        Error::new(
            codes::USER_INVALID_PHONE,
            "请填写市民的电话号码（5–20 位数字）",
        )
    })
}

fn in_scope(scope: &Scope, o: &WorkOrder) -> bool {
    scope.contains(&o.region.unit_path)
        || o.lead
            .as_ref()
            .is_some_and(|l| scope.contains(&l.unit_path))
}

impl Orders {
    /// The orders of `scope` on which `phone` is a caller, oldest first.
    pub(super) async fn citizen_orders(
        &self,
        scope: &Scope,
        phone: &str,
    ) -> Result<Vec<CitizenOrder>> {
        if scope.is_empty() {
            return Ok(Vec::new());
        }
        let found = self.store.orders_with_phone(scope.roots(), phone).await?;
        Ok(found
            .into_iter()
            .filter(|o| in_scope(scope, o))
            .filter_map(|o| caller_part(&o, phone).map(|part| CitizenOrder { order: o, part }))
            .collect())
    }

    /// Everything the jurisdiction's orders hold about the citizen with `phone`. The export
    /// is recorded (who, when, which orders, the phone masked) before it is answered.
    #[tracing::instrument(name = "personal_data.export", skip_all)]
    pub async fn export_personal_data(
        &self,
        who: &Principal,
        phone: &str,
    ) -> Result<CitizenExport> {
        let scope = who.require(Permission::ExportPersonalData)?;
        let phone = citizen_phone(phone)?;
        let orders = self.citizen_orders(&scope, &phone).await?;
        let ids: Vec<_> = orders
            .iter()
            .map(|c| (c.order.id, c.order.region.unit_path.county()))
            .collect();
        let r = records::personal_data_export(
            who.user_id,
            &mask_phone(&phone),
            &ids,
            caller_chain(who),
            self.clock.now(),
        );
        self.store.append_audit(&r).await?;
        Ok(CitizenExport { phone, orders })
    }

    /// Erases the citizen with `phone` from the jurisdiction's orders (only from `only` when
    /// given: each must be an order of the jurisdiction, else nothing is erased and the answer
    /// is the missing order's 404). One transaction: the changed orders with their history
    /// entries and step records, a redaction record per order, the sketches, and one audit
    /// entry of the whole erasure. Erasing again finds nothing left and erases nothing.
    #[tracing::instrument(name = "personal_data.erase", skip_all)]
    pub async fn erase_personal_data(
        &self,
        who: &Principal,
        phone: &str,
        only: Option<&[OrderId]>,
    ) -> Result<ErasureOutcome> {
        let scope = who.require(Permission::ErasePersonalData)?;
        let phone = citizen_phone(phone)?;
        let mut orders = self.citizen_orders(&scope, &phone).await?;
        if let Some(ids) = only {
            for id in ids {
                let counties: Vec<_> = scope.roots().iter().map(|r| r.county()).collect();
                let o = self.find_order(&counties, *id).await?;
                if !o.is_some_and(|o| in_scope(&scope, &o)) {
                    return Err(order_not_found());
                }
            }
            orders.retain(|c| ids.contains(&c.order.id));
        }
        let now = self.clock.now();
        let mut fx = Effects::new(now);
        let mut out = ErasureOutcome::default();
        let mut erased = Vec::new();
        for c in orders {
            let Some(e) = erase_contact(&c.order, &phone, who.user_id, &who.username, now) else {
                continue;
            };
            out.erased.push((e.order.id, e.order.number.clone()));
            erased.push((e.order.id, e.order.region.unit_path.county()));
            fx.redactions.push(Redaction {
                record: RedactionRecord {
                    order: e.order.id,
                    version: e.order.version,
                    at: e.entry.at,
                    actor: who.user_id,
                    fields: e.fields.iter().map(|f| (*f).to_owned()).collect(),
                },
                phone: phone.clone(),
            });
            // The text sketch is of the content, which may have held the phone. A closed
            // order's sketch is dropped by the change itself.
            if !e.order.status.is_final() {
                fx.sketches.push(match &self.duplicates {
                    Some(d) => SketchWrite::Put(OrderSketch::of(&e.order, &*d.sketcher)),
                    None => SketchWrite::Drop(e.order.id),
                });
            }
            fx.change_order(c.order.version, e.order, e.entry);
        }
        let audit = records::personal_data_erase(
            who.user_id,
            &who.username,
            &erased,
            caller_chain(who),
            now,
        );
        fx.audit
            .extend(audit.into_iter().map(crate::effects::AuditItem::Record));
        self.store.commit(&fx).await?;
        Ok(out)
    }
}

/// The chain of a request that found no order: the caller's first county, else the system
/// chain.
fn caller_chain(who: &Principal) -> jiceng_kernel::audit::chain::Chain {
    who.counties()
        .first()
        .map_or(jiceng_kernel::audit::chain::Chain::System, |c| {
            jiceng_kernel::audit::chain::Chain::County(*c)
        })
}
