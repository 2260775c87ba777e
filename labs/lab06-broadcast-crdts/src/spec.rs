//! The sequential specification of each CRDT of part B: what a replica's query must return,
//! given the updates it knows of and, for each update, the updates its replica knew of when it
//! was made (its causal past). The properties compute both from the trace.

use crate::{Assign, CounterOp, Increment, MapOp, SetOp};
use harness::NodeId;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One update as it happened: at which replica, what, and which updates (indices into the
/// run's list) that replica knew of when it made it.
#[derive(Clone, Debug)]
pub struct Update<O> {
    /// The replica that made it.
    pub node: NodeId,
    /// The operation.
    pub op: O,
    /// The updates known at its replica just before it (its causal past).
    pub deps: BTreeSet<usize>,
}

/// A specification: the query result of a replica that knows exactly the updates `known`.
pub type Spec<O, V> = Arc<dyn Fn(&[Update<O>], &BTreeSet<usize>) -> V + Send + Sync>;

/// A G-Counter's value: the sum of the increments.
pub fn g_counter() -> Spec<Increment, u64> {
    Arc::new(|updates, known| known.iter().map(|i| updates[*i].op.0).sum())
}

/// A PN-Counter's value: the increments minus the decrements.
pub fn pn_counter() -> Spec<CounterOp, i64> {
    Arc::new(|updates, known| {
        known
            .iter()
            .map(|i| match updates[*i].op {
                CounterOp::Increment(n) => n as i64,
                CounterOp::Decrement(n) => -(n as i64),
            })
            .sum()
    })
}

/// An LWW register's value: the assignment with the greatest (timestamp, replica), where an
/// assignment's timestamp is one more than the greatest of its causal past (0 if none).
pub fn lww_register() -> Spec<Assign, Option<String>> {
    Arc::new(|updates, known| {
        let mut stamp: BTreeMap<usize, u64> = BTreeMap::new();
        for &i in known {
            let past = updates[i].deps.iter().filter_map(|d| stamp.get(d)).max().copied();
            stamp.insert(i, past.unwrap_or(0) + 1);
        }
        known
            .iter()
            .max_by_key(|i| (stamp[*i], updates[**i].node))
            .map(|i| updates[*i].op.0.clone())
    })
}

/// A multi-value register's value: the values of the known assignments that no known assignment
/// has in its causal past.
pub fn mv_register() -> Spec<Assign, BTreeSet<String>> {
    Arc::new(|updates, known| {
        known
            .iter()
            .filter(|i| !known.iter().any(|j| updates[*j].deps.contains(i)))
            .map(|i| updates[*i].op.0.clone())
            .collect()
    })
}

/// An add-wins OR-Set's value: the elements with a known add that no known remove of that
/// element had in its causal past.
pub fn or_set() -> Spec<SetOp, BTreeSet<String>> {
    Arc::new(|updates, known| {
        let mut out = BTreeSet::new();
        for &a in known {
            let SetOp::Add(e) = &updates[a].op else { continue };
            let removed = known.iter().any(|&r| {
                matches!(&updates[r].op, SetOp::Remove(x) if x == e) && updates[r].deps.contains(&a)
            });
            if !removed {
                out.insert(e.clone());
            }
        }
        out
    })
}

/// A map's value: every key with a known update, with the value `inner` gives its updates.
pub fn map<O: Clone + Send + Sync + 'static, V: 'static>(
    inner: Spec<O, V>,
) -> Spec<MapOp<O>, BTreeMap<String, V>> {
    Arc::new(move |updates, known| {
        let mut keys: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, u) in updates.iter().enumerate() {
            keys.entry(u.op.key.as_str()).or_default().push(i);
        }
        let mut out = BTreeMap::new();
        for (key, indices) in keys {
            let renumber: BTreeMap<usize, usize> =
                indices.iter().enumerate().map(|(new, old)| (*old, new)).collect();
            let sub: Vec<Update<O>> = indices
                .iter()
                .map(|i| Update {
                    node: updates[*i].node,
                    op: updates[*i].op.op.clone(),
                    deps: updates[*i]
                        .deps
                        .iter()
                        .filter_map(|d| renumber.get(d).copied())
                        .collect(),
                })
                .collect();
            let sub_known: BTreeSet<usize> =
                known.iter().filter_map(|k| renumber.get(k).copied()).collect();
            if !sub_known.is_empty() {
                out.insert(key.to_string(), inner(&sub, &sub_known));
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up<O>(node: u32, op: O, deps: &[usize]) -> Update<O> {
        Update { node: NodeId(node), op, deps: deps.iter().copied().collect() }
    }

    fn all(n: usize) -> BTreeSet<usize> {
        (0..n).collect()
    }

    #[test]
    fn lww_breaks_ties_by_replica_and_follows_causality() {
        let a = Assign("a".into());
        let b = Assign("b".into());
        let c = Assign("c".into());
        // n1 and n2 assign concurrently (both stamp 1): n2 wins; n1 then overwrites with 2.
        let ups = vec![up(1, a, &[]), up(2, b, &[]), up(1, c, &[0, 1])];
        let spec = lww_register();
        assert_eq!(spec(&ups, &[0, 1].into()), Some("b".into()));
        assert_eq!(spec(&ups, &all(3)), Some("c".into()));
    }

    #[test]
    fn mv_keeps_exactly_the_maximal_assignments() {
        let ups = vec![
            up(0, Assign("x".into()), &[]),
            up(1, Assign("y".into()), &[0]),
            up(2, Assign("z".into()), &[0]),
        ];
        let want: BTreeSet<String> = ["y".to_string(), "z".to_string()].into();
        assert_eq!(mv_register()(&ups, &all(3)), want);
    }

    #[test]
    fn or_set_add_wins_over_a_concurrent_remove() {
        let ups = vec![
            up(0, SetOp::Add("e".into()), &[]),
            up(1, SetOp::Remove("e".into()), &[0]),
            up(2, SetOp::Add("e".into()), &[0]),
            up(0, SetOp::Add("f".into()), &[0]),
            up(1, SetOp::Remove("f".into()), &[0, 1, 3]),
        ];
        let want: BTreeSet<String> = ["e".to_string()].into();
        assert_eq!(or_set()(&ups, &all(5)), want);
        assert!(or_set()(&ups, &[0, 1].into()).is_empty());
    }

    #[test]
    fn a_map_applies_its_inner_spec_key_by_key() {
        let op = |k: &str, n| MapOp { key: k.into(), op: CounterOp::Increment(n) };
        let ups = vec![up(0, op("a", 2), &[]), up(1, op("b", 3), &[]), up(0, op("a", 4), &[0])];
        let want: BTreeMap<String, i64> = [("a".to_string(), 6), ("b".to_string(), 3)].into();
        assert_eq!(map(pn_counter())(&ups, &all(3)), want);
        assert_eq!(g_counter()(&[up(0, Increment(5), &[])], &all(1)), 5);
    }
}
