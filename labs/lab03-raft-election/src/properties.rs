//! What every lab 03 run must satisfy, judged from the messages on the wire: a node is leader of
//! a term when it sends AppendEntries in that term, whatever it says about itself.

use crate::{Message, Raft, Term, Timing};
use harness::trace::{EventKind, Trace};
use harness::{Duration, NodeId, Property, Protocol, Run, Time, Verdict};
use std::collections::{BTreeMap, BTreeSet};

/// Every message sent: (time, from, to, message).
fn sent(trace: &Trace<Raft>) -> impl Iterator<Item = (Time, NodeId, NodeId, &Message)> + '_ {
    trace.events.iter().filter_map(move |e| match e.kind {
        EventKind::Send { msg } => {
            let m = trace.message(msg);
            Some((e.at, m.from, m.to, &m.msg))
        }
        _ => None,
    })
}

/// When the faults of a run end (see [`Trace::faults_end`]).
pub fn faults_end(trace: &Trace<Raft>) -> Time {
    trace.faults_end()
}

/// How long after the faults end a leader must be established: four of the longest election
/// timeouts (room for split votes and a pre-vote round each) plus a few network delays.
pub fn election_bound(timing: Timing, max_delay: Duration) -> Duration {
    timing.longest_timeout().times(4) + max_delay.times(6)
}

