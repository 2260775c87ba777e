//! Part C: a replica that keeps its CRDT's state durable and spreads it by anti-entropy: every
//! gossip interval it sends its whole state to every peer, and it merges every state it receives
//! (the state-based replication of Shapiro et al., 2011, section 2.2.1). Lost, duplicated and
//! reordered messages do no harm: merge is idempotent, commutative and associative, and the next
//! round sends everything again.

use crate::{Crdt, Message, ReplicaNode, Replication, Request, Response, Tick, Timing};
use harness::{Ctx, NodeId, Process, RequestId};

/// The storage key of the replica's state.
const STATE: &str = "state";

/// A replica of the CRDT `C`.
#[derive(Debug)]
pub struct Node<C> {
    me: NodeId,
    peers: Vec<NodeId>,
    timing: Timing,
    state: C,
}

impl<C: Crdt> ReplicaNode<C> for Node<C> {
    fn new(me: NodeId, peers: Vec<NodeId>, timing: Timing) -> Self {
        Node { me, peers, timing, state: C::new() }
    }

    fn state(&self) -> &C {
        &self.state
    }
}

impl<C: Crdt> Node<C> {
    fn gossip(&self, ctx: &mut Ctx<'_, Replication<C>>) {
        for peer in &self.peers {
            ctx.send(*peer, Message::State(self.state.clone()));
        }
    }
}

impl<C: Crdt> Process<Replication<C>> for Node<C> {
    fn on_start(&mut self, ctx: &mut Ctx<'_, Replication<C>>) {
        if let Some(state) = ctx.load::<C>(STATE) {
            self.state = state;
        }
        // A restarted replica may have missed states while it was down: send at once.
        self.gossip(ctx);
        ctx.set_timer(self.timing.gossip_interval, Tick::Gossip);
    }

    fn on_request(
        &mut self,
        ctx: &mut Ctx<'_, Replication<C>>,
        id: RequestId,
        Request::Update(op): Request<C::Op>,
    ) {
        self.state.update(self.me, &op);
        // Durable before it is acknowledged: an acknowledged update survives a crash.
        ctx.save(STATE, &self.state);
        ctx.sync();
        ctx.reply(id, Response::Done);
    }

    fn on_message(&mut self, _: &mut Ctx<'_, Replication<C>>, _: NodeId, msg: Message<C>) {
        let Message::State(theirs) = msg;
        self.state.merge(&theirs);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Replication<C>>, Tick::Gossip: Tick) {
        self.gossip(ctx);
        ctx.set_timer(self.timing.gossip_interval, Tick::Gossip);
    }
}
