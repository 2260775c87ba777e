//! The reference Raft node, in the file a student edits (`labs/lab04-raft-replication/src/
//! raft.rs`), so that it can be graded as a submission. It continues the lab 03 reference node:
//! the same election with PreVote and CheckQuorum, now comparing logs.
//!
//! - Replication (section 5.3): a leader sends each follower the entries from its `next_index`
//!   and then assumes they arrive (so a heartbeat does not resend entries in flight); a refusal
//!   carries the follower's conflicting term and that term's first index, and the leader backs
//!   up past the whole term at once.
//! - Commitment (section 5.4.2): a leader commits only an entry of its own term by counting
//!   replicas; earlier entries commit with it. There is no no-op entry at election, so the
//!   figure 8 rule is what keeps the log safe.
//! - Durability: term and vote under one key, each entry under its own key and the snapshot
//!   under another, all synced before any message that depends on them.
//! - Compaction (section 7): a snapshot replaces the log's prefix; a follower that needs entries
//!   the leader has discarded gets InstallSnapshot.

use crate::{Apply, Consensus, Entry, Event, Index, Message, RaftKv, Role, Term, Timer, Timing};
use harness::{Ctx, NodeId, Time, TimerId};
use std::collections::{BTreeMap, BTreeSet};

/// The storage key of the durable (term, vote).
const STATE: &str = "raft/state";
/// The storage key of the durable snapshot: (last included index, its term, data).
const SNAPSHOT: &str = "raft/snapshot";

/// The storage key of the log entry at `index`.
fn entry_key(index: Index) -> String {
    format!("raft/log/{index}")
}

/// A Raft node: durable state, log, role, and the leader's view of its followers.
#[derive(Debug)]
pub struct Node {
    me: NodeId,
    peers: Vec<NodeId>,
    timing: Timing,
    term: Term,
    voted_for: Option<NodeId>,
    /// The entries after the snapshot: `log[0]` has index `snap_index + 1`.
    log: Vec<Entry>,
    snap_index: Index,
    snap_term: Term,
    snap_data: String,
    commit_index: Index,
    last_applied: Index,
    /// A snapshot the service must restore before anything else is applied.
    snapshot_to_apply: bool,
    role: Role,
    votes: BTreeSet<NodeId>,
    pre_candidate: bool,
    leader_contact: Option<Time>,
    answered: BTreeSet<NodeId>,
    election_timer: Option<TimerId>,
    heartbeat_timer: Option<TimerId>,
    next_index: BTreeMap<NodeId, Index>,
    match_index: BTreeMap<NodeId, Index>,
    /// Where each follower was last backed up to since the last heartbeat: refusals of the
    /// other AppendEntries in flight name the same place, and need no second resend.
    backed_up: BTreeMap<NodeId, Index>,
}

