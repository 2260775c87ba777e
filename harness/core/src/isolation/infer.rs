//! What clients' observations reveal: the version order of each key, the dependency edges it
//! implies, and the anomalies visible without a cycle.
//!
//! List-append (Elle, section 4.1): every read of a key is a prefix of one order of its appends,
//! so the longest read gives the version order, and an append no read shows came after every
//! element any read shows. Registers: a read names the write it saw, the initial state comes
//! before every write, and a transaction that read a version and then wrote the key installed
//! its write after the version it read.

use super::graph::{Builder, Why};
use super::txn::{Key, Mop, TxnHistory, Value, Workload};
use super::{Anomaly, Nodes};
use crate::history::{EventType, Outcome};
use std::collections::HashMap;

/// Who wrote a value.
#[derive(Clone, Copy, Debug)]
struct Writer {
    op: usize,
    node: Option<u32>,
    /// Its transaction's last write to the key.
    last: bool,
    failed: bool,
}

/// The micro-operations that tell what an operation did: the completion's for `ok`, the
/// invocation's otherwise (its reads unknown).
fn mops(h: &TxnHistory, op: usize) -> &[Mop] {
    match &h.ops[op].outcome {
        Outcome::Ok(_, out) => out,
        _ => &h.ops[op].input,
    }
}

/// Every write, by key and value; a value written twice to one key is bad input.
fn writers(h: &TxnHistory, nodes: &Nodes) -> Result<HashMap<(Key, Value), Writer>, String> {
    let mut writers: HashMap<(Key, Value), Writer> = HashMap::new();
    for (op, o) in h.ops.iter().enumerate() {
        let ms = mops(h, op);
        for (i, m) in ms.iter().enumerate() {
            let Some(v) = m.written() else { continue };
            let k = m.key();
            let last =
                !ms[i + 1..].iter().any(|later| later.written().is_some() && later.key() == k);
            let w = Writer {
                op,
                node: nodes.of[op],
                last,
                failed: matches!(o.outcome, Outcome::Fail(_)),
            };
            if let Some(first) = writers.insert((k, v), w) {
                return Err(format!(
                    "the value {v} is written to key {k} twice (by the operations invoked at {} \
                     and {}), so versions cannot be told apart",
                    h.timeline.show(h.ops[first.op].invoked),
                    h.timeline.show(o.invoked)
                ));
            }
        }
    }
    Ok(writers)
}

/// The reads a committed transaction made, with the node that made them.
fn ok_reads<'a>(
    h: &'a TxnHistory,
    nodes: &'a Nodes,
) -> impl Iterator<Item = (usize, u32, &'a Mop)> {
    nodes
        .ops
        .iter()
        .enumerate()
        .filter_map(move |(n, &op)| match &h.ops[op].outcome {
            Outcome::Ok(_, out) => {
                Some(out.iter().filter(|m| m.is_read()).map(move |m| (op, n as u32, m)))
            }
            _ => None,
        })
        .flatten()
}

/// Checks a read of `value` written by `w`: aborted and intermediate reads.
fn judge_read(reader: usize, key: Key, value: Value, w: &Writer, anomalies: &mut Vec<Anomaly>) {
    if w.failed {
        anomalies.push(Anomaly::AbortedRead { reader, key, value, writer: w.op });
    } else if !w.last && w.op != reader {
        anomalies.push(Anomaly::IntermediateRead { reader, key, value, writer: w.op });
    }
}

