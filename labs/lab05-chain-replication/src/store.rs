//! A replica's state: the history of writes it has applied, in sequence order, and the key-value
//! map they build. The chain replication paper calls it `Hist`, and its central invariant is that
//! each node's history is a prefix of its predecessor's.
//!
//! The store is given (not written by you) because the harness reads it: after every handler,
//! the glue reports each newly applied write, which is how the properties see a node's state.

use crate::{Seq, Write};
use harness::NodeId;
use harness::linearizability::{KvOp, KvRet};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Applied writes and the map they build, with every version of every key (CRAQ reads old ones).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Store {
    writes: Vec<Write>,
    /// Per key, (seq, value after that write), in seq order.
    versions: BTreeMap<String, Vec<(Seq, String)>>,
    /// Which seq each clerk's operation was applied at.
    by_clerk: BTreeMap<(NodeId, u64), Seq>,
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        Store::default()
    }

    /// The seq of the last applied write (0 if none): the store holds writes `1..=last_seq()`.
    pub fn last_seq(&self) -> Seq {
        self.writes.len() as Seq
    }

    /// Applies `write` if it is the next one (`seq == last_seq() + 1`) and returns `true`;
    /// returns `false`, changing nothing, for a write already held (`seq <= last_seq()`).
    ///
    /// # Panics
    /// If `write.seq` leaves a gap: writes are applied in sequence order, each once. Keep a write
    /// that arrives early until the gap is filled, or drop it and let it be sent again.
    #[track_caller]
    pub fn apply(&mut self, write: Write) -> bool {
        let next = self.last_seq() + 1;
        if write.seq < next {
            return false;
        }
        assert!(
            write.seq == next,
            "Store::apply: write {} arrived before write {next}: apply writes in sequence order \
             (keep or drop one that arrives early)",
            write.seq
        );
        let key = write.op.key().to_string();
        let before = self.get(&key).to_string();
        let after = match &write.op {
            KvOp::Put { value, .. } => value.clone(),
            KvOp::Append { value, .. } => before + value,
            KvOp::Get { .. } => before,
        };
        self.versions.entry(key).or_default().push((write.seq, after));
        self.by_clerk.insert((write.clerk, write.cseq), write.seq);
        self.writes.push(write);
        true
    }

    /// The current value of `key` (empty if it was never written).
    pub fn get(&self, key: &str) -> &str {
        self.versions.get(key).and_then(|v| v.last()).map_or("", |(_, value)| value)
    }

    /// The seq of the last applied write to `key` (0 if none): its newest version.
    pub fn last_write_to(&self, key: &str) -> Seq {
        self.versions.get(key).and_then(|v| v.last()).map_or(0, |(seq, _)| *seq)
    }

    /// The value `key` had once writes `1..=version` were applied (CRAQ answers a read with the
    /// version the tail says is committed).
    pub fn value_at(&self, key: &str, version: Seq) -> &str {
        let Some(versions) = self.versions.get(key) else { return "" };
        versions.iter().rev().find(|(seq, _)| *seq <= version).map_or("", |(_, value)| value)
    }

    /// The writes after `seq`, in order: what a successor that holds `1..=seq` lacks.
    pub fn writes_after(&self, seq: Seq) -> &[Write] {
        let from = (seq as usize).min(self.writes.len());
        &self.writes[from..]
    }

    /// The write with this seq, if applied.
    pub fn write(&self, seq: Seq) -> Option<&Write> {
        seq.checked_sub(1).and_then(|i| self.writes.get(i as usize))
    }

    /// The seq at which operation `cseq` of `clerk` was applied, if it was: how a head knows a
    /// retried write already took effect.
    pub fn applied_at(&self, clerk: NodeId, cseq: u64) -> Option<Seq> {
        self.by_clerk.get(&(clerk, cseq)).copied()
    }

    /// What a clerk is told once its write is committed.
    pub fn result(write: &Write) -> KvRet {
        match write.op {
            KvOp::Put { .. } => KvRet::Put,
            KvOp::Append { .. } => KvRet::Append,
            KvOp::Get { .. } => KvRet::Get { value: String::new() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn append(seq: Seq, key: &str, value: &str) -> Write {
        let op = KvOp::Append { key: key.into(), value: value.into() };
        Write { seq, clerk: NodeId(9), cseq: seq, op }
    }

    #[test]
    fn applies_in_order_keeps_every_version_and_ignores_what_it_holds() {
        let mut s = Store::new();
        assert!(s.apply(append(1, "k", "a")));
        assert!(s.apply(append(2, "j", "x")));
        assert!(s.apply(append(3, "k", "b")));
        assert!(!s.apply(append(2, "j", "x")), "a duplicate changes nothing");
        assert_eq!((s.get("k"), s.last_write_to("k"), s.last_seq()), ("ab", 3, 3));
        assert_eq!((s.value_at("k", 2), s.value_at("k", 0), s.value_at("k", 9)), ("a", "", "ab"));
        assert_eq!(s.writes_after(1).iter().map(|w| w.seq).collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(s.applied_at(NodeId(9), 2), Some(2));
        assert_eq!(s.write(3).map(|w| w.seq), Some(3));
    }

    #[test]
    #[should_panic(expected = "write 3 arrived before write 2")]
    fn a_gap_is_refused() {
        let mut s = Store::new();
        s.apply(append(1, "k", "a"));
        s.apply(append(3, "k", "c"));
    }
}
