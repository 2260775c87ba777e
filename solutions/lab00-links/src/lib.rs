//! Reference solution of lab 00, laid out as the student's lab is: the link lives in
//! `src/link.rs`, the file a student edits, so the course tools can grade it as a submission.
//! The contract is re-exported, so that file names things as `crate::...` in both places.

pub use lab00::{Delivery, Links, Packet, ReliableLink, Retransmit, SendRequest, Timing};

pub mod link;

pub use link::Link;
