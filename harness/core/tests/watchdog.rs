//! A handler that never returns: the watchdog fails the run instead of hanging the test. In its
//! own test binary, because the stuck thread spins until the process exits.

mod common;

use common::{Behaviour, scenario};
use harness::report::evaluate;
use harness::scenario::RUN_COMPLETES;
use harness::sim::Budgets;
use std::sync::Arc;

#[test]
#[allow(clippy::disallowed_methods)] // the point is that the test ends in real time
fn a_handler_that_never_returns_fails_the_run_instead_of_hanging() {
    let budgets = Budgets { watchdog: std::time::Duration::from_millis(300), ..Budgets::default() };
    let started = std::time::Instant::now();
    let report = evaluate("test", Arc::new(scenario(Behaviour::Spin, budgets)), vec![1, 2]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let completes = report.properties.iter().find(|p| p.name == RUN_COMPLETES).unwrap();
    let f = completes.failure.as_ref().expect("the run cannot complete");
    assert_eq!(f.seed, 1);
    assert!(f.evidence.contains("has not returned after 300ms"), "{}", f.evidence);
}
