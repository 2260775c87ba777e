//! Registers: a single value that clients read and write, and the compare-and-set register that
//! Jepsen tests etcd with.

use super::model::Model;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;
use std::hash::Hash;
use std::marker::PhantomData;

/// An operation on a read/write register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "f", rename_all = "lowercase")]
pub enum RegisterOp<V> {
    /// Read the value.
    Read,
    /// Replace the value.
    Write {
        /// The new value.
        value: V,
    },
}

/// A read/write register's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "f", rename_all = "lowercase")]
pub enum RegisterRet<V> {
    /// The value read; `None` if nothing was ever written.
    Read {
        /// The value.
        value: Option<V>,
    },
    /// The write is done.
    Write,
}

/// An operation on a compare-and-set register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "f", rename_all = "lowercase")]
pub enum CasOp<V> {
    /// Read the value.
    Read,
    /// Replace the value.
    Write {
        /// The new value.
        value: V,
    },
    /// Replace the value with `to` if it is `from`.
    Cas {
        /// The expected value.
        from: V,
        /// The new value.
        to: V,
    },
}

/// A compare-and-set register's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "f", rename_all = "lowercase")]
pub enum CasRet<V> {
    /// The value read; `None` if nothing was ever written.
    Read {
        /// The value.
        value: Option<V>,
    },
    /// The write is done.
    Write,
    /// Whether the value was `from` (and is now `to`).
    Cas {
        /// True if it swapped.
        ok: bool,
    },
}

fn show<V: Debug>(v: &Option<V>) -> String {
    match v {
        Some(v) => format!("{v:?}"),
        None => "nil".into(),
    }
}

fn describe_register<V: Debug>(state: &Option<V>) -> String {
    match state {
        Some(v) => format!("the register holds {v:?}"),
        None => "the register is empty".into(),
    }
}

/// A read/write register that starts empty (or at a given value).
#[derive(Clone, Debug)]
pub struct Register<V> {
    initial: Option<V>,
}

impl<V> Register<V> {
    /// A register that starts empty: a read before any write returns `None`.
    pub fn new() -> Self {
        Register { initial: None }
    }

    /// A register that starts holding `value`.
    pub fn starting_at(value: V) -> Self {
        Register { initial: Some(value) }
    }
}

impl<V> Default for Register<V> {
    fn default() -> Self {
        Register::new()
    }
}

impl<V: Clone + Eq + Hash + Debug> Model for Register<V> {
    type Input = RegisterOp<V>;
    type Output = RegisterRet<V>;
    type State = Option<V>;

    fn init(&mut self) -> Option<V> {
        self.initial.clone()
    }

    fn step(
        &mut self,
        state: &Option<V>,
        input: &RegisterOp<V>,
        output: Option<&RegisterRet<V>>,
    ) -> Option<Option<V>> {
        match (input, output) {
            (RegisterOp::Read, None) => Some(state.clone()),
            (RegisterOp::Read, Some(RegisterRet::Read { value })) => {
                (value == state).then(|| state.clone())
            }
            (RegisterOp::Write { value }, None | Some(RegisterRet::Write)) => {
                Some(Some(value.clone()))
            }
            // An answer of the wrong kind cannot come from this object.
            _ => None,
        }
    }

    fn is_read_only(&self, input: &RegisterOp<V>) -> bool {
        matches!(input, RegisterOp::Read)
    }

    fn describe(&self, input: &RegisterOp<V>, output: Option<&RegisterRet<V>>) -> String {
        match (input, output) {
            (RegisterOp::Read, Some(RegisterRet::Read { value })) => {
                format!("read -> {}", show(value))
            }
            (RegisterOp::Read, _) => "read".into(),
            (RegisterOp::Write { value }, _) => format!("write {value:?}"),
        }
    }

    fn describe_state(&self, state: &Option<V>) -> String {
        describe_register(state)
    }
}

/// A compare-and-set register that starts empty: etcd's single key as Jepsen tests it.
#[derive(Clone, Debug)]
pub struct CasRegister<V> {
    _values: PhantomData<V>,
}

impl<V> CasRegister<V> {
    /// A register that starts empty.
    pub fn new() -> Self {
        CasRegister { _values: PhantomData }
    }
}

impl<V> Default for CasRegister<V> {
    fn default() -> Self {
        CasRegister::new()
    }
}

impl<V: Clone + Eq + Hash + Debug> Model for CasRegister<V> {
    type Input = CasOp<V>;
    type Output = CasRet<V>;
    type State = Option<V>;

