//! The lab command line, the same for every lab and solution package:
//! `cargo run -p labNN -- list | run | trace`.

use crate::lab::Lab;
use crate::node::Protocol;
use crate::report::{Report, evaluate};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

const USAGE: &str = "\
usage:
  list                                       the scenarios: name, part, points, what each checks
  run SCENARIO [--seed N | --seeds K] [--json]
                                             run one scenario on its graded seeds, one seed, or
                                             seeds 1..=K, and print the report
  run --all [--json]                         run every scenario on its graded seeds
  trace SCENARIO --seed N [--format text|json]
                                             print one run's full trace";

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
pub fn run<P: Protocol>(build: impl FnOnce() -> Lab<P>) -> ExitCode {
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
        ];
        let allowed: &[&str] = match command {
            "run" => &["--seed", "--seeds", "--json", "--all"],
            "trace" => &["--seed", "--format"],
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

fn parse_number(flag: &str, value: Option<String>) -> Result<u64, Usage> {
    let v = value.ok_or_else(|| usage(format!("{flag} needs a number after it")))?;
    v.parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| usage(format!("{flag} takes a positive whole number, not {v:?}")))
}

fn parse_flags(args: impl Iterator<Item = String>) -> Result<Flags, Usage> {
    let mut f = Flags {
        positional: Vec::new(),
        seed: None,
        seeds: None,
        json: false,
        all: false,
        format: None,
    };
    let mut args = args.peekable();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => f.seed = Some(parse_number("--seed", args.next())?),
            "--seeds" => f.seeds = Some(parse_number("--seeds", args.next())?),
            "--json" => f.json = true,
            "--all" => f.all = true,
            "--format" => {
                let v = args.next().ok_or_else(|| usage("--format needs text or json after it"))?;
                if v != "text" && v != "json" {
                    return Err(usage(format!("--format takes text or json, not {v:?}")));
                }
                f.format = Some(v);
            }
            s if s.starts_with('-') => {
                return Err(usage(format!(
                    "unknown option {s:?}; the options are --seed, --seeds, --all, --json and --format"
                )));
            }
            _ => f.positional.push(a),
        }
    }
    if f.seed.is_some() && f.seeds.is_some() {
        return Err(usage("give either --seed N (one seed) or --seeds K (seeds 1..=K), not both"));
    }
    Ok(f)
}

impl<P: Protocol> Lab<P> {
    fn find(&self, name: &str) -> Result<Arc<crate::scenario::Scenario<P>>, Usage> {
        self.scenario(name).cloned().ok_or_else(|| {
            usage(format!(
                "{} has no scenario {name:?}; the scenarios are: {}",
                self.id,
                self.names().join(", ")
            ))
        })
    }

    fn one_scenario(
        &self,
        f: &Flags,
        command: &str,
    ) -> Result<Arc<crate::scenario::Scenario<P>>, Usage> {
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
            args.next().ok_or_else(|| usage("a command is needed: list, run or trace"))?;
        let f = parse_flags(args)?;
        f.only_for(&command)?;
        let io = write_error;
        match command.as_str() {
            "list" => {
                if let Some(extra) = f.positional.first() {
                    return Err(usage(format!("list takes no arguments, but got {extra:?}")));
                }
                for s in &self.scenarios {
                    writeln!(
                        out,
                        "{:<24} part {:<2} {:>3} points  {}",
                        s.name, s.part, s.points, s.summary
                    )
                    .map_err(io)?;
                }
                Ok(ExitCode::SUCCESS)
            }
            "run" => {
                let scenarios = if f.all {
                    if let Some(extra) = f.positional.first() {
                        return Err(usage(format!("--all runs every scenario; drop {extra:?}")));
                    }
                    self.scenarios.clone()
                } else {
                    vec![self.one_scenario(&f, "run")?]
                };
                let reports: Vec<Report> = scenarios
                    .into_iter()
                    .map(|s| {
                        let seeds = match (f.seed, f.seeds) {
                            (Some(seed), _) => vec![seed],
                            (None, Some(k)) => (1..=k).collect(),
                            (None, None) => self.seeds_for(&s),
                        };
                        evaluate(self.id, s, seeds)
                    })
                    .collect();
                self.print_reports(&reports, f.json, out).map_err(io)?;
                Ok(if reports.iter().all(Report::passed) {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                })
            }
            "trace" => {
                let scenario = self.one_scenario(&f, "trace")?;
                let seed = f.seed.ok_or_else(|| usage("trace needs --seed N"))?;
                let run = scenario.run(seed);
                let json = f.format.as_deref() == Some("json");
                for e in &run.trace.events {
                    let line =
                        if json { run.trace.render_json(e) } else { run.trace.render_text(e) };
                    writeln!(out, "{line}").map_err(io)?;
                }
                Ok(ExitCode::SUCCESS)
            }
            other => Err(usage(format!(
                "unknown command {other:?}; the commands are list, run and trace"
            ))),
        }
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
