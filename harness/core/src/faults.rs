//! Faults, scheduled at virtual times: crashes (optionally cutting a handler short), restarts,
//! pauses, partitions, changes of network behaviour and wall-clock steps.
//!
//! A scenario's fault schedule is a list of these, scripted or drawn from the seed; the simulator
//! applies each at its time and records it in the trace.

use crate::network::Network;
use crate::node::NodeId;
use crate::time::{Duration, Time};
use serde::Serialize;
use std::fmt;

/// How many of a handler's effects survive when a crash cuts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Cut {
    /// Exactly this many (or all, if the handler has fewer).
    Keep(usize),
    /// A prefix of random length, drawn from the fault stream.
    Random,
}

/// One fault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Fault {
    /// The node stops between two handlers: volatile state is gone, unsynced writes are lost,
    /// its timers are cancelled and messages to it are dropped until it restarts.
    Crash {
        /// The node.
        node: NodeId,
        /// When.
        at: Time,
    },
    /// The node's first handler that runs at or after `after` is cut short: a prefix of its
    /// effects takes place (sends in it are delivered), then the node crashes. If the node is
    /// down at `after`, that handler is the `on_start` of its restart: a crash during recovery.
    CrashInHandler {
        /// The node.
        node: NodeId,
        /// From when.
        after: Time,
        /// How much of the handler survives.
        cut: Cut,
    },
    /// A crashed node starts again, with a fresh struct and its synced storage.
    Restart {
        /// The node.
        node: NodeId,
        /// When.
        at: Time,
    },
    /// The node stops running for a while (a long garbage-collection pause, a frozen VM); then
    /// everything that became due meanwhile is handled, in order.
    Pause {
        /// The node.
        node: NodeId,
        /// When.
        at: Time,
        /// For how long.
        duration: Duration,
    },
    /// Messages on the listed directed links are dropped from `at` until `heal` (forever if
    /// `None`), including those already in flight.
    Partition {
        /// When it starts.
        at: Time,
        /// When it heals.
        heal: Option<Time>,
        /// The blocked (from, to) links.
        links: Vec<(NodeId, NodeId)>,
    },
    /// The network's behaviour changes from `at` on, on every link (for example, the quiet
    /// period at the end of a scenario). It replaces every per-link behaviour set before.
    Network {
        /// When.
        at: Time,
        /// The new behaviour.
        network: Network,
    },
    /// The listed directed links behave differently from `at` on (a slow node, a distant
    /// datacenter), until a later `LinkNetwork` names them again or a `Network` fault resets
    /// every link. `None` returns them to the behaviour of the rest of the network.
    LinkNetwork {
        /// When.
        at: Time,
        /// The (from, to) links.
        links: Vec<(NodeId, NodeId)>,
        /// Their behaviour, or `None` for the network's.
        network: Option<Network>,
    },
    /// The node the scenario's picker names at `at` (the current leader, say) crashes, and
    /// restarts `restart_after` later if that is set. If the picker names no one at `at`, the
    /// fault strikes at the first millisecond after when it does.
    CrashPicked {
        /// When.
        at: Time,
        /// How long until it restarts, if it does.
        restart_after: Option<Duration>,
    },
    /// The node the picker names at `at` (or, as for `CrashPicked`, as soon after as it names
    /// one) is cut off from every other node until `heal`.
    IsolatePicked {
        /// When.
        at: Time,
        /// When it heals, if it does.
        heal: Option<Time>,
    },
    /// The node the picker names at `at` (or, as for `CrashPicked`, as soon after as it names
    /// one) pauses for `duration`: the process pause of a lease holder (Gray and Cheriton, 1989)
    /// that fencing tokens guard against.
    PausePicked {
        /// When.
        at: Time,
        /// For how long.
        duration: Duration,
    },
    /// The node's wall clock jumps by `by_micros` (negative: backwards, as NTP may do).
    ClockStep {
        /// The node.
        node: NodeId,
        /// When.
        at: Time,
        /// The jump.
        by_micros: i64,
    },
}

impl Fault {
    /// A symmetric partition between groups: no message crosses from one group to another.
    pub fn partition(at: Time, heal: Option<Time>, groups: &[&[NodeId]]) -> Fault {
        let mut links = Vec::new();
        for (i, a) in groups.iter().enumerate() {
            for (j, b) in groups.iter().enumerate() {
                if i != j {
                    for &x in *a {
                        for &y in *b {
                            links.push((x, y));
                        }
                    }
                }
            }
        }
        Fault::Partition { at, heal, links }
    }

