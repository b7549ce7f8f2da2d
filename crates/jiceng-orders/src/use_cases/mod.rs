//! The work-order context's use cases, methods of [`Orders`]. Each takes the caller's
//! [`Principal`](jiceng_kernel::access::Principal) and checks it against the access-policy
//! table before touching storage; handlers reach data only through these.

mod audit;
mod audit_chains;
mod classifier;
mod duplicates;
mod duties;
mod intake_checks;
mod lookup;
mod personal_data;
pub mod routing;
mod sla;
mod sla_orders;
mod sla_sweep;
mod work_orders;

pub use audit::{ConsistencyProof, InclusionProof, Trail, TrailEntry};
pub use audit_chains::{ChainVerification, Verification, verify_log};
pub use classifier::{ModelList, RetrainOutcome, model_not_found};
pub use duplicates::{DuplicateCandidate, DuplicateDetector};
pub use duties::{DutyImport, DutyUnits, duty_list_not_found};
pub use intake_checks::{IntakePreview, MAX_CALLER_ORDERS, PREVIEW_CATEGORIES};
pub use personal_data::{CitizenExport, CitizenOrder, ErasureOutcome};
pub use sla_orders::WorkOrderClocks;
pub use sla_sweep::{
    NewStandaloneClock, StandaloneClocks, SubjectClocks, SubjectHandlers, SubjectNames,
    SweepOutcome,
};
pub use work_orders::{
    ActRequest, EXPORT_MAX_ROWS, Inbox, InboxPage, Registration, filed_by, number_for,
    order_not_found, version_conflict,
};

use crate::ports::{DispatchAdvisor, OrdersStore};
use jiceng_accounts::Accounts;
use jiceng_accounts::ports::AccountsStore;
use jiceng_kernel::clock::Clock;
use jiceng_kernel::ports::Secrets;
use std::sync::Arc;

/// The work-order context: its storage port, clock and engines, with the use cases as methods.
#[derive(Clone)]
pub struct Orders {
    pub store: Arc<dyn OrdersStore>,
    /// The accounts context over the same store: units and users this context routes to.
    pub accounts: Accounts,
    pub clock: Arc<dyn Clock>,
    pub secrets: Arc<dyn Secrets>,
    /// Routes new orders automatically when it is sure enough; `None`: all go to dispatchers.
    pub advisor: Option<Arc<dyn DispatchAdvisor>>,
    /// The confidence at or above which a suggestion is acted on without a dispatcher.
    pub auto_dispatch_threshold: f64,
    /// Signs the audit log's checkpoints; `None` in tools that only read.
    pub audit_key: Option<Arc<ed25519_dalek::SigningKey>>,
    /// Time limits and escalation ladders by jurisdiction.
    pub sla: Arc<crate::sla::SlaPolicies>,
    /// Limits that override the policy's (the duty list); `None`: the policy decides.
    pub limit_source: Option<Arc<dyn crate::sla::LimitSource>>,
    /// Wakes the sweeper when a transition sets an earlier due instant.
    pub due_signal: Arc<dyn crate::sla::DueSignal>,
    /// How due steps fire, per kind of subject; work orders' from the start.
    pub subject_clocks: Arc<SubjectHandlers>,
    /// Classifies demands for the dispatch engine; `None`: only categories given by people.
    pub classifier: Option<Arc<dyn crate::routing::TextClassifier>>,
    /// The dispatch engine's switch and locator.
    pub routing: Arc<routing::Routing>,
    /// Finds open orders about the same matter at intake; `None`: no candidates.
    pub duplicates: Option<Arc<DuplicateDetector>>,
}

impl std::fmt::Debug for Orders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Orders")
            .field("backend", &self.store.backend())
            .finish()
    }
}

impl Orders {
    /// Every county of the server (system work that is not on behalf of a caller).
    pub async fn all_counties(
        &self,
    ) -> jiceng_kernel::error::Result<Vec<jiceng_kernel::ids::CountyId>> {
        Ok(self
            .store
            .counties()
            .await?
            .iter()
            .map(|u| u.path.county())
            .collect())
    }

