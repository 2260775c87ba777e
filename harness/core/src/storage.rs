//! A node's durable storage: a key-value store with an explicit sync, like a file and fsync.
//!
//! Writes are visible to the node at once but survive a crash only after a sync. The store keeps
//! an undo log of the values that unsynced writes replaced, so a crash rolls back exactly the
//! writes since the last sync, however large the store is.

use std::collections::{BTreeMap, BTreeSet};

/// One node's durable storage, as the runtime keeps it across incarnations.
#[derive(Clone, Debug, Default)]
pub struct Storage {
    current: BTreeMap<String, Vec<u8>>,
    /// For each key written since the last sync, its value at that sync (None: absent).
    undo: Vec<(String, Option<Vec<u8>>)>,
    undo_keys: BTreeSet<String>,
    bytes: usize,
}

impl Storage {
    /// An empty store.
    pub fn new() -> Storage {
        Storage::default()
    }

    /// The value under `key`, including unsynced writes.
    pub fn get(&self, key: &str) -> Option<&[u8]> {
        self.current.get(key).map(Vec::as_slice)
    }

    /// Every key and value, in key order, including unsynced writes.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.current.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Total bytes of keys and values, the measure of a node's persisted size.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether any write since the last sync would be lost by a crash now.
    pub fn has_unsynced_writes(&self) -> bool {
        !self.undo.is_empty()
    }

    fn remember(&mut self, key: &str) {
        if self.undo_keys.insert(key.to_string()) {
            self.undo.push((key.to_string(), self.current.get(key).cloned()));
        }
    }

    fn set(&mut self, key: String, value: Option<Vec<u8>>) {
        let new_len = value.as_ref().map_or(0, |v| key.len() + v.len());
        let old = match value {
            Some(v) => self.current.insert(key.clone(), v),
            None => self.current.remove(&key),
        };
        let old_len = old.map_or(0, |v| key.len() + v.len());
        self.bytes = self.bytes + new_len - old_len;
    }

    /// Writes `value` under `key`, not yet durable.
    pub fn put(&mut self, key: String, value: Vec<u8>) {
        self.remember(&key);
        self.set(key, Some(value));
    }

    /// Removes `key`, not yet durable.
    pub fn delete(&mut self, key: String) {
        self.remember(&key);
        self.set(key, None);
    }

    /// Makes every write so far durable.
    pub fn sync(&mut self) {
        self.undo.clear();
        self.undo_keys.clear();
    }

    /// What a crash leaves: every write since the last sync is rolled back. Returns how many
    /// keys were rolled back.
    pub fn crash(&mut self) -> usize {
        let lost = self.undo.len();
        while let Some((key, value)) = self.undo.pop() {
            self.set(key, value);
        }
        self.undo_keys.clear();
        lost
    }
}

/// What a node's storage holds, durable or not (the search mode tells states apart by it): the
/// current contents and the writes a crash would roll back.
impl std::hash::Hash for Storage {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.current.hash(state);
        self.undo.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_loses_exactly_the_unsynced_writes() {
        let mut s = Storage::new();
        s.put("a".into(), b"1".to_vec());
        s.sync();
        s.put("a".into(), b"2".to_vec());
        s.put("a".into(), b"3".to_vec());
        s.put("b".into(), b"x".to_vec());
        s.delete("a".into());
        assert_eq!(s.get("a"), None);
        assert!(s.has_unsynced_writes());
        assert_eq!(s.crash(), 2);
        assert_eq!(s.get("a"), Some(&b"1"[..]));
        assert_eq!(s.get("b"), None);
        assert_eq!(s.bytes(), 2);
    }

    #[test]
    fn synced_writes_survive() {
        let mut s = Storage::new();
        s.put("k".into(), b"v".to_vec());
        s.sync();
        s.delete("k".into());
        s.sync();
        s.put("j".into(), b"w".to_vec());
        s.sync();
        assert_eq!(s.crash(), 0);
        assert_eq!(s.get("k"), None);
        assert_eq!(s.get("j"), Some(&b"w"[..]));
        assert_eq!(s.iter().count(), 1);
    }
}
