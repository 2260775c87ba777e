//! Lab 06's graded scenarios, in rubric order: part A (broadcast), part B (the CRDT types, run by
//! the harness's replicas), part C (your anti-entropy replica).
//!
//! Part A's nodes are `n0..`; some are asked to broadcast at times drawn from the seed. In parts
//! B and C the replicas are `n0..`; each is asked for updates at times drawn from the seed, and
//! at 100 ms every replica makes one at the same instant (concurrent conflicting updates
//! everywhere). Every run ends healed and quiet.

use crate::driver::{Driver, Mixer};
use crate::properties as p;
use crate::spec::{self, Spec};
use crate::{
    Assign, Bcast, Broadcaster, CounterOp, Crdt, Increment, Kind, MapOp, ReplicaNode, Replication,
    Request, Rumor, SetOp, Submission, Timing,
};
use harness::evidence;
use harness::lab::graded;
use harness::rng::Rng;
use harness::scenario::Graded;
use harness::sim::{Budgets, Schedule};
use harness::{
    Ctx, Cut, Delay, Duration, Fault, Network, NodeId, Plan, Prob, Process, Property, RequestId,
    Scenario, Time,
};
use std::sync::Arc;

/// Graded seeds per scenario.
const SEEDS: u64 = 50;

/// Duplicates 10% and reorders (delays 10% by up to 30 ms); loses nothing.
fn duplicating() -> Network {
    Network::reliable().with_duplication(Prob::percent(10)).with_delay(
        Delay::uniform(Duration::from_millis(1), Duration::from_millis(5))
            .with_spikes(Prob::percent(10), Duration::from_millis(30)),
    )
}

/// `duplicating()`, losing `percent` as well.
fn lossy(percent: u32) -> Network {
    duplicating().with_loss(Prob::percent(percent))
}

// ---------------------------------------------------------------------------------------------
// Part A.
// ---------------------------------------------------------------------------------------------

/// The first process of `reliable_sender_crash`: asked to broadcast, it sends its message to
/// some of the others (at least one, not all) and is crashed a millisecond later by the
/// scenario, as a sender that dies halfway through its loop of sends.
#[derive(Debug)]
struct CrashingSender {
    nodes: usize,
}

impl Process<Bcast> for CrashingSender {
    fn on_request(&mut self, ctx: &mut Ctx<'_, Bcast>, _: RequestId, (): ()) {
        let me = ctx.id();
        let mut others: Vec<NodeId> =
            (0..self.nodes as u32).map(NodeId).filter(|n| *n != me).collect();
        ctx.rng().shuffle(&mut others);
        let reached = ctx.rng().between(1, (self.nodes - 2) as u64) as usize;
        for to in &others[..reached] {
            ctx.send(*to, Rumor { origin: me, seq: 1, hops: 1 });
        }
    }
}

/// Who broadcasts how often in part A.
struct Broadcasts {
    nodes: usize,
    /// Broadcasting nodes: `n0..n{senders-1}`.
    senders: usize,
    each: u64,
    from: u64,
    to: u64,
    /// Each sender also broadcasts once at this time (ms), after every drawn one.
    closing: Option<u64>,
}

impl Broadcasts {
    fn draw(&self, rng: &mut Rng) -> Schedule<()> {
        let mut out = Vec::new();
        for s in 0..self.senders as u32 {
            for _ in 0..self.each {
                out.push((Time::from_millis(rng.between(self.from, self.to)), NodeId(s), ()));
            }
            if let Some(at) = self.closing {
                out.push((Time::from_millis(at), NodeId(s), ()));
            }
        }
        out.sort_by_key(|(t, n, _)| (*t, *n));
        Schedule(out)
    }

    fn describe(&self) -> String {
        let closing =
            self.closing.map(|at| format!(", and one more at {at}ms")).unwrap_or_default();
        format!(
            "{} of the {} nodes each broadcast {} messages at random times in {}ms-{}ms{closing}",
            self.senders, self.nodes, self.each, self.from, self.to
        )
    }
}

type BcastFaults = Arc<dyn Fn(&mut Rng) -> Vec<Fault> + Send + Sync>;

