//! Histories as JSON lines: one Jepsen-style event per line, in time order.
//!
//! `{"process":3,"type":"invoke","time":1200,"op":7,"f":"write","value":4}` then
//! `{"process":3,"type":"ok","time":1500,"op":7,"f":"write"}`. The input's fields (on `invoke`)
//! and the output's (on `ok`) are merged into the event, or kept under `input`/`output` when
//! they are not a JSON object. `op` numbers the operation, so a process with several operations
//! open at once (a node serving many requests) pairs its events exactly; without it, each
//! completion closes its process's open operation, as in Jepsen.

use super::{EventType, History, Operation, Outcome, ParseError, ProcessId, Timeline};
use crate::time::Time;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

const RESERVED: [&str; 4] = ["process", "type", "time", "op"];

/// The fields a payload adds to its event: its own, if it is an object whose names do not clash
/// with the event's, else one field `name` holding it.
fn fields(payload: Value, name: &str) -> Vec<(String, Value)> {
    match payload {
        Value::Object(fields) if !fields.keys().any(|k| RESERVED.contains(&k.as_str())) => {
            fields.into_iter().collect()
        }
        other => vec![(name.to_string(), other)],
    }
}

impl<I: Serialize, O: Serialize> History<I, O> {
    /// The history as JSON lines, one event per line, in time order.
    pub fn to_json_lines(&self) -> String {
        let mut out = String::new();
        for e in self.events() {
            let op = &self.ops[e.op];
            // Written by hand so that every line starts the same way, whatever order the JSON
            // library keeps an object's fields in.
            out.push_str(&format!(
                r#"{{"process":{},"type":"{}","time":{},"op":{}"#,
                e.process,
                e.kind.name(),
                e.time.0,
                e.op
            ));
            let extra = match (e.kind, &op.outcome) {
                (EventType::Invoke, _) => {
                    fields(serde_json::to_value(&op.input).expect("inputs serialize"), "input")
                }
                (EventType::Ok, Outcome::Ok(_, output)) => {
                    fields(serde_json::to_value(output).expect("outputs serialize"), "output")
                }
                _ => Vec::new(),
            };
            for (k, v) in extra {
                out.push_str(&format!(",{}:{}", Value::from(k), v));
            }
            out.push('}');
            out.push('\n');
        }
        out
    }
}

fn payload(mut event: Map<String, Value>, name: &str) -> Value {
    for k in RESERVED {
        event.remove(k);
    }
    match event.remove(name) {
        Some(v) if event.is_empty() => v,
        Some(v) => {
            event.insert(name.to_string(), v);
            Value::Object(event)
        }
        None => Value::Object(event),
    }
}

