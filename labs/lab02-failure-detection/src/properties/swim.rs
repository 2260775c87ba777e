//! Part C's own rules (Das, Gupta and Motivala, 2002): one probe per protocol period in a
//! shuffled round-robin order, indirect probes after a missed ack, helpers that relay, suspicion
//! only when no ack came within the period, restoration on any sign of life.

use super::{Lives, effects_of, handler_output};
use crate::{FailureDetection, Msg, Suspicion, SwimTiming};
use harness::trace::EventKind;
use harness::{Duration, NodeId, Property, Run, Time, Verdict};
use std::collections::{BTreeMap, BTreeSet};

/// SWIM cannot hear `target` when neither the direct round trip nor any helper's four links
/// (observer to helper, helper to target and back, helper to observer) are open.
pub fn cut_off(links: &[(NodeId, NodeId)], observer: NodeId, target: NodeId, nodes: usize) -> bool {
    let open = |a: NodeId, b: NodeId| !links.contains(&(a, b));
    let direct = open(observer, target) && open(target, observer);
    let through = |h: NodeId| {
        h != observer
            && h != target
            && open(observer, h)
            && open(h, target)
            && open(target, h)
            && open(h, observer)
    };
    !direct && !(0..nodes as u32).map(NodeId).any(through)
}

/// One probe of a member by another: its direct ping, what answered it, the ping requests.
#[derive(Clone, Debug)]
struct Probe {
    id: u64,
    target: NodeId,
    sent: Time,
    /// The first ack about the target for this probe to reach the prober: (time, event index).
    acked: Option<(Time, usize)>,
    /// The ping requests sent for it: (time, helper, event index).
    requests: Vec<(Time, NodeId, usize)>,
}

/// One incarnation of a member, as its probes show it.
#[derive(Clone, Debug)]
struct Incarnation {
    node: NodeId,
    start: Time,
    end: Time,
    probes: Vec<Probe>,
    ids: BTreeMap<u64, usize>,
}

/// Everything the probing rules are judged on, read in one pass, with the first breach of the
/// rules that can only be judged at the moment they happen.
struct Probing {
    incarnations: Vec<Incarnation>,
    /// A ping request for a probe the member never made.
    stray_request: Option<(Time, String)>,
    /// A suspicion that was not the conclusion of an unanswered probe.
    unjustified: Option<(Time, String)>,
}