#[allow(clippy::too_many_arguments)]
fn broadcast_scenario<B: Broadcaster>(
    (name, points, summary): (&'static str, u32, &'static str),
    kind: Kind,
    network: Network,
    load: Broadcasts,
    faults: &'static str,
    draw_faults: BcastFaults,
    scripted_sender: bool,
    properties: Vec<Property<Bcast>>,
) -> Arc<Scenario<Bcast>> {
    let nodes = load.nodes;
    let workload = load.describe();
    Arc::new(Scenario {
        name,
        part: "A",
        points,
        summary,
        nodes,
        network,
        faults: faults.to_string(),
        workload,
        duration: Duration::from_millis(1500),
        seeds: SEEDS,
        plan: Arc::new(move |rng| Plan {
            faults: draw_faults(rng),
            clocks: Vec::new(),
            workload: Box::new(load.draw(rng)),
        }),
        factory: Arc::new(move |id| {
            if scripted_sender && id == NodeId(0) {
                Box::new(CrashingSender { nodes })
            } else {
                Box::new(B::new(id, nodes, kind))
            }
        }),
        properties,
        budgets: Budgets::default(),
        picker: None,
        outcome: None,
    })
}

fn part_a<B: Broadcaster>() -> Vec<Arc<Scenario<Bcast>>> {
    let beb = |n: usize| n - 1;
    let erb = |n: usize| n * (n - 1);
    let gossip_10: fn(usize) -> usize = |n| n * 3;
    let gossip_100: fn(usize) -> usize = |n| n * 6;
    let none: BcastFaults = Arc::new(|_| Vec::new());
    vec![
        broadcast_scenario::<B>(
            ("best_effort", 8, "best-effort broadcast reaches every node once, with N-1 messages"),
            Kind::BestEffort,
            duplicating(),
            Broadcasts { nodes: 5, senders: 5, each: 4, from: 100, to: 1000, closing: None },
            "the network duplicates 10% and delays 10% of messages by up to 30 ms",
            none.clone(),
            false,
            vec![
                p::integrity(),
                p::validity(5),
                p::message_bound(5, "N-1", beb),
                evidence::messages_duplicated(),
            ],
        ),
        broadcast_scenario::<B>(
            (
                "eager_reliable",
                8,
                "eager reliable broadcast: every receiver relays once, about N^2 messages",
            ),
            Kind::EagerReliable,
            duplicating(),
            Broadcasts { nodes: 5, senders: 5, each: 4, from: 100, to: 1000, closing: None },
            "the network duplicates 10% and delays 10% of messages by up to 30 ms",
            none.clone(),
            false,
            vec![
                p::integrity(),
                p::validity(5),
                p::agreement(5),
                p::message_bound(5, "N(N-1)", erb),
                evidence::messages_duplicated(),
            ],
        ),
        broadcast_scenario::<B>(
            (
                "reliable_sender_crash",
                10,
                "a sender crashes mid-send; eager reliable broadcast still reaches every correct node",
            ),
            Kind::EagerReliable,
            duplicating(),
            Broadcasts { nodes: 6, senders: 1, each: 1, from: 200, to: 200, closing: None },
            "n0 is scripted: asked to broadcast at 200ms, it sends its message to 1-4 of the 5 \
             others, drawn from the seed, and crashes at 201ms; the network duplicates 10% and \
             delays 10% of messages by up to 30 ms",
            Arc::new(|_| vec![Fault::Crash { node: NodeId(0), at: Time::from_millis(201) }]),
            true,
            vec![
                p::integrity(),
                p::agreement(6),
                p::crashed_senders_message_delivered(NodeId(0), 6),
                p::sender_crashed_mid_send(NodeId(0), 6),
            ],
        ),
        broadcast_scenario::<B>(
            (
                "reliable_node_crash",
                8,
                "a node crashes inside a handler while messages flow; the others still agree",
            ),
            Kind::EagerReliable,
            duplicating(),
            Broadcasts { nodes: 6, senders: 6, each: 3, from: 100, to: 1000, closing: Some(1000) },
            "a node drawn from the seed crashes inside its first handler after a time in \
             300ms-800ms, after a random prefix of that handler's sends; the network duplicates \
             10% and delays 10% of messages by up to 30 ms",
            Arc::new(|rng| {
                let node = NodeId(rng.below(6) as u32);
                let after = Time::from_millis(rng.between(300, 800));
                vec![Fault::CrashInHandler { node, after, cut: Cut::Random }]
            }),
            false,
            vec![
                p::integrity(),
                p::validity(6),
                p::agreement(6),
                p::message_bound(6, "N(N-1)", erb),
                p::some_node_crashed(),
            ],
        ),
        broadcast_scenario::<B>(
            ("gossip_10", 8, "gossip with fanout 3 for 4 rounds among 10 nodes, 10% loss"),
            Kind::Gossip { fanout: 3, rounds: 4 },
            lossy(10),
            Broadcasts { nodes: 10, senders: 10, each: 2, from: 100, to: 1000, closing: None },
            "the network loses 10%, duplicates 10% and delays 10% of messages by up to 30 ms",
            none.clone(),
            false,
            vec![
                p::integrity(),
                p::gossip_coverage(10, GOSSIP_10_PERMILLE),
                p::message_bound(10, "N x fanout", gossip_10),
                evidence::messages_lost(),
            ],
        ),
        broadcast_scenario::<B>(
            ("gossip_100", 8, "gossip with fanout 6 for 5 rounds among 100 nodes, 10% loss"),
            Kind::Gossip { fanout: 6, rounds: 5 },
            lossy(10),
            Broadcasts { nodes: 100, senders: 5, each: 2, from: 100, to: 1000, closing: None },
            "the network loses 10%, duplicates 10% and delays 10% of messages by up to 30 ms",
            none,
            false,
            vec![
                p::integrity(),
                p::gossip_coverage(100, GOSSIP_100_PERMILLE),
                p::message_bound(100, "N x fanout", gossip_100),
                evidence::messages_lost(),
            ],
        ),
    ]
}

