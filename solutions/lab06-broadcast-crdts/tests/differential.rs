//! The reference CRDTs against the `crdts` crate (rust-crdt, 7.3): three replicas of each type
//! run the same random operations and merges on both sides, and after every step each replica's
//! query must equal its `crdts` twin's read. A disagreement names the step and the history.

use crdts::{CmRDT, CvRDT, GCounter, LWWReg, MVReg, Orswot, PNCounter};
use harness::{NodeId, Rng};
use lab06::{Assign, CounterOp, Crdt, Increment, SetOp};
use lab06_solution::crdt;
use std::collections::BTreeSet;

const REPLICAS: usize = 3;
const STEPS: usize = 300;
const SEEDS: u64 = 20;

/// One type, side by side with its twin.
trait Twin {
    type Ours: Crdt;
    type Theirs: Clone;
    fn new() -> Self::Theirs;
    fn op(rng: &mut Rng, step: usize) -> <Self::Ours as Crdt>::Op;
    fn update(theirs: &mut Self::Theirs, actor: u32, op: &<Self::Ours as Crdt>::Op);
    fn merge(theirs: &mut Self::Theirs, other: &Self::Theirs);
    fn read(theirs: &Self::Theirs) -> <Self::Ours as Crdt>::Value;
}

/// Runs `SEEDS` random histories: at each step a replica either updates or merges another's
/// state, on both sides.
fn agree<T: Twin>(name: &str) {
    for seed in 1..=SEEDS {
        let mut rng = Rng::from_seed(seed);
        let mut ours: Vec<T::Ours> = (0..REPLICAS).map(|_| T::Ours::new()).collect();
        let mut theirs: Vec<T::Theirs> = (0..REPLICAS).map(|_| T::new()).collect();
        let mut history = Vec::new();
        for step in 0..STEPS {
            let r = rng.below(REPLICAS as u64) as usize;
            if rng.below(3) == 0 {
                let from = rng.below(REPLICAS as u64) as usize;
                let (o, t) = (ours[from].clone(), theirs[from].clone());
                ours[r].merge(&o);
                T::merge(&mut theirs[r], &t);
                history.push(format!("n{r} merges n{from}"));
            } else {
                let op = T::op(&mut rng, step);
                ours[r].update(NodeId(r as u32), &op);
                T::update(&mut theirs[r], r as u32, &op);
                history.push(format!("n{r} {op:?}"));
            }
            for i in 0..REPLICAS {
                let (a, b) = (ours[i].query(), T::read(&theirs[i]));
                assert_eq!(
                    a,
                    b,
                    "{name}, seed {seed}, step {step}: n{i} answers {a:?}, crdts {b:?}, after {}",
                    history.join("; ")
                );
            }
        }
    }
}

enum G {}
impl Twin for G {
    type Ours = crdt::GCounter;
    type Theirs = GCounter<u32>;
    fn new() -> Self::Theirs {
        GCounter::new()
    }
    fn op(rng: &mut Rng, _: usize) -> Increment {
        Increment(rng.between(1, 5))
    }
    fn update(theirs: &mut Self::Theirs, actor: u32, op: &Increment) {
        let dot = theirs.inc_many(actor, op.0);
        theirs.apply(dot);
    }
    fn merge(theirs: &mut Self::Theirs, other: &Self::Theirs) {
        theirs.merge(other.clone());
    }
    fn read(theirs: &Self::Theirs) -> u64 {
        theirs.read().to_string().parse().expect("a small count")
    }
}

enum Pn {}
impl Twin for Pn {
    type Ours = crdt::PnCounter;
    type Theirs = PNCounter<u32>;
    fn new() -> Self::Theirs {
        PNCounter::new()
    }
    fn op(rng: &mut Rng, _: usize) -> CounterOp {
        let n = rng.between(1, 5);
        if rng.below(2) == 0 { CounterOp::Increment(n) } else { CounterOp::Decrement(n) }
    }
    fn update(theirs: &mut Self::Theirs, actor: u32, op: &CounterOp) {
        let op = match *op {
            CounterOp::Increment(n) => theirs.inc_many(actor, n),
            CounterOp::Decrement(n) => theirs.dec_many(actor, n),
        };
        theirs.apply(op);
    }
    fn merge(theirs: &mut Self::Theirs, other: &Self::Theirs) {
        theirs.merge(other.clone());
    }
    fn read(theirs: &Self::Theirs) -> i64 {
        theirs.read().to_string().parse().expect("a small count")
    }
}

