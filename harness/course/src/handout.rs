//! `course handout --out DIR`: the students' copy of the course. Everything a student needs (the
//! harness, the stubs, the suites and their snapshots, the handouts, the book) and nothing they
//! must not have (the solutions, their bug patches, the instructor's guide, the project's CI).

use crate::cargo;
use crate::files;
use crate::labs;
use std::path::Path;
use std::process::ExitCode;

/// Paths (relative to the repository root) that stay with the instructors.
fn instructors_only(rel: &Path) -> bool {
    rel.starts_with("solutions")
        || rel.starts_with(".ci")
        || rel == Path::new("docs/instructors.md")
        || rel == Path::new(".cargo/mutants.toml")
}

/// The README's command that runs the project's own tests, and what students run instead.
const VERIFY_LINE: &str =
    "cargo run -p course -- verify    # the project's own tests: everything CI runs";
const STUDENT_LINE: &str =
    "cargo test -p lab00              # grade one lab: each test is a scenario of the rubric";

/// The README for students: their second command instead of the project's tests, and no
/// instructors' section.
fn students_readme(readme: &str) -> Result<String, String> {
    if !readme.contains(VERIFY_LINE) {
        return Err("README.md no longer has the verify command line the handout replaces; \
                    update harness/course/src/handout.rs with it"
            .into());
    }
    let mut out = String::new();
    let mut skipping = false;
    for line in readme.replace(VERIFY_LINE, STUDENT_LINE).lines() {
        if line.starts_with("## ") {
            skipping = line.trim() == "## Instructors";
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(out)
}

/// The workspace manifest without the solutions.
fn students_manifest(manifest: &str) -> String {
    manifest
        .lines()
        .filter(|l| !(l.trim_start().starts_with("lab") && l.contains("-solution = ")))
        .map(|l| {
            if l.trim_start().starts_with("members") {
                "members = [\"harness/*\", \"labs/*\"]".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Writes the students' copy of the repository at `root` into `out`.
pub fn export(root: &Path, out: &Path) -> Result<usize, String> {
    if !files::is_empty_or_missing(out) {
        return Err(format!(
            "{} is not empty; the handout goes into a new or empty folder, so nothing there is \
             overwritten",
            out.display()
        ));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    files::pristine_copy(root, out, &instructors_only)?;
    let edit =
        |name: &str, change: &dyn Fn(&str) -> Result<String, String>| -> Result<(), String> {
            let path = out.join(name);
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("cannot read {name}: {e}"))?;
            std::fs::write(&path, change(&text)?).map_err(|e| format!("cannot write {name}: {e}"))
        };
    edit("Cargo.toml", &|t| Ok(students_manifest(t)))?;
    edit("README.md", &students_readme)?;
    edit("docs/SUMMARY.md", &|t| {
        Ok(t.lines().filter(|l| !l.contains("instructors.md")).collect::<Vec<_>>().join("\n")
            + "\n")
    })?;
    // Links into the instructor's guide would break: keep their words, drop the link.
    let chapters =
        files::list_files(&out.join("docs")).map_err(|e| format!("cannot list docs: {e}"))?;
    for chapter in chapters.iter().filter(|c| c.ends_with(".md")) {
        edit(&format!("docs/{chapter}"), &|t| Ok(unlink(t, "instructors.md")))?;
    }
    // Drop the solutions from the lock file without changing any version.
    let status = cargo()
        .args(["metadata", "--format-version", "1"])
        .current_dir(out)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("the exported workspace in {} does not resolve", out.display()));
    }
    let count = files::list_files(out)
        .map(|f| f.len())
        .map_err(|e| format!("cannot list {}: {e}", out.display()))?;
    first_commit(out)?;
    Ok(count)
}

/// Makes the students' copy a git repository whose one commit is the handout, so that a student's
/// `git diff` shows their own work and nothing else.
fn first_commit(out: &Path) -> Result<(), String> {
    let identity = ["-c", "user.name=course", "-c", "user.email=course@localhost"];
    let steps: [&[&str]; 3] = [
        &["init", "--quiet"],
        &["add", "--all"],
        &[&identity[..], &["commit", "--quiet", "--message", "The course handout"]].concat(),
    ];
    for step in steps {
        let status = std::process::Command::new("git")
            .args(step)
            .current_dir(out)
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("cannot run git to start the handout's history: {e}"))?;
        if !status.success() {
            return Err(format!(
                "git {} failed in {}: the handout is written, but is not a repository yet",
                step.join(" "),
                out.display()
            ));
        }
    }
    Ok(())
}

/// `text` with every markdown link to `target` (with any `#anchor`) turned into its plain words.
fn unlink(text: &str, target: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('[') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let link = after.find("](").and_then(|close| {
            let end = after[close..].find(')')? + close;
            let href = &after[close + 2..end];
            (href.starts_with(target) && !after[1..close].contains('[')).then_some((close, end))
        });
        match link {
            Some((close, end)) => {
                out.push_str(&after[1..close]);
                rest = &after[end + 1..];
            }
            None => {
                out.push('[');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The command: `handout --out DIR`.
pub fn command(out: &Path) -> Result<ExitCode, String> {
    let count = export(&labs::root(), out)?;
    say!(
        "wrote the students' copy ({count} files) to {}; students start with its README.md",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_students_readme_has_their_command_and_no_instructors_section() {
        let readme = format!(
            "# T\n\n```sh\ncargo run -p course -- status\n{VERIFY_LINE}\n```\n\n## Students\nS\n\n\
             ## Instructors\nsecret\n\n## Layout\nL\n"
        );
        let s = students_readme(&readme).unwrap();
        assert!(s.contains(STUDENT_LINE) && !s.contains("verify"));
        assert!(!s.contains("secret") && !s.contains("## Instructors"));
        assert!(s.contains("## Students\nS") && s.contains("## Layout\nL"));
        assert!(students_readme("no commands").is_err());
    }

    #[test]
    fn the_students_manifest_has_no_solutions() {
        let m = "[workspace]\nmembers = [\"harness/*\", \"labs/*\", \"solutions/*\"]\n\
                 lab00 = { path = \"labs/lab00-links\" }\n\
                 lab00-solution = { path = \"solutions/lab00-links\" }\n";
        let s = students_manifest(m);
        assert!(!s.contains("solution"), "{s}");
        assert!(s.contains("lab00 = { path"));
    }

    #[test]
    fn links_into_the_instructors_guide_become_plain_words() {
        let text = "See [grading](instructors.md#grading) and [the book](harness.md), [x](instructors.md).";
        assert_eq!(unlink(text, "instructors.md"), "See grading and [the book](harness.md), x.");
        assert_eq!(unlink("[a] b [c](d)", "instructors.md"), "[a] b [c](d)");
    }

    #[test]
    fn instructors_files_stay_behind() {
        assert!(instructors_only(Path::new("solutions/lab00-links/bugs/x.patch")));
        assert!(instructors_only(Path::new("docs/instructors.md")));
        assert!(instructors_only(Path::new(".ci/run")));
        assert!(instructors_only(Path::new(".cargo/mutants.toml")));
        assert!(!instructors_only(Path::new("labs/lab00-links/src/link.rs")));
        assert!(!instructors_only(Path::new("docs/grading.md")));
    }
}
