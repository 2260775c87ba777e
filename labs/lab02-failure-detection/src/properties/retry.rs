//! Part A's rules, judged from the calls the workload made, the attempts on the wire, the
//! replies that reached the clients and the clients' answers.

use crate::{CallResult, FailureDetection, Msg, RetryTiming};
use harness::trace::{DropReason, EventKind};
use harness::{Duration, NodeId, Property, Run, Time, Verdict};
use std::collections::BTreeMap;

/// One call, as the trace shows it.
#[derive(Clone, Debug)]
pub struct CallRecord {
    /// The client.
    pub client: NodeId,
    /// The call's id (its request's id).
    pub id: u64,
    /// When the workload asked for it.
    pub invoked: Time,
    /// Its attempts on the wire, in the order they were sent: (attempt number, time, to).
    pub attempts: Vec<(u32, Time, NodeId)>,
    /// When replies to it reached the client: (time, event index).
    pub replies: Vec<(Time, usize)>,
    /// The client's answer: (time, result, index of the event whose handler answered).
    pub answer: Option<(Time, CallResult, Option<usize>)>,
    /// Attempts sent after the call was answered.
    pub after_answer: Vec<(u32, Time)>,
}

/// The calls of a run, by (client, id).
pub type Calls = BTreeMap<(NodeId, u64), CallRecord>;

/// Attempts of calls a client was never asked to make: (client, id, when).
pub type Strays = Vec<(NodeId, u64, Time)>;

/// Every call of the run, by (client, id), and attempts for calls the client was never asked
/// to make.
pub fn calls(run: &Run<FailureDetection>) -> (Calls, Strays) {
    let handlers = run.trace.handlers();
    let mut calls: Calls = BTreeMap::new();
    let mut strays = Vec::new();
    for (i, e) in run.trace.events.iter().enumerate() {
        match &e.kind {
            EventKind::Request { node, id, .. } => {
                calls.insert(
                    (*node, id.0),
                    CallRecord {
                        client: *node,
                        id: id.0,
                        invoked: e.at,
                        attempts: Vec::new(),
                        replies: Vec::new(),
                        answer: None,
                        after_answer: Vec::new(),
                    },
                );
            }
            EventKind::Send { msg } => {
                let m = run.trace.message(*msg);
                if let Msg::Call { id, attempt } = m.msg {
                    match calls.get_mut(&(m.from, id)) {
                        Some(c) if c.answer.is_some() => c.after_answer.push((attempt, e.at)),
                        Some(c) => c.attempts.push((attempt, e.at, m.to)),
                        None => strays.push((m.from, id, e.at)),
                    }
                }
            }
            EventKind::Deliver { msg } => {
                let m = run.trace.message(*msg);
                if let Msg::Reply { id, .. } = m.msg {
                    if let Some(c) = calls.get_mut(&(m.to, id)) {
                        c.replies.push((e.at, i));
                    }
                }
            }
            EventKind::Reply { node, id, response } => {
                if let Some(c) = calls.get_mut(&(*node, id.0)) {
                    if c.answer.is_none() {
                        c.answer = Some((e.at, *response, handlers[i]));
                    }
                }
            }
            _ => {}
        }
    }
    (calls, strays)
}

fn first_problem(problems: impl IntoIterator<Item = (Time, String)>) -> Verdict {
    match problems.into_iter().min_by_key(|(t, _)| *t) {
        None => Verdict::Holds,
        Some((at, evidence)) => Verdict::fails_at(at, evidence),
    }
}

