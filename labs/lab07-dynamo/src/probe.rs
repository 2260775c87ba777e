//! Part A's placement probe: a harness-provided process that builds your ring from the member
//! list (in an order of its own, drawn from its random stream) with each number of virtual
//! nodes, and answers every `Get` it is handed by reporting the key's preference lists.

use crate::{DynamoKv, Event, Placement, Request, Response, VClock};
use harness::{Ctx, NodeId, Process, RequestId};

/// Reports, for every key it is asked about, its preference list (of `n`) on rings of `R` over
/// `nodes` with each of `vnodes`.
pub struct Probe<R> {
    nodes: Vec<NodeId>,
    vnodes: Vec<u32>,
    n: usize,
    rings: Vec<(u32, R)>,
}

impl<R> std::fmt::Debug for Probe<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probe").field("vnodes", &self.vnodes).finish_non_exhaustive()
    }
}

impl<R: Placement> Probe<R> {
    /// A probe over `nodes`, for each of `vnodes`, with preference lists of `n`.
    pub fn new(nodes: Vec<NodeId>, vnodes: Vec<u32>, n: usize) -> Self {
        Probe { nodes, vnodes, n, rings: Vec::new() }
    }
}

impl<R: Placement> Process<DynamoKv> for Probe<R> {
    fn on_start(&mut self, ctx: &mut Ctx<'_, DynamoKv>) {
        let mut nodes = self.nodes.clone();
        ctx.rng().shuffle(&mut nodes);
        self.rings = self.vnodes.iter().map(|&v| (v, R::new(&nodes, v))).collect();
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, DynamoKv>, id: RequestId, request: Request) {
        let key = request.key().to_string();
        for (vnodes, ring) in &self.rings {
            let replicas = ring.preference_list(&key, self.n);
            ctx.output(Event::Placed { vnodes: *vnodes, key: key.clone(), replicas });
        }
        ctx.reply(id, Response::Values { siblings: Vec::new(), context: VClock::new() });
    }
}

/// A process that does nothing: the members of part A's ring that are not probing.
#[derive(Debug)]
pub struct Idle;

impl Process<DynamoKv> for Idle {}
