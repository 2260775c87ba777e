//! Lab 01's scenarios: a fixed worked example per part, then randomized runs over a network that
//! loses, duplicates and reorders, with restarts, and (part C) skewed, drifting wall clocks that
//! step backwards.

use crate::properties::{for_part, stamped_events};
use crate::{Action, ClockSet, Clocks, Driver, Part, RUN_LENGTH, Stamp, VectorClock, timing};
use harness::scenario::OutcomeFn;
use harness::sim::Budgets;
use harness::{
    Clock, Delay, Duration, Fault, Network, NodeId, Plan, Prob, Property, Rng, Run, Scenario,
    Schedule, Time,
};
use std::sync::Arc;

/// The worked example: P1, P2, P3 are n0, n1, n2; every message takes exactly 5 ms.
///
/// P1: e1 local; e2 send m1 to P2; e3 local. P2: e4 local; e5 receive m1; e6 send m2 to P3.
/// P3: e7 local; e8 local; e9 receive m2; e10 send m3 to P1. P1: e11 receive m3.
fn worked_example_schedule() -> Schedule<Action> {
    let (p1, p2, p3) = (NodeId(0), NodeId(1), NodeId(2));
    let at = Time::from_millis;
    Schedule(vec![
        (at(10), p1, Action::Local),           // e1
        (at(10), p2, Action::Local),           // e4
        (at(10), p3, Action::Local),           // e7
        (at(20), p1, Action::Send { to: p2 }), // e2, m1 arrives at 25 ms: e5
        (at(20), p3, Action::Local),           // e8
        (at(30), p1, Action::Local),           // e3
        (at(40), p2, Action::Send { to: p3 }), // e6, m2 arrives at 45 ms: e9
        (at(60), p3, Action::Send { to: p1 }), // e10, m3 arrives at 65 ms: e11
    ])
}

/// The example's event names, per node, in the order the events happen.
const EXAMPLE_NAMES: [&[&str]; 3] =
    [&["e1", "e2", "e3", "e11"], &["e4", "e5", "e6"], &["e7", "e8", "e9", "e10"]];

/// The pairs whose relation the vector example reports (by the student's `compare`).
const EXAMPLE_PAIRS: [(&str, &str); 6] =
    [("e2", "e5"), ("e3", "e5"), ("e1", "e11"), ("e11", "e10"), ("e8", "e4"), ("e6", "e6")];

/// The example's events, named, with their timestamps, in name order.
fn named_example(run: &Run<Clocks>) -> Vec<(String, String, Stamp)> {
    let mut seen = [0usize; 3];
    let mut named: Vec<(String, String, Stamp)> = stamped_events(run)
        .into_iter()
        .map(|e| {
            let n = e.node.index();
            let name = EXAMPLE_NAMES[n].get(seen[n]).copied().unwrap_or("extra");
            seen[n] += 1;
            let what = match e.event.kind {
                crate::EventKind::Local => "local".to_string(),
                crate::EventKind::Send { to } => format!("send to {to}"),
                crate::EventKind::Receive { from } => format!("receive from {from}"),
            };
            (name.to_string(), format!("{} {what}", e.node), e.event.stamp)
        })
        .collect();
    named.sort_by_key(|(name, _, _)| name.trim_start_matches('e').parse::<u32>().unwrap_or(99));
    named
}

fn lamport_table() -> OutcomeFn<Clocks> {
    Arc::new(|run| {
        named_example(run)
            .into_iter()
            .map(|(name, what, stamp)| match stamp {
                Stamp::Lamport(t) => format!("{name:<4} {what:<18} L = {t}"),
                other => format!("{name:<4} {what:<18} {other:?}"),
            })
            .collect()
    })
}

fn vector_table<V: VectorClock>() -> OutcomeFn<Clocks> {
    Arc::new(|run| {
        let named = named_example(run);
        let mut lines: Vec<String> = named
            .iter()
            .map(|(name, what, stamp)| match stamp {
                Stamp::Vector(v) => format!("{name:<4} {what:<18} V = {v:?}"),
                other => format!("{name:<4} {what:<18} {other:?}"),
            })
            .collect();
        let vector_of = |wanted: &str| {
            named.iter().find_map(|(name, _, stamp)| match stamp {
                Stamp::Vector(v) if name == wanted => Some(v.clone()),
                _ => None,
            })
        };
        for (a, b) in EXAMPLE_PAIRS {
            if let (Some(va), Some(vb)) = (vector_of(a), vector_of(b)) {
                lines.push(format!("compare({a}, {b}) = {:?}", V::compare(&va, &vb)));
            }
        }
        lines
    })
}

