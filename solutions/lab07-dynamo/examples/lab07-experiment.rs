//! Lab 07's instructor experiment: how stale are partial quorums, and what do R and W cost?
//!
//! (a) Probabilistically bounded staleness (Bailis et al., VLDB 2012): a client writes a fresh
//! key, and once the write is acknowledged it waits t and reads the key at a random node. The
//! read is stale if it does not return the write. Drawn for several (N, R, W) and two delay
//! distributions; with R + W > N the curve is zero.
//! (b) Latency: the mean time from a request to its answer, for reads against R and writes
//! against W, under the same two distributions.
//!
//! `cargo run --release -p lab07-solution --example lab07-experiment` writes
//! `labs/lab07-dynamo/experiment.svg` (or `--out PATH`).

use lab07::harness::sim::{Budgets, Setup, Simulation, Workload, WorkloadApi};
use lab07::harness::trace::EventKind;
use lab07::harness::{Delay, Duration, Network, NodeId, Prob, RequestId, Run, Time};
use lab07::workload::Users;
use lab07::{Config, DynamoKv, Replica, Request, Response, Timing, VClock};
use lab07_solution::Node;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// Storage nodes.
const NODES: usize = 5;
/// Seeds per point.
const SEEDS: u64 = 8;
/// Write-then-read trials per seed.
const TRIALS: u32 = 150;
/// Waits after the acknowledgement, in ms.
const WAITS: [u64; 9] = [0, 1, 2, 3, 5, 8, 12, 20, 30];
/// The partial quorums of panel (a).
const QUORUMS: [(usize, usize, usize); 4] = [(3, 1, 1), (3, 1, 2), (3, 2, 1), (3, 2, 2)];

