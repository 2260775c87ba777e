//! Lab 03: Raft leader election (Ongaro and Ousterhout, 2014, section 5.2), with PreVote and
//! CheckQuorum (Ongaro's thesis, 2014, sections 9.6 and 6.2) as an extension.
//!
//! You write the Raft node's election in `src/election.rs`. Lab 04 continues the same node with
//! log replication, so the messages already carry the log fields; in this lab logs are empty,
//! heartbeats are AppendEntries with no entries, and every log index and term in a message is 0.
//! Part B is a second protocol: nodes elect a leader through a lease service, with fencing
//! tokens ([`lease_contract`]); you write that node in `src/lease.rs`.
//! The handout is `labs/lab03-raft-election/README.md`.

pub mod election;
pub mod lease;
pub mod lease_contract;
pub mod properties;
pub mod scenarios;
pub mod scripted;

pub use harness;
use harness::{Duration, NodeId, Process, Protocol};
pub use lease_contract::{
    LeaseMsg, LeaseNode, LeaseOutput, LeaseTimer, LeaseTiming, Leases, Token,
};
use serde::{Deserialize, Serialize};

/// A Raft term.
pub type Term = u64;

/// A log entry (lab 04); lab 03's logs stay empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The term in which a leader received it.
    pub term: Term,
    /// The command, encoded by the service above Raft.
    pub command: Vec<u8>,
}

/// Raft's messages (figure 2 of the paper), plus PreVote's flag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// A candidate asks for a vote. With `pre_vote`, it asks whether it could win an election in
    /// `term` (its own term + 1) without starting one; nobody changes term for a pre-vote.
    RequestVote {
        /// The candidate's term (for a pre-vote: the term it would campaign in).
        term: Term,
        /// Index of the candidate's last log entry (0 in lab 03).
        last_log_index: u64,
        /// Term of the candidate's last log entry (0 in lab 03).
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
        /// Index of the entry before the new ones (0 in lab 03).
        prev_log_index: u64,
        /// Its term (0 in lab 03).
        prev_log_term: Term,
        /// The entries (none in lab 03).
        entries: Vec<Entry>,
        /// The leader's commit index (0 in lab 03).
        leader_commit: u64,
    },
    /// The answer to an AppendEntries.
    AppendEntriesReply {
        /// The follower's current term.
        term: Term,
        /// Whether the follower accepted the leader (and, in lab 04, the entries).
        success: bool,
        /// The index up to which the follower's log matches the leader's (0 in lab 03).
        match_index: u64,
    },
}

impl Message {
    /// The term a message carries.
    pub fn term(&self) -> Term {
        match self {
            Message::RequestVote { term, .. }
            | Message::Vote { term, .. }
            | Message::AppendEntries { term, .. }
            | Message::AppendEntriesReply { term, .. } => *term,
        }
    }

    /// A heartbeat: an AppendEntries with no entries.
    pub fn heartbeat(term: Term) -> Message {
        Message::AppendEntries {
            term,
            prev_log_index: 0,
            prev_log_term: 0,
            entries: Vec::new(),
            leader_commit: 0,
        }
    }
}

/// A node's timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Timer {
    /// No word from a leader (or no election won) for a randomized timeout.
    Election,
    /// Time for a leader's next round of heartbeats.
    Heartbeat,
}

/// A node's role, as it reports it (for the trace only: properties judge behaviour).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// Follows a leader.
    Follower,
    /// Campaigns for votes.
    Candidate,
    /// Leads.
    Leader,
}

/// Lab 03's protocol.
#[derive(Clone, Copy, Debug)]
pub enum Raft {}

impl Protocol for Raft {
    type Msg = Message;
    type Timer = Timer;
    type Request = ();
    type Response = ();
    type Output = (Term, Role);
}

/// The timing contract. The harness picks both values within their legal ranges and passes them
/// to [`RaftNode::new`]; a correct node passes every scenario with any legal choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// How often a leader sends heartbeats.
    pub heartbeat_interval: Duration,
    /// The shortest election timeout. Each timeout is drawn anew, uniformly from
    /// `election_timeout..2 * election_timeout`, with `ctx.rng()`.
    pub election_timeout: Duration,
}

