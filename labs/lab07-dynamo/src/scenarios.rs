//! Lab 07's graded scenarios, in rubric order: part A (placement), part B (quorums and
//! versions), part C (hinted handoff and anti-entropy).
//!
//! Parts B and C run storage nodes `n0..` and no other process: the clients are the workload,
//! which hands each request to a node of its choice, the request's coordinator. Clients stop
//! writing well before the end, so every run ends healed and quiet, with time for anti-entropy
//! and handoff to finish.

use crate::probe::{Idle, Probe};
use crate::properties::{self, Reference};
use crate::workload::Users;
use crate::{Config, DynamoKv, DynamoNode, Placement, Replica, Request, Timing, VClock};
use harness::evidence;
use harness::rng::Rng;
use harness::sim::{Budgets, Schedule};
use harness::{Delay, Duration, Fault, Network, NodeId, Plan, Prob, Property, Scenario, Time};
use std::sync::Arc;

/// Graded seeds per scenario.
const SEEDS: u64 = 50;

/// Virtual nodes per node in parts B and C.
const VNODES: u32 = 8;

/// A network that loses, duplicates and reorders.
fn lossy() -> Network {
    Network::reliable().with_loss(Prob::percent(10)).with_duplication(Prob::percent(5)).with_delay(
        Delay::uniform(Duration::from_millis(1), Duration::from_millis(5))
            .with_spikes(Prob::percent(10), Duration::from_millis(30)),
    )
}

/// A network whose delays spread from 1 to 15 ms: replicas answer in any order.
fn spread() -> Network {
    Network::reliable()
        .with_delay(Delay::uniform(Duration::from_millis(1), Duration::from_millis(15)))
}

fn nodes(count: usize) -> Vec<NodeId> {
    (0..count as u32).map(NodeId).collect()
}

fn keys(count: usize) -> Vec<String> {
    (0..count).map(|k| format!("k{k}")).collect()
}

/// Draws one seed's faults.
type Faults = Arc<dyn Fn(&mut Rng) -> Vec<Fault> + Send + Sync>;

/// Builds a seed's clients.
type Clients = Arc<dyn Fn(&mut Rng) -> Box<dyn harness::Workload<DynamoKv>> + Send + Sync>;

/// A part B or C scenario: who is in it and what it does.
struct Shape {
    name: &'static str,
    part: &'static str,
    points: u32,
    summary: &'static str,
    nodes: usize,
    n: usize,
    r: usize,
    w: usize,
    sloppy: bool,
    anti_entropy: bool,
    network: Network,
    faults: &'static str,
    draw_faults: Faults,
    workload: String,
    clients: Clients,
    duration: Duration,
    extra: Vec<Property<DynamoKv>>,
    outcome: Option<harness::scenario::OutcomeFn<DynamoKv>>,
}

impl Shape {
    /// A scenario of five nodes with (N, R, W) = (3, 2, 2) and three clients on four keys, who
    /// read and write from 300 ms to 1500 ms of a 3-second run.
    fn new(name: &'static str, part: &'static str, summary: &'static str) -> Shape {
        Shape {
            name,
            part,
            points: 5,
            summary,
            nodes: 5,
            n: 3,
            r: 2,
            w: 2,
            sloppy: part == "C",
            anti_entropy: true,
            network: Network::reliable(),
            faults: "none",
            draw_faults: Arc::new(|_| Vec::new()),
            workload: String::new(),
            clients: Arc::new(|_| Box::new(harness::NoRequests)),
            duration: Duration::from_millis(3000),
            extra: Vec::new(),
            outcome: None,
        }
        .users(3, 4, 60, Time::from_millis(1500))
    }

    /// `users` clients on `keys` keys, writing back after `write_percent` of their reads, from
    /// 300 ms until `until`.
    fn users(mut self, users: u32, keys_used: usize, write_percent: u64, until: Time) -> Shape {
        let all = nodes(self.nodes);
        self.workload = format!(
            "{users} clients read a random key of {keys_used} at a random node, and write it \
             back with the read's context after {write_percent}% of reads, from 300ms until {}",
            until.since(Time::ZERO)
        );
        self.clients = Arc::new(move |_| {
            Box::new(Users::new(
                all.clone(),
                users,
                keys(keys_used),
                Time::from_millis(300),
                until,
                write_percent,
            ))
        });
        self
    }