/// The two delay distributions.
fn networks() -> [(&'static str, Network); 2] {
    [
        (
            "1-20 ms",
            Network::reliable()
                .with_delay(Delay::uniform(Duration::from_millis(1), Duration::from_millis(20))),
        ),
        (
            "1-5 ms, 20% up to 40 ms",
            Network::reliable().with_delay(
                Delay::uniform(Duration::from_millis(1), Duration::from_millis(5))
                    .with_spikes(Prob::percent(20), Duration::from_millis(40)),
            ),
        ),
    ]
}

fn config(n: usize, r: usize, w: usize) -> Config {
    Config {
        nodes: (0..NODES as u32).map(NodeId).collect(),
        vnodes: 8,
        n,
        r,
        w,
        sloppy: false,
        // Repair would only shorten the staleness; the experiment measures the quorums alone.
        anti_entropy: false,
        timing: Timing::SLOWEST,
    }
}

fn run(
    seed: u64,
    config: Config,
    network: Network,
    workload: Box<dyn Workload<DynamoKv>>,
    duration: Duration,
) -> Run<DynamoKv> {
    let setup = Setup {
        nodes: NODES,
        network,
        faults: Vec::new(),
        clocks: Vec::new(),
        duration,
        factory: Arc::new(move |_| Box::new(Replica::<Node>::new(config.clone()))),
        workload,
        budgets: Budgets::default(),
        picker: None,
    };
    Simulation::new(seed, setup).run()
}

/// One client: writes key `t<i>` at a random node, waits `wait` after the acknowledgement,
/// reads it at a random node, pauses 40 ms, and goes on with the next key.
struct Trials {
    wait: Duration,
    trial: u32,
    open: BTreeMap<RequestId, bool>,
}

impl Trials {
    fn put(&mut self, api: &mut WorkloadApi<'_, DynamoKv>, at: Time) {
        if self.trial >= TRIALS {
            return;
        }
        let node = NodeId(api.rng().below(NODES as u64) as u32);
        let request = Request::Put {
            key: format!("t{}", self.trial),
            value: format!("v{}", self.trial),
            context: VClock::new(),
        };
        let id = api.submit(at, node, request);
        self.open.insert(id, true);
    }
}

impl Workload<DynamoKv> for Trials {
    fn start(&mut self, api: &mut WorkloadApi<'_, DynamoKv>) {
        self.put(api, Time::from_millis(10));
    }

    fn on_reply(
        &mut self,
        api: &mut WorkloadApi<'_, DynamoKv>,
        _: NodeId,
        id: RequestId,
        response: &Response,
    ) {
        let Some(is_put) = self.open.remove(&id) else { return };
        if is_put && *response == Response::Stored {
            let node = NodeId(api.rng().below(NODES as u64) as u32);
            let id = api.submit(
                api.now() + self.wait,
                node,
                Request::Get { key: format!("t{}", self.trial) },
            );
            self.open.insert(id, false);
        } else {
            self.trial += 1;
            let next = api.now() + Duration::from_millis(40);
            self.put(api, next);
        }
    }
}

/// The share of reads, `wait` after the acknowledgement, that missed the write.
fn staleness(quorum: (usize, usize, usize), network: Network, wait: u64) -> f64 {
    let (mut reads, mut stale) = (0u64, 0u64);
    for seed in 1..=SEEDS {
        let trials = Trials { wait: Duration::from_millis(wait), trial: 0, open: BTreeMap::new() };
        let r = run(
            seed,
            config(quorum.0, quorum.1, quorum.2),
            network,
            Box::new(trials),
            Duration::from_secs(20),
        );
        let mut keys: BTreeMap<RequestId, String> = BTreeMap::new();
        for e in &r.trace.events {
            match &e.kind {
                EventKind::Request { id, request: Request::Get { key }, .. } => {
                    keys.insert(*id, key.clone());
                }
                EventKind::Reply { id, response: Response::Values { siblings, .. }, .. } => {
                    if let Some(key) = keys.get(id) {
                        reads += 1;
                        let value = format!("v{}", &key[1..]);
                        if !siblings.iter().any(|v| v.value == value) {
                            stale += 1;
                        }
                    }
                }
                _ => {}
            }
        }
    }
    if reads == 0 { 0.0 } else { stale as f64 / reads as f64 }
}

/// Mean read and write latency (ms) of (3, r, w) under closed-loop clients.
fn latency(r: usize, w: usize, network: Network) -> (f64, f64) {
    let mut sums = [(0u64, 0u64); 2];
    for seed in 1..=SEEDS {
        let nodes = (0..NODES as u32).map(NodeId).collect();
        let keys = (0..8).map(|k| format!("k{k}")).collect();
        let users = Users::new(nodes, 4, keys, Time::from_millis(100), Time::from_millis(3000), 50);
        let run = run(seed, config(3, r, w), network, Box::new(users), Duration::from_millis(3500));
        let mut started: BTreeMap<RequestId, (Time, usize)> = BTreeMap::new();
        for e in &run.trace.events {
            match &e.kind {
                EventKind::Request { id, request, .. } => {
                    let kind = usize::from(matches!(request, Request::Put { .. }));
                    started.insert(*id, (e.at, kind));
                }
                EventKind::Reply { id, response, .. } if *response != Response::Unavailable => {
                    if let Some((at, kind)) = started.get(id) {
                        sums[*kind].0 += e.at.since(*at).as_micros();
                        sums[*kind].1 += 1;
                    }
                }
                _ => {}
            }
        }
    }
    let mean = |(total, count): (u64, u64)| total as f64 / count.max(1) as f64 / 1000.0;
    (mean(sums[0]), mean(sums[1]))
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Chart<'a> = ChartContext<'a, SVGBackend<'a>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
type Drawn = Result<(), Box<dyn std::error::Error>>;

const FONT: &str = "sans-serif";
const COLORS: [RGBColor; 4] =
    [RGBColor(214, 39, 40), RGBColor(31, 119, 180), RGBColor(44, 160, 44), RGBColor(90, 90, 90)];

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
        .draw_series(points.into_iter().map(|p| Circle::new(p, 3, color.filled())))?
        .label(label)
        .legend(move |(x, y)| {
            let gap = if dashed { 6 } else { 0 };
            EmptyElement::at((x, y))
                + PathElement::new(vec![(0, 0), (10 - gap / 2, 0)], line)
                + PathElement::new(vec![(10 + gap / 2, 0), (20, 0)], line)
        });
    Ok(())
}

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
        .draw()?;
    Ok(chart)
}

fn legend(chart: &mut Chart<'_>) -> Drawn {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, 13))
        .draw()?;
    Ok(())
}

