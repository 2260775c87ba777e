//! A portable, seeded random number generator.
//!
//! The algorithms are named, not left to a default: xoshiro256** (Blackman and Vigna, 2018)
//! seeded through SplitMix64, from `rand_xoshiro`, whose generators promise the same values for
//! the same seed in every release (unlike `rand`'s `StdRng`, which may change algorithm). The
//! same seed gives the same run on every machine and toolchain. Every consumer gets its own
//! stream, derived from (seed, purpose, node, incarnation), so one node drawing an extra number
//! cannot shift the network's losses or another node's timeouts.
//!
//! [`Rng`] is a `rand` generator too, so node code can use the `rand` API students know:
//!
//! ```
//! use rand::RngExt;
//! let mut rng = harness::rng::Rng::from_seed(7);
//! let timeout_ms = rng.random_range(150..300);
//! assert!((150..300).contains(&timeout_ms));
//! ```
//!
//! Draws through `rand`'s distributions are as replayable as the lock file: `rand` keeps their
//! values within a release, and `Cargo.lock` pins the release.

use crate::time::Duration;
use rand_core::{SeedableRng, TryRng};
use rand_xoshiro::Xoshiro256StarStar;
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
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

/// A xoshiro256** generator (Blackman and Vigna, 2018), seeded through SplitMix64.
#[derive(Clone, Debug)]
pub struct Rng {
    inner: Xoshiro256StarStar,
}

impl Rng {
    /// A generator from a single 64-bit seed: its state is SplitMix64's first four outputs.
    pub fn from_seed(seed: u64) -> Rng {
        Rng { inner: Xoshiro256StarStar::seed_from_u64(seed) }
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
        rand_core::Rng::next_u64(&mut self.inner)
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

/// `rand`'s view of the generator: with it, `rand::RngExt` (`random_range`, `random_bool`) and
/// `rand::seq` (`shuffle`, `choose`) work on the generator a node's context hands it.
impl TryRng for Rng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        self.inner.try_next_u32()
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.inner.try_next_u64()
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.inner.try_fill_bytes(dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

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
    fn rands_api_draws_from_the_same_stream() {
        use rand::RngExt;
        use rand::seq::SliceRandom;
        let (mut ours, mut same) = (Rng::from_seed(3), Rng::from_seed(3));
        assert_eq!(rand_core::Rng::next_u64(&mut ours), same.next_u64());
        let draws: Vec<u32> = (0..200).map(|_| ours.random_range(10..20)).collect();
        let again: Vec<u32> = (0..200).map(|_| same.random_range(10..20)).collect();
        assert_eq!(draws, again, "the same seed gives the same draws");
        assert!(draws.iter().all(|d| (10..20).contains(d)));
        assert_eq!(draws.iter().collect::<BTreeSet<_>>().len(), 10, "every value turns up");
        let mut v: Vec<u32> = (0..50).collect();
        v.shuffle(&mut ours);
        assert_ne!(v, (0..50).collect::<Vec<_>>());
        v.sort();
        assert_eq!(v, (0..50).collect::<Vec<_>>());
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