/// Reads every member's probes from the trace: an own probe is a ping sent by any handler but
/// that of a ping request (those pings are relays).
fn probing(run: &Run<FailureDetection>, timing: SwimTiming) -> Probing {
    let handlers = run.trace.handlers();
    let mut incarnations: Vec<Incarnation> = Vec::new();
    let mut current: Vec<Option<usize>> = vec![None; run.nodes];
    let mut stray_request = None;
    let mut unjustified = None;
    let first = |slot: &mut Option<(Time, String)>, at: Time, what: String| {
        if slot.is_none() {
            *slot = Some((at, what));
        }
    };
    for (index, e) in run.trace.events.iter().enumerate() {
        match &e.kind {
            EventKind::Start { node, .. } | EventKind::Restart { node, .. } => {
                current[node.index()] = Some(incarnations.len());
                incarnations.push(Incarnation {
                    node: *node,
                    start: e.at,
                    end: run.end,
                    probes: Vec::new(),
                    ids: BTreeMap::new(),
                });
            }
            EventKind::Crash { node, .. } => {
                if let Some(i) = current[node.index()].take() {
                    incarnations[i].end = e.at;
                }
            }
            EventKind::Send { msg } => {
                let m = run.trace.message(*msg);
                let Some(i) = current[m.from.index()] else { continue };
                match m.msg {
                    Msg::Ping { probe } => {
                        // A ping sent while handling a ping request is a relay, not a probe.
                        let relay = handlers[index].is_some_and(|h| {
                            matches!(run.trace.events[h].kind, EventKind::Deliver { msg }
                                if matches!(run.trace.message(msg).msg, Msg::PingReq { .. }))
                        });
                        if !relay {
                            let inc = &mut incarnations[i];
                            inc.ids.insert(probe, inc.probes.len());
                            inc.probes.push(Probe {
                                id: probe,
                                target: m.to,
                                sent: e.at,
                                acked: None,
                                requests: Vec::new(),
                            });
                        }
                    }
                    Msg::PingReq { probe, target } => {
                        let inc = &mut incarnations[i];
                        match inc.ids.get(&probe).map(|&k| &mut inc.probes[k]) {
                            Some(p) if p.target == target => p.requests.push((e.at, m.to, index)),
                            Some(p) => first(
                                &mut stray_request,
                                e.at,
                                format!(
                                    "{} sent PingReq {{ probe: {probe}, target: {target} }} to {}, \
                                     but its probe {probe} was of {}",
                                    m.from, m.to, p.target
                                ),
                            ),
                            None => first(
                                &mut stray_request,
                                e.at,
                                format!(
                                    "{} sent PingReq {{ probe: {probe}, target: {target} }} to {}, \
                                     but it never pinged anyone with probe {probe}",
                                    m.from, m.to
                                ),
                            ),
                        }
                    }
                    _ => {}
                }
            }
            EventKind::Deliver { msg } => {
                let m = run.trace.message(*msg);
                if let (Msg::Ack { probe, about }, Some(i)) = (&m.msg, current[m.to.index()]) {
                    let inc = &mut incarnations[i];
                    if let Some(&k) = inc.ids.get(probe) {
                        let p = &mut inc.probes[k];
                        if p.target == *about && p.acked.is_none() {
                            p.acked = Some((e.at, index));
                        }
                    }
                }
            }
            EventKind::Output { node, output: Suspicion::Suspect(q) } => {
                let Some(i) = current[node.index()] else { continue };
                let latest = incarnations[i].probes.last();
                let problem = match latest {
                    None => Some(format!(
                        "{node} suspected {q} at {} without having probed anyone",
                        e.at
                    )),
                    Some(p) if p.target != *q => Some(format!(
                        "{node} suspected {q} at {}, but its current probe (sent at {}) is of {}",
                        e.at, p.sent, p.target
                    )),
                    Some(p) if e.at + Duration::from_millis(1) < p.sent + timing.period => {
                        Some(format!(
                            "{node} suspected {q} at {}, before the period of its probe (sent at \
                             {}) was over",
                            e.at, p.sent
                        ))
                    }
                    Some(p) if p.acked.is_some() => Some(format!(
                        "{node} suspected {q} at {}, though an ack about {q} for its probe {} \
                         had reached it at {}",
                        e.at,
                        p.id,
                        p.acked.map(|(t, _)| t).unwrap_or_default()
                    )),
                    Some(p) if p.requests.is_empty() => Some(format!(
                        "{node} suspected {q} at {} after its direct ping (probe {}) went \
                         unanswered, without asking any helper to ping {q}",
                        e.at, p.id
                    )),
                    Some(_) => None,
                };
                if let Some(what) = problem {
                    first(&mut unjustified, e.at, what);
                }
            }
            _ => {}
        }
    }
    Probing { incarnations, stray_request, unjustified }
}

/// A verdict from the first problem found, if any.
fn verdict(problem: Option<(Time, String)>) -> Verdict {
    match problem {
        None => Verdict::Holds,
        Some((at, evidence)) => Verdict::fails_at(at, evidence),
    }
}

/// Keeps the earliest problem.
fn earliest(worst: &mut Option<(Time, String)>, at: Time, what: String) {
    if worst.as_ref().is_none_or(|(t, _)| at < *t) {
        *worst = Some((at, what));
    }
}