/// Every call ends, Done or GaveUp, within the longest time its budget allows.
pub fn calls_end_within_budget(timing: RetryTiming) -> Property<FailureDetection> {
    Property::new(
        "every call ends within its budget",
        "Every call is answered (Done or GaveUp) at most M·T + the sum of envelope(k) for k < M - \
         1 (plus 1 ms) after the workload asked for it: the longest a call can take when every \
         attempt times out after the longest allowed wait. M is max_attempts, T the attempt \
         timeout.",
        "never answering the workload; waiting for ever for a reply; no attempt timeout; \
         forgetting to give up after the last attempt; a wait longer than its envelope.",
        move |run: &Run<FailureDetection>| {
            let (calls, _) = calls(run);
            let limit = timing.longest_call() + Duration::from_millis(1);
            first_problem(calls.values().filter_map(|c| {
                let due = c.invoked + limit;
                match c.answer {
                    Some((t, _, _)) if t <= due => None,
                    _ if due > run.end => None,
                    Some((t, r, _)) => Some((
                        due,
                        format!(
                            "{} answered call {} ({r:?}) at {t}, {} after it was asked for at {}; \
                             the budget allows {limit}",
                            c.client,
                            c.id,
                            t - c.invoked,
                            c.invoked
                        ),
                    )),
                    None => Some((
                        due,
                        format!(
                            "{} was asked for call {} at {} and never answered it (due by {due})",
                            c.client, c.id, c.invoked
                        ),
                    )),
                }
            }))
        },
    )
}

/// A call's attempts are numbered 0, 1, 2, ... in order, sent once each to the server, at most
/// max_attempts of them, the first at once.
pub fn attempts_within_budget(timing: RetryTiming, server: NodeId) -> Property<FailureDetection> {
    Property::safety(
        "never more attempts than the budget",
        "A client sends a call's attempts to the server numbered 0, 1, 2, ... in order, each \
         exactly once, at most max_attempts of them, attempt 0 the moment the call is asked for; \
         and it sends no attempt for a call it was not asked to make.",
        "an off-by-one in the budget (max_attempts retries after the first attempt); sending an \
         attempt twice (from both the timeout and the backoff timer); counting attempts per \
         client instead of per call; numbering from 1; an id that is not the request's id.",
        move |run: &Run<FailureDetection>| {
            let (calls, strays) = calls(run);
            let mut problems: Vec<(Time, String)> = strays
                .into_iter()
                .map(|(c, id, t)| {
                    (
                        t,
                        format!(
                            "{c} sent an attempt of call {id}, which it was never asked to make"
                        ),
                    )
                })
                .collect();
            for c in calls.values() {
                for (k, &(attempt, at, to)) in c.attempts.iter().enumerate() {
                    let problem = if to != server {
                        Some(format!(
                            "{} sent attempt {attempt} of call {} to {to}, not to the server",
                            c.client, c.id
                        ))
                    } else if attempt as usize != k {
                        Some(format!(
                            "{} sent attempt {attempt} of call {} as its attempt number {k} (from 0)",
                            c.client, c.id
                        ))
                    } else if attempt >= timing.max_attempts {
                        Some(format!(
                            "{} sent attempt {attempt} of call {}: {} attempts, above the budget of {}",
                            c.client,
                            c.id,
                            attempt + 1,
                            timing.max_attempts
                        ))
                    } else if k == 0 && at != c.invoked {
                        Some(format!(
                            "{} was asked for call {} at {} but sent its first attempt only at {at}",
                            c.client, c.id, c.invoked
                        ))
                    } else {
                        None
                    };
                    if let Some(p) = problem {
                        problems.push((at, p));
                        break;
                    }
                }
            }
            first_problem(problems)
        },
    )
}

/// Each wait between attempts lies in [0, min(cap, base·2^k)] after attempt k timed out.
pub fn waits_inside_envelope(timing: RetryTiming) -> Property<FailureDetection> {
    Property::safety(
        "waits stay inside the envelope",
        "Attempt k + 1 of a call is sent a wait w after attempt k timed out (T after it was \
         sent), with 0 ≤ w ≤ min(cap, base·2^k) (plus 1 ms): never before the timeout, never \
         beyond the capped exponential envelope.",
        "no cap on the wait; doubling from base·2 instead of base; retrying as soon as a reply \
         fails to come, before the attempt timeout; measuring the wait from the attempt's send \
         instead of its timeout; a jitter drawn from the wrong range.",
        move |run: &Run<FailureDetection>| {
            let (calls, _) = calls(run);
            let slack = Duration::from_millis(1);
            let mut problems = Vec::new();
            for c in calls.values() {
                for pair in c.attempts.windows(2) {
                    let ((k, sent, _), (_, next, _)) = (pair[0], pair[1]);
                    let timeout = sent + timing.attempt_timeout;
                    let envelope = timing.envelope(k);
                    let problem = if next < timeout {
                        Some(format!(
                            "{} sent attempt {} of call {} at {next}, before attempt {k} (sent at \
                             {sent}) timed out at {timeout}",
                            c.client,
                            k + 1,
                            c.id
                        ))
                    } else if next - timeout > envelope + slack {
                        Some(format!(
                            "{} waited {} after attempt {k} of call {} timed out; the envelope \
                             min(cap, base·2^{k}) is {envelope}",
                            c.client,
                            next - timeout,
                            c.id
                        ))
                    } else {
                        None
                    };
                    if let Some(p) = problem {
                        problems.push((next, p));
                        break;
                    }
                }
            }
            first_problem(problems)
        },
    )
}

