//! The course command line.
//!
//! - `cargo run -p course -- status [--lab NN] [--json]`: where every lab stands, run on the
//!   student's code.
//! - `cargo run -p course -- grade --lab NN --submission DIR`: a student's files, graded in a
//!   pristine copy of the repository.
//! - `cargo run -p course -- handout --out DIR`: the students' copy of the course.
//! - `cargo run -p course -- verify`: the project's own tests, as CI runs them.
//! - `cargo run --release -p course -- check-history --model cas-register|kv [--html DIR] FILE...`:
//!   whether recorded histories are linearizable.

/// Prints a line to stdout; a reader that stopped reading (`| head`) is not an error.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod check_history;
mod check_txn;
mod files;
mod grade;
mod handout;
mod labs;
mod rubric;
mod verify;

use clap::{Parser, Subcommand};
use labs::{LabInfo, ScenarioResult};
use std::io::Write;
use std::path::PathBuf;
use std::process::{ExitCode, Stdio};

/// The course's command line.
#[derive(Debug, Parser)]
#[command(
    name = "course",
    bin_name = "cargo run -p course --",
    about = "The coordination labs: where every lab stands, grading, the handout, and the \
             project's own tests.",
    disable_help_subcommand = true,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every lab's scenarios on your code and show where each stands.
    Status {
        /// Only this lab (a number such as 04).
        #[arg(long, value_name = "NN")]
        lab: Option<String>,
        /// Print the rows as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Grade a student's files in a pristine copy of the repository.
    Grade {
        /// The lab (a number such as 04).
        #[arg(long, value_name = "NN")]
        lab: String,
        /// The folder of the student's files, at their paths in the lab (for lab00:
        /// src/link.rs).
        #[arg(long, value_name = "DIR")]
        submission: PathBuf,
        /// Print the grade as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write the students' copy of the course (no solutions, no instructor's guide).
    Handout {
        /// A new or empty folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// The project's own tests, as CI runs them: formatting, lints, the harness, every
    /// solution, light builds, the stub, handout, grading and bug proofs.
    Verify {
        /// One lab's proofs only (a number such as 04).
        #[arg(long, value_name = "NN")]
        lab: Option<String>,
    },
    /// Whether each history (a Jepsen etcd or EDN log, or the harness's JSON lines) is
    /// linearizable: exit 0 if all are, 1 if any is not or is unknown, 2 on bad input.
    CheckHistory {
        /// The object the history operates on.
        #[arg(long, value_parser = ["cas-register", "kv"])]
        model: String,
        /// Draw each history as a web page into this folder.
        #[arg(long, value_name = "DIR")]
        html: Option<PathBuf>,
        /// How long to search each history, in seconds; past it the verdict is unknown.
        #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = positive)]
        time_limit: u64,
        /// The most model steps per history (no limit unless given); past it the verdict is
        /// unknown.
        #[arg(long, value_name = "STEPS", value_parser = positive)]
        budget: Option<u64>,
        /// The history files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
    },
    /// Whether each transactional history (Jepsen's EDN, as Elle reads it, or the harness's
    /// JSON lines) satisfies an isolation model, with a witness for each anomaly that decides
    /// it: exit 0 if all do, 1 if any does not, 2 on bad input.
    CheckTxn {
        /// What the transactions do: append to lists, or write registers.
        #[arg(long, value_parser = ["list-append", "rw-register"])]
        workload: String,
        /// The model every history must satisfy.
        #[arg(long, default_value = "strict-serializable", value_parser = clap::builder::PossibleValuesParser::new(harness::isolation::Model::ALL.map(harness::isolation::Model::name)))]
        model: String,
        /// Draw each history as a web page into this folder.
        #[arg(long, value_name = "DIR")]
        html: Option<PathBuf>,
        /// The history files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
    },
}

/// A clap refusal as one sentence: its message, with its tip (the closest valid name) after a
/// semicolon, without the usage block that follows (`--help` shows that).
fn one_sentence(e: &clap::Error) -> String {
    let rendered = e.render().to_string();
    let message = rendered.split("\n\nUsage:").next().unwrap_or(&rendered);
    let message = message.trim().trim_start_matches("error: ");
    let parts: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("For more information"))
        .collect();
    let mut sentence = String::new();
    for part in parts {
        if let Some(tip) = part.strip_prefix("tip: ") {
            sentence.push_str("; ");
            sentence.push_str(tip);
        } else if let Some(values) = part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
            sentence.push_str(&format!(" ({values})"));
        } else {
            if !sentence.is_empty() && !sentence.ends_with(':') {
                sentence.push(',');
            }
            if !sentence.is_empty() {
                sentence.push(' ');
            }
            sentence.push_str(part);
        }
    }
    if e.kind() == clap::error::ErrorKind::UnknownArgument && !sentence.contains("similar") {
        sentence.push_str("; --help lists what it takes");
    }
    sentence.trim_end_matches('.').to_string()
}

