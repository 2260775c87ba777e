//! A configuration service with epochs: the control plane of chain replication (van Renesse and
//! Schneider, 2004, section 3: the "master"), and of any lab whose members change.
//!
//! It holds an ordered list of members, numbered by an epoch that grows by one with every change.
//! Members send it heartbeats; a member unheard of for `failure_timeout` is removed, and nodes
//! listed to join are appended at the end at their time. Every change is sent to every member and
//! to the subscribers (the clients), and a heartbeat or query that shows an older epoch is
//! answered with the current configuration, so a lost announcement is repaired.
//!
//! The service stands in for a replicated, never-failing one (in a real system, a Raft or Paxos
//! group), so it is never crashed. Its failure detector is a timeout; the scenarios that use it
//! keep a live member's heartbeats well inside it, so in effect detection is perfect, as the
//! paper assumes of its master.

use crate::node::{Ctx, NodeId, Process, Protocol};
use crate::sim::Run;
use crate::time::{Duration, Time};
use crate::trace::EventKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The members, in order (for chain replication: head first, tail last), and the epoch that
/// numbers this list.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Configuration {
    /// Grows by one with every change; the first configuration is epoch 1.
    pub epoch: u64,
    /// The members, in order.
    pub members: Vec<NodeId>,
}

impl fmt::Debug for Configuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "epoch {} [", self.epoch)?;
        for (i, m) in self.members.iter().enumerate() {
            write!(f, "{}{m}", if i == 0 { "" } else { " " })?;
        }
        write!(f, "]")
    }
}

impl Configuration {
    /// The member before `node`, if it has one (`None` for the first, and for a non-member).
    pub fn before(&self, node: NodeId) -> Option<NodeId> {
        let i = self.members.iter().position(|m| *m == node)?;
        i.checked_sub(1).map(|p| self.members[p])
    }

    /// The member after `node`, if it has one.
    pub fn after(&self, node: NodeId) -> Option<NodeId> {
        let i = self.members.iter().position(|m| *m == node)?;
        self.members.get(i + 1).copied()
    }

    /// The first member.
    pub fn first(&self) -> Option<NodeId> {
        self.members.first().copied()
    }

    /// The last member.
    pub fn last(&self) -> Option<NodeId> {
        self.members.last().copied()
    }

    /// Whether `node` is a member.
    pub fn contains(&self, node: NodeId) -> bool {
        self.members.contains(&node)
    }
}

/// What the service and its users say to each other.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MembershipMsg {
    /// A member is alive and knows the configuration of `epoch`.
    Heartbeat {
        /// The epoch the member knows (0 if it knows none yet).
        epoch: u64,
    },
    /// Anyone asks for the current configuration.
    Query,
    /// The current configuration: announced on every change, and the answer to a query or to a
    /// heartbeat from an older epoch.
    Config(Configuration),
}

/// The configuration service, as a process of any protocol whose messages carry
/// [`MembershipMsg`].
pub struct Membership<P: Protocol> {
    config: Configuration,
    subscribers: Vec<NodeId>,
    failure_timeout: Duration,
    check_every: Duration,
    /// Nodes to append, and when (by the service's clock), earliest first.
    joins: Vec<(Time, NodeId)>,
    last_heard: BTreeMap<NodeId, Time>,
    tick: P::Timer,
}

impl<P: Protocol> fmt::Debug for Membership<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Membership").field("config", &self.config).finish_non_exhaustive()
    }
}

impl<P: Protocol> Membership<P>
where
    P::Msg: From<MembershipMsg> + TryInto<MembershipMsg>,
{
    /// A service whose epoch 1 lists `members`, telling `subscribers` of every change, removing
    /// a member unheard of for `failure_timeout`. It checks every `check_every` with timers
    /// tagged `tick` (any timer that fires at the service is its tick).
    pub fn new(
        members: Vec<NodeId>,
        subscribers: Vec<NodeId>,
        failure_timeout: Duration,
        check_every: Duration,
        tick: P::Timer,
    ) -> Self {
        Membership {
            config: Configuration { epoch: 1, members },
            subscribers,
            failure_timeout,
            check_every,
            joins: Vec::new(),
            last_heard: BTreeMap::new(),
            tick,
        }
    }

    /// Appends `node` at the end of the members `at` (by the service's clock, from its start).
    pub fn with_join(mut self, at: Time, node: NodeId) -> Self {
        self.joins.push((at, node));
        self.joins.sort();
        self
    }

    fn announce(&self, ctx: &mut Ctx<'_, P>, why: String) {
        ctx.annotate(format!("{why}: {:?}", self.config));
        let everyone = self.config.members.iter().chain(&self.subscribers);
        for &to in everyone {
            ctx.send(to, MembershipMsg::Config(self.config.clone()).into());
        }
    }

    fn change(&mut self, ctx: &mut Ctx<'_, P>, members: Vec<NodeId>, why: String) {
        self.config = Configuration { epoch: self.config.epoch + 1, members };
        self.announce(ctx, why);
    }
}

