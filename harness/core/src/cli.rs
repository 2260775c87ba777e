//! The lab command line, the same for every lab and solution package:
//! `cargo run -p labNN -- list | run | trace | search`.

use crate::NodeId;
use crate::lab::Lab;
use crate::report::Report;
use crate::scenario::Graded;
use crate::search::Strategy;
use crate::time::Time;
use crate::trace::{Filter, Format, View};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage:
  list [--json]                              the scenarios: name, part, points, what each checks
                                             (--json: also graded seeds and properties)
  run SCENARIO [--seed N | --seeds K] [--json]
                                             run one scenario on its graded seeds, one seed, or
                                             seeds 1..=K, and print the report
  run --all [--json]                         run every scenario on its graded seeds
  trace SCENARIO --seed N [--format text|json|html] [--out FILE]
        [--node nK] [--from TIME] [--to TIME] [--around-violation]
                                             one run's trace: every event as text or JSON
                                             lines, or a space-time diagram (html, needs
                                             --out); TIME is like 1.5s, 250ms or 900us
                                             (a search scenario needs no --seed: its trace is
                                             the shortest schedule that breaks a property)
  search SCENARIO [--depth D] [--bfs | --dfs]
                                             explore every interleaving of a search scenario
                                             (to depth D, breadth or depth first); exit 1 on a
                                             violation, with its schedule";

/// One scenario as `list --json` describes it: what tools (the course's grader and bug proof)
/// need to know without running it.
#[derive(serde::Serialize)]
struct Listed {
    name: &'static str,
    part: &'static str,
    points: u32,
    summary: &'static str,
    graded_seeds: u64,
    properties: Vec<&'static str>,
}

impl Listed {
    fn of(s: &dyn Graded) -> Listed {
        Listed {
            name: s.name(),
            part: s.part(),
            points: s.points(),
            summary: s.summary(),
            graded_seeds: s.graded_seeds(),
            properties: s.property_names(),
        }
    }
}

/// Why a command stopped early.
#[derive(Debug)]
enum Usage {
    /// A command-line mistake: one sentence, exit code 2.
    Mistake(String),
    /// Whoever read the output stopped reading (`| head`): not an error.
    Closed,
}

fn usage(msg: impl Into<String>) -> Usage {
    Usage::Mistake(msg.into())
}

fn write_error(e: std::io::Error) -> Usage {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Usage::Closed
    } else {
        usage(format!("cannot write the output: {e}"))
    }
}

/// A lab binary's `main`: checks the environment, builds the lab, runs the command.
pub fn run(build: impl FnOnce() -> Lab) -> ExitCode {
    if let Err(e) = crate::lab::check_environment() {
        eprintln!("error: {e}.");
        return ExitCode::from(2);
    }
    build().main()
}

struct Flags {
    positional: Vec<String>,
    seed: Option<u64>,
    seeds: Option<u64>,
    json: bool,
    all: bool,
    format: Option<String>,
    out: Option<PathBuf>,
    filter: Filter,
    around_violation: bool,
    depth: Option<u64>,
    bfs: bool,
    dfs: bool,
}

impl Flags {
    /// Refuses the flags that mean nothing to `command`, rather than ignoring them.
    fn only_for(&self, command: &str) -> Result<(), Usage> {
        let given = [
            ("--seed", self.seed.is_some()),
            ("--seeds", self.seeds.is_some()),
            ("--json", self.json),
            ("--all", self.all),
            ("--format", self.format.is_some()),
            ("--out", self.out.is_some()),
            ("--node", self.filter.node.is_some()),
            ("--from", self.filter.from.is_some()),
            ("--to", self.filter.to.is_some()),
            ("--around-violation", self.around_violation),
            ("--depth", self.depth.is_some()),
            ("--bfs", self.bfs),
            ("--dfs", self.dfs),
        ];
        let allowed: &[&str] = match command {
            "list" => &["--json"],
            "run" => &["--seed", "--seeds", "--json", "--all"],
            "trace" => {
                &["--seed", "--format", "--out", "--node", "--from", "--to", "--around-violation"]
            }
            "search" => &["--depth", "--bfs", "--dfs"],
            _ => &[],
        };
        match given.iter().find(|(flag, set)| *set && !allowed.contains(flag)) {
            Some((flag, _)) if allowed.is_empty() => {
                Err(usage(format!("{command} takes no options, but got {flag}")))
            }
            Some((flag, _)) => Err(usage(format!(
                "{command} does not take {flag}; it takes {}",
                allowed.join(", ")
            ))),
            None => Ok(()),
        }
    }
}

