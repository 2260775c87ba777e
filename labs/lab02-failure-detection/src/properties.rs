//! What every lab 02 run must satisfy, judged from the trace. Part A's rules are in
//! [`retry`], each detector's own rules in [`heartbeat`] and [`swim`]; this file holds what both
//! detectors share: who suspected whom and when, completeness, accuracy, and the quality of
//! service measures of Chen, Toueg and Aguilera (2002). Nothing here trusts a node's account of
//! itself except its `Suspect` and `Restore` outputs, which are what a detector is for.

pub mod heartbeat;
pub mod retry;
pub mod swim;

use crate::{FailureDetection, HeartbeatTiming, Suspicion, SwimTiming};
use harness::scenario::Tally;
use harness::trace::EventKind;
use harness::{Duration, NodeId, Property, Run, Time, Verdict};
use std::collections::BTreeMap;

/// How long each node's incarnations lived and when it was paused, from the trace.
#[derive(Clone, Debug, Default)]
pub struct Lives {
    /// Per node: each incarnation as [start, end), where end is its crash or the run's end.
    pub up: Vec<Vec<(Time, Time)>>,
    /// Per node: each pause as [from, until].
    pub paused: Vec<Vec<(Time, Time)>>,
}

impl Lives {
    /// Reads the trace.
    pub fn of(run: &Run<FailureDetection>) -> Lives {
        let n = run.nodes;
        let mut up: Vec<Vec<(Time, Time)>> = vec![Vec::new(); n];
        let mut open: Vec<Option<Time>> = vec![None; n];
        let mut paused: Vec<Vec<(Time, Time)>> = vec![Vec::new(); n];
        let mut pause_open: Vec<Option<Time>> = vec![None; n];
        for e in &run.trace.events {
            match e.kind {
                EventKind::Start { node, .. } | EventKind::Restart { node, .. } => {
                    open[node.index()] = Some(e.at);
                }
                EventKind::Crash { node, .. } => {
                    if let Some(from) = open[node.index()].take() {
                        up[node.index()].push((from, e.at));
                    }
                }
                EventKind::Pause { node, .. } => pause_open[node.index()] = Some(e.at),
                EventKind::Resume { node } => {
                    if let Some(from) = pause_open[node.index()].take() {
                        paused[node.index()].push((from, e.at));
                    }
                }
                _ => {}
            }
        }
        for (i, o) in open.into_iter().enumerate() {
            if let Some(from) = o {
                up[i].push((from, run.end));
            }
        }
        for (i, o) in pause_open.into_iter().enumerate() {
            if let Some(from) = o {
                paused[i].push((from, run.end));
            }
        }
        Lives { up, paused }
    }

    /// Whether `node` is up (started and not crashed) at `t`.
    pub fn is_up(&self, node: NodeId, t: Time) -> bool {
        self.up[node.index()].iter().any(|&(a, b)| a <= t && t < b)
    }

    /// Whether `node` is up and not paused throughout `[from, until]`: its own detector could act.
    pub fn runs_throughout(&self, node: NodeId, from: Time, until: Time) -> bool {
        self.up[node.index()].iter().any(|&(a, b)| a <= from && until <= b)
            && !self.paused[node.index()].iter().any(|&(a, b)| a <= until && from <= b)
    }

    /// Whether `node` was paused at some moment of `[from, until]`.
    pub fn paused_during(&self, node: NodeId, from: Time, until: Time) -> bool {
        self.paused[node.index()].iter().any(|&(a, b)| a <= until && from <= b)
    }
}

/// One suspicion: `observer` suspected `target` from `from` until `until`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Who suspected.
    pub observer: NodeId,
    /// Whom.
    pub target: NodeId,
    /// When the `Suspect` output came.
    pub from: Time,
    /// When it ended: a `Restore`, the observer's crash, or the end of the run.
    pub until: Time,
    /// Whether a `Restore` ended it.
    pub restored: bool,
}

