//! Lab 01: clocks. There is no global clock, so distributed systems order events with clocks of
//! their own making: Lamport clocks (part A) respect causality, vector clocks (part B) capture it
//! exactly, and hybrid logical clocks (part C) stay close to physical time without ever
//! contradicting causality.
//!
//! You write three clock types, one per file: `src/lamport.rs`, `src/vector.rs`, `src/hlc.rs`.
//! The harness runs a driver node (below) around your clock: the workload asks nodes to perform
//! local events and sends, the driver stamps each event, every receive included, reports the
//! timestamp, and persists the clock after every event. The properties compare your timestamps
//! with the true happens-before relation, derived from the trace. The handout is
//! `labs/lab01-clocks/README.md`.

pub mod hlc;
pub mod lamport;
pub mod properties;
pub mod scenarios;
pub mod vector;

pub use harness;
use harness::node::Data;
use harness::{Ctx, Duration, NodeId, Process, Protocol, RequestId};
use serde::{Deserialize, Serialize};

/// A hybrid logical clock timestamp (Kulkarni et al., 2014): `l` is the largest physical time
/// (wall-clock microseconds) the node has heard of, `c` counts events that share that `l`.
/// Timestamps order by `l`, then `c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Hlc {
    /// The logical time in wall-clock microseconds.
    pub l: i64,
    /// The counter that breaks ties within one `l`.
    pub c: u32,
}

/// How two vector timestamps relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Causality {
    /// The first happened before the second.
    Before,
    /// The first happened after the second.
    After,
    /// Neither happened before the other.
    Concurrent,
    /// The same timestamp.
    Equal,
}

/// Part A: a Lamport clock.
///
/// Pinned conventions: it starts at 0. A local event or a send first increments the counter,
/// then takes it as the event's timestamp (a send carries it). A receive sets the counter to
/// max(local, received) + 1 and takes that. Ties between nodes are broken by node id.
pub trait LamportClock: Data {
    /// A clock at 0.
    fn new() -> Self;
    /// A local event or a send: the event's timestamp.
    fn tick(&mut self) -> u64;
    /// A receive of a message stamped `received`: the receive event's timestamp.
    fn receive(&mut self, received: u64) -> u64;
}

/// Part B: a vector clock.
///
/// Pinned conventions: it starts at all zeros, one entry per node. A local event or a send
/// increments the node's own entry; the event's timestamp (which a send carries) is the vector
/// after the increment. A receive takes the element-wise maximum with the received vector and
/// then increments the own entry.
pub trait VectorClock: Data {
    /// The clock of node `me` in a cluster of `nodes` nodes.
    fn new(me: NodeId, nodes: usize) -> Self;
    /// A local event or a send: the event's timestamp.
    fn tick(&mut self) -> Vec<u64>;
    /// A receive of a message stamped `received`: the receive event's timestamp.
    fn receive(&mut self, received: &[u64]) -> Vec<u64>;
    /// How the event stamped `a` relates to the event stamped `b`.
    fn compare(a: &[u64], b: &[u64]) -> Causality;
}

/// Part C: a hybrid logical clock, following the update rules of Kulkarni et al. (2014).
/// `wall` is the node's wall clock in microseconds, read by the driver at the event.
pub trait HybridClock: Data {
    /// A clock that has seen nothing: `l` and `c` are 0.
    fn new() -> Self;
    /// A local event or a send at wall time `wall`: the event's timestamp.
    fn tick(&mut self, wall: i64) -> Hlc;
    /// A receive, at wall time `wall`, of a message stamped `received`.
    fn receive(&mut self, received: Hlc, wall: i64) -> Hlc;
}

/// A timestamp of whichever clock the scenario runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stamp {
    /// Part A.
    Lamport(u64),
    /// Part B.
    Vector(Vec<u64>),
    /// Part C.
    Hybrid(Hlc),
}

