//! The consistency checkers: hand-made histories with known answers, generated histories that
//! must be linearizable, and the same histories broken in ways that must be caught.

mod common;

use common::{Behaviour, Request, Test, setup};
use harness::history::{History, Operation, Outcome, Timeline, history};
use harness::linearizability::{
    Answer, CasOp, CasRegister, CasRet, Guarantee, Kv, KvOp, KvRet, Model, Options, Register,
    RegisterOp, RegisterRet, check_linearizable, check_sequential, html, linearizable,
};
use harness::sim::Simulation;
use harness::{Fault, NodeId, Rng, Schedule, Time, Verdict};

type RegHistory = History<RegisterOp<i64>, RegisterRet<i64>>;

fn op<I, O>(process: u64, from: u64, input: I, outcome: Outcome<O>) -> Operation<I, O> {
    Operation { process, invoked: Time(from), input, outcome }
}

fn write(
    process: u64,
    from: u64,
    to: u64,
    value: i64,
) -> Operation<RegisterOp<i64>, RegisterRet<i64>> {
    op(process, from, RegisterOp::Write { value }, Outcome::Ok(Time(to), RegisterRet::Write))
}

fn read(
    process: u64,
    from: u64,
    to: u64,
    value: Option<i64>,
) -> Operation<RegisterOp<i64>, RegisterRet<i64>> {
    op(process, from, RegisterOp::Read, Outcome::Ok(Time(to), RegisterRet::Read { value }))
}

fn lin(h: &RegHistory) -> Answer {
    check_linearizable(&mut Register::new(), h, &Options::default())
}

fn sc(h: &RegHistory) -> Answer {
    check_sequential(&mut Register::new(), h, &Options::default())
}

fn history_of(ops: Vec<Operation<RegisterOp<i64>, RegisterRet<i64>>>) -> RegHistory {
    History::new(ops, Timeline::Lines)
}

#[test]
fn overlapping_operations_may_take_effect_in_either_order() {
    // The read overlaps both writes, so it may see either value, or the one before.
    for seen in [None, Some(1), Some(2)] {
        let h = history_of(vec![write(1, 1, 4, 1), write(2, 2, 5, 2), read(3, 3, 6, seen)]);
        assert!(lin(&h).holds(), "read -> {seen:?}");
    }
    // Once both writes completed before the read, only the one taking effect last is seen, and
    // either order is possible.
    for seen in [Some(1), Some(2)] {
        let h = history_of(vec![write(1, 1, 3, 1), write(2, 2, 4, 2), read(3, 5, 6, seen)]);
        assert!(lin(&h).holds(), "read -> {seen:?}");
    }
    let h = history_of(vec![write(1, 1, 3, 1), write(2, 2, 4, 2), read(3, 5, 6, None)]);
    assert!(!lin(&h).holds());
}

#[test]
fn a_stale_read_is_not_linearizable_but_is_sequentially_consistent() {
    // Process 2 reads after process 1's write completed, yet sees nothing. No real-time order
    // allows it; the client-order-only guarantee does (the read goes first).
    let h = history_of(vec![write(1, 1, 2, 1), read(2, 3, 4, None)]);
    let Answer::Violated(v) = lin(&h) else { panic!("a stale read must be caught") };
    assert_eq!(v.guarantee, Guarantee::Linearizability);
    assert_eq!(v.prefix, vec![0], "the write fits; nothing after it does");
    assert_eq!(v.stuck, vec![1], "the read is the operation that cannot follow");
    assert_eq!(v.state, "the register holds 1");
    assert!(sc(&h).holds());
}