/// A positive whole number (a step budget, a time limit).
fn positive(text: &str) -> Result<u64, String> {
    text.parse().ok().filter(|n| *n > 0).ok_or_else(|| "it takes a positive whole number".into())
}

/// The cargo that ran us (so nested builds use the same toolchain), or `cargo`.
pub fn cargo() -> std::process::Command {
    std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// What one lab's status row says.
#[derive(serde::Serialize)]
struct Row {
    lab: String,
    topic: String,
    points: u32,
    total_points: u32,
    passed: usize,
    tests: usize,
    first_failing: Option<String>,
    compile_error: Option<String>,
}

fn status_row(lab: &LabInfo) -> Row {
    let output = cargo()
        .args(["run", "--quiet", "-p", &lab.package, "--", "run", "--all", "--json"])
        .current_dir(labs::root())
        .stdin(Stdio::null())
        .output();
    let mut row = Row {
        lab: lab.package.clone(),
        topic: lab.topic.clone(),
        points: 0,
        total_points: 0,
        passed: 0,
        tests: 0,
        first_failing: None,
        compile_error: None,
    };
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            row.compile_error = Some(format!("cannot run cargo: {e}"));
            return row;
        }
    };
    match serde_json::from_slice::<Vec<ScenarioResult>>(&output.stdout) {
        Ok(results) => {
            for r in &results {
                row.total_points += r.points;
                row.tests += 1;
                if r.passed() {
                    row.points += r.points;
                    row.passed += 1;
                } else if row.first_failing.is_none() {
                    let why = r.first_failure().map(|p| p.name.clone()).unwrap_or_default();
                    row.first_failing = Some(format!("{}: {why}", r.scenario));
                }
            }
        }
        Err(_) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let first = stderr
                .lines()
                .find(|l| l.starts_with("error"))
                .unwrap_or("the lab did not build or run; see `cargo run -p LAB -- list`");
            // Exit 1 without results: the lab built and refused to run (a lab it builds on is
            // unfinished). Any other failure is cargo's: the lab does not build.
            match first.strip_prefix("error: ") {
                Some(refusal) if output.status.code() == Some(1) => {
                    row.first_failing = Some(refusal.to_string())
                }
                _ => row.compile_error = Some(first.replace("LAB", &lab.package)),
            }
        }
    }
    row
}

fn bar(done: u32, total: u32) -> String {
    let width = 20;
    let filled = (done * width).checked_div(total).unwrap_or(0) as usize;
    format!("[{}{}]", "#".repeat(filled), "-".repeat(width as usize - filled))
}

fn status(only: Option<&str>, json: bool) -> Result<ExitCode, String> {
    let root = labs::root();
    let all = match only {
        Some(n) => vec![labs::find(&root, n)?],
        None => labs::discover(&root)?,
    };
    let mut rows = Vec::new();
    for lab in &all {
        eprint!("running {} ({}) ... ", lab.package, lab.topic);
        let _ = std::io::stderr().flush();
        let row = status_row(lab);
        eprintln!("{}/{} points", row.points, row.total_points);
        rows.push(row);
    }
    if json {
        say!("{}", serde_json::to_string_pretty(&rows).expect("rows serialize"));
    } else {
        say!(
            "{:<6} {:<20} {:>9} {:>7}  {:<22}  first failing test",
            "lab",
            "topic",
            "points",
            "tests",
            "progress"
        );
        for r in &rows {
            let failing = match (&r.compile_error, &r.first_failing) {
                (Some(e), _) => format!("does not build: {e}"),
                (None, Some(f)) => f.clone(),
                (None, None) => "-".into(),
            };
            say!(
                "{:<6} {:<20} {:>9} {:>7}  {}  {failing}",
                r.lab,
                r.topic,
                format!("{}/{}", r.points, r.total_points),
                format!("{}/{}", r.passed, r.tests),
                bar(r.points, r.total_points),
            );
        }
        say!(
            "\nrun one lab's tests with `cargo test -p labNN`; its scenarios with `cargo run -p labNN -- list`"
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and its like: the text on stdout, exit 0.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: {}.", one_sentence(&e));
            return ExitCode::from(2);
        }
    };
    let result = match &cli.command {
        Command::Status { lab, json } => status(lab.as_deref(), *json),
        Command::Grade { lab, submission, json } => grade::command(lab, submission, *json),
        Command::Handout { out } => handout::command(out),
        Command::Verify { lab } => verify::run(lab.as_deref()),
        Command::CheckHistory { model, html, time_limit, budget, files } => {
            check_history::run(&check_history::Args {
                model: model.clone(),
                html: html.clone(),
                time_limit: std::time::Duration::from_secs(*time_limit),
                budget: *budget,
                files: files.clone(),
            })
        }
        Command::CheckTxn { workload, model, html, files } => check_txn::run(&check_txn::Args {
            workload: workload.clone(),
            model: model.clone(),
            html: html.clone(),
            files: files.clone(),
        }),
    };
    match result {
        Ok(code) => code,
        Err(sentence) => {
            eprintln!("error: {sentence}.");
            ExitCode::from(2)
        }
    }
}
