//! Lab 00's scenarios: the same streams of messages over networks that lose, duplicate,
//! reorder, partition, and a receiver that crashes.

use crate::properties::{self, settle_time};
use crate::{Links, ReliableLink, SendRequest, Timing};
use harness::evidence;
use harness::lab::graded;
use harness::scenario::Graded;
use harness::search::{Limits, SearchScenario};
use harness::sim::Budgets;
use harness::{
    Duration, Fault, Network, NodeId, Plan, Prob, Property, Rng, Scenario, Schedule, Time,
};
use std::sync::Arc;

/// The network every scenario ends with: no loss, no duplication, 1-5 ms delays.
const QUIET: Network = Network::reliable();

/// Three nodes; every scenario but the crash and the burst sends on all six links.
const NODES: usize = 3;

/// Which links carry messages, how many each, and when they are sent.
#[derive(Clone)]
struct Traffic {
    links: Vec<(NodeId, NodeId)>,
    per_link: usize,
    /// Messages are sent at uniform random times in `from..from + spread` (all at `from` if the
    /// spread is zero).
    from: Time,
    spread: Duration,
}

impl Traffic {
    fn all_to_all(per_link: usize, spread: Duration) -> Traffic {
        let mut links = Vec::new();
        for a in 0..NODES as u32 {
            for b in 0..NODES as u32 {
                if a != b {
                    links.push((NodeId(a), NodeId(b)));
                }
            }
        }
        Traffic { links, per_link, from: Time::from_millis(10), spread }
    }

    fn describe(&self) -> String {
        let links: Vec<String> = self.links.iter().map(|(a, b)| format!("{a}->{b}")).collect();
        let when = if self.spread == Duration::ZERO {
            format!("all at {}", self.from.since(Time::ZERO))
        } else {
            format!("over {} from {}", self.spread, self.from.since(Time::ZERO))
        };
        format!("{} messages on each of {}, {when}", self.per_link, links.join(" "))
    }

    /// The requests of one seed: times and payloads drawn from the seed. Payloads come from a
    /// small range, so the same payload often appears twice on a link: two messages.
    fn draw(&self, rng: &mut Rng) -> Schedule<SendRequest> {
        let mut requests = Vec::new();
        for &(from, to) in &self.links {
            for _ in 0..self.per_link {
                let at = self.from + rng.duration_between(Duration::ZERO, self.spread);
                requests.push((at, from, SendRequest { to, payload: rng.below(100) }));
            }
        }
        requests.sort_by_key(|(at, _, _)| *at);
        Schedule(requests)
    }
}

/// A fault schedule drawn from the seed.
type DrawFaults = Box<dyn Fn(&mut Rng) -> Vec<Fault> + Send + Sync>;

/// One scenario, in the lab's own terms; [`Spec::build`] adds what every lab 00 scenario shares.
struct Spec {
    name: &'static str,
    part: &'static str,
    points: u32,
    summary: &'static str,
    /// The network until the faults end.
    network: Network,
    /// The faults, in words.
    faults: &'static str,
    /// The latest time the faults can end on any seed: the run goes on long enough after it.
    faults_end: Time,
    traffic: Traffic,
    draw_faults: DrawFaults,
    /// The property proving the named fault happened (none for `no_faults`).
    evidence: Option<Property<Links>>,
}

impl Spec {
    fn build<N: ReliableLink>(self, timing: Timing) -> Arc<Scenario<Links>> {
        let max_delay = QUIET.delay.upper_bound();
        let last_send = self.traffic.from + self.traffic.spread;
        let duration = (self.faults_end.max(last_send) + settle_time(max_delay)).since(Time::ZERO);
        let mut properties = properties::all(timing, max_delay);
        properties.extend(self.evidence);
        let (traffic, draw_faults) = (self.traffic, self.draw_faults);
        Arc::new(Scenario {
            name: self.name,
            part: self.part,
            points: self.points,
            summary: self.summary,
            nodes: NODES,
            network: self.network,
            faults: self.faults.to_string(),
            workload: traffic.describe(),
            duration,
            seeds: 50,
            plan: Arc::new(move |rng: &mut Rng| Plan {
                faults: draw_faults(rng),
                clocks: Vec::new(),
                workload: Box::new(traffic.draw(rng)),
            }),
            factory: Arc::new(move |id| Box::new(N::new(id, timing))),
            properties,
            budgets: Budgets::default(),
            outcome: None,
            picker: None,
        })
    }
}

