//! Part B's reference clock, in the file a student edits (`labs/lab01-clocks/src/vector.rs`).

use crate::{Causality, VectorClock};
use harness::NodeId;
use serde::{Deserialize, Serialize};

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
