//! The memo of configurations already explored: (set of linearized operations, model state).
//!
//! Two search paths that linearize the same set of operations and reach the same state have the
//! same future, so the second need not be explored (Horn and Kroening, FORTE 2015; Lowe, 2017).
//! This table is the checker's hot path: every successful step asks it. The set's hash is kept
//! incrementally by the search (Zobrist: random words per operation, XORed in and out), so a
//! lookup never rehashes the whole set. Hashing is deterministic, and nothing iterates the table,
//! so no hash order can reach an output.

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

/// The set of explored configurations, each a (set of operations placed, state) pair.
///
/// Two search paths that place the same operations and reach the same state have the same
/// future, so the second need not be explored. More holds for operations with an unknown
/// outcome: they never have to be placed, and nothing has to wait for them, so a configuration
/// that placed fewer of them (and the same others, and reached the same state) can do whatever
/// one that placed more can. A configuration is therefore pruned when one recorded before it has
/// the same definite operations and state and a *subset* of its unknown ones. With no unknown
/// operations this is the usual equality memo.
///
/// Entries are small: a 128-bit fingerprint of (definite operations, state) in an
/// open-addressing table, and per entry the bitset of unknown operations placed. Two different
/// (set, state) pairs share a fingerprint with probability about 2^-128 per pair, far below the
/// chance of a memory error in the machine running the check; states are kept by the search
/// itself, not here.
#[derive(Debug)]
pub struct Memo {
    words: usize,
    /// Fingerprints; 0 marks an empty slot.
    fingerprints: Vec<u128>,
    /// Each slot's most recent entry.
    heads: Vec<u32>,
    /// Each entry's predecessor with the same fingerprint.
    next: Vec<u32>,
    /// Each entry's unknown operations placed, `words` words each.
    unknown: Vec<u64>,
    used: usize,
}

const NO_ENTRY: u32 = u32::MAX;

impl Memo {
    /// A memo for searches with `unknown_ops` operations of unknown outcome.
    pub fn new(unknown_ops: usize) -> Self {
        Memo {
            words: unknown_ops.div_ceil(64),
            fingerprints: vec![0; 1024],
            heads: vec![NO_ENTRY; 1024],
            next: Vec::new(),
            unknown: Vec::new(),
            used: 0,
        }
    }

    /// How many configurations it holds.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.next.len()
    }

    /// The bytes it holds.
    pub fn bytes(&self) -> usize {
        self.fingerprints.len() * 20 + self.next.len() * 4 + self.unknown.len() * 8
    }

    /// Records a configuration: `fingerprint` of its definite operations and state, and the
    /// unknown operations it placed. `false` if a recorded one dominates it.
    #[inline]
    pub fn insert(&mut self, fingerprint: u128, unknown: &[u64]) -> bool {
        debug_assert_eq!(unknown.len(), self.words);
        let fingerprint = fingerprint | 1;
        let mask = self.fingerprints.len() - 1;
        let mut i = fingerprint as usize & mask;
        loop {
            let f = self.fingerprints[i];
            if f == 0 {
                break;
            }
            if f == fingerprint {
                // Walk the chain: a recorded subset dominates the new set; recorded supersets
                // are dominated by it and leave the chain, so chains stay antichains.
                let mut prev = NO_ENTRY;
                let mut e = self.heads[i];
                while e != NO_ENTRY {
                    let mine =
                        &self.unknown[e as usize * self.words..(e as usize + 1) * self.words];
                    if mine.iter().zip(unknown).all(|(a, b)| a & !b == 0) {
                        return false;
                    }
                    let after = self.next[e as usize];
                    if unknown.iter().zip(mine).all(|(a, b)| a & !b == 0) {
                        match prev {
                            NO_ENTRY => self.heads[i] = after,
                            p => self.next[p as usize] = after,
                        }
                    } else {
                        prev = e;
                    }
                    e = after;
                }
                self.push(i, unknown);
                return true;
            }
            i = (i + 1) & mask;
        }
        self.fingerprints[i] = fingerprint;
        self.used += 1;
        self.push(i, unknown);
        // Keep the table at most half full, so probes stay short.
        if self.used * 2 > self.fingerprints.len() {
            self.grow();
        }
        true
    }

    fn push(&mut self, slot: usize, unknown: &[u64]) {
        let entry = u32::try_from(self.next.len())
            .ok()
            .filter(|&e| e != NO_ENTRY)
            .expect("fewer than 4 billion configurations");
        self.next.push(self.heads[slot]);
        self.heads[slot] = entry;
        self.unknown.extend_from_slice(unknown);
    }

    fn grow(&mut self) {
        let size = self.fingerprints.len() * 2;
        let mask = size - 1;
        let mut fingerprints = vec![0u128; size];
        let mut heads = vec![NO_ENTRY; size];
        for (&f, &h) in self.fingerprints.iter().zip(&self.heads) {
            if f == 0 {
                continue;
            }
            let mut i = f as usize & mask;
            while fingerprints[i] != 0 {
                i = (i + 1) & mask;
            }
            fingerprints[i] = f;
            heads[i] = h;
        }
        self.fingerprints = fingerprints;
        self.heads = heads;
    }
}

/// A 128-bit fingerprint of a configuration: the two halves of a set's Zobrist hash, each mixed
/// with the state's hash.
#[inline]
pub fn fingerprint(set: (u64, u64), state: u64) -> u128 {
    let hi = avalanche(set.0 ^ state.rotate_left(29));
    let lo = avalanche(set.1 ^ state.rotate_left(43) ^ 0x9E37_79B9_7F4A_7C15);
    (u128::from(hi) << 64) | u128::from(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configuration_is_new_once() {
        let mut memo = Memo::new(0);
        assert!(memo.insert(fingerprint((7, 8), 3), &[]));
        assert!(!memo.insert(fingerprint((7, 8), 3), &[]), "same set, same state");
        assert!(memo.insert(fingerprint((7, 8), 4), &[]), "same set, other state");
        assert!(memo.insert(fingerprint((7, 9), 3), &[]), "other set");
        assert_eq!(memo.len(), 3);
    }

    #[test]
    fn fewer_unknown_operations_dominate_more() {
        let mut memo = Memo::new(70);
        let f = fingerprint((1, 2), 3);
        assert!(memo.insert(f, &[0b110, 0]));
        assert!(!memo.insert(f, &[0b110, 0]), "the same");
        assert!(!memo.insert(f, &[0b111, 1]), "a superset is dominated");
        assert!(memo.insert(f, &[0b011, 0]), "incomparable");
        assert!(memo.insert(f, &[0b010, 0]), "a subset is new");
        assert!(!memo.insert(f, &[0b011, 1]), "dominated by the subset");
    }

    #[test]
    fn the_table_grows_without_losing_entries() {
        let mut memo = Memo::new(1);
        for s in 0..10_000u64 {
            assert!(memo.insert(fingerprint((s % 3, s % 5), s), &[s % 2]));
        }
        for s in 0..10_000u64 {
            assert!(!memo.insert(fingerprint((s % 3, s % 5), s), &[s % 2]), "entry {s} was lost");
        }
        assert_eq!(memo.len(), 10_000);
    }
}