impl<I: DeserializeOwned, O: DeserializeOwned> History<I, O> {
    /// Reads JSON lines written by [`History::to_json_lines`] (or by hand: `time` and `op` are
    /// optional; without `time`, times are line numbers).
    pub fn from_json_lines(text: &str, file: &str) -> Result<Self, ParseError> {
        let mut ops: Vec<Operation<I, O>> = Vec::new();
        let mut open: BTreeMap<(bool, u64), usize> = BTreeMap::new();
        let mut timeline = None;
        let mut last = Time::ZERO;
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let error =
                |message: String| ParseError { file: file.to_string(), line: n + 1, message };
            let value: Value = serde_json::from_str(line)
                .map_err(|e| error(format!("this is not a JSON object ({e})")))?;
            let Value::Object(event) = value else {
                return Err(error("this is not a JSON object".into()));
            };
            let process: ProcessId = event
                .get("process")
                .and_then(Value::as_u64)
                .ok_or_else(|| error("the event has no \"process\" number".into()))?;
            let kind = match event.get("type").and_then(Value::as_str) {
                Some("invoke") => EventType::Invoke,
                Some("ok") => EventType::Ok,
                Some("fail") => EventType::Fail,
                Some("info") => EventType::Info,
                _ => {
                    return Err(error(
                        "the event's \"type\" is not one of invoke, ok, fail and info".into(),
                    ));
                }
            };
            let time = match (event.get("time"), timeline) {
                (Some(t), None | Some(Timeline::Virtual)) => {
                    timeline = Some(Timeline::Virtual);
                    Time(t.as_u64().ok_or_else(|| error("\"time\" is not a number".into()))?)
                }
                (None, None | Some(Timeline::Lines)) => {
                    timeline = Some(Timeline::Lines);
                    Time(n as u64 + 1)
                }
                _ => return Err(error("some events have a \"time\" and some do not".into())),
            };
            if time < last {
                return Err(error("the event is earlier than the one before it".into()));
            }
            last = time;
            let pairing = match event.get("op") {
                Some(op) => {
                    (true, op.as_u64().ok_or_else(|| error("\"op\" is not a number".into()))?)
                }
                None => (false, process),
            };
            let what = if pairing.0 { "operation" } else { "process" };
            if kind == EventType::Invoke {
                if open.contains_key(&pairing) {
                    return Err(error(format!(
                        "{what} {} is invoked while it is already open",
                        pairing.1
                    )));
                }
                let input = serde_json::from_value(payload(event, "input"))
                    .map_err(|e| error(format!("the invocation is not an operation ({e})")))?;
                open.insert(pairing, ops.len());
                ops.push(Operation { process, invoked: time, input, outcome: Outcome::Info(None) });
                continue;
            }
            let Some(i) = open.remove(&pairing) else {
                return Err(error(format!(
                    "{what} {} completes without an open invocation",
                    pairing.1
                )));
            };
            ops[i].outcome = match kind {
                EventType::Ok => Outcome::Ok(
                    time,
                    serde_json::from_value(payload(event, "output"))
                        .map_err(|e| error(format!("the completion is not an output ({e})")))?,
                ),
                EventType::Fail => Outcome::Fail(time),
                _ => Outcome::Info(Some(time)),
            };
        }
        Ok(History { ops, timeline: timeline.unwrap_or_default() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linearizability::{CasOp, CasRet};

    fn sample() -> History<CasOp<i64>, CasRet<i64>> {
        History::new(
            vec![
                Operation {
                    process: 1,
                    invoked: Time(10),
                    input: CasOp::Write { value: 4 },
                    outcome: Outcome::Ok(Time(30), CasRet::Write),
                },
                Operation {
                    process: 1,
                    invoked: Time(20),
                    input: CasOp::Cas { from: 4, to: 5 },
                    outcome: Outcome::Info(None),
                },
                Operation {
                    process: 2,
                    invoked: Time(25),
                    input: CasOp::Read,
                    outcome: Outcome::Ok(Time(30), CasRet::Read { value: Some(4) }),
                },
                Operation {
                    process: 3,
                    invoked: Time(26),
                    input: CasOp::Read,
                    outcome: Outcome::Fail(Time(27)),
                },
            ],
            Timeline::Virtual,
        )
    }

    #[test]
    fn json_lines_round_trip() {
        let h = sample();
        let text = h.to_json_lines();
        assert_eq!(
            text.lines().next().unwrap(),
            r#"{"process":1,"type":"invoke","time":10,"op":0,"f":"write","value":4}"#
        );
        assert_eq!(text.lines().count(), 7, "four invocations, three completions");
        let back = History::<CasOp<i64>, CasRet<i64>>::from_json_lines(&text, "h.jsonl").unwrap();
        assert_eq!(back, h);
    }

    #[test]
    fn hand_written_lines_pair_by_process() {
        let text = "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n\
                    {\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"value\":null}\n";
        let h = History::<CasOp<i64>, CasRet<i64>>::from_json_lines(text, "h").unwrap();
        assert_eq!(h.timeline, Timeline::Lines);
        assert_eq!(h.ops[0].outcome, Outcome::Ok(Time(2), CasRet::Read { value: None }));
    }

    #[test]
    fn malformed_json_lines_name_their_line() {
        let cases = [
            ("{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n[1]\n", "not a JSON object"),
            (
                "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n{\"type\":\"ok\"}\n",
                "no \"process\"",
            ),
            (
                "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n{\"process\":1,\"type\":\"done\"}\n",
                "\"type\"",
            ),
            (
                "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n{\"process\":2,\"type\":\"ok\"}\n",
                "without an open",
            ),
            (
                "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n{\"process\":1,\"type\":\"invoke\",\"f\":\"jump\"}\n",
                "already open",
            ),
            (
                "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n{\"process\":2,\"type\":\"invoke\",\"f\":\"jump\"}\n",
                "not an operation",
            ),
            (
                "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"time\":5}\n{\"process\":2,\"type\":\"invoke\",\"f\":\"read\",\"time\":4}\n",
                "earlier",
            ),
        ];
        for (text, words) in cases {
            let e =
                History::<CasOp<i64>, CasRet<i64>>::from_json_lines(text, "h.jsonl").unwrap_err();
            assert_eq!(e.line, 2, "{text}: {e}");
            assert!(e.message.contains(words), "{text}: {e}");
        }
    }
}
