//! An isolation checker for transactional histories, after Jepsen's Elle (Kingsbury and Alvaro,
//! "Elle: Inferring Isolation Anomalies from Experimental Observations", VLDB 2020), on Adya's
//! definitions ("Weak Consistency", 1999).
//!
//! From what clients observed alone, [`check`] infers the dependencies between transactions
//! (write-write, write-read, read-write), adds process and real-time order, and finds:
//!
//! - anomalies visible in single operations: aborted reads (G1a), intermediate reads (G1b),
//!   dirty updates, lost updates, reads inconsistent with the transaction's own writes
//!   (internal), duplicated elements, values nobody wrote (garbage), and list reads that no one
//!   order of appends explains (incompatible order);
//! - cycles, one short witness per strongly connected component, classified by the edges they
//!   need: G0 (write cycles), G1c (circular information flow), G-single (exactly one
//!   anti-dependency: read skew) and G2-item (anti-dependencies: write skew), each also in a
//!   process and a real-time variant when only those orders close it.
//!
//! Each [`Model`] forbids a set of these, so the analysis says which models a history violates
//! and which are the weakest of them. [`explain`] prints each witness as the paper's Figure 2
//! does, and [`html`] draws it.

mod explain;
pub mod generate;
mod graph;
pub mod html;

// Lookups by key and value dominate a check of a long history, so inference uses hash maps;
// it never turns one's iteration order into output without sorting, so results do not depend
// on hashing.
#[allow(clippy::disallowed_types)]
mod infer;
pub mod txn;

pub use explain::{explain, explain_where, summary};
pub use graph::{Cycle, Graph, Kinds, PROCESS, REALTIME, RW, WR, WW, Why, kind_name};
pub use txn::{Key, Mop, TxnHistory, Value, Workload};

use crate::history::Outcome;
use std::collections::BTreeSet;
use std::fmt;

/// The cycle classes of Adya's phenomena, from the weakest condition to the strongest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CycleClass {
    /// Write cycles: write-write edges only.
    G0,
    /// Circular information flow: write-write and write-read edges, at least one write-read.
    G1c,
    /// Exactly one anti-dependency, with dependencies (read skew).
    GSingle,
    /// Two or more anti-dependencies (write skew).
    G2Item,
}

/// Which orders besides the dependencies a cycle needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Variant {
    /// None: dependencies alone.
    Plain,
    /// Process order (a client's transactions in the order it ran them).
    Process,
    /// Real-time order (one transaction completed before another began).
    Realtime,
}

impl CycleClass {
    const ALL: [CycleClass; 4] =
        [CycleClass::G0, CycleClass::G1c, CycleClass::GSingle, CycleClass::G2Item];

    /// The dependency kinds its cycles may use, and the shape they must have.
    fn search(self) -> (Kinds, graph::Shape) {
        match self {
            CycleClass::G0 => (WW, graph::Shape::Any),
            CycleClass::G1c => (WW | WR, graph::Shape::Through(WR)),
            CycleClass::GSingle => (WW | WR | RW, graph::Shape::ExactlyOne(RW)),
            CycleClass::G2Item => (WW | WR | RW, graph::Shape::Through(RW)),
        }
    }
}

impl Variant {
    const ALL: [Variant; 3] = [Variant::Plain, Variant::Process, Variant::Realtime];

    fn kinds(self) -> Kinds {
        match self {
            Variant::Plain => 0,
            Variant::Process => PROCESS,
            Variant::Realtime => PROCESS | REALTIME,
        }
    }
}

/// A kind of anomaly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A dependency cycle.
    Cycle(CycleClass, Variant),
    /// Aborted read: a committed transaction read a value a failed one wrote.
    G1a,
    /// Intermediate read: it read a value that its writer later overwrote in the same
    /// transaction.
    G1b,
    /// A committed write installed over one a failed transaction wrote.
    DirtyUpdate,
    /// Two committed transactions read one version of a key and both wrote it.
    LostUpdate,
    /// A read disagrees with its own transaction's earlier reads and writes.
    Internal,
    /// A list read holds an element twice.
    DuplicateElements,
    /// A read saw a value no transaction wrote.
    GarbageRead,
    /// Two list reads of one key that are not prefixes of one order.
    IncompatibleOrder,
}

impl Kind {
    /// Every kind, cycles first.
    pub fn all() -> Vec<Kind> {
        let mut all: Vec<Kind> = Variant::ALL
            .into_iter()
            .flat_map(|v| CycleClass::ALL.into_iter().map(move |c| Kind::Cycle(c, v)))
            .collect();
        all.extend([
            Kind::G1a,
            Kind::G1b,
            Kind::DirtyUpdate,
            Kind::LostUpdate,
            Kind::Internal,
            Kind::DuplicateElements,
            Kind::GarbageRead,
            Kind::IncompatibleOrder,
        ]);
        all
    }

