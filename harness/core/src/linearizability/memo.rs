//! The memo of configurations already explored: (set of linearized operations, model state).
//!
//! Two search paths that linearize the same set of operations and reach the same state have the
//! same future, so the second need not be explored (Horn and Kroening, FORTE 2015; Lowe, 2017).
//! This table is the checker's hot path: every successful step asks it. It is an open-addressing
//! hash table over an arena of bitsets and states, with the set's hash kept incrementally
//! (Zobrist: one random word per operation, XORed in and out), so a lookup never rehashes the
//! whole set. Hashing is deterministic, and nothing iterates the table, so no hash order can reach
//! an output.

use std::hash::{BuildHasherDefault, Hash, Hasher};

/// A fast, deterministic, non-cryptographic hasher (the multiply-rotate scheme of rustc's
/// FxHasher) for small keys in the checker's own tables.
#[derive(Clone, Copy, Debug, Default)]
pub struct FastHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("chunks of 8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds [`FastHasher`]s, for `HashMap`s whose order is never observed.
pub type FastBuild = BuildHasherDefault<FastHasher>;

/// A hash map for lookups only: code that iterates one would let hash order reach an output.
#[allow(clippy::disallowed_types)] // the one place the checker's lookup tables are declared
pub type LookupMap<K, V> = std::collections::HashMap<K, V, FastBuild>;

/// SplitMix64's finalizer: spreads every input bit over the whole word, so the table can index
/// with the low bits.
#[inline]
fn avalanche(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The hash of a state.
#[inline]
pub fn hash_state<S: Hash>(state: &S) -> u64 {
    let mut h = FastHasher::default();
    state.hash(&mut h);
    h.finish()
}

const EMPTY: u64 = u64::MAX;

/// The set of explored configurations. Entry 0 is the initial one; a search refers to states by
/// their entry number, so each state is stored exactly once.
///
/// A slot holds an entry number and the top half of the entry's hash, so a probe rejects almost
/// every non-matching slot without touching the entries (one cache miss per lookup, not four).
#[derive(Debug)]
pub struct Memo<S> {
    words: usize,
    bits: Vec<u64>,
    states: Vec<S>,
    hashes: Vec<u64>,
    slots: Vec<u64>,
}

impl<S: Eq + Hash> Memo<S> {
    /// A memo for sets of `ops` operations.
    pub fn new(ops: usize) -> Self {
        Memo {
            words: ops.div_ceil(64).max(1),
            bits: Vec::new(),
            states: Vec::new(),
            hashes: Vec::new(),
            slots: vec![EMPTY; 1024],
        }
    }

    /// How many configurations it holds.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// The state of entry `i`.
    #[inline]
    pub fn state(&self, i: u32) -> &S {
        &self.states[i as usize]
    }

    /// Adds (set, state), where `set_hash` is the set's Zobrist hash, and returns its entry
    /// number; `None` if it was already there.
    #[inline]
    pub fn insert(&mut self, set_hash: u64, set: &[u64], state: S) -> Option<u32> {
        debug_assert_eq!(set.len(), self.words);
        let hash = avalanche(set_hash ^ hash_state(&state).rotate_left(29));
        let tag = hash & 0xFFFF_FFFF_0000_0000;
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot == EMPTY {
                break;
            }
            if slot & 0xFFFF_FFFF_0000_0000 == tag {
                let k = (slot & 0xFFFF_FFFF) as usize;
                if self.bits[k * self.words..(k + 1) * self.words] == *set
                    && self.states[k] == state
                {
                    return None;
                }
            }
            i = (i + 1) & mask;
        }
        let index = u32::try_from(self.states.len())
            .ok()
            .filter(|&k| k != u32::MAX)
            .expect("fewer than 4 billion configurations");
        self.slots[i] = tag | u64::from(index);
        self.bits.extend_from_slice(set);
        self.states.push(state);
        self.hashes.push(hash);
        // Keep the table at most half full, so probes stay short.
        if self.states.len() * 2 > self.slots.len() {
            self.grow();
        }
        Some(index)
    }

    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let mask = size - 1;
        let mut slots = vec![EMPTY; size];
        for (k, &hash) in self.hashes.iter().enumerate() {
            let mut i = hash as usize & mask;
            while slots[i] != EMPTY {
                i = (i + 1) & mask;
            }
            slots[i] = (hash & 0xFFFF_FFFF_0000_0000) | k as u64;
        }
        self.slots = slots;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configuration_is_new_once() {
        let mut memo: Memo<u32> = Memo::new(70);
        let set_a = [0b1u64, 0];
        let set_b = [0b1u64, 1];
        assert_eq!(memo.insert(7, &set_a, 3), Some(0));
        assert_eq!(memo.insert(7, &set_a, 3), None, "same set, same state");
        assert_eq!(memo.insert(7, &set_a, 4), Some(1), "same set, other state");
        // A hash collision on the set must not merge different sets.
        assert_eq!(memo.insert(7, &set_b, 3), Some(2));
        assert_eq!(*memo.state(1), 4);
    }

    #[test]
    fn the_table_grows_without_losing_entries() {
        let mut memo: Memo<u64> = Memo::new(1);
        for s in 0..10_000u64 {
            assert!(memo.insert(s % 3, &[s % 2], s).is_some());
        }
        for s in 0..10_000u64 {
            assert!(memo.insert(s % 3, &[s % 2], s).is_none(), "entry {s} was lost");
        }
        assert_eq!(memo.len(), 10_000);
    }
}
