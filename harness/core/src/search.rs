//! Search mode: every interleaving of a small configuration, and the shortest failing schedule.
//!
//! Random seeds sample the schedules of a run; a bug that needs one rare interleaving can hide
//! from thousands of them. The search explores them all, up to a depth, in the style of model
//! checkers such as DSLabs' and stateright's: from the initial state, each *step* is one choice
//!
//! - deliver a message in flight (to a node that is down, the message is dropped),
//! - drop or duplicate a message in flight (within the scenario's fault budget),
//! - fire a node's next timer (the one due first on its clock),
//! - hand the next client request of the scenario's list to its node,
//! - crash a node (within the budget; its unsynced writes are lost) or restart a crashed one,
//!
//! and the same node code runs for each step, with the same [`Ctx`] as in the simulator.
//! Breadth first, the first violation found has the shortest schedule that shows it.
//!
//! **Time.** Messages take no time, and a timer fires at its due time or later: firing it moves
//! the clock to its due time if that is ahead. So every message delay and every late timer is
//! possible, and clocks are perfect. Properties about timing bounds (leases, detection times)
//! do not belong in a search.
//!
//! **States.** Two paths that reach the same state continue alike, so a state is explored once.
//! A state is told apart by a hash of each node's process (which therefore derives `Hash` and
//! `Clone`: [`SearchProcess`]), storage, random generator and timers, the messages in flight (as
//! a multiset), the budgets left, the time, and everything observed so far (outputs, requests,
//! replies: the history that properties judge). No symmetry between nodes is assumed: nodes of
//! one lab differ by id, and properties name them.
//!
//! **Properties.** The scenario's safety properties, checked on the trace of the path to every
//! new state (the same checks random runs use). Liveness is out of scope: a search explores
//! prefixes, and in a prefix nothing has yet had to happen. What can be judged is a state *at
//! rest*, where nothing more can happen (no message in flight, no timer pending, no request
//! left, no node down): the run is over there, so a scenario may check that everything asked
//! for was done ([`SearchScenario::at_rest`]), which no node that does nothing passes.

use crate::clock::Clock;
use crate::node::{Ctx, Effect, NodeId, Process, Protocol, RequestId, TimerId};
use crate::panics;
use crate::report::{Failure, PropertyResult, Report};
use crate::rng::{Purpose, Rng};
use crate::scenario::{Graded, Property, RUN_COMPLETES, Rendered, Verdict, render_run};
use crate::sim::{Abort, Call, Run};
use crate::storage::Storage;
use crate::time::Time;
use crate::trace::{DropReason, Envelope, Event, EventKind, MsgId, Panicked};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

/// A protocol whose wire types can be told apart by hashing (and whose requests a scenario can
/// share between threads).
pub trait SearchProtocol:
    Protocol<Msg: Hash, Timer: Hash, Request: Hash + Sync, Response: Hash, Output: Hash>
{
}

impl<P> SearchProtocol for P where
    P: Protocol<Msg: Hash, Timer: Hash, Request: Hash + Sync, Response: Hash, Output: Hash>
{
}

/// A process the search can copy (to explore two branches from one state) and hash (to explore
/// each state once). Any `Process` that derives `Clone` and `Hash` is one.
pub trait SearchProcess<P: Protocol>: Process<P> {
    /// A copy, for another branch.
    fn clone_process(&self) -> Box<dyn SearchProcess<P>>;
    /// Feeds the process's whole state to `state`.
    fn hash_process(&self, state: &mut dyn Hasher);
}

impl<P: Protocol, T: Process<P> + Clone + Hash + 'static> SearchProcess<P> for T {
    fn clone_process(&self) -> Box<dyn SearchProcess<P>> {
        Box::new(self.clone())
    }

    fn hash_process(&self, mut state: &mut dyn Hasher) {
        self.hash(&mut state);
    }
}

/// Builds the process for a node id, at the start and at every restart.
pub type SearchFactory<P> = Arc<dyn Fn(NodeId) -> Box<dyn SearchProcess<P>> + Send + Sync>;

/// How far a search goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most steps on one path.
    pub depth: u32,
    /// The most crashes on one path.
    pub crashes: u32,
    /// The most messages dropped on one path.
    pub drops: u32,
    /// The most messages duplicated on one path.
    pub duplicates: u32,
    /// The most distinct states before the search gives up (a safety net against a state that
    /// never repeats).
    pub max_states: u64,
}

/// The order states are explored in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Level by level: the first violation found has the shortest schedule.
    BreadthFirst,
    /// One path to the depth bound, then the next: less memory, longer counterexamples.
    DepthFirst,
}

