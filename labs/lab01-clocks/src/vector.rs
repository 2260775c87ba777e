//! Part B: your vector clock. This is the only file you edit for part B.
//!
//! The conventions are pinned by the contract (`VectorClock` in `src/lib.rs`): all zeros at
//! the start, one entry per node; a local event or a send increments the own entry; a receive
//! takes the element-wise maximum, then increments the own entry. `compare` says how two
//! timestamps relate. Replace each `todo!()`; add the fields you need. Keep the derives.

use crate::{Causality, VectorClock};
use harness::NodeId;
use serde::{Deserialize, Serialize};

/// A vector clock.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Vector {}

impl VectorClock for Vector {
    fn new(me: NodeId, nodes: usize) -> Self {
        todo!("lab01 part B: Vector::new({me}, {nodes}) in labs/lab01-clocks/src/vector.rs")
    }

    fn tick(&mut self) -> Vec<u64> {
        todo!("lab01 part B: Vector::tick in labs/lab01-clocks/src/vector.rs")
    }

    fn receive(&mut self, received: &[u64]) -> Vec<u64> {
        todo!("lab01 part B: Vector::receive({received:?}) in labs/lab01-clocks/src/vector.rs")
    }

    fn compare(a: &[u64], b: &[u64]) -> Causality {
        todo!("lab01 part B: Vector::compare({a:?}, {b:?}) in labs/lab01-clocks/src/vector.rs")
    }
}
