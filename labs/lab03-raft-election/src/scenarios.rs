//! Lab 03's scenarios: elections from a cold start, under crashes, partitions, loss, restarts and
//! drift, scripted interleavings that force classic bugs into the open, and part C's
//! extension scenarios.

use crate::properties::{self, current_leader, election_bound, first_election_is_cheap, part_a};
use crate::scripted::{Answer, ScriptedPeer};
use crate::{Message, Raft, RaftNode, Timing};
use harness::evidence;
use harness::sim::{Budgets, Factory, Picker};
use harness::trace::EventKind;
use harness::{
    Clock, Cut, Delay, Duration, Fault, Network, NoRequests, NodeId, Plan, Prob, Property, Rng,
    Run, Scenario, Time, Verdict,
};
use std::sync::Arc;

/// The network outside the faults: no loss, 1-10 ms delays.
const QUIET: Network = Network::reliable()
    .with_delay(Delay::uniform(Duration::from_millis(1), Duration::from_millis(10)));

/// When faults start in the scenarios that wait for a first leader.
const FAULTS_START: Time = Time::from_millis(1500);

/// A fault schedule drawn from the seed.
type DrawFaults = Box<dyn Fn(&mut Rng, usize) -> (Vec<Fault>, Vec<Clock>) + Send + Sync>;

/// Who runs: the student's nodes everywhere, or scripted peers in some places (`None`: the
/// student's node).
enum Cast {
    Cluster,
    Scripted(Vec<Option<ScriptedPeer>>),
}

struct Spec {
    name: &'static str,
    part: &'static str,
    points: u32,
    summary: &'static str,
    nodes: usize,
    network: Network,
    faults: &'static str,
    /// The latest time the faults can end, on any seed.
    faults_end: Time,
    draw: DrawFaults,
    cast: Cast,
    /// The properties beyond the harness's two.
    properties: Vec<Property<Raft>>,
    picker: Option<Picker<Raft>>,
}

impl Spec {
    fn build<N: RaftNode>(self, timing: Timing) -> Arc<Scenario<Raft>> {
        let settle = election_bound(Timing::SLOWEST, QUIET.delay.upper_bound())
            + Timing::SLOWEST.longest_timeout().times(3);
        let duration = (self.faults_end + settle).since(Time::ZERO);
        let n = self.nodes;
        let factory: Factory<Raft> = match self.cast {
            Cast::Cluster => Arc::new(move |id: NodeId| {
                let peers = (0..n as u32).map(NodeId).filter(|p| *p != id).collect();
                Box::new(N::new(id, peers, timing))
            }),
            Cast::Scripted(cast) => Arc::new(move |id: NodeId| match &cast[id.index()] {
                Some(script) => Box::new(script.clone()),
                None => {
                    let peers = (0..n as u32).map(NodeId).filter(|p| *p != id).collect();
                    Box::new(N::new(id, peers, timing))
                }
            }),
        };
        let draw = self.draw;
        Arc::new(Scenario {
            name: self.name,
            part: self.part,
            points: self.points,
            summary: self.summary,
            nodes: n,
            network: self.network,
            faults: self.faults.to_string(),
            workload: "none: nodes elect a leader on their own".to_string(),
            duration,
            seeds: 50,
            plan: Arc::new(move |rng: &mut Rng| {
                let (faults, clocks) = draw(rng, n);
                Plan { faults, clocks, workload: Box::new(NoRequests) }
            }),
            factory,
            properties: self.properties,
            budgets: Budgets::default(),
            outcome: None,
            picker: self.picker,
        })
    }
}

fn no_faults() -> DrawFaults {
    Box::new(|_, _| (Vec::new(), Vec::new()))
}

fn ids(n: usize) -> Vec<NodeId> {
    (0..n as u32).map(NodeId).collect()
}

/// The node that acts as leader now.
fn leader_picker() -> Picker<Raft> {
    Arc::new(current_leader)
}

/// A node that sent a (real) RequestVote in the last millisecond: a candidate mid-election.
fn candidate_picker() -> Picker<Raft> {
    Arc::new(|trace, now| {
        trace
            .events
            .iter()
            .rev()
            .skip_while(|e| e.at > now)
            .take_while(|e| now.since(e.at) <= Duration::from_millis(1))
            .find_map(|e| match e.kind {
                EventKind::Send { msg } => {
                    let m = trace.message(msg);
                    matches!(m.msg, Message::RequestVote { pre_vote: false, .. }).then_some(m.from)
                }
                _ => None,
            })
    })
}