/// The commands and options, for naming the closest one to a mistyped word.
const COMMANDS: [&str; 4] = ["list", "run", "trace", "search"];
const OPTIONS: [&str; 13] = [
    "--seed",
    "--seeds",
    "--all",
    "--json",
    "--format",
    "--out",
    "--node",
    "--from",
    "--to",
    "--around-violation",
    "--depth",
    "--bfs",
    "--dfs",
];

/// The candidate nearest to `word` in edit distance, if it is near enough to be a typo (at most
/// a third of its letters wrong). Lab binaries parse their own arguments rather than use clap,
/// which would add about a third to a student's first build.
fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    // Edits between the two words, a swap of neighbours counting as one (optimal string
    // alignment distance).
    let distance = |a: &str, b: &str| {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        d[0] = (0..=b.len()).collect();
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[a.len()][b.len()]
    };
    candidates
        .iter()
        .map(|c| (distance(word, c), *c))
        .filter(|(d, c)| *d * 3 <= c.len().max(3))
        .min()
        .map(|(_, c)| c)
}

fn parse_number(flag: &str, value: Option<String>) -> Result<u64, Usage> {
    let v = value.ok_or_else(|| usage(format!("{flag} needs a number after it")))?;
    v.parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| usage(format!("{flag} takes a positive whole number, not {v:?}")))
}

/// A virtual time such as `1.5s`, `250ms` or `900us`.
fn parse_time(flag: &str, value: Option<String>) -> Result<Time, Usage> {
    let v = value.ok_or_else(|| usage(format!("{flag} needs a time after it, like 250ms")))?;
    let bad = || usage(format!("{flag} takes a time like 1.5s, 250ms or 900us, not {v:?}"));
    let (number, unit) =
        v.trim().split_at(v.trim().find(|c: char| c.is_ascii_alphabetic()).ok_or_else(bad)?);
    let scale = match unit {
        "s" => 1_000_000.0,
        "ms" => 1_000.0,
        "us" => 1.0,
        _ => return Err(bad()),
    };
    let x: f64 = number.parse().map_err(|_| bad())?;
    if !(x >= 0.0 && x.is_finite()) {
        return Err(bad());
    }
    Ok(Time((x * scale).round() as u64))
}

fn parse_flags(args: impl Iterator<Item = String>) -> Result<Flags, Usage> {
    let mut f = Flags {
        positional: Vec::new(),
        seed: None,
        seeds: None,
        json: false,
        all: false,
        format: None,
        out: None,
        filter: Filter::default(),
        around_violation: false,
        depth: None,
        bfs: false,
        dfs: false,
    };
    let mut args = args.peekable();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => f.seed = Some(parse_number("--seed", args.next())?),
            "--seeds" => f.seeds = Some(parse_number("--seeds", args.next())?),
            "--json" => f.json = true,
            "--all" => f.all = true,
            "--format" => {
                let v = args
                    .next()
                    .ok_or_else(|| usage("--format needs text, json or html after it"))?;
                if !["text", "json", "html"].contains(&v.as_str()) {
                    return Err(usage(format!("--format takes text, json or html, not {v:?}")));
                }
                f.format = Some(v);
            }
            "--out" => {
                f.out = Some(args.next().ok_or_else(|| usage("--out needs a file name"))?.into())
            }
            "--node" => {
                let v = args.next().ok_or_else(|| usage("--node needs a node, like n1"))?;
                let id = v.strip_prefix('n').and_then(|n| n.parse::<u32>().ok());
                let id =
                    id.ok_or_else(|| usage(format!("--node takes a node like n1, not {v:?}")))?;
                f.filter.node = Some(NodeId(id));
            }
            "--from" => f.filter.from = Some(parse_time("--from", args.next())?),
            "--to" => f.filter.to = Some(parse_time("--to", args.next())?),
            "--around-violation" => f.around_violation = true,
            "--depth" => f.depth = Some(parse_number("--depth", args.next())?),
            "--bfs" => f.bfs = true,
            "--dfs" => f.dfs = true,
            s if s.starts_with('-') => {
                return Err(usage(match closest(s, &OPTIONS) {
                    Some(near) => format!("unknown option {s:?}; the nearest is {near}"),
                    None => format!("unknown option {s:?}; the options are {}", OPTIONS.join(", ")),
                }));
            }
            _ => f.positional.push(a),
        }
    }
    if f.seed.is_some() && f.seeds.is_some() {
        return Err(usage("give either --seed N (one seed) or --seeds K (seeds 1..=K), not both"));
    }
    if f.bfs && f.dfs {
        return Err(usage("give either --bfs (breadth first) or --dfs (depth first), not both"));
    }
    Ok(f)
}

