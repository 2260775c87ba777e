//! `course verify`: the project's own tests, the ones CI runs. Each step is a proof with a name;
//! every step runs, and the summary names each one that failed.
//!
//! 1. formatting and lints;
//! 2. the harness's and the course tool's tests, and every solution against its lab's registry;
//! 3. every solution again at both ends of every legal timing range;
//! 4. light student builds: no lab compiles tokio or criterion;
//! 5. the stub proof: every lab's stub compiles, and every graded test fails naming a file the
//!    student edits;
//! 6. the handout proof: the students' copy builds, its README offers students' commands only,
//!    `course status` runs in it, and the stub proof holds there too;
//! 7. the grading proof: each solution graded as a submission earns every point, each stub none;
//! 8. the bug proof: every classic bug, applied to a scratch copy of its solution, makes the
//!    property it names fail;
//! 9. the benches compile.

use crate::cargo;
use crate::labs::{self, LabInfo, ScenarioResult};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use std::time::Instant;

struct Step {
    name: String,
    problems: Vec<String>,
}

fn header(name: &str) {
    say!("\n==== verify: {name} ====");
}

/// Runs a command with its output shown; a problem if it fails.
fn shown(mut cmd: Command, what: &str) -> Vec<String> {
    match cmd.status() {
        Ok(s) if s.success() => Vec::new(),
        Ok(s) => vec![format!("{what} failed ({s})")],
        Err(e) => vec![format!("{what} could not start: {e}")],
    }
}

/// Runs a command and captures its output.
fn captured(mut cmd: Command) -> Result<Output, String> {
    cmd.output().map_err(|e| format!("cannot run {cmd:?}: {e}"))
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A cargo command run in `root`. A copy of the repository (the exported handout, or a copy
/// with an earlier lab's solution laid in) builds into a folder of its own under the real
/// repository's `target`, kept between runs. Copies never share one: their crates have the same
/// names and different sources, and cargo would take one copy's build for the other's.
fn in_root(mut cmd: Command, root: &Path) -> Command {
    cmd.current_dir(root);
    if root != labs::root() {
        let name = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        cmd.env("CARGO_TARGET_DIR", labs::root().join("target").join(format!("{name}-target")));
    }
    cmd
}

/// The scenario names of a package, from its `list` command.
fn scenario_names(root: &Path, package: &str) -> Result<Vec<String>, String> {
    let mut cmd = in_root(cargo(), root);
    cmd.args(["run", "--quiet", "-p", package, "--", "list"]);
    let o = captured(cmd)?;
    if !o.status.success() {
        return Err(format!("`cargo run -p {package} -- list` failed:\n{}", text(&o)));
    }
    Ok(String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect())
}

/// Runs a lab's graded tests in `root` at the graded seeds and timing, every test to the end.
fn graded_tests(root: &Path, package: &str) -> Result<Output, String> {
    let mut cmd = in_root(cargo(), root);
    cmd.args(["test", "--locked", "-p", package, "--test", "grading", "--no-fail-fast"]);
    cmd.env_remove("COURSE_SEEDS").env_remove("COURSE_TIMING");
    captured(cmd)
}

/// libtest's captured output of one test: the lines between `---- NAME stdout ----` and the
/// next section.
fn test_output<'a>(all: &'a str, test: &str) -> Option<&'a str> {
    let start_marker = format!("---- {test} stdout ----");
    let start = all.find(&start_marker)? + start_marker.len();
    let rest = &all[start..];
    let end = rest.find("\n---- ").or_else(|| rest.find("\nfailures:")).unwrap_or(rest.len());
    Some(&rest[..end])
}

fn stub_proof(root: &Path, lab: &LabInfo) -> Vec<String> {
    let Some(prev) = &lab.builds_on else { return stub_proof_in(root, lab) };
    // As it stands (the earlier lab a stub too), the tests must say to finish that lab first;
    // with the earlier lab's solution laid in a copy, the stub proof must hold as for any lab.
    let mut problems = unfinished_prerequisite_proof(root, lab, prev);
    let copy = labs::root().join("target").join(format!("stub-proof-{}", lab.package));
    let prepared = std::fs::remove_dir_all(&copy)
        .or_else(|e| if copy.exists() { Err(e) } else { Ok(()) })
        .and_then(|()| crate::files::copy_tree(root, &copy, &|_| false))
        .map_err(|e| format!("cannot copy the repository to {}: {e}", copy.display()))
        .and_then(|()| labs::lay_prerequisite(&copy, lab));
    match prepared {
        Ok(()) => problems.extend(stub_proof_in(&copy, lab)),
        Err(e) => problems.push(e),
    }
    problems
}

