//! Lab 05: chain replication (van Renesse and Schneider, OSDI 2004), its reconfiguration by a
//! control plane, and CRAQ's reads from any node (Terrace and Freedman, USENIX ATC 2009).
//!
//! You write the chain node and the clerk (the client library) in `src/chain.rs`. Everything
//! else here is the contract: the messages, the [`Store`] each node keeps, the traits the
//! harness builds your types by, and the glue ([`Replica`]) that reports what each node applied.
//! The control plane is the harness's configuration service
//! ([`harness::services::Membership`]). The handout is `labs/lab05-chain-replication/README.md`.

pub mod chain;
pub mod properties;
pub mod replica;
pub mod scenarios;
pub mod scripted;
pub mod store;

pub use harness;
pub use harness::linearizability::{KvOp, KvRet};
pub use harness::services::{Configuration, MembershipMsg};
use harness::{Duration, NodeId, Process, Protocol};
pub use replica::Replica;
use serde::{Deserialize, Serialize};
pub use store::Store;

/// A write's position in the chain's history: the head numbers writes 1, 2, 3, ...
pub type Seq = u64;

/// A configuration's number (see [`Configuration`]).
pub type Epoch = u64;

/// A write, as the head numbered it: which clerk asked, its operation number, and the operation
/// (a put or an append).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Write {
    /// Its place in the history.
    pub seq: Seq,
    /// The clerk that asked for it (the tail answers that clerk).
    pub clerk: NodeId,
    /// The clerk's number for the operation: a retry keeps it.
    pub cseq: u64,
    /// The operation.
    pub op: KvOp,
}

/// The messages: the control plane's, the chain's, the clerks', and CRAQ's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// To and from the control plane: heartbeats, queries and configurations.
    Membership(MembershipMsg),
    /// Writes down the chain, from a node to its successor, in seq order.
    Forward {
        /// The sender's epoch.
        epoch: Epoch,
        /// The writes (one, usually; more when resending).
        writes: Vec<Write>,
    },
    /// Back up the chain: every write up to `seq` has reached the tail.
    Ack {
        /// The sender's epoch.
        epoch: Epoch,
        /// Cumulative: writes `1..=seq` are committed.
        seq: Seq,
    },
    /// To a node's new predecessor, after a reconfiguration: what the sender holds and what it
    /// knows is committed.
    Resume {
        /// The new epoch.
        epoch: Epoch,
        /// The sender holds writes `1..=have`.
        have: Seq,
        /// Writes `1..=acked` have reached the tail.
        acked: Seq,
    },
    /// The answer to a `Resume`: every write the successor lacks (possibly none). A node that
    /// got a new predecessor serves reads only once this has arrived.
    Catchup {
        /// The epoch of the `Resume`.
        epoch: Epoch,
        /// The writes after the successor's `have`, in order.
        writes: Vec<Write>,
        /// Writes `1..=acked` have reached the tail (their clerks have been answered).
        acked: Seq,
    },
    /// A clerk asks the head for a write.
    ClientWrite {
        /// The clerk's operation number.
        cseq: u64,
        /// A put or an append.
        op: KvOp,
    },
    /// A clerk asks for a read: of the tail, or, with CRAQ, of any node.
    ClientRead {
        /// The clerk's operation number.
        cseq: u64,
        /// The key.
        key: String,
    },
    /// A node answers a clerk.
    ClientReply {
        /// The operation.
        cseq: u64,
        /// Its result.
        ret: KvRet,
    },
    /// A node cannot serve the operation now (it is not the head or the tail, has no
    /// configuration yet, or is still catching up): ask the control plane and try again.
    NotHere {
        /// The operation.
        cseq: u64,
    },
    /// CRAQ: a node holding an uncommitted version of `key` asks the tail which is committed.
    VersionQuery {
        /// The sender's epoch.
        epoch: Epoch,
        /// The sender's number for the query.
        query: u64,
        /// The key.
        key: String,
    },
    /// CRAQ: the tail's answer: the seq of the last write to the key that it holds.
    VersionReply {
        /// The tail's epoch.
        epoch: Epoch,
        /// The query answered.
        query: u64,
        /// The committed version (0: the key was never written).
        version: Seq,
    },
}

impl From<MembershipMsg> for Message {
    fn from(m: MembershipMsg) -> Message {
        Message::Membership(m)
    }
}

impl TryFrom<Message> for MembershipMsg {
    type Error = Message;
    fn try_from(m: Message) -> Result<MembershipMsg, Message> {
        match m {
            Message::Membership(m) => Ok(m),
            other => Err(other),
        }
    }
}

impl Message {
    /// The epoch a chain message carries (`None` for the control plane's and the clerks').
    pub fn epoch(&self) -> Option<Epoch> {
        match self {
            Message::Forward { epoch, .. }
            | Message::Ack { epoch, .. }
            | Message::Resume { epoch, .. }
            | Message::Catchup { epoch, .. }
            | Message::VersionQuery { epoch, .. }
            | Message::VersionReply { epoch, .. } => Some(*epoch),
            _ => None,
        }
    }
}

/// The timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Timer {
    /// A node's next heartbeat to the control plane.
    Heartbeat,
    /// A node's check for unacknowledged writes and an unanswered `Resume`.
    Resend,
    /// A clerk has waited long enough for an answer.
    Retry,
    /// The control plane's periodic check (yours never fire it).
    Control,
}