#[test]
fn reading_two_writes_of_one_client_backwards_is_not_sequentially_consistent() {
    // Process 1 writes 1 then 2. Process 2 reads 2 then 1: no order keeps both clients' orders.
    let h = history_of(vec![
        write(1, 1, 2, 1),
        write(1, 3, 4, 2),
        read(2, 5, 6, Some(2)),
        read(2, 7, 8, Some(1)),
    ]);
    let Answer::Violated(v) = sc(&h) else { panic!("expected a violation") };
    assert_eq!(v.guarantee, Guarantee::SequentialConsistency);
    assert_eq!(v.stuck, vec![3], "the second read cannot follow anything the first allows");
    assert_eq!(v.deadline(&h), None, "without real time, no instant is to blame");
    assert_eq!(
        v.summary(&Register::<i64>::new(), &h),
        "after the longest sequentially consistent prefix found (3 operations), where the \
         register holds 2, process 2 read -> 1 (lines 7-8) cannot take effect"
    );
    // Reading them in the written order is fine.
    let h = history_of(vec![
        write(1, 1, 2, 1),
        write(1, 3, 4, 2),
        read(2, 5, 6, Some(1)),
        read(2, 7, 8, Some(2)),
    ]);
    assert!(sc(&h).holds());
}

#[test]
fn an_unknown_write_may_take_effect_late_or_never() {
    let unknown = |from, value| op(1, from, RegisterOp::Write { value }, Outcome::Info(None));
    // It took effect (any time after its invocation) ...
    let h = history_of(vec![unknown(1, 1), read(2, 5, 6, Some(1))]);
    assert!(lin(&h).holds());
    // ... or never ...
    let h = history_of(vec![write(2, 1, 2, 1), unknown(3, 2), read(3, 5, 6, Some(1))]);
    assert!(lin(&h).holds());
    // ... but never before it was invoked.
    let h = history_of(vec![read(2, 1, 2, Some(1)), unknown(3, 1)]);
    assert!(!lin(&h).holds());
    // A failed write certainly did not take effect.
    let failed = op(1, 1, RegisterOp::Write { value: 1 }, Outcome::Fail(Time(2)));
    let h = history_of(vec![failed, read(2, 3, 4, Some(1))]);
    assert!(!lin(&h).holds());
}

#[test]
fn an_unknown_cas_swaps_only_if_it_can() {
    let h: History<CasOp<i64>, CasRet<i64>> = History::new(
        vec![
            op(1, 1, CasOp::Write { value: 1 }, Outcome::Ok(Time(2), CasRet::Write)),
            op(2, 3, CasOp::Cas { from: 1, to: 5 }, Outcome::Info(None)),
            op(3, 4, CasOp::Read, Outcome::Ok(Time(5), CasRet::Read { value: Some(5) })),
            op(3, 6, CasOp::Cas { from: 5, to: 6 }, Outcome::Ok(Time(7), CasRet::Cas { ok: true })),
            op(
                4,
                8,
                CasOp::Cas { from: 1, to: 9 },
                Outcome::Ok(Time(9), CasRet::Cas { ok: false }),
            ),
        ],
        Timeline::Lines,
    );
    assert!(check_linearizable(&mut CasRegister::new(), &h, &Options::default()).holds());
    // A cas from 2 can never swap here.
    let mut bad = h.clone();
    bad.ops[1].input = CasOp::Cas { from: 2, to: 5 };
    assert!(!check_linearizable(&mut CasRegister::new(), &bad, &Options::default()).holds());
}

#[test]
fn the_evidence_reads_as_a_few_lines_with_clients_times_and_values() {
    let h = history_of(vec![
        write(1, 1, 2, 1),
        write(2, 3, 4, 2),
        read(3, 5, 8, Some(1)),
        op(4, 6, RegisterOp::Write { value: 3 }, Outcome::Info(None)),
    ]);
    let m = Register::<i64>::new();
    let Answer::Violated(v) = lin(&h) else { panic!("expected a violation") };
    assert_eq!(
        v.lines(&m, &h),
        vec![
            "not linearizable: the longest linearizable prefix found has 3 of the 4 operations",
            "  it is: process 1 write 1 (lines 1-2), process 2 write 2 (lines 3-4), process 4 \
             write 3 (from line 6, never answered)",
            "  after it the register holds 3, and no operation that could come next can take \
             effect:",
            "    process 3 read -> 1 (lines 5-8)",
        ]
    );
    assert_eq!(v.deadline(&h), Some(Time(8)));
    assert_eq!(
        Answer::Violated(v.clone()).verdict(&m, &h),
        Verdict::fails_at(Time(8), v.summary(&m, &h))
    );
}

