//! Running a scenario over many seeds and reporting, per property, whether it held on all.
//!
//! Seeds run on a worker thread so that a handler that never returns cannot hang the test: the
//! calling thread watches the worker's progress and gives up on it after a wall-clock limit. That
//! limit is a safety net only; nothing is ever graded on wall-clock time.

use crate::node::Protocol;
use crate::scenario::{Property, REPLAYS_IDENTICALLY, RUN_COMPLETES, Scenario, Tally, Verdict};
use crate::sim::{Abort, Run, Simulation};
use crate::time::Time;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration as WallDuration;

/// The first failure of a property: which seed, when, and the evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// The seed that shows it.
    pub seed: u64,
    /// The virtual time of the violation, if it has one.
    pub at: Option<Time>,
    /// What went wrong.
    pub evidence: String,
}

/// One property's result over all the seeds that ran.
#[derive(Clone, Debug, Serialize)]
pub struct PropertyResult {
    /// The property's name.
    pub name: &'static str,
    /// What it says.
    #[serde(skip)]
    pub definition: &'static str,
    /// What usually breaks it.
    #[serde(skip)]
    pub causes: &'static str,
    /// The first failing seed, if any.
    pub failure: Option<Failure>,
    /// On how many seeds it failed (for a property judged over all seeds together: 1 if the
    /// sum failed, since no single seed did).
    pub failed_seeds: u64,
    /// On how many seeds it could not be judged because the run stopped early.
    pub unjudged_seeds: u64,
    /// For a property judged over all seeds: the sum of the seeds' tallies so far.
    #[serde(skip)]
    pub tally: Option<Tally>,
    /// For a property judged over all seeds: the first seed whose own tally fails.
    #[serde(skip)]
    pub first_over: Option<u64>,
}

impl PropertyResult {
    pub(crate) fn new(name: &'static str, definition: &'static str, causes: &'static str) -> Self {
        PropertyResult {
            name,
            definition,
            causes,
            failure: None,
            failed_seeds: 0,
            unjudged_seeds: 0,
            tally: None,
            first_over: None,
        }
    }

    fn record(&mut self, seed: u64, verdict: Verdict) {
        if let Verdict::Fails { at, evidence } = verdict {
            self.failed_seeds += 1;
            if self.failure.is_none() {
                self.failure = Some(Failure { seed, at, evidence });
            }
        }
    }

    /// Whether it held on every seed that ran to its end, and no seed went unjudged.
    pub fn passed(&self) -> bool {
        self.failed_seeds == 0 && self.unjudged_seeds == 0
    }

    /// The report line: the same for every correct implementation.
    pub fn line(&self) -> String {
        match &self.failure {
            None if self.unjudged_seeds == 0 => format!("  ok    {}", self.name),
            None => format!("  --    {}: not judged (the run stopped early)", self.name),
            Some(f) => {
                let at = f.at.map(|t| format!(" at {t}")).unwrap_or_default();
                format!("  FAIL  {}: seed {}{at}: {}", self.name, f.seed, f.evidence)
            }
        }
    }
}

/// A scenario's report over its seeds.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The lab.
    pub lab: String,
    /// The scenario.
    pub scenario: &'static str,
    /// Its part.
    pub part: &'static str,
    /// Its points.
    pub points: u32,
    /// The header lines.
    #[serde(skip)]
    pub header: Vec<String>,
    /// How many seeds ran (never part of the rendered report).
    pub seeds_run: u64,
    /// Per property, in order; the first two are the harness's own.
    pub properties: Vec<PropertyResult>,
    /// The outcome lines of the first seed, for scenarios whose outcome the protocol determines.
    pub outcome: Vec<String>,
}

impl Report {
    /// Whether every property held on every seed.
    pub fn passed(&self) -> bool {
        self.properties.iter().all(PropertyResult::passed)
    }

    /// The properties that did not hold.
    pub fn failures(&self) -> impl Iterator<Item = &PropertyResult> {
        self.properties.iter().filter(|p| !p.passed())
    }

    /// The report as text: header, then one line per property. Contains nothing a correct
    /// implementation may change (no timings, no seed counts), so it can be a snapshot.
    pub fn render(&self) -> String {
        let mut out = self.header.join("\n");
        out.push_str("\nproperties:\n");
        for p in &self.properties {
            out.push_str(&p.line());
            out.push('\n');
        }
        if !self.outcome.is_empty() {
            out.push_str("outcome:\n");
            for line in &self.outcome {
                out.push_str(&format!("  {line}\n"));
            }
        }
        out
    }
}

/// What the worker thread sends back.
enum Message {
    Judged {
        seed: u64,
        aborted: Option<Abort>,
        verdicts: Vec<Option<Verdict>>,
        tallies: Vec<Option<Tally>>,
        outcome: Vec<String>,
    },
    Replay(Verdict),
}

