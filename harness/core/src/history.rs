//! Client operations in Jepsen's vocabulary: what the checkers of [`crate::linearizability`] judge.
//!
//! A client process invokes an operation and later learns how it ended:
//!
//! - `ok`: it took effect, and this is its answer;
//! - `fail`: it certainly did not take effect (a request refused by a node that was down);
//! - `info`: unknown. It may have taken effect at any point after its invocation, or never (a
//!   timeout, a crash of the node holding it, a request still open when the run ended).
//!
//! A history comes from a simulated run ([`history`], built from the trace), from the JSON lines
//! this module writes ([`History::to_json_lines`]), or from one of Jepsen's recorded formats
//! ([`jepsen`]). Times are the harness's virtual microseconds, or line numbers for a file that
//! records only the order of its events.
//!
//! Real-time order is strict: `a` precedes `b` when `a` completed before `b` was invoked. Two
//! events at the same instant are concurrent, so a checker never blames an order the clock cannot
//! show.

pub mod edn;
pub mod jepsen;
mod json;

use crate::node::{NodeId, Protocol, RequestId};
use crate::sim::Run;
use crate::time::Time;
use crate::trace::EventKind;
use std::collections::BTreeMap;
use std::fmt;

/// A client process, as Jepsen numbers them (in a simulated run: the node's number).
pub type ProcessId = u64;

/// How an operation ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<O> {
    /// It took effect; answered at this time with this output.
    Ok(Time, O),
    /// It certainly did not take effect; the client learned so at this time.
    Fail(Time),
    /// Unknown: it may have taken effect at any point after its invocation, or never. The time
    /// is when the client gave up on it, if it did before the history ended.
    Info(Option<Time>),
}

impl<O> Outcome<O> {
    /// The output, for an `ok` operation.
    pub fn output(&self) -> Option<&O> {
        match self {
            Outcome::Ok(_, o) => Some(o),
            _ => None,
        }
    }

    /// Jepsen's name for this outcome: `ok`, `fail` or `info`.
    pub fn jepsen_type(&self) -> &'static str {
        match self {
            Outcome::Ok(..) => "ok",
            Outcome::Fail(_) => "fail",
            Outcome::Info(_) => "info",
        }
    }
}

/// One client operation: its invocation and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation<I, O> {
    /// The client process that invoked it.
    pub process: ProcessId,
    /// When it was invoked.
    pub invoked: Time,
    /// What was asked.
    pub input: I,
    /// How it ended.
    pub outcome: Outcome<O>,
}

impl<I, O> Operation<I, O> {
    /// When it definitely took effect or definitely did not: `None` for an unknown outcome,
    /// whose effect, if any, may come at any later time.
    pub fn completed(&self) -> Option<Time> {
        match self.outcome {
            Outcome::Ok(t, _) | Outcome::Fail(t) => Some(t),
            Outcome::Info(_) => None,
        }
    }

    /// When the client stopped waiting for it, if it did: the completion, or the time an unknown
    /// outcome was reported.
    pub fn ended(&self) -> Option<Time> {
        match self.outcome {
            Outcome::Ok(t, _) | Outcome::Fail(t) | Outcome::Info(Some(t)) => Some(t),
            Outcome::Info(None) => None,
        }
    }
}

/// What the times of a history count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Timeline {
    /// Virtual microseconds since the start of a run.
    #[default]
    Virtual,
    /// Line numbers in the file the history was read from (Jepsen's logs record only the order
    /// of events).
    Lines,
    /// Nanoseconds, as Jepsen's `:time` field records them.
    Nanos,
}

impl Timeline {
    /// A time as a person reads it: `0.001200s`, or `line 12`.
    pub fn show(self, t: Time) -> String {
        match self {
            Timeline::Virtual => t.to_string(),
            Timeline::Lines => format!("line {}", t.0),
            Timeline::Nanos => format!("{}.{:09}s", t.0 / 1_000_000_000, t.0 % 1_000_000_000),
        }
    }

    /// An interval as a person reads it: `0.001200s-0.001500s`, `lines 12-15`, or, with no
    /// end, `from line 12`.
    pub fn span(self, from: Time, to: Option<Time>) -> String {
        match (self, to) {
            (Timeline::Virtual | Timeline::Nanos, Some(to)) => {
                format!("{}-{}", self.show(from), self.show(to))
            }
            (Timeline::Virtual | Timeline::Nanos, None) => format!("from {}", self.show(from)),
            (Timeline::Lines, Some(to)) => format!("lines {}-{}", from.0, to.0),
            (Timeline::Lines, None) => format!("from line {}", from.0),
        }
    }
}

/// The operations of a run or a recorded file, in invocation order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History<I, O> {
    /// The operations, sorted by invocation time (ties keep their recorded order).
    pub ops: Vec<Operation<I, O>>,
    /// What the times count.
    pub timeline: Timeline,
}

impl<I, O> Default for History<I, O> {
    fn default() -> Self {
        History { ops: Vec::new(), timeline: Timeline::Virtual }
    }
}