#[test]
fn the_html_page_draws_every_client_and_marks_the_offending_operation() {
    let h = history_of(vec![write(1, 1, 2, 1), write(2, 3, 4, 2), read(3, 5, 8, Some(1))]);
    let m = Register::<i64>::new();
    let answer = lin(&h);
    let page = html::page(&m, &h, &answer, "stale <read>");
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("stale &lt;read&gt;: <span class=\"bad\">not linearizable</span>"));
    for p in 1..=3 {
        assert!(page.contains(&format!(">process {p}</text>")), "a row for process {p}");
    }
    assert_eq!(page.matches("class=\"op ok stuck\"").count(), 1, "one offending operation");
    assert_eq!(page.matches("class=\"op ok prefix\"").count(), 2, "two in the prefix");
    assert!(page.contains("read -&gt; 1"));
    assert!(page.contains("class=\"op ok stuck\" id=\"first-stuck\""), "scrolled into view");
    assert!(page.contains("✗ read -&gt; 1</text>"), "the offending read is labelled");
    assert!(page.contains("class=\"deadline\""));
    // Self-contained: nothing is fetched.
    for fetch in ["src=", "href=", "@import", "url(", "fetch("] {
        assert!(!page.contains(fetch), "the page must not fetch anything ({fetch})");
    }
    let fine = html::page(&m, &history_of(vec![write(1, 1, 2, 1)]), &Answer::Holds, "ok");
    assert!(fine.contains("<span class=\"good\">consistent</span>"));
    assert!(!fine.contains("op ok stuck"), "nothing is marked on a consistent history");
}

#[test]
fn a_budget_too_small_answers_unknown_and_unknown_fails_grading() {
    let h = history_of(vec![write(1, 1, 4, 1), write(2, 2, 5, 2), read(3, 3, 6, Some(2))]);
    let tiny = Options { budget: 1, ..Options::default() };
    let answer = check_linearizable(&mut Register::new(), &h, &tiny);
    let Answer::Unknown(e) = &answer else { panic!("expected unknown, got {answer:?}") };
    assert_eq!(e.limit, harness::linearizability::Limit::Steps(1));
    let verdict = answer.verdict(&Register::<i64>::new(), &h);
    assert_eq!(
        verdict,
        Verdict::fails(
            "the linearizability checker gave up after 1 step; an unknown answer never passes"
        )
    );
    assert!(lin(&h).holds(), "with the default budget it is decided");

    let stale = history_of(vec![write(1, 1, 2, 1), read(2, 3, 4, None)]);
    let answer = check_sequential(&mut Register::new(), &stale, &tiny);
    assert!(
        matches!(&answer, Answer::Unknown(e) if e.guarantee == Guarantee::SequentialConsistency),
        "{answer:?}"
    );
    assert!(
        check_sequential(&mut Register::new(), &stale, &Options { budget: 20, ..tiny }).holds()
    );
}

#[test]
fn a_memo_past_the_memory_limit_answers_unknown() {
    let h = history_of(vec![write(1, 1, 4, 1), write(2, 2, 5, 2), read(3, 3, 6, Some(2))]);
    let small = Options { memory: 1, ..Options::default() };
    let answer = check_linearizable(&mut Register::new(), &h, &small);
    let Answer::Unknown(e) = &answer else { panic!("expected unknown, got {answer:?}") };
    assert_eq!(e.limit, harness::linearizability::Limit::Memory(1));
    assert_eq!(e.limit_reached(), "the memory limit of 0 MB was reached");
    assert!(lin(&h).holds(), "with the default limit it is decided");
}

#[test]
fn the_budget_is_shared_by_the_keys_of_a_split_history() {
    let put = |p, from, to, key: &str| {
        op(
            p,
            from,
            KvOp::Put { key: key.into(), value: "v".into() },
            Outcome::Ok(Time(to), KvRet::Put),
        )
    };
    // Each key needs three steps; two keys do not fit in five.
    let ops = ["a", "b"]
        .iter()
        .flat_map(|k| [put(1, 1, 2, k), put(1, 3, 4, k), put(1, 5, 6, k)])
        .collect();
    let h = History::new(ops, Timeline::Lines);
    let answer =
        check_linearizable(&mut Kv::new(), &h, &Options { budget: 5, ..Options::default() });
    let Answer::Unknown(e) = answer else { panic!("expected unknown, got {answer:?}") };
    assert_eq!(e.part, Some("b".into()), "key a was decided; b was left");
    assert!(
        check_linearizable(&mut Kv::new(), &h, &Options { budget: 6, ..Options::default() })
            .holds()
    );
}

