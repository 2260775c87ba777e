//! Part C's reference clock, in the file a student edits (`labs/lab01-clocks/src/hlc.rs`).

use crate::{Hlc, HybridClock};
use serde::{Deserialize, Serialize};

/// A hybrid logical clock (Kulkarni, Demirbas, Madappa, Avva and Leone, 2014): `l` is the
/// largest wall-clock reading heard of, so it stays within the clock skew of physical time;
/// `c` orders events that share an `l`, so causality is never contradicted.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Hybrid {
    now: Hlc,
}

impl HybridClock for Hybrid {
    fn new() -> Self {
        Hybrid { now: Hlc { l: 0, c: 0 } }
    }

    fn tick(&mut self, wall: i64) -> Hlc {
        let l = self.now.l.max(wall);
        let c = if l == self.now.l { self.now.c + 1 } else { 0 };
        self.now = Hlc { l, c };
        self.now
    }

    fn receive(&mut self, received: Hlc, wall: i64) -> Hlc {
        let before = self.now;
        let l = before.l.max(received.l).max(wall);
        let c = match (l == before.l, l == received.l) {
            (true, true) => before.c.max(received.c) + 1,
            (true, false) => before.c + 1,
            (false, true) => received.c + 1,
            (false, false) => 0,
        };
        self.now = Hlc { l, c };
        self.now
    }
}
