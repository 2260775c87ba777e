//! Parts B and C: a Dynamo storage node (DeCandia et al., SOSP 2007). Any node coordinates a
//! client's request: it sends it to the key's N replicas and answers after W acknowledgements
//! (writes) or R answers (reads). Versions carry a dot and their writer's context (dotted
//! version vectors, Preguiça et al., 2010), so concurrent writes survive as siblings and a write
//! with a read's context replaces exactly what that read returned. Stale replicas are repaired
//! by reads, by hinted handoff and by Merkle-tree anti-entropy.

use crate::merkle::{self, LEVELS};
use crate::ring::Ring;
use crate::{
    Config, Dot, DynamoKv, DynamoNode, Message, Placement, Request, Response, Session, Store,
    Timer, VClock, Version,
};
use harness::{Ctx, NodeId, Process, RequestId};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Whether `clock` has seen the write `dot`.
fn covers(clock: &VClock, dot: Dot) -> bool {
    clock.get(dot.node) >= dot.counter
}

/// Raises `into` to the pointwise maximum of itself and `other`.
fn merge(into: &mut VClock, other: &VClock) {
    for (&node, &counter) in &other.0 {
        if counter > into.get(node) {
            into.set(node, counter);
        }
    }
}

/// The union of two sibling sets, without the versions some other version's context replaces.
fn reconcile(a: &[Version], b: &[Version]) -> Vec<Version> {
    let mut by_dot: BTreeMap<Dot, Version> = BTreeMap::new();
    for v in a.iter().chain(b) {
        by_dot.entry(v.dot).or_insert_with(|| v.clone());
    }
    let all: Vec<Version> = by_dot.into_values().collect();
    let mut kept: Vec<Version> = all
        .iter()
        .filter(|v| !all.iter().any(|w| w.dot != v.dot && covers(&w.context, v.dot)))
        .cloned()
        .collect();
    kept.sort();
    kept
}

/// The context of a read: every sibling's context and dot.
fn context_of(siblings: &[Version]) -> VClock {
    let mut clock = VClock::new();
    for v in siblings {
        merge(&mut clock, &v.context);
        if v.dot.counter > clock.get(v.dot.node) {
            clock.set(v.dot.node, v.dot.counter);
        }
    }
    clock
}

/// `key`'s owners, from `cache` (the ring never changes, so each key's are computed once).
fn owners_of<'a>(
    cache: &'a mut BTreeMap<String, Vec<NodeId>>,
    ring: &Ring,
    n: usize,
    key: &str,
) -> &'a [NodeId] {
    if !cache.contains_key(key) {
        cache.insert(key.to_string(), ring.preference_list(key, n));
    }
    &cache[key]
}

/// A request this node coordinates.
#[derive(Debug)]
enum Pending {
    Put {
        id: RequestId,
        key: String,
        version: Version,
        owners: Vec<NodeId>,
        acked: BTreeSet<NodeId>,
        answered: bool,
        /// Whether stand-ins were asked already (once per write).
        escalated: bool,
    },
    Get {
        id: RequestId,
        key: String,
        owners: Vec<NodeId>,
        replies: BTreeMap<NodeId, Vec<Version>>,
        answered: bool,
    },
}

/// One node's Merkle tree over the keys it shares with one peer: `levels[l]` holds the `2^l`
/// hashes of level `l`.
#[derive(Debug)]
struct Tree {
    levels: Vec<Vec<u64>>,
}

impl Tree {
    fn hash(&self, level: u8, index: u32) -> u64 {
        self.levels
            .get(usize::from(level))
            .and_then(|l| l.get(index as usize))
            .copied()
            .unwrap_or(0)
    }
}

/// A storage node.
#[derive(Debug)]
pub struct Node {
    me: NodeId,
    config: Config,
    ring: Ring,
    store: Store,
    next_req: u64,
    pending: BTreeMap<u64, Pending>,
    sessions: u64,
    /// Whose turn it is to be the next anti-entropy peer.
    turn: usize,
    /// Each key's owners: the ring never changes, so they are computed once.
    owners: BTreeMap<String, Vec<NodeId>>,
    /// The last tree built for each peer, valid while `changes` is the same.
    trees: BTreeMap<NodeId, (u64, Arc<Tree>)>,
    /// How many times the store changed.
    changes: u64,
}

