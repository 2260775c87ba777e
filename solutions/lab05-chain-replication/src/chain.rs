//! The reference chain node and clerk.
//!
//! A node learns its place from the control plane's configurations. The head numbers each new
//! write, applies it and forwards it; every node applies and forwards in seq order; the tail
//! answers the clerk and sends a cumulative ack back up, which each node passes on. A node keeps
//! every write it applied (its [`Store`]); those after its `acked` mark are the paper's `Sent`
//! list, resent when the successor changes (after a `Resume` from it) or goes quiet.

use crate::{
    ChainClerk, ChainKv, ChainNode, Configuration, Epoch, KvOp, KvRet, MembershipMsg, Message,
    Reads, Seq, Store, Timer, Timing, Write,
};
use harness::{Ctx, NodeId, Process, RequestId, Time};
use std::collections::BTreeMap;

/// A replica in the chain.
#[derive(Debug)]
pub struct Node {
    me: NodeId,
    control: NodeId,
    timing: Timing,
    reads: Reads,
    config: Option<Configuration>,
    store: Store,
    /// Writes `1..=acked` have reached the tail (committed).
    acked: Seq,
    /// False from a change of predecessor until its `Catchup` arrives: until then this node may
    /// lack committed writes, so it serves no reads.
    synced: bool,
    /// Writes that arrived ahead of a gap, kept until it fills.
    early: BTreeMap<Seq, Write>,
    /// When the oldest unacknowledged write was last sent, or `acked` last moved.
    progress_at: Time,
    /// When the last `Resume` went to the predecessor.
    resumed_at: Time,
    /// CRAQ reads waiting for the tail's answer, one per clerk (a clerk has one operation open):
    /// clerk -> (query number, cseq, key).
    pending: BTreeMap<NodeId, (u64, u64, String)>,
    next_query: u64,
}

impl Node {
    fn epoch(&self) -> Epoch {
        self.config.as_ref().map_or(0, |c| c.epoch)
    }

    fn predecessor(&self) -> Option<NodeId> {
        self.config.as_ref().and_then(|c| c.before(self.me))
    }

    fn successor(&self) -> Option<NodeId> {
        self.config.as_ref().and_then(|c| c.after(self.me))
    }

    fn is_member(&self) -> bool {
        self.config.as_ref().is_some_and(|c| c.contains(self.me))
    }

    fn is_head(&self) -> bool {
        self.is_member() && self.predecessor().is_none()
    }

    fn is_tail(&self) -> bool {
        self.is_member() && self.successor().is_none()
    }

    /// Whether a chain message comes from the neighbour it should, in this epoch: anything from
    /// an older (or newer) configuration is ignored.
    fn current(&self, msg: &Message, from: Option<NodeId>, sender: NodeId) -> bool {
        msg.epoch() == Some(self.epoch()) && from == Some(sender)
    }

    fn reconfigure(&mut self, ctx: &mut Ctx<'_, ChainKv>, config: Configuration) {
        let (was_member, old_pred, old_succ) =
            (self.is_member(), self.predecessor(), self.successor());
        self.config = Some(config);
        if !self.is_member() {
            return;
        }
        let pred = self.predecessor();
        if !was_member || pred != old_pred {
            match pred {
                Some(p) => {
                    self.synced = false;
                    self.send_resume(ctx, p);
                }
                None => self.synced = true,
            }
        }
        if self.successor() != old_succ {
            self.progress_at = ctx.now();
        }
        // Reads waiting for the old tail: answer them as the new tail, or leave them to the
        // clerks' retries.
        let waiting = std::mem::take(&mut self.pending);
        if self.is_tail() {
            // Everything this node holds is now at the tail: committed.
            self.commit(ctx);
            for (clerk, (_, cseq, key)) in waiting {
                let value = self.store.get(&key).to_string();
                ctx.send(clerk, Message::ClientReply { cseq, ret: KvRet::Get { value } });
            }
        }
    }

