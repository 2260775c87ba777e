//! Lab 05's instructor experiment: what chain replication costs and buys next to lab 04's Raft,
//! and what CRAQ's reads buy next to reads at the tail. It prints a table and draws one figure
//! of three panels (by default `labs/lab05-chain-replication/experiment.svg`):
//!
//! - (a) messages between replicas per committed write, at 3, 5 and 7 replicas: the chain's
//!   Forward, Ack, Resume and Catchup against Raft's AppendEntries, RequestVote, InstallSnapshot
//!   and their replies;
//! - (b) mean write latency in virtual milliseconds (a clerk's request to its reply), same runs;
//! - (c) read throughput against the share of reads, tail-only reads against CRAQ, at 3 and 5
//!   replicas.
//!
//! Every figure is an average over [`SEEDS`] deterministic simulations of the reference
//! solutions (lab 05's chain, lab 04's Raft key-value service), so a rerun draws the same figure.
//! Both systems see the same clerks, workload and network; nothing fails. Counting starts when
//! the users start ([`START`]), after Raft's first election and the chain's first
//! configuration, so (a) and (b) describe the steady state.
//!
//! Panel (a) also shows the messages the chain's busiest replica handles: per write, Raft and
//! the chain send about as many messages (2 per link or follower), but every one of Raft's has
//! the leader at one end, while the chain's spread along it. The network's delays are drawn
//! per message, so messages overtake each other; the table also gives (a) and (b) on a network
//! that keeps each link in order (a control, not drawn), which shows how much of the difference
//! in (a) is each reference's handling of reordering rather than the protocol.
//!
//! The simulator has no CPU model: a handler takes no time, so a closed-loop run's throughput
//! says how many clerks there are, not what the system can serve. Panel (c) therefore uses an
//! explicit capacity model: every node handles at most [`CAPACITY`] delivered messages per
//! second, so the system serves at most `CAPACITY * ops / max_i(delivered_to_i)` operations per
//! second, where `delivered_to_i` counts the messages delivered to replica `i` (from clerks,
//! peers and the control plane) while the run served `ops` client operations. The busiest
//! replica is the bottleneck: with tail-only reads that is the tail, which CRAQ relieves.
//!
//! `cargo run -p lab05-solution --example lab05-experiment -- [--out PATH]`

use harness::history::{Outcome, history};
use harness::services::Membership;
use harness::sim::{Budgets, Setup, Simulation};
use harness::workloads::{KvUsers, Mix};
use harness::{Delay, Duration, EventKind, Network, NodeId, Protocol, Run, Time};
use lab04::{KvClerk, KvServer, RaftKv, Request};
use lab05::{ChainClerk, ChainKv, ChainNode, KvOp, Message, Reads, Replica, Timer, Timing};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

// ---------------------------------------------------------------------------------------------
// The setting, shared by every run.
// ---------------------------------------------------------------------------------------------

/// Seeds per point; every figure is their mean.
const SEEDS: u64 = 5;
/// Closed-loop clerks (each keeps one operation in flight, then pauses 5-25 ms).
const CLERKS: usize = 10;
/// Keys the users write and read: few, so CRAQ's reads meet dirty versions.
const KEYS: u64 = 5;
/// When the users start, and counting with them: Raft has elected a leader by then.
const START: Time = Time::from_millis(1000);
/// When the users stop issuing operations: three seconds of load.
const UNTIL: Time = Time::from_millis(4000);
/// When the run ends: long enough after `UNTIL` for the last operations to be answered.
const END: Duration = Duration::from_millis(4200);
/// Replica counts of panels (a) and (b).
const SIZES: [usize; 3] = [3, 5, 7];
/// Replica counts of panel (c).
const READ_SIZES: [usize; 2] = [3, 5];
/// Percent of operations that read, panel (c).
const READ_SHARES: [u64; 5] = [50, 70, 90, 95, 99];
/// Panels (a) and (b): writes only, so every operation goes through replication in both systems.
const WRITES: Mix = Mix { append_percent: 50, put_percent: 50 };
/// The capacity model of panel (c): delivered messages one node handles per second.
const CAPACITY: f64 = 10_000.0;
/// How often the control plane checks for silent members (as the lab's scenarios do).
const CONTROL_CHECK: Duration = Duration::from_millis(10);

