//! The trace: everything that happened in one run, in virtual time. Properties are computed from
//! it, and it renders as text or JSON lines for a person or a tool.

use crate::node::{NodeId, Protocol, RequestId, TimerId};
use crate::time::{Duration, Time};
use serde::Serialize;
use std::fmt::{self, Write as _};

/// Index of a message in [`Trace::messages`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct MsgId(pub u32);

/// A message as sent: who, to whom, when, what.
#[derive(Clone, Debug, Serialize)]
pub struct Envelope<M> {
    /// The sender.
    pub from: NodeId,
    /// The destination.
    pub to: NodeId,
    /// When it was sent.
    pub sent_at: Time,
    /// The message.
    pub msg: M,
}

/// Why the network did not deliver a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum DropReason {
    /// The link lost it.
    Loss,
    /// A partition blocked the link.
    Partition,
    /// The destination was down when it arrived.
    NodeDown,
}

/// What happened, in one trace line.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case", bound = "")]
#[allow(missing_docs)] // the fields are described by each variant's comment
pub enum EventKind<P: Protocol> {
    /// A node's `on_start` ran (incarnation 0 is the first start; each restart adds one).
    Start { node: NodeId, incarnation: u32 },
    /// A node sent a message (see the messages table).
    Send { msg: MsgId },
    /// The network duplicated a message; a second copy is on its way.
    Duplicate { msg: MsgId },
    /// A message reached its destination and its handler ran.
    Deliver { msg: MsgId },
    /// A message was not delivered.
    Drop { msg: MsgId, reason: DropReason },
    /// A node set a timer, due after `after` by its own clock.
    TimerSet { node: NodeId, id: TimerId, after: Duration, timer: P::Timer },
    /// A node cancelled a timer that had not fired.
    TimerCancelled { node: NodeId, id: TimerId },
    /// A timer fired and its handler ran.
    TimerFired { node: NodeId, id: TimerId, timer: P::Timer },
    /// A client's request reached a node.
    Request { node: NodeId, id: RequestId, request: P::Request },
    /// A request could not be handed to its node, because the node was down.
    RequestRefused { node: NodeId, id: RequestId, request: P::Request },
    /// A node answered a request.
    Reply { node: NodeId, id: RequestId, response: P::Response },
    /// A node reported an observation.
    Output { node: NodeId, output: P::Output },
    /// A node wrote a key (not yet durable).
    Put { node: NodeId, key: Box<str>, bytes: u32 },
    /// A node deleted a key (not yet durable).
    Delete { node: NodeId, key: Box<str> },
    /// A node made its writes durable.
    Sync { node: NodeId },
    /// A node's note.
    Annotate { node: NodeId, text: Box<str> },
    /// An effect a handler produced that never happened: the node crashed inside the handler
    /// before it (a `Fault::CrashInHandler`). One per lost effect, in order, before the crash.
    EffectLost { node: NodeId, effect: Box<str> },
    /// A node crashed; `cut` is (effects kept, effects the handler produced) when a handler
    /// was cut short; `lost_writes` counts keys whose unsynced writes were rolled back.
    Crash { node: NodeId, cut: Option<(u32, u32)>, lost_writes: u32 },
    /// A crashed node restarted.
    Restart { node: NodeId, incarnation: u32 },
    /// A node stopped running for a while.
    Pause { node: NodeId, until: Time },
    /// A paused node runs again.
    Resume { node: NodeId },
    /// A partition started.
    Partition { links: Box<[(NodeId, NodeId)]>, heal: Option<Time> },
    /// A partition healed.
    Heal { links: Box<[(NodeId, NodeId)]> },
    /// The network's behaviour changed: on the listed links, or on every link if there are
    /// none listed.
    NetworkChange {
        description: Box<str>,
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        links: Box<[(NodeId, NodeId)]>,
    },
    /// A node's wall clock was stepped.
    ClockStep { node: NodeId, by_micros: i64 },
    /// A node's handler panicked; the run stops here.
    Panic { node: NodeId, panic: Box<Panicked> },
    /// The run stopped early for another reason (a budget).
    Abort { reason: Box<str> },
}

