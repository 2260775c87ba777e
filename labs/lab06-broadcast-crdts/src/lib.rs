//! Lab 06: replication without consensus. Broadcast protocols (part A), state-based CRDTs
//! (part B; Shapiro, Preguiça, Baquero and Zawirski, "Conflict-free replicated data types",
//! SSS 2011) and anti-entropy between replicas over a network that loses, duplicates and
//! reorders, through partitions and restarts (part C).
//!
//! You write three files, one per part: `src/broadcast.rs` (a node that broadcasts best-effort,
//! eager-reliable or by gossip), `src/crdt.rs` (six replicated data types) and
//! `src/anti_entropy.rs` (the replica that spreads a CRDT's state). Everything else here is the
//! contract: the messages, the traits the harness builds your types by, and the glue
//! ([`driver`]) that reports what your replicas hold. The handout is
//! `labs/lab06-broadcast-crdts/README.md`.

pub mod anti_entropy;
pub mod broadcast;
pub mod crdt;
pub mod driver;
pub mod properties;
pub mod scenarios;
pub mod spec;

pub use harness;
use harness::node::Data;
use harness::{Duration, NodeId, Process, Protocol};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::marker::PhantomData;

// ---------------------------------------------------------------------------------------------
// Part A: broadcast.
// ---------------------------------------------------------------------------------------------

/// Which broadcast a node runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// Send the message to every other node once, and deliver it to yourself.
    BestEffort,
    /// Best-effort, and every node relays each message to every other node the first time it
    /// receives it, so that it reaches everyone even if its sender crashed mid-send.
    EagerReliable,
    /// Push each message to `fanout` peers drawn at random from the node's own stream; a node
    /// that receives a message for the first time with `hops < rounds` pushes it on the same way
    /// with `hops + 1`.
    Gossip {
        /// How many distinct peers each push goes to.
        fanout: usize,
        /// How many hops a message travels at most.
        rounds: u32,
    },
}

/// A broadcast message: `seq` numbers `origin`'s broadcasts from 1; `hops` counts how many times
/// it was pushed on (gossip reads it; the origin's own sends carry 1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rumor {
    /// Who broadcast it.
    pub origin: NodeId,
    /// The origin's number for it: 1, 2, 3, ...
    pub seq: u64,
    /// Sends since the origin: 1 on the origin's own sends.
    pub hops: u32,
}

/// What a broadcasting node reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Delivery {
    /// The node delivered `origin`'s broadcast number `seq` (to its application).
    Delivered {
        /// Who broadcast it.
        origin: NodeId,
        /// Its number.
        seq: u64,
    },
}

/// Part A's protocol: the workload asks a node to broadcast (`()`), and the node answers nothing.
#[derive(Clone, Copy, Debug)]
pub enum Bcast {}

impl Protocol for Bcast {
    type Msg = Rumor;
    type Timer = ();
    type Request = ();
    type Response = ();
    type Output = Delivery;
}

/// A broadcasting node, built by the harness for each of `nodes` processes `n0..`.
pub trait Broadcaster: Process<Bcast> + 'static {
    /// Node `me` of `n0..n{nodes-1}`, running the broadcast `kind`.
    fn new(me: NodeId, nodes: usize, kind: Kind) -> Self
    where
        Self: Sized;
}

// ---------------------------------------------------------------------------------------------
// Part B: CRDTs.
// ---------------------------------------------------------------------------------------------

/// A state-based CRDT (a convergent replicated data type): a value type whose states form a
/// join-semilattice. `merge` must compute the least upper bound (idempotent, commutative,
/// associative), and `update` may only move a state up in the order that `merge` defines
/// (`a <= b` exactly when `a.merge(b) == b`).
pub trait Crdt: Data + PartialEq {
    /// An update operation.
    type Op: Data + PartialEq;
    /// What a query returns.
    type Value: Data + PartialEq;
    /// The bottom state: no update applied.
    fn new() -> Self;
    /// Applies `op`, made at replica `me`, to this state.
    fn update(&mut self, me: NodeId, op: &Self::Op);
    /// The value the state stands for.
    fn query(&self) -> Self::Value;
    /// Merges `other` into this state: afterwards it is the least upper bound of both.
    fn merge(&mut self, other: &Self);
}

/// A G-Counter's only update: add `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Increment(pub u64);

/// A PN-Counter's updates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CounterOp {
    /// Add `n`.
    Increment(u64),
    /// Subtract `n`.
    Decrement(u64),
}

/// A register's update: assign the value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assign(pub String);

/// An OR-Set's updates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SetOp {
    /// Add the element.
    Add(String),
    /// Remove the element: the adds this replica has observed are undone; concurrent ones win.
    Remove(String),
}

/// A map's update: apply `op` to the CRDT under `key` (created at bottom if absent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapOp<O> {
    /// The key.
    pub key: String,
    /// The update of its value.
    pub op: O,
}

