//! What every lab 01 run must satisfy. The timestamps come from the driver's reports; the truth
//! they are judged against (which event happened before which) comes from the trace alone.

use crate::{Causality, Clocks, Event, EventKind, Hlc, Stamp, VectorClock, timing};
use harness::causality::{CausalEvent, outputs_with_clocks};
use harness::trace::EventKind as TraceKind;
use harness::{Duration, NodeId, Property, Run, Time, Verdict};
use std::collections::BTreeMap;

/// One stamped event with what the checks need to know about it.
#[derive(Clone, Debug)]
pub struct Stamped {
    /// When it happened.
    pub at: Time,
    /// Where.
    pub node: NodeId,
    /// What the driver reported.
    pub event: Event,
    /// Its true place in happens-before.
    pub causal: CausalEvent,
    /// The previous event at the same node, if any (program order).
    pub previous: Option<usize>,
    /// For a receive: the send event it receives from, and the timestamp the message carried.
    pub sent_by: Option<(usize, Stamp)>,
}

impl Stamped {
    /// How a report names the event.
    pub fn describe(&self) -> String {
        let what = match self.event.kind {
            EventKind::Local => "local event".to_string(),
            EventKind::Send { to } => format!("send to {to}"),
            EventKind::Receive { from } => format!("receive from {from}"),
        };
        format!("{}'s {what} at {}", self.node, self.at)
    }
}

/// Every event of a run, in trace order, with its program-order and message predecessors.
pub fn stamped_events(run: &Run<Clocks>) -> Vec<Stamped> {
    let causal = outputs_with_clocks(run);
    let mut events: Vec<Stamped> = Vec::with_capacity(causal.len());
    let mut last_at: BTreeMap<NodeId, usize> = BTreeMap::new();
    let mut send_of_message: BTreeMap<u32, usize> = BTreeMap::new();
    let mut pending_receive: BTreeMap<NodeId, (usize, Stamp)> = BTreeMap::new();
    let mut causal = causal.into_iter();
    for e in &run.trace.events {
        match &e.kind {
            TraceKind::Output { node, output } => {
                let i = events.len();
                let sent_by = match output.kind {
                    EventKind::Receive { .. } => pending_receive.remove(node),
                    _ => None,
                };
                events.push(Stamped {
                    at: e.at,
                    node: *node,
                    event: output.clone(),
                    causal: causal.next().expect("one causal event per output"),
                    previous: last_at.insert(*node, i),
                    sent_by,
                });
            }
            TraceKind::Send { msg } => {
                let from = run.trace.message(*msg).from;
                if let Some(&i) = last_at.get(&from) {
                    send_of_message.insert(msg.0, i);
                }
            }
            TraceKind::Deliver { msg } => {
                let m = run.trace.message(*msg);
                if let Some(&s) = send_of_message.get(&msg.0) {
                    pending_receive.insert(m.to, (s, m.msg.clone()));
                }
            }
            _ => {}
        }
    }
    events
}

fn lamport(e: &Stamped) -> u64 {
    match e.event.stamp {
        Stamp::Lamport(t) => t,
        ref other => panic!("a part A scenario reported {other:?}"),
    }
}

fn vector(e: &Stamped) -> &[u64] {
    match &e.event.stamp {
        Stamp::Vector(v) => v,
        other => panic!("a part B scenario reported {other:?}"),
    }
}

fn hlc(e: &Stamped) -> Hlc {
    match e.event.stamp {
        Stamp::Hybrid(h) => h,
        ref other => panic!("a part C scenario reported {other:?}"),
    }
}

/// The immediate happens-before edges: program order and message delivery. Timestamps that
/// grow along every edge grow along every path, so checking edges checks all of `a -> b`.
fn edges(events: &[Stamped]) -> impl Iterator<Item = (usize, usize)> + '_ {
    events.iter().enumerate().flat_map(|(b, e)| {
        e.previous.map(|a| (a, b)).into_iter().chain(e.sent_by.as_ref().map(|(a, _)| (*a, b)))
    })
}

