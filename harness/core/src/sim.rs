//! The simulator: one thread, virtual time, a deterministic event order.
//!
//! Events wait in a priority queue ordered by (virtual time, insertion number), so simultaneous
//! events run in the order they were scheduled and a seed always replays the same run. Every
//! random decision comes from a stream derived from the seed (see [`crate::rng`]).

use crate::clock::Clock;
use crate::faults::{Cut, Fault};
use crate::network::Network;
use crate::node::{Ctx, Effect, NodeId, Process, Protocol, RequestId, TimerId};
use crate::panics;
use crate::rng::{Purpose, Rng};
use crate::storage::Storage;
use crate::time::{Duration, Time};
use crate::trace::{DropReason, Envelope, Event, EventKind, MsgId, Panicked, Trace};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Builds the process for a node id; called at the start and at every restart.
pub type Factory<P> = Arc<dyn Fn(NodeId) -> Box<dyn Process<P>> + Send + Sync>;

/// Names the target of a picked fault from the trace so far (for example, the node that acts
/// as leader now), judged from behaviour, as a property would.
pub type Picker<P> = Arc<dyn Fn(&Trace<P>, Time) -> Option<NodeId> + Send + Sync>;

/// Limits that turn a runaway node into a failed property instead of a hung test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budgets {
    /// The most events one run may process.
    pub max_events: u64,
    /// The most events that may happen at one virtual instant (a zero-delay timer loop).
    pub max_events_at_one_instant: u64,
    /// How long one handler may run, in wall-clock time, before the grader gives up on it.
    /// A safety net for endless loops only: nothing is graded on wall-clock time.
    pub watchdog: std::time::Duration,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            max_events: 2_000_000,
            max_events_at_one_instant: 50_000,
            watchdog: std::time::Duration::from_secs(10),
        }
    }
}

/// Everything one run needs besides the seed.
pub struct Setup<P: Protocol> {
    /// How many processes; their ids are `n0..n{nodes-1}`.
    pub nodes: usize,
    /// The network at the start (faults may change it).
    pub network: Network,
    /// The fault schedule.
    pub faults: Vec<Fault>,
    /// Each node's clock; missing entries are perfect clocks.
    pub clocks: Vec<Clock>,
    /// When the run ends.
    pub duration: Duration,
    /// Builds the processes.
    pub factory: Factory<P>,
    /// Drives client requests.
    pub workload: Box<dyn Workload<P>>,
    /// Runaway limits.
    pub budgets: Budgets,
    /// Names the target of `CrashPicked`, `IsolatePicked` and `PausePicked` faults.
    pub picker: Option<Picker<P>>,
}

impl<P: Protocol> fmt::Debug for Setup<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Setup")
            .field("nodes", &self.nodes)
            .field("network", &self.network)
            .field("faults", &self.faults)
            .field("duration", &self.duration)
            .finish_non_exhaustive()
    }
}

