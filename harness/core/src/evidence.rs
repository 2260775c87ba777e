//! Properties that prove a scenario's named fault really happened on a run, so that no scenario
//! can silently skip the fault it is named after. Every lab uses these.

use crate::node::{NodeId, Protocol};
use crate::scenario::{Property, Verdict};
use crate::sim::{Picker, Run};
use crate::time::{Duration, Time};
use crate::trace::{DropReason, Envelope, EventKind};

fn count<P: Protocol>(run: &Run<P>, pred: impl Fn(&EventKind<P>) -> bool) -> usize {
    run.trace.events.iter().filter(|e| pred(&e.kind)).count()
}

/// The network lost at least one message.
pub fn messages_lost<P: Protocol>() -> Property<P> {
    Property::new(
        "the network lost messages",
        "The scenario is about loss, so on every seed the network must have lost at least one \
         message.",
        "nodes that never send anything give the network nothing to lose.",
        |run| {
            let n = count(run, |k| matches!(k, EventKind::Drop { reason: DropReason::Loss, .. }));
            if n > 0 { Verdict::Holds } else { Verdict::fails("no message was lost on this seed") }
        },
    )
}

/// The network duplicated at least one message and both copies arrived.
pub fn messages_duplicated<P: Protocol>() -> Property<P> {
    Property::new(
        "the network duplicated messages",
        "The scenario is about duplication, so on every seed at least one message must have \
         been delivered twice.",
        "nodes that never send anything give the network nothing to duplicate.",
        |run| {
            let mut seen = vec![0u8; run.trace.messages.len()];
            for e in &run.trace.events {
                if let EventKind::Deliver { msg } = e.kind {
                    let c = &mut seen[msg.0 as usize];
                    *c += 1;
                    if *c == 2 {
                        return Verdict::Holds;
                    }
                }
            }
            Verdict::fails("no message was delivered twice on this seed")
        },
    )
}

/// Some link delivered two messages in the opposite order to the one they were sent in.
pub fn messages_reordered<P: Protocol>() -> Property<P> {
    Property::new(
        "the network reordered messages",
        "The scenario is about reordering, so on every seed some link must have delivered a \
         message before one sent earlier on the same link.",
        "nodes that send too little for delays to overtake each other.",
        |run| {
            let n = run.nodes;
            let mut last_sent_at = vec![None; n * n];
            for e in &run.trace.events {
                if let EventKind::Deliver { msg } = e.kind {
                    let m = run.trace.message(msg);
                    let link = m.from.index() * n + m.to.index();
                    if let Some(prev) = last_sent_at[link] {
                        if m.sent_at < prev {
                            return Verdict::Holds;
                        }
                    }
                    last_sent_at[link] = Some(
                        last_sent_at[link].map_or(m.sent_at, |p: crate::Time| p.max(m.sent_at)),
                    );
                }
            }
            Verdict::fails("every link delivered its messages in the order they were sent")
        },
    )
}

/// A partition blocked at least one message.
pub fn partition_blocked<P: Protocol>() -> Property<P> {
    Property::new(
        "the partition blocked messages",
        "The scenario is about a partition, so on every seed the partition must have stopped at \
         least one message.",
        "nodes that stay silent while the partition lasts.",
        |run| {
            let n =
                count(run, |k| matches!(k, EventKind::Drop { reason: DropReason::Partition, .. }));
            if n > 0 { Verdict::Holds } else { Verdict::fails("the partition blocked no message") }
        },
    )
}

