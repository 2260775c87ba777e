//! A lab as the harness sees it: its registry, its student files, and the grading entry point
//! that both `labs/labNN-*/tests/` and `solutions/labNN-*/tests/` call.

use crate::node::Protocol;
use crate::report::Report;
use crate::scenario::{Graded, RUN_COMPLETES, Scenario};
use std::sync::Arc;

/// A lab's registry and identity.
pub struct Lab {
    /// `lab00`.
    pub id: &'static str,
    /// `links`.
    pub topic: &'static str,
    /// The package whose code is being run (`lab00` or `lab00-solution`), for replay commands.
    pub package: &'static str,
    /// The files a student edits, relative to the repository root.
    pub student_files: &'static [&'static str],
    /// Where the reference snapshots live (an absolute path, from the lab crate).
    pub snapshots: &'static str,
    /// The scenarios, in rubric order (their protocols may differ from part to part).
    pub scenarios: Vec<Box<dyn Graded>>,
    /// A check that the lab this one builds on is finished, run before any scenario: `Err`
    /// holds the one sentence that says what to finish first.
    pub prerequisite: Option<fn() -> Result<(), String>>,
}

/// Scenarios of one protocol, ready for a [`Lab`]'s registry.
pub fn graded<P: Protocol>(scenarios: Vec<Arc<Scenario<P>>>) -> Vec<Box<dyn Graded>> {
    scenarios.into_iter().map(|s| Box::new(s) as Box<dyn Graded>).collect()
}

impl std::fmt::Debug for Lab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lab").field("id", &self.id).field("package", &self.package).finish()
    }
}

/// The environment variable that raises the number of seeds a student runs.
pub const SEEDS_VAR: &str = "COURSE_SEEDS";

impl Lab {
    /// The scenario with this name.
    pub fn scenario(&self, name: &str) -> Option<&dyn Graded> {
        self.scenarios.iter().find(|s| s.name() == name).map(|s| s.as_ref())
    }

    /// The names of every scenario, in rubric order.
    pub fn names(&self) -> Vec<&'static str> {
        self.scenarios.iter().map(|s| s.name()).collect()
    }

    /// The graded seeds of a scenario, raised to `COURSE_SEEDS` if that is set and larger.
    pub fn seeds_for(&self, scenario: &dyn Graded) -> Vec<u64> {
        let extra = extra_seeds().unwrap_or_else(|e| panic!("{e}"));
        (1..=scenario.graded_seeds().max(extra)).collect()
    }

    /// Runs a scenario on its graded seeds.
    pub fn evaluate(&self, name: &str) -> Report {
        let scenario = self.scenario(name).unwrap_or_else(|| {
            panic!("{} has no scenario {name:?}; it has: {}", self.id, self.names().join(", "))
        });
        scenario.evaluate(self.id, self.seeds_for(scenario))
    }

    /// What a student reads when a scenario fails, outside the snapshot: each failed property's
    /// meaning and usual causes, the first failing seed, and the commands that replay it.
    pub fn explain(&self, report: &Report) -> String {
        let mut out = format!("\n{} {} failed.\n", self.id, report.scenario);
        let unjudged = report.failures().filter(|p| p.failure.is_none()).count();
        // Earliest violation first: a safety property broken before a run stopped early comes
        // before the stop itself (whose failure has no time), then failures of the whole run.
        let mut failed: Vec<_> = report.failures().filter(|p| p.failure.is_some()).collect();
        failed.sort_by_key(|p| p.failure.as_ref().and_then(|f| f.at).map_or((1, 0), |t| (0, t.0)));
        for p in failed {
            out.push_str(&format!("\nFAIL  {}\n", p.name));
            out.push_str(&format!("  what it means:  {}\n", p.definition));
            out.push_str(&format!("  common causes:  {}\n", p.causes));
            let search = self.scenario(report.scenario).is_some_and(|s| s.is_search());
            if let (Some(f), true) = (&p.failure, search) {
                out.push_str(&format!("  evidence:       {}\n", f.evidence));
                out.push_str(&format!(
                    "  search it:      cargo run -p {} -- search {}\n",
                    self.package, report.scenario
                ));
                out.push_str(&format!(
                    "  draw it:        cargo run -p {} -- trace {} --format html --out {}.html\n",
                    self.package, report.scenario, report.scenario
                ));
            } else if let Some(f) = &p.failure {
                let at = f.at.map(|t| format!(" (at {t})")).unwrap_or_default();
                out.push_str(&format!("  first failing seed: {}{at}\n", f.seed));
                out.push_str(&format!("  evidence:       {}\n", f.evidence));
                out.push_str(&format!(
                    "  replay it:      cargo run -p {} -- run {} --seed {}\n",
                    self.package, report.scenario, f.seed
                ));
                out.push_str(&format!(
                    "  see its trace:  cargo run -p {} -- trace {} --seed {}\n",
                    self.package, report.scenario, f.seed
                ));
                out.push_str(&format!(
                    "  draw it:        cargo run -p {} -- trace {} --seed {} --format html \
                     --out {}-{}.html --around-violation\n",
                    self.package, report.scenario, f.seed, report.scenario, f.seed
                ));
            }
            if let Some(f) = p.failure.as_ref().filter(|_| p.name == RUN_COMPLETES) {
                if let Some(file) = self.student_files.iter().find(|f2| f.evidence.contains(*f2)) {
                    let todo = f.evidence.contains("not yet implemented");
                    out.push_str(&format!(
                        "  this is in {file}, your code{}\n",
                        if todo { ": replace the todo! there" } else { "" }
                    ));
                }
            }
        }
        if unjudged > 0 {
            out.push_str(&format!(
                "\n{unjudged} other properties could not be judged, because runs stopped early; \
                 fix the failure above first.\n"
            ));
        }
        out.push_str(&format!(
            "\nThe files you edit for {}: {}\n",
            self.id,
            self.student_files.join(", ")
        ));
        out
    }

    /// The grading test for one scenario: run it, explain any failure, compare with the
    /// reference snapshot.
    pub fn grade(&self, name: &str) {
        if let Err(sentence) = self.check_prerequisite() {
            eprintln!("{} {name}: {sentence}", self.id);
            std::panic::resume_unwind(Box::new(sentence));
        }
        let report = self.evaluate(name);
        let text = report.render();
        if !report.passed() {
            eprintln!("{}", self.explain(&report));
        }
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(self.snapshots);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        let compared = crate::panics::catch(|| {
            settings.bind(|| {
                insta::assert_snapshot!(name, text);
            })
        });
        if compared.is_err() {
            // insta has printed the diff. Fail the test with one sentence: resume_unwind skips
            // the panic hook, so no backtrace follows it even with RUST_BACKTRACE set.
            let sentence = format!(
                "{} {name}: the report differs from the reference {}/{name}.snap (diff above)",
                self.id, self.snapshots
            );
            eprintln!("{sentence}");
            std::panic::resume_unwind(Box::new(sentence));
        }
    }

    /// Whether the lab this one builds on is finished (always, for a lab that builds on none).
    pub fn check_prerequisite(&self) -> Result<(), String> {
        self.prerequisite.map_or(Ok(()), |check| check())
    }

    /// Checks that a test suite has one test per scenario, so none is forgotten.
    pub fn check_tests(&self, tests: &[&str]) {
        let names = self.names();
        let missing: Vec<_> = names.iter().filter(|n| !tests.contains(n)).collect();
        let extra: Vec<_> = tests.iter().filter(|t| !names.contains(t)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "the grading suite and the registry disagree: scenarios without a test: {missing:?}; \
             tests without a scenario: {extra:?}"
        );
    }
}