/// The source of client requests: it schedules requests at the start and may react to replies
/// (a closed-loop client issues its next operation when the last one is answered).
pub trait Workload<P: Protocol>: Send {
    /// Called once before any event; schedule the first requests.
    fn start(&mut self, api: &mut WorkloadApi<'_, P>);

    /// Called when a node replies to a request.
    fn on_reply(
        &mut self,
        api: &mut WorkloadApi<'_, P>,
        node: NodeId,
        id: RequestId,
        response: &P::Response,
    ) {
        let _ = (api, node, id, response);
    }

    /// Called when a request reached a node that was down: it certainly did not take effect
    /// (`fail` in the history).
    fn on_refused(
        &mut self,
        api: &mut WorkloadApi<'_, P>,
        node: NodeId,
        id: RequestId,
        request: &P::Request,
    ) {
        let _ = (api, node, id, request);
    }

    /// Called when `node` crashed with the requests `open` unanswered: no reply will come, and
    /// each may or may not have taken effect (`info` in the history). In the history, the
    /// node's later requests belong to a fresh client process, as Jepsen's clients do after an
    /// unknown outcome.
    fn on_crash(&mut self, api: &mut WorkloadApi<'_, P>, node: NodeId, open: &[RequestId]) {
        let _ = (api, node, open);
    }

    /// Called when a timer the workload set ([`WorkloadApi::set_timer`]) fires.
    fn on_timer(&mut self, api: &mut WorkloadApi<'_, P>, timer: u64) {
        let _ = (api, timer);
    }
}

/// What the workload hears of, in [`Simulation::call_workload`].
enum Notice<P: Protocol> {
    Start,
    Reply(NodeId, RequestId, P::Response),
    Refused(NodeId, RequestId, P::Request),
    Crash(NodeId, Vec<RequestId>),
    Timer(u64),
}

/// A workload with nothing to ask.
#[derive(Debug, Default)]
pub struct NoRequests;

impl<P: Protocol> Workload<P> for NoRequests {
    fn start(&mut self, _: &mut WorkloadApi<'_, P>) {}
}

/// A fixed list of (time, node, request), as drawn by a scenario from its seed.
#[derive(Debug)]
pub struct Schedule<R>(pub Vec<(Time, NodeId, R)>);

impl<P: Protocol> Workload<P> for Schedule<P::Request> {
    fn start(&mut self, api: &mut WorkloadApi<'_, P>) {
        for (at, node, request) in std::mem::take(&mut self.0) {
            api.submit(at, node, request);
        }
    }
}

/// What a workload may do: read the time, draw numbers, submit requests, set timers.
pub struct WorkloadApi<'a, P: Protocol> {
    now: Time,
    rng: &'a mut Rng,
    next_request: &'a mut u64,
    submitted: &'a mut Vec<(Time, NodeId, RequestId, P::Request)>,
    timers: &'a mut Vec<(Time, u64)>,
}

impl<P: Protocol> fmt::Debug for WorkloadApi<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkloadApi").field("now", &self.now).finish_non_exhaustive()
    }
}

impl<P: Protocol> WorkloadApi<'_, P> {
    /// The current virtual time.
    pub fn now(&self) -> Time {
        self.now
    }

    /// The workload's random stream.
    pub fn rng(&mut self) -> &mut Rng {
        self.rng
    }

    /// Hands `request` to `node` at time `at` (not before now).
    pub fn submit(&mut self, at: Time, node: NodeId, request: P::Request) -> RequestId {
        let id = RequestId(*self.next_request);
        *self.next_request += 1;
        self.submitted.push((at.max(self.now), node, id, request));
        id
    }

    /// Calls the workload's [`Workload::on_timer`] with `timer` at time `at` (not before now):
    /// a client's own deadline, or a pause before its next operation.
    pub fn set_timer(&mut self, at: Time, timer: u64) {
        self.timers.push((at.max(self.now), timer));
    }
}

/// Why a run stopped before its end time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Abort {
    /// A handler panicked.
    Panic {
        /// The node.
        node: NodeId,
        /// Where and why.
        panic: Panicked,
    },
    /// The run used up its event budget.
    EventBudget {
        /// The budget.
        limit: u64,
        /// When.
        at: Time,
    },
    /// Virtual time stopped advancing.
    NoProgress {
        /// The stuck instant.
        at: Time,
        /// Events processed at that instant.
        events: u64,
    },
    /// A node broke the rules of the model (for example, sent to a node that does not exist).
    Misuse {
        /// The node.
        node: NodeId,
        /// What it did.
        what: String,
    },
}

impl fmt::Display for Abort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Abort::Panic { node, panic } => {
                write!(
                    f,
                    "{node} panicked in {} at {}: {}",
                    panic.handler, panic.location, panic.message
                )
            }
            Abort::EventBudget { limit, at } => write!(
                f,
                "the run used up its budget of {limit} events at {at}: some node sends messages \
                 or sets timers far more often than the protocol needs"
            ),
            Abort::NoProgress { at, events } => write!(
                f,
                "virtual time stopped advancing at {at} after {events} events at that instant: \
                 a timer set with a zero delay keeps re-arming itself"
            ),
            Abort::Misuse { node, what } => write!(f, "{node} {what}"),
        }
    }
}

