//! Two measures of the reference code, per second of wall time:
//!
//! - `lab06_merges`: merges of OR-Set states that 5 replicas reached after 200 random updates
//!   and exchanges (the operation anti-entropy repeats on every received state);
//! - `lab06_anti_entropy`: simulated runs of 5 anti-entropy replicas of an OR-Set for one second
//!   of virtual time, 10 updates each, on a network that loses 20% (criterion's throughput is
//!   the messages delivered per run).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use harness::sim::{Budgets, Schedule, Setup, Simulation};
use harness::{Duration, EventKind, Network, NodeId, Prob, Rng, Time};
use lab06::driver::Driver;
use lab06::{Crdt, ReplicaNode, Replication, Request, SetOp, Timing};
use lab06_solution::anti_entropy::Node;
use lab06_solution::crdt::OrSet;
use std::sync::Arc;

const REPLICAS: usize = 5;

fn op(rng: &mut Rng) -> SetOp {
    let e = ["a", "b", "c", "d"][rng.below(4) as usize].to_string();
    if rng.below(10) < 6 { SetOp::Add(e) } else { SetOp::Remove(e) }
}

/// States of 5 replicas after random updates and merges.
fn states() -> Vec<OrSet> {
    let mut rng = Rng::from_seed(7);
    let mut states: Vec<OrSet> = (0..REPLICAS).map(|_| OrSet::new()).collect();
    for _ in 0..200 {
        let r = rng.below(REPLICAS as u64) as usize;
        if rng.below(4) == 0 {
            let other = states[rng.below(REPLICAS as u64) as usize].clone();
            states[r].merge(&other);
        } else {
            states[r].update(NodeId(r as u32), &op(&mut rng));
        }
    }
    states
}

fn setup() -> Setup<Replication<OrSet>> {
    let mut rng = Rng::from_seed(3);
    let mut requests = Vec::new();
    for r in 0..REPLICAS as u32 {
        for _ in 0..10 {
            let at = Time::from_millis(rng.between(10, 800));
            requests.push((at, NodeId(r), Request::Update(op(&mut rng))));
        }
    }
    requests.sort_by_key(|(t, n, _)| (*t, *n));
    Setup {
        nodes: REPLICAS,
        network: Network::reliable().with_loss(Prob::percent(20)),
        faults: Vec::new(),
        clocks: Vec::new(),
        duration: Duration::from_secs(1),
        factory: Arc::new(|id: NodeId| {
            let peers = (0..REPLICAS as u32).map(NodeId).filter(|n| *n != id).collect();
            Box::new(Driver::<OrSet, Node<OrSet>>::new(Node::new(id, peers, Timing::DEFAULT)))
        }),
        workload: Box::new(Schedule(requests)),
        budgets: Budgets::default(),
        picker: None,
    }
}

fn delivered(run: &harness::Run<Replication<OrSet>>) -> u64 {
    run.trace.events.iter().filter(|e| matches!(e.kind, EventKind::Deliver { .. })).count() as u64
}

fn merges(c: &mut Criterion) {
    let states = states();
    let mut group = c.benchmark_group("lab06_merges");
    group.throughput(Throughput::Elements((REPLICAS * REPLICAS) as u64));
    group.bench_function("or_set_all_pairs", |b| {
        b.iter(|| {
            for a in &states {
                for other in &states {
                    let mut m = a.clone();
                    m.merge(other);
                    std::hint::black_box(m);
                }
            }
        })
    });
    group.finish();
}

fn anti_entropy(c: &mut Criterion) {
    let n = delivered(&Simulation::new(1, setup()).run());
    let mut group = c.benchmark_group("lab06_anti_entropy");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n));
    group.bench_function("or_set_5_replicas", |b| {
        b.iter(|| delivered(&Simulation::new(1, setup()).run()))
    });
    group.finish();
}

criterion_group!(benches, merges, anti_entropy);
criterion_main!(benches);
