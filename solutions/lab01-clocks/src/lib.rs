//! Reference solution of lab 01, laid out as the student's lab is: one file per part
//! (`src/lamport.rs`, `src/vector.rs`, `src/hlc.rs`), so the course tools can grade them as a
//! submission. The contract is re-exported, so those files name things as `crate::...` in both
//! places. Each clock follows the contract's pinned conventions.

pub use lab01::{Causality, ClockSet, Hlc, HybridClock, LamportClock, VectorClock};

pub mod hlc;
pub mod lamport;
pub mod vector;

pub use hlc::Hybrid;
pub use lamport::Lamport;
pub use vector::Vector;

/// The reference clocks, as one set for the lab's registry.
#[derive(Debug)]
pub enum Reference {}

impl ClockSet for Reference {
    type Lamport = Lamport;
    type Vector = Vector;
    type Hybrid = Hybrid;
}