#[test]
fn a_violation_on_one_key_is_found_while_another_key_is_fine() {
    let get = |p, from, to, key: &str, value: &str| {
        op(
            p,
            from,
            KvOp::Get { key: key.into() },
            Outcome::Ok(Time(to), KvRet::Get { value: value.into() }),
        )
    };
    let append = |p, from, to, key: &str, value: &str| {
        op(
            p,
            from,
            KvOp::Append { key: key.into(), value: value.into() },
            Outcome::Ok(Time(to), KvRet::Append),
        )
    };
    let h = History::new(
        vec![
            append(1, 1, 2, "a", "x"),
            append(2, 3, 4, "b", "y"),
            append(1, 5, 6, "b", "z"),
            get(3, 7, 8, "a", "x"),
            get(3, 9, 10, "b", "zy"),
        ],
        Timeline::Lines,
    );
    for split in [true, false] {
        let answer =
            check_linearizable(&mut Kv::new(), &h, &Options { split, ..Options::default() });
        let Answer::Violated(v) = answer else { panic!("appends applied backwards") };
        assert_eq!(v.stuck, vec![4]);
        assert_eq!(v.part.as_deref(), if split { Some("b") } else { None });
    }
}

/// Draws `n` operations as Jepsen's clients issue them: `processes` clients, each with one
/// operation at a time, every operation taking effect at a point inside its random real-time
/// interval (the points increase, the intervals overlap). `apply` runs an input on the model's
/// state at its point and returns the output, or `None` to make the operation fail (no effect).
/// One operation in ten has an unknown outcome: it took effect at its point or never, and its
/// client, as in Jepsen, is replaced by a fresh one.
fn generate<I: Clone, O: Clone, S>(
    rng: &mut Rng,
    n: usize,
    processes: u64,
    mut state: S,
    mut draw: impl FnMut(&mut Rng) -> I,
    mut apply: impl FnMut(&mut S, &I, &mut Rng) -> Option<O>,
) -> History<I, O> {
    let mut ops = Vec::new();
    // Per client slot: its current process id and when its last operation completed.
    let mut clients: Vec<(u64, u64)> = (0..processes).map(|p| (p, 0)).collect();
    let mut fresh = processes;
    let mut point = 10u64;
    for _ in 0..n {
        point += rng.between(1, 6);
        let slot = rng.below(processes) as usize;
        let (process, free_at) = clients[slot];
        point = point.max(free_at + 1);
        let invoked = point - rng.between(0, (point - free_at - 1).min(15));
        let completed = point + rng.between(0, 15);
        let input = draw(rng);
        let outcome = if rng.chance(harness::Prob::percent(10)) {
            if rng.chance(harness::Prob::percent(50)) {
                let _ = apply(&mut state, &input, rng);
            }
            clients[slot] = (fresh, completed);
            fresh += 1;
            Outcome::Info(None)
        } else {
            clients[slot].1 = completed;
            match apply(&mut state, &input, rng) {
                Some(o) => Outcome::Ok(Time(completed), o),
                None => Outcome::Fail(Time(completed)),
            }
        };
        ops.push(Operation { process, invoked: Time(invoked), input, outcome });
    }
    History::new(ops, Timeline::Virtual)
}

fn register_history(seed: u64, unique_values: bool) -> RegHistory {
    let mut rng = Rng::from_seed(seed);
    let n = rng.between(1, 60) as usize;
    let processes = rng.between(1, 6);
    let mut next = 0i64;
    generate(
        &mut rng,
        n,
        processes,
        None::<i64>,
        |rng| {
            if rng.chance(harness::Prob::percent(45)) {
                RegisterOp::Read
            } else {
                next += 1;
                RegisterOp::Write { value: if unique_values { next } else { next % 3 } }
            }
        },
        |state, input, rng| match input {
            RegisterOp::Read => Some(RegisterRet::Read { value: *state }),
            RegisterOp::Write { value } => {
                if rng.chance(harness::Prob::percent(5)) {
                    return None;
                }
                *state = Some(*value);
                Some(RegisterRet::Write)
            }
        },
    )
}

