//! Fair-loss links: what the network may do to a message.

use crate::rng::{Prob, Rng};
use crate::time::Duration;
use serde::Serialize;
use std::fmt;

/// How long a message takes: uniform in `min..=max`, except that with probability `spike` it
/// takes uniform in `max..=spike_max` instead (a delay spike, and the long tail that reorders).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Delay {
    /// The shortest delay; at least one microsecond, so virtual time always advances.
    pub min: Duration,
    /// The longest ordinary delay.
    pub max: Duration,
    /// How often a message is delayed by a spike.
    pub spike: Prob,
    /// The longest delay of a spike.
    pub spike_max: Duration,
}

impl Delay {
    /// Uniform in `min..=max`, no spikes.
    pub const fn uniform(min: Duration, max: Duration) -> Delay {
        Delay { min, max, spike: Prob::NEVER, spike_max: max }
    }

    /// Adds spikes: with probability `p`, a delay of up to `spike_max`.
    pub const fn with_spikes(self, p: Prob, spike_max: Duration) -> Delay {
        Delay { spike: p, spike_max, ..self }
    }

    /// The longest delay this distribution can produce.
    pub fn upper_bound(&self) -> Duration {
        if self.spike.is_never() { self.max } else { self.max.max(self.spike_max) }
    }

    /// Draws one delay.
    pub fn draw(&self, rng: &mut Rng) -> Duration {
        if rng.chance(self.spike) {
            rng.duration_between(self.max, self.spike_max.max(self.max))
        } else {
            rng.duration_between(self.min, self.max)
        }
    }
}

impl fmt::Display for Delay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.min == self.max {
            write!(f, "delay {}", self.min)?;
        } else {
            write!(f, "delay {}-{}", self.min, self.max)?;
        }
        if !self.spike.is_never() {
            write!(f, " ({} of messages up to {})", self.spike, self.spike_max)?;
        }
        Ok(())
    }
}

/// The behaviour of every link: a fair-loss link loses and duplicates messages, and its delays
/// reorder them; but a message sent again and again eventually gets through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Network {
    /// Probability that a message is lost.
    pub loss: Prob,
    /// Probability that a message is delivered twice.
    pub duplicate: Prob,
    /// How long delivery takes.
    pub delay: Delay,
}

impl Network {
    /// A network that neither loses nor duplicates, with delays of 1 to 5 ms.
    pub const fn reliable() -> Network {
        Network {
            loss: Prob::NEVER,
            duplicate: Prob::NEVER,
            delay: Delay::uniform(Duration::from_millis(1), Duration::from_millis(5)),
        }
    }

    /// This network, losing messages with probability `p`.
    pub const fn with_loss(self, p: Prob) -> Network {
        Network { loss: p, ..self }
    }

    /// This network, duplicating messages with probability `p`.
    pub const fn with_duplication(self, p: Prob) -> Network {
        Network { duplicate: p, ..self }
    }

    /// This network, with another delay distribution.
    pub const fn with_delay(self, delay: Delay) -> Network {
        Network { delay, ..self }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "loss {}, duplication {}, {}", self.loss, self.duplicate, self.delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_within_their_bounds() {
        let d = Delay::uniform(Duration::from_millis(1), Duration::from_millis(5))
            .with_spikes(Prob::percent(10), Duration::from_millis(200));
        let mut rng = Rng::from_seed(5);
        let draws: Vec<Duration> = (0..10_000).map(|_| d.draw(&mut rng)).collect();
        assert!(draws.iter().all(|x| *x >= d.min && *x <= d.upper_bound()));
        let spikes = draws.iter().filter(|x| **x > d.max).count();
        assert!((800..1200).contains(&spikes), "{spikes} spikes for 10%");
        assert_eq!(d.upper_bound(), Duration::from_millis(200));
    }

    #[test]
    fn describes_itself_for_report_headers() {
        let n = Network::reliable().with_loss(Prob::percent(30));
        assert_eq!(n.to_string(), "loss 30%, duplication 0%, delay 1ms-5ms");
    }
}
