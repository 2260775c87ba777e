//! Lab 06's instructor experiment: what each broadcast costs, and how long anti-entropy takes to
//! converge. It prints a table and draws one figure of four panels (by default
//! `labs/lab06-broadcast-crdts/experiment.svg`):
//!
//! - (a) gossip's coverage against fanout, at 10, 100 and 1,000 nodes (one broadcast, rounds
//!   unbounded, no loss): the share of nodes the message reaches;
//! - (b) the rounds (hops) it took to reach them, same runs, and (in the table) the messages;
//! - (c) messages per broadcast of best-effort, eager reliable and gossip (fanout ln N + 2,
//!   rounds unbounded) against the number of nodes, on a log scale;
//! - (d) anti-entropy's convergence time against loss: 5 replicas of a PN-Counter gossiping
//!   every 30 ms, the time from the last update until every replica answers the final value.
//!
//! Every point is the mean over [`SEEDS`] deterministic simulations of the reference solution,
//! so a rerun draws the same figure.
//!
//! `cargo run -p lab06-solution --example lab06-experiment -- [--out PATH]`

use harness::sim::{Budgets, Schedule, Setup, Simulation};
use harness::{Duration, EventKind, Network, NodeId, Prob, Run, Time};
use lab06::driver::Driver;
use lab06::{Bcast, Broadcaster, CounterOp, Delivery, Kind, Observation, ReplicaNode, Replication};
use lab06::{Request, Timing};
use lab06_solution::anti_entropy::Node as Replica;
use lab06_solution::broadcast::Node;
use lab06_solution::crdt::PnCounter;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Seeds per point.
const SEEDS: u64 = 10;
/// Rounds that never stop a rumour before it dies out.
const UNBOUNDED: u32 = 64;

/// One broadcast by n0 among `nodes` running `kind`, on a network losing `loss` percent.
fn broadcast_run(nodes: usize, kind: Kind, loss: u32, seed: u64) -> Run<Bcast> {
    let setup = Setup {
        nodes,
        network: Network::reliable().with_loss(Prob::percent(loss)),
        faults: Vec::new(),
        clocks: Vec::new(),
        duration: Duration::from_secs(2),
        factory: Arc::new(move |id| Box::new(<Node as Broadcaster>::new(id, nodes, kind))),
        workload: Box::new(Schedule(vec![(Time::from_millis(10), NodeId(0), ())])),
        budgets: Budgets { max_events: 50_000_000, ..Budgets::default() },
        picker: None,
    };
    Simulation::new(seed, setup).run()
}