/// A lab that builds on another, run while that one is unfinished: every graded test fails with
/// one sentence naming the earlier lab's files.
fn unfinished_prerequisite_proof(root: &Path, lab: &LabInfo, prev: &str) -> Vec<String> {
    let all = match labs::discover(root) {
        Ok(all) => all,
        Err(e) => return vec![e],
    };
    let Some(prev) = all.iter().find(|l| l.package == prev) else {
        return vec![format!("{} builds on {prev}, which is not a lab", lab.package)];
    };
    let o = match graded_tests(root, &lab.package) {
        Ok(o) => o,
        Err(e) => return vec![e],
    };
    let out = text(&o);
    let names = prev.student_paths();
    let failed = out.matches("... FAILED").count();
    let said = out.matches("finish lab").count();
    if o.status.success()
        || failed == 0
        || said < failed
        || !names.iter().any(|f| out.contains(f.as_str()))
    {
        vec![format!(
            "{}: with {} unfinished, its tests must each fail saying to finish {} first ({})",
            lab.package,
            prev.package,
            prev.package,
            names.join(", ")
        )]
    } else {
        say!(
            "{}: with {} unfinished, all {failed} failing tests say to finish it first",
            lab.package,
            prev.package
        );
        Vec::new()
    }
}

fn stub_proof_in(root: &Path, lab: &LabInfo) -> Vec<String> {
    let mut problems = Vec::new();
    let mut build = in_root(cargo(), root);
    build.args(["test", "--locked", "-p", &lab.package, "--no-run"]);
    if let Some(p) = shown(build, &format!("compiling {}'s stub and tests", lab.package)).pop() {
        return vec![p];
    }
    let names = match scenario_names(root, &lab.package) {
        Ok(n) => n,
        Err(e) => return vec![e],
    };
    let o = match graded_tests(root, &lab.package) {
        Ok(o) => o,
        Err(e) => return vec![e],
    };
    let out = text(&o);
    let paths = lab.student_paths();
    if o.status.success() {
        problems.push(format!("`cargo test -p {}` passed on the stub", lab.package));
    }
    for name in &names {
        if !out.contains(&format!("test {name} ... FAILED")) {
            problems
                .push(format!("{}: the graded test {name} did not fail on the stub", lab.package));
            continue;
        }
        let section = test_output(&out, name).unwrap_or("");
        if !paths.iter().any(|f| section.contains(f.as_str())) {
            problems.push(format!(
                "{}: the failure of {name} does not name a file to edit ({})",
                lab.package,
                paths.join(", ")
            ));
        }
    }
    if !out.contains("test every_scenario_has_a_test ... ok") {
        problems.push(format!("{}: the grading suite and the registry disagree", lab.package));
    }
    if problems.is_empty() {
        say!(
            "{}: the stub compiles and fails all {} graded tests, each naming {}",
            lab.package,
            names.len(),
            paths.join(", ")
        );
    }
    problems
}

/// Heavy crates a student's first build must not compile.
const HEAVY: [&str; 2] = ["tokio", "criterion"];

fn light_build(root: &Path, lab: &LabInfo) -> Vec<String> {
    let mut tree = in_root(cargo(), root);
    tree.args([
        "tree",
        "--locked",
        "-p",
        &lab.package,
        "-e",
        "normal,build,dev",
        "--prefix",
        "none",
    ]);
    let o = match captured(tree) {
        Ok(o) if o.status.success() => o,
        Ok(o) => return vec![format!("`cargo tree -p {}` failed:\n{}", lab.package, text(&o))],
        Err(e) => return vec![e],
    };
    let listing = String::from_utf8_lossy(&o.stdout);
    let heavy: Vec<&str> = listing
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| HEAVY.contains(name))
        .collect();
    if heavy.is_empty() {
        say!("{}: builds without {}", lab.package, HEAVY.join(" or "));
        Vec::new()
    } else {
        vec![format!("`cargo test -p {}` would compile {}", lab.package, heavy.join(", "))]
    }
}

/// A classic bug: its patch file, the sentence that describes it, the property it must break.
#[derive(Debug)]
struct Bug {
    patch: PathBuf,
    rejected_by: String,
    every_scenario: bool,
}

