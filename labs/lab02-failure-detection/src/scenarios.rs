//! Lab 02's scenarios. Part A: five clients (a hundred in the thundering herd) call the
//! harness's server through an outage shorter than the retry budget, one longer, and a network
//! that loses replies. Parts B and C: five members, each running the part's detector, through
//! the same ten situations: crashes, losses, delay spikes, a long pause, a one-way cut and a
//! partition, each followed by a quiet network in which accuracy is judged.

use crate::properties::{self, Bounds, heartbeat, retry, swim};
use crate::server::FlakyServer;
use crate::{
    Call, FailureDetection, HeartbeatDetector, Parts, RetryClient, RetryTiming, SwimDetector,
    Timing,
};
use harness::evidence;
use harness::scenario::OutcomeFn;
use harness::sim::Budgets;
use harness::{
    Duration, Fault, Network, NodeId, Plan, Prob, Property, Rng, Scenario, Schedule, Time,
};
use std::sync::Arc;

/// The network every scenario ends with (and the crash scenarios keep): no loss, 1-5 ms delays.
const QUIET: Network = Network::reliable();

/// D: the quiet network's longest delay; bounds are formulas of it.
const D: Duration = Duration::from_millis(5);

/// Part A's server.
const SERVER: NodeId = NodeId(0);

/// Part A's clients, n1..=n5, outside the thundering herd.
const CLIENTS: usize = 5;

/// The thundering herd: n1..=n100.
const HERD: usize = 100;

/// Parts B and C: the group n0..=n4.
const MEMBERS: usize = 5;

/// How long each detector scenario runs: faults until 2 s at the latest, then a quiet stretch
/// longer than part C's accuracy bound at its slowest legal period.
const DETECTOR_RUN: Duration = Duration::from_millis(3200);

/// The moment the detector scenarios' networks turn quiet.
const QUIET_FROM: Time = Time::from_millis(2000);

/// Draws a seed's faults and workload for part A, given the run's timing.
type DrawRetry = Box<dyn Fn(&mut Rng, RetryTiming) -> (Vec<Fault>, Schedule<Call>) + Send + Sync>;

/// One part A scenario, in the lab's own terms; [`RetrySpec::build`] adds what every part A
/// scenario shares.
struct RetrySpec {
    name: &'static str,
    points: u32,
    summary: &'static str,
    /// How many clients (n1 onwards).
    clients: usize,
    /// The network until the faults end.
    network: Network,
    /// The share of attempts the server answers late.
    slow: Prob,
    /// The faults, in words.
    faults: &'static str,
    /// The calls, in words.
    workload: &'static str,
    /// How long a run lasts, for the largest legal timing (so every timing fits).
    duration: fn(RetryTiming) -> Duration,
    draw: DrawRetry,
    /// Properties of this scenario alone: its fault's evidence and its obligations.
    extra: fn(RetryTiming) -> Vec<Property<FailureDetection>>,
    /// Whether the calls' outcomes are determined (shown in the report).
    outcome: bool,
}

impl RetrySpec {
    fn build<P: Parts>(self, timing: RetryTiming) -> Arc<Scenario<FailureDetection>> {
        let mut properties = vec![
            retry::calls_end_within_budget(timing),
            retry::attempts_within_budget(timing, SERVER),
            retry::waits_inside_envelope(timing),
            retry::success_when_answered(timing),
            retry::no_retry_after_reply(),
        ];
        properties.extend((self.extra)(timing));
        let slow = self.slow;
        let draw = self.draw;
        let outcome: Option<OutcomeFn<FailureDetection>> = self.outcome.then(|| {
            Arc::new(move |run: &_| retry::call_outcomes(run, SERVER, timing)) as OutcomeFn<_>
        });
        Arc::new(Scenario {
            name: self.name,
            part: "A",
            points: self.points,
            summary: self.summary,
            nodes: self.clients + 1,
            network: self.network,
            faults: self.faults.to_string(),
            workload: self.workload.to_string(),
            duration: (self.duration)(RetryTiming::MAX),
            seeds: 50,
            plan: Arc::new(move |rng: &mut Rng| {
                let (faults, calls) = draw(rng, timing);
                Plan { faults, clocks: Vec::new(), workload: Box::new(calls) }
            }),
            factory: Arc::new(move |id| {
                if id == SERVER {
                    Box::new(FlakyServer::new(timing, slow))
                } else {
                    Box::new(P::Client::new(id, SERVER, timing))
                }
            }),
            properties,
            budgets: Budgets::default(),
            picker: None,
            outcome,
        })
    }
}

