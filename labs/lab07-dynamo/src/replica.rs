//! The harness's glue around a storage node: it recovers the node's [`Store`] from durable
//! storage at every start, builds the node, and after every handler writes what changed in the
//! store to durable storage, syncs, and reports it as [`Event::Stored`] and [`Event::Hinted`]
//! outputs, which are what the properties see of a node's state.

use crate::store::Change;
use crate::{Config, DynamoKv, DynamoNode, Event, Message, Request, Store, Timer};
use harness::{Ctx, NodeId, Process, RequestId};

/// A storage node, built at each start from the recovered store.
#[derive(Debug)]
pub struct Replica<N> {
    config: Config,
    node: Option<N>,
}

impl<N: DynamoNode> Replica<N> {
    /// The glue for a node of `config` (built in `on_start`).
    pub fn new(config: Config) -> Self {
        Replica { config, node: None }
    }

    fn report(&mut self, ctx: &mut Ctx<'_, DynamoKv>) {
        let Some(node) = self.node.as_mut() else { return };
        let store = node.store();
        let changes = store.take_changes();
        if changes.is_empty() {
            return;
        }
        store.persist(ctx, &changes);
        for change in changes {
            match change {
                Change::Data(key) => {
                    let siblings = store.get(&key).to_vec();
                    ctx.output(Event::Stored { key, siblings });
                }
                Change::Hint(home, key) => {
                    let siblings = store.hint(home, &key).to_vec();
                    ctx.output(Event::Hinted { home, key, siblings });
                }
                Change::Counter => {}
            }
        }
    }
}

impl<N: DynamoNode> Process<DynamoKv> for Replica<N> {
    fn on_start(&mut self, ctx: &mut Ctx<'_, DynamoKv>) {
        let store = Store::recover(ctx);
        let node = self.node.insert(N::new(ctx.id(), self.config.clone(), store));
        node.on_start(ctx);
        self.report(ctx);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, DynamoKv>, from: NodeId, msg: Message) {
        if let Some(node) = self.node.as_mut() {
            node.on_message(ctx, from, msg);
        }
        self.report(ctx);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, DynamoKv>, timer: Timer) {
        if let Some(node) = self.node.as_mut() {
            node.on_timer(ctx, timer);
        }
        self.report(ctx);
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, DynamoKv>, id: RequestId, request: Request) {
        if let Some(node) = self.node.as_mut() {
            node.on_request(ctx, id, request);
        }
        self.report(ctx);
    }
}
