//! Anomalies as a person checks them: each cycle as Elle's Figure 2 prints it ("T1 < T2,
//! because ..."), each direct anomaly in one sentence naming the operations.

use super::graph::{PROCESS, REALTIME, RW, WR, WW, Why};
use super::txn::{TxnHistory, Value, show_list, show_txn};
use super::{Analysis, Anomaly, CycleClass, Kind, Model, Workload};
use crate::history::Outcome;
use std::fmt::Write;

/// What an anomaly kind is, in a few words.
fn gloss(kind: Kind) -> &'static str {
    match kind {
        Kind::Cycle(CycleClass::G0, _) => "a write cycle",
        Kind::Cycle(CycleClass::G1c, _) => "circular information flow",
        Kind::Cycle(CycleClass::GSingle, _) => "read skew: a cycle with one anti-dependency",
        Kind::Cycle(CycleClass::G2Item, _) => "write skew: a cycle with anti-dependencies",
        Kind::G1a => "aborted read",
        Kind::G1b => "intermediate read",
        Kind::DirtyUpdate => "a committed write over an aborted one",
        Kind::LostUpdate => "two transactions updated one version",
        Kind::Internal => "a read contradicts its own transaction",
        Kind::DuplicateElements => "an element read twice",
        Kind::GarbageRead => "a value nobody wrote",
        Kind::IncompatibleOrder => "reads no one order explains",
    }
}

/// One operation: its process, when it ran, and what it did.
pub(super) fn describe(h: &TxnHistory, op: usize) -> String {
    let o = &h.ops[op];
    let (status, mops) = match &o.outcome {
        Outcome::Ok(_, out) => ("ok", out),
        Outcome::Fail(_) => ("failed", &o.input),
        Outcome::Info(_) => ("unknown", &o.input),
    };
    format!(
        "process {}, {} {}: {}",
        o.process,
        status,
        h.timeline.span(o.invoked, o.ended()),
        show_txn(mops)
    )
}

fn state(workload: Workload, read: Option<Value>) -> String {
    match (workload, read) {
        (Workload::ListAppend, None) => "the empty list".into(),
        (Workload::ListAppend, Some(v)) => format!("a list ending in {v}"),
        (Workload::RwRegister, None) => "nil".into(),
        (Workload::RwRegister, Some(v)) => v.to_string(),
    }
}

/// Why `a` precedes `b`, as a clause.
pub(super) fn because(
    h: &TxnHistory,
    workload: Workload,
    why: Why,
    a: &str,
    b: &str,
    ops: (usize, usize),
) -> String {
    let wrote = workload.wrote();
    let noun = match workload {
        Workload::ListAppend => "append",
        Workload::RwRegister => "write",
    };
    match why {
        Why::WW { key, prev, value } => {
            format!("{b} {wrote} {value} to key {key} after {a} {wrote} {prev}")
        }
        Why::WR { key, value } => format!("{b} observed {a}'s {noun} of {value} to key {key}"),
        Why::RW { key, read, value } => format!(
            "{a} did not observe {b}'s {noun} of {value} to key {key} (it read {})",
            state(workload, read)
        ),
        Why::Process => format!("{a} and {b} ran on process {}, {a} first", h.ops[ops.0].process),
        Why::Realtime => format!(
            "{a} completed ({}) before {b} was invoked ({})",
            h.ops[ops.0].ended().map_or("?".into(), |t| h.timeline.show(t)),
            h.timeline.show(h.ops[ops.1].invoked)
        ),
    }
}

/// The models that forbid a kind, named.
fn forbidders(kind: Kind) -> String {
    let names: Vec<&str> = kind.forbidden_by().iter().map(|m| m.name()).collect();
    names.join(", ")
}

/// Every anomaly found, explained.
pub fn explain(analysis: &Analysis, h: &TxnHistory) -> String {
    explain_where(analysis, h, |_| true)
}

