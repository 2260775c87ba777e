//! Reference solution of lab 03, laid out as the student's lab is: the Raft node lives in
//! `src/election.rs` and the lease holder in `src/lease.rs`, the files a student edits, so the
//! course tools can grade it as a submission. The contract is re-exported, so those files name
//! things as `crate::...`.

pub use lab03::{
    LeaseMsg, LeaseNode, LeaseTimer, LeaseTiming, Leases, Message, Raft, RaftNode, Role, Term,
    Timer, Timing, Token,
};

pub mod election;
pub mod lease;

pub use election::Node;
pub use lease::Holder;