/// Where and why a handler panicked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Panicked {
    /// Which handler (or "the constructor").
    pub handler: &'static str,
    /// The panic message.
    pub message: String,
    /// `file:line:column`.
    pub location: String,
}

/// One trace entry.
#[derive(Clone, Debug, Serialize)]
#[serde(bound = "")]
pub struct Event<P: Protocol> {
    /// Virtual time.
    pub at: Time,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind<P>,
}

/// Everything that happened in one run.
#[derive(Clone, Debug)]
pub struct Trace<P: Protocol> {
    /// The events, in the order they happened.
    pub events: Vec<Event<P>>,
    /// Every message ever sent, indexed by [`MsgId`].
    pub messages: Vec<Envelope<P::Msg>>,
}

impl<P: Protocol> Default for Trace<P> {
    /// An empty trace, reusing the buffers of a trace this thread dropped earlier: a grader runs
    /// thousands of seeds in a row, and fresh buffers would cost a page fault per 4 KiB written.
    fn default() -> Self {
        let (events, messages) =
            pool::take::<(Vec<Event<P>>, Vec<Envelope<P::Msg>>)>().unwrap_or_default();
        Trace { events, messages }
    }
}

impl<P: Protocol> Drop for Trace<P> {
    fn drop(&mut self) {
        let mut events = std::mem::take(&mut self.events);
        let mut messages = std::mem::take(&mut self.messages);
        events.clear();
        messages.clear();
        pool::give((events, messages));
    }
}

/// One spare value per type per thread.
mod pool {
    use std::any::{Any, TypeId};
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    thread_local! {
        static SPARE: RefCell<BTreeMap<TypeId, Box<dyn Any>>> = const { RefCell::new(BTreeMap::new()) };
    }

    pub(super) fn take<T: 'static>() -> Option<T> {
        SPARE
            .with(|s| s.borrow_mut().remove(&TypeId::of::<T>()))
            .and_then(|b| b.downcast::<T>().ok())
            .map(|b| *b)
    }

    pub(super) fn give<T: 'static>(value: T) {
        // During thread teardown the pool may be gone; then the value is simply dropped.
        let _ = SPARE.try_with(|s| s.borrow_mut().insert(TypeId::of::<T>(), Box::new(value)));
    }
}

impl<P: Protocol> Trace<P> {
    /// The message with this id.
    pub fn message(&self, id: MsgId) -> &Envelope<P::Msg> {
        &self.messages[id.0 as usize]
    }

    /// The node an event concerns, if it concerns one node (for a message: both ends).
    pub fn nodes_of(&self, kind: &EventKind<P>) -> (Option<NodeId>, Option<NodeId>) {
        use EventKind::*;
        match kind {
            Send { msg } | Duplicate { msg } | Deliver { msg } | Drop { msg, .. } => {
                let m = self.message(*msg);
                (Some(m.from), Some(m.to))
            }
            Start { node, .. }
            | TimerSet { node, .. }
            | TimerFired { node, .. }
            | TimerCancelled { node, .. }
            | Request { node, .. }
            | RequestRefused { node, .. }
            | Reply { node, .. }
            | Output { node, .. }
            | Put { node, .. }
            | Delete { node, .. }
            | Sync { node }
            | Annotate { node, .. }
            | EffectLost { node, .. }
            | Crash { node, .. }
            | Restart { node, .. }
            | Pause { node, .. }
            | Resume { node }
            | ClockStep { node, .. }
            | Panic { node, .. } => (Some(*node), None),
            Partition { .. } | Heal { .. } | NetworkChange { .. } | Abort { .. } => (None, None),
        }
    }