/// A graded search: a small cluster, a list of client requests, a fault budget, and the safety
/// properties every reachable state must satisfy.
pub struct SearchScenario<P: SearchProtocol> {
    /// Its name: the test's name and the CLI's argument.
    pub name: &'static str,
    /// The lab part it grades.
    pub part: &'static str,
    /// Points it is worth.
    pub points: u32,
    /// One line: what it checks.
    pub summary: &'static str,
    /// How many processes.
    pub nodes: usize,
    /// Builds the processes.
    pub factory: SearchFactory<P>,
    /// The client requests, handed out in this order (each to its node), interleaved with
    /// every other step.
    pub requests: Vec<(NodeId, P::Request)>,
    /// Depth and fault budgets.
    pub limits: Limits,
    /// The nodes that may crash (and restart), within the crash budget.
    pub crashable: Vec<NodeId>,
    /// The safety properties checked at every state.
    pub properties: Vec<Property<P>>,
    /// Properties checked only in states at rest, where nothing more can happen: no message
    /// in flight, no timer pending, no request left, no node down. A run that stops there is
    /// over, so "every message was delivered" can be judged, and a node that does nothing fails.
    pub at_rest: Vec<Property<P>>,
}

impl<P: SearchProtocol> fmt::Debug for SearchScenario<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchScenario").field("name", &self.name).finish_non_exhaustive()
    }
}

/// One choice of the search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Deliver(MsgId),
    Drop(MsgId),
    Duplicate(MsgId),
    Fire(NodeId, TimerId),
    Request(usize),
    Crash(NodeId),
    Restart(NodeId),
}

/// One node in one state. A step changes one node, so a successor shares the others' process,
/// timers and storage with its parent (copied on the first write), and their hashes.
struct Node<P: Protocol> {
    process: Option<Arc<dyn SearchProcess<P>>>,
    incarnation: u32,
    rng: Rng,
    /// Pending timers: due time (on the perfect clock) and tag.
    timers: Arc<BTreeMap<TimerId, (Time, P::Timer)>>,
    next_timer: u64,
    storage: Arc<Storage>,
    /// The node's part of the state's fingerprint, until it changes.
    hash: Option<u64>,
}

impl<P: Protocol> Clone for Node<P> {
    fn clone(&self) -> Self {
        Node {
            process: self.process.clone(),
            incarnation: self.incarnation,
            rng: self.rng.clone(),
            timers: Arc::clone(&self.timers),
            next_timer: self.next_timer,
            storage: Arc::clone(&self.storage),
            hash: self.hash,
        }
    }
}

impl<P: SearchProtocol> Node<P> {
    fn timers_mut(&mut self) -> &mut BTreeMap<TimerId, (Time, P::Timer)> {
        self.hash = None;
        Arc::make_mut(&mut self.timers)
    }

    fn storage_mut(&mut self) -> &mut Storage {
        self.hash = None;
        Arc::make_mut(&mut self.storage)
    }

    fn fingerprint(&mut self) -> u64 {
        if let Some(h) = self.hash {
            return h;
        }
        let mut h = DefaultHasher::new();
        match &self.process {
            Some(process) => {
                1u8.hash(&mut h);
                process.hash_process(&mut h);
                // The generator's next draw stands for its state.
                self.rng.clone().next_u64().hash(&mut h);
                self.timers.hash(&mut h);
            }
            None => 0u8.hash(&mut h),
        }
        self.incarnation.hash(&mut h);
        self.storage.hash(&mut h);
        let h = h.finish();
        self.hash = Some(h);
        h
    }
}

/// What one step recorded. A path's trace is the chain of its segments, shared by every state
/// that continues it, so a state stores only what its own last step added.
struct Segment<P: Protocol> {
    parent: Option<Arc<Segment<P>>>,
    /// The step (none for the start of the cluster).
    step: Option<Step>,
    events: Vec<Event<P>>,
    messages: Vec<Envelope<P::Msg>>,
}

impl<P: Protocol> Default for Segment<P> {
    fn default() -> Self {
        Segment { parent: None, step: None, events: Vec::new(), messages: Vec::new() }
    }
}

impl<P: Protocol> Segment<P> {
    /// This segment and its ancestors, oldest first.
    fn chain(&self) -> Vec<&Segment<P>> {
        let mut chain = vec![self];
        let mut at = self.parent.as_deref();
        while let Some(s) = at {
            chain.push(s);
            at = s.parent.as_deref();
        }
        chain.reverse();
        chain
    }
}

/// One state of the search.
struct State<P: Protocol> {
    now: Time,
    nodes: Vec<Node<P>>,
    /// Messages sent and neither delivered nor dropped.
    flight: Vec<(MsgId, Envelope<P::Msg>)>,
    /// Messages sent on the path so far (the next message's id).
    sent: u32,
    next_request: usize,
    crashes: u32,
    drops: u32,
    duplicates: u32,
    /// A running hash of the outputs, requests and replies so far.
    observed: u64,
    depth: u32,
    aborted: Option<Abort>,
    /// The path to this state: its last step's segment, whose parents hold the steps before.
    path: Segment<P>,
}

/// The seed of every node's random stream: a search has no seeds to vary.
const SEARCH_SEED: u64 = 1;