    fn reference(&self) -> Arc<Reference> {
        Arc::new(Reference::new(&nodes(self.nodes), VNODES, self.n))
    }

    fn build<N: DynamoNode>(self, timing: Timing) -> Arc<Scenario<DynamoKv>> {
        let reference = self.reference();
        let config = Config {
            nodes: nodes(self.nodes),
            vnodes: VNODES,
            n: self.n,
            r: self.r,
            w: self.w,
            sloppy: self.sloppy,
            anti_entropy: self.anti_entropy,
            timing,
        };
        let mut properties =
            vec![properties::writes_wait_for_w(self.w), properties::reads_wait_for_r(self.r)];
        if !self.sloppy && self.r + self.w > self.n {
            properties.push(properties::reads_see_acknowledged_writes());
        }
        properties.extend([
            properties::no_false_conflicts(),
            properties::no_acknowledged_write_lost(Arc::clone(&reference)),
            properties::replicas_converge(reference),
            properties::every_request_answered(),
        ]);
        properties.extend(self.extra);
        let quorum = if self.sloppy { "sloppy" } else { "strict" };
        let (draw, clients) = (self.draw_faults, self.clients);
        Arc::new(Scenario {
            name: self.name,
            part: self.part,
            points: self.points,
            summary: self.summary,
            nodes: self.nodes,
            network: self.network,
            faults: self.faults.to_string(),
            workload: format!(
                "(N, R, W) = ({}, {}, {}), {quorum} quorum, {VNODES} virtual nodes per node{}; {}",
                self.n,
                self.r,
                self.w,
                if self.anti_entropy { "" } else { ", no anti-entropy" },
                self.workload
            ),
            duration: self.duration,
            seeds: SEEDS,
            plan: Arc::new(move |rng| Plan {
                faults: draw(rng),
                clocks: Vec::new(),
                workload: clients(rng),
            }),
            factory: Arc::new(move |_| Box::new(Replica::<N>::new(config.clone()))),
            properties,
            budgets: Budgets::default(),
            picker: None,
            outcome: self.outcome,
        })
    }
}

fn crash_and_restart(
    rng: &mut Rng,
    node: NodeId,
    from: u64,
    to: u64,
    down: (u64, u64),
) -> [Fault; 2] {
    let at = Time::from_millis(rng.between(from, to));
    let back = at + Duration::from_millis(rng.between(down.0, down.1));
    [Fault::Crash { node, at }, Fault::Restart { node, at: back }]
}

/// Part A: the probes' scenario.
struct Probing {
    name: &'static str,
    points: u32,
    summary: &'static str,
    members: usize,
    /// How many members probe (the rest are idle).
    probes: usize,
    vnodes: Vec<u32>,
    /// `key0..` when fixed, else names drawn from the seed.
    fixed_keys: bool,
    keys: usize,
    extra: Vec<Property<DynamoKv>>,
    outcome: Option<harness::scenario::OutcomeFn<DynamoKv>>,
}

/// Replicas per key in part A.
const N: usize = 3;

impl Probing {
    fn build<R: Placement>(self) -> Arc<Scenario<DynamoKv>> {
        let members = nodes(self.members);
        let mut properties = vec![
            properties::preference_lists_distinct(self.members, N),
            properties::placement_follows_ring(members.clone(), N),
        ];
        properties.extend(self.extra);
        let (probes, vnodes, fixed, count) =
            (self.probes, self.vnodes.clone(), self.fixed_keys, self.keys);
        let key_words = if fixed {
            format!("the keys key0..key{}", count - 1)
        } else {
            format!("{count} keys with names drawn from the seed")
        };
        let workload = format!(
            "{} of the {} nodes build the ring from the member list, each in an order of its own, \
             with {vnodes:?} virtual nodes, and report the preference lists (N = {N}) of {key_words}",
            if probes == self.members { "all".to_string() } else { probes.to_string() },
            self.members,
        );
        Arc::new(Scenario {
            name: self.name,
            part: "A",
            points: self.points,
            summary: self.summary,
            nodes: self.members,
            network: Network::reliable(),
            faults: "none".into(),
            workload,
            duration: Duration::from_millis(10),
            seeds: SEEDS,
            plan: Arc::new(move |rng| {
                let mut schedule = Vec::new();
                for k in 0..count {
                    let key =
                        if fixed { format!("key{k}") } else { format!("user:{}", rng.next_u64()) };
                    for p in 0..probes as u32 {
                        schedule.push((
                            Time::from_millis(1),
                            NodeId(p),
                            Request::Get { key: key.clone() },
                        ));
                    }
                }
                Plan {
                    faults: Vec::new(),
                    clocks: Vec::new(),
                    workload: Box::new(Schedule(schedule)),
                }
            }),
            factory: Arc::new(move |id| {
                if id.index() >= probes {
                    Box::new(Idle)
                } else {
                    Box::new(Probe::<R>::new(members.clone(), vnodes.clone(), N))
                }
            }),
            properties,
            budgets: Budgets::default(),
            picker: None,
            outcome: self.outcome,
        })
    }
}