/// Judges one run against every property (none, if it stopped early).
pub fn judge<P: Protocol>(run: &Run<P>, properties: &[Property<P>]) -> Vec<Verdict> {
    if run.aborted.is_some() {
        return Vec::new();
    }
    // A check may call student code (a comparison function): its panic is a failed property.
    properties
        .iter()
        .map(|p| {
            crate::panics::catch(|| (p.check)(run)).unwrap_or_else(|caught| {
                Verdict::fails(format!(
                    "panicked at {} while checking: {}",
                    caught.location, caught.message
                ))
            })
        })
        .collect()
}

/// What can be said of each property on one run: every verdict for a run that reached its end;
/// for a run that stopped early, the safety properties it violated before it stopped (a
/// violation in a prefix is one in the run), and `None` (not judged) for the rest, including a
/// safety property that held so far or whose check could not cope with the cut-off run.
pub fn judge_what_ran<P: Protocol>(
    run: &Run<P>,
    properties: &[Property<P>],
) -> Vec<Option<Verdict>> {
    if run.aborted.is_none() {
        return judge(run, properties).into_iter().map(Some).collect();
    }
    properties
        .iter()
        .map(|p| {
            if !p.safety {
                return None;
            }
            match crate::panics::catch(|| (p.check)(run)) {
                Ok(v @ Verdict::Fails { .. }) => Some(v),
                _ => None,
            }
        })
        .collect()
}

/// Measures one run for every property judged over all seeds (`None` for the others, and for
/// every property if the run stopped early). A measurement that panics counts as nothing.
pub fn measure<P: Protocol>(run: &Run<P>, properties: &[Property<P>]) -> Vec<Option<Tally>> {
    properties
        .iter()
        .map(|p| match &p.over_seeds {
            Some(o) if run.aborted.is_none() => {
                Some(crate::panics::catch(|| (o.measure)(run)).unwrap_or_default())
            }
            _ => None,
        })
        .collect()
}

/// The run's first violated property: when, and what failed. A run that stopped early violated
/// "the run completes" at its end.
pub fn first_violation<P: Protocol>(
    run: &Run<P>,
    properties: &[Property<P>],
) -> Option<(Time, String)> {
    // A run that stopped early: a safety violation before the stop comes first.
    let stopped = run.aborted.as_ref().map(|why| (run.end, format!("{RUN_COMPLETES}: {why}")));
    properties
        .iter()
        .zip(judge_what_ran(run, properties))
        .filter_map(|(p, v)| match v? {
            Verdict::Holds => None,
            Verdict::Fails { at, evidence } => {
                Some((at.unwrap_or(run.end), format!("{}: {evidence}", p.name)))
            }
        })
        .chain(stopped)
        .min_by_key(|(at, _)| *at)
}

/// A run's trace as text lines: what two runs of one seed are compared by.
fn trace_lines<P: Protocol>(run: &Run<P>) -> Vec<String> {
    run.trace.events.iter().map(|e| run.trace.render_text(e)).collect()
}

/// Runs `seed` once more and compares its trace, event by event, with `first`, the lines of
/// the run already made.
pub fn replay_check<P: Protocol>(scenario: &Scenario<P>, seed: u64, first: &[String]) -> Verdict {
    let (ra, rb) = (first, trace_lines(&scenario.run(seed)));
    let first = ra.iter().zip(&rb).position(|(x, y)| x != y);
    match first {
        None if ra.len() == rb.len() => Verdict::Holds,
        _ => {
            let i = first.unwrap_or(ra.len().min(rb.len()));
            let show = |r: &[String]| {
                r.get(i).map_or("(the trace ended)".to_string(), |s| s.trim().to_string())
            };
            Verdict::fails(format!(
                "the two runs diverge at event {i}: first `{}`, then `{}`. A node depends on \
                 something besides its inputs: iterating a HashMap or HashSet, a static, the \
                 wall clock, a thread, or a global random generator",
                show(ra),
                show(&rb)
            ))
        }
    }
}

