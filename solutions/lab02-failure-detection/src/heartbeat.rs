//! Part B's reference detector, in the file a student edits
//! (`labs/lab02-failure-detection/src/heartbeat.rs`).

use crate::{FailureDetection, HeartbeatDetector, HeartbeatTiming, Msg, Suspicion, Timer};
use harness::{Ctx, Duration, NodeId, Process, Time, TimerId};
use std::collections::{BTreeMap, VecDeque};

/// The storage key of the incarnation number.
const INCARNATION: &str = "incarnation";

/// What this member knows of another's heartbeats.
#[derive(Debug, Default)]
struct Peer {
    /// The largest (incarnation, seq) accepted: older or repeated heartbeats are ignored, and a
    /// larger incarnation means the member restarted.
    newest: Option<(u64, u64)>,
    /// For the last `window` heartbeats accepted: arrival time minus seq·η. Heartbeat s leaves
    /// at start + s·η, so each of these is the member's start plus that heartbeat's delay, and
    /// their mean estimates where the next one will land.
    offsets: VecDeque<i64>,
    /// The timer set for the freshness point.
    check: Option<TimerId>,
    suspected: bool,
}

/// A heartbeat failure detector with the adaptive timeout of Chen, Toueg and Aguilera (2002):
/// the next heartbeat is expected at the mean of the recent arrivals, each shifted back by its
/// sequence number, plus one interval; the member is suspected once that expected arrival plus
/// the safety margin has passed.
#[derive(Debug)]
pub struct Detector {
    me: NodeId,
    members: usize,
    timing: HeartbeatTiming,
    start: Time,
    incarnation: u64,
    peers: BTreeMap<NodeId, Peer>,
}

impl HeartbeatDetector for Detector {
    fn new(me: NodeId, members: usize, timing: HeartbeatTiming) -> Self {
        Detector { me, members, timing, start: Time::ZERO, incarnation: 0, peers: BTreeMap::new() }
    }
}

impl Detector {
    fn others(&self) -> Vec<NodeId> {
        (0..self.members as u32).map(NodeId).filter(|p| *p != self.me).collect()
    }

    fn interval(&self) -> i64 {
        self.timing.interval.as_micros() as i64
    }

    /// Sends the heartbeat due now to every other member, and schedules the next one on the
    /// grid start + s·η (after a pause, the missed ones are skipped, not sent late).
    fn beat(&mut self, ctx: &mut Ctx<'_, FailureDetection>) {
        let seq = (ctx.now() - self.start).as_micros() / self.timing.interval.as_micros();
        for p in self.others() {
            ctx.send(p, Msg::Heartbeat { incarnation: self.incarnation, seq });
        }
        let next = self.start + self.timing.interval.times(seq + 1);
        ctx.set_timer(next - ctx.now(), Timer::Beat);
    }

    /// The moment `peer` becomes suspect if no newer heartbeat has arrived, in microseconds.
    fn freshness_point(&self, peer: &Peer) -> i64 {
        let margin = self.timing.margin.as_micros() as i64;
        match peer.newest {
            None => (self.start + self.timing.interval).as_micros() as i64 + margin,
            Some((_, seq)) => {
                let mean = peer.offsets.iter().sum::<i64>().div_euclid(peer.offsets.len() as i64);
                mean + (seq as i64 + 1) * self.interval() + margin
            }
        }
    }

    /// Sets the timer for `q`'s freshness point, replacing the previous one.
    fn schedule_check(&mut self, ctx: &mut Ctx<'_, FailureDetection>, q: NodeId) {
        let point = self.freshness_point(&self.peers[&q]);
        let wait = Duration((point - ctx.now().as_micros() as i64).max(0) as u64);
        let timer = ctx.set_timer(wait, Timer::Check { peer: q });
        if let Some(old) = self.peers.get_mut(&q).and_then(|p| p.check.replace(timer)) {
            ctx.cancel_timer(old);
        }
    }
}

impl Process<FailureDetection> for Detector {
    fn on_start(&mut self, ctx: &mut Ctx<'_, FailureDetection>) {
        // The incarnation must grow across restarts so that the others can tell this start's
        // heartbeats from stale ones; it is synced before any heartbeat carries it.
        self.incarnation = ctx.load::<u64>(INCARNATION).unwrap_or(0) + 1;
        ctx.save(INCARNATION, &self.incarnation);
        ctx.sync();
        self.start = ctx.now();
        for q in self.others() {
            self.peers.insert(q, Peer::default());
            self.schedule_check(ctx, q);
        }
        self.beat(ctx);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, FailureDetection>, from: NodeId, msg: Msg) {
        let Msg::Heartbeat { incarnation, seq } = msg else { return };
        let (window, interval, now) = (self.timing.window, self.interval(), ctx.now());
        let Some(peer) = self.peers.get_mut(&from) else { return };
        if peer.newest.is_some_and(|n| (incarnation, seq) <= n) {
            return;
        }
        if peer.newest.is_some_and(|(i, _)| incarnation > i) {
            peer.offsets.clear();
        }
        peer.newest = Some((incarnation, seq));
        peer.offsets.push_back(now.as_micros() as i64 - seq as i64 * interval);
        if peer.offsets.len() > window {
            peer.offsets.pop_front();
        }
        if peer.suspected {
            peer.suspected = false;
            ctx.output(Suspicion::Restore(from));
        }
        self.schedule_check(ctx, from);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, FailureDetection>, timer: Timer) {
        match timer {
            Timer::Beat => self.beat(ctx),
            Timer::Check { peer: q } => {
                let point = self.freshness_point(&self.peers[&q]);
                let peer = self.peers.get_mut(&q).expect("every other member has an entry");
                peer.check = None;
                if !peer.suspected && ctx.now().as_micros() as i64 >= point {
                    peer.suspected = true;
                    ctx.output(Suspicion::Suspect(q));
                }
            }
            _ => {}
        }
    }
}
