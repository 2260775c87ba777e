//! Consistency checkers for client histories: linearizability and sequential consistency.
//!
//! A history is *linearizable* (Herlihy and Wing, 1990) when its operations can be put in one
//! order that (1) the object's sequential [`Model`] accepts, answer for answer, and (2) respects
//! real time: an operation that completed before another was invoked comes first. It is
//! *sequentially consistent* (Lamport, 1979) when such an order exists that respects only each
//! client's own order. Operations that `fail` did not take effect and are left out; operations
//! with an unknown (`info`) outcome may take effect at any point after their invocation, or
//! never.
//!
//! The linearizability search is Wing and Gong's (1993) as refined by Lowe (2017), with Horn and
//! Kroening's (FORTE 2015) memo of (linearized set, state) pairs; when the model is
//! P-compositional (the key-value map: keys are independent) each key's sub-history is checked
//! on its own, which Horn and Kroening show is equivalent. Sequential consistency is not
//! compositional, so it is always checked whole.
//!
//! A search that exceeds its step budget, its memory or its time answers [`Answer::Unknown`].
//! Grading treats that as a failure, never as a pass.
//!
//! Beyond the papers: operations of unknown outcome are what makes these searches exponential
//! (each may take effect anywhere after its invocation, or never). The memo prunes a
//! configuration that placed a superset of the unknown operations another one placed with the
//! same definite operations and state, and the search tries unknown operations only after every
//! definite one, so configurations are reached first with as few of them as possible. On
//! generated four-client register histories this cuts the search by orders of magnitude (see
//! the `linearizability` bench).
//!
//! References:
//! - M. Herlihy and J. Wing, "Linearizability: a correctness condition for concurrent objects",
//!   ACM TOPLAS 12(3), 1990.
//! - J. Wing and C. Gong, "Testing and verifying concurrent objects", JPDC 17(1-2), 1993.
//! - G. Lowe, "Testing for linearizability", Concurrency and Computation: Practice and
//!   Experience 29(4), 2017.
//! - A. Horn and D. Kroening, "Faster linearizability checking via P-compositionality",
//!   FORTE 2015.
//! - L. Lamport, "How to make a multiprocessor computer that correctly executes multiprocess
//!   programs", IEEE Transactions on Computers C-28(9), 1979.
//! - P. Gibbons and E. Korach, "Testing shared memories", SIAM Journal on Computing 26(4), 1997.

mod evidence;
pub mod generate;
pub mod html;
mod kv;
mod memo;
mod model;
mod register;
mod search;

pub use evidence::Violation;
pub use kv::{Kv, KvOp, KvRet, KvState};
pub use memo::{FastBuild, FastHasher, LookupMap};
pub use model::Model;
pub use register::{CasOp, CasRegister, CasRet, Register, RegisterOp, RegisterRet};

use crate::history::{History, Outcome};
use crate::node::Protocol;
use crate::scenario::{Property, Verdict};
use crate::sim::Run;
use search::{Linearizer, Pending, Progress, Search, Sequentializer};
use std::collections::BTreeMap;
use std::fmt;

/// Which guarantee a history is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guarantee {
    /// One order consistent with the model and with real time.
    Linearizability,
    /// One order consistent with the model and with each client's own order.
    SequentialConsistency,
}

impl Guarantee {
    /// "linearizable" or "sequentially consistent".
    pub fn adjective(self) -> &'static str {
        match self {
            Guarantee::Linearizability => "linearizable",
            Guarantee::SequentialConsistency => "sequentially consistent",
        }
    }
}

/// How hard to look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Check each independent part (key) on its own when the model allows it. Always sound; off
    /// only to measure the search on a whole history.
    pub split: bool,
    /// The most model steps the whole check may take (all parts together) before the answer is
    /// unknown. Deterministic, so grading bounds its checks this way.
    pub budget: u64,
    /// The most memory the searches' memos may hold, in bytes.
    pub memory: usize,
    /// The most wall-clock time the check may take. For people at a command line only: a check
    /// bounded by time can answer differently on a slower machine, so grading never sets it.
    pub time: Option<std::time::Duration>,
}

/// Enough for every history a graded scenario produces, and every Jepsen history shipped with
/// the course (the hardest, c10-ok checked whole, takes under two million steps), with room to
/// spare: a second or two at most.
pub const DEFAULT_BUDGET: u64 = 10_000_000;

/// The memos' memory limit: a gigabyte.
pub const DEFAULT_MEMORY: usize = 1 << 30;

impl Default for Options {
    fn default() -> Self {
        Options { split: true, budget: DEFAULT_BUDGET, memory: DEFAULT_MEMORY, time: None }
    }
}