/// Jepsen's event types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventType {
    /// A client invoked an operation.
    Invoke,
    /// The operation took effect.
    Ok,
    /// The operation certainly did not take effect.
    Fail,
    /// The outcome is unknown.
    Info,
}

impl EventType {
    /// The event type Jepsen names with this keyword (without its colon): `invoke`, `ok`,
    /// `fail` or `info`.
    pub fn from_keyword(word: &str) -> Option<EventType> {
        [EventType::Invoke, EventType::Ok, EventType::Fail, EventType::Info]
            .into_iter()
            .find(|e| e.name() == word)
    }

    /// `invoke`, `ok`, `fail` or `info`.
    pub fn name(self) -> &'static str {
        match self {
            EventType::Invoke => "invoke",
            EventType::Ok => "ok",
            EventType::Fail => "fail",
            EventType::Info => "info",
        }
    }
}

/// One event of a history in Jepsen's form: an invocation or a completion of operation `op`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// When.
    pub time: Time,
    /// The client process.
    pub process: ProcessId,
    /// What happened.
    pub kind: EventType,
    /// The operation's index in [`History::ops`].
    pub op: usize,
}

impl<I, O> History<I, O> {
    /// A history of these operations, sorted by invocation time.
    pub fn new(mut ops: Vec<Operation<I, O>>, timeline: Timeline) -> Self {
        ops.sort_by_key(|op| op.invoked);
        History { ops, timeline }
    }

    /// The events in time order, as Jepsen records them. At one instant invocations come first:
    /// events at the same time are concurrent.
    pub fn events(&self) -> Vec<Event> {
        let mut events = Vec::with_capacity(self.ops.len() * 2);
        for (i, op) in self.ops.iter().enumerate() {
            events.push(Event {
                time: op.invoked,
                process: op.process,
                kind: EventType::Invoke,
                op: i,
            });
            let end = match op.outcome {
                Outcome::Ok(t, _) => Some((t, EventType::Ok)),
                Outcome::Fail(t) => Some((t, EventType::Fail)),
                Outcome::Info(t) => t.map(|t| (t, EventType::Info)),
            };
            if let Some((time, kind)) = end {
                events.push(Event { time, process: op.process, kind, op: i });
            }
        }
        // Stable: ties of the same kind keep the operations' order.
        events.sort_by_key(|e| (e.time, e.kind != EventType::Invoke));
        events
    }

    /// The client processes that appear, in ascending order.
    pub fn processes(&self) -> Vec<ProcessId> {
        let mut ps: Vec<ProcessId> = self.ops.iter().map(|o| o.process).collect();
        ps.sort_unstable();
        ps.dedup();
        ps
    }

    /// The same history with each operation converted: a lab turns its request and response
    /// types into a model's, and may decide, from a response, that an operation failed (an
    /// answer "not the leader" means the request did not take effect).
    pub fn map<I2, O2>(
        &self,
        mut convert: impl FnMut(&Operation<I, O>) -> Operation<I2, O2>,
    ) -> History<I2, O2> {
        History { ops: self.ops.iter().map(&mut convert).collect(), timeline: self.timeline }
    }
}

/// Builds a history from Jepsen-style events, in which each process has at most one operation
/// open at a time and a completion closes the process's open operation.
#[derive(Debug)]
pub struct Recorder<I, O> {
    ops: Vec<Operation<I, O>>,
    open: BTreeMap<ProcessId, usize>,
    last: Time,
    timeline: Timeline,
}

impl<I, O> Recorder<I, O> {
    /// An empty recorder whose times count as `timeline` says.
    pub fn new(timeline: Timeline) -> Self {
        Recorder { ops: Vec::new(), open: BTreeMap::new(), last: Time::ZERO, timeline }
    }

    fn advance(&mut self, time: Time) -> Result<(), String> {
        if time < self.last {
            return Err(format!(
                "time {} is earlier than the event before it ({})",
                self.timeline.show(time),
                self.timeline.show(self.last)
            ));
        }
        self.last = time;
        Ok(())
    }

    /// `process` invokes `input` at `time`.
    pub fn invoke(&mut self, process: ProcessId, time: Time, input: I) -> Result<(), String> {
        self.advance(time)?;
        if let Some(&i) = self.open.get(&process) {
            return Err(format!(
                "process {process} invokes an operation while its operation invoked at {} is \
                 still open",
                self.timeline.show(self.ops[i].invoked)
            ));
        }
        self.open.insert(process, self.ops.len());
        self.ops.push(Operation { process, invoked: time, input, outcome: Outcome::Info(None) });
        Ok(())
    }

    /// Closes `process`'s open operation at `time`; the closure gets the operation's input and
    /// returns its outcome, or why the completion does not match it.
    pub fn complete(
        &mut self,
        process: ProcessId,
        time: Time,
        outcome: impl FnOnce(&I) -> Result<Outcome<O>, String>,
    ) -> Result<(), String> {
        self.advance(time)?;
        let Some(i) = self.open.remove(&process) else {
            return Err(format!("process {process} completes an operation it never invoked"));
        };
        self.ops[i].outcome = outcome(&self.ops[i].input)?;
        Ok(())
    }