/// Every suspicion of the run, from the detectors' outputs. An observer's crash ends its
/// suspicions (a restarted node trusts everyone). Malformed outputs (a second `Suspect`, a
/// `Restore` of a trusted node) are skipped here; [`well_formed`] reports them.
pub fn spans(run: &Run<FailureDetection>) -> Vec<Span> {
    let mut open: BTreeMap<(NodeId, NodeId), Time> = BTreeMap::new();
    let mut out = Vec::new();
    for e in &run.trace.events {
        match &e.kind {
            EventKind::Output { node, output: Suspicion::Suspect(q) } => {
                open.entry((*node, *q)).or_insert(e.at);
            }
            EventKind::Output { node, output: Suspicion::Restore(q) } => {
                if let Some(from) = open.remove(&(*node, *q)) {
                    out.push(Span {
                        observer: *node,
                        target: *q,
                        from,
                        until: e.at,
                        restored: true,
                    });
                }
            }
            EventKind::Crash { node, .. } => {
                let ended: Vec<(NodeId, NodeId)> = open
                    .range((*node, NodeId(0))..=(*node, NodeId(u32::MAX)))
                    .map(|(k, _)| *k)
                    .collect();
                for k in ended {
                    let from = open.remove(&k).expect("listed above");
                    out.push(Span {
                        observer: k.0,
                        target: k.1,
                        from,
                        until: e.at,
                        restored: false,
                    });
                }
            }
            _ => {}
        }
    }
    for ((observer, target), from) in open {
        out.push(Span { observer, target, from, until: run.end, restored: false });
    }
    out.sort_by_key(|s| (s.from, s.observer, s.target));
    out
}

/// The end of the faults, for accuracy: the last heal, restart, resume or change of network
/// (zero if none). Unlike `Trace::faults_end`, a crash for good does not count: the members
/// still up must stay accurate about each other throughout, crash or no crash.
pub fn faults_end(run: &Run<FailureDetection>) -> Time {
    run.trace
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Heal { .. }
                    | EventKind::Restart { .. }
                    | EventKind::Resume { .. }
                    | EventKind::NetworkChange { .. }
            )
        })
        .map(|e| e.at)
        .max()
        .unwrap_or(Time::ZERO)
}

/// Which detector a set of bounds is for, with its constants: the QoS formulas differ.
#[derive(Clone, Copy, Debug)]
pub enum Detector {
    /// Part B.
    Heartbeat(HeartbeatTiming),
    /// Part C.
    Swim(SwimTiming),
}

/// The bounds a detector's properties check, each a formula of its timing constants, the
/// group's size and the quiet network's longest delay D.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// The detector and its constants.
    pub detector: Detector,
    /// How many members the group has (N).
    pub members: usize,
    /// D: the longest delay of the network once it is quiet.
    pub max_delay: Duration,
    /// T_D^U: how long after a member crashes (or stops being reachable) every member that
    /// runs suspects it.
    pub detection: Duration,
    /// How long after the faults end every false suspicion is over.
    pub accuracy: Duration,
}

impl Bounds {
    /// Part B's bounds: T_D^U = η + D + α (the freshness point of the first heartbeat the
    /// crash prevents), accuracy η + D (the next heartbeat after the faults end), 1 ms of slack
    /// for rounding.
    pub fn heartbeat(timing: HeartbeatTiming, members: usize, max_delay: Duration) -> Bounds {
        let slack = Duration::from_millis(1);
        Bounds {
            detector: Detector::Heartbeat(timing),
            members,
            max_delay,
            detection: timing.interval + max_delay + timing.margin + slack,
            accuracy: timing.interval + max_delay + slack,
        }
    }

    /// Part C's bounds: T_D^U = (2N - 2)·T' (a member comes up again in the round-robin order
    /// at most 2N - 3 periods after its last probe, and that probe takes one period), accuracy
    /// (2N - 2)·T' + 2D (the next probe of a falsely suspected member after the faults end,
    /// and its ack), 1 ms of slack for rounding.
    pub fn swim(timing: SwimTiming, members: usize, max_delay: Duration) -> Bounds {
        let slack = Duration::from_millis(1);
        let rounds = timing.period.times(2 * members as u64 - 2);
        Bounds {
            detector: Detector::Swim(timing),
            members,
            max_delay,
            detection: rounds + slack,
            accuracy: rounds + max_delay.times(2) + slack,
        }
    }

