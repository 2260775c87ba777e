//! Transactions as clients see them, and the files they are read from.
//!
//! A transaction is a list of micro-operations on keys. Two workloads, as in Jepsen's Elle:
//!
//! - **list-append:** `[:append K V]` appends V to the list at K, `[:r K L]` read list L;
//! - **rw-register:** `[:w K V]` writes V to register K, `[:r K V]` read V (`nil`: never written).
//!
//! An invocation's reads hold `nil`; the `ok` completion fills them in. Appended and written
//! values are unique per key, which is what lets a checker tell versions apart.

use crate::history::edn::{self, Edn};
use crate::history::{EventType, History, Outcome, ParseError, ProcessId, Recorder, Timeline};
use crate::time::Time;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A key.
pub type Key = i64;

/// A value appended or written: unique per key.
pub type Value = i64;

/// What a history's transactions do to their keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Workload {
    /// Appends to lists and reads of whole lists.
    ListAppend,
    /// Writes and reads of registers.
    RwRegister,
}

impl Workload {
    /// The name on the command line: `list-append` or `rw-register`.
    pub fn name(self) -> &'static str {
        match self {
            Workload::ListAppend => "list-append",
            Workload::RwRegister => "rw-register",
        }
    }

    /// The verb for a write in explanations.
    pub(super) fn wrote(self) -> &'static str {
        match self {
            Workload::ListAppend => "appended",
            Workload::RwRegister => "wrote",
        }
    }
}

/// One micro-operation of a transaction.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "RawMop", try_from = "RawMop")]
pub enum Mop {
    /// Append a value to a key's list.
    Append(Key, Value),
    /// Read a key's list: `None` until the read completes; an empty list for a key never
    /// appended to.
    ReadList(Key, Option<Vec<Value>>),
    /// Write a register.
    Write(Key, Value),
    /// Read a register: `None` before the read completes or when it saw no write.
    Read(Key, Option<Value>),
}

impl Mop {
    /// The key it touches.
    pub fn key(&self) -> Key {
        match self {
            Mop::Append(k, _) | Mop::ReadList(k, _) | Mop::Write(k, _) | Mop::Read(k, _) => *k,
        }
    }

    /// Whether it is a read.
    pub fn is_read(&self) -> bool {
        matches!(self, Mop::ReadList(..) | Mop::Read(..))
    }

    /// The value it writes, for an append or a write.
    pub fn written(&self) -> Option<Value> {
        match self {
            Mop::Append(_, v) | Mop::Write(_, v) => Some(*v),
            _ => None,
        }
    }

    fn fits(&self, workload: Workload) -> bool {
        matches!(
            (self, workload),
            (Mop::Append(..) | Mop::ReadList(..), Workload::ListAppend)
                | (Mop::Write(..) | Mop::Read(..), Workload::RwRegister)
        )
    }
}

impl fmt::Display for Mop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mop::Append(k, v) => write!(f, "[:append {k} {v}]"),
            Mop::Write(k, v) => write!(f, "[:w {k} {v}]"),
            Mop::ReadList(k, None) | Mop::Read(k, None) => write!(f, "[:r {k} nil]"),
            Mop::ReadList(k, Some(l)) => write!(f, "[:r {k} {}]", show_list(l)),
            Mop::Read(k, Some(v)) => write!(f, "[:r {k} {v}]"),
        }
    }
}

/// A list as EDN writes it: `[1 2 3]`.
pub fn show_list(list: &[Value]) -> String {
    let items: Vec<String> = list.iter().map(i64::to_string).collect();
    format!("[{}]", items.join(" "))
}

/// A transaction as EDN writes it: `[[:append 1 2] [:r 1 [2]]]`.
pub fn show_txn(mops: &[Mop]) -> String {
    let items: Vec<String> = mops.iter().map(Mop::to_string).collect();
    format!("[{}]", items.join(" "))
}

/// A micro-operation in JSON: `["append", 1, 2]`, `["r", 1, [2]]`, `["w", 1, 2]`, `["r", 1, 2]`.
/// A read of `null` is taken as a list read here and fitted to the workload when the history is
/// loaded ([`fit`]).
#[derive(Serialize, Deserialize)]
struct RawMop(String, Key, serde_json::Value);

impl From<Mop> for RawMop {
    fn from(mop: Mop) -> Self {
        use serde_json::Value as J;
        match mop {
            Mop::Append(k, v) => RawMop("append".into(), k, J::from(v)),
            Mop::Write(k, v) => RawMop("w".into(), k, J::from(v)),
            Mop::ReadList(k, l) => RawMop("r".into(), k, l.map_or(J::Null, J::from)),
            Mop::Read(k, v) => RawMop("r".into(), k, v.map_or(J::Null, J::from)),
        }
    }
}

