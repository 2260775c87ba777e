//! Lab 04's scenarios: replication under partitions (part A), crashes and restarts with durable
//! state (part B), snapshots (part C) and the key-value service under every fault at once
//! (part D), plus scripted interleavings that force classic bugs into the open.
//!
//! Each run ends healed and quiet: the faults are over by `faults_end`, and the run lasts the
//! recovery bound and a second and a half more, so that every server can catch up.

use crate::properties::{self, current_leader, recovery_bound};
use crate::replica::{Recorder, Replica};
use crate::scripted::ScriptedPeer;
use crate::workloads::{self, KvUsers};
use crate::{
    Consensus, Event, KvClerk, KvServer, RaftKv, Request, Response, SNAPSHOT_EVERY, Timing,
};
use harness::evidence;
use harness::sim::{Budgets, Factory, Picker};
use harness::trace::EventKind;
use harness::{
    Delay, Duration, Fault, Network, NodeId, Plan, Prob, Property, Rng, Run, Scenario, Time,
    Verdict,
};
use std::sync::Arc;

/// The network outside the faults: no loss, 1-10 ms delays.
const QUIET: Network = Network::reliable()
    .with_delay(Delay::uniform(Duration::from_millis(1), Duration::from_millis(10)));

/// The network of the unreliable scenarios while their faults last: 10% loss, 5% duplication,
/// and one message in twenty delayed by up to 300 ms, so messages overtake each other.
const UNRELIABLE: Network =
    Network::reliable().with_loss(Prob::percent(10)).with_duplication(Prob::percent(5)).with_delay(
        Delay::uniform(Duration::from_millis(1), Duration::from_millis(10))
            .with_spikes(Prob::percent(5), Duration::from_millis(300)),
    );

/// The most bytes a server may hold in storage when it takes snapshots, with commands of
/// `command_bytes`: twice [`SNAPSHOT_EVERY`] entries with 100 bytes each of framing, plus
/// `state_bytes` for the term, the vote and the snapshot. A log never compacted outgrows it
/// within the first hundred entries.
fn storage_bound(command_bytes: u64, state_bytes: u64) -> u64 {
    2 * SNAPSHOT_EVERY * (command_bytes + 100) + state_bytes
}

/// The size of the commands in the scenarios with snapshots.
const SNAPSHOTTED_COMMAND: usize = 200;

/// The quiet period after the faults: the recovery bound, then time to catch up.
fn settle() -> Duration {
    recovery_bound(QUIET.delay.upper_bound()) + Duration::from_millis(1500)
}

/// A fault schedule drawn from the seed, for a cluster of this many servers.
type DrawFaults = Box<dyn Fn(&mut Rng, usize) -> Vec<Fault> + Send + Sync>;

/// Who proposes what.
#[derive(Clone, Copy)]
enum Load {
    /// Parts A-C: the tester proposes `burst` commands of `size` bytes every `every`.
    Proposals { every: Duration, burst: usize, size: usize },
    /// Part D: this many clerks, each used in a closed loop, on this many keys.
    Clerks { clerks: usize, keys: u64, append_percent: u64 },
    /// No proposals: a scripted scenario's peers supply the entries.
    Silent,
    /// A scripted scenario's one proposal (16 bytes, to every server) at this time.
    ProposalAt(Time),
}

/// Who runs where: the student's servers, or scripted peers in some places.
enum Cast {
    Cluster,
    Scripted(Vec<Option<ScriptedPeer>>),
}

struct Spec {
    name: &'static str,
    part: &'static str,
    points: u32,
    summary: &'static str,
    servers: usize,
    network: Network,
    faults: &'static str,
    /// The latest time the faults can end, on any seed.
    faults_end: Time,
    draw: DrawFaults,
    load: Load,
    /// Whether the harness asks for snapshots.
    snapshots: bool,
    cast: Cast,
    /// The properties beyond the standard ones of the spec's part.
    properties: Vec<Property<RaftKv>>,
    picker: Option<Picker<RaftKv>>,
}

/// The safety properties every scenario checks.
fn safety(scripted: Vec<NodeId>) -> Vec<Property<RaftKv>> {
    vec![
        properties::one_leader_per_term(),
        properties::log_matching(),
        properties::leader_completeness(),
        properties::state_machine_safety(),
        properties::applies_in_order_once(),
        properties::votes_for_up_to_date_logs(),
        lab03::properties::adopts_higher_terms(scripted.clone()),
        lab03::properties::answers_by_the_rules(scripted, lab03::properties::Logs::Judged),
    ]
}

impl Spec {
    fn build<N: Consensus, S: KvServer, C: KvClerk>(self, timing: Timing) -> Arc<Scenario<RaftKv>> {
        let duration = (self.faults_end + settle()).since(Time::ZERO);
        let servers = self.servers;
        let d = QUIET.delay.upper_bound();
        let snapshot_every = self.snapshots.then_some(SNAPSHOT_EVERY);
        // Who is scripted (`None`: the student's server), read once for the properties and the
        // factory.
        let scripted = match &self.cast {
            Cast::Cluster => Vec::new(),
            Cast::Scripted(cast) => cast.clone(),
        };
        let scripted_ids =
            (0..scripted.len() as u32).map(NodeId).filter(|n| scripted[n.index()].is_some());
        let mut properties = safety(scripted_ids.collect());
        let (nodes, workload, factory): (usize, String, Factory<RaftKv>) = match self.load {
            Load::Proposals { .. } | Load::Silent | Load::ProposalAt(_) => {
                if let Load::Proposals { .. } = self.load {
                    properties.push(properties::commits_and_catches_up(servers, d));
                }
                if self.snapshots {
                    let size = match self.load {
                        Load::Proposals { size, .. } => size as u64,
                        _ => 16,
                    };
                    properties.push(properties::snapshots_hold_the_log());
                    properties.push(properties::storage_bounded(storage_bound(size, 1_000)));
                }
                let scripted = scripted.clone();
                let factory: Factory<RaftKv> = Arc::new(move |id: NodeId| {
                    if let Some(Some(script)) = scripted.get(id.index()) {
                        return Box::new(script.clone());
                    }
                    let peers = (0..servers as u32).map(NodeId).filter(|p| *p != id).collect();
                    Box::new(Replica::new(
                        N::new(id, peers, timing),
                        Recorder::default(),
                        snapshot_every,
                    ))
                });
                let words = match self.load {
                    Load::Proposals { every, burst, size } => format!(
                        "{burst} command{} of {size} bytes every {every}, from 300ms until 500ms \
                         before the end, each proposed to every server",
                        if burst == 1 { "" } else { "s" }
                    ),
                    Load::ProposalAt(at) => {
                        format!(
                            "one 16-byte command at {}, proposed to every server",
                            at.since(Time::ZERO)
                        )
                    }
                    _ => "none: the scripted peers' entries".to_string(),
                };
                (servers, words, factory)
            }
            Load::Clerks { clerks, keys, append_percent } => {
                if self.snapshots {
                    // A key-value command is about 100 bytes; the snapshot holds the map and
                    // the clerks' last results, a few thousand bytes at most.
                    properties.push(properties::storage_bounded(storage_bound(100, 4_000)));
                }
                properties.push(properties::linearizable());
                properties.push(properties::operations_complete(d));
                let factory: Factory<RaftKv> = Arc::new(move |id: NodeId| {
                    let all: Vec<NodeId> = (0..servers as u32).map(NodeId).collect();
                    if id.index() < servers {
                        let peers = all.iter().copied().filter(|p| *p != id).collect();
                        Box::new(Replica::new(
                            N::new(id, peers, timing),
                            S::new(id),
                            snapshot_every,
                        ))
                    } else {
                        Box::new(C::new(id, all))
                    }
                });
                let words = format!(
                    "{clerks} clerks (n{servers}-n{}), each given one operation at a time on {keys} \
                     keys ({append_percent}% appends, the rest puts and gets 1 to 3) until 1s \
                     before the end",
                    servers + clerks - 1
                );
                (servers + clerks, words, factory)
            }
        };
        properties.extend(self.properties);
        let draw = self.draw;
        let load = self.load;
        Arc::new(Scenario {
            name: self.name,
            part: self.part,
            points: self.points,
            summary: self.summary,
            nodes,
            network: self.network,
            faults: self.faults.to_string(),
            workload,
            duration,
            seeds: 50,
            plan: Arc::new(move |rng: &mut Rng| {
                let faults = draw(rng, servers);
                let workload: Box<dyn harness::Workload<RaftKv>> = match load {
                    Load::Proposals { every, burst, size } => {
                        let mut times = Vec::new();
                        for t in workloads::every(
                            Time::from_millis(300),
                            Time::ZERO + (duration - Duration::from_millis(500)),
                            every,
                        ) {
                            times.extend(std::iter::repeat_n(t, burst));
                        }
                        Box::new(workloads::proposals(&times, servers, size))
                    }
                    Load::Silent => Box::new(harness::NoRequests),
                    Load::ProposalAt(at) => Box::new(workloads::proposals(&[at], servers, 16)),
                    Load::Clerks { clerks, keys, append_percent } => Box::new(KvUsers::new(
                        (servers..servers + clerks).map(|c| NodeId(c as u32)).collect(),
                        keys,
                        Time::ZERO + (duration - Duration::from_secs(1)),
                        workloads::mix(append_percent),
                        Request::Kv,
                    )),
                };
                Plan { faults, clocks: Vec::new(), workload }
            }),
            factory,
            properties,
            budgets: Budgets::default(),
            outcome: None,
            picker: self.picker,
        })
    }
}