    /// The expected false suspicions per ordered pair of members per second, doubled, when
    /// each message is lost (or delayed by a spike) with probability `u`.
    ///
    /// Part B: a heartbeat that is lost is a mistake (the margin is shorter than the interval),
    /// so at most u/η; doubled, 2u/η. Part C: a probe fails when its ping or ack is lost
    /// (1 - (1-u)^2) and every one of its k' = min(k, N-2) indirect paths of four messages
    /// fails too ((1 - (1-u)^4)^k'); each member probes once per T' and spreads its probes over
    /// N - 1 others, so 2 f(u) / ((N - 1) T').
    pub fn mistake_rate(&self, u: f64) -> f64 {
        match self.detector {
            Detector::Heartbeat(t) => 2.0 * u / seconds(t.interval),
            Detector::Swim(t) => {
                2.0 * swim_probe_failure(t, self.members, u)
                    / ((self.members as f64 - 1.0) * seconds(t.period))
            }
        }
    }

    /// The mean length of a false suspicion, at most, in microseconds, when each message is
    /// lost (or spiked) with probability `u`.
    ///
    /// Part B: a mistake lasts until the next heartbeat gets through: on average 1/(1-u)
    /// intervals, plus one delay, so η/(1-u) + D. Part C: a suspected member is restored by any
    /// message from it or ack about it; it pings the observer and is probed by it once per
    /// round of N - 1 periods each, so (N - 1)·T'/(1-u) + 2D.
    pub fn mistake_duration(&self, u: f64) -> f64 {
        let d = self.max_delay.as_micros() as f64;
        match self.detector {
            Detector::Heartbeat(t) => t.interval.as_micros() as f64 / (1.0 - u) + d,
            Detector::Swim(t) => {
                (self.members as f64 - 1.0) * t.period.as_micros() as f64 / (1.0 - u) + 2.0 * d
            }
        }
    }
}

/// A span in seconds.
fn seconds(d: Duration) -> f64 {
    d.as_micros() as f64 / 1e6
}

/// The chance that one SWIM probe of a live member fails when each message is lost with
/// probability `u`: the direct round trip fails, and so does every indirect path.
pub fn swim_probe_failure(timing: SwimTiming, members: usize, u: f64) -> f64 {
    let helpers = timing.indirect.min(members.saturating_sub(2)) as i32;
    let direct = 1.0 - (1.0 - u).powi(2);
    let indirect = 1.0 - (1.0 - u).powi(4);
    direct * indirect.powi(helpers)
}

/// Outputs name members only, never the observer itself, and alternate per target: `Suspect`
/// of a trusted member, `Restore` of a suspected one. A restarted node trusts everyone.
pub fn well_formed() -> Property<FailureDetection> {
    Property::safety(
        "suspicions are well formed",
        "Each node's outputs are about other members only, and for each member they alternate: \
         Suspect of a member it trusts, Restore of a member it suspects. A node starts (and \
         restarts) trusting every member.",
        "suspecting yourself; suspecting a member that is already suspected again on every \
         check; restoring on every heartbeat or ack, including from members that were trusted; \
         keeping suspicions in durable storage across a restart.",
        |run: &Run<FailureDetection>| {
            let mut suspected: BTreeMap<(NodeId, NodeId), bool> = BTreeMap::new();
            for e in &run.trace.events {
                match &e.kind {
                    EventKind::Output { node, output } => {
                        let (q, suspect) = match *output {
                            Suspicion::Suspect(q) => (q, true),
                            Suspicion::Restore(q) => (q, false),
                        };
                        let problem = if q == *node {
                            Some(format!("{node} output {output:?} about itself"))
                        } else if q.index() >= run.nodes {
                            Some(format!("{node} output {output:?}, but {q} is not a member"))
                        } else {
                            let s = suspected.entry((*node, q)).or_default();
                            let p = match (*s, suspect) {
                                (true, true) => Some(format!(
                                    "{node} output Suspect({q}) while it already suspected {q}"
                                )),
                                (false, false) => {
                                    Some(format!("{node} output Restore({q}) while it trusted {q}"))
                                }
                                _ => None,
                            };
                            *s = suspect;
                            p
                        };
                        if let Some(p) = problem {
                            return Verdict::fails_at(e.at, p);
                        }
                    }
                    EventKind::Crash { node, .. } => suspected.retain(|(p, _), _| p != node),
                    _ => {}
                }
            }
            Verdict::Holds
        },
    )
}