/// The six types of part B, and the replica and broadcaster of parts A and C: what the harness
/// grades. `Yours` names the ones in this package's files.
pub trait Submission: 'static {
    /// Part A.
    type Broadcast: Broadcaster;
    /// A grow-only counter.
    type GCounter: Crdt<Op = Increment, Value = u64>;
    /// A counter that also decrements.
    type PnCounter: Crdt<Op = CounterOp, Value = i64>;
    /// A last-writer-wins register (`None` before any assignment).
    type LwwRegister: Crdt<Op = Assign, Value = Option<String>>;
    /// A multi-value register: the values of every maximal concurrent assignment.
    type MvRegister: Crdt<Op = Assign, Value = BTreeSet<String>>;
    /// An add-wins observed-remove set.
    type OrSet: Crdt<Op = SetOp, Value = BTreeSet<String>>;
    /// A map from keys to CRDTs of type `V`; its query lists the keys ever updated.
    type Map<V: Crdt>: Crdt<Op = MapOp<V::Op>, Value = BTreeMap<String, V::Value>>;
    /// Part C's replica of a CRDT `C`.
    type Replica<C: Crdt>: ReplicaNode<C>;
}

/// The code in this package's student files.
#[derive(Debug)]
pub enum Yours {}

impl Submission for Yours {
    type Broadcast = broadcast::Node;
    type GCounter = crdt::GCounter;
    type PnCounter = crdt::PnCounter;
    type LwwRegister = crdt::LwwRegister;
    type MvRegister = crdt::MvRegister;
    type OrSet = crdt::OrSet;
    type Map<V: Crdt> = crdt::CrdtMap<V>;
    type Replica<C: Crdt> = anti_entropy::Node<C>;
}

// ---------------------------------------------------------------------------------------------
// Parts B and C: replicas of a CRDT.
// ---------------------------------------------------------------------------------------------

/// A message between replicas: the sender's whole current state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Message<C> {
    /// The sender's state when it sent this.
    State(C),
}

/// A replica's timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tick {
    /// Time to send the state to the peers.
    Gossip,
}

/// A client's request to a replica.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request<O> {
    /// Apply this update.
    Update(O),
}

/// A replica's answer: the update is applied (and, in part C, durable).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// Done.
    Done,
}

/// What the glue reports of a replica after each handler (you never report these).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub enum Observation<C: Crdt> {
    /// The replica's query result changed to this.
    Query(C::Value),
    /// Part B: the replica's state changed to this.
    State(C),
    /// Part B: an update took the state from `before` to `after`.
    Updated {
        /// The state before the update.
        before: C,
        /// The state after it.
        after: C,
    },
}

/// The protocol of replicas of the CRDT `C`.
#[derive(Debug)]
pub struct Replication<C>(PhantomData<fn() -> C>);

impl<C> Clone for Replication<C> {
    fn clone(&self) -> Self {
        Replication(PhantomData)
    }
}

impl<C: Crdt> Protocol for Replication<C> {
    type Msg = Message<C>;
    type Timer = Tick;
    type Request = Request<C::Op>;
    type Response = Response;
    type Output = Observation<C>;
}

/// Part C's timing: how often a replica sends its state to its peers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// The period of the gossip timer.
    pub gossip_interval: Duration,
}

impl Timing {
    /// The legal range of `gossip_interval`.
    pub const GOSSIP_RANGE: (Duration, Duration) =
        (Duration::from_millis(20), Duration::from_millis(50));
    /// The values graded by default.
    pub const DEFAULT: Timing = Timing { gossip_interval: Duration::from_millis(30) };

    /// The timing a run uses: the default, or an end of the legal range when
    /// `COURSE_TIMING=min` or `max`.
    pub fn from_env() -> Timing {
        harness::lab::timing_choice().pick(
            Timing::DEFAULT,
            Timing { gossip_interval: Self::GOSSIP_RANGE.0 },
            Timing { gossip_interval: Self::GOSSIP_RANGE.1 },
        )
    }
}

/// Part C's replica: applies updates locally (durably, before answering), sends its whole state
/// to every peer every `gossip_interval`, and merges every state it receives.
pub trait ReplicaNode<C: Crdt>: Process<Replication<C>> + 'static {
    /// Replica `me`, among `peers` (every replica but `me`).
    fn new(me: NodeId, peers: Vec<NodeId>, timing: Timing) -> Self
    where
        Self: Sized;
    /// The replica's current state (the glue reports its query).
    fn state(&self) -> &C;
}

/// The lab's registry, running the submission `S`; `package` names the package for the replay
/// commands a failing test prints.
pub fn lab<S: Submission>(package: &'static str) -> harness::Lab {
    harness::Lab {
        id: "lab06",
        topic: "broadcast-crdts",
        package,
        student_files: &[
            "labs/lab06-broadcast-crdts/src/broadcast.rs",
            "labs/lab06-broadcast-crdts/src/crdt.rs",
            "labs/lab06-broadcast-crdts/src/anti_entropy.rs",
        ],
        snapshots: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"),
        scenarios: scenarios::all::<S>(Timing::from_env()),
        prerequisite: None,
    }
}

/// One `#[test]` per scenario of lab 06, running the submission given.
#[macro_export]
macro_rules! grading_tests {
    ($submission:ty) => {
        $crate::harness::graded_tests!(
            $crate::lab::<$submission>(env!("CARGO_PKG_NAME"));
            best_effort,
            eager_reliable,
            reliable_sender_crash,
            reliable_node_crash,
            gossip_10,
            gossip_100,
            g_counter,
            pn_counter,
            lww_register,
            mv_register,
            or_set,
            crdt_map,
            quiet_network,
            heavy_loss,
            partition_heals,
            crash_restart,
            seven_replicas,
        );
    };
}
