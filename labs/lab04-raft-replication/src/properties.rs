//! What every lab 04 run must satisfy, judged from the messages on the wire and from what each
//! node's service applied (the [`Event`]s the harness's glue reports), never from what a node
//! says about itself.

use crate::replica::Recorder;
use crate::{Event, Index, KvOp, KvRet, Message, RaftKv, Request, Response, Term, Timing};
use harness::history::{Operation, Outcome};
use harness::linearizability::Kv;
use harness::trace::{EventKind, Trace};
use harness::{Duration, NodeId, Property, Run, Time, Verdict};
use std::collections::{BTreeMap, BTreeSet};

/// Every message sent: (time, from, to, message).
pub fn sent(trace: &Trace<RaftKv>) -> impl Iterator<Item = (Time, NodeId, NodeId, &Message)> + '_ {
    trace.events.iter().filter_map(move |e| match e.kind {
        EventKind::Send { msg } => {
            let m = trace.message(msg);
            Some((e.at, m.from, m.to, &m.msg))
        }
        _ => None,
    })
}

/// Every entry sent in an AppendEntries: (time, leader, term of the message, index, entry term,
/// command).
fn entries_sent(
    trace: &Trace<RaftKv>,
) -> impl Iterator<Item = (Time, NodeId, Term, Index, Term, &str)> + '_ {
    sent(trace).flat_map(|(at, from, _, msg)| {
        let (term, prev, entries) = match msg {
            Message::AppendEntries { term, prev_log_index, entries, .. } => {
                (*term, *prev_log_index, entries.as_slice())
            }
            _ => (0, 0, [].as_slice()),
        };
        entries
            .iter()
            .enumerate()
            .map(move |(k, e)| (at, from, term, prev + 1 + k as u64, e.term, e.command.as_str()))
    })
}

/// What a node's service saw: (time, node, incarnation, event), in trace order.
pub fn applied(trace: &Trace<RaftKv>) -> Vec<(Time, NodeId, u32, &Event)> {
    let mut incarnation: BTreeMap<NodeId, u32> = BTreeMap::new();
    let mut out = Vec::new();
    for e in &trace.events {
        match &e.kind {
            EventKind::Start { node, incarnation: i }
            | EventKind::Restart { node, incarnation: i } => {
                incarnation.insert(*node, *i);
            }
            EventKind::Output { node, output } if !matches!(output, Event::Role { .. }) => {
                out.push((e.at, *node, incarnation.get(node).copied().unwrap_or(0), output));
            }
            _ => {}
        }
    }
    out
}

/// The command committed at each index, as first applied anywhere: index -> (time, node,
/// command).
pub fn committed(trace: &Trace<RaftKv>) -> BTreeMap<Index, (Time, NodeId, &str)> {
    let mut first = BTreeMap::new();
    for (at, node, _, event) in applied(trace) {
        if let Event::Applied { index, command, .. } = event {
            first.entry(*index).or_insert((at, node, command.as_str()));
        }
    }
    first
}

/// How long after the faults end a leader must be established and committing: lab 03's
/// election bound, plus a few heartbeat rounds to replicate.
pub fn recovery_bound(max_delay: Duration) -> Duration {
    lab03::properties::election_bound(Timing::SLOWEST, max_delay)
        + Timing::SLOWEST.heartbeat_interval.times(4)
}

/// The node that acts as leader now: the sender of the highest-term AppendEntries in the last
/// two (slowest) heartbeat intervals.
pub fn current_leader(trace: &Trace<RaftKv>, now: Time) -> Option<NodeId> {
    let window = Timing::SLOWEST.heartbeat_interval.times(2);
    trace
        .events
        .iter()
        .rev()
        .skip_while(|e| e.at > now)
        .take_while(|e| now.since(e.at) <= window)
        .filter_map(|e| match e.kind {
            EventKind::Send { msg } => match trace.message(msg) {
                m if matches!(m.msg, Message::AppendEntries { .. }) => {
                    Some((m.msg.term().unwrap_or(0), m.from))
                }
                _ => None,
            },
            _ => None,
        })
        .max()
        .map(|(_, from)| from)
}

