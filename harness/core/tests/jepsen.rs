//! The checker agrees with every expected verdict on real Jepsen histories: 102 etcd logs of a
//! compare-and-set register and 6 key-value logs (Porcupine's test data, vendored with its README
//! under `tests/data/jepsen-histories/`).

use harness::history::jepsen::{parse_edn_kv, parse_etcd};
use harness::linearizability::{
    Answer, CasRegister, Kv, Options, check_linearizable, check_sequential,
};
use std::path::{Path, PathBuf};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/jepsen-histories")
}

/// The README's list: `- etcd_000.log: not-linearizable`, paths relative to `jepsen/` for the
/// etcd logs.
fn expected() -> Vec<(PathBuf, bool)> {
    let readme = std::fs::read_to_string(data().join("README.md")).expect("the README is vendored");
    let mut out = Vec::new();
    for line in readme.lines() {
        let Some(item) = line.strip_prefix("- ") else { continue };
        let Some((file, verdict)) = item.split_once(": ") else { continue };
        let linearizable = match verdict.trim() {
            "linearizable" => true,
            "not-linearizable" => false,
            _ => continue,
        };
        let path = if file.starts_with("kv/") {
            data().join(file)
        } else {
            data().join("jepsen").join(file)
        };
        out.push((path, linearizable));
    }
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_readme_lists_every_shipped_file_but_the_empty_one() {
    let listed = expected();
    assert_eq!(listed.iter().filter(|(p, _)| p.to_string_lossy().contains("etcd_")).count(), 102);
    assert_eq!(listed.iter().filter(|(p, _)| p.to_string_lossy().contains("/kv/")).count(), 6);
    let mut files = 0;
    for dir in ["jepsen", "kv"] {
        for entry in std::fs::read_dir(data().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            files += 1;
            let empty = read(&path).trim().is_empty();
            assert!(
                listed.iter().any(|(p, _)| *p == path) || empty,
                "{} has no expected verdict",
                path.display()
            );
        }
    }
    assert_eq!(files, 109, "102 + 1 empty etcd logs and 6 key-value logs");
}

#[test]
fn every_etcd_log_gets_its_expected_verdict() {
    let mut wrong = Vec::new();
    for (path, linearizable) in
        expected().into_iter().filter(|(p, _)| p.extension().unwrap() == "log")
    {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let history = parse_etcd(&read(&path), &name).unwrap();
        let mut model = CasRegister::new();
        let answer = check_linearizable(&mut model, &history, &Options::default());
        match (&answer, linearizable) {
            (Answer::Holds, true) => {}
            (Answer::Violated(v), false) => {
                // The evidence is real: the operation that had to come next cannot.
                assert!(!v.stuck.is_empty(), "{name}: a violation names its operations");
                assert!(v.summary(&model, &history).contains("cannot take effect"));
            }
            _ => {
                wrong.push(format!("{name}: expected linearizable={linearizable}, got {answer:?}"))
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_empty_etcd_log_is_linearizable() {
    let history = parse_etcd(&read(&data().join("jepsen/etcd_095.log")), "etcd_095.log").unwrap();
    assert!(history.ops.is_empty());
    assert!(check_linearizable(&mut CasRegister::new(), &history, &Options::default()).holds());
}

#[test]
fn every_kv_log_gets_its_expected_verdict_split_by_key_or_whole() {
    for (path, linearizable) in
        expected().into_iter().filter(|(p, _)| p.extension().unwrap() == "txt")
    {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let history = parse_edn_kv(&read(&path), &name).unwrap();
        let split = check_linearizable(&mut Kv::new(), &history, &Options::default());
        assert_eq!(split.holds(), linearizable, "{name} split by key: {split:?}");
        if let Answer::Violated(v) = &split {
            assert!(v.part.is_some(), "{name}: the evidence names its key");
        }
        // c50 whole is the bench's business; the smaller ones are quick enough here.
        if !name.starts_with("c50") {
            let whole = Options { split: false, ..Options::default() };
            let answer = check_linearizable(&mut Kv::new(), &history, &whole);
            assert_eq!(answer.holds(), linearizable, "{name} whole: {answer:?}");
        }
    }
}

#[test]
fn linearizable_logs_are_sequentially_consistent_too() {
    // Linearizability implies sequential consistency; the converse does not hold.
    for (path, linearizable) in expected() {
        if !linearizable || path.extension().unwrap() != "log" {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let history = parse_etcd(&read(&path), &name).unwrap();
        let answer = check_sequential(&mut CasRegister::new(), &history, &Options::default());
        assert!(answer.holds(), "{name}: {answer:?}");
    }
}
