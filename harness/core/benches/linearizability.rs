//! How fast the linearizability checker decides real Jepsen histories (the vendored copy of
//! Porcupine's test data). Each iteration parses the files from memory and checks them.
//!
//! The anchor, Porcupine (Go) on a 2-core machine: the 102 etcd logs in about 0.4 s in total,
//! c50-ok in about 170 ms and c50-bad in about 33 ms (both split by key), c10-ok checked whole
//! (no per-key decomposition) in about 2.5 s. Each group here must be at least as fast.

use criterion::{Criterion, criterion_group, criterion_main};
use harness::history::jepsen::{parse_edn_kv, parse_etcd};
use harness::linearizability::{CasRegister, Kv, Options, check_linearizable};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/jepsen-histories")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parses and checks one key-value log; returns whether it is linearizable.
fn check_kv(name: &str, text: &str, split: bool) -> bool {
    let history = parse_edn_kv(text, name).expect("the vendored logs parse");
    let options = Options { split, ..Options::default() };
    check_linearizable(&mut Kv::new(), &history, &options).holds()
}

fn etcd(c: &mut Criterion) {
    let logs: Vec<(String, String)> = (0..=102)
        .filter(|i| *i != 95) // the empty log
        .map(|i| {
            let name = format!("etcd_{i:03}.log");
            let text = read(&data().join("jepsen").join(&name));
            (name, text)
        })
        .collect();
    assert_eq!(logs.len(), 102);
    let mut group = c.benchmark_group("etcd");
    group.sample_size(20).measurement_time(Duration::from_secs(5));
    group.bench_function("all 102 logs", |b| {
        b.iter(|| {
            let mut linearizable = 0;
            for (name, text) in &logs {
                let history = parse_etcd(text, name).expect("the vendored logs parse");
                let answer =
                    check_linearizable(&mut CasRegister::new(), &history, &Options::default());
                linearizable += usize::from(answer.holds());
            }
            assert_eq!(linearizable, 23);
            black_box(linearizable)
        })
    });
    group.finish();
}

fn kv(c: &mut Criterion) {
    let text = |name: &str| read(&data().join("kv").join(format!("{name}.txt")));
    let (c50_ok, c50_bad, c10_ok) = (text("c50-ok"), text("c50-bad"), text("c10-ok"));
    let mut group = c.benchmark_group("kv");
    group.sample_size(20).measurement_time(Duration::from_secs(5));
    group.bench_function("c50-ok per key", |b| {
        b.iter(|| assert!(check_kv("c50-ok", black_box(&c50_ok), true)))
    });
    group.bench_function("c50-bad per key", |b| {
        b.iter(|| assert!(!check_kv("c50-bad", black_box(&c50_bad), true)))
    });
    group.sample_size(10).measurement_time(Duration::from_secs(8));
    group.bench_function("c10-ok whole", |b| {
        b.iter(|| assert!(check_kv("c10-ok", black_box(&c10_ok), false)))
    });
    group.finish();
}

/// Generated compare-and-set register histories of the shape that is hardest for the search: a
/// few clients, one operation in eight of unknown outcome, and a stale read at 90% of the
/// history, which only an exhaustive search of everything before it refutes. Before the memo
/// pruned by unknown operations, four clients and 150 operations took the search 0.7 to 4.8 s
/// and 90 to 370 MB, and 200 operations did not finish in 100 s.
fn generated(c: &mut Criterion) {
    use harness::linearizability::generate::{RegisterShape, cas_register};
    let mut group = c.benchmark_group("generated register");
    group.sample_size(10).measurement_time(Duration::from_secs(8));
    for (clients, ops) in [(4, 150), (4, 200), (8, 200)] {
        let histories: Vec<_> = (0..3)
            .map(|seed| {
                let mut shape = RegisterShape::new(clients, ops);
                shape.stale_read_at = Some(0.9);
                cas_register(shape, seed)
            })
            .collect();
        let options = Options { budget: u64::MAX, ..Options::default() };
        group.bench_function(format!("{clients} clients, {ops} ops, seeds 0-2"), |b| {
            b.iter(|| {
                for h in &histories {
                    let answer =
                        check_linearizable(&mut CasRegister::new(), black_box(h), &options);
                    assert!(matches!(answer, harness::linearizability::Answer::Violated(_)));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, etcd, kv, generated);
criterion_main!(benches);