    /// Elle's name for it: `G0`, `G-single-realtime`, `lost-update`...
    pub fn name(self) -> String {
        match self {
            Kind::Cycle(c, v) => {
                let class = match c {
                    CycleClass::G0 => "G0",
                    CycleClass::G1c => "G1c",
                    CycleClass::GSingle => "G-single",
                    CycleClass::G2Item => "G2-item",
                };
                match v {
                    Variant::Plain => class.to_string(),
                    Variant::Process => format!("{class}-process"),
                    Variant::Realtime => format!("{class}-realtime"),
                }
            }
            Kind::G1a => "G1a".into(),
            Kind::G1b => "G1b".into(),
            Kind::DirtyUpdate => "dirty-update".into(),
            Kind::LostUpdate => "lost-update".into(),
            Kind::Internal => "internal".into(),
            Kind::DuplicateElements => "duplicate-elements".into(),
            Kind::GarbageRead => "garbage-read".into(),
            Kind::IncompatibleOrder => "incompatible-order".into(),
        }
    }

    /// The models that forbid it.
    pub fn forbidden_by(self) -> Vec<Model> {
        Model::ALL.into_iter().filter(|m| m.forbids(self)).collect()
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// A consistency model, as the set of anomalies it forbids (Adya's portable levels, with
/// Elle's session and real-time strengthenings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Model {
    /// PL-1: no write cycles.
    ReadUncommitted,
    /// PL-2: nor aborted, intermediate or circular reads.
    ReadCommitted,
    /// PL-2.99: nor any cycle through item anti-dependencies.
    RepeatableRead,
    /// PL-SI, as far as a dependency graph tells: read committed without read skew or lost
    /// updates; write skew allowed.
    SnapshotIsolation,
    /// PL-3: no dependency cycle at all.
    Serializable,
    /// Snapshot isolation that also respects each client's order.
    StrongSessionSnapshotIsolation,
    /// Snapshot isolation that also respects real time.
    StrongSnapshotIsolation,
    /// Serializability that also respects each client's order.
    StrongSessionSerializable,
    /// Serializability that also respects real time.
    StrictSerializable,
}

impl Model {
    /// Every model, weakest first where they are comparable.
    pub const ALL: [Model; 9] = [
        Model::ReadUncommitted,
        Model::ReadCommitted,
        Model::RepeatableRead,
        Model::SnapshotIsolation,
        Model::Serializable,
        Model::StrongSessionSnapshotIsolation,
        Model::StrongSnapshotIsolation,
        Model::StrongSessionSerializable,
        Model::StrictSerializable,
    ];

    /// Its name on the command line: `snapshot-isolation`...
    pub fn name(self) -> &'static str {
        match self {
            Model::ReadUncommitted => "read-uncommitted",
            Model::ReadCommitted => "read-committed",
            Model::RepeatableRead => "repeatable-read",
            Model::SnapshotIsolation => "snapshot-isolation",
            Model::Serializable => "serializable",
            Model::StrongSessionSnapshotIsolation => "strong-session-snapshot-isolation",
            Model::StrongSnapshotIsolation => "strong-snapshot-isolation",
            Model::StrongSessionSerializable => "strong-session-serializable",
            Model::StrictSerializable => "strict-serializable",
        }
    }