/// The anomalies of the kinds `keep` accepts, explained: those a model forbids, say.
pub fn explain_where(analysis: &Analysis, h: &TxnHistory, keep: impl Fn(Kind) -> bool) -> String {
    let mut out = String::new();
    let workload = analysis.workload;
    for a in analysis.anomalies.iter().filter(|a| keep(a.kind())) {
        let kind = a.kind();
        let _ = writeln!(out, "{kind} ({}), forbidden by {}:", gloss(kind), forbidders(kind));
        match a {
            Anomaly::Cycle { cycle, .. } => {
                let _ = writeln!(out, "  Let:");
                for (i, &n) in cycle.nodes.iter().enumerate() {
                    let _ = writeln!(out, "    T{} = {}", i + 1, describe(h, analysis.op_of(n)));
                }
                let _ = writeln!(out, "  Then:");
                let k = cycle.nodes.len();
                for i in 0..k {
                    let (x, y) = (cycle.nodes[i], cycle.nodes[(i + 1) % k]);
                    // Orders may be shortcuts (see `shortcut`), which the graph does not hold.
                    let why = match cycle.kinds[i] {
                        PROCESS => Why::Process,
                        REALTIME => Why::Realtime,
                        kind => analysis.graph.why(x, y, kind).expect("a cycle's edges exist"),
                    };
                    let (ta, tb) = (format!("T{}", i + 1), format!("T{}", (i + 1) % k + 1));
                    let clause =
                        because(h, workload, why, &ta, &tb, (analysis.op_of(x), analysis.op_of(y)));
                    if i + 1 < k {
                        let _ = writeln!(out, "    - {ta} < {tb}, because {clause}.");
                    } else {
                        let _ =
                            writeln!(out, "    - However, {ta} < {tb}, because {clause}: a cycle.");
                    }
                }
            }
            Anomaly::AbortedRead { reader, key, value, writer }
            | Anomaly::IntermediateRead { reader, key, value, writer } => {
                let what = if kind == Kind::G1a {
                    "which a transaction that failed wrote"
                } else {
                    "which its writer overwrote before committing"
                };
                let _ = writeln!(
                    out,
                    "  {}\n  read {value} from key {key}, {what}:\n  {}",
                    describe(h, *reader),
                    describe(h, *writer)
                );
            }
            Anomaly::DirtyUpdate { key, failed, failed_value, committed, value } => {
                let _ = writeln!(
                    out,
                    "  on key {key}, {value} was installed after the aborted {failed_value}:\n  {}\n  {}",
                    describe(h, *failed),
                    describe(h, *committed)
                );
            }
            Anomaly::LostUpdate { key, read, ops } => {
                let _ = writeln!(
                    out,
                    "  each read key {key} at {} and then wrote it:",
                    state(workload, *read)
                );
                for &op in ops {
                    let _ = writeln!(out, "  {}", describe(h, op));
                }
            }
            Anomaly::Internal { op, mop, expected } => {
                let _ = writeln!(
                    out,
                    "  {}\n  read {mop} where its own earlier operations imply {expected}",
                    describe(h, *op)
                );
            }
            Anomaly::DuplicateElements { op, key, read } => {
                let _ = writeln!(
                    out,
                    "  {}\n  read {} from key {key}",
                    describe(h, *op),
                    show_list(read)
                );
            }
            Anomaly::GarbageRead { op, key, value } => {
                let _ = writeln!(
                    out,
                    "  {}\n  read {value} from key {key}, which no transaction wrote",
                    describe(h, *op)
                );
            }
            Anomaly::IncompatibleOrder { key, reads } => {
                let _ = writeln!(
                    out,
                    "  key {key} was read as {} and as {}:",
                    show_list(&reads[0].1),
                    show_list(&reads[1].1)
                );
                for (op, _) in reads {
                    let _ = writeln!(out, "  {}", describe(h, *op));
                }
            }
        }
    }
    out
}

/// One line: how big the history is, what was found, the weakest models it violates and the
/// strongest it satisfies.
pub fn summary(analysis: &Analysis, h: &TxnHistory) -> String {
    let names = |ms: Vec<Model>| {
        if ms.is_empty() {
            "none".to_string()
        } else {
            ms.iter().map(|m| m.name()).collect::<Vec<_>>().join(" and ")
        }
    };
    let committed = h.ops.iter().filter(|o| matches!(o.outcome, Outcome::Ok(..))).count();
    let size = format!(
        "{} transactions ({committed} ok), {} dependencies",
        h.ops.len(),
        analysis.graph.count(WW | WR | RW)
    );
    if analysis.anomalies.is_empty() {
        return format!("{size}; no anomaly, so every model holds");
    }
    let kinds: Vec<String> = analysis.kinds().iter().map(|k| k.name()).collect();
    format!(
        "{size}; anomalies: {}; weakest models violated: {}; strongest satisfied: {}",
        kinds.join(", "),
        names(analysis.weakest_violated()),
        names(analysis.strongest_satisfied())
    )
}
