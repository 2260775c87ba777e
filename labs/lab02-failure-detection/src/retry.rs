//! Part A: your retrying client. This is the only file you edit for part A.
//!
//! The workload asks the client to call the server (`on_request` with a `Call`); the client
//! answers the workload with `ctx.reply(id, CallResult::Done)` when a reply arrives, or
//! `CallResult::GaveUp` when the retry budget is spent. The rules are on `RetryClient` in
//! `src/lib.rs` and in the handout (`labs/lab02-failure-detection/README.md`, part A):
//!
//! - `on_request`: send attempt 0 of the call (`Msg::Call { id: id.0, attempt: 0 }`) to the
//!   server at once, and start its `Timer::AttemptTimeout`.
//! - `on_timer(AttemptTimeout)`: no reply yet? Wait a random time in
//!   `[0, timing.envelope(k)]` (a `Timer::Backoff`), then send the next attempt; or give up when
//!   `max_attempts` attempts have failed.
//! - `on_message(Msg::Reply)`: the call is done: answer the workload, and make sure nothing is
//!   sent for it again.
//!
//! Replace each `todo!()` below. Add the fields you need to `Client`.

use crate::{Call, FailureDetection, Msg, RetryClient, RetryTiming, Timer};
use harness::{Ctx, NodeId, Process, RequestId};

/// A client that retries with capped exponential backoff and jitter.
#[derive(Debug)]
pub struct Client {}

impl RetryClient for Client {
    fn new(me: NodeId, server: NodeId, timing: RetryTiming) -> Self {
        todo!(
            "lab02 part A: build the Client {me} calling {server} ({timing:?}) in \
             labs/lab02-failure-detection/src/retry.rs"
        )
    }
}

impl Process<FailureDetection> for Client {
    fn on_request(&mut self, ctx: &mut Ctx<'_, FailureDetection>, id: RequestId, request: Call) {
        todo!(
            "lab02 part A: Client::on_request {id} {request:?} at {} in \
             labs/lab02-failure-detection/src/retry.rs",
            ctx.id()
        )
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, FailureDetection>, from: NodeId, msg: Msg) {
        todo!(
            "lab02 part A: Client::on_message {msg:?} from {from} at {} in \
             labs/lab02-failure-detection/src/retry.rs",
            ctx.id()
        )
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, FailureDetection>, timer: Timer) {
        todo!(
            "lab02 part A: Client::on_timer {timer:?} at {} in \
             labs/lab02-failure-detection/src/retry.rs",
            ctx.id()
        )
    }
}