    /// The history; operations still open are unknown.
    pub fn finish(self) -> History<I, O> {
        History { ops: self.ops, timeline: self.timeline }
    }
}

/// The client history of a simulated run: every request a node received, in the protocol's own
/// types. An operation is invoked when its request reaches a node and completes with the node's
/// reply (`ok`). A request refused because its node was down is `fail`. A request still open
/// when the run ends, or whose node crashed before replying, is `info`; the node's later
/// requests then belong to a fresh process (`node + k * nodes`), as in Jepsen. Use
/// [`History::map`] to turn it into a model's operations.
pub fn history<P: Protocol>(run: &Run<P>) -> History<P::Request, P::Response> {
    let mut ops: Vec<Operation<P::Request, P::Response>> = Vec::new();
    let mut open: BTreeMap<RequestId, usize> = BTreeMap::new();
    // Jepsen's rule: after an unknown outcome a client continues as a fresh process, numbered
    // `node + k * nodes` after its node's k-th crash with requests open, so no process has two
    // operations open at once across a crash.
    let mut lives: BTreeMap<NodeId, u64> = BTreeMap::new();
    let process = |lives: &BTreeMap<NodeId, u64>, node: NodeId| {
        u64::from(node.0) + lives.get(&node).copied().unwrap_or(0) * run.nodes as u64
    };
    for e in &run.trace.events {
        match &e.kind {
            EventKind::Request { node, id, request } => {
                open.insert(*id, ops.len());
                ops.push(Operation {
                    process: process(&lives, *node),
                    invoked: e.at,
                    input: request.clone(),
                    outcome: Outcome::Info(None),
                });
            }
            EventKind::RequestRefused { node, request, .. } => ops.push(Operation {
                process: process(&lives, *node),
                invoked: e.at,
                input: request.clone(),
                outcome: Outcome::Fail(e.at),
            }),
            EventKind::Reply { id, response, .. } => {
                // A second reply to one request is the node's bug; the first one counts.
                if let Some(i) = open.remove(id) {
                    ops[i].outcome = Outcome::Ok(e.at, response.clone());
                }
            }
            EventKind::Crash { node, .. } => {
                // Whatever the crashed node had open stays unknown for ever, and has no end
                // time: its effect, if any, may come later (a message it sent still in flight).
                let before = open.len();
                let current = process(&lives, *node);
                open.retain(|_, i| ops[*i].process != current);
                if open.len() < before {
                    *lives.entry(*node).or_default() += 1;
                }
            }
            _ => {}
        }
    }
    History { ops, timeline: Timeline::Virtual }
}

/// A malformed history file: which file, which line, what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The file, as the user named it.
    pub file: String,
    /// The line, counting from 1.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(process: u64, from: u64, outcome: Outcome<u32>) -> Operation<&'static str, u32> {
        Operation { process, invoked: Time(from), input: "x", outcome }
    }

    #[test]
    fn events_put_invocations_first_at_one_instant() {
        let h = History::new(
            vec![op(1, 0, Outcome::Ok(Time(5), 1)), op(2, 5, Outcome::Info(None))],
            Timeline::Lines,
        );
        let kinds: Vec<(u64, EventType)> = h.events().iter().map(|e| (e.time.0, e.kind)).collect();
        assert_eq!(kinds, vec![(0, EventType::Invoke), (5, EventType::Invoke), (5, EventType::Ok)]);
    }

    #[test]
    fn the_recorder_pairs_completions_with_their_process() {
        let mut r: Recorder<&str, u32> = Recorder::new(Timeline::Lines);
        r.invoke(1, Time(1), "a").unwrap();
        r.invoke(2, Time(2), "b").unwrap();
        r.complete(2, Time(3), |_| Ok(Outcome::Ok(Time(3), 7))).unwrap();
        let err = r.invoke(1, Time(4), "c").unwrap_err();
        assert!(err.contains("still open"), "{err}");
        let err = r.complete(3, Time(5), |_| Ok(Outcome::Fail(Time(5)))).unwrap_err();
        assert!(err.contains("never invoked"), "{err}");
        let err = r.invoke(4, Time(0), "d").unwrap_err();
        assert!(err.contains("earlier"), "{err}");
        let h = r.finish();
        assert_eq!(h.ops[0].outcome, Outcome::Info(None), "still open at the end: unknown");
        assert_eq!(h.ops[1].outcome, Outcome::Ok(Time(3), 7));
        assert_eq!(h.processes(), vec![1, 2]);
    }

    #[test]
    fn timelines_show_lines_or_seconds() {
        assert_eq!(Timeline::Lines.span(Time(3), Some(Time(9))), "lines 3-9");
        assert_eq!(Timeline::Lines.span(Time(3), None), "from line 3");
        assert_eq!(Timeline::Virtual.show(Time(1_500)), "0.001500s");
        assert_eq!(Timeline::Nanos.span(Time(1_500), None), "from 0.000001500s");
    }
}