/// The result of one run: its trace, and whether it ran to its end.
#[derive(Clone, Debug)]
pub struct Run<P: Protocol> {
    /// The seed.
    pub seed: u64,
    /// How many processes.
    pub nodes: usize,
    /// When the run ended (its duration, or the time it stopped early).
    pub end: Time,
    /// Everything that happened.
    pub trace: Trace<P>,
    /// `Some` if the run stopped early.
    pub aborted: Option<Abort>,
    /// Each node's storage at the end (synced and unsynced writes).
    pub storage: Vec<Storage>,
    /// Each node's clock parameters, so a property can recompute what a node's clocks read
    /// instead of trusting what the node says they read.
    pub clocks: Vec<Clock>,
    /// The `ClockStep` events, as (trace index, node, step), so that a reading is computed
    /// without walking the trace.
    clock_steps: Vec<(usize, NodeId, i64)>,
}

impl<P: Protocol> Run<P> {
    /// A run that has not started: `nodes` perfect clocks, empty storage, an empty trace. The
    /// search mode grows one of these along each path it explores.
    pub(crate) fn empty(seed: u64, nodes: usize) -> Run<P> {
        Run {
            seed,
            nodes,
            end: Time::ZERO,
            trace: Trace::default(),
            aborted: None,
            storage: vec![Storage::new(); nodes],
            clocks: vec![Clock::PERFECT; nodes],
            clock_steps: Vec::new(),
        }
    }

    /// What `node`'s monotonic clock read at virtual time `at` (the clock timers run on).
    pub fn monotonic_clock(&self, node: NodeId, at: Time) -> Time {
        self.clocks[node.index()].monotonic(at)
    }

    /// What `node`'s wall clock read when trace event number `event` happened (an event of a
    /// handler of that node, such as an `Output`): its offset and drift, plus every backward or
    /// forward step the run applied to it before that event.
    pub fn wall_clock(&self, node: NodeId, event: usize) -> i64 {
        let steps: i64 = self
            .clock_steps
            .iter()
            .filter(|(index, stepped, _)| *index < event && *stepped == node)
            .map(|(_, _, by)| by)
            .sum();
        self.clocks[node.index()].wall(self.trace.events[event].at) + steps
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Up,
    Down,
    Paused,
}

struct Slot<P: Protocol> {
    process: Option<Box<dyn Process<P>>>,
    status: Status,
    incarnation: u32,
    storage: Storage,
    rng: Rng,
    net_rng: Rng,
    clock: Clock,
    wall_steps: i64,
    timers: BTreeMap<TimerId, P::Timer>,
    next_timer: u64,
    /// Events that came due while the node was paused, in the order they came due.
    deferred: Vec<Scheduled>,
    /// A pending crash-in-handler fault.
    cut: Option<Cut>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum What {
    Deliver { msg: u32 },
    Timer { node: u32, incarnation: u32, id: u64 },
    Request { index: u32 },
    Fault { index: u32 },
    Heal { index: u32 },
    Resume { node: u32 },
    Start { node: u32 },
    WorkloadTimer { timer: u64 },
}

#[derive(Clone, Copy, Debug)]
struct Scheduled {
    at: Time,
    seq: u64,
    what: What,
}

// Insertion numbers are unique, so (time, insertion number) orders every event; `what` never
// needs comparing.
impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        self.seq == other.seq
    }
}

impl Eq for Scheduled {}

impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// Which handler to call.
pub(crate) enum Call<P: Protocol> {
    Start,
    Message(NodeId, P::Msg),
    Timer(P::Timer),
    Request(RequestId, P::Request),
}

impl<P: Protocol> Call<P> {
    /// Calls the handler on `process`; the one place a runtime turns an event into a call.
    pub(crate) fn invoke<N: Process<P> + ?Sized>(self, process: &mut N, ctx: &mut Ctx<'_, P>) {
        match self {
            Call::Start => process.on_start(ctx),
            Call::Message(from, msg) => process.on_message(ctx, from, msg),
            Call::Timer(timer) => process.on_timer(ctx, timer),
            Call::Request(id, request) => process.on_request(ctx, id, request),
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            Call::Start => "on_start",
            Call::Message(..) => "on_message",
            Call::Timer(_) => "on_timer",
            Call::Request(..) => "on_request",
        }
    }
}