impl DynamoNode for Node {
    fn new(me: NodeId, config: Config, store: Store) -> Self {
        let ring = Ring::new(&config.nodes, config.vnodes);
        Node {
            me,
            config,
            ring,
            store,
            next_req: 0,
            pending: BTreeMap::new(),
            sessions: 0,
            turn: 0,
            owners: BTreeMap::new(),
            trees: BTreeMap::new(),
            changes: 0,
        }
    }

    fn store(&mut self) -> &mut Store {
        &mut self.store
    }
}

impl Node {
    fn owners(&mut self, key: &str) -> Vec<NodeId> {
        owners_of(&mut self.owners, &self.ring, self.config.n, key).to_vec()
    }

    /// Whether this node and `peer` both replicate `key`.
    fn shared(&mut self, key: &str, peer: NodeId) -> bool {
        let owners = owners_of(&mut self.owners, &self.ring, self.config.n, key);
        owners.contains(&self.me) && owners.contains(&peer)
    }

    fn request(&mut self) -> u64 {
        self.next_req += 1;
        self.next_req
    }

    fn merge_into_store(&mut self, key: &str, siblings: &[Version]) {
        let merged = reconcile(self.store.get(key), siblings);
        if merged != self.store.get(key) {
            self.changes += 1;
            self.store.set(key, merged);
        }
    }

    fn tree(&mut self, peer: NodeId) -> Arc<Tree> {
        if let Some((at, tree)) = self.trees.get(&peer) {
            if *at == self.changes {
                return Arc::clone(tree);
            }
        }
        let mut leaves = vec![Vec::new(); merkle::LEAVES as usize];
        for (key, siblings) in self.store.entries() {
            let owners = owners_of(&mut self.owners, &self.ring, self.config.n, key);
            if owners.contains(&self.me) && owners.contains(&peer) {
                leaves[merkle::bucket(key) as usize].push((key, siblings));
            }
        }
        let mut levels = vec![Vec::new(); usize::from(LEVELS) + 1];
        levels[usize::from(LEVELS)] = leaves.into_iter().map(merkle::leaf_hash).collect();
        for l in (0..usize::from(LEVELS)).rev() {
            let below = &levels[l + 1];
            levels[l] = below.chunks(2).map(|pair| merkle::combine(pair[0], pair[1])).collect();
        }
        let tree = Arc::new(Tree { levels });
        self.trees.insert(peer, (self.changes, Arc::clone(&tree)));
        tree
    }

    fn entries_in(&mut self, peer: NodeId, leaves: &[u32]) -> Vec<(String, Vec<Version>)> {
        let leaves: BTreeSet<u32> = leaves.iter().copied().collect();
        let mut out = Vec::new();
        for (key, siblings) in self.store.entries() {
            if !leaves.contains(&merkle::bucket(key)) {
                continue;
            }
            let owners = owners_of(&mut self.owners, &self.ring, self.config.n, key);
            if owners.contains(&self.me) && owners.contains(&peer) {
                out.push((key.to_string(), siblings.to_vec()));
            }
        }
        out
    }

    /// A read has R answers: reply with their reconciliation.
    fn answer_read(
        ctx: &mut Ctx<'_, DynamoKv>,
        id: RequestId,
        replies: &BTreeMap<NodeId, Vec<Version>>,
    ) {
        let siblings = replies.values().fold(Vec::new(), |acc, s| reconcile(&acc, s));
        let context = context_of(&siblings);
        ctx.reply(id, Response::Values { siblings, context });
    }

    /// Read repair: every replica that answered with less than the reconciled set gets it.
    fn repair(ctx: &mut Ctx<'_, DynamoKv>, key: &str, replies: &BTreeMap<NodeId, Vec<Version>>) {
        let merged = replies.values().fold(Vec::new(), |acc, s| reconcile(&acc, s));
        for (&replica, siblings) in replies {
            if *siblings != merged {
                ctx.send(
                    replica,
                    Message::Repair { key: key.to_string(), siblings: merged.clone() },
                );
            }
        }
    }

