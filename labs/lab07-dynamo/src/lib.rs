//! Lab 07: a Dynamo-style key-value store (DeCandia et al., "Dynamo: Amazon's highly available
//! key-value store", SOSP 2007): consistent hashing with virtual nodes, a coordinator that waits
//! for W of N replicas on writes and R on reads, versions whose conflicts are kept as siblings,
//! read repair, a sloppy quorum with hinted handoff, and Merkle-tree anti-entropy.
//!
//! You write the ring in `src/ring.rs` (part A) and the storage node in `src/node.rs` (parts B
//! and C). Everything else here is the contract: the messages, the versions, the [`Store`] each
//! node keeps (the glue, [`Replica`], makes it durable and reports it), the Merkle tree's hash
//! functions, and the traits the harness builds your types by. The handout is
//! `labs/lab07-dynamo/README.md`.

pub mod merkle;
pub mod node;
pub mod probe;
pub mod properties;
pub mod replica;
pub mod ring;
pub mod scenarios;
pub mod store;
pub mod workload;

pub use harness;
use harness::{Duration, NodeId, Process, Protocol};
pub use replica::Replica;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
pub use store::Store;

/// A version's identity: the node that coordinated the write, and that node's count of the
/// writes it has coordinated (its "dot", after Preguiça et al.'s dotted version vectors).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Dot {
    /// The coordinator.
    pub node: NodeId,
    /// Its counter: 1 for its first write, 2 for the next, across restarts.
    pub counter: u64,
}

/// A vector clock: for each node, how many of its writes are known. A node absent is 0.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct VClock(pub BTreeMap<NodeId, u64>);

impl VClock {
    /// The empty clock: a client that has read nothing.
    pub fn new() -> VClock {
        VClock(BTreeMap::new())
    }

    /// The entry of `node` (0 if absent).
    pub fn get(&self, node: NodeId) -> u64 {
        self.0.get(&node).copied().unwrap_or(0)
    }

    /// Sets the entry of `node`.
    pub fn set(&mut self, node: NodeId, counter: u64) {
        self.0.insert(node, counter);
    }
}

/// One version of a key's value: the value, its dot, and the context its writer had read (the
/// versions it replaces).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Version {
    /// The value written.
    pub value: String,
    /// Who coordinated the write, and its count there.
    pub dot: Dot,
    /// The context the client sent with the write: every version it covers is replaced.
    pub context: VClock,
}

/// A Merkle exchange's name: who started it, and its number there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Session {
    /// The node that sent the root.
    pub initiator: NodeId,
    /// The initiator's count of its exchanges.
    pub number: u64,
}

/// The messages between storage nodes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// Coordinator to replica: merge these versions of `key` into your store (or, with `home`,
    /// keep them as a hint for that owner), then answer `Stored`.
    Replicate {
        /// The coordinator's number for the request.
        req: u64,
        /// The key.
        key: String,
        /// The versions (one, for a client's write).
        siblings: Vec<Version>,
        /// Set when the receiver stands in for an owner that did not answer (a sloppy quorum).
        home: Option<NodeId>,
    },
    /// Replica to coordinator: the versions of request `req` are durable here.
    Stored {
        /// The request.
        req: u64,
        /// The key.
        key: String,
    },
    /// Coordinator to replica: send me your versions of `key`.
    Fetch {
        /// The coordinator's number for the request.
        req: u64,
        /// The key.
        key: String,
    },
    /// Replica to coordinator: my versions of `key` (none if I never stored it).
    Fetched {
        /// The request.
        req: u64,
        /// The key.
        key: String,
        /// The replica's sibling set.
        siblings: Vec<Version>,
    },
    /// Read repair, coordinator to a replica whose answer lacked versions: merge these.
    Repair {
        /// The key.
        key: String,
        /// The reconciled sibling set of the read.
        siblings: Vec<Version>,
    },
    /// Hinted handoff, a stand-in to the owner it stood in for: versions it kept for you.
    Handoff {
        /// The key.
        key: String,
        /// The hinted versions.
        siblings: Vec<Version>,
    },
    /// Owner to stand-in: the handed-off versions are durable here.
    HandoffAck {
        /// The key.
        key: String,
        /// The versions received (the stand-in drops its hint if it holds nothing newer).
        siblings: Vec<Version>,
    },
    /// Anti-entropy: the sender's hashes of some nodes of one level of its Merkle tree over the
    /// keys both ends replicate.
    MerkleHashes {
        /// The exchange.
        session: Session,
        /// The level (0: the root; [`merkle::LEVELS`]: the leaves).
        level: u8,
        /// (index within the level, hash).
        hashes: Vec<(u32, u64)>,
    },
    /// Anti-entropy: the sender's entries in leaves whose hashes differ.
    MerkleLeaves {
        /// The exchange.
        session: Session,
        /// The leaves.
        leaves: Vec<u32>,
        /// Every key of those leaves the sender holds (of those both ends replicate), with its
        /// sibling set.
        entries: Vec<(String, Vec<Version>)>,
        /// False on the first send (answer with your own entries of these leaves), true on the
        /// answer.
        reply: bool,
    },
}