impl Consensus for Node {
    fn new(me: NodeId, peers: Vec<NodeId>, timing: Timing) -> Self {
        Node {
            me,
            peers,
            timing,
            term: 0,
            voted_for: None,
            log: Vec::new(),
            snap_index: 0,
            snap_term: 0,
            snap_data: String::new(),
            commit_index: 0,
            last_applied: 0,
            snapshot_to_apply: false,
            role: Role::Follower,
            votes: BTreeSet::new(),
            pre_candidate: false,
            leader_contact: None,
            answered: BTreeSet::new(),
            election_timer: None,
            heartbeat_timer: None,
            next_index: BTreeMap::new(),
            match_index: BTreeMap::new(),
            backed_up: BTreeMap::new(),
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, RaftKv>) {
        if let Some((term, vote)) = ctx.load::<(Term, Option<NodeId>)>(STATE) {
            self.term = term;
            self.voted_for = vote;
        }
        if let Some((index, term, data)) = ctx.load::<(Index, Term, String)>(SNAPSHOT) {
            (self.snap_index, self.snap_term, self.snap_data) = (index, term, data);
            // Everything in a snapshot was committed; the service starts from it.
            self.commit_index = index;
            self.last_applied = index;
            self.snapshot_to_apply = true;
        }
        while let Some(entry) = ctx.load::<Entry>(&entry_key(self.last_index() + 1)) {
            self.log.push(entry);
        }
        ctx.output(Event::Role { term: self.term, role: Role::Follower });
        self.reset_election_timer(ctx);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, RaftKv>, from: NodeId, msg: Message) {
        match msg {
            Message::RequestVote { term, last_log_index, last_log_term, pre_vote } => {
                let up_to_date = (last_log_term, last_log_index) >= self.last_entry();
                self.on_request_vote(ctx, from, term, up_to_date, pre_vote)
            }
            Message::Vote { term, granted, pre_vote } => {
                self.on_vote(ctx, from, term, granted, pre_vote)
            }
            Message::AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            } => self.on_append_entries(
                ctx,
                from,
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            ),
            Message::AppendEntriesReply {
                term,
                success,
                match_index,
                conflict_term,
                conflict_index,
            } => {
                self.observe_term(ctx, term);
                if self.role != Role::Leader || term != self.term {
                    return;
                }
                self.answered.insert(from);
                if success {
                    self.on_match(from, match_index);
                } else if conflict_index > 0 {
                    self.back_up(ctx, from, conflict_term, conflict_index);
                }
            }
            Message::InstallSnapshot { term, last_included_index, last_included_term, data } => {
                self.on_install_snapshot(
                    ctx,
                    from,
                    term,
                    last_included_index,
                    last_included_term,
                    data,
                )
            }
            Message::InstallSnapshotReply { term, match_index } => {
                self.observe_term(ctx, term);
                if self.role == Role::Leader && term == self.term {
                    self.answered.insert(from);
                    self.on_match(from, match_index);
                }
            }
            Message::ClerkRequest { .. } | Message::ServerReply { .. } => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, RaftKv>, timer: Timer) {
        match timer {
            Timer::Heartbeat if self.role == Role::Leader => self.broadcast(ctx),
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
            Timer::Heartbeat | Timer::Retry { .. } => {}
        }
    }

    fn propose(&mut self, ctx: &mut Ctx<'_, RaftKv>, command: String) -> Option<(Index, Term)> {
        if self.role != Role::Leader {
            return None;
        }
        let index = self.last_index() + 1;
        let entry = Entry { term: self.term, command };
        ctx.save(entry_key(index), &entry);
        ctx.sync();
        self.log.push(entry);
        for p in self.peers.clone() {
            self.send_append(ctx, p);
        }
        self.advance_commit();
        Some((index, self.term))
    }

    fn next_apply(&mut self) -> Option<Apply> {
        if self.snapshot_to_apply {
            self.snapshot_to_apply = false;
            return Some(Apply::Snapshot {
                index: self.snap_index,
                term: self.snap_term,
                data: self.snap_data.clone(),
            });
        }
        if self.last_applied >= self.commit_index {
            return None;
        }
        self.last_applied += 1;
        let entry = &self.log[self.position(self.last_applied)];
        Some(Apply::Command {
            index: self.last_applied,
            term: entry.term,
            command: entry.command.clone(),
        })
    }

    fn snapshot(&mut self, ctx: &mut Ctx<'_, RaftKv>, index: Index, data: String) {
        if index <= self.snap_index || index > self.last_index() {
            return;
        }
        let term = self.term_at(index).expect("an index after the snapshot is in the log");
        self.compact(ctx, index, term, data);
        ctx.sync();
    }
}

impl Node {
    fn majority(&self) -> usize {
        let cluster = self.peers.len() + 1;
        cluster / 2 + 1
    }

    fn last_index(&self) -> Index {
        self.snap_index + self.log.len() as Index
    }

    /// (term, index) of the last entry, the snapshot's if the log is empty.
    fn last_entry(&self) -> (Term, Index) {
        (self.log.last().map_or(self.snap_term, |e| e.term), self.last_index())
    }

    /// Where the entry at `index` (after the snapshot) sits in `log`.
    fn position(&self, index: Index) -> usize {
        (index - self.snap_index - 1) as usize
    }

    /// The term of the entry at `index`, if the node still knows it.
    fn term_at(&self, index: Index) -> Option<Term> {
        if index == self.snap_index {
            Some(self.snap_term)
        } else if index < self.snap_index || index > self.last_index() {
            None
        } else {
            Some(self.log[self.position(index)].term)
        }
    }