/// `node` crashed, at least one message to it was dropped while it was down, and it restarted.
pub fn crashed_and_restarted<P: Protocol>(node: NodeId) -> Property<P> {
    Property::new(
        "the node crashed and restarted",
        "The scenario is about a crash, so on every seed the node must crash, miss at least one \
         message while it is down, restart, and then handle at least one message or request.",
        "nodes that send nothing to the crashed node while it is down, or after it restarts.",
        move |run| {
            let crashed =
                count(run, |k| matches!(k, EventKind::Crash { node: x, .. } if *x == node));
            let restarted =
                count(run, |k| matches!(k, EventKind::Restart { node: x, .. } if *x == node));
            let missed = run.trace.events.iter().any(|e| {
                matches!(e.kind, EventKind::Drop { msg, reason: DropReason::NodeDown }
                    if run.trace.message(msg).to == node)
            });
            let restarted_at = run.trace.events.iter().rev().find_map(|e| match e.kind {
                EventKind::Restart { node: x, .. } if x == node => Some(e.at),
                _ => None,
            });
            let worked_after = restarted_at.is_some_and(|r| {
                run.trace.events.iter().any(|e| {
                    e.at >= r
                        && match &e.kind {
                            EventKind::Deliver { msg } => run.trace.message(*msg).to == node,
                            EventKind::Request { node: x, .. } => *x == node,
                            _ => false,
                        }
                })
            });
            if crashed == 0 || restarted == 0 {
                Verdict::fails(format!("{node} did not crash and restart on this seed"))
            } else if !missed {
                Verdict::fails(format!("no message reached {node} while it was down"))
            } else if !worked_after {
                Verdict::fails(format!("{node} handled nothing after its restart"))
            } else {
                Verdict::Holds
            }
        },
    )
}

/// `node` crashed, restarted, and then handled at least one message or request: its recovery
/// was exercised. (Unlike [`crashed_and_restarted`], nothing need reach it while it is down.)
pub fn restarted<P: Protocol>(node: NodeId) -> Property<P> {
    Property::new(
        "the node restarted and carried on",
        "The scenario is about a restart, so on every seed the node must crash, restart, and then \
         handle at least one message or request.",
        "nodes that never send anything to the restarted node.",
        move |run| {
            let restart = run.trace.events.iter().find_map(|e| match e.kind {
                EventKind::Restart { node: x, .. } if x == node => Some(e.at),
                _ => None,
            });
            let Some(r) = restart else {
                return Verdict::fails(format!("{node} did not crash and restart on this seed"));
            };
            let worked = run.trace.events.iter().any(|e| {
                e.at >= r
                    && match &e.kind {
                        EventKind::Deliver { msg } => run.trace.message(*msg).to == node,
                        EventKind::Request { node: x, .. } => *x == node,
                        _ => false,
                    }
            });
            if worked {
                Verdict::Holds
            } else {
                Verdict::fails(format!("{node} handled nothing after its restart"))
            }
        },
    )
}

/// Evidence that a scenario's script did what it says; its failure is the script's, not the
/// student's.
fn scripted<P: Protocol>(
    name: &'static str,
    definition: &'static str,
    check: impl Fn(&Run<P>) -> Verdict + Send + Sync + 'static,
) -> Property<P> {
    Property::new(name, definition, "none: the script does it; report this if it fails.", check)
}

/// After `node`'s first restart, a message that `wanted` picks out was delivered to it: a
/// scripted scenario's message came after the crash, as the script means it to.
pub fn delivered_after_restart<P: Protocol>(
    name: &'static str,
    definition: &'static str,
    node: NodeId,
    wanted: fn(&Envelope<P::Msg>) -> bool,
) -> Property<P> {
    scripted(name, definition, move |run| {
        let restart = run.trace.events.iter().find_map(|e| match e.kind {
            EventKind::Restart { node: x, .. } if x == node => Some(e.at),
            _ => None,
        });
        let delivered = restart.is_some_and(|r| {
            run.trace.events.iter().any(|e| {
                e.at > r
                    && matches!(e.kind, EventKind::Deliver { msg }
                        if run.trace.message(msg).to == node && wanted(run.trace.message(msg)))
            })
        });
        if delivered {
            Verdict::Holds
        } else {
            Verdict::fails(format!("{node} got no such message after its restart"))
        }
    })
}

