//! The dependency graph of a history's transactions (Adya's direct serialization graph, as far
//! as clients can observe it), its strongly connected components, and the search for short
//! cycles of each kind (Elle, section 4.3: search the graph restricted to the edges a kind
//! allows, one component at a time).

use super::txn::{Key, Value};
use std::collections::VecDeque;

/// Edge kinds, as bits of a mask: two transactions can be related in several ways at once.
pub type Kinds = u8;
/// Write-write: the second installed the next version of a key the first wrote.
pub const WW: Kinds = 1;
/// Write-read: the second read a version the first wrote.
pub const WR: Kinds = 2;
/// Read-write (anti-dependency): the second wrote the version after the one the first read.
pub const RW: Kinds = 4;
/// Process order: one client ran the first, then the second.
pub const PROCESS: Kinds = 8;
/// Real-time order: the first completed before the second was invoked.
pub const REALTIME: Kinds = 16;

/// The name of one edge kind.
pub fn kind_name(kind: Kinds) -> &'static str {
    match kind {
        WW => "ww",
        WR => "wr",
        RW => "rw",
        PROCESS => "process",
        _ => "realtime",
    }
}

/// Why one transaction precedes another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// The second wrote `value` to `key` right after the first wrote `prev`.
    WW { key: Key, prev: Value, value: Value },
    /// The second read the `value` the first wrote to `key`.
    WR { key: Key, value: Value },
    /// The first read `key` at `read` (`None`: its initial state); the second wrote `value`, a
    /// later version.
    RW { key: Key, read: Option<Value>, value: Value },
    /// One process ran both, the first before the second.
    Process,
    /// The first completed before the second was invoked.
    Realtime,
}

impl Why {
    /// Its edge kind.
    pub fn kind(&self) -> Kinds {
        match self {
            Why::WW { .. } => WW,
            Why::WR { .. } => WR,
            Why::RW { .. } => RW,
            Why::Process => PROCESS,
            Why::Realtime => REALTIME,
        }
    }
}

/// Collects edges, then freezes them into a [`Graph`].
#[derive(Debug, Default)]
pub struct Builder {
    nodes: usize,
    edges: Vec<(u32, u32, Why)>,
}

impl Builder {
    /// A graph over `nodes` transactions, numbered from 0.
    pub fn new(nodes: usize) -> Self {
        Builder { nodes, edges: Vec::new() }
    }

    /// `from` precedes `to`, for this reason. A transaction never precedes itself.
    pub fn add(&mut self, from: u32, to: u32, why: Why) {
        if from != to {
            self.edges.push((from, to, why));
        }
    }

    /// The graph: each pair's kinds merged into one mask, the first reason of each kind kept.
    pub fn build(mut self) -> Graph {
        self.edges.sort_by_key(|&(a, b, why)| (a, b, why.kind()));
        self.edges.dedup_by_key(|&mut (a, b, why)| (a, b, why.kind()));
        let mut offsets = vec![0u32; self.nodes + 1];
        let mut targets = Vec::new();
        let mut masks: Vec<Kinds> = Vec::new();
        let mut last = None;
        for &(a, b, why) in &self.edges {
            if last == Some((a, b)) {
                *masks.last_mut().expect("an edge was pushed") |= why.kind();
            } else {
                targets.push(b);
                masks.push(why.kind());
                offsets[a as usize + 1] += 1;
                last = Some((a, b));
            }
        }
        for i in 0..self.nodes {
            offsets[i + 1] += offsets[i];
        }
        Graph { offsets, targets, masks, reasons: self.edges }
    }
}

/// A directed graph over transactions with a kind mask on each edge, in compressed rows.
#[derive(Debug)]
pub struct Graph {
    offsets: Vec<u32>,
    targets: Vec<u32>,
    masks: Vec<Kinds>,
    reasons: Vec<(u32, u32, Why)>,
}

impl Graph {
    /// How many transactions.
    pub fn nodes(&self) -> usize {
        self.offsets.len() - 1
    }

    /// How many related pairs.
    pub fn edges(&self) -> usize {
        self.targets.len()
    }

