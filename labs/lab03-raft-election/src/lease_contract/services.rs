//! The harness's two services for part B (not student code): a lease service with TTL and
//! compare-and-set semantics, like an etcd lease, and a storage that checks fencing tokens.
//! Both run on perfect clocks and never crash in lab 03's scenarios.

use super::{LeaseMsg, LeaseOutput, Leases, Token};
use harness::{Ctx, Duration, NodeId, Process, Time};

/// A linearizable single-key lease: a grant lasts `ttl` from when the service handles the
/// request; a new grant (when the lease is free or expired) gets a new, strictly larger token;
/// a renewal with the current token, before expiry, extends the lease by `ttl` from now.
#[derive(Debug)]
pub struct LeaseService {
    ttl: Duration,
    holder: Option<NodeId>,
    token: Token,
    expires: Time,
}

impl LeaseService {
    /// A service whose grants last `ttl`.
    pub fn new(ttl: Duration) -> Self {
        LeaseService { ttl, holder: None, token: 0, expires: Time::ZERO }
    }

    fn grant(&mut self, ctx: &mut Ctx<'_, Leases>, to: NodeId, seq: u64, renewal: bool) {
        self.expires = ctx.now() + self.ttl;
        ctx.output(LeaseOutput::Granted {
            holder: to,
            token: self.token,
            until: self.expires,
            renewal,
        });
        ctx.send(to, LeaseMsg::Granted { token: self.token, seq });
    }
}

impl Process<Leases> for LeaseService {
    fn on_message(&mut self, ctx: &mut Ctx<'_, Leases>, from: NodeId, msg: LeaseMsg) {
        let live = self.holder.is_some() && ctx.now() < self.expires;
        match msg {
            LeaseMsg::Acquire { seq } if !live => {
                self.token += 1;
                self.holder = Some(from);
                self.grant(ctx, from, seq, false);
            }
            LeaseMsg::Renew { token, seq }
                if live && self.holder == Some(from) && token == self.token =>
            {
                self.grant(ctx, from, seq, true);
            }
            LeaseMsg::Acquire { seq } | LeaseMsg::Renew { seq, .. } => {
                ctx.send(from, LeaseMsg::Refused { current: self.token, seq });
            }
            _ => {}
        }
    }
}

/// A storage that accepts a write only if its token is at least every token it has accepted,
/// and reports each accepted and rejected write.
#[derive(Debug, Default)]
pub struct FencedStorage {
    highest: Option<Token>,
}

impl Process<Leases> for FencedStorage {
    fn on_message(&mut self, ctx: &mut Ctx<'_, Leases>, from: NodeId, msg: LeaseMsg) {
        if let LeaseMsg::Write { token, .. } = msg {
            let accepted = self.highest.is_none_or(|h| token >= h);
            if accepted {
                self.highest = Some(token);
                ctx.output(LeaseOutput::Accepted { writer: from, token });
            } else {
                let highest = self.highest.unwrap_or(0);
                ctx.output(LeaseOutput::Rejected { writer: from, token, highest });
            }
            ctx.send(from, LeaseMsg::WriteResult { token, accepted });
        }
    }
}