    fn send_resume(&mut self, ctx: &mut Ctx<'_, ChainKv>, to: NodeId) {
        self.resumed_at = ctx.now();
        let msg =
            Message::Resume { epoch: self.epoch(), have: self.store.last_seq(), acked: self.acked };
        ctx.send(to, msg);
    }

    /// As the tail: every write held is committed; answer the clerks of those not yet
    /// acknowledged and pass the ack up.
    fn commit(&mut self, ctx: &mut Ctx<'_, ChainKv>) {
        let last = self.store.last_seq();
        if last == self.acked {
            return;
        }
        for w in self.store.writes_after(self.acked) {
            ctx.send(w.clerk, Message::ClientReply { cseq: w.cseq, ret: Store::result(w) });
        }
        self.acked = last;
        if let Some(p) = self.predecessor() {
            ctx.send(p, Message::Ack { epoch: self.epoch(), seq: last });
        }
    }

    /// Applies what can be applied of `writes` (keeping early ones), forwards what is new, and
    /// acknowledges as the tail.
    fn receive(&mut self, ctx: &mut Ctx<'_, ChainKv>, writes: Vec<Write>) {
        let before = self.store.last_seq();
        let resent = writes.iter().any(|w| w.seq <= before);
        self.early.extend(writes.into_iter().filter(|w| w.seq > before).map(|w| (w.seq, w)));
        while let Some(w) = self.early.remove(&(self.store.last_seq() + 1)) {
            self.store.apply(w);
        }
        if self.store.last_seq() == before {
            // A resend of what this node holds: its ack may have been lost, so say it again.
            // (Writes that only arrived early need no answer yet.)
            if let (true, Some(p)) = (resent, self.predecessor()) {
                ctx.send(p, Message::Ack { epoch: self.epoch(), seq: self.acked });
            }
            return;
        }
        self.pass_on(ctx, before);
    }

    /// Writes after `before` were just applied: forward them, or commit them as the tail.
    fn pass_on(&mut self, ctx: &mut Ctx<'_, ChainKv>, before: Seq) {
        match self.successor() {
            Some(s) => {
                if self.acked == before {
                    self.progress_at = ctx.now();
                }
                let writes = self.store.writes_after(before).to_vec();
                ctx.send(s, Message::Forward { epoch: self.epoch(), writes });
            }
            None => self.commit(ctx),
        }
    }

    fn on_ack(&mut self, ctx: &mut Ctx<'_, ChainKv>, seq: Seq) {
        if seq <= self.acked {
            return;
        }
        self.acked = seq.min(self.store.last_seq());
        self.progress_at = ctx.now();
        if let Some(p) = self.predecessor() {
            ctx.send(p, Message::Ack { epoch: self.epoch(), seq: self.acked });
        }
    }

    fn client_write(&mut self, ctx: &mut Ctx<'_, ChainKv>, clerk: NodeId, cseq: u64, op: KvOp) {
        if !self.is_head() {
            ctx.send(clerk, Message::NotHere { cseq });
            return;
        }
        if let Some(seq) = self.store.applied_at(clerk, cseq) {
            // A retry of a write that took effect: answer it if it is committed; otherwise the
            // tail will, when it gets there.
            if seq <= self.acked {
                let write = self.store.write(seq).expect("an applied write is in the store");
                ctx.send(clerk, Message::ClientReply { cseq, ret: Store::result(write) });
            }
            return;
        }
        let before = self.store.last_seq();
        self.store.apply(Write { seq: before + 1, clerk, cseq, op });
        self.pass_on(ctx, before);
    }

