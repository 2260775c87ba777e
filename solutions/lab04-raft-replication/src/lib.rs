//! Reference solution of lab 04, laid out as the student's lab is: the Raft node lives in
//! `src/raft.rs` and the key-value server and clerk in `src/kv.rs`, the files a student edits,
//! so the course tools can grade it as a submission. The contract is re-exported, so those
//! files name things as `crate::...`.

pub use lab04::{
    Apply, Consensus, Entry, Event, Index, KvClerk, KvOp, KvReply, KvRet, KvServer, Message,
    RaftKv, Request, Response, Role, Service, Term, Timer, Timing,
};

pub mod kv;
pub mod raft;

pub use kv::{Clerk, Server};
pub use raft::Node;
