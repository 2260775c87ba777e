//! Lab 05's graded scenarios, in rubric order: part A (the chain), part B (reconfiguration), part
//! C (CRAQ reads).
//!
//! Every scenario has replicas `n0..`, in chain order (spares that may join come after them), then
//! the control plane, then the clerks. Clerks' users write and read a few keys from 300 ms and
//! stop a second before the end, so every run ends healed and quiet.

use crate::properties;
use crate::scripted::ScriptedPeer;
use crate::{ChainClerk, ChainKv, ChainNode, KvOp, Message, Reads, Replica, Timer, Timing, Write};
use harness::evidence;
use harness::rng::Rng;
use harness::services::Membership;
use harness::sim::{Budgets, Picker};
use harness::workloads::{KvUsers, Mix};
use harness::{Delay, Duration, Fault, Network, NodeId, Plan, Prob, Property, Scenario, Time};
use std::sync::Arc;

/// How often the control plane checks for silent members.
const CONTROL_CHECK: Duration = Duration::from_millis(10);
/// Graded seeds per scenario.
const SEEDS: u64 = 50;

/// Seven writes in ten: parts A and B, and CRAQ's write-heavy scenarios.
const WRITES: Mix = Mix { append_percent: 50, put_percent: 20 };
/// Nine reads in ten.
const READ_MOSTLY: Mix = Mix { append_percent: 7, put_percent: 3 };

/// A network that loses, duplicates and reorders (by delay spikes).
fn lossy() -> Network {
    Network::reliable().with_loss(Prob::percent(10)).with_duplication(Prob::percent(5)).with_delay(
        Delay::uniform(Duration::from_millis(1), Duration::from_millis(5))
            .with_spikes(Prob::percent(10), Duration::from_millis(40)),
    )
}

/// A link slower than the rest: 15-20 ms each way.
fn slow() -> Network {
    Network::reliable()
        .with_delay(Delay::uniform(Duration::from_millis(15), Duration::from_millis(20)))
}

/// Draws one seed's faults, given how many processes the scenario has.
type Faults = Arc<dyn Fn(&mut Rng, usize) -> Vec<Fault> + Send + Sync>;

/// Who is in a scenario and what it does; [`Shape::build`] turns it into a scenario.
struct Shape {
    name: &'static str,
    part: &'static str,
    points: u32,
    summary: &'static str,
    /// Replicas in the first configuration.
    chain: usize,
    /// Replicas that join later, at these times.
    joins: Vec<Time>,
    clerks: usize,
    reads: Reads,
    network: Network,
    faults: &'static str,
    draw_faults: Faults,
    mix: Mix,
    keys: u64,
    /// When the users start.
    start: Time,
    duration: Duration,
    /// A scripted process in place of one replica.
    scripted: Option<(NodeId, ScriptedPeer)>,
    /// Names the target of a picked crash.
    picker: Option<Picker<ChainKv>>,
    /// Properties after the five every scenario has.
    extra: Vec<Property<ChainKv>>,
}

impl Shape {
    fn new(name: &'static str, part: &'static str, summary: &'static str) -> Shape {
        Shape {
            name,
            part,
            points: 5,
            summary,
            chain: 3,
            joins: Vec::new(),
            clerks: 3,
            reads: if part == "C" { Reads::Craq } else { Reads::Tail },
            network: Network::reliable(),
            faults: "none",
            draw_faults: Arc::new(|_, _| Vec::new()),
            mix: WRITES,
            keys: 3,
            start: Time::from_millis(300),
            duration: Duration::from_millis(2500),
            scripted: None,
            picker: None,
            extra: Vec::new(),
        }
    }

    fn replicas(&self) -> usize {
        self.chain + self.joins.len()
    }

    fn control(&self) -> NodeId {
        NodeId(self.replicas() as u32)
    }

