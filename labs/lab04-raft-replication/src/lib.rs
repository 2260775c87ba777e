//! Lab 04: Raft log replication (Ongaro and Ousterhout, 2014, sections 5.3 and 5.4), persistence,
//! log compaction with snapshots (section 7), and a linearizable key-value service on top
//! (section 8).
//!
//! You continue your lab 03 node in `src/raft.rs`: its elections now compare logs, its heartbeats
//! carry entries, and it keeps a log, a commit index and snapshots. You write the key-value
//! server and its clerk (the client library) in `src/kv.rs`. Everything else here is the
//! contract: the messages, the [`Consensus`] and [`KvServer`] traits, and the harness's glue
//! ([`Replica`]) that joins a Raft node to the service above it, feeds it applied entries and asks
//! it for snapshots. The handout is `labs/lab04-raft-replication/README.md`.

pub mod kv;
pub mod properties;
pub mod raft;
pub mod replica;
pub mod scenarios;
pub mod scripted;
pub mod workloads;

pub use harness;
pub use harness::linearizability::{KvOp, KvRet};
use harness::{Ctx, NodeId, Process, Protocol};
pub use lab03::{Role, Term, Timing};
pub use replica::{Recorder, Replica};
use serde::{Deserialize, Serialize};

/// A position in the log: the first entry has index 1; 0 means "before the log".
pub type Index = u64;

/// A log entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The term in which a leader received it.
    pub term: Term,
    /// The command, encoded by the service above Raft.
    pub command: String,
}

/// The messages: Raft's (figure 2 of the paper, with the fast-backup hint of section 5.3 and
/// InstallSnapshot of section 7), then the clerk's and the key-value server's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// A candidate asks for a vote (with `pre_vote`: whether it could win, as in lab 03).
    RequestVote {
        /// The candidate's term (for a pre-vote: the term it would campaign in).
        term: Term,
        /// Index of the candidate's last log entry.
        last_log_index: Index,
        /// Term of the candidate's last log entry.
        last_log_term: Term,
        /// Whether this is a pre-vote.
        pre_vote: bool,
    },
    /// The answer to a RequestVote.
    Vote {
        /// The voter's current term (for a pre-vote: the term of the request, if granted).
        term: Term,
        /// Whether the vote is granted.
        granted: bool,
        /// Whether this answers a pre-vote.
        pre_vote: bool,
    },
    /// The leader replicates entries; with none, it is a heartbeat.
    AppendEntries {
        /// The leader's term.
        term: Term,
        /// Index of the entry just before the new ones.
        prev_log_index: Index,
        /// Its term.
        prev_log_term: Term,
        /// The entries, in order from `prev_log_index + 1`.
        entries: Vec<Entry>,
        /// The leader's commit index.
        leader_commit: Index,
    },
    /// The answer to an AppendEntries.
    AppendEntriesReply {
        /// The follower's current term.
        term: Term,
        /// Whether the follower's log matched at `prev_log_index` and now holds the entries.
        success: bool,
        /// On success: the index up to which the follower's log now matches the leader's.
        match_index: Index,
        /// On a mismatch: the term of the follower's conflicting entry at `prev_log_index`
        /// (`None` if its log is shorter than that).
        conflict_term: Option<Term>,
        /// On a mismatch: the first index of `conflict_term` in the follower's log, or, with
        /// no conflicting term, the length of its log plus one. The leader backs up to it.
        /// 0 on success, and on a refusal for a stale term (which says nothing about the log).
        conflict_index: Index,
    },
    /// The leader sends its snapshot to a follower that needs entries it has compacted away.
    InstallSnapshot {
        /// The leader's term.
        term: Term,
        /// The last index the snapshot covers.
        last_included_index: Index,
        /// The term of that entry.
        last_included_term: Term,
        /// The service's snapshot.
        data: String,
    },
    /// The answer to an InstallSnapshot.
    InstallSnapshotReply {
        /// The follower's current term.
        term: Term,
        /// The index up to which the follower's log now matches the leader's.
        match_index: Index,
    },
    /// A clerk asks a server to carry out an operation.
    ClerkRequest {
        /// The clerk's id, drawn at random when it starts.
        client: u64,
        /// The clerk's sequence number for this operation: a retry keeps it.
        seq: u64,
        /// The operation.
        op: KvOp,
    },
    /// A server's answer to a clerk.
    ServerReply {
        /// The operation's sequence number.
        seq: u64,
        /// The outcome.
        reply: KvReply,
    },
}

