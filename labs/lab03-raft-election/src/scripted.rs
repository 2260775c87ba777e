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
    /// It grants pre-votes, and answers a real vote request of term t with an `AppendEntries`
    /// of term t, as the leader of that term.
    LeadTheTerm,
    /// It grants pre-votes, and grants a real vote request this long after it arrives.
    GrantLate(Duration),
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
        // Timers count from the start; the timer tag is unused: sends are kept latest first and
        // each timer sends the earliest.
        for (at, _, _) in &self.sends {
            ctx.set_timer(Duration(at.as_micros()), crate::Timer::Heartbeat);
        }
        self.sends.reverse();
        self.sends.sort_by_key(|(at, _, _)| std::cmp::Reverse(*at));
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
            (Answer::LeadTheTerm, false) => Message::heartbeat(term),
            (Answer::GrantLate(after), false) => {
                let at = ctx.now() + after;
                let reply = Message::Vote { term, granted: true, pre_vote: false };
                let place = self.sends.partition_point(|(t, _, _)| *t > at);
                self.sends.insert(place, (at, from, reply));
                ctx.set_timer(after, crate::Timer::Heartbeat);
                return;
            }
        };
        ctx.send(from, reply);
    }
}
