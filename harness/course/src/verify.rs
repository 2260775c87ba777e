//! `course verify`: the project's own tests, the ones CI runs. Each step is a proof with a name;
//! every step runs, and the summary names each one that failed.
//!
//! 1. formatting and lints (clippy's `--all-targets` also compiles every test and bench, short
//!    of code generation);
//! 2. the harness's and the course tool's tests, and every solution against its lab's registry;
//! 3. every solution again at both ends of every legal timing range;
//! 4. light student builds: no lab compiles tokio or criterion;
//! 5. the stub proof: every lab's stub compiles, and every graded test fails naming a file the
//!    student edits;
//! 6. the handout proof: the students' copy builds, its README offers students' commands only,
//!    `course status` runs in it, and the stub proof holds there too;
//! 7. the grading proof: each solution graded as a submission earns every point, each stub none,
//!    and the handout's rubric (tables, part headings, total) says what the lab grades;
//! 8. the bug proof: every classic bug, applied to a scratch copy of the repository, makes the
//!    property it names fail, on a scenario that grades that property.
//!
//! `verify --lab NN` runs one lab's proofs only (its solution's tests, both timing extremes, the
//! light build, the stub, grading and bug proofs). The summary is a table of the stages with
//! their wall times.
//!
//! Copies of the repository (the handout, a lab laid over the solution it builds on, the bug
//! proof's scratch trees) reuse the repository's build through [`files::share_build`], so each
//! compiles only the packages whose files differ.

use crate::cargo;
use crate::files;
use crate::labs::{self, LabInfo, ListedScenario, ScenarioResult};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use std::sync::Mutex;
use std::time::{Duration, Instant};

