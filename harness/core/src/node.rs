//! The node model: a process is a plain struct driven by handlers, acting only through a context.
//!
//! A handler never touches the network, a clock, a thread or global randomness. It pushes effects
//! (send, set a timer, write storage, reply, ...) into its context's outbox, in order, and the
//! runtime carries them out afterwards. That order is what a crash can cut: the simulator may
//! apply any prefix of a handler's effects and then crash the node, as a real machine might lose
//! power halfway through a handler.

use crate::rng::Rng;
use crate::storage::Storage;
use crate::time::{Duration, Time};
use serde::{Serialize, de::DeserializeOwned};
use std::fmt::{self, Debug};

/// The identity of a process in a cluster: servers, clients and services alike.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct NodeId(pub u32);

// `n1` rather than `NodeId(1)`, so messages in traces read the way reports name nodes.
impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

impl NodeId {
    /// The id as an index into per-node tables.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// A timer handle, unique within one incarnation of one node.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
pub struct TimerId(pub u64);

/// A client request's handle; the reply names it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
pub struct RequestId(pub u64);

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", self.0)
    }
}

/// What every message, timer tag, request, reply and output must be: printable in a trace,
/// serializable to JSON (for JSON traces and the TCP runtime), cloneable (the network duplicates
/// messages) and sendable to the grading thread.
pub trait Data: Clone + Debug + Serialize + DeserializeOwned + Send + 'static {}
impl<T: Clone + Debug + Serialize + DeserializeOwned + Send + 'static> Data for T {}

/// A lab's wire and interface types, in one place. Every process of a lab speaks the same
/// protocol, so servers, clients and harness-provided services can share one simulation.
pub trait Protocol: Clone + Debug + Send + Sync + 'static {
    /// What processes send each other over the network.
    type Msg: Data;
    /// What a node attaches to a timer, to know why it fired.
    type Timer: Data;
    /// An operation a client (the workload) asks of a node.
    type Request: Data;
    /// A node's answer to a request.
    type Response: Data;
    /// Something a node reports to the harness for the properties to check (a delivery, an
    /// applied command, a timestamped event). Outputs go to the trace; they are observations,
    /// not messages.
    type Output: Data;
}

/// A process: a plain struct whose handlers the runtime calls one at a time.
///
/// Handlers have default bodies that do nothing, so a process implements only those it needs.
pub trait Process<P: Protocol>: Send {
    /// Called when the process starts, and again after every restart (with a fresh struct, whose
    /// only memory of the past is its durable storage).
    fn on_start(&mut self, ctx: &mut Ctx<'_, P>) {
        let _ = ctx;
    }

    /// Called when a message from `from` is delivered.
    fn on_message(&mut self, ctx: &mut Ctx<'_, P>, from: NodeId, msg: P::Msg) {
        let _ = (ctx, from, msg);
    }

    /// Called when a timer set by this incarnation fires (and was not cancelled).
    fn on_timer(&mut self, ctx: &mut Ctx<'_, P>, timer: P::Timer) {
        let _ = (ctx, timer);
    }

    /// Called when a client asks for an operation; answer with [`Ctx::reply`] now or later.
    fn on_request(&mut self, ctx: &mut Ctx<'_, P>, id: RequestId, request: P::Request) {
        let _ = (ctx, id, request);
    }
}

/// One thing a handler asked for, in the order it asked.
#[derive(Debug)]
pub enum Effect<P: Protocol> {
    /// Send a message.
    Send {
        /// The destination.
        to: NodeId,
        /// The message.
        msg: P::Msg,
    },
    /// Start a timer that fires after `after` on the node's monotonic clock.
    SetTimer {
        /// The handle returned to the node.
        id: TimerId,
        /// How long, by the node's own clock.
        after: Duration,
        /// What the timer is for.
        timer: P::Timer,
    },
    /// Cancel a timer, if it has not fired.
    CancelTimer(TimerId),
    /// Write a value to durable storage (lost on a crash unless a later `Sync` is applied).
    Put {
        /// The key.
        key: String,
        /// The bytes.
        value: Vec<u8>,
    },
    /// Remove a key from durable storage (lost on a crash unless a later `Sync` is applied).
    Delete(String),
    /// Make every earlier storage write durable.
    Sync,
    /// Answer a client request.
    Reply {
        /// The request being answered.
        id: RequestId,
        /// The answer.
        response: P::Response,
    },
    /// Report an observation to the harness.
    Output(P::Output),
    /// A note for the trace (a role change, a commit index): free text, never graded.
    Annotate(String),
}

impl<P: Protocol> Effect<P> {
    /// The effect in a few words, for the trace ("send Vote { .. } to n1", "sync").
    pub fn describe(&self) -> String {
        match self {
            Effect::Send { to, msg } => format!("send {msg:?} to {to}"),
            Effect::SetTimer { id, after, timer } => {
                format!("set timer t{} {timer:?} for {after}", id.0)
            }
            Effect::CancelTimer(id) => format!("cancel timer t{}", id.0),
            Effect::Put { key, value } => format!("put {key:?} ({} bytes)", value.len()),
            Effect::Delete(key) => format!("delete {key:?}"),
            Effect::Sync => "sync".into(),
            Effect::Reply { id, response } => format!("reply {response:?} to request {}", id.0),
            Effect::Output(output) => format!("output {output:?}"),
            Effect::Annotate(text) => format!("note: {text}"),
        }
    }
}

