//! The reference Raft election, in the file a student edits (`labs/lab03-raft-election/src/
//! election.rs`), so that it can be graded as a submission.
//!
//! Followers that hear nothing from a leader for a randomized timeout first ask for pre-votes
//! (Ongaro, 2014, section 9.6): only if a majority would vote for them do they raise their term
//! and campaign (section 5.2). A leader that has not heard from a majority within an election
//! timeout steps down (CheckQuorum, section 6.2). Term and vote are synced before any message that depends
//! on them leaves the node.

use crate::{Message, Raft, RaftNode, Role, Term, Timer, Timing};
use harness::{Ctx, NodeId, Process, Time, TimerId};
use std::collections::BTreeSet;

/// The storage key of the durable (term, vote).
const STATE: &str = "raft/state";

/// A Raft node: its durable state, its role, and the timers that drive it.
#[derive(Debug)]
pub struct Node {
    me: NodeId,
    peers: Vec<NodeId>,
    timing: Timing,
    term: Term,
    voted_for: Option<NodeId>,
    role: Role,
    /// Pre-votes (while a pre-candidate) or votes (while a candidate) received, self included.
    votes: BTreeSet<NodeId>,
    /// Whether the node is asking for pre-votes rather than votes.
    pre_candidate: bool,
    /// When this node last heard from a leader of its term (by its own clock).
    leader_contact: Option<Time>,
    /// As leader: the peers that answered since the last quorum check.
    answered: BTreeSet<NodeId>,
    election_timer: Option<TimerId>,
    heartbeat_timer: Option<TimerId>,
}

impl RaftNode for Node {
    fn new(me: NodeId, peers: Vec<NodeId>, timing: Timing) -> Self {
        Node {
            me,
            peers,
            timing,
            term: 0,
            voted_for: None,
            role: Role::Follower,
            votes: BTreeSet::new(),
            pre_candidate: false,
            leader_contact: None,
            answered: BTreeSet::new(),
            election_timer: None,
            heartbeat_timer: None,
        }
    }
}

impl Node {
    fn majority(&self) -> usize {
        let cluster = self.peers.len() + 1;
        cluster / 2 + 1
    }

    /// Makes the term and vote durable; callers do this before sending anything that depends on
    /// them.
    fn persist(&self, ctx: &mut Ctx<'_, Raft>) {
        ctx.save(STATE, &(self.term, self.voted_for));
        ctx.sync();
    }

    fn set_role(&mut self, ctx: &mut Ctx<'_, Raft>, role: Role) {
        if self.role != role {
            self.role = role;
            ctx.output((self.term, role));
        }
    }

    /// A fresh randomized election timeout (or, for a leader, the next quorum check).
    fn reset_election_timer(&mut self, ctx: &mut Ctx<'_, Raft>) {
        if let Some(t) = self.election_timer.take() {
            ctx.cancel_timer(t);
        }
        let t = self.timing.election_timeout;
        let after = ctx.rng().duration_between(t, t.times(2) - harness::Duration(1));
        self.election_timer = Some(ctx.set_timer(after, Timer::Election));
    }

    /// Adopts a higher term seen anywhere, as a follower with no vote in it.
    fn observe_term(&mut self, ctx: &mut Ctx<'_, Raft>, term: Term) {
        if term > self.term {
            self.term = term;
            self.voted_for = None;
            self.persist(ctx);
            self.become_follower(ctx);
        }
    }

    fn become_follower(&mut self, ctx: &mut Ctx<'_, Raft>) {
        if let Some(t) = self.heartbeat_timer.take() {
            ctx.cancel_timer(t);
        }
        self.pre_candidate = false;
        self.votes.clear();
        if self.role == Role::Leader {
            // The leader's timer was a quorum check; a follower needs an election timeout.
            self.reset_election_timer(ctx);
        }
        self.set_role(ctx, Role::Follower);
    }

    fn ask_for(&mut self, ctx: &mut Ctx<'_, Raft>, term: Term, pre_vote: bool) {
        self.votes = BTreeSet::from([self.me]);
        for &p in &self.peers {
            ctx.send(
                p,
                Message::RequestVote { term, last_log_index: 0, last_log_term: 0, pre_vote },
            );
        }
        self.check_votes(ctx);
    }

    fn start_pre_vote(&mut self, ctx: &mut Ctx<'_, Raft>) {
        self.pre_candidate = true;
        self.reset_election_timer(ctx);
        self.ask_for(ctx, self.term + 1, true);
    }

    fn start_election(&mut self, ctx: &mut Ctx<'_, Raft>) {
        self.pre_candidate = false;
        self.term += 1;
        self.voted_for = Some(self.me);
        self.persist(ctx);
        self.set_role(ctx, Role::Candidate);
        self.reset_election_timer(ctx);
        self.ask_for(ctx, self.term, false);
    }

