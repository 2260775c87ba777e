//! Part B's own rules: heartbeats on schedule, suspicion only at the freshness point of Chen,
//! Toueg and Aguilera (2002), and restoration on the next heartbeat.

use super::{Lives, handler_output};
use crate::{FailureDetection, HeartbeatTiming, Msg, Suspicion};
use harness::trace::EventKind;
use harness::{Duration, NodeId, Property, Run, Time, Verdict};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A heartbeat detector cannot hear `target` when the link from `target` to `observer` is cut:
/// heartbeats only flow one way.
pub fn cut_off(links: &[(NodeId, NodeId)], observer: NodeId, target: NodeId, _: usize) -> bool {
    links.contains(&(target, observer))
}

/// What an observer knows about one member's heartbeats: the highest (incarnation, seq)
/// accepted, and the window of the latest accepted arrivals, each as A_i - s_i·η.
#[derive(Clone, Debug, Default)]
struct Freshness {
    newest: Option<(u64, u64)>,
    offsets: VecDeque<i64>,
    last_arrival: Option<Time>,
}

impl Freshness {
    /// Accepts a heartbeat if it is newer than every one accepted before; says whether it did.
    fn accept(&mut self, timing: HeartbeatTiming, incarnation: u64, seq: u64, at: Time) -> bool {
        if self.newest.is_some_and(|n| (incarnation, seq) <= n) {
            return false;
        }
        if self.newest.is_some_and(|(i, _)| incarnation > i) {
            self.offsets.clear();
        }
        self.newest = Some((incarnation, seq));
        self.offsets.push_back(at.as_micros() as i64 - (seq * timing.interval.as_micros()) as i64);
        while self.offsets.len() > timing.window {
            self.offsets.pop_front();
        }
        self.last_arrival = Some(at);
        true
    }

    /// The expected arrival of the next heartbeat, if any heartbeat was accepted.
    fn expected(&self, timing: HeartbeatTiming) -> Option<i64> {
        let (_, seq) = self.newest?;
        let mean = self.offsets.iter().sum::<i64>().div_euclid(self.offsets.len() as i64);
        Some(mean + ((seq + 1) * timing.interval.as_micros()) as i64)
    }

    /// The freshness point, for an observer that started at `start`.
    fn freshness_point(&self, timing: HeartbeatTiming, start: Time) -> i64 {
        let margin = timing.margin.as_micros() as i64;
        match self.expected(timing) {
            Some(ea) => ea + margin,
            None => (start + timing.interval).as_micros() as i64 + margin,
        }
    }
}

/// One observer incarnation's view, replayed from the trace.
#[derive(Debug)]
struct Observer {
    start: Time,
    peers: BTreeMap<NodeId, Freshness>,
    suspected: BTreeSet<NodeId>,
}

/// What the replay of the heartbeats reports to a property, in trace order.
enum Step<'a> {
    /// `observer` accepted a heartbeat from `from`, delivered by event `index`, while it did or
    /// did not suspect `from`.
    Accepted { observer: NodeId, from: NodeId, index: usize, was_suspected: bool },
    /// `observer`, started at `start`, suspected `target` at `at`, knowing `freshness` of it.
    Suspect { observer: NodeId, target: NodeId, at: Time, freshness: &'a Freshness, start: Time },
}

