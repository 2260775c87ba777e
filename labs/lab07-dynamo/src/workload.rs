//! The clients: closed-loop users that read a key at any node and often write it back with the
//! read's context (read-modify-write, the way Dynamo's shopping cart does), plus an optional
//! preload of blind writes.

use crate::{DynamoKv, Request, Response, VClock};
use harness::sim::{Workload, WorkloadApi};
use harness::{Duration, NodeId, RequestId, Time};
use std::collections::BTreeMap;

/// Closed-loop users: each reads a random key at a random node; after the answer it writes the
/// key back, with the read's context, at another random node `write_percent` of the time; then
/// it pauses 5-25 ms. A user whose node crashed or refused goes on after a pause. Values are
/// unique: `u2.17` is user 2's 17th write.
#[derive(Debug)]
pub struct Users {
    /// The nodes a user may ask.
    pub nodes: Vec<NodeId>,
    /// How many users.
    pub users: u32,
    /// The keys they use.
    pub keys: Vec<String>,
    /// When they start (each within 20 ms of it).
    pub start: Time,
    /// When they stop issuing operations.
    pub until: Time,
    /// How often a read is followed by a write.
    pub write_percent: u64,
    /// Blind writes handed out at fixed times, besides the users'.
    pub preload: Vec<(Time, NodeId, Request)>,
    /// The user and key of every request in flight.
    open: BTreeMap<RequestId, (u32, String)>,
    writes: BTreeMap<u32, u64>,
}

impl Users {
    /// `users` users of `keys` at `nodes`, from `start` until `until`.
    pub fn new(
        nodes: Vec<NodeId>,
        users: u32,
        keys: Vec<String>,
        start: Time,
        until: Time,
        write_percent: u64,
    ) -> Users {
        Users {
            nodes,
            users,
            keys,
            start,
            until,
            write_percent,
            preload: Vec::new(),
            open: BTreeMap::new(),
            writes: BTreeMap::new(),
        }
    }

    fn node(&self, api: &mut WorkloadApi<'_, DynamoKv>) -> NodeId {
        self.nodes[api.rng().below(self.nodes.len() as u64) as usize]
    }

    fn read(&mut self, api: &mut WorkloadApi<'_, DynamoKv>, user: u32, at: Time) {
        if at >= self.until || self.keys.is_empty() {
            return;
        }
        let key = self.keys[api.rng().below(self.keys.len() as u64) as usize].clone();
        let node = self.node(api);
        let id = api.submit(at, node, Request::Get { key: key.clone() });
        self.open.insert(id, (user, key));
    }

    fn write(
        &mut self,
        api: &mut WorkloadApi<'_, DynamoKv>,
        user: u32,
        key: String,
        context: VClock,
    ) {
        let count = self.writes.entry(user).or_insert(0);
        *count += 1;
        let value = format!("u{user}.{count}");
        let node = self.node(api);
        let at = api.now() + Duration::from_millis(api.rng().between(0, 3));
        let id = api.submit(at, node, Request::Put { key: key.clone(), value, context });
        self.open.insert(id, (user, key));
    }

    fn pause(&mut self, api: &mut WorkloadApi<'_, DynamoKv>, user: u32) {
        let at = api.now() + Duration::from_millis(api.rng().between(5, 25));
        self.read(api, user, at);
    }

    fn finished(&mut self, api: &mut WorkloadApi<'_, DynamoKv>, id: RequestId) {
        if let Some((user, _)) = self.open.remove(&id) {
            self.pause(api, user);
        }
    }
}

impl Workload<DynamoKv> for Users {
    fn start(&mut self, api: &mut WorkloadApi<'_, DynamoKv>) {
        for (at, node, request) in std::mem::take(&mut self.preload) {
            api.submit(at, node, request);
        }
        for user in 0..self.users {
            let at = self.start + Duration::from_millis(api.rng().below(20));
            self.read(api, user, at);
        }
    }

    fn on_reply(
        &mut self,
        api: &mut WorkloadApi<'_, DynamoKv>,
        _: NodeId,
        id: RequestId,
        response: &Response,
    ) {
        let Some((user, key)) = self.open.remove(&id) else { return };
        if let Response::Values { context, .. } = response {
            if api.rng().below(100) < self.write_percent && api.now() < self.until {
                self.write(api, user, key, context.clone());
                return;
            }
        }
        self.pause(api, user);
    }

    fn on_refused(
        &mut self,
        api: &mut WorkloadApi<'_, DynamoKv>,
        _: NodeId,
        id: RequestId,
        _: &Request,
    ) {
        self.finished(api, id);
    }

    fn on_crash(&mut self, api: &mut WorkloadApi<'_, DynamoKv>, _: NodeId, open: &[RequestId]) {
        for id in open {
            self.finished(api, *id);
        }
    }
}