    /// The six digits of a county's numbers (`JC511602…`); `000000` for a county without a
    /// division code or one not found.
    pub async fn county_code(
        &self,
        county: jiceng_kernel::ids::CountyId,
    ) -> jiceng_kernel::error::Result<String> {
        Ok(self
            .store
            .get_unit(jiceng_kernel::ids::UnitId(county.0))
            .await?
            .map_or_else(
                || "000000".to_owned(),
                |u| jiceng_kernel::org::county_number_code(&u),
            ))
    }

    /// The counties an order or record number may belong to: those whose code it carries, or
    /// every county for a number made before numbers carried one.
    pub async fn counties_for_number(
        &self,
        number: &str,
    ) -> jiceng_kernel::error::Result<Vec<jiceng_kernel::ids::CountyId>> {
        let code = jiceng_kernel::org::number_county_code(number);
        Ok(self
            .store
            .counties()
            .await?
            .iter()
            .filter(|u| code.is_none_or(|c| jiceng_kernel::org::county_number_code(u) == c))
            .map(|u| u.path.county())
            .collect())
    }
}

impl Orders {
    pub fn new(
        store: Arc<dyn OrdersStore>,
        clock: Arc<dyn Clock>,
        secrets: Arc<dyn Secrets>,
    ) -> Self {
        Self {
            accounts: Accounts::new(
                Arc::clone(&store) as Arc<dyn AccountsStore>,
                Arc::clone(&clock),
                Arc::clone(&secrets),
            ),
            store,
            clock,
            secrets,
            advisor: None,
            auto_dispatch_threshold: 0.95,
            audit_key: None,
            sla: Arc::new(crate::sla::SlaPolicies::china()),
            limit_source: None,
            due_signal: Arc::new(crate::sla::NoSignal),
            subject_clocks: Arc::new({
                let mut h = SubjectHandlers::default();
                h.register(Arc::new(WorkOrderClocks));
                h
            }),
            classifier: None,
            routing: Arc::new(routing::Routing::default()),
            duplicates: None,
        }
    }

    /// Uses these time-limit policies instead of the built-in defaults. Call it before
    /// [`Orders::with_routing`], whose duty-list limits read the policies in use then.
    pub fn with_sla_policies(mut self, policies: crate::sla::SlaPolicies) -> Self {
        self.sla = Arc::new(policies);
        self
    }

    /// Signs audit checkpoints with `key`.
    pub fn with_audit_key(mut self, key: ed25519_dalek::SigningKey) -> Self {
        self.audit_key = Some(Arc::new(key));
        self
    }

    /// Takes clock limits from `source` (the duty list) where it has them.
    pub fn with_limit_source(mut self, source: Arc<dyn crate::sla::LimitSource>) -> Self {
        self.limit_source = Some(source);
        self
    }

    /// Classifies demands with `classifier` (the dispatch engine's first step).
    pub fn with_classifier(mut self, classifier: Arc<dyn crate::routing::TextClassifier>) -> Self {
        self.classifier = Some(classifier);
        self
    }

    /// Runs the dispatch engine at registration and after returns: `locator` finds places,
    /// the classifier (if any) categories, the duty lists the units; the duty's time limits
    /// then drive the clocks of orders dispatched under it.
    pub fn with_routing(
        mut self,
        locator: Option<crate::locator::Locator>,
        threshold: f64,
    ) -> Self {
        let r = routing::Routing {
            enabled: true,
            ..Default::default()
        };
        if let Some(l) = locator {
            r.locator.set(l);
        }
        self.routing = Arc::new(r);
        self.auto_dispatch_threshold = threshold;
        self.limit_source = Some(Arc::new(routing::DutyLimits {
            store: Arc::clone(&self.store),
            sla: Arc::clone(&self.sla),
        }));
        self
    }

    /// Lets `advisor` dispatch new orders it is at least `threshold` sure about.
    pub fn with_dispatch_advisor(
        mut self,
        advisor: Arc<dyn DispatchAdvisor>,
        threshold: f64,
    ) -> Self {
        self.advisor = Some(advisor);
        self.auto_dispatch_threshold = threshold;
        self
    }
}