/// Staleness curves: (quorum index, network index) -> points.
type Curves = BTreeMap<(usize, usize), Vec<(f64, f64)>>;
/// Latencies: network index -> (R or W, read ms, write ms).
type Latencies = BTreeMap<usize, Vec<(f64, f64, f64)>>;

fn draw(path: &Path, curves: &Curves, latencies: &Latencies) -> Drawn {
    let root = SVGBackend::new(path, (1300, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root
        .titled("Lab 07: how stale are partial quorums, and what do R and W cost?", (FONT, 22))?;
    let height = root.dim_in_pixel().1;
    let (panels, footer) = root.split_vertically(height - 30);
    let panels = panels.split_evenly((1, 2));
    let nets = networks();
    let top = curves.values().flatten().map(|p| p.1).fold(0.0, f64::max).max(0.05) * 1.1;
    let mut chart = frame(
        &panels[0],
        "(a) P(stale read) against time since the write's acknowledgement",
        (0.0..*WAITS.last().unwrap_or(&30) as f64, "ms after the acknowledgement"),
        (0.0..top, "share of reads that miss the write"),
    )?;
    for ((q, n), points) in curves {
        let (nn, r, w) = QUORUMS[*q];
        series(
            &mut chart,
            points.clone(),
            COLORS[*q],
            *n == 1,
            &format!("N={nn} R={r} W={w}, {}", nets[*n].0),
        )?;
    }
    legend(&mut chart)?;
    let top = latencies.values().flatten().map(|p| p.1.max(p.2)).fold(0.0, f64::max) * 1.2;
    let mut chart = frame(
        &panels[1],
        "(b) mean latency against the quorum size",
        (0.8..3.2, "R (reads) or W (writes), N = 3"),
        (0.0..top, "ms from request to answer"),
    )?;
    for (n, points) in latencies {
        let reads = points.iter().map(|p| (p.0, p.1)).collect();
        let writes = points.iter().map(|p| (p.0, p.2)).collect();
        series(&mut chart, reads, COLORS[1], *n == 1, &format!("reads against R, {}", nets[*n].0))?;
        series(
            &mut chart,
            writes,
            COLORS[0],
            *n == 1,
            &format!("writes against W, {}", nets[*n].0),
        )?;
    }
    legend(&mut chart)?;
    footer.draw_text(
        &format!(
            "Reference solution in the deterministic simulator, {NODES} nodes, 8 virtual nodes each, no faults, \
             no anti-entropy; (a) {TRIALS} write-then-read trials on fresh keys per seed, (b) 4 closed-loop \
             clients on 8 keys; {SEEDS} seeds per point."
        ),
        &(FONT, 14).into_text_style(&footer),
        (20, 6),
    )?;
    root.present()?;
    Ok(())
}

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
        workspace.join("labs/lab07-dynamo/experiment.svg")
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
    let mut curves = Curves::new();
    println!("(a) share of stale reads, by ms after the acknowledgement: {WAITS:?}");
    for (n, (name, network)) in networks().into_iter().enumerate() {
        for (q, quorum) in QUORUMS.into_iter().enumerate() {
            let points: Vec<(f64, f64)> =
                WAITS.iter().map(|&wait| (wait as f64, staleness(quorum, network, wait))).collect();
            let shown: Vec<String> = points.iter().map(|p| format!("{:.3}", p.1)).collect();
            println!("  {quorum:?}, {name}: {}", shown.join(" "));
            curves.insert((q, n), points);
        }
    }
    let mut latencies = Latencies::new();
    println!("(b) mean latency (ms): k, read with R = k, write with W = k");
    for (n, (name, network)) in networks().into_iter().enumerate() {
        for k in 1..=3 {
            let (read, _) = latency(k, 2, network);
            let (_, write) = latency(2, k, network);
            println!("  {name}: {k}, {read:.2}, {write:.2}");
            latencies.entry(n).or_default().push((k as f64, read, write));
        }
    }
    if let Err(e) = draw(&out, &curves, &latencies) {
        eprintln!("experiment: could not draw {}: {e}.", out.display());
        return ExitCode::FAILURE;
    }
    println!("wrote {}", out.display());
    ExitCode::SUCCESS
}