/// The network of every panel: nothing lost or duplicated, 1-5 ms each way, drawn anew for each
/// message, so messages on one link can overtake each other.
fn network() -> Network {
    Network::reliable()
        .with_delay(Delay::uniform(Duration::from_millis(1), Duration::from_millis(5)))
}

/// A control for panels (a) and (b), in the table only: every message takes exactly 3 ms (the
/// same mean), so each link delivers in order. It separates what each protocol costs from what
/// reordering costs it (lab 04's Raft refuses an AppendEntries that overtook the one before it,
/// and is sent it again; the chain keeps a write that arrives early until the gap fills).
fn in_order_network() -> Network {
    Network::reliable()
        .with_delay(Delay::uniform(Duration::from_millis(3), Duration::from_millis(3)))
}

/// Panel (c)'s workload: `reads` percent gets, the writes split evenly between appends and puts.
fn mix(reads: u64) -> Mix {
    let writes = 100 - reads;
    Mix { append_percent: writes - writes / 2, put_percent: writes / 2 }
}

fn clerks(first: usize) -> Vec<NodeId> {
    (first..first + CLERKS).map(|c| NodeId(c as u32)).collect()
}

// ---------------------------------------------------------------------------------------------
// The two systems, as the labs' scenarios lay them out.
// ---------------------------------------------------------------------------------------------

/// Lab 05's chain: replicas `n0..` in chain order (`n0` the head), the control plane, the clerks.
fn chain(replicas: usize, reads: Reads, mix: Mix, network: Network, seed: u64) -> Run<ChainKv> {
    let members: Vec<NodeId> = (0..replicas as u32).map(NodeId).collect();
    let control = NodeId(replicas as u32);
    let users = clerks(replicas + 1);
    let subscribers = users.clone();
    let timing = Timing::DEFAULT;
    let setup = Setup {
        nodes: replicas + 1 + CLERKS,
        network,
        faults: Vec::new(),
        clocks: Vec::new(),
        duration: END,
        factory: Arc::new(move |id: NodeId| {
            if id == control {
                Box::new(Membership::<ChainKv>::new(
                    members.clone(),
                    subscribers.clone(),
                    timing.failure_timeout(),
                    CONTROL_CHECK,
                    Timer::Control,
                ))
            } else if id < control {
                let node = <lab05_solution::Node as ChainNode>::new(id, control, timing, reads);
                Box::new(Replica::new(node))
            } else {
                Box::new(<lab05_solution::Clerk as ChainClerk>::new(id, control, timing, reads))
            }
        }),
        workload: Box::new(
            KvUsers::<ChainKv>::new(users, KEYS, UNTIL, mix, |op| op).starting_at(START),
        ),
        budgets: Budgets::default(),
        picker: None,
    };
    finished(Simulation::new(seed, setup).run())
}

/// Lab 04's Raft key-value service: servers `n0..`, then the clerks (no snapshots: the logs stay
/// short enough, and InstallSnapshot would only add to Raft's count).
fn raft(servers: usize, mix: Mix, network: Network, seed: u64) -> Run<RaftKv> {
    let all: Vec<NodeId> = (0..servers as u32).map(NodeId).collect();
    let setup = Setup {
        nodes: servers + CLERKS,
        network,
        faults: Vec::new(),
        clocks: Vec::new(),
        duration: END,
        factory: Arc::new(move |id: NodeId| {
            if id.index() < all.len() {
                let peers = all.iter().copied().filter(|p| *p != id).collect();
                let node = <lab04_solution::Node as lab04::Consensus>::new(
                    id,
                    peers,
                    lab04::Timing::DEFAULT,
                );
                let server = <lab04_solution::Server as KvServer>::new(id);
                Box::new(lab04::Replica::new(node, server, None))
            } else {
                Box::new(<lab04_solution::Clerk as KvClerk>::new(id, all.clone()))
            }
        }),
        workload: Box::new(
            KvUsers::<RaftKv>::new(clerks(servers), KEYS, UNTIL, mix, Request::Kv)
                .starting_at(START),
        ),
        budgets: Budgets::default(),
        picker: None,
    };
    finished(Simulation::new(seed, setup).run())
}