/// One simulated run in progress.
pub struct Simulation<P: Protocol> {
    seed: u64,
    now: Time,
    end: Time,
    slots: Vec<Slot<P>>,
    queue: BinaryHeap<Reverse<Scheduled>>,
    seq: u64,
    trace: Trace<P>,
    network: Network,
    /// Per directed link, a behaviour that overrides `network` (a slow node's links).
    link_networks: Vec<Option<Network>>,
    /// Blocked directed links, counted so overlapping partitions heal independently.
    blocked: Vec<u32>,
    faults: Vec<Fault>,
    fault_rng: Rng,
    requests: Vec<Option<(NodeId, RequestId, P::Request)>>,
    /// Requests handed to a node and not yet answered, for the workload's `on_crash`.
    open_requests: BTreeMap<RequestId, NodeId>,
    workload: Box<dyn Workload<P>>,
    workload_rng: Rng,
    next_request: u64,
    factory: Factory<P>,
    effects: Vec<Effect<P>>,
    budgets: Budgets,
    events: u64,
    instant: (Time, u64),
    aborted: Option<Abort>,
    progress: Option<Arc<AtomicU64>>,
    picker: Option<Picker<P>>,
    /// Every wall clock step applied: (trace index of its event, node, by how much).
    clock_steps: Vec<(usize, NodeId, i64)>,
}

impl<P: Protocol> fmt::Debug for Simulation<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulation")
            .field("seed", &self.seed)
            .field("now", &self.now)
            .field("events", &self.events)
            .finish_non_exhaustive()
    }
}

impl<P: Protocol> Simulation<P> {
    /// Prepares a run of `setup` with `seed`; nothing happens until [`Simulation::run`].
    pub fn new(seed: u64, setup: Setup<P>) -> Simulation<P> {
        assert!(setup.nodes > 0, "a simulation needs at least one node");
        let networks =
            std::iter::once(&setup.network).chain(setup.faults.iter().filter_map(|f| match f {
                Fault::Network { network, .. } => Some(network),
                Fault::LinkNetwork { network, .. } => network.as_ref(),
                _ => None,
            }));
        for network in networks {
            assert!(
                network.delay.min > Duration::ZERO,
                "network delays must be at least 1us, so that virtual time advances"
            );
        }
        let n = setup.nodes;
        let slots = (0..n)
            .map(|i| Slot {
                process: None,
                status: Status::Down,
                incarnation: 0,
                storage: Storage::new(),
                rng: Rng::stream(seed, Purpose::Node, i as u32, 0),
                net_rng: Rng::stream(seed, Purpose::Network, i as u32, 0),
                clock: setup.clocks.get(i).copied().unwrap_or(Clock::PERFECT),
                wall_steps: 0,
                timers: BTreeMap::new(),
                next_timer: 0,
                deferred: Vec::new(),
                cut: None,
            })
            .collect();
        let mut sim = Simulation {
            seed,
            now: Time::ZERO,
            end: Time::ZERO + setup.duration,
            slots,
            queue: BinaryHeap::new(),
            seq: 0,
            trace: Trace::default(),
            network: setup.network,
            link_networks: vec![None; n * n],
            blocked: vec![0; n * n],
            faults: setup.faults,
            fault_rng: Rng::stream(seed, Purpose::Faults, 0, 0),
            requests: Vec::new(),
            open_requests: BTreeMap::new(),
            workload: setup.workload,
            workload_rng: Rng::stream(seed, Purpose::Workload, 0, 0),
            next_request: 0,
            factory: setup.factory,
            effects: Vec::new(),
            budgets: setup.budgets,
            events: 0,
            instant: (Time::ZERO, 0),
            aborted: None,
            clock_steps: Vec::new(),
            progress: None,
            picker: setup.picker,
        };
        // Faults first, so that a fault at time zero (a partition, a cut) is in force when the
        // nodes start.
        for index in 0..sim.faults.len() {
            let at = sim.faults[index].at();
            sim.schedule(at, What::Fault { index: index as u32 });
        }
        for node in 0..n {
            sim.schedule(Time::ZERO, What::Start { node: node as u32 });
        }
        sim
    }

    /// Counts handled events into `counter`, so a watchdog on another thread can tell a handler
    /// that never returns from a run that is merely long.
    pub fn watch(&mut self, counter: Arc<AtomicU64>) {
        self.progress = Some(counter);
    }

    fn schedule(&mut self, at: Time, what: What) {
        self.seq += 1;
        self.queue.push(Reverse(Scheduled { at, seq: self.seq, what }));
    }

    fn record(&mut self, kind: EventKind<P>) {
        self.trace.events.push(Event { at: self.now, kind });
    }