const SEEDS: u64 = 300;

#[test]
fn generated_register_histories_are_linearizable_and_sequentially_consistent() {
    for seed in 0..SEEDS {
        let h = register_history(seed, seed % 2 == 0);
        assert!(lin(&h).holds(), "seed {seed}: {:?}", lin(&h));
        assert!(sc(&h).holds(), "seed {seed}");
    }
}

#[test]
fn generated_cas_register_histories_are_linearizable() {
    for seed in 0..SEEDS {
        let mut rng = Rng::from_seed(seed);
        let n = rng.between(1, 50) as usize;
        let processes = rng.between(1, 6);
        let history = generate(
            &mut rng,
            n,
            processes,
            None::<i64>,
            |rng| match rng.below(3) {
                0 => CasOp::Read,
                1 => CasOp::Write { value: rng.below(4) as i64 },
                _ => CasOp::Cas { from: rng.below(4) as i64, to: rng.below(4) as i64 },
            },
            |state, input, rng| match input {
                CasOp::Read => Some(CasRet::Read { value: *state }),
                CasOp::Write { value } => {
                    *state = Some(*value);
                    Some(CasRet::Write)
                }
                CasOp::Cas { from, to } => {
                    if *state == Some(*from) {
                        *state = Some(*to);
                        Some(CasRet::Cas { ok: true })
                    } else if rng.chance(harness::Prob::percent(50)) {
                        None // Jepsen's `:fail :cas`: it did not take effect.
                    } else {
                        Some(CasRet::Cas { ok: false })
                    }
                }
            },
        );
        let answer = check_linearizable(&mut CasRegister::new(), &history, &Options::default());
        assert!(answer.holds(), "seed {seed}: {answer:?}");
    }
}

#[test]
fn generated_kv_histories_are_linearizable_split_or_whole() {
    for seed in 0..SEEDS {
        let mut rng = Rng::from_seed(seed);
        let n = rng.between(1, 50) as usize;
        let processes = rng.between(1, 6);
        let keys = rng.between(1, 3);
        let mut counter = 0;
        let history = generate(
            &mut rng,
            n,
            processes,
            std::collections::BTreeMap::<String, String>::new(),
            |rng| {
                let key = format!("k{}", rng.below(keys));
                counter += 1;
                match rng.below(4) {
                    0 | 1 => KvOp::Get { key },
                    2 => KvOp::Append { key, value: format!("<{counter}>") },
                    _ => KvOp::Put { key, value: format!("[{counter}]") },
                }
            },
            |map, input, _| match input {
                KvOp::Get { key } => {
                    Some(KvRet::Get { value: map.get(key).cloned().unwrap_or_default() })
                }
                KvOp::Put { key, value } => {
                    map.insert(key.clone(), value.clone());
                    Some(KvRet::Put)
                }
                KvOp::Append { key, value } => {
                    map.entry(key.clone()).or_default().push_str(value);
                    Some(KvRet::Append)
                }
            },
        );
        for split in [true, false] {
            let options = Options { split, ..Options::default() };
            let answer = check_linearizable(&mut Kv::new(), &history, &options);
            assert!(answer.holds(), "seed {seed}, split {split}: {answer:?}");
        }
        let answer = check_sequential(&mut Kv::new(), &history, &Options::default());
        assert!(answer.holds(), "seed {seed}: {answer:?}");
    }
}

/// A register history that is sequentially consistent by construction but, in general, not
/// linearizable: a sequential run whose operations are dealt to clients in order, each client
/// then running at its own pace, so real time across clients says nothing about the run's order.
fn sequential_history(seed: u64) -> RegHistory {
    let mut rng = Rng::from_seed(seed);
    let n = rng.between(2, 40);
    let processes = rng.between(1, 4);
    let mut state = None;
    let mut clock: Vec<u64> = (0..processes).map(|_| rng.between(0, 200)).collect();
    let mut ops = Vec::new();
    for k in 0..n {
        let p = rng.below(processes);
        let (input, output) = if rng.chance(harness::Prob::percent(50)) {
            (RegisterOp::Read, RegisterRet::Read { value: state })
        } else {
            let value = (k % 3) as i64;
            state = Some(value);
            (RegisterOp::Write { value }, RegisterRet::Write)
        };
        let invoked = clock[p as usize] + rng.between(1, 30);
        let completed = invoked + rng.between(0, 10);
        clock[p as usize] = completed;
        ops.push(op(p, invoked, input, Outcome::Ok(Time(completed), output)));
    }
    History::new(ops, Timeline::Virtual)
}

