//! Grading over seeds: panics, nondeterminism and endless loops become failed properties with one
//! sentence, never a crashed or hung test.

mod common;

use common::{Behaviour, scenario};
use harness::report::evaluate;
use harness::scenario::{REPLAYS_IDENTICALLY, RUN_COMPLETES};
use harness::sim::Budgets;
use harness::{Property, Verdict};
use std::sync::Arc;

fn line_of<'a>(report: &'a harness::Report, name: &str) -> &'a harness::report::PropertyResult {
    report.properties.iter().find(|p| p.name == name).unwrap()
}

#[test]
fn a_healthy_scenario_reports_ok_on_every_property() {
    let mut s = scenario(Behaviour::PingPong { peers: 1 }, Budgets::default());
    s.properties.push(Property::new("someone answered", "a pong arrives", "none", |run| {
        if common::outputs(run).iter().any(|(_, _, o)| o.starts_with("pong")) {
            Verdict::Holds
        } else {
            Verdict::fails("no pong")
        }
    }));
    let report = evaluate("test", Arc::new(s), vec![1, 2, 3]);
    assert!(report.passed(), "{}", report.render());
    assert_eq!(report.seeds_run, 3);
    let text = report.render();
    assert!(text.contains("  ok    the run completes\n"));
    assert!(text.contains("  ok    someone answered\n"));
    assert!(!text.contains("seeds"), "the report never mentions how many seeds ran");
}

#[test]
fn a_failing_property_names_its_first_seed_and_evidence() {
    let mut s = scenario(Behaviour::PingPong { peers: 1 }, Budgets::default());
    s.properties.push(Property::new("odd seeds only", "d", "c", |run| {
        if run.seed % 2 == 0 { Verdict::fails("even seed") } else { Verdict::Holds }
    }));
    let report = evaluate("test", Arc::new(s), vec![1, 2, 3, 4]);
    let p = line_of(&report, "odd seeds only");
    assert_eq!(p.failed_seeds, 2);
    assert_eq!(p.line(), "  FAIL  odd seeds only: seed 2: even seed");
    assert!(!report.passed());
}

/// n0 sends n1 two pings at time zero; n1 panics when the first arrives.
fn pings_to_a_panicking_node() -> harness::Scenario<common::Test> {
    let mut s = scenario(Behaviour::PanicOnMessage, Budgets::default());
    s.factory = Arc::new(|id| {
        Box::new(common::Node {
            behaviour: if id.0 == 0 {
                Behaviour::TwoPingsAtStart
            } else {
                Behaviour::PanicOnMessage
            },
        })
    });
    s
}

#[test]
fn a_panic_fails_the_run_completes_property_and_leaves_the_rest_unjudged() {
    let mut s = pings_to_a_panicking_node();
    s.properties.push(Property::new("anything", "d", "c", |_| Verdict::Holds));
    let report = evaluate("test", Arc::new(s), vec![1, 2]);
    let completes = line_of(&report, RUN_COMPLETES);
    let f = completes.failure.as_ref().unwrap();
    assert!(
        f.evidence.starts_with("n1 panicked in on_message at harness/core/tests/common/mod.rs:")
    );
    assert!(f.evidence.ends_with(": this node cannot take messages"));
    assert_eq!(line_of(&report, "anything").unjudged_seeds, 2);
    assert_eq!(
        line_of(&report, "anything").line(),
        "  --    anything: not judged (the run stopped early)"
    );
}