    /// Replaces the log up to `index` (past the current snapshot) with a snapshot; the entries
    /// after it stay if the log holds `index` in `term`. The caller syncs.
    fn compact(&mut self, ctx: &mut Ctx<'_, RaftKv>, index: Index, term: Term, data: String) {
        let keep_rest = self.term_at(index) == Some(term);
        let first_kept = if keep_rest { index + 1 } else { self.last_index() + 1 };
        for i in self.snap_index + 1..first_kept {
            ctx.delete(entry_key(i));
        }
        if keep_rest {
            let through = self.position(index) + 1;
            self.log.drain(..through);
        } else {
            self.log.clear();
        }
        ctx.save(SNAPSHOT, &(index, term, &data));
        (self.snap_index, self.snap_term, self.snap_data) = (index, term, data);
    }

    /// Makes the term and vote durable.
    fn persist_state(&self, ctx: &mut Ctx<'_, RaftKv>) {
        ctx.save(STATE, &(self.term, self.voted_for));
        ctx.sync();
    }

    fn set_role(&mut self, ctx: &mut Ctx<'_, RaftKv>, role: Role) {
        if self.role != role {
            self.role = role;
            ctx.output(Event::Role { term: self.term, role });
        }
    }

    fn reset_election_timer(&mut self, ctx: &mut Ctx<'_, RaftKv>) {
        if let Some(t) = self.election_timer.take() {
            ctx.cancel_timer(t);
        }
        let t = self.timing.election_timeout;
        let after = ctx.rng().duration_between(t, t.times(2) - harness::Duration(1));
        self.election_timer = Some(ctx.set_timer(after, Timer::Election));
    }

    fn observe_term(&mut self, ctx: &mut Ctx<'_, RaftKv>, term: Term) {
        if term > self.term {
            self.term = term;
            self.voted_for = None;
            self.persist_state(ctx);
            self.become_follower(ctx);
        }
    }

    fn become_follower(&mut self, ctx: &mut Ctx<'_, RaftKv>) {
        if let Some(t) = self.heartbeat_timer.take() {
            ctx.cancel_timer(t);
        }
        self.pre_candidate = false;
        self.votes.clear();
        if self.role == Role::Leader {
            self.reset_election_timer(ctx);
        }
        self.set_role(ctx, Role::Follower);
    }

    fn ask_for(&mut self, ctx: &mut Ctx<'_, RaftKv>, term: Term, pre_vote: bool) {
        self.votes = BTreeSet::from([self.me]);
        let (last_log_term, last_log_index) = self.last_entry();
        for &p in &self.peers {
            ctx.send(p, Message::RequestVote { term, last_log_index, last_log_term, pre_vote });
        }
        self.check_votes(ctx);
    }

    fn start_pre_vote(&mut self, ctx: &mut Ctx<'_, RaftKv>) {
        self.pre_candidate = true;
        self.reset_election_timer(ctx);
        self.ask_for(ctx, self.term + 1, true);
    }

    fn start_election(&mut self, ctx: &mut Ctx<'_, RaftKv>) {
        self.pre_candidate = false;
        self.term += 1;
        self.voted_for = Some(self.me);
        self.persist_state(ctx);
        self.set_role(ctx, Role::Candidate);
        self.reset_election_timer(ctx);
        self.ask_for(ctx, self.term, false);
    }

    fn check_votes(&mut self, ctx: &mut Ctx<'_, RaftKv>) {
        if self.votes.len() < self.majority() {
            return;
        }
        if self.pre_candidate {
            self.start_election(ctx);
        } else if self.role == Role::Candidate {
            self.become_leader(ctx);
        }
    }

    fn become_leader(&mut self, ctx: &mut Ctx<'_, RaftKv>) {
        self.set_role(ctx, Role::Leader);
        self.answered.clear();
        let next = self.last_index() + 1;
        self.next_index = self.peers.iter().map(|&p| (p, next)).collect();
        self.match_index = self.peers.iter().map(|&p| (p, 0)).collect();
        self.broadcast(ctx);
        self.reset_election_timer(ctx);
    }

