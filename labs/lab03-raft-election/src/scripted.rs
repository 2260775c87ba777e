//! A scripted peer: a harness-provided process that speaks Raft's messages on a fixed script,
//! to force the exact interleaving that exposes a classic bug.

use crate::{Message, Raft};
use harness::{Ctx, Duration, NodeId, Process, Time};

/// How a scripted peer answers a RequestVote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// It stays silent.
    Nothing,
    /// It grants pre-votes, and refuses real votes with a term this much higher than asked.
    RefuseWithHigherTerm(u64),
    /// It grants pre-votes, and answers a real vote request of term t with a grant of term
    /// t - 1: the late answer to an earlier campaign, which must not count in this one.
    GrantInOlderTerm,
}

/// A peer that sends scripted messages at fixed times and answers votes by rule.
#[derive(Clone, Debug)]
pub struct ScriptedPeer {
    /// (when, to whom, what).
    pub sends: Vec<(Time, NodeId, Message)>,
    /// How it answers a RequestVote.
    pub answer: Answer,
}

impl Process<Raft> for ScriptedPeer {
    fn on_start(&mut self, ctx: &mut Ctx<'_, Raft>) {
        // Timers count from the start; the timer tag is unused, so the index rides in the order.
        for (at, _, _) in &self.sends {
            ctx.set_timer(Duration(at.as_micros()), crate::Timer::Heartbeat);
        }
        self.sends.reverse();
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Raft>, _timer: crate::Timer) {
        if let Some((_, to, msg)) = self.sends.pop() {
            ctx.send(to, msg);
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Raft>, from: NodeId, msg: Message) {
        let Message::RequestVote { term, pre_vote, .. } = msg else { return };
        let reply = match (self.answer, pre_vote) {
            (Answer::Nothing, _) => return,
            (_, true) => Message::Vote { term, granted: true, pre_vote: true },
            (Answer::RefuseWithHigherTerm(more), false) => {
                Message::Vote { term: term + more, granted: false, pre_vote: false }
            }
            (Answer::GrantInOlderTerm, false) => {
                Message::Vote { term: term - 1, granted: true, pre_vote: false }
            }
        };
        ctx.send(from, reply);
    }
}
