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
    Consensus, Event, KvClerk, KvServer, RaftKv, Request, Response, SNAPSHOT_EVERY,
    Timing,
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
const UNRELIABLE: Network = Network::reliable()
    .with_loss(Prob::percent(10))
    .with_duplication(Prob::percent(5))
    .with_delay(
        Delay::uniform(Duration::from_millis(1), Duration::from_millis(10))
            .with_spikes(Prob::percent(5), Duration::from_millis(300)),
    );

/// The quiet period after the faults: the recovery bound, then time to catch up.
fn settle() -> Duration {
    recovery_bound(QUIET.delay.upper_bound()) + Duration::from_millis(1500)
}

/// A fault schedule drawn from the seed: (faults, latest end).
type DrawFaults = Box<dyn Fn(&mut Rng, usize) -> Vec<Fault> + Send + Sync>;

/// Who proposes what.
#[derive(Clone, Copy)]
enum Load {
    /// Parts A-C: the tester proposes `burst` commands of `size` bytes every `every`.
    Proposals { every: Duration, burst: usize, size: usize },
    /// Part D: this many clerks, each used in a closed loop, on this many keys.
    Clerks { clerks: usize, keys: u64, append_percent: u64 },
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
fn safety() -> Vec<Property<RaftKv>> {
    vec![
        properties::one_leader_per_term(),
        properties::log_matching(),
        properties::leader_completeness(),
        properties::state_machine_safety(),
        properties::applies_in_order_once(),
        properties::votes_for_up_to_date_logs(),
    ]
}

impl Spec {
    fn build<N: Consensus, S: KvServer, C: KvClerk>(self, timing: Timing) -> Arc<Scenario<RaftKv>> {
        let duration = (self.faults_end + settle()).since(Time::ZERO);
        let end = Time::ZERO + duration;
        let servers = self.servers;
        let d = QUIET.delay.upper_bound();
        let snapshot_every = self.snapshots.then_some(SNAPSHOT_EVERY);
        let mut properties = safety();
        let (nodes, workload, factory): (usize, String, Factory<RaftKv>) = match self.load {
            Load::Proposals { every, burst, size } => {
                properties.push(properties::commits_and_catches_up(servers, d));
                if self.snapshots {
                    properties.push(properties::snapshots_hold_the_log());
                }
                let scripted = match &self.cast {
                    Cast::Cluster => Vec::new(),
                    Cast::Scripted(cast) => cast.clone(),
                };
                let factory: Factory<RaftKv> = Arc::new(move |id: NodeId| {
                    if let Some(Some(script)) = scripted.get(id.index()) {
                        return Box::new(script.clone());
                    }
                    let peers = (0..servers as u32).map(NodeId).filter(|p| *p != id).collect();
                    Box::new(Replica::new(N::new(id, peers, timing), Recorder::default(), snapshot_every))
                });
                let words = format!(
                    "{burst} command{} of {size} bytes every {every}, from 300ms until 500ms before \
                     the end, each proposed to every server",
                    if burst == 1 { "" } else { "s" }
                );
                (servers, words, factory)
            }
            Load::Clerks { clerks, keys, append_percent } => {
                properties.push(properties::linearizable());
                properties.push(properties::operations_complete(d));
                let factory: Factory<RaftKv> = Arc::new(move |id: NodeId| {
                    let all: Vec<NodeId> = (0..servers as u32).map(NodeId).collect();
                    if id.index() < servers {
                        let peers = all.iter().copied().filter(|p| *p != id).collect();
                        Box::new(Replica::new(N::new(id, peers, timing), S::new(id), snapshot_every))
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
                        for t in workloads::every(Time::from_millis(300), Time::ZERO + (duration - Duration::from_millis(500)), every) {
                            times.extend(std::iter::repeat_n(t, burst));
                        }
                        Box::new(workloads::proposals(&times, servers, size))
                    }
                    Load::Clerks { clerks, keys, append_percent } => Box::new(KvUsers::new(
                        (servers..servers + clerks).map(|c| NodeId(c as u32)).collect(),
                        keys,
                        Time::ZERO + (duration - Duration::from_secs(1)),
                        append_percent,
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
    Property::new(
        "the fault struck the leader",
        "The scenario is about losing the leader, so on every seed the first crash or isolation \
         must strike the node acting as leader at that moment.",
        "no leader when the fault came: see the safety and progress properties first.",
        |run: &Run<RaftKv>| {
            let hit = run.trace.events.iter().find_map(|e| match &e.kind {
                EventKind::Crash { node, .. } => Some((e.at, *node)),
                EventKind::Partition { links, .. } => links.first().map(|l| (e.at, l.0)),
                _ => None,
            });
            let Some((at, node)) = hit else { return Verdict::fails("the fault never struck") };
            if current_leader(&run.trace, Time(at.as_micros() - 1)) == Some(node) {
                Verdict::Holds
            } else {
                Verdict::fails_at(at, format!("{node} was not the leader when the fault struck it"))
            }
        },
    )
}

/// Evidence that commands committed while the isolated node was away, so it had to catch up.
fn missed_entries(at_least: usize) -> Property<RaftKv> {
    Property::new(
        "the isolated server missed entries",
        "While the isolated server was cut off, the others committed entries it had to catch up \
         on after the partition healed.",
        "no leader among the others: see the progress property.",
        move |run: &Run<RaftKv>| {
            let window = run.trace.events.iter().find_map(|e| match &e.kind {
                EventKind::Partition { links, .. } => Some((e.at, links.first().map(|l| l.0))),
                _ => None,
            });
            let Some((from, Some(isolated))) = window else {
                return Verdict::fails("nobody was isolated");
            };
            let heal = run
                .trace
                .events
                .iter()
                .find_map(|e| matches!(e.kind, EventKind::Heal { .. }).then_some(e.at))
                .unwrap_or(run.end);
            let missed = properties::applied(&run.trace)
                .iter()
                .filter(|(t, n, _, e)| {
                    *t > from && *t < heal && *n != isolated && matches!(e, Event::Applied { .. })
                })
                .map(|(_, _, _, e)| match e {
                    Event::Applied { index, .. } => *index,
                    _ => 0,
                })
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            if missed >= at_least {
                Verdict::Holds
            } else {
                Verdict::fails(format!(
                    "only {missed} entries committed while {isolated} was away (wanted {at_least})"
                ))
            }
        },
    )
}

/// Nothing commits while no majority can talk.
fn nothing_commits_without_a_majority(from: Time, heal: Time) -> Property<RaftKv> {
    Property::new(
        "nothing commits without a majority",
        "While every server is cut off from every other, no command proposed during that time is \
         applied anywhere before the partition heals.",
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
                                 while no two servers could talk"
                            ),
                        );
                    }
                }
            }
            Verdict::Holds
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
            let committed: std::collections::BTreeMap<_, _> = properties::applied(&run.trace)
                .into_iter()
                .filter_map(|(_, _, _, e)| match e {
                    Event::Applied { index, command, .. } => Some((*index, command.clone())),
                    _ => None,
                })
                .collect();
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
                .any(|(index, c)| committed.get(index).is_some_and(|won| won != c));
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
            t = t + Duration::from_millis(rng.between(250, 500));
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
            t = t + Duration::from_millis(rng.between(200, 400));
        }
        faults
    })
}

fn every_server_restarted(servers: usize) -> Vec<Property<RaftKv>> {
    (0..servers as u32).map(|n| evidence::crashed_and_restarted(NodeId(n))).collect()
}

fn with_unreliable(mut draw_faults: Vec<Fault>, until: Time) -> Vec<Fault> {
    draw_faults.push(quiet_from(until));
    draw_faults
}

/// Every scenario of lab 04, in rubric order.
pub fn all<N: Consensus, S: KvServer, C: KvClerk>(timing: Timing) -> Vec<Arc<Scenario<RaftKv>>> {
    let ms = Time::from_millis;
    let steady = Load::Proposals { every: Duration::from_millis(40), burst: 1, size: 16 };
    let specs = vec![
        // Part A: replication.
        Spec {
            name: "basic_agreement",
            part: "A",
            points: 5,
            summary: "with no faults, every proposal to the leader commits on every server",
            servers: 3,
            network: QUIET,
            faults: "none",
            faults_end: Time::ZERO,
            draw: no_faults(),
            load: steady,
            snapshots: false,
            cast: Cast::Cluster,
            properties: Vec::new(),
            picker: None,
        },
    ];
    let _ = (ms, UNRELIABLE, leader_picker, follower_picker, the_leader_was_hit, missed_entries, nothing_commits_without_a_majority, old_leader_entries_overwritten, leader_crashes, churn, every_server_restarted, with_unreliable);
    specs.into_iter().map(|s| s.build::<N, S, C>(timing)).collect()
}