/// Random local events and sends on every node: `actions` per node over `window`.
fn random_actions(
    rng: &mut Rng,
    nodes: usize,
    actions: usize,
    window: Duration,
) -> Schedule<Action> {
    let mut schedule = Vec::new();
    for node in 0..nodes as u32 {
        for _ in 0..actions {
            let at = Time::from_millis(10) + rng.duration_between(Duration::ZERO, window);
            let action = if rng.chance(Prob::percent(30)) {
                Action::Local
            } else {
                let mut to = rng.below(nodes as u64 - 1) as u32;
                if to >= node {
                    to += 1;
                }
                Action::Send { to: NodeId(to) }
            };
            schedule.push((at, NodeId(node), action));
        }
    }
    schedule.sort_by_key(|(at, _, _)| *at);
    Schedule(schedule)
}

/// Wall clocks as part C's contract allows: offsets and drift. One clock is at least half the
/// largest offset ahead and another as far behind, so every seed has clocks that disagree.
fn skewed_clocks(rng: &mut Rng, nodes: usize) -> Vec<Clock> {
    let offset = timing::MAX_OFFSET.as_micros() as i64;
    let drift = timing::MAX_DRIFT_PPM as i64;
    (0..nodes)
        .map(|i| {
            let (low, span) = match i {
                0 => (offset / 2, offset / 2),
                1 => (-offset, offset / 2),
                _ => (-offset, 2 * offset),
            };
            Clock {
                drift_ppm: (rng.between(0, 2 * drift as u64) as i64 - drift) as i32,
                wall_offset_micros: low + rng.between(0, span as u64) as i64,
            }
        })
        .collect()
}

/// A crash of `node` in the first half of the actions' `window` and its restart 50-100ms later,
/// with sends to it from every other node while it is down (so the crash is felt) and actions
/// left for it after the restart (so the recovery is tested).
fn crash_and_restart(
    rng: &mut Rng,
    nodes: usize,
    node: NodeId,
    window: Duration,
    actions: &mut Schedule<Action>,
) -> Vec<Fault> {
    let latest_crash = window.as_micros() / 2 - 100_000;
    let crash =
        Time::from_millis(10) + Duration(rng.between(window.as_micros() / 10, latest_crash));
    let restart = crash + Duration::from_millis(rng.between(50, 100));
    // Three sends from every other node, early enough to arrive while it is still down.
    let latest = restart - crash - LOSSY.delay.upper_bound();
    for other in (0..nodes as u32).map(NodeId).filter(|n| *n != node) {
        for _ in 0..3 {
            let at = crash + rng.duration_between(Duration::ZERO, latest);
            actions.0.push((at, other, Action::Send { to: node }));
        }
    }
    actions.0.sort_by_key(|(at, _, _)| *at);
    vec![Fault::Crash { node, at: crash }, Fault::Restart { node, at: restart }]
}

/// Part C's scripted exchange, which forces every case of the receive rule (and both of the
/// tick's) on the one run it has, where random runs meet some of them rarely. n0's wall clock
/// runs 5 ms ahead, n1's 5 ms behind, n2's true; none drifts; every message takes exactly 1 ms;
/// n0's wall clock steps back 10 ms at 21 ms, so its `l` (25 ms) stays ahead of its wall clock for
/// a while and n1, which adopted that `l`, meets it again and again.
///
/// | time (ms) | event | case at the node |
/// |---|---|---|
/// | 20 | n0 sends to n1 | tick, wall clock ahead: (25, 0) |
/// | 21 | n1 receives | the message's `l` is largest: c = its c + 1 |
/// | 22-24 | n0: three local events | tick, `l` held: c + 1 |
/// | 24 | n2 sends to n1 | (24, 0) |
/// | 25 | n1 receives from n2 | its own `l` is largest: c = its c + 1 |
/// | 25 | n0 sends to n1 | (25, 4) |
/// | 26 | n1 receives | both `l` equal: c = max of the two + 1 (its own is smaller) |
/// | 26.2-26.6 | n1: three local events | tick, `l` held |
/// | 27 | n0 sends to n1 | (25, 5) |
/// | 28 | n1 receives | both `l` equal, its own c larger |
/// | 40 | n1 local | tick, wall clock ahead: c = 0 |
/// | 50 | n0 sends to n1, arriving at 51 | the wall clock is largest: c = 0 |
fn counter_ties_schedule() -> Schedule<Action> {
    let (n0, n1, n2) = (NodeId(0), NodeId(1), NodeId(2));
    let at = Time;
    Schedule(vec![
        (at(20_000), n0, Action::Send { to: n1 }),
        (at(22_000), n0, Action::Local),
        (at(23_000), n0, Action::Local),
        (at(24_000), n0, Action::Local),
        (at(24_000), n2, Action::Send { to: n1 }),
        (at(25_000), n0, Action::Send { to: n1 }),
        (at(26_200), n1, Action::Local),
        (at(26_400), n1, Action::Local),
        (at(26_600), n1, Action::Local),
        (at(27_000), n0, Action::Send { to: n1 }),
        (at(40_000), n1, Action::Local),
        (at(50_000), n0, Action::Send { to: n1 }),
    ])
}

