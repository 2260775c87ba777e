//! Client workloads shared by the labs whose service is a key-value map.

use crate::linearizability::KvOp;
use crate::node::{NodeId, Protocol, RequestId};
use crate::sim::{Workload, WorkloadApi};
use crate::time::{Duration, Time};
use std::fmt;

/// How a user picks its next operation: percentages of appends and puts; the rest are gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mix {
    /// Percent of operations that append.
    pub append_percent: u64,
    /// Percent of operations that put.
    pub put_percent: u64,
}

impl Mix {
    /// The percent of operations that read.
    pub fn get_percent(self) -> u64 {
        100 - self.append_percent - self.put_percent
    }
}

/// Closed-loop users, one per client process: each issues an operation, waits for the answer
/// (a reply, a refusal because its node was down, or its node's crash), and issues the next
/// 5-25 ms later, until `until`. Keys are few (`k0`, `k1`, ...), so operations contend; every
/// written value is unique (`n5.12 `), so an append applied twice shows in later reads. One
/// operation is open per client at a time, as Jepsen's clients do.
pub struct KvUsers<P: Protocol> {
    /// The client processes.
    pub clients: Vec<NodeId>,
    /// How many keys.
    pub keys: u64,
    /// When the first operations are issued: each client starts at a random moment in
    /// `start..start + 50 ms`.
    pub start: Time,
    /// When users stop issuing operations.
    pub until: Time,
    /// What they ask for.
    pub mix: Mix,
    /// Wraps an operation as the lab's request.
    pub wrap: fn(KvOp) -> P::Request,
    issued: u64,
}

impl<P: Protocol> fmt::Debug for KvUsers<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KvUsers")
            .field("clients", &self.clients)
            .field("keys", &self.keys)
            .field("mix", &self.mix)
            .finish_non_exhaustive()
    }
}

impl<P: Protocol> KvUsers<P> {
    /// Users of `clients` on `keys` keys from 300 ms until `until`.
    pub fn new(
        clients: Vec<NodeId>,
        keys: u64,
        until: Time,
        mix: Mix,
        wrap: fn(KvOp) -> P::Request,
    ) -> Self {
        KvUsers { clients, keys, start: Time::from_millis(300), until, mix, wrap, issued: 0 }
    }

    /// The same users, starting at `start` instead.
    pub fn starting_at(self, start: Time) -> Self {
        KvUsers { start, ..self }
    }

    /// The client's next operation, 5-25 ms from now.
    fn after_pause(&mut self, api: &mut WorkloadApi<'_, P>, client: NodeId) {
        let pause = Duration::from_millis(api.rng().between(5, 25));
        let at = api.now() + pause;
        self.next(api, client, at);
    }

    fn next(&mut self, api: &mut WorkloadApi<'_, P>, client: NodeId, at: Time) {
        if at >= self.until {
            return;
        }
        self.issued += 1;
        let key = format!("k{}", api.rng().below(self.keys));
        let value = format!("{client}.{} ", self.issued);
        let roll = api.rng().below(100);
        let op = if roll < self.mix.append_percent {
            KvOp::Append { key, value }
        } else if roll < self.mix.append_percent + self.mix.put_percent {
            KvOp::Put { key, value }
        } else {
            KvOp::Get { key }
        };
        api.submit(at, client, (self.wrap)(op));
    }
}

impl<P: Protocol> Workload<P> for KvUsers<P> {
    fn start(&mut self, api: &mut WorkloadApi<'_, P>) {
        for client in self.clients.clone() {
            let at = self.start + Duration::from_millis(api.rng().below(50));
            self.next(api, client, at);
        }
    }

    fn on_reply(
        &mut self,
        api: &mut WorkloadApi<'_, P>,
        node: NodeId,
        _: RequestId,
        _: &P::Response,
    ) {
        self.after_pause(api, node);
    }

    fn on_refused(
        &mut self,
        api: &mut WorkloadApi<'_, P>,
        node: NodeId,
        _: RequestId,
        _: &P::Request,
    ) {
        self.after_pause(api, node);
    }

    fn on_crash(&mut self, api: &mut WorkloadApi<'_, P>, node: NodeId, _: &[RequestId]) {
        self.after_pause(api, node);
    }
}
