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