/// What a node reports; the glue reports it for you, from your [`Store`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// The node applied this write.
    Applied(Write),
}

/// Lab 05's protocol. A clerk is handed key-value operations and answers with their results.
#[derive(Clone, Copy, Debug)]
pub enum ChainKv {}

impl Protocol for ChainKv {
    type Msg = Message;
    type Timer = Timer;
    type Request = KvOp;
    type Response = KvRet;
    type Output = Event;
}

/// Where reads are served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reads {
    /// Parts A and B: only the tail answers reads.
    Tail,
    /// Part C: any node answers (CRAQ): a clean key at once, a dirty one after asking the tail.
    Craq,
}

/// The timing constants. Students are graded at the default; the reference solution must pass
/// at both ends of every range too, and a submission may be tried there (`COURSE_TIMING`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// How often a node heartbeats to the control plane, which removes a node it has not heard
    /// from for [`Timing::failure_timeout`].
    pub heartbeat_interval: Duration,
    /// How long a node waits for progress (an ack, a catchup) before it sends again.
    pub resend_interval: Duration,
    /// How long a clerk waits for an answer before it asks the control plane for the
    /// configuration and tries again.
    pub clerk_retry: Duration,
}

impl Timing {
    /// The legal range of `heartbeat_interval`.
    pub const HEARTBEAT_RANGE: (Duration, Duration) =
        (Duration::from_millis(10), Duration::from_millis(30));
    /// The legal range of `resend_interval`.
    pub const RESEND_RANGE: (Duration, Duration) =
        (Duration::from_millis(50), Duration::from_millis(100));
    /// The legal range of `clerk_retry`.
    pub const RETRY_RANGE: (Duration, Duration) =
        (Duration::from_millis(100), Duration::from_millis(200));
    /// The values graded by default.
    pub const DEFAULT: Timing = Timing {
        heartbeat_interval: Duration::from_millis(20),
        resend_interval: Duration::from_millis(50),
        clerk_retry: Duration::from_millis(100),
    };
    /// The slowest legal choice.
    pub const SLOWEST: Timing = Timing {
        heartbeat_interval: Self::HEARTBEAT_RANGE.1,
        resend_interval: Self::RESEND_RANGE.1,
        clerk_retry: Self::RETRY_RANGE.1,
    };

    /// The timing a run uses: the default, or the ends of the legal ranges when
    /// `COURSE_TIMING=min` or `max`.
    pub fn from_env() -> Timing {
        let fastest = Timing {
            heartbeat_interval: Self::HEARTBEAT_RANGE.0,
            resend_interval: Self::RESEND_RANGE.0,
            clerk_retry: Self::RETRY_RANGE.0,
        };
        harness::lab::timing_choice().pick(Timing::DEFAULT, fastest, Timing::SLOWEST)
    }

    /// How long the control plane waits for a heartbeat before it removes a node.
    pub fn failure_timeout(&self) -> Duration {
        self.heartbeat_interval.times(10)
    }
}

/// A chain node, built by the harness for each replica (at the start; nodes crash for good).
pub trait ChainNode: Process<ChainKv> + 'static {
    /// A node `me` that learns its place from the control plane `control`.
    fn new(me: NodeId, control: NodeId, timing: Timing, reads: Reads) -> Self
    where
        Self: Sized;

    /// The node's history of applied writes (the glue reports what you apply to it).
    fn store(&self) -> &Store;
}

/// A clerk: a simulated client process. The harness hands it one operation at a time; it finds
/// the head (writes) or a node that serves reads from the configuration, retries until it gets
/// an answer, and answers the harness with the result.
pub trait ChainClerk: Process<ChainKv> + 'static {
    /// A clerk `me` that asks the control plane `control` where the chain is.
    fn new(me: NodeId, control: NodeId, timing: Timing, reads: Reads) -> Self
    where
        Self: Sized;
}

/// The lab's registry, running the chain node `N` and the clerk `C`; `package` names the package
/// for the replay commands a failing test prints.
pub fn lab<N: ChainNode, C: ChainClerk>(package: &'static str) -> harness::Lab {
    harness::Lab {
        id: "lab05",
        topic: "chain-replication",
        package,
        student_files: &["labs/lab05-chain-replication/src/chain.rs"],
        snapshots: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"),
        scenarios: harness::lab::graded(scenarios::all::<N, C>(Timing::from_env())),
        prerequisite: None,
    }
}

/// One `#[test]` per scenario of lab 05, running the chain node and clerk given.
#[macro_export]
macro_rules! grading_tests {
    ($node:ty, $clerk:ty) => {
        $crate::harness::graded_tests!(
            $crate::lab::<$node, $clerk>(env!("CARGO_PKG_NAME"));
            chain_of_3,
            chain_of_5,
            lossy_links,
            slow_middle_link,
            head_crash,
            middle_crash,
            tail_crash,
            two_crashes,
            crash_mid_stream,
            node_joins,
            lossy_reconfiguration,
            middle_swallows_writes,
            tail_acks_as_middle_fails,
            stale_epoch,
            craq_read_mostly,
            craq_write_heavy,
            craq_dirty_reads,
            craq_tail_crash,
        );
    };
}