/// Lost updates: two committed transactions that read one version of a key and then both wrote
/// it. `read_state` names the version a read saw (`None`: the initial state).
fn lost_updates(
    h: &TxnHistory,
    nodes: &Nodes,
    read_state: impl Fn(&Mop) -> Option<Value>,
    anomalies: &mut Vec<Anomaly>,
) {
    let mut groups: HashMap<(Key, Option<Value>), Vec<usize>> = HashMap::new();
    for &op in &nodes.ops {
        let Outcome::Ok(_, ms) = &h.ops[op].outcome else { continue };
        let mut seen: HashMap<Key, Option<Value>> = HashMap::new();
        let mut wrote: Vec<Key> = Vec::new();
        for m in ms {
            let k = m.key();
            if m.is_read() {
                if !wrote.contains(&k) {
                    seen.entry(k).or_insert_with(|| read_state(m));
                }
            } else if !wrote.contains(&k) {
                wrote.push(k);
                if let Some(&state) = seen.get(&k) {
                    groups.entry((k, state)).or_default().push(op);
                }
            }
        }
    }
    let mut lost: Vec<Anomaly> = groups
        .into_iter()
        .filter(|(_, ops)| ops.len() > 1)
        .map(|((key, read), ops)| Anomaly::LostUpdate { key, read, ops })
        .collect();
    lost.sort_by_key(|a| match a {
        Anomaly::LostUpdate { ops, key, .. } => (ops[0], *key),
        _ => (0, 0),
    });
    anomalies.extend(lost);
}

/// Process order and real-time order, transitively reduced (Elle, section 4.2): a completed
/// operation precedes each later one directly only while no operation completed in between
/// follows it.
pub(super) fn orders(h: &TxnHistory, nodes: &Nodes, graph: &mut Builder) {
    // A process runs one operation at a time (Jepsen's rule); a node that serves many requests
    // at once is one "process" in a simulated run's history, so an edge needs the earlier
    // operation to have completed before the later one began.
    let mut last_of: HashMap<u64, u32> = HashMap::new();
    for (n, &op) in nodes.ops.iter().enumerate() {
        let o = &h.ops[op];
        if let Some(prev) = last_of.insert(o.process, n as u32)
            && h.ops[nodes.ops[prev as usize]].completed().is_some_and(|t| t < o.invoked)
        {
            graph.add(prev, n as u32, Why::Process);
        }
    }
    let mut frontier: Vec<u32> = Vec::new();
    let mut in_frontier = vec![false; nodes.ops.len()];
    let mut before: HashMap<u32, Vec<u32>> = HashMap::new();
    for e in h.events() {
        let Some(n) = nodes.of[e.op] else { continue };
        match e.kind {
            EventType::Invoke => {
                for &f in &frontier {
                    graph.add(f, n, Why::Realtime);
                }
                before.insert(n, frontier.clone());
            }
            EventType::Ok => {
                for f in before.remove(&n).unwrap_or_default() {
                    in_frontier[f as usize] = false;
                }
                frontier.retain(|&f| in_frontier[f as usize]);
                frontier.push(n);
                in_frontier[n as usize] = true;
            }
            // An unknown outcome may take effect later: it precedes nothing.
            EventType::Fail | EventType::Info => {}
        }
    }
}