/// `per_client` calls from every client, at uniform random times in `[from, from + spread)`.
fn calls(
    rng: &mut Rng,
    clients: usize,
    per_client: usize,
    from: Time,
    spread: Duration,
) -> Vec<(Time, NodeId, Call)> {
    let mut out = Vec::new();
    for c in 1..=clients as u32 {
        for _ in 0..per_client {
            let at = from + Duration(rng.below(spread.as_micros().max(1)));
            out.push((at, NodeId(c), Call));
        }
    }
    out
}

fn sorted(mut calls: Vec<(Time, NodeId, Call)>) -> Schedule<Call> {
    calls.sort_by_key(|(at, node, _)| (*at, *node));
    Schedule(calls)
}

/// The short outage: down for (max_attempts - 1)·T - 5 ms, so that a call made at the crash
/// still has its last attempt after the restart.
fn short_outage(t: RetryTiming) -> Duration {
    t.attempt_timeout.times(u64::from(t.max_attempts) - 1) - Duration::from_millis(5)
}

/// The long outage: longer than a whole call by 200 ms.
fn long_outage(t: RetryTiming) -> Duration {
    t.longest_call() + Duration::from_millis(200)
}

/// The herd's outage: by its end every client has failed attempts 0 to 3 (at most
/// 3·T + base + 2·base + 4·base after the calls), and none has sent its last attempt
/// ((max_attempts - 1)·T at the earliest). The contract's constraints (4·base ≤ T,
/// max_attempts ≥ 6) make the first no later than the second.
fn herd_outage(t: RetryTiming) -> Duration {
    t.attempt_timeout.times(3) + t.backoff_base.times(7) + Duration::from_millis(5)
}

/// The crash time of part A's outages.
const CRASH: Time = Time::from_millis(100);

