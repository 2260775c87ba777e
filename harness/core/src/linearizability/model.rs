//! What a checker needs to know about an object: its sequential specification.

use std::fmt::Debug;
use std::hash::Hash;

/// A sequential specification: the states of an object and what each operation does to them.
///
/// A history is linearizable for a model when its operations can be put in one order, consistent
/// with real time, in which every `ok` output is the one the model gives (Herlihy and Wing,
/// 1990). A checker explores such orders, so `step` must be a function: the same state, input and
/// output always give the same answer. A model may keep tables of its own (the key-value model
/// interns strings) and update them as it steps; that is why `step` takes `&mut self`.
pub trait Model {
    /// What a client asks.
    type Input: Clone + Debug;
    /// What an `ok` operation answered.
    type Output: Clone + Debug;
    /// The object's state. The checker memoizes (linearized operations, state) pairs, so states
    /// are hashed and compared; keep them small.
    type State: Clone + Eq + Hash + Debug;

    /// The state before any operation.
    fn init(&mut self) -> Self::State;

    /// The state after `input` takes effect in `state` and answers `output`, or `None` if the
    /// object cannot answer that there. `output` is `None` when the outcome is unknown: then
    /// return the state after the operation takes effect (its answer is unconstrained).
    fn step(
        &mut self,
        state: &Self::State,
        input: &Self::Input,
        output: Option<&Self::Output>,
    ) -> Option<Self::State>;

    /// Whether `input` never changes the state (a read). An unknown read constrains nothing, so
    /// a checker may leave it out.
    fn is_read_only(&self, input: &Self::Input) -> bool {
        let _ = input;
        false
    }

    /// The independent part of the object `input` touches (a key), if the model is
    /// P-compositional: then a history is linearizable exactly when each part's sub-history is
    /// (Horn and Kroening, 2015), and a checker may check the parts one by one. `None` for an
    /// operation that may touch every part, or for a model that does not split.
    fn partition(&self, input: &Self::Input) -> Option<String> {
        let _ = input;
        None
    }

    /// An operation as a student reads it: `read -> 3`, `cas 1->2`, `append "x" to "k"`.
    fn describe(&self, input: &Self::Input, output: Option<&Self::Output>) -> String {
        match output {
            Some(o) => format!("{input:?} -> {o:?}"),
            None => format!("{input:?}"),
        }
    }

    /// A state as a student reads it: `the register holds 3`.
    fn describe_state(&self, state: &Self::State) -> String {
        format!("the state is {state:?}")
    }
}