/// Where a crash inside a handler (`Fault::CrashInHandler`) cut a node's handler short.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CutPoint {
    /// The trace index of the event whose handler was cut: a delivery, a timer, a request, a
    /// start or a restart.
    pub trigger: usize,
    /// The trace index of the crash.
    pub crash: usize,
    /// How many of the handler's effects happened.
    pub kept: u32,
    /// How many it produced.
    pub total: u32,
    /// The effects that never happened, in order, described.
    pub lost: Vec<String>,
}

/// The first place `node` crashed inside a handler, if it did.
pub fn cut_point<P: Protocol>(run: &Run<P>, node: NodeId) -> Option<CutPoint> {
    let events = &run.trace.events;
    let (crash, kept, total) = events.iter().enumerate().find_map(|(i, e)| match e.kind {
        EventKind::Crash { node: x, cut: Some((kept, total)), .. } if x == node => {
            Some((i, kept, total))
        }
        _ => None,
    })?;
    let trigger = events[..crash].iter().rposition(|e| match &e.kind {
        EventKind::Deliver { msg } => run.trace.message(*msg).to == node,
        EventKind::TimerFired { node: x, .. }
        | EventKind::Request { node: x, .. }
        | EventKind::Start { node: x, .. }
        | EventKind::Restart { node: x, .. } => *x == node,
        _ => false,
    })?;
    let lost = events[trigger..crash]
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::EffectLost { node: x, effect } if *x == node => Some(effect.to_string()),
            _ => None,
        })
        .collect();
    Some(CutPoint { trigger, crash, kept, total, lost })
}

/// `node` crashed inside its handler of a message that `wanted` picks out: a scripted
/// scenario's crash fell where the script means it to, not in a timer that came first.
pub fn crashed_inside_handler<P: Protocol>(
    name: &'static str,
    definition: &'static str,
    node: NodeId,
    wanted: fn(&Envelope<P::Msg>) -> bool,
) -> Property<P> {
    scripted(name, definition, move |run| {
        let Some(cut) = cut_point(run, node) else {
            return Verdict::fails(format!("{node} never crashed inside a handler"));
        };
        let trigger = &run.trace.events[cut.trigger];
        match trigger.kind {
            EventKind::Deliver { msg } if wanted(run.trace.message(msg)) => Verdict::Holds,
            _ => Verdict::fails_at(
                run.trace.events[cut.crash].at,
                format!(
                    "{node} crashed inside another handler: {}",
                    run.trace.render_text(trigger).trim()
                ),
            ),
        }
    })
}

/// Each of `nodes` crashed, restarted and then handled at least one message or request (see
/// [`restarted`]): the scenario restarted them all.
pub fn all_restarted<P: Protocol>(name: &'static str, nodes: Vec<NodeId>) -> Property<P> {
    Property::new(
        name,
        "The scenario restarts each of these nodes, so on every seed each must crash, restart, \
         and then handle at least one message.",
        "nodes that send nothing after a restart.",
        move |run| {
            for &node in &nodes {
                if let Verdict::Fails { at, evidence } = (restarted(node).check)(run) {
                    return Verdict::Fails { at, evidence };
                }
            }
            Verdict::Holds
        },
    )
}