/// List-append: edges and direct anomalies.
pub(super) fn list_append(
    h: &TxnHistory,
    nodes: &Nodes,
    graph: &mut Builder,
    anomalies: &mut Vec<Anomaly>,
) -> Result<(), String> {
    let writers = writers(h, nodes)?;
    // The longest read of each key, and every read checked against it.
    let mut longest: HashMap<Key, (usize, &Vec<Value>)> = HashMap::new();
    for (op, _, m) in ok_reads(h, nodes) {
        let Mop::ReadList(k, Some(list)) = m else { continue };
        let e = longest.entry(*k).or_insert((op, list));
        if list.len() > e.1.len() {
            *e = (op, list);
        }
    }
    // Every read checked against it and against its writers, with who read each state of
    // each key (`None`: empty) and the write-read edges.
    let mut broken: Vec<Key> = Vec::new();
    let mut readers: HashMap<(Key, Option<Value>), Vec<u32>> = HashMap::new();
    for (op, n, m) in ok_reads(h, nodes) {
        let Mop::ReadList(k, Some(list)) = m else { continue };
        let mut sorted = list.clone();
        sorted.sort_unstable();
        if sorted.windows(2).any(|w| w[0] == w[1]) {
            anomalies.push(Anomaly::DuplicateElements { op, key: *k, read: list.clone() });
        }
        let (long_op, long) = longest[k];
        if !long.starts_with(list) && !broken.contains(k) {
            broken.push(*k);
            anomalies.push(Anomaly::IncompatibleOrder {
                key: *k,
                reads: [(op, list.clone()), (long_op, long.clone())],
            });
        }
        for &v in list {
            match writers.get(&(*k, v)) {
                None => anomalies.push(Anomaly::GarbageRead { op, key: *k, value: v }),
                Some(w) if w.failed => anomalies.push(Anomaly::AbortedRead {
                    reader: op,
                    key: *k,
                    value: v,
                    writer: w.op,
                }),
                Some(_) => {}
            }
        }
        readers.entry((*k, list.last().copied())).or_default().push(n);
        if let Some(&last) = list.last()
            && let Some(w) = writers.get(&(*k, last))
            && !w.failed
        {
            judge_read(op, *k, last, w, anomalies);
            if let Some(from) = w.node {
                graph.add(from, n, Why::WR { key: *k, value: last });
            }
        }
    }
    // Version orders: distinct elements of the longest read.
    let mut order: HashMap<Key, Vec<Value>> = HashMap::new();
    let mut position: HashMap<(Key, Value), usize> = HashMap::new();
    for (&k, &(_, long)) in &longest {
        let mut vs = Vec::with_capacity(long.len());
        for &v in long {
            if let std::collections::hash_map::Entry::Vacant(e) = position.entry((k, v)) {
                e.insert(vs.len());
                vs.push(v);
            }
        }
        order.insert(k, vs);
    }
    // Dirty updates: a committed append installed over an aborted one.
    let mut keys: Vec<&Key> = order.keys().collect();
    keys.sort_unstable();
    for &k in keys {
        let mut aborted: Option<(usize, Value)> = None;
        for &v in &order[&k] {
            let Some(w) = writers.get(&(k, v)) else { continue };
            if w.failed {
                aborted = aborted.or(Some((w.op, v)));
            } else if let (Some((failed, failed_value)), Outcome::Ok(..)) =
                (aborted, &h.ops[w.op].outcome)
            {
                anomalies.push(Anomaly::DirtyUpdate {
                    key: k,
                    failed,
                    failed_value,
                    committed: w.op,
                    value: v,
                });
                break;
            }
        }
    }
    for (n, &op) in nodes.ops.iter().enumerate() {
        for m in mops(h, op) {
            let Mop::Append(k, v) = *m else { continue };
            let known = order.get(&k);
            let prev = match position.get(&(k, v)) {
                Some(&0) => None,
                Some(&i) => Some(known.expect("a position implies an order")[i - 1]),
                // Never read: it came after every element a read shows.
                None => known.and_then(|o| o.last().copied()),
            };
            if let Some(p) = prev
                && let Some(from) = writers.get(&(k, p)).and_then(|w| w.node)
            {
                graph.add(from, n as u32, Why::WW { key: k, prev: p, value: v });
            }
            for &r in readers.get(&(k, prev)).into_iter().flatten() {
                graph.add(r, n as u32, Why::RW { key: k, read: prev, value: v });
            }
        }
    }
    internal(h, nodes, anomalies);
    lost_updates(
        h,
        nodes,
        |m| match m {
            Mop::ReadList(_, Some(l)) => l.last().copied(),
            _ => None,
        },
        anomalies,
    );
    Ok(())
}

/// Internal consistency (Cerone, Bernardi and Gotsman's INT): a transaction's read of a key
/// agrees with its own earlier reads and writes of it.
fn internal(h: &TxnHistory, nodes: &Nodes, anomalies: &mut Vec<Anomaly>) {
    for &op in &nodes.ops {
        let Outcome::Ok(_, ms) = &h.ops[op].outcome else { continue };
        // What the transaction knows of each key: a whole list, or (`false`) only its end.
        let mut known: HashMap<Key, (bool, Vec<Value>)> = HashMap::new();
        let mut register: HashMap<Key, Option<Value>> = HashMap::new();
        for m in ms {
            match m {
                Mop::Append(k, v) => known.entry(*k).or_insert((false, Vec::new())).1.push(*v),
                Mop::Write(k, v) => {
                    register.insert(*k, Some(*v));
                }
                Mop::ReadList(k, Some(list)) => {
                    if let Some((whole, expected)) = known.get(k) {
                        let fits = if *whole { list == expected } else { list.ends_with(expected) };
                        if !fits {
                            let expected = if *whole {
                                super::txn::show_list(expected)
                            } else {
                                format!("a list ending {}", super::txn::show_list(expected))
                            };
                            anomalies.push(Anomaly::Internal { op, mop: m.clone(), expected });
                            break;
                        }
                    }
                    known.insert(*k, (true, list.clone()));
                }
                Mop::Read(k, v) => {
                    if let Some(expected) = register.get(k)
                        && expected != v
                    {
                        let expected = expected.map_or("nil".to_string(), |e| e.to_string());
                        anomalies.push(Anomaly::Internal { op, mop: m.clone(), expected });
                        break;
                    }
                    register.insert(*k, *v);
                }
                Mop::ReadList(_, None) => {}
            }
        }
    }
}

