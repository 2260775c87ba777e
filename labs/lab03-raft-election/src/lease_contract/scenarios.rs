//! Part B's scenarios: three nodes compete for one lease; the lease service and the fenced
//! storage are the last two processes. Every fault strikes after a first holder is writing, so
//! each scenario is about losing a lease safely: to a crash, a pause longer than the lease, a
//! slow clock, or a partition from the lease service.

use super::properties::{Services, grants, holder_at, part_b, takeover_bound};
use super::services::{FencedStorage, LeaseService};
use super::{LeaseNode, LeaseTiming, Leases};
use harness::evidence;
use harness::sim::{Budgets, Factory, Picker};
use harness::trace::EventKind;
use harness::{
    Clock, Delay, Duration, Fault, Network, NoRequests, NodeId, Plan, Property, Rng, Run, Scenario,
    Time, Verdict,
};
use std::sync::Arc;

/// How many nodes compete for the lease.
pub const COMPETITORS: usize = 3;

/// The services' ids: right after the competitors.
pub const SERVICES: Services =
    Services { lease: NodeId(COMPETITORS as u32), storage: NodeId(COMPETITORS as u32 + 1) };

/// The network: no loss, delays of 1 ms up to the contract's `max_delay`.
const QUIET: Network = Network::reliable()
    .with_delay(Delay::uniform(Duration::from_millis(1), LeaseTiming::MAX_DELAY));

/// When the faults strike: a first holder is long established by then.
const FAULTS_START: Time = Time::from_millis(1000);

/// When the holder pauses: off the millisecond grid its timers are likely set on, so that it
/// wakes up with a write due before anything else.
const PAUSE_START: Time = Time::from_millis(1005);

/// How long the pause and the partitions last: twice the longest legal TTL.
const OUTAGE: Duration = LeaseTiming::SLOWEST.ttl.times(2);

/// When the lease service's answers are fast again in `lease_late_answers`.
const LATE_ANSWERS_END: Time = Time::from_millis(2600);

/// A fault schedule drawn from the seed.
type DrawFaults = Box<dyn Fn(&mut Rng) -> (Vec<Fault>, Vec<Clock>) + Send + Sync>;

struct Spec {
    name: &'static str,
    points: u32,
    summary: &'static str,
    faults: &'static str,
    /// The latest time the faults can end, on any seed.
    faults_end: Time,
    draw: DrawFaults,
    /// The properties beyond part B's own.
    evidence: Vec<Property<Leases>>,
    picker: Option<Picker<Leases>>,
}

impl Spec {
    fn build<L: LeaseNode>(self, timing: LeaseTiming) -> Arc<Scenario<Leases>> {
        let settle = takeover_bound(LeaseTiming::SLOWEST).times(3);
        let duration = (self.faults_end + settle).since(Time::ZERO);
        let factory: Factory<Leases> = Arc::new(move |id: NodeId| {
            if id == SERVICES.lease {
                Box::new(LeaseService::new(timing.ttl))
            } else if id == SERVICES.storage {
                Box::new(FencedStorage::default())
            } else {
                Box::new(L::new(id, SERVICES.lease, SERVICES.storage, timing))
            }
        });
        let draw = self.draw;
        let mut properties = part_b(timing, SERVICES);
        properties.extend(self.evidence);
        Arc::new(Scenario {
            name: self.name,
            part: "B",
            points: self.points,
            summary: self.summary,
            nodes: COMPETITORS + 2,
            network: QUIET,
            faults: self.faults.to_string(),
            workload: format!(
                "none: n0..n{} compete for the lease; n{} is the lease service, n{} the fenced \
                 storage",
                COMPETITORS - 1,
                SERVICES.lease.0,
                SERVICES.storage.0
            ),
            duration,
            seeds: 50,
            plan: Arc::new(move |rng: &mut Rng| {
                let (faults, clocks) = draw(rng);
                Plan { faults, clocks, workload: Box::new(NoRequests) }
            }),
            factory,
            properties,
            budgets: Budgets::default(),
            outcome: None,
            picker: self.picker,
        })
    }
}

/// The node holding the lease at the service now.
fn holder_picker() -> Picker<Leases> {
    Arc::new(|trace, now| holder_at(trace, SERVICES, now))
}

