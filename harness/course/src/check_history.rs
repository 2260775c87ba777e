//! `course check-history`: checks recorded histories for linearizability, one line per file.
//!
//! A file is a Jepsen etcd log or a JSON-lines history for `--model cas-register`, and an EDN
//! key-value log or a JSON-lines history for `--model kv`. Every file is read and parsed before
//! any is checked, so bad input stops the command with one sentence before it prints a verdict.

use harness::history::jepsen::{parse_edn_kv, parse_etcd};
use harness::history::{History, ParseError};
use harness::linearizability::{Answer, CasRegister, Kv, Model, Options, check_linearizable, html};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What `check-history` was asked to do.
#[derive(Debug)]
pub struct Args {
    /// `cas-register` or `kv`.
    pub model: String,
    /// Where to draw each history, if anywhere.
    pub html: Option<PathBuf>,
    /// How long to search each history.
    pub time_limit: std::time::Duration,
    /// The search's step budget per history, if any.
    pub budget: Option<u64>,
    /// The history files.
    pub files: Vec<String>,
}

/// Whether a file holds JSON lines (as the harness writes them) rather than a Jepsen log.
pub(crate) fn is_json_lines(text: &str) -> bool {
    text.lines().map(str::trim_start).find(|l| !l.is_empty()).is_some_and(|l| l.starts_with("{\""))
}

pub(crate) fn read(file: &str) -> Result<String, String> {
    std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))
}

fn load<I: DeserializeOwned, O: DeserializeOwned>(
    files: &[String],
    jepsen: impl Fn(&str, &str) -> Result<History<I, O>, ParseError>,
) -> Result<Vec<History<I, O>>, String> {
    files
        .iter()
        .map(|file| {
            let text = read(file)?;
            let parsed = if is_json_lines(&text) {
                History::from_json_lines(&text, file)
            } else {
                jepsen(&text, file)
            };
            parsed.map_err(|e| e.to_string())
        })
        .collect()
}

/// Where the `--html` pages of one command go, if anywhere: one page per history, named after
/// its file plus `.html`, numbered if two files share a name.
pub(crate) struct Pages {
    dir: Option<PathBuf>,
    taken: Vec<PathBuf>,
}

impl Pages {
    /// Pages in `dir`, which is created if missing; none without a directory.
    pub(crate) fn new(dir: Option<&Path>) -> Result<Self, String> {
        if let Some(dir) = dir {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create the directory {}: {e}", dir.display()))?;
        }
        Ok(Pages { dir: dir.map(Path::to_path_buf), taken: Vec::new() })
    }

    /// Writes the page of `file`, drawn by `page`, and says where.
    pub(crate) fn draw(&mut self, file: &str, page: impl FnOnce() -> String) -> Result<(), String> {
        let Some(dir) = &self.dir else { return Ok(()) };
        let name = Path::new(file)
            .file_name()
            .map_or_else(|| "history".into(), |n| n.to_string_lossy().to_string());
        let mut path = dir.join(format!("{name}.html"));
        let mut n = 2;
        while self.taken.contains(&path) {
            path = dir.join(format!("{name}-{n}.html"));
            n += 1;
        }
        std::fs::write(&path, page())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("{file}: drawn in {}", path.display());
        self.taken.push(path);
        Ok(())
    }
}

fn check_all<M: Model>(
    new_model: impl Fn() -> M,
    histories: &[History<M::Input, M::Output>],
    args: &Args,
) -> Result<ExitCode, String> {
    let mut pages = Pages::new(args.html.as_deref())?;
    let options = Options {
        budget: args.budget.unwrap_or(u64::MAX),
        time: Some(args.time_limit),
        ..Options::default()
    };
    let mut all_linearizable = true;
    for (file, history) in args.files.iter().zip(histories) {
        let mut model = new_model();
        let answer = check_linearizable(&mut model, history, &options);
        match &answer {
            Answer::Holds => say!("{file}: linearizable"),
            Answer::Violated(v) => {
                all_linearizable = false;
                say!("{file}: not linearizable: {}", v.summary(&model, history));
            }
            Answer::Unknown(e) => {
                all_linearizable = false;
                say!("{file}: unknown ({})", e.limit_reached());
            }
        }
        pages.draw(file, || html::page(&model, history, &answer, file))?;
    }
    Ok(if all_linearizable { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Runs the command: exit 0 if every file is linearizable, 1 if any is not or is unknown, and
/// an error (exit 2) for bad arguments or input.
pub fn run(args: &Args) -> Result<ExitCode, String> {
    match args.model.as_str() {
        "cas-register" => {
            let histories = load(&args.files, parse_etcd)?;
            check_all(CasRegister::<i64>::new, &histories, args)
        }
        _ => {
            let histories = load(&args.files, parse_edn_kv)?;
            check_all(Kv::new, &histories, args)
        }
    }
}