    /// A leader's round of AppendEntries (entries from each follower's next_index, if any).
    fn broadcast(&mut self, ctx: &mut Ctx<'_, RaftKv>) {
        self.backed_up.clear();
        for p in self.peers.clone() {
            self.send_append(ctx, p);
        }
        self.heartbeat_timer =
            Some(ctx.set_timer(self.timing.heartbeat_interval, Timer::Heartbeat));
    }

    /// Sends `peer` what it lacks from its next_index on (the snapshot, if that is compacted),
    /// and assumes it arrives: a refusal moves next_index back.
    fn send_append(&mut self, ctx: &mut Ctx<'_, RaftKv>, peer: NodeId) {
        let next = self.next_index.get(&peer).copied().unwrap_or(1).max(1);
        if next <= self.snap_index {
            ctx.send(
                peer,
                Message::InstallSnapshot {
                    term: self.term,
                    last_included_index: self.snap_index,
                    last_included_term: self.snap_term,
                    data: self.snap_data.clone(),
                },
            );
            self.next_index.insert(peer, self.snap_index + 1);
            return;
        }
        let prev_log_index = next - 1;
        let prev_log_term = self.term_at(prev_log_index).expect("next_index is past the snapshot");
        let entries = self.log[self.position(next)..].to_vec();
        ctx.send(
            peer,
            Message::AppendEntries {
                term: self.term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit: self.commit_index,
            },
        );
        self.next_index.insert(peer, self.last_index() + 1);
    }

    /// A follower's log matches the leader's up to `index`. Followers learn a new commit index
    /// with the next AppendEntries.
    fn on_match(&mut self, peer: NodeId, index: Index) {
        let matched = self.match_index.entry(peer).or_insert(0);
        *matched = (*matched).max(index);
        let floor = *matched + 1;
        let next = self.next_index.entry(peer).or_insert(floor);
        *next = (*next).max(floor);
        self.advance_commit();
    }

    /// Fast backup: skip the follower's whole conflicting term, or to the end of its log.
    fn back_up(
        &mut self,
        ctx: &mut Ctx<'_, RaftKv>,
        peer: NodeId,
        conflict_term: Option<Term>,
        conflict_index: Index,
    ) {
        let mut next = conflict_index;
        if let Some(t) = conflict_term {
            // If the leader has entries of that term, the follower matches up to its last one.
            if let Some(k) = self.log.iter().rposition(|e| e.term == t) {
                next = self.snap_index + k as Index + 2;
            }
        }
        let next = next.max(self.match_index.get(&peer).copied().unwrap_or(0) + 1);
        if self.backed_up.insert(peer, next) == Some(next) {
            return;
        }
        self.next_index.insert(peer, next);
        self.send_append(ctx, peer);
    }

    /// Commits the highest entry of the current term that a majority holds (figure 8: never an
    /// earlier term's entry by counting).
    fn advance_commit(&mut self) {
        for n in (self.commit_index + 1..=self.last_index()).rev() {
            if self.term_at(n) != Some(self.term) {
                break;
            }
            let replicas = 1 + self.match_index.values().filter(|&&m| m >= n).count();
            if replicas >= self.majority() {
                self.commit_index = n;
                return;
            }
        }
    }

    fn leader_is_fresh(&self, ctx: &Ctx<'_, RaftKv>) -> bool {
        self.role == Role::Leader
            || self
                .leader_contact
                .is_some_and(|t| ctx.now().since(t) < self.timing.election_timeout)
    }

    fn on_request_vote(
        &mut self,
        ctx: &mut Ctx<'_, RaftKv>,
        from: NodeId,
        term: Term,
        up_to_date: bool,
        pre_vote: bool,
    ) {
        if pre_vote {
            let granted = term > self.term && up_to_date && !self.leader_is_fresh(ctx);
            let term = if granted { term } else { self.term };
            ctx.send(from, Message::Vote { term, granted, pre_vote: true });
            return;
        }
        self.observe_term(ctx, term);
        let granted = term == self.term && up_to_date && self.voted_for.is_none_or(|v| v == from);
        if granted && self.voted_for.is_none() {
            self.voted_for = Some(from);
            self.persist_state(ctx);
        }
        if granted {
            self.reset_election_timer(ctx);
        }
        ctx.send(from, Message::Vote { term: self.term, granted, pre_vote: false });
    }

