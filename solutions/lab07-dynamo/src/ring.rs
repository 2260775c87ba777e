//! Part A: the consistent-hashing ring (Karger et al., STOC 1997), with virtual nodes as Dynamo
//! uses them (DeCandia et al., SOSP 2007, sections 4.2-4.3).

use crate::merkle::{key_position, token};
use crate::{NodeId, Placement};

/// Every node's tokens, sorted by position: the ring.
#[derive(Debug)]
pub struct Ring {
    /// (position, node), sorted; ties between equal positions go to the lower node id.
    tokens: Vec<(u64, NodeId)>,
    /// How many distinct nodes there are.
    nodes: usize,
}

impl Placement for Ring {
    fn new(nodes: &[NodeId], vnodes: u32) -> Self {
        let mut tokens: Vec<(u64, NodeId)> = nodes
            .iter()
            .flat_map(|&node| (0..vnodes).map(move |v| (token(node, v), node)))
            .collect();
        tokens.sort();
        let mut distinct = nodes.to_vec();
        distinct.sort();
        distinct.dedup();
        Ring { tokens, nodes: distinct.len() }
    }

    fn preference_list(&self, key: &str, n: usize) -> Vec<NodeId> {
        let want = n.min(self.nodes);
        let mut list: Vec<NodeId> = Vec::with_capacity(want);
        if self.tokens.is_empty() {
            return list;
        }
        // The first token at or after the key's position, wrapping around past the end.
        let start = self.tokens.partition_point(|(position, _)| *position < key_position(key));
        for i in 0..self.tokens.len() {
            if list.len() == want {
                break;
            }
            let (_, node) = self.tokens[(start + i) % self.tokens.len()];
            // Successive tokens often belong to one node: a replica set needs distinct machines.
            if !list.contains(&node) {
                list.push(node);
            }
        }
        list
    }
}
