//! What lab 07's scenarios check, judged from the trace: the clients' requests and answers, the
//! stores the glue reports after every handler, and the messages on the wire. A node's own word
//! is never taken: a version is "held" by a node when the glue reported it in that node's store.

use crate::merkle::{key_position, token};
use crate::{Dot, DynamoKv, Event, Message, Request, Response, Session, VClock, Version};
use harness::trace::EventKind;
use harness::{NodeId, Property, RequestId, Run, Time, Verdict};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The placement the handout pins, computed independently of the student's ring.
#[derive(Debug)]
pub struct Reference {
    tokens: Vec<(u64, NodeId)>,
    nodes: usize,
    /// Replicas per key.
    pub n: usize,
}

impl Reference {
    /// The ring of `nodes` with `vnodes` tokens each, for preference lists of `n`.
    pub fn new(nodes: &[NodeId], vnodes: u32, n: usize) -> Reference {
        let mut tokens: Vec<(u64, NodeId)> =
            nodes.iter().flat_map(|&m| (0..vnodes).map(move |v| (token(m, v), m))).collect();
        tokens.sort();
        Reference { tokens, nodes: nodes.len(), n }
    }

    /// The first `len` distinct nodes clockwise from `key`.
    pub fn list(&self, key: &str, len: usize) -> Vec<NodeId> {
        let position = key_position(key);
        let start = self.tokens.partition_point(|(t, _)| *t < position);
        let mut out = Vec::new();
        for i in 0..self.tokens.len() {
            if out.len() == len.min(self.nodes) {
                break;
            }
            let node = self.tokens[(start + i) % self.tokens.len()].1;
            if !out.contains(&node) {
                out.push(node);
            }
        }
        out
    }

    /// The key's N owners.
    pub fn owners(&self, key: &str) -> Vec<NodeId> {
        self.list(key, self.n)
    }
}

/// Whether `clock` has seen `dot`.
fn covers(clock: &VClock, dot: Dot) -> bool {
    clock.get(dot.node) >= dot.counter
}

/// Whether a sibling set holds the write of `value` (with dot `dot`, if known) or a version
/// that replaced it.
fn holds(siblings: &[Version], value: &str, dot: Option<Dot>) -> bool {
    siblings
        .iter()
        .any(|v| v.value == value || dot.is_some_and(|d| v.dot != d && covers(&v.context, d)))
}

/// Every client request of a run, with its answer.
struct Op {
    node: NodeId,
    request: Request,
    invoked: Time,
    /// The trace index of the request.
    index: usize,
    /// (time, trace index, answer).
    reply: Option<(Time, usize, Response)>,
}

fn ops(run: &Run<DynamoKv>) -> BTreeMap<RequestId, Op> {
    let mut ops = BTreeMap::new();
    for (i, e) in run.trace.events.iter().enumerate() {
        match &e.kind {
            EventKind::Request { node, id, request } => {
                let op = Op {
                    node: *node,
                    request: request.clone(),
                    invoked: e.at,
                    index: i,
                    reply: None,
                };
                ops.insert(*id, op);
            }
            EventKind::Reply { id, response, .. } => {
                if let Some(op) = ops.get_mut(id) {
                    op.reply = Some((e.at, i, response.clone()));
                }
            }
            _ => {}
        }
    }
    ops
}

/// The dot of every value, as the stores report it.
fn dots(run: &Run<DynamoKv>) -> BTreeMap<&str, Dot> {
    let mut out = BTreeMap::new();
    for e in &run.trace.events {
        if let EventKind::Output {
            output: Event::Stored { siblings, .. } | Event::Hinted { siblings, .. },
            ..
        } = &e.kind
        {
            for v in siblings {
                out.entry(v.value.as_str()).or_insert(v.dot);
            }
        }
    }
    out
}

/// Every node's store and hints, replayed from the glue's reports.
#[derive(Default)]
struct Stores {
    data: BTreeMap<NodeId, BTreeMap<String, Vec<Version>>>,
    hints: BTreeMap<NodeId, BTreeMap<(NodeId, String), Vec<Version>>>,
}

impl Stores {
    fn observe(&mut self, kind: &EventKind<DynamoKv>) {
        match kind {
            EventKind::Output { node, output: Event::Stored { key, siblings } } => {
                self.data.entry(*node).or_default().insert(key.clone(), siblings.clone());
            }
            EventKind::Output { node, output: Event::Hinted { home, key, siblings } } => {
                let hints = self.hints.entry(*node).or_default();
                if siblings.is_empty() {
                    hints.remove(&(*home, key.clone()));
                } else {
                    hints.insert((*home, key.clone()), siblings.clone());
                }
            }
            _ => {}
        }
    }

    fn get(&self, node: NodeId, key: &str) -> &[Version] {
        self.data.get(&node).and_then(|d| d.get(key)).map_or(&[], Vec::as_slice)
    }