/// Which limit a check reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// The step budget, in model steps.
    Steps(u64),
    /// The memory limit, in bytes.
    Memory(usize),
    /// The time limit.
    Time(std::time::Duration),
}

/// Why a check gave up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exhausted {
    /// The guarantee being checked.
    pub guarantee: Guarantee,
    /// The part (key) left undecided, if the history was split and only one was.
    pub part: Option<String>,
    /// The limit it reached.
    pub limit: Limit,
}

impl Exhausted {
    /// The limit reached, in a few words: `the step budget (10 steps)`.
    pub fn limit_reached(&self) -> String {
        match self.limit {
            Limit::Steps(n) => format!("the step budget of {n} ran out"),
            Limit::Memory(bytes) => format!("the memory limit of {} MB was reached", bytes >> 20),
            Limit::Time(t) => format!("the time limit of {} s ran out", t.as_secs_f64()),
        }
    }
}

impl fmt::Display for Exhausted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let checker = match self.guarantee {
            Guarantee::Linearizability => "linearizability",
            Guarantee::SequentialConsistency => "sequential consistency",
        };
        match self.limit {
            Limit::Steps(n) => write!(
                f,
                "the {checker} checker gave up after {n} step{}",
                if n == 1 { "" } else { "s" }
            )?,
            Limit::Memory(bytes) => {
                write!(f, "the {checker} checker gave up when its memo reached {} MB", bytes >> 20)?
            }
            Limit::Time(t) => {
                write!(f, "the {checker} checker gave up after {:.1} s", t.as_secs_f64())?
            }
        }
        if let Some(p) = &self.part {
            write!(f, " on key {p:?}")?;
        }
        write!(f, "; an unknown answer never passes")
    }
}

/// A checker's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The guarantee holds: an order exists.
    Holds,
    /// It does not: the evidence.
    Violated(Box<Violation>),
    /// The budget ran out before an answer; in grading this is a failure.
    Unknown(Exhausted),
}

impl Answer {
    /// Whether the guarantee was shown to hold.
    pub fn holds(&self) -> bool {
        matches!(self, Answer::Holds)
    }

    /// The answer as a grading verdict: an unknown answer fails, with a sentence that says so.
    pub fn verdict<M: Model>(&self, model: &M, history: &History<M::Input, M::Output>) -> Verdict {
        match self {
            Answer::Holds => Verdict::Holds,
            Answer::Violated(v) => match v.deadline(history) {
                Some(at) => Verdict::fails_at(at, v.summary(model, history)),
                None => Verdict::fails(v.summary(model, history)),
            },
            Answer::Unknown(e) => Verdict::fails(e.to_string()),
        }
    }
}

/// The operations a search judges: `fail`s are left out (they did not take effect), and so are
/// unknown reads (they change nothing and constrain nothing).
fn pending<'h, M: Model>(
    model: &M,
    history: &'h History<M::Input, M::Output>,
) -> Vec<Pending<'h, M::Input, M::Output>> {
    let mut out = Vec::with_capacity(history.ops.len());
    for (index, op) in history.ops.iter().enumerate() {
        let (output, ret) = match &op.outcome {
            // A completion recorded before its invocation (a hand-made history) counts as at it.
            Outcome::Ok(t, o) => (Some(o), Some((*t).max(op.invoked))),
            Outcome::Fail(_) => continue,
            Outcome::Info(_) if model.is_read_only(&op.input) => continue,
            Outcome::Info(_) => (None, None),
        };
        out.push(Pending {
            index,
            process: op.process,
            input: &op.input,
            output,
            call: op.invoked,
            ret,
        });
    }
    // The searches want invocation order; a history is kept in it, a hand-made one may not be.
    out.sort_by_key(|p| p.call);
    out
}

/// The parts to check: one per key when `split` is on and every operation names its key, else
/// the whole history.
/// The operations of one part of a history, and its key if the history was split.
type Part<'h, M> = (Option<String>, Ops<'h, M>);
/// Operations as the searches see them.
type Ops<'h, M> = Vec<Pending<'h, <M as Model>::Input, <M as Model>::Output>>;

fn parts<'h, M: Model>(model: &M, ops: Ops<'h, M>, split: bool) -> Vec<Part<'h, M>> {
    if split {
        let keys: Option<Vec<String>> = ops.iter().map(|o| model.partition(o.input)).collect();
        if let Some(keys) = keys {
            let mut by_key: BTreeMap<String, Ops<'h, M>> = BTreeMap::new();
            for (o, k) in ops.into_iter().zip(keys) {
                by_key.entry(k).or_default().push(o);
            }
            return by_key.into_iter().map(|(k, v)| (Some(k), v)).collect();
        }
    }
    vec![(None, ops)]
}