    fn check_votes(&mut self, ctx: &mut Ctx<'_, Raft>) {
        if self.votes.len() < self.majority() {
            return;
        }
        if self.pre_candidate {
            self.start_election(ctx);
        } else if self.role == Role::Candidate {
            self.become_leader(ctx);
        }
    }

    fn become_leader(&mut self, ctx: &mut Ctx<'_, Raft>) {
        self.set_role(ctx, Role::Leader);
        self.answered.clear();
        self.send_heartbeats(ctx);
        self.reset_election_timer(ctx);
    }

    fn send_heartbeats(&mut self, ctx: &mut Ctx<'_, Raft>) {
        for &p in &self.peers {
            ctx.send(p, Message::heartbeat(self.term));
        }
        self.heartbeat_timer =
            Some(ctx.set_timer(self.timing.heartbeat_interval, Timer::Heartbeat));
    }

    /// Whether a leader was heard from within the minimum election timeout: then a pre-vote is
    /// refused, so a node returning from a partition cannot unseat a healthy leader.
    fn leader_is_fresh(&self, ctx: &Ctx<'_, Raft>) -> bool {
        self.role == Role::Leader
            || self
                .leader_contact
                .is_some_and(|t| ctx.now().since(t) < self.timing.election_timeout)
    }

    fn on_request_vote(
        &mut self,
        ctx: &mut Ctx<'_, Raft>,
        from: NodeId,
        term: Term,
        pre_vote: bool,
    ) {
        if pre_vote {
            let granted = term > self.term && !self.leader_is_fresh(ctx);
            let term = if granted { term } else { self.term };
            ctx.send(from, Message::Vote { term, granted, pre_vote: true });
            return;
        }
        self.observe_term(ctx, term);
        let granted = term == self.term && self.voted_for.is_none_or(|v| v == from);
        if granted && self.voted_for.is_none() {
            self.voted_for = Some(from);
            self.persist(ctx);
        }
        if granted {
            self.reset_election_timer(ctx);
        }
        ctx.send(from, Message::Vote { term: self.term, granted, pre_vote: false });
    }

    fn on_vote(
        &mut self,
        ctx: &mut Ctx<'_, Raft>,
        from: NodeId,
        term: Term,
        granted: bool,
        pre_vote: bool,
    ) {
        if pre_vote {
            if self.pre_candidate && granted && term == self.term + 1 {
                self.votes.insert(from);
                self.check_votes(ctx);
            } else if !granted {
                self.observe_term(ctx, term);
            }
            return;
        }
        self.observe_term(ctx, term);
        if self.role == Role::Candidate && term == self.term && granted {
            self.votes.insert(from);
            self.check_votes(ctx);
        }
    }

    fn on_append_entries(&mut self, ctx: &mut Ctx<'_, Raft>, from: NodeId, term: Term) {
        self.observe_term(ctx, term);
        if term < self.term {
            ctx.send(
                from,
                Message::AppendEntriesReply { term: self.term, success: false, match_index: 0 },
            );
            return;
        }
        // A valid leader of this term: follow it.
        self.become_follower(ctx);
        self.leader_contact = Some(ctx.now());
        self.reset_election_timer(ctx);
        ctx.send(
            from,
            Message::AppendEntriesReply { term: self.term, success: true, match_index: 0 },
        );
    }
}

impl Process<Raft> for Node {
    fn on_start(&mut self, ctx: &mut Ctx<'_, Raft>) {
        if let Some((term, vote)) = ctx.load::<(Term, Option<NodeId>)>(STATE) {
            self.term = term;
            self.voted_for = vote;
        }
        ctx.output((self.term, Role::Follower));
        self.reset_election_timer(ctx);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Raft>, from: NodeId, msg: Message) {
        match msg {
            Message::RequestVote { term, pre_vote, .. } => {
                self.on_request_vote(ctx, from, term, pre_vote)
            }
            Message::Vote { term, granted, pre_vote } => {
                self.on_vote(ctx, from, term, granted, pre_vote)
            }
            Message::AppendEntries { term, .. } => self.on_append_entries(ctx, from, term),
            Message::AppendEntriesReply { term, .. } => {
                self.observe_term(ctx, term);
                if self.role == Role::Leader && term == self.term {
                    self.answered.insert(from);
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Raft>, timer: Timer) {
        match timer {
            Timer::Heartbeat if self.role == Role::Leader => self.send_heartbeats(ctx),
            Timer::Heartbeat => {}
            Timer::Election if self.role == Role::Leader => {
                // CheckQuorum: a leader that a majority no longer answers steps down.
                if self.answered.len() + 1 < self.majority() {
                    self.become_follower(ctx);
                } else {
                    self.answered.clear();
                    self.reset_election_timer(ctx);
                }
            }
            Timer::Election => self.start_pre_vote(ctx),
        }
    }
}