/// Read-write registers: edges and direct anomalies.
pub(super) fn rw_register(
    h: &TxnHistory,
    nodes: &Nodes,
    graph: &mut Builder,
    anomalies: &mut Vec<Anomaly>,
) -> Result<(), String> {
    let writers = writers(h, nodes)?;
    let mut readers: HashMap<(Key, Option<Value>), Vec<u32>> = HashMap::new();
    for (n, &op) in nodes.ops.iter().enumerate() {
        let Outcome::Ok(_, ms) = &h.ops[op].outcome else { continue };
        // A transaction's read of its own write says nothing about others.
        let mut own: Vec<Key> = Vec::new();
        for m in ms {
            let (k, v) = match *m {
                Mop::Write(k, _) => {
                    own.push(k);
                    continue;
                }
                Mop::Read(k, v) if !own.contains(&k) => (k, v),
                _ => continue,
            };
            readers.entry((k, v)).or_default().push(n as u32);
            let Some(v) = v else { continue };
            match writers.get(&(k, v)) {
                None => anomalies.push(Anomaly::GarbageRead { op, key: k, value: v }),
                Some(w) => {
                    judge_read(op, k, v, w, anomalies);
                    if !w.failed
                        && let Some(from) = w.node
                    {
                        graph.add(from, n as u32, Why::WR { key: k, value: v });
                    }
                }
            }
        }
    }
    // Known version pairs: the initial state before every write, and a transaction's read
    // before its own write of the key.
    let mut pairs: Vec<(Key, Option<Value>, Value)> = Vec::new();
    for &op in &nodes.ops {
        let ms = mops(h, op);
        let mut read: HashMap<Key, Option<Value>> = HashMap::new();
        for (i, m) in ms.iter().enumerate() {
            match *m {
                Mop::Read(k, v) if !read.contains_key(&k) => {
                    read.insert(k, v);
                }
                Mop::Write(k, v) => {
                    let last =
                        !ms[i + 1..].iter().any(|x| matches!(x, Mop::Write(j, _) if *j == k));
                    if !last {
                        continue;
                    }
                    pairs.push((k, None, v));
                    if let Some(&Some(seen)) = read.get(&k) {
                        pairs.push((k, Some(seen), v));
                    }
                }
                _ => {}
            }
        }
    }
    for (k, before, v) in pairs {
        let Some(to) = writers.get(&(k, v)).and_then(|w| w.node) else { continue };
        if let Some(b) = before
            && let Some(from) = writers.get(&(k, b)).and_then(|w| w.node)
        {
            graph.add(from, to, Why::WW { key: k, prev: b, value: v });
        }
        for &r in readers.get(&(k, before)).into_iter().flatten() {
            graph.add(r, to, Why::RW { key: k, read: before, value: v });
        }
    }
    internal(h, nodes, anomalies);
    lost_updates(h, nodes, |m| if let Mop::Read(_, v) = m { *v } else { None }, anomalies);
    Ok(())
}

/// Which inference a workload uses.
pub(super) fn dependencies(
    workload: Workload,
    h: &TxnHistory,
    nodes: &Nodes,
    graph: &mut Builder,
    anomalies: &mut Vec<Anomaly>,
) -> Result<(), String> {
    match workload {
        Workload::ListAppend => list_append(h, nodes, graph, anomalies),
        Workload::RwRegister => rw_register(h, nodes, graph, anomalies),
    }
}
