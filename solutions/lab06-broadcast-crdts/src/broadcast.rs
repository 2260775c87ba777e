//! Part A: a node that broadcasts best-effort, eager-reliable or by gossip (the three protocols
//! of Cachin, Guerraoui and Rodrigues, "Introduction to Reliable and Secure Distributed
//! Programming", 2011, chapter 3; gossip as in Kermarrec, Massoulié and Ganesh, 2003).

use crate::{Bcast, Broadcaster, Delivery, Kind, Rumor};
use harness::{Ctx, NodeId, Process, RequestId};
use std::collections::BTreeSet;

/// A broadcasting node.
#[derive(Debug)]
pub struct Node {
    me: NodeId,
    nodes: usize,
    kind: Kind,
    /// How many broadcasts this node has made.
    sent: u64,
    /// Every (origin, seq) delivered: a message is delivered and relayed once.
    delivered: BTreeSet<(NodeId, u64)>,
}

impl Broadcaster for Node {
    fn new(me: NodeId, nodes: usize, kind: Kind) -> Self {
        Node { me, nodes, kind, sent: 0, delivered: BTreeSet::new() }
    }
}

impl Node {
    fn others(&self) -> Vec<NodeId> {
        (0..self.nodes as u32).map(NodeId).filter(|n| *n != self.me).collect()
    }

    /// Sends `rumor` on as the protocol says: to everyone, or to `fanout` random peers.
    fn push(&self, ctx: &mut Ctx<'_, Bcast>, rumor: &Rumor) {
        let mut targets = self.others();
        if let Kind::Gossip { fanout, .. } = self.kind {
            ctx.rng().shuffle(&mut targets);
            targets.truncate(fanout);
        }
        for to in targets {
            ctx.send(to, rumor.clone());
        }
    }
}

impl Process<Bcast> for Node {
    fn on_request(&mut self, ctx: &mut Ctx<'_, Bcast>, _: RequestId, (): ()) {
        self.sent += 1;
        let rumor = Rumor { origin: self.me, seq: self.sent, hops: 1 };
        self.delivered.insert((self.me, self.sent));
        ctx.output(Delivery::Delivered { origin: self.me, seq: self.sent });
        self.push(ctx, &rumor);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Bcast>, _: NodeId, rumor: Rumor) {
        if !self.delivered.insert((rumor.origin, rumor.seq)) {
            return;
        }
        ctx.output(Delivery::Delivered { origin: rumor.origin, seq: rumor.seq });
        match self.kind {
            Kind::BestEffort => {}
            Kind::EagerReliable => {
                let others: Vec<NodeId> =
                    self.others().into_iter().filter(|n| *n != rumor.origin).collect();
                for to in others {
                    ctx.send(to, rumor.clone());
                }
            }
            Kind::Gossip { rounds, .. } => {
                if rumor.hops < rounds {
                    self.push(ctx, &Rumor { hops: rumor.hops + 1, ..rumor });
                }
            }
        }
    }
}