impl Timing {
    /// The legal range of `heartbeat_interval`.
    pub const HEARTBEAT_RANGE: (Duration, Duration) =
        (Duration::from_millis(20), Duration::from_millis(50));
    /// The legal range of `election_timeout`.
    pub const ELECTION_RANGE: (Duration, Duration) =
        (Duration::from_millis(150), Duration::from_millis(300));
    /// The values graded by default.
    pub const DEFAULT: Timing = Timing {
        heartbeat_interval: Duration::from_millis(50),
        election_timeout: Duration::from_millis(200),
    };
    /// The slowest legal choice, which every bound must allow for.
    pub const SLOWEST: Timing = Timing {
        heartbeat_interval: Self::HEARTBEAT_RANGE.1,
        election_timeout: Self::ELECTION_RANGE.1,
    };

    /// The timing a run uses: the default, or the ends of the legal ranges when
    /// `COURSE_TIMING=min` or `max`.
    pub fn from_env() -> Timing {
        let fastest = Timing {
            heartbeat_interval: Self::HEARTBEAT_RANGE.0,
            election_timeout: Self::ELECTION_RANGE.0,
        };
        harness::lab::timing_choice().pick(Timing::DEFAULT, fastest, Timing::SLOWEST)
    }

    /// The longest election timeout a node may draw.
    pub fn longest_timeout(&self) -> Duration {
        self.election_timeout.times(2)
    }
}

/// What the harness asks of a Raft node: to be built from its id, its peers and the timing, and
/// to handle the events of [`Process`]. Term and vote must be durable (`ctx.save`, then
/// `ctx.sync()`) before the node answers or acts on them.
pub trait RaftNode: Process<Raft> + 'static {
    /// A fresh node (at the start, and after every restart, when its storage holds what it
    /// synced).
    fn new(me: NodeId, peers: Vec<NodeId>, timing: Timing) -> Self;
}

/// The lab's registry, running the Raft node type `N` (parts A and C) and the lease holder `L`
/// (part B); `package` names the package for the replay commands a failing test prints.
pub fn lab<N: RaftNode, L: LeaseNode>(package: &'static str) -> harness::Lab {
    let mut scenarios = harness::lab::graded(scenarios::all::<N>(Timing::from_env()));
    scenarios
        .extend(harness::lab::graded(lease_contract::scenarios::all::<L>(LeaseTiming::from_env())));
    harness::Lab {
        id: "lab03",
        topic: "raft-election",
        package,
        student_files: &[
            "labs/lab03-raft-election/src/election.rs",
            "labs/lab03-raft-election/src/lease.rs",
        ],
        snapshots: concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"),
        scenarios,
        prerequisite: None,
    }
}

/// One `#[test]` per scenario of lab 03, running the Raft node and the lease holder given.
#[macro_export]
macro_rules! grading_tests {
    ($node:ty, $holder:ty) => {
        $crate::harness::graded_tests!(
            $crate::lab::<$node, $holder>(env!("CARGO_PKG_NAME"));
            initial_election_3,
            initial_election_5,
            initial_election_7,
            stable_leader,
            leader_crash,
            leader_partitioned_rejoins,
            no_majority_then_heal,
            even_cluster_halves,
            random_partitions_7,
            lossy_network,
            restart_mid_election,
            every_node_restarts,
            clock_drift,
            vote_survives_crash,
            steps_down_on_higher_term_reply,
            grants_hold_off_elections,
            stale_grants_ignored,
            candidate_follows_leader_of_its_term,
            answers_by_the_rules,
            babbling_peer,
            extension_prevote_rejoin,
            extension_checkquorum,
            extension_checkquorum_bare_majority,
            extension_prevote_rules,
            lease_basic,
            lease_holder_crashes,
            lease_pause_longer_than_lease,
            lease_drift,
            lease_partition_from_service,
            lease_late_answers,
        );
    };
}
