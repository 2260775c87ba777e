//! Parts B and C: your storage node. Any node coordinates a client's request; the handout
//! (`labs/lab07-dynamo/README.md`) says what each part adds.

use crate::{Config, DynamoKv, DynamoNode, Message, Request, Store, Timer};
use harness::{Ctx, NodeId, Process, RequestId};

/// A storage node.
#[derive(Debug)]
pub struct Node {
    store: Store,
}

impl DynamoNode for Node {
    fn new(me: NodeId, config: Config, store: Store) -> Self {
        let _ = (me, config);
        Node { store }
    }

    fn store(&mut self) -> &mut Store {
        &mut self.store
    }
}

impl Process<DynamoKv> for Node {
    fn on_start(&mut self, ctx: &mut Ctx<'_, DynamoKv>) {
        let _ = ctx;
        todo!("lab07: arm your handoff and anti-entropy timers")
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, DynamoKv>, id: RequestId, request: Request) {
        let _ = (ctx, id, request);
        todo!("lab07: coordinate the request: send it to the key's N replicas")
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, DynamoKv>, from: NodeId, msg: Message) {
        let _ = (ctx, from, msg);
        todo!("lab07: store, answer, count answers, repair, hand off, compare Merkle trees")
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, DynamoKv>, timer: Timer) {
        let _ = (ctx, timer);
        todo!("lab07: give up or turn to stand-ins, hand hints back, start an exchange")
    }
}
