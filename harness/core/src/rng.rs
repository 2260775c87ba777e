//! A portable, seeded random number generator.
//!
//! The algorithms are fixed here (SplitMix64 to derive seeds, xoshiro256** to generate), not
//! borrowed from `rand`, whose `StdRng` may change between versions: the same seed must give the
//! same run on every machine and every toolchain, forever. Every consumer gets its own stream,
//! derived from (seed, purpose, node, incarnation), so one node drawing an extra number cannot
//! shift the network's losses or another node's timeouts.

use crate::time::Duration;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A probability in parts per million; integer so that decisions are exact on every machine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Prob(pub u32);

impl Prob {
    /// Never.
    pub const NEVER: Prob = Prob(0);
    /// Always.
    pub const ALWAYS: Prob = Prob(1_000_000);

    /// `p` percent.
    pub const fn percent(p: u32) -> Prob {
        Prob(p * 10_000)
    }

    /// `p` parts per million.
    pub const fn per_million(p: u32) -> Prob {
        Prob(p)
    }

    /// Whether this probability is zero.
    pub const fn is_never(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Prob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 % 10_000 == 0 {
            write!(f, "{}%", self.0 / 10_000)
        } else {
            write!(f, "{}ppm", self.0)
        }
    }
}

/// What a random stream is used for; part of the stream's identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// A node's own draws (`ctx.rng()`), one stream per incarnation.
    Node = 1,
    /// The network's loss, duplication and delay decisions for messages a node sends.
    Network = 2,
    /// Random choices the simulator makes for faults (how much of a cut handler survives).
    Faults = 3,
    /// The workload: which requests are issued, when, and with what values.
    Workload = 4,
    /// A scenario's plan: its fault schedule, clocks and workload for one seed. (5 is retired:
    /// numbers never change, or every recorded seed would replay differently.)
    Scenario = 6,
}

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function: a bijective mixer with good avalanche.
const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A xoshiro256** generator (Blackman and Vigna, 2018).
#[derive(Clone, Debug)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator from a single 64-bit seed.
    pub fn from_seed(seed: u64) -> Rng {
        let mut x = seed;
        let mut s = [0u64; 4];
        for word in &mut s {
            x = x.wrapping_add(GOLDEN_GAMMA);
            *word = mix64(x);
        }
        // xoshiro must not start from the all-zero state; SplitMix64 outputs make that
        // astronomically unlikely, but make it impossible.
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s }
    }

    /// The stream for one (seed, purpose, node, incarnation).
    pub fn stream(seed: u64, purpose: Purpose, node: u32, incarnation: u32) -> Rng {
        let mut h = mix64(seed.wrapping_add(GOLDEN_GAMMA));
        for part in [purpose as u64, u64::from(node), u64::from(incarnation)] {
            h = mix64(h.wrapping_add(GOLDEN_GAMMA) ^ part);
        }
        Rng::from_seed(h)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A uniform number in `0..n` (Lemire's method, unbiased). Panics if `n` is zero.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "Rng::below(0): the range is empty");
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// A uniform number in `lo..=hi`. Panics if `lo > hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        assert!(lo <= hi, "Rng::between({lo}, {hi}): the range is empty");
        if lo == 0 && hi == u64::MAX {
            return self.next_u64();
        }
        lo + self.below(hi - lo + 1)
    }

    /// A uniform duration in `lo..=hi`.
    pub fn duration_between(&mut self, lo: Duration, hi: Duration) -> Duration {
        Duration(self.between(lo.0, hi.0))
    }

    /// True with probability `p`. Draws nothing for `Prob::NEVER` and `Prob::ALWAYS`, so
    /// turning a fault off does not shift the stream's other decisions.
    pub fn chance(&mut self, p: Prob) -> bool {
        if p.0 == 0 {
            false
        } else if p.0 >= 1_000_000 {
            true
        } else {
            self.below(1_000_000) < u64::from(p.0)
        }
    }

    /// A uniformly chosen element, or `None` for an empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() { None } else { Some(&items[self.below(items.len() as u64) as usize]) }
    }

    /// Shuffles in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_pinned() {
        // These numbers are the contract: if they change, every recorded seed replays
        // differently. Reference values for xoshiro256** seeded through SplitMix64 from 0.
        let mut rng = Rng::from_seed(0);
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        assert_eq!(
            first,
            vec![0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0]
        );
    }

    #[test]
    fn streams_are_independent_and_reproducible() {
        let a1: Vec<u64> = {
            let mut r = Rng::stream(7, Purpose::Network, 1, 0);
            (0..4).map(|_| r.next_u64()).collect()
        };
        let a2: Vec<u64> = {
            let mut r = Rng::stream(7, Purpose::Network, 1, 0);
            (0..4).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a1, a2);
        for other in [
            Rng::stream(8, Purpose::Network, 1, 0),
            Rng::stream(7, Purpose::Node, 1, 0),
            Rng::stream(7, Purpose::Network, 2, 0),
            Rng::stream(7, Purpose::Network, 1, 1),
        ] {
            let mut other = other;
            let b: Vec<u64> = (0..4).map(|_| other.next_u64()).collect();
            assert_ne!(a1, b);
        }
    }

    #[test]
    fn below_is_in_range_and_roughly_uniform() {
        let mut rng = Rng::from_seed(42);
        let mut counts = [0u32; 10];
        for _ in 0..100_000 {
            counts[rng.below(10) as usize] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "bucket count {c} is far from 10000");
        }
    }

    #[test]
    fn chance_matches_its_probability() {
        let mut rng = Rng::from_seed(3);
        let hits = (0..100_000).filter(|_| rng.chance(Prob::percent(30))).count();
        assert!((29_000..31_000).contains(&hits), "{hits} hits for 30%");
        assert!(!Rng::from_seed(1).chance(Prob::NEVER));
        assert!(Rng::from_seed(1).chance(Prob::ALWAYS));
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut rng = Rng::from_seed(9);
        let mut v: Vec<u32> = (0..50).collect();
        rng.shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(v, sorted);
    }
}