/// Declares one `#[test]` per scenario (the test names are the rubric), plus a test that the
/// list matches the registry.
///
/// ```text
/// harness::graded_tests!(lab00::lab::<lab00::Link>(env!("CARGO_PKG_NAME")); no_faults, loss_10);
/// ```
#[macro_export]
macro_rules! graded_tests {
    ($lab:expr; $($name:ident),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                $lab.grade(stringify!($name));
            }
        )+

        #[test]
        fn every_scenario_has_a_test() {
            $lab.check_tests(&[$(stringify!($name)),+]);
        }
    };
}

/// The environment variable that picks where in its legal range each timing constant sits.
pub const TIMING_VAR: &str = "COURSE_TIMING";

/// Which timing constants a run uses: the graded default, or an end of every legal range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimingChoice {
    /// The value graded by default.
    Default,
    /// The low end of every range.
    Min,
    /// The high end of every range.
    Max,
}

impl TimingChoice {
    /// The value this choice names, among a lab's default and the ends of its legal ranges.
    pub fn pick<T>(self, default: T, min: T, max: T) -> T {
        match self {
            TimingChoice::Default => default,
            TimingChoice::Min => min,
            TimingChoice::Max => max,
        }
    }
}

/// Reads `COURSE_TIMING` (`default`, `min` or `max`; unset means `default`). Panics with one
/// sentence on another value; the lab CLI checks the environment before it gets here.
pub fn timing_choice() -> TimingChoice {
    parse_timing().unwrap_or_else(|e| panic!("{e}"))
}

fn parse_timing() -> Result<TimingChoice, String> {
    match std::env::var(TIMING_VAR).as_deref() {
        Err(_) | Ok("") | Ok("default") => Ok(TimingChoice::Default),
        Ok("min") => Ok(TimingChoice::Min),
        Ok("max") => Ok(TimingChoice::Max),
        Ok(other) => Err(format!("{TIMING_VAR}={other:?} must be default, min or max")),
    }
}

/// Reads `COURSE_SEEDS`: how many seeds to run at least (0 when unset).
pub fn extra_seeds() -> Result<u64, String> {
    match std::env::var(SEEDS_VAR) {
        Err(_) => Ok(0),
        Ok(v) => v
            .trim()
            .parse::<u64>()
            .map_err(|_| format!("{SEEDS_VAR}={v:?} must be a whole number of seeds")),
    }
}

/// Checks the course's environment variables, for a one-sentence error before anything runs.
pub fn check_environment() -> Result<(), String> {
    parse_timing()?;
    extra_seeds()?;
    Ok(())
}
