//! Lab 02: failure detection. A process that hears nothing from another cannot tell a slow
//! process from a crashed one or from a broken network. This lab builds the three standard
//! answers, each in its own file:
//!
//! - part A, `src/retry.rs`: a client that calls a flaky server with a per-attempt timeout,
//!   exponential backoff with jitter up to a cap, and a retry budget;
//! - part B, `src/heartbeat.rs`: a heartbeat failure detector whose timeout adapts to the
//!   arrivals it observes (Chen, Toueg and Aguilera, 2002);
//! - part C, `src/swim.rs`: SWIM's probing detector, with a ping per protocol period to the next
//!   member of a shuffled round-robin order and indirect pings through k other members when the
//!   direct one goes unanswered (Das, Gupta and Motivala, 2002).
//!
//! This file is the contract: the messages, timers, requests and outputs every process speaks,
//! the timing constants (the harness picks them inside their legal ranges), and the three traits
//! you implement. The server of part A is the harness's (`src/server.rs`). The rules your code is
//! judged by are in `src/properties.rs` and `src/properties/`; the test runs are in
//! `src/scenarios.rs`. The handout is `labs/lab02-failure-detection/README.md`.

pub mod heartbeat;
pub mod properties;
pub mod retry;
pub mod scenarios;
pub mod server;
pub mod swim;

pub use harness;
use harness::{Duration, NodeId, Process, Protocol};
use serde::{Deserialize, Serialize};

/// What the processes of lab 02 send each other. Each part uses its own variants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Msg {
    /// Part A, client to server: attempt number `attempt` (from 0) of the call whose request id
    /// is `id`. Every attempt of a call carries the same id, so the server can tell a retry from
    /// a new call.
    Call {
        /// The call: the id of the request the client is serving.
        id: u64,
        /// Which attempt this is: 0 for the first.
        attempt: u32,
    },
    /// Part A, server to client: the answer to attempt `attempt` of call `id`. Any attempt's
    /// reply answers the call.
    Reply {
        /// The call.
        id: u64,
        /// The attempt it answers.
        attempt: u32,
    },
    /// Part B: heartbeat number `seq` (from 0) of the sender's `incarnation`. Heartbeat `seq`
    /// is sent `seq` heartbeat intervals after the incarnation started.
    Heartbeat {
        /// How many times the sender has started, counting this start; kept in durable
        /// storage, so it grows across restarts.
        incarnation: u64,
        /// The heartbeat's number within the incarnation.
        seq: u64,
    },
    /// Part C: "are you alive?". `probe` is the sender's own number for this probe.
    Ping {
        /// The prober's probe number (fresh for every ping a node sends, relays included).
        probe: u64,
    },
    /// Part C: "please ping `target` for my probe `probe`, and forward its ack to me".
    PingReq {
        /// The requester's probe number.
        probe: u64,
        /// The member to ping.
        target: NodeId,
    },
    /// Part C: the answer to a ping, saying that `about` is alive: sent by `about` itself in
    /// answer to a ping, or forwarded by a helper in answer to a ping request, with the
    /// requester's probe number.
    Ack {
        /// The probe it answers (the number of the ping, or of the ping request, it answers).
        probe: u64,
        /// The member whose liveness it proves.
        about: NodeId,
    },
}

/// The timers lab 02's processes may set. Use the ones your part needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Timer {
    /// Part A: attempt `attempt` of call `id` has waited `attempt_timeout` for a reply.
    AttemptTimeout {
        /// The call.
        id: u64,
        /// The attempt.
        attempt: u32,
    },
    /// Part A: the backoff wait before attempt `attempt` of call `id` is over.
    Backoff {
        /// The call.
        id: u64,
        /// The attempt to send now.
        attempt: u32,
    },
    /// Part B: time to send the next heartbeat.
    Beat,
    /// Part B: `peer`'s freshness point may have passed.
    Check {
        /// The member whose heartbeat is due.
        peer: NodeId,
    },
    /// Part C: a protocol period is over.
    Period,
    /// Part C: probe `probe`'s direct ping has waited `ping_timeout` for its ack.
    ProbeTimeout {
        /// The probe.
        probe: u64,
    },
    /// The harness's server (not yours): a slow answer is ready.
    SlowReply {
        /// Who called.
        client: NodeId,
        /// The call.
        id: u64,
        /// The attempt being answered.
        attempt: u32,
    },
}