/// The network turns quiet at `at`.
fn quiet_from(at: Time) -> Fault {
    Fault::Network { at, network: QUIET }
}

/// Faults that only change the network, which turns quiet at `at`.
fn quiet_at(at: Time) -> DrawFaults {
    Box::new(move |_| vec![quiet_from(at)])
}

/// Every scenario of lab 00, in rubric order.
pub fn all<N: ReliableLink>(timing: Timing) -> Vec<Arc<Scenario<Links>>> {
    let n = NodeId;
    let one_second = Time::from_millis(1000);
    let lossy = |name, p: u32, summary, faults| Spec {
        name,
        part: "A",
        points: 10,
        summary,
        network: QUIET.with_loss(Prob::percent(p)),
        faults,
        faults_end: one_second,
        traffic: Traffic::all_to_all(30, Duration::from_millis(800)),
        draw_faults: quiet_at(one_second),
        evidence: Some(evidence::messages_lost()),
    };
    let specs = vec![
        Spec {
            name: "no_faults",
            part: "A",
            points: 5,
            summary: "every message arrives exactly once, in order, on a network that only delays",
            network: QUIET,
            faults: "none",
            faults_end: Time::ZERO,
            traffic: Traffic::all_to_all(20, Duration::from_millis(500)),
            draw_faults: Box::new(|_| Vec::new()),
            evidence: None,
        },
        lossy(
            "loss_10",
            10,
            "messages get through a network that loses 10% of them",
            "the network loses 10% of messages until 1s, then none",
        ),
        lossy(
            "loss_30",
            30,
            "messages get through a network that loses 30% of them",
            "the network loses 30% of messages until 1s, then none",
        ),
        lossy(
            "loss_50",
            50,
            "messages get through a network that loses half of them",
            "the network loses 50% of messages until 1s, then none",
        ),
        Spec {
            name: "duplication",
            part: "A",
            points: 10,
            summary: "duplicated packets are delivered once",
            network: QUIET.with_duplication(Prob::percent(30)),
            faults: "the network duplicates 30% of messages until 1s, then none",
            faults_end: one_second,
            traffic: Traffic::all_to_all(30, Duration::from_millis(800)),
            draw_faults: quiet_at(one_second),
            evidence: Some(evidence::messages_duplicated()),
        },
        Spec {
            name: "reordering",
            part: "A",
            points: 10,
            summary: "packets overtaken by later ones are still delivered in order",
            network: QUIET
                .with_delay(QUIET.delay.with_spikes(Prob::percent(30), Duration::from_millis(100))),
            faults: "30% of messages are delayed by up to 100ms until 1s, overtaken by later ones",
            faults_end: one_second,
            traffic: Traffic::all_to_all(30, Duration::from_millis(800)),
            draw_faults: quiet_at(one_second),
            evidence: Some(evidence::messages_reordered()),
        },
        Spec {
            name: "partition_heals",
            part: "B",
            points: 10,
            summary: "messages sent into a partition arrive after it heals",
            network: QUIET,
            faults: "n0 is cut off from n1 and n2 from 200ms to 700ms",
            faults_end: Time::from_millis(700),
            traffic: Traffic::all_to_all(20, Duration::from_millis(800)),
            draw_faults: Box::new(move |_| {
                vec![Fault::partition(
                    Time::from_millis(200),
                    Some(Time::from_millis(700)),
                    &[&[n(0)], &[n(1), n(2)]],
                )]
            }),
            evidence: Some(evidence::partition_blocked()),
        },
        Spec {
            name: "acks_cut_off",
            part: "B",
            points: 10,
            summary: "a one-way partition eats n1's acks (and data) to n0; n0's data still reaches n1",
            network: QUIET,
            faults: "n1 cannot reach n0 from 100ms to 600ms (n0 still reaches n1)",
            faults_end: Time::from_millis(600),
            traffic: Traffic::all_to_all(20, Duration::from_millis(800)),
            draw_faults: Box::new(move |_| {
                let (from, heal) = (Time::from_millis(100), Some(Time::from_millis(600)));
                vec![Fault::one_way(from, heal, n(1), n(0))]
            }),
            evidence: Some(evidence::partition_blocked()),
        },
        Spec {
            name: "receiver_crash",
            part: "B",
            points: 15,
            summary: "a receiver that crashes and restarts delivers nothing twice and misses nothing",
            network: QUIET.with_loss(Prob::percent(10)),
            faults: "n1 crashes between 200ms and 400ms and restarts 200-300ms later; the network \
                     loses 10% of messages until the restart",
            faults_end: Time::from_millis(700),
            traffic: Traffic {
                links: vec![(n(0), n(1)), (n(2), n(1))],
                per_link: 40,
                from: Time::from_millis(10),
                spread: Duration::from_millis(800),
            },
            draw_faults: Box::new(move |rng| {
                let crash = Time::from_millis(rng.between(200, 400));
                let restart = crash + Duration::from_millis(rng.between(200, 300));
                vec![
                    Fault::Crash { node: n(1), at: crash },
                    Fault::Restart { node: n(1), at: restart },
                    quiet_from(restart),
                ]
            }),
            evidence: Some(evidence::crashed_and_restarted(n(1))),
        },
        Spec {
            name: "burst",
            part: "B",
            points: 10,
            summary: "a burst of 600 messages sent at one instant over a lossy network",
            network: QUIET.with_loss(Prob::percent(10)),
            faults: "the network loses 10% of messages until 500ms, then none",
            faults_end: Time::from_millis(500),
            traffic: Traffic {
                links: vec![(n(0), n(1)), (n(2), n(1)), (n(1), n(0))],
                per_link: 200,
                from: Time::from_millis(100),
                spread: Duration::ZERO,
            },
            draw_faults: quiet_at(Time::from_millis(500)),
            evidence: Some(evidence::messages_lost()),
        },
    ];
    specs.into_iter().map(|s| s.build::<N>(timing)).collect()
}

