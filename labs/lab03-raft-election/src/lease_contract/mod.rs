//! Part B's contract: election through a lease service, with fencing tokens.
//!
//! A lease (Gray and Cheriton, 1989) is a lock with a time limit: the lease service grants it to
//! one node for a TTL, and the holder keeps it only by renewing it before it runs out. Whoever
//! holds the lease acts as leader. Two things make that safe on real machines. First, the holder
//! judges the lease by its own drifting clock, measured from when it *sent* the request, less a
//! margin for the drift bound and for the network's longest delay. Second, every grant carries a
//! fencing token, strictly larger than any granted before, and the storage refuses a write whose
//! token is lower than one it has already accepted, so a holder that slept through the end of its
//! lease cannot clobber its successor (Kleppmann, "How to do distributed locking", 2016).
//!
//! The competing nodes are `n0..n{k-1}`; the harness's lease service and storage run as the
//! last two processes of the cluster ([`services`]).

pub mod properties;
pub mod scenarios;
pub mod services;

use harness::{Duration, NodeId, Process, Protocol, Time};
use serde::{Deserialize, Serialize};

/// A fencing token: the number of the lease grant, strictly increasing across grants.
pub type Token = u64;

/// Part B's messages: to and from the lease service, and to and from the storage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeaseMsg {
    /// To the lease service: grant me the lease if it is free or expired (a compare-and-set on
    /// the lease key, as with an etcd lease). `seq` is echoed in the answer.
    Acquire {
        /// The request's number, chosen by the sender.
        seq: u64,
    },
    /// To the lease service: extend my lease with this token, if it has not expired.
    Renew {
        /// The token of the lease being renewed.
        token: Token,
        /// The request's number, chosen by the sender.
        seq: u64,
    },
    /// From the lease service: the lease is yours for a TTL from the moment the service
    /// handled the request, under `token`.
    Granted {
        /// The lease's fencing token.
        token: Token,
        /// The `seq` of the request this answers.
        seq: u64,
    },
    /// From the lease service: no (someone else holds the lease; the lease renewed has expired or
    /// was never yours; or an acquire came from the holder of a live lease, which must renew).
    Refused {
        /// The latest token the service has granted (0 if none).
        current: Token,
        /// The `seq` of the request this answers.
        seq: u64,
    },
    /// To the storage: a leader's write, stamped with its lease's token.
    Write {
        /// The fencing token of the writer's lease.
        token: Token,
        /// What is written (any number; the writer's own counter will do).
        value: u64,
    },
    /// From the storage: whether the write with this token was accepted.
    WriteResult {
        /// The token of the write answered.
        token: Token,
        /// Whether it was accepted.
        accepted: bool,
    },
}

/// A competing node's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeaseTimer {
    /// Time to renew the lease (or, without one, to try to acquire it).
    Renew,
    /// Time for a leader's next write.
    Write,
}

/// What the harness's services report, for the properties to judge. Competing nodes need not
/// output anything (and what they do output is ignored).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LeaseOutput {
    /// The lease service granted (or renewed) the lease.
    Granted {
        /// To whom.
        holder: NodeId,
        /// Under which token.
        token: Token,
        /// Until when, in the service's time (the simulation's time: its clock is perfect).
        until: Time,
        /// Whether this renewed a lease rather than granting a new one.
        renewal: bool,
    },
    /// The storage accepted a write.
    Accepted {
        /// From whom.
        writer: NodeId,
        /// Its token.
        token: Token,
    },
    /// The storage fenced a write off: its token is lower than one it had accepted.
    Rejected {
        /// From whom.
        writer: NodeId,
        /// Its token.
        token: Token,
        /// The highest token accepted so far.
        highest: Token,
    },
}

/// Part B's protocol.
#[derive(Clone, Copy, Debug)]
pub enum Leases {}

impl Protocol for Leases {
    type Msg = LeaseMsg;
    type Timer = LeaseTimer;
    type Request = ();
    type Response = ();
    type Output = LeaseOutput;
}

/// Part B's timing contract. The harness picks each value within its legal range and passes
/// them to [`LeaseNode::new`]; a correct node passes every scenario with any legal choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaseTiming {
    /// How long a grant or renewal lasts at the lease service.
    pub ttl: Duration,
    /// How often the holder renews (and a node without the lease tries to acquire it).
    pub renew_interval: Duration,
    /// How often the leader writes to the storage.
    pub write_interval: Duration,
    /// The network's longest one-way delay, which the scenarios respect.
    pub max_delay: Duration,
}

impl LeaseTiming {
    /// The drift bound: no competing node's monotonic clock runs faster or slower than true
    /// time by more than this many parts per million (10%). Real quartz drifts by tens of ppm;
    /// the bound is exaggerated so that a holder with no drift margin is caught in a few seeds.
    pub const MAX_DRIFT_PPM: u64 = 100_000;
    /// The legal range of `ttl`.
    pub const TTL_RANGE: (Duration, Duration) =
        (Duration::from_millis(200), Duration::from_millis(400));
    /// The legal range of `renew_interval`.
    pub const RENEW_RANGE: (Duration, Duration) =
        (Duration::from_millis(30), Duration::from_millis(60));
    /// The legal range of `write_interval`.
    pub const WRITE_RANGE: (Duration, Duration) =
        (Duration::from_millis(10), Duration::from_millis(20));
    /// The network's longest delay in every part B scenario.
    pub const MAX_DELAY: Duration = Duration::from_millis(10);
    /// The values graded by default.
    pub const DEFAULT: LeaseTiming = LeaseTiming {
        ttl: Duration::from_millis(300),
        renew_interval: Duration::from_millis(50),
        write_interval: Duration::from_millis(10),
        max_delay: Self::MAX_DELAY,
    };
    /// The slowest legal choice, which every bound must allow for.
    pub const SLOWEST: LeaseTiming = LeaseTiming {
        ttl: Self::TTL_RANGE.1,
        renew_interval: Self::RENEW_RANGE.1,
        write_interval: Self::WRITE_RANGE.1,
        max_delay: Self::MAX_DELAY,
    };

    /// The timing a run uses: the default, or the ends of the legal ranges when
    /// `COURSE_TIMING=min` or `max`.
    pub fn from_env() -> LeaseTiming {
        let fastest = LeaseTiming {
            ttl: Self::TTL_RANGE.0,
            renew_interval: Self::RENEW_RANGE.0,
            write_interval: Self::WRITE_RANGE.0,
            max_delay: Self::MAX_DELAY,
        };
        harness::lab::timing_choice().pick(LeaseTiming::DEFAULT, fastest, LeaseTiming::SLOWEST)
    }

    /// How much a clock running slow by the drift bound falls behind true time while true time
    /// advances by one TTL, or near enough: `ttl * MAX_DRIFT_PPM / 1_000_000`, rounded up. A
    /// holder whose clock says the lease has `drift_margin` left cannot yet have lost it.
    pub fn drift_margin(&self) -> Duration {
        Duration((self.ttl.as_micros() * Self::MAX_DRIFT_PPM).div_ceil(1_000_000))
    }
}

/// What the harness asks of a part B node: to be built from its id, the lease service's and the
/// storage's ids and the timing, and to handle the events of [`Process`].
pub trait LeaseNode: Process<Leases> + 'static {
    /// A fresh node (at the start, and after a restart).
    fn new(me: NodeId, lease_service: NodeId, storage: NodeId, timing: LeaseTiming) -> Self;
}