/// Runs a scenario on `seeds` and reports. The first seed runs once more to prove determinism.
#[allow(clippy::disallowed_methods)] // the watchdog measures real time, by design
pub fn evaluate<P: Protocol>(lab: &str, scenario: Arc<Scenario<P>>, seeds: Vec<u64>) -> Report {
    let first_seed = seeds.first().copied().unwrap_or(1);
    let seed_at = {
        let seeds = seeds.clone();
        move |i: u64| seeds.get(i as usize).copied().unwrap_or(first_seed)
    };
    let progress = Arc::new(AtomicU64::new(0));
    let (tx, rx) = mpsc::channel();
    let worker = {
        let scenario = Arc::clone(&scenario);
        let progress = Arc::clone(&progress);
        std::thread::Builder::new()
            .name(format!("scenario {}", scenario.name))
            .spawn(move || {
                let mut first_lines = None;
                for seed in seeds {
                    let mut sim = Simulation::new(seed, scenario.setup(seed));
                    sim.watch(Arc::clone(&progress));
                    let run = sim.run();
                    if seed == first_seed && first_lines.is_none() {
                        first_lines = Some(trace_lines(&run));
                    }
                    let verdicts = judge_what_ran(&run, &scenario.properties);
                    let tallies = measure(&run, &scenario.properties);
                    let aborted = run.aborted.clone();
                    let outcome = match &scenario.outcome {
                        // It may call student code (a comparison): a panic is shown, not fatal.
                        Some(describe) if seed == first_seed && aborted.is_none() => {
                            crate::panics::catch(|| describe(&run)).unwrap_or_else(|caught| {
                                vec![format!(
                                    "(no outcome: panicked at {}: {})",
                                    caught.location, caught.message
                                )]
                            })
                        }
                        _ => Vec::new(),
                    };
                    drop(run);
                    let judged = Message::Judged { seed, aborted, verdicts, tallies, outcome };
                    if tx.send(judged).is_err() {
                        return;
                    }
                }
                let first = first_lines.unwrap_or_else(|| trace_lines(&scenario.run(first_seed)));
                let _ = tx.send(Message::Replay(replay_check(&scenario, first_seed, &first)));
            })
            .expect("the OS can start a thread")
    };

    let mut completes = PropertyResult::new(
        RUN_COMPLETES,
        "Every run reaches its end: no handler panics, no node exhausts the event budget, virtual \
         time keeps advancing, and every handler returns.",
        "a todo! not yet replaced; an unwrap() on a missing value; indexing past the end of a \
         Vec; a timer re-armed with a zero delay; a loop that never exits.",
    );
    let mut replays = PropertyResult::new(
        REPLAYS_IDENTICALLY,
        "Running the same seed twice produces the same trace, event for event.",
        "HashMap or HashSet iteration order reaching a message; std::time or SystemTime; \
         thread_rng(); statics that keep state between runs; threads.",
    );
    let mut props: Vec<PropertyResult> = scenario
        .properties
        .iter()
        .map(|p| PropertyResult::new(p.name, p.definition, p.causes))
        .collect();
    let mut seeds_run = 0;
    let mut outcome = Vec::new();
    let mut last_progress = (progress.load(Ordering::Relaxed), std::time::Instant::now());
    let mut finished = false;
    while !finished {
        match rx.recv_timeout(WallDuration::from_millis(50)) {
            Ok(Message::Judged { seed, aborted, verdicts, tallies, outcome: lines }) => {
                seeds_run += 1;
                if seed == first_seed {
                    outcome = lines;
                }
                match aborted {
                    Some(why) => {
                        completes.record(seed, Verdict::fails(why.to_string()));
                        for (p, v) in props.iter_mut().zip(verdicts) {
                            match v {
                                Some(v) => p.record(seed, v),
                                None => p.unjudged_seeds += 1,
                            }
                        }
                    }
                    None => {
                        for (p, v) in props.iter_mut().zip(verdicts.into_iter().flatten()) {
                            p.record(seed, v);
                        }
                        for ((p, t), property) in
                            props.iter_mut().zip(tallies).zip(&scenario.properties)
                        {
                            if let (Some(t), Some(o)) = (t, &property.over_seeds) {
                                *p.tally.get_or_insert_with(Tally::default) += t;
                                if p.first_over.is_none() && !(o.judge)(t).holds() {
                                    p.first_over = Some(seed);
                                }
                            }
                        }
                    }
                }
            }
            Ok(Message::Replay(verdict)) => {
                replays.record(first_seed, verdict);
                finished = true;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // The worker ended without a replay verdict: it panicked inside the harness.
                completes.record(
                    seed_at(seeds_run),
                    Verdict::fails("the harness itself failed on this seed; please report it"),
                );
                finished = true;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let now = progress.load(Ordering::Relaxed);
                if now != last_progress.0 {
                    last_progress = (now, std::time::Instant::now());
                } else if last_progress.1.elapsed() > scenario.budgets.watchdog {
                    completes.record(
                        seed_at(seeds_run),
                        Verdict::fails(format!(
                            "a handler has not returned after {:?} of wall-clock time: a loop \
                             that never exits",
                            scenario.budgets.watchdog
                        )),
                    );
                    replays.unjudged_seeds += 1;
                    for p in &mut props {
                        p.unjudged_seeds += 1;
                    }
                    // The stuck thread cannot be stopped; it is abandoned and dies with the
                    // process.
                    finished = true;
                }
            }
        }
    }
    if worker.is_finished() {
        let _ = worker.join();
    }
    // Properties judged over all seeds get their one verdict now, on the sum of every seed.
    for (p, property) in props.iter_mut().zip(&scenario.properties) {
        if let (Some(total), Some(o), 0) = (p.tally, &property.over_seeds, p.unjudged_seeds) {
            if let Verdict::Fails { at, evidence } = (o.judge)(total) {
                p.failed_seeds = 1;
                p.failure =
                    Some(Failure { seed: p.first_over.unwrap_or(first_seed), at, evidence });
            }
        }
    }
    let mut properties = vec![completes, replays];
    properties.extend(props);
    Report {
        lab: lab.to_string(),
        scenario: scenario.name,
        part: scenario.part,
        points: scenario.points,
        header: scenario.header(lab),
        seeds_run,
        properties,
        outcome,
    }
}