/// Evidence that the crash hit a candidate in the middle of its election, and it came back.
fn a_candidate_crashed() -> Property<Raft> {
    Property::new(
        "a candidate crashed mid-election",
        "The scenario crashes a node just after it asked for votes, so on every seed the crashed \
         node must have sent a RequestVote within a millisecond of its crash, and restarted.",
        "no node ever campaigned: see \"a leader within the bound\".",
        |run: &Run<Raft>| {
            let crash = run.trace.events.iter().find_map(|e| match e.kind {
                EventKind::Crash { node, .. } => Some((e.at, node)),
                _ => None,
            });
            let Some((at, node)) = crash else { return Verdict::fails("nobody crashed") };
            let restarted = run
                .trace
                .events
                .iter()
                .any(|e| matches!(e.kind, EventKind::Restart { node: x, .. } if x == node));
            if candidate_picker()(&run.trace, at) == Some(node) && restarted {
                Verdict::Holds
            } else {
                Verdict::fails_at(
                    at,
                    format!("{node} was not campaigning when it crashed, or never restarted"),
                )
            }
        },
    )
}

/// The lowest-numbered node that does not act as leader now.
fn follower_picker() -> Picker<Raft> {
    Arc::new(|trace, now| {
        let leader = current_leader(trace, now);
        (0..).map(NodeId).find(|n| Some(*n) != leader)
    })
}

/// Evidence that the node a picked fault hit was the leader when it struck.
fn the_leader_was_hit(what: &'static str) -> Property<Raft> {
    evidence::picked_fault_struck(what, "the leader", leader_picker())
}

/// Evidence that every node crashed, restarted and carried on.
fn every_node_restarted(nodes: usize) -> Property<Raft> {
    evidence::all_restarted("every node restarted and carried on", ids(nodes))
}

/// Evidence that a scripted message reached node 0 after its restart.
fn reached_after_restart() -> Property<Raft> {
    evidence::delivered_after_restart(
        "the second request came after the restart",
        "The scenario forces a crash between two vote requests of one term, so the second must \
         reach n0 after it restarted.",
        NodeId(0),
        |m| matches!(m.msg, Message::RequestVote { .. }),
    )
}

/// The positive obligation of the scripted vote scenario: n0 granted the first request.
fn first_request_granted() -> Property<Raft> {
    Property::new(
        "the first request is granted",
        "n0 has voted for nobody when n1 asks for its vote in term 5, so it grants it.",
        "refusing a vote for a term higher than the node's own; not answering at all.",
        |run: &Run<Raft>| {
            let granted = run.trace.events.iter().any(|e| {
                matches!(e.kind, EventKind::Send { msg } if {
                    let m = run.trace.message(msg);
                    m.from == NodeId(0)
                        && m.to == NodeId(1)
                        && matches!(m.msg, Message::Vote { term: 5, granted: true, pre_vote: false })
                })
            });
            if granted { Verdict::Holds } else { Verdict::fails("n0 never granted n1's request") }
        },
    )
}

/// Evidence that a vote reply with a higher term reached node 0.
fn higher_term_reply_arrived() -> Property<Raft> {
    Property::new(
        "a higher-term reply arrived",
        "The scenario answers n0's RequestVote with a refusal in a higher term; on every seed that \
         reply must reach n0.",
        "n0 never campaigned: see the election timer.",
        |run: &Run<Raft>| {
            let arrived = run.trace.events.iter().any(|e| {
                matches!(e.kind, EventKind::Deliver { msg }
                    if matches!(run.trace.message(msg).msg, Message::Vote { granted: false, pre_vote: false, .. }))
            });
            if arrived { Verdict::Holds } else { Verdict::fails("no refusal reached n0") }
        },
    )
}