#[test]
fn generated_sequential_histories_are_sequentially_consistent_and_broken_ones_are_not() {
    let mut not_linearizable = 0;
    let mut caught = 0;
    for seed in 0..SEEDS {
        let mut h = sequential_history(seed);
        let answer = sc(&h);
        assert!(answer.holds(), "seed {seed}: {answer:?}");
        if !lin(&h).holds() {
            not_linearizable += 1;
        }
        let reads = ok_reads(&h);
        let Some(&r) = Rng::from_seed(seed).pick(&reads) else { continue };
        let Outcome::Ok(at, _) = h.ops[r].outcome else { unreachable!() };
        h.ops[r].outcome = Outcome::Ok(at, RegisterRet::Read { value: Some(-7) });
        let Answer::Violated(v) = sc(&h) else { panic!("seed {seed}: read -> -7 not caught") };
        assert_eq!(v.guarantee, Guarantee::SequentialConsistency);
        assert!(v.stuck.contains(&r), "seed {seed}: the evidence names the read: {v:?}");
        caught += 1;
    }
    // The search without real time really ran: most of these are not linearizable.
    assert!(not_linearizable > SEEDS / 3, "only {not_linearizable} needed the sequential search");
    assert!(caught > SEEDS / 2);
}

/// The completed reads of a history.
fn ok_reads(h: &RegHistory) -> Vec<usize> {
    (0..h.ops.len())
        .filter(|&i| matches!(h.ops[i].outcome, Outcome::Ok(_, RegisterRet::Read { .. })))
        .collect()
}

#[test]
fn a_read_of_a_value_never_written_is_caught() {
    let mut caught = 0;
    for seed in 0..SEEDS {
        let mut h = register_history(seed, false);
        let reads = ok_reads(&h);
        let Some(&r) = Rng::from_seed(seed).pick(&reads) else { continue };
        let Outcome::Ok(at, _) = h.ops[r].outcome else { unreachable!() };
        h.ops[r].outcome = Outcome::Ok(at, RegisterRet::Read { value: Some(-7) });
        let Answer::Violated(v) = lin(&h) else {
            panic!("seed {seed}: read -> -7 not caught: {:?}\n{}", lin(&h), h.to_json_lines())
        };
        assert!(v.stuck.contains(&r), "seed {seed}: the evidence names the read: {v:?}");
        assert!(!v.prefix.contains(&r), "seed {seed}: the read cannot be in any prefix");
        caught += 1;
    }
    assert!(caught > SEEDS / 2, "only {caught} histories had a read to corrupt");
}

#[test]
fn a_read_of_an_overwritten_value_is_caught() {
    // Every write has its own value. Pick a read, a write that completed before the read was
    // invoked, and an earlier write that completed before that one was invoked: the read cannot
    // return the earlier write's value, since nothing can write it again.
    let mut caught = 0;
    for seed in 0..SEEDS {
        let mut h = register_history(seed, true);
        let done = |i: usize| match h.ops[i].outcome {
            Outcome::Ok(t, RegisterRet::Write) => Some(t),
            _ => None,
        };
        let mut found = None;
        'search: for r in ok_reads(&h) {
            for w2 in 0..h.ops.len() {
                let Some(t2) = done(w2) else { continue };
                if t2 >= h.ops[r].invoked {
                    continue;
                }
                for w1 in 0..h.ops.len() {
                    if done(w1).is_some_and(|t1| t1 < h.ops[w2].invoked) {
                        found = Some((r, w1));
                        break 'search;
                    }
                }
            }
        }
        let Some((r, w1)) = found else { continue };
        let RegisterOp::Write { value } = h.ops[w1].input else { unreachable!() };
        let Outcome::Ok(at, _) = h.ops[r].outcome else { unreachable!() };
        h.ops[r].outcome = Outcome::Ok(at, RegisterRet::Read { value: Some(value) });
        let Answer::Violated(v) = lin(&h) else {
            panic!("seed {seed}: op {r} reads {value}, overwritten before it began; not caught")
        };
        assert!(v.stuck.contains(&r), "seed {seed}: the evidence names the read: {v:?}");
        caught += 1;
    }
    assert!(caught > SEEDS / 4, "only {caught} histories had such a read");
}