    fn on_vote(
        &mut self,
        ctx: &mut Ctx<'_, RaftKv>,
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

    /// Hears from a leader of the current term (or a newer one): follow it.
    fn follow(&mut self, ctx: &mut Ctx<'_, RaftKv>, term: Term) -> bool {
        self.observe_term(ctx, term);
        if term < self.term {
            return false;
        }
        self.become_follower(ctx);
        self.leader_contact = Some(ctx.now());
        self.reset_election_timer(ctx);
        true
    }

    #[allow(clippy::too_many_arguments)] // the fields of AppendEntries
    fn on_append_entries(
        &mut self,
        ctx: &mut Ctx<'_, RaftKv>,
        from: NodeId,
        term: Term,
        prev_log_index: Index,
        prev_log_term: Term,
        entries: Vec<Entry>,
        leader_commit: Index,
    ) {
        let refuse = |node: &Self, conflict_term, conflict_index| Message::AppendEntriesReply {
            term: node.term,
            success: false,
            match_index: 0,
            conflict_term,
            conflict_index,
        };
        if !self.follow(ctx, term) {
            ctx.send(from, refuse(self, None, 0));
            return;
        }
        // Entries up to the snapshot are committed, so they match; skip them.
        let skip = self.snap_index.saturating_sub(prev_log_index);
        if skip > entries.len() as Index {
            let reply = Message::AppendEntriesReply {
                term: self.term,
                success: true,
                match_index: prev_log_index + entries.len() as Index,
                conflict_term: None,
                conflict_index: 0,
            };
            ctx.send(from, reply);
            return;
        }
        let (prev_log_index, prev_log_term, entries) = if skip > 0 {
            (self.snap_index, self.snap_term, &entries[skip as usize..])
        } else {
            (prev_log_index, prev_log_term, &entries[..])
        };
        match self.term_at(prev_log_index) {
            None => {
                let reply = refuse(self, None, self.last_index() + 1);
                ctx.send(from, reply);
                return;
            }
            Some(t) if t != prev_log_term => {
                // The first index of the conflicting term, for the leader to skip past it.
                let mut first = prev_log_index;
                while first > self.snap_index + 1 && self.term_at(first - 1) == Some(t) {
                    first -= 1;
                }
                let reply = refuse(self, Some(t), first);
                ctx.send(from, reply);
                return;
            }
            Some(_) => {}
        }
        let mut changed = false;
        for (k, entry) in entries.iter().enumerate() {
            let index = prev_log_index + 1 + k as Index;
            match self.term_at(index) {
                Some(t) if t == entry.term => continue,
                Some(_) => {
                    // A conflict: this entry and all that follow it go.
                    for i in index..=self.last_index() {
                        ctx.delete(entry_key(i));
                    }
                    let keep = self.position(index);
                    self.log.truncate(keep);
                }
                None => {}
            }
            ctx.save(entry_key(index), entry);
            self.log.push(entry.clone());
            changed = true;
        }
        if changed {
            ctx.sync();
        }
        let matched = prev_log_index + entries.len() as Index;
        self.commit_index = self.commit_index.max(leader_commit.min(matched));
        ctx.send(
            from,
            Message::AppendEntriesReply {
                term: self.term,
                success: true,
                match_index: matched,
                conflict_term: None,
                conflict_index: 0,
            },
        );
    }

    fn on_install_snapshot(
        &mut self,
        ctx: &mut Ctx<'_, RaftKv>,
        from: NodeId,
        term: Term,
        index: Index,
        last_term: Term,
        data: String,
    ) {
        if !self.follow(ctx, term) {
            ctx.send(from, Message::InstallSnapshotReply { term: self.term, match_index: 0 });
            return;
        }
        // A snapshot no newer than what is committed here adds nothing.
        if index > self.commit_index {
            self.compact(ctx, index, last_term, data);
            ctx.sync();
            self.commit_index = index;
            self.last_applied = index;
            self.snapshot_to_apply = true;
        }
        ctx.send(from, Message::InstallSnapshotReply { term: self.term, match_index: index });
    }
}
