//! Wall-clock cost of the reference store in the simulator: client requests per second of wall
//! time with (N, R, W) = (3, 2, 2), and the time to repair a replica by Merkle anti-entropy
//! among 400 keys. Tests never assert on wall time; this is where it is measured.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use harness::sim::{Budgets, Schedule, Setup, Simulation, Workload};
use harness::{Delay, Duration, EventKind, Fault, Network, NodeId, Run, Time};
use lab07::workload::Users;
use lab07::{Config, DynamoKv, Replica, Request, Timing, VClock};
use lab07_solution::Node;
use std::sync::Arc;

const NODES: usize = 5;

fn run(
    workload: Box<dyn Workload<DynamoKv>>,
    faults: Vec<Fault>,
    duration: Duration,
) -> Run<DynamoKv> {
    let config = Config {
        nodes: (0..NODES as u32).map(NodeId).collect(),
        vnodes: 8,
        n: 3,
        r: 2,
        w: 2,
        sloppy: false,
        anti_entropy: true,
        timing: Timing::DEFAULT,
    };
    let setup = Setup {
        nodes: NODES,
        network: Network::reliable()
            .with_delay(Delay::uniform(Duration::from_millis(1), Duration::from_millis(5))),
        faults,
        clocks: Vec::new(),
        duration,
        factory: Arc::new(move |_| Box::new(Replica::<Node>::new(config.clone()))),
        workload,
        budgets: Budgets::default(),
        picker: None,
    };
    Simulation::new(1, setup).run()
}

fn requests() -> Run<DynamoKv> {
    let nodes = (0..NODES as u32).map(NodeId).collect();
    let keys = (0..8).map(|k| format!("k{k}")).collect();
    let users = Users::new(nodes, 6, keys, Time::from_millis(100), Time::from_millis(2000), 50);
    run(Box::new(users), Vec::new(), Duration::from_millis(2000))
}

fn repair() -> Run<DynamoKv> {
    let writes = (0..400u64)
        .map(|i| {
            let request = Request::Put {
                key: format!("key{i}"),
                value: format!("p{i}"),
                context: VClock::new(),
            };
            (Time::from_millis(100 + i), NodeId([0, 1, 3, 4][(i % 4) as usize]), request)
        })
        .collect();
    let faults = vec![
        Fault::Crash { node: NodeId(2), at: Time::from_millis(400) },
        Fault::Restart { node: NodeId(2), at: Time::from_millis(520) },
    ];
    run(Box::new(Schedule(writes)), faults, Duration::from_millis(2000))
}

fn answered(run: &Run<DynamoKv>) -> u64 {
    run.trace.events.iter().filter(|e| matches!(e.kind, EventKind::Reply { .. })).count() as u64
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("dynamo");
    group.sample_size(20);
    group.throughput(Throughput::Elements(answered(&requests())));
    group.bench_function("requests_3_2_2", |b| b.iter(requests));
    group.throughput(Throughput::Elements(1));
    group.bench_function("anti_entropy_repair_400_keys", |b| b.iter(repair));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
