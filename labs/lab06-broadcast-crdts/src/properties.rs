//! What lab 06's scenarios check, judged from the trace: the broadcasts asked for and the
//! deliveries reported (part A); the updates asked for, the states on the wire and what the glue
//! reports of each replica (parts B and C). Part B's merge laws call your `merge` on states the
//! replicas really reached.

use crate::spec::{Spec, Update};
use crate::{Bcast, Crdt, Delivery, Message, Observation, Replication, Request, Rumor};
use harness::scenario::Tally;
use harness::trace::EventKind;
use harness::{Duration, NodeId, Property, Run, Time, Verdict};
use std::collections::{BTreeMap, BTreeSet};

// ---------------------------------------------------------------------------------------------
// Part A.
// ---------------------------------------------------------------------------------------------

fn crashed<P: harness::Protocol>(run: &Run<P>) -> BTreeSet<NodeId> {
    run.trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Crash { node, .. } => Some(node),
            _ => None,
        })
        .collect()
}

fn correct<P: harness::Protocol>(run: &Run<P>, nodes: usize) -> Vec<NodeId> {
    let down = crashed(run);
    (0..nodes as u32).map(NodeId).filter(|n| !down.contains(n)).collect()
}

/// Every broadcast a node was asked for, as (origin, seq), in trace order.
pub fn broadcasts(run: &Run<Bcast>) -> Vec<(NodeId, u64)> {
    let mut count: BTreeMap<NodeId, u64> = BTreeMap::new();
    let mut out = Vec::new();
    for e in &run.trace.events {
        if let EventKind::Request { node, .. } = e.kind {
            let seq = count.entry(node).or_insert(0);
            *seq += 1;
            out.push((node, *seq));
        }
    }
    out
}

/// Who delivered what: (node, origin, seq) for every delivery, with its time.
fn deliveries(run: &Run<Bcast>) -> Vec<(Time, NodeId, NodeId, u64)> {
    run.trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Output { node, output: Delivery::Delivered { origin, seq } } => {
                Some((e.at, *node, *origin, *seq))
            }
            _ => None,
        })
        .collect()
}

fn delivered_sets(run: &Run<Bcast>) -> BTreeMap<NodeId, BTreeSet<(NodeId, u64)>> {
    let mut out: BTreeMap<NodeId, BTreeSet<(NodeId, u64)>> = BTreeMap::new();
    for (_, node, origin, seq) in deliveries(run) {
        out.entry(node).or_default().insert((origin, seq));
    }
    out
}