/// One probe per protocol period, the first at the start, in a round-robin order over every
/// other member that is shuffled again between rounds.
pub fn probes_keep_to_the_period(timing: SwimTiming, members: usize) -> Property<FailureDetection> {
    Property::new(
        "probes keep to the period",
        "Each incarnation of a member pings one member per protocol period T' (its own probes; \
         pings it relays for others do not count): the first at its start, then every T' \
         (within 1 ms; a pause delays the schedule). Its targets, taken N - 1 at a time from \
         the start, are rounds in which every other member comes up exactly once; over eight \
         rounds or more, the order is not always the same.",
        "pinging every member every period (load that grows with the group); a period timer \
         re-armed twice; skipping suspected members (they must still be probed, or they are \
         never restored); picking a random member each period instead of walking an order \
         (no bound on detection time); shuffling once and never again.",
        move |run: &Run<FailureDetection>| {
            let lives = Lives::of(run);
            let (period, slack) = (timing.period, Duration::from_millis(1));
            let mut worst = None;
            for inc in probing(run, timing).incarnations {
                let (node, end) = (inc.node, inc.end.min(run.end));
                let mut expected = inc.start;
                for (k, p) in inc.probes.iter().enumerate() {
                    let late =
                        p.sent > expected + slack && !lives.paused_during(node, expected, p.sent);
                    if p.sent + slack < expected || late {
                        let what = if k == 0 {
                            format!(
                                "{node} started at {}, but its first probe came at {}",
                                inc.start, p.sent
                            )
                        } else {
                            format!(
                                "{node} probed at {} and then at {}, {} later; the period is {period}",
                                inc.probes[k - 1].sent,
                                p.sent,
                                p.sent - inc.probes[k - 1].sent
                            )
                        };
                        earliest(&mut worst, p.sent, what);
                        break;
                    }
                    if p.target == node || p.target.index() >= members {
                        earliest(
                            &mut worst,
                            p.sent,
                            format!("{node} probed {}, not another member", p.target),
                        );
                        break;
                    }
                    expected = p.sent + period;
                }
                if expected + slack <= end && !lives.paused_during(node, expected, expected + slack)
                {
                    earliest(
                        &mut worst,
                        expected + slack,
                        format!("{node} was due to probe at {expected}, and did not"),
                    );
                }
                let rounds: Vec<&[Probe]> = inc.probes.chunks(members - 1).collect();
                for round in &rounds {
                    let targets: BTreeSet<NodeId> = round.iter().map(|p| p.target).collect();
                    if targets.len() < round.len() {
                        let order: Vec<String> =
                            round.iter().map(|p| p.target.to_string()).collect();
                        earliest(
                            &mut worst,
                            round[round.len() - 1].sent,
                            format!(
                                "{node} probed {} in one round of {} probes: a member came up \
                                 twice before every other member had come up once",
                                order.join(" "),
                                members - 1
                            ),
                        );
                        break;
                    }
                }
                let full: Vec<Vec<NodeId>> = rounds
                    .iter()
                    .filter(|r| r.len() == members - 1)
                    .map(|r| r.iter().map(|p| p.target).collect())
                    .collect();
                if full.len() >= 8 && full.iter().all(|r| *r == full[0]) {
                    earliest(
                        &mut worst,
                        end,
                        format!(
                            "{node} walked its members in the same order in all {} rounds: the \
                             order is never reshuffled",
                            full.len()
                        ),
                    );
                }
            }
            verdict(worst)
        },
    )
}