/// Every scenario of lab 03, in rubric order.
pub fn all<N: RaftNode>(timing: Timing) -> Vec<Arc<Scenario<Raft>>> {
    let d = QUIET.delay.upper_bound();
    let initial = |name, nodes, points| Spec {
        name,
        part: "A",
        points,
        summary: "a cluster starting cold elects one leader, quickly and cheaply",
        nodes,
        network: QUIET,
        faults: "none",
        faults_end: Time::ZERO,
        draw: no_faults(),
        cast: Cast::Cluster,
        properties: {
            let mut p = part_a(timing, d);
            p.push(first_election_is_cheap());
            p
        },
        picker: None,
    };
    let specs = vec![
        initial("initial_election_3", 3, 5),
        initial("initial_election_5", 5, 5),
        initial("initial_election_7", 7, 5),
        Spec {
            name: "stable_leader",
            part: "A",
            points: 5,
            summary: "a healthy cluster keeps one leader and one term",
            nodes: 5,
            network: QUIET,
            faults: "none, for a long time",
            faults_end: at(3000),
            draw: no_faults(),
            cast: Cast::Cluster,
            properties: part_a(timing, d),
            picker: None,
        },
        Spec {
            name: "leader_crash",
            part: "A",
            points: 10,
            summary: "when the leader crashes for good, the others elect a new one",
            nodes: 5,
            network: QUIET,
            faults: "the leader crashes at 1.5s and never comes back",
            faults_end: FAULTS_START,
            draw: Box::new(|_, _| {
                (vec![Fault::CrashPicked { at: FAULTS_START, restart_after: None }], Vec::new())
            }),
            cast: Cast::Cluster,
            properties: {
                let mut p = part_a(timing, d);
                p.push(the_leader_was_hit("the leader crashed"));
                p
            },
            picker: Some(leader_picker()),
        },
        Spec {
            name: "leader_partitioned_rejoins",
            part: "A",
            points: 10,
            summary: "a leader cut off from the others is replaced, and steps down when it returns",
            nodes: 5,
            network: QUIET,
            faults: "the leader is cut off from every other node from 1.5s to 3s",
            faults_end: at(3000),
            draw: Box::new(|_, _| {
                (vec![Fault::IsolatePicked { at: FAULTS_START, heal: Some(at(3000)) }], Vec::new())
            }),
            cast: Cast::Cluster,
            properties: {
                let mut p = part_a(timing, d);
                p.push(the_leader_was_hit("the leader was cut off"));
                p
            },
            picker: Some(leader_picker()),
        },
        Spec {
            name: "no_majority_then_heal",
            part: "A",
            points: 10,
            summary: "with no majority connected nobody leads for long; after the heal a leader appears",
            nodes: 5,
            network: QUIET,
            faults: "from 1.5s to 3s the nodes are split into {n0 n1} {n2 n3} {n4}",
            faults_end: at(3000),
            draw: Box::new(|_, _| {
                let n = NodeId;
                let split = Fault::partition(
                    FAULTS_START,
                    Some(at(3000)),
                    &[&[n(0), n(1)], &[n(2), n(3)], &[n(4)]],
                );
                (vec![split], Vec::new())
            }),
            cast: Cast::Cluster,
            properties: {
                let mut p = part_a(timing, d);
                p.push(evidence::partition_blocked());
                p
            },
            picker: None,
        },
        Spec {
            name: "even_cluster_halves",
            part: "A",
            points: 5,
            summary: "four nodes split two against two: a majority is three, so nobody leads until the heal",
            nodes: 4,
            network: QUIET,
            faults: "from 1.5s to 3s the nodes are split into {n0 n1} {n2 n3}",
            faults_end: at(3000),
            draw: Box::new(|_, _| {
                let n = NodeId;
                let split =
                    Fault::partition(FAULTS_START, Some(at(3000)), &[&[n(0), n(1)], &[n(2), n(3)]]);
                (vec![split], Vec::new())
            }),
            cast: Cast::Cluster,
            properties: {
                let mut p = part_a(timing, d);
                p.push(evidence::partition_blocked());
                p
            },
            picker: None,
        },
        Spec {
            name: "random_partitions_7",
            part: "A",
            points: 10,
            summary: "seven nodes through six rounds of random partitions, then a heal",
            nodes: 7,
            network: QUIET,
            faults: "every 400ms from 1s to 3.4s, the nodes are split into two random groups",
            faults_end: at(3400),
            draw: Box::new(|rng, n| {
                let mut faults = Vec::new();
                for round in 0..6u64 {
                    let start = at(1000 + 400 * round);
                    let mut nodes = ids(n);
                    rng.shuffle(&mut nodes);
                    let cut = rng.between(1, n as u64 - 1) as usize;
                    let (a, b) = nodes.split_at(cut);
                    faults.push(Fault::partition(
                        start,
                        Some(start + Duration::from_millis(400)),
                        &[a, b],
                    ));
                }
                (faults, Vec::new())
            }),
            cast: Cast::Cluster,
            properties: {
                let mut p = part_a(timing, d);
                p.push(evidence::partition_blocked());
                p
            },
            picker: None,
        },
        Spec {
            name: "lossy_network",
            part: "A",
            points: 10,
            summary: "elections on a network that loses, duplicates and reorders messages",
            nodes: 5,
            network: QUIET
                .with_loss(Prob::percent(10))
                .with_duplication(Prob::percent(10))
                .with_delay(Delay::uniform(Duration::from_millis(1), Duration::from_millis(30))),
            faults: "10% loss, 10% duplication and 1-30ms delays until 3s, then a quiet network",
            faults_end: at(3000),
            draw: Box::new(|_, _| {
                (vec![Fault::Network { at: at(3000), network: QUIET }], Vec::new())
            }),
            cast: Cast::Cluster,
            properties: {
                let mut p = part_a(timing, d);
                p.push(evidence::messages_lost());
                p.push(evidence::messages_duplicated());
                p
            },
            picker: None,
        },
        Spec {
            name: "restart_mid_election",
            part: "A",
            points: 10,
            summary: "a candidate crashes right after asking for votes, and restarts",
            nodes: 5,
            network: QUIET,
            faults: "the first node to send a real (not pre-vote) RequestVote crashes at once and \
                     restarts 100-300ms later",
            faults_end: at(1200),
            draw: Box::new(|rng, _| {
                let down = Duration::from_millis(rng.between(100, 300));
                (vec![Fault::CrashPicked { at: Time::ZERO, restart_after: Some(down) }], Vec::new())
            }),
            cast: Cast::Cluster,
            properties: {
                let mut p = part_a(timing, d);
                p.push(a_candidate_crashed());
                p
            },
            picker: Some(candidate_picker()),
        },
        Spec {
            name: "every_node_restarts",
            part: "A",
            points: 10,
            summary: "every node crashes at once and restarts from its storage",
            nodes: 5,
            network: QUIET,
            faults: "every node crashes at 1.5s and restarts at 1.6-1.9s",
            faults_end: at(1900),
            draw: Box::new(|rng, n| {
                let mut faults = Vec::new();
                for node in ids(n) {
                    faults.push(Fault::Crash { node, at: FAULTS_START });
                    faults.push(Fault::Restart { node, at: at(rng.between(1600, 1900)) });
                }
                (faults, Vec::new())
            }),
            cast: Cast::Cluster,
            properties: {
                let mut p = part_a(timing, d);
                p.push(every_node_restarted(5));
                p
            },
            picker: None,
        },
        Spec {
            name: "clock_drift",
            part: "A",
            points: 5,
            summary: "elections and heartbeats on clocks that run up to 0.5% fast or slow",
            nodes: 5,
            network: QUIET,
            faults: "every node's clock drifts by up to 5000ppm, and the leader crashes at 1.5s",
            faults_end: FAULTS_START,
            draw: Box::new(|rng, n| {
                let clocks = (0..n)
                    .map(|i| Clock {
                        drift_ppm: if i == 0 { 5000 } else { rng.between(0, 10_000) as i32 - 5000 },
                        wall_offset_micros: 0,
                    })
                    .collect();
                (vec![Fault::CrashPicked { at: FAULTS_START, restart_after: None }], clocks)
            }),
            cast: Cast::Cluster,
            properties: {
                let mut p = part_a(timing, d);
                p.push(evidence::clocks_drifted());
                p
            },
            picker: Some(leader_picker()),
        },
        Spec {
            name: "vote_survives_crash",
            part: "A",
            points: 5,
            summary: "a vote granted just before a crash still binds after the restart (scripted)",
            nodes: 3,
            network: QUIET,
            faults: "n1 asks n0 for its vote in term 5; n0 crashes right after that handler and \
                     restarts; then n2 asks for n0's vote in term 5 (n1 and n2 are scripted)",
            faults_end: at(40),
            draw: Box::new(|_, _| {
                (
                    vec![
                        Fault::CrashInHandler {
                            node: NodeId(0),
                            after: at(5),
                            cut: Cut::Keep(usize::MAX),
                        },
                        Fault::Restart { node: NodeId(0), at: at(30) },
                    ],
                    Vec::new(),
                )
            }),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer {
                    sends: vec![(at(10), NodeId(0), request_vote(5))],
                    answer: Answer::Nothing,
                }),
                Some(ScriptedPeer {
                    sends: vec![(at(40), NodeId(0), request_vote(5))],
                    answer: Answer::Nothing,
                }),
            ]),
            properties: vec![
                first_request_granted(),
                properties::one_vote_per_term(),
                properties::adopts_higher_terms(vec![NodeId(1), NodeId(2)]),
                evidence::restarted(NodeId(0)),
                reached_after_restart(),
            ],
            picker: None,
        },
        Spec {
            name: "steps_down_on_higher_term_reply",
            part: "A",
            points: 5,
            summary: "a candidate refused in a higher term adopts it (scripted)",
            nodes: 3,
            network: QUIET,
            faults: "n1 and n2 are scripted: they grant pre-votes and refuse n0's votes in a term 3 \
                     higher than asked",
            faults_end: Time::ZERO,
            draw: no_faults(),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer { sends: Vec::new(), answer: Answer::RefuseWithHigherTerm(3) }),
                Some(ScriptedPeer { sends: Vec::new(), answer: Answer::RefuseWithHigherTerm(3) }),
            ]),
            properties: vec![
                properties::one_vote_per_term(),
                properties::adopts_higher_terms(vec![NodeId(1), NodeId(2)]),
                higher_term_reply_arrived(),
            ],
            picker: None,
        },
        Spec {
            name: "grants_hold_off_elections",
            part: "A",
            points: 5,
            summary: "a node that keeps granting votes does not campaign itself (scripted)",
            nodes: 3,
            network: QUIET,
            faults: "n1 is scripted: from 50ms to 3s it asks n0 for its vote every 100ms, each time \
                     in a term one higher; n2 is scripted and silent",
            faults_end: at(3000),
            draw: no_faults(),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer {
                    sends: (0..30u64)
                        .map(|k| (at(50 + 100 * k), NodeId(0), request_vote(k + 1)))
                        .collect(),
                    answer: Answer::Nothing,
                }),
                Some(ScriptedPeer { sends: Vec::new(), answer: Answer::Nothing }),
            ]),
            properties: vec![
                properties::waits_after_granting(timing),
                properties::one_vote_per_term(),
                properties::adopts_higher_terms(vec![NodeId(1), NodeId(2)]),
                grants_given(NodeId(0), 30),
            ],
            picker: None,
        },
        Spec {
            name: "stale_grants_ignored",
            part: "A",
            points: 5,
            summary: "a candidate counts only grants of its own term (scripted)",
            nodes: 3,
            network: QUIET,
            faults: "n1 and n2 are scripted: they grant pre-votes, and answer n0's vote request of \
                     term t with a grant of term t - 1",
            faults_end: Time::ZERO,
            draw: no_faults(),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer { sends: Vec::new(), answer: Answer::GrantInOlderTerm }),
                Some(ScriptedPeer { sends: Vec::new(), answer: Answer::GrantInOlderTerm }),
            ]),
            properties: vec![
                properties::leaders_won_their_votes(),
                properties::one_vote_per_term(),
                stale_grants_arrived(),
            ],
            picker: None,
        },
        Spec {
            name: "candidate_follows_leader_of_its_term",
            part: "A",
            points: 5,
            summary: "a candidate that hears from a leader of its own term follows it, and counts \
                      no vote after that (scripted)",
            nodes: 3,
            network: QUIET,
            faults: "n1 and n2 are scripted: both grant pre-votes; n1 answers n0's vote request of \
                     term t with an AppendEntries of term t, as its leader; n2 grants it 30ms late",
            faults_end: Time::ZERO,
            draw: no_faults(),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer { sends: Vec::new(), answer: Answer::LeadTheTerm }),
                Some(ScriptedPeer {
                    sends: Vec::new(),
                    answer: Answer::GrantLate(Duration::from_millis(30)),
                }),
            ]),
            properties: vec![
                properties::one_leader_per_term(),
                properties::one_vote_per_term(),
                late_grant_followed_a_leader(),
            ],
            picker: None,
        },
        Spec {
            name: "answers_by_the_rules",
            part: "A",
            points: 5,
            summary: "a node answers votes and heartbeats by the rules, whatever order they come in (scripted)",
            nodes: 3,
            network: QUIET,
            faults: "n1 and n2 are scripted, 20ms apart: n1 leads term 5; n2 asks for a vote in \
                     term 4, then n1 in term 5; n2 heartbeats in term 3, asks in term 5 and then \
                     in 6; n1 leads term 6, then heartbeats in term 5",
            faults_end: at(170),
            draw: no_faults(),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer {
                    sends: vec![
                        (at(10), NodeId(0), Message::heartbeat(5)),
                        (at(50), NodeId(0), request_vote(5)),
                        (at(130), NodeId(0), Message::heartbeat(6)),
                        (at(150), NodeId(0), Message::heartbeat(5)),
                    ],
                    answer: Answer::Nothing,
                }),
                Some(ScriptedPeer {
                    sends: vec![
                        (at(30), NodeId(0), request_vote(4)),
                        (at(70), NodeId(0), Message::heartbeat(3)),
                        (at(90), NodeId(0), request_vote(5)),
                        (at(110), NodeId(0), request_vote(6)),
                    ],
                    answer: Answer::Nothing,
                }),
            ]),
            properties: vec![
                // Not "adopts every higher term": the script itself sends stale terms.
                properties::answers_by_the_rules(
                    vec![NodeId(1), NodeId(2)],
                    properties::Logs::Empty,
                ),
                properties::one_vote_per_term(),
                delivered_to_n0(8),
            ],
            picker: None,
        },
        Spec {
            name: "babbling_peer",
            part: "A",
            points: 5,
            summary: "a peer that keeps asking for pre-votes does not stop the others electing a leader (scripted)",
            nodes: 3,
            network: QUIET,
            faults: "n2 is scripted: every 40ms until 3s it asks n0 and n1 for a pre-vote in term 1, and \
                     answers nothing",
            faults_end: Time::ZERO,
            draw: no_faults(),
            cast: Cast::Scripted(vec![None, None, Some(babbler())]),
            // The babbler's own stale terms are the script's, so terms are not judged here.
            properties: vec![
                properties::one_leader_per_term(),
                properties::one_vote_per_term(),
                properties::leader_in_time(timing, d),
                babbler_was_heard(),
            ],
            picker: None,
        },
        Spec {
            name: "extension_prevote_rejoin",
            part: "C",
            points: 10,
            summary: "extension (PreVote): a follower back from a long partition does not unseat the leader",
            nodes: 5,
            network: QUIET,
            faults: "a follower is cut off from every other node from 1.5s to 3.5s",
            faults_end: at(3500),
            draw: Box::new(|_, _| {
                (vec![Fault::IsolatePicked { at: FAULTS_START, heal: Some(at(3500)) }], Vec::new())
            }),
            cast: Cast::Cluster,
            properties: {
                let mut p = part_a(timing, d);
                p.push(properties::rejoin_does_not_disrupt());
                p
            },
            picker: Some(follower_picker()),
        },
        Spec {
            name: "extension_checkquorum",
            part: "C",
            points: 10,
            summary: "extension (CheckQuorum): a leader cut off from the majority steps down",
            nodes: 5,
            network: QUIET,
            faults: "the leader is cut off from every other node from 1.5s on, for good",
            faults_end: FAULTS_START,
            draw: Box::new(|_, _| {
                (vec![Fault::IsolatePicked { at: FAULTS_START, heal: None }], Vec::new())
            }),
            cast: Cast::Cluster,
            properties: vec![
                properties::one_leader_per_term(),
                properties::one_vote_per_term(),
                properties::leader_in_time(timing, d),
                properties::isolated_leader_steps_down(timing),
                the_leader_was_hit("the leader was cut off"),
            ],
            picker: Some(leader_picker()),
        },
        Spec {
            name: "extension_checkquorum_bare_majority",
            part: "C",
            points: 5,
            summary: "extension (CheckQuorum): a leader that still hears a bare majority keeps leading",
            nodes: 3,
            network: QUIET,
            faults: "a follower is cut off from every other node from 1.5s on, for good",
            faults_end: FAULTS_START,
            draw: Box::new(|_, _| {
                (vec![Fault::IsolatePicked { at: FAULTS_START, heal: None }], Vec::new())
            }),
            cast: Cast::Cluster,
            properties: vec![
                properties::one_leader_per_term(),
                properties::one_vote_per_term(),
                properties::answers_by_the_rules(Vec::new(), properties::Logs::Empty),
                properties::majority_leader_keeps_leading(timing),
                evidence::partition_blocked(),
            ],
            picker: Some(follower_picker()),
        },
        Spec {
            name: "extension_prevote_rules",
            part: "C",
            points: 5,
            summary: "extension (PreVote): pre-votes are granted, refused and counted by the rules (scripted)",
            nodes: 3,
            network: QUIET,
            faults: "n1 and n2 are scripted and answer nothing: n1 leads term 3 at 10ms, then \
                     falls silent; n2 asks n0 for pre-votes in terms 3 and 4 at 350 and 370ms; at \
                     700ms n1 refuses n0 a pre-vote in term 4, and at 720ms grants it one in term \
                     9, which n0 never asked for",
            faults_end: at(720),
            draw: no_faults(),
            cast: Cast::Scripted(vec![
                None,
                Some(ScriptedPeer {
                    sends: vec![
                        (at(10), NodeId(0), Message::heartbeat(3)),
                        (at(700), NodeId(0), pre_vote_answer(4, false)),
                        (at(720), NodeId(0), pre_vote_answer(9, true)),
                    ],
                    answer: Answer::Nothing,
                }),
                Some(ScriptedPeer {
                    sends: vec![
                        (at(350), NodeId(0), pre_vote_request(3)),
                        (at(370), NodeId(0), pre_vote_request(4)),
                    ],
                    answer: Answer::Nothing,
                }),
            ]),
            properties: vec![
                properties::answers_by_the_rules(
                    vec![NodeId(1), NodeId(2)],
                    properties::Logs::Empty,
                ),
                properties::elections_won_their_pre_votes(),
                properties::one_vote_per_term(),
                asked_for_pre_votes_before(at(700)),
            ],
            picker: None,
        },
    ];
    specs.into_iter().map(|s| s.build::<N>(timing)).collect()
}

