//! A node's store: the sibling set of every key it replicates, the hints it keeps for owners
//! that did not answer, and its counter of coordinated writes. The glue ([`crate::Replica`])
//! writes every change to durable storage and syncs after each of your handlers (before any
//! message of the next handler can leave), and reports it to the trace; after a crash it
//! recovers the store and hands it to your node's `new`.

use crate::{NodeId, Version};
use harness::Ctx;
use std::collections::{BTreeMap, BTreeSet};

/// A change the glue has not yet persisted and reported.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Change {
    Data(String),
    Hint(NodeId, String),
    Counter,
}

/// Keys, hints and the write counter of one node.
#[derive(Clone, Debug, Default)]
pub struct Store {
    data: BTreeMap<String, Vec<Version>>,
    hints: BTreeMap<(NodeId, String), Vec<Version>>,
    counter: u64,
    changed: BTreeSet<Change>,
    /// Keys and hint slots new since the last persist: the glue appends them to a durable log
    /// of names, so that recovery can find every key without a directory listing.
    fresh_keys: Vec<String>,
    fresh_hints: Vec<(NodeId, String)>,
    /// Every (home, key) ever hinted, and how many names each log holds.
    hint_slots: BTreeSet<(NodeId, String)>,
    logged_keys: u64,
    logged_hints: u64,
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        Store::default()
    }

    /// The sibling set of `key` (empty if never stored).
    pub fn get(&self, key: &str) -> &[Version] {
        self.data.get(key).map_or(&[], Vec::as_slice)
    }

    /// Replaces the sibling set of `key` (sorted here, so equal sets compare and hash equal).
    pub fn set(&mut self, key: &str, mut siblings: Vec<Version>) {
        siblings.sort();
        siblings.dedup();
        if self.data.get(key) != Some(&siblings) {
            if self.data.insert(key.to_string(), siblings).is_none() {
                self.fresh_keys.push(key.to_string());
            }
            self.changed.insert(Change::Data(key.to_string()));
        }
    }

    /// Every key and its siblings, in key order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &[Version])> {
        self.data.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// The hinted versions of `key` kept for `home` (empty if none).
    pub fn hint(&self, home: NodeId, key: &str) -> &[Version] {
        self.hints.get(&(home, key.to_string())).map_or(&[], Vec::as_slice)
    }

    /// Keeps `siblings` as the hint of `key` for `home` (sorted); an empty set drops the hint.
    pub fn set_hint(&mut self, home: NodeId, key: &str, mut siblings: Vec<Version>) {
        siblings.sort();
        siblings.dedup();
        let at = (home, key.to_string());
        let changed = if siblings.is_empty() {
            self.hints.remove(&at).is_some()
        } else if self.hints.get(&at) != Some(&siblings) {
            if self.hint_slots.insert(at.clone()) {
                self.fresh_hints.push(at.clone());
            }
            self.hints.insert(at, siblings);
            true
        } else {
            false
        };
        if changed {
            self.changed.insert(Change::Hint(home, key.to_string()));
        }
    }

    /// Every hint: ((home, key), versions).
    pub fn hints(&self) -> impl Iterator<Item = (NodeId, &str, &[Version])> {
        self.hints.iter().map(|((home, key), v)| (*home, key.as_str(), v.as_slice()))
    }

    /// The next counter for a write this node coordinates: 1, 2, ..., never reused, even after
    /// a crash.
    pub fn next_counter(&mut self) -> u64 {
        self.counter += 1;
        self.changed.insert(Change::Counter);
        self.counter
    }

    /// The changes since the last call, for the glue.
    pub(crate) fn take_changes(&mut self) -> BTreeSet<Change> {
        std::mem::take(&mut self.changed)
    }

    /// Writes `changes` (and the names of new keys and hint slots) to durable storage, and
    /// syncs.
    pub(crate) fn persist(
        &mut self,
        ctx: &mut Ctx<'_, crate::DynamoKv>,
        changes: &BTreeSet<Change>,
    ) {
        for key in std::mem::take(&mut self.fresh_keys) {
            ctx.save(format!("key/{}", self.logged_keys), &key);
            self.logged_keys += 1;
            ctx.save("keys", &self.logged_keys);
        }
        for slot in std::mem::take(&mut self.fresh_hints) {
            ctx.save(format!("hint/{}", self.logged_hints), &slot);
            self.logged_hints += 1;
            ctx.save("hints", &self.logged_hints);
        }
        for change in changes {
            match change {
                Change::Data(key) => ctx.save(format!("d/{key}"), &self.data[key]),
                Change::Hint(home, key) => match self.hints.get(&(*home, key.clone())) {
                    Some(v) => ctx.save(format!("h/{home}/{key}"), v),
                    None => ctx.delete(format!("h/{home}/{key}")),
                },
                Change::Counter => ctx.save("counter", &self.counter),
            }
        }
        ctx.sync();
    }

    /// The store as last synced.
    pub(crate) fn recover(ctx: &Ctx<'_, crate::DynamoKv>) -> Store {
        let mut store = Store::new();
        store.logged_keys = ctx.load("keys").unwrap_or(0);
        for i in 0..store.logged_keys {
            let key: String = ctx.load(&format!("key/{i}")).unwrap_or_default();
            if let Some(v) = ctx.load(&format!("d/{key}")) {
                store.data.insert(key, v);
            }
        }
        store.logged_hints = ctx.load("hints").unwrap_or(0);
        for i in 0..store.logged_hints {
            let Some((home, key)) = ctx.load::<(NodeId, String)>(&format!("hint/{i}")) else {
                continue;
            };
            if let Some(v) = ctx.load(&format!("h/{home}/{key}")) {
                store.hints.insert((home, key.clone()), v);
            }
            store.hint_slots.insert((home, key));
        }
        store.counter = ctx.load("counter").unwrap_or(0);
        store
    }
}