    fn is_blocked(&self, from: NodeId, to: NodeId) -> bool {
        self.blocked[from.index() * self.slots.len() + to.index()] > 0
    }

    /// Runs to the end time (or until something stops the run) and returns the result.
    pub fn run(mut self) -> Run<P> {
        self.call_workload(Notice::Start);
        while let Some(Reverse(next)) = self.queue.pop() {
            if next.at > self.end {
                break;
            }
            if next.at == self.instant.0 {
                self.instant.1 += 1;
                if self.instant.1 > self.budgets.max_events_at_one_instant {
                    self.abort(Abort::NoProgress { at: next.at, events: self.instant.1 });
                    break;
                }
            } else {
                self.instant = (next.at, 1);
            }
            self.events += 1;
            if self.events > self.budgets.max_events {
                self.abort(Abort::EventBudget { limit: self.budgets.max_events, at: next.at });
                break;
            }
            if let Some(p) = &self.progress {
                p.fetch_add(1, Ordering::Relaxed);
            }
            self.now = next.at;
            self.handle(next);
            if self.aborted.is_some() {
                break;
            }
        }
        if self.aborted.is_none() {
            self.now = self.end;
        }
        self.finish()
    }

    fn finish(self) -> Run<P> {
        Run {
            seed: self.seed,
            nodes: self.slots.len(),
            end: self.now,
            trace: self.trace,
            aborted: self.aborted,
            clocks: self.slots.iter().map(|s| s.clock).collect(),
            clock_steps: self.clock_steps,
            storage: self.slots.into_iter().map(|s| s.storage).collect(),
        }
    }

    fn abort(&mut self, why: Abort) {
        if !matches!(why, Abort::Panic { .. }) {
            self.record(EventKind::Abort { reason: why.to_string().into() });
        }
        self.aborted = Some(why);
    }

    fn handle(&mut self, next: Scheduled) {
        match next.what {
            What::Deliver { msg } => self.deliver(next, msg),
            What::Timer { node, incarnation, id } => {
                let slot = &mut self.slots[node as usize];
                if slot.incarnation != incarnation || slot.status == Status::Down {
                    return;
                }
                if slot.status == Status::Paused {
                    slot.deferred.push(next);
                    return;
                }
                if let Some(timer) = slot.timers.remove(&TimerId(id)) {
                    let node = NodeId(node);
                    self.record(EventKind::TimerFired {
                        node,
                        id: TimerId(id),
                        timer: timer.clone(),
                    });
                    self.dispatch(node, Call::Timer(timer));
                }
            }
            What::Request { index } => {
                let Some((node, _, _)) = &self.requests[index as usize] else {
                    return;
                };
                let slot = &mut self.slots[node.index()];
                match slot.status {
                    Status::Paused => slot.deferred.push(next),
                    Status::Down => {
                        let (node, id, request) =
                            self.requests[index as usize].take().expect("checked above");
                        self.record(EventKind::RequestRefused {
                            node,
                            id,
                            request: request.clone(),
                        });
                        self.call_workload(Notice::Refused(node, id, request));
                    }
                    Status::Up => {
                        let (node, id, request) =
                            self.requests[index as usize].take().expect("checked above");
                        self.record(EventKind::Request { node, id, request: request.clone() });
                        self.open_requests.insert(id, node);
                        self.dispatch(node, Call::Request(id, request));
                    }
                }
            }
            What::Start { node } => self.start_node(NodeId(node)),
            What::WorkloadTimer { timer } => self.call_workload(Notice::Timer(timer)),
            What::Fault { index } => self.apply_fault(index as usize),
            What::Heal { index } => {
                if let Fault::Partition { links, .. } = &self.faults[index as usize] {
                    let links = links.clone();
                    let n = self.slots.len();
                    for (a, b) in &links {
                        self.blocked[a.index() * n + b.index()] -= 1;
                    }
                    self.record(EventKind::Heal { links: links.into() });
                }
            }
            What::Resume { node } => {
                let slot = &mut self.slots[node as usize];
                if slot.status != Status::Paused {
                    return;
                }
                slot.status = Status::Up;
                let deferred = std::mem::take(&mut slot.deferred);
                self.record(EventKind::Resume { node: NodeId(node) });
                for d in deferred {
                    self.schedule(self.now, d.what);
                }
            }
        }
    }