/// Whether, with the given directed links blocked, an observer's detector cannot hear a
/// target (arguments: blocked links, observer, target, group size). Each part has its own: a
/// heartbeat needs one link, a SWIM probe can go around it.
pub type CutOff = fn(&[(NodeId, NodeId)], NodeId, NodeId, usize) -> bool;

/// A stretch of time in which `target` could not be heard by `observer`: crashed, paused, or cut
/// off by a partition.
#[derive(Clone, Copy, Debug)]
pub struct Outage {
    /// The member that cannot be heard.
    pub target: NodeId,
    /// The member that must notice.
    pub observer: NodeId,
    /// When it began.
    pub from: Time,
    /// When it ended (the restart, resume or heal), or the end of the run.
    pub until: Time,
    /// What it was, for evidence.
    pub what: &'static str,
}

/// Every crash, as outages of the crashed node for every other member.
pub fn crash_outages(run: &Run<FailureDetection>) -> Vec<Outage> {
    let lives = Lives::of(run);
    let mut out = Vec::new();
    for (i, incarnations) in lives.up.iter().enumerate() {
        for (k, &(_, end)) in incarnations.iter().enumerate() {
            if end >= run.end {
                continue;
            }
            let until = incarnations.get(k + 1).map_or(run.end, |&(start, _)| start);
            for observer in (0..run.nodes as u32).map(NodeId).filter(|p| p.index() != i) {
                out.push(Outage {
                    target: NodeId(i as u32),
                    observer,
                    from: end,
                    until,
                    what: "crashed",
                });
            }
        }
    }
    out
}

/// Every pause, as outages of the paused node for every other member.
pub fn pause_outages(run: &Run<FailureDetection>) -> Vec<Outage> {
    let lives = Lives::of(run);
    let mut out = Vec::new();
    for (i, pauses) in lives.paused.iter().enumerate() {
        for &(from, until) in pauses {
            for observer in (0..run.nodes as u32).map(NodeId).filter(|p| p.index() != i) {
                out.push(Outage {
                    target: NodeId(i as u32),
                    observer,
                    from,
                    until,
                    what: "paused",
                });
            }
        }
    }
    out
}

/// Every partition, as outages of `target` for `observer` whenever `cut_off(blocked links,
/// observer, target)` says the observer's detector cannot hear the target through it.
pub fn partition_outages(run: &Run<FailureDetection>, cut_off: CutOff) -> Vec<Outage> {
    let mut out = Vec::new();
    for e in &run.trace.events {
        if let EventKind::Partition { links, heal } = &e.kind {
            for p in (0..run.nodes as u32).map(NodeId) {
                for q in (0..run.nodes as u32).map(NodeId).filter(|q| *q != p) {
                    if cut_off(links, p, q, run.nodes) {
                        out.push(Outage {
                            target: q,
                            observer: p,
                            from: e.at,
                            until: heal.unwrap_or(run.end).min(run.end),
                            what: "cut off",
                        });
                    }
                }
            }
        }
    }
    out
}

/// Checks that in every outage the observer suspects the target from `from + detection` until
/// the outage ends, without a break. Outages whose observer did not run throughout are skipped.
fn suspected_throughout(
    run: &Run<FailureDetection>,
    outages: &[Outage],
    detection: Duration,
    bound_name: &str,
) -> Verdict {
    let lives = Lives::of(run);
    let spans = spans(run);
    let mut worst: Option<(Time, String)> = None;
    for o in outages {
        let due = o.from + detection;
        if due >= o.until || !lives.runs_throughout(o.observer, o.from, o.until) {
            continue;
        }
        let covering = spans.iter().find(|s| {
            s.observer == o.observer && s.target == o.target && s.from <= due && s.until > due
        });
        let problem = match covering {
            Some(s) if s.until >= o.until => continue,
            Some(s) => format!(
                "{} suspected {} but restored it at {}, while it was still {} (until {})",
                o.observer, o.target, s.until, o.what, o.until
            ),
            None => {
                let later = spans.iter().find(|s| {
                    s.observer == o.observer
                        && s.target == o.target
                        && s.from > due
                        && s.from < o.until
                });
                match later {
                    Some(s) => format!(
                        "{} was {} at {}, and {} suspected it only at {}, {} later; {bound_name} is {}",
                        o.target,
                        o.what,
                        o.from,
                        o.observer,
                        s.from,
                        s.from - o.from,
                        detection
                    ),
                    None => format!(
                        "{} was {} from {} to {}, and {} never suspected it",
                        o.target, o.what, o.from, o.until, o.observer
                    ),
                }
            }
        };
        if worst.as_ref().is_none_or(|(t, _)| due < *t) {
            worst = Some((due, problem));
        }
    }
    match worst {
        None => Verdict::Holds,
        Some((at, evidence)) => Verdict::fails_at(at, evidence),
    }
}