fn hash_of(value: &impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

impl<P: SearchProtocol> State<P> {
    fn initial(scenario: &SearchScenario<P>) -> State<P> {
        let mut state = State {
            now: Time::ZERO,
            nodes: (0..scenario.nodes)
                .map(|_| Node {
                    process: None,
                    incarnation: 0,
                    rng: Rng::from_seed(0),
                    timers: Arc::default(),
                    next_timer: 0,
                    storage: Arc::default(),
                    hash: None,
                })
                .collect(),
            flight: Vec::new(),
            sent: 0,
            next_request: 0,
            crashes: 0,
            drops: 0,
            duplicates: 0,
            observed: 0,
            depth: 0,
            aborted: None,
            path: Segment::default(),
        };
        for n in 0..scenario.nodes {
            if state.aborted.is_none() {
                state.start(scenario, NodeId(n as u32));
            }
        }
        state
    }

    /// The state after `step`, continuing the path `shared` (this state's own, frozen).
    fn successor(
        &self,
        shared: &Arc<Segment<P>>,
        step: Step,
        scenario: &SearchScenario<P>,
    ) -> Self {
        let mut next = State {
            now: self.now,
            nodes: self.nodes.clone(),
            flight: self.flight.clone(),
            sent: self.sent,
            next_request: self.next_request,
            crashes: self.crashes,
            drops: self.drops,
            duplicates: self.duplicates,
            observed: self.observed,
            depth: self.depth + 1,
            aborted: None,
            path: Segment {
                parent: Some(Arc::clone(shared)),
                step: Some(step),
                ..Segment::default()
            },
        };
        next.take(step, scenario);
        next
    }

    /// The path to this state as a run, for the properties to judge.
    fn run(&self) -> Run<P> {
        let mut run = Run::empty(SEARCH_SEED, self.nodes.len());
        for segment in self.path.chain() {
            run.trace.events.extend(segment.events.iter().cloned());
            run.trace.messages.extend(segment.messages.iter().cloned());
        }
        run.end = self.now;
        run.storage = self.nodes.iter().map(|n| Storage::clone(&n.storage)).collect();
        run.aborted.clone_from(&self.aborted);
        run
    }

    fn steps(&self) -> Vec<Step> {
        self.path.chain().iter().filter_map(|s| s.step).collect()
    }

    fn record(&mut self, kind: EventKind<P>) {
        if matches!(
            kind,
            EventKind::Output { .. } | EventKind::Request { .. } | EventKind::Reply { .. }
        ) {
            self.observed = hash_of(&(self.observed, hash_of(&ObservedKind(&kind))));
        }
        self.path.events.push(Event { at: self.now, kind });
    }

    /// Every step possible from here, within the limits.
    fn choices(&self, scenario: &SearchScenario<P>, limits: &Limits) -> Vec<Step> {
        let mut steps = Vec::new();
        let mut seen = Vec::new();
        for (id, envelope) in &self.flight {
            // Copies of one message lead to the same states: offer one of them.
            let key = hash_of(&envelope_key(envelope));
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            steps.push(Step::Deliver(*id));
            if self.drops < limits.drops {
                steps.push(Step::Drop(*id));
            }
            if self.duplicates < limits.duplicates {
                steps.push(Step::Duplicate(*id));
            }
        }
        for (n, node) in self.nodes.iter().enumerate() {
            let id = NodeId(n as u32);
            if node.process.is_some() {
                let next = node.timers.iter().min_by_key(|(timer, (due, _))| (*due, **timer));
                if let Some((timer, _)) = next {
                    steps.push(Step::Fire(id, *timer));
                }
                if self.crashes < limits.crashes && scenario.crashable.contains(&id) {
                    steps.push(Step::Crash(id));
                }
            } else {
                steps.push(Step::Restart(id));
            }
        }
        if self.next_request < scenario.requests.len() {
            steps.push(Step::Request(self.next_request));
        }
        steps
    }

    fn take(&mut self, step: Step, scenario: &SearchScenario<P>) {
        match step {
            Step::Deliver(id) => {
                let Envelope { from, to, msg, .. } = self.remove_in_flight(id);
                if self.nodes[to.index()].process.is_some() {
                    self.record(EventKind::Deliver { msg: id });
                    self.dispatch(to, Call::Message(from, msg));
                } else {
                    self.record(EventKind::Drop { msg: id, reason: DropReason::NodeDown });
                }
            }
            Step::Drop(id) => {
                self.remove_in_flight(id);
                self.drops += 1;
                self.record(EventKind::Drop { msg: id, reason: DropReason::Loss });
            }
            Step::Duplicate(id) => {
                self.duplicates += 1;
                let copy = self.flight.iter().find(|(m, _)| *m == id).expect("in flight").clone();
                self.flight.push(copy);
                self.record(EventKind::Duplicate { msg: id });
            }
            Step::Fire(node, id) => {
                let slot = &mut self.nodes[node.index()];
                let (due, timer) =
                    slot.timers_mut().remove(&id).expect("a pending timer was chosen");
                self.now = self.now.max(due);
                self.record(EventKind::TimerFired { node, id, timer: timer.clone() });
                self.dispatch(node, Call::Timer(timer));
            }
            Step::Request(index) => {
                self.next_request += 1;
                let (node, request) = scenario.requests[index].clone();
                let id = RequestId(index as u64);
                if self.nodes[node.index()].process.is_some() {
                    self.record(EventKind::Request { node, id, request: request.clone() });
                    self.dispatch(node, Call::Request(id, request));
                } else {
                    self.record(EventKind::RequestRefused { node, id, request });
                }
            }
            Step::Crash(node) => {
                self.crashes += 1;
                let slot = &mut self.nodes[node.index()];
                slot.process = None;
                slot.timers_mut().clear();
                slot.incarnation += 1;
                let lost_writes = slot.storage_mut().crash() as u32;
                self.record(EventKind::Crash { node, cut: None, lost_writes });
            }
            Step::Restart(node) => self.start(scenario, node),
        }
    }

    /// Whether nothing more can happen (see [`SearchScenario::at_rest`]).
    fn at_rest(&self, requests: usize) -> bool {
        self.flight.is_empty()
            && self.next_request == requests
            && self.nodes.iter().all(|n| n.process.is_some() && n.timers.is_empty())
    }

    fn remove_in_flight(&mut self, id: MsgId) -> Envelope<P::Msg> {
        let at = self.flight.iter().position(|(m, _)| *m == id).expect("a message in flight");
        self.flight.swap_remove(at).1
    }

    fn start(&mut self, scenario: &SearchScenario<P>, node: NodeId) {
        let slot = &mut self.nodes[node.index()];
        let incarnation = slot.incarnation;
        slot.hash = None;
        slot.rng = Rng::stream(SEARCH_SEED, Purpose::Node, node.0, incarnation);
        slot.next_timer = 0;
        match panics::catch(|| (scenario.factory)(node)) {
            Ok(process) => slot.process = Some(Arc::from(process)),
            Err(caught) => return self.panicked(node, "the constructor", caught),
        }
        if incarnation == 0 {
            self.record(EventKind::Start { node, incarnation });
        } else {
            self.record(EventKind::Restart { node, incarnation });
        }
        self.dispatch(node, Call::Start);
    }

    fn panicked(&mut self, node: NodeId, handler: &'static str, caught: panics::Caught) {
        let panic = Panicked { handler, message: caught.message, location: caught.location };
        self.record(EventKind::Panic { node, panic: Box::new(panic.clone()) });
        self.aborted = Some(Abort::Panic { node, panic });
    }

    /// Calls one handler and carries out its effects, as the simulator does.
    fn dispatch(&mut self, node: NodeId, call: Call<P>) {
        let handler = call.name();
        let mut effects = Vec::new();
        let slot = &mut self.nodes[node.index()];
        slot.hash = None;
        let shared = slot.process.as_mut().expect("handlers run only on nodes that are up");
        if Arc::get_mut(shared).is_none() {
            *shared = Arc::from(shared.clone_process());
        }
        let process = Arc::get_mut(shared).expect("a process just copied has one owner");
        let (rng, next_timer, storage) = (&mut slot.rng, &mut slot.next_timer, &*slot.storage);
        let outcome = {
            let wall = Clock::PERFECT.wall(self.now);
            let mut ctx = Ctx::new(node, self.now, wall, rng, storage, &mut effects, next_timer);
            panics::catch(|| call.invoke(process, &mut ctx))
        };
        if let Err(caught) = outcome {
            return self.panicked(node, handler, caught);
        }
        for effect in effects {
            self.apply(node, effect);
            if self.aborted.is_some() {
                return;
            }
        }
    }

    fn apply(&mut self, node: NodeId, effect: Effect<P>) {
        match effect {
            Effect::Send { to, msg } => {
                if to.index() >= self.nodes.len() {
                    let what = format!(
                        "sent a message to {to}, but the cluster has only n0..n{}",
                        self.nodes.len() - 1
                    );
                    self.aborted = Some(Abort::Misuse { node, what });
                    return;
                }
                let id = MsgId(self.sent);
                self.sent += 1;
                let envelope = Envelope { from: node, to, sent_at: self.now, msg };
                self.path.messages.push(envelope.clone());
                self.flight.push((id, envelope));
                self.record(EventKind::Send { msg: id });
            }
            Effect::SetTimer { id, after, timer } => {
                let due = self.now + after;
                self.nodes[node.index()].timers_mut().insert(id, (due, timer.clone()));
                self.record(EventKind::TimerSet { node, id, after, timer });
            }
            Effect::CancelTimer(id) => {
                if self.nodes[node.index()].timers_mut().remove(&id).is_some() {
                    self.record(EventKind::TimerCancelled { node, id });
                }
            }
            Effect::Put { key, value } => {
                let bytes = value.len() as u32;
                let logged = key.as_str().into();
                self.nodes[node.index()].storage_mut().put(key, value);
                self.record(EventKind::Put { node, key: logged, bytes });
            }
            Effect::Delete(key) => {
                let logged = key.as_str().into();
                self.nodes[node.index()].storage_mut().delete(key);
                self.record(EventKind::Delete { node, key: logged });
            }
            Effect::Sync => {
                self.nodes[node.index()].storage_mut().sync();
                self.record(EventKind::Sync { node });
            }
            Effect::Reply { id, response } => self.record(EventKind::Reply { node, id, response }),
            Effect::Output(output) => self.record(EventKind::Output { node, output }),
            Effect::Annotate(text) => self.record(EventKind::Annotate { node, text: text.into() }),
        }
    }

    /// What tells this state apart from every other (see the module's documentation).
    fn fingerprint(&mut self) -> u64 {
        let mut h = DefaultHasher::new();
        self.now.hash(&mut h);
        for node in &mut self.nodes {
            node.fingerprint().hash(&mut h);
        }
        let mut flight: Vec<u64> =
            self.flight.iter().map(|(_, e)| hash_of(&envelope_key(e))).collect();
        flight.sort_unstable();
        flight.hash(&mut h);
        (self.next_request, self.crashes, self.drops, self.duplicates, self.observed).hash(&mut h);
        h.finish()
    }
}

/// What a message is, for telling states apart: not when it was sent, nor its number.
fn envelope_key<M>(e: &Envelope<M>) -> (NodeId, NodeId, &M) {
    (e.from, e.to, &e.msg)
}

/// The part of an observation that properties judge: what happened, not the trace's numbering.
struct ObservedKind<'a, P: Protocol>(&'a EventKind<P>);