    /// For every event, the index of the event that began the handler it is an effect of: a
    /// send, timer, storage write, reply, output, note or lost effect points at the start, restart,
    /// delivery, timer firing or request whose handler pushed it. Other events map to `None`.
    /// Properties use it to ask "what was this node answering when it sent that?".
    pub fn handlers(&self) -> Vec<Option<usize>> {
        use EventKind::*;
        let mut current: Option<(usize, NodeId)> = None;
        let mut out = Vec::with_capacity(self.events.len());
        for (i, e) in self.events.iter().enumerate() {
            let effect_of = match &e.kind {
                Start { node, .. }
                | Restart { node, .. }
                | TimerFired { node, .. }
                | Request { node, .. } => {
                    current = Some((i, *node));
                    None
                }
                Deliver { msg } => {
                    current = Some((i, self.message(*msg).to));
                    None
                }
                Send { msg } => Some(self.message(*msg).from),
                TimerSet { node, .. }
                | TimerCancelled { node, .. }
                | Put { node, .. }
                | Delete { node, .. }
                | Sync { node }
                | Reply { node, .. }
                | Output { node, .. }
                | Annotate { node, .. }
                | EffectLost { node, .. } => Some(*node),
                // The network's verdict on a send comes between a handler's effects.
                Drop { .. } | Duplicate { .. } => None,
                _ => {
                    current = None;
                    None
                }
            };
            out.push(match (effect_of, current) {
                (Some(node), Some((trigger, owner))) if node == owner => Some(trigger),
                _ => None,
            });
        }
        out
    }

