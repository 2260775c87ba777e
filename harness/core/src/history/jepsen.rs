//! Jepsen's recorded histories, in the two formats of the course's test data (Porcupine's test
//! histories, recorded by Jepsen):
//!
//! - etcd logs, one event per line: `INFO  jepsen.util - 3 :invoke :cas [1 4]`, fields separated
//!   by tabs (or, in a few files, spaces); a single compare-and-set register that starts empty;
//! - EDN maps, one per line: `{:process 9, :type :ok, :f :get, :key "0", :value "x 9 0 y"}`; a
//!   key-value map with get, put and append.
//!
//! Times are line numbers. A malformed line is an error naming the file and the line.

use super::edn::{self, Edn};
use super::{History, Outcome, ParseError, ProcessId, Recorder, Timeline};
use crate::linearizability::{CasOp, CasRet, KvOp, KvRet};
use crate::time::Time;

/// Jepsen's event types, as their keywords.
fn event_type(word: &str) -> Result<super::EventType, String> {
    word.strip_prefix(':').and_then(super::EventType::from_keyword).ok_or_else(|| {
        format!("the event type {word:?} is not one of :invoke, :ok, :fail and :info")
    })
}

fn process_id(word: &str) -> Result<ProcessId, String> {
    word.parse().map_err(|_| format!("the process {word:?} is not a non-negative integer"))
}

/// Runs `parse` on every non-blank line, numbering lines from 1, and names the file and line of
/// the first error.
fn lines<I, O>(
    text: &str,
    file: &str,
    mut parse: impl FnMut(&mut Recorder<I, O>, Time, &str) -> Result<(), String>,
) -> Result<History<I, O>, ParseError> {
    let mut recorder = Recorder::new(Timeline::Lines);
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        parse(&mut recorder, Time(n as u64 + 1), line).map_err(|message| ParseError {
            file: file.to_string(),
            line: n + 1,
            message,
        })?;
    }
    Ok(recorder.finish())
}

fn etcd_value(word: &str) -> Result<Option<i64>, String> {
    if word == "nil" {
        return Ok(None);
    }
    word.parse().map(Some).map_err(|_| format!("the value {word:?} is not nil or an integer"))
}

fn etcd_pair(word: &str) -> Result<(i64, i64), String> {
    let bad = || format!("the cas value {word:?} is not a pair [FROM TO] of integers");
    let inner = word.strip_prefix('[').and_then(|w| w.strip_suffix(']')).ok_or_else(bad)?;
    let parts: Vec<&str> = inner.split_whitespace().collect();
    match parts.as_slice() {
        [a, b] => Ok((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?)),
        _ => Err(bad()),
    }
}

fn f_name(op: &CasOp<i64>) -> &'static str {
    match op {
        CasOp::Read => ":read",
        CasOp::Write { .. } => ":write",
        CasOp::Cas { .. } => ":cas",
    }
}

/// Reads an etcd log of Jepsen's compare-and-set register test. A `:fail :cas` did not take
/// effect; `:info`, and `:fail :read :timed-out`, are unknown; an operation never completed is
/// unknown.
pub fn parse_etcd(text: &str, file: &str) -> Result<History<CasOp<i64>, CasRet<i64>>, ParseError> {
    const MARKER: &str = "jepsen.util - ";
    lines(text, file, |rec, at, line| {
        let Some(start) = line.find(MARKER) else {
            return Err("this is not an etcd log event (expected `INFO  jepsen.util - PROCESS \
                        :TYPE :F VALUE`)"
                .into());
        };
        let mut words = line[start + MARKER.len()..].split_whitespace();
        let (Some(p), Some(t), Some(f)) = (words.next(), words.next(), words.next()) else {
            return Err("the event lacks a process, a type or a function".into());
        };
        let value = words.collect::<Vec<_>>().join(" ");
        let process = process_id(p)?;
        let kind = event_type(t)?;
        if ![":read", ":write", ":cas"].contains(&f) {
            return Err(format!("the function {f:?} is not one of :read, :write and :cas"));
        }
        use super::EventType as E;
        match kind {
            E::Invoke => {
                let op = match f {
                    ":read" => CasOp::Read,
                    ":write" => CasOp::Write {
                        value: etcd_value(&value)?
                            .ok_or_else(|| "a write of nil is not an operation".to_string())?,
                    },
                    _ => {
                        let (from, to) = etcd_pair(&value)?;
                        CasOp::Cas { from, to }
                    }
                };
                rec.invoke(process, at, op)
            }
            _ => rec.complete(process, at, |op| {
                if f_name(op) != f {
                    return Err(format!(
                        "process {process} completes a {f} but its open operation is a {}",
                        f_name(op)
                    ));
                }
                Ok(match (kind, op) {
                    (E::Ok, CasOp::Read) => {
                        Outcome::Ok(at, CasRet::Read { value: etcd_value(&value)? })
                    }
                    (E::Ok, CasOp::Write { .. }) => Outcome::Ok(at, CasRet::Write),
                    (E::Ok, CasOp::Cas { .. }) => Outcome::Ok(at, CasRet::Cas { ok: true }),
                    (E::Fail, CasOp::Read) if value == ":timed-out" => Outcome::Info(Some(at)),
                    (E::Fail, _) => Outcome::Fail(at),
                    _ => Outcome::Info(Some(at)),
                })
            }),
        }
    })
}