/// Part A: the workload asks a client to call the server once. The request's id is the call's
/// id on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call;

/// Part A: how a call ended, the client's answer to the workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CallResult {
    /// A reply to one of its attempts arrived.
    Done,
    /// Every attempt of the budget timed out.
    GaveUp,
}

/// Parts B and C: a detector's change of mind about a member, reported with `ctx.output`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Suspicion {
    /// From now on this node suspects the member has failed.
    Suspect(NodeId),
    /// From now on this node trusts the member again.
    Restore(NodeId),
}

/// Lab 02's protocol: the types every process of the lab speaks.
#[derive(Clone, Copy, Debug)]
pub enum FailureDetection {}

impl Protocol for FailureDetection {
    type Msg = Msg;
    type Timer = Timer;
    type Request = Call;
    type Response = CallResult;
    type Output = Suspicion;
}

/// Part A's timing contract: how long an attempt waits, how the waits between attempts grow,
/// and how many attempts a call may make. A correct client passes with any values in the legal
/// ranges that keep the constraints below.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryTiming {
    /// How long an attempt waits for a reply before it counts as failed. Legal: 20-60 ms.
    pub attempt_timeout: Duration,
    /// The first backoff envelope: the wait after attempt 0 lies in `[0, backoff_base]`.
    /// Legal: 5-15 ms, at most a quarter of `attempt_timeout`.
    pub backoff_base: Duration,
    /// The largest envelope: no wait is ever longer. Legal: 80-240 ms, at least eight times
    /// `backoff_base`.
    pub backoff_cap: Duration,
    /// The retry budget: how many attempts a call makes at most, the first included. Legal: 6-8.
    pub max_attempts: u32,
}

impl RetryTiming {
    /// The low end of every range.
    pub const MIN: RetryTiming = RetryTiming {
        attempt_timeout: Duration::from_millis(20),
        backoff_base: Duration::from_millis(5),
        backoff_cap: Duration::from_millis(80),
        max_attempts: 6,
    };
    /// The value graded by default.
    pub const DEFAULT: RetryTiming = RetryTiming {
        attempt_timeout: Duration::from_millis(40),
        backoff_base: Duration::from_millis(10),
        backoff_cap: Duration::from_millis(160),
        max_attempts: 7,
    };
    /// The high end of every range.
    pub const MAX: RetryTiming = RetryTiming {
        attempt_timeout: Duration::from_millis(60),
        backoff_base: Duration::from_millis(15),
        backoff_cap: Duration::from_millis(240),
        max_attempts: 8,
    };

    /// The envelope of the wait after attempt `k` (from 0) fails: `min(cap, base * 2^k)`. A
    /// wait must lie in `[0, envelope(k)]`.
    pub fn envelope(&self, k: u32) -> Duration {
        let doubled = self.backoff_base.as_micros().saturating_mul(1u64 << k.min(40));
        Duration(doubled.min(self.backoff_cap.as_micros()))
    }

    /// The longest a call can last: every attempt times out after the longest wait before it.
    pub fn longest_call(&self) -> Duration {
        let waits =
            (0..self.max_attempts - 1).map(|k| self.envelope(k)).fold(Duration::ZERO, |a, b| a + b);
        self.attempt_timeout.times(u64::from(self.max_attempts)) + waits
    }
}

/// Part B's timing contract: the heartbeat interval, and the two constants of the adaptive
/// timeout of Chen, Toueg and Aguilera (2002).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeartbeatTiming {
    /// η: heartbeat `seq` of an incarnation is sent `seq * interval` after the incarnation
    /// started. Legal: 40-80 ms.
    pub interval: Duration,
    /// n: how many of a member's most recent heartbeats the expected arrival is estimated from.
    /// Legal: 4-16.
    pub window: usize,
    /// α: the safety margin added to the expected arrival to give the freshness point. Legal:
    /// 10-30 ms: above the network's delay jitter, below the interval.
    pub margin: Duration,
}

impl HeartbeatTiming {
    /// The low end of every range.
    pub const MIN: HeartbeatTiming = HeartbeatTiming {
        interval: Duration::from_millis(40),
        window: 4,
        margin: Duration::from_millis(10),
    };
    /// The value graded by default.
    pub const DEFAULT: HeartbeatTiming = HeartbeatTiming {
        interval: Duration::from_millis(50),
        window: 8,
        margin: Duration::from_millis(20),
    };
    /// The high end of every range.
    pub const MAX: HeartbeatTiming = HeartbeatTiming {
        interval: Duration::from_millis(80),
        window: 16,
        margin: Duration::from_millis(30),
    };
}

