//! Scenarios and properties: the registry a lab is graded by.
//!
//! One registry per lab feeds the grading tests, the lab CLI, the bug proofs and the course
//! tools. A scenario says what runs (cluster, network, faults, workload, duration, graded seeds)
//! and which properties every run must satisfy.

use crate::clock::Clock;
use crate::faults::Fault;
use crate::network::Network;
use crate::node::Protocol;
use crate::rng::{Purpose, Rng};
use crate::sim::{Budgets, Factory, Run, Setup, Simulation, Workload};
use crate::time::{Duration, Time};
use std::fmt;
use std::sync::Arc;

/// What one seed of a scenario runs: drawn from the seed by the scenario's plan.
pub struct Plan<P: Protocol> {
    /// The fault schedule.
    pub faults: Vec<Fault>,
    /// Each node's clock (missing entries: perfect clocks).
    pub clocks: Vec<Clock>,
    /// The client requests.
    pub workload: Box<dyn Workload<P>>,
}

impl<P: Protocol> fmt::Debug for Plan<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plan").field("faults", &self.faults).finish_non_exhaustive()
    }
}

/// A property's judgement of one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The property holds on this run.
    Holds,
    /// It does not: when it first failed, and the smallest evidence that shows it.
    Fails {
        /// The virtual time of the first violation, if the property has one.
        at: Option<Time>,
        /// One or two sentences a student can act on.
        evidence: String,
    },
}

impl Verdict {
    /// A failure at a known time.
    pub fn fails_at(at: Time, evidence: impl Into<String>) -> Verdict {
        Verdict::Fails { at: Some(at), evidence: evidence.into() }
    }

    /// A failure of the run as a whole (a liveness property at the end of the run).
    pub fn fails(evidence: impl Into<String>) -> Verdict {
        Verdict::Fails { at: None, evidence: evidence.into() }
    }

    /// Whether the property holds.
    pub fn holds(&self) -> bool {
        matches!(self, Verdict::Holds)
    }
}

/// A checker of one run: reads the trace, returns a verdict.
pub type Check<P> = Arc<dyn Fn(&Run<P>) -> Verdict + Send + Sync>;

/// What one run contributes to a property judged over all seeds together: how many things were
/// observed (mistakes, detections) and a total that goes with them (the time they lasted, or the
/// exposure they were observed over). Tallies of the seeds are summed, then judged once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// How many things were observed.
    pub count: u64,
    /// The total that goes with them, in the property's own unit (microseconds, usually).
    pub total: u64,
}

impl std::ops::AddAssign for Tally {
    fn add_assign(&mut self, other: Tally) {
        self.count += other.count;
        self.total += other.total;
    }
}

/// Measures one run for a property judged over all seeds.
pub type Measure<P> = Arc<dyn Fn(&Run<P>) -> Tally + Send + Sync>;

/// Judges the sum of the seeds' tallies (and, to name a seed worth replaying, each seed's own).
pub type JudgeTally = Arc<dyn Fn(Tally) -> Verdict + Send + Sync>;

/// How a statistical property is judged: each run is measured, the measurements are summed over
/// every seed that ran, and the sum is judged once. Averages such as a mistake rate are
/// meaningful over many seeds and noisy on one, so this is how quality-of-service bounds are
/// checked; a report still shows only "ok" or the failure.
#[derive(Clone)]
pub struct OverSeeds<P: Protocol> {
    /// One run's contribution.
    pub measure: Measure<P>,
    /// The verdict on a sum of contributions.
    pub judge: JudgeTally,
}

impl<P: Protocol> fmt::Debug for OverSeeds<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OverSeeds").finish_non_exhaustive()
    }
}

/// A named property with what it means and what usually breaks it.
pub struct Property<P: Protocol> {
    /// Short name, as it appears in reports ("exactly once, in order").
    pub name: &'static str,
    /// What the property says, in a sentence or two; printed when it fails.
    pub definition: &'static str,
    /// The usual causes of a failure; printed when it fails.
    pub causes: &'static str,
    /// The check of one run. A property judged over all seeds checks nothing per run.
    pub check: Check<P>,
    /// For a property judged over all seeds together: how to measure a run and judge the sum.
    pub over_seeds: Option<OverSeeds<P>>,
    /// A safety property ("nothing bad ever happens"): a violation in a prefix of a run is a
    /// violation of the run, so when a run stops early (a panic, a budget) it is still judged
    /// on what happened before. Every other property needs the whole run.
    pub safety: bool,
}

impl<P: Protocol> Clone for Property<P> {
    fn clone(&self) -> Self {
        Property {
            name: self.name,
            definition: self.definition,
            causes: self.causes,
            check: Arc::clone(&self.check),
            over_seeds: self.over_seeds.clone(),
            safety: self.safety,
        }
    }
}

