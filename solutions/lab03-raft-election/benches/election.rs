//! Wall time of one seed of each lab 03 scenario on the reference node, every property checked
//! as in grading.

use criterion::{Criterion, criterion_group, criterion_main};
use harness::report::judge;

fn scenarios(c: &mut Criterion) {
    let scenarios = lab03::scenarios::all::<lab03_solution::Node>(lab03::Timing::DEFAULT);
    let mut group = c.benchmark_group("lab03_seed");
    group.sample_size(10);
    for scenario in &scenarios {
        group.bench_function(scenario.name, |b| {
            b.iter(|| judge(&scenario.run(1), &scenario.properties).len())
        });
    }
    group.finish();
}

criterion_group!(benches, scenarios);
criterion_main!(benches);
