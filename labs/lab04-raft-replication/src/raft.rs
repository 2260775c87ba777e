//! Your Raft node: the file you edit for parts A-C of lab 04. It continues your lab 03 node
//! (`labs/lab03-raft-election/src/election.rs`): start by copying that node's fields and
//! handlers here, then change the messages to this lab's (`crate::Message`), and add the log.
//!
//! Build it from the contract in `src/lib.rs` (the [`Consensus`] trait says what each method
//! must do), the handout (`labs/lab04-raft-replication/README.md`) and figures 2 and 13 of the
//! Raft paper (Ongaro and Ousterhout, 2014):
//!
//! - Part A: a log; AppendEntries with the consistency check, truncation of conflicting
//!   entries and the fast-backup hint; a leader that commits entries of its own term by
//!   counting replicas; `next_apply` handing committed entries over in order; the up-to-date
//!   check on votes.
//! - Part B: term, vote and log in storage, synced before the node answers; `on_start`
//!   recovers them.
//! - Part C: `snapshot` discards the log behind the service's snapshot; InstallSnapshot brings
//!   a follower up to date when the leader no longer has the entries it needs.
//!
//! Replace each `todo!()`. Add any fields you need to `Node`.

use crate::{Apply, Consensus, Index, Message, RaftKv, Term, Timer, Timing};
use harness::{Ctx, NodeId};

/// A Raft node.
#[derive(Debug)]
pub struct Node {}

impl Consensus for Node {
    fn new(me: NodeId, peers: Vec<NodeId>, timing: Timing) -> Self {
        todo!(
            "lab04: build the Node for {me} (peers {peers:?}, {timing:?}) in labs/lab04-raft-replication/src/raft.rs"
        )
    }

    fn on_start(&mut self, ctx: &mut Ctx<'_, RaftKv>) {
        todo!("lab04: Node::on_start for {} in labs/lab04-raft-replication/src/raft.rs", ctx.id())
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, RaftKv>, from: NodeId, msg: Message) {
        todo!(
            "lab04: Node::on_message {msg:?} from {from} at {} in labs/lab04-raft-replication/src/raft.rs",
            ctx.id()
        )
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, RaftKv>, timer: Timer) {
        todo!(
            "lab04: Node::on_timer {timer:?} at {} in labs/lab04-raft-replication/src/raft.rs",
            ctx.id()
        )
    }

    fn propose(&mut self, ctx: &mut Ctx<'_, RaftKv>, command: String) -> Option<(Index, Term)> {
        todo!(
            "lab04: Node::propose {command:?} at {} in labs/lab04-raft-replication/src/raft.rs",
            ctx.id()
        )
    }

    fn next_apply(&mut self) -> Option<Apply> {
        todo!("lab04: Node::next_apply in labs/lab04-raft-replication/src/raft.rs")
    }

    fn snapshot(&mut self, ctx: &mut Ctx<'_, RaftKv>, index: Index, data: String) {
        todo!(
            "lab04: Node::snapshot through index {index} ({} bytes) at {} in labs/lab04-raft-replication/src/raft.rs",
            data.len(),
            ctx.id()
        )
    }
}
