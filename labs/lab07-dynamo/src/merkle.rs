//! The hash functions the ring and the Merkle trees are built with, pinned so that every node
//! (and every property) computes the same positions and the same tree.
//!
//! A Merkle tree (Merkle, CRYPTO 1987) over the keys two nodes both replicate: leaf `i` of
//! level [`LEVELS`] holds the keys whose [`bucket`] is `i`; its hash folds the [`fingerprint`]s
//! of those keys in key order ([`leaf_hash`]), 0 if it holds none; node `i` of level `l` hashes
//! its children `2i` and `2i + 1` of level `l + 1` with [`combine`]. Two replicas that agree on
//! a subtree's hash (almost surely) agree on every key under it, so an exchange walks down only
//! where hashes differ (Dynamo, section 4.7).

use crate::{NodeId, Version};

/// The tree's depth: the leaves are level `LEVELS`, `2^LEVELS` of them.
pub const LEVELS: u8 = 10;

/// How many leaves there are.
pub const LEAVES: u32 = 1 << LEVELS;

/// A 64-bit hash of bytes: FNV-1a, then a SplitMix64 finalizer so nearby inputs spread over
/// the whole range.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h)
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A key's position on the ring.
pub fn key_position(key: &str) -> u64 {
    hash_bytes(key.as_bytes())
}

/// The position of virtual node `vnode` of `node` on the ring: the hash of `"n3#5"` for
/// virtual node 5 of n3.
pub fn token(node: NodeId, vnode: u32) -> u64 {
    hash_bytes(format!("{node}#{vnode}").as_bytes())
}

/// The leaf a key falls in: the top [`LEVELS`] bits of its position.
pub fn bucket(key: &str) -> u32 {
    (key_position(key) >> (64 - u32::from(LEVELS))) as u32
}

/// One key's contribution to its leaf: a hash of the key and every field of every sibling, in
/// the order given (keep sibling sets sorted, as [`Store::set`](crate::Store::set) does).
pub fn fingerprint(key: &str, siblings: &[Version]) -> u64 {
    let mut bytes = Vec::with_capacity(64);
    bytes.extend_from_slice(key.as_bytes());
    for v in siblings {
        bytes.push(0xff);
        bytes.extend_from_slice(v.value.as_bytes());
        bytes.push(0xfe);
        bytes.extend_from_slice(&v.dot.node.0.to_le_bytes());
        bytes.extend_from_slice(&v.dot.counter.to_le_bytes());
        for (node, counter) in &v.context.0 {
            bytes.extend_from_slice(&node.0.to_le_bytes());
            bytes.extend_from_slice(&counter.to_le_bytes());
        }
    }
    hash_bytes(&bytes)
}

/// The hash of an inner node from its children's hashes (0 for two empty children, so an empty
/// subtree hashes to 0 at every level).
pub fn combine(left: u64, right: u64) -> u64 {
    if left == 0 && right == 0 {
        return 0;
    }
    mix(left.rotate_left(17) ^ right.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5851_f42d_4c95_7f2d)
}

/// A leaf's hash: the fingerprints of its keys, folded in key order (0 if it has none).
pub fn leaf_hash<'a>(entries: impl IntoIterator<Item = (&'a str, &'a [Version])>) -> u64 {
    let mut h = 0;
    for (key, siblings) in entries {
        h = mix(h ^ fingerprint(key, siblings)).max(1);
    }
    h
}
