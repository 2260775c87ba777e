//! Each node's two clocks: a monotonic clock that drifts, and a wall clock that also has an offset
//! and can be stepped backwards.

use crate::time::{Duration, Time};
use serde::Serialize;

/// The wall clock's reading at virtual time zero: 2026-01-01T00:00:00Z, in microseconds.
pub const WALL_EPOCH_MICROS: i64 = 1_767_225_600_000_000;

/// One node's clock parameters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Clock {
    /// Rate error in parts per million: +100 runs 0.01% fast. Timers use this clock.
    pub drift_ppm: i32,
    /// How far the wall clock is from true time, in microseconds.
    pub wall_offset_micros: i64,
}

impl Clock {
    /// A perfect clock.
    pub const PERFECT: Clock = Clock { drift_ppm: 0, wall_offset_micros: 0 };

    /// The monotonic clock's reading at virtual time `t`.
    pub fn monotonic(&self, t: Time) -> Time {
        if self.drift_ppm == 0 {
            return t;
        }
        let us = i128::from(t.0);
        let drifted = us + us * i128::from(self.drift_ppm) / 1_000_000;
        Time(drifted.max(0) as u64)
    }

    /// The wall clock's reading at virtual time `t`, in microseconds since the Unix epoch.
    pub fn wall(&self, t: Time) -> i64 {
        WALL_EPOCH_MICROS + self.wall_offset_micros + self.monotonic(t).0 as i64
    }

    /// The virtual time it takes this clock to measure `d`: the earliest span whose reading
    /// is at least `d`, so a timer never fires early by its own clock.
    pub fn virtual_span(&self, d: Duration) -> Duration {
        if self.drift_ppm == 0 {
            return d;
        }
        let rate = 1_000_000 + i128::from(self.drift_ppm);
        let span = (i128::from(d.0) * 1_000_000 + rate - 1) / rate;
        Duration(span.max(0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fast_clock_fires_timers_early_in_virtual_time() {
        let fast = Clock { drift_ppm: 100_000, wall_offset_micros: 0 };
        assert_eq!(fast.monotonic(Time(1_000_000)), Time(1_100_000));
        let span = fast.virtual_span(Duration::from_millis(110));
        assert_eq!(span, Duration::from_millis(100));
        let slow = Clock { drift_ppm: -500_000, wall_offset_micros: 0 };
        assert_eq!(slow.virtual_span(Duration::from_millis(10)), Duration::from_millis(20));
    }

    #[test]
    fn a_timer_never_fires_early_by_its_own_clock() {
        for drift in [-300, -1, 0, 7, 250] {
            let c = Clock { drift_ppm: drift, wall_offset_micros: 0 };
            for start in [0u64, 12_345, 999_999_937] {
                for d in [1u64, 999, 10_000, 123_457] {
                    let fire = Time(start) + c.virtual_span(Duration(d));
                    let measured = c.monotonic(fire).0 - c.monotonic(Time(start)).0;
                    assert!(measured + 1 >= d, "drift {drift}: measured {measured} < {d}");
                }
            }
        }
    }

    #[test]
    fn the_wall_clock_has_an_offset() {
        let c = Clock { drift_ppm: 0, wall_offset_micros: -5 };
        assert_eq!(c.wall(Time(10)), WALL_EPOCH_MICROS + 5);
    }
}