/// Every competitor cut off from the lease service (both ways) from `at` for [`OUTAGE`]; the
/// storage stays reachable, so a holder that keeps writing is heard.
fn cut_from_service(at: Time) -> Fault {
    let nodes: Vec<NodeId> = (0..COMPETITORS as u32).map(NodeId).collect();
    Fault::partition(at, Some(at + OUTAGE), &[&nodes, &[SERVICES.lease]])
}

/// The first crash, pause or partition of the run, and the node it hit (for a partition, the
/// node holding the lease then, if any).
fn first_fault(run: &Run<Leases>) -> Option<(Time, Option<NodeId>, &EventKind<Leases>)> {
    run.trace.events.iter().find_map(|e| match &e.kind {
        EventKind::Crash { node, .. } | EventKind::Pause { node, .. } => {
            Some((e.at, Some(*node), &e.kind))
        }
        EventKind::Partition { .. } => Some((e.at, None, &e.kind)),
        _ => None,
    })
}

/// Evidence that the fault struck the node holding the lease (for a pause: for longer than the
/// lease lasts), and that another node was granted the lease after it, before `within` ended.
fn the_holder_was_hit(what: &'static str, within: Option<Duration>) -> Property<Leases> {
    Property::new(
        what,
        "The scenario is about losing a lease, so on every seed the fault must strike the node \
         holding it at that moment, and another node must be granted the lease afterwards (for a \
         pause: while the holder still sleeps, so it wakes up with a stale lease).",
        "no holder when the fault came, or no other node acquires the lease after it: see \
         \"writes are accepted in the quiet end\" first.",
        move |run: &Run<Leases>| {
            let Some((at, Some(node), kind)) = first_fault(run) else {
                return Verdict::fails("the fault never struck");
            };
            if holder_at(&run.trace, SERVICES, at) != Some(node) {
                return Verdict::fails_at(at, format!("{node} did not hold the lease then"));
            }
            if let EventKind::Pause { until, .. } = kind {
                if until.since(at) <= LeaseTiming::SLOWEST.ttl {
                    return Verdict::fails_at(at, "the pause was no longer than the lease");
                }
            }
            let deadline = within.map(|d| at + d).unwrap_or(run.end);
            let taken = grants(&run.trace, SERVICES)
                .iter()
                .any(|g| g.at > at && g.at <= deadline && g.holder != node && !g.renewal);
            if taken {
                Verdict::Holds
            } else {
                Verdict::fails_at(deadline, format!("no other node took the lease from {node}"))
            }
        },
    )
}

/// Evidence that the partition cut a holder off from the lease service.
fn holder_cut_off() -> Property<Leases> {
    Property::new(
        "the holder was cut off from the lease service",
        "The scenario partitions the competitors from the lease service; on every seed some node \
         must hold the lease when the partition starts.",
        "no node holds the lease by then: see \"writes are accepted in the quiet end\".",
        |run: &Run<Leases>| match first_fault(run) {
            Some((at, None, _)) if holder_at(&run.trace, SERVICES, at).is_some() => Verdict::Holds,
            Some((at, _, _)) => Verdict::fails_at(at, "nobody held the lease when it was cut off"),
            None => Verdict::fails("the partition never started"),
        },
    )
}

/// The stable holder's obligation: one grant, then renewals only.
fn renewals_keep_the_lease() -> Property<Leases> {
    Property::new(
        "renewals keep one holder",
        "With no faults, the first node granted the lease renews it every renew_interval \
         (well inside the ttl) and keeps it for the whole run: the service grants exactly one \
         new lease, and renews it.",
        "renewing too late (or not at all), so the lease expires and is granted anew; renewing \
         with the wrong token; acquiring again instead of renewing.",
        |run: &Run<Leases>| {
            let grants = grants(&run.trace, SERVICES);
            let fresh: Vec<_> = grants.iter().filter(|g| !g.renewal).collect();
            match fresh.as_slice() {
                [] => Verdict::fails("the lease was never granted"),
                [_] if grants.iter().any(|g| g.renewal) => Verdict::Holds,
                [g] => Verdict::fails_at(g.at, format!("{} never renewed its lease", g.holder)),
                [_, g, ..] => Verdict::fails_at(
                    g.at,
                    format!("the lease was granted anew, to {} with token {}", g.holder, g.token),
                ),
            }
        },
    )
}