impl TryFrom<RawMop> for Mop {
    type Error = String;

    fn try_from(RawMop(f, k, v): RawMop) -> Result<Self, String> {
        use serde_json::Value as J;
        let int = |v: &J| v.as_i64().ok_or_else(|| format!("{v} is not an integer"));
        match (f.as_str(), &v) {
            ("append", v) => Ok(Mop::Append(k, int(v)?)),
            ("w", v) => Ok(Mop::Write(k, int(v)?)),
            ("r", J::Null) => Ok(Mop::ReadList(k, None)),
            ("r", J::Array(items)) => {
                Ok(Mop::ReadList(k, Some(items.iter().map(int).collect::<Result<_, _>>()?)))
            }
            ("r", v) => Ok(Mop::Read(k, Some(int(v)?))),
            (f, _) => Err(format!("the micro-operation {f:?} is not one of append, r and w")),
        }
    }
}

/// A history of transactions: each operation's input is the transaction as invoked, and an `ok`
/// outcome holds it as completed, reads filled in.
pub type TxnHistory = History<Vec<Mop>, Vec<Mop>>;

/// Fits a history read from the JSON lines `text` to its workload: reads of `null` become the
/// workload's kind of read, and a micro-operation of the other workload is an error naming the
/// line that invoked it.
pub fn fit(
    history: &mut TxnHistory,
    workload: Workload,
    text: &str,
    file: &str,
) -> Result<(), ParseError> {
    let fit_one = |mop: &mut Mop| {
        if let (Workload::RwRegister, Mop::ReadList(k, None)) = (workload, &*mop) {
            *mop = Mop::Read(*k, None);
        }
    };
    for (i, op) in history.ops.iter_mut().enumerate() {
        let outputs = match &mut op.outcome {
            Outcome::Ok(_, out) => {
                if workload == Workload::ListAppend {
                    *out = completed(std::mem::take(out));
                }
                Some(out)
            }
            _ => None,
        };
        for mop in op.input.iter_mut().chain(outputs.into_iter().flatten()) {
            fit_one(mop);
            if !mop.fits(workload) {
                // Operations are in invocation order, as their invocation lines are.
                let line = text
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| l.contains(r#""type":"invoke""#))
                    .nth(i)
                    .map_or(0, |(n, _)| n + 1);
                return Err(ParseError {
                    file: file.to_string(),
                    line,
                    message: format!("{mop} is not a {} micro-operation", workload.name()),
                });
            }
        }
    }
    Ok(())
}

fn int(value: &Edn, what: &str) -> Result<i64, String> {
    match value {
        Edn::Int(i) => Ok(*i),
        other => Err(format!("{what} {other} is not an integer")),
    }
}

/// One micro-operation from its EDN vector.
fn mop(value: &Edn, workload: Workload) -> Result<Mop, String> {
    let bad = || {
        format!(
            "the micro-operation {value} is not [:append K V] or [:r K L] (list-append), or \
             [:w K V] or [:r K V] (rw-register)"
        )
    };
    let [f, k, v] = value.items().ok_or_else(bad)? else { return Err(bad()) };
    let key = int(k, "the key")?;
    let Edn::Keyword(f) = f else { return Err(bad()) };
    let m = match (f.as_str(), v) {
        ("append", v) => Mop::Append(key, int(v, "the appended value")?),
        ("w", v) => Mop::Write(key, int(v, "the written value")?),
        ("r", Edn::Nil) if workload == Workload::RwRegister => Mop::Read(key, None),
        ("r", Edn::Nil) => Mop::ReadList(key, None),
        ("r", Edn::Vector(items)) => Mop::ReadList(
            key,
            Some(items.iter().map(|i| int(i, "the read element")).collect::<Result<_, _>>()?),
        ),
        ("r", v) => Mop::Read(key, Some(int(v, "the read value")?)),
        _ => return Err(bad()),
    };
    if !m.fits(workload) {
        return Err(format!("{m} is not a {} micro-operation", workload.name()));
    }
    Ok(m)
}

/// Reads a history of transactions from Jepsen's EDN, one operation map per line, as Elle's
/// tests and Jepsen's `history.edn` hold them.
///
/// Lines whose `:process` is not an integer (the nemesis) are skipped, as are blank lines and
/// `;` comments. Without `:process`, each invocation is closed by the next completion, and each
/// such pair counts as a process of its own. When every operation has a `:time`, events are
/// ordered by it (Jepsen records a time before it logs the event, so the file's order can differ
/// from the clock's by a few microseconds) and the history's times are those nanoseconds;
/// otherwise times are line numbers.
pub fn parse_edn(text: &str, file: &str, workload: Workload) -> Result<TxnHistory, ParseError> {
    struct Line {
        line: usize,
        time: Option<u64>,
        process: Option<ProcessId>,
        kind: EventType,
        mops: Vec<Mop>,
    }
    let error = |line: usize, message: String| ParseError { file: file.to_string(), line, message };
    let mut events = Vec::new();
    for (n, text) in text.lines().enumerate() {
        let line = n + 1;
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') {
            continue;
        }
        let parsed = (|| -> Result<Option<Line>, String> {
            let map = edn::parse_map(trimmed, "{:type :ok, :value [...]}")?;
            let process = match map.get("process") {
                None => None,
                Some(Edn::Int(p)) if *p >= 0 => Some(*p as ProcessId),
                Some(_) => return Ok(None),
            };
            if let Some(f) = map.get("f")
                && *f != Edn::Keyword("txn".into())
            {
                return Err(format!(":f is {f}, but a client transaction's :f is :txn"));
            }
            let kind = match map.get("type") {
                Some(Edn::Keyword(k)) => EventType::from_keyword(k)
                    .ok_or_else(|| format!(":type is :{k}, not :invoke, :ok, :fail or :info"))?,
                Some(other) => return Err(format!(":type is {other}, not a keyword")),
                None => return Err("the map has no :type".into()),
            };
            let mops = match map.get("value") {
                Some(Edn::Vector(items)) => {
                    items.iter().map(|m| mop(m, workload)).collect::<Result<_, _>>()?
                }
                Some(Edn::Nil) | None if kind == EventType::Info => Vec::new(),
                Some(other) => {
                    return Err(format!(":value is {other}, not a vector of micro-operations"));
                }
                None => return Err("the map has no :value".into()),
            };
            let time = match map.get("time") {
                None => None,
                Some(t) => Some(
                    u64::try_from(int(t, ":time")?).map_err(|_| ":time is negative".to_string())?,
                ),
            };
            Ok(Some(Line { line, time, process, kind, mops }))
        })()
        .map_err(|m| error(line, m))?;
        events.extend(parsed);
    }
    let timed = !events.is_empty() && events.iter().all(|e| e.time.is_some());
    if timed {
        // Stable: an invocation and its completion at one instant keep the file's order.
        events.sort_by_key(|e| e.time);
    }
    let timeline = if timed { Timeline::Nanos } else { Timeline::Lines };
    let mut recorder: Recorder<Vec<Mop>, Vec<Mop>> = Recorder::new(timeline);
    // Processes for lines without one: numbered after the largest process named.
    let mut unnamed = events.iter().filter_map(|e| e.process).max().map_or(0, |p| p + 1);
    let mut unnamed_open = None;
    for e in events {
        let at = if timed { Time(e.time.unwrap_or(0)) } else { Time(e.line as u64) };
        use EventType as E;
        let process = match (e.process, e.kind) {
            (Some(p), _) => p,
            (None, E::Invoke) => {
                if unnamed_open.is_some() {
                    return Err(error(
                        e.line,
                        "an invocation without :process while another is open: without \
                         processes, invocations and completions must alternate"
                            .into(),
                    ));
                }
                unnamed += 1;
                unnamed_open = Some(unnamed);
                unnamed
            }
            (None, _) => unnamed_open.take().ok_or_else(|| {
                error(e.line, "a completion without :process and no open invocation".into())
            })?,
        };
        let result = match e.kind {
            E::Invoke => recorder.invoke(process, at, e.mops),
            kind => recorder.complete(process, at, |input| {
                if kind == E::Ok {
                    check_completion(input, &e.mops)?;
                }
                Ok(match kind {
                    E::Ok => Outcome::Ok(at, completed(e.mops)),
                    E::Fail => Outcome::Fail(at),
                    _ => Outcome::Info(Some(at)),
                })
            }),
        };
        result.map_err(|m| error(e.line, m))?;
    }
    Ok(recorder.finish())
}