    fn build<N: ChainNode, C: ChainClerk>(self, timing: Timing) -> Arc<Scenario<ChainKv>> {
        let control = self.control();
        let replicas = self.replicas();
        let clerks: Vec<NodeId> =
            (0..self.clerks).map(|c| NodeId((replicas + 1 + c) as u32)).collect();
        let chain: Vec<NodeId> = (0..self.chain as u32).map(NodeId).collect();
        let joins: Vec<(Time, NodeId)> = self
            .joins
            .iter()
            .enumerate()
            .map(|(i, t)| (*t, NodeId((self.chain + i) as u32)))
            .collect();
        let mut properties = vec![
            properties::linearizable(),
            properties::every_operation_answered(),
            properties::no_acknowledged_write_lost(control),
            properties::chain_invariant(control),
            properties::each_write_applied_once(),
        ];
        properties.extend(self.extra);
        let users = clerks.clone();
        let nodes = replicas + 1 + self.clerks;
        let (mix, keys, start, draw) = (self.mix, self.keys, self.start, self.draw_faults);
        let until = Time::ZERO + (self.duration - Duration::from_secs(1));
        let (reads, scripted) = (self.reads, self.scripted);
        let subscribers = clerks.clone();
        let workload = format!(
            "{} clerks, {}% appends, {}% puts, {}% gets on {} key{}, from {} until {}",
            self.clerks,
            mix.append_percent,
            mix.put_percent,
            mix.get_percent(),
            keys,
            if keys == 1 { "" } else { "s" },
            start.since(Time::ZERO),
            until.since(Time::ZERO)
        );
        Arc::new(Scenario {
            name: self.name,
            part: self.part,
            points: self.points,
            summary: self.summary,
            nodes,
            network: self.network,
            faults: self.faults.to_string(),
            workload,
            duration: self.duration,
            seeds: SEEDS,
            plan: Arc::new(move |rng| Plan {
                faults: draw(rng, nodes),
                clocks: Vec::new(),
                workload: Box::new(
                    KvUsers::<ChainKv>::new(users.clone(), keys, until, mix, |op| op)
                        .starting_at(start),
                ),
            }),
            factory: Arc::new(move |id| {
                if id == control {
                    let mut service = Membership::<ChainKv>::new(
                        chain.clone(),
                        subscribers.clone(),
                        timing.failure_timeout(),
                        CONTROL_CHECK,
                        Timer::Control,
                    );
                    for (at, node) in &joins {
                        service = service.with_join(*at, *node);
                    }
                    Box::new(service)
                } else if let Some((_, peer)) = scripted.as_ref().filter(|(s, _)| *s == id) {
                    Box::new(peer.clone())
                } else if id < control {
                    Box::new(Replica::new(N::new(id, control, timing, reads)))
                } else {
                    Box::new(C::new(id, control, timing, reads))
                }
            }),
            properties,
            budgets: Budgets::default(),
            picker: self.picker,
            outcome: None,
        })
    }
}

/// A crash of `node` at a time drawn from `from..to` (milliseconds).
fn crash_between(node: u32, from: u64, to: u64) -> Faults {
    Arc::new(move |rng, _| {
        vec![Fault::Crash { node: NodeId(node), at: Time::from_millis(rng.between(from, to)) }]
    })
}

/// The network becomes reliable at `at`: the quiet end of a lossy scenario.
fn quiet_at(at: Time) -> Fault {
    Fault::Network { at, network: Network::reliable() }
}