/// Strong completeness, as a liveness property: every crashed member is eventually suspected by
/// every member that stays correct, and stays suspected while it is down.
pub fn strong_completeness() -> Property<FailureDetection> {
    Property::new(
        "strong completeness",
        "Every member that crashes is suspected by every member that runs throughout, before it \
         restarts (or the run ends), and from the moment it is suspected after its crash it \
         stays suspected until it restarts.",
        "no timeout at all (waiting for a heartbeat or an ack for ever); restoring a member on \
         a stale message that was sent before its crash; forgetting a suspicion on the next \
         check; never probing a member once it is suspected.",
        |run: &Run<FailureDetection>| {
            let lives = Lives::of(run);
            let spans = spans(run);
            for o in crash_outages(run) {
                if !lives.runs_throughout(o.observer, o.from, o.until) {
                    continue;
                }
                let mine: Vec<&Span> = spans
                    .iter()
                    .filter(|s| s.observer == o.observer && s.target == o.target)
                    .filter(|s| s.until > o.from && s.from < o.until)
                    .collect();
                if let Some(s) = mine.iter().find(|s| s.from >= o.from && s.until < o.until) {
                    return Verdict::fails_at(
                        s.until,
                        format!(
                            "{} crashed at {}; {} suspected it at {} but restored it at {}, while \
                             it was still down",
                            o.target, o.from, o.observer, s.from, s.until
                        ),
                    );
                }
                if !mine.iter().any(|s| s.until >= o.until) {
                    return Verdict::fails_at(
                        o.until,
                        format!(
                            "{} crashed at {} and stayed down until {}, and {} did not suspect it \
                             by then",
                            o.target, o.from, o.until, o.observer
                        ),
                    );
                }
            }
            Verdict::Holds
        },
    )
}

/// QoS, detection time: every crash is detected by every correct member within T_D^U, and on
/// every seed (the worst case over all seeds is what the bound speaks of).
pub fn detection_time(bounds: Bounds, definition: &'static str) -> Property<FailureDetection> {
    Property::new(
        "QoS: detection time",
        definition,
        "a timeout much longer than the contract's (a fixed multiple of the interval instead of \
         the freshness point; a check timer that fires only every few periods); a round-robin \
         order that is not walked through, so some members go unprobed for several rounds.",
        move |run: &Run<FailureDetection>| {
            suspected_throughout(run, &crash_outages(run), bounds.detection, "the detection bound")
        },
    )
}

/// Members that are paused or cut off for longer than the detection bound are suspected from
/// the bound on until the fault ends: a detector cannot tell them from crashed members.
pub fn unreachable_suspected(
    bounds: Bounds,
    cut_off: CutOff,
    definition: &'static str,
) -> Property<FailureDetection> {
    Property::new(
        "unreachable members are suspected",
        definition,
        "a timeout that only counts heartbeats or acks from members that were heard from \
         recently; restoring on messages that are not from the member (or about it); counting \
         a partition as a reason to stop probing.",
        move |run: &Run<FailureDetection>| {
            let mut outages = pause_outages(run);
            outages.extend(partition_outages(run, cut_off));
            suspected_throughout(run, &outages, bounds.detection, "the detection bound")
        },
    )
}