/// The evidence of a search that found no order.
fn violation<M: Model>(
    model: &mut M,
    guarantee: Guarantee,
    part: Option<String>,
    ops: &[Pending<'_, M::Input, M::Output>],
    prefix: &[u32],
    state: &M::State,
) -> Violation {
    let candidates = match guarantee {
        Guarantee::Linearizability => search::linearization_candidates(ops, prefix),
        Guarantee::SequentialConsistency => search::sequential_candidates(ops, prefix),
    };
    // At the deepest point every candidate was tried and refused by the model; keep only those
    // the model refuses, so the evidence can never blame an operation that fits.
    let stuck: Vec<usize> = candidates
        .into_iter()
        .filter(|&c| model.step(state, ops[c].input, ops[c].output).is_none())
        .map(|c| ops[c].index)
        .collect();
    Violation {
        guarantee,
        part,
        ops: ops.iter().map(|o| o.index).collect(),
        prefix: prefix.iter().map(|&p| ops[p as usize].index).collect(),
        state: model.describe_state(state),
        stuck,
    }
}

/// Where one part's check stands.
enum Phase<'o, 'h, M: Model> {
    Linearize(Linearizer<'o, 'h, M>),
    Sequentialize(Sequentializer<'o, 'h, M>),
}

/// The check of one part (key) of a history.
struct Job<'o, 'h, M: Model> {
    guarantee: Guarantee,
    part: Option<String>,
    ops: &'o [Pending<'h, M::Input, M::Output>],
    lin_cap: u64,
    phase: Phase<'o, 'h, M>,
}

/// What a slice of a job's search came to.
enum Turn {
    Paused,
    Holds,
    Violated(Box<Violation>),
}

impl<'o, 'h, M: Model> Job<'o, 'h, M> {
    /// `lin_cap` bounds the linearization phase of a sequential-consistency check, so the
    /// search without real time gets the rest of the budget.
    fn new(
        model: &mut M,
        guarantee: Guarantee,
        part: Option<String>,
        ops: &'o [Pending<'h, M::Input, M::Output>],
        lin_cap: u64,
    ) -> Self {
        // Sequential consistency looks for a linearization first: one is a sequential order
        // too, and real time prunes hard. The unconstrained search (NP-complete in general:
        // Gibbons and Korach, 1997) runs only when there is none.
        Job { guarantee, part, ops, lin_cap, phase: Phase::Linearize(Linearizer::new(model, ops)) }
    }

    fn violated(&self, model: &mut M, prefix: &[u32], state: &M::State) -> Turn {
        Turn::Violated(Box::new(violation(
            model,
            self.guarantee,
            self.part.clone(),
            self.ops,
            prefix,
            state,
        )))
    }

    /// The bytes its search's memo holds.
    fn memory(&self) -> usize {
        match &self.phase {
            Phase::Linearize(search) => search.memory(),
            Phase::Sequentialize(search) => search.memory(),
        }
    }

    /// Runs at most `slice` more steps; returns what came of them and how many were taken.
    fn turn(&mut self, model: &mut M, slice: u64) -> (Turn, u64) {
        let sequential = self.guarantee == Guarantee::SequentialConsistency;
        match &mut self.phase {
            Phase::Linearize(search) => {
                let before = search.steps;
                let limit =
                    if sequential { (before + slice).min(self.lin_cap) } else { before + slice };
                let progress = search.run(model, limit);
                let used = search.steps - before;
                let turn = match progress {
                    Progress::Done(Search::Found) => Turn::Holds,
                    Progress::Done(Search::Stuck { prefix, state }) if !sequential => {
                        self.violated(model, &prefix, &state)
                    }
                    Progress::Paused if !sequential || limit < self.lin_cap => Turn::Paused,
                    // No linearization (or none found within its share): search without real
                    // time.
                    _ => {
                        self.phase = Phase::Sequentialize(Sequentializer::new(model, self.ops));
                        Turn::Paused
                    }
                };
                (turn, used)
            }
            Phase::Sequentialize(search) => {
                let before = search.steps;
                let progress = search.run(model, before + slice);
                let used = search.steps - before;
                let turn = match progress {
                    Progress::Done(Search::Found) => Turn::Holds,
                    Progress::Paused => Turn::Paused,
                    Progress::Done(Search::Stuck { prefix, state }) => {
                        self.violated(model, &prefix, &state)
                    }
                };
                (turn, used)
            }
        }
    }
}

/// How many steps a part searches before the next part takes its turn.
const SLICE: u64 = 2_000;

