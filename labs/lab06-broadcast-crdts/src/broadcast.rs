//! Part A: your broadcasting node. This is the only file you edit for part A.
//!
//! One node runs the three protocols, picked by its `Kind`; the handout
//! (`labs/lab06-broadcast-crdts/README.md`, part A) pins what each sends and when it delivers.
//! Replace each `todo!()`; add the fields you need.

use crate::{Bcast, Broadcaster, Kind, Rumor};
use harness::{Ctx, NodeId, Process, RequestId};

/// A broadcasting node.
#[derive(Debug)]
pub struct Node {}

impl Broadcaster for Node {
    fn new(me: NodeId, nodes: usize, kind: Kind) -> Self {
        let _ = (me, nodes, kind);
        Node {}
    }
}

impl Process<Bcast> for Node {
    fn on_request(&mut self, ctx: &mut Ctx<'_, Bcast>, id: RequestId, request: ()) {
        let _ = (ctx, id, request);
        todo!(
            "lab06 part A: broadcast a new message in labs/lab06-broadcast-crdts/src/broadcast.rs"
        )
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Bcast>, from: NodeId, rumor: Rumor) {
        let _ = (ctx, from, rumor);
        todo!(
            "lab06 part A: deliver (and relay) a message in labs/lab06-broadcast-crdts/src/broadcast.rs"
        )
    }
}
