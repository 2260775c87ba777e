//! The clients of lab 04's scenarios: a tester that proposes numbered commands (parts A-C), and
//! closed-loop users of the key-value clerks (part D).

use crate::{KvOp, RaftKv, Request, Response};
use harness::sim::WorkloadApi;
use harness::{Duration, NodeId, RequestId, Schedule, Time, Workload};

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

/// Users of the clerks: each issues an operation, waits for the answer, pauses briefly and
/// issues the next after 5-25 ms, until `until`. Keys are few, so operations contend; every appended value is
/// unique, so an append applied twice shows in later reads.
#[derive(Debug)]
pub struct KvUsers {
    /// The clerks' ids.
    pub clerks: Vec<NodeId>,
    /// How many keys (`k0`, `k1`, ...).
    pub keys: u64,
    /// When users stop issuing operations.
    pub until: Time,
    /// Percent of operations that append (the rest split between puts and gets, 1 to 3).
    pub append_percent: u64,
    issued: u64,
}

impl KvUsers {
    /// Users of `clerks` on `keys` keys, until `until`.
    pub fn new(clerks: Vec<NodeId>, keys: u64, until: Time, append_percent: u64) -> Self {
        KvUsers { clerks, keys, until, append_percent, issued: 0 }
    }

    fn next(&mut self, api: &mut WorkloadApi<'_, RaftKv>, clerk: NodeId, at: Time) {
        if at >= self.until {
            return;
        }
        self.issued += 1;
        let key = format!("k{}", api.rng().below(self.keys));
        let value = format!("{clerk}.{} ", self.issued);
        let roll = api.rng().below(100);
        let op = if roll < self.append_percent {
            KvOp::Append { key, value }
        } else if roll < self.append_percent + (100 - self.append_percent) / 4 {
            KvOp::Put { key, value }
        } else {
            KvOp::Get { key }
        };
        api.submit(at, clerk, Request::Kv(op));
    }
}

impl Workload<RaftKv> for KvUsers {
    fn start(&mut self, api: &mut WorkloadApi<'_, RaftKv>) {
        for clerk in self.clerks.clone() {
            let at = Time::from_millis(300 + api.rng().below(50));
            self.next(api, clerk, at);
        }
    }

    fn on_reply(
        &mut self,
        api: &mut WorkloadApi<'_, RaftKv>,
        node: NodeId,
        _: RequestId,
        _: &Response,
    ) {
        let pause = Duration::from_millis(api.rng().between(5, 25));
        let at = api.now() + pause;
        self.next(api, node, at);
    }
}
