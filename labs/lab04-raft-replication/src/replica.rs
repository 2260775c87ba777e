//! The harness's glue between a Raft node and the service above it, and the service that parts
//! A-C run: a recorder of applied commands.
//!
//! After every handler, [`Replica`] drains [`Consensus::next_apply`] into the service and reports
//! each applied command and restored snapshot as an [`Event`], which is what the properties see
//! of the node's state machine. Every [`SNAPSHOT_EVERY`](crate::SNAPSHOT_EVERY) applied entries
//! (in scenarios with snapshots) it asks the service for a snapshot and hands it to Raft, as
//! 6.5840's tester does.

use crate::{
    Apply, Consensus, Event, Index, Message, RaftKv, Request, Response, Service, Term, Timer,
};
use harness::{Ctx, NodeId, Process, RequestId};

/// One server: a Raft node and the service it replicates.
#[derive(Debug)]
pub struct Replica<R, S> {
    raft: R,
    service: S,
    /// The last index handed to the service.
    applied: Index,
    /// The index of the service's last snapshot.
    snapshot_at: Index,
    /// How many applied entries between snapshots; `None`: no snapshots.
    snapshot_every: Option<u64>,
}

impl<R: Consensus, S: Service> Replica<R, S> {
    /// Joins `raft` and `service`; asks for a snapshot every `snapshot_every` applied entries.
    pub fn new(raft: R, service: S, snapshot_every: Option<u64>) -> Self {
        Replica { raft, service, applied: 0, snapshot_at: 0, snapshot_every }
    }

    /// Hands the service everything Raft has for it, then takes a snapshot if one is due.
    fn apply_ready(&mut self, ctx: &mut Ctx<'_, RaftKv>) {
        while let Some(apply) = self.raft.next_apply() {
            match apply {
                Apply::Command { index, term, command } => {
                    ctx.output(Event::Applied { index, term, command: command.clone() });
                    self.service.apply(ctx, index, term, &command);
                    self.applied = index;
                }
                Apply::Snapshot { index, term, data } => {
                    self.service.restore(&data);
                    ctx.output(Event::Restored { index, term, snapshot: data });
                    self.applied = index;
                    self.snapshot_at = index;
                }
            }
        }
        if let Some(every) = self.snapshot_every {
            if self.applied >= self.snapshot_at + every {
                let data = self.service.snapshot();
                self.raft.snapshot(ctx, self.applied, data);
                self.snapshot_at = self.applied;
            }
        }
    }
}

impl<R: Consensus, S: Service> Process<RaftKv> for Replica<R, S> {
    fn on_start(&mut self, ctx: &mut Ctx<'_, RaftKv>) {
        self.raft.on_start(ctx);
        self.apply_ready(ctx);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, RaftKv>, from: NodeId, msg: Message) {
        match msg {
            Message::ClerkRequest { client, seq, op } => {
                self.service.on_request(ctx, &mut self.raft, from, client, seq, op)
            }
            // A server's reply reaches clerks only.
            Message::ServerReply { .. } => {}
            raft => self.raft.on_message(ctx, from, raft),
        }
        self.apply_ready(ctx);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, RaftKv>, timer: Timer) {
        self.raft.on_timer(ctx, timer);
        self.apply_ready(ctx);
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, RaftKv>, id: RequestId, request: Request) {
        let response = match request {
            Request::Propose(command) => match self.raft.propose(ctx, command) {
                Some((index, term)) => Response::Proposed { index, term },
                None => Response::NotLeader,
            },
            // Operations go to clerks; a server has no answer of its own.
            Request::Kv(_) => Response::NotLeader,
        };
        ctx.reply(id, response);
        self.apply_ready(ctx);
    }
}

/// The service of parts A-C: it keeps a digest of the commands applied so far, and its snapshot
/// is that digest with its index, so a property can tell whether a restored snapshot holds the
/// commands committed up to its index.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    index: Index,
    digest: u64,
}

impl Recorder {
    /// The digest of the commands before `previous`'s, extended with `command`.
    pub fn chain(previous: u64, command: &str) -> u64 {
        // FNV-1a over the command, seeded with the previous digest, then a separator.
        let mut h = previous ^ 0xcbf2_9ce4_8422_2325;
        for b in command.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h
    }

    /// The snapshot text of the state after applying commands with this index and digest.
    pub fn snapshot_text(index: Index, digest: u64) -> String {
        format!("{index}:{digest:016x}")
    }

    /// Reads a snapshot text back: (index, digest).
    pub fn parse(data: &str) -> Option<(Index, u64)> {
        let (index, digest) = data.split_once(':')?;
        Some((index.parse().ok()?, u64::from_str_radix(digest, 16).ok()?))
    }
}

impl Service for Recorder {
    fn apply(&mut self, _: &mut Ctx<'_, RaftKv>, index: Index, _: Term, command: &str) {
        self.index = index;
        self.digest = Recorder::chain(self.digest, command);
    }

    fn snapshot(&self) -> String {
        Recorder::snapshot_text(self.index, self.digest)
    }

    fn restore(&mut self, data: &str) {
        // A snapshot this service did not make leaves a state no property will accept.
        (self.index, self.digest) = Recorder::parse(data).unwrap_or((0, 0));
    }
}
