//! Part B: six state-based CRDTs (Shapiro, Preguiça, Baquero and Zawirski, "A comprehensive
//! study of convergent and commutative replicated data types", INRIA RR-7506, 2011, section 3).
//! Each state is a value whose merge is the least upper bound of a join-semilattice.

use crate::{Assign, CounterOp, Crdt, Increment, MapOp, SetOp};
use harness::NodeId;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A grow-only counter: one count per replica, each grown only by its own replica; merge takes
/// the maximum of each (Shapiro et al., specification 6).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GCounter {
    counts: BTreeMap<NodeId, u64>,
}

impl Crdt for GCounter {
    type Op = Increment;
    type Value = u64;

    fn new() -> Self {
        GCounter::default()
    }

    fn update(&mut self, me: NodeId, &Increment(n): &Increment) {
        // A zero entry and a missing one mean the same: keep only the second, so equal states
        // are equal values.
        if n > 0 {
            *self.counts.entry(me).or_insert(0) += n;
        }
    }

    fn query(&self) -> u64 {
        self.counts.values().sum()
    }

    fn merge(&mut self, other: &Self) {
        for (node, count) in &other.counts {
            let mine = self.counts.entry(*node).or_insert(0);
            *mine = (*mine).max(*count);
        }
    }
}

/// A counter that also decrements: two grow-only counters, of increments and of decrements
/// (Shapiro et al., specification 7).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PnCounter {
    increments: GCounter,
    decrements: GCounter,
}

impl Crdt for PnCounter {
    type Op = CounterOp;
    type Value = i64;

    fn new() -> Self {
        PnCounter::default()
    }

    fn update(&mut self, me: NodeId, op: &CounterOp) {
        match *op {
            CounterOp::Increment(n) => self.increments.update(me, &Increment(n)),
            CounterOp::Decrement(n) => self.decrements.update(me, &Increment(n)),
        }
    }

    fn query(&self) -> i64 {
        self.increments.query() as i64 - self.decrements.query() as i64
    }

    fn merge(&mut self, other: &Self) {
        self.increments.merge(&other.increments);
        self.decrements.merge(&other.decrements);
    }
}

/// A last-writer-wins register: the value with the greatest (Lamport timestamp, replica id).
/// An assignment takes the timestamp one above the one the register holds, so it is greater than
/// every assignment its replica has seen (Lamport's rule, lab 01); the replica id breaks ties
/// between concurrent assignments (Shapiro et al., specification 8).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LwwRegister {
    /// (timestamp, replica, value) of the winning assignment.
    winner: Option<(u64, NodeId, String)>,
}

impl Crdt for LwwRegister {
    type Op = Assign;
    type Value = Option<String>;

    fn new() -> Self {
        LwwRegister::default()
    }

    fn update(&mut self, me: NodeId, Assign(value): &Assign) {
        let seen = self.winner.as_ref().map_or(0, |(t, _, _)| *t);
        self.winner = Some((seen + 1, me, value.clone()));
    }

    fn query(&self) -> Option<String> {
        self.winner.as_ref().map(|(_, _, v)| v.clone())
    }

    fn merge(&mut self, other: &Self) {
        if let Some((t, n, v)) = &other.winner {
            let ours = self.winner.as_ref().map(|(t, n, _)| (*t, *n));
            if ours.is_none_or(|ours| (*t, *n) > ours) {
                self.winner = Some((*t, *n, v.clone()));
            }
        }
    }
}

/// A vector clock: per replica, how many of its assignments are known.
type Clock = BTreeMap<NodeId, u64>;

/// Whether `a` happened before `b` (`a <= b` entry by entry, and `a != b`).
fn before(a: &Clock, b: &Clock) -> bool {
    a != b && a.iter().all(|(n, x)| b.get(n).is_some_and(|y| x <= y))
}