    fn deliver(&mut self, next: Scheduled, msg: u32) {
        let (from, to) = {
            let m = &self.trace.messages[msg as usize];
            (m.from, m.to)
        };
        let id = MsgId(msg);
        let blocked = self.is_blocked(from, to);
        let slot = &mut self.slots[to.index()];
        match slot.status {
            Status::Paused => slot.deferred.push(next),
            Status::Down => self.record(EventKind::Drop { msg: id, reason: DropReason::NodeDown }),
            Status::Up if blocked => {
                self.record(EventKind::Drop { msg: id, reason: DropReason::Partition })
            }
            Status::Up => {
                self.record(EventKind::Deliver { msg: id });
                let payload = self.trace.messages[msg as usize].msg.clone();
                self.dispatch(to, Call::Message(from, payload));
            }
        }
    }

    fn apply_fault(&mut self, index: usize) {
        let fault = self.faults[index].clone();
        match fault {
            Fault::Crash { node, .. } => {
                if self.slots[node.index()].status != Status::Down {
                    self.crash(node, None);
                }
            }
            Fault::CrashInHandler { node, cut, .. } => self.slots[node.index()].cut = Some(cut),
            Fault::Restart { node, .. } => {
                if self.slots[node.index()].status == Status::Down {
                    self.start_node(node);
                }
            }
            Fault::Pause { node, duration, .. } => {
                let slot = &mut self.slots[node.index()];
                if slot.status == Status::Up {
                    slot.status = Status::Paused;
                    let until = self.now + duration;
                    self.record(EventKind::Pause { node, until });
                    self.schedule(until, What::Resume { node: node.0 });
                }
            }
            Fault::Partition { links, heal, .. } => {
                let n = self.slots.len();
                for (a, b) in &links {
                    self.blocked[a.index() * n + b.index()] += 1;
                }
                self.record(EventKind::Partition { links: links.into(), heal });
                if let Some(h) = heal {
                    self.schedule(h.max(self.now), What::Heal { index: index as u32 });
                }
            }
            Fault::Network { network, .. } => {
                self.network = network;
                self.link_networks.fill(None);
                let description = network.to_string().into();
                self.record(EventKind::NetworkChange { description, links: Box::new([]) });
            }
            Fault::LinkNetwork { links, network, .. } => {
                let n = self.slots.len();
                for (a, b) in &links {
                    self.link_networks[a.index() * n + b.index()] = network;
                }
                let description = match network {
                    Some(network) => network.to_string(),
                    None => format!("as the network ({})", self.network),
                };
                let links = links.into();
                self.record(EventKind::NetworkChange { description: description.into(), links });
            }
            Fault::CrashPicked { restart_after, .. } => {
                let Some(node) = self.picked_or_retry(index) else { return };
                if self.slots[node.index()].status != Status::Down {
                    self.crash(node, None);
                    if let Some(d) = restart_after {
                        self.add_fault(Fault::Restart { node, at: self.now + d });
                    }
                }
            }
            Fault::IsolatePicked { heal, .. } => {
                let Some(node) = self.picked_or_retry(index) else { return };
                let others: Vec<NodeId> =
                    (0..self.slots.len() as u32).map(NodeId).filter(|n| *n != node).collect();
                let partition = Fault::partition(self.now, heal, &[&[node], &others]);
                let index = self.faults.len();
                self.faults.push(partition);
                self.apply_fault(index);
            }
            Fault::PausePicked { duration, .. } => {
                let Some(node) = self.picked_or_retry(index) else { return };
                let at = self.now;
                let index = self.faults.len();
                self.faults.push(Fault::Pause { node, at, duration });
                self.apply_fault(index);
            }
            Fault::ClockStep { node, by_micros, .. } => {
                self.slots[node.index()].wall_steps += by_micros;
                self.clock_steps.push((self.trace.events.len(), node, by_micros));
                self.record(EventKind::ClockStep { node, by_micros });
            }
        }
    }

    fn panicked(&mut self, node: NodeId, handler: &'static str, caught: panics::Caught) {
        let panic = Panicked { handler, message: caught.message, location: caught.location };
        self.record(EventKind::Panic { node, panic: Box::new(panic.clone()) });
        self.abort(Abort::Panic { node, panic });
    }

