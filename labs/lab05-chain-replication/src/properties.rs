//! What lab 05's scenarios check, judged from the trace: the clerks' history, the writes each
//! node reports applying (through the glue), the messages on the wire, and the configurations the
//! control plane announced.

use crate::{ChainKv, Configuration, Event, KvOp, KvRet, MembershipMsg, Message, Seq, Write};
use harness::history::Outcome;
use harness::linearizability::Kv;
use harness::services::membership::{configuration_at, configurations};
use harness::sim::Picker;
use harness::trace::{EventKind, Trace};
use harness::{NodeId, Property, Run, Time, Verdict};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Every write a node reported applying: (trace index, time, node, write), in trace order.
pub fn applied(run: &Run<ChainKv>) -> Vec<(usize, Time, NodeId, &Write)> {
    run.trace
        .events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match &e.kind {
            EventKind::Output { node, output: Event::Applied(w) } => Some((i, e.at, *node, w)),
            _ => None,
        })
        .collect()
}

fn crashed(run: &Run<ChainKv>) -> BTreeSet<NodeId> {
    run.trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Crash { node, .. } => Some(node),
            _ => None,
        })
        .collect()
}

/// The clerks' history is linearizable for a key-value map.
pub fn linearizable() -> Property<ChainKv> {
    harness::linearizability::linearizable(Kv::new(), harness::history::history)
}