    fn client_read(&mut self, ctx: &mut Ctx<'_, ChainKv>, clerk: NodeId, cseq: u64, key: String) {
        let serves =
            self.is_member() && self.synced && (self.is_tail() || self.reads == Reads::Craq);
        if !serves {
            ctx.send(clerk, Message::NotHere { cseq });
            return;
        }
        if self.is_tail() || self.store.last_write_to(&key) <= self.acked {
            // Clean: every version of the key this node holds is committed.
            let value = self.store.get(&key).to_string();
            ctx.send(clerk, Message::ClientReply { cseq, ret: KvRet::Get { value } });
            return;
        }
        let query = self.next_query;
        self.next_query += 1;
        self.pending.insert(clerk, (query, cseq, key.clone()));
        if let Some(tail) = self.config.as_ref().and_then(Configuration::last) {
            ctx.send(tail, Message::VersionQuery { epoch: self.epoch(), query, key });
        }
    }

    fn resend(&mut self, ctx: &mut Ctx<'_, ChainKv>) {
        let now = ctx.now();
        let interval = self.timing.resend_interval;
        let waited = |since: Time| now.since(since) >= interval;
        if !self.synced && waited(self.resumed_at) {
            if let Some(p) = self.predecessor() {
                self.send_resume(ctx, p);
            }
        }
        if let Some(s) = self.successor() {
            if self.acked < self.store.last_seq() && waited(self.progress_at) {
                let writes = self.store.writes_after(self.acked).to_vec();
                ctx.send(s, Message::Forward { epoch: self.epoch(), writes });
                self.progress_at = now;
            }
        }
    }
}

impl ChainNode for Node {
    fn new(me: NodeId, control: NodeId, timing: Timing, reads: Reads) -> Self {
        Node {
            me,
            control,
            timing,
            reads,
            config: None,
            store: Store::new(),
            acked: 0,
            synced: false,
            early: BTreeMap::new(),
            progress_at: Time::ZERO,
            resumed_at: Time::ZERO,
            pending: BTreeMap::new(),
            next_query: 0,
        }
    }

    fn store(&self) -> &Store {
        &self.store
    }
}

