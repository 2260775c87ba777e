//! The reference key-value server and clerk, in the file a student edits
//! (`labs/lab04-raft-replication/src/kv.rs`).
//!
//! Every operation, reads included, goes through the log, so the order of the log is the order
//! of the history and each read sees every write committed before it. The server remembers, for
//! each clerk, its last sequence number and that operation's result: a retried or duplicated
//! request finds its result there instead of taking effect again, and the table travels in the
//! snapshot so a server restored from one still knows.

use crate::{
    Consensus, Index, KvClerk, KvOp, KvReply, KvRet, KvServer, Message, RaftKv, Request, Response,
    Service, Term, Timer,
};
use harness::{Ctx, Duration, NodeId, Process, RequestId, TimerId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How long a clerk waits for an answer before it tries another server: a few round trips and
/// heartbeats, well under an election.
const RETRY_AFTER: Duration = Duration::from_millis(100);
/// How long a clerk waits after a `WrongLeader` before it tries the next server.
const NEXT_SERVER_AFTER: Duration = Duration::from_millis(10);

/// A command in the log: one clerk's operation.
#[derive(Serialize, Deserialize)]
struct Command {
    client: u64,
    seq: u64,
    op: KvOp,
}

/// The state a snapshot holds: the map and the table of last results.
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    data: BTreeMap<String, String>,
    /// Each clerk's last applied sequence number and its result.
    last: BTreeMap<u64, (u64, KvRet)>,
}

/// The replicated key-value server.
#[derive(Debug)]
pub struct Server {
    state: State,
    /// Who waits for which index: (term it was proposed in, clerk node, client, seq).
    waiting: BTreeMap<Index, (Term, NodeId, u64, u64)>,
}

impl KvServer for Server {
    fn new(_: NodeId) -> Self {
        Server { state: State::default(), waiting: BTreeMap::new() }
    }
}

impl Server {
    fn execute(&mut self, op: KvOp) -> KvRet {
        match op {
            KvOp::Get { key } => {
                KvRet::Get { value: self.state.data.get(&key).cloned().unwrap_or_default() }
            }
            KvOp::Put { key, value } => {
                self.state.data.insert(key, value);
                KvRet::Put
            }
            KvOp::Append { key, value } => {
                self.state.data.entry(key).or_default().push_str(&value);
                KvRet::Append
            }
        }
    }
}

impl Service for Server {
    fn apply(&mut self, ctx: &mut Ctx<'_, RaftKv>, index: Index, term: Term, command: &str) {
        let Ok(Command { client, seq, op }) = serde_json::from_str::<Command>(command) else {
            return;
        };
        let result = match self.state.last.get(&client) {
            Some((done, result)) if *done >= seq => result.clone(),
            _ => {
                let result = self.execute(op);
                self.state.last.insert(client, (seq, result.clone()));
                result
            }
        };
        if let Some((t, clerk, c, s)) = self.waiting.remove(&index) {
            let reply = if (t, c, s) == (term, client, seq) {
                KvReply::Done(result)
            } else {
                // Another leader's entry took the index: this server lost the leadership.
                KvReply::WrongLeader
            };
            ctx.send(clerk, Message::ServerReply { seq: s, reply });
        }
    }

    fn snapshot(&self) -> String {
        serde_json::to_string(&self.state).expect("a map of strings serializes")
    }

    fn restore(&mut self, data: &str) {
        self.state = serde_json::from_str(data).unwrap_or_default();
    }

    fn on_request<R: Consensus>(
        &mut self,
        ctx: &mut Ctx<'_, RaftKv>,
        raft: &mut R,
        from: NodeId,
        client: u64,
        seq: u64,
        op: KvOp,
    ) {
        let command =
            serde_json::to_string(&Command { client, seq, op }).expect("an operation serializes");
        match raft.propose(ctx, command) {
            Some((index, term)) => {
                self.waiting.insert(index, (term, from, client, seq));
            }
            None => ctx.send(from, Message::ServerReply { seq, reply: KvReply::WrongLeader }),
        }
    }
}

/// The clerk: one operation at a time, retried on every server in turn until it is done.
#[derive(Debug)]
pub struct Clerk {
    servers: Vec<NodeId>,
    /// The server believed to lead.
    leader: usize,
    client: u64,
    seq: u64,
    /// The operation in progress.
    current: Option<(RequestId, KvOp)>,
    timer: Option<TimerId>,
}

impl KvClerk for Clerk {
    fn new(_: NodeId, servers: Vec<NodeId>) -> Self {
        Clerk { servers, leader: 0, client: 0, seq: 0, current: None, timer: None }
    }
}

impl Clerk {
    /// Sends the current operation to the server believed to lead, and waits.
    fn send(&mut self, ctx: &mut Ctx<'_, RaftKv>) {
        let Some((_, op)) = &self.current else { return };
        let msg = Message::ClerkRequest { client: self.client, seq: self.seq, op: op.clone() };
        ctx.send(self.servers[self.leader], msg);
        self.wait(ctx, RETRY_AFTER);
    }

    fn wait(&mut self, ctx: &mut Ctx<'_, RaftKv>, after: Duration) {
        if let Some(t) = self.timer.take() {
            ctx.cancel_timer(t);
        }
        self.timer = Some(ctx.set_timer(after, Timer::Retry { seq: self.seq }));
    }
}

impl Process<RaftKv> for Clerk {
    fn on_start(&mut self, ctx: &mut Ctx<'_, RaftKv>) {
        // A fresh id for every incarnation: the sequence numbers start again.
        self.client = ctx.rng().next_u64();
        self.leader = ctx.rng().below(self.servers.len() as u64) as usize;
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, RaftKv>, id: RequestId, request: Request) {
        let Request::Kv(op) = request else {
            ctx.reply(id, Response::NotLeader);
            return;
        };
        self.seq += 1;
        self.current = Some((id, op));
        self.send(ctx);
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, RaftKv>, _: NodeId, msg: Message) {
        let Message::ServerReply { seq, reply } = msg else { return };
        if seq != self.seq || self.current.is_none() {
            return;
        }
        match reply {
            KvReply::Done(result) => {
                if let Some((id, _)) = self.current.take() {
                    ctx.reply(id, Response::Kv(result));
                }
                if let Some(t) = self.timer.take() {
                    ctx.cancel_timer(t);
                }
            }
            // The timer moves on to the next server, soon.
            KvReply::WrongLeader => self.wait(ctx, NEXT_SERVER_AFTER),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, RaftKv>, timer: Timer) {
        if timer != (Timer::Retry { seq: self.seq }) || self.current.is_none() {
            return;
        }
        self.timer = None;
        self.leader = (self.leader + 1) % self.servers.len();
        self.send(ctx);
    }
}
