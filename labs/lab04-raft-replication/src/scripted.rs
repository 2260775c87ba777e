//! A scripted peer: a harness-provided process that sends Raft messages on a fixed script and
//! answers nothing, to force the exact interleaving that exposes a classic bug (the peer plays,
//! for example, the server S5 of the Raft paper's figure 8).

use crate::{Message, RaftKv, Timer};
use harness::{Ctx, Duration, NodeId, Process, Time};

/// A peer that sends scripted messages at fixed times and is otherwise silent.
#[derive(Clone, Debug)]
pub struct ScriptedPeer {
    /// (when, to whom, what), in time order.
    pub sends: Vec<(Time, NodeId, Message)>,
}

impl Process<RaftKv> for ScriptedPeer {
    fn on_start(&mut self, ctx: &mut Ctx<'_, RaftKv>) {
        // Timers count from the start; the tag is unused, so the script's order carries them.
        for (at, _, _) in &self.sends {
            ctx.set_timer(Duration(at.as_micros()), Timer::Heartbeat);
        }
        self.sends.reverse();
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, RaftKv>, _: Timer) {
        if let Some((_, to, msg)) = self.sends.pop() {
            ctx.send(to, msg);
        }
    }

    fn on_message(&mut self, _: &mut Ctx<'_, RaftKv>, _: NodeId, _: Message) {}
}
