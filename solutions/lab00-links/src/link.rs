//! The reference link, in the file a student edits (`labs/lab00-links/src/link.rs`), so
//! that it can be graded as a submission.
//!
//! The sender numbers each receiver's messages 0, 1, 2, ..., keeps every unacknowledged message
//! and retransmits it on its own timer. The receiver delivers in sequence order, holding packets
//! that arrive early, acknowledges cumulatively, and syncs the next sequence number it expects
//! before acknowledging, so a restart neither re-delivers nor waits for the impossible. This is
//! the classic positive-acknowledgement-with-retransmission scheme; TCP adds windows and
//! adaptive timeouts on top of the same idea.

use crate::{Delivery, Links, Packet, ReliableLink, Retransmit, SendRequest, Timing};
use harness::{Ctx, NodeId, Process, RequestId, TimerId};
use std::collections::BTreeMap;

/// The sender's side of one link.
#[derive(Clone, Debug, Default, Hash)]
struct Outgoing {
    /// The sequence number of the next new message.
    next_seq: u64,
    /// Messages sent but not yet acknowledged, with their retransmission timers.
    unacked: BTreeMap<u64, (u64, TimerId)>,
}

/// The receiver's side of one link.
#[derive(Clone, Debug, Default, Hash)]
struct Incoming {
    /// Every message with a smaller sequence number has been delivered (and this is durable).
    next: u64,
    /// Packets that arrived ahead of a gap, waiting for it to fill.
    early: BTreeMap<u64, u64>,
}

/// One node's end of all its links.
#[derive(Clone, Debug, Hash)]
pub struct Link {
    timing: Timing,
    outgoing: BTreeMap<NodeId, Outgoing>,
    incoming: BTreeMap<NodeId, Incoming>,
}

/// The storage key under which a receiver keeps the next sequence number expected from `from`.
fn next_key(from: NodeId) -> String {
    format!("next/{from}")
}

impl ReliableLink for Link {
    fn new(_me: NodeId, timing: Timing) -> Self {
        Link { timing, outgoing: BTreeMap::new(), incoming: BTreeMap::new() }
    }
}

impl Link {
    fn receive_data(&mut self, ctx: &mut Ctx<'_, Links>, from: NodeId, seq: u64, payload: u64) {
        let link = self.incoming.entry(from).or_insert_with(|| Incoming {
            next: ctx.load(&next_key(from)).unwrap_or(0),
            early: BTreeMap::new(),
        });
        if seq >= link.next {
            link.early.insert(seq, payload);
        }
        let before = link.next;
        while let Some(payload) = link.early.remove(&link.next) {
            ctx.output(Delivery { from, payload });
            link.next += 1;
        }
        if link.next != before {
            // Durable before the ack: an ack promises the sender it may forget these messages.
            ctx.save(next_key(from), &link.next);
            ctx.sync();
        }
        // Re-acknowledging a duplicate tells a sender whose earlier ack was lost to stop.
        ctx.send(from, Packet::Ack { next: link.next });
    }

    fn receive_ack(&mut self, ctx: &mut Ctx<'_, Links>, from: NodeId, next: u64) {
        if let Some(link) = self.outgoing.get_mut(&from) {
            let still_unacked = link.unacked.split_off(&next);
            for (_, (_, timer)) in std::mem::replace(&mut link.unacked, still_unacked) {
                ctx.cancel_timer(timer);
            }
        }
    }
}

impl Process<Links> for Link {
    fn on_request(&mut self, ctx: &mut Ctx<'_, Links>, _id: RequestId, request: SendRequest) {
        let SendRequest { to, payload } = request;
        let link = self.outgoing.entry(to).or_default();
        let seq = link.next_seq;
        link.next_seq += 1;
        ctx.send(to, Packet::Data { seq, payload });
        let timer = ctx.set_timer(self.timing.retransmit_after, Retransmit { to, seq });
        link.unacked.insert(seq, (payload, timer));
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Links>, from: NodeId, msg: Packet) {
        match msg {
            Packet::Data { seq, payload } => self.receive_data(ctx, from, seq, payload),
            Packet::Ack { next } => self.receive_ack(ctx, from, next),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Links>, timer: Retransmit) {
        let Retransmit { to, seq } = timer;
        let Some(link) = self.outgoing.get_mut(&to) else {
            return;
        };
        let Some((payload, _)) = link.unacked.get(&seq).copied() else {
            return;
        };
        ctx.send(to, Packet::Data { seq, payload });
        let timer = ctx.set_timer(self.timing.retransmit_after, Retransmit { to, seq });
        link.unacked.insert(seq, (payload, timer));
    }
}