/// A run that hit a budget or a panic measures nothing: stop rather than draw it.
fn finished<P: Protocol>(run: Run<P>) -> Run<P> {
    assert!(run.aborted.is_none(), "seed {} stopped early: {:?}", run.seed, run.aborted);
    run
}

// ---------------------------------------------------------------------------------------------
// What is measured, from the trace alone (as the lab's properties judge).
// ---------------------------------------------------------------------------------------------

/// Messages sent from one replica to another since [`START`], in total and at the replica that
/// sends and receives the most of them. `counts` picks the protocol's replication messages.
fn replica_messages<P: Protocol>(
    run: &Run<P>,
    replicas: usize,
    counts: fn(&P::Msg) -> bool,
) -> (u64, u64) {
    let mut handled = vec![0u64; replicas];
    let mut total = 0;
    for m in &run.trace.messages {
        let between = m.from.index() < replicas && m.to.index() < replicas;
        if between && m.sent_at >= START && counts(&m.msg) {
            total += 1;
            handled[m.from.index()] += 1;
            handled[m.to.index()] += 1;
        }
    }
    (total, handled.into_iter().max().unwrap_or(0))
}

/// The chain's replication messages (CRAQ's version queries are reads' business, and there are
/// none in a write-only run; the control plane's are not between replicas).
fn chain_replication(msg: &Message) -> bool {
    matches!(
        msg,
        Message::Forward { .. }
            | Message::Ack { .. }
            | Message::Resume { .. }
            | Message::Catchup { .. }
    )
}

/// Raft's messages: everything that carries a term (not the clerks' requests and replies).
fn raft_replication(msg: &lab04::Message) -> bool {
    msg.term().is_some()
}

/// Writes the chain committed: the distinct seqs its tail (the last replica; nothing fails, so
/// the chain never changes) applied.
fn chain_committed(run: &Run<ChainKv>, replicas: usize) -> u64 {
    let tail = NodeId(replicas as u32 - 1);
    let seqs: BTreeSet<u64> = run
        .trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Output { node, output: lab05::Event::Applied(w) } if *node == tail => {
                Some(w.seq)
            }
            _ => None,
        })
        .collect();
    seqs.len() as u64
}

/// Commands Raft committed: the distinct log indices applied anywhere.
fn raft_committed(run: &Run<RaftKv>) -> u64 {
    let indices: BTreeSet<u64> = run
        .trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Output { output: lab04::Event::Applied { index, .. }, .. } => Some(*index),
            _ => None,
        })
        .collect();
    indices.len() as u64
}

fn is_write(op: &KvOp) -> bool {
    !matches!(op, KvOp::Get { .. })
}

/// Mean time from a clerk's request to its reply over the run's answered writes, in virtual ms.
fn mean_write_latency_ms<P: Protocol>(run: &Run<P>, write: fn(&P::Request) -> bool) -> f64 {
    let latencies: Vec<f64> = history(run)
        .ops
        .iter()
        .filter(|op| write(&op.input))
        .filter_map(|op| match op.outcome {
            Outcome::Ok(at, _) => Some(at.since(op.invoked).as_micros() as f64 / 1000.0),
            _ => None,
        })
        .collect();
    mean(&latencies)
}

