//! Reference solution of lab 01: Lamport, vector and hybrid logical clocks, each following the
//! contract's pinned conventions.

use harness::NodeId;
use lab01::{Causality, ClockSet, Hlc, HybridClock, LamportClock, VectorClock};
use serde::{Deserialize, Serialize};

/// Lamport's logical clock (Lamport, 1978): one counter, bumped on every event and pushed past
/// every timestamp received, so a causally later event always gets a larger number.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Lamport {
    counter: u64,
}

impl LamportClock for Lamport {
    fn new() -> Self {
        Lamport { counter: 0 }
    }

    fn tick(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    fn receive(&mut self, received: u64) -> u64 {
        self.counter = self.counter.max(received) + 1;
        self.counter
    }
}

/// A vector clock (Fidge, 1988; Mattern, 1989): entry i counts the events of node i that this
/// node has heard of, so comparing vectors decides happens-before exactly.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Vector {
    me: usize,
    entries: Vec<u64>,
}

impl VectorClock for Vector {
    fn new(me: NodeId, nodes: usize) -> Self {
        Vector { me: me.index(), entries: vec![0; nodes] }
    }

    fn tick(&mut self) -> Vec<u64> {
        self.entries[self.me] += 1;
        self.entries.clone()
    }

    fn receive(&mut self, received: &[u64]) -> Vec<u64> {
        for (mine, theirs) in self.entries.iter_mut().zip(received) {
            *mine = (*mine).max(*theirs);
        }
        self.tick()
    }

    fn compare(a: &[u64], b: &[u64]) -> Causality {
        let a_le_b = a.iter().zip(b).all(|(x, y)| x <= y);
        let b_le_a = a.iter().zip(b).all(|(x, y)| y <= x);
        match (a_le_b, b_le_a) {
            (true, true) => Causality::Equal,
            (true, false) => Causality::Before,
            (false, true) => Causality::After,
            (false, false) => Causality::Concurrent,
        }
    }
}

/// A hybrid logical clock (Kulkarni, Demirbas, Madeppa, Avva and Leone, 2014): `l` is the
/// largest wall-clock reading heard of, so it stays within the clock skew of physical time;
/// `c` orders events that share an `l`, so causality is never contradicted.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Hybrid {
    now: Hlc,
}

impl HybridClock for Hybrid {
    fn new() -> Self {
        Hybrid { now: Hlc { l: 0, c: 0 } }
    }

    fn tick(&mut self, wall: i64) -> Hlc {
        let l = self.now.l.max(wall);
        let c = if l == self.now.l { self.now.c + 1 } else { 0 };
        self.now = Hlc { l, c };
        self.now
    }

    fn receive(&mut self, received: Hlc, wall: i64) -> Hlc {
        let before = self.now;
        let l = before.l.max(received.l).max(wall);
        let c = match (l == before.l, l == received.l) {
            (true, true) => before.c.max(received.c) + 1,
            (true, false) => before.c + 1,
            (false, true) => received.c + 1,
            (false, false) => 0,
        };
        self.now = Hlc { l, c };
        self.now
    }
}

/// The reference clocks, as one set for the lab's registry.
#[derive(Debug)]
pub enum Reference {}

impl ClockSet for Reference {
    type Lamport = Lamport;
    type Vector = Vector;
    type Hybrid = Hybrid;
}