/// Every part B scenario, in rubric order.
pub fn all<L: LeaseNode>(timing: LeaseTiming) -> Vec<Arc<Scenario<Leases>>> {
    let drift = LeaseTiming::MAX_DRIFT_PPM as i32;
    let specs = vec![
        Spec {
            name: "lease_basic",
            points: 5,
            summary: "one node acquires the lease, renews it, and writes under its token",
            faults: "none, for a long time",
            faults_end: Time::from_millis(2000),
            draw: Box::new(|_| (Vec::new(), Vec::new())),
            evidence: vec![renewals_keep_the_lease()],
            picker: None,
        },
        Spec {
            name: "lease_holder_crashes",
            points: 5,
            summary: "when the holder crashes, another node takes the lease once it has expired",
            faults: "the holder crashes at 1s and never comes back",
            faults_end: FAULTS_START,
            draw: Box::new(|_| {
                (vec![Fault::CrashPicked { at: FAULTS_START, restart_after: None }], Vec::new())
            }),
            evidence: vec![the_holder_was_hit("the holder crashed", None)],
            picker: Some(holder_picker()),
        },
        Spec {
            name: "lease_pause_longer_than_lease",
            points: 10,
            summary: "a holder paused longer than its lease wakes up and must not write with it",
            faults: "the holder pauses at 1.005s (between two of its timers) for 800ms (twice \
                     the longest legal TTL)",
            faults_end: PAUSE_START + OUTAGE,
            draw: Box::new(|_| {
                (vec![Fault::PausePicked { at: PAUSE_START, duration: OUTAGE }], Vec::new())
            }),
            evidence: vec![the_holder_was_hit(
                "the holder paused longer than the lease",
                Some(OUTAGE),
            )],
            picker: Some(holder_picker()),
        },
        Spec {
            name: "lease_drift",
            points: 10,
            summary: "holders whose clocks run slow by up to the drift bound still stop in time",
            faults: "every competitor's clock runs 9-10% slow; the competitors are cut off from \
                     the lease service at 1s and at 2.8s, for 800ms each",
            faults_end: FAULTS_START + OUTAGE.times(2) + Duration::from_millis(1000),
            draw: Box::new(move |rng| {
                let clocks = (0..COMPETITORS)
                    .map(|_| Clock {
                        drift_ppm: -(rng.between(drift as u64 * 9 / 10, drift as u64) as i32),
                        wall_offset_micros: 0,
                    })
                    .collect();
                let second = FAULTS_START + OUTAGE + Duration::from_millis(1000);
                (vec![cut_from_service(FAULTS_START), cut_from_service(second)], clocks)
            }),
            evidence: vec![
                holder_cut_off(),
                evidence::clocks_drifted(),
                evidence::partition_blocked(),
            ],
            picker: None,
        },
        Spec {
            name: "lease_partition_from_service",
            points: 10,
            summary: "a holder that cannot reach the lease service stops writing before it expires",
            faults: "the competitors are cut off from the lease service (not from the storage) \
                     at 1s for 800ms",
            faults_end: FAULTS_START + OUTAGE,
            draw: Box::new(|_| (vec![cut_from_service(FAULTS_START)], Vec::new())),
            evidence: vec![holder_cut_off(), evidence::partition_blocked()],
            picker: None,
        },
        Spec {
            name: "lease_late_answers",
            points: 5,
            summary: "answers from the lease service come late and out of order; the holder \
                      matches each to its request",
            faults: "from 0.5s to 2.6s the lease service's answers take 1-150ms (writes still \
                     take at most max_delay); the competitors are cut off from the lease \
                     service at 1s for 800ms",
            faults_end: LATE_ANSWERS_END,
            draw: Box::new(|_| {
                let late = Network::reliable().with_delay(Delay::uniform(
                    Duration::from_millis(1),
                    Duration::from_millis(150),
                ));
                let answers: Vec<(NodeId, NodeId)> =
                    (0..COMPETITORS as u32).map(|n| (SERVICES.lease, NodeId(n))).collect();
                (
                    vec![
                        Fault::LinkNetwork {
                            at: Time::from_millis(500),
                            links: answers.clone(),
                            network: Some(late),
                        },
                        cut_from_service(FAULTS_START),
                        Fault::LinkNetwork { at: LATE_ANSWERS_END, links: answers, network: None },
                    ],
                    Vec::new(),
                )
            }),
            evidence: vec![holder_cut_off(), evidence::messages_reordered()],
            picker: None,
        },
    ];
    specs.into_iter().map(|s| s.build::<L>(timing)).collect()
}