/// What the workload asks a node to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// A local event.
    Local,
    /// Send a message to `to`.
    Send {
        /// The destination.
        to: NodeId,
    },
}

/// The kind of a stamped event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// A local event.
    Local,
    /// A send to `to`.
    Send {
        /// The destination.
        to: NodeId,
    },
    /// A receive from `from`.
    Receive {
        /// The sender.
        from: NodeId,
    },
}

/// What the driver reports for every event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// Its timestamp, from your clock.
    pub stamp: Stamp,
    /// The node's wall clock when it happened, in microseconds.
    pub wall: i64,
}

/// Lab 01's protocol: messages carry a timestamp and nothing else.
#[derive(Clone, Copy, Debug)]
pub enum Clocks {}

impl Protocol for Clocks {
    type Msg = Stamp;
    type Timer = ();
    type Request = Action;
    type Response = ();
    type Output = Event;
}

/// Part C's timing contract: how far the harness may push the wall clocks. Every HLC bound is a
/// formula of these constants.
pub mod timing {
    use harness::Duration;

    /// The largest offset of a wall clock from true time at the start of a run.
    pub const MAX_OFFSET: Duration = Duration::from_millis(5);
    /// The largest drift of a clock, in parts per million.
    pub const MAX_DRIFT_PPM: u64 = 200;
    /// The largest backward step of one wall clock in one run.
    pub const MAX_BACKWARD_STEP: Duration = Duration::from_millis(10);

    /// The bound on l minus the wall clock for a run of `duration`. l is a reading some node's
    /// wall clock gave at or before now; two clocks differ by at most twice the offset plus
    /// twice the drift accumulated over the run, and the reading node's own backward step can
    /// put its clock further behind. (Another node stepping back later only lowers its future
    /// readings, never the old one l came from.)
    pub fn max_skew(duration: Duration) -> Duration {
        let drift = Duration(duration.as_micros() * MAX_DRIFT_PPM / 1_000_000);
        MAX_OFFSET.times(2) + drift.times(2) + MAX_BACKWARD_STEP
    }
}

/// The three clock types a lab 01 run can use: the student's, or the solution's.
pub trait ClockSet: 'static {
    /// Part A's clock.
    type Lamport: LamportClock;
    /// Part B's clock.
    type Vector: VectorClock;
    /// Part C's clock.
    type Hybrid: HybridClock;
}

/// The student's clocks, from `src/lamport.rs`, `src/vector.rs` and `src/hlc.rs`.
#[derive(Debug)]
pub enum Yours {}

impl ClockSet for Yours {
    type Lamport = lamport::Lamport;
    type Vector = vector::Vector;
    type Hybrid = hlc::Hybrid;
}

/// The one clock a driver runs: the part a scenario grades, so an unfinished part cannot break
/// another part's tests.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "")]
pub enum Running<C: ClockSet> {
    /// Part A.
    Lamport(C::Lamport),
    /// Part B.
    Vector(C::Vector),
    /// Part C.
    Hybrid(C::Hybrid),
}

/// Which part a scenario grades.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Lamport clocks.
    A,
    /// Vector clocks.
    B,
    /// Hybrid logical clocks.
    C,
}

impl<C: ClockSet> Running<C> {
    fn new(part: Part, me: NodeId, nodes: usize) -> Self {
        match part {
            Part::A => Running::Lamport(C::Lamport::new()),
            Part::B => Running::Vector(C::Vector::new(me, nodes)),
            Part::C => Running::Hybrid(C::Hybrid::new()),
        }
    }

    fn tick(&mut self, wall: i64) -> Stamp {
        match self {
            Running::Lamport(c) => Stamp::Lamport(c.tick()),
            Running::Vector(c) => Stamp::Vector(c.tick()),
            Running::Hybrid(c) => Stamp::Hybrid(c.tick(wall)),
        }
    }

