//! Lab 00's scenarios: the same streams of messages over networks that lose, duplicate,
//! reorder, partition, and a receiver that crashes.

use crate::properties::{self, settle_time};
use crate::{Links, ReliableLink, SendRequest, Timing};
use harness::evidence;
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

#[allow(clippy::too_many_arguments)]
fn scenario<N: ReliableLink>(
    timing: Timing,
    name: &'static str,
    part: &'static str,
    points: u32,
    summary: &'static str,
    network: Network,
    faults: String,
    faults_end: Time,
    traffic: Traffic,
    draw_faults: impl Fn(&mut Rng) -> Vec<Fault> + Send + Sync + 'static,
    evidence: Option<Property<Links>>,
) -> Arc<Scenario<Links>> {
    let max_delay = QUIET.delay.upper_bound();
    let last_send = traffic.from + traffic.spread;
    let duration = (faults_end.max(last_send) + settle_time(max_delay)).since(Time::ZERO);
    let mut properties = properties::all(timing, max_delay);
    properties.extend(evidence);
    let workload = traffic.describe();
    Arc::new(Scenario {
        name,
        part,
        points,
        summary,
        nodes: NODES,
        network,
        faults,
        workload,
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
    })
}

/// The network turns quiet at `at`.
fn quiet_from(at: Time) -> Fault {
    Fault::Network { at, network: QUIET }
}

/// Every scenario of lab 00, in rubric order.
pub fn all<N: ReliableLink>(timing: Timing) -> Vec<Arc<Scenario<Links>>> {
    let n = NodeId;
    let one_second = Time::from_millis(1000);
    let lossy = |p: u32| QUIET.with_loss(Prob::percent(p));
    let lossy_scenario = |name, p: u32, summary| {
        scenario::<N>(
            timing,
            name,
            "A",
            10,
            summary,
            lossy(p),
            format!("the network loses {p}% of messages until 1s, then none"),
            one_second,
            Traffic::all_to_all(30, Duration::from_millis(800)),
            move |_| vec![quiet_from(one_second)],
            Some(evidence::messages_lost()),
        )
    };
    vec![
        scenario::<N>(
            timing,
            "no_faults",
            "A",
            5,
            "every message arrives exactly once, in order, on a network that only delays",
            QUIET,
            "none".into(),
            Time::ZERO,
            Traffic::all_to_all(20, Duration::from_millis(500)),
            |_| Vec::new(),
            None,
        ),
        lossy_scenario("loss_10", 10, "messages get through a network that loses 10% of them"),
        lossy_scenario("loss_30", 30, "messages get through a network that loses 30% of them"),
        lossy_scenario("loss_50", 50, "messages get through a network that loses half of them"),
        scenario::<N>(
            timing,
            "duplication",
            "A",
            10,
            "duplicated packets are delivered once",
            QUIET.with_duplication(Prob::percent(30)),
            "the network duplicates 30% of messages until 1s, then none".into(),
            one_second,
            Traffic::all_to_all(30, Duration::from_millis(800)),
            move |_| vec![quiet_from(one_second)],
            Some(evidence::messages_duplicated()),
        ),
        scenario::<N>(
            timing,
            "reordering",
            "A",
            10,
            "packets overtaken by later ones are still delivered in order",
            QUIET
                .with_delay(QUIET.delay.with_spikes(Prob::percent(30), Duration::from_millis(100))),
            "30% of messages are delayed by up to 100ms until 1s, overtaken by later ones".into(),
            one_second,
            Traffic::all_to_all(30, Duration::from_millis(800)),
            move |_| vec![quiet_from(one_second)],
            Some(evidence::messages_reordered()),
        ),
        scenario::<N>(
            timing,
            "partition_heals",
            "B",
            10,
            "messages sent into a partition arrive after it heals",
            QUIET,
            "n0 is cut off from n1 and n2 from 200ms to 700ms".into(),
            Time::from_millis(700),
            Traffic::all_to_all(20, Duration::from_millis(800)),
            move |_| {
                vec![Fault::partition(
                    Time::from_millis(200),
                    Some(Time::from_millis(700)),
                    &[&[n(0)], &[n(1), n(2)]],
                )]
            },
            Some(evidence::partition_blocked()),
        ),
        scenario::<N>(
            timing,
            "acks_cut_off",
            "B",
            10,
            "a one-way partition eats n1's acks (and data) to n0; n0's data still reaches n1",
            QUIET,
            "n1 cannot reach n0 from 100ms to 600ms (n0 still reaches n1)".into(),
            Time::from_millis(600),
            Traffic::all_to_all(20, Duration::from_millis(800)),
            move |_| {
                vec![Fault::one_way(
                    Time::from_millis(100),
                    Some(Time::from_millis(600)),
                    n(1),
                    n(0),
                )]
            },
            Some(evidence::partition_blocked()),
        ),
        scenario::<N>(
            timing,
            "receiver_crash",
            "B",
            15,
            "a receiver that crashes and restarts delivers nothing twice and misses nothing",
            QUIET.with_loss(Prob::percent(10)),
            "n1 crashes between 200ms and 400ms and restarts 200-300ms later; the network \
             loses 10% of messages until the restart"
                .into(),
            Time::from_millis(700),
            Traffic {
                links: vec![(n(0), n(1)), (n(2), n(1))],
                per_link: 40,
                from: Time::from_millis(10),
                spread: Duration::from_millis(800),
            },
            move |rng| {
                let crash = Time::from_millis(rng.between(200, 400));
                let restart = crash + Duration::from_millis(rng.between(200, 300));
                vec![
                    Fault::Crash { node: n(1), at: crash },
                    Fault::Restart { node: n(1), at: restart },
                    quiet_from(restart),
                ]
            },
            Some(evidence::crashed_and_restarted(n(1))),
        ),
        scenario::<N>(
            timing,
            "burst",
            "B",
            10,
            "a burst of 600 messages sent at one instant over a lossy network",
            QUIET.with_loss(Prob::percent(10)),
            "the network loses 10% of messages until 500ms, then none".into(),
            Time::from_millis(500),
            Traffic {
                links: vec![(n(0), n(1)), (n(2), n(1)), (n(1), n(0))],
                per_link: 200,
                from: Time::from_millis(100),
                spread: Duration::ZERO,
            },
            move |_| vec![quiet_from(Time::from_millis(500))],
            Some(evidence::messages_lost()),
        ),
    ]
}
