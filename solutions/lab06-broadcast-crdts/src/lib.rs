//! Reference solution of lab 06, laid out as the student's lab is: the broadcasting node in
//! `src/broadcast.rs`, the CRDTs in `src/crdt.rs` and the replica in `src/anti_entropy.rs`, the
//! files a student edits, so the course tools can grade them as a submission. The contract is
//! re-exported, so those files name things as `crate::...`.

pub use lab06::{
    Assign, Bcast, Broadcaster, CounterOp, Crdt, Delivery, Increment, Kind, MapOp, Message,
    ReplicaNode, Replication, Request, Response, Rumor, SetOp, Submission, Tick, Timing,
};

pub mod anti_entropy;
pub mod broadcast;
pub mod crdt;

/// The reference code, as the harness grades it.
#[derive(Debug)]
pub enum Reference {}

impl Submission for Reference {
    type Broadcast = broadcast::Node;
    type GCounter = crdt::GCounter;
    type PnCounter = crdt::PnCounter;
    type LwwRegister = crdt::LwwRegister;
    type MvRegister = crdt::MvRegister;
    type OrSet = crdt::OrSet;
    type Map<V: Crdt> = crdt::CrdtMap<V>;
    type Replica<C: Crdt> = anti_entropy::Node<C>;
}
