//! How fast the isolation checker judges transactional histories: Elle's huge one (10,254
//! transactions invoked, one enormous strongly connected component; Elle's own search for a
//! G-single-realtime cycle there gives up), and generated snapshot-isolation histories of
//! growing length, to show the growth (Elle's is about linear).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use harness::isolation::generate::{Shape, snapshot_isolation};
use harness::isolation::txn::parse_edn;
use harness::isolation::{Workload, check};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

fn elle(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/elle-histories/huge-scc.edn");
    let text = std::fs::read_to_string(&path).expect("the vendored history is there");
    let mut group = c.benchmark_group("elle");
    group.sample_size(10).measurement_time(Duration::from_secs(5));
    group.bench_function("huge-scc parse and check", |b| {
        b.iter(|| {
            let h = parse_edn(black_box(&text), "huge-scc.edn", Workload::ListAppend).unwrap();
            check(&h, Workload::ListAppend).unwrap().anomalies.len()
        })
    });
    group.finish();
}

fn growth(c: &mut Criterion) {
    let mut group = c.benchmark_group("snapshot-isolation");
    group.sample_size(10).measurement_time(Duration::from_secs(8));
    for workload in [Workload::ListAppend, Workload::RwRegister] {
        for txns in [12_500, 25_000, 50_000, 100_000] {
            let h = snapshot_isolation(Shape::new(workload, txns), 1);
            group.throughput(Throughput::Elements(txns as u64));
            group.bench_with_input(BenchmarkId::new(workload.name(), txns), &h, |b, h| {
                b.iter(|| check(black_box(h), workload).unwrap().anomalies.len())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, elle, growth);
criterion_main!(benches);