/// Part C's timing contract: SWIM's protocol period, how long a direct ping waits for its ack,
/// and how many members are asked to ping indirectly (Das, Gupta and Motivala, 2002).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwimTiming {
    /// T': one probe per period. Legal: 50-100 ms, longer than `ping_timeout` plus four
    /// network delays (the indirect round trip).
    pub period: Duration,
    /// How long the direct ping waits before indirect probes are sent. Legal: 12-20 ms, longer
    /// than a round trip.
    pub ping_timeout: Duration,
    /// k: how many other members are asked to ping the target (all of them, if fewer). Legal:
    /// 2-3.
    pub indirect: usize,
}

impl SwimTiming {
    /// The low end of every range.
    pub const MIN: SwimTiming = SwimTiming {
        period: Duration::from_millis(50),
        ping_timeout: Duration::from_millis(12),
        indirect: 2,
    };
    /// The value graded by default.
    pub const DEFAULT: SwimTiming = SwimTiming {
        period: Duration::from_millis(60),
        ping_timeout: Duration::from_millis(15),
        indirect: 3,
    };
    /// The high end of every range.
    pub const MAX: SwimTiming = SwimTiming {
        period: Duration::from_millis(100),
        ping_timeout: Duration::from_millis(20),
        indirect: 3,
    };
}

/// Every timing constant of the lab, one set per part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// Part A.
    pub retry: RetryTiming,
    /// Part B.
    pub heartbeat: HeartbeatTiming,
    /// Part C.
    pub swim: SwimTiming,
}

impl Timing {
    /// The low end of every range.
    pub const MIN: Timing =
        Timing { retry: RetryTiming::MIN, heartbeat: HeartbeatTiming::MIN, swim: SwimTiming::MIN };
    /// The values graded by default.
    pub const DEFAULT: Timing = Timing {
        retry: RetryTiming::DEFAULT,
        heartbeat: HeartbeatTiming::DEFAULT,
        swim: SwimTiming::DEFAULT,
    };
    /// The high end of every range.
    pub const MAX: Timing =
        Timing { retry: RetryTiming::MAX, heartbeat: HeartbeatTiming::MAX, swim: SwimTiming::MAX };

    /// The timing a run uses: the default, or an end of every legal range when
    /// `COURSE_TIMING=min` or `max` (CI runs the solution at both ends).
    pub fn from_env() -> Timing {
        harness::lab::timing_choice().pick(Timing::DEFAULT, Timing::MIN, Timing::MAX)
    }
}

/// Part A: a client that calls the server on the workload's behalf.
///
/// - `on_request(id, Call)`: start call `id.0`: send `Msg::Call { id, attempt: 0 }` to the
///   server at once and wait `attempt_timeout` for a reply.
/// - If no reply to any attempt of the call has arrived when an attempt times out: if the
///   budget allows another attempt, wait a random time in `[0, envelope(k)]` after attempt `k`
///   timed out, then send attempt `k + 1`; otherwise answer `CallResult::GaveUp`.
/// - `on_message(server, Msg::Reply { id, .. })`: if call `id` is still open, answer
///   `CallResult::Done` at once and send nothing more for it.
///
/// A client may have several calls open at once; each has its own attempts and timers.
pub trait RetryClient: Process<FailureDetection> + 'static {
    /// A fresh client `me` that calls `server`.
    fn new(me: NodeId, server: NodeId, timing: RetryTiming) -> Self;
}

/// Part B: a member that heartbeats every other member and suspects those whose heartbeats stop.
///
/// Members are `n0 .. n{members-1}`. At its start an incarnation bumps the incarnation number
/// it keeps in durable storage (synced before it is used), then sends heartbeat `seq` to every
/// other member at `start + seq * interval`, for `seq` = 0, 1, 2, ... (after a pause, the
/// heartbeats due meanwhile are skipped: the next one sent is the one due now).
///
/// For each other member q, it keeps the last `window` heartbeats it accepted from q (a
/// heartbeat is accepted if its (incarnation, seq) is larger than any accepted before; a larger
/// incarnation empties the window). With A_i the local arrival time of accepted heartbeat s_i,
/// q's next heartbeat is expected at `EA = mean(A_i - s_i * interval) + (s_max + 1) * interval`,
/// and its freshness point is `EA + margin`. Before any heartbeat from q, the freshness point is
/// `start + interval + margin`. If the freshness point passes with no newer heartbeat, output
/// `Suspicion::Suspect(q)`; when a newer heartbeat from a suspected q is accepted, output
/// `Suspicion::Restore(q)` in that handler.
pub trait HeartbeatDetector: Process<FailureDetection> + 'static {
    /// A fresh member `me` of a group of `members`.
    fn new(me: NodeId, members: usize, timing: HeartbeatTiming) -> Self;
}