/// The run's first crash or isolation struck the node that `picker` named just before it: a
/// scenario about losing `role` ("the leader") really lost it. An isolation's node is the sender
/// of its first blocked link, as `IsolatePicked` and [`crate::Fault::partition`] with the node's
/// group first make it.
pub fn picked_fault_struck<P: Protocol>(
    name: &'static str,
    role: &'static str,
    picker: Picker<P>,
) -> Property<P> {
    Property::new(
        name,
        "The scenario is about losing the node its picker names (the leader, say), so on every \
         seed the first crash or isolation must strike the node the picker named just before it.",
        "no such node when the fault came (no leader, say): see the scenario's other properties \
         first.",
        move |run| {
            let hit = run.trace.events.iter().find_map(|e| match &e.kind {
                EventKind::Crash { node, .. } => Some((e.at, *node)),
                EventKind::Partition { links, .. } => links.first().map(|l| (e.at, l.0)),
                _ => None,
            });
            let Some((at, node)) = hit else { return Verdict::fails("the fault never struck") };
            // Just before the fault: the picker chose among the events before it.
            if picker(&run.trace, Time(at.as_micros().saturating_sub(1))) == Some(node) {
                Verdict::Holds
            } else {
                Verdict::fails_at(at, format!("{node} was not {role} when the fault struck it"))
            }
        },
    )
}

/// Some node's wall clock was stepped backwards.
pub fn wall_clock_stepped_back<P: Protocol>() -> Property<P> {
    Property::new(
        "a wall clock stepped backwards",
        "The scenario is about clocks that jump back (as NTP may make them), so on every seed at \
         least one wall clock must have been stepped backwards.",
        "none: the harness schedules the steps; report this if it fails.",
        |run| {
            let n = count(
                run,
                |k| matches!(k, EventKind::ClockStep { by_micros, .. } if *by_micros < 0),
            );
            if n > 0 { Verdict::Holds } else { Verdict::fails("no wall clock stepped backwards") }
        },
    )
}

/// Some node's monotonic clock drifted: a timer fired at a virtual time other than the span it
/// was set for.
pub fn clocks_drifted<P: Protocol>() -> Property<P> {
    Property::new(
        "the clocks drifted",
        "The scenario is about drifting clocks, so on every seed some timer must have fired after \
         a span of virtual time different from the one its node measured.",
        "nodes that set no timers.",
        |run| {
            let mut set = std::collections::BTreeMap::new();
            for e in &run.trace.events {
                match &e.kind {
                    EventKind::TimerSet { node, id, after, .. } => {
                        set.insert((*node, *id), (e.at, *after));
                    }
                    EventKind::TimerFired { node, id, .. } => {
                        if let Some((at, after)) = set.remove(&(*node, *id)) {
                            if e.at - at != after {
                                return Verdict::Holds;
                            }
                        }
                    }
                    _ => {}
                }
            }
            Verdict::fails("every timer fired exactly when its node's clock said")
        },
    )
}

/// Each of `nodes` crashed and never came back, and at least one message to each was dropped
/// because it was down: the crashes were felt.
pub fn crashed_for_good<P: Protocol>(nodes: &[NodeId]) -> Property<P> {
    let nodes = nodes.to_vec();
    Property::new(
        if nodes.len() == 1 {
            "the node crashed and stayed down"
        } else {
            "the nodes crashed and stayed down"
        },
        "The scenario is about crash-stop failures, so on every seed each named node must \
         crash, never restart, and miss at least one message while it is down.",
        "nodes that stop sending to a node they suspect (the scenario needs the crash to be felt).",
        move |run| {
            for &node in &nodes {
                let crashed =
                    count(run, |k| matches!(k, EventKind::Crash { node: x, .. } if *x == node));
                let restarted =
                    count(run, |k| matches!(k, EventKind::Restart { node: x, .. } if *x == node));
                let missed = run.trace.events.iter().any(|e| {
                    matches!(e.kind, EventKind::Drop { msg, reason: DropReason::NodeDown }
                        if run.trace.message(msg).to == node)
                });
                if crashed == 0 {
                    return Verdict::fails(format!("{node} did not crash on this seed"));
                } else if restarted > 0 {
                    return Verdict::fails(format!("{node} restarted on this seed"));
                } else if !missed {
                    return Verdict::fails(format!("no message reached {node} while it was down"));
                }
            }
            Verdict::Holds
        },
    )
}