/// Panel (c): operations per second under the capacity model, and which replica bounds it.
fn capacity_throughput(run: &Run<ChainKv>, replicas: usize) -> (f64, NodeId) {
    let mut delivered = vec![0u64; replicas];
    for e in &run.trace.events {
        if let EventKind::Deliver { msg } = e.kind {
            let to = run.trace.message(msg).to;
            if e.at >= START && to.index() < replicas {
                delivered[to.index()] += 1;
            }
        }
    }
    let ops = history(run).ops.iter().filter(|op| matches!(op.outcome, Outcome::Ok(..))).count();
    let (busiest, most) =
        delivered.iter().enumerate().max_by_key(|(_, n)| **n).expect("a chain has replicas");
    (CAPACITY * ops as f64 / *most as f64, NodeId(busiest as u32))
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

// ---------------------------------------------------------------------------------------------
// The experiment: each point averaged over the seeds.
// ---------------------------------------------------------------------------------------------

/// One system at one size, panels (a) and (b).
#[derive(Clone, Copy, Debug)]
struct WritePoint {
    replicas: usize,
    /// Writes committed per run.
    committed: f64,
    /// Messages between replicas per committed write.
    messages: f64,
    /// The same, counting only those the busiest replica sent or received.
    busiest: f64,
    /// Mean write latency, virtual ms.
    latency_ms: f64,
}

impl WritePoint {
    /// One run's figures, from the writes it committed, the replication messages counted by
    /// [`replica_messages`] and its mean write latency.
    fn of_run(replicas: usize, committed: u64, messages: (u64, u64), latency_ms: f64) -> Self {
        let (total, busiest) = messages;
        WritePoint {
            replicas,
            committed: committed as f64,
            messages: total as f64 / committed as f64,
            busiest: busiest as f64 / committed as f64,
            latency_ms,
        }
    }

    /// The mean of each figure over the seeds' runs.
    fn mean(runs: &[WritePoint]) -> WritePoint {
        let per = |f: fn(&WritePoint) -> f64| mean(&runs.iter().map(f).collect::<Vec<_>>());
        WritePoint {
            replicas: runs[0].replicas,
            committed: per(|p| p.committed),
            messages: per(|p| p.messages),
            busiest: per(|p| p.busiest),
            latency_ms: per(|p| p.latency_ms),
        }
    }
}

fn chain_writes(replicas: usize, network: Network) -> WritePoint {
    let runs: Vec<WritePoint> = (1..=SEEDS)
        .map(|seed| {
            let run = chain(replicas, Reads::Tail, WRITES, network, seed);
            WritePoint::of_run(
                replicas,
                chain_committed(&run, replicas),
                replica_messages(&run, replicas, chain_replication),
                mean_write_latency_ms(&run, is_write),
            )
        })
        .collect();
    WritePoint::mean(&runs)
}

fn raft_writes(servers: usize, network: Network) -> WritePoint {
    let write = |r: &Request| matches!(r, Request::Kv(op) if is_write(op));
    let runs: Vec<WritePoint> = (1..=SEEDS)
        .map(|seed| {
            let run = raft(servers, WRITES, network, seed);
            WritePoint::of_run(
                servers,
                raft_committed(&run),
                replica_messages(&run, servers, raft_replication),
                mean_write_latency_ms(&run, write),
            )
        })
        .collect();
    WritePoint::mean(&runs)
}

/// One read mode at one size and read share, panel (c).
#[derive(Clone, Debug)]
struct ReadPoint {
    replicas: usize,
    reads: Reads,
    read_percent: u64,
    /// Operations per second under the capacity model.
    ops_per_second: f64,
    /// The replica that bounded it, in each seed's run.
    busiest: BTreeSet<NodeId>,
}

fn read_throughput(replicas: usize, reads: Reads, read_percent: u64) -> ReadPoint {
    let runs: Vec<(f64, NodeId)> = (1..=SEEDS)
        .map(|seed| {
            let run = chain(replicas, reads, mix(read_percent), network(), seed);
            capacity_throughput(&run, replicas)
        })
        .collect();
    ReadPoint {
        replicas,
        reads,
        read_percent,
        ops_per_second: mean(&runs.iter().map(|r| r.0).collect::<Vec<_>>()),
        busiest: runs.iter().map(|r| r.1).collect(),
    }
}

// ---------------------------------------------------------------------------------------------
// The table.
// ---------------------------------------------------------------------------------------------

/// Panels (a) and (b) at every size: the chain's points and Raft's.
#[derive(Debug)]
struct Writes {
    chain: Vec<WritePoint>,
    raft: Vec<WritePoint>,
}

impl Writes {
    fn measure(network: Network) -> Writes {
        Writes {
            chain: SIZES.iter().map(|&n| chain_writes(n, network)).collect(),
            raft: SIZES.iter().map(|&n| raft_writes(n, network)).collect(),
        }
    }
}

fn print_writes(title: &str, writes: &Writes) {
    println!("{title}");
    println!(
        "{:>8}  {:<6}  {:>10}  {:>10}  {:>15}  {:>10}",
        "replicas", "system", "writes/run", "msgs/write", "busiest/write", "latency ms"
    );
    for (name, points) in [("chain", &writes.chain), ("raft", &writes.raft)] {
        for p in points {
            println!(
                "{:>8}  {:<6}  {:>10.0}  {:>10.2}  {:>15.2}  {:>10.2}",
                p.replicas, name, p.committed, p.messages, p.busiest, p.latency_ms
            );
        }
    }
    println!();
}

fn print_reads(reads: &[ReadPoint]) {
    println!(
        "(c) read throughput, capacity model: each node handles {} delivered messages/s",
        grouped(CAPACITY)
    );
    println!(
        "{:>8}  {:<5}  {:>6}  {:>10}  {:>8}",
        "replicas", "reads", "gets %", "ops/s", "busiest"
    );
    for p in reads {
        let busiest: Vec<String> = p.busiest.iter().map(|n| n.to_string()).collect();
        println!(
            "{:>8}  {:<5}  {:>6}  {:>10.0}  {:>8}",
            p.replicas,
            reads_name(p.reads),
            p.read_percent,
            p.ops_per_second,
            busiest.join(",")
        );
    }
}

fn reads_name(reads: Reads) -> &'static str {
    match reads {
        Reads::Tail => "tail",
        Reads::Craq => "CRAQ",
    }
}