/// Parses one line that must be an EDN map.
fn edn_map(line: &str) -> Result<Edn, String> {
    edn::parse_map(line, "{:process P, :type :T, ...}")
}

/// Reads an EDN history of Jepsen's key-value test (get, put, append on string keys).
pub fn parse_edn_kv(text: &str, file: &str) -> Result<History<KvOp, KvRet>, ParseError> {
    lines(text, file, |rec, at, line| {
        let map = edn_map(line)?;
        let field = |k: &str| map.get(k).ok_or_else(|| format!("the map has no :{k}"));
        let process = match field("process")? {
            Edn::Int(p) if *p >= 0 => *p as ProcessId,
            other => {
                return Err(format!(":process is {}, not a non-negative integer", other));
            }
        };
        let kind = match field("type")? {
            Edn::Keyword(k) => event_type(&format!(":{k}"))?,
            other => return Err(format!(":type is {}, not a keyword", other)),
        };
        let f = match field("f")? {
            Edn::Keyword(k) if ["get", "put", "append"].contains(&k.as_str()) => k.clone(),
            other => {
                return Err(format!(":f is {}, not one of :get, :put and :append", other));
            }
        };
        let key = match field("key")? {
            Edn::Str(s) => s.clone(),
            Edn::Int(i) => i.to_string(),
            other => return Err(format!(":key is {}, not a string", other)),
        };
        let value = match map.get("value") {
            None | Some(Edn::Nil) => None,
            Some(Edn::Str(s)) => Some(s.clone()),
            Some(other) => {
                return Err(format!(":value is {}, not a string or nil", other));
            }
        };
        use super::EventType as E;
        match kind {
            E::Invoke => {
                let needs_value =
                    || value.clone().ok_or_else(|| format!("a :{f} needs a string :value"));
                let op = match f.as_str() {
                    "get" => KvOp::Get { key },
                    "put" => KvOp::Put { key, value: needs_value()? },
                    _ => KvOp::Append { key, value: needs_value()? },
                };
                rec.invoke(process, at, op)
            }
            _ => rec.complete(process, at, |op| {
                let open = match op {
                    KvOp::Get { .. } => "get",
                    KvOp::Put { .. } => "put",
                    KvOp::Append { .. } => "append",
                };
                if open != f || op.key() != key {
                    return Err(format!(
                        "process {process} completes a :{f} of key {key:?} but its open \
                         operation is a :{open} of key {:?}",
                        op.key()
                    ));
                }
                Ok(match (kind, op) {
                    (E::Ok, KvOp::Get { .. }) => {
                        Outcome::Ok(at, KvRet::Get { value: value.clone().unwrap_or_default() })
                    }
                    (E::Ok, KvOp::Put { .. }) => Outcome::Ok(at, KvRet::Put),
                    (E::Ok, KvOp::Append { .. }) => Outcome::Ok(at, KvRet::Append),
                    (E::Fail, _) => Outcome::Fail(at),
                    _ => Outcome::Info(Some(at)),
                })
            }),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etcd_lines_become_operations() {
        let log = "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n\
                   INFO  jepsen.util - 1   :invoke :cas    [1 2]\n\
                   \n\
                   INFO  jepsen.util - 0\t:ok\t:read\t3\n\
                   INFO  jepsen.util - 1\t:fail\t:cas\t[1 2]\n\
                   INFO  jepsen.util - 2\t:invoke\t:write\t4\n\
                   INFO  jepsen.util - 2\t:info\t:write\t:timed-out\n\
                   INFO  jepsen.util - 3\t:invoke\t:read\tnil\n\
                   INFO  jepsen.util - 3\t:fail\t:read\t:timed-out\n\
                   INFO  jepsen.util - 4\t:invoke\t:write\t1\n";
        let h = parse_etcd(log, "x.log").unwrap();
        assert_eq!(h.timeline, Timeline::Lines);
        let got: Vec<(u64, CasOp<i64>, Outcome<CasRet<i64>>)> =
            h.ops.iter().map(|o| (o.process, o.input.clone(), o.outcome.clone())).collect();
        assert_eq!(
            got,
            vec![
                (0, CasOp::Read, Outcome::Ok(Time(4), CasRet::Read { value: Some(3) })),
                (1, CasOp::Cas { from: 1, to: 2 }, Outcome::Fail(Time(5))),
                (2, CasOp::Write { value: 4 }, Outcome::Info(Some(Time(7)))),
                (3, CasOp::Read, Outcome::Info(Some(Time(9)))),
                (4, CasOp::Write { value: 1 }, Outcome::Info(None)),
            ]
        );
        assert_eq!(h.ops[1].invoked, Time(2), "times are line numbers, blank lines counted");
    }

    #[test]
    fn a_malformed_etcd_line_names_its_line() {
        let cases = [
            ("hello\n", 1, "not an etcd log event"),
            ("INFO  jepsen.util - x\t:invoke\t:read\tnil\n", 1, "process \"x\""),
            ("INFO  jepsen.util - 1\t:begin\t:read\tnil\n", 1, "event type \":begin\""),
            ("INFO  jepsen.util - 1\t:invoke\t:cas\t[1]\n", 1, "pair [FROM TO]"),
            ("INFO  jepsen.util - 1\t:invoke\t:inc\t1\n", 1, "function \":inc\""),
            (
                "INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:write\t3\n",
                2,
                "completes a :write",
            ),
            ("\nINFO  jepsen.util - 1\t:ok\t:read\t3\n", 2, "never invoked"),
            (
                "INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\tthree\n",
                2,
                "not nil or an integer",
            ),
        ];
        for (text, line, words) in cases {
            let e = parse_etcd(text, "bad.log").unwrap_err();
            assert_eq!((e.file.as_str(), e.line), ("bad.log", line), "{text:?}: {e}");
            assert!(e.message.contains(words), "{text:?}: {e}");
        }
    }

    #[test]
    fn edn_maps_become_operations() {
        let text = r#"{:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}
{:process 1, :type :invoke, :f :get, :key "0", :value nil}
{:process 9, :type :ok, :f :append, :key "0", :value "x 9 0 y"}
{:process 1, :type :ok, :f :get, :key "0", :value "x \"9\" 0 y"}
{:process 2, :type :invoke, :f :put, :key "1", :value "z"}
"#;
        let h = parse_edn_kv(text, "kv.txt").unwrap();
        assert_eq!(h.ops.len(), 3);
        assert_eq!(h.ops[0].input, KvOp::Append { key: "0".into(), value: "x 9 0 y".into() });
        assert_eq!(h.ops[0].outcome, Outcome::Ok(Time(3), KvRet::Append));
        assert_eq!(
            h.ops[1].outcome,
            Outcome::Ok(Time(4), KvRet::Get { value: "x \"9\" 0 y".into() })
        );
        assert_eq!(h.ops[2].outcome, Outcome::Info(None));
    }

    #[test]
    fn a_malformed_edn_line_names_its_line() {
        let good = r#"{:process 1, :type :invoke, :f :get, :key "0", :value nil}"#;
        let cases = [
            (r#"{:process 1, :type :invoke"#, "not closed"),
            (r#"(:process 1)"#, "not an EDN map"),
            (r#"{:process -1, :type :invoke, :f :get, :key "0"}"#, "non-negative"),
            (r#"{:process 1, :type :invoke, :f :inc, :key "0"}"#, ":f is :inc"),
            (r#"{:process 1, :type :invoke, :f :put, :key "0", :value nil}"#, "needs a string"),
            (
                r#"{:process 1, :type :invoke, :f :get, :key "0", :value "unterminated}"#,
                "not closed",
            ),
            (r#"{:process 1, :type :invoke, :f :get}"#, "no :key"),
            (r#"{:process 1, :process 2}"#, "appears twice"),
            (r#"{:process 1, :type :ok, :f :put, :key "0", :value "v"}"#, "is a :get"),
        ];
        for (bad, words) in cases {
            let text = format!("{good}\n{bad}\n");
            let e = parse_edn_kv(&text, "kv.txt").unwrap_err();
            assert_eq!(e.line, 2, "{bad}: {e}");
            assert!(e.message.contains(words), "{bad}: {e}");
        }
    }
}
