//! Histories whose answers are known, to test checkers at scale and to measure them: a serial
//! store (every model holds) and a snapshot-isolation store (write skew, and nothing worse).
//!
//! Keys rotate as in Jepsen's generators: a key takes a bounded number of writes and is then
//! replaced by a fresh one, so reads of lists stay short however long the history.

use super::txn::{Key, Mop, TxnHistory, Value, Workload};
use crate::history::{History, Operation, Outcome, Timeline};
use crate::rng::{Prob, Rng};
use crate::time::Time;
use std::collections::BTreeMap;

/// The size and mix of a generated history.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// What the transactions do.
    pub workload: Workload,
    /// How many transactions to invoke.
    pub txns: usize,
    /// How many client processes run them (concurrently, for the snapshot store).
    pub processes: u64,
    /// How many keys are in use at once.
    pub keys: usize,
    /// How many writes a key takes before a fresh key replaces it.
    pub writes_per_key: usize,
    /// At most this many micro-operations per transaction.
    pub mops: usize,
    /// How often a commit's outcome is reported unknown (`info`); it takes effect or not, as
    /// the seed decides.
    pub unknown: Prob,
}

impl Shape {
    /// A shape with Jepsen's usual proportions.
    pub fn new(workload: Workload, txns: usize) -> Self {
        Shape {
            workload,
            txns,
            processes: 8,
            keys: 8,
            writes_per_key: 32,
            mops: 4,
            unknown: Prob::percent(2),
        }
    }
}

/// The committed state: each key's writes in order, with the commit that made each.
#[derive(Default)]
struct Store {
    versions: BTreeMap<Key, Vec<(u64, Value)>>,
    commits: u64,
}

impl Store {
    /// What a read of `key` at snapshot `ts` sees, given the transaction's own earlier writes.
    fn read(&self, workload: Workload, key: Key, ts: u64, own: &[Value]) -> Mop {
        let committed = self.versions.get(&key).map_or(&[][..], Vec::as_slice);
        let mut seen = committed.iter().filter(|(c, _)| *c <= ts).map(|&(_, v)| v);
        match workload {
            Workload::ListAppend => {
                Mop::ReadList(key, Some(seen.chain(own.iter().copied()).collect()))
            }
            Workload::RwRegister => Mop::Read(key, own.last().copied().or(seen.next_back())),
        }
    }

    fn last_commit(&self, key: Key) -> u64 {
        self.versions.get(&key).and_then(|v| v.last()).map_or(0, |&(c, _)| c)
    }

    fn install(&mut self, mops: &[Mop]) {
        self.commits += 1;
        for m in mops {
            if let Some(v) = m.written() {
                self.versions.entry(m.key()).or_default().push((self.commits, v));
            }
        }
    }
}

/// Draws transactions: keys from a rotating pool, values unique per key.
struct Draw {
    shape: Shape,
    rng: Rng,
    pool: Vec<Key>,
    fresh: Key,
    writes: BTreeMap<Key, usize>,
}

impl Draw {
    fn new(shape: Shape, seed: u64) -> Self {
        Draw {
            shape,
            rng: Rng::from_seed(seed),
            pool: (0..shape.keys as Key).collect(),
            fresh: shape.keys as Key,
            writes: BTreeMap::new(),
        }
    }

    /// A transaction as invoked: reads unfilled.
    fn txn(&mut self) -> Vec<Mop> {
        let n = self.rng.between(1, self.shape.mops as u64) as usize;
        let mut mops = Vec::with_capacity(n);
        for _ in 0..n {
            let slot = self.rng.below(self.pool.len() as u64) as usize;
            let key = self.pool[slot];
            if self.rng.chance(Prob::percent(50)) {
                mops.push(match self.shape.workload {
                    Workload::ListAppend => Mop::ReadList(key, None),
                    Workload::RwRegister => Mop::Read(key, None),
                });
                continue;
            }
            let count = self.writes.entry(key).or_default();
            *count += 1;
            let value = *count as Value;
            if *count >= self.shape.writes_per_key {
                self.pool[slot] = self.fresh;
                self.fresh += 1;
            }
            mops.push(match self.shape.workload {
                Workload::ListAppend => Mop::Append(key, value),
                Workload::RwRegister => Mop::Write(key, value),
            });
        }
        mops
    }
}