impl<P: SearchProtocol> Hash for ObservedKind<'_, P> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        match self.0 {
            EventKind::Output { node, output } => (0u8, node, output).hash(h),
            EventKind::Request { node, id, request } => (1u8, node, id, request).hash(h),
            EventKind::Reply { node, id, response } => (2u8, node, id, response).hash(h),
            _ => {}
        }
    }
}

/// What a search found, and what it cost.
#[derive(Debug)]
pub struct Outcome<P: Protocol> {
    /// States reached, counting repeats.
    pub explored: u64,
    /// Distinct states.
    pub unique: u64,
    /// The deepest level reached.
    pub depth: u32,
    /// Whether every state within the depth bound was explored (not cut off by `max_states`).
    pub complete: bool,
    /// The first violation: the path's run, the property's name, and the verdict.
    pub violation: Option<(Run<P>, &'static str, String)>,
    /// The steps of the violating path, in words.
    pub schedule: Vec<String>,
}

impl<P: SearchProtocol> SearchScenario<P> {
    /// Explores every state within the limits; stops at the first violation.
    pub fn explore(&self, limits: Limits, strategy: Strategy) -> Outcome<P> {
        if let Some(p) = self.properties.iter().find(|p| !p.safety) {
            panic!(
                "{}: \"{}\" is not a safety property, so a prefix of a run cannot judge it; \
                 check it at rest instead",
                self.name, p.name
            );
        }
        let mut outcome = Outcome {
            explored: 1,
            unique: 1,
            depth: 0,
            complete: true,
            violation: None,
            schedule: Vec::new(),
        };
        let mut initial = State::initial(self);
        // Per state, the shallowest depth it was reached at: depth first may reach a state by a
        // long path first, and must explore it again when a shorter one leaves more steps.
        let mut visited: BTreeMap<u64, u32> = BTreeMap::new();
        visited.insert(initial.fingerprint(), 0);
        if self.violation(&initial, &mut outcome) {
            return outcome;
        }
        let mut pending = VecDeque::from([initial]);
        while let Some(mut state) = if strategy == Strategy::BreadthFirst {
            pending.pop_front()
        } else {
            pending.pop_back()
        } {
            if state.depth >= limits.depth {
                continue;
            }
            let choices = state.choices(self, &limits);
            // The path so far, frozen once and shared by every successor.
            let shared = Arc::new(std::mem::take(&mut state.path));
            for step in choices {
                let mut next = state.successor(&shared, step, self);
                outcome.explored += 1;
                let fingerprint = next.fingerprint();
                match visited.get_mut(&fingerprint) {
                    Some(seen) if *seen <= next.depth => continue,
                    Some(seen) => *seen = next.depth,
                    None => {
                        visited.insert(fingerprint, next.depth);
                        outcome.unique += 1;
                    }
                }
                outcome.depth = outcome.depth.max(next.depth);
                if self.violation(&next, &mut outcome) {
                    return outcome;
                }
                if outcome.unique >= limits.max_states {
                    outcome.complete = false;
                    return outcome;
                }
                if next.aborted.is_none() {
                    pending.push_back(next);
                }
            }
        }
        outcome
    }

