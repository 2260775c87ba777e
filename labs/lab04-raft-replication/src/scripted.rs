//! A scripted peer: a harness-provided process that sends Raft messages on a fixed script and
//! answers by fixed rules, to force the exact interleaving that exposes a classic bug (the peer plays,
//! for example, the server S5 of the Raft paper's figure 8).

use crate::{Message, RaftKv, Timer};
use harness::{Ctx, Duration, NodeId, Process, Time};

/// A peer that sends scripted messages at fixed times, and answers by fixed rules.
#[derive(Clone, Debug, Default)]
pub struct ScriptedPeer {
    /// (when, to whom, what), in time order.
    pub sends: Vec<(Time, NodeId, Message)>,
    /// Whether it grants every (pre-)vote it is asked for; otherwise it stays silent.
    pub grants_votes: bool,
    /// Whether it refuses every AppendEntries as if its log were empty; otherwise it stays
    /// silent.
    pub refuses_appends: bool,
    /// How far above the request's term its refusals are (0: in the request's term).
    pub refusal_term_above: crate::Term,
    /// The (conflict_term, conflict_index) its refusals name; `None`: those of an empty log,
    /// (None, 1).
    pub refusal_hint: Option<(Option<crate::Term>, crate::Index)>,
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

    fn on_message(&mut self, ctx: &mut Ctx<'_, RaftKv>, from: NodeId, msg: Message) {
        let reply = match msg {
            Message::RequestVote { term, pre_vote, .. } if self.grants_votes => {
                Message::Vote { term, granted: true, pre_vote }
            }
            Message::AppendEntries { term, .. } if self.refuses_appends => {
                Message::AppendEntriesReply {
                    term: term + self.refusal_term_above,
                    success: false,
                    match_index: 0,
                    conflict_term: self.refusal_hint.and_then(|(t, _)| t),
                    conflict_index: self.refusal_hint.map_or(1, |(_, i)| i),
                }
            }
            _ => return,
        };
        ctx.send(from, reply);
    }
}