/// A peer that asks n0 and n1 for a pre-vote in term 1 every 40 ms for three seconds.
fn babbler() -> ScriptedPeer {
    let ask = Message::RequestVote { term: 1, last_log_index: 0, last_log_term: 0, pre_vote: true };
    let sends = (0..75u64)
        .flat_map(|i| [NodeId(0), NodeId(1)].map(|to| (at(10 + 40 * i), to, ask.clone())))
        .collect();
    ScriptedPeer { sends, answer: Answer::Nothing }
}

/// Evidence that `node` granted at least `count` real votes.
fn grants_given(node: NodeId, count: usize) -> Property<Raft> {
    Property::new(
        "the node granted every request",
        "The scenario asks n0 for its vote 30 times, each time in a higher term, so on every seed \
         n0 must grant all 30: each request's term is above any n0 has seen.",
        "refusing a vote for a term higher than the node's own; not answering at all.",
        move |run: &Run<Raft>| {
            let granted = run
                .trace
                .messages
                .iter()
                .filter(|m| {
                    m.from == node
                        && matches!(m.msg, Message::Vote { granted: true, pre_vote: false, .. })
                })
                .count();
            if granted >= count {
                Verdict::Holds
            } else {
                Verdict::fails(format!("{node} granted {granted} of the {count} requests"))
            }
        },
    )
}

