//! Part A's reference client, in the file a student edits
//! (`labs/lab02-failure-detection/src/retry.rs`).

use crate::{Call, CallResult, FailureDetection, Msg, RetryClient, RetryTiming, Timer};
use harness::{Ctx, Duration, NodeId, Process, RequestId, TimerId};
use std::collections::BTreeMap;

/// A call in progress: the attempt it is on, and the one timer that will move it on (the
/// attempt's timeout, or the backoff before the next attempt). Cancelling that timer when the
/// reply arrives is what keeps a finished call from being retried.
#[derive(Debug)]
struct OpenCall {
    attempt: u32,
    timer: TimerId,
}

/// A client that retries with capped exponential backoff and full jitter: after attempt k times
/// out it waits a uniform random time in `[0, min(cap, base·2^k)]`. Drawing from the whole
/// envelope spreads clients that failed together across it, so they do not return in lockstep.
#[derive(Debug)]
pub struct Client {
    server: NodeId,
    timing: RetryTiming,
    open: BTreeMap<u64, OpenCall>,
}

impl RetryClient for Client {
    fn new(_me: NodeId, server: NodeId, timing: RetryTiming) -> Self {
        Client { server, timing, open: BTreeMap::new() }
    }
}

impl Client {
    /// Sends `attempt` of call `id` and starts waiting for its reply.
    fn send_attempt(&mut self, ctx: &mut Ctx<'_, FailureDetection>, id: u64, attempt: u32) {
        ctx.send(self.server, Msg::Call { id, attempt });
        let timer =
            ctx.set_timer(self.timing.attempt_timeout, Timer::AttemptTimeout { id, attempt });
        self.open.insert(id, OpenCall { attempt, timer });
    }
}

impl Process<FailureDetection> for Client {
    fn on_request(&mut self, ctx: &mut Ctx<'_, FailureDetection>, id: RequestId, _: Call) {
        self.send_attempt(ctx, id.0, 0);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, FailureDetection>, _from: NodeId, msg: Msg) {
        // A reply to any attempt answers the call: a slow server may answer an earlier one.
        if let Msg::Reply { id, .. } = msg {
            if let Some(call) = self.open.remove(&id) {
                ctx.cancel_timer(call.timer);
                ctx.reply(RequestId(id), CallResult::Done);
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, FailureDetection>, timer: Timer) {
        match timer {
            Timer::AttemptTimeout { id, attempt } => {
                if self.open.get(&id).is_none_or(|c| c.attempt != attempt) {
                    return;
                }
                if attempt + 1 >= self.timing.max_attempts {
                    self.open.remove(&id);
                    ctx.reply(RequestId(id), CallResult::GaveUp);
                    return;
                }
                let envelope = self.timing.envelope(attempt);
                let wait = Duration(ctx.rng().between(0, envelope.as_micros()));
                let next = attempt + 1;
                let timer = ctx.set_timer(wait, Timer::Backoff { id, attempt: next });
                self.open.insert(id, OpenCall { attempt: next, timer });
            }
            Timer::Backoff { id, attempt }
                if self.open.get(&id).is_some_and(|c| c.attempt == attempt) =>
            {
                self.send_attempt(ctx, id, attempt);
            }
            _ => {}
        }
    }
}