impl<P: Protocol> Process<P> for Membership<P>
where
    P::Msg: From<MembershipMsg> + TryInto<MembershipMsg>,
{
    fn on_start(&mut self, ctx: &mut Ctx<'_, P>) {
        let now = ctx.now();
        for &m in &self.config.members {
            self.last_heard.insert(m, now);
        }
        self.announce(ctx, "first configuration".into());
        ctx.set_timer(self.check_every, self.tick.clone());
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, P>, from: NodeId, msg: P::Msg) {
        let Ok(msg) = msg.try_into() else { return };
        let stale = match msg {
            MembershipMsg::Heartbeat { epoch } => {
                if self.config.contains(from) {
                    self.last_heard.insert(from, ctx.now());
                }
                epoch < self.config.epoch
            }
            MembershipMsg::Query => true,
            MembershipMsg::Config(_) => false,
        };
        if stale {
            ctx.send(from, MembershipMsg::Config(self.config.clone()).into());
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, P>, _: P::Timer) {
        let now = ctx.now();
        let silent: Vec<NodeId> = self
            .config
            .members
            .iter()
            .copied()
            .filter(|m| {
                self.last_heard.get(m).is_none_or(|t| now.since(*t) >= self.failure_timeout)
            })
            .collect();
        if !silent.is_empty() {
            let members = self.config.members.iter().copied().filter(|m| !silent.contains(m));
            let names: Vec<String> = silent.iter().map(|n| n.to_string()).collect();
            let why = format!(
                "removed {} (no heartbeat for {})",
                names.join(" and "),
                self.failure_timeout
            );
            self.change(ctx, members.collect(), why);
        }
        while self.joins.first().is_some_and(|(at, _)| *at <= now) {
            let (_, node) = self.joins.remove(0);
            if !self.config.contains(node) {
                self.last_heard.insert(node, now);
                let mut members = self.config.members.clone();
                members.push(node);
                self.change(ctx, members, format!("{node} joins at the end"));
            }
        }
        ctx.set_timer(self.check_every, self.tick.clone());
    }
}

/// Every configuration the service at `service` announced in a run, with when it first sent it,
/// in epoch order: what properties compare the members' behaviour against.
pub fn configurations<P: Protocol>(run: &Run<P>, service: NodeId) -> Vec<(Time, Configuration)>
where
    P::Msg: TryInto<MembershipMsg>,
{
    let mut out: Vec<(Time, Configuration)> = Vec::new();
    for e in &run.trace.events {
        let EventKind::Send { msg } = e.kind else { continue };
        let envelope = run.trace.message(msg);
        if envelope.from != service {
            continue;
        }
        if let Ok(MembershipMsg::Config(c)) = envelope.msg.clone().try_into() {
            if out.last().is_none_or(|(_, last)| c.epoch > last.epoch) {
                out.push((e.at, c));
            }
        }
    }
    out
}

/// The configuration in force at `at` among `configs` (from [`configurations`]).
pub fn configuration_at(configs: &[(Time, Configuration)], at: Time) -> Option<&Configuration> {
    configs.iter().take_while(|(t, _)| *t <= at).last().map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::Fault;
    use crate::network::Network;
    use crate::sim::{Budgets, NoRequests, Setup, Simulation};
    use std::sync::Arc;

    #[derive(Clone, Copy, Debug)]
    enum Test {}

    #[derive(Clone, Debug, Serialize, Deserialize)]
    enum Msg {
        Service(MembershipMsg),
        Other,
    }

    impl From<MembershipMsg> for Msg {
        fn from(m: MembershipMsg) -> Msg {
            Msg::Service(m)
        }
    }

    impl TryFrom<Msg> for MembershipMsg {
        type Error = Msg;
        fn try_from(m: Msg) -> Result<MembershipMsg, Msg> {
            match m {
                Msg::Service(s) => Ok(s),
                other => Err(other),
            }
        }
    }

    impl Protocol for Test {
        type Msg = Msg;
        type Timer = ();
        type Request = ();
        type Response = ();
        type Output = Configuration;
    }

    /// A member that heartbeats every 10 ms with the epoch it knows, and outputs every
    /// configuration it learns.
    #[derive(Debug, Default)]
    struct Member {
        epoch: u64,
    }

    impl Process<Test> for Member {
        fn on_start(&mut self, ctx: &mut Ctx<'_, Test>) {
            ctx.set_timer(Duration::from_millis(10), ());
        }
        fn on_timer(&mut self, ctx: &mut Ctx<'_, Test>, _: ()) {
            ctx.send(NodeId(4), MembershipMsg::Heartbeat { epoch: self.epoch }.into());
            ctx.set_timer(Duration::from_millis(10), ());
        }
        fn on_message(&mut self, ctx: &mut Ctx<'_, Test>, _: NodeId, msg: Msg) {
            if let Msg::Service(MembershipMsg::Config(c)) = msg {
                if c.epoch > self.epoch {
                    self.epoch = c.epoch;
                    ctx.output(c);
                }
            }
        }
    }

    /// Members n0-n3 (n3 joins at 300 ms), the service n4, a subscriber n5.
    fn setup(faults: Vec<Fault>, network: Network) -> Setup<Test> {
        Setup {
            nodes: 6,
            network,
            faults,
            clocks: Vec::new(),
            duration: Duration::from_millis(600),
            factory: Arc::new(|id: NodeId| -> Box<dyn Process<Test>> {
                if id == NodeId(4) {
                    let service = Membership::<Test>::new(
                        vec![NodeId(0), NodeId(1), NodeId(2)],
                        vec![NodeId(5)],
                        Duration::from_millis(100),
                        Duration::from_millis(10),
                        (),
                    );
                    Box::new(service.with_join(Time::from_millis(300), NodeId(3)))
                } else {
                    Box::new(Member::default())
                }
            }),
            workload: Box::new(NoRequests),
            budgets: Budgets::default(),
            picker: None,
        }
    }

    fn learned(run: &Run<Test>, node: NodeId) -> Vec<Configuration> {
        run.trace
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Output { node: n, output } if *n == node => Some(output.clone()),
                _ => None,
            })
            .collect()
    }

    fn config(epoch: u64, members: &[u32]) -> Configuration {
        Configuration { epoch, members: members.iter().map(|m| NodeId(*m)).collect() }
    }

    #[test]
    fn a_silent_member_is_removed_and_a_joining_one_appended_each_in_a_new_epoch() {
        let crash = Fault::Crash { node: NodeId(1), at: Time::from_millis(100) };
        let run = Simulation::new(1, setup(vec![crash], Network::reliable())).run();
        let expected = vec![config(1, &[0, 1, 2]), config(2, &[0, 2]), config(3, &[0, 2, 3])];
        let announced: Vec<Configuration> =
            configurations(&run, NodeId(4)).into_iter().map(|(_, c)| c).collect();
        assert_eq!(announced, expected);
        let (removed_at, _) = configurations(&run, NodeId(4))[1].clone();
        assert!(removed_at >= Time::from_millis(200) && removed_at <= Time::from_millis(220));
        assert_eq!(learned(&run, NodeId(0)), expected);
        assert_eq!(learned(&run, NodeId(5)), expected, "subscribers hear of every change");
        // n3 heartbeats before it joins; the service answers even a non-member's old epoch.
        assert_eq!(learned(&run, NodeId(3)), expected);
        let configs = configurations(&run, NodeId(4));
        let at = |ms| configuration_at(&configs, Time::from_millis(ms)).cloned();
        assert_eq!(at(150), Some(config(1, &[0, 1, 2])));
        assert_eq!(at(250), Some(config(2, &[0, 2])));
        assert_eq!(config(2, &[0, 2]).before(NodeId(2)), Some(NodeId(0)));
        assert_eq!(config(2, &[0, 2]).after(NodeId(2)), None);
    }

    #[test]
    fn a_lost_announcement_is_repaired_by_the_next_heartbeat() {
        // The first announcement to n2 is lost (its link from the service is cut for 5 ms); its
        // heartbeats still show epoch 0, and the service answers them.
        let cut = Fault::one_way(Time::ZERO, Some(Time::from_millis(5)), NodeId(4), NodeId(2));
        let run = Simulation::new(1, setup(vec![cut], Network::reliable())).run();
        let first = run.trace.events.iter().find_map(|e| match &e.kind {
            EventKind::Output { node, .. } if *node == NodeId(2) => Some(e.at),
            _ => None,
        });
        assert!(first.is_some_and(|t| t > Time::from_millis(5) && t < Time::from_millis(30)));
        assert_eq!(learned(&run, NodeId(2)), vec![config(1, &[0, 1, 2]), config(2, &[0, 1, 2, 3])]);
    }
}