/// From `start(run)` on, no member that is up is suspected by another.
fn no_false_suspicion_after(run: &Run<FailureDetection>, start: Time, why: &str) -> Verdict {
    let lives = Lives::of(run);
    for s in spans(run) {
        let from = s.from.max(start);
        if from >= s.until {
            continue;
        }
        // The first moment of [from, until) at which the target is up.
        let up_at = lives.up[s.target.index()]
            .iter()
            .filter(|&&(a, b)| a < s.until && from < b)
            .map(|&(a, _)| a.max(from))
            .min();
        if let Some(t) = up_at {
            return Verdict::fails_at(
                t,
                format!(
                    "{} suspected {} from {} until {}{}, though {} was up; {why}",
                    s.observer,
                    s.target,
                    s.from,
                    s.until,
                    if s.restored { "" } else { " (never restored)" },
                    s.target
                ),
            );
        }
    }
    Verdict::Holds
}

/// Eventual strong accuracy: once the faults are over, no live member is suspected after the
/// accuracy bound.
pub fn eventual_accuracy(bounds: Bounds, definition: &'static str) -> Property<FailureDetection> {
    Property::new(
        "eventual strong accuracy",
        definition,
        "never restoring a suspected member; restoring only on a message type the member does \
         not send (a heartbeat from the wrong incarnation, an ack for the wrong probe); a \
         timeout shorter than the interval between heartbeats; suspecting after a single \
         missed ping; a freshness point computed from the first heartbeat only.",
        move |run: &Run<FailureDetection>| {
            let (end, start) = (faults_end(run), faults_end(run) + bounds.accuracy);
            let why = format!(
                "the faults ended at {end}, so no member that is up may be suspected from {start} on"
            );
            no_false_suspicion_after(run, start, &why)
        },
    )
}

/// Part C's one-way cut: with indirect probes, a cut of one link causes no false suspicion at
/// all, and the cut-off member is heard through a helper.
pub fn routes_around_the_cut(from: NodeId, to: NodeId) -> Property<FailureDetection> {
    Property::new(
        "indirect probes route around the cut",
        "While one link is cut and the rest of the network is reliable, SWIM suspects no one: \
         a probe whose direct ping or ack is blocked is answered through a helper. At least one \
         ack forwarded by a helper reaches the prober across the cut.",
        "no indirect probes; indirect probes sent to the target itself; a forwarded ack counted \
         as coming from the helper that forwarded it instead of the member it is about.",
        move |run: &Run<FailureDetection>| {
            let v = no_false_suspicion_after(
                run,
                Time::ZERO,
                "only one link was cut, which helpers route around",
            );
            if !v.holds() {
                return v;
            }
            let forwarded = run.trace.events.iter().any(|e| match e.kind {
                EventKind::Deliver { msg } => {
                    let m = run.trace.message(msg);
                    matches!(m.msg, crate::Msg::Ack { about, .. }
                        if (m.to, about) == (from, to) || (m.to, about) == (to, from))
                        && m.from != to
                        && m.from != from
                }
                _ => false,
            });
            if forwarded {
                Verdict::Holds
            } else {
                Verdict::fails(format!(
                    "no helper forwarded an ack about {to} to {from}, or about {from} to {to}"
                ))
            }
        },
    )
}

/// The false suspicions of a run that began while the faults lasted, and the time they were
/// observable over (ordered pairs of live members, until the faults end).
fn mistakes_while_faulty(run: &Run<FailureDetection>) -> (Vec<Span>, u64) {
    let lives = Lives::of(run);
    let end = faults_end(run);
    let mistakes: Vec<Span> =
        spans(run).into_iter().filter(|s| s.from < end && lives.is_up(s.target, s.from)).collect();
    let n = run.nodes as u64;
    (mistakes, n * (n - 1) * end.as_micros())
}

/// How much a mean over all seeds may exceed its bound by chance: ten mistakes' worth. The
/// bounds are twice the expected value, so this matters only when mistakes are rare.
const ALLOWANCE: f64 = 10.0;

