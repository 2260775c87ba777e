//! What every part B run must satisfy, judged from what the services report and from the writes
//! on the wire, never from a node's account of itself. Every bound is a formula of
//! [`LeaseTiming`].

use super::{LeaseMsg, LeaseOutput, LeaseTimer, LeaseTiming, Leases, Token};
use harness::trace::{EventKind, Trace};
use harness::{Duration, NodeId, Property, Run, Time, Verdict};
use std::collections::BTreeMap;

/// The harness's two services in a run: where properties read their reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Services {
    /// The lease service's id.
    pub lease: NodeId,
    /// The storage's id.
    pub storage: NodeId,
}

/// One grant or renewal, as the lease service reported it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    /// When the service granted it.
    pub at: Time,
    /// To whom.
    pub holder: NodeId,
    /// Its token.
    pub token: Token,
    /// When it expires at the service.
    pub until: Time,
    /// Whether it renewed a lease.
    pub renewal: bool,
}

/// Every grant and renewal the lease service reported, in order.
pub fn grants(trace: &Trace<Leases>, services: Services) -> Vec<Grant> {
    trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Output {
                node,
                output: LeaseOutput::Granted { holder, token, until, renewal },
            } if *node == services.lease => Some(Grant {
                at: e.at,
                holder: *holder,
                token: *token,
                until: *until,
                renewal: *renewal,
            }),
            _ => None,
        })
        .collect()
}