#[allow(clippy::disallowed_methods)] // `Options::time`, a person's limit, reads the clock
fn check<M: Model>(
    model: &mut M,
    history: &History<M::Input, M::Output>,
    guarantee: Guarantee,
    options: &Options,
) -> Answer {
    let started = options.time.map(|_| std::time::Instant::now());
    let ops = pending(model, history);
    let split = options.split && guarantee == Guarantee::Linearizability;
    let parts = parts(model, ops, split);
    // The parts take turns, a slice of steps each, and the first violation found in any part
    // ends the check: one part may be hard to refute while another fails at once. The turns are
    // a fixed rotation, so the answer and its evidence are the same on every run. The limits
    // are for the whole check.
    let lin_cap = options.budget / 2;
    let mut jobs: Vec<Job<'_, '_, M>> = parts
        .iter()
        .map(|(part, ops)| Job::new(model, guarantee, part.clone(), ops, lin_cap))
        .collect();
    let mut spent = 0u64;
    // The memos' bytes, kept up to date slice by slice rather than summed over every job.
    let mut memory: usize = jobs.iter().map(Job::memory).sum();
    while !jobs.is_empty() {
        let mut i = 0;
        while i < jobs.len() {
            let slice = SLICE.min(options.budget - spent);
            let limit = if slice == 0 {
                Some(Limit::Steps(options.budget))
            } else if memory > options.memory {
                Some(Limit::Memory(options.memory))
            } else {
                options.time.filter(|&t| started.is_some_and(|s| s.elapsed() > t)).map(Limit::Time)
            };
            if let Some(limit) = limit {
                // Name the part only if it is the one left undecided.
                let part = if jobs.len() == 1 { jobs[0].part.clone() } else { None };
                return Answer::Unknown(Exhausted { guarantee, part, limit });
            }
            let before = jobs[i].memory();
            let (turn, used) = jobs[i].turn(model, slice);
            spent += used;
            // A job whose search moved on to sequential consistency starts a new memo.
            memory = memory + jobs[i].memory() - before;
            match turn {
                Turn::Paused => i += 1,
                Turn::Holds => {
                    memory -= jobs.remove(i).memory();
                }
                Turn::Violated(v) => return Answer::Violated(v),
            }
        }
    }
    Answer::Holds
}

/// Whether `history` is linearizable for `model`. With `options.split`, a P-compositional
/// model's history is checked key by key; the first violating key (in key order) is the evidence.
pub fn check_linearizable<M: Model>(
    model: &mut M,
    history: &History<M::Input, M::Output>,
    options: &Options,
) -> Answer {
    check(model, history, Guarantee::Linearizability, options)
}

/// Whether `history` is sequentially consistent for `model`: one order accepted by the model
/// that keeps each client's operations in the order the client issued them. Checked whole: it is
/// not a local property, so per-key checks could pass a history that is not.
pub fn check_sequential<M: Model>(
    model: &mut M,
    history: &History<M::Input, M::Output>,
    options: &Options,
) -> Answer {
    check(model, history, Guarantee::SequentialConsistency, options)
}

fn property<P, M>(
    guarantee: Guarantee,
    model: M,
    to_history: impl Fn(&Run<P>) -> History<M::Input, M::Output> + Send + Sync + 'static,
) -> Property<P>
where
    P: Protocol,
    M: Model + Clone + Send + Sync + 'static,
{
    let (name, definition) = match guarantee {
        Guarantee::Linearizability => (
            "the client history is linearizable",
            "Every completed operation must appear to take effect at one instant between its \
             invocation and its reply, in one order that a single copy of the object would \
             produce. An operation whose outcome is unknown may take effect or not.",
        ),
        Guarantee::SequentialConsistency => (
            "the client history is sequentially consistent",
            "The operations must fit one order that a single copy of the object would produce, \
             keeping each client's operations in the order it issued them.",
        ),
    };
    Property::new(
        name,
        definition,
        "a read served by a replica that is behind; a reply sent before the operation is \
         committed; a retried request applied twice.",
        move |run| {
            let history = to_history(run);
            let mut m = model.clone();
            let answer = check(&mut m, &history, guarantee, &Options::default());
            answer.verdict(&m, &history)
        },
    )
}

/// A grading property: the run's client history is linearizable for `model`.
pub fn linearizable<P, M>(
    model: M,
    to_history: impl Fn(&Run<P>) -> History<M::Input, M::Output> + Send + Sync + 'static,
) -> Property<P>
where
    P: Protocol,
    M: Model + Clone + Send + Sync + 'static,
{
    property(Guarantee::Linearizability, model, to_history)
}

/// A grading property: the run's client history is sequentially consistent for `model`.
pub fn sequentially_consistent<P, M>(
    model: M,
    to_history: impl Fn(&Run<P>) -> History<M::Input, M::Output> + Send + Sync + 'static,
) -> Property<P>
where
    P: Protocol,
    M: Model + Clone + Send + Sync + 'static,
{
    property(Guarantee::SequentialConsistency, model, to_history)
}
