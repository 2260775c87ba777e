//! Your reliable link: the only file you edit in lab 00.
//!
//! Every node runs one `Link`. It is the sender of every link to its peers and the receiver of
//! every link from them. Build it from the contract in `src/lib.rs` and the handout
//! (`labs/lab00-links/README.md`):
//!
//! - `on_request`: the application asks to send `payload` to `to`. Number the message (each
//!   receiver's messages count 0, 1, 2, ...), send `Packet::Data`, keep it until it is
//!   acknowledged, and retransmit it every `timing.retransmit_after` until then.
//! - `on_message` with `Packet::Data`: deliver in order with `ctx.output(Delivery { .. })`,
//!   exactly once, holding packets that arrive early; then acknowledge with `Packet::Ack`.
//!   Remember what you delivered in durable storage (`ctx.save`, then `ctx.sync()`), because a
//!   receiver may crash and restart.
//! - `on_message` with `Packet::Ack`: forget (and stop retransmitting) what it covers.
//! - `on_timer`: a retransmission timer fired.
//! - `on_start`: runs at the start and after a restart, with a fresh `Link`: what you saved
//!   is all it remembers (read it back here, or when you first need it).
//!
//! Replace each `todo!()` below. Add any fields you need to `Link`, and keep its `derive`: the
//! search scenario copies nodes and hashes their state (see `ReliableLink` in `src/lib.rs`).

use crate::{Links, ReliableLink, Retransmit, SendRequest, Timing};
use harness::{Ctx, NodeId, Process, RequestId};

/// One node's end of all its links.
#[derive(Clone, Debug, Hash)]
pub struct Link {}

impl ReliableLink for Link {
    fn new(me: NodeId, timing: Timing) -> Self {
        todo!("lab00: build the Link for {me} (timing {timing:?}) in labs/lab00-links/src/link.rs")
    }
}

impl Process<Links> for Link {
    fn on_start(&mut self, ctx: &mut Ctx<'_, Links>) {
        todo!("lab00: Link::on_start for {} in labs/lab00-links/src/link.rs", ctx.id())
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, Links>, id: RequestId, request: SendRequest) {
        todo!(
            "lab00: Link::on_request {id} {request:?} at {} in labs/lab00-links/src/link.rs",
            ctx.id()
        )
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Links>, from: NodeId, msg: crate::Packet) {
        todo!(
            "lab00: Link::on_message {msg:?} from {from} at {} in labs/lab00-links/src/link.rs",
            ctx.id()
        )
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Links>, timer: Retransmit) {
        todo!("lab00: Link::on_timer {timer:?} at {} in labs/lab00-links/src/link.rs", ctx.id())
    }
}