/// The test protocol's store node as a register: `Store` writes, `Read` reads.
fn register_history_of(run: &harness::Run<Test>) -> RegHistory {
    history(run).map(|op| Operation {
        process: op.process,
        invoked: op.invoked,
        input: match op.input {
            Request::Store { value, .. } => RegisterOp::Write { value: value as i64 },
            Request::Read | Request::Ignore => RegisterOp::Read,
        },
        outcome: match &op.outcome {
            Outcome::Ok(t, response) => Outcome::Ok(
                *t,
                match op.input {
                    Request::Store { .. } => RegisterRet::Write,
                    _ => RegisterRet::Read { value: response.map(|v| v as i64) },
                },
            ),
            Outcome::Fail(t) => Outcome::Fail(*t),
            Outcome::Info(t) => Outcome::Info(*t),
        },
    })
}

#[test]
fn a_run_whose_acknowledged_write_is_lost_in_a_crash_is_not_linearizable() {
    let n0 = NodeId(0);
    let run = |sync: bool| {
        let mut s = setup(1, Behaviour::Store, harness::Duration::from_millis(100));
        s.workload = Box::new(Schedule(vec![
            (Time::from_millis(10), n0, Request::Store { value: 1, sync: true }),
            (Time::from_millis(20), n0, Request::Store { value: 2, sync }),
            (Time::from_millis(60), n0, Request::Read),
        ]));
        s.faults = vec![
            Fault::Crash { node: n0, at: Time::from_millis(30) },
            Fault::Restart { node: n0, at: Time::from_millis(40) },
        ];
        Simulation::new(1, s).run()
    };
    let property = linearizable(Register::<i64>::new(), register_history_of);
    // A run's history exports as JSON lines and reads back the same.
    let h = history(&run(false));
    let back = History::from_json_lines(&h.to_json_lines(), "run.jsonl").unwrap();
    assert_eq!(h, back);
    // Synced: the read after the restart sees 2.
    assert_eq!((property.check)(&run(true)), Verdict::Holds);
    // Not synced: the crash loses the acknowledged 2 and the read sees 1.
    let lost = run(false);
    let h = register_history_of(&lost);
    assert_eq!(
        h.ops[2].outcome,
        Outcome::Ok(Time::from_millis(60), RegisterRet::Read { value: Some(1) })
    );
    let Verdict::Fails { at, evidence } = (property.check)(&lost) else { panic!("not caught") };
    assert_eq!(at, Some(Time::from_millis(60)));
    assert!(
        evidence.contains("process 0 read -> 1 (0.060000s-0.060000s) cannot take effect"),
        "{evidence}"
    );
    assert!(evidence.contains("the register holds 2"), "{evidence}");
}

#[test]
fn models_describe_their_operations_for_students() {
    let m = Kv::new();
    assert_eq!(
        m.describe(&KvOp::Append { key: "k".into(), value: "x".into() }, Some(&KvRet::Append)),
        "append \"k\" \"x\""
    );
}