/// Every operation handed to a clerk is answered before the run ends.
pub fn every_operation_answered() -> Property<ChainKv> {
    Property::new(
        "every operation is answered",
        "Every operation handed to a clerk is answered before the run ends: the chain repairs \
         itself after each failure and keeps serving, down to a single node.",
        "a node that drops its unacknowledged writes when its successor changes, or never \
         resends them; a new predecessor that does not answer a Resume; a head that ignores a \
         retried write that is committed; a clerk that keeps asking a removed node; a node that \
         accepts only messages it expects and waits for ever.",
        |run| {
            for op in &harness::history::history(run).ops {
                if !matches!(op.outcome, Outcome::Ok(..)) {
                    return Verdict::fails_at(
                        op.invoked,
                        format!(
                            "n{}'s operation {:?}, handed to it at {}, was never answered",
                            op.process, op.input, op.invoked
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// Every write a clerk was told is done is held, at the end, by every live node of the final
/// configuration.
pub fn no_acknowledged_write_lost(control: NodeId) -> Property<ChainKv> {
    Property::new(
        "no acknowledged write is lost",
        "A write whose clerk was told it is done is held, at the end of the run, by every node of \
         the final chain: up to n-1 failures lose nothing that was acknowledged.",
        "a head (or middle node) that answers a clerk before the tail has the write; a tail that \
         answers before it applies; a new predecessor that does not resend the writes its new \
         successor lacks; a new node that serves before it has copied the chain's history.",
        move |run| {
            let down = crashed(run);
            let configs = configurations(run, control);
            let Some((_, last)) = configs.last() else {
                return Verdict::fails("the control plane announced no configuration");
            };
            let mut held: BTreeMap<NodeId, BTreeSet<(NodeId, &KvOp)>> = BTreeMap::new();
            for (_, _, node, w) in applied(run) {
                held.entry(node).or_default().insert((w.clerk, &w.op));
            }
            let empty = BTreeSet::new();
            for op in &harness::history::history(run).ops {
                let Outcome::Ok(at, KvRet::Put | KvRet::Append) = &op.outcome else { continue };
                let clerk = NodeId(op.process as u32);
                for node in last.members.iter().filter(|n| !down.contains(n)) {
                    if !held.get(node).unwrap_or(&empty).contains(&(clerk, &op.input)) {
                        return Verdict::fails_at(
                            *at,
                            format!(
                                "{clerk}'s {:?} was acknowledged at {at}, but {node}, in the \
                                 final chain {last:?}, never applied it",
                                op.input
                            ),
                        );
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// The highest seq each node holds, event by event: what it reported applying, or sent on in a
/// `Forward` or `Catchup` (a node that crashes inside a handler may send a write on and die before
/// the glue reports it applied).
struct Held(BTreeMap<NodeId, Seq>);

impl Held {
    fn observe(&mut self, trace: &Trace<ChainKv>, kind: &EventKind<ChainKv>) {
        let (node, seq) = match kind {
            EventKind::Output { node, output: Event::Applied(w) } => (*node, w.seq),
            EventKind::Send { msg } => {
                let m = trace.message(*msg);
                match &m.msg {
                    Message::Forward { writes, .. } | Message::Catchup { writes, .. } => {
                        (m.from, writes.iter().map(|w| w.seq).max().unwrap_or(0))
                    }
                    _ => return,
                }
            }
            _ => return,
        };
        let held = self.0.entry(node).or_insert(0);
        *held = (*held).max(seq);
    }

    fn of(&self, node: NodeId) -> Seq {
        self.0.get(&node).copied().unwrap_or(0)
    }
}

/// The chain invariant: a node never holds more than its predecessor in the control plane's
/// configuration of the time, and the nodes that never crash agree on every seq.
pub fn chain_invariant(control: NodeId) -> Property<ChainKv> {
    Property::new(
        "each node's history is a prefix of its predecessor's",
        "Whenever a node applies write s, its predecessor (in the configuration the control plane \
         had announced by then) already holds writes 1..=s; and the nodes that never crash apply \
         the same write at each seq (van Renesse and Schneider's update propagation invariant). \
         A crashed head's unacknowledged writes may differ: they died with it.",
        "a node that applies writes out of order, or from a node that is not its predecessor; a \
         head that numbers a write with a seq it has already used; a new head that starts \
         numbering from a seq it does not hold; accepting a write from an older epoch.",
        move |run| {
            let configs = configurations(run, control);
            let down = crashed(run);
            let mut held = Held(BTreeMap::new());
            let mut at_seq: BTreeMap<Seq, (NodeId, &Write)> = BTreeMap::new();
            for e in &run.trace.events {
                held.observe(&run.trace, &e.kind);
                let EventKind::Output { node, output: Event::Applied(w) } = &e.kind else {
                    continue;
                };
                let (node, at) = (*node, e.at);
                let before = configuration_at(&configs, at).and_then(|c| c.before(node));
                if let Some(pred) = before {
                    if held.of(pred) < w.seq {
                        return Verdict::fails_at(
                            at,
                            format!(
                                "{node} applied write {} while its predecessor {pred} held only \
                                 writes up to {}",
                                w.seq,
                                held.of(pred)
                            ),
                        );
                    }
                }
                if down.contains(&node) {
                    continue;
                }
                match at_seq.get(&w.seq) {
                    Some((first, earlier)) if earlier.clerk != w.clerk || earlier.op != w.op => {
                        return Verdict::fails_at(
                            at,
                            format!(
                                "{node} applied write {} as {:?} from {}, but {first} applied \
                                 write {} as {:?} from {}",
                                w.seq, w.op, w.clerk, w.seq, earlier.op, earlier.clerk
                            ),
                        );
                    }
                    Some(_) => {}
                    None => {
                        at_seq.insert(w.seq, (node, w));
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// Every applied write is one a clerk sent, and each clerk's write is applied at one seq only.
pub fn each_write_applied_once() -> Property<ChainKv> {
    Property::new(
        "each write is applied once, as its clerk sent it",
        "Every write a node applies is one its clerk sent as a ClientWrite, and a retried write \
         takes effect once: on the nodes that never crash, no clerk's write is numbered twice.",
        "a head that numbers a retried write again instead of finding it in the store \
         (Store::applied_at); a node that applies a Forward from an older epoch, from a node \
         that has left the chain.",
        |run| {
            let down = crashed(run);
            let mut sent: BTreeSet<(NodeId, &KvOp)> = BTreeSet::new();
            let mut numbered: BTreeMap<(NodeId, &KvOp), Seq> = BTreeMap::new();
            for (i, e) in run.trace.events.iter().enumerate() {
                match &e.kind {
                    EventKind::Send { msg } => {
                        let m = run.trace.message(*msg);
                        if let Message::ClientWrite { op, .. } = &m.msg {
                            sent.insert((m.from, op));
                        }
                    }
                    EventKind::Output { node, output: Event::Applied(w) } => {
                        if !sent.contains(&(w.clerk, &w.op)) {
                            return Verdict::fails_at(
                                e.at,
                                format!(
                                    "{node} applied write {} ({:?} from {}), which that clerk \
                                     never sent",
                                    w.seq, w.op, w.clerk
                                ),
                            );
                        }
                        if down.contains(node) {
                            continue;
                        }
                        match numbered.insert((w.clerk, &w.op), w.seq) {
                            Some(seq) if seq != w.seq => {
                                return Verdict::fails_at(
                                    run.trace.events[i].at,
                                    format!(
                                        "{}'s {:?} took effect twice: as write {seq} and as write \
                                         {} ({node})",
                                        w.clerk, w.op, w.seq
                                    ),
                                );
                            }
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// How many `Forward` and `Catchup` messages were sent, and how many writes they carried.
fn write_traffic(run: &Run<ChainKv>) -> (usize, usize) {
    let mut messages = 0;
    let mut copies = 0;
    for m in &run.trace.messages {
        if let Message::Forward { writes, .. } | Message::Catchup { writes, .. } = &m.msg {
            messages += 1;
            copies += writes.len();
        }
    }
    (messages, copies)
}

/// Part A: in a chain of `nodes` without faults, each write crosses each link about once.
pub fn each_write_crosses_each_link_once(nodes: usize) -> Property<ChainKv> {
    Property::new(
        "each write crosses each link about once",
        "Without faults, writes are sent down the chain once: the Forward and Catchup messages, \
         and the writes they carry, each number at most 1.1 times (writes x links), plus one \
         per link.",
        "resending every unacknowledged write on every timer tick, even while acks arrive; \
         forwarding the whole Sent list with each new write; resending before a round trip of \
         the chain could have completed.",
        move |run| {
            let writes = applied(run).iter().map(|(_, _, _, w)| w.seq).max().unwrap_or(0) as usize;
            let links = nodes - 1;
            let bound = writes * links * 11 / 10 + links;
            let (messages, copies) = write_traffic(run);
            if copies > bound {
                Verdict::fails(format!(
                    "{copies} copies of writes crossed the chain's links for {writes} writes over \
                     {links} links (at most {bound}: 1.1 per write and link, plus one per link)"
                ))
            } else if messages > bound {
                Verdict::fails(format!(
                    "{messages} Forward and Catchup messages crossed the chain's links for \
                     {writes} writes over {links} links (at most {bound})"
                ))
            } else {
                Verdict::Holds
            }
        },
    )
}

/// Which versions each node knows to be committed, event by event, by the protocol's own rules: an
/// `Ack` (or a `Resume`'s `acked`) counts if it comes from the node's successor, and a
/// `Catchup`'s `acked` if it comes from its predecessor, in the configuration the node has
/// received, in that epoch; a node that knows it is the tail holds nothing uncommitted.
struct Dirtiness {
    control: NodeId,
    known: BTreeMap<NodeId, Configuration>,
    last_write: BTreeMap<(NodeId, String), Seq>,
    acked: BTreeMap<NodeId, Seq>,
}

impl Dirtiness {
    fn new(control: NodeId) -> Dirtiness {
        Dirtiness {
            control,
            known: BTreeMap::new(),
            last_write: BTreeMap::new(),
            acked: BTreeMap::new(),
        }
    }

    fn observe(&mut self, run: &Run<ChainKv>, kind: &EventKind<ChainKv>) {
        match kind {
            EventKind::Output { node, output: Event::Applied(w) } => {
                self.last_write.insert((*node, w.op.key().to_string()), w.seq);
            }
            EventKind::Deliver { msg } => {
                let m = run.trace.message(*msg);
                let acked = match &m.msg {
                    Message::Membership(MembershipMsg::Config(c)) if m.from == self.control => {
                        let newer = self.known.get(&m.to).is_none_or(|k| c.epoch > k.epoch);
                        if newer {
                            self.known.insert(m.to, c.clone());
                        }
                        return;
                    }
                    Message::Ack { epoch, seq } | Message::Resume { epoch, acked: seq, .. } => {
                        (*epoch, *seq, true)
                    }
                    Message::Catchup { epoch, acked, .. } => (*epoch, *acked, false),
                    _ => return,
                };
                // Acks and resumes come from the successor, a catchup from the predecessor.
                let neighbour = |c: &Configuration| {
                    if acked.2 { c.after(m.to) } else { c.before(m.to) }
                };
                let accepted = self
                    .known
                    .get(&m.to)
                    .is_some_and(|c| c.epoch == acked.0 && neighbour(c) == Some(m.from));
                if accepted {
                    let a = self.acked.entry(m.to).or_insert(0);
                    *a = (*a).max(acked.1);
                }
            }
            _ => {}
        }
    }

    fn dirty(&self, node: NodeId, key: &str) -> bool {
        let knows_tail = self.known.get(&node).is_some_and(|c| c.last() == Some(node));
        let last = self.last_write.get(&(node, key.to_string())).copied().unwrap_or(0);
        !knows_tail && last > self.acked.get(&node).copied().unwrap_or(0)
    }
}

/// A read delivered to a node.
struct Read {
    at: Time,
    node: NodeId,
    key: String,
    /// The node knew every version of the key it held to be committed.
    clean: bool,
    /// How many version queries its handler sent.
    queries: usize,
}

impl Read {
    /// Whether the read found an uncommitted version.
    fn dirty(&self) -> bool {
        !self.clean
    }
}

/// The reads delivered to nodes, in trace order.
fn reads(run: &Run<ChainKv>, control: NodeId) -> Vec<Read> {
    let handlers = run.trace.handlers();
    let mut queries: BTreeMap<usize, usize> = BTreeMap::new();
    for (i, e) in run.trace.events.iter().enumerate() {
        if let (EventKind::Send { msg }, Some(h)) = (&e.kind, handlers[i]) {
            if matches!(run.trace.message(*msg).msg, Message::VersionQuery { .. }) {
                *queries.entry(h).or_insert(0) += 1;
            }
        }
    }
    let mut dirtiness = Dirtiness::new(control);
    let mut out = Vec::new();
    for (i, e) in run.trace.events.iter().enumerate() {
        if let EventKind::Deliver { msg } = e.kind {
            let m = run.trace.message(msg);
            if let Message::ClientRead { key, .. } = &m.msg {
                out.push(Read {
                    at: e.at,
                    node: m.to,
                    key: key.clone(),
                    clean: !dirtiness.dirty(m.to, key),
                    queries: queries.get(&i).copied().unwrap_or(0),
                });
            }
        }
        dirtiness.observe(run, &e.kind);
    }
    out
}

/// Part C: a read of a key whose versions at that node are all acknowledged sends no message
/// but its answer.
pub fn clean_reads_ask_no_one(control: NodeId) -> Property<ChainKv> {
    Property::safety(
        "a clean read asks no one",
        "When a node gets a read of a key whose every version it holds has been acknowledged from \
         the tail, it answers from its own store: it sends no VersionQuery.",
        "asking the tail on every read (CRAQ then does no better than reading at the tail); \
         treating a key as dirty forever because acknowledgements are not recorded; keeping \
         dirtiness per node instead of per key.",
        move |run| {
            for Read { at, node, key, clean, queries, .. } in reads(run, control) {
                if clean && queries > 0 {
                    return Verdict::fails_at(
                        at,
                        format!(
                            "{node} asked the tail about a read of {key:?}, although every \
                             version of {key:?} it held had been acknowledged"
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// Part C: at most one version query per dirty read, in a run without loss.
pub fn one_query_per_dirty_read(control: NodeId) -> Property<ChainKv> {
    Property::new(
        "one tail query per dirty read",
        "Without message loss, the VersionQuery messages number at most the reads that arrived at \
         a node holding an unacknowledged version of their key.",
        "querying the tail again before its answer could arrive; querying once per pending read \
         on every timer tick; querying for clean reads too.",
        move |run| {
            let dirty = reads(run, control).iter().filter(|r| r.dirty()).count();
            let queries = run
                .trace
                .messages
                .iter()
                .filter(|m| matches!(m.msg, Message::VersionQuery { .. }))
                .count();
            if queries <= dirty {
                Verdict::Holds
            } else {
                Verdict::fails(format!(
                    "{queries} version queries were sent for {dirty} dirty reads"
                ))
            }
        },
    )
}

/// Part C, without faults: the tail answers every version query that reaches it.
pub fn tail_answers_every_query() -> Property<ChainKv> {
    Property::new(
        "the tail answers every version query",
        "Without faults, every VersionQuery delivered to the tail is answered with a \
         VersionReply: a dirty read costs one round trip to the tail, not a wait for the \
         clerk's retry.",
        "a tail that answers only queries of another epoch, or ignores a query for a key it \
         never wrote (its version is 0); a node that answers queries only while it is not the \
         tail.",
        |run| {
            let mut asked = 0;
            let mut answered = 0;
            for e in &run.trace.events {
                match e.kind {
                    EventKind::Deliver { msg } => {
                        if let Message::VersionQuery { .. } = run.trace.message(msg).msg {
                            asked += 1;
                        }
                    }
                    EventKind::Send { msg } => {
                        if let Message::VersionReply { .. } = run.trace.message(msg).msg {
                            answered += 1;
                        }
                    }
                    _ => {}
                }
            }
            if answered >= asked {
                Verdict::Holds
            } else {
                Verdict::fails(format!(
                    "{asked} version queries reached the tail, and it sent {answered} replies"
                ))
            }
        },
    )
}

/// Part C: every node of the chain answered reads (CRAQ spreads them).
pub fn every_node_serves_reads(nodes: Vec<NodeId>) -> Property<ChainKv> {
    Property::new(
        "every node serves reads",
        "With CRAQ, reads are answered by every node of the chain, not only by the tail: each \
         node answers at least one read on every seed.",
        "a node that refuses reads it could answer (NotHere) unless it is the tail; a clerk that \
         sends every read to the tail.",
        move |run| {
            let mut served: BTreeSet<NodeId> = BTreeSet::new();
            for m in &run.trace.messages {
                if let Message::ClientReply { ret: KvRet::Get { .. }, .. } = m.msg {
                    served.insert(m.from);
                }
            }
            match nodes.iter().find(|n| !served.contains(n)) {
                Some(n) => Verdict::fails(format!("{n} answered no read on this seed")),
                None => Verdict::Holds,
            }
        },
    )
}

/// Evidence: the control plane removed `node` from the chain.
pub fn removed(control: NodeId, node: NodeId) -> Property<ChainKv> {
    Property::new(
        "the control plane removed the failed node",
        "The scenario is about reconfiguration, so on every seed the control plane must announce \
         a configuration without the node, after one with it.",
        "a node that keeps heartbeating for a crashed neighbour (the control plane hears only \
         from nodes themselves).",
        move |run| {
            let configs = configurations(run, control);
            let with = configs.iter().position(|(_, c)| c.contains(node));
            let without = configs.iter().rposition(|(_, c)| !c.contains(node));
            match (with, without) {
                (Some(a), Some(b)) if b > a => Verdict::Holds,
                _ => Verdict::fails(format!("the control plane never removed {node}")),
            }
        },
    )
}

/// Evidence: `node` joined the chain as its tail, and then answered a clerk as the tail.
pub fn joined_and_served(control: NodeId, node: NodeId) -> Property<ChainKv> {
    Property::new(
        "the new node joined and served",
        "The scenario adds a node at the tail while writes flow, so on every seed the control \
         plane must announce a chain that ends with it, and it must then answer clerks.",
        "a new node that never catches up (its predecessor ignores its Resume), so it never \
         serves.",
        move |run| {
            let configs = configurations(run, control);
            if !configs.iter().any(|(_, c)| c.last() == Some(node)) {
                return Verdict::fails(format!("{node} never became the tail"));
            }
            let served = run
                .trace
                .messages
                .iter()
                .any(|m| m.from == node && matches!(m.msg, Message::ClientReply { .. }));
            if served {
                Verdict::Holds
            } else {
                Verdict::fails(format!("{node} never answered a clerk"))
            }
        },
    )
}

/// Whether writes are in flight on both sides of `node` just before event `upto` of `trace`: a
/// Forward to it is on the wire, and it holds writes its successor lacks.
fn mid_stream(trace: &Trace<ChainKv>, upto: usize, node: NodeId, successor: NodeId) -> bool {
    let mut held = Held(BTreeMap::new());
    let mut in_flight: BTreeSet<u32> = BTreeSet::new();
    for e in &trace.events[..upto] {
        held.observe(trace, &e.kind);
        match e.kind {
            EventKind::Send { msg } => {
                let m = trace.message(msg);
                if m.to == node && matches!(m.msg, Message::Forward { .. }) {
                    in_flight.insert(msg.0);
                }
            }
            EventKind::Deliver { msg } | EventKind::Drop { msg, .. } => {
                in_flight.remove(&msg.0);
            }
            _ => {}
        }
    }
    !in_flight.is_empty() && held.of(node) > held.of(successor)
}

/// Names `node` for a picked crash once writes are in flight on both sides of it.
pub fn crash_mid_stream(node: NodeId, successor: NodeId) -> Picker<ChainKv> {
    Arc::new(move |trace, _| mid_stream(trace, trace.events.len(), node, successor).then_some(node))
}

/// Evidence: when `node` crashed, writes were in flight on both sides of it.
pub fn crashed_mid_stream(node: NodeId, successor: NodeId) -> Property<ChainKv> {
    Property::new(
        "writes were in flight on both sides of the crash",
        "The scenario crashes a middle node while writes stream through it, so on every seed a \
         Forward to it must be on the wire when it crashes, and it must hold writes its \
         successor lacks.",
        "a chain that stalls before the crash, so that no write is ever in flight.",
        move |run| {
            let crash = run
                .trace
                .events
                .iter()
                .position(|e| matches!(e.kind, EventKind::Crash { node: n, .. } if n == node));
            let Some(crash) = crash else {
                return Verdict::fails(format!("{node} did not crash"));
            };
            if mid_stream(&run.trace, crash, node, successor) {
                Verdict::Holds
            } else {
                Verdict::fails_at(
                    run.trace.events[crash].at,
                    format!("when {node} crashed, no write was in flight on both sides of it"),
                )
            }
        },
    )
}

/// Evidence: some reads reached a node while their key was dirty there (CRAQ's slow path ran).
pub fn dirty_reads_happened(control: NodeId) -> Property<ChainKv> {
    Property::new(
        "some reads found a dirty version",
        "The scenario slows the tail's links so that writes stay unacknowledged for a while, so \
         on every seed some read must reach a node that holds an unacknowledged version of its \
         key.",
        "a clerk that sends every read to the tail.",
        move |run| {
            if reads(run, control).iter().any(Read::dirty) {
                Verdict::Holds
            } else {
                Verdict::fails("no read reached a node holding a dirty version of its key")
            }
        },
    )
}

/// Evidence: the control plane announced a chain of one node, which then answered a clerk.
pub fn shrank_to_one(control: NodeId) -> Property<ChainKv> {
    Property::new(
        "the chain shrank to one node, which served",
        "The scenario crashes two of three nodes, so on every seed the control plane must \
         announce a chain of one, and that node must then answer clerks as head and tail.",
        "a lone node that waits for a successor's ack before it answers.",
        move |run| {
            let configs = configurations(run, control);
            let Some((since, alone)) = configs.iter().find(|(_, c)| c.members.len() == 1) else {
                return Verdict::fails("the control plane never announced a chain of one node");
            };
            let node = alone.members[0];
            let served = run.trace.events.iter().any(|e| {
                e.at > *since
                    && matches!(e.kind, EventKind::Send { msg } if {
                        let m = run.trace.message(msg);
                        m.from == node && matches!(m.msg, Message::ClientReply { .. })
                    })
            });
            if served {
                Verdict::Holds
            } else {
                Verdict::fails(format!("{node}, alone in the chain, answered no clerk"))
            }
        },
    )
}

/// Evidence: writes reached the scripted node `node` before it fell silent.
pub fn scripted_peer_got_writes(node: NodeId) -> Property<ChainKv> {
    Property::new(
        "writes reached the scripted middle node",
        "The scenario is about writes held by a middle node that dies, so on every seed some \
         Forward must be delivered to it.",
        "a head that forwards nothing before the middle node falls silent (it must forward each \
         write as it takes it).",
        move |run| {
            let got = run.trace.events.iter().any(|e| {
                matches!(e.kind, EventKind::Deliver { msg } if {
                    let m = run.trace.message(msg);
                    m.to == node && matches!(m.msg, Message::Forward { .. })
                })
            });
            if got { Verdict::Holds } else { Verdict::fails(format!("no write reached {node}")) }
        },
    )
}

/// Evidence: a chain message of an older epoch reached `node` after it had received a newer
/// configuration.
pub fn stale_message_arrived(control: NodeId, node: NodeId) -> Property<ChainKv> {
    Property::new(
        "a message from an older epoch arrived",
        "The scenario is about a message that outlives its configuration, so on every seed a chain \
         message of an older epoch must reach the node after the configuration that replaced it.",
        "a node that does not ask the control plane for its configuration (heartbeats carry the \
         epoch a node knows).",
        move |run| {
            let mut known = 0;
            for e in &run.trace.events {
                let EventKind::Deliver { msg } = e.kind else { continue };
                let m = run.trace.message(msg);
                if m.to != node {
                    continue;
                }
                match &m.msg {
                    Message::Membership(MembershipMsg::Config(c)) if m.from == control => {
                        known = known.max(c.epoch);
                    }
                    other if other.epoch().is_some_and(|epoch| epoch < known) => {
                        return Verdict::Holds;
                    }
                    _ => {}
                }
            }
            Verdict::fails(format!(
                "no message of an older epoch reached {node} after a newer configuration"
            ))
        },
    )
}