/// The coverage promised at 10 nodes, fanout 3, 4 rounds, 10% loss (in thousandths): the
/// reference reaches 94.4% over 500 seeds; see the handout.
pub const GOSSIP_10_PERMILLE: u64 = 900;
/// The coverage promised at 100 nodes, fanout 6, 5 rounds, 10% loss: the reference reaches
/// 99.1% over 500 seeds.
pub const GOSSIP_100_PERMILLE: u64 = 950;

// ---------------------------------------------------------------------------------------------
// Parts B and C.
// ---------------------------------------------------------------------------------------------

/// Draws an update: the replica, and its number among that replica's updates.
type Ops<O> = fn(&mut Rng, NodeId, u64) -> O;
type Faults = Arc<dyn Fn(&mut Rng) -> Vec<Fault> + Send + Sync>;

/// Builds replica `id` given its peers.
type Replicas<C> =
    Arc<dyn Fn(NodeId, Vec<NodeId>) -> Box<dyn Process<Replication<C>>> + Send + Sync>;

/// When the users make their first (simultaneous) update, and when they stop.
const FIRST: Time = Time::from_millis(100);

/// A replication scenario, before it is built with a factory of replicas.
struct Shape<C: Crdt> {
    name: &'static str,
    part: &'static str,
    points: u32,
    summary: &'static str,
    replicas: usize,
    network: Network,
    faults: &'static str,
    draw_faults: Faults,
    /// Updates per replica, after the simultaneous first one.
    each: u64,
    ops: Ops<C::Op>,
    ops_text: &'static str,
    /// Updates are made until then.
    until: Time,
    duration: Duration,
    spec: Spec<C::Op, C::Value>,
    spec_name: &'static str,
    /// Whether knowledge can be traced exactly (no restart), so that strong convergence and the
    /// specification are checked after every handler.
    every_handler: bool,
    extra: Vec<Property<Replication<C>>>,
    /// Whether the protocol determines the final value (part B: the harness's replicas decide
    /// every message, so any correct type ends seed 1 with the same value).
    determined: bool,
}

