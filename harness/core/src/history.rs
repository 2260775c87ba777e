//! Client operations in Jepsen's vocabulary, derived from a run's trace.
//!
//! An operation is invoked when its request reaches a node and completes with the node's reply:
//! `ok`. A request refused because its node was down is `fail`: it certainly did not take effect.
//! A request still open when the run ends, or whose node crashed before replying, is `info`: it
//! may have taken effect at any point after its invocation, or never.

use crate::node::{NodeId, Protocol, RequestId};
use crate::sim::Run;
use crate::time::Time;
use crate::trace::EventKind;
use std::collections::BTreeMap;

/// How an operation ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<R> {
    /// Answered, at this time, with this response.
    Ok(Time, R),
    /// Certainly did not take effect.
    Fail(Time),
    /// Unknown: may or may not have taken effect.
    Info,
}

/// One client operation.
#[derive(Clone, Debug)]
pub struct Operation<P: Protocol> {
    /// The node that received it (the client process, in labs where clients are processes).
    pub process: NodeId,
    /// Its handle.
    pub id: RequestId,
    /// When it was invoked.
    pub invoked: Time,
    /// What was asked.
    pub request: P::Request,
    /// How it ended.
    pub outcome: Outcome<P::Response>,
}

/// The history of a run: its operations in invocation order.
pub fn history<P: Protocol>(run: &Run<P>) -> Vec<Operation<P>> {
    let mut ops: Vec<Operation<P>> = Vec::new();
    let mut open: BTreeMap<RequestId, usize> = BTreeMap::new();
    for e in &run.trace.events {
        match &e.kind {
            EventKind::Request { node, id, request } => {
                open.insert(*id, ops.len());
                ops.push(Operation {
                    process: *node,
                    id: *id,
                    invoked: e.at,
                    request: request.clone(),
                    outcome: Outcome::Info,
                });
            }
            EventKind::RequestRefused { node, id, request } => ops.push(Operation {
                process: *node,
                id: *id,
                invoked: e.at,
                request: request.clone(),
                outcome: Outcome::Fail(e.at),
            }),
            EventKind::Reply { id, response, .. } => {
                // A second reply to one request is the node's bug; the first one counts.
                if let Some(i) = open.remove(id) {
                    ops[i].outcome = Outcome::Ok(e.at, response.clone());
                }
            }
            EventKind::Crash { node, .. } => {
                // Whatever the crashed node had open stays unknown for ever.
                open.retain(|_, i| ops[*i].process != *node);
            }
            _ => {}
        }
    }
    ops
}
