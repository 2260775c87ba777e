//! Part C: your replica, which spreads a CRDT's state by anti-entropy. This is the only file you
//! edit for part C.
//!
//! The handout (part C) pins what it does: apply each update at once, make the state durable
//! and then answer; send the whole state to every peer every gossip interval (and once when it
//! starts); merge every state it receives; after a restart, carry on from the stored state.
//! Replace each `todo!()`; add the fields you need.

use crate::{Crdt, Message, ReplicaNode, Replication, Request, Tick, Timing};
use harness::{Ctx, NodeId, Process, RequestId};
use std::marker::PhantomData;

/// A replica of the CRDT `C`.
#[derive(Debug)]
pub struct Node<C> {
    crdt: PhantomData<C>,
}

impl<C: Crdt> ReplicaNode<C> for Node<C> {
    fn new(me: NodeId, peers: Vec<NodeId>, timing: Timing) -> Self {
        let _ = (me, peers, timing);
        Node { crdt: PhantomData }
    }

    fn state(&self) -> &C {
        todo!("lab06 part C: Node::state in labs/lab06-broadcast-crdts/src/anti_entropy.rs")
    }
}

impl<C: Crdt> Process<Replication<C>> for Node<C> {
    fn on_start(&mut self, ctx: &mut Ctx<'_, Replication<C>>) {
        let _ = (ctx, &self.crdt);
        todo!(
            "lab06 part C: load your state and start gossiping in labs/lab06-broadcast-crdts/src/anti_entropy.rs"
        )
    }

    fn on_request(
        &mut self,
        ctx: &mut Ctx<'_, Replication<C>>,
        id: RequestId,
        request: Request<C::Op>,
    ) {
        let _ = (ctx, id, request);
        todo!(
            "lab06 part C: apply, persist and acknowledge an update in labs/lab06-broadcast-crdts/src/anti_entropy.rs"
        )
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Replication<C>>, from: NodeId, msg: Message<C>) {
        let _ = (ctx, from, msg);
        todo!("lab06 part C: merge a state in labs/lab06-broadcast-crdts/src/anti_entropy.rs")
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Replication<C>>, timer: Tick) {
        let _ = (ctx, timer);
        todo!(
            "lab06 part C: send your state to every peer in labs/lab06-broadcast-crdts/src/anti_entropy.rs"
        )
    }
}
