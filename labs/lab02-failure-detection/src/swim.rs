//! Part C: your SWIM failure detector. This is the only file you edit for part C.
//!
//! Each protocol period a member pings the next member of a shuffled round-robin order; if no
//! ack comes within `ping_timeout` it asks `indirect` other members to ping the target for it,
//! and it suspects the target only if no ack, direct or forwarded, arrives within the period
//! (Das, Gupta and Motivala, 2002). The rules are on `SwimDetector` in `src/lib.rs` and in the
//! handout (`labs/lab02-failure-detection/README.md`, part C):
//!
//! - `on_start`: shuffle the other members into the round-robin order (`ctx.rng().shuffle`),
//!   probe the first, and set the `Timer::Period`.
//! - `on_timer(Period)`: conclude the current probe (suspect its target if no ack came), then
//!   probe the next member; reshuffle when the order has been walked through.
//! - `on_timer(ProbeTimeout)`: no ack yet? Send `PingReq` to `indirect` random helpers.
//! - `on_message`: answer `Ping` with `Ack`; relay `PingReq` with a `Ping` of your own and
//!   forward the target's `Ack`; note the acks for your own probe; restore a suspected member
//!   on any sign of life.
//!
//! Replace each `todo!()` below. Add the fields you need to `Detector`.

use crate::{FailureDetection, Msg, SwimDetector, SwimTiming, Timer};
use harness::{Ctx, NodeId, Process};

/// A SWIM-style probing failure detector.
#[derive(Debug)]
pub struct Detector {}

impl SwimDetector for Detector {
    fn new(me: NodeId, members: usize, timing: SwimTiming) -> Self {
        todo!(
            "lab02 part C: build the Detector {me} of {members} members ({timing:?}) in \
             labs/lab02-failure-detection/src/swim.rs"
        )
    }
}

impl Process<FailureDetection> for Detector {
    fn on_start(&mut self, ctx: &mut Ctx<'_, FailureDetection>) {
        todo!(
            "lab02 part C: Detector::on_start at {} in labs/lab02-failure-detection/src/swim.rs",
            ctx.id()
        )
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, FailureDetection>, from: NodeId, msg: Msg) {
        todo!(
            "lab02 part C: Detector::on_message {msg:?} from {from} at {} in \
             labs/lab02-failure-detection/src/swim.rs",
            ctx.id()
        )
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, FailureDetection>, timer: Timer) {
        todo!(
            "lab02 part C: Detector::on_timer {timer:?} at {} in \
             labs/lab02-failure-detection/src/swim.rs",
            ctx.id()
        )
    }
}