/// Replays every observer's acceptance of heartbeats exactly as the contract defines it, and
/// calls `on` at each step; the first verdict `on` returns ends the replay.
fn replay(
    run: &Run<FailureDetection>,
    timing: HeartbeatTiming,
    mut on: impl FnMut(Step<'_>) -> Option<Verdict>,
) -> Verdict {
    let mut observers: Vec<Option<Observer>> = (0..run.nodes).map(|_| None).collect();
    let empty = Freshness::default();
    for (index, e) in run.trace.events.iter().enumerate() {
        let step = match &e.kind {
            EventKind::Start { node, .. } | EventKind::Restart { node, .. } => {
                observers[node.index()] = Some(Observer {
                    start: e.at,
                    peers: BTreeMap::new(),
                    suspected: BTreeSet::new(),
                });
                None
            }
            EventKind::Crash { node, .. } => {
                observers[node.index()] = None;
                None
            }
            EventKind::Deliver { msg } => {
                let m = run.trace.message(*msg);
                match (m.msg.clone(), observers[m.to.index()].as_mut()) {
                    (Msg::Heartbeat { incarnation, seq }, Some(o)) => {
                        let accepted = o.peers.entry(m.from).or_default().accept(
                            timing,
                            incarnation,
                            seq,
                            e.at,
                        );
                        accepted.then(|| Step::Accepted {
                            observer: m.to,
                            from: m.from,
                            index,
                            was_suspected: o.suspected.contains(&m.from),
                        })
                    }
                    _ => None,
                }
            }
            EventKind::Output { node, output } => match (observers[node.index()].as_mut(), *output)
            {
                (Some(o), Suspicion::Suspect(q)) => {
                    o.suspected.insert(q);
                    let o = observers[node.index()].as_ref().expect("matched above");
                    Some(Step::Suspect {
                        observer: *node,
                        target: q,
                        at: e.at,
                        freshness: o.peers.get(&q).unwrap_or(&empty),
                        start: o.start,
                    })
                }
                (Some(o), Suspicion::Restore(q)) => {
                    o.suspected.remove(&q);
                    None
                }
                (None, _) => None,
            },
            _ => None,
        };
        if let Some(step) = step {
            if let Some(v) = on(step) {
                return v;
            }
        }
    }
    Verdict::Holds
}

/// A member suspects another only once that member's freshness point has passed (1 ms of slack
/// for rounding): never on a timeout of its own invention.
pub fn suspects_only_overdue(timing: HeartbeatTiming) -> Property<FailureDetection> {
    Property::safety(
        "suspects only overdue members",
        "A member outputs Suspect(q) only once q's freshness point has passed with no newer \
         heartbeat: EA + α, where EA is the mean of A_i - s_i·η over the last n heartbeats \
         accepted from q, plus (s_max + 1)·η (before any heartbeat from q: start + η + α). One \
         millisecond of slack is allowed for rounding.",
        "a timeout shorter than the heartbeat interval; timing out from the last heartbeat's \
         arrival without the margin; an expected arrival from the first heartbeat only (or \
         the last one only); counting duplicated or stale heartbeats in the window; forgetting \
         to reset the window when the member restarts with a new incarnation.",
        move |run: &Run<FailureDetection>| {
            let slack = Duration::from_millis(1).as_micros() as i64;
            replay(run, timing, |step| match step {
                Step::Suspect { observer, target, at, freshness, start } => {
                    let point = freshness.freshness_point(timing, start);
                    if (at.as_micros() as i64) + slack >= point {
                        return None;
                    }
                    let point = Time(point.max(0) as u64);
                    let heard = match (freshness.newest, freshness.last_arrival) {
                        (Some((i, s)), Some(a)) => format!(
                            "the newest heartbeat it had accepted from {target} was seq {s} of \
                             incarnation {i}, at {a}, so seq {} was expected at {} and the \
                             margin ran to {point}",
                            s + 1,
                            Time(freshness.expected(timing).unwrap_or(0).max(0) as u64)
                        ),
                        _ => format!(
                            "it had accepted no heartbeat from {target} since it started at \
                             {start}, so the first was due by {point}"
                        ),
                    };
                    Some(Verdict::fails_at(
                        at,
                        format!(
                            "{observer} suspected {target} at {at}, before its freshness point: {heard}"
                        ),
                    ))
                }
                Step::Accepted { .. } => None,
            })
        },
    )
}

/// When a newer heartbeat arrives from a suspected member, the member is restored in that
/// handler: a mistake lasts no longer than the network makes it.
pub fn restores_on_next_heartbeat(timing: HeartbeatTiming) -> Property<FailureDetection> {
    Property::new(
        "restores on the next heartbeat",
        "When a member accepts a heartbeat (newer than every one it accepted before from that \
         member) from a member it suspects, it outputs Restore for it while handling that \
         heartbeat.",
        "never restoring; restoring only on a later check timer; ignoring heartbeats from a \
         suspected member; rejecting the first heartbeat of a restarted member because its \
         seq is lower (compare the incarnation first).",
        move |run: &Run<FailureDetection>| {
            let handlers = run.trace.handlers();
            replay(run, timing, |step| match step {
                Step::Accepted { observer, from, index, was_suspected: true } => {
                    let restored = handler_output(run, &handlers, index, Suspicion::Restore(from));
                    (!restored).then(|| {
                        let e = &run.trace.events[index];
                        Verdict::fails_at(
                            e.at,
                            format!(
                                "{observer} suspected {from}, and a newer heartbeat from {from} \
                                 arrived at {}, but {observer} did not restore it then",
                                e.at
                            ),
                        )
                    })
                }
                _ => None,
            })
        },
    )
}

/// When a node sent each heartbeat to each peer: `[peer][seq]`.
type Sent = Vec<Vec<Option<Time>>>;

/// Notes that heartbeat `seq` went out at `at`; says whether it had gone out before.
fn record(times: &mut Vec<Option<Time>>, seq: u64, at: Time) -> bool {
    let i = seq as usize;
    if times.len() <= i {
        times.resize(i + 1, None);
    }
    times[i].replace(at).is_some()
}

/// Every incarnation sends heartbeat `seq` to every other member at `start + seq·η`, once, with
/// an incarnation number larger than its previous incarnation's; the ones due during a pause
/// are skipped, and the one due at the resume is sent then.
pub fn heartbeats_on_schedule(
    timing: HeartbeatTiming,
    members: usize,
) -> Property<FailureDetection> {
    Property::new(
        "heartbeats keep to the schedule",
        "Each incarnation of a member sends heartbeat s to every other member at start + s·η \
         (within 1 ms), exactly once, and nothing else: no extra heartbeats and none to itself. \
         After a pause it sends the heartbeat due at the resume, numbered (now - start) / η. All \
         heartbeats of an incarnation carry the same incarnation number, larger than the \
         previous incarnation's.",
        "a periodic timer re-armed late (from the end of the handler, or after a retry), so the \
         schedule drifts; counting seq from 1; sending heartbeats only to members you trust; \
         heartbeats on every message received (far too many); an incarnation number kept in \
         memory only (it restarts at the same value) or not synced before use.",
        move |run: &Run<FailureDetection>| {
            let lives = Lives::of(run);
            let eta = timing.interval.as_micros();
            let slack = Duration::from_millis(1);
            // Per node: its current incarnation's start, its incarnation number, and when it
            // sent each heartbeat, as sent[node][peer][seq].
            let mut starts: Vec<Option<Time>> = vec![None; run.nodes];
            let mut numbers: Vec<Option<u64>> = vec![None; run.nodes];
            let mut previous: Vec<Option<u64>> = vec![None; run.nodes];
            let mut sent: Vec<Sent> = vec![vec![Vec::new(); run.nodes]; run.nodes];
            let check_incarnation = |node: NodeId, start: Time, sent: &Sent| {
                let end = lives.up[node.index()]
                    .iter()
                    .find(|&&(a, _)| a == start)
                    .map_or(run.end, |&(_, b)| b);
                let mut k = 0u64;
                while start + Duration(k * eta) + slack <= end.min(run.end) {
                    let due = start + Duration(k * eta);
                    if !lives.paused_during(node, due, due + slack) {
                        for p in (0..members as u32).map(NodeId).filter(|p| *p != node) {
                            let at = sent[p.index()].get(k as usize).copied().flatten();
                            if at.is_none_or(|t| t > due + slack) {
                                return Some(Verdict::fails_at(
                                    due + slack,
                                    format!(
                                        "{node} started at {start}, so heartbeat {k} to {p} was \
                                         due at {due}; it was {}",
                                        match at {
                                            Some(t) => format!("sent only at {t}"),
                                            None => "never sent".to_string(),
                                        }
                                    ),
                                ));
                            }
                        }
                    }
                    k += 1;
                }
                None
            };
            for e in &run.trace.events {
                match &e.kind {
                    EventKind::Start { node, .. } | EventKind::Restart { node, .. } => {
                        let i = node.index();
                        if let Some(start) = starts[i] {
                            if let Some(v) = check_incarnation(*node, start, &sent[i]) {
                                return v;
                            }
                        }
                        starts[i] = Some(e.at);
                        previous[i] = numbers[i].or(previous[i]);
                        numbers[i] = None;
                        sent[i].iter_mut().for_each(Vec::clear);
                    }
                    EventKind::Send { msg } => {
                        let m = run.trace.message(*msg);
                        let Msg::Heartbeat { incarnation, seq } = m.msg else { continue };
                        let (q, i) = (m.from, m.from.index());
                        let start = starts[i].expect("a node sends only once started");
                        let problem = if m.to == q || m.to.index() >= members {
                            Some(format!(
                                "{q} sent a heartbeat to {}, which is not another member",
                                m.to
                            ))
                        } else if seq != (e.at - start).as_micros() / eta {
                            Some(format!(
                                "{q} sent heartbeat {seq} to {} at {}, but it started at {start}, \
                                 so the heartbeat due then is number {}",
                                m.to,
                                e.at,
                                (e.at - start).as_micros() / eta
                            ))
                        } else if record(&mut sent[i][m.to.index()], seq, e.at) {
                            Some(format!("{q} sent heartbeat {seq} to {} twice", m.to))
                        } else if numbers[i].is_some_and(|n| n != incarnation) {
                            Some(format!(
                                "{q} sent heartbeats of incarnations {} and {incarnation} in one \
                                 incarnation",
                                numbers[i].unwrap_or_default()
                            ))
                        } else if previous[i].is_some_and(|p| incarnation <= p) {
                            Some(format!(
                                "{q} restarted, but its heartbeats carry incarnation \
                                 {incarnation}, not above the previous incarnation's {}",
                                previous[i].unwrap_or_default()
                            ))
                        } else {
                            numbers[i] = Some(incarnation);
                            None
                        };
                        if let Some(p) = problem {
                            return Verdict::fails_at(e.at, p);
                        }
                    }
                    _ => {}
                }
            }
            for i in 0..run.nodes {
                if let Some(start) = starts[i] {
                    if let Some(v) = check_incarnation(NodeId(i as u32), start, &sent[i]) {
                        return v;
                    }
                }
            }
            Verdict::Holds
        },
    )
}