    /// The model with this name.
    pub fn named(name: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Whether it forbids anomalies of this kind. Broken data (internal inconsistency,
    /// duplicates, garbage, incompatible orders) no model explains.
    pub fn forbids(self, kind: Kind) -> bool {
        use CycleClass::*;
        use Model::*;
        let rank = |m: Model| match m {
            ReadUncommitted => 0,
            ReadCommitted => 1,
            _ => 2,
        };
        // Whether the model forbids anti-dependency cycles of the class (the serializable
        // family forbids every class, the snapshot family all but write skew).
        let serial = matches!(
            self,
            RepeatableRead | Serializable | StrongSessionSerializable | StrictSerializable
        );
        let class_forbidden = |c: CycleClass| match c {
            G0 => true,
            G1c => rank(self) >= 1,
            GSingle => rank(self) >= 2,
            G2Item => serial,
        };
        match kind {
            Kind::Cycle(c, Variant::Plain) => class_forbidden(c),
            Kind::Cycle(c, Variant::Process) => {
                class_forbidden(c)
                    && matches!(
                        self,
                        StrongSessionSnapshotIsolation
                            | StrongSnapshotIsolation
                            | StrongSessionSerializable
                            | StrictSerializable
                    )
            }
            Kind::Cycle(c, Variant::Realtime) => {
                class_forbidden(c) && matches!(self, StrongSnapshotIsolation | StrictSerializable)
            }
            Kind::G1a | Kind::G1b => rank(self) >= 1,
            Kind::DirtyUpdate => true,
            Kind::LostUpdate => rank(self) >= 2,
            Kind::Internal
            | Kind::DuplicateElements
            | Kind::GarbageRead
            | Kind::IncompatibleOrder => true,
        }
    }

    /// Whether every anomaly this model forbids, `other` forbids too.
    pub fn weaker_or_equal(self, other: Model) -> bool {
        Kind::all().into_iter().all(|k| !self.forbids(k) || other.forbids(k))
    }

    /// Whether `other` forbids everything this model does, and more.
    pub fn weaker(self, other: Model) -> bool {
        self.weaker_or_equal(other) && !other.weaker_or_equal(self)
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One anomaly found, with its witness. Operations are indices into the history's `ops`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anomaly {
    /// A dependency cycle over the analysis's transactions (see [`Analysis::op_of`]).
    Cycle {
        /// Its class.
        class: CycleClass,
        /// Which orders it needed.
        variant: Variant,
        /// The transactions and the edge between each and the next.
        cycle: Cycle,
    },
    /// `reader` saw `value`, which the failed `writer` wrote.
    AbortedRead { reader: usize, key: Key, value: Value, writer: usize },
    /// `reader` saw `value`, which `writer` overwrote before it committed.
    IntermediateRead { reader: usize, key: Key, value: Value, writer: usize },
    /// `committed` installed `value` after the failed `failed` installed `failed_value`.
    DirtyUpdate { key: Key, failed: usize, failed_value: Value, committed: usize, value: Value },
    /// Each of `ops` read `key` at `read` (`None`: its initial state), then wrote it.
    LostUpdate { key: Key, read: Option<Value>, ops: Vec<usize> },
    /// `op`'s read `mop` should have seen `expected`.
    Internal { op: usize, mop: Mop, expected: String },
    /// `op` read a list holding an element twice.
    DuplicateElements { op: usize, key: Key, read: Vec<Value> },
    /// `op` read a value no transaction wrote.
    GarbageRead { op: usize, key: Key, value: Value },
    /// The two reads of `key` are not prefixes of one order.
    IncompatibleOrder { key: Key, reads: [(usize, Vec<Value>); 2] },
}

impl Anomaly {
    /// Its kind.
    pub fn kind(&self) -> Kind {
        match self {
            Anomaly::Cycle { class, variant, .. } => Kind::Cycle(*class, *variant),
            Anomaly::AbortedRead { .. } => Kind::G1a,
            Anomaly::IntermediateRead { .. } => Kind::G1b,
            Anomaly::DirtyUpdate { .. } => Kind::DirtyUpdate,
            Anomaly::LostUpdate { .. } => Kind::LostUpdate,
            Anomaly::Internal { .. } => Kind::Internal,
            Anomaly::DuplicateElements { .. } => Kind::DuplicateElements,
            Anomaly::GarbageRead { .. } => Kind::GarbageRead,
            Anomaly::IncompatibleOrder { .. } => Kind::IncompatibleOrder,
        }
    }
}

/// The transactions that may have committed (`ok` and `info`), numbered in history order: the
/// nodes of the dependency graph.
#[derive(Debug)]
pub(crate) struct Nodes {
    /// Each node's operation.
    ops: Vec<usize>,
    /// Each operation's node.
    of: Vec<Option<u32>>,
}

/// How many witnesses of each kind an analysis keeps.
const WITNESSES: usize = 8;

/// What [`check`] found in a history.
#[derive(Debug)]
pub struct Analysis {
    /// The workload it was read as.
    pub workload: Workload,
    /// Every anomaly found, cycles first; at most a few witnesses of each kind.
    pub anomalies: Vec<Anomaly>,
    /// The dependency graph.
    pub graph: Graph,
    nodes: Nodes,
}

impl Analysis {
    /// The operation of a transaction in the graph.
    pub fn op_of(&self, node: u32) -> usize {
        self.nodes.ops[node as usize]
    }

    /// The kinds of anomaly found.
    pub fn kinds(&self) -> BTreeSet<Kind> {
        self.anomalies.iter().map(Anomaly::kind).collect()
    }

    /// Whether the history violates `model`.
    pub fn violates(&self, model: Model) -> bool {
        self.anomalies.iter().any(|a| model.forbids(a.kind()))
    }

    /// The weakest models the history violates: each violated model with no weaker violated
    /// one. Empty when it satisfies them all.
    pub fn weakest_violated(&self) -> Vec<Model> {
        let violated: Vec<Model> = Model::ALL.into_iter().filter(|&m| self.violates(m)).collect();
        violated.iter().copied().filter(|&m| !violated.iter().any(|&w| w.weaker(m))).collect()
    }

    /// The strongest models the history satisfies.
    pub fn strongest_satisfied(&self) -> Vec<Model> {
        let kept: Vec<Model> = Model::ALL.into_iter().filter(|&m| !self.violates(m)).collect();
        kept.iter().copied().filter(|&m| !kept.iter().any(|&s| m.weaker(s))).collect()
    }
}

/// Shortens a cycle that needed process or real-time order. Those orders are transitive but
/// stored transitively reduced (each operation linked only to its nearest predecessors), so a
/// search walks them one step at a time; a run of steps between two transactions that one
/// process ran in order, or where the first completed before the second began, becomes one
/// step. The cycle's first step, the one its class requires, always stays.
fn shortcut(cycle: &mut Cycle, h: &TxnHistory, nodes: &Nodes, variant: Variant) {
    let op = |n: u32| &h.ops[nodes.ops[n as usize]];
    let ordered = |a: u32, b: u32| -> Option<Kinds> {
        let (x, y) = (op(a), op(b));
        if x.process == y.process && x.invoked < y.invoked && x.completed().is_some() {
            Some(PROCESS)
        } else if variant == Variant::Realtime && x.completed().is_some_and(|t| t < y.invoked) {
            Some(REALTIME)
        } else {
            None
        }
    };
    let k = cycle.nodes.len();
    // Positions 1..=k, where position k is the first node again.
    let at = |i: usize| cycle.nodes[i % k];
    let mut nodes_out = vec![cycle.nodes[0]];
    let mut kinds_out = vec![cycle.kinds[0]];
    let mut i = 1;
    while i < k {
        nodes_out.push(at(i));
        let jump = (i + 2..=k).rev().find_map(|j| ordered(at(i), at(j)).map(|kind| (j, kind)));
        match jump {
            Some((j, kind)) => {
                kinds_out.push(kind);
                i = j;
            }
            None => {
                kinds_out.push(cycle.kinds[i]);
                i += 1;
            }
        }
    }
    cycle.nodes = nodes_out;
    cycle.kinds = kinds_out;
}

/// Checks a history of the given workload. An error is bad input (a value written twice to a
/// key), in one sentence.
pub fn check(history: &TxnHistory, workload: Workload) -> Result<Analysis, String> {
    let mut nodes = Nodes { ops: Vec::new(), of: vec![None; history.ops.len()] };
    for (i, op) in history.ops.iter().enumerate() {
        if !matches!(op.outcome, Outcome::Fail(_)) {
            nodes.of[i] = Some(nodes.ops.len() as u32);
            nodes.ops.push(i);
        }
    }
    let mut builder = graph::Builder::new(nodes.ops.len());
    let mut anomalies = Vec::new();
    infer::dependencies(workload, history, &nodes, &mut builder, &mut anomalies)?;
    infer::orders(history, &nodes, &mut builder);
    let graph = builder.build();
    // Keep a few witnesses of each direct kind.
    let mut direct: Vec<Anomaly> = Vec::new();
    for a in anomalies {
        if direct.iter().filter(|d| d.kind() == a.kind()).count() < WITNESSES {
            direct.push(a);
        }
    }
    let mut found: Vec<Anomaly> = Vec::new();
    for variant in Variant::ALL {
        for class in CycleClass::ALL {
            let kind = Kind::Cycle(class, variant);
            // A cycle kind needs no search when a kind already found is forbidden by every
            // model that forbids it: the verdicts would not change. This is also what makes
            // a variant's witnesses need their orders: no plain cycle of the class exists.
            let needed = kind.forbidden_by();
            if found.iter().any(|f| needed.iter().all(|m| m.forbids(f.kind()))) {
                continue;
            }
            let (kinds, shape) = class.search();
            let mut cycles = graph::cycles(&graph, kinds | variant.kinds(), shape, WITNESSES);
            if variant != Variant::Plain {
                for cycle in &mut cycles {
                    shortcut(cycle, history, &nodes, variant);
                }
                cycles.sort_by_key(|c| c.nodes.len());
            }
            found.extend(cycles.into_iter().map(|cycle| Anomaly::Cycle { class, variant, cycle }));
        }
    }
    found.extend(direct);
    Ok(Analysis { workload, anomalies: found, graph, nodes })
}