    fn on_stored(&mut self, ctx: &mut Ctx<'_, DynamoKv>, from: NodeId, req: u64) {
        let (w, n) = (self.config.w, self.config.n);
        let Some(Pending::Put { id, acked, answered, .. }) = self.pending.get_mut(&req) else {
            return;
        };
        acked.insert(from);
        if !*answered && acked.len() >= w {
            *answered = true;
            ctx.reply(*id, Response::Stored);
        }
        if acked.len() >= n {
            self.pending.remove(&req);
        }
    }

    fn on_fetched(
        &mut self,
        ctx: &mut Ctx<'_, DynamoKv>,
        from: NodeId,
        req: u64,
        siblings: Vec<Version>,
    ) {
        let r = self.config.r;
        let Some(Pending::Get { id, key, owners, replies, answered }) = self.pending.get_mut(&req)
        else {
            return;
        };
        if !owners.contains(&from) {
            return;
        }
        replies.insert(from, siblings);
        if !*answered && replies.len() >= r {
            *answered = true;
            Self::answer_read(ctx, *id, replies);
        }
        if replies.len() == owners.len() {
            Self::repair(ctx, key, replies);
            self.pending.remove(&req);
        }
    }

    fn on_timeout(&mut self, ctx: &mut Ctx<'_, DynamoKv>, req: u64) {
        let Some(pending) = self.pending.remove(&req) else { return };
        match pending {
            Pending::Put { id, key, version, owners, acked, answered, escalated } => {
                if self.config.sloppy && !escalated && acked.len() < self.config.n {
                    // A sloppy quorum: each silent owner's copy goes to the next stand-in on
                    // the ring, which keeps it as a hint for that owner (Dynamo, section 4.6).
                    let all = self.ring.preference_list(&key, self.config.nodes.len());
                    let mut standins = all.into_iter().skip(self.config.n);
                    for &owner in owners.iter().filter(|o| !acked.contains(o)) {
                        let Some(standin) = standins.next() else { break };
                        ctx.send(
                            standin,
                            Message::Replicate {
                                req,
                                key: key.clone(),
                                siblings: vec![version.clone()],
                                home: Some(owner),
                            },
                        );
                    }
                    ctx.set_timer(
                        self.config.timing.request_timeout,
                        Timer::RequestTimeout { req },
                    );
                    self.pending.insert(
                        req,
                        Pending::Put { id, key, version, owners, acked, answered, escalated: true },
                    );
                } else if !answered {
                    ctx.reply(id, Response::Unavailable);
                }
            }
            Pending::Get { id, key, replies, answered, .. } => {
                if !answered {
                    ctx.reply(id, Response::Unavailable);
                }
                Self::repair(ctx, &key, &replies);
            }
        }
    }

    fn on_hashes(
        &mut self,
        ctx: &mut Ctx<'_, DynamoKv>,
        from: NodeId,
        session: Session,
        level: u8,
        hashes: Vec<(u32, u64)>,
    ) {
        let tree = self.tree(from);
        let differ: Vec<u32> =
            hashes.iter().filter(|(i, h)| tree.hash(level, *i) != *h).map(|(i, _)| *i).collect();
        if differ.is_empty() {
            return;
        }
        if level >= LEVELS {
            let entries = self.entries_in(from, &differ);
            ctx.send(
                from,
                Message::MerkleLeaves { session, leaves: differ, entries, reply: false },
            );
        } else {
            let below = level + 1;
            let hashes = differ
                .iter()
                .flat_map(|i| [2 * i, 2 * i + 1])
                .map(|c| (c, tree.hash(below, c)))
                .collect();
            ctx.send(from, Message::MerkleHashes { session, level: below, hashes });
        }
    }
}