/// The timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Timer {
    /// A coordinated request has waited `request_timeout`.
    RequestTimeout {
        /// The request.
        req: u64,
    },
    /// Time to hand hints back to their owners.
    HandoffRetry,
    /// Time to start a Merkle exchange with the next peer.
    AntiEntropy,
}

/// What a client asks of any node (which then coordinates the request).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Read a key: every sibling, and a context to write with.
    Get {
        /// The key.
        key: String,
    },
    /// Write a key, replacing the versions `context` covers.
    Put {
        /// The key.
        key: String,
        /// The value (unique in every scenario).
        value: String,
        /// The context of the client's last read of the key (empty for a blind write).
        context: VClock,
    },
}

impl Request {
    /// The key asked about.
    pub fn key(&self) -> &str {
        match self {
            Request::Get { key } | Request::Put { key, .. } => key,
        }
    }
}

/// A node's answer to a client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// The reconciled siblings of R replicas' answers, and the context that covers them all.
    Values {
        /// The siblings (empty: the key was never written).
        siblings: Vec<Version>,
        /// The context to send with the next write of the key.
        context: VClock,
    },
    /// The write is durable at W nodes.
    Stored,
    /// Too few replicas answered within the request timeout (the write may still have reached
    /// some).
    Unavailable,
}

/// What the harness reports about nodes (you never output these yourself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// A placement probe's preference list for a key (part A).
    Placed {
        /// How many virtual nodes each node had.
        vnodes: u32,
        /// The key.
        key: String,
        /// Its preference list.
        replicas: Vec<NodeId>,
    },
    /// The glue: a node's store now holds these siblings of `key`.
    Stored {
        /// The key.
        key: String,
        /// The sibling set.
        siblings: Vec<Version>,
    },
    /// The glue: a node now keeps these hinted versions of `key` for `home` (none: dropped).
    Hinted {
        /// The owner the hint is for.
        home: NodeId,
        /// The key.
        key: String,
        /// The hinted versions.
        siblings: Vec<Version>,
    },
}

/// Lab 07's protocol.
#[derive(Clone, Copy, Debug)]
pub enum DynamoKv {}

impl Protocol for DynamoKv {
    type Msg = Message;
    type Timer = Timer;
    type Request = Request;
    type Response = Response;
    type Output = Event;
}

/// The timing constants. Students are graded at the default; the reference solution must pass
/// at both ends of every range too (`COURSE_TIMING=min` or `max`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// How long a coordinator waits for answers before it gives up (or, with a sloppy quorum,
    /// turns to stand-ins once, and waits as long again).
    pub request_timeout: Duration,
    /// How often a node sends its hints to their owners.
    pub handoff_retry: Duration,
    /// How often a node starts a Merkle exchange with its next peer.
    pub anti_entropy_interval: Duration,
}

