//! Committed commands per second of the reference key-value service, at 3 and 5 servers: per
//! second of wall time (criterion's throughput, from the median run) and per second of virtual
//! time (printed once per size; a run is deterministic, so one run gives it exactly).
//!
//! Ten clerks each keep one operation in flight on a quiet network (1-10 ms delays) for three
//! seconds of virtual time. Every operation, reads included, is a command in the log.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use harness::sim::{Budgets, Setup, Simulation};
use harness::{Delay, Duration, Network, NodeId, Run, Time};
use lab04::workloads::KvUsers;
use lab04::{Event, KvClerk, KvServer, RaftKv, Replica, Timing};
use lab04_solution::{Clerk, Node, Server};
use std::collections::BTreeSet;
use std::sync::Arc;

const CLERKS: usize = 10;
const VIRTUAL: Duration = Duration::from_secs(3);

fn setup(servers: usize) -> Setup<RaftKv> {
    let all: Vec<NodeId> = (0..servers as u32).map(NodeId).collect();
    Setup {
        nodes: servers + CLERKS,
        network: Network::reliable()
            .with_delay(Delay::uniform(Duration::from_millis(1), Duration::from_millis(10))),
        faults: Vec::new(),
        clocks: Vec::new(),
        duration: VIRTUAL,
        factory: Arc::new(move |id: NodeId| {
            if id.index() < all.len() {
                let peers = all.iter().copied().filter(|p| *p != id).collect();
                let raft = <Node as lab04::Consensus>::new(id, peers, Timing::DEFAULT);
                Box::new(Replica::new(raft, <Server as KvServer>::new(id), None))
            } else {
                Box::new(<Clerk as KvClerk>::new(id, all.clone()))
            }
        }),
        workload: Box::new(KvUsers::new(
            (servers..servers + CLERKS).map(|c| NodeId(c as u32)).collect(),
            5,
            Time::ZERO + VIRTUAL,
            lab04::workloads::mix(40),
            lab04::Request::Kv,
        )),
        budgets: Budgets::default(),
        picker: None,
    }
}

/// How many log indices were committed (applied somewhere) in the run.
fn committed(run: &Run<RaftKv>) -> u64 {
    let indices: BTreeSet<u64> = run
        .trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            harness::EventKind::Output { output: Event::Applied { index, .. }, .. } => Some(*index),
            _ => None,
        })
        .collect();
    indices.len() as u64
}

fn throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("lab04_committed_commands");
    group.sample_size(10);
    for servers in [3, 5] {
        let run = Simulation::new(1, setup(servers)).run();
        let n = committed(&run);
        let per_virtual_second = n as f64 / (VIRTUAL.as_micros() as f64 / 1e6);
        eprintln!(
            "{servers} servers: {n} commands committed in {VIRTUAL} of virtual time: \
             {per_virtual_second:.0} per virtual second"
        );
        group.throughput(Throughput::Elements(n));
        group.bench_function(format!("{servers}_servers"), |b| {
            b.iter(|| committed(&Simulation::new(1, setup(servers)).run()))
        });
    }
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