    /// When the faults of the run end: the time of its last crash, restart, partition, heal,
    /// pause, resume, network change or clock step (zero if there are none). Bounds on
    /// recovery count from here.
    pub fn faults_end(&self) -> Time {
        self.events
            .iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    EventKind::Crash { .. }
                        | EventKind::Restart { .. }
                        | EventKind::Partition { .. }
                        | EventKind::Heal { .. }
                        | EventKind::Pause { .. }
                        | EventKind::Resume { .. }
                        | EventKind::NetworkChange { .. }
                        | EventKind::ClockStep { .. }
                )
            })
            .map(|e| e.at)
            .max()
            .unwrap_or(Time::ZERO)
    }

    /// One event as a line of text: time, then what happened, messages shown with `Debug`.
    pub fn render_text(&self, event: &Event<P>) -> String {
        let mut s = format!("{:>15}  ", event.at.to_string());
        self.write_text(&mut s, &event.kind).expect("writing to a String cannot fail");
        s
    }

    fn write_text(&self, s: &mut String, kind: &EventKind<P>) -> fmt::Result {
        use EventKind::*;
        match kind {
            Start { node, incarnation } => write!(s, "{node} start (incarnation {incarnation})"),
            Send { msg } => {
                let m = self.message(*msg);
                write!(s, "{} -> {} send #{} {:?}", m.from, m.to, msg.0, m.msg)
            }
            Duplicate { msg } => {
                let m = self.message(*msg);
                write!(s, "{} -> {} duplicate #{}", m.from, m.to, msg.0)
            }
            Deliver { msg } => {
                let m = self.message(*msg);
                write!(s, "{} -> {} deliver #{} {:?}", m.from, m.to, msg.0, m.msg)
            }
            Drop { msg, reason } => {
                let m = self.message(*msg);
                let why = match reason {
                    DropReason::Loss => "lost",
                    DropReason::Partition => "blocked by partition",
                    DropReason::NodeDown => "destination down",
                };
                write!(s, "{} -> {} drop #{} ({why})", m.from, m.to, msg.0)
            }
            TimerSet { node, id, after, timer } => {
                write!(s, "{node} set timer t{} after {after} {timer:?}", id.0)
            }
            TimerFired { node, id, timer } => write!(s, "{node} timer t{} fired {timer:?}", id.0),
            TimerCancelled { node, id } => write!(s, "{node} cancel timer t{}", id.0),
            Request { node, id, request } => write!(s, "{node} request {id} {request:?}"),
            RequestRefused { node, id, request } => {
                write!(s, "{node} request {id} refused (node down) {request:?}")
            }
            Reply { node, id, response } => write!(s, "{node} reply {id} {response:?}"),
            Output { node, output } => write!(s, "{node} output {output:?}"),
            Put { node, key, bytes } => write!(s, "{node} put {key:?} ({bytes} bytes)"),
            Delete { node, key } => write!(s, "{node} delete {key:?}"),
            Sync { node } => write!(s, "{node} sync"),
            Annotate { node, text } => write!(s, "{node} note: {text}"),
            EffectLost { node, effect } => write!(s, "{node} lost in the crash: {effect}"),
            Crash { node, cut, lost_writes } => {
                write!(s, "{node} CRASH")?;
                if let Some((kept, total)) = cut {
                    write!(s, " in a handler, after {kept} of its {total} effects")?;
                }
                write!(s, "; {lost_writes} unsynced writes lost")
            }
            Restart { node, incarnation } => {
                write!(s, "{node} RESTART (incarnation {incarnation})")
            }
            Pause { node, until } => write!(s, "{node} PAUSE until {until}"),
            Resume { node } => write!(s, "{node} RESUME"),
            Partition { links, heal } => {
                write!(s, "PARTITION")?;
                for (a, b) in links {
                    write!(s, " {a}->{b}")?;
                }
                match heal {
                    Some(h) => write!(s, " until {h}"),
                    None => write!(s, " forever"),
                }
            }
            Heal { links } => {
                write!(s, "HEAL")?;
                for (a, b) in links {
                    write!(s, " {a}->{b}")?;
                }
                Ok(())
            }
            NetworkChange { description, links } => {
                write!(s, "NETWORK")?;
                for (a, b) in links {
                    write!(s, " {a}->{b}")?;
                }
                if !links.is_empty() {
                    write!(s, ":")?;
                }
                write!(s, " {description}")
            }
            ClockStep { node, by_micros } => {
                write!(s, "{node} wall clock stepped by {by_micros}us")
            }
            Panic { node, panic } => {
                write!(
                    s,
                    "{node} PANIC in {} at {}: {}",
                    panic.handler, panic.location, panic.message
                )
            }
            Abort { reason } => write!(s, "ABORT {reason}"),
        }
    }

    /// One event as a JSON object on one line; message events carry their id (`msg`), both
    /// ends and the message itself (`body`).
    pub fn render_json(&self, event: &Event<P>) -> String {
        let mut value = serde_json::to_value(event).expect("trace events serialize");
        let msg = match &event.kind {
            EventKind::Send { msg }
            | EventKind::Duplicate { msg }
            | EventKind::Deliver { msg }
            | EventKind::Drop { msg, .. } => Some(*msg),
            _ => None,
        };
        if let (Some(id), Some(obj)) = (msg, value.as_object_mut()) {
            let m = self.message(id);
            obj.insert("from".into(), serde_json::to_value(m.from).expect("ids serialize"));
            obj.insert("to".into(), serde_json::to_value(m.to).expect("ids serialize"));
            obj.insert("body".into(), serde_json::to_value(&m.msg).expect("messages serialize"));
        }
        value.to_string()
    }
}

/// Which events of a trace to show: those of one node, within a window of virtual time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only events that concern this node (a message concerns both its ends); events that
    /// concern no single node (a partition, a network change) are always kept.
    pub node: Option<NodeId>,
    /// Nothing before this time.
    pub from: Option<Time>,
    /// Nothing after this time.
    pub to: Option<Time>,
}

impl Filter {
    /// Whether `event` passes.
    pub fn keeps<P: Protocol>(&self, trace: &Trace<P>, event: &Event<P>) -> bool {
        if self.from.is_some_and(|f| event.at < f) || self.to.is_some_and(|t| event.at > t) {
            return false;
        }
        match self.node {
            None => true,
            Some(n) => match trace.nodes_of(&event.kind) {
                (None, None) => true,
                (a, b) => a == Some(n) || b == Some(n),
            },
        }
    }
}

/// How to show a trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One line of text per event.
    Text,
    /// One JSON object per line.
    Json,
    /// A space-time diagram in one HTML page.
    Html,
}

/// What to show of a trace, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    /// The format.
    pub format: Format,
    /// Which events.
    pub filter: Filter,
    /// Narrow the window to the first violated property.
    pub around_violation: bool,
}