    /// Checks a state; on a violation, fills in the outcome and says so.
    fn violation(&self, state: &State<P>, outcome: &mut Outcome<P>) -> bool {
        let run = state.run();
        let resting = state.at_rest(self.requests.len());
        let checked = self.properties.iter().chain(self.at_rest.iter().filter(|_| resting));
        let found = match &run.aborted {
            Some(why) => Some((RUN_COMPLETES, why.to_string())),
            None => checked.into_iter().find_map(|p| {
                let verdict = panics::catch(|| (p.check)(&run)).unwrap_or_else(|caught| {
                    Verdict::fails(format!(
                        "panicked at {} while checking: {}",
                        caught.location, caught.message
                    ))
                });
                match verdict {
                    Verdict::Holds => None,
                    Verdict::Fails { evidence, .. } => Some((p.name, evidence)),
                }
            }),
        };
        let Some((name, evidence)) = found else {
            return false;
        };
        outcome.schedule = state.steps().into_iter().map(|s| describe(&run, s, self)).collect();
        outcome.violation = Some((run, name, evidence));
        true
    }

    /// The report header: the configuration, nothing an implementation changes.
    pub fn header(&self, lab: &str) -> Vec<String> {
        let l = &self.limits;
        let requests: Vec<String> =
            self.requests.iter().map(|(n, r)| format!("{r:?} at {n}")).collect();
        vec![
            format!(
                "{lab} {} (part {}, {} points): {}",
                self.name, self.part, self.points, self.summary
            ),
            format!("  nodes:    {}", self.nodes),
            "  search:   every interleaving, breadth first; messages take no time".into(),
            format!(
                "  budget:   {} steps; at most {} crash{} ({}), {} lost and {} duplicated message{}",
                l.depth,
                l.crashes,
                if l.crashes == 1 { "" } else { "es" },
                if self.crashable.is_empty() {
                    "none may crash".to_string()
                } else {
                    let names: Vec<String> = self.crashable.iter().map(|n| n.to_string()).collect();
                    format!("of {}", names.join(", "))
                },
                l.drops,
                l.duplicates,
                if l.duplicates == 1 { "" } else { "s" },
            ),
            format!(
                "  workload: {}",
                if requests.is_empty() { "none".into() } else { requests.join(", ") }
            ),
        ]
    }

