//! Register histories whose answers are known, for testing and measuring the checker on the
//! shape that is hardest for it: a few clients hammering one compare-and-set register, many
//! operations with unknown outcomes (each may take effect at any later time, so the search must
//! consider every subset of them), and, optionally, one stale read near the end, which only an
//! exhaustive search of everything before it can refute.

use super::register::{CasOp, CasRet};
use crate::history::{History, Operation, Outcome, Timeline};
use crate::rng::{Prob, Rng};
use crate::time::Time;

/// The size and mix of a generated history.
#[derive(Clone, Copy, Debug)]
pub struct RegisterShape {
    /// Concurrent clients.
    pub clients: u64,
    /// Operations invoked in all.
    pub ops: usize,
    /// How often an operation's outcome is reported unknown; it took effect or not, as the
    /// seed decides, and its client continues as a fresh process (Jepsen's rule).
    pub unknown: Prob,
    /// Where the stale read goes, as a fraction of `ops`; `None` for a linearizable history.
    pub stale_read_at: Option<f64>,
}

impl RegisterShape {
    /// `clients` clients, `ops` operations, one in eight unknown, no stale read.
    pub fn new(clients: u64, ops: usize) -> Self {
        RegisterShape { clients, ops, unknown: Prob::percent(12), stale_read_at: None }
    }
}

/// A history of a linearizable register, each operation taking effect at a random instant
/// between its invocation and its completion; with `stale_read_at`, one read there returns the
/// register's initial emptiness although writes have completed before it, so the history is not
/// linearizable.
pub fn cas_register(shape: RegisterShape, seed: u64) -> History<CasOp<i64>, CasRet<i64>> {
    #[derive(Clone)]
    enum Phase {
        Idle,
        Invoked(usize),
        Applied(usize, Option<CasRet<i64>>),
    }
    let mut rng = Rng::from_seed(seed);
    let mut register: Option<i64> = None;
    let mut next_value = 1i64;
    let mut ops: Vec<Operation<CasOp<i64>, CasRet<i64>>> = Vec::with_capacity(shape.ops);
    let mut phases = vec![Phase::Idle; shape.clients as usize];
    let mut names: Vec<u64> = (0..shape.clients).collect();
    let mut fresh = shape.clients;
    let stale_at = shape.stale_read_at.map(|f| (f * shape.ops as f64) as usize);
    let mut completed_write = false;
    let mut stale_done = false;
    let mut t = 0u64;
    while ops.len() < shape.ops || phases.iter().any(|p| !matches!(p, Phase::Idle)) {
        let c = rng.below(shape.clients) as usize;
        t += 1;
        let at = Time(t);
        phases[c] = match std::mem::replace(&mut phases[c], Phase::Idle) {
            Phase::Idle if ops.len() < shape.ops => {
                let stale =
                    !stale_done && completed_write && stale_at.is_some_and(|s| ops.len() >= s);
                let input = if stale {
                    CasOp::Read
                } else {
                    match rng.below(10) {
                        0..4 => CasOp::Read,
                        4..7 => {
                            next_value += 1;
                            CasOp::Write { value: next_value }
                        }
                        _ => {
                            next_value += 1;
                            CasOp::Cas {
                                from: rng.between(1, next_value as u64) as i64,
                                to: next_value,
                            }
                        }
                    }
                };
                ops.push(Operation {
                    process: names[c],
                    invoked: at,
                    input,
                    outcome: Outcome::Info(None),
                });
                if stale {
                    // The stale read: answered with the initial state, after a completed write.
                    ops.last_mut().expect("just pushed").outcome =
                        Outcome::Ok(at, CasRet::Read { value: None });
                    stale_done = true;
                    Phase::Idle
                } else {
                    Phase::Invoked(ops.len() - 1)
                }
            }
            Phase::Idle => Phase::Idle,
            Phase::Invoked(i) if rng.chance(shape.unknown) => {
                // Unknown, and it never took effect.
                ops[i].outcome = Outcome::Info(Some(at));
                names[c] = fresh;
                fresh += 1;
                Phase::Idle
            }
            Phase::Invoked(i) => {
                let out = match ops[i].input {
                    CasOp::Read => Some(CasRet::Read { value: register }),
                    CasOp::Write { value } => {
                        register = Some(value);
                        Some(CasRet::Write)
                    }
                    CasOp::Cas { from, to } if register == Some(from) => {
                        register = Some(to);
                        Some(CasRet::Cas { ok: true })
                    }
                    // A refused swap did not take effect: Jepsen records it as `fail`.
                    CasOp::Cas { .. } => None,
                };
                Phase::Applied(i, out)
            }
            Phase::Applied(i, out) => {
                ops[i].outcome = match out {
                    _ if rng.chance(shape.unknown) => {
                        names[c] = fresh;
                        fresh += 1;
                        Outcome::Info(Some(at))
                    }
                    Some(ret) => {
                        completed_write |= !matches!(ret, CasRet::Read { .. });
                        Outcome::Ok(at, ret)
                    }
                    None => Outcome::Fail(at),
                };
                Phase::Idle
            }
        };
    }
    History::new(ops, Timeline::Virtual)
}
