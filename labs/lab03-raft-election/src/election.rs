//! Your Raft node's election: the only file you edit in lab 03 (lab 04 adds replication to the
//! same node).
//!
//! Build it from the contract in `src/lib.rs`, the handout (`labs/lab03-raft-election/README.md`)
//! and figure 2 of the Raft paper (Ongaro and Ousterhout, 2014):
//!
//! - `new` and `on_start`: a fresh node; on a restart, read back the term and vote you synced.
//! - `on_timer(Timer::Election)`: no leader heard from; campaign (part C: ask for pre-votes
//!   first). `on_timer(Timer::Heartbeat)`: a leader's next heartbeats.
//! - `on_message`: RequestVote, Vote, AppendEntries (a heartbeat) and AppendEntriesReply. A
//!   higher term seen anywhere makes the node a follower in that term.
//! - Term and vote go to storage (`ctx.save`, then `ctx.sync()`) before the node answers or
//!   acts on them. Election timeouts are random, from `ctx.rng()`.
//!
//! Replace each `todo!()`. Add any fields you need to `Node`.

use crate::{Message, Raft, RaftNode, Timer, Timing};
use harness::{Ctx, NodeId, Process};

/// A Raft node.
#[derive(Debug)]
pub struct Node {}

impl RaftNode for Node {
    fn new(me: NodeId, peers: Vec<NodeId>, timing: Timing) -> Self {
        todo!(
            "lab03: build the Node for {me} (peers {peers:?}, {timing:?}) in labs/lab03-raft-election/src/election.rs"
        )
    }
}

impl Process<Raft> for Node {
    fn on_start(&mut self, ctx: &mut Ctx<'_, Raft>) {
        todo!("lab03: Node::on_start for {} in labs/lab03-raft-election/src/election.rs", ctx.id())
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Raft>, from: NodeId, msg: Message) {
        todo!(
            "lab03: Node::on_message {msg:?} from {from} at {} in labs/lab03-raft-election/src/election.rs",
            ctx.id()
        )
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Raft>, timer: Timer) {
        todo!(
            "lab03: Node::on_timer {timer:?} at {} in labs/lab03-raft-election/src/election.rs",
            ctx.id()
        )
    }
}
