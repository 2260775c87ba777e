//! The harness's glue around a chain node: after every handler it reports each write the node
//! newly applied to its [`Store`](crate::Store) as an [`Event::Applied`], which is what the
//! properties see of a node's state.

use crate::{ChainKv, ChainNode, Event, KvOp, Message, Seq, Timer};
use harness::{Ctx, NodeId, Process, RequestId};

/// A chain node and the seq of the last write reported for it.
#[derive(Debug)]
pub struct Replica<N> {
    node: N,
    reported: Seq,
}

impl<N: ChainNode> Replica<N> {
    /// Wraps `node`.
    pub fn new(node: N) -> Self {
        Replica { node, reported: 0 }
    }

    fn report(&mut self, ctx: &mut Ctx<'_, ChainKv>) {
        for write in self.node.store().writes_after(self.reported) {
            ctx.output(Event::Applied(write.clone()));
        }
        self.reported = self.node.store().last_seq();
    }
}

impl<N: ChainNode> Process<ChainKv> for Replica<N> {
    fn on_start(&mut self, ctx: &mut Ctx<'_, ChainKv>) {
        self.node.on_start(ctx);
        self.report(ctx);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, ChainKv>, from: NodeId, msg: Message) {
        self.node.on_message(ctx, from, msg);
        self.report(ctx);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, ChainKv>, timer: Timer) {
        self.node.on_timer(ctx, timer);
        self.report(ctx);
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, ChainKv>, id: RequestId, request: KvOp) {
        self.node.on_request(ctx, id, request);
        self.report(ctx);
    }
}