impl Process<ChainKv> for Node {
    fn on_start(&mut self, ctx: &mut Ctx<'_, ChainKv>) {
        ctx.send(self.control, MembershipMsg::Heartbeat { epoch: 0 }.into());
        ctx.set_timer(self.timing.heartbeat_interval, Timer::Heartbeat);
        ctx.set_timer(self.timing.resend_interval, Timer::Resend);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, ChainKv>, timer: Timer) {
        match timer {
            Timer::Heartbeat => {
                ctx.send(self.control, MembershipMsg::Heartbeat { epoch: self.epoch() }.into());
                ctx.set_timer(self.timing.heartbeat_interval, Timer::Heartbeat);
            }
            Timer::Resend => {
                self.resend(ctx);
                ctx.set_timer(self.timing.resend_interval, Timer::Resend);
            }
            Timer::Retry | Timer::Control => {}
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, ChainKv>, from: NodeId, msg: Message) {
        let (pred, succ) = (self.predecessor(), self.successor());
        match msg {
            Message::Membership(MembershipMsg::Config(c)) => {
                if from == self.control && c.epoch > self.epoch() {
                    self.reconfigure(ctx, c);
                }
            }
            Message::Forward { .. } if !self.current(&msg, pred, from) => {}
            Message::Forward { writes, .. } => self.receive(ctx, writes),
            Message::Catchup { .. } if !self.current(&msg, pred, from) => {}
            Message::Catchup { writes, acked, .. } => {
                // What the predecessor knew to be committed was answered already.
                self.synced = true;
                self.acked = self.acked.max(acked);
                self.receive(ctx, writes);
            }
            Message::Ack { .. } if !self.current(&msg, succ, from) => {}
            Message::Ack { seq, .. } => self.on_ack(ctx, seq),
            Message::Resume { .. } if !self.current(&msg, succ, from) => {}
            Message::Resume { epoch, have, acked } => {
                self.on_ack(ctx, acked);
                let writes = self.store.writes_after(have).to_vec();
                ctx.send(from, Message::Catchup { epoch, writes, acked: self.acked });
            }
            Message::ClientWrite { cseq, op } => self.client_write(ctx, from, cseq, op),
            Message::ClientRead { cseq, key } => self.client_read(ctx, from, cseq, key),
            Message::VersionQuery { epoch, query, key } => {
                if epoch == self.epoch() && self.is_tail() {
                    let version = self.store.last_write_to(&key);
                    ctx.send(from, Message::VersionReply { epoch, query, version });
                }
            }
            Message::VersionReply { query, version, .. } => {
                // Waiting reads last one epoch (a reconfiguration drops them), so the query
                // number alone says which read this answers.
                let asked = self.pending.iter().find(|(_, (q, _, _))| *q == query);
                if let Some((&clerk, _)) = asked {
                    let (_, cseq, key) = self.pending.remove(&clerk).expect("just found");
                    let value = self.store.value_at(&key, version).to_string();
                    ctx.send(clerk, Message::ClientReply { cseq, ret: KvRet::Get { value } });
                }
            }
            Message::Membership(_) | Message::ClientReply { .. } | Message::NotHere { .. } => {}
        }
    }
}

/// A clerk: one operation at a time, sent to the head (writes) or to a node that serves reads,
/// resent with the same number until a node answers.
#[derive(Debug)]
pub struct Clerk {
    control: NodeId,
    timing: Timing,
    reads: Reads,
    config: Option<Configuration>,
    cseq: u64,
    /// The operation being carried out, and when it was last sent.
    current: Option<(RequestId, KvOp, Time)>,
}

impl Clerk {
    fn send_current(&mut self, ctx: &mut Ctx<'_, ChainKv>) {
        let Some((_, op, sent)) = &mut self.current else { return };
        *sent = ctx.now();
        let Some(config) = self.config.as_ref().filter(|c| !c.members.is_empty()) else {
            ctx.send(self.control, MembershipMsg::Query.into());
            return;
        };
        let cseq = self.cseq;
        match op {
            KvOp::Get { key } => {
                let to = match self.reads {
                    Reads::Tail => config.members[config.members.len() - 1],
                    Reads::Craq => {
                        config.members[ctx.rng().below(config.members.len() as u64) as usize]
                    }
                };
                ctx.send(to, Message::ClientRead { cseq, key: key.clone() });
            }
            op => ctx.send(config.members[0], Message::ClientWrite { cseq, op: op.clone() }),
        }
    }
}

impl ChainClerk for Clerk {
    fn new(_: NodeId, control: NodeId, timing: Timing, reads: Reads) -> Self {
        Clerk { control, timing, reads, config: None, cseq: 0, current: None }
    }
}

impl Process<ChainKv> for Clerk {
    fn on_start(&mut self, ctx: &mut Ctx<'_, ChainKv>) {
        ctx.send(self.control, MembershipMsg::Query.into());
        ctx.set_timer(self.timing.clerk_retry, Timer::Retry);
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, ChainKv>, id: RequestId, op: KvOp) {
        self.cseq += 1;
        self.current = Some((id, op, ctx.now()));
        self.send_current(ctx);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, ChainKv>, _: Timer) {
        if let Some((_, _, sent)) = self.current {
            if ctx.now().since(sent) >= self.timing.clerk_retry {
                // No answer: the chain may have changed. Ask, and try again meanwhile.
                ctx.send(self.control, MembershipMsg::Query.into());
                self.send_current(ctx);
            }
        }
        ctx.set_timer(self.timing.clerk_retry, Timer::Retry);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, ChainKv>, from: NodeId, msg: Message) {
        match msg {
            Message::Membership(MembershipMsg::Config(c))
                if from == self.control
                    && self.config.as_ref().is_none_or(|old| c.epoch > old.epoch) =>
            {
                self.config = Some(c);
                self.send_current(ctx);
            }
            Message::ClientReply { cseq, ret } if cseq == self.cseq => {
                if let Some((id, _, _)) = self.current.take() {
                    ctx.reply(id, ret);
                }
            }
            Message::NotHere { cseq } if cseq == self.cseq => {
                ctx.send(self.control, MembershipMsg::Query.into());
            }
            _ => {}
        }
    }
}