/// Runs a transaction against a snapshot: its reads filled in, its own writes visible to its
/// later reads.
fn execute(store: &Store, workload: Workload, mops: &[Mop], ts: u64) -> Vec<Mop> {
    let mut own: BTreeMap<Key, Vec<Value>> = BTreeMap::new();
    mops.iter()
        .map(|m| match m {
            Mop::ReadList(k, _) | Mop::Read(k, _) => {
                store.read(workload, *k, ts, own.get(k).map_or(&[][..], Vec::as_slice))
            }
            other => {
                own.entry(other.key()).or_default().push(other.written().expect("a write"));
                other.clone()
            }
        })
        .collect()
}

/// A history in which each transaction runs alone, one after another, on one of several
/// processes: valid under every model.
pub fn serial(shape: Shape, seed: u64) -> TxnHistory {
    let mut draw = Draw::new(shape, seed);
    let mut store = Store::default();
    let mut ops = Vec::with_capacity(shape.txns);
    for i in 0..shape.txns {
        let input = draw.txn();
        let output = execute(&store, shape.workload, &input, store.commits);
        store.install(&output);
        let t = 2 * i as u64;
        ops.push(Operation {
            process: i as u64 % shape.processes,
            invoked: Time(t),
            outcome: Outcome::Ok(Time(t + 1), output),
            input,
        });
    }
    History::new(ops, Timeline::Virtual)
}

/// A history of concurrent transactions against a store with strong snapshot isolation: each
/// reads the snapshot of every commit before it began, and the first of two concurrent writers
/// of a key commits while the second aborts (`fail`). Write skew happens; nothing SI forbids
/// does. A process whose commit is reported unknown is replaced by a fresh one, as in Jepsen.
pub fn snapshot_isolation(shape: Shape, seed: u64) -> TxnHistory {
    struct Open {
        op: usize,
        snapshot: u64,
        output: Vec<Mop>,
    }
    let mut draw = Draw::new(shape, seed);
    let mut store = Store::default();
    let mut ops: Vec<Operation<Vec<Mop>, Vec<Mop>>> = Vec::with_capacity(shape.txns);
    let mut open: Vec<Option<Open>> = (0..shape.processes).map(|_| None).collect();
    let mut names: Vec<u64> = (0..shape.processes).collect();
    let mut next_name = shape.processes;
    let mut t = 0u64;
    while ops.len() < shape.txns || open.iter().any(Option::is_some) {
        let p = draw.rng.below(shape.processes) as usize;
        t += 1;
        match open[p].take() {
            None if ops.len() < shape.txns => {
                let input = draw.txn();
                let output = execute(&store, shape.workload, &input, store.commits);
                open[p] = Some(Open { op: ops.len(), snapshot: store.commits, output });
                ops.push(Operation {
                    process: names[p],
                    invoked: Time(t),
                    input,
                    outcome: Outcome::Info(None),
                });
            }
            None => {}
            Some(txn) => {
                let conflict = txn
                    .output
                    .iter()
                    .any(|m| m.written().is_some() && store.last_commit(m.key()) > txn.snapshot);
                let unknown = draw.rng.chance(shape.unknown);
                ops[txn.op].outcome = if conflict {
                    Outcome::Fail(Time(t))
                } else if unknown {
                    if draw.rng.chance(Prob::percent(50)) {
                        store.install(&txn.output);
                    }
                    names[p] = next_name;
                    next_name += 1;
                    Outcome::Info(Some(Time(t)))
                } else {
                    store.install(&txn.output);
                    Outcome::Ok(Time(t), txn.output)
                };
            }
        }
    }
    History::new(ops, Timeline::Virtual)
}