    /// The successors of `node`, with the kinds of each edge.
    pub fn out(&self, node: u32) -> impl Iterator<Item = (u32, Kinds)> + '_ {
        let range = self.offsets[node as usize] as usize..self.offsets[node as usize + 1] as usize;
        self.targets[range.clone()].iter().copied().zip(self.masks[range].iter().copied())
    }

    /// Why `from` precedes `to` by an edge of `kind`.
    pub fn why(&self, from: u32, to: u32, kind: Kinds) -> Option<Why> {
        self.reasons
            .binary_search_by_key(&(from, to, kind), |&(a, b, why)| (a, b, why.kind()))
            .ok()
            .map(|i| self.reasons[i].2)
    }

    /// Every edge of the given kinds.
    pub fn count(&self, kinds: Kinds) -> usize {
        self.masks.iter().filter(|&&m| m & kinds != 0).count()
    }
}

/// The strongly connected components of a graph restricted to some edge kinds, numbered in the
/// order Tarjan's algorithm completes them: an edge between two components always goes from a
/// higher number to a lower one.
#[derive(Debug)]
pub struct Components {
    /// Each node's component.
    pub of: Vec<u32>,
    /// Each component's size.
    pub sizes: Vec<u32>,
}

/// Tarjan's algorithm, iterative, over the edges whose kinds meet `allowed`.
pub fn components(graph: &Graph, allowed: Kinds) -> Components {
    const NONE: u32 = u32::MAX;
    let n = graph.nodes();
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut of = vec![NONE; n];
    let mut sizes = Vec::new();
    let mut stack: Vec<u32> = Vec::new();
    // (node, position in its successor list)
    let mut calls: Vec<(u32, u32)> = Vec::new();
    let mut next = 0u32;
    for root in 0..n as u32 {
        if index[root as usize] != NONE {
            continue;
        }
        calls.push((root, graph.offsets[root as usize]));
        index[root as usize] = next;
        low[root as usize] = next;
        next += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        while let Some(&mut (v, ref mut pos)) = calls.last_mut() {
            let end = graph.offsets[v as usize + 1];
            let mut descended = false;
            while *pos < end {
                let e = *pos as usize;
                *pos += 1;
                if graph.masks[e] & allowed == 0 {
                    continue;
                }
                let w = graph.targets[e];
                if index[w as usize] == NONE {
                    index[w as usize] = next;
                    low[w as usize] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w as usize] = true;
                    calls.push((w, graph.offsets[w as usize]));
                    descended = true;
                    break;
                } else if on_stack[w as usize] {
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
            }
            if descended {
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent as usize] = low[parent as usize].min(low[v as usize]);
            }
            if low[v as usize] == index[v as usize] {
                let id = sizes.len() as u32;
                let mut size = 0;
                loop {
                    let w = stack.pop().expect("v is on the stack");
                    on_stack[w as usize] = false;
                    of[w as usize] = id;
                    size += 1;
                    if w == v {
                        break;
                    }
                }
                sizes.push(size);
            }
        }
    }
    Components { of, sizes }
}

/// A cycle: `nodes[i]` precedes `nodes[i + 1]` (and the last precedes the first) by an edge of
/// kind `kinds[i]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cycle {
    /// The transactions, in order.
    pub nodes: Vec<u32>,
    /// The kind of each step.
    pub kinds: Vec<Kinds>,
}

impl Cycle {
    /// How many steps of these kinds.
    pub fn count(&self, kinds: Kinds) -> usize {
        self.kinds.iter().filter(|&&k| k & kinds != 0).count()
    }
}

/// The kind a step shows, among those its edge has and the search allowed: dependencies before
/// orders, and an anti-dependency last, so that a cycle names as few of them as it must.
fn pick(mask: Kinds) -> Kinds {
    [WW, WR, PROCESS, REALTIME, RW].into_iter().find(|k| mask & k != 0).unwrap_or(0)
}

/// Reusable breadth-first search state, so that many searches over one graph allocate once.
#[derive(Debug)]
pub struct Search {
    seen: Vec<u32>,
    stamp: u32,
    parent: Vec<(u32, Kinds)>,
    queue: VecDeque<u32>,
}