impl Message {
    /// The term a Raft message carries (`None` for the clerk's and server's messages).
    pub fn term(&self) -> Option<Term> {
        match self {
            Message::RequestVote { term, .. }
            | Message::Vote { term, .. }
            | Message::AppendEntries { term, .. }
            | Message::AppendEntriesReply { term, .. }
            | Message::InstallSnapshot { term, .. }
            | Message::InstallSnapshotReply { term, .. } => Some(*term),
            Message::ClerkRequest { .. } | Message::ServerReply { .. } => None,
        }
    }
}

impl lab03::properties::RaftMessage for Message {
    fn shape(&self) -> Option<lab03::properties::Shape> {
        use lab03::properties::Shape;
        Some(match *self {
            Message::RequestVote { term, pre_vote, .. } => Shape::AskVote { term, pre_vote },
            Message::Vote { term, granted, pre_vote } => Shape::Vote { term, granted, pre_vote },
            Message::AppendEntries { term, .. } => Shape::Append { term },
            Message::AppendEntriesReply { term, success, .. } => {
                Shape::AppendAnswer { term, success }
            }
            Message::InstallSnapshot { term, .. } | Message::InstallSnapshotReply { term, .. } => {
                Shape::Other { term }
            }
            Message::ClerkRequest { .. } | Message::ServerReply { .. } => return None,
        })
    }
}

/// A key-value server's answer to a clerk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KvReply {
    /// The operation took effect (once), with this result.
    Done(KvRet),
    /// This server cannot carry it out now: it is not the leader, or lost the leadership before
    /// the operation committed. Try another server.
    WrongLeader,
}

/// The timers of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Timer {
    /// No word from a leader (or no election won) for a randomized timeout.
    Election,
    /// Time for a leader's next round of AppendEntries.
    Heartbeat,
    /// A clerk has waited long enough for an answer to operation `seq`.
    Retry {
        /// The operation.
        seq: u64,
    },
}

/// What the harness asks of a node (parts A-C: a proposal; part D, of a clerk: an operation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Start agreement on this command, if you lead.
    Propose(String),
    /// Carry out this operation on the replicated key-value map (clerks only).
    Kv(KvOp),
}

/// A node's answer to a [`Request`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
    /// The leader appended the command at this index, in this term; it commits later, or never.
    Proposed {
        /// Where.
        index: Index,
        /// In which term.
        term: Term,
    },
    /// This node does not lead.
    NotLeader,
    /// The clerk's operation is done, with this result.
    Kv(KvRet),
}

/// What a node reports. The harness's glue ([`Replica`]) reports what your Raft node hands the
/// service; the properties judge from these and from the messages on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// The node's role changed (for the trace; optional, never judged).
    Role {
        /// Its term.
        term: Term,
        /// Its role.
        role: Role,
    },
    /// The service applied this committed command.
    Applied {
        /// Its index.
        index: Index,
        /// Its term.
        term: Term,
        /// The command.
        command: String,
    },
    /// The service's state was replaced by a snapshot covering the log up to `index`.
    Restored {
        /// The last index the snapshot covers.
        index: Index,
        /// The term of that entry.
        term: Term,
        /// The snapshot.
        snapshot: String,
    },
}

/// Lab 04's protocol.
#[derive(Clone, Copy, Debug)]
pub enum RaftKv {}

impl Protocol for RaftKv {
    type Msg = Message;
    type Timer = Timer;
    type Request = Request;
    type Response = Response;
    type Output = Event;
}