/// A probe whose direct ping is unanswered after `ping_timeout` asks k' = min(k, N - 2) distinct
/// helpers (never the target or itself) to ping the target; an answered probe asks no one.
pub fn missed_ack_asks_helpers(timing: SwimTiming, members: usize) -> Property<FailureDetection> {
    Property::new(
        "a missed ack asks k helpers",
        "When no ack about the target for a probe has reached the prober ping_timeout after its \
         ping, the prober sends PingReq for that probe, at that moment, to min(k, N - 2) \
         distinct members other than itself and the target. It sends none for a probe already \
         answered, none earlier, and none for probes it never made.",
        "no indirect probes at all; asking helpers at once instead of after ping_timeout; \
         asking the target itself, or yourself; asking the same helper twice; asking all \
         members whatever k is; sending PingReq with the helper's probe number or the wrong \
         target.",
        move |run: &Run<FailureDetection>| {
            let lives = Lives::of(run);
            let helpers = timing.indirect.min(members.saturating_sub(2));
            let slack = Duration::from_millis(1);
            let probing = probing(run, timing);
            let mut worst = probing.stray_request;
            for inc in &probing.incarnations {
                let node = inc.node;
                for p in &inc.probes {
                    let timeout = p.sent + timing.ping_timeout;
                    if let Some(&(at, _, first_index)) = p.requests.first() {
                        let asked: BTreeSet<NodeId> = p.requests.iter().map(|r| r.1).collect();
                        let problem = if p.acked.is_some_and(|(_, i)| i < first_index) {
                            Some(format!(
                                "{node} asked helpers to ping {} for probe {} at {at}, though an \
                                 ack had already reached it at {}",
                                p.target,
                                p.id,
                                p.acked.map(|(t, _)| t).unwrap_or_default()
                            ))
                        } else if at < timeout {
                            Some(format!(
                                "{node} pinged {} at {} and asked helpers already at {at}, before \
                                 ping_timeout ({}) had passed",
                                p.target, p.sent, timing.ping_timeout
                            ))
                        } else if p.requests.iter().any(|r| r.0 != at) {
                            Some(format!(
                                "{node} sent the PingReqs of probe {} at different times",
                                p.id
                            ))
                        } else if asked.len() != p.requests.len() || p.requests.len() != helpers {
                            let who: Vec<String> =
                                p.requests.iter().map(|r| r.1.to_string()).collect();
                            Some(format!(
                                "{node} asked {} to ping {} for probe {}: {} distinct helpers are \
                                 asked, once each",
                                who.join(" "),
                                p.target,
                                p.id,
                                helpers
                            ))
                        } else {
                            asked
                                .iter()
                                .find(|h| **h == node || **h == p.target || h.index() >= members)
                                .map(|h| {
                                    format!(
                                        "{node} asked {h} to ping {} for probe {}: a helper is \
                                         another member, neither the prober nor the target",
                                        p.target, p.id
                                    )
                                })
                        };
                        if let Some(what) = problem {
                            earliest(&mut worst, at, what);
                        }
                    } else {
                        let answered = p.acked.is_some_and(|(t, _)| t <= timeout);
                        let due = timeout + slack;
                        if !answered
                            && due <= inc.end.min(run.end)
                            && !lives.paused_during(node, p.sent, due)
                        {
                            earliest(
                                &mut worst,
                                due,
                                format!(
                                    "{node} pinged {} at {} (probe {}), no ack came within \
                                     ping_timeout ({}), and it asked no helper to ping {}",
                                    p.target, p.sent, p.id, timing.ping_timeout, p.target
                                ),
                            );
                        }
                    }
                }
            }
            verdict(worst)
        },
    )
}

/// A member suspects only the target of its current probe, at the end of the probe's period,
/// when no ack about it came and helpers were asked: "none answered within the period".
pub fn suspects_only_unanswered(timing: SwimTiming) -> Property<FailureDetection> {
    Property::safety(
        "suspects only unanswered members",
        "A member outputs Suspect(q) only to conclude its current probe of q, once the protocol \
         period since its ping is over (1 ms of slack), when no ack about q for that probe has \
         reached it (directly from q, or forwarded by a helper), and after it asked helpers to \
         ping q.",
        "suspecting on the first missed ack without indirect probes; counting a forwarded ack \
         as being about the helper that sent it rather than the member it names; matching acks \
         by sender instead of by probe and `about`; suspecting at ping_timeout instead of at \
         the end of the period.",
        move |run: &Run<FailureDetection>| verdict(probing(run, timing).unjustified),
    )
}

