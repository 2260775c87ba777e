//! The two searches: for a linearization (an order consistent with real time) and for a
//! sequential order (consistent with each client's own order only).
//!
//! Both are depth-first searches for a sequence of operations the model accepts, with the memo
//! of [`super::memo`] pruning every configuration (set of linearized operations, state) already
//! explored. Operations with an unknown outcome may take effect at any point after their
//! invocation, or never: they never block the search, and it succeeds once every operation with a
//! known outcome is placed.

use super::memo::{Memo, fingerprint, hash_state};
use super::model::Model;
use crate::history::ProcessId;
use crate::rng::Rng;
use crate::time::Time;
use std::collections::BTreeMap;

/// An operation as the searches see it: an `ok` one (with its output and completion time) or an
/// unknown one (with neither).
#[derive(Debug)]
pub(crate) struct Pending<'h, I, O> {
    /// Its index in the history.
    pub index: usize,
    /// Its client.
    pub process: ProcessId,
    /// What was asked.
    pub input: &'h I,
    /// What it answered; `None` if unknown.
    pub output: Option<&'h O>,
    /// When it was invoked.
    pub call: Time,
    /// When it completed; `None` if unknown (it may take effect at any later time).
    pub ret: Option<Time>,
}

/// How a search ended.
#[derive(Debug)]
pub(crate) enum Search<S> {
    /// An order exists.
    Found,
    /// No order exists. `prefix` is the deepest sequence found (indices into the searched
    /// operations, in order) and `state` the model's state after it.
    Stuck { prefix: Vec<u32>, state: S },
}

/// The operations placed so far: a Zobrist hash of the definite ones (two random words per
/// operation, XORed in and out) and a bitset of the unknown ones, which the memo compares by
/// inclusion (see [`Memo`]).
struct Placed {
    keys: Vec<(u64, u64)>,
    /// For an unknown operation, its bit in `unknown`; `NONE` for a definite one.
    bit: Vec<u32>,
    hash: (u64, u64),
    unknown: Vec<u64>,
    all: Vec<u64>,
}

impl Placed {
    fn new<I, O>(ops: &[Pending<'_, I, O>]) -> Self {
        let mut rng = Rng::from_seed(0x11ea_7128);
        let keys = ops.iter().map(|_| (rng.next_u64(), rng.next_u64())).collect();
        let mut unknown = 0u32;
        let bit = ops
            .iter()
            .map(|o| {
                if o.ret.is_some() {
                    NONE
                } else {
                    unknown += 1;
                    unknown - 1
                }
            })
            .collect();
        Placed {
            keys,
            bit,
            hash: (0, 0),
            unknown: vec![0; (unknown as usize).div_ceil(64)],
            all: vec![0; ops.len().div_ceil(64).max(1)],
        }
    }

    fn unknown_ops(&self) -> usize {
        self.bit.iter().filter(|&&b| b != NONE).count()
    }

    #[inline]
    fn flip(&mut self, op: usize) {
        self.all[op / 64] ^= 1 << (op % 64);
        match self.bit[op] {
            NONE => {
                self.hash.0 ^= self.keys[op].0;
                self.hash.1 ^= self.keys[op].1;
            }
            b => self.unknown[b as usize / 64] ^= 1 << (b % 64),
        }
    }

    fn contains(&self, op: usize) -> bool {
        self.all[op / 64] & (1 << (op % 64)) != 0
    }

    /// Records the configuration (these operations, `state`) in `memo`: `false` if one
    /// recorded before dominates it.
    #[inline]
    fn record<S: std::hash::Hash>(&self, memo: &mut Memo, state: &S) -> bool {
        memo.insert(fingerprint(self.hash, hash_state(state)), &self.unknown)
    }
}

/// Tracks the deepest point a search reached: most operations with a known outcome placed, then
/// most operations placed. Every step deepens it, so at the deepest point no candidate could
/// take effect: that point is the evidence of a violation.
struct Deepest<S> {
    rank: (usize, usize),
    prefix: Vec<u32>,
    state: S,
}

impl<S: Clone> Deepest<S> {
    #[inline]
    fn offer(&mut self, rank: (usize, usize), stack: impl Iterator<Item = u32>, state: &S) {
        if rank > self.rank {
            self.rank = rank;
            self.prefix.clear();
            self.prefix.extend(stack);
            self.state = state.clone();
        }
    }
}

const HEAD: usize = 0;
const NONE: u32 = u32::MAX;

/// A search that runs in slices: [`Linearizer::run`] and [`Sequentializer::run`] take a number
/// of steps and either finish or pause, so the parts of a split history can take turns and the
/// first violation found in any of them ends the check.
pub(crate) enum Progress<S> {
    /// Still searching.
    Paused,
    /// Finished.
    Done(Search<S>),
}

/// Searches for a linearization of `ops` (sorted by invocation), in the style of Wing and Gong
/// (1993) as refined by Lowe (2017), with the memoization of Horn and Kroening (2015).
///
/// The invocations and completions form a doubly linked list in time order. The search walks
/// it from the front: at an invocation it tries to apply that operation next; if the model
/// accepts and the configuration is new, the operation is lifted out of the list (both its
/// events) and the walk restarts. Reaching a completion means the operation completing there
/// should already have been placed: the search backtracks, undoing the last placement and
/// trying the next candidate after it. Lifting and restoring are O(1) ("dancing links"), since
/// restores happen in the reverse order of removals.
///
/// Operations of unknown outcome are tried only after every definite candidate (a second pass
/// over the same stretch of the list). The memo prunes a configuration that placed a superset of
/// the unknown operations another one placed, so reaching each configuration first with as few
/// of them as possible is what lets it prune most.
pub(crate) struct Linearizer<'o, 'h, M: Model> {
    ops: &'o [Pending<'h, M::Input, M::Output>],
    memo: Memo,
    set: Placed,
    /// The state before the first placed operation, and after each.
    states: Vec<M::State>,
    /// Operations with a known outcome not yet placed.
    remaining: usize,
    next: Vec<u32>,
    prev: Vec<u32>,
    /// `node_op[x]` = operation * 2 + (1 if node `x` is a completion).
    node_op: Vec<u32>,
    call_node: Vec<u32>,
    ret_node: Vec<u32>,
    /// The placed operations, in order.
    stack: Vec<u32>,
    definite: usize,
    deepest: Deepest<M::State>,
    /// The node the walk is at.
    node: usize,
    /// Whether the walk is trying the operations of unknown outcome (see [`Linearizer::run`]).
    unknown_pass: bool,
    /// Model steps taken so far.
    pub steps: u64,
    finished: bool,
}