/// Whether an order exists, by brute force over every (placed set, state), without a memo: the
/// oracle for the checker's pruning on small histories. `realtime` asks for linearizability,
/// otherwise each process's own order is kept (sequential consistency).
fn oracle<M: Model>(model: &mut M, h: &History<M::Input, M::Output>, realtime: bool) -> bool {
    let ops: Vec<&Operation<M::Input, M::Output>> =
        h.ops.iter().filter(|o| !matches!(o.outcome, Outcome::Fail(_))).collect();
    let before = |a: usize, b: usize| -> bool {
        let Outcome::Ok(done, _) = ops[a].outcome else { return false };
        done < ops[b].invoked && (realtime || ops[a].process == ops[b].process)
    };
    fn go<M: Model>(
        model: &mut M,
        ops: &[&Operation<M::Input, M::Output>],
        before: &dyn Fn(usize, usize) -> bool,
        placed: u32,
        state: &M::State,
    ) -> bool {
        let definite_left = (0..ops.len())
            .any(|i| placed & (1 << i) == 0 && matches!(ops[i].outcome, Outcome::Ok(..)));
        if !definite_left {
            return true;
        }
        for i in 0..ops.len() {
            if placed & (1 << i) != 0
                || (0..ops.len()).any(|j| placed & (1 << j) == 0 && before(j, i))
            {
                continue;
            }
            if let Some(next) = model.step(state, &ops[i].input, ops[i].outcome.output()) {
                if go(model, ops, before, placed | 1 << i, &next) {
                    return true;
                }
            }
        }
        false
    }
    let init = model.init();
    go(model, &ops, &before, 0, &init)
}

#[test]
fn pruning_by_unknown_operations_agrees_with_brute_force() {
    // Small compare-and-set histories with many unknown outcomes, half of them with one read
    // corrupted: the memo's dominance (fewer unknown operations placed prune more) must never
    // change a verdict, for either search.
    let (mut holds, mut violated) = (0, 0);
    for seed in 0..400 {
        let mut rng = Rng::from_seed(seed);
        let shape = harness::linearizability::generate::RegisterShape {
            clients: rng.between(2, 4),
            ops: rng.between(4, 11) as usize,
            unknown: harness::Prob::percent(35),
            stale_read_at: None,
        };
        let mut h = harness::linearizability::generate::cas_register(shape, seed);
        if rng.chance(harness::Prob::percent(50)) {
            let reads: Vec<usize> = (0..h.ops.len())
                .filter(|&i| matches!(h.ops[i].outcome, Outcome::Ok(_, CasRet::Read { .. })))
                .collect();
            if let Some(&r) = rng.pick(&reads) {
                let Outcome::Ok(at, _) = h.ops[r].outcome else { unreachable!() };
                let value = rng.pick(&[None, Some(1), Some(2), Some(3)]).copied().flatten();
                h.ops[r].outcome = Outcome::Ok(at, CasRet::Read { value });
            }
        }
        for realtime in [true, false] {
            let expected = oracle(&mut CasRegister::new(), &h, realtime);
            let answer = if realtime {
                check_linearizable(&mut CasRegister::new(), &h, &Options::default())
            } else {
                check_sequential(&mut CasRegister::new(), &h, &Options::default())
            };
            assert_eq!(
                answer.holds(),
                expected,
                "seed {seed} realtime {realtime}: {answer:?}\n{}",
                h.to_json_lines()
            );
            if realtime {
                if expected { holds += 1 } else { violated += 1 }
            }
        }
    }
    assert!(holds > 100 && violated > 50, "both verdicts tried: {holds} hold, {violated} violated");
}

#[test]
fn generated_histories_with_a_late_stale_read_are_refuted() {
    use harness::linearizability::generate::{RegisterShape, cas_register};
    let options = Options { budget: 200_000_000, ..Options::default() };
    for (clients, ops) in [(4, 150), (8, 150)] {
        for seed in 0..3 {
            let mut shape = RegisterShape::new(clients, ops);
            let good = cas_register(shape, seed);
            let answer = check_linearizable(&mut CasRegister::new(), &good, &options);
            assert!(answer.holds(), "{clients} clients seed {seed}: {answer:?}");
            shape.stale_read_at = Some(0.9);
            let bad = cas_register(shape, seed);
            let answer = check_linearizable(&mut CasRegister::new(), &bad, &options);
            let Answer::Violated(v) = answer else {
                panic!("{clients} clients seed {seed}: the stale read was not caught: {answer:?}");
            };
            let stale = (ops * 9 / 10..bad.ops.len())
                .find(|&i| {
                    matches!(bad.ops[i].outcome, Outcome::Ok(_, CasRet::Read { value: None }))
                })
                .expect("the generator put a stale read there");
            assert!(v.stuck.contains(&stale), "the evidence names the stale read: {v:?}");
        }
    }
}
