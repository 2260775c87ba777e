//! Part B: your heartbeat detector. This is the only file you edit for part B.
//!
//! Every member heartbeats every other member and suspects a member whose next heartbeat is
//! overdue, with the adaptive timeout of Chen, Toueg and Aguilera (2002). The rules are on
//! `HeartbeatDetector` in `src/lib.rs` and in the handout
//! (`labs/lab02-failure-detection/README.md`, part B):
//!
//! - `on_start`: bump and persist the incarnation number (`ctx.load`, `ctx.save`, `ctx.sync`),
//!   send heartbeat 0 to every other member, and schedule the next `Timer::Beat`.
//! - `on_timer(Beat)`: send the heartbeat due now to every other member; schedule the next.
//! - `on_message(Msg::Heartbeat)`: accept it if it is newer than every heartbeat accepted from
//!   that member; update the member's window; restore the member if you suspected it; work out
//!   its next freshness point (a `Timer::Check` is one way to act on it).
//! - When a member's freshness point passes with no newer heartbeat: `ctx.output(Suspect(q))`.
//!
//! Replace each `todo!()` below. Add the fields you need to `Detector`.

use crate::{FailureDetection, HeartbeatDetector, HeartbeatTiming, Msg, Timer};
use harness::{Ctx, NodeId, Process};

/// A heartbeat failure detector with an adaptive timeout.
#[derive(Debug)]
pub struct Detector {}

impl HeartbeatDetector for Detector {
    fn new(me: NodeId, members: usize, timing: HeartbeatTiming) -> Self {
        todo!(
            "lab02 part B: build the Detector {me} of {members} members ({timing:?}) in \
             labs/lab02-failure-detection/src/heartbeat.rs"
        )
    }
}

impl Process<FailureDetection> for Detector {
    fn on_start(&mut self, ctx: &mut Ctx<'_, FailureDetection>) {
        todo!(
            "lab02 part B: Detector::on_start at {} in labs/lab02-failure-detection/src/heartbeat.rs",
            ctx.id()
        )
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, FailureDetection>, from: NodeId, msg: Msg) {
        todo!(
            "lab02 part B: Detector::on_message {msg:?} from {from} at {} in \
             labs/lab02-failure-detection/src/heartbeat.rs",
            ctx.id()
        )
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, FailureDetection>, timer: Timer) {
        todo!(
            "lab02 part B: Detector::on_timer {timer:?} at {} in \
             labs/lab02-failure-detection/src/heartbeat.rs",
            ctx.id()
        )
    }
}
