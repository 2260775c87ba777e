//! The clients of lab 04's scenarios: a tester that proposes numbered commands (parts A-C), and
//! closed-loop users of the key-value clerks (part D), the harness's [`KvUsers`].

use crate::{RaftKv, Request};
use harness::workloads::Mix;
use harness::{Duration, NodeId, Schedule, Time};

/// Users of the clerks (see [`harness::workloads::KvUsers`]).
pub type KvUsers = harness::workloads::KvUsers<RaftKv>;

/// Lab 04's mix: `append_percent` appends, and the rest split between puts and gets, 1 to 3.
pub fn mix(append_percent: u64) -> Mix {
    Mix { append_percent, put_percent: (100 - append_percent) / 4 }
}

/// The command proposed `k`th, padded to `size` bytes: unique, so a property can tell commands
/// apart and see one applied twice.
pub fn command(k: u64, size: usize) -> String {
    let mut c = format!("c{k}");
    if c.len() < size {
        c.push(' ');
        c.extend(std::iter::repeat_n('x', size - c.len()));
    }
    c
}

/// Proposals at fixed times: each command goes to every server at once, and only a leader
/// accepts it, as 6.5840's tester tries every server.
pub fn proposals(times: &[Time], servers: usize, size: usize) -> Schedule<Request> {
    let mut schedule = Vec::new();
    for (k, &at) in times.iter().enumerate() {
        for s in 0..servers as u32 {
            schedule.push((at, NodeId(s), Request::Propose(command(k as u64 + 1, size))));
        }
    }
    Schedule(schedule)
}

/// Times from `from` to `until` (exclusive), `every` apart.
pub fn every(from: Time, until: Time, every: Duration) -> Vec<Time> {
    let mut times = Vec::new();
    let mut t = from;
    while t < until {
        times.push(t);
        t += every;
    }
    times
}