fn no_faults() -> DrawFaults {
    Box::new(|_, _| Vec::new())
}

/// The node that acts as leader now.
fn leader_picker() -> Picker<RaftKv> {
    Arc::new(current_leader)
}

/// The lowest-numbered server that does not act as leader now (once there is a leader).
fn follower_picker() -> Picker<RaftKv> {
    Arc::new(|trace, now| {
        let leader = current_leader(trace, now)?;
        (0..).map(NodeId).find(|n| *n != leader)
    })
}

/// The network returns to [`QUIET`] at `at`.
fn quiet_from(at: Time) -> Fault {
    Fault::Network { at, network: QUIET }
}

/// Evidence that the picked fault struck the node acting as leader.
fn the_leader_was_hit() -> Property<RaftKv> {
    evidence::picked_fault_struck("the fault struck the leader", "the leader", leader_picker())
}

/// Evidence that commands committed while the first server cut off or crashed was away, so it
/// had to catch up.
fn missed_entries(at_least: usize) -> Property<RaftKv> {
    Property::new(
        "the server away missed entries",
        "While the server cut off (or crashed) was away, the others committed entries it had to \
         catch up on when it returned.",
        "no leader among the others: see the progress property.",
        move |run: &Run<RaftKv>| {
            let gone = run.trace.events.iter().find_map(|e| match &e.kind {
                EventKind::Partition { links, .. } => links.first().map(|l| (e.at, l.0)),
                EventKind::Crash { node, .. } => Some((e.at, *node)),
                _ => None,
            });
            let Some((from, away)) = gone else { return Verdict::fails("nobody went away") };
            let back = run
                .trace
                .events
                .iter()
                .find_map(|e| match e.kind {
                    EventKind::Heal { .. } => Some(e.at),
                    EventKind::Restart { node, .. } if node == away => Some(e.at),
                    _ => None,
                })
                .unwrap_or(run.end);
            let missed: std::collections::BTreeSet<_> = properties::applied(&run.trace)
                .into_iter()
                .filter(|(t, n, _, _)| *t > from && *t < back && *n != away)
                .filter_map(|(_, _, _, e)| match e {
                    Event::Applied { index, .. } => Some(*index),
                    _ => None,
                })
                .collect();
            if missed.len() >= at_least {
                Verdict::Holds
            } else {
                Verdict::fails(format!(
                    "only {} entries committed while {away} was away (wanted {at_least})",
                    missed.len()
                ))
            }
        },
    )
}