/// No node delivers a message twice, and every delivered message was broadcast.
pub fn integrity() -> Property<Bcast> {
    Property::safety(
        "each message is delivered at most once, and only if it was broadcast",
        "No node delivers the same (origin, seq) twice, and a node delivers (origin, seq) only \
         after origin was asked for its seq-th broadcast (Cachin et al.'s no duplication and no \
         creation).",
        "delivering every copy that arrives, duplicates included (the network duplicates, and \
         relays send the same message again); numbering broadcasts from 0, or per destination.",
        |run| {
            let mut asked: BTreeMap<NodeId, u64> = BTreeMap::new();
            let mut seen: BTreeSet<(NodeId, NodeId, u64)> = BTreeSet::new();
            for e in &run.trace.events {
                match &e.kind {
                    EventKind::Request { node, .. } => *asked.entry(*node).or_insert(0) += 1,
                    EventKind::Output { node, output: Delivery::Delivered { origin, seq } } => {
                        if !seen.insert((*node, *origin, *seq)) {
                            return Verdict::fails_at(
                                e.at,
                                format!("{node} delivered {origin}'s message {seq} twice"),
                            );
                        }
                        if *seq == 0 || *seq > asked.get(origin).copied().unwrap_or(0) {
                            return Verdict::fails_at(
                                e.at,
                                format!(
                                    "{node} delivered {origin}'s message {seq}, which {origin} \
                                     was never asked to broadcast"
                                ),
                            );
                        }
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// Every broadcast of a correct node is delivered by every correct node.
pub fn validity(nodes: usize) -> Property<Bcast> {
    Property::new(
        "every correct node delivers every message a correct node broadcast",
        "If a node that never crashes broadcasts a message, every node that never crashes \
         delivers it, the sender included (validity).",
        "a sender that does not deliver its own message; a node that drops a message it has \
         already seen a copy of before delivering it; sending to a fixed subset of the nodes.",
        move |run| {
            let delivered = delivered_sets(run);
            let live = correct(run, nodes);
            let empty = BTreeSet::new();
            for (origin, seq) in broadcasts(run) {
                if !live.contains(&origin) {
                    continue;
                }
                for n in &live {
                    if !delivered.get(n).unwrap_or(&empty).contains(&(origin, seq)) {
                        return Verdict::fails(format!(
                            "{n} never delivered {origin}'s message {seq}"
                        ));
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// If one correct node delivers a message, every correct node does.
pub fn agreement(nodes: usize) -> Property<Bcast> {
    Property::new(
        "if a correct node delivers a message, every correct node does",
        "A message delivered by one node that never crashes is delivered by every node that \
         never crashes, even when its sender crashed halfway through sending it (agreement).",
        "receivers that deliver without relaying (best-effort broadcast is not reliable); \
         relaying only messages whose origin is the direct sender; relaying to the origin only.",
        move |run| {
            let delivered = delivered_sets(run);
            let live = correct(run, nodes);
            let empty = BTreeSet::new();
            for n in &live {
                for (origin, seq) in delivered.get(n).unwrap_or(&empty) {
                    if let Some(m) = live
                        .iter()
                        .find(|m| !delivered.get(m).unwrap_or(&empty).contains(&(*origin, *seq)))
                    {
                        return Verdict::fails(format!(
                            "{n} delivered {origin}'s message {seq}, but {m} never did"
                        ));
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// The messages sent stay within `per_broadcast(nodes)` per broadcast.
pub fn message_bound(
    nodes: usize,
    formula: &'static str,
    per_broadcast: fn(usize) -> usize,
) -> Property<Bcast> {
    Property::new(
        "messages within the protocol's bound",
        "Each protocol sends a known number of messages per broadcast: best-effort N-1, eager \
         reliable N(N-1) (every node relays once to everyone), gossip N x fanout (every node \
         pushes once). The total over the run stays within that, per broadcast asked for.",
        "relaying every copy that arrives rather than the first; gossiping again on every \
         duplicate; pushing to more peers than the fanout; resending on no evidence of loss.",
        move |run| {
            let asked = broadcasts(run).len();
            let sent = run.trace.messages.len();
            let bound = asked * per_broadcast(nodes);
            if sent <= bound {
                Verdict::Holds
            } else {
                Verdict::fails(format!(
                    "{sent} messages were sent for {asked} broadcasts among {nodes} nodes (at most \
                     {bound}: {formula} per broadcast)"
                ))
            }
        },
    )
}

/// Gossip reaches, over all seeds, at least `permille` thousandths of the (message, node) pairs.
pub fn gossip_coverage(nodes: usize, permille: u64) -> Property<Bcast> {
    Property::over_seeds(
        "gossip reaches the coverage its fanout and rounds promise",
        "Over all seeds together, the share of (broadcast, node) pairs delivered is at least the \
         coverage that pushes to fanout random peers for that many rounds reach (the handout \
         gives it); a single seed may fall short, as epidemics do.",
        "drawing peers from a fixed order instead of the node's random stream (every node pushes \
         to the same few); pushing to fewer peers than the fanout; relaying only messages that \
         came straight from their origin.",
        move |run| {
            let delivered = delivered_sets(run);
            let asked = broadcasts(run);
            let reached: usize = asked
                .iter()
                .map(|b| delivered.values().filter(|set| set.contains(b)).count())
                .sum();
            Tally { count: reached as u64, total: (asked.len() * nodes) as u64 }
        },
        move |t| {
            if t.total > 0 && t.count * 1000 >= t.total * permille {
                Verdict::Holds
            } else {
                Verdict::fails(format!(
                    "{} of {} (broadcast, node) pairs were delivered ({}.{}%, at least {}.{}% \
                     promised)",
                    t.count,
                    t.total,
                    t.count * 100 / t.total.max(1),
                    t.count * 1000 / t.total.max(1) % 10,
                    permille / 10,
                    permille % 10
                ))
            }
        },
    )
}

/// Evidence: `sender` crashed after sending its broadcast to some, not all, of the others.
pub fn sender_crashed_mid_send(sender: NodeId, nodes: usize) -> Property<Bcast> {
    Property::new(
        "the sender crashed mid-send",
        "The scenario is about a sender that crashes halfway through a broadcast, so on every seed \
         it must crash having sent its message to at least one node but not to all.",
        "none: the scripted sender does it; report this if it fails.",
        move |run| {
            let reached: BTreeSet<NodeId> = run
                .trace
                .messages
                .iter()
                .filter(|m: &&harness::trace::Envelope<Rumor>| {
                    m.from == sender && m.msg.origin == sender
                })
                .map(|m| m.to)
                .collect();
            let down = crashed(run).contains(&sender);
            if down && !reached.is_empty() && reached.len() < nodes - 1 {
                Verdict::Holds
            } else {
                Verdict::fails(format!(
                    "{sender} crashed: {down}; it sent its broadcast to {} of {} others",
                    reached.len(),
                    nodes - 1
                ))
            }
        },
    )
}

/// Every correct node delivers `origin`'s first message: it reached a correct node over links
/// that lose nothing, and a correct node delivers what it receives and passes it on.
pub fn crashed_senders_message_delivered(origin: NodeId, nodes: usize) -> Property<Bcast> {
    Property::new(
        "the crashed sender's message reaches every correct node",
        "The sender's message reached at least one correct node before the sender crashed, and \
         links lose nothing here: that node delivers it and relays it, so every correct node \
         delivers it.",
        "a receiver that delivers a message but does not relay it (eager reliable broadcast \
         relays on first receipt); a node that ignores messages whose origin has crashed.",
        move |run| {
            let delivered = delivered_sets(run);
            let empty = BTreeSet::new();
            for n in correct(run, nodes) {
                if !delivered.get(&n).unwrap_or(&empty).contains(&(origin, 1)) {
                    return Verdict::fails(format!("{n} never delivered {origin}'s message 1"));
                }
            }
            Verdict::Holds
        },
    )
}

/// Evidence: a node crashed (inside a handler, as the scenario schedules it).
pub fn some_node_crashed() -> Property<Bcast> {
    Property::new(
        "a node crashed mid-run",
        "The scenario is about a crash while messages flow, so on every seed a node must crash \
         inside one of its handlers.",
        "none: the scenario schedules it; report this if it fails.",
        |run| {
            if crashed(run).is_empty() { Verdict::fails("no node crashed") } else { Verdict::Holds }
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Parts B and C.
// ---------------------------------------------------------------------------------------------

/// A set of updates (indices into the run's list), as a bit set: knowledge is copied at every
/// send, so it must be cheap. Scenarios make at most [`Known::MAX`] updates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Known([u64; 4]);

impl Known {
    const MAX: usize = 256;

    fn insert(&mut self, i: usize) {
        assert!(i < Self::MAX, "lab06 scenarios make at most {} updates", Self::MAX);
        self.0[i / 64] |= 1 << (i % 64);
    }

    fn extend(&mut self, other: &Known) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
    }

    fn len(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    fn to_set(self) -> BTreeSet<usize> {
        (0..Self::MAX).filter(|i| self.0[i / 64] & (1 << (i % 64)) != 0).collect()
    }
}

/// What each replica knew and answered, event by event: the updates (with their causal pasts),
/// and at the end of each handler, each replica's known updates and query result.
struct Knowledge<C: Crdt> {
    updates: Vec<Update<C::Op>>,
    /// (time, replica, known updates, query result), at the end of every handler.
    points: Vec<(Time, NodeId, Known, C::Value)>,
}

/// Follows knowledge through the run: an update is known at its replica from its request on; a
/// state sent carries what its sender knew; a delivered state adds it to the receiver's. (A
/// replica sends its whole current state, so this is exactly what its state reflects.)
fn knowledge<C: Crdt>(run: &Run<Replication<C>>) -> Knowledge<C> {
    let mut updates = Vec::new();
    let mut known: BTreeMap<NodeId, Known> = BTreeMap::new();
    let mut value: BTreeMap<NodeId, C::Value> = BTreeMap::new();
    let mut carried: Vec<Known> = vec![Known::default(); run.trace.messages.len()];
    let mut points = Vec::new();
    let mut open: Option<(Time, NodeId)> = None;
    let close = |open: &mut Option<(Time, NodeId)>,
                 known: &BTreeMap<NodeId, Known>,
                 value: &BTreeMap<NodeId, C::Value>,
                 points: &mut Vec<(Time, NodeId, Known, C::Value)>| {
        if let Some((at, node)) = open.take() {
            if let Some(v) = value.get(&node) {
                points.push((at, node, known.get(&node).copied().unwrap_or_default(), v.clone()));
            }
        }
    };
    for e in &run.trace.events {
        match &e.kind {
            EventKind::Start { node, .. }
            | EventKind::Restart { node, .. }
            | EventKind::TimerFired { node, .. } => {
                close(&mut open, &known, &value, &mut points);
                open = Some((e.at, *node));
            }
            EventKind::Request { node, request: Request::Update(op), .. } => {
                close(&mut open, &known, &value, &mut points);
                let mine = known.entry(*node).or_default();
                updates.push(Update { node: *node, op: op.clone(), deps: mine.to_set() });
                mine.insert(updates.len() - 1);
                open = Some((e.at, *node));
            }
            EventKind::Deliver { msg } => {
                close(&mut open, &known, &value, &mut points);
                let to = run.trace.message(*msg).to;
                known.entry(to).or_default().extend(&carried[msg.0 as usize]);
                open = Some((e.at, to));
            }
            EventKind::Send { msg } => {
                let m = run.trace.message(*msg);
                let Message::State(_) = &m.msg;
                carried[msg.0 as usize] = known.get(&m.from).copied().unwrap_or_default();
            }
            EventKind::Output { node, output: Observation::Query(v) } => {
                value.insert(*node, v.clone());
            }
            _ => {}
        }
    }
    close(&mut open, &known, &value, &mut points);
    Knowledge { updates, points }
}

/// Strong convergence: replicas that know the same updates answer the same.
pub fn strong_convergence<C: Crdt>() -> Property<Replication<C>> {
    Property::new(
        "replicas that know the same updates answer the same",
        "Strong convergence, checked after every handler of the run, not only at its end: \
         whenever two replicas (or one, at two moments) have received exactly the same updates, \
         directly or through merged states, their queries return the same value.",
        "a merge that depends on the order states arrive in (ties broken by arrival, the \
         receiver's state preferred); a query that reads replica-local data (the node's own id, \
         a count of merges); a merge that is not idempotent, so a duplicate changes the value.",
        |run| {
            let k = knowledge(run);
            let mut seen: BTreeMap<Known, (Time, NodeId, &C::Value)> = BTreeMap::new();
            for (at, node, known, value) in &k.points {
                match seen.get(known) {
                    Some((then, other, v)) if *v != value => {
                        let who = if other == node {
                            format!(
                                "{node} knew the same {} updates at {then} and at {at}",
                                known.len()
                            )
                        } else {
                            format!(
                                "{node} (at {at}) and {other} (at {then}) knew the same {} updates",
                                known.len()
                            )
                        };
                        return Verdict::fails_at(
                            *at,
                            format!("{who}, but answered {value:?} and {v:?}"),
                        );
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(*known, (*at, *node, value));
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// Every query result is the type's sequential specification of the updates its replica knew.
pub fn follows_specification<C: Crdt>(
    name: &'static str,
    spec: Spec<C::Op, C::Value>,
) -> Property<Replication<C>> {
    Property::new(
        name,
        "After every handler, a replica's query returns what the type's specification gives for \
         the updates it has received (the handout states each): a counter's sum; the assignment \
         with the greatest (timestamp, replica) for LWW; exactly the assignments no known one \
         happened after for MV; an element present while one of its adds was not observed by a \
         remove of it, for the OR-Set.",
        "a PN-Counter that subtracts from the increment counts; ties broken by arrival order; an \
         MV-Register that keeps one of two concurrent values, or keeps a value a later one \
         overwrote; an OR-Set whose remove deletes adds it never saw, or that reuses an add's \
         tag so that a re-add is born removed.",
        move |run| {
            let k = knowledge(run);
            let mut memo: BTreeMap<Known, C::Value> = BTreeMap::new();
            for (at, node, known, value) in &k.points {
                let want = memo.entry(*known).or_insert_with(|| spec(&k.updates, &known.to_set()));
                if want != value {
                    return Verdict::fails_at(
                        *at,
                        format!(
                            "{node} knew {} updates and answered {value:?}; the specification \
                             gives {want:?}",
                            known.len()
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// The updates that were acknowledged, with their causal pasts from the knowledge traced, and
/// each replica's query results with their times.
struct Outcome<C: Crdt> {
    updates: Vec<Update<C::Op>>,
    acked: BTreeSet<usize>,
    answers: BTreeMap<NodeId, Vec<(Time, C::Value)>>,
}

fn outcome<C: Crdt>(run: &Run<Replication<C>>) -> Outcome<C> {
    let k = knowledge(run);
    let mut index: BTreeMap<harness::RequestId, usize> = BTreeMap::new();
    let mut next = 0;
    let mut acked = BTreeSet::new();
    let mut answers: BTreeMap<NodeId, Vec<(Time, C::Value)>> = BTreeMap::new();
    for e in &run.trace.events {
        match &e.kind {
            EventKind::Request { id, .. } => {
                index.insert(*id, next);
                next += 1;
            }
            EventKind::Reply { id, .. } => {
                if let Some(i) = index.get(id) {
                    acked.insert(*i);
                }
            }
            EventKind::Output { node, output: Observation::Query(v) } => {
                answers.entry(*node).or_default().push((e.at, v.clone()));
            }
            _ => {}
        }
    }
    Outcome { updates: k.updates, acked, answers }
}

/// At the end, every replica answers the specification of every acknowledged update.
pub fn acknowledged_updates_reflected<C: Crdt>(
    replicas: usize,
    spec: Spec<C::Op, C::Value>,
) -> Property<Replication<C>> {
    Property::new(
        "every acknowledged update is reflected at every replica",
        "At the end of the run (healed, quiet, every replica up), every replica's query returns \
         the specification of all the updates that were acknowledged: none is lost, not even one \
         acknowledged by a replica that then crashed, and the replicas have converged.",
        "answering an update before it is synced to storage, or not loading the state on \
         restart; gossiping only when an update is made, so that a lost message is never \
         resent; a replica that stops gossiping after a restart.",
        move |run| {
            let o = outcome(run);
            let want = spec(&o.updates, &o.acked);
            for r in 0..replicas as u32 {
                let node = NodeId(r);
                let last = o.answers.get(&node).and_then(|a| a.last()).map(|(_, v)| v);
                if last != Some(&want) {
                    let said = last.map_or("nothing".to_string(), |v| format!("{v:?}"));
                    return Verdict::fails(format!(
                        "at the end {node} answered {said}; the {} acknowledged updates give \
                         {want:?}",
                        o.acked.len()
                    ));
                }
            }
            if o.acked.is_empty() {
                return Verdict::fails("no update was acknowledged");
            }
            Verdict::Holds
        },
    )
}

/// The value every replica ends with (n0's last answer), for the report of a scenario whose
/// outcome the protocol determines.
pub fn final_value<C: Crdt>(run: &Run<Replication<C>>) -> Vec<String> {
    let last = run.trace.events.iter().rev().find_map(|e| match &e.kind {
        EventKind::Output { node: NodeId(0), output: Observation::Query(v) } => Some(v),
        _ => None,
    });
    match last {
        Some(v) => vec![format!("every replica ends with {v:?}")],
        None => vec!["n0 answered nothing".to_string()],
    }
}

/// Eventual delivery within a bound: from `by` on, every replica answers the final value.
pub fn converged_by<C: Crdt>(
    replicas: usize,
    by: Time,
    what: &'static str,
    spec: Spec<C::Op, C::Value>,
) -> Property<Replication<C>> {
    Property::new(
        "replicas converge within the bound after the heal",
        "Once the network is healed, quiet and every replica is up, one gossip round is enough: \
         by two gossip intervals plus the network's delay after that moment (the time in this \
         scenario's evidence), every replica answers the specification of every acknowledged \
         update, and keeps answering it.",
        "gossiping only when an update is made, or only to one peer; a gossip timer that is not \
         set again after it fires, or not set on restart; merging into a copy of the state that \
         is then dropped.",
        move |run| {
            let o = outcome(run);
            let want = spec(&o.updates, &o.acked);
            for r in 0..replicas as u32 {
                let node = NodeId(r);
                let answers = o.answers.get(&node).map(Vec::as_slice).unwrap_or(&[]);
                let at_bound = answers.iter().rev().find(|(t, _)| *t <= by).map(|(_, v)| v);
                let later_change = answers.iter().find(|(t, v)| *t > by && *v != want);
                if at_bound != Some(&want) || later_change.is_some() {
                    let said = at_bound.map_or("nothing".to_string(), |v| format!("{v:?}"));
                    return Verdict::fails_at(
                        by,
                        format!(
                            "{what}: at {by} {node} answered {said}, not {want:?}{}",
                            later_change
                                .map(|(t, v)| format!(" (and {v:?} at {t})"))
                                .unwrap_or_default()
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// Part C, without loss: each replica sends at most one state per peer and gossip interval.
pub fn gossip_bounded<C: Crdt>(interval: Duration) -> Property<Replication<C>> {
    Property::new(
        "each replica sends one state per peer and gossip interval",
        "A replica sends its state to each peer once per gossip interval, and once more when it \
         starts: over a run, at most peers x (duration / interval + 2) states per replica.",
        "echoing a state back to its sender on every receipt (two replicas then ping-pong); \
         sending on every update as well as on the timer; setting a second timer each time one \
         fires.",
        move |run| {
            let mut sent: BTreeMap<NodeId, usize> = BTreeMap::new();
            let mut peers: BTreeMap<NodeId, BTreeSet<NodeId>> = BTreeMap::new();
            for m in &run.trace.messages {
                *sent.entry(m.from).or_insert(0) += 1;
                peers.entry(m.from).or_default().insert(m.to);
            }
            let rounds = (run.end.as_micros() / interval.as_micros()) as usize + 2;
            for (node, n) in sent {
                let bound = peers[&node].len() * rounds;
                if n > bound {
                    return Verdict::fails(format!(
                        "{node} sent {n} states to {} peers in {} (at most {bound})",
                        peers[&node].len(),
                        Duration(run.end.as_micros())
                    ));
                }
            }
            Verdict::Holds
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Part B: the merge laws, on the states the run reached.
// ---------------------------------------------------------------------------------------------

/// The most distinct states a law is checked on per run, spread over the run.
const STATES: usize = 24;

/// The distinct states the replicas reached, at most [`STATES`], spread over the run.
fn states<C: Crdt>(run: &Run<Replication<C>>) -> Vec<C> {
    let mut all: Vec<&C> = Vec::new();
    for e in &run.trace.events {
        if let EventKind::Output { output: Observation::State(s), .. } = &e.kind {
            if !all.contains(&s) {
                all.push(s);
            }
        }
    }
    let step = all.len().div_ceil(STATES).max(1);
    all.into_iter().step_by(step).cloned().collect()
}

fn merged<C: Crdt>(a: &C, b: &C) -> C {
    let mut m = a.clone();
    m.merge(b);
    m
}

/// `a <= b` in the order merge defines.
fn below<C: Crdt>(a: &C, b: &C) -> bool {
    merged(b, a) == *b
}

/// A law checked on the run's states, with your code's panics turned into a verdict.
fn law<C: Crdt>(
    name: &'static str,
    definition: &'static str,
    causes: &'static str,
    check: fn(&[C]) -> Result<(), String>,
) -> Property<Replication<C>> {
    Property::new(name, definition, causes, move |run| {
        let states = states(run);
        match harness::panics::catch(|| check(&states)) {
            Ok(Ok(())) if states.len() > 1 => Verdict::Holds,
            Ok(Ok(())) => Verdict::fails("the replicas reached fewer than two distinct states"),
            Ok(Err(e)) => Verdict::fails(e),
            Err(p) => Verdict::fails(format!(
                "checking it, your code panicked at {}: {}",
                p.location, p.message
            )),
        }
    })
}

/// merge(a, a) == a.
pub fn idempotent<C: Crdt>() -> Property<Replication<C>> {
    law(
        "merge is idempotent",
        "For every state a the replicas reached, merging a into itself gives a: receiving the \
         same state twice (the network duplicates, gossip resends) changes nothing.",
        "adding counts instead of taking their maximum; appending entries without removing the \
         ones already there; a merge that also applies an update.",
        |states| {
            for a in states {
                let m = merged(a, a);
                if m != *a {
                    return Err(format!("merging {a:?} with itself gave {m:?}"));
                }
            }
            Ok(())
        },
    )
}

/// merge(a, b) == merge(b, a).
pub fn commutative<C: Crdt>() -> Property<Replication<C>> {
    law(
        "merge is commutative",
        "For every two states a and b the replicas reached, a merged with b equals b merged with \
         a: the order in which two replicas hear of each other does not matter.",
        "breaking a tie (equal timestamps) by which state arrived, or by keeping the receiver's; \
         keeping the first of two concurrent values.",
        |states| {
            for (i, a) in states.iter().enumerate() {
                for b in &states[i + 1..] {
                    let (ab, ba) = (merged(a, b), merged(b, a));
                    if ab != ba {
                        return Err(format!(
                            "merging {a:?} with {b:?} gave {ab:?}, but the other way round {ba:?}"
                        ));
                    }
                }
            }
            Ok(())
        },
    )
}

/// merge(merge(a, b), c) == merge(a, merge(b, c)).
pub fn associative<C: Crdt>() -> Property<Replication<C>> {
    law(
        "merge is associative",
        "For states a, b and c the replicas reached, (a merged with b) merged with c equals a \
         merged with (b merged with c): how states are grouped on their way (relayed through a \
         third replica, or directly) does not matter.",
        "a merge that keeps only what the two inputs have in common, or decides by a count of \
         entries; pruning entries that only a third state would dominate.",
        |states| {
            let n = states.len();
            for i in 0..n {
                for j in 0..n {
                    // A deterministic sample of the triples: about n * n / 2 of them.
                    for k in (0..n).filter(|k| (i + 2 * j + 3 * k) % 2 == 0 && (i + j + k) % 4 == 1)
                    {
                        let (a, b, c) = (&states[i], &states[j], &states[k]);
                        let left = merged(&merged(a, b), c);
                        let right = merged(a, &merged(b, c));
                        if left != right {
                            return Err(format!(
                                "with a = {a:?}, b = {b:?}, c = {c:?}: (a+b)+c = {left:?} but \
                                 a+(b+c) = {right:?}"
                            ));
                        }
                    }
                }
            }
            Ok(())
        },
    )
}

/// a <= merge(a, b) and b <= merge(a, b).
pub fn upper_bound<C: Crdt>() -> Property<Replication<C>> {
    law(
        "merge is an upper bound of its inputs",
        "For states a and b the replicas reached, a merged with b is above both in the type's \
         order (x <= y when x merged with y is y): merging never loses what either side held.",
        "a merge that replaces the state by the other one; keeping the larger total instead of \
         the larger entry per replica; dropping a key one side lacks.",
        |states| {
            for (i, a) in states.iter().enumerate() {
                for b in &states[i..] {
                    let m = merged(a, b);
                    for x in [a, b] {
                        if !below(x, &m) {
                            return Err(format!(
                                "{a:?} merged with {b:?} gave {m:?}, which is not above {x:?}"
                            ));
                        }
                    }
                }
            }
            Ok(())
        },
    )
}

/// Every update moves its state up: before <= after.
pub fn updates_inflate<C: Crdt>() -> Property<Replication<C>> {
    Property::new(
        "updates only move a state up",
        "For every update a replica made, the state before it is below the state after it in \
         the type's order (before merged with after is after): otherwise a merge with an older \
         copy would undo the update.",
        "decrementing a PN-Counter by lowering the replica's entry (the older, larger entry wins \
         the next merge); an LWW assignment that does not raise the timestamp; a remove that \
         deletes tags instead of recording them.",
        |run| {
            let check = || {
                let mut updates = 0;
                for e in &run.trace.events {
                    if let EventKind::Output {
                        node,
                        output: Observation::Updated { before, after },
                    } = &e.kind
                    {
                        updates += 1;
                        if !below(before, after) {
                            return Verdict::fails_at(
                                e.at,
                                format!(
                                    "an update at {node} took the state from {before:?} to \
                                     {after:?}, which is not above it"
                                ),
                            );
                        }
                    }
                }
                if updates == 0 { Verdict::fails("no update was made") } else { Verdict::Holds }
            };
            harness::panics::catch(check).unwrap_or_else(|p| {
                Verdict::fails(format!(
                    "checking it, your code panicked at {}: {}",
                    p.location, p.message
                ))
            })
        },
    )
}