/// Every write sent: (time, writer, token).
pub fn writes(trace: &Trace<Leases>) -> Vec<(Time, NodeId, Token)> {
    trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Send { msg } => match trace.message(msg) {
                m @ harness::trace::Envelope { msg: LeaseMsg::Write { token, .. }, .. } => {
                    Some((e.at, m.from, *token))
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Every write the storage accepted: (time, writer, token).
fn accepted(trace: &Trace<Leases>, services: Services) -> Vec<(Time, NodeId, Token)> {
    trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Output { node, output: LeaseOutput::Accepted { writer, token } }
                if *node == services.storage =>
            {
                Some((e.at, *writer, *token))
            }
            _ => None,
        })
        .collect()
}

/// The node holding an unexpired lease at the service at `now`, if any.
pub fn holder_at(trace: &Trace<Leases>, services: Services, now: Time) -> Option<NodeId> {
    grants(trace, services)
        .into_iter()
        .rev()
        .find(|g| g.at <= now)
        .filter(|g| now < g.until)
        .map(|g| g.holder)
}

/// How long after the faults end a write must be accepted: the old lease runs out (`ttl`), a
/// node tries to acquire it (`renew_interval`), the grant comes back and the first write goes
/// out (`write_interval`), with a network delay for each of the four messages.
pub fn takeover_bound(timing: LeaseTiming) -> Duration {
    timing.ttl + timing.renew_interval + timing.write_interval + timing.max_delay.times(4)
}

/// The storage's accepted tokens never go down.
pub fn storage_fences(services: Services) -> Property<Leases> {
    Property::safety(
        "the storage never accepts a lower token",
        "Every write the storage accepts carries a token at least as high as every token it \
         accepted before: a stale holder's write is fenced off.",
        "none in your code: the storage is the harness's; report this if it fails.",
        move |run: &Run<Leases>| {
            let mut highest: Option<(Token, NodeId)> = None;
            for (at, writer, token) in accepted(&run.trace, services) {
                if let Some((h, by)) = highest.filter(|(h, _)| token < *h) {
                    return Verdict::fails_at(
                        at,
                        format!(
                            "the storage accepted token {token} from {writer} after token {h} \
                             from {by}"
                        ),
                    );
                }
                highest = Some((token, writer));
            }
            Verdict::Holds
        },
    )
}

/// Every write is sent while its lease is valid at the service.
pub fn writes_under_valid_lease(services: Services) -> Property<Leases> {
    Property::safety(
        "writes only under a valid lease",
        "A node sends a write with token T at time t only if the lease service granted (or last \
         renewed) lease T to that node at or before t, with expiry after t. A holder stops in \
         time by measuring from when it sent the granted request and stopping \
         ttl - ttl * MAX_DRIFT_PPM / 10^6 - max_delay later by its own clock.",
        "no margin for clock drift; measuring the lease from when the grant arrived instead of \
         when the request was sent, with no margin for the network's delay either; writing on after a renewal went unanswered or was refused; \
         trusting a lease after waking from a pause without reading the clock again.",
        move |run: &Run<Leases>| {
            let grants = grants(&run.trace, services);
            for (at, writer, token) in writes(&run.trace) {
                let last = grants.iter().rev().find(|g| g.at <= at && g.token == token);
                let problem = match last {
                    None => Some(format!("no lease with token {token} had been granted")),
                    Some(g) if g.holder != writer => {
                        Some(format!("lease {token} was granted to {}", g.holder))
                    }
                    Some(g) if at >= g.until => {
                        Some(format!("lease {token} had expired at the service at {}", g.until))
                    }
                    Some(_) => None,
                };
                if let Some(p) = problem {
                    return Verdict::fails_at(
                        at,
                        format!("{writer} sent a write with token {token} at {at}, but {p}"),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// No two nodes act as leader (write) at overlapping times.
pub fn one_leader_at_a_time() -> Property<Leases> {
    Property::safety(
        "one leader at a time",
        "A node acts as leader under token T from its first write with T to its last; no two \
         nodes' spans overlap in virtual time. It follows from writing only under a valid lease.",
        "the causes of \"writes only under a valid lease\": a lease judged by a clock with no \
         drift margin, or kept after it ran out.",
        |run: &Run<Leases>| {
            let mut spans: BTreeMap<(NodeId, Token), (Time, Time)> = BTreeMap::new();
            for (at, writer, token) in writes(&run.trace) {
                spans.entry((writer, token)).and_modify(|s| s.1 = at).or_insert((at, at));
            }
            let spans: Vec<_> = spans.into_iter().collect();
            for (i, ((a, ta), (a0, a1))) in spans.iter().enumerate() {
                for ((b, tb), (b0, b1)) in &spans[i + 1..] {
                    if a != b && a0 <= b1 && b0 <= a1 {
                        return Verdict::fails_at(
                            *a0.max(b0),
                            format!(
                                "{a} wrote under token {ta} from {a0} to {a1}, and {b} under \
                                 token {tb} from {b0} to {b1}"
                            ),
                        );
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// Every write carries a token the service granted to its writer.
pub fn writes_carry_the_token(services: Services) -> Property<Leases> {
    Property::safety(
        "every write carries its lease's token",
        "Each write is stamped with the fencing token of a lease the service granted to its \
         writer, so the storage can tell a stale leader from the current one.",
        "writing with token 0 or a made-up number; writing with another node's token; stamping \
         the write with a counter of your own instead of the token in Granted.",
        move |run: &Run<Leases>| {
            let grants = grants(&run.trace, services);
            for (at, writer, token) in writes(&run.trace) {
                if !grants.iter().any(|g| g.at <= at && g.token == token && g.holder == writer) {
                    return Verdict::fails_at(
                        at,
                        format!(
                            "{writer} wrote with token {token}, which the service never granted \
                             to it"
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// Writes are accepted once the faults are over.
pub fn writes_accepted_at_rest(timing: LeaseTiming, services: Services) -> Property<Leases> {
    Property::new(
        "writes are accepted in the quiet end",
        "From takeover_bound = ttl + renew_interval + write_interval + 4 * max_delay after the \
         faults end until the end of the run, some node holds the lease and the storage accepts \
         its writes: at least one accepted write in every takeover_bound of that window.",
        "never acquiring the lease; stopping renewals; a safe span computed too short (or \
         negative), so the holder never writes; not retrying the acquisition after a refusal.",
        move |run: &Run<Leases>| {
            let bound = takeover_bound(timing);
            let mut from = run.trace.faults_end() + bound;
            let accepted = accepted(&run.trace, services);
            while from + bound <= run.end {
                let to = from + bound;
                if !accepted.iter().any(|(at, _, _)| *at >= from && *at < to) {
                    return Verdict::fails_at(
                        to,
                        format!("the storage accepted no write between {from} and {to}"),
                    );
                }
                from = to;
            }
            Verdict::Holds
        },
    )
}

/// Each competitor's traffic stays within what the contract's intervals call for.
pub fn bounded_traffic(timing: LeaseTiming, services: Services) -> Property<Leases> {
    Property::new(
        "lease traffic is bounded",
        "Each node sends the lease service at most 2 * (run length / renew_interval) + 2 \
         requests and the storage at most 2 * (run length / write_interval) + 2 writes: one per \
         interval, with room for a clock running fast by the drift bound and for retries.",
        "retrying an acquisition the moment it is refused; renewing or writing on every message \
         instead of on the timers; setting a timer in every handler, so timers multiply.",
        move |run: &Run<Leases>| {
            let length = run.end.as_micros();
            let limit = |interval: Duration| 2 * (length / interval.as_micros()) + 2;
            let mut counts: BTreeMap<(NodeId, NodeId), u64> = BTreeMap::new();
            for e in &run.trace.events {
                if let EventKind::Send { msg } = e.kind {
                    let m = run.trace.message(msg);
                    let to_service = m.to == services.lease || m.to == services.storage;
                    if !to_service || m.from == services.lease || m.from == services.storage {
                        continue;
                    }
                    let count = counts.entry((m.from, m.to)).or_default();
                    *count += 1;
                    let (what, interval) = if m.to == services.lease {
                        ("lease requests", timing.renew_interval)
                    } else {
                        ("writes", timing.write_interval)
                    };
                    if *count > limit(interval) {
                        return Verdict::fails_at(
                            e.at,
                            format!(
                                "{} sent more than {} {what} in a run of {}",
                                m.from,
                                limit(interval),
                                run.end.since(Time::ZERO)
                            ),
                        );
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// The properties every part B scenario has.
pub fn part_b(timing: LeaseTiming, services: Services) -> Vec<Property<Leases>> {
    vec![
        storage_fences(services),
        writes_under_valid_lease(services),
        one_leader_at_a_time(),
        writes_carry_the_token(services),
        holder_keeps_the_rules(timing, services),
        writes_accepted_at_rest(timing, services),
        bounded_traffic(timing, services),
    ]
}

/// The lease a competitor holds by the contract's rules, rebuilt from its own requests and the
/// answers that reached it.
#[derive(Default)]
struct HolderModel {
    /// Requests in flight: seq to (send time by the node's clock, whether it renews).
    pending: BTreeMap<u64, (Time, bool)>,
    /// Every seq used since the node's last start.
    used: std::collections::BTreeSet<u64>,
    /// The lease: its token and the node's deadline for it, by its own clock.
    lease: Option<(Token, Time)>,
}

impl HolderModel {
    fn valid(&self, now: Time) -> Option<Token> {
        self.lease.filter(|(_, until)| now < *until).map(|(token, _)| token)
    }

    fn answer(&mut self, msg: &LeaseMsg, span: Duration) {
        match *msg {
            LeaseMsg::Granted { token, seq } => {
                let Some((sent, _)) = self.pending.remove(&seq) else { return };
                let until = sent + span;
                self.lease = match self.lease {
                    Some((held, old)) if held == token => Some((held, old.max(until))),
                    Some((held, old)) if held > token => Some((held, old)),
                    _ => Some((token, until)),
                };
            }
            LeaseMsg::Refused { seq, .. } => {
                let renewal = self.pending.remove(&seq).is_some_and(|(_, renewal)| renewal);
                if renewal {
                    self.lease = None;
                }
            }
            _ => {}
        }
    }
}

/// Each competitor acts on the answers it got, as the handout's handler table says.
pub fn holder_keeps_the_rules(timing: LeaseTiming, services: Services) -> Property<Leases> {
    let span = timing.ttl - timing.drift_margin() - timing.max_delay;
    Property::safety(
        "a holder acts on the answers it got",
        "Each competitor is judged against the lease the contract says it holds, rebuilt from its \
         own requests and the answers that reached it since it started: every request has a seq \
         of its own; Granted { token, seq } makes token the lease until the send time of request \
         seq + S by the node's clock (S = ttl - drift_margin - max_delay), a renewal moving that \
         deadline later and never earlier, a grant of an older token than the lease held \
         changing nothing; a refused Renew ends the lease, a refused Acquire changes nothing. A \
         Renew carries the token of a lease still valid, an Acquire goes out only without one; \
         and each Write timer sends one write with the lease's token exactly when the lease is \
         valid by the node's clock (now < deadline).",
        "one seq for every request, so an answer is matched to the wrong send time; a late \
         answer that moves the deadline earlier, or one whose request was forgotten too soon; a \
         refused Acquire that ends a lease granted meanwhile; a safe span with a margin added \
         instead of taken off; writing less often than the Write timer says.",
        move |run: &Run<Leases>| {
            let trace = &run.trace;
            let handlers = trace.handlers();
            let is_holder = |n: NodeId| n != services.lease && n != services.storage;
            let mut model: BTreeMap<NodeId, HolderModel> = BTreeMap::new();
            for (i, e) in trace.events.iter().enumerate() {
                let fail = |node: NodeId, what: String| {
                    Verdict::fails_at(e.at, format!("{node} at {e_at}: {what}", e_at = e.at))
                };
                match &e.kind {
                    EventKind::Start { node, .. } | EventKind::Crash { node, .. } => {
                        model.remove(node);
                    }
                    EventKind::Deliver { msg } => {
                        let m = trace.message(*msg);
                        if is_holder(m.to) && m.from == services.lease {
                            model.entry(m.to).or_default().answer(&m.msg, span);
                        }
                    }
                    EventKind::Send { msg } => {
                        let m = trace.message(*msg);
                        if !is_holder(m.from) {
                            continue;
                        }
                        let now = run.monotonic_clock(m.from, e.at);
                        let holder = model.entry(m.from).or_default();
                        let valid = holder.valid(now);
                        let problem = match m.msg {
                            LeaseMsg::Acquire { seq } | LeaseMsg::Renew { seq, .. }
                                if !holder.used.insert(seq) =>
                            {
                                Some(format!("it sent {:?} with a seq it had used before", m.msg))
                            }
                            LeaseMsg::Acquire { .. } if valid.is_some() => Some(format!(
                                "it asked for the lease while its lease {} was valid by its \
                                 clock ({now}); it renews that instead",
                                valid.unwrap_or_default()
                            )),
                            LeaseMsg::Renew { token, .. } if valid != Some(token) => Some(format!(
                                "it renewed token {token}, but by the answers it got its \
                                     valid lease was {valid:?} at {now} by its clock"
                            )),
                            LeaseMsg::Write { token, .. } if valid != Some(token) => Some(format!(
                                "it wrote with token {token}, but by the answers it got its \
                                     valid lease was {valid:?} at {now} by its clock (the \
                                     deadline is the granted request's send time + {span})"
                            )),
                            _ => None,
                        };
                        if let Some(p) = problem {
                            return fail(m.from, p);
                        }
                        match m.msg {
                            LeaseMsg::Acquire { seq } => {
                                holder.lease = None;
                                holder.pending.insert(seq, (now, false));
                            }
                            LeaseMsg::Renew { seq, .. } => {
                                holder.pending.insert(seq, (now, true));
                            }
                            _ => {}
                        }
                    }
                    EventKind::TimerFired { node, timer: LeaseTimer::Write, .. }
                        if is_holder(*node) =>
                    {
                        let now = run.monotonic_clock(*node, e.at);
                        let Some(token) = model.entry(*node).or_default().valid(now) else {
                            continue;
                        };
                        let wrote = trace.events[i + 1..]
                            .iter()
                            .zip(&handlers[i + 1..])
                            // The network's verdicts on sends sit among a handler's effects.
                            .take_while(|(f, h)| {
                                **h == Some(i)
                                    || matches!(
                                        f.kind,
                                        EventKind::Drop { .. } | EventKind::Duplicate { .. }
                                    )
                            })
                            .any(|(f, _)| {
                                matches!(f.kind, EventKind::Send { msg }
                                    if matches!(trace.message(msg).msg, LeaseMsg::Write { .. }))
                            });
                        if !wrote {
                            return fail(
                                *node,
                                format!(
                                    "its Write timer fired while its lease {token} was valid by \
                                     its clock ({now}), and it wrote nothing"
                                ),
                            );
                        }
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}