    fn receive(&mut self, received: &Stamp, wall: i64) -> Stamp {
        match (self, received) {
            (Running::Lamport(c), Stamp::Lamport(t)) => Stamp::Lamport(c.receive(*t)),
            (Running::Vector(c), Stamp::Vector(v)) => Stamp::Vector(c.receive(v)),
            (Running::Hybrid(c), Stamp::Hybrid(h)) => Stamp::Hybrid(c.receive(*h, wall)),
            (_, other) => panic!("a clock of one part received a timestamp of another: {other:?}"),
        }
    }
}

/// The harness's driver around a clock: stamps every event, reports it, and keeps the clock in
/// durable storage so a restarted node resumes from its last timestamp.
#[derive(Debug)]
pub struct Driver<C: ClockSet> {
    part: Part,
    nodes: usize,
    clock: Option<Running<C>>,
}

/// The storage key of the driver's clock.
const CLOCK_KEY: &str = "clock";

impl<C: ClockSet> Driver<C> {
    /// A driver for `part` in a cluster of `nodes`.
    pub fn new(part: Part, nodes: usize) -> Self {
        Driver { part, nodes, clock: None }
    }

    fn clock(&mut self) -> &mut Running<C> {
        self.clock.as_mut().expect("on_start loads the clock before any event")
    }

    /// Reports the event, then makes the clock durable: a crash between handlers never loses a
    /// timestamp that was handed out.
    fn stamped(&mut self, ctx: &mut Ctx<'_, Clocks>, kind: EventKind, stamp: Stamp) {
        let wall = ctx.wall_clock_micros();
        ctx.output(Event { kind, stamp, wall });
        ctx.save(CLOCK_KEY, &self.clock);
        ctx.sync();
    }
}

impl<C: ClockSet> Process<Clocks> for Driver<C> {
    fn on_start(&mut self, ctx: &mut Ctx<'_, Clocks>) {
        let saved: Option<Option<Running<C>>> = ctx.load(CLOCK_KEY);
        self.clock =
            Some(saved.flatten().unwrap_or_else(|| Running::new(self.part, ctx.id(), self.nodes)));
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, Clocks>, _id: RequestId, action: Action) {
        let wall = ctx.wall_clock_micros();
        let stamp = self.clock().tick(wall);
        match action {
            Action::Local => self.stamped(ctx, EventKind::Local, stamp),
            Action::Send { to } => {
                self.stamped(ctx, EventKind::Send { to }, stamp.clone());
                ctx.send(to, stamp);
            }
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Clocks>, from: NodeId, stamp: Stamp) {
        let wall = ctx.wall_clock_micros();
        let received = self.clock().receive(&stamp, wall);
        self.stamped(ctx, EventKind::Receive { from }, received);
    }
}

/// The lab's registry, running the clocks of `C`; `package` names the package for the replay
/// commands a failing test prints.
pub fn lab<C: ClockSet>(package: &'static str) -> harness::Lab {
    harness::Lab {
        id: "lab01",
        topic: "clocks",
        package,
        student_files: &[
            "labs/lab01-clocks/src/lamport.rs",
            "labs/lab01-clocks/src/vector.rs",
            "labs/lab01-clocks/src/hlc.rs",
        ],
        snapshots: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"),
        scenarios: harness::lab::graded(scenarios::all::<C>()),
        prerequisite: None,
    }
}

/// How long the randomized scenarios run.
pub const RUN_LENGTH: Duration = Duration::from_millis(1500);

/// One `#[test]` per scenario of lab 01, running the clocks of the given [`ClockSet`].
#[macro_export]
macro_rules! grading_tests {
    ($clocks:ty) => {
        $crate::harness::graded_tests!(
            $crate::lab::<$clocks>(env!("CARGO_PKG_NAME"));
            lamport_worked_example,
            lamport_lossy_network,
            lamport_restart,
            vector_worked_example,
            vector_lossy_network,
            vector_restart,
            hlc_counter_ties,
            hlc_skewed_clocks,
            hlc_backward_steps,
            hlc_restart,
        );
    };
}
