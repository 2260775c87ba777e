//! Part A's reference clock, in the file a student edits (`labs/lab01-clocks/src/lamport.rs`).

use crate::LamportClock;
use serde::{Deserialize, Serialize};

/// Lamport's logical clock (Lamport, 1978): one counter, bumped on every event and pushed past
/// every timestamp received, so a causally later event always gets a larger number.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Lamport {
    counter: u64,
}

impl LamportClock for Lamport {
    fn new() -> Self {
        Lamport { counter: 0 }
    }

    fn tick(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    fn receive(&mut self, received: u64) -> u64 {
        self.counter = self.counter.max(received) + 1;
        self.counter
    }
}
