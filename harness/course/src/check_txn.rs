//! `course check-txn`: checks transactional histories for isolation anomalies, one verdict per
//! file, with the witnesses that decide it.
//!
//! A file is Jepsen's EDN (Elle's format) or the harness's JSON lines. Every file is read,
//! parsed and checked before any verdict is printed, so bad input stops the command with one
//! sentence naming the file and line.

use crate::check_history::{Pages, is_json_lines, read};
use harness::history::History;
use harness::isolation::txn::{TxnHistory, fit, parse_edn};
use harness::isolation::{Analysis, Model, Workload, check, explain_where, html, summary};
use std::path::PathBuf;
use std::process::ExitCode;

/// What `check-txn` was asked to do.
#[derive(Debug)]
pub struct Args {
    /// `list-append` or `rw-register`.
    pub workload: String,
    /// The model every history must satisfy.
    pub model: String,
    /// Where to draw each history, if anywhere.
    pub html: Option<PathBuf>,
    /// The history files.
    pub files: Vec<String>,
}

fn load(file: &str, workload: Workload) -> Result<TxnHistory, String> {
    let text = read(file)?;
    let history = if is_json_lines(&text) {
        let mut h: TxnHistory = History::from_json_lines(&text, file).map_err(|e| e.to_string())?;
        fit(&mut h, workload, &text, file).map_err(|e| e.to_string())?;
        h
    } else {
        parse_edn(&text, file, workload).map_err(|e| e.to_string())?
    };
    Ok(history)
}

/// Runs the command: exit 0 if every history satisfies the model, 1 if any violates it, and an
/// error (exit 2) for bad arguments or input.
pub fn run(args: &Args) -> Result<ExitCode, String> {
    let workload = match args.workload.as_str() {
        "rw-register" => Workload::RwRegister,
        _ => Workload::ListAppend,
    };
    let model = Model::named(&args.model).expect("clap checked the model's name");
    let mut checked: Vec<(TxnHistory, Analysis)> = Vec::new();
    for file in &args.files {
        let history = load(file, workload)?;
        let analysis = check(&history, workload).map_err(|e| format!("{file}: {e}"))?;
        checked.push((history, analysis));
    }
    let mut pages = Pages::new(args.html.as_deref())?;
    let mut all_hold = true;
    for (file, (history, analysis)) in args.files.iter().zip(&checked) {
        let holds = !analysis.violates(model);
        all_hold &= holds;
        let verdict = if holds { "satisfies" } else { "violates" };
        say!("{file}: {verdict} {model}. {}.", summary(analysis, history));
        if !holds {
            // Only the witnesses that decide this verdict.
            for line in explain_where(analysis, history, |k| model.forbids(k)).lines() {
                say!("  {line}");
            }
        }
        pages.draw(file, || html::page(analysis, history, file))?;
    }
    Ok(if all_hold { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