/// Every scenario, in rubric order.
pub fn all<N: ChainNode, C: ChainClerk>(timing: Timing) -> Vec<Arc<Scenario<ChainKv>>> {
    let shapes = vec![
        // Part A: the chain.
        Shape {
            clerks: 5,
            extra: vec![properties::each_write_crosses_each_link_once(3)],
            ..Shape::new(
                "chain_of_3",
                "A",
                "a chain of three serves writes at the head and reads at the tail",
            )
        },
        Shape {
            chain: 5,
            clerks: 6,
            extra: vec![properties::each_write_crosses_each_link_once(5)],
            ..Shape::new("chain_of_5", "A", "a chain of five pipelines writes from many clerks")
        },
        Shape {
            network: lossy(),
            faults: "the network loses 10%, duplicates 5% and delays 10% of messages by up to 40 ms \
                     until 1500ms, then is reliable",
            draw_faults: Arc::new(|_, _| vec![quiet_at(Time::from_millis(1500))]),
            extra: vec![
                evidence::messages_lost(),
                evidence::messages_duplicated(),
                evidence::messages_reordered(),
            ],
            ..Shape::new(
                "lossy_links",
                "A",
                "writes and acks survive loss, duplication and reordering on every link",
            )
        },
        Shape {
            faults: "every link of n1 takes 15-20 ms each way until 1500ms",
            draw_faults: Arc::new(|_, nodes| {
                vec![
                    Fault::links_of(Time::ZERO, NodeId(1), nodes, Some(slow())),
                    quiet_at(Time::from_millis(1500)),
                ]
            }),
            extra: vec![evidence::messages_delayed(Duration::from_millis(15))],
            ..Shape::new(
                "slow_middle_link",
                "A",
                "a slow middle node holds writes in flight on both sides of it",
            )
        },
        // Part B: reconfiguration.
        Shape {
            faults: "n0 (the head) crashes at 600-1100ms",
            draw_faults: crash_between(0, 600, 1100),
            extra: vec![
                evidence::crashed_for_good(&[NodeId(0)]),
                properties::removed(NodeId(3), NodeId(0)),
            ],
            ..Shape::new(
                "head_crash",
                "B",
                "the second node takes over as head; retried writes take effect once",
            )
        },
        Shape {
            faults: "n1 (the middle) crashes at 600-1100ms",
            draw_faults: crash_between(1, 600, 1100),
            extra: vec![
                evidence::crashed_for_good(&[NodeId(1)]),
                properties::removed(NodeId(3), NodeId(1)),
            ],
            ..Shape::new(
                "middle_crash",
                "B",
                "the head resends what the tail may lack after the middle node fails",
            )
        },
        Shape {
            faults: "n2 (the tail) crashes at 600-1100ms",
            draw_faults: crash_between(2, 600, 1100),
            extra: vec![
                evidence::crashed_for_good(&[NodeId(2)]),
                properties::removed(NodeId(3), NodeId(2)),
            ],
            ..Shape::new(
                "tail_crash",
                "B",
                "the middle node becomes the tail and commits what it holds",
            )
        },
        Shape {
            duration: Duration::from_millis(3000),
            faults: "two of n0-n2, drawn from the seed, crash one after the other: at 600-800ms \
                     and at 1200-1400ms",
            draw_faults: Arc::new(|rng, _| {
                let mut nodes = [NodeId(0), NodeId(1), NodeId(2)];
                rng.shuffle(&mut nodes);
                vec![
                    Fault::Crash { node: nodes[0], at: Time::from_millis(rng.between(600, 800)) },
                    Fault::Crash { node: nodes[1], at: Time::from_millis(rng.between(1200, 1400)) },
                ]
            }),
            extra: vec![properties::shrank_to_one(NodeId(3))],
            ..Shape::new("two_crashes", "B", "the chain shrinks to a single node that still serves")
        },
        Shape {
            chain: 5,
            clerks: 5,
            mix: Mix { append_percent: 70, put_percent: 20 },
            faults: "n2 crashes at the first moment after 700-1000ms when a write is on its way to \
                     it and n3 lacks one it holds",
            draw_faults: Arc::new(|rng, _| {
                let at = Time::from_millis(rng.between(700, 1000));
                vec![Fault::CrashPicked { at, restart_after: None }]
            }),
            picker: Some(properties::crash_mid_stream(NodeId(2), NodeId(3))),
            extra: vec![
                properties::removed(NodeId(5), NodeId(2)),
                properties::crashed_mid_stream(NodeId(2), NodeId(3)),
            ],
            ..Shape::new(
                "crash_mid_stream",
                "B",
                "a middle node of five crashes with writes in flight on both sides of it",
            )
        },
        Shape {
            joins: vec![Time::from_millis(900)],
            clerks: 4,
            mix: Mix { append_percent: 40, put_percent: 10 },
            faults: "n3 joins at the tail at 900ms; its links take 15-20 ms each way",
            draw_faults: Arc::new(|_, nodes| {
                vec![Fault::links_of(Time::ZERO, NodeId(3), nodes, Some(slow()))]
            }),
            extra: vec![properties::joined_and_served(NodeId(4), NodeId(3))],
            ..Shape::new(
                "node_joins",
                "B",
                "a new tail copies the chain's history before it serves",
            )
        },
        Shape {
            chain: 4,
            duration: Duration::from_millis(3000),
            network: lossy(),
            faults: "loss, duplication and reordering as in lossy_links until 2000ms; two of n0-n3, \
                     drawn from the seed, crash at 600-900ms and at 1200-1500ms",
            draw_faults: Arc::new(|rng, _| {
                let mut nodes = [NodeId(0), NodeId(1), NodeId(2), NodeId(3)];
                rng.shuffle(&mut nodes);
                vec![
                    Fault::Crash { node: nodes[0], at: Time::from_millis(rng.between(600, 900)) },
                    Fault::Crash { node: nodes[1], at: Time::from_millis(rng.between(1200, 1500)) },
                    quiet_at(Time::from_millis(2000)),
                ]
            }),
            extra: vec![evidence::messages_lost(), evidence::messages_duplicated()],
            ..Shape::new(
                "lossy_reconfiguration",
                "B",
                "reconfigurations on a network that loses, duplicates and reorders",
            )
        },
        scripted_middle("middle_swallows_writes", false, timing),
        scripted_middle("tail_acks_as_middle_fails", true, timing),
        stale_epoch(timing),
        // Part C: CRAQ.
        Shape {
            mix: READ_MOSTLY,
            extra: vec![
                properties::every_node_serves_reads(vec![NodeId(0), NodeId(1), NodeId(2)]),
                properties::clean_reads_ask_no_one(NodeId(3)),
                properties::one_query_per_dirty_read(NodeId(3)),
                properties::tail_answers_every_query(),
            ],
            ..Shape::new(
                "craq_read_mostly",
                "C",
                "every node answers reads; clean ones without asking the tail",
            )
        },
        Shape {
            mix: WRITES,
            clerks: 4,
            extra: vec![
                properties::every_node_serves_reads(vec![NodeId(0), NodeId(1), NodeId(2)]),
                properties::clean_reads_ask_no_one(NodeId(3)),
                properties::one_query_per_dirty_read(NodeId(3)),
                properties::tail_answers_every_query(),
            ],
            ..Shape::new(
                "craq_write_heavy",
                "C",
                "reads of dirty keys ask the tail which version is committed",
            )
        },
        Shape {
            mix: Mix { append_percent: 30, put_percent: 10 },
            clerks: 6,
            keys: 2,
            faults: "every link of n2 (the tail) takes 15-20 ms each way until 1500ms",
            draw_faults: Arc::new(|_, nodes| {
                vec![
                    Fault::links_of(Time::ZERO, NodeId(2), nodes, Some(slow())),
                    quiet_at(Time::from_millis(1500)),
                ]
            }),
            extra: vec![
                properties::dirty_reads_happened(NodeId(3)),
                properties::clean_reads_ask_no_one(NodeId(3)),
                properties::one_query_per_dirty_read(NodeId(3)),
                properties::tail_answers_every_query(),
            ],
            ..Shape::new(
                "craq_dirty_reads",
                "C",
                "with a slow tail, reads at the head and middle find dirty versions",
            )
        },
        Shape {
            mix: WRITES,
            faults: "n2 (the tail) crashes at 600-1100ms",
            draw_faults: crash_between(2, 600, 1100),
            extra: vec![
                evidence::crashed_for_good(&[NodeId(2)]),
                properties::removed(NodeId(3), NodeId(2)),
                properties::clean_reads_ask_no_one(NodeId(3)),
            ],
            ..Shape::new(
                "craq_tail_crash",
                "C",
                "reads waiting for a crashed tail are answered by the new one",
            )
        },
    ];
    shapes.into_iter().map(|s| s.build::<N, C>(timing)).collect()
}