impl Lab {
    fn find(&self, name: &str) -> Result<&dyn Graded, Usage> {
        self.scenario(name).ok_or_else(|| {
            usage(format!(
                "{} has no scenario {name:?}; the scenarios are: {}",
                self.id,
                self.names().join(", ")
            ))
        })
    }

    fn one_scenario(&self, f: &Flags, command: &str) -> Result<&dyn Graded, Usage> {
        match f.positional.as_slice() {
            [name] => self.find(name),
            [] => Err(usage(format!(
                "{command} needs a scenario name; the scenarios are: {}",
                self.names().join(", ")
            ))),
            [_, extra, ..] => Err(usage(format!("unexpected argument {extra:?}"))),
        }
    }

    fn print_reports(
        &self,
        reports: &[Report],
        json: bool,
        out: &mut impl Write,
    ) -> std::io::Result<()> {
        if json {
            writeln!(out, "{}", serde_json::to_string_pretty(reports).expect("reports serialize"))?;
        } else {
            for r in reports {
                write!(out, "{}", r.render())?;
                if !r.passed() {
                    writeln!(out, "{}", self.explain(r))?;
                }
            }
        }
        Ok(())
    }

    fn command(&self, args: Vec<String>, out: &mut impl Write) -> Result<ExitCode, Usage> {
        let mut args = args.into_iter();
        let command =
            args.next().ok_or_else(|| usage("a command is needed: list, run, trace or search"))?;
        let f = parse_flags(args)?;
        f.only_for(&command)?;
        let io = write_error;
        match command.as_str() {
            "list" => {
                if let Some(extra) = f.positional.first() {
                    return Err(usage(format!("list takes no arguments, but got {extra:?}")));
                }
                if f.json {
                    let rows: Vec<Listed> =
                        self.scenarios.iter().map(|s| Listed::of(s.as_ref())).collect();
                    writeln!(
                        out,
                        "{}",
                        serde_json::to_string_pretty(&rows).expect("rows serialize")
                    )
                    .map_err(io)?;
                    return Ok(ExitCode::SUCCESS);
                }
                let width = self.scenarios.iter().map(|s| s.name().len()).max().unwrap_or(0);
                for s in &self.scenarios {
                    let (name, part, points, summary) =
                        (s.name(), s.part(), s.points(), s.summary());
                    writeln!(out, "{name:<width$} part {part:<2} {points:>3} points  {summary}")
                        .map_err(io)?;
                }
                Ok(ExitCode::SUCCESS)
            }
            "run" => {
                if let Err(sentence) = self.check_prerequisite() {
                    // "error:" as for any other refusal, so `course status` shows the sentence.
                    eprintln!("error: {sentence}");
                    return Ok(ExitCode::from(1));
                }
                let scenarios = if f.all {
                    if let Some(extra) = f.positional.first() {
                        return Err(usage(format!("--all runs every scenario; drop {extra:?}")));
                    }
                    self.scenarios.iter().map(|s| s.as_ref()).collect()
                } else {
                    vec![self.one_scenario(&f, "run")?]
                };
                let reports: Vec<Report> = scenarios
                    .into_iter()
                    .map(|s| {
                        let seeds = match (f.seed, f.seeds) {
                            (Some(seed), _) => vec![seed],
                            (None, Some(k)) => (1..=k).collect(),
                            (None, None) => self.seeds_for(s),
                        };
                        s.evaluate(self.id, seeds)
                    })
                    .collect();
                self.print_reports(&reports, f.json, out).map_err(io)?;
                Ok(if reports.iter().all(Report::passed) {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                })
            }
            "trace" => self.trace(f, out),
            "search" => self.search(f, out),
            other => Err(usage(match closest(other, &COMMANDS) {
                Some(near) => format!("unknown command {other:?}; the nearest is {near}"),
                None => format!(
                    "unknown command {other:?}; the commands are list, run, trace and search"
                ),
            })),
        }
    }