/// (coverage in [0, 1], rounds to reach it, messages) of one broadcast run.
fn gossip_measure(run: &Run<Bcast>, nodes: usize) -> (f64, f64, f64) {
    let mut first_hops: BTreeMap<NodeId, u32> = BTreeMap::new();
    let mut delivered = 0;
    for e in &run.trace.events {
        match &e.kind {
            EventKind::Deliver { msg } => {
                let m = run.trace.message(*msg);
                first_hops.entry(m.to).or_insert(m.msg.hops);
            }
            EventKind::Output { output: Delivery::Delivered { .. }, .. } => delivered += 1,
            _ => {}
        }
    }
    let rounds = first_hops.values().max().copied().unwrap_or(0);
    (delivered as f64 / nodes as f64, rounds as f64, run.trace.messages.len() as f64)
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = xs.collect();
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// Anti-entropy: milliseconds from the last update until every replica answers the final value.
fn convergence_ms(loss: u32, seed: u64) -> f64 {
    let replicas = 5;
    let mut requests = Vec::new();
    for r in 0..replicas as u32 {
        for k in 0..5 {
            let at = Time::from_millis(100 + 100 * k + 7 * u64::from(r));
            requests.push((at, NodeId(r), Request::Update(CounterOp::Increment(1))));
        }
    }
    requests.sort_by_key(|(t, n, _)| (*t, *n));
    let last = requests.iter().map(|(t, _, _)| *t).max().expect("updates");
    let timing = Timing::DEFAULT;
    let setup = Setup {
        nodes: replicas,
        network: Network::reliable().with_loss(Prob::percent(loss)),
        faults: Vec::new(),
        clocks: Vec::new(),
        duration: Duration::from_secs(5),
        factory: Arc::new(move |id: NodeId| {
            let peers = (0..replicas as u32).map(NodeId).filter(|n| *n != id).collect();
            let node = <Replica<PnCounter> as ReplicaNode<PnCounter>>::new(id, peers, timing);
            Box::new(Driver::<PnCounter, _>::new(node))
        }),
        workload: Box::new(Schedule(requests)),
        budgets: Budgets::default(),
        picker: None,
    };
    let run: Run<Replication<PnCounter>> = Simulation::new(seed, setup).run();
    let total = (replicas * 5) as i64;
    let mut reached: BTreeMap<NodeId, Time> = BTreeMap::new();
    for e in &run.trace.events {
        if let EventKind::Output { node, output: Observation::Query(v) } = &e.kind {
            if *v == total {
                reached.entry(*node).or_insert(e.at);
            }
        }
    }
    assert_eq!(reached.len(), replicas, "anti-entropy did not converge at {loss}% loss");
    let done = reached.values().max().copied().expect("replicas");
    done.since(last).as_micros() as f64 / 1000.0
}

type Series = Vec<(String, Vec<(f64, f64)>)>;

fn panel(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    title: &str,
    (x_label, y_label): (&str, &str),
    (xs, ys): (std::ops::Range<f64>, std::ops::Range<f64>),
    log_y: bool,
    series: &Series,
) -> Result<(), Box<dyn std::error::Error>> {
    let colors = [BLUE, RED, GREEN, MAGENTA];
    let mut builder = ChartBuilder::on(area);
    builder
        .caption(title, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(35)
        .y_label_area_size(55);
    if log_y {
        let mut chart = builder.build_cartesian_2d(xs, (ys.start.max(1.0)..ys.end).log_scale())?;
        chart.configure_mesh().x_desc(x_label).y_desc(y_label).draw()?;
        for (i, (name, points)) in series.iter().enumerate() {
            let c = colors[i % colors.len()];
            chart
                .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c));
        }
        chart.configure_series_labels().background_style(WHITE).border_style(BLACK).draw()?;
    } else {
        let mut chart = builder.build_cartesian_2d(xs, ys)?;
        chart.configure_mesh().x_desc(x_label).y_desc(y_label).draw()?;
        for (i, (name, points)) in series.iter().enumerate() {
            let c = colors[i % colors.len()];
            chart
                .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c));
        }
        chart.configure_series_labels().background_style(WHITE).border_style(BLACK).draw()?;
    }
    Ok(())
}