/// Everything a handler may do, and read, while it runs.
pub struct Ctx<'a, P: Protocol> {
    pub(crate) me: NodeId,
    pub(crate) now: Time,
    pub(crate) wall: i64,
    pub(crate) rng: &'a mut Rng,
    pub(crate) storage: &'a Storage,
    pub(crate) effects: &'a mut Vec<Effect<P>>,
    pub(crate) next_timer: &'a mut u64,
}

impl<P: Protocol> Debug for Ctx<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ctx").field("me", &self.me).field("now", &self.now).finish_non_exhaustive()
    }
}

impl<'a, P: Protocol> Ctx<'a, P> {
    /// A context over the given state; runtimes build one per handler call.
    pub fn new(
        me: NodeId,
        now: Time,
        wall_micros: i64,
        rng: &'a mut Rng,
        storage: &'a Storage,
        effects: &'a mut Vec<Effect<P>>,
        next_timer: &'a mut u64,
    ) -> Self {
        Ctx { me, now, wall: wall_micros, rng, storage, effects, next_timer }
    }

    /// This process's id.
    pub fn id(&self) -> NodeId {
        self.me
    }

    /// The node's monotonic clock: never steps, but may drift. Timers run on it. Compare
    /// readings within one incarnation only, as with a real machine's boot-relative clock.
    pub fn now(&self) -> Time {
        self.now
    }

    /// The node's wall clock, in microseconds since the Unix epoch: it has an offset from true
    /// time, drifts, and may step backwards when "NTP" corrects it. Never time timers with it.
    pub fn wall_clock_micros(&self) -> i64 {
        self.wall
    }

    /// The node's own random stream (seeded per node and incarnation).
    pub fn rng(&mut self) -> &mut Rng {
        self.rng
    }

    /// Sends `msg` to `to` over the (unreliable) network.
    pub fn send(&mut self, to: NodeId, msg: P::Msg) {
        self.effects.push(Effect::Send { to, msg });
    }

    /// Starts a timer that fires `after` from now on the node's monotonic clock.
    pub fn set_timer(&mut self, after: Duration, timer: P::Timer) -> TimerId {
        let id = TimerId(*self.next_timer);
        *self.next_timer += 1;
        self.effects.push(Effect::SetTimer { id, after, timer });
        id
    }

    /// Cancels a timer; cancelling one that already fired or was cancelled does nothing.
    pub fn cancel_timer(&mut self, id: TimerId) {
        self.effects.push(Effect::CancelTimer(id));
    }

    /// Answers a client request.
    pub fn reply(&mut self, id: RequestId, response: P::Response) {
        self.effects.push(Effect::Reply { id, response });
    }

    /// Reports an observation (a delivery, an applied command) to the harness.
    pub fn output(&mut self, output: P::Output) {
        self.effects.push(Effect::Output(output));
    }

    /// Adds a free-text note to the trace.
    pub fn annotate(&mut self, note: impl Into<String>) {
        self.effects.push(Effect::Annotate(note.into()));
    }

    /// Reads a key from storage, seeing this handler's own earlier writes.
    pub fn get(&self, key: &str) -> Option<&[u8]> {
        for effect in self.effects.iter().rev() {
            match effect {
                Effect::Put { key: k, value } if k == key => return Some(value),
                Effect::Delete(k) if k == key => return None,
                _ => {}
            }
        }
        self.storage.get(key)
    }

    /// Writes bytes under a key. The write survives a crash only once a later [`Ctx::sync`]
    /// has taken effect.
    pub fn put(&mut self, key: impl Into<String>, value: Vec<u8>) {
        self.effects.push(Effect::Put { key: key.into(), value });
    }

    /// Removes a key; like [`Ctx::put`], durable only after a sync.
    pub fn delete(&mut self, key: impl Into<String>) {
        self.effects.push(Effect::Delete(key.into()));
    }

    /// Makes every earlier write of this node durable (an fsync).
    pub fn sync(&mut self) {
        self.effects.push(Effect::Sync);
    }

    /// Writes a value as JSON under a key (see [`Ctx::put`]).
    pub fn save<T: Serialize>(&mut self, key: impl Into<String>, value: &T) {
        let bytes = serde_json::to_vec(value).expect("a value that derives Serialize encodes");
        self.put(key, bytes);
    }

    /// Reads a value written with [`Ctx::save`]. Panics if the bytes are not a `T`, which is a
    /// bug in the node (two types under one key).
    pub fn load<T: DeserializeOwned>(&self, key: &str) -> Option<T> {
        self.get(key).map(|bytes| match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => panic!("storage key {key:?} does not hold the type being loaded: {e}"),
        })
    }
}