// ---------------------------------------------------------------------------------------------
// The figure: three panels side by side, and the setting and capacity model written under them.
// ---------------------------------------------------------------------------------------------

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Chart<'a> = ChartContext<'a, SVGBackend<'a>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
type Drawn = Result<(), Box<dyn std::error::Error>>;

const FONT: &str = "sans-serif";
const CHAIN: RGBColor = RGBColor(31, 119, 180);
const RAFT: RGBColor = RGBColor(214, 39, 40);
const TAIL: RGBColor = RGBColor(90, 90, 90);
const CRAQ: RGBColor = RGBColor(44, 160, 44);

fn draw(path: &Path, writes: &Writes, reads: &[ReadPoint]) -> Drawn {
    let root = SVGBackend::new(path, (1500, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(
        "Lab 05: chain replication against Raft (lab 04), and CRAQ's reads against the tail's",
        (FONT, 22),
    )?;
    let height = root.dim_in_pixel().1;
    let (panels, footer) = root.split_vertically(height - 50);
    let panels = panels.split_evenly((1, 3));
    messages_panel(&panels[0], writes)?;
    latency_panel(&panels[1], writes)?;
    reads_panel(&panels[2], reads)?;
    let note = (FONT, 14).into_text_style(&footer);
    let load = UNTIL.since(START).as_micros() / 1_000_000;
    footer.draw_text(
        &format!(
            "Reference solutions in the deterministic simulator, mean of {SEEDS} seeds per point; \
             {CLERKS} closed-loop clerks on {KEYS} keys, 1-5 ms delays, no faults, {load} s of \
             load. (a), (b): writes only (50% appends, 50% puts)."
        ),
        &note,
        (20, 6),
    )?;
    footer.draw_text(
        &format!(
            "(c) The simulator has no CPU model, so throughput is a capacity model: each node \
             handles at most C = {} delivered messages/s, so ops/s = C x ops / (messages \
             delivered to the busiest replica).",
            grouped(CAPACITY)
        ),
        &note,
        (20, 26),
    )?;
    root.present()?;
    Ok(())
}

/// A line with a dot at each point, and its legend entry: solid, or dashed.
fn series(
    chart: &mut Chart<'_>,
    points: Vec<(f64, f64)>,
    color: RGBColor,
    dashed: bool,
    label: &str,
) -> Drawn {
    let line = color.stroke_width(2);
    if dashed {
        chart.draw_series(DashedLineSeries::new(points.clone(), 8, 5, line))?;
    } else {
        chart.draw_series(LineSeries::new(points.clone(), line))?;
    }
    chart
        .draw_series(points.into_iter().map(|p| Circle::new(p, 4, color.filled())))?
        .label(label)
        .legend(move |(x, y)| {
            let gap = if dashed { 6 } else { 0 };
            EmptyElement::at((x, y))
                + PathElement::new(vec![(0, 0), (10 - gap / 2, 0)], line)
                + PathElement::new(vec![(10 + gap / 2, 0), (20, 0)], line)
        });
    Ok(())
}

/// The frame of a panel: caption, axes and their labels.
fn frame<'a>(
    area: &Area<'a>,
    caption: &str,
    x: (std::ops::Range<f64>, &str),
    y: (std::ops::Range<f64>, &str),
) -> Result<Chart<'a>, Box<dyn std::error::Error>> {
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 17))
        .margin(14)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(x.0, y.0)?;
    chart
        .configure_mesh()
        .x_desc(x.1)
        .y_desc(y.1)
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .max_light_lines(1)
        .x_labels(12)
        .x_label_formatter(&whole)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()?;
    Ok(chart)
}

