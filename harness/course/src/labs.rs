//! The labs of this repository, discovered from `labs/*/Cargo.toml` and their
//! `[package.metadata.course]` tables, with their solutions beside them.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// One lab: its package, topic, student files and reference solution.
#[derive(Clone, Debug)]
pub struct LabInfo {
    /// `lab00`.
    pub package: String,
    /// `00`.
    pub number: String,
    /// `links`.
    pub topic: String,
    /// The lab's folder, relative to the repository root (`labs/lab00-links`).
    pub dir: String,
    /// The files a student edits, relative to the lab's folder (`src/link.rs`).
    pub files: Vec<String>,
    /// `lab00-solution`, and its folder, if the solution is in this copy of the repository.
    pub solution: Option<(String, PathBuf)>,
    /// The lab whose student code this one continues (`lab03` for lab 04), if any: its tests
    /// refuse to run until that lab is finished.
    pub builds_on: Option<String>,
}

#[derive(Deserialize)]
struct Manifest {
    package: Package,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Metadata {
    course: Option<CourseMeta>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct CourseMeta {
    topic: String,
    student_files: Vec<String>,
    builds_on: Option<String>,
}

/// The repository root: two folders above this package's manifest.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository exists")
}

fn read_manifest(path: &Path) -> Result<Manifest, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{} is not a valid manifest: {e}", path.display()))
}

/// Every lab under `labs/`, in order.
pub fn discover(root: &Path) -> Result<Vec<LabInfo>, String> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("labs"))
        .map_err(|e| format!("cannot list {}: {e}", root.join("labs").display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    let mut labs = Vec::new();
    for dir in dirs {
        let manifest = read_manifest(&dir.join("Cargo.toml"))?;
        let course = manifest.package.metadata.and_then(|m| m.course).ok_or_else(|| {
            format!("{} has no [package.metadata.course] table", dir.join("Cargo.toml").display())
        })?;
        let name = manifest.package.name;
        let dir_name = dir.file_name().expect("a folder has a name").to_owned();
        let solution_dir = root.join("solutions").join(&dir_name);
        let solution = if solution_dir.join("Cargo.toml").is_file() {
            Some((read_manifest(&solution_dir.join("Cargo.toml"))?.package.name, solution_dir))
        } else {
            None
        };
        let rel = dir.strip_prefix(root).unwrap_or(&dir).to_string_lossy().replace('\\', "/");
        labs.push(LabInfo {
            number: name.trim_start_matches("lab").to_string(),
            package: name,
            topic: course.topic,
            dir: rel,
            files: course.student_files,
            solution,
            builds_on: course.builds_on,
        });
    }
    Ok(labs)
}

/// Lays the reference solution of the lab that `lab` builds on over that lab's student files in
/// `copy` (a copy of the repository), so that `lab` can be tested on its own. The solutions come
/// from this repository, since a copy (the handout) may have none. Nothing to do for a lab that
/// builds on none.
pub fn lay_prerequisite(copy: &Path, lab: &LabInfo) -> Result<(), String> {
    let Some(prev) = &lab.builds_on else { return Ok(()) };
    let all = discover(&root())?;
    let prev = all
        .iter()
        .find(|l| &l.package == prev)
        .ok_or_else(|| format!("{} builds on {prev}, which is not a lab", lab.package))?;
    let (_, solution_dir) = prev.solution.as_ref().ok_or_else(|| {
        format!("{} has no reference solution to lay under {}", prev.package, lab.package)
    })?;
    for f in &prev.files {
        let to = copy.join(&prev.dir).join(f);
        std::fs::copy(solution_dir.join(f), &to).map_err(|e| {
            format!("cannot lay {}'s solution file {f} in {}: {e}", prev.package, to.display())
        })?;
    }
    Ok(())
}

impl LabInfo {
    /// The files a student edits, relative to the repository root.
    pub fn student_paths(&self) -> Vec<String> {
        self.files.iter().map(|f| format!("{}/{f}", self.dir)).collect()
    }
}

/// Runs a lab program's command that prints JSON (`list --json`, `run --all --json`) at the
/// graded seeds and timing, and reads what it printed; one sentence, with the program's
/// output, if it printed none.
pub fn json_of<T: serde::de::DeserializeOwned>(
    mut cmd: std::process::Command,
    what: &str,
) -> Result<T, String> {
    cmd.env_remove("COURSE_SEEDS").env_remove("COURSE_TIMING");
    let o = cmd.output().map_err(|e| format!("cannot run {what}: {e}"))?;
    serde_json::from_slice(&o.stdout).map_err(|_| {
        format!(
            "{what} gave no results:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// One scenario as the lab CLI's `list --json` describes it.
#[derive(Clone, Debug, Deserialize)]
pub struct ListedScenario {
    /// The scenario.
    pub name: String,
    /// The part of the lab it belongs to (A, B, ...).
    #[serde(default)]
    pub part: String,
    /// Points it is worth.
    pub points: u32,
    /// The properties it grades, in report order.
    pub properties: Vec<String>,
}

/// One scenario's result, as the lab CLI's `run --all --json` prints it.
#[derive(Clone, Debug, Deserialize)]
pub struct ScenarioResult {
    /// The scenario.
    pub scenario: String,
    /// Points it is worth.
    pub points: u32,
    /// Its properties.
    pub properties: Vec<PropertyOutcome>,
}

/// One property's outcome over a scenario's seeds.
#[derive(Clone, Debug, Deserialize)]
pub struct PropertyOutcome {
    /// The property.
    pub name: String,
    /// Seeds on which it failed.
    pub failed_seeds: u64,
    /// Seeds on which it could not be judged.
    pub unjudged_seeds: u64,
}

impl ScenarioResult {
    /// Whether every property held on every seed.
    pub fn passed(&self) -> bool {
        self.properties.iter().all(|p| p.failed_seeds == 0 && p.unjudged_seeds == 0)
    }

    /// The first property that did not hold.
    pub fn first_failure(&self) -> Option<&PropertyOutcome> {
        self.properties.iter().find(|p| p.failed_seeds > 0 || p.unjudged_seeds > 0)
    }
}

/// The lab numbered `number` (`00` or `lab00`), or one sentence naming the labs there are.
pub fn find(root: &Path, number: &str) -> Result<LabInfo, String> {
    let wanted = number.trim_start_matches("lab");
    let all = discover(root)?;
    let names: Vec<String> = all.iter().map(|l| l.number.clone()).collect();
    all.into_iter()
        .find(|l| l.number == wanted)
        .ok_or_else(|| format!("there is no lab {wanted:?}; the labs are {}", names.join(", ")))
}
