//! A small protocol and processes for testing the harness itself.

#![allow(dead_code)]

use harness::sim::{Budgets, Factory, Setup};
use harness::{Ctx, Duration, NodeId, Plan, Process, Protocol, RequestId, Scenario, Time};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Clone, Copy, Debug)]
pub enum Test {}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Msg {
    Ping(u32),
    Pong(u32),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Write a value durably (`sync: true`) or not.
    Store { value: u64, sync: bool },
    /// Read the stored value.
    Read,
    /// Never answered.
    Ignore,
}

impl Protocol for Test {
    type Msg = Msg;
    type Timer = u32;
    type Request = Request;
    type Response = Option<u64>;
    type Output = String;
}

/// What a test node does; one variant per harness behaviour under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// n0 pings every peer every 10 ms; everyone answers pings with pongs.
    PingPong { peers: u32 },
    /// Sends two pings to n1 from on_start, nothing else.
    TwoPingsAtStart,
    /// Stores and reads values on request; on_start outputs what storage holds.
    Store,
    /// Panics in on_message.
    PanicOnMessage,
    /// Re-arms a zero-delay timer for ever.
    ZeroDelayLoop,
    /// Sends ten messages to itself for every message it receives.
    Flood,
    /// Loops for ever inside on_start.
    Spin,
    /// Sets timers of 10, 20 and 30 ms at start and outputs when each fires.
    Timers,
    /// Outputs its wall clock every 10 ms.
    WallClock,
    /// Sends to a node that does not exist.
    SendsToNowhere,
    /// Its ping payload depends on a static counter: not a function of its inputs.
    Nondeterministic,
}

static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

#[derive(Debug)]
pub struct Node {
    pub behaviour: Behaviour,
}

impl Process<Test> for Node {
    fn on_start(&mut self, ctx: &mut Ctx<'_, Test>) {
        match self.behaviour {
            Behaviour::PingPong { .. } if ctx.id() == NodeId(0) => {
                ctx.set_timer(Duration::from_millis(10), 0);
            }
            Behaviour::TwoPingsAtStart if ctx.id() == NodeId(0) => {
                ctx.send(NodeId(1), Msg::Ping(1));
                ctx.send(NodeId(1), Msg::Ping(2));
            }
            Behaviour::Store => {
                let stored: Option<u64> = ctx.load("value");
                ctx.output(format!("started with {stored:?}"));
            }
            Behaviour::ZeroDelayLoop => {
                ctx.set_timer(Duration::ZERO, 0);
            }
            Behaviour::Flood if ctx.id() == NodeId(0) => ctx.send(NodeId(1), Msg::Ping(0)),
            Behaviour::Spin => {
                let mut x = 0u64;
                while std::hint::black_box(x) != u64::MAX {
                    x = x.wrapping_add(2);
                }
            }
            Behaviour::Timers => {
                for ms in [30, 10, 20] {
                    ctx.set_timer(Duration::from_millis(ms), ms as u32);
                }
            }
            Behaviour::WallClock => {
                ctx.set_timer(Duration::from_millis(10), 0);
            }
            Behaviour::SendsToNowhere => ctx.send(NodeId(9), Msg::Ping(0)),
            Behaviour::Nondeterministic if ctx.id() == NodeId(0) => {
                let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                ctx.send(NodeId(1), Msg::Ping(n));
            }
            _ => {}
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Test>, from: NodeId, msg: Msg) {
        match (self.behaviour, msg) {
            (Behaviour::PanicOnMessage, _) => panic!("this node cannot take messages"),
            (Behaviour::Flood, _) => {
                for _ in 0..10 {
                    ctx.send(ctx.id(), Msg::Ping(0));
                }
            }
            (_, Msg::Ping(n)) => {
                ctx.output(format!("ping {n} from {from}"));
                ctx.send(from, Msg::Pong(n));
            }
            (_, Msg::Pong(n)) => ctx.output(format!("pong {n} from {from}")),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Test>, timer: u32) {
        match self.behaviour {
            Behaviour::PingPong { peers } => {
                for p in 1..=peers {
                    ctx.send(NodeId(p), Msg::Ping(timer));
                }
                ctx.set_timer(Duration::from_millis(10), timer + 1);
            }
            Behaviour::ZeroDelayLoop => {
                ctx.set_timer(Duration::ZERO, timer + 1);
            }
            Behaviour::Timers => ctx.output(format!("timer {timer} at {}", ctx.now())),
            Behaviour::WallClock => {
                ctx.output(format!("wall {}", ctx.wall_clock_micros()));
                ctx.set_timer(Duration::from_millis(10), 0);
            }
            _ => {}
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, Test>, id: RequestId, request: Request) {
        match request {
            Request::Store { value, sync } => {
                ctx.save("value", &value);
                if sync {
                    ctx.sync();
                }
                ctx.reply(id, Some(value));
            }
            Request::Read => {
                let v = ctx.load("value");
                ctx.reply(id, v);
            }
            Request::Ignore => {}
        }
    }
}

pub fn factory(behaviour: Behaviour) -> Factory<Test> {
    Arc::new(move |_| Box::new(Node { behaviour }))
}

/// A setup with `nodes` nodes of one behaviour on a reliable network, no faults, no requests.
pub fn setup(nodes: usize, behaviour: Behaviour, duration: Duration) -> Setup<Test> {
    Setup {
        nodes,
        network: harness::Network::reliable(),
        faults: Vec::new(),
        clocks: Vec::new(),
        duration,
        factory: factory(behaviour),
        workload: Box::new(harness::NoRequests),
        budgets: Budgets::default(),
        picker: None,
    }
}

/// The outputs of a run, as (time, node, text).
pub fn outputs(run: &harness::Run<Test>) -> Vec<(Time, NodeId, String)> {
    run.trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            harness::EventKind::Output { node, output } => Some((e.at, *node, output.clone())),
            _ => None,
        })
        .collect()
}

/// A scenario with no properties of its own, for report tests.
pub fn scenario(behaviour: Behaviour, budgets: Budgets) -> Scenario<Test> {
    Scenario {
        name: "test",
        part: "A",
        points: 1,
        summary: "a harness test",
        nodes: 2,
        network: harness::Network::reliable(),
        faults: "none".into(),
        workload: "none".into(),
        duration: Duration::from_millis(100),
        seeds: 3,
        plan: Arc::new(|_| Plan {
            faults: Vec::new(),
            clocks: Vec::new(),
            workload: Box::new(harness::NoRequests),
        }),
        factory: factory(behaviour),
        properties: Vec::new(),
        budgets,
        outcome: None,
        picker: None,
    }
}
