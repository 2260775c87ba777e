//! Part A's server, provided by the harness: it answers every attempt of every call, sometimes
//! slowly. Its other failures (crashes, lost requests and replies) are the scenario's faults.

use crate::{FailureDetection, Msg, RetryTiming, Timer};
use harness::{Ctx, Duration, NodeId, Prob, Process};
use std::collections::BTreeSet;

/// A server that answers `Msg::Call` with `Msg::Reply` for the same call and attempt: at once,
/// or, on a `slow` share of attempts, after a delay between half an attempt timeout and two
/// (so the client has often retried before the answer arrives).
///
/// It remembers in memory which calls it has executed, to note duplicates in the trace: a retry
/// of a call whose reply was lost is executed a second time unless the server deduplicates, and
/// this memory is lost in a crash. That is why calls carry ids.
#[derive(Debug)]
pub struct FlakyServer {
    timing: RetryTiming,
    slow: Prob,
    executed: BTreeSet<(NodeId, u64)>,
}

impl FlakyServer {
    /// A server that answers a `slow` share of attempts late.
    pub fn new(timing: RetryTiming, slow: Prob) -> Self {
        FlakyServer { timing, slow, executed: BTreeSet::new() }
    }
}

impl Process<FailureDetection> for FlakyServer {
    fn on_message(&mut self, ctx: &mut Ctx<'_, FailureDetection>, from: NodeId, msg: Msg) {
        let Msg::Call { id, attempt } = msg else { return };
        if !self.executed.insert((from, id)) {
            ctx.annotate(format!("call {id} from {from} again (attempt {attempt}): a duplicate"));
        }
        if ctx.rng().chance(self.slow) {
            let t = self.timing.attempt_timeout;
            let delay = ctx.rng().duration_between(Duration(t.as_micros() / 2), t.times(2));
            ctx.set_timer(delay, Timer::SlowReply { client: from, id, attempt });
        } else {
            ctx.send(from, Msg::Reply { id, attempt });
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, FailureDetection>, timer: Timer) {
        if let Timer::SlowReply { client, id, attempt } = timer {
            ctx.send(client, Msg::Reply { id, attempt });
        }
    }
}
