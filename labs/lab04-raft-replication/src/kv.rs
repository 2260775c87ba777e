//! Your key-value server and clerk: the file you edit for part D of lab 04.
//!
//! Build them from the contract in `src/lib.rs` (the [`Service`], [`KvServer`] and [`KvClerk`]
//! traits) and the handout (`labs/lab04-raft-replication/README.md`):
//!
//! - `Server`: encodes each clerk's operation as a command, proposes it through Raft, and
//!   answers the clerk when the command is applied at the index Raft gave it (or `WrongLeader`
//!   if another command took that index). It applies each (client, seq) once, however often it
//!   is retried, and keeps that memory in its snapshots. Reads go through the log too.
//! - `Clerk`: a simulated client process. It draws a client id when it starts, numbers its
//!   operations, sends each to the server it believes leads, and on `WrongLeader` or a timeout
//!   (`Timer::Retry`) tries the next server, until the operation is done; then it answers the
//!   harness's request with `Response::Kv`.
//!
//! Replace each `todo!()`. Add any fields you need.

use crate::{
    Consensus, Index, KvClerk, KvOp, KvServer, Message, RaftKv, Request, Service, Term, Timer,
};
use harness::{Ctx, NodeId, Process, RequestId};

/// The replicated key-value server above your Raft node.
#[derive(Debug)]
pub struct Server {}

impl KvServer for Server {
    fn new(me: NodeId) -> Self {
        todo!("lab04: build the Server for {me} in labs/lab04-raft-replication/src/kv.rs")
    }
}

impl Service for Server {
    fn apply(&mut self, ctx: &mut Ctx<'_, RaftKv>, index: Index, term: Term, command: &str) {
        todo!(
            "lab04: Server::apply {command:?} (index {index}, term {term}) at {} in labs/lab04-raft-replication/src/kv.rs",
            ctx.id()
        )
    }

    fn snapshot(&self) -> String {
        todo!("lab04: Server::snapshot in labs/lab04-raft-replication/src/kv.rs")
    }

    fn restore(&mut self, data: &str) {
        todo!(
            "lab04: Server::restore from {} bytes in labs/lab04-raft-replication/src/kv.rs",
            data.len()
        )
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
        let _ = raft;
        todo!(
            "lab04: Server::on_request {op:?} (client {client}, seq {seq}) from {from} at {} in labs/lab04-raft-replication/src/kv.rs",
            ctx.id()
        )
    }
}

/// The clerk: the client library, run as a simulated process.
#[derive(Debug)]
pub struct Clerk {}

impl KvClerk for Clerk {
    fn new(me: NodeId, servers: Vec<NodeId>) -> Self {
        todo!(
            "lab04: build the Clerk {me} (servers {servers:?}) in labs/lab04-raft-replication/src/kv.rs"
        )
    }
}

impl Process<RaftKv> for Clerk {
    fn on_start(&mut self, ctx: &mut Ctx<'_, RaftKv>) {
        todo!("lab04: Clerk::on_start at {} in labs/lab04-raft-replication/src/kv.rs", ctx.id())
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, RaftKv>, id: RequestId, request: Request) {
        todo!(
            "lab04: Clerk::on_request {id:?} {request:?} at {} in labs/lab04-raft-replication/src/kv.rs",
            ctx.id()
        )
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, RaftKv>, from: NodeId, msg: Message) {
        todo!(
            "lab04: Clerk::on_message {msg:?} from {from} at {} in labs/lab04-raft-replication/src/kv.rs",
            ctx.id()
        )
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, RaftKv>, timer: Timer) {
        todo!(
            "lab04: Clerk::on_timer {timer:?} at {} in labs/lab04-raft-replication/src/kv.rs",
            ctx.id()
        )
    }
}