/// Nothing commits while no majority can talk.
fn nothing_commits_without_a_majority(from: Time, heal: Time) -> Property<RaftKv> {
    Property::new(
        "nothing commits without a majority",
        "While no majority of the servers can talk to each other, no command proposed during that \
         time is applied anywhere before the partition heals.",
        "a leader that commits on its own acknowledgement, or counts a follower twice; a \
         majority computed from the wrong cluster size.",
        move |run: &Run<RaftKv>| {
            let mut proposed_at = std::collections::BTreeMap::new();
            for e in &run.trace.events {
                if let EventKind::Request { request: Request::Propose(c), .. } = &e.kind {
                    proposed_at.entry(c.as_str()).or_insert(e.at);
                }
            }
            for (at, node, _, event) in properties::applied(&run.trace) {
                if let Event::Applied { index, command, .. } = event {
                    let p = proposed_at.get(command.as_str()).copied().unwrap_or(Time::ZERO);
                    if p >= from && at < heal {
                        return Verdict::fails_at(
                            at,
                            format!(
                                "{node} applied {command:?} at index {index}, proposed at {p}, \
                                 while no majority could talk"
                            ),
                        );
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// A majority that can talk keeps committing: some command proposed while the fault lasts is
/// applied before it ends.
fn commits_go_on_with_a_majority(from: Time, heal: Time) -> Property<RaftKv> {
    Property::new(
        "commits go on while a majority can talk",
        "The leader and the other follower are a majority, and the leader is not cut off: some \
         command proposed after the cut is applied before it heals.",
        "a leader that counts only its followers, not itself, and so waits for every follower \
         of a three-server cluster; a majority computed from the wrong cluster size.",
        move |run: &Run<RaftKv>| {
            let mut proposed_at = std::collections::BTreeMap::new();
            for e in &run.trace.events {
                if let EventKind::Request { request: Request::Propose(c), .. } = &e.kind {
                    proposed_at.entry(c.as_str()).or_insert(e.at);
                }
            }
            let committed = properties::applied(&run.trace).into_iter().any(|(at, _, _, event)| {
                matches!(event, Event::Applied { command, .. }
                    if at < heal && proposed_at.get(command.as_str()).is_some_and(|&p| p >= from))
            });
            if committed {
                Verdict::Holds
            } else {
                Verdict::fails(format!(
                    "no command proposed after {from} was applied before the cut healed at {heal}"
                ))
            }
        },
    )
}

/// Evidence that the isolated old leader accepted proposals that were later overwritten.
fn old_leader_entries_overwritten() -> Property<RaftKv> {
    Property::new(
        "the old leader's uncommitted entries were replaced",
        "The isolated leader accepts proposals it cannot commit; after the partition heals, the \
         new leader's entries take their places, so on every seed some index the old leader \
         filled holds another command in the end.",
        "the old leader kept leading after the partition (no higher term reached it?).",
        |run: &Run<RaftKv>| {
            let Some((at, old)) = run.trace.events.iter().find_map(|e| match &e.kind {
                EventKind::Partition { links, .. } => links.first().map(|l| (e.at, l.0)),
                _ => None,
            }) else {
                return Verdict::fails("nobody was isolated");
            };
            let committed = properties::committed(&run.trace);
            let proposals: std::collections::BTreeMap<_, _> = harness::history::history(run)
                .ops
                .into_iter()
                .filter(|op| op.invoked > at && op.process == u64::from(old.0))
                .filter_map(|op| match (op.input, op.outcome.output()) {
                    (Request::Propose(c), Some(Response::Proposed { index, .. })) => {
                        Some((*index, c))
                    }
                    _ => None,
                })
                .collect();
            let replaced = proposals
                .iter()
                .any(|(index, c)| committed.get(index).is_some_and(|(_, _, won)| won != c));
            if replaced {
                Verdict::Holds
            } else {
                Verdict::fails(format!("no entry {old} accepted after {at} was replaced"))
            }
        },
    )
}

/// Crashes of the leader, one at a time, every 250-500 ms from 1s to `until`, each restarting
/// after 50-600 ms: 6.5840's figure 8 test.
fn leader_crashes(until: Time) -> DrawFaults {
    Box::new(move |rng, _| {
        let mut faults = Vec::new();
        let mut t = Time::from_millis(1000);
        while t < until {
            let down = Duration::from_millis(rng.between(50, 600));
            faults.push(Fault::CrashPicked { at: t, restart_after: Some(down) });
            t += Duration::from_millis(rng.between(250, 500));
        }
        faults
    })
}

/// Crashes of random servers, each restarting 100-800 ms later, every 200-400 ms from 1s to
/// `until`; a server is not crashed again while it is down.
fn churn(until: Time) -> DrawFaults {
    Box::new(move |rng, servers| {
        let mut faults = Vec::new();
        let mut up_again = vec![Time::ZERO; servers];
        let mut t = Time::from_millis(1000);
        while t < until {
            let node = rng.below(servers as u64) as usize;
            if up_again[node] <= t {
                let back = (t + Duration::from_millis(rng.between(100, 800))).min(until);
                faults.push(Fault::Crash { node: NodeId(node as u32), at: t });
                faults.push(Fault::Restart { node: NodeId(node as u32), at: back });
                up_again[node] = back + Duration::from_millis(1);
            }
            t += Duration::from_millis(rng.between(200, 400));
        }
        faults
    })
}

/// Evidence that every server crashed, restarted and carried on.
fn every_server_restarted(servers: usize) -> Vec<Property<RaftKv>> {
    let all = (0..servers as u32).map(NodeId).collect();
    vec![evidence::all_restarted("every server restarted and carried on", all)]
}

/// Evidence that exactly `count` servers crashed, and each restarted and carried on (for a
/// scenario whose crashed servers are drawn from the seed).
fn crashed_servers_restarted(count: usize) -> Property<RaftKv> {
    Property::new(
        "the crashed servers restarted and carried on",
        "The scenario crashes servers drawn from the seed, so on every seed exactly that many \
         must crash, and each must restart and then handle at least one message.",
        "servers that send nothing after a restart.",
        move |run: &Run<RaftKv>| {
            let crashed: std::collections::BTreeSet<NodeId> = run
                .trace
                .events
                .iter()
                .filter_map(|e| match e.kind {
                    EventKind::Crash { node, .. } => Some(node),
                    _ => None,
                })
                .collect();
            if crashed.len() != count {
                return Verdict::fails(format!("{} servers crashed, not {count}", crashed.len()));
            }
            (evidence::all_restarted("", crashed.into_iter().collect()).check)(run)
        },
    )
}

/// `faults`, then the network turns quiet at `at`.
fn then_quiet(mut faults: Vec<Fault>, at: Time) -> Vec<Fault> {
    faults.push(quiet_from(at));
    faults
}

/// A scripted leader's AppendEntries carrying `commands` from index 1, all of its term.
fn entries_from_1(
    term: crate::Term,
    commands: &[&str],
    leader_commit: crate::Index,
) -> crate::Message {
    crate::Message::AppendEntries {
        term,
        prev_log_index: 0,
        prev_log_term: 0,
        entries: commands.iter().map(|c| crate::Entry { term, command: c.to_string() }).collect(),
        leader_commit,
    }
}

/// The entries n1 gives n0 in `backs_up_past_the_snapshot`: one snapshot's worth.
const FIRST_TEN: [&str; 10] = ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10"];

/// The entries n1 gives n0 in `commit_capped_at_verified`: a1-a3 are also the next leader's,
/// a4-a6 never commit.
const OLD_SUFFIX: [&str; 6] = ["a1", "a2", "a3", "a4", "a5", "a6"];

/// A scripted leader's AppendEntries of `term` after (`prev_index`, `prev_term`), carrying
/// `entries` as (term, command).
fn appends(
    term: crate::Term,
    prev_index: crate::Index,
    prev_term: crate::Term,
    entries: &[(crate::Term, &str)],
    leader_commit: crate::Index,
) -> crate::Message {
    crate::Message::AppendEntries {
        term,
        prev_log_index: prev_index,
        prev_log_term: prev_term,
        entries: entries
            .iter()
            .map(|(term, c)| crate::Entry { term: *term, command: c.to_string() })
            .collect(),
        leader_commit,
    }
}

/// Evidence for `stale_replies_ignored`: n0 took the proposal as leader, and the late answer
/// reached it afterwards.
fn late_answer_reached_the_leader() -> Property<RaftKv> {
    Property::new(
        "n0 led when the late answer came",
        "In the script, n0 leads term 21 with n1's vote, takes the command proposed at 2000ms as \
         an entry of that term, and then gets n1's success answer of term 1.",
        "n0 was not leading at 2000ms: see the election (n1 grants every vote and answers every \
         AppendEntries, so n0 can win and keep leading).",
        |run: &Run<RaftKv>| {
            let accepted = run.trace.events.iter().find_map(|e| match &e.kind {
                EventKind::Reply { node, response: Response::Proposed { .. }, .. }
                    if *node == NodeId(0) =>
                {
                    Some(e.at)
                }
                _ => None,
            });
            let answered = run.trace.events.iter().any(|e| {
                matches!(e.kind, EventKind::Deliver { msg } if {
                    let m = run.trace.message(msg);
                    m.to == NodeId(0) && matches!(m.msg, crate::Message::AppendEntriesReply { term: 1, .. })
                }) && accepted.is_some_and(|t| t <= e.at)
            });
            match (accepted, answered) {
                (Some(_), true) => Verdict::Holds,
                (None, _) => Verdict::fails("n0 did not accept the proposal as leader"),
                (Some(_), false) => {
                    Verdict::fails("the late answer never reached n0 after it took the proposal")
                }
            }
        },
    )
}

/// Evidence for `backs_up_past_the_snapshot`: n0 applied entries 1-10, so the service asked it
/// to compact them, before the election.
fn first_ten_applied() -> Property<RaftKv> {
    Property::new(
        "n0 applied entries 1-10 and was asked to snapshot them",
        "In the script n1 commits entries 1-10 at 100ms; n0 applies them, and the service asks \
         for a snapshot at 10 (one every 10 entries), long before n0 can lead.",
        "n0 did not apply what n1 committed: see the answer and apply rules.",
        |run: &Run<RaftKv>| {
            let applied = properties::applied(&run.trace).iter().any(|(at, node, _, e)| {
                *node == NodeId(0)
                    && *at < Time::from_millis(150)
                    && matches!(e, Event::Applied { index: 10, .. })
            });
            if applied {
                Verdict::Holds
            } else {
                Verdict::fails("n0 had not applied index 10 by 150ms")
            }
        },
    )
}

/// The property of `backs_up_past_the_snapshot`: after n2's first refusal, which names term 2,
/// n0's next message to n2 is an AppendEntries after index 13, its last entry of term 2.
fn backs_up_by_the_hint() -> Property<RaftKv> {
    Property::new(
        "the leader backs up by the follower's hint",
        "A refusal that names a term the leader holds sends the leader to one past its own last \
         entry of that term: n0 holds term 2 at 11-13 (after its snapshot of 1-10), so after n2's \
         refusal naming term 2 its next message to n2 is an AppendEntries with prev_log_index 13 \
         and prev_log_term 2.",
        "the position of the last entry of the term counted from the wrong base once the log is \
         compacted (the index in the log's vector, not in the log); backing up to conflict_index \
         although the leader holds the term; stepping back one entry.",
        |run: &Run<RaftKv>| {
            let refused = run.trace.events.iter().find_map(|e| match e.kind {
                EventKind::Deliver { msg } => {
                    let m = run.trace.message(msg);
                    (m.from == NodeId(2)
                        && m.to == NodeId(0)
                        && matches!(
                            m.msg,
                            crate::Message::AppendEntriesReply { success: false, .. }
                        ))
                    .then_some(e.at)
                }
                _ => None,
            });
            let Some(refused) = refused else {
                return Verdict::fails("n2 never refused an AppendEntries of n0's");
            };
            let next = properties::sent(&run.trace).find(|(at, from, to, m)| {
                *at >= refused
                    && *from == NodeId(0)
                    && *to == NodeId(2)
                    && matches!(
                        m,
                        crate::Message::AppendEntries { .. }
                            | crate::Message::InstallSnapshot { .. }
                    )
            });
            match next {
                Some((
                    _,
                    _,
                    _,
                    crate::Message::AppendEntries { prev_log_index: 13, prev_log_term: 2, .. },
                )) => Verdict::Holds,
                Some((at, _, _, m)) => Verdict::fails_at(
                    at,
                    format!(
                        "after n2's refusal at {refused}, n0 sent n2 {m:?}; the rule gives an AppendEntries after index 13 of term 2"
                    ),
                ),
                None => {
                    Verdict::fails(format!("n0 sent n2 nothing after its refusal at {refused}"))
                }
            }
        },
    )
}

/// The snapshot n2 sends in `snapshot_over_conflicting_log`: the state after b1-b3.
fn snapshot_of_b1_to_b3() -> String {
    let digest = ["b1", "b2", "b3"].iter().fold(0, |d, c| Recorder::chain(d, c));
    Recorder::snapshot_text(3, digest)
}

/// Evidence for `leader_steps_down_on_reply_term`: a refusal of a higher term reached n0 after
/// it had led.
fn higher_refusal_reached_the_leader() -> Property<RaftKv> {
    Property::new(
        "a higher-term refusal reached the leader",
        "n0 wins its election with n1's vote and heartbeats; n1 refuses in a term 50 above, so \
         on every seed such a refusal must reach n0 after it has sent an AppendEntries.",
        "n0 never led: see the election.",
        |run: &Run<RaftKv>| {
            let mut led = false;
            for e in &run.trace.events {
                match e.kind {
                    EventKind::Send { msg } => {
                        let m = run.trace.message(msg);
                        led |= m.from == NodeId(0)
                            && matches!(m.msg, crate::Message::AppendEntries { .. });
                    }
                    EventKind::Deliver { msg } if led => {
                        let m = run.trace.message(msg);
                        if m.to == NodeId(0)
                            && matches!(m.msg, crate::Message::AppendEntriesReply { .. })
                        {
                            return Verdict::Holds;
                        }
                    }
                    _ => {}
                }
            }
            Verdict::fails("no refusal reached n0 after it led")
        },
    )
}

/// Evidence that some server applied at least `count` entries, so that many snapshots were
/// asked for.
fn applied_at_least(count: usize) -> Property<RaftKv> {
    Property::new(
        "hundreds of entries applied",
        "The scenario is about storage over many snapshots, so some server must apply at least \
         500 entries (a snapshot is asked for every 10).",
        "commits stalled: see the progress property.",
        move |run: &Run<RaftKv>| {
            let most = properties::applied(&run.trace)
                .iter()
                .filter_map(|(_, _, _, e)| match e {
                    Event::Applied { index, .. } => Some(*index),
                    _ => None,
                })
                .max()
                .unwrap_or(0);
            if most as usize >= count {
                Verdict::Holds
            } else {
                Verdict::fails(format!("the highest index applied was {most} (wanted {count})"))
            }
        },
    )
}

/// The property of `commit_capped_at_verified`: n0 applies the term 4 leader's log, a1-a3 then
/// b4-b8, and never the old leader's a4-a6.
fn applied_the_leaders_log() -> Property<RaftKv> {
    n0_applied_exactly(
        "n0 applied the leader's log, and only that",
        "The leader of term 4 has committed a1-a3, b4-b8 and sends them a little at a time with \
         leader_commit 8. After the first message n0 has verified only up to index 3; its a4-a6 \
         are the old leader's and conflict with b4: it must not commit past 3 until b4 replaces \
         them. n0 applies exactly a1, a2, a3, b4, b5, b6, b7, b8 at indices 1 to 8.",
        "setting the commit index to leader_commit (or to the end of the log) instead of the \
         smaller of leader_commit and the last index just verified; not truncating at the \
         conflict.",
        &["a1", "a2", "a3", "b4", "b5", "b6", "b7", "b8"],
    )
}

/// n0 applies exactly `expected`, at indices 1, 2, 3, ...
fn n0_applied_exactly(
    name: &'static str,
    meaning: &'static str,
    causes: &'static str,
    expected: &'static [&'static str],
) -> Property<RaftKv> {
    Property::new(name, meaning, causes, move |run: &Run<RaftKv>| {
        let mut next = 0;
        for (at, node, _, event) in properties::applied(&run.trace) {
            let Event::Applied { index, command, .. } = event else { continue };
            if node != NodeId(0) {
                continue;
            }
            if *index != next as crate::Index + 1 || expected.get(next) != Some(&command.as_str()) {
                return Verdict::fails_at(
                    at,
                    format!(
                        "n0 applied {command:?} at index {index}, where the leader's log has {:?} \
                         at index {}",
                        expected.get(next).copied().unwrap_or("nothing"),
                        next + 1
                    ),
                );
            }
            next += 1;
        }
        if next == expected.len() {
            Verdict::Holds
        } else {
            Verdict::fails(format!("n0 applied {next} of the leader's {} entries", expected.len()))
        }
    })
}

/// What a scripted scenario expects n0 to answer: the fields the contract pins.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// `AppendEntriesReply { term, success: true, match_index, conflict_index: 0, .. }`.
    Appended { term: crate::Term, match_index: crate::Index },
    /// `AppendEntriesReply { term, success: false, conflict_term, conflict_index, .. }`.
    Refused { term: crate::Term, conflict_term: Option<crate::Term>, conflict_index: crate::Index },
    /// `Vote { term, granted, pre_vote: false }`.
    Vote { term: crate::Term, granted: bool },
}

impl Expect {
    fn matches(self, msg: &crate::Message) -> bool {
        use crate::Message::{AppendEntriesReply, Vote};
        match (self, msg) {
            (
                Expect::Appended { term, match_index },
                AppendEntriesReply {
                    term: t,
                    success: true,
                    match_index: m,
                    conflict_index: 0,
                    ..
                },
            ) => term == *t && match_index == *m,
            (
                Expect::Refused { term, conflict_term, conflict_index },
                AppendEntriesReply {
                    term: t,
                    success: false,
                    conflict_term: ct,
                    conflict_index: ci,
                    ..
                },
            ) => term == *t && conflict_term == *ct && conflict_index == *ci,
            (Expect::Vote { term, granted }, Vote { term: t, granted: g, pre_vote: false }) => {
                term == *t && granted == *g
            }
            _ => false,
        }
    }
}

/// The property of the answer scripts: n0's answers, in order, are `expected`; `causes` are
/// the mistakes that script is after.
fn n0_answers_exactly(expected: Vec<Expect>, causes: &'static str) -> Property<RaftKv> {
    Property::new(
        "n0 answered every scripted message by the rules",
        "Each of n0's answers follows from its log and its term: an AppendEntries that matches \
         appends and reports the new match_index; a mismatch names the conflicting term and its \
         first index, or, for a log too short, no term and the log's length + 1; a stale term is \
         refused with no term and index 0; a vote request of an older term is refused without \
         recording a vote, so the next candidate of n0's term gets its vote.",
        causes,
        move |run: &Run<RaftKv>| {
            let answers: Vec<(Time, &crate::Message)> = properties::sent(&run.trace)
                .filter(|(_, from, _, m)| {
                    *from == NodeId(0)
                        && matches!(
                            m,
                            crate::Message::AppendEntriesReply { .. }
                                | crate::Message::Vote { pre_vote: false, .. }
                        )
                })
                .map(|(at, _, _, m)| (at, m))
                .collect();
            for (k, want) in expected.iter().enumerate() {
                match answers.get(k) {
                    Some((_, got)) if want.matches(got) => {}
                    Some((at, got)) => {
                        return Verdict::fails_at(
                            *at,
                            format!("n0's answer {} was {got:?}; the rules give {want:?}", k + 1),
                        );
                    }
                    None => {
                        return Verdict::fails(format!(
                            "n0 gave {} answers; answer {} should be {want:?}",
                            answers.len(),
                            k + 1
                        ));
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// A scripted candidate's real vote request in `term`, its log ending at (`last_index`,
/// `last_term`).
fn vote_request(
    term: crate::Term,
    last_index: crate::Index,
    last_term: crate::Term,
) -> crate::Message {
    crate::Message::RequestVote {
        term,
        last_log_index: last_index,
        last_log_term: last_term,
        pre_vote: false,
    }
}

/// A scripted leader's AppendEntries carrying one entry at index 1.
fn one_entry(term: crate::Term, command: &str, leader_commit: crate::Index) -> crate::Message {
    entries_from_1(term, &[command], leader_commit)
}

/// A scripted candidate with an empty log that asks n0 for its vote in term 10 at `at`: a term
/// above any n0 reaches by then, so n0 has not voted in it and must compare logs.
fn asks_for_a_vote(at: Time) -> ScriptedPeer {
    let request = crate::Message::RequestVote {
        term: 10,
        last_log_index: 0,
        last_log_term: 0,
        pre_vote: false,
    };
    ScriptedPeer { sends: vec![(at, NodeId(0), request)], ..ScriptedPeer::default() }
}

/// Evidence for the figure 8 script: n0 led a term and sent the old entry to n2.
fn old_entry_replicated() -> Property<RaftKv> {
    Property::new(
        "n0 led and replicated the old entry",
        "In the script, n0 holds an uncommitted entry of term 1 from n1, wins an election with \
         n2's vote, and sends that entry to n2: a majority then stores it, but no entry of n0's \
         own term.",
        "n0 never became leader, or never sent n2 the entry: see the election and backup.",
        |run: &Run<RaftKv>| {
            let sent = properties::sent(&run.trace).any(|(_, from, to, m)| {
                from == NodeId(0)
                    && to == NodeId(2)
                    && matches!(m, crate::Message::AppendEntries { entries, .. }
                        if entries.iter().any(|e| e.command == "c1"))
            });
            if sent { Verdict::Holds } else { Verdict::fails("n0 never sent entry c1 to n2") }
        },
    )
}

/// Evidence for the second figure 8 script: n0 accepted the proposal as leader, and its entry
/// was lost on the way to n2.
fn own_entry_stayed_on_the_leader() -> Property<RaftKv> {
    Property::new(
        "n0 appended an entry of its own term that n2 never got",
        "In the script, n0 leads, takes the command proposed at 1250ms as an entry of its own \
         term, and sends it to n2 across the cut, which drops it: the entry is on n0 alone.",
        "n0 was not leading at 1250ms: see the election; or it sent nothing to n2.",
        |run: &Run<RaftKv>| {
            let accepted = run.trace.events.iter().any(|e| {
                matches!(&e.kind, EventKind::Reply { node, response: crate::Response::Proposed { .. }, .. }
                    if *node == NodeId(0))
            });
            let dropped = run.trace.events.iter().any(|e| {
                matches!(e.kind, EventKind::Drop { msg, reason: harness::DropReason::Partition }
                if {
                    let m = run.trace.message(msg);
                    m.to == NodeId(2)
                        && matches!(&m.msg, crate::Message::AppendEntries { entries, .. }
                            if !entries.is_empty())
                })
            });
            match (accepted, dropped) {
                (true, true) => Verdict::Holds,
                (false, _) => Verdict::fails("n0 did not accept the proposal as leader"),
                (true, false) => Verdict::fails("no entry from n0 was lost on its way to n2"),
            }
        },
    )
}

/// Evidence that the crash fell inside n0's handling of the scripted entry (not in a timer that
/// came first).
fn crashed_in_append_entries() -> Property<RaftKv> {
    evidence::crashed_inside_handler(
        "n0 crashed inside its handler of n1's AppendEntries",
        "The script crashes n0 inside its handling of n1's AppendEntries, after a random prefix \
         of that handler's effects.",
        NodeId(0),
        |m| m.from == NodeId(1) && matches!(m.msg, crate::Message::AppendEntries { .. }),
    )
}

/// Evidence that n0 restarted and then heard the scripted vote request.
fn asked_after_restart() -> Property<RaftKv> {
    evidence::delivered_after_restart(
        "n0 was asked for a vote after its restart",
        "After the restart, n2, whose log is empty, asks n0 for its vote in term 10.",
        NodeId(0),
        |m| m.from == NodeId(2) && matches!(m.msg, crate::Message::RequestVote { .. }),
    )
}

/// Evidence for the conflict script: n0 led, and sent n2 its log from the start.
fn sent_its_log_to_n2() -> Property<RaftKv> {
    Property::new(
        "n0 led and sent n2 its whole log",
        "In the script, n0 wins an election with n2's vote; n2 refuses its AppendEntries as if \
         its log were empty, so n0 must send it the log from index 1.",
        "n0 never became leader (see the election), or never backed up to index 1 for n2.",
        |run: &Run<RaftKv>| {
            let sent = properties::sent(&run.trace).any(|(_, from, to, m)| {
                from == NodeId(0)
                    && to == NodeId(2)
                    && matches!(m, crate::Message::AppendEntries { prev_log_index: 0, entries, .. }
                        if !entries.is_empty())
            });
            if sent {
                Verdict::Holds
            } else {
                Verdict::fails("n0 never sent n2 its log from index 1")
            }
        },
    )
}

/// Evidence that a follower got the leader's snapshot: an InstallSnapshot was delivered.
fn a_snapshot_was_installed() -> Property<RaftKv> {
    Property::new(
        "a follower got a snapshot",
        "The scenario leaves a follower behind the leader's compacted log, so on every seed an \
         InstallSnapshot must reach some server.",
        "a leader that keeps the whole log (see \"persisted state stays bounded\"), or sends \
         entries it no longer has.",
        |run: &Run<RaftKv>| {
            let delivered = run.trace.events.iter().any(|e| {
                matches!(e.kind, EventKind::Deliver { msg }
                    if matches!(run.trace.message(msg).msg, crate::Message::InstallSnapshot { .. }))
            });
            if delivered {
                Verdict::Holds
            } else {
                Verdict::fails("no InstallSnapshot was delivered")
            }
        },
    )
}

/// Evidence for the stale-read scenario: at the start of some window, the server cut off with
/// clerk n3 was the leader.
fn a_leader_was_cut_off_with_n3() -> Property<RaftKv> {
    Property::new(
        "a leader was cut off with clerk n3",
        "The scenario cuts each server off in turn together with clerk n3; on every seed one of \
         them must be acting as leader when its window starts, so that n3 talks to a deposed \
         leader.",
        "leadership moving at every window: see the election properties.",
        |run: &Run<RaftKv>| {
            let hit = run.trace.events.iter().any(|e| match &e.kind {
                EventKind::Partition { links, .. } => {
                    // The first group is the server and n3, so the first link leaves the server.
                    let cut = links.first().map(|l| l.0);
                    cut.is_some()
                        && current_leader(&run.trace, Time(e.at.as_micros().saturating_sub(1)))
                            == cut
                }
                _ => false,
            });
            if hit { Verdict::Holds } else { Verdict::fails("no window cut off the leader") }
        },
    )
}

/// The positive obligation of the vote scripts: n0 answers n2's request for its vote.
fn answered_the_vote_request() -> Property<RaftKv> {
    Property::new(
        "n0 answered the vote request",
        "n2 asks n0 for its vote in term 10; n0 must answer it (a refusal, since n2's log is \
         behind).",
        "not answering a RequestVote whose candidate's log is behind: refuse it with a Vote \
         message instead.",
        |run: &Run<RaftKv>| {
            let answered = properties::sent(&run.trace).any(|(_, from, to, m)| {
                from == NodeId(0)
                    && to == NodeId(2)
                    && matches!(m, crate::Message::Vote { pre_vote: false, .. })
            });
            if answered { Verdict::Holds } else { Verdict::fails("n0 never answered n2") }
        },
    )
}

/// Every scenario of lab 04, in rubric order.
pub fn all<N: Consensus, S: KvServer, C: KvClerk>(timing: Timing) -> Vec<Arc<Scenario<RaftKv>>> {
    let ms = Time::from_millis;
    let steady = Load::Proposals { every: Duration::from_millis(40), burst: 1, size: 16 };
    let snapshotted =
        Load::Proposals { every: Duration::from_millis(40), burst: 1, size: SNAPSHOTTED_COMMAND };
    let spec = |name, part, points, summary, servers| Spec {
        name,
        part,
        points,
        summary,
        servers,
        network: QUIET,
        faults: "none",
        faults_end: Time::ZERO,
        draw: no_faults(),
        load: if part == "C" { snapshotted } else { steady },
        snapshots: part == "C",
        cast: Cast::Cluster,
        properties: Vec::new(),
        picker: None,
    };
    let kv = Load::Clerks { clerks: 3, keys: 3, append_percent: 40 };
    let specs = vec![
        // Part A: replication.
        spec(
            "basic_agreement",
            "A",
            5,
            "with no faults, every proposal to the leader commits on every server",
            3,
        ),
        Spec {
            load: Load::Proposals { every: Duration::from_millis(100), burst: 5, size: 16 },
            ..spec(
                "concurrent_proposals",
                "A",
                5,
                "five proposals at the same instant, again and again, all commit in one order everywhere",
                3,
            )
        },
        Spec {
            faults: "a follower is cut off from everyone at 1500ms, until 3500ms",
            faults_end: ms(3500),
            draw: Box::new(move |_, _| {
                vec![Fault::IsolatePicked { at: ms(1500), heal: Some(ms(3500)) }]
            }),
            properties: vec![
                evidence::partition_blocked(),
                commits_go_on_with_a_majority(ms(1500), ms(3500)),
            ],
            picker: Some(follower_picker()),
            ..spec(
                "follower_failure",
                "A",
                5,
                "the leader and the other follower go on committing without a cut-off follower",
                3,
            )
        },
        Spec {
            faults: "the leader is cut off from everyone at 1500ms, until 3500ms",
            faults_end: ms(3500),
            draw: Box::new(move |_, _| {
                vec![Fault::IsolatePicked { at: ms(1500), heal: Some(ms(3500)) }]
            }),
            properties: vec![the_leader_was_hit()],
            picker: Some(leader_picker()),
            ..spec(
                "leader_failure",
                "A",
                5,
                "the majority elects a new leader and goes on committing without the old one",
                5,
            )
        },
        Spec {
            faults: "a follower is cut off from everyone at 1000ms, until 4000ms",
            faults_end: ms(4000),
            draw: Box::new(move |_, _| {
                vec![Fault::IsolatePicked { at: ms(1000), heal: Some(ms(4000)) }]
            }),
            properties: vec![missed_entries(30)],
            picker: Some(follower_picker()),
            ..spec(
                "follower_rejoins",
                "A",
                5,
                "a follower that missed dozens of entries catches up after it rejoins",
                5,
            )
        },
        Spec {
            faults: "every server is cut off from every other at 1500ms, until 3000ms",
            faults_end: ms(3000),
            draw: Box::new(move |_, n| {
                let groups: Vec<Vec<NodeId>> = (0..n as u32).map(|i| vec![NodeId(i)]).collect();
                let groups: Vec<&[NodeId]> = groups.iter().map(|g| g.as_slice()).collect();
                vec![Fault::partition(ms(1500), Some(ms(3000)), &groups)]
            }),
            properties: vec![nothing_commits_without_a_majority(ms(1500), ms(3000))],
            ..spec(
                "no_majority_then_heal",
                "A",
                5,
                "nothing commits while no majority can talk; commits resume when it can",
                5,
            )
        },
        Spec {
            faults: "{n0 n1} and {n2 n3} cannot talk from 1500ms until 3000ms",
            faults_end: ms(3000),
            draw: Box::new(move |_, _| {
                let halves: [&[NodeId]; 2] = [&[NodeId(0), NodeId(1)], &[NodeId(2), NodeId(3)]];
                vec![Fault::partition(ms(1500), Some(ms(3000)), &halves)]
            }),
            properties: vec![
                evidence::partition_blocked(),
                nothing_commits_without_a_majority(ms(1500), ms(3000)),
            ],
            ..spec(
                "even_cluster_halves",
                "A",
                5,
                "four servers split two and two: two of four is no majority, so neither half commits",
                4,
            )
        },
        Spec {
            faults: "the leader is cut off from everyone at 1500ms, until 3500ms, while proposals keep reaching it",
            faults_end: ms(3500),
            draw: Box::new(move |_, _| {
                vec![Fault::IsolatePicked { at: ms(1500), heal: Some(ms(3500)) }]
            }),
            properties: vec![the_leader_was_hit(), old_leader_entries_overwritten()],
            picker: Some(leader_picker()),
            ..spec(
                "old_leader_rejoins",
                "A",
                5,
                "a deposed leader's uncommitted entries are replaced when it rejoins",
                3,
            )
        },
        Spec {
            faults: "the leader is cut off from everyone at 1000ms, until 3500ms, while proposals arrive every 10ms",
            faults_end: ms(3500),
            draw: Box::new(move |_, _| {
                vec![Fault::IsolatePicked { at: ms(1000), heal: Some(ms(3500)) }]
            }),
            load: Load::Proposals { every: Duration::from_millis(10), burst: 1, size: 16 },
            properties: vec![
                the_leader_was_hit(),
                old_leader_entries_overwritten(),
                properties::backs_up_fast(4),
            ],
            picker: Some(leader_picker()),
            ..spec(
                "fast_backup",
                "A",
                5,
                "a rejoining server with dozens of conflicting entries is brought into line in a few round trips",
                5,
            )
        },
        Spec {
            load: Load::Proposals { every: Duration::from_millis(100), burst: 1, size: 1000 },
            properties: vec![properties::replication_is_frugal(3)],
            ..spec(
                "message_counts",
                "A",
                5,
                "each entry travels about once to each follower, and the bytes sent are about the commands'",
                3,
            )
        },
        Spec {
            faults: "n0 plays figure 8: n1 (scripted) gives it an entry of term 1 at 100ms and falls silent; n0 leads with n2's vote and replicates it; at 1000ms n1 sends n0 and n2 a different entry 1 as leader of term 50",
            faults_end: ms(1000),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer {
                    sends: vec![
                        (ms(100), NodeId(0), one_entry(1, "c1", 0)),
                        (ms(1000), NodeId(0), one_entry(50, "c9", 1)),
                        (ms(1000), NodeId(2), one_entry(50, "c9", 1)),
                    ],
                    ..ScriptedPeer::default()
                }),
                None,
            ]),
            load: Load::Silent,
            properties: vec![old_entry_replicated()],
            ..spec(
                "figure8_scripted",
                "A",
                10,
                "a leader never commits an entry of an earlier term by counting replicas (scripted)",
                3,
            )
        },
        Spec {
            faults: "figure 8 with an entry of the leader's own term: n1 (scripted) gives n0 an entry of term 1 at 100ms and falls silent; n0 leads with n2's vote and replicates it; from 1200ms to 1600ms n0 cannot reach n2, and a command proposed at 1250ms stays on n0 alone; at 1500ms n1 sends n0 and n2 a different entry 1 as leader of term 50",
            faults_end: ms(1600),
            draw: Box::new(|_, _| {
                let ms = Time::from_millis;
                vec![Fault::one_way(ms(1200), Some(ms(1600)), NodeId(0), NodeId(2))]
            }),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer {
                    sends: vec![
                        (ms(100), NodeId(0), one_entry(1, "c1", 0)),
                        (ms(1500), NodeId(0), one_entry(50, "c9", 1)),
                        (ms(1500), NodeId(2), one_entry(50, "c9", 1)),
                    ],
                    ..ScriptedPeer::default()
                }),
                None,
            ]),
            load: Load::ProposalAt(ms(1250)),
            properties: vec![old_entry_replicated(), own_entry_stayed_on_the_leader()],
            ..spec(
                "figure8_own_entry",
                "A",
                5,
                "a leader that holds an entry of its own term still commits an earlier term's entry only through one of its own on a majority (scripted)",
                3,
            )
        },
        Spec {
            faults: "n1 (scripted leader of term 3) gives n0 entries a1-a6 at 100ms; n2 (scripted leader of term 4, whose log is a1-a3 then b4-b8 of term 4, all committed) sends n0 a3 alone at 120ms, b4 at 140ms and b5-b8 at 160ms, each time with leader_commit 8",
            faults_end: ms(160),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer {
                    sends: vec![(ms(100), NodeId(0), entries_from_1(3, &OLD_SUFFIX, 0))],
                    ..ScriptedPeer::default()
                }),
                Some(ScriptedPeer {
                    sends: vec![
                        (ms(120), NodeId(0), appends(4, 2, 3, &[(3, "a3")], 8)),
                        (ms(140), NodeId(0), appends(4, 3, 3, &[(4, "b4")], 8)),
                        (
                            ms(160),
                            NodeId(0),
                            appends(4, 4, 4, &[(4, "b5"), (4, "b6"), (4, "b7"), (4, "b8")], 8),
                        ),
                    ],
                    ..ScriptedPeer::default()
                }),
            ]),
            load: Load::Silent,
            properties: vec![applied_the_leaders_log()],
            ..spec(
                "commit_capped_at_verified",
                "A",
                5,
                "a follower commits no further than the entries a leader has just verified, whatever leader_commit says (scripted)",
                3,
            )
        },
        Spec {
            faults: "n1 (scripted) grants every vote and refuses every AppendEntries in a term 50 above the request's; n2 (scripted) is silent",
            faults_end: ms(0),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer {
                    grants_votes: true,
                    refuses_appends: true,
                    refusal_term_above: 50,
                    ..ScriptedPeer::default()
                }),
                Some(ScriptedPeer::default()),
            ]),
            load: Load::Silent,
            properties: vec![higher_refusal_reached_the_leader()],
            ..spec(
                "leader_steps_down_on_reply_term",
                "A",
                5,
                "a leader refused in a higher term adopts it and stops leading (scripted)",
                3,
            )
        },
        Spec {
            faults: "n1 (scripted) grants every vote and refuses every AppendEntries, in the request's term; at 1000ms it sends n0 an entry x1 as leader of term 20, then falls silent; at 2500ms it sends n0 a success answer of term 1 claiming index 2, as a late answer from an earlier leadership would look; n2 (scripted) is silent",
            faults_end: ms(2500),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer {
                    sends: vec![
                        (ms(1000), NodeId(0), one_entry(20, "x1", 0)),
                        (
                            ms(2500),
                            NodeId(0),
                            crate::Message::AppendEntriesReply {
                                term: 1,
                                success: true,
                                match_index: 2,
                                conflict_term: None,
                                conflict_index: 0,
                            },
                        ),
                    ],
                    grants_votes: true,
                    refuses_appends: true,
                    refusal_term_above: 0,
                    refusal_hint: None,
                }),
                Some(ScriptedPeer::default()),
            ]),
            load: Load::ProposalAt(ms(2000)),
            properties: vec![
                late_answer_reached_the_leader(),
                n0_applied_exactly(
                    "a leader counts only answers of its own term",
                    "No follower ever holds n0's entries: n1 refuses them all and n2 is silent. \
                     So n0 commits nothing, and the late success answer of term 1, which says \
                     nothing about n0's log of term 21, must not count.",
                    "a leader that acts on AppendEntries answers of an earlier term, and takes \
                     their match_index as a follower's progress in this one.",
                    &[],
                ),
            ],
            ..spec(
                "stale_replies_ignored",
                "A",
                5,
                "a leader ignores a late success answer of an earlier term (scripted)",
                3,
            )
        },
        Spec {
            faults: "n1 and n2 are scripted, 20ms apart: n1 (term 1) sends a1 a2; n2 (term 2) sends b3-b6; n1 (term 3) sends a heartbeat after index 6 of term 3, then after index 9; n2 asks for a vote in term 2 and heartbeats in term 2; n1 asks for a vote in term 3, then sends c3 after a2 with leader_commit 3",
            faults_end: ms(150),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer {
                    sends: vec![
                        (ms(10), NodeId(0), appends(1, 0, 0, &[(1, "a1"), (1, "a2")], 0)),
                        (ms(50), NodeId(0), appends(3, 6, 3, &[], 0)),
                        (ms(70), NodeId(0), appends(3, 9, 3, &[], 0)),
                        (ms(130), NodeId(0), vote_request(3, 1, 3)),
                        (ms(150), NodeId(0), appends(3, 2, 1, &[(3, "c3")], 3)),
                    ],
                    ..ScriptedPeer::default()
                }),
                Some(ScriptedPeer {
                    sends: vec![
                        (
                            ms(30),
                            NodeId(0),
                            appends(2, 2, 1, &[(2, "b3"), (2, "b4"), (2, "b5"), (2, "b6")], 0),
                        ),
                        (ms(90), NodeId(0), vote_request(2, 6, 2)),
                        (ms(110), NodeId(0), appends(2, 0, 0, &[], 0)),
                    ],
                    ..ScriptedPeer::default()
                }),
            ]),
            load: Load::Silent,
            properties: vec![
                n0_answers_exactly(
                    vec![
                        Expect::Appended { term: 1, match_index: 2 },
                        Expect::Appended { term: 2, match_index: 6 },
                        Expect::Refused { term: 3, conflict_term: Some(2), conflict_index: 3 },
                        Expect::Refused { term: 3, conflict_term: None, conflict_index: 7 },
                        Expect::Vote { term: 3, granted: false },
                        Expect::Refused { term: 3, conflict_term: None, conflict_index: 0 },
                        Expect::Vote { term: 3, granted: true },
                        Expect::Appended { term: 3, match_index: 3 },
                    ],
                    "a conflict hint that names the conflicting index rather than the first of its \
                    term; the length of the log counted wrong; accepting an AppendEntries of an \
                    older term; recording the vote of a refused request.",
                ),
                n0_applied_exactly(
                    "n0 applied a1, a2, c3",
                    "The leader of term 3 commits a1, a2 and c3, which replaced b3-b6.",
                    "not truncating at the conflict; committing past the verified entries.",
                    &["a1", "a2", "c3"],
                ),
            ],
            ..spec(
                "follower_answers_exactly",
                "A",
                5,
                "a follower's every answer follows from its log and term: conflict hints, stale terms, votes (scripted)",
                3,
            )
        },
        Spec {
            faults: "n1 (scripted) gives n0 a committed entry at 100ms; at 500ms n2 (scripted), with an empty log, asks n0 for its vote in term 10",
            faults_end: ms(500),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer {
                    sends: vec![(ms(100), NodeId(0), one_entry(1, "c1", 1))],
                    ..ScriptedPeer::default()
                }),
                Some(asks_for_a_vote(ms(500))),
            ]),
            load: Load::Silent,
            properties: vec![answered_the_vote_request()],
            ..spec(
                "stale_candidate_refused",
                "A",
                5,
                "a node refuses its vote to a candidate whose log is behind its own (scripted)",
                3,
            )
        },
        Spec {
            faults: "n1 (scripted leader of term 3) gives n0 a committed entry of term 3 at 100ms; at 500ms n2 (scripted), whose log is longer but ends with an entry of term 2, asks n0 for its vote in term 10",
            faults_end: ms(500),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer {
                    sends: vec![(ms(100), NodeId(0), one_entry(3, "c1", 1))],
                    ..ScriptedPeer::default()
                }),
                Some(ScriptedPeer {
                    sends: vec![(
                        ms(500),
                        NodeId(0),
                        crate::Message::RequestVote {
                            term: 10,
                            last_log_index: 5,
                            last_log_term: 2,
                            pre_vote: false,
                        },
                    )],
                    ..ScriptedPeer::default()
                }),
            ]),
            load: Load::Silent,
            properties: vec![answered_the_vote_request()],
            ..spec(
                "longer_log_older_term_refused",
                "A",
                5,
                "a node refuses a candidate whose log is longer but ends in an older term (scripted)",
                3,
            )
        },
        Spec {
            faults: "n1 (scripted leader of term 1) sends n0 entries 1-3 at 100ms; at 400ms n2 (scripted leader of term 5) sends a different entry 1 and commits it; then n2 grants n0 its votes and refuses n0's AppendEntries as if its log were empty",
            faults_end: ms(400),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer {
                    sends: vec![(ms(100), NodeId(0), entries_from_1(1, &["c1", "c2", "c3"], 0))],
                    ..ScriptedPeer::default()
                }),
                Some(ScriptedPeer {
                    sends: vec![(ms(400), NodeId(0), one_entry(5, "d1", 1))],
                    grants_votes: true,
                    refuses_appends: true,
                    ..ScriptedPeer::default()
                }),
            ]),
            load: Load::Silent,
            properties: vec![sent_its_log_to_n2()],
            ..spec(
                "conflicting_entries_replaced",
                "A",
                5,
                "a follower drops every entry after a conflicting one, not just the one (scripted)",
                3,
            )
        },
        Spec {
            faults: "n1 (scripted leader of term 1) sends n0 entries 1-3, committed, at 100ms, and at 300ms a late copy of an AppendEntries carrying entry 1 only; at 500ms n2 (scripted), whose log ends with entry 1, asks n0 for its vote in term 10",
            faults_end: ms(500),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer {
                    sends: vec![
                        (ms(100), NodeId(0), entries_from_1(1, &["c1", "c2", "c3"], 3)),
                        (ms(300), NodeId(0), entries_from_1(1, &["c1"], 0)),
                    ],
                    ..ScriptedPeer::default()
                }),
                Some(ScriptedPeer {
                    sends: vec![(
                        ms(500),
                        NodeId(0),
                        crate::Message::RequestVote {
                            term: 10,
                            last_log_index: 1,
                            last_log_term: 1,
                            pre_vote: false,
                        },
                    )],
                    ..ScriptedPeer::default()
                }),
            ]),
            load: Load::Silent,
            properties: vec![answered_the_vote_request()],
            ..spec(
                "late_append_keeps_entries",
                "A",
                5,
                "a late AppendEntries whose entries a follower already has does not shorten its log (scripted)",
                3,
            )
        },
        // Part B: persistence.
        Spec {
            faults: "every server crashes at 1500ms; they restart at 2000ms, 2050ms and 2100ms",
            faults_end: ms(2100),
            draw: Box::new(move |_, n| {
                let mut f = Vec::new();
                for i in 0..n as u32 {
                    f.push(Fault::Crash { node: NodeId(i), at: ms(1500) });
                    f.push(Fault::Restart { node: NodeId(i), at: ms(2000 + 50 * u64::from(i)) });
                }
                f
            }),
            properties: every_server_restarted(3),
            ..spec(
                "restart_every_node",
                "B",
                5,
                "after the whole cluster crashes and restarts, nothing committed is lost",
                3,
            )
        },
        Spec {
            faults: "the leader crashes at 1500ms and again at 3000ms, restarting 400ms later each time",
            faults_end: ms(3400),
            draw: Box::new(move |_, _| {
                let back = Some(Duration::from_millis(400));
                vec![
                    Fault::CrashPicked { at: ms(1500), restart_after: back },
                    Fault::CrashPicked { at: ms(3000), restart_after: back },
                ]
            }),
            properties: vec![the_leader_was_hit()],
            picker: Some(leader_picker()),
            ..spec(
                "restart_leader",
                "B",
                5,
                "a leader that crashes and restarts rejoins as a follower with its log intact",
                5,
            )
        },
        Spec {
            faults: "two servers drawn from the seed crash at 1500ms and restart at 2500ms",
            faults_end: ms(2500),
            draw: Box::new(move |rng, n| {
                let mut ids: Vec<u32> = (0..n as u32).collect();
                rng.shuffle(&mut ids);
                ids[..2]
                    .iter()
                    .flat_map(|&i| {
                        [
                            Fault::Crash { node: NodeId(i), at: ms(1500) },
                            Fault::Restart { node: NodeId(i), at: ms(2500) },
                        ]
                    })
                    .collect()
            }),
            properties: vec![crashed_servers_restarted(2)],
            ..spec(
                "restart_minority",
                "B",
                5,
                "a majority goes on while a minority crashes, and the minority catches up",
                5,
            )
        },
        Spec {
            faults: "server i crashes at 1000ms + 400ms * i and restarts 600ms later",
            faults_end: ms(3200),
            draw: Box::new(move |_, n| {
                (0..n as u64)
                    .flat_map(|i| {
                        let node = NodeId(i as u32);
                        [
                            Fault::Crash { node, at: ms(1000 + 400 * i) },
                            Fault::Restart { node, at: ms(1600 + 400 * i) },
                        ]
                    })
                    .collect()
            }),
            properties: every_server_restarted(5),
            ..spec(
                "staggered_restarts",
                "B",
                5,
                "servers crash and restart one after another, two down at a time at most",
                5,
            )
        },
        Spec {
            faults: "from 1000ms to 5000ms, every 250-500ms, the leader crashes and restarts 50-600ms later (figure 8)",
            faults_end: ms(5600),
            draw: leader_crashes(ms(5000)),
            picker: Some(leader_picker()),
            ..spec(
                "figure8",
                "B",
                10,
                "leaders crash one after another, leaving uncommitted entries of many terms behind",
                5,
            )
        },
        Spec {
            network: UNRELIABLE,
            faults: "figure 8's leader crashes, on the unreliable network until 5600ms, then a quiet one",
            faults_end: ms(5600),
            draw: Box::new(move |rng, n| then_quiet(leader_crashes(ms(5000))(rng, n), ms(5600))),
            properties: vec![evidence::messages_lost(), evidence::messages_duplicated()],
            picker: Some(leader_picker()),
            ..spec(
                "figure8_unreliable",
                "B",
                10,
                "figure 8 with lost, duplicated and long-delayed messages",
                5,
            )
        },
        Spec {
            network: UNRELIABLE,
            faults: "none but the network: unreliable until 4000ms, then quiet",
            faults_end: ms(4000),
            draw: Box::new(move |_, _| vec![quiet_from(ms(4000))]),
            properties: vec![
                evidence::messages_lost(),
                evidence::messages_duplicated(),
                evidence::messages_reordered(),
            ],
            ..spec(
                "unreliable_agreement",
                "B",
                5,
                "agreement when messages are lost, duplicated and reordered",
                5,
            )
        },
        Spec {
            faults: "from 1000ms to 5000ms, every 200-400ms, a random server crashes and restarts 100-800ms later",
            faults_end: ms(5000),
            draw: churn(ms(5000)),
            ..spec("churn", "B", 5, "random crashes and restarts: whatever commits survives", 5)
        },
        Spec {
            network: UNRELIABLE,
            faults: "churn's crashes, on the unreliable network until 5000ms, then a quiet one",
            faults_end: ms(5000),
            draw: Box::new(move |rng, n| then_quiet(churn(ms(5000))(rng, n), ms(5000))),
            properties: vec![evidence::messages_lost()],
            ..spec(
                "churn_unreliable",
                "B",
                10,
                "random crashes and restarts on an unreliable network",
                5,
            )
        },
        Spec {
            faults: "n1 (scripted) sends n0 an entry at 100ms; n0 crashes inside that handler, after a random prefix of its effects, and restarts at 300ms; at 400ms n2 (scripted), with an empty log, asks n0 for its vote in term 10",
            faults_end: ms(400),
            draw: Box::new(move |_, _| {
                vec![
                    Fault::CrashInHandler {
                        node: NodeId(0),
                        after: ms(100),
                        cut: harness::Cut::Random,
                    },
                    Fault::Restart { node: NodeId(0), at: ms(300) },
                ]
            }),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer {
                    sends: vec![(ms(100), NodeId(0), one_entry(1, "c1", 0))],
                    ..ScriptedPeer::default()
                }),
                Some(asks_for_a_vote(ms(400))),
            ]),
            load: Load::Silent,
            properties: vec![
                crashed_in_append_entries(),
                asked_after_restart(),
                answered_the_vote_request(),
            ],
            ..spec(
                "ack_survives_crash",
                "B",
                5,
                "an entry a follower acknowledged is still in its log after a crash (scripted)",
                3,
            )
        },
        // Part C: snapshots.
        spec(
            "snapshot_basic",
            "C",
            5,
            "the log is compacted behind snapshots and storage stays small",
            3,
        ),
        Spec {
            load: Load::Proposals {
                every: Duration::from_millis(10),
                burst: 1,
                size: SNAPSHOTTED_COMMAND,
            },
            faults: "none, for 6s: a command every 10ms, so a snapshot every 100ms",
            faults_end: ms(6000),
            properties: vec![applied_at_least(500)],
            ..spec(
                "snapshot_many",
                "C",
                5,
                "over hundreds of snapshots, storage does not creep up: every compacted entry is deleted",
                3,
            )
        },
        Spec {
            faults: "a follower is cut off from everyone at 1000ms, until 3500ms",
            faults_end: ms(3500),
            draw: Box::new(move |_, _| {
                vec![Fault::IsolatePicked { at: ms(1000), heal: Some(ms(3500)) }]
            }),
            properties: vec![missed_entries(30), a_snapshot_was_installed()],
            picker: Some(follower_picker()),
            ..spec(
                "snapshot_install",
                "C",
                5,
                "a follower that missed compacted entries is brought up to date with InstallSnapshot",
                3,
            )
        },
        Spec {
            faults: "a follower crashes at 1000ms and restarts at 3500ms",
            faults_end: ms(3500),
            draw: Box::new(move |_, _| {
                vec![Fault::CrashPicked {
                    at: ms(1000),
                    restart_after: Some(Duration::from_millis(2500)),
                }]
            }),
            properties: vec![missed_entries(30), a_snapshot_was_installed()],
            picker: Some(follower_picker()),
            ..spec(
                "snapshot_install_after_crash",
                "C",
                5,
                "a follower that restarts far behind gets the leader's snapshot",
                3,
            )
        },
        Spec {
            faults: "every server crashes at 2000ms; they restart at 2500ms, 2550ms and 2600ms",
            faults_end: ms(2600),
            draw: Box::new(move |_, n| {
                let mut f = Vec::new();
                for i in 0..n as u32 {
                    f.push(Fault::Crash { node: NodeId(i), at: ms(2000) });
                    f.push(Fault::Restart { node: NodeId(i), at: ms(2500 + 50 * u64::from(i)) });
                }
                f
            }),
            properties: every_server_restarted(3),
            ..spec(
                "snapshot_restart_every_node",
                "C",
                5,
                "servers restart from their snapshots and logs after the whole cluster crashes",
                3,
            )
        },
        Spec {
            faults: "n1 (scripted leader of term 20) sends n0 a1-a6 at 100ms; n2 (scripted leader of term 30, whose log is b1, b2, ...) sends n0 its snapshot of b1-b3 at 200ms and b4 at 220ms; n0 crashes at 300ms and restarts at 350ms; n2 sends a heartbeat after index 6 at 400ms and b5 at 420ms; n0 crashes at 450ms and restarts at 500ms; n2 sends a heartbeat after index 6 at 600ms",
            faults_end: ms(600),
            draw: Box::new(move |_, _| {
                vec![
                    Fault::Crash { node: NodeId(0), at: ms(300) },
                    Fault::Restart { node: NodeId(0), at: ms(350) },
                    Fault::Crash { node: NodeId(0), at: ms(450) },
                    Fault::Restart { node: NodeId(0), at: ms(500) },
                ]
            }),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer {
                    sends: vec![(ms(100), NodeId(0), entries_from_1(20, &OLD_SUFFIX, 0))],
                    ..ScriptedPeer::default()
                }),
                Some(ScriptedPeer {
                    sends: vec![
                        (
                            ms(200),
                            NodeId(0),
                            crate::Message::InstallSnapshot {
                                term: 30,
                                last_included_index: 3,
                                last_included_term: 30,
                                data: snapshot_of_b1_to_b3(),
                            },
                        ),
                        (ms(220), NodeId(0), appends(30, 3, 30, &[(30, "b4")], 4)),
                        (ms(400), NodeId(0), appends(30, 6, 30, &[], 4)),
                        (ms(420), NodeId(0), appends(30, 4, 30, &[(30, "b5")], 5)),
                        (ms(600), NodeId(0), appends(30, 6, 30, &[], 5)),
                    ],
                    ..ScriptedPeer::default()
                }),
            ]),
            load: Load::Silent,
            properties: vec![
                evidence::delivered_after_restart(
                    "n0 was asked about index 6 after a restart",
                    "After n0 restarts, n2 sends it heartbeats that name index 6, an index n0 \
                     held (a6) before the snapshot replaced its log.",
                    NodeId(0),
                    |m| {
                        m.from == NodeId(2)
                            && matches!(
                                m.msg,
                                crate::Message::AppendEntries { prev_log_index: 6, .. }
                            )
                    },
                ),
                n0_answers_exactly(
                    vec![
                        Expect::Appended { term: 20, match_index: 6 },
                        Expect::Appended { term: 30, match_index: 4 },
                        Expect::Refused { term: 30, conflict_term: None, conflict_index: 5 },
                        Expect::Appended { term: 30, match_index: 5 },
                        Expect::Refused { term: 30, conflict_term: None, conflict_index: 6 },
                    ],
                    "installing a snapshot that conflicts with the log but deleting only part of \
                    the log from storage: after a restart the old entries a5 and a6 load again \
                    behind the snapshot.",
                ),
            ],
            ..spec(
                "snapshot_over_conflicting_log",
                "C",
                5,
                "a snapshot that conflicts with the log replaces all of it, in storage too, so no old entry comes back after a restart (scripted)",
                3,
            )
        },
        Spec {
            faults: "n1 (scripted) leads terms 1 to 3 in turn: at 100ms it gives n0 entries 1-10 of term 1, committed (n0 snapshots them); at 150ms entries 11-13 of term 2; at 200ms entry 14 of term 3; then falls silent. n2 (scripted) grants every vote and refuses every AppendEntries naming term 2 from index 11",
            faults_end: ms(200),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer {
                    sends: vec![
                        (ms(100), NodeId(0), entries_from_1(1, &FIRST_TEN, 10)),
                        (
                            ms(150),
                            NodeId(0),
                            appends(2, 10, 1, &[(2, "a11"), (2, "a12"), (2, "a13")], 10),
                        ),
                        (ms(200), NodeId(0), appends(3, 13, 2, &[(3, "a14")], 10)),
                    ],
                    ..ScriptedPeer::default()
                }),
                Some(ScriptedPeer {
                    grants_votes: true,
                    refuses_appends: true,
                    refusal_hint: Some((Some(2), 11)),
                    ..ScriptedPeer::default()
                }),
            ]),
            load: Load::Silent,
            properties: vec![first_ten_applied(), backs_up_by_the_hint()],
            ..spec(
                "backs_up_past_the_snapshot",
                "C",
                5,
                "a leader whose log is compacted backs up by a refusal's conflict term to one past its own last entry of that term (scripted)",
                3,
            )
        },
        Spec {
            network: UNRELIABLE,
            faults: "churn's crashes, on the unreliable network until 5000ms, then a quiet one",
            faults_end: ms(5000),
            draw: Box::new(move |rng, n| then_quiet(churn(ms(5000))(rng, n), ms(5000))),
            properties: vec![evidence::messages_lost(), a_snapshot_was_installed()],
            ..spec(
                "snapshot_churn_unreliable",
                "C",
                10,
                "snapshots taken, installed and restored amid crashes and an unreliable network",
                5,
            )
        },
        // Part D: the key-value service.
        Spec {
            load: kv,
            ..spec(
                "kv_basic",
                "D",
                5,
                "clerks' operations on a healthy cluster are linearizable",
                3,
            )
        },
        Spec {
            load: kv,
            faults: "the leader is cut off from everyone at 1000ms, until 2000ms, and again at 2500ms, until 3500ms",
            faults_end: ms(3500),
            draw: Box::new(move |_, _| {
                vec![
                    Fault::IsolatePicked { at: ms(1000), heal: Some(ms(2000)) },
                    Fault::IsolatePicked { at: ms(2500), heal: Some(ms(3500)) },
                ]
            }),
            picker: Some(leader_picker()),
            properties: vec![the_leader_was_hit()],
            ..spec(
                "kv_leader_partitioned",
                "D",
                5,
                "clerks find the new leader when the old one is cut off",
                3,
            )
        },
        Spec {
            load: kv,
            faults: "from 1000ms to 4000ms, a random server crashes every 200-400ms and restarts 100-800ms later",
            faults_end: ms(4000),
            draw: churn(ms(4000)),
            ..spec(
                "kv_crashes",
                "D",
                5,
                "operations stay linearizable while servers crash and restart",
                3,
            )
        },
        Spec {
            load: kv,
            network: UNRELIABLE,
            faults: "the unreliable network until 4000ms, then a quiet one",
            faults_end: ms(4000),
            draw: Box::new(move |_, _| vec![quiet_from(ms(4000))]),
            properties: vec![evidence::messages_lost(), evidence::messages_duplicated()],
            ..spec("kv_unreliable", "D", 10, "retried and duplicated requests take effect once", 3)
        },
        Spec {
            load: Load::Clerks { clerks: 3, keys: 2, append_percent: 70 },
            network: Network::reliable().with_duplication(Prob::percent(30)).with_delay(
                Delay::uniform(Duration::from_millis(1), Duration::from_millis(10))
                    .with_spikes(Prob::percent(10), Duration::from_millis(400)),
            ),
            faults: "every message is duplicated with probability 30%, and one in ten delayed by up to 400ms, until 4000ms",
            faults_end: ms(4000),
            draw: Box::new(move |_, _| vec![quiet_from(ms(4000))]),
            properties: vec![evidence::messages_duplicated()],
            ..spec(
                "kv_duplicate_appends",
                "D",
                10,
                "appends delivered twice, and late, land exactly once",
                3,
            )
        },
        Spec {
            load: kv,
            faults: "each server in turn is cut off with clerk n3, the others with n4 and n5: n0 from 1000ms to 2000ms, n1 from 2200ms to 3200ms, n2 from 3400ms to 4400ms",
            faults_end: ms(4400),
            draw: Box::new(move |_, _| {
                let all = [0u32, 1, 2];
                (0..3u32)
                    .map(|i| {
                        let alone = [NodeId(i), NodeId(3)];
                        let rest: Vec<NodeId> = all
                            .iter()
                            .filter(|&&j| j != i)
                            .map(|&j| NodeId(j))
                            .chain([NodeId(4), NodeId(5)])
                            .collect();
                        let from = ms(1000 + 1200 * u64::from(i));
                        Fault::partition(
                            from,
                            Some(from + Duration::from_millis(1000)),
                            &[&alone, &rest],
                        )
                    })
                    .collect()
            }),
            properties: vec![a_leader_was_cut_off_with_n3()],
            ..spec(
                "kv_stale_leader_reads",
                "D",
                10,
                "a leader cut off with a clerk does not answer its reads from stale state",
                3,
            )
        },
        Spec {
            load: Load::Clerks { clerks: 3, keys: 2, append_percent: 70 },
            network: Network::reliable().with_duplication(Prob::percent(40)).with_delay(
                Delay::uniform(Duration::from_millis(1), Duration::from_millis(10))
                    .with_spikes(Prob::percent(20), Duration::from_millis(600)),
            ),
            faults: "duplicated and late messages until 4000ms; server i crashes at 1000ms + 1000ms * i and restarts 300ms later",
            faults_end: ms(4000),
            draw: Box::new(move |_, n| {
                let mut f: Vec<Fault> = (0..n as u64)
                    .flat_map(|i| {
                        let node = NodeId(i as u32);
                        [
                            Fault::Crash { node, at: ms(1000 + 1000 * i) },
                            Fault::Restart { node, at: ms(1300 + 1000 * i) },
                        ]
                    })
                    .collect();
                f.push(quiet_from(ms(4000)));
                f
            }),
            snapshots: true,
            properties: every_server_restarted(3),
            ..spec(
                "kv_snapshots",
                "D",
                10,
                "servers restored from snapshots still apply each request once",
                3,
            )
        },
    ];
    specs.into_iter().map(|s| s.build::<N, S, C>(timing)).collect()
}
