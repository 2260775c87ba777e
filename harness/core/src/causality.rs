//! The true happens-before relation among a run's outputs, derived from the trace alone
//! (Lamport, 1978): events of one node are ordered as they happened, and a message's send
//! precedes its every delivery. Labs compare the timestamps nodes report against it.

use crate::node::{NodeId, Protocol};
use crate::sim::Run;
use crate::trace::EventKind;

/// One output, with its position in the trace and its true vector timestamp (how many outputs
/// of each node happened before it or are it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CausalEvent {
    /// Index of the `Output` event in the trace.
    pub index: usize,
    /// The node that reported it.
    pub node: NodeId,
    /// Outputs of each node that happened before this one, this one included.
    pub clock: Vec<u32>,
}

impl CausalEvent {
    /// Whether `self` happened before `other` (and is not `other`).
    pub fn happened_before(&self, other: &CausalEvent) -> bool {
        let i = self.node.index();
        self.index != other.index && self.clock[i] <= other.clock[i]
    }

    /// Whether neither happened before the other.
    pub fn concurrent_with(&self, other: &CausalEvent) -> bool {
        self.index != other.index && !self.happened_before(other) && !other.happened_before(self)
    }
}

/// Every output of the run with its true vector timestamp, in trace order. A message carries
/// the clock of its sender at the moment it was sent, so an output is "before" a send only if
/// the handler reported it before sending.
pub fn outputs_with_clocks<P: Protocol>(run: &Run<P>) -> Vec<CausalEvent> {
    let n = run.nodes;
    let mut node_clock = vec![vec![0u32; n]; n];
    let mut message_clock: Vec<Option<Vec<u32>>> = vec![None; run.trace.messages.len()];
    let mut events = Vec::new();
    for (index, e) in run.trace.events.iter().enumerate() {
        match &e.kind {
            EventKind::Output { node, .. } => {
                let clock = &mut node_clock[node.index()];
                clock[node.index()] += 1;
                events.push(CausalEvent { index, node: *node, clock: clock.clone() });
            }
            EventKind::Send { msg } => {
                let from = run.trace.message(*msg).from;
                message_clock[msg.0 as usize] = Some(node_clock[from.index()].clone());
            }
            EventKind::Deliver { msg } => {
                let to = run.trace.message(*msg).to;
                if let Some(sent) = &message_clock[msg.0 as usize] {
                    for (mine, theirs) in node_clock[to.index()].iter_mut().zip(sent) {
                        *mine = (*mine).max(*theirs);
                    }
                }
            }
            _ => {}
        }
    }
    events
}