/// Over the run, some wait after attempt 2 or later reaches at least half its envelope: the
/// client really backs off (full jitter and equal jitter both do; a fixed interval does not).
pub fn backoff_reaches_envelope(timing: RetryTiming) -> Property<FailureDetection> {
    Property::new(
        "backoff reaches its envelope",
        "The scenario makes at least twenty waits after attempts k ≥ 2; at least one of them is \
         at least half its envelope min(cap, base·2^k). Jitter drawn from the whole envelope \
         ([0, e], full jitter) or its upper half ([e/2, e], equal jitter) passes; a fixed or \
         slowly growing wait does not.",
        "retrying at a fixed interval; growing the wait linearly instead of doubling it; \
         drawing the jitter from [0, base] whatever the attempt.",
        move |run: &Run<FailureDetection>| {
            let (calls, _) = calls(run);
            let mut waits = 0;
            let mut largest: Option<(Duration, Duration, u32)> = None;
            for c in calls.values() {
                for pair in c.attempts.windows(2) {
                    let ((k, sent, _), (_, next, _)) = (pair[0], pair[1]);
                    if k < 2 {
                        continue;
                    }
                    waits += 1;
                    let wait = next - (sent + timing.attempt_timeout);
                    let envelope = timing.envelope(k);
                    if wait.as_micros() * 2 >= envelope.as_micros() {
                        return Verdict::Holds;
                    }
                    let ratio = |(w, e, _): (Duration, Duration, u32)| {
                        w.as_micros() * 1000 / e.as_micros().max(1)
                    };
                    if largest.is_none_or(|l| ratio((wait, envelope, k)) > ratio(l)) {
                        largest = Some((wait, envelope, k));
                    }
                }
            }
            match largest {
                None => Verdict::fails(
                    "no call made a third attempt after a wait, so no backoff could be seen",
                ),
                Some((w, e, k)) => Verdict::fails(format!(
                    "of {waits} waits after attempts 2 and later, none reached half its envelope; \
                     the closest was {w} after attempt {k}, whose envelope is {e}"
                )),
            }
        },
    )
}

/// A reply that reaches the client while its call is open ends the call as Done at once; a call
/// gives up only after its last attempt timed out unanswered.
pub fn success_when_answered(timing: RetryTiming) -> Property<FailureDetection> {
    Property::new(
        "success whenever the server answers within the budget",
        "When a reply to any attempt of an open call reaches the client, the client answers \
         Done while handling that reply. It answers GaveUp only once max_attempts attempts \
         have been sent and the last one has timed out with no reply; it answers Done only \
         after a reply arrived. So a call succeeds whenever the server recovers and answers \
         before the budget is spent.",
        "accepting only the reply to the latest attempt (a slow server answers an earlier one); \
         giving up one attempt early; answering Done on a timeout; answering twice; keeping the \
         call open after the reply until some timer fires.",
        move |run: &Run<FailureDetection>| {
            let (calls, _) = calls(run);
            let mut problems = Vec::new();
            for c in calls.values() {
                let first_reply = c.replies.first().copied();
                let problem = match (c.answer, first_reply) {
                    (Some((t, CallResult::Done, h)), Some((r, ri))) if r <= t => (h != Some(ri))
                        .then(|| {
                            (t, format!(
                                "a reply to call {} reached {} at {r}, but it answered Done only \
                                 at {t}",
                                c.id, c.client
                            ))
                        }),
                    (Some((t, CallResult::Done, _)), _) => Some((
                        t,
                        format!("{} answered call {} Done at {t}, before any reply reached it", c.client, c.id),
                    )),
                    (Some((t, CallResult::GaveUp, _)), Some((r, _))) if r <= t => Some((
                        t,
                        format!(
                            "{} gave up call {} at {t}, though a reply to it had reached it at {r}",
                            c.client, c.id
                        ),
                    )),
                    (Some((t, CallResult::GaveUp, _)), _) => {
                        let last = c.attempts.last();
                        match last {
                            Some(&(k, sent, _))
                                if k + 1 == timing.max_attempts
                                    && t >= sent + timing.attempt_timeout =>
                            {
                                None
                            }
                            Some(&(k, sent, _)) => Some((
                                t,
                                format!(
                                    "{} gave up call {} at {t} after {} attempts, the last sent \
                                     at {sent}: it must send max_attempts = {} and wait out the \
                                     last one's timeout",
                                    c.client,
                                    c.id,
                                    k + 1,
                                    timing.max_attempts
                                ),
                            )),
                            None => Some((t, format!("{} gave up call {} without trying", c.client, c.id))),
                        }
                    }
                    (None, Some((r, _))) => Some((
                        r,
                        format!("a reply to call {} reached {} at {r}, and it never answered Done", c.id, c.client),
                    )),
                    (None, None) => None,
                };
                problems.extend(problem);
            }
            first_problem(problems)
        },
    )
}