impl Timing {
    /// The legal range of `request_timeout`.
    pub const REQUEST_TIMEOUT_RANGE: (Duration, Duration) =
        (Duration::from_millis(40), Duration::from_millis(100));
    /// The legal range of `handoff_retry`.
    pub const HANDOFF_RANGE: (Duration, Duration) =
        (Duration::from_millis(50), Duration::from_millis(200));
    /// The legal range of `anti_entropy_interval`.
    pub const ANTI_ENTROPY_RANGE: (Duration, Duration) =
        (Duration::from_millis(50), Duration::from_millis(150));
    /// The values graded by default.
    pub const DEFAULT: Timing = Timing {
        request_timeout: Duration::from_millis(50),
        handoff_retry: Duration::from_millis(100),
        anti_entropy_interval: Duration::from_millis(100),
    };
    /// The slowest legal choice.
    pub const SLOWEST: Timing = Timing {
        request_timeout: Self::REQUEST_TIMEOUT_RANGE.1,
        handoff_retry: Self::HANDOFF_RANGE.1,
        anti_entropy_interval: Self::ANTI_ENTROPY_RANGE.1,
    };

    /// The timing a run uses: the default, or the ends of the legal ranges when
    /// `COURSE_TIMING=min` or `max`.
    pub fn from_env() -> Timing {
        let fastest = Timing {
            request_timeout: Self::REQUEST_TIMEOUT_RANGE.0,
            handoff_retry: Self::HANDOFF_RANGE.0,
            anti_entropy_interval: Self::ANTI_ENTROPY_RANGE.0,
        };
        harness::lab::timing_choice().pick(Timing::DEFAULT, fastest, Timing::SLOWEST)
    }
}

/// A cluster's configuration: the same at every node, fixed for the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The storage nodes, `n0..`, in id order.
    pub nodes: Vec<NodeId>,
    /// Virtual nodes per storage node on the ring.
    pub vnodes: u32,
    /// Replicas per key.
    pub n: usize,
    /// Answers a read waits for.
    pub r: usize,
    /// Acknowledgements a write waits for.
    pub w: usize,
    /// Whether writes may land on stand-ins, with hints, when owners do not answer.
    pub sloppy: bool,
    /// Whether nodes run Merkle anti-entropy (off only where read repair is graded alone).
    pub anti_entropy: bool,
    /// The timing constants.
    pub timing: Timing,
}

/// Part A: a consistent-hashing ring, built the same way at every node.
pub trait Placement: Send + 'static {
    /// The ring of `nodes`, each with `vnodes` tokens (in any order of `nodes`).
    fn new(nodes: &[NodeId], vnodes: u32) -> Self
    where
        Self: Sized;

    /// The first `n` distinct nodes met walking clockwise from `key`'s position (all of them,
    /// if there are fewer than `n`).
    fn preference_list(&self, key: &str, n: usize) -> Vec<NodeId>;
}

/// Parts B and C: a storage node, built by the glue at every start and restart with the store
/// recovered from its durable storage.
pub trait DynamoNode: Process<DynamoKv> + 'static {
    /// Node `me` of the cluster `config`, holding `store` (empty at the first start).
    fn new(me: NodeId, config: Config, store: Store) -> Self
    where
        Self: Sized;

    /// The node's store (the glue persists and reports what changed after every handler).
    fn store(&mut self) -> &mut Store;
}

/// The lab's registry, running the ring `R` and the node `N`; `package` names the package for
/// the replay commands a failing test prints.
pub fn lab<R: Placement, N: DynamoNode>(package: &'static str) -> harness::Lab {
    harness::Lab {
        id: "lab07",
        topic: "dynamo",
        package,
        student_files: &["labs/lab07-dynamo/src/ring.rs", "labs/lab07-dynamo/src/node.rs"],
        snapshots: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"),
        scenarios: harness::lab::graded(scenarios::all::<R, N>(Timing::from_env())),
        prerequisite: None,
    }
}

/// One `#[test]` per scenario of lab 07, running the ring and node given.
#[macro_export]
macro_rules! grading_tests {
    ($ring:ty, $node:ty) => {
        $crate::harness::graded_tests!(
            $crate::lab::<$ring, $node>(env!("CARGO_PKG_NAME"));
            preference_lists,
            ring_balance,
            placement_agrees,
            quorum_basics,
            lossy_network,
            concurrent_writers,
            replica_restarts,
            strict_partition,
            r1_w3,
            r3_w1,
            eight_nodes_churn,
            stale_reads_r1_w1,
            read_repair,
            hinted_handoff,
            sloppy_partition,
            merkle_repair,
        );
    };
}
