//! Part C's reference detector, in the file a student edits
//! (`labs/lab02-failure-detection/src/swim.rs`).

use crate::{FailureDetection, Msg, Suspicion, SwimDetector, SwimTiming, Timer};
use harness::{Ctx, NodeId, Process, Time};
use std::collections::{BTreeMap, BTreeSet};

/// The probe of this period: whom, under which number, and whether an ack about the target
/// (direct, or forwarded by a helper) has arrived.
#[derive(Debug)]
struct Probe {
    id: u64,
    target: NodeId,
    acked: bool,
}

/// A ping this member sends for another: who asked, under which of their probe numbers, about
/// whom, and when (unanswered relays are forgotten after a period).
#[derive(Debug)]
struct Relay {
    asker: NodeId,
    their_probe: u64,
    target: NodeId,
    since: Time,
}

/// SWIM's failure detector (Das, Gupta and Motivala, 2002), without the dissemination
/// component: one probe per protocol period, to the next member of a round-robin order that is
/// reshuffled after every round (which bounds detection time by 2N - 2 periods, where random
/// choice would leave it unbounded), indirect pings through k helpers when the direct ping goes
/// unanswered (so one lossy or cut link is not mistaken for a failure), and a load of a constant
/// number of messages per member per period, whatever the group's size.
#[derive(Debug)]
pub struct Detector {
    me: NodeId,
    members: usize,
    timing: SwimTiming,
    order: Vec<NodeId>,
    next_in_order: usize,
    next_probe_id: u64,
    current: Option<Probe>,
    relays: BTreeMap<u64, Relay>,
    suspected: BTreeSet<NodeId>,
}

impl SwimDetector for Detector {
    fn new(me: NodeId, members: usize, timing: SwimTiming) -> Self {
        Detector {
            me,
            members,
            timing,
            order: Vec::new(),
            next_in_order: 0,
            next_probe_id: 0,
            current: None,
            relays: BTreeMap::new(),
            suspected: BTreeSet::new(),
        }
    }
}

impl Detector {
    fn others(&self) -> Vec<NodeId> {
        (0..self.members as u32).map(NodeId).filter(|p| *p != self.me).collect()
    }

    /// A probe number never used before by this incarnation, for own probes and relays alike,
    /// so an ack names exactly one ping.
    fn fresh_probe_id(&mut self) -> u64 {
        self.next_probe_id += 1;
        self.next_probe_id
    }

    /// Pings the next member of the round-robin order, reshuffling it once walked through.
    fn probe_next(&mut self, ctx: &mut Ctx<'_, FailureDetection>) {
        if self.next_in_order == self.order.len() {
            self.order = self.others();
            ctx.rng().shuffle(&mut self.order);
            self.next_in_order = 0;
        }
        let target = self.order[self.next_in_order];
        self.next_in_order += 1;
        let id = self.fresh_probe_id();
        ctx.send(target, Msg::Ping { probe: id });
        ctx.set_timer(self.timing.ping_timeout, Timer::ProbeTimeout { probe: id });
        self.current = Some(Probe { id, target, acked: false });
    }

    /// Any message from `q`, or any ack about it, proves it alive.
    fn heard_of(&mut self, ctx: &mut Ctx<'_, FailureDetection>, q: NodeId) {
        if self.suspected.remove(&q) {
            ctx.output(Suspicion::Restore(q));
        }
    }
}

impl Process<FailureDetection> for Detector {
    fn on_start(&mut self, ctx: &mut Ctx<'_, FailureDetection>) {
        self.probe_next(ctx);
        ctx.set_timer(self.timing.period, Timer::Period);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, FailureDetection>, from: NodeId, msg: Msg) {
        self.heard_of(ctx, from);
        match msg {
            Msg::Ping { probe } => ctx.send(from, Msg::Ack { probe, about: self.me }),
            Msg::PingReq { probe, target } => {
                let id = self.fresh_probe_id();
                let relay = Relay { asker: from, their_probe: probe, target, since: ctx.now() };
                self.relays.insert(id, relay);
                ctx.send(target, Msg::Ping { probe: id });
            }
            Msg::Ack { probe, about } => {
                self.heard_of(ctx, about);
                match &mut self.current {
                    Some(p) if p.id == probe && p.target == about => p.acked = true,
                    _ => {
                        if self.relays.get(&probe).is_some_and(|r| r.target == about) {
                            let r = self.relays.remove(&probe).expect("checked above");
                            ctx.send(r.asker, Msg::Ack { probe: r.their_probe, about });
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, FailureDetection>, timer: Timer) {
        match timer {
            Timer::Period => {
                if let Some(p) = self.current.take() {
                    if !p.acked && self.suspected.insert(p.target) {
                        ctx.output(Suspicion::Suspect(p.target));
                    }
                }
                let (now, period) = (ctx.now(), self.timing.period);
                self.relays.retain(|_, r| now - r.since < period);
                self.probe_next(ctx);
                ctx.set_timer(period, Timer::Period);
            }
            Timer::ProbeTimeout { probe } => {
                let Some(p) = self.current.as_ref().filter(|p| p.id == probe && !p.acked) else {
                    return;
                };
                let target = p.target;
                let mut helpers: Vec<NodeId> =
                    self.others().into_iter().filter(|h| *h != target).collect();
                ctx.rng().shuffle(&mut helpers);
                for h in helpers.into_iter().take(self.timing.indirect) {
                    ctx.send(h, Msg::PingReq { probe, target });
                }
            }
            _ => {}
        }
    }
}