fn retry_specs() -> Vec<RetrySpec> {
    vec![
        RetrySpec {
            name: "retry_short_outage",
            points: 7,
            summary: "calls made while the server is down succeed once it is back, within the budget",
            clients: CLIENTS,
            network: QUIET,
            slow: Prob::NEVER,
            faults: "the server crashes at 100ms and restarts (max_attempts - 1)·attempt_timeout - \
                     5ms later",
            workload: "each client calls twice before the crash, twice during the outage and once \
                       after it, at random times",
            duration: |t| {
                CRASH.since(Time::ZERO)
                    + short_outage(t)
                    + Duration::from_millis(100)
                    + t.longest_call()
            },
            draw: Box::new(|rng, t| {
                let restart = CRASH + short_outage(t);
                let mut c =
                    calls(rng, CLIENTS, 2, Time::from_millis(10), Duration::from_millis(80));
                c.extend(calls(rng, CLIENTS, 2, CRASH, short_outage(t)));
                c.extend(calls(rng, CLIENTS, 1, restart, Duration::from_millis(100)));
                let faults = vec![
                    Fault::Crash { node: SERVER, at: CRASH },
                    Fault::Restart { node: SERVER, at: restart },
                ];
                (faults, sorted(c))
            }),
            extra: |_| vec![retry::every_call_succeeds(), evidence::crashed_and_restarted(SERVER)],
            outcome: true,
        },
        RetrySpec {
            name: "retry_long_outage",
            points: 7,
            summary: "calls made during an outage longer than the budget give up after every attempt",
            clients: CLIENTS,
            network: QUIET,
            slow: Prob::NEVER,
            faults: "the server crashes at 100ms and restarts 200ms after the longest a call can \
                     take",
            workload: "each client calls twice in the first 200ms of the outage and once after it, \
                       at random times",
            duration: |t| CRASH.since(Time::ZERO) + long_outage(t) + Duration::from_millis(200),
            draw: Box::new(|rng, t| {
                let restart = CRASH + long_outage(t);
                let mut c = calls(rng, CLIENTS, 2, CRASH, Duration::from_millis(200));
                c.extend(calls(rng, CLIENTS, 1, restart, Duration::from_millis(100)));
                let faults = vec![
                    Fault::Crash { node: SERVER, at: CRASH },
                    Fault::Restart { node: SERVER, at: restart },
                ];
                (faults, sorted(c))
            }),
            extra: |t| {
                vec![retry::backoff_reaches_envelope(t), evidence::crashed_and_restarted(SERVER)]
            },
            outcome: true,
        },
        RetrySpec {
            name: "retry_lost_replies",
            points: 8,
            summary: "requests and replies are lost and the server is sometimes slow: retries get through",
            clients: CLIENTS,
            network: QUIET.with_loss(Prob::percent(20)),
            slow: Prob::percent(25),
            faults: "the network loses 20% of messages until 1.5s, then none; the server answers a \
                     quarter of attempts after 0.5-2 attempt timeouts",
            workload: "each client calls 10 times, at random times in the first second",
            duration: |t| {
                Duration::from_millis(1000) + t.longest_call() + Duration::from_millis(100)
            },
            draw: Box::new(|rng, _| {
                let c = calls(rng, CLIENTS, 10, Time::from_millis(10), Duration::from_millis(990));
                (vec![Fault::Network { at: Time::from_millis(1500), network: QUIET }], sorted(c))
            }),
            extra: |_| vec![retry::reply_lost_and_retried()],
            outcome: false,
        },
        RetrySpec {
            name: "retry_thundering_herd",
            points: 8,
            summary: "a hundred clients retrying through one outage do not return in lockstep",
            clients: HERD,
            network: QUIET,
            slow: Prob::NEVER,
            faults: "the server crashes at 10ms and restarts 3·attempt_timeout + 7·backoff_base + \
                     5ms after the calls",
            workload: "each of 100 clients calls once, all at 50ms",
            duration: |t| Duration::from_millis(50) + t.longest_call() + Duration::from_millis(100),
            draw: Box::new(|_, t| {
                let at = Time::from_millis(50);
                let c: Vec<(Time, NodeId, Call)> =
                    (1..=HERD as u32).map(|c| (at, NodeId(c), Call)).collect();
                let faults = vec![
                    Fault::Crash { node: SERVER, at: Time::from_millis(10) },
                    Fault::Restart { node: SERVER, at: at + herd_outage(t) },
                ];
                (faults, Schedule(c))
            }),
            extra: |t| {
                vec![
                    retry::every_call_succeeds(),
                    retry::backoff_reaches_envelope(t),
                    retry::retries_spread_out(t, HERD, SERVER),
                    evidence::crashed_and_restarted(SERVER),
                ]
            },
            outcome: true,
        },
    ]
}

/// The two detectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Detector {
    Heartbeat,
    Swim,
}

/// What a detector situation is about, which decides its own properties.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// Members crash for good.
    Crash(&'static [u32]),
    /// A member crashes and restarts.
    CrashRestart(u32),
    /// The network loses this share of messages until the quiet.
    Loss(u32),
    /// This share of messages is delayed by up to 150 ms until the quiet.
    Spikes(u32),
    /// A member is paused for a second.
    Pause(u32),
    /// A link is cut in one direction.
    OneWay(u32, u32),
    /// Two groups cannot talk.
    Partition,
    /// A member is cut off from every other, from before they start until the quiet.
    IsolatedFromStart(u32),
}

