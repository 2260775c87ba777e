//! The reference lease holder (part B): election through a lease service, with fencing tokens.
//!
//! A lease (Gray and Cheriton, 1989) makes a node leader for a bounded time. The node may act on
//! it only while the lease cannot have expired at the service, judged by its own clock, which
//! may run slow by up to the contract's drift bound. So it measures from when it *sent* the
//! request that was granted (the service started the TTL no earlier), and stops a drift margin
//! (`ttl * MAX_DRIFT_PPM / 10^6`) and the network's longest delay before the TTL is up. Every
//! write carries the lease's fencing token, so that the storage can refuse a write from a holder
//! that slept through the end of its lease (Kleppmann, "How to do distributed locking", 2016).

use crate::{LeaseMsg, LeaseNode, LeaseTimer, LeaseTiming, Leases, Token};
use harness::{Ctx, Duration, NodeId, Process, Time};
use std::collections::BTreeMap;

/// A lease the node holds, as far as it knows.
#[derive(Clone, Copy, Debug)]
struct Lease {
    token: Token,
    /// The last instant, by this node's clock, at which it may act under the lease.
    valid_until: Time,
}

/// A request in flight to the lease service.
#[derive(Clone, Copy, Debug)]
struct Pending {
    /// When it was sent, by this node's clock.
    sent_at: Time,
    /// Whether it renews a lease (rather than acquiring one).
    renewal: bool,
}

/// A node competing for the lease.
#[derive(Debug)]
pub struct Holder {
    service: NodeId,
    storage: NodeId,
    timing: LeaseTiming,
    lease: Option<Lease>,
    pending: BTreeMap<u64, Pending>,
    next_seq: u64,
    next_value: u64,
}

impl LeaseNode for Holder {
    fn new(_me: NodeId, lease_service: NodeId, storage: NodeId, timing: LeaseTiming) -> Self {
        Holder {
            service: lease_service,
            storage,
            timing,
            lease: None,
            pending: BTreeMap::new(),
            next_seq: 0,
            next_value: 0,
        }
    }
}

impl Holder {
    /// How long after sending a granted request the lease is surely still valid at the
    /// service, by this node's clock: the TTL, less what a clock within the drift bound may
    /// gain on it, less the longest delay a write may spend in the network.
    fn safe_span(&self) -> Duration {
        self.timing.ttl - self.timing.drift_margin() - self.timing.max_delay
    }

    /// The lease this node may act under now, if any.
    fn valid_lease(&self, now: Time) -> Option<Lease> {
        self.lease.filter(|l| now < l.valid_until)
    }

    /// Renews the lease, or asks for it if the node holds none (or only an expired one).
    fn ask(&mut self, ctx: &mut Ctx<'_, Leases>) {
        let now = ctx.now();
        self.lease = self.valid_lease(now);
        // Answers to requests older than a TTL can no longer make a lease valid.
        let ttl = self.timing.ttl;
        self.pending.retain(|_, p| now.since(p.sent_at) < ttl);
        self.next_seq += 1;
        let seq = self.next_seq;
        let msg = match self.lease {
            Some(l) => LeaseMsg::Renew { token: l.token, seq },
            None => LeaseMsg::Acquire { seq },
        };
        self.pending.insert(seq, Pending { sent_at: now, renewal: self.lease.is_some() });
        ctx.send(self.service, msg);
    }

    /// Records a grant of the request `pending`; true if it is a new lease.
    fn granted(&mut self, token: Token, pending: Pending) -> bool {
        let valid_until = pending.sent_at + self.safe_span();
        match &mut self.lease {
            Some(l) if l.token == token => l.valid_until = l.valid_until.max(valid_until),
            // A late answer to an older acquisition: that lease is over.
            Some(l) if l.token > token => {}
            _ => {
                self.lease = Some(Lease { token, valid_until });
                return true;
            }
        }
        false
    }
}

impl Process<Leases> for Holder {
    fn on_start(&mut self, ctx: &mut Ctx<'_, Leases>) {
        self.ask(ctx);
        ctx.set_timer(self.timing.renew_interval, LeaseTimer::Renew);
        ctx.set_timer(self.timing.write_interval, LeaseTimer::Write);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Leases>, _from: NodeId, msg: LeaseMsg) {
        match msg {
            LeaseMsg::Granted { token, seq } => {
                if let Some(p) = self.pending.remove(&seq) {
                    if self.granted(token, p) {
                        ctx.annotate(format!("holds lease {token}"));
                    }
                }
            }
            LeaseMsg::Refused { seq, .. } => {
                // A refused renewal means the lease is gone; a refused acquisition changes
                // nothing (the node may hold the lease through an earlier request).
                let renewal = self.pending.remove(&seq).is_some_and(|p| p.renewal);
                if renewal && self.lease.take().is_some() {
                    ctx.annotate("lost the lease");
                }
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Leases>, timer: LeaseTimer) {
        match timer {
            LeaseTimer::Renew => {
                self.ask(ctx);
                ctx.set_timer(self.timing.renew_interval, LeaseTimer::Renew);
            }
            LeaseTimer::Write => {
                // Read the clock at the moment of writing: after a pause, a lease that was
                // valid when the timer was set may long have run out.
                if let Some(l) = self.valid_lease(ctx.now()) {
                    self.next_value += 1;
                    ctx.send(
                        self.storage,
                        LeaseMsg::Write { token: l.token, value: self.next_value },
                    );
                }
                ctx.set_timer(self.timing.write_interval, LeaseTimer::Write);
            }
        }
    }
}
