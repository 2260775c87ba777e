//! Committed writes per second of the reference chain, at 3 and 5 replicas: per second of wall
//! time (criterion's throughput, from the median run) and per second of virtual time (printed
//! once per size; a run is deterministic, so one run gives it exactly).
//!
//! Ten clerks each keep one write (an append or a put) in flight on a quiet network (1-10 ms
//! delays, as lab 04's bench) for three seconds of virtual time. A write counts once it is
//! applied at the tail, which is when it commits.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use harness::services::Membership;
use harness::sim::{Budgets, Setup, Simulation};
use harness::workloads::{KvUsers, Mix};
use harness::{Delay, Duration, EventKind, Network, NodeId, Run, Time};
use lab05::{ChainClerk, ChainKv, ChainNode, Event, Reads, Replica, Timer, Timing};
use lab05_solution::{Clerk, Node};
use std::collections::BTreeSet;
use std::sync::Arc;

const CLERKS: usize = 10;
const VIRTUAL: Duration = Duration::from_secs(3);
/// Writes only: reads commit nothing.
const WRITES: Mix = Mix { append_percent: 50, put_percent: 50 };
/// How often the control plane checks for silent members (as the lab's scenarios do).
const CONTROL_CHECK: Duration = Duration::from_millis(10);

/// Replicas `n0..`, then the control plane, then the clerks, as in the lab's scenarios.
fn setup(replicas: usize) -> Setup<ChainKv> {
    let chain: Vec<NodeId> = (0..replicas as u32).map(NodeId).collect();
    let control = NodeId(replicas as u32);
    let clerks: Vec<NodeId> = (0..CLERKS).map(|c| NodeId((replicas + 1 + c) as u32)).collect();
    let subscribers = clerks.clone();
    let timing = Timing::DEFAULT;
    Setup {
        nodes: replicas + 1 + CLERKS,
        network: Network::reliable()
            .with_delay(Delay::uniform(Duration::from_millis(1), Duration::from_millis(10))),
        faults: Vec::new(),
        clocks: Vec::new(),
        duration: VIRTUAL,
        factory: Arc::new(move |id: NodeId| {
            if id == control {
                Box::new(Membership::<ChainKv>::new(
                    chain.clone(),
                    subscribers.clone(),
                    timing.failure_timeout(),
                    CONTROL_CHECK,
                    Timer::Control,
                ))
            } else if id < control {
                Box::new(Replica::new(<Node as ChainNode>::new(id, control, timing, Reads::Tail)))
            } else {
                Box::new(<Clerk as ChainClerk>::new(id, control, timing, Reads::Tail))
            }
        }),
        workload: Box::new(KvUsers::<ChainKv>::new(
            clerks,
            5,
            Time::ZERO + VIRTUAL,
            WRITES,
            |op| op,
        )),
        budgets: Budgets::default(),
        picker: None,
    }
}

/// How many writes committed in the run: the distinct seqs the tail (the last replica: nothing
/// fails here, so the chain never changes) applied.
fn committed(run: &Run<ChainKv>, replicas: usize) -> u64 {
    let tail = NodeId(replicas as u32 - 1);
    let seqs: BTreeSet<u64> = run
        .trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Output { node, output: Event::Applied(w) } if *node == tail => Some(w.seq),
            _ => None,
        })
        .collect();
    seqs.len() as u64
}

fn throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("lab05_committed_writes");
    group.sample_size(10);
    for replicas in [3, 5] {
        let run = Simulation::new(1, setup(replicas)).run();
        let n = committed(&run, replicas);
        let per_virtual_second = n as f64 / (VIRTUAL.as_micros() as f64 / 1e6);
        eprintln!(
            "{replicas} replicas: {n} writes committed in {VIRTUAL} of virtual time: \
             {per_virtual_second:.0} per virtual second"
        );
        group.throughput(Throughput::Elements(n));
        group.bench_function(format!("{replicas}_replicas"), |b| {
            b.iter(|| committed(&Simulation::new(1, setup(replicas)).run(), replicas))
        });
    }
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