fn read_bug(patch: &Path) -> Result<Bug, String> {
    let text = std::fs::read_to_string(patch)
        .map_err(|e| format!("cannot read {}: {e}", patch.display()))?;
    let field = |name: &str| {
        text.lines()
            .take_while(|l| !l.starts_with("diff --git"))
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
    };
    let rejected_by = field("Rejected-by:").ok_or_else(|| {
        format!("{} has no `Rejected-by:` line naming its property", patch.display())
    })?;
    if field("Bug:").is_none() {
        return Err(format!("{} has no `Bug:` line describing the bug", patch.display()));
    }
    let every_scenario = field("Fails:").is_some_and(|v| v == "every scenario");
    Ok(Bug { patch: patch.to_path_buf(), rejected_by, every_scenario })
}

/// A scratch workspace holding only a copy of the solution; everything else it depends on is
/// the original, by absolute path, so those crates compile once for every bug.
fn scratch_workspace(root: &Path, solution_dir: &Path, scratch: &Path) -> Result<(), String> {
    let io = |e: std::io::Error| format!("cannot prepare {}: {e}", scratch.display());
    if scratch.exists() {
        std::fs::remove_dir_all(scratch).map_err(io)?;
    }
    let rel =
        solution_dir.strip_prefix(root).map_err(|_| "the solution is outside the repository")?;
    crate::files::copy_tree(solution_dir, &scratch.join(rel), &|_| false).map_err(io)?;
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).map_err(io)?;
    let root_text = root.display().to_string();
    let mut out = String::new();
    for line in manifest.lines() {
        if line.trim_start().starts_with("members") {
            out.push_str(&format!("members = [\"{}\"]\n", rel.display()));
        } else {
            out.push_str(&line.replace("path = \"", &format!("path = \"{root_text}/")));
            out.push('\n');
        }
    }
    std::fs::write(scratch.join("Cargo.toml"), out).map_err(io)?;
    std::fs::copy(root.join("Cargo.lock"), scratch.join("Cargo.lock")).map_err(io)?;
    Ok(())
}

