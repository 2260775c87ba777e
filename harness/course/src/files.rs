//! Copies of the repository: a pristine one (what is committed, never a working tree's edits) to
//! grade a submission in or to export a handout from.

use std::io;
use std::path::Path;
use std::process::{Command, Stdio};

/// Copies `from` into `to`, skipping `target` and `.git` folders and every path (relative to
/// `from`) for which `skip` says so.
pub fn copy_tree(from: &Path, to: &Path, skip: &dyn Fn(&Path) -> bool) -> io::Result<()> {
    fn walk(base: &Path, dir: &Path, to: &Path, skip: &dyn Fn(&Path) -> bool) -> io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            let rel = path.strip_prefix(base).expect("walked paths are under the base");
            let name = entry.file_name();
            if name == "target" || name == ".git" || skip(rel) {
                continue;
            }
            if entry.file_type()?.is_dir() {
                std::fs::create_dir_all(to.join(rel))?;
                walk(base, &path, to, skip)?;
            } else {
                std::fs::copy(&path, to.join(rel))?;
            }
        }
        Ok(())
    }
    std::fs::create_dir_all(to)?;
    walk(from, from, to, skip)
}

/// Writes the repository as committed at HEAD into `to` (which must exist and be empty), leaving
/// out the paths `skip` names. Outside a git checkout, copies the files as they are.
pub fn pristine_copy(root: &Path, to: &Path, skip: &dyn Fn(&Path) -> bool) -> Result<(), String> {
    let fail = |e: io::Error| format!("cannot copy the repository into {}: {e}", to.display());
    if !root.join(".git").exists() {
        return copy_tree(root, to, skip).map_err(fail);
    }
    let mut archive = Command::new("git")
        .args(["archive", "--format=tar", "HEAD"])
        .current_dir(root)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git archive: {e}"))?;
    let tar_in = archive.stdout.take().expect("stdout is piped");
    let extract = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(to)
        .stdin(tar_in)
        .status()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    let archived = archive.wait().map_err(|e| format!("git archive failed: {e}"))?;
    if !extract.success() || !archived.success() {
        return Err(format!("cannot extract the committed repository into {}", to.display()));
    }
    remove_skipped(to, to, skip).map_err(fail)
}

fn remove_skipped(base: &Path, dir: &Path, skip: &dyn Fn(&Path) -> bool) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let rel = path.strip_prefix(base).expect("walked paths are under the base");
        if skip(rel) {
            if path.is_dir() {
                std::fs::remove_dir_all(&path)?
            } else {
                std::fs::remove_file(&path)?
            }
        } else if path.is_dir() {
            remove_skipped(base, &path, skip)?;
        }
    }
    Ok(())
}

/// Whether `dir` is missing or has nothing in it.
pub fn is_empty_or_missing(dir: &Path) -> bool {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(_) => !dir.exists(),
    }
}

/// Every file under `dir`, relative to it, skipping hidden files and folders.
pub fn list_files(dir: &Path) -> io::Result<Vec<String>> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) -> io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                walk(base, &path, out)?;
            } else {
                let rel = path.strip_prefix(base).expect("walked paths are under the base");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// Lets `copy`, a copy of the repository at `origin`, reuse `origin`'s build instead of
/// compiling everything again: seeds `copy/target/debug` with `origin/target/debug` (less its
/// incremental caches and its programs), then gives each file of `copy` that is byte for byte the file at the same
/// path in `origin` that file's modification time, and every other file the present time.
///
/// Cargo rebuilds a package when one of its sources is newer than its last build, and trusts the
/// build otherwise. After this, a file that matches the original is exactly as old as it was when
/// the seeded build was judged, and a file that differs is newer than any seeded build, so only
/// the packages whose files differ (and those that depend on them) compile again. A copy must
/// build into its own target: two trees of the same workspace in one target would each take the
/// other's build for their own.
pub fn share_build(origin: &Path, copy: &Path) -> Result<(), String> {
    let fail = |e: io::Error| {
        format!("cannot share {}'s build with {}: {e}", origin.display(), copy.display())
    };
    let seeded = copy.join("target").join("debug");
    if seeded.exists() {
        std::fs::remove_dir_all(&seeded).map_err(fail)?;
    }
    let built = origin.join("target").join("debug");
    if built.is_dir() {
        // Programs (test binaries, the packages' own binaries) are most of a build's size, and a
        // copy rebuilds the ones it runs anyway, for the packages it changed; cargo rebuilds a
        // program whose file is missing. Build scripts, in `build/`, are kept.
        let program = |rel: &Path| {
            let top_or_deps =
                rel.parent().is_some_and(|p| p == Path::new("") || p == Path::new("deps"));
            top_or_deps && rel.extension().is_none_or(|e| e == "exe") && built.join(rel).is_file()
        };
        copy_keeping_times(&built, &seeded, &|rel| {
            rel == Path::new("incremental") || rel == Path::new(".cargo-lock") || program(rel)
        })
        .map_err(fail)?;
    }
    #[allow(clippy::disallowed_methods)] // a file's age for cargo, not a simulated node's clock
    let now = std::time::SystemTime::now();
    align_times(origin, copy, copy, now).map_err(fail)
}

/// Copies the tree `from` to `to`, every file with its modification time, skipping the paths
/// (relative to `from`) that `skip` names.
fn copy_keeping_times(from: &Path, to: &Path, skip: &dyn Fn(&Path) -> bool) -> io::Result<()> {
    fn walk(base: &Path, dir: &Path, to: &Path, skip: &dyn Fn(&Path) -> bool) -> io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            let rel = path.strip_prefix(base).expect("walked paths are under the base");
            if skip(rel) {
                continue;
            }
            let kind = entry.file_type()?;
            if kind.is_dir() {
                std::fs::create_dir_all(to.join(rel))?;
                walk(base, &path, to, skip)?;
            } else if kind.is_file() {
                std::fs::copy(&path, to.join(rel))?;
                let modified = entry.metadata()?.modified()?;
                std::fs::File::open(to.join(rel))?.set_modified(modified)?;
            }
        }
        Ok(())
    }
    std::fs::create_dir_all(to)?;
    walk(from, from, to, skip)
}

