//! Part B: your six CRDTs. This is the only file you edit for part B.
//!
//! Each is a state-based CRDT (`Crdt` in `src/lib.rs`): `update` applies an operation made at a
//! replica, `query` reads the value, `merge` takes the least upper bound of two states. The
//! handout (part B) pins each type's semantics. Add the fields you need; keep the derives (the
//! replicas send states over the network and compare them), and keep states canonical: two
//! states that mean the same must be equal (`==`), for example no zero entries in a counter.
//! Replace each `todo!()`.

use crate::{Assign, CounterOp, Crdt, Increment, MapOp, SetOp};
use harness::NodeId;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::marker::PhantomData;

/// A grow-only counter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GCounter {}

impl Crdt for GCounter {
    type Op = Increment;
    type Value = u64;

    fn new() -> Self {
        todo!("lab06 part B: GCounter::new in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn update(&mut self, me: NodeId, op: &Increment) {
        let _ = (me, op);
        todo!("lab06 part B: GCounter::update in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn query(&self) -> u64 {
        todo!("lab06 part B: GCounter::query in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn merge(&mut self, other: &Self) {
        let _ = other;
        todo!("lab06 part B: GCounter::merge in labs/lab06-broadcast-crdts/src/crdt.rs")
    }
}

/// A counter that increments and decrements.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PnCounter {}

impl Crdt for PnCounter {
    type Op = CounterOp;
    type Value = i64;

    fn new() -> Self {
        todo!("lab06 part B: PnCounter::new in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn update(&mut self, me: NodeId, op: &CounterOp) {
        let _ = (me, op);
        todo!("lab06 part B: PnCounter::update in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn query(&self) -> i64 {
        todo!("lab06 part B: PnCounter::query in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn merge(&mut self, other: &Self) {
        let _ = other;
        todo!("lab06 part B: PnCounter::merge in labs/lab06-broadcast-crdts/src/crdt.rs")
    }
}

/// A last-writer-wins register: (Lamport timestamp, replica id) orders assignments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LwwRegister {}

impl Crdt for LwwRegister {
    type Op = Assign;
    type Value = Option<String>;

    fn new() -> Self {
        todo!("lab06 part B: LwwRegister::new in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn update(&mut self, me: NodeId, op: &Assign) {
        let _ = (me, op);
        todo!("lab06 part B: LwwRegister::update in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn query(&self) -> Option<String> {
        todo!("lab06 part B: LwwRegister::query in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn merge(&mut self, other: &Self) {
        let _ = other;
        todo!("lab06 part B: LwwRegister::merge in labs/lab06-broadcast-crdts/src/crdt.rs")
    }
}

/// A multi-value register: vector clocks keep every concurrent assignment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MvRegister {}

impl Crdt for MvRegister {
    type Op = Assign;
    type Value = BTreeSet<String>;

    fn new() -> Self {
        todo!("lab06 part B: MvRegister::new in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn update(&mut self, me: NodeId, op: &Assign) {
        let _ = (me, op);
        todo!("lab06 part B: MvRegister::update in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn query(&self) -> BTreeSet<String> {
        todo!("lab06 part B: MvRegister::query in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn merge(&mut self, other: &Self) {
        let _ = other;
        todo!("lab06 part B: MvRegister::merge in labs/lab06-broadcast-crdts/src/crdt.rs")
    }
}

/// An add-wins observed-remove set, with a unique tag per add.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrSet {}

impl Crdt for OrSet {
    type Op = SetOp;
    type Value = BTreeSet<String>;

    fn new() -> Self {
        todo!("lab06 part B: OrSet::new in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn update(&mut self, me: NodeId, op: &SetOp) {
        let _ = (me, op);
        todo!("lab06 part B: OrSet::update in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn query(&self) -> BTreeSet<String> {
        todo!("lab06 part B: OrSet::query in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn merge(&mut self, other: &Self) {
        let _ = other;
        todo!("lab06 part B: OrSet::merge in labs/lab06-broadcast-crdts/src/crdt.rs")
    }
}

/// A map from keys to CRDTs of type `V` (replace the marker with your fields).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrdtMap<V> {
    values: PhantomData<V>,
}

impl<V: Crdt> Crdt for CrdtMap<V> {
    type Op = MapOp<V::Op>;
    type Value = BTreeMap<String, V::Value>;

    fn new() -> Self {
        todo!("lab06 part B: CrdtMap::new in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn update(&mut self, me: NodeId, op: &MapOp<V::Op>) {
        let _ = (me, op, &self.values);
        todo!("lab06 part B: CrdtMap::update in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn query(&self) -> Self::Value {
        todo!("lab06 part B: CrdtMap::query in labs/lab06-broadcast-crdts/src/crdt.rs")
    }

    fn merge(&mut self, other: &Self) {
        let _ = other;
        todo!("lab06 part B: CrdtMap::merge in labs/lab06-broadcast-crdts/src/crdt.rs")
    }
}