    /// A one-way partition: `from` cannot reach `to`, but `to` still reaches `from`.
    pub fn one_way(at: Time, heal: Option<Time>, from: NodeId, to: NodeId) -> Fault {
        Fault::Partition { at, heal, links: vec![(from, to)] }
    }

    /// Every link into and out of `node` in a cluster of `nodes` behaves as `network` from `at`
    /// on (`None`: as the rest of the network again); a slow or distant node.
    pub fn links_of(at: Time, node: NodeId, nodes: usize, network: Option<Network>) -> Fault {
        let links = (0..nodes as u32)
            .map(NodeId)
            .filter(|other| *other != node)
            .flat_map(|other| [(node, other), (other, node)])
            .collect();
        Fault::LinkNetwork { at, links, network }
    }

    /// When this fault takes effect.
    pub fn at(&self) -> Time {
        match self {
            Fault::Crash { at, .. }
            | Fault::Restart { at, .. }
            | Fault::Pause { at, .. }
            | Fault::Partition { at, .. }
            | Fault::Network { at, .. }
            | Fault::LinkNetwork { at, .. }
            | Fault::ClockStep { at, .. }
            | Fault::CrashPicked { at, .. }
            | Fault::IsolatePicked { at, .. }
            | Fault::PausePicked { at, .. } => *at,
            Fault::CrashInHandler { after, .. } => *after,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Crash { node, at } => write!(f, "crash {node} at {at}"),
            Fault::CrashInHandler { node, after, cut } => match cut {
                Cut::Keep(k) => write!(
                    f,
                    "crash {node} in its first handler after {after}, keeping {k} effects"
                ),
                Cut::Random => write!(
                    f,
                    "crash {node} in its first handler after {after}, keeping a random prefix"
                ),
            },
            Fault::Restart { node, at } => write!(f, "restart {node} at {at}"),
            Fault::Pause { node, at, duration } => write!(f, "pause {node} at {at} for {duration}"),
            Fault::Partition { at, heal, links } => {
                let links: Vec<String> = links.iter().map(|(a, b)| format!("{a}->{b}")).collect();
                write!(f, "partition {} at {at}", links.join(" "))?;
                match heal {
                    Some(h) => write!(f, ", healed at {h}"),
                    None => write!(f, ", never healed"),
                }
            }
            Fault::Network { at, network } => write!(f, "network becomes {network} at {at}"),
            Fault::LinkNetwork { at, links, network } => {
                let links: Vec<String> = links.iter().map(|(a, b)| format!("{a}->{b}")).collect();
                match network {
                    Some(n) => write!(f, "links {} become {n} at {at}", links.join(" ")),
                    None => write!(
                        f,
                        "links {} return to the network's behaviour at {at}",
                        links.join(" ")
                    ),
                }
            }
            Fault::CrashPicked { at, restart_after } => match restart_after {
                Some(d) => write!(f, "crash the picked node at {at}, restart it {d} later"),
                None => write!(f, "crash the picked node at {at}"),
            },
            Fault::IsolatePicked { at, heal } => match heal {
                Some(h) => write!(f, "isolate the picked node at {at}, heal at {h}"),
                None => write!(f, "isolate the picked node at {at} for good"),
            },
            Fault::PausePicked { at, duration } => {
                write!(f, "pause the picked node at {at} for {duration}")
            }
            Fault::ClockStep { node, at, by_micros } => {
                write!(f, "step {node}'s wall clock by {by_micros}us at {at}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partition_blocks_both_directions_between_groups_only() {
        let (a, b, c) = (NodeId(0), NodeId(1), NodeId(2));
        let Fault::Partition { links, .. } = Fault::partition(Time(1), None, &[&[a], &[b, c]])
        else {
            unreachable!()
        };
        assert_eq!(links, vec![(a, b), (a, c), (b, a), (c, a)]);
    }

    #[test]
    fn the_links_of_a_node_are_every_link_into_and_out_of_it() {
        let Fault::LinkNetwork { links, .. } = Fault::links_of(Time(1), NodeId(1), 3, None) else {
            unreachable!()
        };
        let expected = [(1, 0), (0, 1), (1, 2), (2, 1)].map(|(a, b)| (NodeId(a), NodeId(b)));
        assert_eq!(links, expected);
    }
}