/// crdts' LWW register takes the marker from its caller: the lab's (Lamport timestamp, replica),
/// one above the marker the register holds.
enum Lww {}
impl Twin for Lww {
    type Ours = crdt::LwwRegister;
    type Theirs = LWWReg<Option<String>, (u64, u32)>;
    fn new() -> Self::Theirs {
        LWWReg { val: None, marker: (0, 0) }
    }
    fn op(rng: &mut Rng, step: usize) -> Assign {
        Assign(format!("v{step}.{}", rng.below(10)))
    }
    fn update(theirs: &mut Self::Theirs, actor: u32, op: &Assign) {
        let marker = (theirs.marker.0 + 1, actor);
        theirs.update(Some(op.0.clone()), marker);
    }
    fn merge(theirs: &mut Self::Theirs, other: &Self::Theirs) {
        theirs.merge(other.clone());
    }
    fn read(theirs: &Self::Theirs) -> Option<String> {
        theirs.val.clone()
    }
}

enum Mv {}
impl Twin for Mv {
    type Ours = crdt::MvRegister;
    type Theirs = MVReg<String, u32>;
    fn new() -> Self::Theirs {
        MVReg::new()
    }
    fn op(rng: &mut Rng, step: usize) -> Assign {
        Assign(format!("v{step}.{}", rng.below(10)))
    }
    fn update(theirs: &mut Self::Theirs, actor: u32, op: &Assign) {
        let ctx = theirs.read_ctx().derive_add_ctx(actor);
        let op = theirs.write(op.0.clone(), ctx);
        theirs.apply(op);
    }
    fn merge(theirs: &mut Self::Theirs, other: &Self::Theirs) {
        theirs.merge(other.clone());
    }
    fn read(theirs: &Self::Theirs) -> BTreeSet<String> {
        theirs.read().val.into_iter().collect()
    }
}

enum Or {}
impl Twin for Or {
    type Ours = crdt::OrSet;
    type Theirs = Orswot<String, u32>;
    fn new() -> Self::Theirs {
        Orswot::new()
    }
    fn op(rng: &mut Rng, _: usize) -> SetOp {
        let e = ["a", "b", "c", "d"][rng.below(4) as usize].to_string();
        if rng.below(2) == 0 { SetOp::Add(e) } else { SetOp::Remove(e) }
    }
    fn update(theirs: &mut Self::Theirs, actor: u32, op: &SetOp) {
        let op = match op {
            SetOp::Add(e) => theirs.add(e.clone(), theirs.read_ctx().derive_add_ctx(actor)),
            SetOp::Remove(e) => theirs.rm(e.clone(), theirs.contains(e).derive_rm_ctx()),
        };
        theirs.apply(op);
    }
    fn merge(theirs: &mut Self::Theirs, other: &Self::Theirs) {
        theirs.merge(other.clone());
    }
    fn read(theirs: &Self::Theirs) -> BTreeSet<String> {
        theirs.read().val.into_iter().collect()
    }
}

#[test]
fn g_counter_agrees_with_crdts() {
    agree::<G>("G-Counter");
}

#[test]
fn pn_counter_agrees_with_crdts() {
    agree::<Pn>("PN-Counter");
}

#[test]
fn lww_register_agrees_with_crdts() {
    agree::<Lww>("LWW-Register");
}

#[test]
fn mv_register_agrees_with_crdts() {
    agree::<Mv>("MV-Register");
}

#[test]
fn or_set_agrees_with_crdts() {
    agree::<Or>("OR-Set");
}