impl Search {
    /// Search state for a graph of `nodes` transactions.
    pub fn new(nodes: usize) -> Self {
        Search {
            seen: vec![0; nodes],
            stamp: 0,
            parent: vec![(0, 0); nodes],
            queue: VecDeque::new(),
        }
    }

    /// A shortest path from `from` to `to` (which may be `from` itself, for a cycle) over edges
    /// whose kinds meet `allowed`, through nodes that `admit`: the nodes after `from`, each with
    /// the kind of the step into it.
    pub fn path(
        &mut self,
        graph: &Graph,
        from: u32,
        to: u32,
        allowed: Kinds,
        admit: impl Fn(u32) -> bool,
    ) -> Option<Vec<(u32, Kinds)>> {
        self.stamp += 1;
        let stamp = self.stamp;
        self.queue.clear();
        self.queue.push_back(from);
        self.seen[from as usize] = stamp;
        while let Some(u) = self.queue.pop_front() {
            for (v, mask) in graph.out(u) {
                let mask = mask & allowed;
                if mask == 0 {
                    continue;
                }
                if v == to {
                    let mut path = vec![(v, pick(mask))];
                    let mut at = u;
                    while at != from {
                        let (p, kind) = self.parent[at as usize];
                        path.push((at, kind));
                        at = p;
                    }
                    path.reverse();
                    return Some(path);
                }
                if self.seen[v as usize] != stamp && admit(v) {
                    self.seen[v as usize] = stamp;
                    self.parent[v as usize] = (u, pick(mask));
                    self.queue.push_back(v);
                }
            }
        }
        None
    }
}

/// What a cycle must contain beyond the kinds it may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Any cycle.
    Any,
    /// At least one edge of this kind, which the cycle starts with.
    Through(Kinds),
    /// Exactly one edge of this kind, which the cycle starts with.
    ExactlyOne(Kinds),
}

/// Up to `limit` short cycles over the edges of kinds `allowed` with the given shape, at most
/// one per strongly connected component, shortest first.
///
/// Every component that holds such a cycle yields one: the search is exhaustive, so a kind of
/// cycle not found is a kind the graph does not contain. `ExactlyOne(k)` is the costly case: a
/// `k` edge from `a` to `b` closes such a cycle when `b` reaches `a` without `k` edges. The
/// components of the graph without `k` order that search: `b` can only reach `a` if its
/// component is numbered no lower than `a`'s, so most edges are dismissed without a search, and
/// a search never enters a component numbered lower than `a`'s.
pub fn cycles(graph: &Graph, allowed: Kinds, shape: Shape, limit: usize) -> Vec<Cycle> {
    let whole = components(graph, allowed);
    let mut search = Search::new(graph.nodes());
    // The candidates for each component, a few tried to find a short one.
    const TRIES: usize = 8;
    let mut found: Vec<Option<Cycle>> = vec![None; whole.sizes.len()];
    let mut tries = vec![0usize; whole.sizes.len()];
    let inner = match shape {
        Shape::ExactlyOne(k) => Some(components(graph, allowed & !k)),
        _ => None,
    };
    for a in 0..graph.nodes() as u32 {
        let c = whole.of[a as usize];
        if whole.sizes[c as usize] < 2 || tries[c as usize] >= TRIES {
            continue;
        }
        let same = |x: u32| whole.of[x as usize] == c;
        match shape {
            Shape::Any => {
                if let Some(path) = search.path(graph, a, a, allowed, same) {
                    let mut cycle = Cycle { nodes: vec![a], kinds: Vec::new() };
                    for (node, kind) in path {
                        cycle.kinds.push(kind);
                        cycle.nodes.push(node);
                    }
                    cycle.nodes.pop();
                    keep(&mut found[c as usize], cycle);
                }
                // One node of a component lies on a cycle of it; more would only be shorter.
                tries[c as usize] += 1;
            }
            Shape::Through(k) | Shape::ExactlyOne(k) => {
                let rest =
                    if matches!(shape, Shape::ExactlyOne(_)) { allowed & !k } else { allowed };
                for (b, mask) in graph.out(a) {
                    if mask & allowed & k == 0 || !same(b) || tries[c as usize] >= TRIES {
                        continue;
                    }
                    let path = match &inner {
                        Some(inner) => {
                            let floor = inner.of[a as usize];
                            if inner.of[b as usize] < floor {
                                continue;
                            }
                            search.path(graph, b, a, rest, |x| {
                                same(x) && inner.of[x as usize] >= floor
                            })
                        }
                        None => search.path(graph, b, a, rest, same),
                    };
                    let Some(path) = path else { continue };
                    tries[c as usize] += 1;
                    let mut cycle = Cycle { nodes: vec![a, b], kinds: vec![k] };
                    for (node, kind) in path {
                        cycle.kinds.push(kind);
                        cycle.nodes.push(node);
                    }
                    cycle.nodes.pop();
                    keep(&mut found[c as usize], cycle);
                }
            }
        }
    }
    let mut cycles: Vec<Cycle> = found.into_iter().flatten().collect();
    cycles.sort_by_key(|c| c.nodes.len());
    cycles.truncate(limit);
    cycles
}

