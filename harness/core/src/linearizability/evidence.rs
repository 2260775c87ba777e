//! The evidence of a violation, in words a student can act on.
//!
//! A search that fails still went somewhere: the deepest point it reached is a prefix of the
//! history that does fit the model, and after it every operation that could come next is refused.
//! The evidence is that prefix, the state it leaves, and those operations (with their clients,
//! times and values).

use super::Guarantee;
use super::model::Model;
use crate::history::{History, Operation, Outcome};
use crate::time::Time;

/// Why a history is not linearizable (or not sequentially consistent). Operations are indices
/// into the history's [`History::ops`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The guarantee that fails.
    pub guarantee: Guarantee,
    /// The independent part (key) whose sub-history fails, if the history was split.
    pub part: Option<String>,
    /// The operations judged in that part (completed and unknown ones; failed operations and
    /// unknown reads are left out of every search).
    pub ops: Vec<usize>,
    /// The longest prefix found that fits the model, in the order it fits.
    pub prefix: Vec<usize>,
    /// The model's state after the prefix, described.
    pub state: String,
    /// The operations that could come next but cannot take effect after the prefix. For
    /// linearizability the first is the one whose reply came earliest: it had to be next.
    pub stuck: Vec<usize>,
}

/// One operation as a student reads it: `process 3 read -> 4 (lines 57-60)`, or with its end:
/// `(lines 81-85, outcome unknown)`, `(from line 81, never answered)`, `(lines 9-12, failed)`.
pub(crate) fn describe_op<M: Model>(
    model: &M,
    history: &History<M::Input, M::Output>,
    op: &Operation<M::Input, M::Output>,
) -> String {
    let what = model.describe(&op.input, op.outcome.output());
    let span = |end| history.timeline.span(op.invoked, end);
    let when = match op.outcome {
        Outcome::Ok(t, _) => span(Some(t)),
        Outcome::Fail(t) => format!("{}, failed", span(Some(t))),
        Outcome::Info(Some(t)) => format!("{}, outcome unknown", span(Some(t))),
        Outcome::Info(None) => format!("{}, never answered", span(None)),
    };
    format!("process {} {what} ({when})", op.process)
}

/// "1 operation", "3 operations".
fn operations(n: usize) -> String {
    if n == 1 { "1 operation".into() } else { format!("{n} operations") }
}

impl Violation {
    /// When a linearizability violation became certain: the completion of the operation that
    /// had to come next. Sequential consistency ignores real time, so its violations have none.
    pub fn deadline<I, O>(&self, history: &History<I, O>) -> Option<Time> {
        if self.guarantee != Guarantee::Linearizability {
            return None;
        }
        self.stuck.first().and_then(|&i| history.ops[i].completed())
    }

    fn where_(&self) -> String {
        match &self.part {
            Some(k) => format!("on key {k:?}, "),
            None => String::new(),
        }
    }

    /// The evidence in one line (the command line's and the report's).
    pub fn summary<M: Model>(&self, model: &M, history: &History<M::Input, M::Output>) -> String {
        let start = if self.prefix.is_empty() {
            format!("{}from the start, where {}", self.where_(), self.state)
        } else {
            format!(
                "{}after the longest {} prefix found ({}), where {}",
                self.where_(),
                self.guarantee.adjective(),
                operations(self.prefix.len()),
                self.state
            )
        };
        let Some((&first, others)) = self.stuck.split_first() else {
            return format!("{start}, no remaining operation fits");
        };
        let mut s = format!(
            "{start}, {} cannot take effect",
            describe_op(model, history, &history.ops[first])
        );
        match others.len() {
            0 => {}
            1 => s.push_str(", nor can the 1 other operation that could come next"),
            n => s.push_str(&format!(", nor can the {n} other operations that could come next")),
        }
        s
    }

    /// The evidence as a few report lines: the prefix's size and its last operations, the state
    /// it leaves, and every operation that cannot follow it.
    pub fn lines<M: Model>(
        &self,
        model: &M,
        history: &History<M::Input, M::Output>,
    ) -> Vec<String> {
        let scope = match &self.part {
            Some(k) => format!("key {k:?}'s {}", operations(self.ops.len())),
            None => format!("the {}", operations(self.ops.len())),
        };
        let mut lines = vec![format!(
            "not {}: the longest {} prefix found has {} of {scope}",
            self.guarantee.adjective(),
            self.guarantee.adjective(),
            self.prefix.len(),
        )];
        const SHOWN: usize = 3;
        if !self.prefix.is_empty() {
            let tail = &self.prefix[self.prefix.len().saturating_sub(SHOWN)..];
            let ops: Vec<String> =
                tail.iter().map(|&i| describe_op(model, history, &history.ops[i])).collect();
            let lead = if self.prefix.len() > SHOWN { "its last operations: " } else { "it is: " };
            lines.push(format!("  {lead}{}", ops.join(", ")));
        }
        lines.push(format!(
            "  after it {}, and no operation that could come next can take effect:",
            self.state
        ));
        for &i in &self.stuck {
            lines.push(format!("    {}", describe_op(model, history, &history.ops[i])));
        }
        lines
    }
}