/// Part C: a SWIM member that probes one other member per protocol period.
///
/// Members are `n0 .. n{members-1}`. The round-robin order is the other members, shuffled with
/// `ctx.rng()` at the start and again each time it has been walked through. At its start and
/// then every `period` (the `Period` timer), a member first concludes the current probe, then
/// probes the next member of the order:
///
/// - probe q: send `Ping { probe }` to q with a fresh probe number, and after `ping_timeout`, if
///   no `Ack { probe, about: q }` has arrived, send `PingReq { probe, target: q }` to
///   `indirect` members chosen at random among the others (not q, not itself; all of them if
///   there are fewer);
/// - conclude: if no `Ack { probe, about: q }` (direct or forwarded) arrived during the period,
///   output `Suspicion::Suspect(q)` (unless q is already suspected).
///
/// It answers `Ping { probe }` from x with `Ack { probe, about: me }`; it answers
/// `PingReq { probe, target }` from x by pinging target with a fresh probe number of its own,
/// and forwards the target's ack to x as `Ack { probe, about: target }`. It restores a suspected
/// member as soon as any message from it, or any ack about it, arrives.
pub trait SwimDetector: Process<FailureDetection> + 'static {
    /// A fresh member `me` of a group of `members`.
    fn new(me: NodeId, members: usize, timing: SwimTiming) -> Self;
}

/// The three processes a lab 02 run can use: the student's, or the solution's.
pub trait Parts: 'static {
    /// Part A's client.
    type Client: RetryClient;
    /// Part B's detector.
    type Heartbeat: HeartbeatDetector;
    /// Part C's detector.
    type Swim: SwimDetector;
}

/// The student's processes, from `src/retry.rs`, `src/heartbeat.rs` and `src/swim.rs`.
#[derive(Debug)]
pub enum Yours {}

impl Parts for Yours {
    type Client = retry::Client;
    type Heartbeat = heartbeat::Detector;
    type Swim = swim::Detector;
}

/// The lab's registry, running the processes of `P`; `package` names the package for the replay
/// commands a failing test prints.
pub fn lab<P: Parts>(package: &'static str) -> harness::Lab {
    harness::Lab {
        id: "lab02",
        topic: "failure detection",
        package,
        student_files: &[
            "labs/lab02-failure-detection/src/retry.rs",
            "labs/lab02-failure-detection/src/heartbeat.rs",
            "labs/lab02-failure-detection/src/swim.rs",
        ],
        snapshots: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"),
        scenarios: harness::lab::graded(scenarios::all::<P>(Timing::from_env())),
        prerequisite: None,
    }
}

/// One `#[test]` per scenario of lab 02, running the processes of the given [`Parts`].
#[macro_export]
macro_rules! grading_tests {
    ($parts:ty) => {
        $crate::harness::graded_tests!(
            $crate::lab::<$parts>(env!("CARGO_PKG_NAME"));
            retry_short_outage,
            retry_long_outage,
            retry_lost_replies,
            retry_thundering_herd,
            heartbeat_crash_one,
            heartbeat_crash_minority,
            heartbeat_crash_restart,
            heartbeat_loss_5,
            heartbeat_loss_15,
            heartbeat_loss_30,
            heartbeat_delay_spikes,
            heartbeat_long_pause,
            heartbeat_one_way_cut,
            heartbeat_partition,
            heartbeat_isolated_from_start,
            swim_crash_one,
            swim_crash_minority,
            swim_crash_restart,
            swim_loss_5,
            swim_loss_15,
            swim_loss_30,
            swim_delay_spikes,
            swim_long_pause,
            swim_one_way_cut,
            swim_partition,
            swim_isolated_from_start,
        );
    };
}