/// Every member answers pings, relays ping requests, and forwards the target's ack to the
/// member that asked, each in the handler of the message that called for it.
pub fn helpers_answer_and_relay(timing: SwimTiming) -> Property<FailureDetection> {
    Property::new(
        "helpers answer and relay",
        "A member answers Ping { probe } from x with Ack { probe, about: itself } to x; answers \
         PingReq { probe, target } from x with a Ping of its own to target; and when the \
         target's ack for that ping arrives within a protocol period, forwards Ack { probe, \
         about: target } to x, with x's probe number (later, it may have forgotten the relay). \
         Each in the handler of the message that called for it.",
        "not answering pings while busy probing; relaying the PingReq itself to the target \
         instead of pinging it; forwarding the ack with your own probe number; forwarding to \
         the target instead of the requester; not answering while a member is suspected.",
        move |run: &Run<FailureDetection>| {
            let handlers = run.trace.handlers();
            // The messages the handler begun by event `h` sent: (to, message).
            let sends_of = |h: usize| {
                effects_of(run, &handlers, h).filter_map(|k| match k {
                    EventKind::Send { msg } => {
                        let m = run.trace.message(*msg);
                        Some((m.to, &m.msg))
                    }
                    _ => None,
                })
            };
            let sent = |h: usize, to: NodeId, want: &dyn Fn(&Msg) -> bool| {
                sends_of(h).any(|(t, m)| t == to && want(m))
            };
            // (helper, its relay ping's probe) -> (requester, requester's probe, target, when).
            let mut relays: BTreeMap<(NodeId, u64), (NodeId, u64, NodeId, Time)> = BTreeMap::new();
            for (i, e) in run.trace.events.iter().enumerate() {
                match &e.kind {
                    EventKind::Crash { node, .. } => relays.retain(|(h, _), _| h != node),
                    EventKind::Deliver { msg } => {
                        let m = run.trace.message(*msg);
                        let (x, me) = (m.from, m.to);
                        let problem = match m.msg {
                            Msg::Ping { probe } => (!sent(i, x, &|r| {
                                *r == Msg::Ack { probe, about: me }
                            }))
                            .then(|| {
                                format!(
                                    "{me} received Ping {{ probe: {probe} }} from {x} and did not \
                                     answer Ack {{ probe: {probe}, about: {me} }}"
                                )
                            }),
                            Msg::PingReq { probe, target } => {
                                let relay = sends_of(i).find_map(|(t, r)| match r {
                                    Msg::Ping { probe: mine } if t == target => Some(*mine),
                                    _ => None,
                                });
                                match relay {
                                    Some(mine) => {
                                        relays.insert((me, mine), (x, probe, target, e.at));
                                        None
                                    }
                                    None => Some(format!(
                                        "{me} received PingReq {{ probe: {probe}, target: \
                                         {target} }} from {x} and did not ping {target}"
                                    )),
                                }
                            }
                            Msg::Ack { probe, about } => match relays.get(&(me, probe)) {
                                Some(&(asker, theirs, target, since)) if target == about => {
                                    relays.remove(&(me, probe));
                                    let due = e.at <= since + timing.period;
                                    (due && !sent(i, asker, &|r| {
                                        *r == Msg::Ack { probe: theirs, about }
                                    }))
                                    .then(|| {
                                        format!(
                                            "{me} relayed {asker}'s probe {theirs} of {about} \
                                                 as its ping {probe}; the ack came back, and \
                                                 {me} did not forward Ack {{ probe: {theirs}, \
                                                 about: {about} }} to {asker}"
                                        )
                                    })
                                }
                                _ => None,
                            },
                            _ => None,
                        };
                        if let Some(p) = problem {
                            return Verdict::fails_at(e.at, p);
                        }
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// A suspected member is restored as soon as any message from it, or any ack about it, reaches
/// the suspecting member.
pub fn restores_on_sign_of_life() -> Property<FailureDetection> {
    Property::new(
        "restores on any sign of life",
        "When a message from a suspected member, or an Ack about it (from anyone), reaches the \
         member that suspects it, that member outputs Restore for it while handling the \
         message.",
        "restoring only on acks to your own current probe; restoring the helper that forwarded \
         an ack instead of the member the ack is about; never restoring until the next probe.",
        |run: &Run<FailureDetection>| {
            let handlers = run.trace.handlers();
            let mut suspected: BTreeSet<(NodeId, NodeId)> = BTreeSet::new();
            for (i, e) in run.trace.events.iter().enumerate() {
                match &e.kind {
                    EventKind::Crash { node, .. } => suspected.retain(|(p, _)| p != node),
                    EventKind::Output { node, output: Suspicion::Suspect(q) } => {
                        suspected.insert((*node, *q));
                    }
                    EventKind::Output { node, output: Suspicion::Restore(q) } => {
                        suspected.remove(&(*node, *q));
                    }
                    EventKind::Deliver { msg } => {
                        let m = run.trace.message(*msg);
                        let mut alive = vec![m.from];
                        if let Msg::Ack { about, .. } = m.msg {
                            alive.push(about);
                        }
                        for q in alive {
                            let restored = handler_output(run, &handlers, i, Suspicion::Restore(q));
                            if suspected.contains(&(m.to, q)) && !restored {
                                let what = if q == m.from {
                                    format!("{:?} from {q}", m.msg)
                                } else {
                                    format!("{:?} from {}", m.msg, m.from)
                                };
                                return Verdict::fails_at(
                                    e.at,
                                    format!(
                                        "{} suspected {q}, received {what} at {}, and did not \
                                         restore {q}",
                                        m.to, e.at
                                    ),
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}