struct Step {
    name: String,
    problems: Vec<String>,
    took: Duration,
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

/// A cargo command run in `root`, a tree of this workspace: the repository, or a copy of it (the
/// exported handout, a copy with an earlier lab's solution laid in, a bug's scratch tree). Each
/// tree builds into its own `target`: trees with the same crates and different sources would
/// take each other's builds for their own.
fn in_root(mut cmd: Command, root: &Path) -> Command {
    cmd.current_dir(root).env("CARGO_TARGET_DIR", root.join("target"));
    cmd
}

/// Replaces `dest` with a copy of the tree at `origin` (less its `target` and `.git`), changed by
/// `change`, that reuses `origin`'s build for every package whose files it did not change.
fn copy_sharing_build(
    origin: &Path,
    dest: &Path,
    change: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<(), String> {
    if dest.exists() {
        std::fs::remove_dir_all(dest)
            .map_err(|e| format!("cannot clear {}: {e}", dest.display()))?;
    }
    files::copy_tree(origin, dest, &|_| false)
        .map_err(|e| format!("cannot copy {} to {}: {e}", origin.display(), dest.display()))?;
    change(dest)?;
    files::share_build(origin, dest)
}

/// The scenarios of a package, from its `list --json` command.
fn listed(root: &Path, package: &str) -> Result<Vec<ListedScenario>, String> {
    let mut cmd = in_root(cargo(), root);
    cmd.args(["run", "--quiet", "-p", package, "--", "list", "--json"]);
    labs::json_of(cmd, &format!("`cargo run -p {package} -- list --json`"))
}

/// The scenario names of a package.
fn scenario_names(root: &Path, package: &str) -> Result<Vec<String>, String> {
    Ok(listed(root, package)?.into_iter().map(|s| s.name).collect())
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
    let copy = root.join("target").join(format!("stub-proof-{}", lab.package));
    match copy_sharing_build(root, &copy, |copy| labs::lay_prerequisite(copy, lab)) {
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

/// A classic bug: its patch, the solution it patches, the property it must break.
#[derive(Debug)]
struct Bug {
    /// The patch file's name without `.patch`.
    name: String,
    patch: PathBuf,
    /// The solution package it patches.
    solution: String,
    rejected_by: String,
    every_scenario: bool,
}

fn read_bug(patch: &Path, solution: &str) -> Result<Bug, String> {
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
    Ok(Bug {
        name: patch.file_stem().unwrap_or_default().to_string_lossy().into_owned(),
        patch: patch.to_path_buf(),
        solution: solution.to_string(),
        rejected_by,
        every_scenario,
    })
}

/// A lab's classic bugs, from its solution's `bugs/` folder, in name order.
fn lab_bugs(lab: &LabInfo) -> Result<Vec<Bug>, Vec<String>> {
    let Some((solution, solution_dir)) = &lab.solution else { return Ok(Vec::new()) };
    let mut patches: Vec<PathBuf> = match std::fs::read_dir(solution_dir.join("bugs")) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(_) => return Err(vec![format!("{solution} has no bugs/ folder of classic bugs")]),
    };
    patches.retain(|p| p.extension().is_some_and(|e| e == "patch"));
    patches.sort();
    let (bugs, problems): (Vec<_>, Vec<_>) =
        patches.iter().map(|p| read_bug(p, solution)).partition(Result::is_ok);
    if problems.is_empty() {
        Ok(bugs.into_iter().map(Result::unwrap).collect())
    } else {
        Err(problems.into_iter().map(|e| e.unwrap_err()).collect())
    }
}

/// Which scenarios a bug must be tried on, in rubric order: every one for a bug that must fail
/// them all; otherwise those that grade the property it names.
fn scenarios_for<'a>(bug: &Bug, listed: &'a [ListedScenario]) -> Vec<&'a ListedScenario> {
    listed
        .iter()
        .filter(|s| bug.every_scenario || s.properties.contains(&bug.rejected_by))
        .collect()
}

/// Whether a scenario's result is the named property rejecting the bug.
fn rejects(result: &ScenarioResult, property: &str) -> bool {
    result.properties.iter().any(|p| p.name == property && p.failed_seeds > 0)
}

/// Proves one bug in `tree` (a scratch copy of the repository that shares the repository's
/// build): applies it, builds its solution, runs the scenarios that grade its property until one
/// rejects it through that property, and takes it back out. `Ok` holds the sentence for the log;
/// the flag says whether the tree is as it was before (a patch that would not come back out
/// leaves it changed).
fn prove_bug(tree: &Path, bug: &Bug, build: &Mutex<()>) -> (Result<String, String>, bool) {
    let git = |reverse: bool| {
        let mut apply = Command::new("git");
        apply.args(["apply", "--whitespace=nowarn"]);
        if reverse {
            apply.arg("-R");
        }
        // The tree lies inside the repository's own `target`: git must not take the paths in the
        // patch as the repository's.
        apply.arg(&bug.patch).current_dir(tree);
        apply.env("GIT_CEILING_DIRECTORIES", tree.parent().unwrap_or(tree));
        apply
    };
    // `git apply` changes nothing when it fails.
    match captured(git(false)) {
        Ok(o) if o.status.success() => {}
        Ok(o) => return (Err(format!("the patch no longer applies:\n{}", text(&o))), true),
        Err(e) => return (Err(e), true),
    }
    let proved = try_bug(tree, bug, build);
    match captured(git(true)) {
        Ok(o) if o.status.success() => (proved, true),
        Ok(o) => (Err(format!("the patch does not come back out:\n{}", text(&o))), false),
        Err(e) => (Err(e), false),
    }
}

fn try_bug(tree: &Path, bug: &Bug, build: &Mutex<()>) -> Result<String, String> {
    let solution = &bug.solution;
    let mut compile = in_root(cargo(), tree);
    compile.args(["build", "--locked", "--quiet", "-p", solution, "--bin", solution]);
    // One build at a time: each uses both cores, and two at once would only take turns.
    let built = {
        let _turn = build.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        captured(compile)?
    };
    if !built.status.success() {
        return Err(format!("the bugged solution does not build:\n{}", text(&built)));
    }
    let binary = tree
        .join("target")
        .join("debug")
        .join(format!("{solution}{}", std::env::consts::EXE_SUFFIX));
    let program = |args: &[&str]| {
        let mut cmd = Command::new(&binary);
        cmd.args(args).current_dir(tree);
        cmd
    };
    let listed: Vec<ListedScenario> = labs::json_of(program(&["list", "--json"]), "`list --json`")?;
    let tried = scenarios_for(bug, &listed);
    if tried.is_empty() {
        return Err(format!("no scenario grades \"{}\", the property it names", bug.rejected_by));
    }
    let mut rejecting = Vec::new();
    let mut surviving = Vec::new();
    for scenario in tried {
        let results: Vec<ScenarioResult> = labs::json_of(
            program(&["run", &scenario.name, "--json"]),
            &format!("the bugged solution's `run {}`", scenario.name),
        )?;
        for r in &results {
            if rejects(r, &bug.rejected_by) {
                rejecting.push(r.scenario.clone());
            } else if r.passed() {
                surviving.push(r.scenario.clone());
            }
        }
        if !rejecting.is_empty() && !bug.every_scenario {
            break;
        }
    }
    if rejecting.is_empty() {
        Err(format!(
            "no scenario failed on \"{}\" (a bug must be rejected by the property it names, \
             not by a panic or a budget)",
            bug.rejected_by
        ))
    } else if bug.every_scenario && !surviving.is_empty() {
        Err(format!("must fail every scenario, but passed {}", surviving.join(", ")))
    } else {
        Ok(format!("rejected by \"{}\" in {}", bug.rejected_by, rejecting.join(", ")))
    }
}

/// Proves every bug of `labs`, on as many workers as there are cores. Each worker has its own
/// scratch copy of the repository, sharing the repository's build, so a bug compiles only its
/// solution; one worker's runs overlap the other's build.
fn bug_proof(root: &Path, labs: &[LabInfo]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut bugs = Vec::new();
    for lab in labs {
        match lab_bugs(lab) {
            Ok(b) => bugs.extend(b),
            Err(p) => problems.extend(p),
        }
    }
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(bugs.len());
    let queue = Mutex::new(bugs.iter());
    let build = Mutex::new(());
    let found = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for w in 0..workers {
            let (queue, build, found) = (&queue, &build, &found);
            scope.spawn(move || {
                let tree = root.join("target").join(format!("bug-proof-{w}"));
                // Made before the first bug, and made anew after a patch fails to come out.
                let mut tree_is_clean = false;
                let next = || queue.lock().unwrap_or_else(|p| p.into_inner()).next();
                while let Some(bug) = next() {
                    let outcome = if tree_is_clean {
                        Ok(())
                    } else {
                        copy_sharing_build(root, &tree, |_| Ok(()))
                    }
                    .and_then(|()| {
                        let (verdict, restored) = prove_bug(&tree, bug, build);
                        tree_is_clean = restored;
                        verdict
                    });
                    match outcome {
                        Ok(sentence) => say!("{} bug {}: {sentence}", bug.solution, bug.name),
                        Err(e) => {
                            let problem = format!("{} bug {}: {e}", bug.solution, bug.name);
                            found.lock().unwrap_or_else(|p| p.into_inner()).push(problem);
                        }
                    }
                }
            });
        }
    });
    let mut found = found.into_inner().unwrap_or_else(|p| p.into_inner());
    found.sort();
    problems.extend(found);
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
    if let Err(e) =
        crate::handout::export(root, &copy).and_then(|_| files::share_build(root, &copy))
    {
        return vec![e];
    }
    let mut problems = Vec::new();
    let mut git_status = std::process::Command::new("git");
    git_status.args(["status", "--porcelain"]).current_dir(&copy);
    match captured(git_status) {
        Ok(o) if o.status.success() && o.stdout.is_empty() => {}
        Ok(o) => problems.push(format!(
            "the handout should be a git repository whose one commit holds every file:\n{}",
            text(&o)
        )),
        Err(e) => problems.push(e),
    }
    for gone in ["solutions", "docs/instructors.md", ".ci", ".cargo/mutants.toml"] {
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

/// Grades each lab's solution files, then its stubs, as submissions; and checks that the
/// handout's rubric (tables, part headings, total) says what the lab grades.
fn grading_proof(root: &Path, lab: &LabInfo) -> Vec<String> {
    let Some((solution, solution_dir)) = &lab.solution else { return Vec::new() };
    let handout = format!("{}/README.md", lab.dir);
    let mut problems = match (std::fs::read_to_string(root.join(&handout)), listed(root, solution))
    {
        (Ok(readme), Ok(listed)) => crate::rubric::drift(&handout, &readme, &listed),
        (Err(e), _) => vec![format!("cannot read {handout}: {e}")],
        (_, Err(e)) => vec![e],
    };
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

/// The stages run so far, each with its problems and how long it took.
struct Stages {
    done: Vec<Step>,
    started: Instant,
}

impl Stages {
    /// Runs one stage under its heading and records it.
    #[allow(clippy::disallowed_methods)] // how long a stage took, for the log: never graded
    fn run(&mut self, heading: &str, name: &str, stage: impl FnOnce() -> Vec<String>) {
        header(heading);
        let began = Instant::now();
        let problems = stage();
        self.done.push(Step { name: name.to_string(), problems, took: began.elapsed() });
    }

    /// The summary table: each stage, its wall time and its verdict, with every problem below
    /// its stage; exit 1 if any stage failed.
    fn summary(self) -> ExitCode {
        let width = self.done.iter().map(|s| s.name.len()).max().unwrap_or(0).max(5);
        say!("\n==== verify: summary ====");
        say!("  {:<width$}  {:>7}  result", "stage", "seconds");
        for s in &self.done {
            let verdict = if s.problems.is_empty() { "ok" } else { "FAIL" };
            say!("  {:<width$}  {:>7.1}  {verdict}", s.name, s.took.as_secs_f64());
            for p in &s.problems {
                for (i, line) in p.lines().enumerate() {
                    say!("{}{line}", if i == 0 { "      - " } else { "        " });
                }
            }
        }
        say!("  {:<width$}  {:>7.1}", "total", self.started.elapsed().as_secs_f64());
        let failed = self.done.iter().filter(|s| !s.problems.is_empty()).count();
        if failed == 0 {
            ExitCode::SUCCESS
        } else {
            say!("\n{failed} stage(s) failed");
            ExitCode::from(1)
        }
    }
}

/// Runs every stage (or, with `only`, one lab's) and reports; exit 1 if any proof failed.
#[allow(clippy::disallowed_methods)] // how long verification took, for the log
pub fn run(only: Option<&str>) -> Result<ExitCode, String> {
    let root = labs::root();
    let all = labs::discover(&root)?;
    let labs = match only {
        Some(number) => vec![labs::find(&root, number)?],
        None => all.clone(),
    };
    let mut stages = Stages { done: Vec::new(), started: Instant::now() };
    let whole_course = only.is_none();

    if whole_course {
        stages.run("formatting", "formatting (cargo fmt --check)", || {
            let mut fmt = in_root(cargo(), &root);
            fmt.args(["fmt", "--all", "--", "--check"]);
            shown(fmt, "cargo fmt --check")
        });
        stages.run("lints", "lints (cargo clippy -D warnings)", || {
            let mut clippy = in_root(cargo(), &root);
            clippy.args([
                "clippy",
                "--locked",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]);
            shown(clippy, "cargo clippy")
        });
    }

    stages.run("tests: the harness, the course tool and every solution", "tests", || {
        let mut test = in_root(cargo(), &root);
        test.args(["test", "--locked"]);
        if whole_course {
            test.arg("--workspace");
            for lab in &all {
                test.args(["--exclude", &lab.package]);
            }
        } else {
            for (solution, _) in labs.iter().filter_map(|l| l.solution.as_ref()) {
                test.args(["-p", solution]);
            }
        }
        test.env_remove("COURSE_SEEDS").env_remove("COURSE_TIMING");
        shown(test, "cargo test")
    });

    stages.run(
        "every solution at both ends of its timing ranges",
        "solutions at the timing extremes",
        || {
            let mut problems = Vec::new();
            for (solution, _) in labs.iter().filter_map(|l| l.solution.as_ref()) {
                for end in ["min", "max"] {
                    let mut t = in_root(cargo(), &root);
                    t.args(["test", "--locked", "-p", solution, "--test", "grading"]);
                    t.env("COURSE_TIMING", end).env_remove("COURSE_SEEDS");
                    problems.extend(shown(t, &format!("{solution} with COURSE_TIMING={end}")));
                }
            }
            problems
        },
    );

    stages.run(
        "light student builds: no lab depends on tokio or criterion",
        "light student builds",
        || labs.iter().flat_map(|l| light_build(&root, l)).collect(),
    );

    stages.run(
        "stub proof: every stub compiles and fails every graded test, naming its file",
        "stub proof",
        || labs.iter().flat_map(|l| stub_proof(&root, l)).collect(),
    );

    if whole_course {
        stages.run(
            "handout proof: the students' copy builds, and its README's commands hold",
            "handout proof",
            || handout_proof(&root, &all),
        );
    }

    stages.run(
        "grading proof: solutions earn every point, stubs none, handouts state the rubric",
        "grading proof",
        || labs.iter().flat_map(|l| grading_proof(&root, l)).collect(),
    );

    stages.run(
        "bug proof: every classic bug is rejected by the property it names",
        "bug proof",
        || bug_proof(&root, &labs),
    );

    Ok(stages.summary())
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
    fn a_bug_is_tried_on_the_scenarios_that_grade_its_property_in_rubric_order() {
        let listed: Vec<ListedScenario> = serde_json::from_str(
            r#"[{"name": "calm", "points": 5, "properties": ["the run completes", "in order"]},
                {"name": "loss", "points": 5, "properties": ["the run completes", "delivered in time"]},
                {"name": "crash", "points": 5, "properties": ["delivered in time", "in order"]}]"#,
        )
        .unwrap();
        let bug = |rejected_by: &str, every_scenario| Bug {
            name: "b".into(),
            patch: PathBuf::from("b.patch"),
            solution: "lab00-solution".into(),
            rejected_by: rejected_by.into(),
            every_scenario,
        };
        let names = |b: &Bug| -> Vec<String> {
            scenarios_for(b, &listed).into_iter().map(|s| s.name.clone()).collect()
        };
        assert_eq!(names(&bug("delivered in time", false)), ["loss", "crash"]);
        assert_eq!(names(&bug("in order", true)), ["calm", "loss", "crash"]);
        assert!(names(&bug("delivered", false)).is_empty(), "names must match whole");
    }

    #[test]
    fn reads_a_bugs_header_and_refuses_one_without_its_property() {
        let dir = std::env::temp_dir().join(format!("course-verify-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.patch");
        std::fs::write(&good, "Bug: it forgets.\nRejected-by: delivered in time\nFails: every scenario\n\ndiff --git a/x b/x\nRejected-by: not this\n").unwrap();
        let bug = read_bug(&good, "lab00-solution").unwrap();
        assert_eq!((bug.name.as_str(), bug.solution.as_str()), ("good", "lab00-solution"));
        assert_eq!(bug.rejected_by, "delivered in time");
        assert!(bug.every_scenario);
        let bad = dir.join("bad.patch");
        std::fs::write(&bad, "Bug: it forgets.\n\ndiff --git a/x b/x\n").unwrap();
        assert!(
            read_bug(&bad, "lab00-solution").unwrap_err().contains("has no `Rejected-by:` line")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