/// The first leader established at or after `from`: the term, the leader, and the time a
/// majority of the cluster had answered its AppendEntries with success, while no node had used a
/// higher term (a leader of a stale term is about to be deposed, as Raft requires).
pub fn established_after(run: &Run<Raft>, from: Time) -> Option<(Term, NodeId, Time)> {
    let majority = run.nodes / 2 + 1;
    let mut leaders: BTreeMap<Term, NodeId> = BTreeMap::new();
    let mut acks: BTreeMap<Term, BTreeSet<NodeId>> = BTreeMap::new();
    let mut highest: Term = 0;
    for e in &run.trace.events {
        match e.kind {
            EventKind::Send { msg } => {
                let m = &run.trace.message(msg).msg;
                if !m.is_pre_vote() {
                    highest = highest.max(m.term());
                }
            }
            EventKind::Deliver { msg } => {
                let m = run.trace.message(msg);
                match m.msg {
                    Message::AppendEntries { term, .. } => {
                        leaders.insert(term, m.from);
                    }
                    Message::AppendEntriesReply { term, success: true, .. }
                        if e.at >= from && leaders.get(&term) == Some(&m.to) =>
                    {
                        let set = acks.entry(term).or_default();
                        set.insert(m.from);
                        if set.len() + 1 >= majority && term >= highest {
                            return Some((term, m.to, e.at));
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    None
}

/// At most one node acts as leader in any term.
pub fn one_leader_per_term() -> Property<Raft> {
    Property::safety(
        "at most one leader per term",
        "No two nodes send AppendEntries in the same term: sending AppendEntries in term T is \
         what makes a node leader of T.",
        "granting two votes in one term (a vote not persisted, or not checked); counting a vote \
         from an older term or from a pre-vote; becoming leader without a majority; a candidate \
         that keeps its old votes when it starts a new term.",
        |run: &Run<Raft>| {
            let mut leader: BTreeMap<Term, NodeId> = BTreeMap::new();
            for (at, from, _, msg) in sent(&run.trace) {
                if let Message::AppendEntries { term, .. } = msg {
                    if let Some(other) = leader.insert(*term, from).filter(|o| *o != from) {
                        return Verdict::fails_at(
                            at,
                            format!(
                                "{other} and {from} both sent AppendEntries as leaders of term {term}"
                            ),
                        );
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// No node grants its vote to two candidates in one term, across crashes.
pub fn one_vote_per_term() -> Property<Raft> {
    Property::safety(
        "one vote per term, across crashes",
        "A node grants its (real) vote in a term to one candidate at most, even if it crashes and \
         restarts in between: the vote is durable before it is sent.",
        "not saving the vote; saving it without ctx.sync(); forgetting to check voted_for; \
         resetting the vote when the term did not change.",
        |run: &Run<Raft>| {
            let mut votes: BTreeMap<(NodeId, Term), NodeId> = BTreeMap::new();
            for (at, from, to, msg) in sent(&run.trace) {
                if let Message::Vote { term, granted: true, pre_vote: false } = msg {
                    if let Some(first) = votes.insert((from, *term), to).filter(|c| *c != to) {
                        return Verdict::fails_at(
                            at,
                            format!("{from} voted for {first} and then for {to} in term {term}"),
                        );
                    }
                }
            }
            Verdict::Holds
        },
    )
}

/// A node that grants a vote waits a whole election timeout before it campaigns itself.
pub fn waits_after_granting(timing: Timing) -> Property<Raft> {
    Property::safety(
        "no campaign within a timeout of a granted vote",
        "A node that grants its (real) vote restarts its election timer (the Raft paper's figure \
         2: an election starts only when a timeout passes without hearing from a leader or \
         granting a vote), so it sends no RequestVote, pre-vote or real, until a whole \
         election_timeout T has passed on its own clock since the grant.",
        "restarting the election timer on AppendEntries only, not when granting a vote; \
         restarting it before deciding, so a refusal restarts it too (harmless) but a grant is \
         forgotten in one branch.",
        move |run: &Run<Raft>| {
            let mut granted_at: BTreeMap<NodeId, Time> = BTreeMap::new();
            for e in &run.trace.events {
                match e.kind {
                    EventKind::Crash { node, .. } => {
                        granted_at.remove(&node);
                    }
                    EventKind::Send { msg } => {
                        let m = run.trace.message(msg);
                        let clock = |at| run.monotonic_clock(m.from, at);
                        match m.msg {
                            Message::Vote { granted: true, pre_vote: false, .. } => {
                                granted_at.insert(m.from, e.at);
                            }
                            Message::RequestVote { .. } => {
                                if let Some(&g) = granted_at.get(&m.from) {
                                    let waited = clock(e.at).since(clock(g));
                                    if waited < timing.election_timeout {
                                        return Verdict::fails_at(
                                            e.at,
                                            format!(
                                                "{} granted a vote at {g} and asked for votes \
                                                 {waited} later, by its own clock (T is {})",
                                                m.from, timing.election_timeout
                                            ),
                                        );
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// A node leads a term only after a majority granted it that term's vote.
pub fn leaders_won_their_votes() -> Property<Raft> {
    Property::safety(
        "every leader won a majority of its term's votes",
        "Before a node first sends AppendEntries in term t, real votes granted in term t, from \
         distinct nodes, have reached it in its current incarnation, enough to make a majority \
         with its own.",
        "counting a grant whose term is older than the election (a late answer to an earlier \
         campaign); counting pre-vote grants as votes; counting one voter twice; keeping the \
         votes of an earlier term when a new election starts.",
        |run: &Run<Raft>| {
            let majority = run.nodes / 2 + 1;
            let mut votes: BTreeMap<(NodeId, Term), BTreeSet<NodeId>> = BTreeMap::new();
            let mut leading: BTreeSet<(NodeId, Term)> = BTreeSet::new();
            for e in &run.trace.events {
                match e.kind {
                    EventKind::Crash { node, .. } => votes.retain(|(n, _), _| *n != node),
                    EventKind::Deliver { msg } => {
                        let m = run.trace.message(msg);
                        if let Message::Vote { term, granted: true, pre_vote: false } = m.msg {
                            votes.entry((m.to, term)).or_default().insert(m.from);
                        }
                    }
                    EventKind::Send { msg } => {
                        let m = run.trace.message(msg);
                        let Message::AppendEntries { term, .. } = m.msg else { continue };
                        if !leading.insert((m.from, term)) {
                            continue;
                        }
                        let won = votes.get(&(m.from, term)).map_or(0, BTreeSet::len) + 1;
                        if won < majority {
                            return Verdict::fails_at(
                                e.at,
                                format!(
                                    "{} led term {term} with {won} of the {majority} votes it \
                                     needed (its own included)",
                                    m.from
                                ),
                            );
                        }
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// What the term and answer rules need to know of one of Raft's messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A vote request, real or pre-vote.
    AskVote {
        /// The candidate's term (for a pre-vote, the term it would campaign in).
        term: Term,
        /// Whether it is a pre-vote.
        pre_vote: bool,
    },
    /// An answer to a vote request.
    Vote {
        /// The voter's term (for a granted pre-vote, the term asked for).
        term: Term,
        /// Whether it is granted.
        granted: bool,
        /// Whether it answers a pre-vote.
        pre_vote: bool,
    },
    /// A leader's AppendEntries, answered by one [`Shape::AppendAnswer`].
    Append {
        /// The leader's term.
        term: Term,
    },
    /// The answer to an AppendEntries.
    AppendAnswer {
        /// The follower's term.
        term: Term,
        /// Whether it accepted.
        success: bool,
    },
    /// Another of Raft's messages (lab 04's InstallSnapshot and its answer): only its term counts.
    Other {
        /// Its term.
        term: Term,
    },
}

impl Shape {
    /// The term the message carries.
    pub fn term(self) -> Term {
        match self {
            Shape::AskVote { term, .. }
            | Shape::Vote { term, .. }
            | Shape::Append { term }
            | Shape::AppendAnswer { term, .. }
            | Shape::Other { term } => term,
        }
    }

    /// Whether it asks for or answers a pre-vote: those change no one's term.
    pub fn is_pre_vote(self) -> bool {
        matches!(self, Shape::AskVote { pre_vote: true, .. } | Shape::Vote { pre_vote: true, .. })
    }
}

/// A message of a Raft protocol (this lab's, or lab 04's with its log and its clerks), as the
/// term and answer properties read it.
pub trait RaftMessage: std::fmt::Debug {
    /// Its shape, if it is one of Raft's messages (`None` for a clerk's, say).
    fn shape(&self) -> Option<Shape>;

    /// The term it carries, if it is one of Raft's messages.
    fn raft_term(&self) -> Option<Term> {
        self.shape().map(Shape::term)
    }

    /// Whether it asks for or answers a pre-vote.
    fn is_pre_vote(&self) -> bool {
        self.shape().is_some_and(Shape::is_pre_vote)
    }
}

impl RaftMessage for Message {
    fn shape(&self) -> Option<Shape> {
        Some(match *self {
            Message::RequestVote { term, pre_vote, .. } => Shape::AskVote { term, pre_vote },
            Message::Vote { term, granted, pre_vote } => Shape::Vote { term, granted, pre_vote },
            Message::AppendEntries { term, .. } => Shape::Append { term },
            Message::AppendEntriesReply { term, success, .. } => {
                Shape::AppendAnswer { term, success }
            }
        })
    }
}

/// A node adopts every higher term it sees: nothing it sends afterwards carries a lower one.
/// `scripted` nodes are not judged (a script may send any term).
pub fn adopts_higher_terms<P: Protocol>(scripted: Vec<NodeId>) -> Property<P>
where
    P::Msg: RaftMessage,
{
    Property::safety(
        "adopts every higher term it sees",
        "Once a node has received a message with term T (pre-votes aside, which change no one's \
         term), everything it sends carries a term of at least T, across restarts too.",
        "not stepping down on a higher term in a reply (a Vote or an AppendEntriesReply); not \
         persisting the new term; a restarted node that starts again from term 0.",
        move |run: &Run<P>| {
            let mut seen: BTreeMap<NodeId, (Term, Time, NodeId)> = BTreeMap::new();
            for e in &run.trace.events {
                match e.kind {
                    EventKind::Deliver { msg } => {
                        let m = run.trace.message(msg);
                        let Some(t) = m.msg.raft_term().filter(|_| !m.msg.is_pre_vote()) else {
                            continue;
                        };
                        if seen.get(&m.to).is_none_or(|s| s.0 < t) {
                            seen.insert(m.to, (t, e.at, m.from));
                        }
                    }
                    EventKind::Send { msg } => {
                        let m = run.trace.message(msg);
                        let (Some(&(t, when, from)), Some(sent)) =
                            (seen.get(&m.from), m.msg.raft_term())
                        else {
                            continue;
                        };
                        if scripted.contains(&m.from) {
                            continue;
                        }
                        if sent < t {
                            return Verdict::fails_at(
                                e.at,
                                format!(
                                    "{} sent {:?} to {} in term {sent} after a message of term \
                                     {t} from {from} reached it at {when}",
                                    m.from, m.msg, m.to
                                ),
                            );
                        }
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// A leader is established within the bound once the faults end.
pub fn leader_in_time(timing: Timing, max_delay: Duration) -> Property<Raft> {
    let bound = election_bound(timing, max_delay);
    Property::new(
        "a leader within the bound",
        "Once the faults end (a majority connected, the network quiet), some node is leader in a \
         term no node has exceeded, and a majority has accepted its AppendEntries, within 4 x the \
         longest election timeout + 6 x the network's longest delay.",
        "timeouts that are not random (split votes for ever); not resetting the election timer \
         on a granted vote; a candidate that never retries; a leader that never sends \
         heartbeats; refusing votes for the wrong reason.",
        move |run: &Run<Raft>| {
            let q = faults_end(&run.trace);
            match established_after(run, q) {
                Some((_, _, at)) if at <= q + bound => Verdict::Holds,
                Some((term, leader, at)) => Verdict::fails_at(
                    at,
                    format!(
                        "the faults ended at {q}, but {leader} was established as leader of term \
                         {term} only at {at}, later than {bound} after"
                    ),
                ),
                None => Verdict::fails(format!(
                    "the faults ended at {q}, and no leader was established by the end of the run \
                     ({bound} allowed)"
                )),
            }
        },
    )
}

/// When the cluster settles under its final leader after `from`: every node up at the end has
/// accepted an AppendEntries of the final leader's term. Returns the term, the leader, and that
/// time; `None` if some live node never accepts it.
pub fn calm_after(run: &Run<Raft>, from: Time) -> Option<(Term, NodeId, Time)> {
    let (term, leader) = sent(&run.trace)
        .filter(|(t, ..)| *t >= from)
        .filter_map(|(_, node, _, msg)| match msg {
            Message::AppendEntries { term, .. } => Some((*term, node)),
            _ => None,
        })
        .max()?;
    let mut up = vec![true; run.nodes];
    for e in &run.trace.events {
        match e.kind {
            EventKind::Crash { node, .. } => up[node.index()] = false,
            EventKind::Restart { node, .. } => up[node.index()] = true,
            _ => {}
        }
    }
    let mut accepted: BTreeMap<NodeId, Time> = BTreeMap::new();
    for (at, node, to, msg) in sent(&run.trace).filter(|(t, ..)| *t >= from) {
        if let Message::AppendEntriesReply { term: t, success: true, .. } = msg {
            if *t == term && to == leader {
                accepted.entry(node).or_insert(at);
            }
        }
    }
    let followers = (0..run.nodes as u32).map(NodeId).filter(|n| up[n.index()] && *n != leader);
    let mut calm = Time::ZERO;
    for n in followers {
        calm = calm.max(*accepted.get(&n)?);
    }
    Some((term, leader, calm))
}

/// Once the cluster settles under a leader in the quiet end of a run, nobody campaigns again.
pub fn stable_term(timing: Timing, max_delay: Duration) -> Property<Raft> {
    let bound = election_bound(timing, max_delay) + timing.longest_timeout() + max_delay.times(2);
    Property::new(
        "no new term under a healthy leader",
        "After the faults end, the cluster settles within 5 x the longest election timeout + 8 x \
         the network's longest delay: every live node accepts the AppendEntries of one leader. \
         From then on (plus two delays) nobody sends a RequestVote, real or pre-vote, and no \
         message carries a higher term.",
        "resetting the election timer only on some messages, so followers time out although the \
         leader is alive; heartbeats less often than the election timeout; a leader that steps \
         down without cause; elections that never settle.",
        move |run: &Run<Raft>| {
            let q = faults_end(&run.trace);
            let Some((term, leader, calm)) = calm_after(run, q) else {
                return Verdict::fails(format!(
                    "after the faults ended at {q}, the live nodes never all followed one leader"
                ));
            };
            if calm > q + bound {
                return Verdict::fails_at(
                    calm,
                    format!(
                        "the cluster settled under {leader} (term {term}) only at {calm}, more than {bound} after the faults ended at {q}"
                    ),
                );
            }
            let from = calm + max_delay.times(2);
            for (when, node, _, msg) in sent(&run.trace).filter(|(t, ..)| *t >= from) {
                let campaign = matches!(msg, Message::RequestVote { .. });
                if msg.term() > term || campaign {
                    return Verdict::fails_at(
                        when,
                        format!(
                            "{node} sent {msg:?} although every live node had followed {leader} \
                             in term {term} since {calm}"
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// Heartbeat traffic at rest stays near one round per heartbeat interval.
pub fn quiet_at_rest(timing: Timing, max_delay: Duration) -> Property<Raft> {
    Property::new(
        "heartbeat traffic at rest is bounded",
        "Once the cluster has settled under a leader in the quiet end of a run, it sends at most \
         2 x (nodes - 1) messages (a heartbeat and its reply per follower) per heartbeat \
         interval, plus two rounds for the window's edges.",
        "sending heartbeats on every message instead of on the timer; a heartbeat timer set \
         again without cancelling the old one; answering heartbeats with more than one reply.",
        move |run: &Run<Raft>| {
            let q = faults_end(&run.trace);
            // "no new term under a healthy leader" reports a cluster that never settles.
            let Some((_, _, calm)) = calm_after(run, q) else { return Verdict::Holds };
            let from = calm + max_delay.times(2);
            if run.end <= from {
                return Verdict::Holds;
            }
            let count = sent(&run.trace).filter(|(t, ..)| *t >= from).count() as u64;
            // A window can catch the edges of two more rounds than it spans.
            let rounds = (run.end - from).as_micros() / timing.heartbeat_interval.as_micros() + 2;
            let allowed = 2 * (run.nodes as u64 - 1) * rounds;
            if count <= allowed {
                Verdict::Holds
            } else {
                Verdict::fails(format!(
                    "{count} messages in the {} after {from}, where {allowed} suffice",
                    run.end - from
                ))
            }
        },
    )
}

/// The first election of a cluster takes a bounded number of messages.
pub fn first_election_is_cheap() -> Property<Raft> {
    Property::new(
        "the first election is cheap",
        "Until the first leader is established, the cluster sends at most 10 x nodes x (nodes - 1) \
         messages: a few rounds of pre-votes, votes and heartbeats.",
        "campaigning on every message; resending RequestVote on a timer shorter than the \
         election timeout; several candidates at once because timeouts are not random.",
        |run: &Run<Raft>| {
            let Some((_, _, at)) = established_after(run, Time::ZERO) else {
                return Verdict::Holds;
            };
            let n = run.nodes;
            let count = sent(&run.trace).filter(|(t, ..)| *t <= at).count();
            let allowed = 10 * n * (n - 1);
            if count <= allowed {
                Verdict::Holds
            } else {
                Verdict::fails_at(
                    at,
                    format!(
                        "{count} messages before the first leader, where {allowed} are allowed"
                    ),
                )
            }
        },
    )
}

/// The properties of every part A scenario, after the harness's own two.
pub fn part_a(timing: Timing, max_delay: Duration) -> Vec<Property<Raft>> {
    vec![
        one_leader_per_term(),
        one_vote_per_term(),
        leaders_won_their_votes(),
        waits_after_granting(timing),
        adopts_higher_terms(Vec::new()),
        answers_by_the_rules(Vec::new(), Logs::Empty),
        leader_in_time(timing, max_delay),
        stable_term(timing, max_delay),
        quiet_at_rest(timing, max_delay),
    ]
}

/// The node the trace shows as leader at `now`: the last to send AppendEntries within two
/// heartbeat intervals (of the slowest legal timing) up to `now`, in the highest term. Later
/// events are ignored, so a finished run can be asked about any moment of it.
pub fn current_leader(trace: &Trace<Raft>, now: Time) -> Option<NodeId> {
    let window = Timing::SLOWEST.heartbeat_interval.times(2);
    sent(trace)
        .filter(|(t, ..)| *t <= now && now.since(*t) <= window)
        .filter_map(|(_, from, _, msg)| match msg {
            Message::AppendEntries { term, .. } => Some((*term, from)),
            _ => None,
        })
        .max()
        .map(|(_, from)| from)
}

/// Part C: a node returning from a partition does not unseat the healthy leader.
pub fn rejoin_does_not_disrupt() -> Property<Raft> {
    Property::new(
        "a rejoining node does not disrupt the leader",
        "After the partition that isolated one follower heals, no node sends a message of a term \
         higher than the leader's (pre-vote requests aside): the returning node's pre-votes fail \
         and it follows the leader.",
        "no PreVote: an isolated node raises its term on every timeout and, when it returns, \
         its high term deposes the leader; granting pre-votes while a leader is alive.",
        |run: &Run<Raft>| {
            let heal = run.trace.events.iter().find_map(|e| match e.kind {
                EventKind::Heal { .. } => Some(e.at),
                _ => None,
            });
            let Some(heal) = heal else { return Verdict::fails("the partition never healed") };
            let leader_term = sent(&run.trace)
                .filter(|(t, ..)| *t < heal)
                .filter(|(_, _, _, m)| matches!(m, Message::AppendEntries { .. }))
                .map(|(_, _, _, m)| m.term())
                .max()
                .unwrap_or(0);
            for (at, node, _, msg) in sent(&run.trace).filter(|(t, ..)| *t >= heal) {
                let pre_vote_request = matches!(msg, Message::RequestVote { pre_vote: true, .. });
                let granted_pre_vote =
                    matches!(msg, Message::Vote { pre_vote: true, granted: true, .. });
                if msg.term() > leader_term && !pre_vote_request && !granted_pre_vote {
                    return Verdict::fails_at(
                        at,
                        format!(
                            "{node} sent {msg:?} after the heal at {heal}, above the leader's term \
                             {leader_term}"
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// Part C: a leader cut off from the majority stops acting as leader.
pub fn isolated_leader_steps_down(timing: Timing) -> Property<Raft> {
    let bound = timing.longest_timeout().times(2) + timing.heartbeat_interval;
    Property::new(
        "an isolated leader steps down",
        "A leader that no majority answers stops sending AppendEntries within 2 x the longest \
         election timeout + one heartbeat interval of being cut off (CheckQuorum).",
        "no CheckQuorum: the cut-off leader heartbeats into the void for ever, and clients that \
         still reach it are served by a leader that is not one.",
        move |run: &Run<Raft>| {
            let cut = run.trace.events.iter().find_map(|e| match &e.kind {
                EventKind::Partition { links, .. } => Some((e.at, links.first().map(|l| l.0))),
                _ => None,
            });
            let Some((at, Some(leader))) = cut else {
                return Verdict::fails("no leader was isolated on this seed");
            };
            let deadline = at + bound;
            for (when, from, _, msg) in sent(&run.trace) {
                if from == leader && when > deadline && matches!(msg, Message::AppendEntries { .. })
                {
                    return Verdict::fails_at(
                        when,
                        format!(
                            "{leader}, cut off at {at}, still sent AppendEntries at {when} (deadline {deadline})"
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// What the trace says of one node: its term, the votes it gave, and the highest term of a
/// refused pre-vote that reached it (which it may adopt, or not).
#[derive(Default)]
struct Model {
    term: Term,
    refused_pre_vote: Term,
    votes: BTreeMap<Term, NodeId>,
}

impl Model {
    /// The term a node shows when it sends `shown`: its own, or, if higher, a refused pre-vote's
    /// term it has adopted in the meantime.
    fn own(&self, shown: Term) -> Term {
        if shown > self.term && shown <= self.refused_pre_vote { shown } else { self.term }
    }
}

/// What decides a grant and a success besides the terms and the votes given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Logs {
    /// Nothing (lab 03: the logs are empty): answers are judged exactly.
    Empty,
    /// The logs (lab 04): a grant needs an up-to-date candidate and a success a matching entry,
    /// which other properties judge; here a grant and a success are judged by the terms and
    /// votes alone, a refusal is not judged.
    Judged,
}

/// What one handler sent, and whether a crash cut it short (then an answer may be missing).
type Answers<'a, M> = (Vec<&'a harness::trace::Envelope<M>>, bool);

/// Every node answers by the rules of the Raft paper's figure 2, and uses no term it has not
/// seen or started. `scripted` nodes are not judged.
pub fn answers_by_the_rules<P: Protocol>(scripted: Vec<NodeId>, logs: Logs) -> Property<P>
where
    P::Msg: RaftMessage,
{
    Property::safety(
        "answers follow the rules",
        "Judged against each node's term (the highest of any message it sent or received, \
         pre-votes aside, durable across restarts) and the votes it gave: a RequestVote of term \
         t is answered by one Vote of term max(t, own), granted exactly when t >= own and the \
         node gave its vote in t to nobody else; an AppendEntries of term t by one \
         AppendEntriesReply of term max(t, own), with success exactly when t >= own (lab 04: \
         granted or successful only then, the logs deciding the rest); a pre-vote is granted \
         only for a term above the node's own, with that term, and refused with the node's own \
         term. A node never uses a term nobody gave it: a RequestVote asks for at most own + 1, \
         anything else carries at most its own term (or a refused pre-vote's).",
        "recording a vote for a candidate it refused, so a later candidate of that term is \
         refused; answering an older term's AppendEntries with success; granting a pre-vote \
         for the node's own term; taking a granted pre-vote's term (the term asked for) as its \
         own; a term made up or skipped ahead.",
        move |run: &Run<P>| {
            let trace = &run.trace;
            let handlers = trace.handlers();
            // Each delivery's effects: the messages its handler sent, and whether a crash cut
            // the handler short (then an answer may be missing).
            let mut answers: BTreeMap<usize, Answers<'_, P::Msg>> = BTreeMap::new();
            for (e, h) in trace.events.iter().zip(&handlers) {
                let Some(h) = *h else { continue };
                let slot = answers.entry(h).or_default();
                match e.kind {
                    EventKind::Send { msg } => slot.0.push(trace.message(msg)),
                    EventKind::EffectLost { .. } => slot.1 = true,
                    _ => {}
                }
            }
            let mut model: BTreeMap<NodeId, Model> = BTreeMap::new();
            for (i, e) in trace.events.iter().enumerate() {
                match e.kind {
                    EventKind::Deliver { msg } => {
                        let m = trace.message(msg);
                        let Some(shape) = m.msg.shape() else { continue };
                        if scripted.contains(&m.to) {
                            continue;
                        }
                        let node = model.entry(m.to).or_default();
                        let (sent, cut) =
                            answers.get(&i).map_or((Vec::new(), false), |a| a.clone());
                        let replies: Vec<(&P::Msg, Shape)> = sent
                            .iter()
                            .filter(|s| s.to == m.from)
                            .filter_map(|s| Some((&s.msg, s.msg.shape()?)))
                            .collect();
                        if let Some(problem) =
                            judge_answer(node, m.from, shape, &replies, cut, logs)
                        {
                            return Verdict::fails_at(
                                e.at,
                                format!("{} answered {:?} from {}: {problem}", m.to, m.msg, m.from),
                            );
                        }
                        match shape {
                            Shape::Vote { term, granted: false, pre_vote: true } => {
                                node.refused_pre_vote = node.refused_pre_vote.max(term);
                            }
                            shape if !shape.is_pre_vote() => {
                                node.term = node.term.max(shape.term());
                            }
                            _ => {}
                        }
                    }
                    EventKind::Send { msg } => {
                        let m = trace.message(msg);
                        let Some(shape) = m.msg.shape() else { continue };
                        if scripted.contains(&m.from) {
                            continue;
                        }
                        let node = model.entry(m.from).or_default();
                        let t = shape.term();
                        // The term the message shows the sender to be in.
                        let shows = match shape {
                            Shape::AskVote { pre_vote: true, .. } => t - 1,
                            // Judged with the request it answers.
                            Shape::Vote { granted: true, pre_vote: true, .. } => continue,
                            _ => t,
                        };
                        let ceiling = node.term.max(node.refused_pre_vote);
                        let allowed = match shape {
                            Shape::AskVote { pre_vote: false, .. } => ceiling + 1,
                            _ => ceiling,
                        };
                        if shows > allowed {
                            return Verdict::fails_at(
                                e.at,
                                format!(
                                    "{} sent {:?} to {} in term {t}, but its term was {}: no \
                                     message gave it that term",
                                    m.from, m.msg, m.to, node.term
                                ),
                            );
                        }
                        node.term = node.term.max(shows);
                        if let Shape::AskVote { term, pre_vote: false } = shape {
                            node.votes.insert(term, m.from);
                        }
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// What is wrong with `replies` (the messages a node's handler sent back to `from`, with their
/// shapes) as its answer to a message of shape `asked`, judged by `node`'s state; records a vote
/// granted.
fn judge_answer<M: std::fmt::Debug>(
    node: &mut Model,
    from: NodeId,
    asked: Shape,
    replies: &[(&M, Shape)],
    cut: bool,
    logs: Logs,
) -> Option<String> {
    let one = |kind: &str| -> Result<Option<(&M, Shape)>, String> {
        match replies {
            [] if cut => Ok(None),
            [reply] => Ok(Some(*reply)),
            [] => Err(format!("no {kind} came back")),
            _ => Err(format!("{} answers came back where one {kind} is due", replies.len())),
        }
    };
    match asked {
        Shape::AskVote { term, pre_vote: false } => {
            let (reply, shape) = match one("Vote") {
                Ok(Some(r)) => r,
                Ok(None) => return None,
                Err(e) => return Some(e),
            };
            let Shape::Vote { term: shown, granted, pre_vote: false } = shape else {
                return Some(format!("it answered {reply:?}, not a Vote"));
            };
            let own = node.own(shown);
            let free = term >= own && node.votes.get(&term).is_none_or(|v| *v == from);
            let wrong = shown != term.max(own)
                || match logs {
                    Logs::Empty => granted != free,
                    Logs::Judged => granted && !free,
                };
            if wrong {
                return Some(format!(
                    "it answered {reply:?}; at term {own}, {}, the answer is a Vote of term {}, \
                     {}",
                    match node.votes.get(&term) {
                        Some(v) => format!("having voted for {v} in term {term}"),
                        None => format!("with no vote given in term {term}"),
                    },
                    term.max(own),
                    match (free, logs) {
                        (false, _) => "refused",
                        (true, Logs::Empty) => "granted",
                        (true, Logs::Judged) => "granted if the candidate's log is up to date",
                    }
                ));
            }
            if granted {
                node.votes.insert(term, from);
            }
            None
        }
        Shape::AskVote { term, pre_vote: true } => {
            for (reply, shape) in replies {
                let Shape::Vote { term: shown, granted, pre_vote: true } = *shape else {
                    return Some(format!("it answered {reply:?}, not a pre-vote answer"));
                };
                // A refused pre-vote's term the node may have adopted is not known here; judge
                // a grant by the term it surely has.
                let own = if granted { node.term } else { node.own(shown) };
                if granted && (shown != term || term <= own) {
                    return Some(format!(
                        "it granted a pre-vote in term {shown} at term {own}: a pre-vote is \
                         granted only for a term above the voter's, and answered with that term"
                    ));
                }
                if !granted && shown != own {
                    return Some(format!(
                        "it refused in term {shown} at term {own}: a refusal carries the voter's \
                         own term"
                    ));
                }
            }
            None
        }
        Shape::Append { term } => {
            let (reply, shape) = match one("AppendEntriesReply") {
                Ok(Some(r)) => r,
                Ok(None) => return None,
                Err(e) => return Some(e),
            };
            let Shape::AppendAnswer { term: shown, success } = shape else {
                return Some(format!("it answered {reply:?}, not an AppendEntriesReply"));
            };
            let own = node.own(shown);
            let current = term >= own;
            let wrong = shown != term.max(own)
                || match logs {
                    Logs::Empty => success != current,
                    Logs::Judged => success && !current,
                };
            if wrong {
                return Some(format!(
                    "it answered {reply:?}; at term {own} the answer is term {}, {}",
                    term.max(own),
                    match (current, logs) {
                        (false, _) => "success false",
                        (true, Logs::Empty) => "success true",
                        (true, Logs::Judged) => "success if the log matches",
                    }
                ));
            }
            None
        }
        // Answers need no answer (a candidate that wins on this vote heartbeats its voter), and
        // the other messages are judged by their terms only.
        Shape::Vote { .. } | Shape::AppendAnswer { .. } | Shape::Other { .. } => None,
    }
}

/// Part C: a node starts an election in term t only once a majority granted it pre-votes for t.
pub fn elections_won_their_pre_votes() -> Property<Raft> {
    Property::safety(
        "every election won a majority of pre-votes",
        "Before a node sends a real RequestVote in term t, granted pre-votes for t from distinct \
         nodes have reached it since its last restart, enough to make a majority with its own.",
        "counting refused pre-votes, or pre-votes granted for another term; campaigning on a \
         timeout without a pre-vote round.",
        |run: &Run<Raft>| {
            let majority = run.nodes / 2 + 1;
            let mut grants: BTreeMap<(NodeId, Term), BTreeSet<NodeId>> = BTreeMap::new();
            for e in &run.trace.events {
                match e.kind {
                    EventKind::Crash { node, .. } => grants.retain(|(n, _), _| *n != node),
                    EventKind::Deliver { msg } => {
                        let m = run.trace.message(msg);
                        if let Message::Vote { term, granted: true, pre_vote: true } = m.msg {
                            grants.entry((m.to, term)).or_default().insert(m.from);
                        }
                    }
                    EventKind::Send { msg } => {
                        let m = run.trace.message(msg);
                        let Message::RequestVote { term, pre_vote: false, .. } = m.msg else {
                            continue;
                        };
                        let won = grants.get(&(m.from, term)).map_or(0, BTreeSet::len) + 1;
                        if won < majority {
                            return Verdict::fails_at(
                                e.at,
                                format!(
                                    "{} campaigned in term {term} with {won} of the {majority} \
                                     pre-votes it needed (its own included)",
                                    m.from
                                ),
                            );
                        }
                    }
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// Part C: a leader that a bare majority still answers does not step down.
pub fn majority_leader_keeps_leading(timing: Timing) -> Property<Raft> {
    let window = timing.heartbeat_interval.times(2);
    Property::new(
        "a leader with a majority keeps leading",
        "When one follower is cut off, the leader still hears from a majority (itself and the \
         others): it keeps its term and sends AppendEntries in it until the end of the run, and \
         nobody else sends a message of a higher term (pre-votes aside; the cut-off node's \
         messages never arrive and are not counted).",
        "a quorum check that counts the leader twice or asks for more answers than a majority \
         (stepping down with exactly a majority); a leader that never re-arms its quorum check.",
        move |run: &Run<Raft>| {
            let cut = run.trace.events.iter().find_map(|e| match &e.kind {
                EventKind::Partition { links, .. } => Some((e.at, links.first().map(|l| l.0))),
                _ => None,
            });
            let Some((at, Some(cut_off))) = cut else {
                return Verdict::fails("no follower was cut off on this seed");
            };
            let Some(leader) = current_leader(&run.trace, at) else {
                return Verdict::fails(format!("no node was leading when {cut_off} was cut off"));
            };
            let Some(term) = sent(&run.trace)
                .filter(|(t, from, _, m)| {
                    *t <= at && *from == leader && matches!(m, Message::AppendEntries { .. })
                })
                .map(|(_, _, _, m)| m.term())
                .last()
            else {
                return Verdict::fails(format!("{leader} sent no AppendEntries before the cut"));
            };
            for (when, from, _, msg) in sent(&run.trace) {
                if when > at && from != cut_off && !msg.is_pre_vote() && msg.term() > term {
                    return Verdict::fails_at(
                        when,
                        format!(
                            "{from} sent {msg:?} in term {}, above the term {term} of {leader}, \
                             which a majority still answered",
                            msg.term()
                        ),
                    );
                }
            }
            let last = sent(&run.trace)
                .filter(|(_, from, _, m)| {
                    *from == leader
                        && matches!(m, Message::AppendEntries { term: t, .. } if *t == term)
                })
                .map(|(t, ..)| t)
                .last()
                .unwrap_or(at);
            if run.end.since(last) > window {
                return Verdict::fails_at(
                    last,
                    format!(
                        "{leader} stopped leading term {term} at {last}, though a majority still \
                         answered it"
                    ),
                );
            }
            Verdict::Holds
        },
    )
}
