//! Harness-provided processes that several labs run beside the students' nodes, written once and
//! generic over a lab's protocol.
//!
//! A service speaks a small message type of its own; a lab's `Msg` carries it in one variant
//! (`From<ServiceMsg>` to wrap it, `TryFrom` to unwrap it), so a student's node handles the
//! service's messages as ordinary ones, and the trace shows them like any other.

pub mod membership;

pub use membership::{Configuration, Membership, MembershipMsg};