fn keep(best: &mut Option<Cycle>, cycle: Cycle) {
    if best.as_ref().is_none_or(|b| cycle.nodes.len() < b.nodes.len()) {
        *best = Some(cycle);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(nodes: usize, edges: &[(u32, u32, Kinds)]) -> Graph {
        let mut b = Builder::new(nodes);
        for &(a, c, kind) in edges {
            let why = match kind {
                WW => Why::WW { key: 0, prev: 0, value: 0 },
                WR => Why::WR { key: 0, value: 0 },
                RW => Why::RW { key: 0, read: None, value: 0 },
                PROCESS => Why::Process,
                _ => Why::Realtime,
            };
            b.add(a, c, why);
        }
        b.build()
    }

    #[test]
    fn components_are_numbered_sinks_first() {
        // 0 -> {1, 2} cycle -> 3
        let g = graph(4, &[(0, 1, WW), (1, 2, WW), (2, 1, WR), (2, 3, WW)]);
        let c = components(&g, WW | WR);
        assert_eq!(c.of[1], c.of[2]);
        assert!(c.of[0] > c.of[1] && c.of[1] > c.of[3], "{:?}", c.of);
        let only_ww = components(&g, WW);
        assert_ne!(only_ww.of[1], only_ww.of[2], "the back edge is wr");
    }

    #[test]
    fn merged_edges_keep_each_reason() {
        let g = graph(2, &[(0, 1, WW), (0, 1, RW), (0, 1, WW)]);
        assert_eq!(g.edges(), 1);
        assert_eq!(g.out(0).collect::<Vec<_>>(), vec![(1, WW | RW)]);
        assert!(g.why(0, 1, RW).is_some() && g.why(0, 1, WR).is_none());
    }

    #[test]
    fn cycles_take_the_shape_asked_for() {
        // A 2-cycle with two rw edges (0 <-> 1), and a triangle 2 -ww-> 3 -wr-> 4 -rw-> 2.
        let g = graph(5, &[(0, 1, RW), (1, 0, RW), (2, 3, WW), (3, 4, WR), (4, 2, RW)]);
        let all = WW | WR | RW;
        assert!(cycles(&g, WW, Shape::Any, 10).is_empty());
        assert!(cycles(&g, WW | WR, Shape::Through(WR), 10).is_empty());
        let single = cycles(&g, all, Shape::ExactlyOne(RW), 10);
        assert_eq!(single.len(), 1);
        assert_eq!(single[0].nodes, vec![4, 2, 3]);
        assert_eq!(single[0].kinds, vec![RW, WW, WR]);
        let any = cycles(&g, all, Shape::Through(RW), 10);
        assert_eq!(any.len(), 2);
        assert_eq!(any[0].count(RW), 2, "the 2-cycle, shortest first: {any:?}");
    }

    #[test]
    fn a_search_stays_inside_what_it_admits() {
        let g = graph(3, &[(0, 1, WW), (1, 2, WW), (2, 0, WW)]);
        let mut s = Search::new(3);
        assert_eq!(s.path(&g, 0, 0, WW, |_| true).map(|p| p.len()), Some(3));
        assert_eq!(s.path(&g, 0, 0, WW, |x| x != 2), None);
        assert_eq!(s.path(&g, 0, 2, WR, |_| true), None);
    }
}