    /// `trace`: one run, filtered, as text, JSON lines or a diagram.
    fn trace(&self, f: Flags, out: &mut impl Write) -> Result<ExitCode, Usage> {
        let scenario = self.one_scenario(&f, "trace")?;
        let seed = match f.seed {
            Some(seed) => seed,
            None if scenario.is_search() => 1,
            None => return Err(usage("trace needs --seed N")),
        };
        let format = f.format.as_deref().unwrap_or("text");
        if format != "html" && f.out.is_some() {
            return Err(usage(
                "--out is for --format html; text and json print to standard output",
            ));
        }
        if format == "html" && f.out.is_none() {
            return Err(usage(
                "--format html writes a file: give --out FILE, such as --out trace.html",
            ));
        }
        if let Some(node) = f.filter.node.filter(|n| n.index() >= scenario.node_count()) {
            return Err(usage(format!(
                "{} has nodes n0..n{}, not {node}",
                scenario.name(),
                scenario.node_count() - 1
            )));
        }
        let view = View {
            format: match format {
                "html" => Format::Html,
                "json" => Format::Json,
                _ => Format::Text,
            },
            filter: f.filter.clone(),
            around_violation: f.around_violation,
        };
        let title = format!("{} {} seed {seed}", self.id, scenario.name());
        let rendered = scenario.render_trace(&title, seed, &view);
        if let Some(note) = rendered.note {
            eprintln!("note: {note}");
        }
        let text = rendered.text;
        match &f.out {
            None => out.write_all(text.as_bytes()).map_err(write_error)?,
            Some(path) => {
                write_new_or_own(path, &text)?;
                eprintln!("wrote {}", path.display());
            }
        }
        Ok(ExitCode::SUCCESS)
    }

    /// `search`: explores a search scenario and prints its figures and any violation.
    fn search(&self, f: Flags, out: &mut impl Write) -> Result<ExitCode, Usage> {
        let scenario = self.one_scenario(&f, "search")?;
        let strategy = if f.dfs { Strategy::DepthFirst } else { Strategy::BreadthFirst };
        let depth = f.depth.map(|d| u32::try_from(d).unwrap_or(u32::MAX));
        let searchable: Vec<&str> =
            self.scenarios.iter().filter(|s| s.is_search()).map(|s| s.name()).collect();
        let printed = scenario.search(depth, strategy).ok_or_else(|| {
            usage(format!(
                "{} is a scenario of random runs, not a search; {}",
                scenario.name(),
                if searchable.is_empty() {
                    format!("{} has no search scenarios", self.id)
                } else {
                    format!("the search scenarios are: {}", searchable.join(", "))
                }
            ))
        })?;
        out.write_all(printed.text.as_bytes()).map_err(write_error)?;
        Ok(if printed.violated { ExitCode::from(1) } else { ExitCode::SUCCESS })
    }

    /// The lab binary's `main`: parses the arguments and runs the command.
    pub fn main(&self) -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        if args.iter().any(|a| a == "--help" || a == "-h") || args.is_empty() {
            println!(
                "{} ({}): the lab's scenarios, run on your code\n{USAGE}",
                self.id, self.topic
            );
            return if args.is_empty() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        match self.command(args, &mut out) {
            Ok(code) => match out.flush() {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    eprintln!("error: cannot write the output: {e}.");
                    ExitCode::from(2)
                }
                _ => code,
            },
            Err(Usage::Closed) => ExitCode::SUCCESS,
            Err(Usage::Mistake(msg)) => {
                let _ = out.flush();
                eprintln!("error: {msg}.");
                ExitCode::from(2)
            }
        }
    }
}

/// Writes `text` to `path`, unless `path` is a file this tool did not write: nothing a user made
/// is overwritten without asking.
fn write_new_or_own(path: &Path, text: &str) -> Result<(), Usage> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let ours = existing.starts_with(crate::diagram::MARKER) || existing.is_empty();
        if !ours {
            return Err(usage(format!(
                "{} exists and was not written by this tool; choose another --out, or remove it first",
                path.display()
            )));
        }
    } else if path.exists() {
        return Err(usage(format!(
            "{} exists and is not a text file; choose another --out",
            path.display()
        )));
    }
    std::fs::write(path, text).map_err(|e| usage(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_is_met_with_the_closest_name_and_nonsense_with_none() {
        assert_eq!(closest("--sede", &OPTIONS), Some("--seed"));
        assert_eq!(closest("--seeeds", &OPTIONS), Some("--seeds"));
        assert_eq!(closest("--josn", &OPTIONS), Some("--json"));
        assert_eq!(closest("--around", &OPTIONS), None);
        assert_eq!(closest("rnu", &COMMANDS), Some("run"));
        assert_eq!(closest("frobnicate", &COMMANDS), None);
    }
}