/// Once a reply has reached the client, it never sends that call again.
pub fn no_retry_after_reply() -> Property<FailureDetection> {
    Property::safety(
        "no retry after the reply arrived",
        "Once a reply to a call has reached the client, the client sends no further attempt of \
         that call, whatever timers it had set.",
        "a backoff or attempt timer that is not cancelled (or not checked) when the reply \
         arrives; ignoring a reply to an earlier attempt and retrying anyway.",
        |run: &Run<FailureDetection>| {
            let (calls, _) = calls(run);
            first_problem(calls.values().filter_map(|c| {
                let (r, _) = *c.replies.first()?;
                let late = c
                    .attempts
                    .iter()
                    .map(|&(k, t, _)| (k, t))
                    .chain(c.after_answer.iter().copied())
                    .find(|&(_, t)| t > r)?;
                Some((
                    late.1,
                    format!(
                        "a reply to call {} reached {} at {r}, and it sent attempt {} at {}",
                        c.id, c.client, late.0, late.1
                    ),
                ))
            }))
        },
    )
}

/// Every call of the scenario succeeds: the server comes back before any call's budget runs
/// out, and the network is reliable, so the last attempt at the latest gets through.
pub fn every_call_succeeds() -> Property<FailureDetection> {
    Property::new(
        "the server recovers within the budget, so every call succeeds",
        "The server is back, on a reliable network, before any call could have sent its last \
         attempt, so every call ends Done.",
        "giving up early (fewer attempts than the budget, or shorter waits than the timeout); \
         a client that stops retrying after the server was seen down once.",
        |run: &Run<FailureDetection>| {
            let (calls, _) = calls(run);
            first_problem(calls.values().filter_map(|c| match c.answer {
                Some((_, CallResult::Done, _)) => None,
                Some((t, r, _)) => {
                    Some((t, format!("{} answered call {} {r:?} at {t}", c.client, c.id)))
                }
                None => Some((run.end, format!("{} never answered call {}", c.client, c.id))),
            }))
        },
    )
}