/// n1 is scripted: it falls silent at 700 ms, having swallowed every write (or, relaying,
/// every ack) that reached it.
fn scripted_middle(name: &'static str, relays: bool, timing: Timing) -> Shape {
    let peer =
        ScriptedPeer::new(NodeId(3), timing.heartbeat_interval, Time::from_millis(700), relays);
    let (summary, faults) = if relays {
        (
            "the tail answers writes whose acks die with the middle node; the head learns of them \
             from the tail's Resume",
            "n1 is scripted: until 700ms it relays writes to the tail and keeps the tail's acks; \
             then it falls silent",
        )
    } else {
        (
            "the head resends the writes a silent middle node swallowed",
            "n1 is scripted: it swallows every write it gets, and falls silent at 700ms",
        )
    };
    Shape {
        scripted: Some((NodeId(1), peer)),
        faults,
        extra: vec![
            properties::removed(NodeId(3), NodeId(1)),
            properties::scripted_peer_got_writes(NodeId(1)),
        ],
        ..Shape::new(name, "B", summary)
    }
}

/// n0 is scripted: the head of the first configuration, it falls silent at 100 ms, and at
/// 600 ms, long after the control plane removed it, a Forward of its old epoch reaches n1.
fn stale_epoch(timing: Timing) -> Shape {
    let stale = Write {
        seq: 1,
        clerk: NodeId(4),
        cseq: 1,
        op: KvOp::Append { key: "k0".into(), value: "stale ".into() },
    };
    let peer =
        ScriptedPeer::new(NodeId(3), timing.heartbeat_interval, Time::from_millis(100), false)
            .sending(
                Time::from_millis(600),
                NodeId(1),
                Message::Forward { epoch: 1, writes: vec![stale] },
            );
    Shape {
        scripted: Some((NodeId(0), peer)),
        keys: 1,
        start: Time::from_millis(700),
        faults: "n0 is scripted: the first head, it falls silent at 100ms; at 600ms it sends n1 a \
                 Forward of epoch 1 appending \"stale \" to k0",
        extra: vec![
            properties::removed(NodeId(3), NodeId(0)),
            properties::stale_message_arrived(NodeId(3), NodeId(1)),
        ],
        ..Shape::new("stale_epoch", "B", "a message from an older epoch is ignored")
    }
}