/// What the pinned rules give for each event, in turn; `None` where the rules say nothing.
fn follows_rules<S: PartialEq + std::fmt::Debug>(
    events: &[Stamped],
    stamp_of: impl Fn(&Stamped) -> S,
    mut expected: impl FnMut(&Stamped, Option<S>) -> (S, String),
) -> Verdict {
    for e in events {
        let before = e.previous.map(|p| stamp_of(&events[p]));
        let (want, rule) = expected(e, before);
        let got = stamp_of(e);
        if got != want {
            return Verdict::fails_at(
                e.at,
                format!("{} was stamped {got:?}; the rules give {rule} = {want:?}", e.describe()),
            );
        }
    }
    Verdict::Holds
}

fn carried_lamport(e: &Stamped) -> u64 {
    match &e.sent_by {
        Some((_, Stamp::Lamport(t))) => *t,
        _ => panic!("a receive without the message it received"),
    }
}

/// Part A's timestamps are exactly what the pinned conventions give.
pub fn lamport_rules() -> Property<Clocks> {
    Property::safety(
        "follows the pinned rules",
        "Every timestamp is what the contract's conventions give: a clock starts at 0; a local \
         event or a send is stamped with the clock after adding 1; a receive with \
         max(clock, received) + 1.",
        "forgetting the +1 on a receive; taking the maximum but not storing it; stamping before \
         incrementing; starting at 1.",
        |run: &Run<Clocks>| {
            let events = stamped_events(run);
            follows_rules(&events, lamport, |e, before| {
                let clock = before.unwrap_or(0);
                match e.event.kind {
                    EventKind::Receive { .. } => {
                        let m = carried_lamport(e);
                        (clock.max(m) + 1, format!("max({clock}, {m}) + 1"))
                    }
                    _ => (clock + 1, format!("{clock} + 1")),
                }
            })
        },
    )
}