/// At most one node acts as leader in any term.
pub fn one_leader_per_term() -> Property<RaftKv> {
    Property::safety(
        "at most one leader per term",
        "No two nodes send AppendEntries or InstallSnapshot in the same term: doing so in term T \
         is what makes a node leader of T.",
        "lab 03's election bugs: a vote not persisted, or granted twice in a term; becoming \
         leader without a majority.",
        |run: &Run<RaftKv>| {
            let mut leader: BTreeMap<Term, NodeId> = BTreeMap::new();
            for (at, from, _, msg) in sent(&run.trace) {
                if let Message::AppendEntries { term, .. } | Message::InstallSnapshot { term, .. } =
                    msg
                {
                    if let Some(other) = leader.insert(*term, from).filter(|o| *o != from) {
                        return Verdict::fails_at(
                            at,
                            format!("{other} and {from} both acted as leaders of term {term}"),
                        );
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// Log matching (Raft's figure 3): two entries with the same index and term hold the same
/// command and follow the same entries, wherever they are sent.
pub fn log_matching() -> Property<RaftKv> {
    Property::safety(
        "log matching",
        "Two log entries with the same index and term hold the same command and are preceded by \
         the same entries: a leader creates at most one entry per index in its term, and entries \
         never change position. Checked on every AppendEntries sent: an entry's command, and the \
         term of the entry before it.",
        "a follower that overwrites a conflicting entry but keeps the entries after it; a \
         follower that appends entries after the wrong position (ignoring prev_log_index, or off \
         by one after a snapshot); a leader that puts two entries at one index.",
        |run: &Run<RaftKv>| {
            // (index, term) -> (first sender, command, term of the entry before it)
            let mut seen: BTreeMap<(Index, Term), (NodeId, &str, Term)> = BTreeMap::new();
            for (at, from, _, msg) in sent(&run.trace) {
                let Message::AppendEntries { prev_log_index, prev_log_term, entries, .. } = msg
                else {
                    continue;
                };
                let mut before = *prev_log_term;
                for (k, e) in entries.iter().enumerate() {
                    let index = prev_log_index + 1 + k as u64;
                    let (first, c, b) =
                        *seen.entry((index, e.term)).or_insert((from, &e.command, before));
                    if c != e.command || b != before {
                        return Verdict::fails_at(
                            at,
                            format!(
                                "{from} sent {:?} as entry {index} of term {}, after an entry of \
                                 term {before}, but {first} had sent {c:?} there, after an entry \
                                 of term {b}",
                                e.command, e.term
                            ),
                        );
                    }
                    before = e.term;
                }
            }
            Verdict::Holds
        },
    )
}

/// Leader completeness (section 5.4): once a command is committed at an index, every leader of
/// a later term has it there.
pub fn leader_completeness() -> Property<RaftKv> {
    Property::safety(
        "leader completeness",
        "Once a command is committed at an index (some node applied it there), every leader of a \
         later term has it: no AppendEntries of a term higher than any term in use at that \
         moment carries a different command at that index.",
        "granting votes without the up-to-date-log check (section 5.4.1); a leader that commits \
         an entry of an earlier term by counting replicas (figure 8); committing before a \
         majority stored the entry; a follower that acknowledges entries it has not persisted.",
        |run: &Run<RaftKv>| {
            // index -> (time, node, command, the highest term in use when it was first applied)
            let mut committed: BTreeMap<Index, (Time, NodeId, &str, Term)> = BTreeMap::new();
            let mut highest: Term = 0;
            for e in &run.trace.events {
                match &e.kind {
                    EventKind::Output { node, output: Event::Applied { index, command, .. } } => {
                        committed.entry(*index).or_insert((e.at, *node, command, highest));
                    }
                    EventKind::Send { msg } => {
                        let m = run.trace.message(*msg);
                        let Some(term) = m.msg.term() else { continue };
                        if let Message::AppendEntries { prev_log_index, entries, .. } = &m.msg {
                            for (k, entry) in entries.iter().enumerate() {
                                let index = prev_log_index + 1 + k as u64;
                                let Some(&(at, node, c, then)) = committed.get(&index) else {
                                    continue;
                                };
                                if term > then && c != entry.command {
                                    return Verdict::fails_at(
                                        e.at,
                                        format!(
                                            "{}, leader of term {term}, sent {:?} at index \
                                             {index}, but {node} had applied {c:?} there at {at}, \
                                             when no term above {then} was in use: the leader \
                                             lacks a committed entry",
                                            m.from, entry.command
                                        ),
                                    );
                                }
                            }
                        }
                        highest = highest.max(term);
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// State machine safety (figure 3): no two nodes apply different commands at one index.
pub fn state_machine_safety() -> Property<RaftKv> {
    Property::safety(
        "state machine safety",
        "No two nodes apply different commands at the same log index.",
        "committing an entry of an earlier term by counting replicas (figure 8); not truncating \
         a follower's conflicting entries; truncating entries that matched (a stale \
         AppendEntries then erases committed ones); acknowledging entries before they are \
         durable; voting for a candidate whose log is behind.",
        |run: &Run<RaftKv>| {
            let mut first: BTreeMap<Index, (Time, NodeId, &str)> = BTreeMap::new();
            for (at, node, _, event) in applied(&run.trace) {
                if let Event::Applied { index, command, .. } = event {
                    let &mut (t, n, c) = first.entry(*index).or_insert((at, node, command));
                    if c != command {
                        return Verdict::fails_at(
                            at,
                            format!(
                                "{node} applied {command:?} at index {index}, but {n} had applied \
                                 {c:?} there at {t}"
                            ),
                        );
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// Each node hands its service every committed entry once, in order (within one incarnation:
/// a restarted node rebuilds its service from its snapshot and the log).
pub fn applies_in_order_once() -> Property<RaftKv> {
    Property::safety(
        "each entry applied once, in order",
        "Within one run of a node (from a start to its crash), the service gets consecutive \
         indices: each committed entry once, in log order, and a snapshot only if it is ahead of \
         what was applied.",
        "a last_applied that is not advanced, or advanced past the commit index; applying from \
         the leader's commit index before the entries arrived; handing the service a snapshot \
         older than its state; forgetting that a snapshot already covers entries.",
        |run: &Run<RaftKv>| {
            let mut last: BTreeMap<(NodeId, u32), Index> = BTreeMap::new();
            for (at, node, incarnation, event) in applied(&run.trace) {
                let last = last.entry((node, incarnation)).or_insert(0);
                match event {
                    Event::Applied { index, .. } if *index != *last + 1 => {
                        let what = if *index <= *last { "again" } else { "out of order" };
                        return Verdict::fails_at(
                            at,
                            format!("{node} applied index {index} {what}, after index {last}"),
                        );
                    }
                    Event::Restored { index, .. } if *index <= *last && *last > 0 => {
                        return Verdict::fails_at(
                            at,
                            format!(
                                "{node} restored a snapshot of index {index} after applying up \
                                 to {last}: its state went back in time"
                            ),
                        );
                    }
                    Event::Applied { index, .. } | Event::Restored { index, .. } => *last = *index,
                    Event::Role { .. } => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// Parts A-C: a restored snapshot holds exactly the commands committed up to its index.
pub fn snapshots_hold_the_log() -> Property<RaftKv> {
    Property::safety(
        "snapshots hold the committed log",
        "A snapshot restored at index i is the service's state after applying exactly the \
         commands committed at indices 1 to i.",
        "snapshotting at an index other than the one the service was asked about; sending a \
         snapshot with the wrong last_included_index; restoring a snapshot but keeping the \
         entries it replaced.",
        |run: &Run<RaftKv>| {
            let committed = committed(&run.trace);
            // digests[i]: the digest after applying indices 1..=i, while they are all known.
            let mut digests = vec![0u64];
            for (i, (index, (_, _, command))) in committed.iter().enumerate() {
                if *index != i as u64 + 1 {
                    break;
                }
                let next = Recorder::chain(digests[i], command);
                digests.push(next);
            }
            for (at, node, _, event) in applied(&run.trace) {
                if let Event::Restored { index, snapshot, .. } = event {
                    let Some(&expected) = digests.get(*index as usize) else { continue };
                    if Recorder::parse(snapshot) != Some((*index, expected)) {
                        return Verdict::fails_at(
                            at,
                            format!(
                                "{node} restored {snapshot:?} as the snapshot of index {index}, \
                                 but the commands committed up to {index} make {:?}",
                                Recorder::snapshot_text(*index, expected)
                            ),
                        );
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// The last index each node's service reached by the end, for nodes up at the end.
fn reached(run: &Run<RaftKv>) -> BTreeMap<NodeId, Index> {
    let mut reached: BTreeMap<NodeId, Index> = BTreeMap::new();
    for e in &run.trace.events {
        match &e.kind {
            EventKind::Start { node, .. } | EventKind::Restart { node, .. } => {
                reached.insert(*node, 0);
            }
            EventKind::Crash { node, .. } => {
                reached.remove(node);
            }
            EventKind::Output {
                node,
                output: Event::Applied { index, .. } | Event::Restored { index, .. },
            } => {
                reached.insert(*node, *index);
            }
            _ => {}
        }
    }
    reached
}

/// Parts A-C: once the faults are over, proposals commit again and every server catches up.
pub fn commits_and_catches_up(servers: usize, max_delay: Duration) -> Property<RaftKv> {
    Property::new(
        "commits resume and every server catches up",
        "Once the faults are over and a majority can talk (within the recovery bound), a command \
         proposed to the leader commits, and by the end every server that is up has applied \
         everything committed: no committed command is lost.",
        "a leader that never advances its commit index (waiting for an entry of its own term \
         that never comes, or counting itself twice); next_index that never backs up far \
         enough; a follower's commit index not taken from leader_commit; a restarted node that \
         loses its log.",
        move |run: &Run<RaftKv>| {
            let after = run.trace.faults_end() + recovery_bound(max_delay);
            let committed = committed(&run.trace);
            let top = committed.keys().next_back().copied().unwrap_or(0);
            let proposed_after: BTreeSet<&str> = run
                .trace
                .events
                .iter()
                .filter(|e| e.at >= after)
                .filter_map(|e| match &e.kind {
                    EventKind::Request { request: Request::Propose(c), .. } => Some(c.as_str()),
                    _ => None,
                })
                .collect();
            if !committed.values().any(|(_, _, c)| proposed_after.contains(c)) {
                return Verdict::fails(format!(
                    "no command proposed after {after} (the faults' end plus the recovery bound) \
                     was committed by the end, {}",
                    run.end
                ));
            }
            let reached = reached(run);
            for s in (0..servers as u32).map(NodeId) {
                match reached.get(&s) {
                    Some(&r) if r < top => {
                        return Verdict::fails(format!(
                            "by the end, {s} had applied up to index {r}, but index {top} was \
                             committed"
                        ));
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// Message efficiency on a quiet network: each entry travels about once to each follower, and
/// the bytes on the wire are about those of the commands.
pub fn replication_is_frugal(servers: usize) -> Property<RaftKv> {
    Property::new(
        "each entry sent about once per follower",
        "On a network without faults, the leader sends each entry to each follower about once \
         (at most 1.5 times on average, plus 5 per follower), and the serialized bytes of all \
         messages are at most 1.5 times the commands' bytes per follower, plus 300 bytes per \
         message for the rest of each message.",
        "sending the whole log, or everything from next_index, on every heartbeat even when it \
         is in flight; sending entries from index 1 instead of next_index; answering every \
         AppendEntries with several messages.",
        move |run: &Run<RaftKv>| {
            let followers = servers as u64 - 1;
            let committed = committed(&run.trace);
            let commands = committed.len() as u64;
            let command_bytes: u64 = committed.values().map(|(_, _, c)| c.len() as u64).sum();
            let copies = entries_sent(&run.trace).count() as u64;
            let allowed = followers * commands * 3 / 2 + followers * 5;
            if copies > allowed {
                return Verdict::fails(format!(
                    "{copies} entries were sent in AppendEntries for {commands} committed \
                     commands and {followers} followers (allowed: {allowed})"
                ));
            }
            let mut messages = 0u64;
            let mut bytes = 0u64;
            for (_, _, _, msg) in sent(&run.trace) {
                messages += 1;
                bytes += serde_json::to_vec(msg).map_or(0, |v| v.len() as u64);
            }
            let allowed = followers * command_bytes * 3 / 2 + messages * 300;
            if bytes > allowed {
                return Verdict::fails(format!(
                    "{messages} messages took {bytes} bytes for {command_bytes} bytes of \
                     commands and {followers} followers (allowed: {allowed})"
                ));
            }
            Verdict::Holds
        },
    )
}

/// Fast backup (section 5.3): a follower far behind is brought into line in a few round trips,
/// not one per conflicting entry.
pub fn backs_up_fast(max_places: usize) -> Property<RaftKv> {
    Property::new(
        "next_index backs up a term at a time",
        "A leader that finds a follower's log in conflict backs up by the follower's hint (the \
         conflicting term and its first index), so between two successes a follower refuses a \
         leader's AppendEntries at only a few different places in its log, however many \
         entries conflict. (Refusals at one place, as when messages in flight all miss, count \
         once.)",
        "decrementing next_index by one per refusal; ignoring conflict_term and conflict_index; \
         a follower that names the refused position instead of the first index of the \
         conflicting term.",
        move |run: &Run<RaftKv>| {
            // The places refused since the last success, per (follower, leader's term).
            let mut places: BTreeMap<(NodeId, Term), BTreeSet<Index>> = BTreeMap::new();
            for (at, from, _, msg) in sent(&run.trace) {
                let Message::AppendEntriesReply { term, success, conflict_index, .. } = msg else {
                    continue;
                };
                let set = places.entry((from, *term)).or_default();
                if *success {
                    set.clear();
                } else if *conflict_index > 0 {
                    // (A refusal without a place is a stale term, not a log conflict.)
                    set.insert(*conflict_index);
                    if set.len() > max_places {
                        return Verdict::fails_at(
                            at,
                            format!(
                                "{from} refused AppendEntries from the leader of term {term} at \
                                 {} different places in its log without a success in between \
                                 (allowed: {max_places})",
                                set.len()
                            ),
                        );
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// Part C: the storage each server holds stays bounded, because the log is compacted behind
/// snapshots.
pub fn storage_bounded(max_bytes: u64) -> Property<RaftKv> {
    Property::new(
        "persisted state stays bounded",
        "With a snapshot every few applied entries, a server's storage (all its keys' bytes) \
         never exceeds the bound: the log is discarded behind each snapshot.",
        "not discarding the log's prefix when a snapshot is taken or installed; keeping every \
         old snapshot; writing the whole log under new keys each time.",
        move |run: &Run<RaftKv>| {
            let mut keys: BTreeMap<(NodeId, &str), u64> = BTreeMap::new();
            let mut totals: BTreeMap<NodeId, u64> = BTreeMap::new();
            for e in &run.trace.events {
                let (node, key, bytes) = match &e.kind {
                    EventKind::Put { node, key, bytes } => (*node, &**key, u64::from(*bytes)),
                    EventKind::Delete { node, key } => (*node, &**key, 0),
                    _ => continue,
                };
                let old = keys.insert((node, key), bytes).unwrap_or(0);
                let total = totals.entry(node).or_insert(0);
                *total = *total + bytes - old;
                if *total > max_bytes {
                    return Verdict::fails_at(
                        e.at,
                        format!("{node}'s storage reached {total} bytes (allowed: {max_bytes})"),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// Part D: the clerks' history, in the checker's terms. An answer `NotLeader` cannot come from
/// a clerk; it would count as an operation that did not happen.
pub fn kv_history(run: &Run<RaftKv>) -> harness::history::History<KvOp, KvRet> {
    harness::history::history(run).map(|op: &Operation<Request, Response>| Operation {
        process: op.process,
        invoked: op.invoked,
        input: match &op.input {
            Request::Kv(op) => op.clone(),
            Request::Propose(c) => KvOp::Get { key: format!("not a key-value operation: {c}") },
        },
        outcome: match &op.outcome {
            Outcome::Ok(at, Response::Kv(ret)) => Outcome::Ok(*at, ret.clone()),
            Outcome::Ok(at, _) => Outcome::Fail(*at),
            Outcome::Fail(at) => Outcome::Fail(*at),
            Outcome::Info(at) => Outcome::Info(*at),
        },
    })
}

/// Part D: the clerks' history is linearizable for a key-value map.
pub fn linearizable() -> Property<RaftKv> {
    harness::linearizability::linearizable(Kv::new(), kv_history)
}

/// Part D: every operation a clerk is given completes, and each clerk keeps completing them
/// once the faults are over.
pub fn operations_complete(max_delay: Duration) -> Property<RaftKv> {
    Property::new(
        "operations complete once the faults are over",
        "Every operation handed to a clerk is answered before the run ends (unless the clerk \
         itself crashed), and every clerk completes an operation after the faults end plus the \
         recovery bound.",
        "a clerk that stops retrying, or retries only the server it last tried; a server that \
         never answers a clerk whose request was overtaken by another leader's entry; a server \
         that waits for an index its Raft node has compacted or will never commit; no leader.",
        move |run: &Run<RaftKv>| {
            let after = run.trace.faults_end() + recovery_bound(max_delay);
            let crashed: BTreeSet<u64> = run
                .trace
                .events
                .iter()
                .filter_map(|e| match e.kind {
                    EventKind::Crash { node, .. } => Some(u64::from(node.0)),
                    _ => None,
                })
                .collect();
            let history = harness::history::history(run);
            let mut clerks: BTreeMap<u64, bool> = BTreeMap::new();
            for op in &history.ops {
                let late = clerks.entry(op.process).or_insert(false);
                match op.outcome {
                    Outcome::Ok(at, _) => *late |= at >= after,
                    _ if crashed.contains(&op.process) => {}
                    _ => {
                        return Verdict::fails_at(
                            op.invoked,
                            format!(
                                "n{}'s operation {:?}, issued at {}, was never answered",
                                op.process, op.input, op.invoked
                            ),
                        );
                    }
                }
            }
            match clerks.iter().find(|(_, late)| !**late) {
                Some((clerk, _)) => Verdict::fails(format!(
                    "n{clerk} completed no operation after {after}, the faults' end plus the \
                     recovery bound"
                )),
                None => Verdict::Holds,
            }
        },
    )
}

/// The vote restriction (section 5.4.1): a node grants its vote only to a candidate whose log
/// is at least as up to date as its own.
pub fn votes_for_up_to_date_logs() -> Property<RaftKv> {
    Property::safety(
        "votes only for up-to-date logs",
        "A node grants a (real) vote only if the candidate's last entry has a higher term than the \
         voter's, or the same term and an index at least as high. The voter's log is known from \
         the entries it acknowledged: an acknowledged entry is in its log for good, unless a \
         leader of a higher term replaced it.",
        "granting votes by term alone, without comparing last_log_term and last_log_index; \
         comparing indices before terms; using the commit index instead of the last entry.",
        |run: &Run<RaftKv>| {
            // The term of the entry at each index in the log of term t's leader, as sent.
            let mut leader_log: BTreeMap<(Term, Index), Term> = BTreeMap::new();
            for (_, _, _, msg) in sent(&run.trace) {
                if let Message::AppendEntries {
                    term, prev_log_index, prev_log_term, entries, ..
                } = msg
                {
                    if *prev_log_index > 0 {
                        leader_log.insert((*term, *prev_log_index), *prev_log_term);
                    }
                    for (k, e) in entries.iter().enumerate() {
                        leader_log.insert((*term, prev_log_index + 1 + k as u64), e.term);
                    }
                }
            }
            // Each node's last acknowledged entry, as (entry term, index).
            let mut tip: BTreeMap<NodeId, (Term, Index)> = BTreeMap::new();
            let mut asked: BTreeMap<(NodeId, NodeId, Term), (Term, Index)> = BTreeMap::new();
            for (at, from, to, msg) in sent(&run.trace) {
                match msg {
                    Message::AppendEntriesReply { term, success: true, match_index, .. }
                        if *match_index > 0 =>
                    {
                        if let Some(&t) = leader_log.get(&(*term, *match_index)) {
                            let known = tip.entry(from).or_insert((0, 0));
                            *known = (*known).max((t, *match_index));
                        }
                    }
                    Message::RequestVote {
                        term,
                        last_log_index,
                        last_log_term,
                        pre_vote: false,
                    } => {
                        asked.insert((from, to, *term), (*last_log_term, *last_log_index));
                    }
                    Message::Vote { term, granted: true, pre_vote: false } => {
                        let (Some(&candidate), Some(&voter)) =
                            (asked.get(&(to, from, *term)), tip.get(&from))
                        else {
                            continue;
                        };
                        if candidate < voter {
                            return Verdict::fails_at(
                                at,
                                format!(
                                    "{from} voted for {to} in term {term}, though {to}'s last entry \
                                     (term {}, index {}) is behind {from}'s (term {}, index {})",
                                    candidate.0, candidate.1, voter.0, voter.1
                                ),
                            );
                        }
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}