/// Every scenario, in rubric order.
pub fn all<R: Placement, N2: DynamoNode>(timing: Timing) -> Vec<Arc<Scenario<DynamoKv>>> {
    let mut out = vec![
        Probing {
            name: "preference_lists",
            points: 10,
            summary: "every key's preference list is its N distinct clockwise successors",
            members: 7,
            probes: 7,
            vnodes: vec![1, 8, 64],
            fixed_keys: false,
            keys: 300,
            extra: Vec::new(),
            outcome: None,
        }
        .build::<R>(),
        Probing {
            name: "ring_balance",
            points: 10,
            summary: "virtual nodes even out the keys each node holds",
            members: 8,
            probes: 1,
            vnodes: vec![1, 8, 64],
            fixed_keys: true,
            keys: 4000,
            extra: vec![properties::virtual_nodes_balance(8, 4000, N)],
            outcome: Some(Arc::new(|run| {
                let mean = 4000.0 * N as f64 / 8.0;
                properties::loads(run)
                    .into_iter()
                    .map(|(vnodes, load)| {
                        let min = (0..8).map(|m| load.get(&NodeId(m)).copied().unwrap_or(0)).min().unwrap_or(0);
                        let max = load.values().copied().max().unwrap_or(0);
                        format!(
                            "{vnodes:>2} virtual node(s) per node: key replicas per node from {min} \
                             to {max} (mean {mean:.0}; {:.2} to {:.2} of it)",
                            min as f64 / mean,
                            max as f64 / mean
                        )
                    })
                    .collect()
            })),
        }
        .build::<R>(),
        Probing {
            name: "placement_agrees",
            points: 5,
            summary: "nodes that learn the members in different orders place keys alike",
            members: 5,
            probes: 5,
            vnodes: vec![8],
            fixed_keys: false,
            keys: 200,
            extra: vec![properties::placement_agrees()],
            outcome: None,
        }
        .build::<R>(),
    ];
    let shapes = part_b_and_c();
    out.extend(shapes.into_iter().map(|s| s.build::<N2>(timing)));
    out
}