    /// Explores with the scenario's own limits, breadth first, and reports like a scenario.
    fn report(&self, lab: &str) -> Report {
        let outcome = self.explore(self.limits, Strategy::BreadthFirst);
        let mut properties: Vec<PropertyResult> = std::iter::once((
            RUN_COMPLETES,
            "Every handler returns, and the search explores every state within its budget.",
            "A panic or a todo! in a handler; a state that never repeats (a counter of events \
             kept in the node), which makes the search give up.",
        ))
        .chain(
            self.properties.iter().chain(&self.at_rest).map(|p| (p.name, p.definition, p.causes)),
        )
        .map(|(name, definition, causes)| PropertyResult::new(name, definition, causes))
        .collect();
        let failed = match &outcome.violation {
            Some((_, name, evidence)) => Some((
                *name,
                Failure {
                    seed: 1,
                    at: None,
                    evidence: match outcome.schedule.len() {
                        0 => format!("as the cluster starts: {evidence}"),
                        n => {
                            format!("after {n} steps ({}): {evidence}", outcome.schedule.join("; "))
                        }
                    },
                },
            )),
            None if !outcome.complete => Some((
                RUN_COMPLETES,
                Failure {
                    seed: 1,
                    at: None,
                    evidence: format!(
                        "the search gave up after {} distinct states, short of every state \
                         within {} steps: keep in the node only what its protocol needs",
                        self.limits.max_states, self.limits.depth
                    ),
                },
            )),
            None => None,
        };
        // The search stops at its first violation: the other properties held in every state
        // it reached, but it did not reach them all.
        if let Some((name, failure)) = failed {
            for p in &mut properties {
                if p.name == name {
                    p.failed_seeds = 1;
                    p.failure = Some(failure.clone());
                } else {
                    p.unjudged_seeds = 1;
                }
            }
        }
        Report {
            lab: lab.to_string(),
            scenario: self.name,
            part: self.part,
            points: self.points,
            header: self.header(lab),
            seeds_run: 1,
            properties,
            outcome: Vec::new(),
        }
    }
}

/// A step in words, naming the message as the trace does.
fn describe<P: SearchProtocol>(run: &Run<P>, step: Step, scenario: &SearchScenario<P>) -> String {
    let message = |id: MsgId| {
        let e = run.trace.message(id);
        format!("{:?} {}->{}", e.msg, e.from, e.to)
    };
    match step {
        Step::Deliver(id) => format!("deliver {}", message(id)),
        Step::Drop(id) => format!("drop {}", message(id)),
        Step::Duplicate(id) => format!("duplicate {}", message(id)),
        Step::Fire(node, id) => format!("fire {node}'s timer t{}", id.0),
        Step::Request(index) => {
            let (node, request) = &scenario.requests[index];
            format!("request {request:?} at {node}")
        }
        Step::Crash(node) => format!("crash {node}"),
        Step::Restart(node) => format!("restart {node}"),
    }
}

/// The search's figures and verdict, as the `search` command prints them.
#[derive(Debug)]
pub struct Printed {
    /// The text.
    pub text: String,
    /// Whether a property was violated.
    pub violated: bool,
}

impl<P: SearchProtocol> Graded for SearchScenario<P> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn part(&self) -> &'static str {
        self.part
    }

    fn points(&self) -> u32 {
        self.points
    }

    fn summary(&self) -> &'static str {
        self.summary
    }

    fn graded_seeds(&self) -> u64 {
        1
    }

    fn is_search(&self) -> bool {
        true
    }

    fn node_count(&self) -> usize {
        self.nodes
    }

    fn property_names(&self) -> Vec<&'static str> {
        std::iter::once(RUN_COMPLETES)
            .chain(self.properties.iter().chain(&self.at_rest).map(|p| p.name))
            .collect()
    }

    fn evaluate(&self, lab: &str, _seeds: Vec<u64>) -> Report {
        self.report(lab)
    }

    fn render_trace(&self, title: &str, _seed: u64, view: &crate::trace::View) -> Rendered {
        let outcome = self.explore(self.limits, Strategy::BreadthFirst);
        let Some((run, name, evidence)) = outcome.violation else {
            return Rendered {
                text: String::new(),
                note: Some(format!("no state within {}'s budget violates a property", self.name)),
            };
        };
        let violation = format!("{name}: {evidence}");
        let text = render_run(&run, &view.filter, view.format, title, Some((run.end, &violation)));
        Rendered { text, note: Some(format!("the shortest schedule that breaks {name}")) }
    }

    #[allow(clippy::disallowed_methods)] // the search's speed, for the user: never graded
    fn search(&self, depth: Option<u32>, strategy: Strategy) -> Option<Printed> {
        let limits = Limits { depth: depth.unwrap_or(self.limits.depth), ..self.limits };
        let started = std::time::Instant::now();
        let outcome = self.explore(limits, strategy);
        let secs = started.elapsed().as_secs_f64();
        let mut text = format!(
            "{} states explored, {} unique, depth {}{}, {:.0} unique states per second\n",
            outcome.explored,
            outcome.unique,
            outcome.depth,
            if outcome.complete { "" } else { " (gave up: too many states)" },
            outcome.unique as f64 / secs.max(1e-9),
        );
        let violated = outcome.violation.is_some();
        match outcome.violation {
            None => text
                .push_str(&format!("no state within {} steps violates a property\n", limits.depth)),
            Some((_, name, evidence)) => {
                text.push_str(&format!("VIOLATED  {name}: {evidence}\nschedule:\n"));
                for (i, step) in outcome.schedule.iter().enumerate() {
                    text.push_str(&format!("  {:>3}. {step}\n", i + 1));
                }
                text.push_str(&format!(
                    "its trace: the `trace {}` command draws this schedule\n",
                    self.name
                ));
            }
        }
        Some(Printed { text, violated })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A relay: a request at n0 is forwarded to n1, which outputs it on arrival.
    #[derive(Clone, Copy, Debug)]
    enum Relay {}

    impl Protocol for Relay {
        type Msg = u8;
        type Timer = ();
        type Request = u8;
        type Response = ();
        type Output = u8;
    }

    /// Values of 100 and more are counted, silently, instead of output.
    #[derive(Clone, Debug, Hash)]
    struct Node {
        counted: u8,
    }

    impl Process<Relay> for Node {
        fn on_request(&mut self, ctx: &mut Ctx<'_, Relay>, _: RequestId, value: u8) {
            assert!(value != 0, "zero is not relayed");
            ctx.send(NodeId(1), value);
        }

        fn on_message(&mut self, ctx: &mut Ctx<'_, Relay>, _: NodeId, value: u8) {
            if value >= 100 {
                self.counted += 1;
            } else {
                ctx.output(value);
            }
        }
    }

    /// n1 outputs values in the order n0 was asked to relay them: false on a network that
    /// reorders, so the search must find the reordering.
    fn in_order() -> Property<Relay> {
        Property::safety("in order", "outputs follow requests", "reordering", |run| {
            let mut asked = Vec::new();
            let mut out = 0;
            for e in &run.trace.events {
                match &e.kind {
                    EventKind::Request { request, .. } => asked.push(*request),
                    EventKind::Output { output, .. } => {
                        if asked.get(out) != Some(output) {
                            return Verdict::fails(format!("{output} came out of turn"));
                        }
                        out += 1;
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        })
    }

    /// Every value below 100 asked for has been output.
    fn everything_output() -> Property<Relay> {
        Property::new("all out", "everything asked for came out", "losing it", |run| {
            let asked =
                run.trace.events.iter().filter(
                    |e| matches!(e.kind, EventKind::Request { request, .. } if request < 100),
                );
            let out =
                run.trace.events.iter().filter(|e| matches!(e.kind, EventKind::Output { .. }));
            if asked.count() == out.count() { Verdict::Holds } else { Verdict::fails("lost") }
        })
    }

    fn relay(requests: &[u8], depth: u32) -> SearchScenario<Relay> {
        SearchScenario {
            name: "relay",
            part: "A",
            points: 1,
            summary: "a relay",
            nodes: 2,
            factory: Arc::new(|_| Box::new(Node { counted: 0 })),
            requests: requests.iter().map(|v| (NodeId(0), *v)).collect(),
            limits: Limits { depth, crashes: 0, drops: 0, duplicates: 0, max_states: 1_000 },
            crashable: Vec::new(),
            properties: vec![in_order()],
            at_rest: vec![everything_output()],
        }
    }

    #[test]
    fn breadth_first_finds_the_shortest_violating_schedule() {
        let outcome = relay(&[1, 2], 8)
            .explore(Limits { depth: 8, ..relay(&[], 0).limits }, Strategy::BreadthFirst);
        let (_, name, evidence) = outcome.violation.expect("reordering breaks the property");
        assert_eq!((name, evidence.as_str()), ("in order", "2 came out of turn"));
        assert_eq!(outcome.schedule, ["request 1 at n0", "request 2 at n0", "deliver 2 n0->n1"]);
    }

    #[test]
    fn depth_first_finds_a_violation_too_and_a_short_bound_finds_none() {
        let s = relay(&[1, 2], 8);
        let dfs = s.explore(s.limits, Strategy::DepthFirst);
        assert!(dfs.violation.is_some());
        let shallow = s.explore(Limits { depth: 2, ..s.limits }, Strategy::BreadthFirst);
        assert!(shallow.violation.is_none() && shallow.complete);
        // Start; request 1; request 2 or deliver 1; then both messages in flight, or 1 out.
        assert_eq!((shallow.unique, shallow.depth), (4, 2));
    }

    #[test]
    fn states_reached_twice_are_explored_once() {
        // Counted values: delivering 100 then 101, or 101 then 100, or asking for 101 before or
        // after 100 arrives, leads to the same state (nothing observed differs).
        let s = relay(&[100, 101], 10);
        let outcome = s.explore(s.limits, Strategy::BreadthFirst);
        assert!(outcome.violation.is_none() && outcome.complete);
        assert!(outcome.unique < outcome.explored, "{} of {}", outcome.unique, outcome.explored);
        // Asked for none; for one (in flight or counted); for two (each in flight or not).
        assert_eq!(outcome.unique, 1 + 2 + 4);
    }

    #[test]
    fn a_panic_is_a_violation_of_the_run_completing_and_the_report_says_where() {
        let s = relay(&[0], 4);
        let report = s.report("lab99");
        let lines: Vec<String> = report.properties.iter().map(|p| p.line()).collect();
        assert!(
            lines[0].contains("after 1 steps (request 0 at n0): n0 panicked in on_request"),
            "{lines:?}"
        );
        assert!(lines[0].contains("zero is not relayed"), "{lines:?}");
        assert_eq!(lines[1], "  --    in order: not judged (the run stopped early)");
    }

    #[test]
    fn properties_at_rest_are_judged_only_when_nothing_more_can_happen() {
        // A relay that forgets its messages is at rest after the requests, with nothing out.
        let s = SearchScenario { factory: Arc::new(|_| Box::new(Forgetful)), ..relay(&[1, 2], 6) };
        let outcome = s.explore(s.limits, Strategy::BreadthFirst);
        let (_, name, _) = outcome.violation.expect("the relay loses everything");
        assert_eq!((name, outcome.schedule.len()), ("all out", 2));
        // The correct relay is never at rest with a value missing, though it passes through
        // states (a message in flight) where one is.
        let correct = relay(&[1, 2], 6);
        let outcome = correct.explore(correct.limits, Strategy::BreadthFirst);
        assert_eq!(outcome.violation.map(|v| v.1), Some("in order"));
        let in_turn = relay(&[1, 1], 6);
        assert!(in_turn.explore(in_turn.limits, Strategy::BreadthFirst).violation.is_none());
    }

    #[test]
    fn the_trace_of_a_search_is_its_shortest_counterexample() {
        let s = relay(&[1, 2], 8);
        let view = crate::trace::View {
            format: crate::trace::Format::Text,
            filter: crate::trace::Filter::default(),
            around_violation: false,
        };
        let rendered = s.render_trace("relay", 1, &view);
        let lines: Vec<&str> = rendered.text.lines().collect();
        assert_eq!(rendered.note.as_deref(), Some("the shortest schedule that breaks in order"));
        assert!(lines.iter().any(|l| l.contains("n0 request r1 2")), "{lines:?}");
        assert!(lines.last().is_some_and(|l| l.contains("n1 output 2")), "{lines:?}");
        assert_eq!(lines.iter().filter(|l| l.contains("deliver")).count(), 1, "{lines:?}");
    }

    #[derive(Clone, Debug, Hash)]
    struct Forgetful;

    impl Process<Relay> for Forgetful {}

    #[test]
    fn a_search_that_runs_out_of_room_says_so() {
        let s = SearchScenario {
            limits: Limits { max_states: 5, ..relay(&[], 10).limits },
            ..relay(&[1, 1, 1], 10)
        };
        let report = s.report("lab99");
        assert!(!report.passed());
        assert!(report.properties[0].line().contains("gave up after 5 distinct states"));
    }
}
