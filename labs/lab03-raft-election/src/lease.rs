//! Your lease holder: the file you edit for lab 03's part B.
//!
//! Build it from the contract in `src/lease_contract/mod.rs` and the handout
//! (`labs/lab03-raft-election/README.md`):
//!
//! - `on_start` and `on_timer(LeaseTimer::Renew)`: without a lease, ask the lease service for it
//!   (`LeaseMsg::Acquire`); with one, renew it (`LeaseMsg::Renew` with its token) every
//!   `renew_interval`. Note when you sent each request, by `ctx.now()`.
//! - `on_message`: `Granted` makes (or keeps) you the holder. `Refused` means you are not: someone
//!   else holds the lease, your renewal came too late, or you asked to acquire a lease you still
//!   hold (renew it instead).
//! - `on_timer(LeaseTimer::Write)`: write to the storage (`LeaseMsg::Write`, stamped with your
//!   lease's fencing token) only while the lease cannot have expired at the service, judged by
//!   your own drifting clock: measure from when you *sent* the request that was granted, and
//!   leave room for the drift bound (`timing.drift_margin()`) and for the network's longest
//!   delay. Read the clock at each write: a pause may have outlasted the lease.
//!
//! Replace each `todo!()`. Add any fields you need to `Holder`.

use crate::{LeaseMsg, LeaseNode, LeaseTimer, LeaseTiming, Leases};
use harness::{Ctx, NodeId, Process};

/// A node competing for the lease.
#[derive(Debug)]
pub struct Holder {}

impl LeaseNode for Holder {
    fn new(me: NodeId, lease_service: NodeId, storage: NodeId, timing: LeaseTiming) -> Self {
        todo!(
            "lab03 part B: build the Holder for {me} (service {lease_service}, storage {storage}, {timing:?}) in labs/lab03-raft-election/src/lease.rs"
        )
    }
}

impl Process<Leases> for Holder {
    fn on_start(&mut self, ctx: &mut Ctx<'_, Leases>) {
        todo!(
            "lab03 part B: Holder::on_start for {} in labs/lab03-raft-election/src/lease.rs",
            ctx.id()
        )
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Leases>, from: NodeId, msg: LeaseMsg) {
        todo!(
            "lab03 part B: Holder::on_message {msg:?} from {from} at {} in labs/lab03-raft-election/src/lease.rs",
            ctx.id()
        )
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Leases>, timer: LeaseTimer) {
        todo!(
            "lab03 part B: Holder::on_timer {timer:?} at {} in labs/lab03-raft-election/src/lease.rs",
            ctx.id()
        )
    }
}