impl<C: Crdt> Shape<C> {
    fn build(self, factory: Replicas<C>) -> Arc<Scenario<Replication<C>>> {
        let replicas = self.replicas;
        let mut properties = Vec::new();
        if self.every_handler {
            properties.push(p::strong_convergence());
            properties.push(p::follows_specification(self.spec_name, self.spec.clone()));
        }
        properties.push(p::acknowledged_updates_reflected(replicas, self.spec.clone()));
        properties.extend(self.extra);
        let (each, ops, until, draw) = (self.each, self.ops, self.until, self.draw_faults);
        let workload = format!(
            "every replica makes one update at {}, then {} more each at random times until {}: {}",
            FIRST.since(Time::ZERO),
            each,
            until.since(Time::ZERO),
            self.ops_text
        );
        Arc::new(Scenario {
            name: self.name,
            part: self.part,
            points: self.points,
            summary: self.summary,
            nodes: replicas,
            network: self.network,
            faults: self.faults.to_string(),
            workload,
            duration: self.duration,
            seeds: SEEDS,
            plan: Arc::new(move |rng| {
                let mut requests = Vec::new();
                for r in 0..replicas as u32 {
                    let node = NodeId(r);
                    requests.push((FIRST, node, Request::Update(ops(rng, node, 0))));
                    for k in 1..=each {
                        let at = Time::from_millis(
                            rng.between(FIRST.as_micros() / 1000 + 1, until.as_micros() / 1000),
                        );
                        requests.push((at, node, Request::Update(ops(rng, node, k))));
                    }
                }
                requests.sort_by_key(|(t, n, _)| (*t, *n));
                Plan {
                    faults: draw(rng),
                    clocks: Vec::new(),
                    workload: Box::new(Schedule(requests)),
                }
            }),
            factory: Arc::new(move |id| {
                let peers = (0..replicas as u32).map(NodeId).filter(|n| *n != id).collect();
                factory(id, peers)
            }),
            properties,
            budgets: Budgets::default(),
            picker: None,
            outcome: if self.determined { Some(Arc::new(p::final_value::<C>)) } else { None },
        })
    }
}

fn counter_ops(rng: &mut Rng, _: NodeId, _: u64) -> Increment {
    Increment(rng.between(1, 5))
}

fn pn_ops(rng: &mut Rng, _: NodeId, _: u64) -> CounterOp {
    let n = rng.between(1, 5);
    if rng.below(10) < 6 { CounterOp::Increment(n) } else { CounterOp::Decrement(n) }
}

fn assign_ops(_: &mut Rng, node: NodeId, k: u64) -> Assign {
    Assign(format!("{node}.{k}"))
}

fn set_ops(rng: &mut Rng, _: NodeId, _: u64) -> SetOp {
    let e = ["a", "b", "c"][rng.below(3) as usize].to_string();
    if rng.below(10) < 6 { SetOp::Add(e) } else { SetOp::Remove(e) }
}

fn map_ops(rng: &mut Rng, node: NodeId, k: u64) -> MapOp<Assign> {
    MapOp { key: format!("k{}", rng.below(3)), op: assign_ops(rng, node, k) }
}

/// Part B's shape for one type: 3-7 replicas of the harness's mixer, duplicating and reordering.
#[allow(clippy::too_many_arguments)]
fn part_b<C: Crdt>(
    name: &'static str,
    summary: &'static str,
    points: u32,
    replicas: usize,
    ops: Ops<C::Op>,
    ops_text: &'static str,
    spec: Spec<C::Op, C::Value>,
    spec_name: &'static str,
) -> Arc<Scenario<Replication<C>>> {
    let spread_from = Time::from_millis(1300);
    Shape::<C> {
        name,
        part: "B",
        points,
        summary,
        replicas,
        network: duplicating(),
        faults: "the network duplicates 10% and delays 10% of messages by up to 30 ms; each \
                 harness replica sends its state to one random peer every 40ms until 1300ms, then \
                 to every peer",
        draw_faults: Arc::new(|_| Vec::new()),
        each: 12,
        ops,
        ops_text,
        until: Time::from_millis(1200),
        duration: Duration::from_millis(1800),
        spec,
        spec_name,
        every_handler: true,
        extra: vec![
            p::idempotent(),
            p::commutative(),
            p::associative(),
            p::upper_bound(),
            p::updates_inflate(),
        ],
        determined: true,
    }
    .build(Arc::new(move |id, peers| Box::new(Mixer::<C>::new(id, peers, spread_from))))
}

/// Part C: `S`'s replica of `C`, wrapped in the glue.
fn replicas_of<S: Submission, C: Crdt>(timing: Timing) -> Replicas<C> {
    Arc::new(move |id, peers| {
        Box::new(Driver::<C, S::Replica<C>>::new(<S::Replica<C>>::new(id, peers, timing)))
    })
}

/// How long after the heal every replica must have converged: two gossip intervals and the
/// network's worst delay (30 ms), plus 10 ms.
fn bound(timing: Timing) -> Duration {
    Duration(timing.gossip_interval.as_micros() * 2 + 40_000)
}