    /// The node the picker names now; if it names none yet, the fault is tried again a
    /// millisecond later (so "the leader" or "a candidate" is hit as soon as there is one).
    fn picked_or_retry(&mut self, fault: usize) -> Option<NodeId> {
        let node = self.picker.as_ref().and_then(|pick| pick(&self.trace, self.now));
        match node.filter(|n| n.index() < self.slots.len()) {
            Some(n) => Some(n),
            None => {
                self.schedule(
                    self.now + Duration::from_millis(1),
                    What::Fault { index: fault as u32 },
                );
                None
            }
        }
    }

    /// Schedules a fault decided during the run (the restart of a picked node).
    fn add_fault(&mut self, fault: Fault) {
        let at = fault.at();
        let index = self.faults.len() as u32;
        self.faults.push(fault);
        self.schedule(at, What::Fault { index });
    }

    fn crash(&mut self, node: NodeId, cut: Option<(u32, u32)>) {
        let slot = &mut self.slots[node.index()];
        slot.status = Status::Down;
        slot.process = None;
        slot.incarnation += 1;
        slot.timers.clear();
        slot.deferred.clear();
        slot.cut = None;
        let lost_writes = slot.storage.crash() as u32;
        self.record(EventKind::Crash { node, cut, lost_writes });
        let open: Vec<RequestId> =
            self.open_requests.iter().filter(|(_, n)| **n == node).map(|(id, _)| *id).collect();
        if !open.is_empty() {
            for id in &open {
                self.open_requests.remove(id);
            }
            self.call_workload(Notice::Crash(node, open));
        }
    }

    fn start_node(&mut self, node: NodeId) {
        let seed = self.seed;
        let slot = &mut self.slots[node.index()];
        let incarnation = slot.incarnation;
        slot.rng = Rng::stream(seed, Purpose::Node, node.0, incarnation);
        slot.next_timer = 0;
        slot.status = Status::Up;
        let built = panics::catch(|| (self.factory)(node));
        match built {
            Ok(process) => self.slots[node.index()].process = Some(process),
            Err(caught) => {
                self.panicked(node, "the constructor", caught);
                return;
            }
        }
        if incarnation == 0 {
            self.record(EventKind::Start { node, incarnation });
        } else {
            self.record(EventKind::Restart { node, incarnation });
        }
        self.dispatch(node, Call::Start);
    }

    /// Calls one handler and carries out its effects (or a prefix of them, then a crash).
    fn dispatch(&mut self, node: NodeId, call: Call<P>) {
        let handler = call.name();
        let mut effects = std::mem::take(&mut self.effects);
        let slot = &mut self.slots[node.index()];
        let local_now = slot.clock.monotonic(self.now);
        let wall = slot.clock.wall(self.now) + slot.wall_steps;
        let Slot { process, rng, storage, next_timer, .. } = slot;
        let process = process.as_mut().expect("handlers run only on nodes that are up");
        let outcome = {
            let mut ctx = Ctx::new(node, local_now, wall, rng, storage, &mut effects, next_timer);
            panics::catch(|| call.invoke(process.as_mut(), &mut ctx))
        };
        if let Err(caught) = outcome {
            self.panicked(node, handler, caught);
            effects.clear();
            self.effects = effects;
            return;
        }
        let total = effects.len();
        let keep = match self.slots[node.index()].cut.take() {
            None => None,
            Some(Cut::Keep(k)) => Some(k.min(total)),
            Some(Cut::Random) => Some(self.fault_rng.below(total as u64 + 1) as usize),
        };
        let mut replies = Vec::new();
        let mut drained = effects.drain(..);
        for effect in drained.by_ref().take(keep.unwrap_or(total)) {
            if let Some(reply) = self.apply(node, effect) {
                replies.push(reply);
            }
            if self.aborted.is_some() {
                break;
            }
        }
        let cut_short = keep.is_some() && self.aborted.is_none();
        for effect in drained.filter(|_| cut_short) {
            self.record(EventKind::EffectLost { node, effect: effect.describe().into() });
        }
        effects.clear();
        self.effects = effects;
        if let Some(kept) = keep {
            self.crash(node, Some((kept as u32, total as u32)));
        }
        for (id, response) in replies {
            self.call_workload(Notice::Reply(node, id, response));
        }
    }

