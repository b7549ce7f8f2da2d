//! Typed identifiers. All are UUID v7 so that they sort by creation time.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh time-ordered id for an entity created at `at`.
            pub fn new_at(at: chrono::DateTime<chrono::Utc>) -> Self {
                let ts = uuid::Timestamp::from_unix(
                    uuid::NoContext,
                    at.timestamp().max(0) as u64,
                    at.timestamp_subsec_nanos(),
                );
                Self(Uuid::new_v7(ts))
            }
            pub fn parse(s: &str) -> Option<Self> {
                Uuid::parse_str(s).ok().map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(UnitId, "Identifier of an organisation unit.");
id_type!(UserId, "Identifier of a user.");
id_type!(TokenId, "Identifier of an API token.");
id_type!(OrderId, "Identifier of a work order.");
id_type!(AttachmentId, "Identifier of an attachment.");
id_type!(
    DutyListId,
    "Identifier of one version of a responsibility list."
);
id_type!(DutyId, "Identifier of one duty of a responsibility list.");
id_type!(ModelId, "Identifier of a stored classifier model.");
id_type!(
    CountyId,
    "A county: the id of the unit at the root of its organisation tree. Every row of a \
     county's data carries it first in its keys (the tenant key)."
);