/// `node` was paused, and a message sent to it during the pause was handled only after it
/// resumed: the pause was felt.
pub fn paused<P: Protocol>(node: NodeId) -> Property<P> {
    Property::new(
        "the node was paused",
        "The scenario is about a long pause (a garbage-collection stall), so on every seed the \
         node must be paused, and a message sent to it while it was paused must wait for it to \
         resume.",
        "nodes that send nothing to the paused node while it is paused.",
        move |run| {
            let mut pauses: Vec<(Time, Time)> = Vec::new();
            let mut open: Option<Time> = None;
            for e in &run.trace.events {
                match e.kind {
                    EventKind::Pause { node: x, .. } if x == node => open = Some(e.at),
                    EventKind::Resume { node: x } if x == node => {
                        if let Some(from) = open.take() {
                            pauses.push((from, e.at));
                        }
                    }
                    _ => {}
                }
            }
            if pauses.is_empty() {
                return Verdict::fails(format!("{node} was not paused (and resumed) on this seed"));
            }
            let waited = run.trace.events.iter().any(|e| match e.kind {
                EventKind::Deliver { msg } => {
                    let m = run.trace.message(msg);
                    m.to == node
                        && pauses.iter().any(|&(from, until)| {
                            m.sent_at >= from && m.sent_at < until && e.at >= until
                        })
                }
                _ => false,
            });
            if waited {
                Verdict::Holds
            } else {
                Verdict::fails(format!("no message sent to {node} during its pause waited for it"))
            }
        },
    )
}

/// A partition blocked at least one message from `from` to `to`, while at least one message from
/// `to` to `from` got through during it: the cut was one-way, in the named direction.
pub fn one_way_blocked<P: Protocol>(from: NodeId, to: NodeId) -> Property<P> {
    Property::new(
        "the one-way partition blocked messages",
        "The scenario is about a one-way partition, so on every seed the partition must stop at \
         least one message in the cut direction, while at least one message in the other \
         direction gets through during it.",
        "nodes that stay silent on one of the two links while the partition lasts.",
        move |run| {
            let mut cut: Option<(Time, Time)> = None;
            for e in &run.trace.events {
                match &e.kind {
                    EventKind::Partition { links, heal } if links.contains(&(from, to)) => {
                        cut = Some((e.at, heal.unwrap_or(run.end)));
                    }
                    _ => {}
                }
            }
            let Some((start, end)) = cut else {
                return Verdict::fails(format!("no partition cut {from}->{to} on this seed"));
            };
            let blocked = run.trace.events.iter().any(|e| {
                matches!(e.kind, EventKind::Drop { msg, reason: DropReason::Partition }
                    if { let m = run.trace.message(msg); m.from == from && m.to == to })
            });
            let back = run.trace.events.iter().any(|e| {
                matches!(e.kind, EventKind::Deliver { msg }
                    if { let m = run.trace.message(msg);
                         m.from == to && m.to == from && e.at >= start && e.at < end })
            });
            if !blocked {
                Verdict::fails(format!("the partition blocked no message from {from} to {to}"))
            } else if !back {
                Verdict::fails(format!(
                    "no message from {to} reached {from} during the partition: it was not one-way"
                ))
            } else {
                Verdict::Holds
            }
        },
    )
}

/// Some message took at least `at_least` to arrive: the network's delay spikes happened.
pub fn messages_delayed<P: Protocol>(at_least: Duration) -> Property<P> {
    Property::new(
        "the network delayed messages by spikes",
        "The scenario is about delay spikes, so on every seed at least one message must have \
         taken far longer than the network's ordinary delay to arrive.",
        "nodes that send too little for any message to be caught by a spike.",
        move |run| {
            let late = run.trace.events.iter().any(|e| {
                matches!(e.kind, EventKind::Deliver { msg }
                    if e.at.since(run.trace.message(msg).sent_at) >= at_least)
            });
            if late {
                Verdict::Holds
            } else {
                Verdict::fails(format!("no message took {at_least} or longer to arrive"))
            }
        },
    )
}