/// Replica counts and percentages are whole numbers: no tick between them gets a label.
fn whole(v: &f64) -> String {
    if v.fract() == 0.0 { format!("{v:.0}") } else { String::new() }
}

/// `10000.0` as `10,000`.
fn grouped(n: f64) -> String {
    let digits = format!("{n:.0}");
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

fn legend(chart: &mut Chart<'_>) -> Drawn {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .draw()?;
    Ok(())
}

fn top(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0, f64::max) * 1.3
}

/// (a): every Raft message has the leader at one end, so its busiest replica handles them all;
/// the chain's busiest handles a few whatever its length.
fn messages_panel(area: &Area<'_>, w: &Writes) -> Drawn {
    let at = |p: &WritePoint| p.replicas as f64;
    let ymax = top(w.chain.iter().chain(&w.raft).map(|p| p.messages));
    let mut chart = frame(
        area,
        "(a) messages between replicas per write",
        (2.5..7.5, "replicas"),
        (0.0..ymax, "messages per committed write"),
    )?;
    series(
        &mut chart,
        w.chain.iter().map(|p| (at(p), p.messages)).collect(),
        CHAIN,
        false,
        "chain: all replicas",
    )?;
    series(
        &mut chart,
        w.chain.iter().map(|p| (at(p), p.busiest)).collect(),
        CHAIN,
        true,
        "chain: busiest replica",
    )?;
    series(
        &mut chart,
        w.raft.iter().map(|p| (at(p), p.messages)).collect(),
        RAFT,
        false,
        "Raft (all at the leader)",
    )?;
    legend(&mut chart)
}