fn part_b_and_c() -> Vec<Shape> {
    let five = Reference::new(&nodes(5), VNODES, 3);
    let hot = five.owners("k0")[0];
    vec![
        // Part B: quorums and versions.
        Shape {
            extra: vec![properties::always_available()],
            ..Shape::new("quorum_basics", "B", "writes wait for W acks and reads for R answers")
        },
        Shape {
            network: lossy(),
            faults: "the network loses 10%, duplicates 5% and delays 10% of messages by up to 30 \
                     ms until 1500ms, then is reliable",
            draw_faults: Arc::new(|_| {
                vec![Fault::Network { at: Time::from_millis(1500), network: Network::reliable() }]
            }),
            extra: vec![evidence::messages_lost(), evidence::messages_duplicated()],
            ..Shape::new(
                "lossy_network",
                "B",
                "lost and duplicated messages neither fake an acknowledgement nor lose a write",
            )
        },
        Shape {
            points: 10,
            network: spread(),
            extra: vec![properties::siblings_seen(), properties::always_available()],
            ..Shape::new(
                "concurrent_writers",
                "B",
                "concurrent writes to one key become siblings; a write with their context ends them",
            )
            .users(5, 1, 80, Time::from_millis(1500))
        },
        Shape {
            faults: "n1 crashes at 500-800ms and restarts 200-400ms later, with its synced store",
            draw_faults: Arc::new(|rng| {
                crash_and_restart(rng, NodeId(1), 500, 800, (200, 400)).to_vec()
            }),
            extra: vec![evidence::crashed_and_restarted(NodeId(1))],
            ..Shape::new("replica_restarts", "B", "a replica that restarts keeps what it acknowledged")
        },
        Shape {
            faults: "partition {n0 n1} | {n2 n3 n4} from 600ms to 1200ms",
            draw_faults: Arc::new(|_| {
                vec![Fault::partition(
                    Time::from_millis(600),
                    Some(Time::from_millis(1200)),
                    &[&[NodeId(0), NodeId(1)], &[NodeId(2), NodeId(3), NodeId(4)]],
                )]
            }),
            extra: vec![evidence::partition_blocked()],
            ..Shape::new(
                "strict_partition",
                "B",
                "a partition splits preference lists: quorums fail rather than go stale",
            )
        },
        Shape {
            r: 1,
            w: 3,
            network: spread(),
            extra: vec![properties::always_available()],
            ..Shape::new("r1_w3", "B", "(3, 1, 3): fast reads from any replica, writes to all")
        },
        Shape {
            r: 3,
            w: 1,
            network: spread(),
            extra: vec![properties::always_available()],
            ..Shape::new("r3_w1", "B", "(3, 3, 1): a write acknowledged by one, reads ask all")
        },
        Shape {
            nodes: 8,
            duration: Duration::from_millis(3500),
            network: Network::reliable().with_loss(Prob::percent(5)),
            faults: "the network loses 5% of messages until 1800ms; n2 and n5 each crash at \
                     400-1200ms and restart 100-300ms later",
            draw_faults: Arc::new(|rng| {
                let mut faults = crash_and_restart(rng, NodeId(2), 400, 1200, (100, 300)).to_vec();
                faults.extend(crash_and_restart(rng, NodeId(5), 400, 1200, (100, 300)));
                faults.push(Fault::Network {
                    at: Time::from_millis(1800),
                    network: Network::reliable(),
                });
                faults
            }),
            extra: vec![evidence::all_restarted(
                "n2 and n5 restarted and carried on",
                vec![NodeId(2), NodeId(5)],
            )],
            ..Shape::new("eight_nodes_churn", "B", "eight nodes, loss and two restarts")
                .users(4, 6, 60, Time::from_millis(1800))
        },
        stale_reads(),
        Shape {
            points: 10,
            anti_entropy: false,
            duration: Duration::from_millis(2500),
            faults: "the first owner of k0 is cut off from every other node from 400ms to 900ms",
            draw_faults: Arc::new(move |_| {
                let rest: Vec<NodeId> = nodes(5).into_iter().filter(|n| *n != hot).collect();
                vec![Fault::partition(
                    Time::from_millis(400),
                    Some(Time::from_millis(900)),
                    &[&[hot], &rest],
                )]
            }),
            extra: vec![properties::read_repair(), evidence::partition_blocked()],
            ..Shape::new(
                "read_repair",
                "B",
                "reads bring a replica that missed writes up to date, without anti-entropy",
            )
            .users(3, 3, 50, Time::from_millis(2000))
        },
        // Part C: hinted handoff and anti-entropy.
        Shape {
            points: 15,
            faults: "the first owner of k0 crashes at 500-700ms and restarts 400-600ms later",
            draw_faults: Arc::new(move |rng| crash_and_restart(rng, hot, 500, 700, (400, 600)).to_vec()),
            extra: vec![properties::hints_handed_back(), evidence::crashed_and_restarted(hot)],
            ..Shape::new(
                "hinted_handoff",
                "C",
                "writes for a crashed owner wait as hints on stand-ins and reach it when it returns",
            )
        },
        Shape {
            points: 10,
            faults: "partition {n0 n1} | {n2 n3 n4} from 600ms to 1300ms",
            draw_faults: Arc::new(|_| {
                vec![Fault::partition(
                    Time::from_millis(600),
                    Some(Time::from_millis(1300)),
                    &[&[NodeId(0), NodeId(1)], &[NodeId(2), NodeId(3), NodeId(4)]],
                )]
            }),
            extra: vec![properties::hints_handed_back(), evidence::partition_blocked()],
            ..Shape::new(
                "sloppy_partition",
                "C",
                "both sides of a partition accept writes on stand-ins; all of them survive the heal",
            )
        },
        merkle_repair(),
    ]
}