    /// Whether `node` holds the write (in its store or as a hint for anyone).
    fn holds(&self, node: NodeId, key: &str, value: &str, dot: Option<Dot>) -> bool {
        holds(self.get(node, key), value, dot)
            || self
                .hints
                .get(&node)
                .is_some_and(|h| h.iter().any(|((_, k), s)| k == key && holds(s, value, dot)))
    }

    fn at_end(run: &Run<DynamoKv>) -> Stores {
        let mut stores = Stores::default();
        for e in &run.trace.events {
            stores.observe(&e.kind);
        }
        stores
    }
}

/// Every key a client wrote.
fn written_keys(ops: &BTreeMap<RequestId, Op>) -> BTreeSet<String> {
    ops.values()
        .filter(|op| matches!(op.request, Request::Put { .. }))
        .map(|op| op.request.key().to_string())
        .collect()
}

/// A write is acknowledged only once W nodes hold it.
pub fn writes_wait_for_w(w: usize) -> Property<DynamoKv> {
    Property::safety(
        "a write is acknowledged only after W nodes stored it",
        "When a coordinator answers Stored, at least W distinct nodes (owners, or stand-ins \
         keeping a hint) hold the write, or a version that replaced it, in their stores as the \
         glue reports them: the W of Dynamo's (N, R, W).",
        "answering after the first acknowledgement (or after the coordinator's own write); \
         counting one replica's duplicated Stored twice; counting Stored answers of another \
         request.",
        move |run| {
            let dots = dots(run);
            let mut stores = Stores::default();
            let mut requests: BTreeMap<RequestId, Request> = BTreeMap::new();
            for e in &run.trace.events {
                stores.observe(&e.kind);
                match &e.kind {
                    EventKind::Request { id, request, .. } => {
                        requests.insert(*id, request.clone());
                    }
                    EventKind::Reply { node, id, response: Response::Stored } => {
                        let Some(Request::Put { key, value, .. }) = requests.get(id) else {
                            return Verdict::fails_at(
                                e.at,
                                format!("{node} answered Stored to a request that was no write"),
                            );
                        };
                        let dot = dots.get(value.as_str()).copied();
                        let holders = (0..run.nodes as u32)
                            .map(NodeId)
                            .filter(|n| stores.holds(*n, key, value, dot))
                            .count();
                        if holders < w {
                            return Verdict::fails_at(
                                e.at,
                                format!(
                                    "{node} acknowledged the write of {value:?} to {key:?} when \
                                     {holders} node(s) held it (W = {w})"
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

/// The `Fetch` request numbers a coordinator sent while handling client request `op`.
fn fetches_of(run: &Run<DynamoKv>, handlers: &[Option<usize>], op: &Op) -> BTreeSet<u64> {
    let mut reqs = BTreeSet::new();
    for (i, e) in run.trace.events.iter().enumerate().skip(op.index + 1) {
        if handlers[i] != Some(op.index) {
            if matches!(e.kind, EventKind::Drop { .. } | EventKind::Duplicate { .. }) {
                continue;
            }
            break;
        }
        if let EventKind::Send { msg } = e.kind {
            if let Message::Fetch { req, .. } = &run.trace.message(msg).msg {
                reqs.insert(*req);
            }
        }
    }
    reqs
}

/// The `Fetched` answers (replica, siblings) delivered to `op`'s coordinator for its fetches,
/// from the request up to trace index `until`.
fn answers_to<'a>(
    run: &'a Run<DynamoKv>,
    op: &Op,
    reqs: &BTreeSet<u64>,
    until: usize,
) -> BTreeMap<NodeId, &'a [Version]> {
    let mut out = BTreeMap::new();
    for e in &run.trace.events[op.index..until] {
        match e.kind {
            EventKind::Deliver { msg } => {
                let m = run.trace.message(msg);
                if let Message::Fetched { req, siblings, .. } = &m.msg {
                    if m.to == op.node && reqs.contains(req) {
                        out.entry(m.from).or_insert(siblings.as_slice());
                    }
                }
            }
            EventKind::Crash { node, .. } if node == op.node => break,
            _ => {}
        }
    }
    out
}

/// A read answers only after R replicas did.
pub fn reads_wait_for_r(r: usize) -> Property<DynamoKv> {
    Property::safety(
        "a read is answered only after R replicas answered",
        "When a coordinator answers a Get with Values, at least R distinct replicas' Fetched \
         answers to the Fetch messages it sent for that Get have been delivered to it (its own \
         counts as one, through a Fetch to itself).",
        "answering with the first Fetched (or with the coordinator's own store) while R is 2 or \
         3; counting a duplicated Fetched twice; counting an answer to an earlier read.",
        move |run| {
            let handlers = run.trace.handlers();
            for (_, op) in ops(run) {
                let Some((at, index, Response::Values { .. })) = &op.reply else { continue };
                let reqs = fetches_of(run, &handlers, &op);
                let answers = answers_to(run, &op, &reqs, *index);
                if answers.len() < r {
                    return Verdict::fails_at(
                        *at,
                        format!(
                            "{} answered the read of {:?} after {} replica answer(s) (R = {r})",
                            op.node,
                            op.request.key(),
                            answers.len()
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// With strict quorums and R + W > N, a read sees every write acknowledged before it began.
pub fn reads_see_acknowledged_writes() -> Property<DynamoKv> {
    Property::safety(
        "a read returns every write acknowledged before it began",
        "With a strict quorum and R + W > N, every read quorum meets every write quorum: a Get \
         that begins after a Put was acknowledged returns that Put's version, or a version whose \
         context replaced it, among its siblings. Never an older state.",
        "R + W <= N in the node's arithmetic; reading fewer than R replicas; dropping a sibling \
         when reconciling the answers; a replica that answers Stored before it stored; a merge \
         that loses a concurrent version.",
        |run| {
            let dots = dots(run);
            let ops = ops(run);
            let mut acked: Vec<(Time, &str, &str)> = ops
                .values()
                .filter_map(|op| match (&op.request, &op.reply) {
                    (Request::Put { key, value, .. }, Some((at, _, Response::Stored))) => {
                        Some((*at, key.as_str(), value.as_str()))
                    }
                    _ => None,
                })
                .collect();
            acked.sort();
            for op in ops.values() {
                let Some((at, _, Response::Values { siblings, .. })) = &op.reply else { continue };
                for (acked_at, key, value) in &acked {
                    if *acked_at >= op.invoked {
                        break;
                    }
                    if *key != op.request.key() {
                        continue;
                    }
                    if !holds(siblings, value, dots.get(value).copied()) {
                        return Verdict::fails_at(
                            *at,
                            format!(
                                "{} answered a read of {key:?} begun at {} without {value:?}, \
                                 acknowledged at {acked_at}, or anything that replaced it",
                                op.node, op.invoked
                            ),
                        );
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// Siblings are concurrent writes only.
pub fn no_false_conflicts() -> Property<DynamoKv> {
    Property::safety(
        "no false conflicts",
        "A read's context covers every sibling it returns (each one's dot and context), so a \
         write with that context replaces them all; and no store or answer ever holds two \
         versions one of which was written with a context covering the other.",
        "a new version that ignores the client's context; a context that merges the siblings' \
         clocks with a minimum instead of a maximum, or leaves out their dots; a merge of sibling \
         sets that keeps versions an incoming version's context replaces.",
        |run| {
            let mut contexts: BTreeMap<&str, &VClock> = BTreeMap::new();
            for e in &run.trace.events {
                if let EventKind::Request { request: Request::Put { value, context, .. }, .. } =
                    &e.kind
                {
                    contexts.insert(value, context);
                }
            }
            let check = |siblings: &[Version], at: Time, what: &str| -> Option<Verdict> {
                for v in siblings {
                    for w in siblings {
                        let replaced = contexts
                            .get(w.value.as_str())
                            .is_some_and(|c| v.dot != w.dot && covers(c, v.dot));
                        if replaced {
                            return Some(Verdict::fails_at(
                                at,
                                format!(
                                    "{what} holds {:?} and {:?} as siblings, but {:?} was \
                                     written with a context covering {:?}",
                                    v.value, w.value, w.value, v.value
                                ),
                            ));
                        }
                    }
                }
                None
            };
            for e in &run.trace.events {
                match &e.kind {
                    EventKind::Output { node, output: Event::Stored { key, siblings } } => {
                        if let Some(v) =
                            check(siblings, e.at, &format!("{node}'s store of {key:?}"))
                        {
                            return v;
                        }
                    }
                    EventKind::Reply {
                        node,
                        response: Response::Values { siblings, context },
                        ..
                    } => {
                        if let Some(v) = check(siblings, e.at, &format!("{node}'s answer")) {
                            return v;
                        }
                        for s in siblings {
                            let short = !covers(context, s.dot)
                                || s.context.0.iter().any(|(n, c)| context.get(*n) < *c);
                            if short {
                                return Verdict::fails_at(
                                    e.at,
                                    format!(
                                        "{node} answered a read with sibling {:?} and a context \
                                         {:?} that does not cover it",
                                        s.value, context.0
                                    ),
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// At the end, every acknowledged write survives at every owner.
pub fn no_acknowledged_write_lost(reference: Arc<Reference>) -> Property<DynamoKv> {
    Property::new(
        "no acknowledged write is lost",
        "At the end of the run (healed and quiet), every owner of a key holds every acknowledged \
         write of it, as the value or as a sibling, unless a later version's context replaced it.",
        "a merge that keeps only the newest version (last writer wins); a replica that answers \
         Stored before storing; a restart that forgets the store; a stand-in that drops a hint \
         its owner never received; anti-entropy or read repair that overwrites instead of \
         merging.",
        move |run| {
            let stores = Stores::at_end(run);
            let dots = dots(run);
            for op in ops(run).values() {
                let (Request::Put { key, value, .. }, Some((at, _, Response::Stored))) =
                    (&op.request, &op.reply)
                else {
                    continue;
                };
                for owner in reference.owners(key) {
                    if !holds(stores.get(owner, key), value, dots.get(value.as_str()).copied()) {
                        return Verdict::fails_at(
                            *at,
                            format!(
                                "{value:?}, written to {key:?} and acknowledged at {at}, is not \
                                 held at the end by its owner {owner}, nor replaced there"
                            ),
                        );
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// At the end, the owners of every key agree and no hint is left.
pub fn replicas_converge(reference: Arc<Reference>) -> Property<DynamoKv> {
    Property::new(
        "the replicas converge",
        "At the end of the run, after the faults healed and anti-entropy (or read repair) had \
         time to run, all N owners of every written key hold the same sibling set, and no node \
         keeps a hint.",
        "anti-entropy that skips a subtree or a level of the Merkle tree, or repairs only one \
         side of an exchange; hints never handed back; read repair that is never sent; a node \
         that forgets to arm its anti-entropy timer again.",
        move |run| {
            let stores = Stores::at_end(run);
            for key in written_keys(&ops(run)) {
                let owners = reference.owners(&key);
                let first = stores.get(owners[0], &key);
                for &other in &owners[1..] {
                    if stores.get(other, &key) != first {
                        let show = |s: &[Version]| -> Vec<String> {
                            s.iter().map(|v| v.value.clone()).collect()
                        };
                        return Verdict::fails(format!(
                            "at the end, {} holds {:?} for {key:?} but {other} holds {:?}",
                            owners[0],
                            show(first),
                            show(stores.get(other, &key))
                        ));
                    }
                }
            }
            for (node, hints) in &stores.hints {
                if let Some(((home, key), _)) = hints.iter().next() {
                    return Verdict::fails(format!(
                        "at the end, {node} still keeps a hint of {key:?} for {home}"
                    ));
                }
            }
            Verdict::Holds
        },
    )
}

/// Every request is answered, and some writes succeed.
pub fn every_request_answered() -> Property<DynamoKv> {
    Property::new(
        "every request is answered, and writes succeed",
        "Every request handed to a node that stays up is answered (Values, Stored or \
         Unavailable) within the run, and at least one write is acknowledged on every seed.",
        "a coordinator that waits for ever when replicas do not answer (no request timeout); a \
         node that ignores requests; a timeout that is never armed, or that forgets to answer.",
        |run| {
            let mut crashed: BTreeMap<NodeId, Vec<Time>> = BTreeMap::new();
            for e in &run.trace.events {
                if let EventKind::Crash { node, .. } = e.kind {
                    crashed.entry(node).or_default().push(e.at);
                }
            }
            let mut refused = BTreeSet::new();
            for e in &run.trace.events {
                if let EventKind::RequestRefused { id, .. } = e.kind {
                    refused.insert(id);
                }
            }
            let mut stored = 0;
            for (id, op) in ops(run) {
                match &op.reply {
                    Some((_, _, Response::Stored)) => stored += 1,
                    Some(_) => {}
                    None if refused.contains(&id) => {}
                    None => {
                        let lost = crashed
                            .get(&op.node)
                            .is_some_and(|c| c.iter().any(|t| *t >= op.invoked));
                        if !lost {
                            return Verdict::fails_at(
                                op.invoked,
                                format!(
                                    "{} never answered the {} of {:?} handed to it at {}",
                                    op.node,
                                    if matches!(op.request, Request::Get { .. }) {
                                        "read"
                                    } else {
                                        "write"
                                    },
                                    op.request.key(),
                                    op.invoked
                                ),
                            );
                        }
                    }
                }
            }
            if stored == 0 {
                return Verdict::fails("no write was acknowledged on this seed");
            }
            Verdict::Holds
        },
    )
}

/// Without faults, no request is refused.
pub fn always_available() -> Property<DynamoKv> {
    Property::new(
        "without faults, no request is unavailable",
        "On a network that neither loses messages nor partitions, with every node up, every \
         replica answers within a few milliseconds, so no request may be answered Unavailable.",
        "a request timeout armed shorter than the contract's; waiting for all N answers instead \
         of R or W; counting answers per key instead of per request, so concurrent requests \
         steal each other's answers.",
        |run| {
            for op in ops(run).values() {
                if let Some((at, _, Response::Unavailable)) = &op.reply {
                    return Verdict::fails_at(
                        *at,
                        format!(
                            "{} answered Unavailable to a request on {:?} on a healthy cluster",
                            op.node,
                            op.request.key()
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// Evidence: concurrent writes created siblings, and a later write reconciled some.
pub fn siblings_seen() -> Property<DynamoKv> {
    Property::new(
        "concurrent writes became siblings, and a write reconciled them",
        "The scenario has clients write one key concurrently, so on every seed some read must \
         return two or more siblings, and some later write, with that read's context, must leave \
         a single version.",
        "a merge that keeps one version (last writer wins), so siblings never appear; a store \
         that never reconciles them.",
        |run| {
            let mut seen = false;
            for op in ops(run).values() {
                if let Some((_, _, Response::Values { siblings, .. })) = &op.reply {
                    if siblings.len() >= 2 {
                        seen = true;
                        break;
                    }
                }
            }
            if !seen {
                return Verdict::fails("no read returned two or more siblings");
            }
            let mut contexts: BTreeMap<&str, &VClock> = BTreeMap::new();
            for e in &run.trace.events {
                if let EventKind::Request { request: Request::Put { value, context, .. }, .. } =
                    &e.kind
                {
                    contexts.insert(value, context);
                }
            }
            let mut multi: BTreeSet<Vec<Dot>> = BTreeSet::new();
            for e in &run.trace.events {
                if let EventKind::Output { output: Event::Stored { siblings, .. }, .. } = &e.kind {
                    if siblings.len() >= 2 {
                        multi.insert(siblings.iter().map(|v| v.dot).collect());
                    }
                    if siblings.len() == 1 {
                        let c = contexts.get(siblings[0].value.as_str());
                        if c.is_some_and(|c| multi.iter().any(|m| m.iter().all(|d| covers(c, *d))))
                        {
                            return Verdict::Holds;
                        }
                    }
                }
            }
            Verdict::fails("no write with a read's context ever reconciled a sibling set")
        },
    )
}

/// Read repair: a replica whose answer lacked versions is sent the reconciled set.
pub fn read_repair() -> Property<DynamoKv> {
    Property::new(
        "stale replicas are repaired by reads",
        "When a read's answers (those delivered before the coordinator's request timeout fired \
         or all N had arrived) differ, the coordinator sends each replica whose answer lacked a \
         version of their reconciliation a Repair holding it (or a version that replaced it); and \
         on every seed some read found a stale replica.",
        "no read repair; repairing only when the read is answered, before the slower answers \
         arrive; repairing the coordinator only; sending the stale replica's own versions back.",
        |run| {
            let handlers = run.trace.handlers();
            let mut stale_seen = false;
            for op in ops(run).values() {
                if !matches!(op.request, Request::Get { .. }) {
                    continue;
                }
                let reqs = fetches_of(run, &handlers, op);
                if reqs.is_empty() {
                    continue;
                }
                // Where the coordinator stops collecting: its timeout for the read, or the Nth
                // answer.
                let mut until = run.trace.events.len();
                for (i, e) in run.trace.events.iter().enumerate().skip(op.index) {
                    if let EventKind::TimerFired {
                        node,
                        timer: crate::Timer::RequestTimeout { req },
                        ..
                    } = &e.kind
                    {
                        if *node == op.node && reqs.contains(req) {
                            until = i;
                            break;
                        }
                    }
                    if let EventKind::Crash { node, .. } = e.kind {
                        if node == op.node {
                            until = i;
                            break;
                        }
                    }
                }
                let answers = answers_to(run, op, &reqs, until);
                let mut union: BTreeMap<Dot, &Version> = BTreeMap::new();
                for s in answers.values() {
                    for v in *s {
                        union.insert(v.dot, v);
                    }
                }
                let all: Vec<&Version> = union.values().copied().collect();
                let latest: Vec<&Version> = all
                    .iter()
                    .copied()
                    .filter(|v| !all.iter().any(|w| w.dot != v.dot && covers(&w.context, v.dot)))
                    .collect();
                for (replica, siblings) in &answers {
                    let lacks: Vec<&&Version> =
                        latest.iter().filter(|v| !holds(siblings, &v.value, Some(v.dot))).collect();
                    if lacks.is_empty() {
                        continue;
                    }
                    stale_seen = true;
                    let repaired = run.trace.events[op.index..].iter().any(|e| {
                        let EventKind::Send { msg } = e.kind else { return false };
                        let m = run.trace.message(msg);
                        match &m.msg {
                            Message::Repair { key, siblings: sent } => {
                                m.from == op.node
                                    && m.to == *replica
                                    && key == op.request.key()
                                    && lacks.iter().all(|v| holds(sent, &v.value, Some(v.dot)))
                            }
                            _ => false,
                        }
                    });
                    if !repaired {
                        return Verdict::fails_at(
                            op.invoked,
                            format!(
                                "{}'s read of {:?} at {} found {replica} without {:?}, and {} \
                                 never sent it a Repair holding it",
                                op.node,
                                op.request.key(),
                                op.invoked,
                                lacks[0].value,
                                op.node
                            ),
                        );
                    }
                }
            }
            if stale_seen {
                Verdict::Holds
            } else {
                Verdict::fails("no read found a stale replica on this seed")
            }
        },
    )
}

/// Hinted handoff: every hint reaches its home, and is dropped.
pub fn hints_handed_back() -> Property<DynamoKv> {
    Property::new(
        "hinted writes reach their owner, and the hint is dropped",
        "Some write on every seed is kept by a stand-in as a hint for an owner that did not \
         answer (never for one whose Stored had reached the coordinator); by the end of the run \
         every hinted version is held by its owner (or replaced there), and the stand-in keeps \
         no hint.",
        "hints never sent back; sending them only once, while the owner is still down; dropping \
         the hint before the owner acknowledged it (or never dropping it); storing a stand-in's \
         copy as an ordinary replica instead of a hint; sending stand-ins copies for the owners \
         that answered rather than for those that did not.",
        |run| {
            // A hint stands in for an owner that did not acknowledge: (coordinator, req) ->
            // the owners whose Stored reached the coordinator, this incarnation.
            let mut acked: BTreeMap<(NodeId, u64), BTreeSet<NodeId>> = BTreeMap::new();
            for e in &run.trace.events {
                match e.kind {
                    EventKind::Crash { node, .. } => acked.retain(|(c, _), _| *c != node),
                    EventKind::Deliver { msg } => {
                        let m = run.trace.message(msg);
                        if let Message::Stored { req, .. } = m.msg {
                            acked.entry((m.to, req)).or_default().insert(m.from);
                        }
                    }
                    EventKind::Send { msg } => {
                        let m = run.trace.message(msg);
                        if let Message::Replicate { req, home: Some(home), key, .. } = &m.msg {
                            if acked.get(&(m.from, *req)).is_some_and(|a| a.contains(home)) {
                                return Verdict::fails_at(
                                    e.at,
                                    format!(
                                        "{} sent {} a hint of {key:?} for {home}, which had \
                                         already acknowledged that write",
                                        m.from, m.to
                                    ),
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
            let mut hinted: Vec<(Time, NodeId, NodeId, String, Version)> = Vec::new();
            for e in &run.trace.events {
                if let EventKind::Output { node, output: Event::Hinted { home, key, siblings } } =
                    &e.kind
                {
                    for v in siblings {
                        hinted.push((e.at, *node, *home, key.clone(), v.clone()));
                    }
                }
            }
            if hinted.is_empty() {
                return Verdict::fails("no write was ever kept as a hint on this seed");
            }
            let stores = Stores::at_end(run);
            for (at, standin, home, key, v) in &hinted {
                if !holds(stores.get(*home, key), &v.value, Some(v.dot)) {
                    return Verdict::fails_at(
                        *at,
                        format!(
                            "{standin} kept {:?} of {key:?} as a hint for {home} at {at}, but \
                             {home} does not hold it at the end",
                            v.value
                        ),
                    );
                }
                let left = stores
                    .hints
                    .get(standin)
                    .is_some_and(|h| h.contains_key(&(*home, key.clone())));
                if left {
                    return Verdict::fails(format!(
                        "{standin} still keeps its hint of {key:?} for {home} at the end"
                    ));
                }
            }
            Verdict::Holds
        },
    )
}

/// Anti-entropy's bytes stay of order k·log K.
pub fn anti_entropy_bytes(reference: Arc<Reference>) -> Property<DynamoKv> {
    Property::new(
        "anti-entropy exchanges bytes of order k log K",
        "Each Merkle exchange that starts once clients have stopped writing sends, in all its \
         MerkleHashes and MerkleLeaves messages (as JSON), at most 150 x (LEVELS + 3) + d x (64 x \
         (LEVELS + 1) + 4 E) bytes (a message per level, and per differing key a path of hashes \
         and both sides' entries), where d is the number of keys the two nodes replicate and disagree on when \
         it starts, and E the largest JSON size of either side's entry of such a key; and on every seed \
         some exchange repaired a difference. A full-state exchange sends every shared entry.",
        "sending every entry of the shared range instead of walking the tree; sending all \
         children at each level, or the whole level, instead of those under differing hashes; \
         answering a MerkleLeaves with another MerkleLeaves that is not marked as the reply, so \
         exchanges ping-pong.",
        move |run| {
            // When the clients' last write was handed out: sessions from then on are judged.
            let quiet = run
                .trace
                .events
                .iter()
                .filter_map(|e| match &e.kind {
                    EventKind::Deliver { msg }
                        if matches!(run.trace.message(*msg).msg, Message::Replicate { .. }) =>
                    {
                        Some(e.at)
                    }
                    _ => None,
                })
                .max()
                .unwrap_or(Time::ZERO);
            let mut stores = Stores::default();
            let mut owners: BTreeMap<String, Vec<NodeId>> = BTreeMap::new();
            // The shared keys each pair of owners (lower id first) disagrees on, kept up to
            // date as the stores change.
            let mut differ: BTreeMap<(NodeId, NodeId), BTreeSet<String>> = BTreeMap::new();
            // (session) -> (start time, d, entry bound, bytes)
            let mut sessions: BTreeMap<Session, (Time, usize, usize, usize)> = BTreeMap::new();
            let mut judged: Vec<(Session, Time, usize, usize, usize)> = Vec::new();
            for e in &run.trace.events {
                stores.observe(&e.kind);
                if let EventKind::Output { node, output: Event::Stored { key, .. } } = &e.kind {
                    if !owners.contains_key(key) {
                        owners.insert(key.clone(), reference.owners(key));
                    }
                    let of_key = &owners[key];
                    if of_key.contains(node) {
                        for &other in of_key.iter().filter(|o| *o != node) {
                            let pair = ((*node).min(other), (*node).max(other));
                            let set = differ.entry(pair).or_default();
                            if stores.get(*node, key) == stores.get(other, key) {
                                set.remove(key);
                            } else {
                                set.insert(key.clone());
                            }
                        }
                    }
                }
                let EventKind::Send { msg } = e.kind else { continue };
                let m = run.trace.message(msg);
                let session = match &m.msg {
                    Message::MerkleHashes { session, .. }
                    | Message::MerkleLeaves { session, .. } => *session,
                    _ => continue,
                };
                let bytes = serde_json::to_vec(&m.msg).map_or(0, |b| b.len());
                let root = matches!(&m.msg, Message::MerkleHashes { level: 0, .. })
                    && m.from == session.initiator;
                if root {
                    if let Some((start, d, entry, sent)) = sessions.remove(&session) {
                        judged.push((session, start, d, entry, sent));
                    }
                    if e.at <= quiet {
                        continue;
                    }
                    let (a, b) = (m.from.min(m.to), m.from.max(m.to));
                    let keys = differ.get(&(a, b));
                    let d = keys.map_or(0, BTreeSet::len);
                    let mut entry = 0;
                    for key in keys.into_iter().flatten() {
                        for s in [stores.get(a, key), stores.get(b, key)] {
                            let size = serde_json::to_vec(&(key, s)).map_or(0, |b| b.len());
                            entry = entry.max(size);
                        }
                    }
                    sessions.insert(session, (e.at, d, entry, 0));
                }
                if let Some(s) = sessions.get_mut(&session) {
                    s.3 += bytes;
                }
            }
            judged.extend(sessions.into_iter().map(|(s, (t, d, e, b))| (s, t, d, e, b)));
            let levels = usize::from(crate::merkle::LEVELS);
            let mut repaired = false;
            for (session, start, d, entry, sent) in judged {
                if start <= quiet {
                    continue;
                }
                repaired |= d > 0;
                let bound = 150 * (levels + 3) + d * (64 * (levels + 1) + 4 * entry);
                if sent > bound {
                    return Verdict::fails_at(
                        start,
                        format!(
                            "the exchange {} #{} begun at {start} sent {sent} bytes for {d} \
                             differing key(s) (at most {bound})",
                            session.initiator, session.number
                        ),
                    );
                }
            }
            if repaired {
                Verdict::Holds
            } else {
                Verdict::fails(
                    "no Merkle exchange begun after the writes found a difference to repair",
                )
            }
        },
    )
}

/// Part A: every preference list holds `n` distinct members.
pub fn preference_lists_distinct(members: usize, n: usize) -> Property<DynamoKv> {
    Property::safety(
        "preference lists hold N distinct nodes",
        "Every preference list the ring gives has min(N, nodes) entries, every one a member, none \
         twice: consecutive tokens of one physical node must be skipped, or a key's replicas could \
         all live on one machine.",
        "taking the next N tokens instead of the next N distinct nodes; stopping at the end of \
         the token list instead of wrapping around to its start.",
        move |run| {
            for e in &run.trace.events {
                let EventKind::Output { node, output: Event::Placed { vnodes, key, replicas } } =
                    &e.kind
                else {
                    continue;
                };
                let distinct: BTreeSet<&NodeId> = replicas.iter().collect();
                let ok = replicas.len() == n.min(members)
                    && distinct.len() == replicas.len()
                    && replicas.iter().all(|r| r.index() < members);
                if !ok {
                    return Verdict::fails_at(
                        e.at,
                        format!(
                            "{node}'s ring with {vnodes} virtual nodes gave {key:?} the preference \
                             list {replicas:?} (N = {n}, {members} nodes)"
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// Part A: every preference list is the pinned one.
pub fn placement_follows_ring(members: Vec<NodeId>, n: usize) -> Property<DynamoKv> {
    Property::safety(
        "keys are placed on their clockwise successors",
        "Each preference list is the first N distinct nodes met walking clockwise (up the hash \
         space, wrapping around) from merkle::key_position(key), over the tokens \
         merkle::token(node, v) for v in 0..vnodes, ties to the lower node id.",
        "walking counter-clockwise; starting after the first token at the key's position \
         instead of at it; hashing tokens or keys with other functions; building the ring in the \
         order the member list arrives, without sorting.",
        move |run| {
            let mut rings: BTreeMap<u32, Reference> = BTreeMap::new();
            for e in &run.trace.events {
                let EventKind::Output { node, output: Event::Placed { vnodes, key, replicas } } =
                    &e.kind
                else {
                    continue;
                };
                let ring =
                    rings.entry(*vnodes).or_insert_with(|| Reference::new(&members, *vnodes, n));
                let want = ring.owners(key);
                if *replicas != want {
                    return Verdict::fails_at(
                        e.at,
                        format!(
                            "{node}'s ring with {vnodes} virtual nodes gave {key:?} {replicas:?}; \
                             its clockwise successors are {want:?}"
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// Part A: every node computes the same lists, whatever order it got the members in.
pub fn placement_agrees() -> Property<DynamoKv> {
    Property::safety(
        "every node computes the same preference lists",
        "Each node builds its ring from the member list in an order of its own; all must give \
         every key the same preference list, or coordinators would write to different replicas.",
        "positions that depend on the order of the member list (a node's index in it instead of \
         its id); a map iterated in insertion order.",
        |run| {
            let mut seen: BTreeMap<(u32, &str), (NodeId, &Vec<NodeId>)> = BTreeMap::new();
            for e in &run.trace.events {
                let EventKind::Output { node, output: Event::Placed { vnodes, key, replicas } } =
                    &e.kind
                else {
                    continue;
                };
                match seen.get(&(*vnodes, key.as_str())) {
                    Some((other, theirs)) if *theirs != replicas => {
                        return Verdict::fails_at(
                            e.at,
                            format!(
                                "with {vnodes} virtual nodes, {other} places {key:?} on \
                                 {theirs:?} and {node} on {replicas:?}"
                            ),
                        );
                    }
                    Some(_) => {}
                    None => {
                        seen.insert((*vnodes, key.as_str()), (*node, replicas));
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// Keys per node for each number of virtual nodes, counting every replica.
pub fn loads(run: &Run<DynamoKv>) -> BTreeMap<u32, BTreeMap<NodeId, usize>> {
    let mut out: BTreeMap<u32, BTreeMap<NodeId, usize>> = BTreeMap::new();
    for e in &run.trace.events {
        if let EventKind::Output { output: Event::Placed { vnodes, replicas, .. }, .. } = &e.kind {
            for r in replicas {
                *out.entry(*vnodes).or_default().entry(*r).or_insert(0) += 1;
            }
        }
    }
    out
}

/// Part A: with 64 virtual nodes, no node holds more than 1.3 times its fair share.
pub fn virtual_nodes_balance(members: usize, keys: usize, n: usize) -> Property<DynamoKv> {
    Property::new(
        "64 virtual nodes keep every node within 30% of its fair share",
        "With 64 virtual nodes per node, every node holds between 0.7 and 1.3 times the mean \
         number of key replicas (keys x N / nodes); with 1 virtual node the spread is far wider \
         (see the outcome).",
        "ignoring the number of virtual nodes (one token per node); tokens that do not come from \
         merkle::token, so they cluster.",
        move |run| {
            let loads = loads(run);
            let Some(load) = loads.get(&64) else {
                return Verdict::fails("no preference lists with 64 virtual nodes were reported");
            };
            let mean = (keys * n) as f64 / members as f64;
            for m in 0..members as u32 {
                let held = load.get(&NodeId(m)).copied().unwrap_or(0) as f64;
                if held < 0.7 * mean || held > 1.3 * mean {
                    return Verdict::fails(format!(
                        "with 64 virtual nodes, n{m} holds {held} key replicas, against a mean \
                         of {mean:.0}"
                    ));
                }
            }
            Verdict::Holds
        },
    )
}

/// Reads begun in `from..to` (milliseconds) after an acknowledged write of their key, and how
/// many of them returned neither it nor anything that replaced it (stale reads).
pub fn stale_reads_between(run: &Run<DynamoKv>, from: u64, to: u64) -> (usize, usize) {
    let dots = dots(run);
    let ops = ops(run);
    let acked: Vec<(Time, &str, &str)> = ops
        .values()
        .filter_map(|op| match (&op.request, &op.reply) {
            (Request::Put { key, value, .. }, Some((at, _, Response::Stored))) => {
                Some((*at, key.as_str(), value.as_str()))
            }
            _ => None,
        })
        .collect();
    let mut reads = 0;
    let mut stale = 0;
    for op in ops.values() {
        let Some((_, _, Response::Values { siblings, .. })) = &op.reply else { continue };
        let at = op.invoked.since(Time::ZERO).as_micros() / 1000;
        if at < from || at >= to {
            continue;
        }
        let before: Vec<_> = acked
            .iter()
            .filter(|(at, key, _)| *at < op.invoked && *key == op.request.key())
            .collect();
        if before.is_empty() {
            continue;
        }
        reads += 1;
        if before.iter().any(|(_, _, value)| !holds(siblings, value, dots.get(value).copied())) {
            stale += 1;
        }
    }
    (reads, stale)
}
