//! Reference solution of lab 07, laid out as the student's lab is: the ring lives in
//! `src/ring.rs` and the storage node in `src/node.rs`, the files a student edits, so the course
//! tools can grade them as a submission. The contract is re-exported, so those files name
//! things as `crate::...`.

pub use lab07::{
    Config, Dot, DynamoKv, DynamoNode, Message, Placement, Request, Response, Session, Store,
    Timer, Timing, VClock, Version, merkle,
};

pub use harness::NodeId;

pub mod node;
pub mod ring;

pub use node::Node;
pub use ring::Ring;