impl<'o, 'h, M: Model> Linearizer<'o, 'h, M> {
    /// A search of `ops`, sorted by invocation.
    pub fn new(model: &mut M, ops: &'o [Pending<'h, M::Input, M::Output>]) -> Self {
        let n = ops.len();
        let set = Placed::new(ops);
        let mut memo = Memo::new(set.unknown_ops());
        let init = model.init();
        set.record(&mut memo, &init);
        // The list: node 0 is the head, nodes 1..=m the events, m+1 the tail. At one instant,
        // invocations come before completions (events at the same time are concurrent).
        let mut events: Vec<(Time, bool, u32)> = Vec::with_capacity(2 * n);
        for (i, o) in ops.iter().enumerate() {
            events.push((o.call, false, i as u32));
            if let Some(r) = o.ret {
                events.push((r, true, i as u32));
            }
        }
        events.sort_by_key(|&(t, is_ret, _)| (t, is_ret));
        let m = events.len();
        let next: Vec<u32> = (1..=m as u32 + 1).chain([NONE]).collect();
        let prev: Vec<u32> = [NONE].into_iter().chain(0..=m as u32).collect();
        let mut node_op = vec![NONE; m + 2];
        let mut call_node = vec![NONE; n];
        let mut ret_node = vec![NONE; n];
        for (x, &(_, is_ret, op)) in events.iter().enumerate() {
            node_op[x + 1] = op * 2 + u32::from(is_ret);
            if is_ret {
                ret_node[op as usize] = x as u32 + 1;
            } else {
                call_node[op as usize] = x as u32 + 1;
            }
        }
        let node = next[HEAD] as usize;
        Linearizer {
            ops,
            memo,
            set,
            states: vec![init.clone()],
            remaining: ops.iter().filter(|o| o.ret.is_some()).count(),
            next,
            prev,
            node_op,
            call_node,
            ret_node,
            stack: Vec::with_capacity(n),
            definite: 0,
            deepest: Deepest { rank: (0, 0), prefix: Vec::new(), state: init },
            node,
            unknown_pass: false,
            steps: 0,
            finished: false,
        }
    }

    #[inline]
    fn unlink(&mut self, x: u32) {
        let (p, q) = (self.prev[x as usize], self.next[x as usize]);
        self.next[p as usize] = q;
        self.prev[q as usize] = p;
    }

    #[inline]
    fn relink(&mut self, x: u32) {
        let (p, q) = (self.prev[x as usize], self.next[x as usize]);
        self.next[p as usize] = x;
        self.prev[q as usize] = x;
    }

    /// Searches until it finishes or has taken `limit` steps in all.
    pub fn run(&mut self, model: &mut M, limit: u64) -> Progress<M::State> {
        assert!(!self.finished, "a finished search is not run again");
        if self.remaining == 0 {
            self.finished = true;
            return Progress::Done(Search::Found);
        }
        let ops = self.ops;
        loop {
            let node = self.node;
            let op = (self.node_op[node] >> 1) as usize;
            // The tail's code has its low bit set too: it ends a pass like a completion.
            if self.node_op[node] & 1 == 0 {
                if ops[op].ret.is_none() != self.unknown_pass {
                    self.node = self.next[node] as usize;
                    continue;
                }
                if self.steps == limit {
                    return Progress::Paused;
                }
                self.steps += 1;
                let o = &ops[op];
                let current = self.states.last().expect("the initial state stays");
                if let Some(after) = model.step(current, o.input, o.output) {
                    self.set.flip(op);
                    if self.set.record(&mut self.memo, &after) {
                        self.stack.push(op as u32);
                        self.unlink(self.call_node[op]);
                        if o.ret.is_some() {
                            self.unlink(self.ret_node[op]);
                            self.remaining -= 1;
                            self.definite += 1;
                            if self.remaining == 0 {
                                self.finished = true;
                                return Progress::Done(Search::Found);
                            }
                        }
                        let rank = (self.definite, self.stack.len());
                        self.deepest.offer(rank, self.stack.iter().copied(), &after);
                        self.states.push(after);
                        self.node = self.next[HEAD] as usize;
                        self.unknown_pass = false;
                        continue;
                    }
                    self.set.flip(op);
                }
                self.node = self.next[node] as usize;
            } else if !self.unknown_pass {
                // Every definite candidate was tried; now the unknown ones, from the front.
                self.unknown_pass = true;
                self.node = self.next[HEAD] as usize;
            } else {
                // A completion: its operation should have been placed by now. Backtrack.
                let Some(last) = self.stack.pop() else {
                    self.finished = true;
                    let state = self.deepest.state.clone();
                    let prefix = std::mem::take(&mut self.deepest.prefix);
                    return Progress::Done(Search::Stuck { prefix, state });
                };
                let last = last as usize;
                self.states.pop();
                self.set.flip(last);
                if ops[last].ret.is_some() {
                    self.relink(self.ret_node[last]);
                    self.remaining += 1;
                    self.definite -= 1;
                }
                self.relink(self.call_node[last]);
                self.node = self.next[self.call_node[last] as usize] as usize;
                self.unknown_pass = ops[last].ret.is_none();
            }
        }
    }

    /// The bytes its memo holds.
    pub fn memory(&self) -> usize {
        self.memo.bytes()
    }
}

