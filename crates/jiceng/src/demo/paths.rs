//! The paths a demo work order takes through its loop, step by step, and how long each step
//! waits after the previous one. Everything derives from the order's index: no randomness.

use super::routing::Desk;
use jiceng_orders::work_order::Status;

/// How a step is spaced from the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    /// Between the two bounds, in minutes.
    Minutes(i64, i64),
    /// The message's real handling time after registration (at least an hour after the
    /// previous step).
    RealReply,
}

/// Why a unit returns an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnKind {
    /// Not our duty: it belongs to `right`, whose statute is cited.
    NotOurDuty { right: Desk },
    /// The demand lacks an address or contact.
    Insufficient,
}

/// The citizen's answer on the call-back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    VerySatisfied,
    Satisfied,
    Fair,
    /// Unsatisfied with the policy, not with the unit: the loop closes.
    UnsatisfiedNotAtFault,
    /// Unsatisfied with the unit: the order is reopened (重办).
    Reopen,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Register,
    Dispatch {
        lead: Desk,
        co: Option<Desk>,
        note: bool,
    },
    Return(ReturnKind),
    Arbitrate {
        lead: Desk,
    },
    Accept,
    AcceptCo,
    Note,
    RequestExtension,
    DecideExtension,
    Suspend,
    Resume,
    CoReply,
    /// `real`: the government's real reply; otherwise a thin first reply.
    Reply {
        real: bool,
        review: bool,
    },
    Review {
        approve: bool,
    },
    FollowUp(Rating),
    Archive,
    /// Joined into the order with this index (并案).
    MergeInto(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    Registered,
    Dispatched,
    DispatchedJoint,
    Returned,
    Handling,
    HandlingNoted,
    ExtensionPending,
    ExtensionApproved,
    CoPending,
    Suspended,
    PendingReview,
    Replied,
    Visited,
    Archived,
    ArchivedNoted,
    ArchivedReviewed,
    ArchivedReviewRejected,
    ArchivedTransferred,
    ArchivedArbitrated,
    ArchivedResumed,
    ArchivedExtended,
    ArchivedReopened,
    ArchivedJoint,
    /// Anonymous: no call-back, archived after the reply.
    ArchivedNoCallback,
}

/// Paths of orders whose message has no reply: still open, with weights per 100.
pub const OPEN_PATHS: [(Path, u64); 10] = [
    (Path::Registered, 9),
    (Path::Dispatched, 24),
    (Path::DispatchedJoint, 5),
    (Path::Returned, 8),
    (Path::Handling, 14),
    (Path::HandlingNoted, 14),
    (Path::ExtensionPending, 5),
    (Path::ExtensionApproved, 4),
    (Path::CoPending, 7),
    (Path::Suspended, 10),
];

/// Paths of orders whose message has the government's reply, with weights per 200: most of
/// them closed, as on a real platform.
pub const REPLIED_PATHS: [(Path, u64); 14] = [
    (Path::PendingReview, 5),
    (Path::Replied, 10),
    (Path::Visited, 12),
    (Path::Archived, 75),
    (Path::ArchivedNoted, 20),
    (Path::ArchivedReviewed, 18),
    (Path::ArchivedReviewRejected, 4),
    (Path::ArchivedTransferred, 10),
    (Path::ArchivedArbitrated, 4),
    (Path::ArchivedResumed, 8),
    (Path::ArchivedExtended, 8),
    (Path::ArchivedReopened, 8),
    (Path::ArchivedJoint, 10),
    (Path::ArchivedNoCallback, 8),
];

/// The `i`-th path of a table: every block of consecutive indices as long as the total
/// weight holds each path exactly its weight's times, scattered.
pub fn nth_path(table: &[(Path, u64)], i: u64) -> Path {
    let total: u64 = table.iter().map(|(_, w)| w).sum::<u64>().max(1);
    let mut slot = (i.wrapping_mul(7919).wrapping_add(3)) % total;
    for (p, w) in table {
        if slot < *w {
            return *p;
        }
        slot -= w;
    }
    Path::Archived
}

