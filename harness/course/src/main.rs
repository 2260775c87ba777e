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
mod files;
mod grade;
mod handout;
mod labs;
mod verify;

use labs::{LabInfo, ScenarioResult};
use std::io::Write;
use std::process::{Command, ExitCode, Stdio};

const USAGE: &str = "\
usage: cargo run -p course -- COMMAND
  status [--lab NN] [--json]   run every lab's scenarios on your code and show where each stands
  grade --lab NN --submission DIR [--json]
                               grade a student's files (DIR holds the lab's files, e.g.
                               src/link.rs) in a pristine copy of the repository
  handout --out DIR            write the students' copy of the course into a new folder
  verify [--lab NN]            the project's own tests (what CI runs): formatting, lints, the
                               harness, every solution, light builds, the stub, handout,
                               grading and bug proofs; --lab NN: one lab's proofs
  check-history --model cas-register|kv [--html DIR] [--budget STEPS] FILE...
                               whether each history (a Jepsen etcd or EDN log, or the harness's
                               JSON lines) is linearizable; --html draws each one as a web page;
                               exit 0 if all are, 1 if any is not or is unknown, 2 on bad input";

/// The cargo that ran us (so nested builds use the same toolchain), or `cargo`.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
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

fn status(args: &[String]) -> Result<ExitCode, String> {
    let mut json = false;
    let mut only: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => json = true,
            "--lab" => {
                only = Some(it.next().ok_or("--lab needs a lab number, such as --lab 00")?.clone())
            }
            other => {
                return Err(format!(
                    "status does not take {other:?}; it takes --lab NN and --json"
                ));
            }
        }
    }
    let root = labs::root();
    let all = match &only {
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None | Some("--help") | Some("-h") | Some("help") => {
            say!("{USAGE}");
            return if args.is_empty() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
        Some("status") => status(&args[1..]),
        Some("grade") => grade::command(&args[1..]),
        Some("handout") => handout::command(&args[1..]),
        Some("verify") => match &args[1..] {
            [] => verify::run(None),
            [flag, number] if flag == "--lab" => verify::run(Some(number)),
            [flag] if flag == "--lab" => Err("--lab needs a lab number, such as --lab 04".into()),
            [other, ..] => Err(format!("verify takes only --lab NN, but got {other:?}")),
        },
        Some("check-history") => check_history::run(&args[1..]),
        Some(other) => Err(format!(
            "unknown command {other:?}; the commands are status, grade, handout, verify and \
             check-history"
        )),
    };
    match result {
        Ok(code) => code,
        Err(sentence) => {
            eprintln!("error: {sentence}.");
            ExitCode::from(2)
        }
    }
}
