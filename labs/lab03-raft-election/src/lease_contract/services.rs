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

#[cfg(test)]
mod tests {
    use super::*;
    use harness::node::Effect;
    use harness::storage::Storage;
    use harness::{Rng, Time};

    /// Delivers `msg` from `from` to `process` at `now`; returns what it sent and output.
    fn deliver(
        process: &mut dyn Process<Leases>,
        now: u64,
        from: u32,
        msg: LeaseMsg,
    ) -> (Vec<LeaseMsg>, Vec<LeaseOutput>) {
        let (mut rng, storage, mut effects, mut timers) =
            (Rng::from_seed(1), Storage::new(), Vec::new(), 0);
        let mut ctx = Ctx::new(
            NodeId(9),
            Time::from_millis(now),
            0,
            &mut rng,
            &storage,
            &mut effects,
            &mut timers,
        );
        process.on_message(&mut ctx, NodeId(from), msg);
        let mut sent = Vec::new();
        let mut outputs = Vec::new();
        for e in effects {
            match e {
                Effect::Send { msg, .. } => sent.push(msg),
                Effect::Output(o) => outputs.push(o),
                _ => {}
            }
        }
        (sent, outputs)
    }

    #[test]
    fn the_lease_is_exclusive_until_it_expires_and_each_grant_has_a_larger_token() {
        let mut s = LeaseService::new(Duration::from_millis(100));
        let (sent, _) = deliver(&mut s, 0, 0, LeaseMsg::Acquire { seq: 1 });
        assert_eq!(sent, vec![LeaseMsg::Granted { token: 1, seq: 1 }]);
        let (sent, _) = deliver(&mut s, 50, 1, LeaseMsg::Acquire { seq: 7 });
        assert_eq!(sent, vec![LeaseMsg::Refused { current: 1, seq: 7 }]);
        let (sent, out) = deliver(&mut s, 90, 0, LeaseMsg::Renew { token: 1, seq: 2 });
        assert_eq!(sent, vec![LeaseMsg::Granted { token: 1, seq: 2 }]);
        let until = Time::from_millis(190);
        assert_eq!(
            out,
            vec![LeaseOutput::Granted { holder: NodeId(0), token: 1, until, renewal: true }]
        );
        let (sent, _) = deliver(&mut s, 150, 1, LeaseMsg::Acquire { seq: 8 });
        assert_eq!(sent, vec![LeaseMsg::Refused { current: 1, seq: 8 }]);
        let (sent, _) = deliver(&mut s, 190, 1, LeaseMsg::Acquire { seq: 9 });
        assert_eq!(sent, vec![LeaseMsg::Granted { token: 2, seq: 9 }]);
        // The old holder cannot renew a lease that expired and went to someone else.
        let (sent, _) = deliver(&mut s, 191, 0, LeaseMsg::Renew { token: 1, seq: 3 });
        assert_eq!(sent, vec![LeaseMsg::Refused { current: 2, seq: 3 }]);
    }

    #[test]
    fn an_expired_lease_cannot_be_renewed() {
        let mut s = LeaseService::new(Duration::from_millis(100));
        deliver(&mut s, 0, 0, LeaseMsg::Acquire { seq: 1 });
        let (sent, out) = deliver(&mut s, 100, 0, LeaseMsg::Renew { token: 1, seq: 2 });
        assert_eq!(sent, vec![LeaseMsg::Refused { current: 1, seq: 2 }]);
        assert!(out.is_empty());
    }

    #[test]
    fn the_storage_fences_writes_with_a_lower_token() {
        let mut st = FencedStorage::default();
        let (_, out) = deliver(&mut st, 0, 0, LeaseMsg::Write { token: 2, value: 1 });
        assert_eq!(out, vec![LeaseOutput::Accepted { writer: NodeId(0), token: 2 }]);
        let (sent, out) = deliver(&mut st, 1, 1, LeaseMsg::Write { token: 1, value: 1 });
        assert_eq!(out, vec![LeaseOutput::Rejected { writer: NodeId(1), token: 1, highest: 2 }]);
        assert_eq!(sent, vec![LeaseMsg::WriteResult { token: 1, accepted: false }]);
        let (_, out) = deliver(&mut st, 2, 0, LeaseMsg::Write { token: 2, value: 2 });
        assert_eq!(out, vec![LeaseOutput::Accepted { writer: NodeId(0), token: 2 }]);
    }
}