fn bug_proof(root: &Path, lab: &LabInfo) -> Vec<String> {
    let Some((solution, solution_dir)) = &lab.solution else { return Vec::new() };
    let bugs_dir = solution_dir.join("bugs");
    let mut patches: Vec<PathBuf> = match std::fs::read_dir(&bugs_dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(_) => return vec![format!("{solution} has no bugs/ folder of classic bugs")],
    };
    patches.retain(|p| p.extension().is_some_and(|e| e == "patch"));
    patches.sort();
    let mut problems = Vec::new();
    let target = root.join("target").join("bug-proofs");
    for patch in patches {
        let bug = match read_bug(&patch) {
            Ok(b) => b,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let name = patch.file_stem().unwrap_or_default().to_string_lossy().to_string();
        let scratch = std::env::temp_dir().join(format!("course-bug-proof-{solution}-{name}"));
        if let Err(e) = scratch_workspace(root, solution_dir, &scratch) {
            problems.push(e);
            continue;
        }
        let mut apply = Command::new("git");
        apply.args(["apply", "--whitespace=nowarn"]).arg(&bug.patch).current_dir(&scratch);
        match captured(apply) {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                problems.push(format!("{name}: the patch no longer applies:\n{}", text(&o)));
                continue;
            }
            Err(e) => {
                problems.push(e);
                continue;
            }
        }
        // The scratch lock file must change (the lab crates become outside path dependencies),
        // so `--locked` cannot hold; every package is already downloaded, so resolve offline.
        let mut run = cargo();
        run.current_dir(&scratch)
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("COURSE_SEEDS")
            .env_remove("COURSE_TIMING")
            .args(["run", "--quiet", "--offline", "-p", solution, "--", "run", "--all", "--json"]);
        let o = match captured(run) {
            Ok(o) => o,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let results: Vec<ScenarioResult> = match serde_json::from_slice(&o.stdout) {
            Ok(r) => r,
            Err(_) => {
                problems.push(format!(
                    "{name}: the bugged solution did not build or run:\n{}",
                    text(&o)
                ));
                continue;
            }
        };
        let rejecting: Vec<&str> = results
            .iter()
            .filter(|r| {
                r.properties.iter().any(|p| p.name == bug.rejected_by && p.failed_seeds > 0)
            })
            .map(|r| r.scenario.as_str())
            .collect();
        let surviving: Vec<&str> =
            results.iter().filter(|r| r.passed()).map(|r| r.scenario.as_str()).collect();
        if rejecting.is_empty() {
            problems.push(format!(
                "{solution} bug {name}: no scenario failed on \"{}\" (a bug must be rejected by \
                 the property it names, not by a panic or a budget)",
                bug.rejected_by
            ));
        } else if bug.every_scenario && !surviving.is_empty() {
            problems.push(format!(
                "{solution} bug {name}: must fail every scenario, but passed {}",
                surviving.join(", ")
            ));
        } else {
            say!(
                "{solution} bug {name}: rejected by \"{}\" in {}",
                bug.rejected_by,
                rejecting.join(", ")
            );
        }
        let _ = std::fs::remove_dir_all(&scratch);
    }
    problems
}

/// Exports the handout, then proves in it what a new student will see: the README offers
/// their commands only, `course status` runs, and every lab's stub fails its tests naming its
/// files.
fn handout_proof(root: &Path, all: &[LabInfo]) -> Vec<String> {
    let copy = root.join("target").join("handout-proof");
    if copy.exists() {
        if let Err(e) = std::fs::remove_dir_all(&copy) {
            return vec![format!("cannot clear {}: {e}", copy.display())];
        }
    }
    if let Err(e) = crate::handout::export(root, &copy) {
        return vec![e];
    }
    let mut problems = Vec::new();
    for gone in ["solutions", "docs/instructors.md", ".ci"] {
        if copy.join(gone).exists() {
            problems.push(format!("the handout contains {gone}"));
        }
    }
    let readme = std::fs::read_to_string(copy.join("README.md")).unwrap_or_default();
    if readme.contains("verify") || readme.contains("solution") {
        problems.push("the handout's README still mentions verify or the solutions".into());
    }
    let mut status = in_root(cargo(), &copy);
    status.args(["run", "--quiet", "-p", "course", "--", "status", "--json"]);
    match captured(status) {
        Ok(o) if o.status.success() => {
            let rows: Vec<serde_json::Value> =
                serde_json::from_slice(&o.stdout).unwrap_or_default();
            if rows.len() != all.len() || rows.iter().any(|r| r["points"] != 0) {
                problems.push(format!(
                    "`course status` in the handout should show every lab at 0 points:\n{}",
                    text(&o)
                ));
            }
        }
        Ok(o) => problems.push(format!("`course status` fails in the handout:\n{}", text(&o))),
        Err(e) => problems.push(e),
    }
    for lab in all {
        problems.extend(stub_proof(&copy, lab).into_iter().map(|p| format!("in the handout: {p}")));
    }
    problems
}

/// Grades each lab's solution files, then its stubs, as submissions.
fn grading_proof(root: &Path, lab: &LabInfo) -> Vec<String> {
    let Some((solution, solution_dir)) = &lab.solution else { return Vec::new() };
    let mut problems = Vec::new();
    for (who, from, expect_full) in
        [(solution.as_str(), solution_dir.clone(), true), ("the stub", root.join(&lab.dir), false)]
    {
        let submission = std::env::temp_dir()
            .join(format!("course-grading-proof-{}-{}", lab.package, expect_full));
        let _ = std::fs::remove_dir_all(&submission);
        let copied = lab.files.iter().try_for_each(|f| {
            let to = submission.join(f);
            std::fs::create_dir_all(to.parent().expect("a file has a folder"))?;
            std::fs::copy(from.join(f), to).map(|_| ())
        });
        if let Err(e) = copied {
            problems.push(format!("cannot gather {who}'s files as a submission: {e}"));
            continue;
        }
        match crate::grade::grade(root, lab, &submission) {
            Ok(g) => {
                let want = if expect_full { g.total } else { 0 };
                if g.points != want || g.tests.is_empty() {
                    problems.push(format!(
                        "{}: {who} graded as a submission earned {}/{} points, expected {want}",
                        lab.package, g.points, g.total
                    ));
                } else {
                    say!(
                        "{}: {who} graded as a submission: {}/{} points",
                        lab.package,
                        g.points,
                        g.total
                    );
                }
            }
            Err(e) => problems.push(e),
        }
        let _ = std::fs::remove_dir_all(&submission);
    }
    problems
}

/// Runs every step and reports; exit 1 if any proof failed.
#[allow(clippy::disallowed_methods)] // how long verification took, for the log
pub fn run() -> Result<ExitCode, String> {
    let started = Instant::now();
    let root = labs::root();
    let all = labs::discover(&root)?;
    let mut steps: Vec<Step> = Vec::new();
    let mut step = |name: &str, problems: Vec<String>| {
        steps.push(Step { name: name.to_string(), problems });
    };

    header("formatting");
    let mut fmt = in_root(cargo(), &root);
    fmt.args(["fmt", "--all", "--", "--check"]);
    step("formatting (cargo fmt --check)", shown(fmt, "cargo fmt --check"));

    header("lints");
    let mut clippy = in_root(cargo(), &root);
    clippy.args(["clippy", "--locked", "--workspace", "--all-targets", "--", "-D", "warnings"]);
    step("lints (cargo clippy -D warnings)", shown(clippy, "cargo clippy"));

    header("tests: the harness, the course tool and every solution");
    let mut test = in_root(cargo(), &root);
    test.args(["test", "--locked", "--workspace"]);
    for lab in &all {
        test.args(["--exclude", &lab.package]);
    }
    test.env_remove("COURSE_SEEDS").env_remove("COURSE_TIMING");
    step("tests", shown(test, "cargo test"));

    header("every solution at both ends of its timing ranges");
    let mut problems = Vec::new();
    for (solution, _) in all.iter().filter_map(|l| l.solution.as_ref()) {
        for end in ["min", "max"] {
            let mut t = in_root(cargo(), &root);
            t.args(["test", "--locked", "-p", solution, "--test", "grading"]);
            t.env("COURSE_TIMING", end).env_remove("COURSE_SEEDS");
            problems.extend(shown(t, &format!("{solution} with COURSE_TIMING={end}")));
        }
    }
    step("solutions at the timing extremes", problems);

    header("light student builds: no lab depends on tokio or criterion");
    let problems = all.iter().flat_map(|l| light_build(&root, l)).collect();
    step("light student builds", problems);

    header("stub proof: every stub compiles and fails every graded test, naming its file");
    let problems = all.iter().flat_map(|l| stub_proof(&root, l)).collect();
    step("stub proof", problems);

    header("handout proof: the students' copy builds, and its README's commands hold");
    step("handout proof", handout_proof(&root, &all));

    header("grading proof: solutions graded as submissions earn every point, stubs none");
    step("grading proof", all.iter().flat_map(|l| grading_proof(&root, l)).collect());

    header("bug proof: every classic bug is rejected by the property it names");
    let problems = all.iter().flat_map(|l| bug_proof(&root, l)).collect();
    step("bug proof", problems);

    header("benches compile");
    let mut bench = in_root(cargo(), &root);
    bench.args(["bench", "--locked", "--workspace", "--no-run"]);
    step("benches compile", shown(bench, "cargo bench --no-run"));

    say!("\n==== verify: summary ({} s) ====", started.elapsed().as_secs());
    let mut failed = 0;
    for s in &steps {
        if s.problems.is_empty() {
            say!("  ok    {}", s.name);
        } else {
            failed += 1;
            say!("  FAIL  {}", s.name);
            for p in &s.problems {
                for (i, line) in p.lines().enumerate() {
                    say!("{}{line}", if i == 0 { "        - " } else { "          " });
                }
            }
        }
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_one_tests_captured_output_and_nothing_after_it() {
        let out = "running 2 tests\n\nfailures:\n\n---- a stdout ----\nsaw labs/x/src/a.rs\n\n\
                   ---- b stdout ----\nnothing here\n\nfailures:\n    a\n    b\n";
        assert_eq!(test_output(out, "a").map(str::trim), Some("saw labs/x/src/a.rs"));
        assert_eq!(test_output(out, "b").map(str::trim), Some("nothing here"));
        assert_eq!(test_output(out, "c"), None);
    }

    #[test]
    fn reads_a_bugs_header_and_refuses_one_without_its_property() {
        let dir = std::env::temp_dir().join(format!("course-verify-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.patch");
        std::fs::write(&good, "Bug: it forgets.\nRejected-by: delivered in time\nFails: every scenario\n\ndiff --git a/x b/x\nRejected-by: not this\n").unwrap();
        let bug = read_bug(&good).unwrap();
        assert_eq!(bug.rejected_by, "delivered in time");
        assert!(bug.every_scenario);
        let bad = dir.join("bad.patch");
        std::fs::write(&bad, "Bug: it forgets.\n\ndiff --git a/x b/x\n").unwrap();
        assert!(read_bug(&bad).unwrap_err().contains("has no `Rejected-by:` line"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