/// A multi-value register: every assignment that no other known assignment happened after, each
/// with its vector clock (Shapiro et al., specification 10).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MvRegister {
    entries: BTreeSet<(Clock, String)>,
}

impl Crdt for MvRegister {
    type Op = Assign;
    type Value = BTreeSet<String>;

    fn new() -> Self {
        MvRegister::default()
    }

    fn update(&mut self, me: NodeId, Assign(value): &Assign) {
        let mut clock = Clock::new();
        for (c, _) in &self.entries {
            for (n, x) in c {
                let e = clock.entry(*n).or_insert(0);
                *e = (*e).max(*x);
            }
        }
        *clock.entry(me).or_insert(0) += 1;
        self.entries = BTreeSet::from([(clock, value.clone())]);
    }

    fn query(&self) -> BTreeSet<String> {
        self.entries.iter().map(|(_, v)| v.clone()).collect()
    }

    fn merge(&mut self, other: &Self) {
        let all: BTreeSet<(Clock, String)> = self.entries.union(&other.entries).cloned().collect();
        self.entries =
            all.iter().filter(|(c, _)| !all.iter().any(|(d, _)| before(c, d))).cloned().collect();
    }
}

/// A unique tag for one add: (replica, its count of adds so far).
type Dot = (NodeId, u64);

/// An add-wins observed-remove set: each add is tagged with a fresh dot; a remove tombstones the
/// dots of the element that its replica has observed, so an add it has not seen survives
/// (Shapiro et al., specification 15).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrSet {
    adds: BTreeMap<String, BTreeSet<Dot>>,
    removed: BTreeSet<Dot>,
}

impl Crdt for OrSet {
    type Op = SetOp;
    type Value = BTreeSet<String>;

    fn new() -> Self {
        OrSet::default()
    }

    fn update(&mut self, me: NodeId, op: &SetOp) {
        match op {
            SetOp::Add(e) => {
                // Every dot ever made stays in `adds`, so the next one here is fresh.
                let last = self
                    .adds
                    .values()
                    .flatten()
                    .filter(|(n, _)| *n == me)
                    .map(|(_, c)| *c)
                    .max()
                    .unwrap_or(0);
                self.adds.entry(e.clone()).or_default().insert((me, last + 1));
            }
            SetOp::Remove(e) => {
                if let Some(dots) = self.adds.get(e) {
                    self.removed.extend(dots.iter().copied());
                }
            }
        }
    }

    fn query(&self) -> BTreeSet<String> {
        self.adds
            .iter()
            .filter(|(_, dots)| dots.iter().any(|d| !self.removed.contains(d)))
            .map(|(e, _)| e.clone())
            .collect()
    }

    fn merge(&mut self, other: &Self) {
        for (e, dots) in &other.adds {
            self.adds.entry(e.clone()).or_default().extend(dots.iter().copied());
        }
        self.removed.extend(other.removed.iter().copied());
    }
}

/// A map from keys to CRDTs: merge merges the values key by key, so the map is a CRDT whenever
/// its values are (Shapiro et al., section 3.3).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrdtMap<V> {
    entries: BTreeMap<String, V>,
}

impl<V: Crdt> Crdt for CrdtMap<V> {
    type Op = MapOp<V::Op>;
    type Value = BTreeMap<String, V::Value>;

    fn new() -> Self {
        CrdtMap { entries: BTreeMap::new() }
    }

    fn update(&mut self, me: NodeId, MapOp { key, op }: &MapOp<V::Op>) {
        self.entries.entry(key.clone()).or_insert_with(V::new).update(me, op);
    }

    fn query(&self) -> Self::Value {
        self.entries.iter().map(|(k, v)| (k.clone(), v.query())).collect()
    }

    fn merge(&mut self, other: &Self) {
        for (k, v) in &other.entries {
            match self.entries.get_mut(k) {
                Some(mine) => mine.merge(v),
                None => {
                    self.entries.insert(k.clone(), v.clone());
                }
            }
        }
    }
}