/// A completed transaction: a list read of `nil` saw the empty list.
fn completed(mut mops: Vec<Mop>) -> Vec<Mop> {
    for m in &mut mops {
        if let Mop::ReadList(k, None) = m {
            *m = Mop::ReadList(*k, Some(Vec::new()));
        }
    }
    mops
}

/// An `ok` completion must be its invocation with the reads filled in.
fn check_completion(invoked: &[Mop], completed: &[Mop]) -> Result<(), String> {
    let same_shape = invoked.len() == completed.len()
        && invoked.iter().zip(completed).all(|(a, b)| match (a, b) {
            (Mop::ReadList(k, _), Mop::ReadList(j, _)) | (Mop::Read(k, _), Mop::Read(j, _)) => {
                k == j
            }
            _ => a == b,
        });
    if same_shape {
        Ok(())
    } else {
        Err(format!(
            "the completion {} is not the invocation {} with its reads filled in",
            show_txn(completed),
            show_txn(invoked)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elle_lines_become_transactions() {
        let text = "; a comment\n\
            {:index 0, :time 5, :type :invoke, :process 2, :f :txn, :value [[:append 9 2] [:r 9 nil]]}\n\
            {:type :info, :f :kill, :process :nemesis, :time 6, :value nil}\n\
            {:index 1, :time 4, :type :invoke, :process 3, :f :txn, :value [[:r 8 nil]]}\n\
            {:index 2, :time 9, :type :ok, :process 2, :f :txn, :value [[:append 9 2] [:r 9 [1 2]]]}\n\
            {:index 3, :time 9, :type :fail, :process 3, :f :txn, :value [[:r 8 nil]]}\n";
        let h = parse_edn(text, "h.edn", Workload::ListAppend).unwrap();
        assert_eq!(h.timeline, Timeline::Nanos);
        assert_eq!(h.ops.len(), 2);
        assert_eq!((h.ops[0].process, h.ops[0].invoked), (3, Time(4)), "ordered by :time");
        assert_eq!(h.ops[0].outcome, Outcome::Fail(Time(9)));
        assert_eq!(
            h.ops[1].outcome,
            Outcome::Ok(Time(9), vec![Mop::Append(9, 2), Mop::ReadList(9, Some(vec![1, 2]))])
        );
        assert_eq!(h.ops[1].input[1], Mop::ReadList(9, None));
    }

    #[test]
    fn lines_without_processes_pair_in_order() {
        let text = "{:index 0 :type :invoke :value [[:w 1 2]]}\n\
                    {:index 1 :type :ok :value [[:w 1 2]]}\n\
                    {:index 2 :type :invoke :value [[:r 1 nil]]}\n\
                    {:index 3 :type :ok :value [[:r 1 nil]]}\n";
        let h = parse_edn(text, "h.edn", Workload::RwRegister).unwrap();
        assert_eq!(h.timeline, Timeline::Lines);
        assert_ne!(h.ops[0].process, h.ops[1].process, "each pair is its own process");
        assert_eq!(h.ops[1].outcome, Outcome::Ok(Time(4), vec![Mop::Read(1, None)]));
    }

    #[test]
    fn bad_transactions_name_their_line() {
        let good = "{:type :invoke, :process 1, :value [[:append 1 1]]}";
        for (bad, words) in [
            ("{:type :invoke, :process 2, :value [[:inc 1 1]]}", "not [:append K V]"),
            ("{:type :invoke, :process 2, :value [[:w 1 1]]}", "not a list-append"),
            ("{:type :invoke, :process 2, :value [[:append 1 x]]}", "not an integer"),
            ("{:type :ok, :process 1, :value [[:append 1 2]]}", "not the invocation"),
            ("{:type :begin, :process 1, :value []}", ":type is :begin"),
            ("{:type :ok, :process 1, :f :read, :value []}", ":f is :read"),
            ("{:type :invoke, :process 2}", "no :value"),
            ("[1 2]", "not an EDN map"),
        ] {
            let e =
                parse_edn(&format!("{good}\n{bad}\n"), "t.edn", Workload::ListAppend).unwrap_err();
            assert_eq!((e.file.as_str(), e.line), ("t.edn", 2), "{bad}: {e}");
            assert!(e.message.contains(words), "{bad}: {e}");
        }
    }

    #[test]
    fn json_lines_round_trip_and_fit_the_workload() {
        let text = r#"{"process":1,"type":"invoke","time":1,"op":0,"input":[["w",3,4],["r",3,null]]}
{"process":1,"type":"ok","time":2,"op":0,"output":[["w",3,4],["r",3,4]]}
"#;
        let mut h: TxnHistory = History::from_json_lines(text, "h.jsonl").unwrap();
        fit(&mut h, Workload::RwRegister, text, "h.jsonl").unwrap();
        assert_eq!(h.ops[0].input, vec![Mop::Write(3, 4), Mop::Read(3, None)]);
        assert_eq!(h.to_json_lines(), text);
        let e = fit(&mut h, Workload::ListAppend, text, "h.jsonl").unwrap_err();
        assert!(e.message.contains("not a list-append"), "{e}");
        assert_eq!(e.line, 1, "{e}");
    }
}
