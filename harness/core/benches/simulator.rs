//! How fast the simulator delivers messages: an all-to-all workload on 5 nodes, with the trace
//! recorded exactly as in grading. Budget: 10 million messages per second per core.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use harness::sim::{Budgets, Setup, Simulation};
use harness::trace::EventKind;
use harness::{Ctx, Delay, Duration, Network, NoRequests, NodeId, Process, Protocol};
use std::sync::Arc;

#[derive(Clone, Copy, Debug)]
enum Bench {}

impl Protocol for Bench {
    type Msg = u64;
    type Timer = ();
    type Request = ();
    type Response = ();
    type Output = ();
}

/// Starts by sending one message to every peer, then answers every message with a message to
/// the next peer round the ring of the others: a steady all-to-all load of 20 messages in
/// flight.
struct AllToAll {
    nodes: u32,
}

impl Process<Bench> for AllToAll {
    fn on_start(&mut self, ctx: &mut Ctx<'_, Bench>) {
        let me = ctx.id().0;
        for p in (0..self.nodes).filter(|p| *p != me) {
            ctx.send(NodeId(p), 0);
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Bench>, from: NodeId, msg: u64) {
        let me = ctx.id().0;
        let mut to = (from.0 + 1) % self.nodes;
        if to == me {
            to = (to + 1) % self.nodes;
        }
        ctx.send(NodeId(to), msg + 1);
    }
}

fn setup(duration: Duration) -> Setup<Bench> {
    Setup {
        nodes: 5,
        network: Network::reliable()
            .with_delay(Delay::uniform(Duration::from_micros(50), Duration::from_micros(500))),
        faults: Vec::new(),
        clocks: Vec::new(),
        duration,
        factory: Arc::new(|_| Box::new(AllToAll { nodes: 5 })),
        workload: Box::new(NoRequests),
        budgets: Budgets { max_events: u64::MAX, ..Budgets::default() },
        picker: None,
    }
}

fn delivered(duration: Duration) -> u64 {
    let run = Simulation::new(1, setup(duration)).run();
    run.trace.events.iter().filter(|e| matches!(e.kind, EventKind::Deliver { .. })).count() as u64
}

fn simulator(c: &mut Criterion) {
    let duration = Duration::from_secs(10);
    let messages = delivered(duration);
    let mut group = c.benchmark_group("simulator");
    group.throughput(Throughput::Elements(messages));
    group.sample_size(20);
    group.bench_function("all_to_all_5_nodes", |b| {
        b.iter(|| Simulation::new(1, setup(duration)).run().trace.events.len())
    });
    group.finish();
}

criterion_group!(benches, simulator);
criterion_main!(benches);