/// The scripted exchange's clocks: n0 5 ms ahead, n1 5 ms behind, n2 true, none drifting.
fn counter_ties_clocks() -> Vec<Clock> {
    let offset = timing::MAX_OFFSET.as_micros() as i64;
    [offset, -offset, 0].map(|o| Clock { drift_ppm: 0, wall_offset_micros: o }).to_vec()
}

/// A network that loses, duplicates and reorders.
const LOSSY: Network = Network::reliable()
    .with_loss(Prob::percent(15))
    .with_duplication(Prob::percent(20))
    .with_delay(Delay::uniform(Duration::from_millis(1), Duration::from_millis(20)));

/// What each kind of randomized run does.
#[derive(Clone, Copy)]
enum Kind {
    WorkedExample,
    CounterTies,
    Lossy,
    Restart,
    Skewed,
    BackwardSteps,
}

struct Spec {
    name: &'static str,
    part: Part,
    points: u32,
    summary: &'static str,
    kind: Kind,
}

const NODES: usize = 4;

impl Spec {
    fn build<C: ClockSet>(self) -> Arc<Scenario<Clocks>> {
        let part = self.part;
        let kind = self.kind;
        let (nodes, network, duration, seeds) = match kind {
            Kind::WorkedExample => (
                3,
                Network::reliable()
                    .with_delay(Delay::uniform(Duration::from_millis(5), Duration::from_millis(5))),
                Duration::from_millis(100),
                1,
            ),
            Kind::CounterTies => (
                3,
                Network::reliable()
                    .with_delay(Delay::uniform(Duration::from_millis(1), Duration::from_millis(1))),
                Duration::from_millis(100),
                1,
            ),
            Kind::Lossy | Kind::Restart => (NODES, LOSSY, RUN_LENGTH, 200),
            Kind::Skewed | Kind::BackwardSteps => {
                (NODES, Network::reliable(), Duration::from_millis(500), 200)
            }
        };
        // Part B checks every pair of events, so its runs are a little shorter.
        let actions = if part == Part::B { 20 } else { 30 };
        // Part C packs events densely, so that wall clocks often lag the logical time.
        let window =
            if part == Part::C { Duration::from_millis(350) } else { Duration::from_millis(1200) };
        let faults = match kind {
            Kind::WorkedExample => "none; every message takes exactly 5ms",
            Kind::CounterTies => {
                "n0's wall clock 5ms ahead, n1's 5ms behind; n0's steps back 10ms at 21ms; every \
                 message takes exactly 1ms"
            }
            Kind::Lossy => "the network loses 15% and duplicates 20% of messages, delays 1-20ms",
            Kind::Restart if part == Part::C => {
                "skewed, drifting wall clocks; the lossy network; n2 crashes in the first half of \
                 the run and restarts 50-100ms later"
            }
            Kind::Restart => {
                "the lossy network, and n2 crashes in the first half of the run and restarts \
                 50-100ms later"
            }
            Kind::Skewed => "wall clocks offset by up to 5ms and drifting up to 200ppm",
            Kind::BackwardSteps => {
                "skewed, drifting wall clocks, each stepping back by up to 10ms once"
            }
        };
        let workload = match kind {
            Kind::WorkedExample => "the worked example's 11 events".to_string(),
            Kind::CounterTies => {
                "a scripted exchange of 12 actions that meets every case of the rules".to_string()
            }
            _ => format!(
                "{actions} actions per node over {window} (70% sends){}",
                if matches!(kind, Kind::Restart) {
                    ", and 3 sends to n2 from every node while it is down"
                } else {
                    ""
                }
            ),
        };
        let crashes = matches!(kind, Kind::Restart);
        let plan = Arc::new(move |rng: &mut Rng| {
            let mut clocks = Vec::new();
            let mut faults = Vec::new();
            let mut actions = match kind {
                Kind::WorkedExample => worked_example_schedule(),
                Kind::CounterTies => counter_ties_schedule(),
                _ => random_actions(rng, nodes, actions, window),
            };
            match kind {
                Kind::WorkedExample => {}
                Kind::CounterTies => {
                    clocks = counter_ties_clocks();
                    faults.push(Fault::ClockStep {
                        node: NodeId(0),
                        at: Time::from_millis(21),
                        by_micros: -(timing::MAX_BACKWARD_STEP.as_micros() as i64),
                    });
                }
                _ if part == Part::C => clocks = skewed_clocks(rng, nodes),
                _ => {}
            }
            if matches!(kind, Kind::BackwardSteps) {
                for node in 0..nodes as u32 {
                    let at = Time::from_millis(rng.between(50, 300));
                    let by = rng.between(1, timing::MAX_BACKWARD_STEP.as_micros()) as i64;
                    faults.push(Fault::ClockStep { node: NodeId(node), at, by_micros: -by });
                }
            }
            if crashes {
                faults.extend(crash_and_restart(rng, nodes, NodeId(2), window, &mut actions));
            }
            Plan { faults, clocks, workload: Box::new(actions) }
        });
        let mut properties = for_part::<C::Vector>(part, duration);
        let evidence: Vec<Property<Clocks>> = match kind {
            Kind::WorkedExample => Vec::new(),
            Kind::CounterTies => vec![
                harness::evidence::wall_clock_stepped_back(),
                crate::properties::every_receive_case_met(),
            ],
            Kind::Skewed => vec![crate::properties::wall_clocks_skewed()],
            Kind::Lossy => {
                vec![harness::evidence::messages_lost(), harness::evidence::messages_duplicated()]
            }
            Kind::Restart => vec![harness::evidence::crashed_and_restarted(NodeId(2))],
            Kind::BackwardSteps => vec![harness::evidence::wall_clock_stepped_back()],
        };
        properties.extend(evidence);
        let outcome = match (kind, part) {
            (Kind::WorkedExample, Part::A) => Some(lamport_table()),
            (Kind::WorkedExample, Part::B) => Some(vector_table::<C::Vector>()),
            _ => None,
        };
        Arc::new(Scenario {
            name: self.name,
            part: match part {
                Part::A => "A",
                Part::B => "B",
                Part::C => "C",
            },
            points: self.points,
            summary: self.summary,
            nodes,
            network,
            faults: faults.to_string(),
            workload,
            duration,
            seeds,
            plan,
            factory: Arc::new(move |_| Box::new(Driver::<C>::new(part, nodes))),
            properties,
            budgets: Budgets::default(),
            outcome,
            picker: None,
        })
    }
}

