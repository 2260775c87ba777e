//! The isolation checker finds each anomaly with the witness a person expects, passes valid
//! histories of every model, agrees with Elle on Elle's published histories (vendored with their
//! README under `tests/data/elle-histories/`), and holds up on generated histories at scale.

use harness::history::edn::{self, Edn};
use harness::isolation::generate::{self, Shape};
use harness::isolation::txn::parse_edn;
use harness::isolation::{
    Analysis, Anomaly, CycleClass, Kind, Model, Mop, TxnHistory, Variant, Workload, check, explain,
};
use std::collections::BTreeSet;
use std::path::Path;

fn parse(text: &str, workload: Workload) -> TxnHistory {
    parse_edn(text, "test.edn", workload).unwrap_or_else(|e| panic!("{e}"))
}

/// A history written compactly: one completed transaction per line, `P TYPE MOPS`, each invoked
/// after the one before completed unless its line starts with `~` (then it overlaps the
/// previous transaction: invoked before it completed).
fn history(lines: &str, workload: Workload) -> TxnHistory {
    let mut edn = String::new();
    let mut pending: Option<String> = None;
    for line in lines.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (overlap, line) = match line.strip_prefix('~') {
            Some(rest) => (true, rest.trim()),
            None => (false, line),
        };
        let mut words = line.splitn(3, ' ');
        let (p, kind, mops) = (words.next().unwrap(), words.next().unwrap(), words.next().unwrap());
        // The invocation: the same micro-operations, reads unfilled.
        let Edn::Vector(ms) = edn::parse(mops).unwrap() else { panic!("{mops}") };
        let unfilled: Vec<Edn> = ms
            .into_iter()
            .map(|m| match m {
                Edn::Vector(mut parts) if parts[0] == Edn::Keyword("r".into()) => {
                    parts[2] = Edn::Nil;
                    Edn::Vector(parts)
                }
                other => other,
            })
            .collect();
        let invoke_mops = Edn::Vector(unfilled);
        let invoke = format!("{{:process {p}, :type :invoke, :value {invoke_mops}}}\n");
        let done = format!("{{:process {p}, :type :{kind}, :value {mops}}}\n");
        if overlap {
            edn.push_str(&invoke);
            edn.push_str(&pending.take().unwrap_or_default());
            pending = Some(done);
        } else {
            edn.push_str(&pending.take().unwrap_or_default());
            edn.push_str(&invoke);
            pending = Some(done);
        }
    }
    edn.push_str(&pending.unwrap_or_default());
    parse(&edn, workload)
}

fn analyse(h: &TxnHistory, workload: Workload) -> Analysis {
    check(h, workload).unwrap_or_else(|e| panic!("{e}"))
}

fn kinds(a: &Analysis) -> BTreeSet<String> {
    a.kinds().iter().map(|k| k.name()).collect()
}

fn names(ks: &[&str]) -> BTreeSet<String> {
    ks.iter().map(|k| k.to_string()).collect()
}