    fn apply(&mut self, node: NodeId, effect: Effect<P>) -> Option<(RequestId, P::Response)> {
        match effect {
            Effect::Send { to, msg } => self.send(node, to, msg),
            Effect::SetTimer { id, after, timer } => {
                let slot = &mut self.slots[node.index()];
                let at = self.now + slot.clock.virtual_span(after);
                let incarnation = slot.incarnation;
                slot.timers.insert(id, timer.clone());
                self.record(EventKind::TimerSet { node, id, after, timer });
                self.schedule(at, What::Timer { node: node.0, incarnation, id: id.0 });
            }
            Effect::CancelTimer(id) => {
                if self.slots[node.index()].timers.remove(&id).is_some() {
                    self.record(EventKind::TimerCancelled { node, id });
                }
            }
            Effect::Put { key, value } => {
                let bytes = value.len() as u32;
                let logged = key.as_str().into();
                self.slots[node.index()].storage.put(key, value);
                self.record(EventKind::Put { node, key: logged, bytes });
            }
            Effect::Delete(key) => {
                let logged = key.as_str().into();
                self.slots[node.index()].storage.delete(key);
                self.record(EventKind::Delete { node, key: logged });
            }
            Effect::Sync => {
                self.slots[node.index()].storage.sync();
                self.record(EventKind::Sync { node });
            }
            Effect::Reply { id, response } => {
                self.record(EventKind::Reply { node, id, response: response.clone() });
                self.open_requests.remove(&id);
                return Some((id, response));
            }
            Effect::Output(output) => self.record(EventKind::Output { node, output }),
            Effect::Annotate(text) => self.record(EventKind::Annotate { node, text: text.into() }),
        }
        None
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: P::Msg) {
        if to.index() >= self.slots.len() {
            let what = format!(
                "sent a message to {to}, but the cluster has only n0..n{}",
                self.slots.len() - 1
            );
            self.abort(Abort::Misuse { node: from, what });
            return;
        }
        let id = MsgId(self.trace.messages.len() as u32);
        self.trace.messages.push(Envelope { from, to, sent_at: self.now, msg });
        self.record(EventKind::Send { msg: id });
        if self.is_blocked(from, to) {
            self.record(EventKind::Drop { msg: id, reason: DropReason::Partition });
            return;
        }
        let link = from.index() * self.slots.len() + to.index();
        let network = self.link_networks[link].unwrap_or(self.network);
        let rng = &mut self.slots[from.index()].net_rng;
        if rng.chance(network.loss) {
            self.record(EventKind::Drop { msg: id, reason: DropReason::Loss });
            return;
        }
        let delay = network.delay.draw(rng);
        let copy = rng.chance(network.duplicate).then(|| network.delay.draw(rng));
        self.schedule(self.now + delay, What::Deliver { msg: id.0 });
        if let Some(delay) = copy {
            self.record(EventKind::Duplicate { msg: id });
            self.schedule(self.now + delay, What::Deliver { msg: id.0 });
        }
    }

    fn call_workload(&mut self, notice: Notice<P>) {
        let mut submitted = Vec::new();
        let mut timers = Vec::new();
        {
            let mut api = WorkloadApi {
                now: self.now,
                rng: &mut self.workload_rng,
                next_request: &mut self.next_request,
                submitted: &mut submitted,
                timers: &mut timers,
            };
            let w = &mut self.workload;
            match &notice {
                Notice::Start => w.start(&mut api),
                Notice::Reply(node, id, response) => w.on_reply(&mut api, *node, *id, response),
                Notice::Refused(node, id, request) => w.on_refused(&mut api, *node, *id, request),
                Notice::Crash(node, open) => w.on_crash(&mut api, *node, open),
                Notice::Timer(timer) => w.on_timer(&mut api, *timer),
            }
        }
        for (at, timer) in timers {
            self.schedule(at, What::WorkloadTimer { timer });
        }
        for (at, node, id, request) in submitted {
            if node.index() >= self.slots.len() {
                panic!("the workload submitted a request to {node}, which does not exist");
            }
            let index = self.requests.len() as u32;
            self.requests.push(Some((node, id, request)));
            self.schedule(at, What::Request { index });
        }
    }
}