/// QoS, mistake rate: over all seeds, false suspicions per ordered pair of members per second
/// while the faults last stay below the part's formula for the scenario's unreliability `u`.
pub fn mistake_rate(
    bounds: Bounds,
    u: f64,
    definition: &'static str,
) -> Property<FailureDetection> {
    Property::over_seeds(
        "QoS: mistake rate",
        definition,
        "a margin smaller than the contract's, or a freshness point from the last arrival \
         alone, so every late heartbeat is a mistake; suspecting after a failed direct ping \
         without asking helpers; counting a forwarded ack as being about the helper.",
        |run: &Run<FailureDetection>| {
            let (mistakes, exposure) = mistakes_while_faulty(run);
            Tally { count: mistakes.len() as u64, total: exposure }
        },
        move |t: Tally| {
            let per_pair_second = bounds.mistake_rate(u);
            let seconds = t.total as f64 / 1e6;
            let allowed = per_pair_second * seconds + ALLOWANCE;
            if t.count as f64 <= allowed {
                Verdict::Holds
            } else {
                Verdict::fails(format!(
                    "{} false suspicions in {:.1} pair-seconds of faults: {:.3} per pair per \
                     second, above the bound of {:.3} (and an allowance of {ALLOWANCE})",
                    t.count,
                    seconds,
                    t.count as f64 / seconds.max(1e-9),
                    per_pair_second
                ))
            }
        },
    )
}

/// QoS, mistake duration: over all seeds, the mean time a false suspicion lasts stays below the
/// part's formula for the scenario's unreliability `u`.
pub fn mistake_duration(
    bounds: Bounds,
    u: f64,
    definition: &'static str,
) -> Property<FailureDetection> {
    Property::over_seeds(
        "QoS: mistake duration",
        definition,
        "restoring only on the next scheduled check instead of when the heartbeat or ack \
         arrives; restoring only on acks to your own probes (SWIM restores on any message from \
         the member); ignoring heartbeats that arrive after a suspicion.",
        |run: &Run<FailureDetection>| {
            let (mistakes, _) = mistakes_while_faulty(run);
            let total = mistakes.iter().map(|s| (s.until - s.from).as_micros()).sum();
            Tally { count: mistakes.len() as u64, total }
        },
        move |t: Tally| {
            let bound = bounds.mistake_duration(u);
            if t.total as f64 <= bound * (t.count as f64 + ALLOWANCE) {
                Verdict::Holds
            } else {
                Verdict::fails(format!(
                    "{} false suspicions lasted {} on average, above the bound of {}",
                    t.count,
                    Duration(t.total / t.count.max(1)),
                    Duration(bound as u64)
                ))
            }
        },
    )
}

/// The scenario's outcome: whom each member that is up at the end suspects. Every correct
/// detector ends a run with the same views: the crashed members suspected, no one else.
pub fn final_views(run: &Run<FailureDetection>) -> Vec<String> {
    let lives = Lives::of(run);
    let spans = spans(run);
    (0..run.nodes as u32)
        .map(NodeId)
        .filter(|p| lives.is_up(*p, Time(run.end.as_micros().saturating_sub(1))))
        .map(|p| {
            let mut suspects: Vec<NodeId> = spans
                .iter()
                .filter(|s| s.observer == p && s.until >= run.end && !s.restored)
                .map(|s| s.target)
                .collect();
            suspects.sort();
            let suspects: Vec<String> = suspects.iter().map(NodeId::to_string).collect();
            if suspects.is_empty() {
                format!("at the end, {p} suspects no one")
            } else {
                format!("at the end, {p} suspects {}", suspects.join(" "))
            }
        })
        .collect()
}

/// The effects a handler pushed, from the index `trigger` of the event that began it: the events
/// right after it that `Trace::handlers` attributes to it (the network's drops and duplicates of
/// its sends come between them).
pub fn effects_of<'a>(
    run: &'a Run<FailureDetection>,
    handlers: &'a [Option<usize>],
    trigger: usize,
) -> impl Iterator<Item = &'a EventKind<FailureDetection>> + 'a {
    let after = trigger + 1;
    run.trace.events[after..]
        .iter()
        .zip(&handlers[after..])
        .take_while(move |(e, h)| {
            **h == Some(trigger)
                || matches!(e.kind, EventKind::Drop { .. } | EventKind::Duplicate { .. })
        })
        .filter(move |(_, h)| **h == Some(trigger))
        .map(|(e, _)| &e.kind)
}

/// Whether the handler begun by event `trigger` output `wanted`.
pub fn handler_output(
    run: &Run<FailureDetection>,
    handlers: &[Option<usize>],
    trigger: usize,
    wanted: Suspicion,
) -> bool {
    effects_of(run, handlers, trigger)
        .any(|k| matches!(k, EventKind::Output { output, .. } if *output == wanted))
}