impl Path {
    /// The status the order ends in.
    pub fn status(self) -> Status {
        use Path::*;
        match self {
            Registered => Status::Registered,
            Dispatched | DispatchedJoint => Status::Dispatched,
            Returned => Status::Returned,
            Handling | HandlingNoted | ExtensionPending | ExtensionApproved | CoPending => {
                Status::Handling
            }
            Suspended => Status::Suspended,
            PendingReview => Status::PendingReview,
            Replied => Status::Replied,
            Visited => Status::Visited,
            _ => Status::Archived,
        }
    }

    #[cfg(test)]
    pub fn needs_reply(self) -> bool {
        matches!(
            self.status(),
            Status::PendingReview | Status::Replied | Status::Visited | Status::Archived
        )
    }

    /// Without a call-back, there is no follow-up: the nearest path that skips it.
    pub fn without_callback(self) -> Path {
        match self {
            Path::Visited => Path::Replied,
            Path::ArchivedReopened => Path::Archived,
            p => p,
        }
    }
}

/// The whole loop the order would go through, and how many of its steps happen by now.
pub fn steps(path: Path, lead: Desk, partner: Desk, n: u64) -> (Vec<(Gap, Step)>, usize) {
    use Gap::Minutes as M;
    use Path::*;
    use Step::*;
    let reg = (M(0, 0), Register);
    let dispatch = |lead, co| {
        (
            M(10, 360),
            Dispatch {
                lead,
                co,
                note: n.is_multiple_of(4),
            },
        )
    };
    let d = dispatch(lead, None);
    let joint = dispatch(lead, Some(partner));
    let accept = (M(20, 1440), Accept);
    let reply = (
        Gap::RealReply,
        Reply {
            real: true,
            review: false,
        },
    );
    let follow = |n: u64| {
        let rating = match n % 20 {
            0..=9 => Rating::VerySatisfied,
            10..=15 => Rating::Satisfied,
            16..=18 => Rating::Fair,
            _ => Rating::UnsatisfiedNotAtFault,
        };
        (M(1440, 4320), FollowUp(rating))
    };
    let archive = (M(120, 2880), Archive);
    let misrouted = (M(60, 2880), Return(ReturnKind::NotOurDuty { right: lead }));
    let plain = vec![
        reg.clone(),
        d.clone(),
        accept.clone(),
        reply.clone(),
        follow(n),
        archive.clone(),
    ];
    let with = |extra: Vec<(Gap, Step)>| {
        let mut v = vec![reg.clone(), d.clone(), accept.clone()];
        v.extend(extra);
        v.extend([reply.clone(), follow(n), archive.clone()]);
        v
    };
    let noted = with(vec![(M(60, 4320), Note)]);
    let extended = with(vec![
        (M(1440, 14400), RequestExtension),
        (M(120, 2880), DecideExtension),
    ]);
    let suspended = with(vec![(M(1440, 7200), Suspend), (M(2880, 14400), Resume)]);
    let joint_loop = vec![
        reg.clone(),
        joint,
        accept.clone(),
        (M(10, 1440), AcceptCo),
        (M(1440, 7200), CoReply),
        reply.clone(),
        follow(n),
        archive.clone(),
    ];
    let reviewed = vec![
        reg.clone(),
        d.clone(),
        accept.clone(),
        (
            Gap::RealReply,
            Reply {
                real: true,
                review: true,
            },
        ),
        (M(60, 1440), Review { approve: true }),
        follow(n),
        archive.clone(),
    ];
    let transferred = vec![
        reg.clone(),
        dispatch(partner, None),
        misrouted,
        (
            M(60, 1440),
            Dispatch {
                lead,
                co: None,
                note: true,
            },
        ),
        accept.clone(),
        reply.clone(),
        follow(n),
        archive.clone(),
    ];
    match path {
        Registered => (plain, 1),
        Dispatched => (plain, 2),
        DispatchedJoint => (joint_loop, 2),
        Returned => {
            let reason = if n.is_multiple_of(3) {
                ReturnKind::Insufficient
            } else {
                ReturnKind::NotOurDuty { right: lead }
            };
            let mut t = transferred;
            if let Some(s) = t.get_mut(2) {
                s.1 = Return(reason);
            }
            (t, 3)
        }
        Handling => (plain, 3),
        HandlingNoted => (noted, 4),
        ExtensionPending => (extended, 4),
        ExtensionApproved => (extended, 5),
        CoPending => (joint_loop, 3),
        Suspended => (suspended, 4),
        PendingReview => (reviewed, 4),
        Replied => (plain, 4),
        Visited => (plain, 5),
        Archived | ArchivedNoCallback => (plain.clone(), plain.len()),
        ArchivedNoted => (noted.clone(), noted.len()),
        ArchivedReviewed => (reviewed.clone(), reviewed.len()),
        ArchivedReviewRejected => {
            let v = vec![
                reg,
                d,
                accept,
                (
                    M(1440, 4320),
                    Reply {
                        real: false,
                        review: true,
                    },
                ),
                (M(60, 1440), Review { approve: false }),
                (
                    M(1440, 7200),
                    Reply {
                        real: true,
                        review: true,
                    },
                ),
                (M(60, 1440), Review { approve: true }),
                follow(n),
                archive,
            ];
            let len = v.len();
            (v, len)
        }
        ArchivedTransferred => {
            let len = transferred.len();
            (transferred, len)
        }
        ArchivedArbitrated => {
            let v = vec![
                reg,
                d,
                (
                    M(60, 2880),
                    Return(ReturnKind::NotOurDuty { right: partner }),
                ),
                (M(120, 2880), Arbitrate { lead }),
                accept,
                reply,
                follow(n),
                archive,
            ];
            let len = v.len();
            (v, len)
        }
        ArchivedResumed => (suspended.clone(), suspended.len()),
        ArchivedExtended => (extended.clone(), extended.len()),
        ArchivedReopened => {
            let v = vec![
                reg,
                d,
                accept,
                (
                    M(1440, 4320),
                    Reply {
                        real: false,
                        review: false,
                    },
                ),
                (M(1440, 4320), FollowUp(Rating::Reopen)),
                (M(60, 2880), Note),
                (
                    M(1440, 7200),
                    Reply {
                        real: true,
                        review: false,
                    },
                ),
                (M(1440, 4320), FollowUp(Rating::Satisfied)),
                archive,
            ];
            let len = v.len();
            (v, len)
        }
        ArchivedJoint => (joint_loop.clone(), joint_loop.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_cycle_through_every_path_by_weight() {
        for table in [&OPEN_PATHS[..], &REPLIED_PATHS[..]] {
            let total: u64 = table.iter().map(|(_, w)| w).sum();
            for (p, w) in table {
                let n = (0..total).filter(|i| nth_path(table, *i) == *p).count();
                assert_eq!(n as u64, *w, "{p:?}");
            }
        }
        assert_eq!(OPEN_PATHS.iter().map(|(_, w)| w).sum::<u64>(), 100);
        assert_eq!(REPLIED_PATHS.iter().map(|(_, w)| w).sum::<u64>(), 200);
        assert!(OPEN_PATHS.iter().all(|(p, _)| !p.needs_reply()));
        assert!(REPLIED_PATHS.iter().all(|(p, _)| p.needs_reply()));
    }

    #[test]
    fn every_path_stops_inside_its_loop() {
        let (a, b) = (Desk::Dept(0), Desk::Dept(1));
        for (p, _) in OPEN_PATHS.iter().chain(REPLIED_PATHS.iter()) {
            let (s, stop) = steps(*p, a, b, 7);
            assert!(stop >= 1 && stop <= s.len(), "{p:?}");
            assert_eq!(s[0].1, Step::Register);
            assert_eq!(stop == s.len(), p.status() == Status::Archived, "{p:?}");
        }
    }
}