/// The operations that could come next after `prefix` in a linearization: those not yet placed
/// that were invoked no later than the earliest completion among the unplaced operations. The
/// one completing earliest comes first.
pub(crate) fn linearization_candidates<I, O>(
    ops: &[Pending<'_, I, O>],
    prefix: &[u32],
) -> Vec<usize> {
    let mut placed = vec![false; ops.len()];
    for &p in prefix {
        placed[p as usize] = true;
    }
    let deadline = ops
        .iter()
        .enumerate()
        .filter(|(i, o)| !placed[*i] && o.ret.is_some())
        .min_by_key(|(_, o)| o.ret)
        .map(|(i, o)| (i, o.ret.expect("filtered on a completion")));
    let Some((first, by)) = deadline else { return Vec::new() };
    let mut out = vec![first];
    out.extend(
        ops.iter()
            .enumerate()
            .filter(|(i, o)| !placed[*i] && *i != first && o.call <= by)
            .map(|(i, _)| i),
    );
    out
}

/// Which operations must precede which in a sequential order: within one client, an operation
/// that completed before another was invoked comes first (its program order). An unknown
/// operation precedes nothing, since it may never take effect.
fn program_order<I, O>(ops: &[Pending<'_, I, O>]) -> (Vec<u32>, Vec<Vec<u32>>) {
    let mut by_process: BTreeMap<ProcessId, Vec<usize>> = BTreeMap::new();
    for (i, o) in ops.iter().enumerate() {
        by_process.entry(o.process).or_default().push(i);
    }
    let mut preds = vec![0u32; ops.len()];
    let mut succs: Vec<Vec<u32>> = vec![Vec::new(); ops.len()];
    for mine in by_process.values() {
        for &a in mine {
            let Some(done) = ops[a].ret else { continue };
            for &b in mine {
                if done < ops[b].call {
                    preds[b] += 1;
                    succs[a].push(b as u32);
                }
            }
        }
    }
    (preds, succs)
}

/// The operations that could come next after `prefix` in a sequential order: those not yet
/// placed whose program-order predecessors all are.
pub(crate) fn sequential_candidates<I, O>(ops: &[Pending<'_, I, O>], prefix: &[u32]) -> Vec<usize> {
    let (mut preds, succs) = program_order(ops);
    let mut placed = vec![false; ops.len()];
    for &p in prefix {
        placed[p as usize] = true;
        for &s in &succs[p as usize] {
            preds[s as usize] -= 1;
        }
    }
    (0..ops.len()).filter(|&i| !placed[i] && preds[i] == 0).collect()
}

/// Searches for an order of `ops` that respects each client's program order and that the model
/// accepts: sequential consistency (Lamport, 1979), with real time ignored across clients. The
/// same memo prunes repeated configurations.
pub(crate) struct Sequentializer<'o, 'h, M: Model> {
    ops: &'o [Pending<'h, M::Input, M::Output>],
    memo: Memo,
    set: Placed,
    remaining: usize,
    /// Per operation, its program-order predecessors not yet placed.
    preds: Vec<u32>,
    succs: Vec<Vec<u32>>,
    /// The placed operations: (operation, its state's memo entry, where to resume the scan).
    /// Frame 0 is the start.
    frames: Vec<Frame<M::State>>,
    definite: usize,
    deepest: Deepest<M::State>,
    /// Model steps taken so far.
    pub steps: u64,
    finished: bool,
}

struct Frame<S> {
    op: u32,
    state: S,
    cursor: usize,
}

impl<'o, 'h, M: Model> Sequentializer<'o, 'h, M> {
    /// The bytes its memo holds.
    pub fn memory(&self) -> usize {
        self.memo.bytes()
    }

    /// A search of `ops`.
    pub fn new(model: &mut M, ops: &'o [Pending<'h, M::Input, M::Output>]) -> Self {
        let set = Placed::new(ops);
        let mut memo = Memo::new(set.unknown_ops());
        let root = model.init();
        set.record(&mut memo, &root);
        let (preds, succs) = program_order(ops);
        Sequentializer {
            ops,
            memo,
            set,
            remaining: ops.iter().filter(|o| o.ret.is_some()).count(),
            preds,
            succs,
            frames: vec![Frame { op: NONE, state: root.clone(), cursor: 0 }],
            definite: 0,
            deepest: Deepest { rank: (0, 0), prefix: Vec::new(), state: root },
            steps: 0,
            finished: false,
        }
    }

    /// Searches until it finishes or has taken `limit` steps in all.
    pub fn run(&mut self, model: &mut M, limit: u64) -> Progress<M::State> {
        assert!(!self.finished, "a finished search is not run again");
        if self.remaining == 0 {
            self.finished = true;
            return Progress::Done(Search::Found);
        }
        let ops = self.ops;
        let n = ops.len();
        loop {
            let top = self.frames.len() - 1;
            let mut chosen = None;
            while self.frames[top].cursor < n {
                let j = self.frames[top].cursor;
                if self.preds[j] == 0 && !self.set.contains(j) {
                    if self.steps == limit {
                        return Progress::Paused;
                    }
                    self.steps += 1;
                    let o = &ops[j];
                    if let Some(after) = model.step(&self.frames[top].state, o.input, o.output) {
                        self.set.flip(j);
                        if self.set.record(&mut self.memo, &after) {
                            chosen = Some((j, after));
                        } else {
                            self.set.flip(j);
                        }
                    }
                }
                self.frames[top].cursor += 1;
                if chosen.is_some() {
                    break;
                }
            }
            match chosen {
                Some((j, after)) => {
                    for &s in &self.succs[j] {
                        self.preds[s as usize] -= 1;
                    }
                    if ops[j].ret.is_some() {
                        self.remaining -= 1;
                        self.definite += 1;
                        if self.remaining == 0 {
                            self.finished = true;
                            return Progress::Done(Search::Found);
                        }
                    }
                    let rank = (self.definite, self.frames.len());
                    let prefix = self.frames[1..].iter().map(|f| f.op).chain([j as u32]);
                    self.deepest.offer(rank, prefix, &after);
                    self.frames.push(Frame { op: j as u32, state: after, cursor: 0 });
                }
                None => {
                    let done = self.frames.pop().expect("the start frame stays until the end");
                    if self.frames.is_empty() {
                        self.finished = true;
                        let state = self.deepest.state.clone();
                        let prefix = std::mem::take(&mut self.deepest.prefix);
                        return Progress::Done(Search::Stuck { prefix, state });
                    }
                    let j = done.op as usize;
                    self.set.flip(j);
                    for &s in &self.succs[j] {
                        self.preds[s as usize] += 1;
                    }
                    if ops[j].ret.is_some() {
                        self.remaining += 1;
                        self.definite -= 1;
                    }
                }
            }
        }
    }
}