impl<P: Protocol> fmt::Debug for Property<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Property").field("name", &self.name).finish_non_exhaustive()
    }
}

impl<P: Protocol> Property<P> {
    /// A property from its name, definition, causes and check.
    pub fn new(
        name: &'static str,
        definition: &'static str,
        causes: &'static str,
        check: impl Fn(&Run<P>) -> Verdict + Send + Sync + 'static,
    ) -> Property<P> {
        Property {
            name,
            definition,
            causes,
            check: Arc::new(check),
            over_seeds: None,
            safety: false,
        }
    }

    /// A safety property: one whose check, run on any prefix of a run, fails only if the run
    /// really broke it by then (it never waits for something to happen). Judged even on runs
    /// that stop early, so a violation before a panic is still reported.
    pub fn safety(
        name: &'static str,
        definition: &'static str,
        causes: &'static str,
        check: impl Fn(&Run<P>) -> Verdict + Send + Sync + 'static,
    ) -> Property<P> {
        Property { safety: true, ..Property::new(name, definition, causes, check) }
    }

    /// A property judged over all seeds together: `measure` tallies each run, `judge` rules on
    /// the sum (a mean over seeds, against a fixed bound). A failure names the first seed whose
    /// own tally `judge` rejects, as the one worth replaying, or else the first seed.
    pub fn over_seeds(
        name: &'static str,
        definition: &'static str,
        causes: &'static str,
        measure: impl Fn(&Run<P>) -> Tally + Send + Sync + 'static,
        judge: impl Fn(Tally) -> Verdict + Send + Sync + 'static,
    ) -> Property<P> {
        Property {
            name,
            definition,
            causes,
            check: Arc::new(|_| Verdict::Holds),
            over_seeds: Some(OverSeeds { measure: Arc::new(measure), judge: Arc::new(judge) }),
            safety: false,
        }
    }
}

/// The name of the property every scenario has first: the run reached its end.
pub const RUN_COMPLETES: &str = "the run completes";
/// The name of the property checked on the first seed: running it twice gives the same trace.
pub const REPLAYS_IDENTICALLY: &str = "the seed replays identically";

/// Builds a seed's plan.
pub type PlanFn<P> = Arc<dyn Fn(&mut Rng) -> Plan<P> + Send + Sync>;

/// One graded scenario.
pub struct Scenario<P: Protocol> {
    /// Its name: the test's name and the CLI's argument.
    pub name: &'static str,
    /// The lab part it grades ("A").
    pub part: &'static str,
    /// Points it is worth.
    pub points: u32,
    /// One line: what it checks.
    pub summary: &'static str,
    /// How many processes.
    pub nodes: usize,
    /// The network at the start.
    pub network: Network,
    /// The faults, in words, for the report header.
    pub faults: String,
    /// The workload, in words, for the report header.
    pub workload: String,
    /// How long each run lasts in virtual time.
    pub duration: Duration,
    /// Graded seeds are `1..=seeds`.
    pub seeds: u64,
    /// Draws a seed's faults, clocks and workload.
    pub plan: PlanFn<P>,
    /// Builds the processes.
    pub factory: Factory<P>,
    /// What every run must satisfy, after the two the harness adds.
    pub properties: Vec<Property<P>>,
    /// Runaway limits.
    pub budgets: Budgets,
    /// Names the target of picked faults (the current leader, say); `None` if none are used.
    pub picker: Option<crate::sim::Picker<P>>,
    /// Lines of outcome that the protocol determines (a fixed schedule's timestamps), shown in
    /// the report from the first seed; `None` for scenarios whose outcome varies.
    pub outcome: Option<OutcomeFn<P>>,
}

/// Describes a run's determined outcome, one report line per item.
pub type OutcomeFn<P> = Arc<dyn Fn(&Run<P>) -> Vec<String> + Send + Sync>;

impl<P: Protocol> fmt::Debug for Scenario<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scenario").field("name", &self.name).finish_non_exhaustive()
    }
}

impl<P: Protocol> Scenario<P> {
    /// The setup for one seed.
    pub fn setup(&self, seed: u64) -> Setup<P> {
        let mut rng = Rng::stream(seed, Purpose::Scenario, 0, 0);
        let plan = (self.plan)(&mut rng);
        Setup {
            nodes: self.nodes,
            network: self.network,
            faults: plan.faults,
            clocks: plan.clocks,
            duration: self.duration,
            factory: Arc::clone(&self.factory),
            workload: plan.workload,
            budgets: self.budgets,
            picker: self.picker.clone(),
        }
    }

    /// Runs one seed on this thread.
    pub fn run(&self, seed: u64) -> Run<P> {
        Simulation::new(seed, self.setup(seed)).run()
    }