fn run(out: PathBuf) -> Result<(), Box<dyn std::error::Error>> {
    // (a), (b): gossip against fanout.
    let mut coverage: Series = Vec::new();
    let mut rounds: Series = Vec::new();
    println!("gossip, one broadcast, rounds unbounded, no loss (mean of {SEEDS} seeds)");
    println!("{:>6} {:>7} {:>9} {:>7} {:>10}", "nodes", "fanout", "coverage", "rounds", "messages");
    for nodes in [10usize, 100, 1000] {
        let (mut cov, mut rnd) = (Vec::new(), Vec::new());
        for fanout in 1..=8usize {
            let kind = Kind::Gossip { fanout: fanout.min(nodes - 1), rounds: UNBOUNDED };
            let m: Vec<(f64, f64, f64)> = (1..=SEEDS)
                .map(|s| gossip_measure(&broadcast_run(nodes, kind, 0, s), nodes))
                .collect();
            let (c, r, msgs) = (
                mean(m.iter().map(|x| x.0)),
                mean(m.iter().map(|x| x.1)),
                mean(m.iter().map(|x| x.2)),
            );
            println!("{nodes:>6} {fanout:>7} {:>8.1}% {r:>7.1} {msgs:>10.0}", c * 100.0);
            cov.push((fanout as f64, c * 100.0));
            rnd.push((fanout as f64, r));
        }
        coverage.push((format!("{nodes} nodes"), cov));
        rounds.push((format!("{nodes} nodes"), rnd));
    }
    // (c): the three broadcasts against the number of nodes.
    let mut cost: Series = vec![
        ("best-effort".into(), vec![]),
        ("eager reliable".into(), vec![]),
        ("gossip".into(), vec![]),
    ];
    println!("\nmessages per broadcast (no loss)");
    println!("{:>6} {:>12} {:>15} {:>8}", "nodes", "best-effort", "eager reliable", "gossip");
    for nodes in [5usize, 10, 20, 50, 100, 200] {
        let fanout = ((nodes as f64).ln().ceil() as usize + 2).min(nodes - 1);
        let kinds =
            [Kind::BestEffort, Kind::EagerReliable, Kind::Gossip { fanout, rounds: UNBOUNDED }];
        let mut row = Vec::new();
        for (i, kind) in kinds.into_iter().enumerate() {
            let m = mean(
                (1..=SEEDS).map(|s| broadcast_run(nodes, kind, 0, s).trace.messages.len() as f64),
            );
            cost[i].1.push((nodes as f64, m));
            row.push(m);
        }
        println!("{nodes:>6} {:>12.0} {:>15.0} {:>8.0}", row[0], row[1], row[2]);
    }
    // (d): anti-entropy's convergence against loss.
    let mut conv = Vec::new();
    println!(
        "\nanti-entropy, 5 replicas, gossip every 30 ms: ms from the last update to convergence"
    );
    for loss in (0..=70).step_by(10) {
        let ms = mean((1..=SEEDS).map(|s| convergence_ms(loss, s)));
        println!("{loss:>3}% loss: {ms:>6.1} ms");
        conv.push((f64::from(loss), ms));
    }
    let max_conv = conv.iter().map(|p| p.1).fold(0.0, f64::max);
    let max_rounds = rounds.iter().flat_map(|s| s.1.iter().map(|p| p.1)).fold(0.0, f64::max);
    let max_cost = cost.iter().flat_map(|s| s.1.iter().map(|p| p.1)).fold(0.0, f64::max);

    let root = SVGBackend::new(&out, (1200, 900)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((2, 2));
    panel(
        &panels[0],
        "(a) gossip coverage against fanout",
        ("fanout", "nodes reached (%)"),
        (1.0..8.0, 0.0..101.0),
        false,
        &coverage,
    )?;
    panel(
        &panels[1],
        "(b) gossip rounds to that coverage",
        ("fanout", "rounds (hops)"),
        (1.0..8.0, 0.0..max_rounds * 1.1 + 1.0),
        false,
        &rounds,
    )?;
    panel(
        &panels[2],
        "(c) messages per broadcast",
        ("nodes", "messages (log)"),
        (5.0..200.0, 1.0..max_cost * 1.5),
        true,
        &cost,
    )?;
    panel(
        &panels[3],
        "(d) anti-entropy convergence against loss",
        ("loss (%)", "ms after the last update"),
        (0.0..70.0, 0.0..max_conv * 1.1 + 1.0),
        false,
        &vec![("5 replicas, PN-Counter".into(), conv)],
    )?;
    root.present()?;
    println!("\nwrote {}", out.display());
    Ok(())
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut out = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../labs/lab06-broadcast-crdts/experiment.svg"
    ));
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--out", Some(path)) => out = PathBuf::from(path),
            _ => {
                eprintln!("usage: experiment [--out PATH]");
                return ExitCode::from(2);
            }
        }
    }
    match run(out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("the experiment failed: {e}");
            ExitCode::FAILURE
        }
    }
}