/// Sets the modification time of every file under `dir` (a folder of `copy`, skipping `target`
/// and `.git`): the original's, where the file at the same path in `origin` has the same bytes;
/// `now` otherwise.
fn align_times(
    origin: &Path,
    copy: &Path,
    dir: &Path,
    now: std::time::SystemTime,
) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            align_times(origin, copy, &path, now)?;
        } else if kind.is_file() {
            let original =
                origin.join(path.strip_prefix(copy).expect("walked paths are in the copy"));
            let same = std::fs::read(&original)
                .is_ok_and(|bytes| std::fs::read(&path).is_ok_and(|b| b == bytes));
            let time = if same { std::fs::metadata(&original)?.modified()? } else { now };
            std::fs::File::open(&path)?.set_modified(time)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    fn write_aged(path: &Path, text: &str, age_secs: u64) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 - age_secs);
        std::fs::File::open(path).unwrap().set_modified(then).unwrap();
    }

    fn modified(path: &Path) -> SystemTime {
        std::fs::metadata(path).unwrap().modified().unwrap()
    }

    #[test]
    fn a_copy_keeps_the_age_of_what_it_shares_and_is_newer_where_it_differs() {
        let dir = std::env::temp_dir().join(format!("course-share-build-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (origin, copy) = (dir.join("origin"), dir.join("copy"));
        write_aged(&origin.join("src/same.rs"), "fn a() {}", 300);
        write_aged(&origin.join("src/edited.rs"), "fn b() {}", 300);
        // The build is newer than the sources it was made from.
        write_aged(&origin.join("target/debug/deps/liba.rlib"), "built", 100);
        write_aged(&origin.join("target/debug/.fingerprint/a/dep-lib-a"), "fp", 100);
        write_aged(&origin.join("target/debug/incremental/a/cache"), "big", 100);
        write_aged(&origin.join("target/debug/deps/grading-0123abcd"), "a test program", 100);
        write_aged(&origin.join("target/debug/lab00"), "a package's program", 100);
        write_aged(&origin.join("target/debug/build/serde-1/build-script-build"), "kept", 100);
        copy_tree(&origin, &copy, &|_| false).unwrap();
        std::fs::write(copy.join("src/edited.rs"), "fn b() { changed() }").unwrap();
        write_aged(&copy.join("target/debug/stale"), "from an earlier copy", 50);

        share_build(&origin, &copy).unwrap();

        assert_eq!(modified(&copy.join("src/same.rs")), modified(&origin.join("src/same.rs")));
        let build = modified(&origin.join("target/debug/deps/liba.rlib"));
        assert!(modified(&copy.join("src/edited.rs")) > build, "a changed file must look newer");
        for seeded in
            ["deps/liba.rlib", ".fingerprint/a/dep-lib-a", "build/serde-1/build-script-build"]
        {
            let (ours, theirs) =
                (copy.join("target/debug").join(seeded), origin.join("target/debug").join(seeded));
            assert_eq!(std::fs::read(&ours).unwrap(), std::fs::read(&theirs).unwrap());
            assert_eq!(modified(&ours), modified(&theirs), "{seeded} keeps its age");
        }
        assert!(!copy.join("target/debug/incremental").exists(), "caches are not copied");
        for program in ["deps/grading-0123abcd", "lab00"] {
            assert!(
                !copy.join("target/debug").join(program).exists(),
                "{program} is rebuilt if run"
            );
        }
        assert!(!copy.join("target/debug/stale").exists(), "an earlier seed is replaced");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