    fn init(&mut self) -> Option<V> {
        None
    }

    fn step(
        &mut self,
        state: &Option<V>,
        input: &CasOp<V>,
        output: Option<&CasRet<V>>,
    ) -> Option<Option<V>> {
        match (input, output) {
            (CasOp::Read, None) => Some(state.clone()),
            (CasOp::Read, Some(CasRet::Read { value })) => (value == state).then(|| state.clone()),
            (CasOp::Write { value }, None | Some(CasRet::Write)) => Some(Some(value.clone())),
            (CasOp::Cas { from, to }, None) => {
                // Unknown outcome: it swapped if the value matched.
                Some(if state.as_ref() == Some(from) { Some(to.clone()) } else { state.clone() })
            }
            (CasOp::Cas { from, to }, Some(CasRet::Cas { ok })) => {
                let matches = state.as_ref() == Some(from);
                match (matches, ok) {
                    (true, true) => Some(Some(to.clone())),
                    (false, false) => Some(state.clone()),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn is_read_only(&self, input: &CasOp<V>) -> bool {
        matches!(input, CasOp::Read)
    }

    fn describe(&self, input: &CasOp<V>, output: Option<&CasRet<V>>) -> String {
        match (input, output) {
            (CasOp::Read, Some(CasRet::Read { value })) => format!("read -> {}", show(value)),
            (CasOp::Read, _) => "read".into(),
            (CasOp::Write { value }, _) => format!("write {value:?}"),
            (CasOp::Cas { from, to }, Some(CasRet::Cas { ok: false })) => {
                format!("cas {from:?}->{to:?} -> failed")
            }
            (CasOp::Cas { from, to }, _) => format!("cas {from:?}->{to:?}"),
        }
    }

    fn describe_state(&self, state: &Option<V>) -> String {
        describe_register(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_register_reads_what_was_last_written() {
        let mut m = Register::<i64>::new();
        let s = m.init();
        assert_eq!(s, None);
        let read_nil = RegisterRet::Read { value: None };
        assert_eq!(m.step(&s, &RegisterOp::Read, Some(&read_nil)), Some(None));
        let s = m.step(&s, &RegisterOp::Write { value: 3 }, Some(&RegisterRet::Write)).unwrap();
        assert_eq!(s, Some(3));
        assert_eq!(
            m.step(&s, &RegisterOp::Read, Some(&RegisterRet::Read { value: Some(3) })),
            Some(Some(3))
        );
        assert_eq!(m.step(&s, &RegisterOp::Read, Some(&read_nil)), None);
        assert_eq!(m.step(&s, &RegisterOp::Read, Some(&RegisterRet::Write)), None, "wrong kind");
        assert_eq!(Register::starting_at(5).init(), Some(5));
        assert!(m.is_read_only(&RegisterOp::Read));
        assert!(!m.is_read_only(&RegisterOp::Write { value: 1 }));
    }

    #[test]
    fn a_cas_swaps_only_when_the_value_matches() {
        let mut m = CasRegister::<i64>::new();
        let cas = CasOp::Cas { from: 1, to: 2 };
        let ok = CasRet::Cas { ok: true };
        let failed = CasRet::Cas { ok: false };
        assert_eq!(m.step(&Some(1), &cas, Some(&ok)), Some(Some(2)));
        assert_eq!(m.step(&Some(3), &cas, Some(&ok)), None, "cannot swap 3");
        assert_eq!(m.step(&None, &cas, Some(&ok)), None, "cannot swap an empty register");
        assert_eq!(m.step(&Some(3), &cas, Some(&failed)), Some(Some(3)));
        assert_eq!(m.step(&Some(1), &cas, Some(&failed)), None, "1 matches, so it would swap");
        // With an unknown outcome, it swaps exactly when it can.
        assert_eq!(m.step(&Some(1), &cas, None), Some(Some(2)));
        assert_eq!(m.step(&Some(3), &cas, None), Some(Some(3)));
        assert_eq!(m.step(&Some(3), &CasOp::Write { value: 7 }, None), Some(Some(7)));
    }

    #[test]
    fn operations_and_states_read_as_a_student_writes_them() {
        let m = CasRegister::<i64>::new();
        assert_eq!(m.describe(&CasOp::Read, Some(&CasRet::Read { value: None })), "read -> nil");
        assert_eq!(m.describe(&CasOp::Cas { from: 1, to: 2 }, None), "cas 1->2");
        assert_eq!(m.describe_state(&Some(4)), "the register holds 4");
        assert_eq!(m.describe_state(&None), "the register is empty");
    }
}