/// Every scenario of lab 01, in rubric order.
pub fn all<C: ClockSet>() -> Vec<Arc<Scenario<Clocks>>> {
    let spec = |name, part, points, summary, kind| Spec { name, part, points, summary, kind };
    vec![
        spec(
            "lamport_worked_example",
            Part::A,
            5,
            "the worked example's Lamport timestamps",
            Kind::WorkedExample,
        ),
        spec(
            "lamport_lossy_network",
            Part::A,
            10,
            "Lamport timestamps respect causality over a lossy, duplicating, reordering network",
            Kind::Lossy,
        ),
        spec(
            "lamport_restart",
            Part::A,
            10,
            "a restarted clock resumes from its saved state and keeps respecting causality",
            Kind::Restart,
        ),
        spec(
            "vector_worked_example",
            Part::B,
            5,
            "the worked example's vector timestamps and relations",
            Kind::WorkedExample,
        ),
        spec(
            "vector_lossy_network",
            Part::B,
            15,
            "vector timestamps capture causality exactly over a lossy network",
            Kind::Lossy,
        ),
        spec(
            "vector_restart",
            Part::B,
            10,
            "a restarted vector clock resumes and stays exact",
            Kind::Restart,
        ),
        spec(
            "hlc_counter_ties",
            Part::C,
            10,
            "a scripted exchange meets every case of the tick and receive rules",
            Kind::CounterTies,
        ),
        spec(
            "hlc_skewed_clocks",
            Part::C,
            15,
            "hybrid timestamps stay close to skewed, drifting wall clocks and respect causality",
            Kind::Skewed,
        ),
        spec(
            "hlc_backward_steps",
            Part::C,
            15,
            "hybrid timestamps never go backwards when wall clocks do",
            Kind::BackwardSteps,
        ),
        spec(
            "hlc_restart",
            Part::C,
            15,
            "a restarted hybrid clock resumes where it left off",
            Kind::Restart,
        ),
    ]
    .into_iter()
    .map(Spec::build::<C>)
    .collect()
}