/// The cycle of the first witness of a kind, as the operations' indices.
fn cycle_ops(a: &Analysis, kind: Kind) -> Vec<usize> {
    a.anomalies
        .iter()
        .find_map(|x| match x {
            Anomaly::Cycle { class, variant, cycle } if Kind::Cycle(*class, *variant) == kind => {
                Some(cycle.nodes.iter().map(|&n| a.op_of(n)).collect())
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {kind} in {:?}", a.kinds()))
}

#[test]
fn g0_write_cycle() {
    let h = history(
        "1 ok [[:append 1 1] [:append 2 1]]
         ~ 2 ok [[:append 1 2] [:append 2 2]]
         3 ok [[:r 1 [1 2]] [:r 2 [2 1]]]",
        Workload::ListAppend,
    );
    let a = analyse(&h, Workload::ListAppend);
    assert_eq!(kinds(&a), names(&["G0"]));
    let text = explain(&a, &h);
    assert!(text.contains("T2 appended 2 to key 1 after T1 appended 1"), "{text}");
    assert!(
        text.contains("However, T2 < T1, because T1 appended 1 to key 2 after T2 appended 2"),
        "{text}"
    );
    assert!(a.violates(Model::ReadUncommitted));
    assert_eq!(a.weakest_violated(), vec![Model::ReadUncommitted]);
}

#[test]
fn g1a_aborted_read_and_dirty_update() {
    let h = history(
        "1 fail [[:append 1 1]]
         2 ok [[:append 1 2]]
         3 ok [[:r 1 [1 2]]]",
        Workload::ListAppend,
    );
    let a = analyse(&h, Workload::ListAppend);
    assert_eq!(kinds(&a), names(&["G1a", "dirty-update"]));
    assert!(
        matches!(a.anomalies[0], Anomaly::AbortedRead { reader: 2, key: 1, value: 1, writer: 0 }),
        "{:?}",
        a.anomalies
    );
    assert_eq!(a.weakest_violated(), vec![Model::ReadUncommitted], "dirty update is a dirty write");
}

#[test]
fn g1b_intermediate_read() {
    let h = history(
        "1 ok [[:append 1 1] [:append 1 2]]
         2 ok [[:r 1 [1]]]",
        Workload::ListAppend,
    );
    let a = analyse(&h, Workload::ListAppend);
    assert!(kinds(&a).contains("G1b"), "{:?}", kinds(&a));
    assert!(a.anomalies.contains(&Anomaly::IntermediateRead {
        reader: 1,
        key: 1,
        value: 1,
        writer: 0
    }));
    assert!(!a.violates(Model::ReadUncommitted) && a.violates(Model::ReadCommitted));
}

#[test]
fn g1c_circular_information_flow() {
    for (workload, text) in [
        (
            Workload::ListAppend,
            "1 ok [[:append 1 1] [:r 2 [1]]]
             ~ 2 ok [[:append 2 1] [:r 1 [1]]]",
        ),
        (
            Workload::RwRegister,
            "1 ok [[:w 1 1] [:r 2 1]]
             ~ 2 ok [[:w 2 1] [:r 1 1]]",
        ),
    ] {
        let h = history(text, workload);
        let a = analyse(&h, workload);
        assert_eq!(kinds(&a), names(&["G1c"]), "{workload:?}");
        let text = explain(&a, &h);
        assert!(text.contains("T2 observed T1's"), "{text}");
        assert_eq!(a.weakest_violated(), vec![Model::ReadCommitted]);
    }
}

#[test]
fn g_single_read_skew_in_registers() {
    // T2 sees T3's write of key 2, which came after T1's write of key 1, but not T1's write.
    let h = history(
        "1 ok [[:w 1 1]]
         3 ok [[:w 2 1] [:r 1 1]]
         2 ok [[:r 1 nil] [:r 2 1]]",
        Workload::RwRegister,
    );
    let a = analyse(&h, Workload::RwRegister);
    assert!(kinds(&a).contains("G-single"), "{:?}", kinds(&a));
    assert_eq!(cycle_ops(&a, Kind::Cycle(CycleClass::GSingle, Variant::Plain)), vec![2, 0, 1]);
    let text = explain(&a, &h);
    assert!(text.contains("T1 did not observe T2's write of 1 to key 1 (it read nil)"), "{text}");
    assert!(!a.violates(Model::ReadCommitted) && a.violates(Model::SnapshotIsolation));
}

#[test]
fn lost_update_is_named() {
    for (workload, text) in [
        (
            Workload::ListAppend,
            "1 ok [[:r 1 []] [:append 1 1]]
             ~ 2 ok [[:r 1 []] [:append 1 2]]
             3 ok [[:r 1 [1 2]]]",
        ),
        (
            Workload::RwRegister,
            "1 ok [[:r 1 nil] [:w 1 1]]
             ~ 2 ok [[:r 1 nil] [:w 1 2]]",
        ),
    ] {
        let h = history(text, workload);
        let a = analyse(&h, workload);
        assert!(kinds(&a).contains("lost-update"), "{workload:?}: {:?}", kinds(&a));
        assert!(a.anomalies.contains(&Anomaly::LostUpdate { key: 1, read: None, ops: vec![0, 1] }));
        assert!(a.violates(Model::SnapshotIsolation) && !a.violates(Model::ReadCommitted));
    }
}

#[test]
fn broken_reads_are_named() {
    let h = history(
        "1 ok [[:append 1 1] [:r 1 [2]]]
         2 ok [[:append 1 2]]
         3 ok [[:r 1 [1 1]] [:r 2 [7]]]
         4 ok [[:r 1 [2 1]]]",
        Workload::ListAppend,
    );
    let a = analyse(&h, Workload::ListAppend);
    let k = kinds(&a);
    for kind in ["internal", "duplicate-elements", "garbage-read", "incompatible-order"] {
        assert!(k.contains(kind), "{kind}: {k:?}");
    }
    assert!(a.anomalies.contains(&Anomaly::GarbageRead { op: 2, key: 2, value: 7 }));
    assert_eq!(a.strongest_satisfied(), Vec::<Model>::new(), "no model explains broken data");
}

#[test]
fn orders_close_cycles_only_in_their_variants() {
    // One process appends, then reads the key without its own append: only process order
    // (and real time) puts the read after the append.
    let h = history(
        "1 ok [[:append 1 1]]
         1 ok [[:r 1 []]]
         2 ok [[:r 1 [1]]]",
        Workload::ListAppend,
    );
    let a = analyse(&h, Workload::ListAppend);
    assert_eq!(kinds(&a), names(&["G-single-process"]));
    assert!(!a.violates(Model::Serializable) && a.violates(Model::StrongSessionSnapshotIsolation));
    // Two processes: real time alone.
    let h = history(
        "1 ok [[:append 1 1]]
         2 ok [[:r 1 []]]
         3 ok [[:r 1 [1]]]",
        Workload::ListAppend,
    );
    let a = analyse(&h, Workload::ListAppend);
    assert_eq!(kinds(&a), names(&["G-single-realtime"]));
    assert_eq!(a.weakest_violated(), vec![Model::StrongSnapshotIsolation]);
    let text = explain(&a, &h);
    assert!(
        text.contains("because T2 completed (line 2) before T1 was invoked (line 3)"),
        "{text}"
    );
    // Overlapping in time, the same reads are fine.
    let h = history(
        "1 ok [[:append 1 1]]
         ~ 2 ok [[:r 1 []]]
         3 ok [[:r 1 [1]]]",
        Workload::ListAppend,
    );
    assert!(analyse(&h, Workload::ListAppend).anomalies.is_empty());
}

#[test]
fn unknown_outcomes_may_have_committed() {
    // An info append that a read shows took effect; a failed one may not be seen.
    let h = history(
        "1 info [[:append 1 1]]
         2 ok [[:r 1 [1]]]",
        Workload::ListAppend,
    );
    assert!(analyse(&h, Workload::ListAppend).anomalies.is_empty());
}

#[test]
fn a_value_written_twice_is_bad_input() {
    let h = history("1 ok [[:append 1 1]]\n2 ok [[:append 1 1]]", Workload::ListAppend);
    let e = check(&h, Workload::ListAppend).unwrap_err();
    assert!(e.contains("the value 1 is written to key 1 twice"), "{e}");
}

fn elle(name: &str) -> TxnHistory {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/elle-histories").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_edn(&text, name, Workload::ListAppend).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn elle_paper_example_is_g_single() {
    let h = elle("paper-example.edn");
    let a = analyse(&h, Workload::ListAppend);
    assert_eq!(kinds(&a), names(&["G-single"]));
    let text = explain(&a, &h);
    for clause in [
        "T1 did not observe T2's append of 8 to key 255",
        "T3 observed T2's append of 8 to key 255",
        "T3 < T1, because T1 appended 3 to key 256 after T3 appended 4",
    ] {
        assert!(text.contains(clause), "{clause}: {text}");
    }
    assert!(!a.violates(Model::ReadCommitted));
    assert!(a.violates(Model::SnapshotIsolation) && a.violates(Model::Serializable));
}

#[test]
fn elle_si_without_g_single_is_write_skew_only() {
    let h = elle("si-without-g-single.edn");
    let a = analyse(&h, Workload::ListAppend);
    assert_eq!(kinds(&a), names(&["G2-item"]));
    assert!(!a.violates(Model::StrongSnapshotIsolation), "every :time is 0: all concurrent");
    assert!(a.violates(Model::RepeatableRead) && a.violates(Model::Serializable));
    let Anomaly::Cycle { cycle, .. } = &a.anomalies[0] else { panic!() };
    assert_eq!(cycle.count(harness::isolation::RW), 2, "the shortest write skew: {cycle:?}");
}

#[test]
fn elle_huge_scc_gets_a_concrete_realtime_cycle() {
    let h = elle("huge-scc.edn");
    let a = analyse(&h, Workload::ListAppend);
    assert_eq!(kinds(&a), names(&["G-single-realtime"]), "Elle: only with real time");
    assert!(!a.violates(Model::StrongSessionSerializable));
    assert!(a.violates(Model::StrongSnapshotIsolation) && a.violates(Model::StrictSerializable));
    let Anomaly::Cycle { cycle, .. } = &a.anomalies[0] else { panic!() };
    assert_eq!(cycle.nodes.len(), 2, "a stale read: {}", explain(&a, &h));
}

#[test]
fn serial_histories_satisfy_every_model() {
    for workload in [Workload::ListAppend, Workload::RwRegister] {
        for seed in 0..4 {
            let h = generate::serial(Shape::new(workload, 2_000), seed);
            let a = analyse(&h, workload);
            assert!(a.anomalies.is_empty(), "{workload:?} seed {seed}: {}", explain(&a, &h));
        }
    }
}

#[test]
fn a_snapshot_isolation_store_shows_write_skew_and_nothing_stronger() {
    for workload in [Workload::ListAppend, Workload::RwRegister] {
        for seed in 0..4 {
            let h = generate::snapshot_isolation(Shape::new(workload, 3_000), seed);
            let a = analyse(&h, workload);
            let found = kinds(&a);
            assert!(found.contains("G2-item"), "{workload:?} seed {seed}: {found:?}");
            assert!(
                found.iter().all(|k| k.starts_with("G2-item")),
                "{workload:?} seed {seed}: {}",
                explain(&a, &h)
            );
            assert!(!a.violates(Model::StrongSnapshotIsolation));
            assert!(a.violates(Model::Serializable));
        }
    }
}

/// A one-node transactional store for end-to-end tests: it executes each transaction when it
/// arrives and answers 5-15 ms later. `atomic` applies the writes at once; otherwise they wait
/// for the answer, so concurrent transactions read around each other's writes.
mod store {
    use harness::isolation::Mop;
    use harness::{Ctx, Duration, Process, Protocol, RequestId};
    use std::collections::BTreeMap;

    #[derive(Clone, Copy, Debug)]
    pub enum Txn {}

    impl Protocol for Txn {
        type Msg = ();
        type Timer = RequestId;
        type Request = Vec<Mop>;
        type Response = Vec<Mop>;
        type Output = String;
    }

    #[derive(Debug, Default)]
    pub struct Store {
        pub atomic: bool,
        lists: BTreeMap<i64, Vec<i64>>,
        open: BTreeMap<RequestId, Vec<Mop>>,
    }

    impl Store {
        pub fn new(atomic: bool) -> Self {
            Store { atomic, ..Default::default() }
        }

        fn apply(&mut self, txn: &[Mop]) {
            for m in txn {
                if let Mop::Append(k, v) = m {
                    self.lists.entry(*k).or_default().push(*v);
                }
            }
        }
    }

    impl Process<Txn> for Store {
        fn on_request(&mut self, ctx: &mut Ctx<'_, Txn>, id: RequestId, request: Vec<Mop>) {
            let mut own: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
            let done: Vec<Mop> = request
                .iter()
                .map(|m| match m {
                    Mop::ReadList(k, _) => {
                        let mut seen = self.lists.get(k).cloned().unwrap_or_default();
                        seen.extend(own.get(k).into_iter().flatten());
                        Mop::ReadList(*k, Some(seen))
                    }
                    Mop::Append(k, v) => {
                        own.entry(*k).or_default().push(*v);
                        m.clone()
                    }
                    other => other.clone(),
                })
                .collect();
            if self.atomic {
                self.apply(&done);
            }
            self.open.insert(id, done);
            let delay = ctx.rng().between(5, 15);
            ctx.set_timer(Duration::from_millis(delay), id);
        }

        fn on_timer(&mut self, ctx: &mut Ctx<'_, Txn>, id: RequestId) {
            let done = self.open.remove(&id).expect("one timer per request");
            if !self.atomic {
                self.apply(&done);
            }
            ctx.reply(id, done);
        }
    }
}

/// A simulated run of the store under 200 random transactions on four keys, every 2 ms.
fn store_run(atomic: bool, seed: u64) -> harness::Run<store::Txn> {
    use harness::sim::{Budgets, Setup, Simulation};
    use harness::{Duration, NodeId, Rng, Schedule, Time};
    let mut rng = Rng::from_seed(seed);
    let mut next = [0i64; 4];
    let txns = (0..200u64)
        .map(|i| {
            let mops = (0..rng.between(1, 3))
                .map(|_| {
                    let k = rng.below(4) as usize;
                    if rng.chance(harness::Prob::percent(50)) {
                        Mop::ReadList(k as i64, None)
                    } else {
                        next[k] += 1;
                        Mop::Append(k as i64, next[k])
                    }
                })
                .collect();
            (Time::from_millis(10 + 2 * i), NodeId(0), mops)
        })
        .collect();
    let setup = Setup {
        nodes: 1,
        network: harness::Network::reliable(),
        faults: Vec::new(),
        clocks: Vec::new(),
        duration: Duration::from_millis(600),
        factory: std::sync::Arc::new(move |_| Box::new(store::Store::new(atomic))),
        workload: Box::new(Schedule(txns)),
        budgets: Budgets::default(),
        picker: None,
    };
    Simulation::new(seed, setup).run()
}

#[test]
fn a_simulated_run_is_checked_from_its_trace() {
    use harness::history::history;
    for seed in 0..3 {
        let h: TxnHistory = history(&store_run(true, seed)).map(|o| o.clone());
        let a = analyse(&h, Workload::ListAppend);
        assert!(
            a.anomalies.is_empty(),
            "seed {seed}: an atomic store is strict serializable: {}",
            explain(&a, &h)
        );
        let h: TxnHistory = history(&store_run(false, seed)).map(|o| o.clone());
        let a = analyse(&h, Workload::ListAppend);
        // Reads at arrival and writes at commit: a transaction reads its own appends on top
        // of a list others have since appended to (no one order explains it), and reads skew.
        let found = kinds(&a);
        assert!(
            found.contains("incompatible-order") && found.contains("G-single"),
            "seed {seed}: {found:?}"
        );
    }
}
