//! Reference solution of lab 05, laid out as the student's lab is: the chain node and the clerk
//! live in `src/chain.rs`, the file a student edits, so the course tools can grade it as a
//! submission. The contract is re-exported, so that file names things as `crate::...`.

pub use lab05::{
    ChainClerk, ChainKv, ChainNode, Configuration, Epoch, KvOp, KvRet, MembershipMsg, Message,
    Reads, Seq, Store, Timer, Timing, Write,
};

pub mod chain;

pub use chain::{Clerk, Node};