/// Every scenario of lab 00, in rubric order: the random runs, then the search.
pub fn registry<N: ReliableLink>(timing: Timing) -> Vec<Box<dyn Graded>> {
    let mut scenarios = graded(all::<N>(timing));
    scenarios.push(Box::new(every_interleaving::<N>(timing)));
    scenarios
}

/// Every schedule of ten steps of three messages on one link (the first two with the same
/// payload, so that a receiver that deduplicates by payload shows itself), with a packet
/// duplicated and a crash of the receiver: the schedules random runs reach rarely, such as a copy
/// of an old packet that arrives just after the receiver restarted. Loss is left to the random
/// scenarios: a lost packet looks, to the nodes, like one still in flight, and a loss budget
/// would double the states.
pub fn every_interleaving<N: ReliableLink>(timing: Timing) -> SearchScenario<Links> {
    SearchScenario {
        name: "every_interleaving",
        part: "B",
        points: 10,
        summary: "every schedule of three messages with a duplicate and a receiver crash (a search)",
        nodes: 2,
        factory: Arc::new(move |id| Box::new(N::new(id, timing))),
        requests: vec![
            (NodeId(0), SendRequest { to: NodeId(1), payload: 7 }),
            (NodeId(0), SendRequest { to: NodeId(1), payload: 7 }),
            (NodeId(0), SendRequest { to: NodeId(1), payload: 8 }),
        ],
        limits: Limits { depth: 10, crashes: 1, drops: 0, duplicates: 1, max_states: 400_000 },
        // The contract lets receivers crash, not senders: a sender keeps no durable state, and
        // after a restart would number new messages from 0 again.
        crashable: vec![NodeId(1)],
        properties: vec![
            properties::exactly_once_in_order(),
            properties::packets_follow_the_contract(),
            properties::acks_only_what_was_delivered(),
            properties::no_resend_after_ack(),
            properties::acks_answer_data(),
        ],
        at_rest: vec![properties::all_delivered()],
    }
}
