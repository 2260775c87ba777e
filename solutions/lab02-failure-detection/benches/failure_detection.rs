//! Wall time of one seed of each lab 02 scenario on the reference processes, with the trace and
//! every property checked as in grading: what a student waits for per seed.

use criterion::{Criterion, criterion_group, criterion_main};
use harness::report::judge;

fn scenarios(c: &mut Criterion) {
    let scenarios = lab02::scenarios::all::<lab02_solution::Reference>(lab02::Timing::DEFAULT);
    let mut group = c.benchmark_group("lab02_seed");
    group.sample_size(10);
    for scenario in &scenarios {
        group.bench_function(scenario.name, |b| {
            b.iter(|| {
                let run = scenario.run(1);
                judge(&run, &scenario.properties).len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, scenarios);
criterion_main!(benches);