/// (b): a chain write crosses every link before the tail answers; Raft waits for the fastest
/// majority.
fn latency_panel(area: &Area<'_>, w: &Writes) -> Drawn {
    let at = |p: &WritePoint| p.replicas as f64;
    let ymax = top(w.chain.iter().chain(&w.raft).map(|p| p.latency_ms));
    let mut chart = frame(
        area,
        "(b) mean write latency",
        (2.5..7.5, "replicas"),
        (0.0..ymax, "request to reply, virtual ms"),
    )?;
    series(
        &mut chart,
        w.chain.iter().map(|p| (at(p), p.latency_ms)).collect(),
        CHAIN,
        false,
        "chain",
    )?;
    series(
        &mut chart,
        w.raft.iter().map(|p| (at(p), p.latency_ms)).collect(),
        RAFT,
        false,
        "Raft",
    )?;
    legend(&mut chart)
}

/// (c): tail-only reads load the tail with every read; CRAQ spreads them over the chain.
fn reads_panel(area: &Area<'_>, reads: &[ReadPoint]) -> Drawn {
    let ymax = top(reads.iter().map(|p| p.ops_per_second / 1000.0));
    let mut chart = frame(
        area,
        "(c) read throughput (capacity model)",
        (45.0..100.0, "gets, % of operations"),
        (0.0..ymax, &format!("thousand ops/s at C = {} msgs/s per node", grouped(CAPACITY))),
    )?;
    for replicas in READ_SIZES {
        for mode in [Reads::Tail, Reads::Craq] {
            let points = reads
                .iter()
                .filter(|p| p.replicas == replicas && p.reads == mode)
                .map(|p| (p.read_percent as f64, p.ops_per_second / 1000.0))
                .collect();
            let color = if mode == Reads::Tail { TAIL } else { CRAQ };
            let name = match mode {
                Reads::Tail => format!("tail-only reads, {replicas} replicas"),
                Reads::Craq => format!("CRAQ, {replicas} replicas"),
            };
            series(&mut chart, points, color, replicas != READ_SIZES[0], &name)?;
        }
    }
    legend(&mut chart)
}

// ---------------------------------------------------------------------------------------------
// The command line.
// ---------------------------------------------------------------------------------------------

/// The figure's path: `--out PATH`, or the lab's folder in the workspace.
fn out_path() -> Result<PathBuf, String> {
    let mut args = std::env::args().skip(1);
    let mut out = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => match args.next() {
                Some(path) => out = Some(PathBuf::from(path)),
                None => return Err("--out needs a path".into()),
            },
            other => {
                return Err(format!("unknown argument {other:?} (usage: experiment [--out PATH])"));
            }
        }
    }
    Ok(out.unwrap_or_else(|| {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2);
        let workspace = workspace.expect("the solution sits two folders below the workspace");
        workspace.join("labs/lab05-chain-replication/experiment.svg")
    }))
}

fn main() -> ExitCode {
    let out = match out_path() {
        Ok(out) => out,
        Err(why) => {
            eprintln!("experiment: {why}.");
            return ExitCode::from(2);
        }
    };
    let writes = Writes::measure(network());
    let in_order = Writes::measure(in_order_network());
    let mut reads = Vec::new();
    for replicas in READ_SIZES {
        for mode in [Reads::Tail, Reads::Craq] {
            for share in READ_SHARES {
                reads.push(read_throughput(replicas, mode, share));
            }
        }
    }
    let load = UNTIL.since(START).as_micros() / 1_000_000;
    print_writes(
        &format!(
            "(a, b) writes only, {CLERKS} clerks, 1-5 ms delays, {load} s of load, mean of {SEEDS} \
             seeds"
        ),
        &writes,
    );
    print_writes(
        "control, not drawn: the same with every delay 3 ms (links deliver in order)",
        &in_order,
    );
    print_reads(&reads);
    if let Err(e) = draw(&out, &writes, &reads) {
        eprintln!("experiment: could not draw {}: {e}.", out.display());
        return ExitCode::FAILURE;
    }
    println!();
    println!("wrote {}", out.display());
    ExitCode::SUCCESS
}
