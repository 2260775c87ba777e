//! Lab 00 (warm-up): a reliable link over fair-loss links.
//!
//! The network may lose, duplicate and reorder packets. Each node runs one [`ReliableLink`] that
//! turns it into a link that delivers every message exactly once, in the order it was sent:
//! sequence numbers, acknowledgements, retransmission and deduplication. The handout is
//! `labs/lab00-links/README.md`; the file you edit is `labs/lab00-links/src/link.rs`.
//!
//! This file is the contract: the wire format, the timing constants and what the harness asks of
//! a node. The scenarios live in [`scenarios`], the properties in [`properties`].

pub mod link;
pub mod properties;
pub mod scenarios;

pub use harness;
use harness::{Duration, NodeId, Process, Protocol};
use serde::{Deserialize, Serialize};

/// What a link sends over the network.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Packet {
    /// The `seq`-th message from this sender to this receiver, counting from 0.
    Data {
        /// The message's position on its link: 0 for the first message to this receiver.
        seq: u64,
        /// The application's message.
        payload: u64,
    },
    /// Cumulative acknowledgement: "I have delivered every message with `seq < next`".
    Ack {
        /// The next sequence number the receiver expects.
        next: u64,
    },
}

/// The one timer the contract fixes: retransmit message `seq` to `to` if it is still
/// unacknowledged.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Retransmit {
    /// The receiver.
    pub to: NodeId,
    /// The message's sequence number on that link.
    pub seq: u64,
}

/// The application asks the link to send a message.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SendRequest {
    /// The receiver.
    pub to: NodeId,
    /// The message. Payloads are opaque and may repeat: two sends of the same payload are two
    /// messages.
    pub payload: u64,
}

/// The link hands a message to the application at the receiver.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Delivery {
    /// Who sent it.
    pub from: NodeId,
    /// The message.
    pub payload: u64,
}

/// Lab 00's protocol: the types every node of the lab speaks.
#[derive(Clone, Copy, Debug)]
pub enum Links {}

impl Protocol for Links {
    type Msg = Packet;
    type Timer = Retransmit;
    type Request = SendRequest;
    type Response = ();
    type Output = Delivery;
}

/// The timing contract. The harness picks the value and passes it to [`ReliableLink::new`]; a
/// correct link passes every scenario with any value in [`Timing::RETRANSMIT_RANGE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Timing {
    /// How long a sender waits for an acknowledgement before sending a message again, and
    /// again after each retransmission.
    pub retransmit_after: Duration,
}

impl Timing {
    /// The legal range of `retransmit_after`.
    pub const RETRANSMIT_RANGE: (Duration, Duration) =
        (Duration::from_millis(10), Duration::from_millis(40));

    /// The value graded by default.
    pub const DEFAULT: Timing = Timing { retransmit_after: Duration::from_millis(20) };

    /// The timing a run uses: the default, or an end of the legal range when
    /// `COURSE_TIMING=min` or `max` (CI runs the solution at both ends).
    pub fn from_env() -> Timing {
        let (lo, hi) = Timing::RETRANSMIT_RANGE;
        harness::lab::timing_choice().pick(
            Timing::DEFAULT,
            Timing { retransmit_after: lo },
            Timing { retransmit_after: hi },
        )
    }
}

/// What the harness asks of a node: to be built from its id and the timing, and to handle
/// the events of [`Process`].
///
/// - `on_request(SendRequest { to, payload })`: the application at this node sends a message.
/// - `on_message(from, Packet)`: a packet arrived.
/// - `on_timer(Retransmit)`: a retransmission timer fired.
/// - `on_start`: the node started or restarted; its storage holds what it synced before.
///
/// A delivery is `ctx.output(Delivery { from, payload })`.
///
/// `Clone` and `Hash` let the search scenario copy a node and tell its states apart: derive them
/// (`#[derive(Clone, Debug, Hash)]`) on `Link` and on every type it holds.
pub trait ReliableLink: Process<Links> + Clone + std::hash::Hash + 'static {
    /// A fresh node (at the start, and after every restart).
    fn new(me: NodeId, timing: Timing) -> Self;
}

/// The lab's registry, running the node type `N`; `package` names the package for the replay
/// commands a failing test prints.
pub fn lab<N: ReliableLink>(package: &'static str) -> harness::Lab {
    harness::Lab {
        id: "lab00",
        topic: "links",
        package,
        student_files: &["labs/lab00-links/src/link.rs"],
        snapshots: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"),
        scenarios: scenarios::registry::<N>(Timing::from_env()),
        prerequisite: None,
    }
}

/// One `#[test]` per scenario of lab 00, running the node type given.
#[macro_export]
macro_rules! grading_tests {
    ($node:ty) => {
        $crate::harness::graded_tests!(
            $crate::lab::<$node>(env!("CARGO_PKG_NAME"));
            no_faults,
            loss_10,
            loss_30,
            loss_50,
            duplication,
            reordering,
            partition_heals,
            acks_cut_off,
            receiver_crash,
            burst,
            every_interleaving,
        );
    };
}