/// The scripted stale reads of (3, 1, 1).
fn stale_reads() -> Shape {
    let five = Reference::new(&nodes(5), VNODES, 3);
    let owners = five.owners("k");
    let (a, b, c) = (owners[0], owners[1], owners[2]);
    let put =
        |value: &str| Request::Put { key: "k".into(), value: value.into(), context: VClock::new() };
    let get = || Request::Get { key: "k".into() };
    let mut schedule =
        vec![(Time::from_millis(300), a, put("v1")), (Time::from_millis(450), a, put("v2"))];
    for i in 0..10u64 {
        let at = Time::from_millis(500 + 20 * i);
        schedule.push((at, if i % 2 == 0 { b } else { c }, get()));
    }
    for i in 0..4u64 {
        let at = Time::from_millis(2000 + 20 * i);
        schedule.push((at, if i % 2 == 0 { b } else { c }, get()));
    }
    let others: Vec<NodeId> = nodes(5).into_iter().filter(|n| *n != a).collect();
    Shape {
        points: 10,
        r: 1,
        w: 1,
        duration: Duration::from_millis(2500),
        faults: "k's first owner is cut off from every other node from 400ms to 1000ms",
        draw_faults: Arc::new(move |_| {
            vec![Fault::partition(
                Time::from_millis(400),
                Some(Time::from_millis(1000)),
                &[&[a], &others],
            )]
        }),
        workload:
            "blind writes of v1 (300ms) and v2 (450ms) to k at its first owner; reads of k at \
                   its other owners every 20 ms from 500ms to 680ms, and from 2000ms to 2060ms"
                .into(),
        clients: Arc::new(move |_| Box::new(Schedule(schedule.clone()))),
        extra: vec![evidence::partition_blocked()],
        outcome: Some(Arc::new(|run| {
            let (during, stale_during) = properties::stale_reads_between(run, 0, 1000);
            let (after, stale_after) = properties::stale_reads_between(run, 1000, u64::MAX);
            vec![
                format!(
                    "reads begun after v2 was acknowledged, during the partition: {during}; stale: {stale_during}"
                ),
                format!("reads after the heal and anti-entropy: {after}; stale: {stale_after}"),
            ]
        })),
        ..Shape::new(
            "stale_reads_r1_w1",
            "B",
            "with R + W <= N a read can miss an acknowledged write: counted, not failed",
        )
    }
}

/// Anti-entropy repairs a replica that missed writes, at a cost of order k log K.
fn merkle_repair() -> Shape {
    let keys = 400u64;
    Shape {
        points: 15,
        sloppy: false,
        duration: Duration::from_millis(2000),
        faults: "n2 crashes at 400-450ms and restarts 100-150ms later",
        draw_faults: Arc::new(|rng| {
            crash_and_restart(rng, NodeId(2), 400, 450, (100, 150)).to_vec()
        }),
        workload: format!(
            "blind writes of key0..key{} at n0, n1, n3, n4 in turn, one every millisecond from \
             100ms",
            keys - 1
        ),
        clients: Arc::new(move |_| {
            let coordinators = [NodeId(0), NodeId(1), NodeId(3), NodeId(4)];
            let schedule = (0..keys)
                .map(|i| {
                    let at = Time::from_millis(100 + i);
                    let request = Request::Put {
                        key: format!("key{i}"),
                        value: format!("p{i}"),
                        context: VClock::new(),
                    };
                    (at, coordinators[(i % 4) as usize], request)
                })
                .collect();
            Box::new(Schedule(schedule))
        }),
        extra: vec![evidence::crashed_and_restarted(NodeId(2))],
        ..Shape::new(
            "merkle_repair",
            "C",
            "Merkle trees find the few keys a restarted replica missed among hundreds",
        )
    }
    .with_bytes_bound()
}

impl Shape {
    fn with_bytes_bound(mut self) -> Shape {
        self.extra.push(properties::anti_entropy_bytes(self.reference()));
        self
    }
}