#[test]
fn a_safety_property_broken_before_a_panic_is_still_reported() {
    let mut s = pings_to_a_panicking_node();
    s.properties.push(Property::safety("one ping at most", "d", "c", |run| {
        let sends: Vec<_> = run
            .trace
            .events
            .iter()
            .filter(|e| matches!(e.kind, harness::EventKind::Send { .. }))
            .collect();
        match sends.get(1) {
            Some(second) => Verdict::fails_at(second.at, "n0 sent a second ping"),
            None => Verdict::Holds,
        }
    }));
    s.properties.push(Property::safety("nothing lost", "d", "c", |_| Verdict::Holds));
    s.properties.push(Property::safety("a check that needs the end", "d", "c", |run| {
        assert!(run.aborted.is_none(), "cannot judge a cut-off run");
        Verdict::Holds
    }));
    s.properties.push(Property::new("everything answered", "d", "c", |_| {
        Verdict::fails("judged only on whole runs")
    }));
    let s = Arc::new(s);
    let report = evaluate("test", Arc::clone(&s), vec![1, 2]);
    assert_eq!(line_of(&report, RUN_COMPLETES).failed_seeds, 2);
    let broken = line_of(&report, "one ping at most");
    assert_eq!((broken.failed_seeds, broken.unjudged_seeds), (2, 0));
    assert_eq!(
        broken.line(),
        "  FAIL  one ping at most: seed 1 at 0.000000s: n0 sent a second ping"
    );
    // Holding so far is not holding: the rest of the run never happened.
    for name in ["nothing lost", "a check that needs the end", "everything answered"] {
        let p = line_of(&report, name);
        assert_eq!((p.failed_seeds, p.unjudged_seeds), (0, 2), "{name}");
    }
    // The trace's first violation is the broken property, not the panic that came after.
    let run = s.run(1);
    let (at, what) = harness::report::first_violation(&run, &s.properties).unwrap();
    assert_eq!(at, harness::Time::ZERO);
    assert_eq!(what, "one ping at most: n0 sent a second ping");
}

#[test]
fn nondeterminism_is_reported_with_the_first_diverging_event() {
    let report = evaluate(
        "test",
        Arc::new(scenario(Behaviour::Nondeterministic, Budgets::default())),
        vec![1],
    );
    let replays = line_of(&report, REPLAYS_IDENTICALLY);
    let f = replays.failure.as_ref().expect("two runs of one seed differ");
    assert!(f.evidence.starts_with("the two runs diverge at event "), "{}", f.evidence);
    assert!(f.evidence.contains("Ping("), "{}", f.evidence);
    assert!(f.evidence.contains("HashMap"), "the likely causes are named: {}", f.evidence);
}

#[test]
fn a_property_over_seeds_is_judged_once_on_the_sum_of_every_seed() {
    use harness::scenario::Tally;
    // Each seed contributes its number; the mean must stay at or below 3.
    let mean_at_most_3 = |t: Tally| {
        if t.total <= 3 * t.count {
            Verdict::Holds
        } else {
            Verdict::fails(format!("mean {} is above 3", t.total as f64 / t.count as f64))
        }
    };
    let property = |name| {
        Property::over_seeds(
            name,
            "the mean seed number is at most 3",
            "none",
            |run| Tally { count: 1, total: run.seed },
            mean_at_most_3,
        )
    };
    let mut s = scenario(Behaviour::PingPong { peers: 1 }, Budgets::default());
    s.properties.push(property("mean seed"));
    let s = Arc::new(s);
    // Seeds 1..=5 have mean 3: it holds, although seeds 4 and 5 alone would not.
    let report = evaluate("test", Arc::clone(&s), vec![1, 2, 3, 4, 5]);
    assert!(report.passed(), "{}", report.render());
    assert_eq!(line_of(&report, "mean seed").line(), "  ok    mean seed");
    // Seeds 2..=6 have mean 4: it fails once, naming the first seed that is over on its own.
    let report = evaluate("test", s, vec![2, 3, 4, 5, 6]);
    let p = line_of(&report, "mean seed");
    assert_eq!(p.failed_seeds, 1);
    assert_eq!(p.line(), "  FAIL  mean seed: seed 4: mean 4 is above 3");
}

#[test]
fn a_property_over_seeds_is_not_judged_when_a_run_stops_early() {
    use harness::scenario::Tally;
    let mut s = pings_to_a_panicking_node();
    s.properties.push(Property::over_seeds(
        "never",
        "d",
        "c",
        |_| Tally { count: 1, total: 1 },
        |_| Verdict::fails("always"),
    ));
    let report = evaluate("test", Arc::new(s), vec![1, 2]);
    assert_eq!(
        line_of(&report, "never").line(),
        "  --    never: not judged (the run stopped early)"
    );
}
