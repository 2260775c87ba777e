//! `course grade --lab NN --submission DIR [--json]`: grades a student's files without trusting
//! anything else they hand in.
//!
//! Only the lab's student-owned files (its manifest) are taken from the submission, laid over a
//! pristine copy of the repository as committed, and the lab's graded suite runs there against
//! the pristine snapshots. A submission cannot change the harness, the tests or the snapshots.

use crate::cargo;
use crate::files;
use crate::labs::{self, LabInfo, ListedScenario};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One graded test.
#[derive(Debug, Serialize)]
pub struct TestScore {
    /// The scenario.
    pub name: String,
    /// What it is worth.
    pub points: u32,
    /// Whether it passed.
    pub passed: bool,
}

/// A submission's grade.
#[derive(Debug, Serialize)]
pub struct Grade {
    /// `lab00`.
    pub lab: String,
    /// The submission folder.
    pub submission: String,
    /// Points earned.
    pub points: u32,
    /// Points possible.
    pub total: u32,
    /// Per test, in rubric order.
    pub tests: Vec<TestScore>,
    /// Files in the submission that are not the lab's, and were ignored.
    pub ignored_files: Vec<String>,
    /// The first compiler error, if the submission does not build.
    pub compile_error: Option<String>,
}

/// The scenarios of a lab and their points, from the `list` command of the pristine copy's
/// own (stub) package, which always compiles: the same version of the lab that grades.
fn rubric(work: &Path, lab: &LabInfo) -> Result<Vec<(String, u32)>, String> {
    let mut list = cargo();
    list.args(["run", "--quiet", "-p", &lab.package, "--", "list", "--json"])
        .current_dir(work)
        .env("CARGO_TARGET_DIR", work.join("target"));
    let listed: Vec<ListedScenario> =
        labs::json_of(list, &format!("`cargo run -p {} -- list --json`", lab.package))?;
    Ok(listed.into_iter().map(|s| (s.name, s.points)).collect())
}

/// Outcomes of libtest's tests in `cargo test` output: name -> passed.
pub fn test_outcomes(output: &str) -> BTreeMap<String, bool> {
    output
        .lines()
        .filter_map(|l| l.strip_prefix("test "))
        .filter_map(|l| {
            let (name, result) = l.split_once(" ... ")?;
            match result.trim() {
                "ok" => Some((name.to_string(), true)),
                "FAILED" => Some((name.to_string(), false)),
                _ => None,
            }
        })
        .collect()
}

/// Grades `submission` for `lab`, in a pristine copy of `root`.
pub fn grade(root: &Path, lab: &LabInfo, submission: &Path) -> Result<Grade, String> {
    if !submission.is_dir() {
        return Err(format!("the submission folder {} does not exist", submission.display()));
    }
    let present = files::list_files(submission)
        .map_err(|e| format!("cannot read the submission {}: {e}", submission.display()))?;
    if let Some(missing) = lab.files.iter().find(|f| !present.contains(f)) {
        return Err(format!(
            "the submission {} has no {missing}; a {} submission holds {}",
            submission.display(),
            lab.package,
            lab.files.join(", ")
        ));
    }
    let ignored_files: Vec<String> =
        present.into_iter().filter(|f| !lab.files.contains(f)).collect();
    for f in &ignored_files {
        eprintln!(
            "ignoring {f}: it is not one of {}'s files ({})",
            lab.package,
            lab.files.join(", ")
        );
    }
    // The copy reuses the repository's own build (`target/debug`) for every package it does
    // not change, so a grading compiles the lab and what depends on it, not the harness, even in
    // a repository never built before (see below).
    let work = root.join("target").join("grading");
    if work.exists() {
        std::fs::remove_dir_all(&work)
            .map_err(|e| format!("cannot clear {}: {e}", work.display()))?;
    }
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    files::pristine_copy(root, &work, &|_| false)?;
    // A lab that continues another is graded on its own: the earlier lab's reference code,
    // where the repository has it, stands in for the student's.
    if lab.solution.is_some() {
        labs::lay_prerequisite(&work, lab)?;
    }
    // What the copy reuses must exist: build the lab's tests in the repository first (nothing to
    // do if they are built; a repository whose own copy of the lab does not compile just shares
    // less).
    let _ = cargo()
        .args(["test", "--no-run", "--quiet", "-p", &lab.package])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", root.join("target"))
        .output();
    files::share_build(root, &work)?;
    let rubric = rubric(&work, lab)?;
    for f in &lab.files {
        let to: PathBuf = work.join(&lab.dir).join(f);
        std::fs::copy(submission.join(f), &to)
            .map_err(|e| format!("cannot copy {f} from the submission: {e}"))?;
    }
    eprintln!("grading {} in {} ...", lab.package, work.display());
    let out = cargo()
        .args(["test", "-p", &lab.package, "--test", "grading", "--no-fail-fast"])
        .current_dir(&work)
        .env("CARGO_TARGET_DIR", work.join("target"))
        .env("INSTA_UPDATE", "no")
        .env_remove("COURSE_SEEDS")
        .env_remove("COURSE_TIMING")
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let output =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let outcomes = test_outcomes(&output);
    let compile_error = if outcomes.is_empty() {
        Some(
            output
                .lines()
                .find(|l| l.starts_with("error"))
                .unwrap_or("the graded suite did not run")
                .to_string(),
        )
    } else {
        None
    };
    let tests: Vec<TestScore> = rubric
        .into_iter()
        .map(|(name, points)| TestScore {
            passed: outcomes.get(&name) == Some(&true),
            name,
            points,
        })
        .collect();
    Ok(Grade {
        lab: lab.package.clone(),
        submission: submission.display().to_string(),
        points: tests.iter().filter(|t| t.passed).map(|t| t.points).sum(),
        total: tests.iter().map(|t| t.points).sum(),
        tests,
        ignored_files,
        compile_error,
    })
}

/// The command: grades, prints.
pub fn command(
    lab_number: &str,
    submission: &Path,
    json: bool,
) -> Result<std::process::ExitCode, String> {
    let root = labs::root();
    let lab = labs::find(&root, lab_number)?;
    let g = grade(&root, &lab, submission)?;
    if json {
        say!("{}", serde_json::to_string_pretty(&g).expect("grades serialize"));
    } else {
        say!("{} {}: {}/{} points", g.lab, g.submission, g.points, g.total);
        if let Some(e) = &g.compile_error {
            say!("  does not build: {e}");
        }
        for t in &g.tests {
            let earned = if t.passed { t.points } else { 0 };
            say!(
                "  {:<28} {:>3}/{:<3} {}",
                t.name,
                earned,
                t.points,
                if t.passed { "ok" } else { "FAIL" }
            );
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