/// a -> b implies L(a) < L(b).
pub fn lamport_respects_causality() -> Property<Clocks> {
    Property::safety(
        "a -> b implies L(a) < L(b)",
        "If event a happened before event b (earlier at the same node, or a send and its \
         receive, or a chain of these), a's Lamport timestamp is smaller than b's.",
        "a receive that does not take the maximum with the message's timestamp; a send that \
         does not increment; a clock that never advances.",
        |run: &Run<Clocks>| {
            let events = stamped_events(run);
            for (a, b) in edges(&events) {
                let (ea, eb) = (&events[a], &events[b]);
                if lamport(ea) >= lamport(eb) {
                    return Verdict::fails_at(
                        eb.at,
                        format!(
                            "{} (L = {}) happened before {} (L = {})",
                            ea.describe(),
                            lamport(ea),
                            eb.describe(),
                            lamport(eb)
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// (L, node id) never repeats, so it orders all events totally, extending happens-before.
pub fn lamport_total_order() -> Property<Clocks> {
    Property::safety(
        "(L, node) is a total order",
        "No two events share both a Lamport timestamp and a node, so ordering by (L, node id) \
         puts every pair of events in order; with the property above, that order extends \
         happens-before.",
        "two events at one node with the same timestamp: a tick that does not increment.",
        |run: &Run<Clocks>| {
            let events = stamped_events(run);
            let mut seen: BTreeMap<(u64, NodeId), usize> = BTreeMap::new();
            for (i, e) in events.iter().enumerate() {
                if let Some(j) = seen.insert((lamport(e), e.node), i) {
                    return Verdict::fails_at(
                        e.at,
                        format!(
                            "{} and {} are both stamped {}",
                            events[j].describe(),
                            e.describe(),
                            lamport(e)
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// Part B's timestamps are exactly what the pinned conventions give.
pub fn vector_rules() -> Property<Clocks> {
    Property::safety(
        "follows the pinned rules",
        "Every vector timestamp is what the contract's conventions give: all zeros at the start; \
         a local event or a send adds 1 to the node's own entry; a receive takes the \
         element-wise maximum with the message's vector, then adds 1 to the own entry.",
        "merging without incrementing the own entry; incrementing another node's entry; \
         returning the vector before the increment.",
        |run: &Run<Clocks>| {
            let events = stamped_events(run);
            let nodes = run.nodes;
            follows_rules(
                &events,
                |e| vector(e).to_vec(),
                |e, before| {
                    let mut v = before.unwrap_or_else(|| vec![0; nodes]);
                    let mut rule = format!("{v:?}");
                    if let Some((_, Stamp::Vector(m))) = &e.sent_by {
                        for (mine, theirs) in v.iter_mut().zip(m) {
                            *mine = (*mine).max(*theirs);
                        }
                        rule = format!("max({rule}, {m:?})");
                    }
                    v[e.node.index()] += 1;
                    (v, format!("{rule} with entry {} + 1", e.node.0))
                },
            )
        },
    )
}

fn vector_less(a: &[u64], b: &[u64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x <= y) && a != b
}

/// The true relation between two events.
fn truth(a: &Stamped, b: &Stamped) -> Causality {
    if a.causal.index == b.causal.index {
        Causality::Equal
    } else if a.causal.happened_before(&b.causal) {
        Causality::Before
    } else if b.causal.happened_before(&a.causal) {
        Causality::After
    } else {
        Causality::Concurrent
    }
}

/// a -> b exactly when V(a) < V(b).
pub fn vector_characterizes_causality() -> Property<Clocks> {
    Property::safety(
        "a -> b exactly when V(a) < V(b)",
        "For every pair of events: a happened before b if and only if a's vector is at most b's \
         in every entry and smaller in at least one; so two events are concurrent exactly when \
         their vectors are incomparable.",
        "a receive that does not merge; a merge that does not increment the own entry afterwards \
         (the receive then looks no later than the event before it).",
        |run: &Run<Clocks>| {
            let events = stamped_events(run);
            for a in &events {
                for b in &events {
                    let hb = truth(a, b) == Causality::Before;
                    if hb != vector_less(vector(a), vector(b)) {
                        let claim = if hb {
                            "but its vector is not smaller"
                        } else {
                            "but its vector is smaller"
                        };
                        let relation = if hb { "happened before" } else { "did not happen before" };
                        return Verdict::fails_at(
                            b.at,
                            format!(
                                "{} {:?} {relation} {} {:?}, {claim}",
                                a.describe(),
                                vector(a),
                                b.describe(),
                                vector(b)
                            ),
                        );
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// The student's comparison is right for every pair of events of the run.
pub fn vector_compare_is_right<V: VectorClock>() -> Property<Clocks> {
    Property::safety(
        "compare is right for every pair",
        "Vector::compare(V(a), V(b)) says Before, After, Concurrent or Equal exactly as a and b \
         relate in happens-before, for every pair of events of the run, each with itself.",
        "calling two ordered vectors concurrent because one entry is equal; comparing only the \
         entries of the two nodes involved; returning Equal for different vectors.",
        |run: &Run<Clocks>| {
            let events = stamped_events(run);
            for a in &events {
                for b in &events {
                    let right = truth(a, b);
                    let said = V::compare(vector(a), vector(b));
                    if said != right {
                        return Verdict::fails_at(
                            b.at,
                            format!(
                                "compare({:?}, {:?}) said {said:?} for {} and {}, which are {right:?}",
                                vector(a),
                                vector(b),
                                a.describe(),
                                b.describe()
                            ),
                        );
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// The HLC update rules of Kulkarni et al. (2014), as the contract pins them.
pub fn hlc_expected(before: Hlc, received: Option<Hlc>, wall: i64) -> Hlc {
    match received {
        None => {
            let l = before.l.max(wall);
            Hlc { l, c: if l == before.l { before.c + 1 } else { 0 } }
        }
        Some(m) => {
            let l = before.l.max(m.l).max(wall);
            let c = if l == before.l && l == m.l {
                before.c.max(m.c) + 1
            } else if l == before.l {
                before.c + 1
            } else if l == m.l {
                m.c + 1
            } else {
                0
            };
            Hlc { l, c }
        }
    }
}

/// Part C's timestamps are exactly what the paper's rules give.
pub fn hlc_rules() -> Property<Clocks> {
    Property::safety(
        "follows the paper's rules",
        "Every HLC timestamp is what the rules of Kulkarni et al. give from the clock's previous \
         value, the wall clock, and (for a receive) the message's timestamp.",
        "resetting c to 0 when l did not change; forgetting the message's c when l comes from \
         the message; taking the maximum with the wall clock only on local events.",
        |run: &Run<Clocks>| {
            let events = stamped_events(run);
            follows_rules(&events, hlc, |e, before| {
                let before = before.unwrap_or(Hlc { l: 0, c: 0 });
                let received = match &e.sent_by {
                    Some((_, Stamp::Hybrid(m))) => Some(*m),
                    _ => None,
                };
                // The wall clock as the run's clock parameters and steps give it, not as
                // anything the node reported.
                let wall = run.wall_clock(e.node, e.causal.index);
                let want = hlc_expected(before, received, wall);
                let rule = match received {
                    None => format!("tick({before:?}, wall {wall})"),
                    Some(m) => format!("receive({before:?}, {m:?}, wall {wall})"),
                };
                (want, rule)
            })
        },
    )
}

/// HLC timestamps strictly increase at every node.
pub fn hlc_monotonic() -> Property<Clocks> {
    Property::safety(
        "never goes backwards",
        "At every node, each event's (l, c) is greater than the previous event's, even when the \
         wall clock steps backwards.",
        "setting l to the wall clock instead of the maximum; resetting c to 0 when l stays the \
         same.",
        |run: &Run<Clocks>| {
            let events = stamped_events(run);
            for e in &events {
                if let Some(p) = e.previous {
                    if hlc(&events[p]) >= hlc(e) {
                        return Verdict::fails_at(
                            e.at,
                            format!(
                                "{} was stamped {:?} after {:?}",
                                e.describe(),
                                hlc(e),
                                hlc(&events[p])
                            ),
                        );
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// l is never behind the node's wall clock, and never ahead of it by more than the bound.
pub fn hlc_close_to_wall(duration: Duration) -> Property<Clocks> {
    let bound = timing::max_skew(duration).as_micros() as i64;
    Property::safety(
        "l stays within the skew bound of the wall clock",
        "For every event, wall <= l <= wall + max_skew, where max_skew = 2 x MAX_OFFSET + 2 x \
         MAX_DRIFT x the run's length + MAX_BACKWARD_STEP: l is an earlier wall-clock reading of \
         some node, and no wall clock runs further ahead of another than that.",
        "not taking the maximum with the wall clock; adding to l instead of to c.",
        move |run: &Run<Clocks>| {
            let events = stamped_events(run);
            for e in &events {
                let (h, wall) = (hlc(e), e.event.wall);
                if h.l < wall || h.l - wall > bound {
                    return Verdict::fails_at(
                        e.at,
                        format!(
                            "{} has l = {} with the wall clock at {wall}: l - wall = {}us, \
                             allowed 0..={bound}us",
                            e.describe(),
                            h.l,
                            h.l - wall
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// a -> b implies hlc(a) < hlc(b).
pub fn hlc_respects_causality() -> Property<Clocks> {
    Property::safety(
        "a -> b implies hlc(a) < hlc(b)",
        "If a happened before b, a's (l, c) is smaller than b's.",
        "a receive that ignores the message's timestamp; a counter reset on a receive whose l \
         comes from the message.",
        |run: &Run<Clocks>| {
            let events = stamped_events(run);
            for (a, b) in edges(&events) {
                let (ea, eb) = (&events[a], &events[b]);
                if hlc(ea) >= hlc(eb) {
                    return Verdict::fails_at(
                        eb.at,
                        format!(
                            "{} {:?} happened before {} {:?}",
                            ea.describe(),
                            hlc(ea),
                            eb.describe(),
                            hlc(eb)
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// c is bounded as Kulkarni et al. prove: it never exceeds the number of events that happened
/// before with the same l (the paper's bound on c).
pub fn hlc_counter_bounded() -> Property<Clocks> {
    Property::safety(
        "c counts only earlier events with the same l",
        "For every event f, c(f) <= the number of events g with g -> f and l(g) = l(f), as \
         Kulkarni et al. (2014) prove: c grows only along a causal chain that keeps l fixed.",
        "incrementing c on every event instead of resetting it when l moves forward.",
        |run: &Run<Clocks>| {
            let events = stamped_events(run);
            for f in &events {
                let h = hlc(f);
                if h.c == 0 {
                    continue;
                }
                let same_l = events
                    .iter()
                    .filter(|g| hlc(g).l == h.l && g.causal.happened_before(&f.causal))
                    .count();
                if h.c as usize > same_l {
                    return Verdict::fails_at(
                        f.at,
                        format!(
                            "{} has c = {} but only {same_l} earlier events share l = {}",
                            f.describe(),
                            h.c,
                            h.l
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// The scenario's fault: wall clocks that disagree by more than a millisecond at some event.
pub fn wall_clocks_skewed() -> Property<Clocks> {
    Property::new(
        "the wall clocks were skewed",
        "The scenario is about skewed clocks, so on every seed some two nodes' wall clocks must \
         disagree by more than 1ms (each clock's error measured against virtual time).",
        "none: the harness draws the offsets; report this if it fails.",
        |run: &Run<Clocks>| {
            let errors: Vec<i64> = stamped_events(run)
                .iter()
                .map(|e| e.event.wall - harness::clock::WALL_EPOCH_MICROS - e.at.as_micros() as i64)
                .collect();
            let spread = errors.iter().max().zip(errors.iter().min()).map_or(0, |(a, b)| a - b);
            if spread > 1_000 {
                Verdict::Holds
            } else {
                Verdict::fails(format!("the wall clocks disagreed by only {spread}us"))
            }
        },
    )
}

/// The scripted exchange's evidence: replaying the paper's rules over the run (the wall clocks as
/// the run's parameters give them, not as the nodes report them), its receives meet each of the
/// four cases of the receive rule, whatever the student's clock did.
pub fn every_receive_case_met() -> Property<Clocks> {
    Property::new(
        "every case of the receive rule was met",
        "Replaying the rules of Kulkarni et al. over the run, some receive took its l from the \
         message alone, some from the node alone, some from both at once, and some from the \
         wall clock.",
        "none: the scenario's script forces them; report this if it fails.",
        |run: &Run<Clocks>| {
            let events = stamped_events(run);
            let mut expected: Vec<Hlc> = Vec::with_capacity(events.len());
            let mut met = [false; 4];
            for e in &events {
                let before = e.previous.map_or(Hlc { l: 0, c: 0 }, |p| expected[p]);
                let received = e.sent_by.as_ref().map(|(send, _)| expected[*send]);
                let wall = run.wall_clock(e.node, e.causal.index);
                let now = hlc_expected(before, received, wall);
                if let Some(m) = received {
                    let case = match (now.l == before.l, now.l == m.l) {
                        (false, true) => 0,
                        (true, false) => 1,
                        (true, true) => 2,
                        (false, false) => 3,
                    };
                    met[case] = true;
                }
                expected.push(now);
            }
            let names = ["the message's l", "the node's own l", "both at once", "the wall clock"];
            let missed: Vec<&str> =
                names.iter().zip(met).filter(|(_, m)| !m).map(|(n, _)| *n).collect();
            if missed.is_empty() {
                Verdict::Holds
            } else {
                Verdict::fails(format!("no receive took its l from {}", missed.join(" or ")))
            }
        },
    )
}

/// The properties of one part.
pub fn for_part<V: VectorClock>(part: crate::Part, duration: Duration) -> Vec<Property<Clocks>> {
    match part {
        crate::Part::A => {
            vec![lamport_rules(), lamport_respects_causality(), lamport_total_order()]
        }
        crate::Part::B => {
            vec![vector_rules(), vector_characterizes_causality(), vector_compare_is_right::<V>()]
        }
        crate::Part::C => vec![
            hlc_rules(),
            hlc_monotonic(),
            hlc_close_to_wall(duration),
            hlc_respects_causality(),
            hlc_counter_bounded(),
        ],
    }
}