impl Process<DynamoKv> for Node {
    fn on_start(&mut self, ctx: &mut Ctx<'_, DynamoKv>) {
        ctx.set_timer(self.config.timing.handoff_retry, Timer::HandoffRetry);
        if self.config.anti_entropy {
            ctx.set_timer(self.config.timing.anti_entropy_interval, Timer::AntiEntropy);
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, DynamoKv>, id: RequestId, request: Request) {
        let req = self.request();
        let key = request.key().to_string();
        let owners = self.owners(&key);
        match request {
            Request::Put { value, context, .. } => {
                let dot = Dot { node: self.me, counter: self.store.next_counter() };
                let version = Version { value, dot, context };
                for &owner in &owners {
                    let siblings = vec![version.clone()];
                    ctx.send(
                        owner,
                        Message::Replicate { req, key: key.clone(), siblings, home: None },
                    );
                }
                let acked = BTreeSet::new();
                let put = Pending::Put {
                    id,
                    key,
                    version,
                    owners,
                    acked,
                    answered: false,
                    escalated: false,
                };
                self.pending.insert(req, put);
            }
            Request::Get { .. } => {
                for &owner in &owners {
                    ctx.send(owner, Message::Fetch { req, key: key.clone() });
                }
                let replies = BTreeMap::new();
                self.pending
                    .insert(req, Pending::Get { id, key, owners, replies, answered: false });
            }
        }
        ctx.set_timer(self.config.timing.request_timeout, Timer::RequestTimeout { req });
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, DynamoKv>, from: NodeId, msg: Message) {
        match msg {
            Message::Replicate { req, key, siblings, home } => {
                match home {
                    Some(home) => {
                        let merged = reconcile(self.store.hint(home, &key), &siblings);
                        self.store.set_hint(home, &key, merged);
                    }
                    None => self.merge_into_store(&key, &siblings),
                }
                ctx.send(from, Message::Stored { req, key });
            }
            Message::Stored { req, .. } => self.on_stored(ctx, from, req),
            Message::Fetch { req, key } => {
                let siblings = self.store.get(&key).to_vec();
                ctx.send(from, Message::Fetched { req, key, siblings });
            }
            Message::Fetched { req, siblings, .. } => self.on_fetched(ctx, from, req, siblings),
            Message::Repair { key, siblings } => self.merge_into_store(&key, &siblings),
            Message::Handoff { key, siblings } => {
                self.merge_into_store(&key, &siblings);
                ctx.send(from, Message::HandoffAck { key, siblings });
            }
            Message::HandoffAck { key, siblings } => {
                // Drop the hint only if nothing newer joined it since this copy was sent.
                if self.store.hint(from, &key).iter().all(|v| siblings.contains(v)) {
                    self.store.set_hint(from, &key, Vec::new());
                }
            }
            Message::MerkleHashes { session, level, hashes } => {
                self.on_hashes(ctx, from, session, level, hashes)
            }
            Message::MerkleLeaves { session, leaves, entries, reply } => {
                for (key, siblings) in &entries {
                    if self.shared(key, from) {
                        self.merge_into_store(key, siblings);
                    }
                }
                if !reply {
                    let entries = self.entries_in(from, &leaves);
                    ctx.send(from, Message::MerkleLeaves { session, leaves, entries, reply: true });
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, DynamoKv>, timer: Timer) {
        match timer {
            Timer::RequestTimeout { req } => self.on_timeout(ctx, req),
            Timer::HandoffRetry => {
                for (home, key, siblings) in self.store.hints() {
                    let (key, siblings) = (key.to_string(), siblings.to_vec());
                    ctx.send(home, Message::Handoff { key, siblings });
                }
                ctx.set_timer(self.config.timing.handoff_retry, Timer::HandoffRetry);
            }
            Timer::AntiEntropy => {
                let peers: Vec<NodeId> =
                    self.config.nodes.iter().copied().filter(|p| *p != self.me).collect();
                if !peers.is_empty() {
                    let peer = peers[self.turn % peers.len()];
                    self.turn += 1;
                    self.sessions += 1;
                    let session = Session { initiator: self.me, number: self.sessions };
                    let root = self.tree(peer).hash(0, 0);
                    ctx.send(
                        peer,
                        Message::MerkleHashes { session, level: 0, hashes: vec![(0, root)] },
                    );
                }
                ctx.set_timer(self.config.timing.anti_entropy_interval, Timer::AntiEntropy);
            }
        }
    }
}