fn part_c<S: Submission>(timing: Timing) -> Vec<Box<dyn Graded>> {
    let or_set = || spec::or_set();
    let pn = || spec::pn_counter();
    let quiet_end = Time::from_millis(1200);
    let heal = Time::from_millis(1400);
    vec![
        graded(vec![
            Shape::<S::OrSet> {
                name: "quiet_network",
                part: "C",
                points: 8,
                summary: "an OR-Set replicated by anti-entropy on a quiet network",
                replicas: 5,
                network: Network::reliable(),
                faults: "none",
                draw_faults: Arc::new(|_| Vec::new()),
                each: 10,
                ops: set_ops,
                ops_text: "adds (60%) and removes of a, b, c",
                until: quiet_end,
                duration: Duration::from_millis(1600),
                spec: or_set(),
                spec_name: "the OR-Set follows its specification",
                every_handler: true,
                determined: false,
                extra: vec![
                    p::converged_by(
                        5,
                        quiet_end + bound(timing),
                        "after the last update",
                        or_set(),
                    ),
                    p::gossip_bounded(timing.gossip_interval),
                ],
            }
            .build(replicas_of::<S, S::OrSet>(timing)),
        ]),
        graded(vec![
            Shape::<S::PnCounter> {
                name: "heavy_loss",
                part: "C",
                points: 8,
                summary: "a PN-Counter converges although half the messages are lost",
                replicas: 5,
                network: lossy(50),
                faults: "the network loses 50%, duplicates 10% and delays 10% of messages by up \
                         to 30 ms until 1400ms, then is reliable",
                draw_faults: Arc::new(move |_| {
                    vec![Fault::Network { at: heal, network: Network::reliable() }]
                }),
                each: 10,
                ops: pn_ops,
                ops_text: "increments (60%) and decrements of 1-5",
                until: quiet_end,
                duration: Duration::from_millis(1800),
                spec: pn(),
                spec_name: "the PN-Counter follows its specification",
                every_handler: true,
                determined: false,
                extra: vec![
                    p::converged_by(5, heal + bound(timing), "after the loss stopped", pn()),
                    evidence::messages_lost(),
                    evidence::messages_duplicated(),
                ],
            }
            .build(replicas_of::<S, S::PnCounter>(timing)),
        ]),
        graded(vec![
            Shape::<S::OrSet> {
                name: "partition_heals",
                part: "C",
                points: 8,
                summary: "two sides of a partition diverge, then converge after it heals",
                replicas: 5,
                network: duplicating(),
                faults: "n0 and n1 are cut off from n2, n3 and n4 from 300ms to 1400ms; the \
                         network duplicates 10% and delays 10% of messages by up to 30 ms",
                draw_faults: Arc::new(move |_| {
                    let (a, b) = ([NodeId(0), NodeId(1)], [NodeId(2), NodeId(3), NodeId(4)]);
                    vec![Fault::partition(Time::from_millis(300), Some(heal), &[&a, &b])]
                }),
                each: 10,
                ops: set_ops,
                ops_text: "adds (60%) and removes of a, b, c",
                until: quiet_end,
                duration: Duration::from_millis(1800),
                spec: or_set(),
                spec_name: "the OR-Set follows its specification",
                every_handler: true,
                determined: false,
                extra: vec![
                    p::converged_by(5, heal + bound(timing), "after the heal", or_set()),
                    evidence::partition_blocked(),
                ],
            }
            .build(replicas_of::<S, S::OrSet>(timing)),
        ]),
        graded(vec![
            Shape::<S::PnCounter> {
                name: "crash_restart",
                part: "C",
                points: 8,
                summary: "a replica cut off takes updates, crashes, and restarts from its storage",
                replicas: 4,
                network: duplicating(),
                faults: "n1 is cut off from the others from 300ms to 1300ms, crashes at \
                         700-1000ms (drawn from the seed) and restarts at 1400ms; the network \
                         duplicates 10% and delays 10% of messages by up to 30 ms",
                draw_faults: Arc::new(move |rng| {
                    let rest = [NodeId(0), NodeId(2), NodeId(3)];
                    let at = Time::from_millis(rng.between(700, 1000));
                    vec![
                        Fault::partition(
                            Time::from_millis(300),
                            Some(Time::from_millis(1300)),
                            &[&[NodeId(1)], &rest],
                        ),
                        Fault::Crash { node: NodeId(1), at },
                        Fault::Restart { node: NodeId(1), at: heal },
                    ]
                }),
                each: 10,
                ops: pn_ops,
                ops_text: "increments (60%) and decrements of 1-5; updates sent to n1 while it is \
                           down are refused",
                until: quiet_end,
                duration: Duration::from_millis(1800),
                spec: pn(),
                spec_name: "the PN-Counter follows its specification",
                every_handler: false,
                determined: false,
                extra: vec![
                    p::converged_by(4, heal + bound(timing), "after the restart", pn()),
                    evidence::crashed_and_restarted(NodeId(1)),
                ],
            }
            .build(replicas_of::<S, S::PnCounter>(timing)),
        ]),
        graded(vec![
            Shape::<S::Map<S::MvRegister>> {
                name: "seven_replicas",
                part: "C",
                points: 8,
                summary: "seven replicas of a map of multi-value registers, on a lossy network",
                replicas: 7,
                network: lossy(20),
                faults: "the network loses 20%, duplicates 10% and delays 10% of messages by up \
                         to 30 ms until 1400ms, then is reliable",
                draw_faults: Arc::new(move |_| {
                    vec![Fault::Network { at: heal, network: Network::reliable() }]
                }),
                each: 6,
                ops: map_ops,
                ops_text: "assignments of unique values to k0, k1, k2",
                until: quiet_end,
                duration: Duration::from_millis(1800),
                spec: spec::map(spec::mv_register()),
                spec_name: "the map follows its specification",
                every_handler: true,
                determined: false,
                extra: vec![
                    p::converged_by(
                        7,
                        heal + bound(timing),
                        "after the loss stopped",
                        spec::map(spec::mv_register()),
                    ),
                    evidence::messages_lost(),
                ],
            }
            .build(replicas_of::<S, S::Map<S::MvRegister>>(timing)),
        ]),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Every scenario, in rubric order.
pub fn all<S: Submission>(timing: Timing) -> Vec<Box<dyn Graded>> {
    let mut out = graded(part_a::<S::Broadcast>());
    out.extend(graded(vec![part_b::<S::GCounter>(
        "g_counter",
        "a G-Counter on 3 replicas: merge laws, strong convergence, the sum of increments",
        10,
        3,
        counter_ops,
        "increments of 1-5",
        spec::g_counter(),
        "the G-Counter follows its specification",
    )]));
    out.extend(graded(vec![part_b::<S::PnCounter>(
        "pn_counter",
        "a PN-Counter on 5 replicas: increments minus decrements, every update inflates",
        9,
        5,
        pn_ops,
        "increments (60%) and decrements of 1-5",
        spec::pn_counter(),
        "the PN-Counter follows its specification",
    )]));
    out.extend(graded(vec![part_b::<S::LwwRegister>(
        "lww_register",
        "an LWW-Register on 7 replicas: the greatest (Lamport timestamp, replica) wins",
        9,
        7,
        assign_ops,
        "assignments of unique values",
        spec::lww_register(),
        "the LWW-Register follows its specification",
    )]));
    out.extend(graded(vec![part_b::<S::MvRegister>(
        "mv_register",
        "an MV-Register on 4 replicas keeps exactly the concurrent maximal values",
        9,
        4,
        assign_ops,
        "assignments of unique values",
        spec::mv_register(),
        "the MV-Register follows its specification",
    )]));
    out.extend(graded(vec![part_b::<S::OrSet>(
        "or_set",
        "an add-wins OR-Set on 5 replicas: concurrent adds survive removes",
        9,
        5,
        set_ops,
        "adds (60%) and removes of a, b, c",
        spec::or_set(),
        "the OR-Set follows its specification",
    )]));
    out.extend(graded(vec![part_b::<S::Map<S::PnCounter>>(
        "crdt_map",
        "a map of PN-Counters on 4 replicas merges key by key",
        9,
        4,
        |rng, node, k| MapOp { key: format!("k{}", rng.below(3)), op: pn_ops(rng, node, k) },
        "increments and decrements of k0, k1, k2",
        spec::map(spec::pn_counter()),
        "the map follows its specification",
    )]));
    out.extend(part_c::<S>(timing));
    out
}