/// One situation both detectors face; the two parts name and describe it their own way.
struct Situation {
    names: [&'static str; 2],
    points: u32,
    summaries: [&'static str; 2],
    network: Network,
    faults: &'static str,
    kind: Kind,
}

fn situations() -> Vec<Situation> {
    let spikes =
        |p| QUIET.with_delay(QUIET.delay.with_spikes(Prob::percent(p), Duration::from_millis(150)));
    vec![
        Situation {
            names: ["heartbeat_crash_one", "swim_crash_one"],
            points: 4,
            summaries: [
                "a crashed member is suspected by all the others within η + D + α",
                "a crashed member is suspected by all the others within (2N - 2) periods",
            ],
            network: QUIET,
            faults: "n3 crashes for good at a random time between 800ms and 1.6s",
            kind: Kind::Crash(&[3]),
        },
        Situation {
            names: ["heartbeat_crash_minority", "swim_crash_minority"],
            points: 4,
            summaries: [
                "two crashed members of five are suspected by the three correct ones",
                "two crashed members of five are suspected, though they were also helpers",
            ],
            network: QUIET,
            faults: "n1 and n3 crash for good, each at a random time between 800ms and 1.6s",
            kind: Kind::Crash(&[1, 3]),
        },
        Situation {
            names: ["heartbeat_crash_restart", "swim_crash_restart"],
            points: 4,
            summaries: [
                "a crashed member is suspected, and restored when it restarts with a new incarnation",
                "a crashed member is suspected, and restored when it restarts and answers again",
            ],
            network: QUIET,
            faults: "n2 crashes at a random time between 600ms and 1s and restarts 1-1.2s later",
            kind: Kind::CrashRestart(2),
        },
        Situation {
            names: ["heartbeat_loss_5", "swim_loss_5"],
            points: 3,
            summaries: [
                "5% loss: mistakes stay within the QoS bounds, and end once the network is quiet",
                "5% loss: indirect probes make mistakes rare, and none survive the quiet",
            ],
            network: QUIET.with_loss(Prob::percent(5)),
            faults: "the network loses 5% of messages until 2s, then none",
            kind: Kind::Loss(5),
        },
        Situation {
            names: ["heartbeat_loss_15", "swim_loss_15"],
            points: 3,
            summaries: [
                "15% loss: mistakes stay within the QoS bounds, and end once the network is quiet",
                "15% loss: indirect probes keep mistakes far below a heartbeat detector's",
            ],
            network: QUIET.with_loss(Prob::percent(15)),
            faults: "the network loses 15% of messages until 2s, then none",
            kind: Kind::Loss(15),
        },
        Situation {
            names: ["heartbeat_loss_30", "swim_loss_30"],
            points: 3,
            summaries: [
                "30% loss: many mistakes, each short, none after the network turns quiet",
                "30% loss: mistakes stay within the QoS bounds, none after the network turns quiet",
            ],
            network: QUIET.with_loss(Prob::percent(30)),
            faults: "the network loses 30% of messages until 2s, then none",
            kind: Kind::Loss(30),
        },
        Situation {
            names: ["heartbeat_delay_spikes", "swim_delay_spikes"],
            points: 3,
            summaries: [
                "late heartbeats cause short mistakes that end when they arrive",
                "late acks cause short mistakes that end when they arrive",
            ],
            network: spikes(20),
            faults: "20% of messages are delayed by up to 150ms until 2s, then none",
            kind: Kind::Spikes(20),
        },
        Situation {
            names: ["heartbeat_long_pause", "swim_long_pause"],
            points: 4,
            summaries: [
                "a member frozen for a second (a GC pause) is suspected, then restored",
                "a member frozen for a second (a GC pause) is suspected, then restored",
            ],
            network: QUIET,
            faults: "n4 is paused for 1s, from a random time between 800ms and 1s",
            kind: Kind::Pause(4),
        },
        Situation {
            names: ["heartbeat_one_way_cut", "swim_one_way_cut"],
            points: 3,
            summaries: [
                "n1 stops hearing n0 and must suspect it, though n0 still hears n1",
                "helpers route around a cut link: no one is suspected",
            ],
            network: QUIET,
            faults: "from 800ms to 1.8s nothing from n0 reaches n1 (n1 still reaches n0)",
            kind: Kind::OneWay(0, 1),
        },
        Situation {
            names: ["heartbeat_partition", "swim_partition"],
            points: 4,
            summaries: [
                "each side of a partition suspects the other, and trusts it again after the heal",
                "each side of a partition suspects the other, and trusts it again after the heal",
            ],
            network: QUIET,
            faults: "{n0 n1} and {n2 n3 n4} cannot talk from 800ms to 2s",
            kind: Kind::Partition,
        },
        Situation {
            names: ["heartbeat_isolated_from_start", "swim_isolated_from_start"],
            points: 3,
            summaries: [
                "members never heard from are suspected like ones that fell silent, then trusted",
                "members that never answered are suspected like ones that fell silent, then trusted",
            ],
            network: QUIET,
            faults: "n2 is cut off from every other member from before they start until 2s",
            kind: Kind::IsolatedFromStart(2),
        },
    ]
}

/// A seed's faults for a situation.
fn draw_faults(kind: Kind, rng: &mut Rng) -> Vec<Fault> {
    let n = NodeId;
    let between = |rng: &mut Rng, a: u64, b: u64| Time::from_millis(rng.between(a, b));
    match kind {
        Kind::Crash(victims) => victims
            .iter()
            .map(|&v| Fault::Crash { node: n(v), at: between(rng, 800, 1600) })
            .collect(),
        Kind::CrashRestart(v) => {
            let crash = between(rng, 600, 1000);
            let restart = crash + Duration::from_millis(rng.between(1000, 1200));
            vec![Fault::Crash { node: n(v), at: crash }, Fault::Restart { node: n(v), at: restart }]
        }
        Kind::Loss(_) | Kind::Spikes(_) => vec![Fault::Network { at: QUIET_FROM, network: QUIET }],
        Kind::Pause(v) => {
            vec![Fault::Pause {
                node: n(v),
                at: between(rng, 800, 1000),
                duration: Duration::from_millis(1000),
            }]
        }
        Kind::OneWay(a, b) => {
            vec![Fault::one_way(Time::from_millis(800), Some(Time::from_millis(1800)), n(a), n(b))]
        }
        Kind::IsolatedFromStart(v) => {
            let others: Vec<NodeId> = (0..MEMBERS as u32).filter(|&o| o != v).map(n).collect();
            vec![Fault::partition(Time::ZERO, Some(QUIET_FROM), &[&[n(v)], &others])]
        }
        Kind::Partition => vec![Fault::partition(
            Time::from_millis(800),
            Some(QUIET_FROM),
            &[&[n(0), n(1)], &[n(2), n(3), n(4)]],
        )],
    }
}

impl Situation {
    fn build<P: Parts>(
        self,
        detector: Detector,
        timing: Timing,
    ) -> Arc<Scenario<FailureDetection>> {
        let (which, bounds) = match detector {
            Detector::Heartbeat => (0, Bounds::heartbeat(timing.heartbeat, MEMBERS, D)),
            Detector::Swim => (1, Bounds::swim(timing.swim, MEMBERS, D)),
        };
        let definitions = &DEFINITIONS[which];
        let cut_off = match detector {
            Detector::Heartbeat => heartbeat::cut_off,
            Detector::Swim => swim::cut_off,
        };
        let mut properties = vec![properties::well_formed()];
        match detector {
            Detector::Heartbeat => properties.extend([
                heartbeat::heartbeats_on_schedule(timing.heartbeat, MEMBERS),
                heartbeat::suspects_only_overdue(timing.heartbeat),
                heartbeat::restores_on_next_heartbeat(timing.heartbeat),
            ]),
            Detector::Swim => properties.extend([
                swim::probes_keep_to_the_period(timing.swim, MEMBERS),
                swim::missed_ack_asks_helpers(timing.swim, MEMBERS),
                swim::suspects_only_unanswered(timing.swim),
                swim::helpers_answer_and_relay(timing.swim),
                swim::restores_on_sign_of_life(),
            ]),
        }
        let u = |percent: u32| f64::from(percent) / 100.0;
        match self.kind {
            Kind::Crash(victims) => {
                properties.push(properties::strong_completeness());
                properties.push(properties::detection_time(bounds, definitions.detection));
                properties.push(properties::eventual_accuracy(bounds, definitions.accuracy));
                let victims: Vec<NodeId> = victims.iter().map(|&v| NodeId(v)).collect();
                properties.push(evidence::crashed_for_good(&victims));
            }
            Kind::CrashRestart(v) => {
                properties.push(properties::strong_completeness());
                properties.push(properties::detection_time(bounds, definitions.detection));
                properties.push(properties::eventual_accuracy(bounds, definitions.accuracy));
                properties.push(evidence::crashed_and_restarted(NodeId(v)));
            }
            Kind::Loss(p) => {
                properties.push(properties::eventual_accuracy(bounds, definitions.accuracy));
                properties.push(properties::mistake_rate(bounds, u(p), definitions.rate));
                properties.push(properties::mistake_duration(bounds, u(p), definitions.duration));
                properties.push(evidence::messages_lost());
            }
            Kind::Spikes(p) => {
                properties.push(properties::eventual_accuracy(bounds, definitions.accuracy));
                properties.push(properties::mistake_rate(bounds, u(p), definitions.rate));
                properties.push(properties::mistake_duration(bounds, u(p), definitions.duration));
                properties.push(evidence::messages_delayed(Duration::from_millis(50)));
            }
            Kind::Pause(v) => {
                properties.push(properties::unreachable_suspected(
                    bounds,
                    cut_off,
                    definitions.unreachable,
                ));
                properties.push(properties::eventual_accuracy(bounds, definitions.accuracy));
                properties.push(evidence::paused(NodeId(v)));
            }
            Kind::OneWay(a, b) => {
                if detector == Detector::Heartbeat {
                    properties.push(properties::unreachable_suspected(
                        bounds,
                        cut_off,
                        definitions.unreachable,
                    ));
                } else {
                    properties.push(properties::routes_around_the_cut(NodeId(a), NodeId(b)));
                }
                properties.push(properties::eventual_accuracy(bounds, definitions.accuracy));
                properties.push(evidence::one_way_blocked(NodeId(a), NodeId(b)));
            }
            Kind::Partition | Kind::IsolatedFromStart(_) => {
                properties.push(properties::unreachable_suspected(
                    bounds,
                    cut_off,
                    definitions.unreachable,
                ));
                properties.push(properties::eventual_accuracy(bounds, definitions.accuracy));
                properties.push(evidence::partition_blocked());
            }
        }
        let kind = self.kind;
        let factory: harness::sim::Factory<FailureDetection> = match detector {
            Detector::Heartbeat => {
                Arc::new(move |id| Box::new(P::Heartbeat::new(id, MEMBERS, timing.heartbeat)))
            }
            Detector::Swim => Arc::new(move |id| Box::new(P::Swim::new(id, MEMBERS, timing.swim))),
        };
        Arc::new(Scenario {
            name: self.names[which],
            part: ["B", "C"][which],
            points: self.points,
            summary: self.summaries[which],
            nodes: MEMBERS,
            network: self.network,
            faults: self.faults.to_string(),
            workload: "none: the members watch each other".to_string(),
            duration: DETECTOR_RUN,
            seeds: 50,
            plan: Arc::new(move |rng: &mut Rng| Plan {
                faults: draw_faults(kind, rng),
                clocks: Vec::new(),
                workload: Box::new(harness::NoRequests),
            }),
            factory,
            properties,
            budgets: Budgets::default(),
            picker: None,
            outcome: Some(Arc::new(properties::final_views)),
        })
    }
}

/// Each part's definitions of the shared properties, with its own formulas.
struct Definitions {
    detection: &'static str,
    unreachable: &'static str,
    accuracy: &'static str,
    rate: &'static str,
    duration: &'static str,
}

const DEFINITIONS: [Definitions; 2] = [
    Definitions {
        detection: "Every member that runs throughout suspects a crashed member from T_D^U = η + \
                    D + α (plus 1 ms) after the crash until it restarts, on every seed: the \
                    worst detection time over all seeds stays within the bound. η is the \
                    heartbeat interval, α the margin, D = 5 ms the network's longest delay.",
        unreachable: "A member that is paused, or whose heartbeats a partition keeps from an \
                      observer, is suspected by that observer from η + D + α (plus 1 ms) after \
                      the fault begins until it ends, exactly as a crashed member would be.",
        accuracy: "Once the faults are over (the last heal, restart, resume or change of \
                   network, at Q), no member suspects a member that is up after Q + η + D (plus \
                   1 ms): the next heartbeat restores every false suspicion, and on a reliable \
                   network no new one starts, because α is longer than the delay jitter.",
        rate: "Over all seeds, the false suspicions that begin while the faults last, per \
               ordered pair of members per second, are at most 2u/η (plus an allowance of 10 \
               mistakes in all), u being the share of messages lost or spiked: with α < η each \
               late heartbeat costs at most one mistake.",
        duration: "Over all seeds, a false suspicion that begins while the faults last lasts at \
                   most η/(1 - u) + D on average (plus an allowance of 10 mistakes' worth): a \
                   mistake ends with the first heartbeat that gets through.",
    },
    Definitions {
        detection: "Every member that runs throughout suspects a crashed member from T_D^U = \
                    (2N - 2)·T' (plus 1 ms) after the crash until it restarts, on every seed: \
                    the worst detection time over all seeds stays within the bound. T' is the \
                    protocol period and N = 5 the group's size; in a shuffled round robin a \
                    member comes up again at most 2N - 3 periods after its last probe.",
        unreachable: "A member that is paused, or cut off from an observer with no helper able \
                      to reach both, is suspected by that observer from (2N - 2)·T' (plus 1 ms) \
                      after the fault begins until it ends, exactly as a crashed member would be.",
        accuracy: "Once the faults are over (the last heal, restart, resume or change of \
                   network, at Q), no member suspects a member that is up after Q + (2N - 2)·T' \
                   + 2D (plus 1 ms): every falsely suspected member is probed again within 2N - \
                   3 periods and answers directly, and on a reliable network every probe is \
                   answered before ping_timeout.",
        rate: "Over all seeds, the false suspicions that begin while the faults last, per \
               ordered pair of members per second, are at most 2·f(u)/((N - 1)·T') (plus an \
               allowance of 10 mistakes in all), where f(u) = (1 - (1-u)^2)·(1 - (1-u)^4)^k' is \
               the chance that a probe's direct round trip and all its k' = min(k, N - 2) \
               indirect paths fail, u being the share of messages lost or spiked. For the same \
               u this is far below part B's bound.",
        duration: "Over all seeds, a false suspicion that begins while the faults last lasts at \
                   most (N - 1)·T'/(1 - u) + 2D on average (plus an allowance of 10 mistakes' \
                   worth): the suspected member is restored by its next message or by the next \
                   ack about it, and it is probed by the observer, and probes it, once a round.",
    },
];

/// Every scenario of lab 02, in rubric order.
pub fn all<P: Parts>(timing: Timing) -> Vec<Arc<Scenario<FailureDetection>>> {
    let mut out: Vec<Arc<Scenario<FailureDetection>>> =
        retry_specs().into_iter().map(|s| s.build::<P>(timing.retry)).collect();
    for detector in [Detector::Heartbeat, Detector::Swim] {
        out.extend(situations().into_iter().map(|s| s.build::<P>(detector, timing)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_herd_outage_ends_before_any_last_attempt_at_every_end_of_the_ranges() {
        for t in [RetryTiming::MIN, RetryTiming::DEFAULT, RetryTiming::MAX] {
            let last_attempt = t.attempt_timeout.times(u64::from(t.max_attempts) - 1);
            assert!(herd_outage(t) <= last_attempt, "{t:?}");
            assert!(
                t.backoff_base.times(4) <= t.attempt_timeout
                    && t.backoff_base.times(8) <= t.backoff_cap
            );
        }
    }

    #[test]
    fn the_quiet_stretch_outlasts_the_accuracy_bound_of_the_slowest_detector() {
        let slowest = Bounds::swim(crate::SwimTiming::MAX, MEMBERS, D);
        assert!(
            QUIET_FROM + slowest.accuracy + Duration::from_millis(100) < Time::ZERO + DETECTOR_RUN
        );
        assert!(
            Duration::from_millis(1000) > slowest.detection,
            "pauses and partitions are detected"
        );
    }

    #[test]
    fn swim_timing_leaves_room_for_the_indirect_round_trip() {
        for t in [crate::SwimTiming::MIN, crate::SwimTiming::DEFAULT, crate::SwimTiming::MAX] {
            assert!(t.ping_timeout > D.times(2) && t.ping_timeout + D.times(4) < t.period, "{t:?}");
        }
        for t in [
            crate::HeartbeatTiming::MIN,
            crate::HeartbeatTiming::DEFAULT,
            crate::HeartbeatTiming::MAX,
        ] {
            assert!(t.margin > D && t.margin < t.interval, "{t:?}");
        }
    }
}