/// Evidence that grants of an older term than asked reached n0 while it campaigned.
fn stale_grants_arrived() -> Property<Raft> {
    Property::new(
        "grants of an older term arrived",
        "The scenario answers n0's vote requests with grants one term too old, so on every seed \
         such grants must reach n0.",
        "n0 never campaigned: see the election timer.",
        |run: &Run<Raft>| {
            let arrived = run.trace.events.iter().any(|e| {
                matches!(e.kind, EventKind::Deliver { msg }
                    if run.trace.message(msg).to == NodeId(0)
                        && matches!(run.trace.message(msg).msg,
                            Message::Vote { granted: true, pre_vote: false, .. }))
            });
            if arrived { Verdict::Holds } else { Verdict::fails("no grant reached n0") }
        },
    )
}

/// Evidence that a grant reached n0 after an `AppendEntries` of the same term had.
fn late_grant_followed_a_leader() -> Property<Raft> {
    Property::new(
        "a grant arrived after the leader's AppendEntries",
        "The scenario is about a vote that arrives once the term has a leader, so on every seed a \
         grant of some term must reach n0 after an AppendEntries of that term did.",
        "n0 never campaigned: see the election timer.",
        |run: &Run<Raft>| {
            let mut led = std::collections::BTreeSet::new();
            for e in &run.trace.events {
                let EventKind::Deliver { msg } = e.kind else { continue };
                let m = run.trace.message(msg);
                match m.msg {
                    Message::AppendEntries { term, .. } if m.to == NodeId(0) => {
                        led.insert(term);
                    }
                    Message::Vote { term, granted: true, pre_vote: false }
                        if m.to == NodeId(0) && led.contains(&term) =>
                    {
                        return Verdict::Holds;
                    }
                    _ => {}
                }
            }
            Verdict::fails("no grant reached n0 after an AppendEntries of its term")
        },
    )
}