/// After the server's restart, no window of `backoff_base` sees more than half the clients'
/// attempts reach it.
pub fn retries_spread_out(
    timing: RetryTiming,
    clients: usize,
    server: NodeId,
) -> Property<FailureDetection> {
    Property::new(
        "retries after the outage are spread out",
        "After the server restarts, at most N/2 attempts reach it within any window of length \
         backoff_base, N being the number of clients. By then every client has failed at \
         least four attempts, so its next wait is drawn from an envelope of at least 8·base: \
         jitter spreads the N retries over it (about N/8 per window with full jitter, N/4 with \
         equal jitter), while clients without jitter retry in lockstep.",
        "retrying at a fixed interval, or after exactly the envelope, with no jitter: every \
         client that started together retries together; a jitter of a few microseconds; \
         seeding randomness from the call id instead of using ctx.rng().",
        move |run: &Run<FailureDetection>| {
            let restart = run.trace.events.iter().find_map(|e| match e.kind {
                EventKind::Restart { node, .. } if node == server => Some(e.at),
                _ => None,
            });
            let Some(restart) = restart else {
                return Verdict::fails("the server never restarted");
            };
            let arrivals: Vec<Time> = run
                .trace
                .events
                .iter()
                .filter(|e| e.at >= restart)
                .filter_map(|e| match e.kind {
                    EventKind::Deliver { msg } => {
                        let m = run.trace.message(msg);
                        matches!(m.msg, Msg::Call { .. }).then_some(e.at)
                    }
                    _ => None,
                })
                .collect();
            let limit = clients / 2;
            // The busiest window of backoff_base: (attempts in it, its first and last arrival).
            let mut peak = (0, Time::ZERO, Time::ZERO);
            let mut start = 0;
            for end in 0..arrivals.len() {
                while arrivals[end] - arrivals[start] >= timing.backoff_base {
                    start += 1;
                }
                if end - start + 1 > peak.0 {
                    peak = (end - start + 1, arrivals[start], arrivals[end]);
                }
            }
            let (count, from, to) = peak;
            if count > limit {
                return Verdict::fails_at(
                    to,
                    format!(
                        "{count} attempts reached the server between {from} and {to}, within \
                         backoff_base ({}); at most {limit} may",
                        timing.backoff_base
                    ),
                );
            }
            Verdict::Holds
        },
    )
}

/// Evidence for lost replies: a reply was lost, and a later attempt of the same call reached the
/// server, which so saw the call twice.
pub fn reply_lost_and_retried() -> Property<FailureDetection> {
    Property::new(
        "a reply was lost and the call retried",
        "The scenario is about lost replies, so on every seed the network must lose some reply, \
         and a later attempt of the same call must reach the server: a duplicate, visible by \
         its id.",
        "clients that never retry; clients that retry with a new id (then the duplicate cannot \
         be told from a new call).",
        |run: &Run<FailureDetection>| {
            let mut lost: BTreeMap<(NodeId, u64), u32> = BTreeMap::new();
            for e in &run.trace.events {
                match e.kind {
                    EventKind::Drop { msg, reason: DropReason::Loss } => {
                        let m = run.trace.message(msg);
                        if let Msg::Reply { id, attempt } = m.msg {
                            lost.entry((m.to, id)).or_insert(attempt);
                        }
                    }
                    EventKind::Deliver { msg } => {
                        let m = run.trace.message(msg);
                        if let Msg::Call { id, attempt } = m.msg {
                            if lost.get(&(m.from, id)).is_some_and(|a| attempt > *a) {
                                return Verdict::Holds;
                            }
                        }
                    }
                    _ => {}
                }
            }
            Verdict::fails("no lost reply was followed by a retry reaching the server")
        },
    )
}

/// The scenario's outcome for part A: how the calls made while the server was down and while
/// it was up ended. Determined by the outage, the budget and a reliable network.
pub fn call_outcomes(
    run: &Run<FailureDetection>,
    server: NodeId,
    timing: RetryTiming,
) -> Vec<String> {
    let lives = super::Lives::of(run);
    let (calls, _) = calls(run);
    let mut lines = Vec::new();
    for (down, what) in [(true, "while the server was down"), (false, "while the server was up")] {
        let class: Vec<&CallRecord> =
            calls.values().filter(|c| lives.is_up(server, c.invoked) != down).collect();
        if class.is_empty() {
            continue;
        }
        let ended = |r: CallResult| -> Vec<&&CallRecord> {
            class.iter().filter(|c| matches!(c.answer, Some((_, x, _)) if x == r)).collect()
        };
        let (done, gave_up) = (ended(CallResult::Done), ended(CallResult::GaveUp));
        let mut line = format!(
            "{} calls made {what}: {} Done, {} GaveUp",
            class.len(),
            done.len(),
            gave_up.len()
        );
        if !gave_up.is_empty()
            && gave_up.iter().all(|c| c.attempts.len() == timing.max_attempts as usize)
        {
            line.push_str(", every GaveUp after max_attempts attempts");
        }
        if !done.is_empty() && done.iter().all(|c| c.attempts.len() == 1) {
            line.push_str(", every Done at its first attempt");
        }
        lines.push(line);
    }
    lines
}