/// What your Raft node hands the service above it, in log order (see
/// [`Consensus::next_apply`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Apply {
    /// Apply this committed command.
    Command {
        /// Its index: one more than the last thing handed over.
        index: Index,
        /// Its term.
        term: Term,
        /// The command.
        command: String,
    },
    /// Replace the service's state with this snapshot, which covers the log up to `index`.
    Snapshot {
        /// The last index it covers.
        index: Index,
        /// That entry's term.
        term: Term,
        /// The service's snapshot.
        data: String,
    },
}

/// A Raft node, as the harness's glue drives it. It owns the log, the durable state and the
/// timers; it never sees the service, only opaque commands and snapshots.
///
/// Durability: term, vote and log must be in storage (`ctx.put`/`ctx.save`, then `ctx.sync()`)
/// before the node sends anything that depends on them (a vote, an AppendEntriesReply, an
/// answer to a proposal). After a restart, `on_start` recovers from storage alone.
pub trait Consensus: Send + std::fmt::Debug + 'static {
    /// A fresh node (at the start, and after every restart, when its storage holds what it
    /// synced).
    fn new(me: NodeId, peers: Vec<NodeId>, timing: Timing) -> Self
    where
        Self: Sized;

    /// The node starts, or restarts: recover term, vote, log and snapshot from storage, and set
    /// the election timer. A restored snapshot must be handed to the service first, through
    /// [`Consensus::next_apply`].
    fn on_start(&mut self, ctx: &mut Ctx<'_, RaftKv>);

    /// A Raft message arrived (the glue routes only Raft's messages here).
    fn on_message(&mut self, ctx: &mut Ctx<'_, RaftKv>, from: NodeId, msg: Message);

    /// An election or heartbeat timer fired.
    fn on_timer(&mut self, ctx: &mut Ctx<'_, RaftKv>, timer: Timer);

    /// If this node leads, append `command` to its log (durably) and start replicating it;
    /// returns where it went. `None` if it does not lead. Proposals are the only source of
    /// entries: a new leader appends no entry of its own (no no-op, unlike section 8 of the
    /// paper), so the figure 8 rule is what keeps its commits safe, and the scripted scenarios
    /// can tell exactly which entries a leader holds.
    fn propose(&mut self, ctx: &mut Ctx<'_, RaftKv>, command: String) -> Option<(Index, Term)>;

    /// The next thing for the service: a snapshot to restore, or the next committed command not
    /// yet handed over. The glue calls it after every handler until it returns `None`. Each
    /// committed entry is handed over exactly once per incarnation, in index order.
    fn next_apply(&mut self) -> Option<Apply>;

    /// The service's snapshot of everything up to and including `index` (an index already handed
    /// over): store it durably, and discard the log up to `index`.
    fn snapshot(&mut self, ctx: &mut Ctx<'_, RaftKv>, index: Index, data: String);
}

/// The state machine above Raft: it applies committed commands and snapshots itself.
pub trait Service: Send + std::fmt::Debug + 'static {
    /// Apply the committed command at `index` (each index once, in order). A server may answer
    /// the clerk waiting for it through `ctx`.
    fn apply(&mut self, ctx: &mut Ctx<'_, RaftKv>, index: Index, term: Term, command: &str);

    /// Everything the service needs to rebuild its state, as text.
    fn snapshot(&self) -> String;

    /// Replace the state with a snapshot made by [`Service::snapshot`] (here or on another node).
    fn restore(&mut self, data: &str);

    /// A clerk's request arrived. A service without clerks (parts A-C) turns it away.
    fn on_request<R: Consensus>(
        &mut self,
        ctx: &mut Ctx<'_, RaftKv>,
        raft: &mut R,
        from: NodeId,
        client: u64,
        seq: u64,
        op: KvOp,
    ) {
        let _ = (raft, client, op);
        ctx.send(from, Message::ServerReply { seq, reply: KvReply::WrongLeader });
    }
}

/// Part D: the key-value server, a [`Service`] that takes clerks' requests: its
/// [`Service::on_request`] proposes each through Raft (reads too: they go through the log),
/// remembers who waits for which index, and answers from [`Service::apply`]; it answers
/// `WrongLeader` at once if Raft does not lead.
pub trait KvServer: Service {
    /// A fresh server (at the start and after every restart; a restored snapshot and the log
    /// replayed by Raft rebuild its state).
    fn new(me: NodeId) -> Self
    where
        Self: Sized;
}

/// Part D: the clerk, a simulated client process. The harness hands it operations
/// ([`Request::Kv`]); it finds the leader, retries until the operation is done, and answers the
/// harness with [`Response::Kv`]. One operation at a time.
pub trait KvClerk: Process<RaftKv> + 'static {
    /// A fresh clerk (at the start and after a restart) that talks to `servers`.
    fn new(me: NodeId, servers: Vec<NodeId>) -> Self
    where
        Self: Sized;
}

/// How often the harness asks the service for a snapshot: after this many applied entries, in
/// the scenarios with snapshots (as 6.5840 does, with its `SnapShotInterval` of 10).
pub const SNAPSHOT_EVERY: u64 = 10;

/// The lab's registry, running the Raft node `N`, the key-value server `S` and the clerk `C`.
/// `package` names the package for the replay commands a failing test prints; `prerequisite`
/// checks that the lab 03 node this lab continues is finished.
pub fn lab<N: Consensus, S: KvServer, C: KvClerk>(
    package: &'static str,
    prerequisite: fn() -> Result<(), String>,
) -> harness::Lab {
    harness::Lab {
        id: "lab04",
        topic: "raft-replication",
        package,
        student_files: &[
            "labs/lab04-raft-replication/src/raft.rs",
            "labs/lab04-raft-replication/src/kv.rs",
        ],
        snapshots: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"),
        scenarios: harness::lab::graded(scenarios::all::<N, S, C>(Timing::from_env())),
        prerequisite: Some(prerequisite),
    }
}

/// Whether lab 03's Raft node `E` elects a leader: lab 04 continues that node, so a student
/// finishes lab 03 first. Runs lab 03's first election scenario on one seed.
pub fn lab03_done<E: lab03::RaftNode>() -> Result<(), String> {
    use harness::scenario::Graded;
    let first = lab03::scenarios::all::<E>(lab03::Timing::DEFAULT).into_iter().next();
    if first.is_some_and(|s| s.evaluate("lab03", vec![1]).passed()) {
        Ok(())
    } else {
        Err("lab04 continues your lab 03 Raft node, and labs/lab03-raft-election/src/election.rs \
             does not elect a leader yet: finish lab 03 first (cargo test -p lab03)."
            .to_string())
    }
}

/// One `#[test]` per scenario of lab 04, running the Raft node, the server and the clerk given,
/// after checking that the lab 03 node `E` is finished.
#[macro_export]
macro_rules! grading_tests {
    ($lab03_node:ty; $node:ty, $server:ty, $clerk:ty) => {
        $crate::harness::graded_tests!(
            $crate::lab::<$node, $server, $clerk>(
                env!("CARGO_PKG_NAME"),
                $crate::lab03_done::<$lab03_node>,
            );
            basic_agreement,
            concurrent_proposals,
            follower_failure,
            leader_failure,
            follower_rejoins,
            no_majority_then_heal,
            even_cluster_halves,
            old_leader_rejoins,
            fast_backup,
            message_counts,
            figure8_scripted,
            figure8_own_entry,
            commit_capped_at_verified,
            leader_steps_down_on_reply_term,
            stale_replies_ignored,
            follower_answers_exactly,
            stale_candidate_refused,
            longer_log_older_term_refused,
            conflicting_entries_replaced,
            late_append_keeps_entries,
            restart_every_node,
            restart_leader,
            restart_minority,
            staggered_restarts,
            figure8,
            figure8_unreliable,
            unreliable_agreement,
            churn,
            churn_unreliable,
            ack_survives_crash,
            snapshot_basic,
            snapshot_many,
            snapshot_install,
            snapshot_install_after_crash,
            snapshot_restart_every_node,
            snapshot_over_conflicting_log,
            backs_up_past_the_snapshot,
            snapshot_churn_unreliable,
            kv_basic,
            kv_leader_partitioned,
            kv_crashes,
            kv_unreliable,
            kv_duplicate_appends,
            kv_stale_leader_reads,
            kv_snapshots,
        );
    };
}
