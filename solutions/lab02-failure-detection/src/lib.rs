//! Reference solution of lab 02, laid out as the student's lab is: one file per part
//! (`src/retry.rs`, `src/heartbeat.rs`, `src/swim.rs`), so the course tools can grade them as a
//! submission. The contract is re-exported, so those files name things as `crate::...` in both
//! places.

pub use lab02::{
    Call, CallResult, FailureDetection, HeartbeatDetector, HeartbeatTiming, Msg, Parts,
    RetryClient, RetryTiming, Suspicion, SwimDetector, SwimTiming, Timer,
};

pub mod heartbeat;
pub mod retry;
pub mod swim;

/// The reference processes, as one set for the lab's registry.
#[derive(Debug)]
pub enum Reference {}

impl Parts for Reference {
    type Client = retry::Client;
    type Heartbeat = heartbeat::Detector;
    type Swim = swim::Detector;
}