    /// The report header: the scenario's parameters, nothing a correct implementation changes.
    pub fn header(&self, lab: &str) -> Vec<String> {
        vec![
            format!(
                "{lab} {} (part {}, {} points): {}",
                self.name, self.part, self.points, self.summary
            ),
            format!("  nodes:    {}", self.nodes),
            format!("  network:  {}", self.network),
            format!("  faults:   {}", self.faults),
            format!("  workload: {}", self.workload),
            format!("  duration: {} of virtual time per seed", self.duration),
        ]
    }
}

/// What the course needs of a scenario, whatever its protocol: a lab's parts may speak different
/// protocols (a client and a flaky server in one part, heartbeating peers in another), and one
/// registry holds them all.
pub trait Graded: Send + Sync {
    /// The scenario's name.
    fn name(&self) -> &'static str;
    /// Its part.
    fn part(&self) -> &'static str;
    /// Its points.
    fn points(&self) -> u32;
    /// What it checks, in one line.
    fn summary(&self) -> &'static str;
    /// How many graded seeds.
    fn graded_seeds(&self) -> u64;
    /// How many processes.
    fn node_count(&self) -> usize;
    /// The names of the properties it grades, in report order (the harness's two first).
    fn property_names(&self) -> Vec<&'static str>;
    /// Runs the seeds and reports.
    fn evaluate(&self, lab: &str, seeds: Vec<u64>) -> crate::report::Report;
    /// One seed's trace, filtered, as text, JSON lines or an HTML diagram; `around_violation`
    /// narrows the filter to the first violated property, if there is one.
    fn render_trace(&self, title: &str, seed: u64, view: &crate::trace::View) -> Rendered;
    /// Whether this is a search scenario (one exploration, no seeds).
    fn is_search(&self) -> bool {
        false
    }
    /// For a search scenario: explores it (to `depth` steps, or its own bound) and returns what
    /// the `search` command prints. `None` for a scenario of random runs.
    fn search(
        &self,
        depth: Option<u32>,
        strategy: crate::search::Strategy,
    ) -> Option<crate::search::Printed> {
        let _ = (depth, strategy);
        None
    }
}

/// A run's events, filtered, as text or JSON lines, or as an HTML diagram marking `violation`.
pub(crate) fn render_run<P: Protocol>(
    run: &Run<P>,
    filter: &crate::trace::Filter,
    format: crate::trace::Format,
    title: &str,
    violation: Option<(Time, &str)>,
) -> String {
    let line = |e| match format {
        crate::trace::Format::Json => run.trace.render_json(e),
        _ => run.trace.render_text(e),
    };
    match format {
        crate::trace::Format::Html => crate::diagram::render(run, filter, title, violation),
        _ => run
            .trace
            .events
            .iter()
            .filter(|e| filter.keeps(&run.trace, e))
            .map(|e| line(e) + "\n")
            .collect(),
    }
}

/// A rendered trace, and a note for the reader (such as "no property fails").
#[derive(Debug)]
pub struct Rendered {
    /// The text, JSON lines or HTML.
    pub text: String,
    /// Something to tell the user on the side.
    pub note: Option<String>,
}

impl<P: Protocol> Graded for Arc<Scenario<P>> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn part(&self) -> &'static str {
        self.part
    }

    fn points(&self) -> u32 {
        self.points
    }

    fn summary(&self) -> &'static str {
        self.summary
    }

    fn graded_seeds(&self) -> u64 {
        self.seeds
    }

    fn node_count(&self) -> usize {
        self.nodes
    }

    fn property_names(&self) -> Vec<&'static str> {
        [RUN_COMPLETES, REPLAYS_IDENTICALLY]
            .into_iter()
            .chain(self.properties.iter().map(|p| p.name))
            .collect()
    }

    fn evaluate(&self, lab: &str, seeds: Vec<u64>) -> crate::report::Report {
        crate::report::evaluate(lab, Arc::clone(self), seeds)
    }

    fn render_trace(&self, title: &str, seed: u64, view: &crate::trace::View) -> Rendered {
        let run = self.run(seed);
        let violation = crate::report::first_violation(&run, &self.properties);
        let mut filter = view.filter.clone();
        let mut note = None;
        if view.around_violation {
            match &violation {
                Some((at, _)) => {
                    let before =
                        Duration(self.duration.as_micros() / 10).max(Duration::from_millis(50));
                    let after =
                        Duration(self.duration.as_micros() / 50).max(Duration::from_millis(10));
                    filter.from = Some(Time(at.as_micros().saturating_sub(before.as_micros())));
                    filter.to = Some(*at + after);
                }
                None => {
                    note = Some(format!(
                        "no property fails on seed {seed} of {}, so the whole run is shown",
                        self.name
                    ))
                }
            }
        }
        let v = violation.as_ref().map(|(t, s)| (*t, s.as_str()));
        let text = render_run(&run, &filter, view.format, title, v);
        Rendered { text, note }
    }
}
