//! A run drawn as a space-time (Lamport) diagram: one self-contained HTML page, no network
//! fetches. The run's events go into the page as JSON; a small script draws them as SVG, one
//! vertical line per node with time flowing down, messages as arrows from send to delivery,
//! dropped and duplicated messages marked, crashes, pauses and partitions as bands, client
//! operations as bars, outputs, timers and notes as marks with details on hover, and the
//! violated property as a red line to start from. It zooms and scrolls.

use crate::node::Protocol;
use crate::sim::Run;
use crate::time::Time;
use crate::trace::{DropReason, EventKind, Filter};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The first line of every page this module writes, so the CLI can tell its own files from a
/// user's before overwriting one.
pub const MARKER: &str = "<!-- course space-time diagram -->";

#[derive(Serialize)]
struct Message {
    id: u32,
    from: u32,
    to: u32,
    sent: u64,
    /// Delivery times (two for a duplicated message).
    delivered: Vec<u64>,
    /// When and why it was dropped, if it was.
    dropped: Option<(u64, &'static str)>,
    label: String,
}

#[derive(Serialize)]
struct Mark {
    node: u32,
    t: u64,
    kind: &'static str,
    label: String,
}

#[derive(Serialize)]
struct Band {
    /// The node, or none for a partition (which lists its links in the label).
    node: Option<u32>,
    /// For a partition: the nodes it separates from others.
    nodes: Vec<u32>,
    t1: u64,
    t2: u64,
    kind: &'static str,
    label: String,
}

#[derive(Serialize)]
struct Operation {
    node: u32,
    t1: u64,
    t2: Option<u64>,
    label: String,
}

#[derive(Serialize)]
struct Page<'a> {
    title: &'a str,
    nodes: Vec<String>,
    from: u64,
    to: u64,
    violation: Option<(u64, &'a str)>,
    messages: Vec<Message>,
    marks: Vec<Mark>,
    bands: Vec<Band>,
    ops: Vec<Operation>,
    /// How many events the filter left out.
    hidden: usize,
}

/// Renders `run` as an HTML page, showing what `filter` keeps; `violation` is drawn and the page
/// opens on it.
pub fn render<P: Protocol>(
    run: &Run<P>,
    filter: &Filter,
    title: &str,
    violation: Option<(Time, &str)>,
) -> String {
    let trace = &run.trace;
    let from = filter.from.unwrap_or(Time::ZERO);
    let to = filter.to.unwrap_or(run.end).min(run.end);
    let mut messages: BTreeMap<u32, Message> = BTreeMap::new();
    let mut marks = Vec::new();
    let mut bands = Vec::new();
    let mut ops: Vec<Operation> = Vec::new();
    let mut open_ops: BTreeMap<u64, usize> = BTreeMap::new();
    let mut down_since: BTreeMap<u32, (u64, String)> = BTreeMap::new();
    let mut partitions: Vec<(u64, Vec<(u32, u32)>)> = Vec::new();
    let mut hidden = 0;
    // Events that open or close a band (a crash, a partition, a pause) count even before the
    // window, so a node down since before `--from` is drawn down; the bands are clipped below.
    let outside_node = |e: &crate::trace::Event<P>| {
        let mut only_node = filter.clone();
        only_node.from = None;
        only_node.to = None;
        only_node.keeps(trace, e)
    };
    for e in &trace.events {
        let opens_or_closes_band = matches!(
            e.kind,
            EventKind::Crash { .. }
                | EventKind::Restart { .. }
                | EventKind::Pause { .. }
                | EventKind::Partition { .. }
                | EventKind::Heal { .. }
        );
        let shown =
            filter.keeps(trace, e) || (opens_or_closes_band && e.at <= to && outside_node(e));
        if !shown {
            hidden += 1;
            continue;
        }
        let t = e.at.as_micros();
        let mut mark = |node: crate::NodeId, kind: &'static str, label: String| {
            marks.push(Mark { node: node.0, t, kind, label });
        };
        match &e.kind {
            EventKind::Send { msg } => {
                message(&mut messages, trace, *msg);
            }
            EventKind::Deliver { msg } => message(&mut messages, trace, *msg).delivered.push(t),
            EventKind::Drop { msg, reason } => {
                let why = match reason {
                    DropReason::Loss => "lost",
                    DropReason::Partition => "blocked by a partition",
                    DropReason::NodeDown => "destination down",
                };
                message(&mut messages, trace, *msg).dropped = Some((t, why));
            }
            EventKind::Duplicate { .. } => {}
            EventKind::TimerFired { node, id, timer } => {
                mark(*node, "timer", format!("timer t{} fired: {timer:?}", id.0))
            }
            EventKind::TimerSet { .. } | EventKind::TimerCancelled { .. } => {}
            EventKind::Output { node, output } => mark(*node, "output", format!("{output:?}")),
            EventKind::Annotate { node, text } => mark(*node, "note", text.to_string()),
            EventKind::EffectLost { node, effect } => {
                mark(*node, "note", format!("lost in the crash: {effect}"))
            }
            EventKind::Put { node, key, bytes } => {
                mark(*node, "storage", format!("put {key:?} ({bytes} bytes)"))
            }
            EventKind::Delete { node, key } => mark(*node, "storage", format!("delete {key:?}")),
            EventKind::Sync { node } => mark(*node, "storage", "sync".to_string()),
            EventKind::Request { node, id, request } => {
                open_ops.insert(id.0, ops.len());
                ops.push(Operation {
                    node: node.0,
                    t1: t,
                    t2: None,
                    label: format!("{id} {request:?}"),
                });
            }
            EventKind::RequestRefused { node, id, request } => ops.push(Operation {
                node: node.0,
                t1: t,
                t2: Some(t),
                label: format!("{id} {request:?}: refused, node down"),
            }),
            EventKind::Reply { id, response, .. } => {
                if let Some(i) = open_ops.remove(&id.0) {
                    ops[i].t2 = Some(t);
                    ops[i].label = format!("{} -> {response:?}", ops[i].label);
                }
            }
            EventKind::Start { .. } => {}
            EventKind::Crash { node, cut, lost_writes } => {
                let how = match cut {
                    Some((kept, total)) => {
                        format!("crashed in a handler after {kept} of {total} effects")
                    }
                    None => "crashed".to_string(),
                };
                down_since.insert(
                    node.0,
                    (t, format!("{node} {how}; {lost_writes} unsynced writes lost")),
                );
            }
            EventKind::Restart { node, incarnation } => {
                if let Some((t1, label)) = down_since.remove(&node.0) {
                    let label = format!("{label}; restarted (incarnation {incarnation})");
                    bands.push(Band {
                        node: Some(node.0),
                        nodes: Vec::new(),
                        t1,
                        t2: t,
                        kind: "down",
                        label,
                    });
                }
            }
            EventKind::Pause { node, until } => bands.push(Band {
                node: Some(node.0),
                nodes: Vec::new(),
                t1: t,
                t2: until.as_micros().min(to.as_micros()),
                kind: "paused",
                label: format!("{node} paused until {until}"),
            }),
            EventKind::Resume { .. } => {}
            EventKind::Partition { links, .. } => {
                partitions.push((t, links.iter().map(|(a, b)| (a.0, b.0)).collect()))
            }
            EventKind::Heal { links } => {
                let healed: Vec<(u32, u32)> = links.iter().map(|(a, b)| (a.0, b.0)).collect();
                if let Some(i) = partitions.iter().position(|(_, l)| *l == healed) {
                    let (t1, links) = partitions.remove(i);
                    bands.push(partition_band(t1, t, &links));
                }
            }
            EventKind::NetworkChange { description, links } => {
                let touched: BTreeSet<u32> = links.iter().flat_map(|(a, b)| [a.0, b.0]).collect();
                let label = if links.is_empty() {
                    format!("network: {description}")
                } else {
                    let listed: Vec<String> =
                        links.iter().map(|(a, b)| format!("{a}->{b}")).collect();
                    format!("links {}: {description}", listed.join(" "))
                };
                for n in (0..run.nodes as u32).filter(|n| links.is_empty() || touched.contains(n)) {
                    marks.push(Mark { node: n, t, kind: "network", label: label.clone() });
                }
            }
            EventKind::ClockStep { node, by_micros } => {
                mark(*node, "clock", format!("wall clock stepped by {by_micros}us"))
            }
            EventKind::Panic { node, panic } => mark(
                *node,
                "panic",
                format!("panicked in {} at {}: {}", panic.handler, panic.location, panic.message),
            ),
            EventKind::Abort { reason } => {
                for n in 0..run.nodes as u32 {
                    marks.push(Mark {
                        node: n,
                        t,
                        kind: "panic",
                        label: format!("run stopped: {reason}"),
                    });
                }
            }
        }
    }
    // What is still down or partitioned at the end of the window.
    let end = to.as_micros();
    for (node, (t1, label)) in down_since {
        bands.push(Band { node: Some(node), nodes: Vec::new(), t1, t2: end, kind: "down", label });
    }
    for (t1, links) in partitions {
        bands.push(partition_band(t1, end, &links));
    }
    for b in &mut bands {
        b.t1 = b.t1.max(from.as_micros());
    }
    bands.retain(|b| b.t2 >= from.as_micros());
    let page = Page {
        title,
        nodes: (0..run.nodes).map(|n| format!("n{n}")).collect(),
        from: from.as_micros(),
        to: end,
        violation: violation.map(|(t, text)| (t.as_micros(), text)),
        messages: messages.into_values().collect(),
        marks,
        bands,
        ops,
        hidden,
    };
    let data = serde_json::to_string(&page).expect("the page data serializes");
    // Bands that began before the window start at its top.
    // `</` must not appear inside a script element.
    let data = data.replace("</", "<\\/");
    TEMPLATE.replace("{{TITLE}}", &escape(title)).replace("{{DATA}}", &data)
}

/// The drawing of a message, made on first sight: a message sent before the window but arriving
/// in it still gets its arrow.
fn message<'a, P: Protocol>(
    messages: &'a mut BTreeMap<u32, Message>,
    trace: &crate::trace::Trace<P>,
    id: crate::MsgId,
) -> &'a mut Message {
    messages.entry(id.0).or_insert_with(|| {
        let m = trace.message(id);
        Message {
            id: id.0,
            from: m.from.0,
            to: m.to.0,
            sent: m.sent_at.as_micros(),
            delivered: Vec::new(),
            dropped: None,
            label: format!("#{} {} -> {}: {:?}", id.0, m.from, m.to, m.msg),
        }
    })
}

fn partition_band(t1: u64, t2: u64, links: &[(u32, u32)]) -> Band {
    let mut nodes: Vec<u32> = links.iter().map(|(a, _)| *a).collect();
    nodes.sort_unstable();
    nodes.dedup();
    let listed: Vec<String> = links.iter().map(|(a, b)| format!("n{a}->n{b}")).collect();
    Band {
        node: None,
        nodes,
        t1,
        t2,
        kind: "partition",
        label: format!("partition: {}", listed.join(" ")),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

const TEMPLATE: &str = include_str!("diagram.html");
