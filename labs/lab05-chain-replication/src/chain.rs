//! Your chain node and clerk. Parts A, B and C are all in this file; the handout
//! (`labs/lab05-chain-replication/README.md`) says what each part adds.

use crate::{ChainClerk, ChainKv, ChainNode, KvOp, Message, Reads, Store, Timer, Timing};
use harness::{Ctx, NodeId, Process, RequestId};

/// A replica in the chain.
#[derive(Debug)]
pub struct Node {
    store: Store,
}

impl ChainNode for Node {
    fn new(me: NodeId, control: NodeId, timing: Timing, reads: Reads) -> Self {
        let _ = (me, control, timing, reads);
        Node { store: Store::new() }
    }

    fn store(&self) -> &Store {
        &self.store
    }
}

impl Process<ChainKv> for Node {
    fn on_start(&mut self, ctx: &mut Ctx<'_, ChainKv>) {
        let _ = ctx;
        todo!("lab05: start heartbeating to the control plane and set your resend timer")
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, ChainKv>, from: NodeId, msg: Message) {
        let _ = (ctx, from, msg);
        todo!("lab05: handle configurations, the chain's messages and the clerks' requests")
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, ChainKv>, timer: Timer) {
        let _ = (ctx, timer);
        todo!("lab05: heartbeat, and resend what went unanswered")
    }
}

/// A clerk: a simulated client process.
#[derive(Debug)]
pub struct Clerk {}

impl ChainClerk for Clerk {
    fn new(me: NodeId, control: NodeId, timing: Timing, reads: Reads) -> Self {
        let _ = (me, control, timing, reads);
        Clerk {}
    }
}

impl Process<ChainKv> for Clerk {
    fn on_start(&mut self, ctx: &mut Ctx<'_, ChainKv>) {
        let _ = ctx;
        todo!("lab05: ask the control plane where the chain is")
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, ChainKv>, id: RequestId, op: KvOp) {
        let _ = (ctx, id, op);
        todo!("lab05: send the operation to the head (writes) or to a node that serves reads")
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, ChainKv>, from: NodeId, msg: Message) {
        let _ = (ctx, from, msg);
        todo!("lab05: learn configurations, and answer the harness when your operation is done")
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, ChainKv>, timer: Timer) {
        let _ = (ctx, timer);
        todo!("lab05: retry an operation that went unanswered")
    }
}
