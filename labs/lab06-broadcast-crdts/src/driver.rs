//! The harness's replicas: the glue that reports what a part C replica holds, and part B's
//! harness-run replica that drives your CRDT types.
//!
//! Properties see a replica through what these report after every handler: its query result
//! whenever it changes (parts B and C), and in part B every state it reaches and every update's
//! before and after, on which the merge laws are checked.

use crate::{Crdt, Message, Observation, ReplicaNode, Replication, Request, Response, Tick};
use harness::{Ctx, Duration, NodeId, Process, RequestId, Time};
use std::marker::PhantomData;

/// Part C: your replica `N`, and the query result last reported for it.
#[derive(Debug)]
pub struct Driver<C: Crdt, N> {
    node: N,
    reported: Option<C::Value>,
    _crdt: PhantomData<fn() -> C>,
}

impl<C: Crdt, N: ReplicaNode<C>> Driver<C, N> {
    /// Wraps `node`.
    pub fn new(node: N) -> Self {
        Driver { node, reported: None, _crdt: PhantomData }
    }

    fn report(&mut self, ctx: &mut Ctx<'_, Replication<C>>) {
        let now = self.node.state().query();
        if self.reported.as_ref() != Some(&now) {
            ctx.output(Observation::Query(now.clone()));
            self.reported = Some(now);
        }
    }
}

impl<C: Crdt, N: ReplicaNode<C>> Process<Replication<C>> for Driver<C, N> {
    fn on_start(&mut self, ctx: &mut Ctx<'_, Replication<C>>) {
        self.node.on_start(ctx);
        self.report(ctx);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Replication<C>>, from: NodeId, msg: Message<C>) {
        self.node.on_message(ctx, from, msg);
        self.report(ctx);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Replication<C>>, timer: Tick) {
        self.node.on_timer(ctx, timer);
        self.report(ctx);
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, Replication<C>>, id: RequestId, r: Request<C::Op>) {
        self.node.on_request(ctx, id, r);
        self.report(ctx);
    }
}

/// Part B's replica, run by the harness on your CRDT type: it applies each update at once and
/// answers, merges every state it receives, and every [`Mixer::INTERVAL`] sends its state to one
/// peer drawn at random until `spread_from`, then to every peer (so that states diverge while
/// updates come, and converge at the end).
#[derive(Debug)]
pub struct Mixer<C: Crdt> {
    me: NodeId,
    peers: Vec<NodeId>,
    spread_from: Time,
    state: Option<C>,
    reported: Option<C::Value>,
}

impl<C: Crdt> Mixer<C> {
    /// How often a mixer sends its state.
    pub const INTERVAL: Duration = Duration::from_millis(40);

    /// Replica `me` among `peers`, sending to every peer from `spread_from` on.
    pub fn new(me: NodeId, peers: Vec<NodeId>, spread_from: Time) -> Self {
        Mixer { me, peers, spread_from, state: None, reported: None }
    }

    fn state(&mut self) -> &mut C {
        self.state.get_or_insert_with(C::new)
    }

    fn report(&mut self, ctx: &mut Ctx<'_, Replication<C>>, changed: bool) {
        let state = self.state().clone();
        if changed {
            ctx.output(Observation::State(state.clone()));
        }
        let now = state.query();
        if self.reported.as_ref() != Some(&now) {
            ctx.output(Observation::Query(now.clone()));
            self.reported = Some(now);
        }
    }
}

impl<C: Crdt> Process<Replication<C>> for Mixer<C> {
    fn on_start(&mut self, ctx: &mut Ctx<'_, Replication<C>>) {
        ctx.set_timer(Self::INTERVAL, Tick::Gossip);
        self.report(ctx, true);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Replication<C>>, _: NodeId, msg: Message<C>) {
        let Message::State(theirs) = msg;
        let before = self.state().clone();
        self.state().merge(&theirs);
        let changed = *self.state() != before;
        self.report(ctx, changed);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Replication<C>>, _: Tick) {
        let state = self.state().clone();
        if ctx.now() < self.spread_from {
            if let Some(peer) = ctx.rng().pick(&self.peers).copied() {
                ctx.send(peer, Message::State(state));
            }
        } else {
            for peer in &self.peers {
                ctx.send(*peer, Message::State(state.clone()));
            }
        }
        ctx.set_timer(Self::INTERVAL, Tick::Gossip);
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, Replication<C>>, id: RequestId, r: Request<C::Op>) {
        let Request::Update(op) = r;
        let before = self.state().clone();
        let me = self.me;
        self.state().update(me, &op);
        let after = self.state().clone();
        ctx.output(Observation::Updated { before: before.clone(), after: after.clone() });
        ctx.reply(id, Response::Done);
        self.report(ctx, after != before);
    }
}