/// Evidence that the babbling peer's requests reached both nodes throughout.
fn babbler_was_heard() -> Property<Raft> {
    Property::new(
        "the babbling peer was heard",
        "The scenario is about a peer that keeps asking for pre-votes, so at least 100 of its \
         requests (one every 40ms to each of the others) must get through.",
        "none: the script sends them; report this if it fails.",
        |run: &Run<Raft>| {
            let heard = run.trace.events.iter().filter(|e| {
                matches!(e.kind, EventKind::Deliver { msg } if run.trace.message(msg).from == NodeId(2))
            });
            if heard.count() >= 100 {
                Verdict::Holds
            } else {
                Verdict::fails("n2's requests did not get through")
            }
        },
    )
}

/// A time, in milliseconds since the start.
const fn at(ms: u64) -> Time {
    Time::from_millis(ms)
}

/// A pre-vote request for `term`, with an empty log.
fn pre_vote_request(term: u64) -> Message {
    Message::RequestVote { term, last_log_index: 0, last_log_term: 0, pre_vote: true }
}

/// An answer to a pre-vote request.
fn pre_vote_answer(term: u64, granted: bool) -> Message {
    Message::Vote { term, granted, pre_vote: true }
}

/// Evidence that at least `count` scripted messages reached n0.
fn delivered_to_n0(count: usize) -> Property<Raft> {
    Property::new(
        "the script reached n0",
        "The scenario sends n0 its scripted messages on a loss-free network, so all of them must \
         reach it.",
        "none: the script sends them; report this if it fails.",
        move |run: &Run<Raft>| {
            let heard = run.trace.events.iter().filter(|e| {
                matches!(e.kind, EventKind::Deliver { msg }
                    if run.trace.message(msg).to == NodeId(0) && run.trace.message(msg).from != NodeId(0))
            });
            let heard = heard.count();
            if heard >= count {
                Verdict::Holds
            } else {
                Verdict::fails(format!("{heard} of the {count} scripted messages reached n0"))
            }
        },
    )
}

/// Evidence that n0 was in a pre-vote round before `when`, so that the scripted answers find it
/// campaigning.
fn asked_for_pre_votes_before(when: Time) -> Property<Raft> {
    Property::new(
        "n0 asked for pre-votes in time",
        "n0 hears no leader after 10ms, so its election timer fires by 10ms + 2T (610ms at the \
         slowest timing) and it asks for pre-votes before the scripted answers come at 700ms.",
        "no pre-vote round on a timeout, or no election timer running after following a leader.",
        move |run: &Run<Raft>| {
            let asked = run.trace.events.iter().any(|e| {
                e.at < when
                    && matches!(e.kind, EventKind::Send { msg } if {
                        let m = run.trace.message(msg);
                        m.from == NodeId(0) && matches!(m.msg, Message::RequestVote { pre_vote: true, .. })
                    })
            });
            if asked {
                Verdict::Holds
            } else {
                Verdict::fails(format!("n0 asked for no pre-vote before {when}"))
            }
        },
    )
}

/// A real (not pre-) vote request in `term`, with an empty log.
fn request_vote(term: u64) -> Message {
    Message::RequestVote { term, last_log_index: 0, last_log_term: 0, pre_vote: false }
}
