//! Wall time of one seed of each lab 01 scenario on the reference clocks, every property
//! checked as in grading.

use criterion::{Criterion, criterion_group, criterion_main};
use harness::report::judge;

fn scenarios(c: &mut Criterion) {
    let scenarios = lab01::scenarios::all::<lab01_solution::Reference>();
    let mut group = c.benchmark_group("lab01_seed");
    group.sample_size(20);
    for scenario in &scenarios {
        group.bench_function(scenario.name, |b| {
            b.iter(|| judge(&scenario.run(1), &scenario.properties).len())
        });
    }
    group.finish();
}

criterion_group!(benches, scenarios);
criterion_main!(benches);
