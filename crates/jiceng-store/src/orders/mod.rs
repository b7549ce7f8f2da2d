//! The work-order context's port: orders and their history, attachments, clocks and
//! escalations, duty lists, areas, duplicate sketches, classifier models and corrections.

mod area;
mod attachment;
#[macro_use]
pub(crate) mod classifier;
#[macro_use]
pub(crate) mod duplicates;
mod duty;
#[macro_use]
pub(crate) mod personal_data;
#[macro_use]
pub(crate) mod work_order;
// After the modules whose macros write its rows.
mod commit;
