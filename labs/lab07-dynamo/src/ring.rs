//! Part A: your consistent-hashing ring. The handout (`labs/lab07-dynamo/README.md`) pins how
//! tokens and keys are placed; `crate::merkle` has the hash functions.

use crate::{NodeId, Placement};

/// Every node's tokens on the ring.
#[derive(Debug)]
pub struct Ring {}

impl Placement for Ring {
    fn new(nodes: &[NodeId], vnodes: u32) -> Self {
        let _ = (nodes, vnodes);
        Ring {}
    }

    fn preference_list(&self, key: &str, n: usize) -> Vec<NodeId> {
        let _ = (key, n);
        todo!("lab07: walk clockwise from the key's position and collect n distinct nodes")
    }
}
