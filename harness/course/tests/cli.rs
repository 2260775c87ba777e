//! The course command line refuses bad input with one sentence and exit code 2.

use assert_cmd::Command;
use predicates::prelude::*;

fn course() -> Command {
    Command::cargo_bin("course").expect("the course binary is built")
}

#[test]
fn an_unknown_command_gets_one_sentence_and_exit_2() {
    course().arg("grdae").assert().code(2).stderr(predicate::eq(
        "error: unrecognized subcommand 'grdae'; a similar subcommand exists: 'grade'.\n",
    ));
}

#[test]
fn no_command_prints_the_usage_and_exit_2() {
    course().assert().code(2).stderr(predicate::str::contains("Usage: cargo run -p course --"));
}

#[test]
fn an_unknown_lab_names_the_labs_there_are() {
    course()
        .args(["status", "--lab", "42"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error: there is no lab \"42\"; the labs are 00, 01"))
        .stderr(predicate::str::contains("backtrace").not());
}

#[test]
fn a_bad_flag_is_refused() {
    course()
        .args(["status", "--fast"])
        .assert()
        .code(2)
        .stderr("error: unexpected argument '--fast' found; --help lists what it takes.\n");
    // A near miss names the closest valid flag.
    course()
        .args(["status", "--jsn"])
        .assert()
        .code(2)
        .stderr("error: unexpected argument '--jsn' found; a similar argument exists: '--json'.\n");
    course().args(["verify", "now"]).assert().code(2);
    course().args(["verify", "--lab"]).assert().code(2);
    course().args(["status", "--lab"]).assert().code(2);
}

/// The vendored Jepsen histories (Porcupine's test data) and their README.
fn data() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/data/jepsen-histories")
}

/// The README's expected verdicts, as (path, linearizable).
fn expected() -> Vec<(String, bool)> {
    let readme = std::fs::read_to_string(data().join("README.md")).unwrap();
    readme
        .lines()
        .filter_map(|l| l.strip_prefix("- ")?.split_once(": "))
        .filter_map(|(file, verdict)| {
            let path = if file.starts_with("kv/") {
                data().join(file)
            } else {
                data().join("jepsen").join(file)
            };
            let ok = match verdict {
                "linearizable" => true,
                "not-linearizable" => false,
                _ => return None,
            };
            Some((path.to_string_lossy().to_string(), ok))
        })
        .collect()
}

/// A fresh directory for one test, removed when the test ends (pass or fail).
struct Scratch(std::path::PathBuf);

impl std::ops::Deref for Scratch {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl AsRef<std::path::Path> for Scratch {
    fn as_ref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("course-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

fn check_files(model: &str, files: &[(String, bool)], code: i32) {
    let mut cmd = course();
    cmd.args(["check-history", "--model", model]);
    cmd.args(files.iter().map(|(f, _)| f));
    let out = cmd.assert().code(code).get_output().stdout.clone();
    let out = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), files.len(), "one line per file:\n{out}");
    for (line, (file, linearizable)) in lines.iter().zip(files) {
        if *linearizable {
            assert_eq!(*line, format!("{file}: linearizable"));
        } else {
            let rest =
                line.strip_prefix(&format!("{file}: not linearizable: ")).unwrap_or_else(|| {
                    panic!("{file} should not be linearizable: {line}");
                });
            assert!(rest.contains("cannot take effect"), "{line}");
        }
    }
}

#[test]
fn check_history_gives_every_etcd_log_its_expected_verdict() {
    let etcd: Vec<(String, bool)> =
        expected().into_iter().filter(|(f, _)| f.ends_with(".log")).collect();
    assert_eq!(etcd.len(), 102);
    check_files("cas-register", &etcd, 1);
    // Only linearizable files (the empty log too): exit 0.
    let mut good: Vec<(String, bool)> = etcd.into_iter().filter(|(_, ok)| *ok).collect();
    good.push((data().join("jepsen/etcd_095.log").to_string_lossy().to_string(), true));
    check_files("cas-register", &good, 0);
}

#[test]
fn check_history_gives_every_kv_log_its_expected_verdict() {
    let kv: Vec<(String, bool)> =
        expected().into_iter().filter(|(f, _)| f.ends_with(".txt")).collect();
    assert_eq!(kv.len(), 6);
    check_files("kv", &kv, 1);
    let good: Vec<(String, bool)> = kv.into_iter().filter(|(_, ok)| *ok).collect();
    check_files("kv", &good, 0);
}

#[test]
fn check_history_reads_the_harness_json_lines() {
    let dir = scratch("json");
    let file = dir.join("stale.jsonl");
    std::fs::write(
        &file,
        "{\"process\":1,\"type\":\"invoke\",\"time\":10,\"f\":\"write\",\"value\":3}\n\
         {\"process\":1,\"type\":\"ok\",\"time\":20,\"f\":\"write\"}\n\
         {\"process\":2,\"type\":\"invoke\",\"time\":30,\"f\":\"read\"}\n\
         {\"process\":2,\"type\":\"ok\",\"time\":40,\"f\":\"read\",\"value\":null}\n",
    )
    .unwrap();
    let f = file.to_string_lossy().to_string();
    course().args(["check-history", "--model", "cas-register", &f]).assert().code(1).stdout(
        format!(
            "{f}: not linearizable: after the longest linearizable prefix found (1 operation), \
         where the register holds 3, process 2 read -> nil (0.000030s-0.000040s) cannot take \
         effect\n"
        ),
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn check_history_draws_each_history_into_the_html_directory() {
    let dir = scratch("html");
    let pages = dir.join("pages/nested");
    let bad = data().join("jepsen/etcd_000.log");
    let good = data().join("jepsen/etcd_002.log");
    course()
        .args(["check-history", "--model", "cas-register", "--html"])
        .arg(&pages)
        .arg(&bad)
        .arg(&good)
        .assert()
        .code(1);
    let page = std::fs::read_to_string(pages.join("etcd_000.log.html")).unwrap();
    assert!(page.contains("not linearizable</span>"));
    assert!(page.contains("class=\"op ok stuck\""), "the offending read is marked");
    let page = std::fs::read_to_string(pages.join("etcd_002.log.html")).unwrap();
    assert!(page.contains("<span class=\"good\">consistent</span>"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn check_history_says_unknown_when_its_budget_runs_out() {
    let file = data().join("jepsen/etcd_002.log");
    let f = file.to_string_lossy().to_string();
    course()
        .args(["check-history", "--model", "cas-register", "--budget", "10", &f])
        .assert()
        .code(1)
        .stdout(format!("{f}: unknown (the step budget of 10 ran out)\n"));
}

#[test]
fn check_history_refuses_bad_input_with_one_sentence_and_exit_2() {
    let dir = scratch("bad");
    let bad = dir.join("bad.log");
    std::fs::write(
        &bad,
        "INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:write\t3\n",
    )
    .unwrap();
    let b = bad.to_string_lossy().to_string();
    let good = data().join("jepsen/etcd_002.log").to_string_lossy().to_string();
    // A malformed line names its file and line, and nothing is checked.
    course()
        .args(["check-history", "--model", "cas-register", &good, &b])
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!(
            "error: {b} line 2: process 1 completes a :write but its open operation is a :read.\n"
        ));
    // An etcd log is not an EDN key-value log.
    course().args(["check-history", "--model", "kv", &good]).assert().code(2).stderr(format!(
        "error: {good} line 1: this is not an EDN map (expected `{{:process P, :type :T, ...}}`).\n"
    ));
    course()
        .args(["check-history", "--model", "cas-register", "nope.log"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error: cannot read nope.log: "))
        .stderr(predicate::str::ends_with(".\n"))
        .stderr(predicate::function(|s: &str| s.lines().count() == 1));
    course().args(["check-history", "--model", "register9", &good]).assert().code(2).stderr(
        "error: invalid value 'register9' for '--model <MODEL>' (possible values: \
             cas-register, kv); a similar value exists: 'cas-register'.\n",
    );
    course()
        .args(["check-history", &good])
        .assert()
        .code(2)
        .stderr("error: the following required arguments were not provided: --model <MODEL>.\n");
    course()
        .args(["check-history", "--model", "kv"])
        .assert()
        .code(2)
        .stderr("error: the following required arguments were not provided: <FILE>.\n");
    course().args(["check-history", "--model", "kv", "--fast", &good]).assert().code(2);
    course().args(["check-history", "--model"]).assert().code(2);
    course()
        .args(["check-history", "--model", "kv", "--budget", "0", &good])
        .assert()
        .code(2)
        .stderr(
            "error: invalid value '0' for '--budget <STEPS>': it takes a positive whole number.\n",
        );
    // An --html path that is a file cannot become a directory.
    course()
        .args(["check-history", "--model", "cas-register", "--html", &b, &good])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(format!("error: cannot create the directory {b}: ")));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_usage_lists_check_history() {
    course().arg("--help").assert().code(0).stdout(predicate::str::contains("check-history"));
}

#[test]
fn every_command_answers_help_with_its_usage() {
    for (command, usage) in [
        ("status", "status [OPTIONS]"),
        ("grade", "grade [OPTIONS] --lab <NN> --submission <DIR>"),
        ("handout", "handout --out <DIR>"),
        ("verify", "verify [OPTIONS]"),
        ("check-history", "check-history [OPTIONS] --model <MODEL> <FILE>..."),
        ("check-txn", "check-txn [OPTIONS] --workload <WORKLOAD> <FILE>..."),
    ] {
        course()
            .args([command, "--help"])
            .assert()
            .code(0)
            .stdout(predicate::str::contains(format!("Usage: cargo run -p course -- {usage}")));
    }
}

#[test]
fn grading_a_submission_missing_a_file_names_it() {
    let dir = scratch("missing");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/lamport.rs"), "").unwrap();
    course()
        .args(["grade", "--lab", "01", "--submission"])
        .arg(&*dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has no src/vector.rs; a lab01 submission holds src/lamport.rs, src/vector.rs, src/hlc.rs"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn grading_refuses_unknown_labs_missing_folders_and_bad_flags() {
    course()
        .args(["grade", "--lab", "99", "--submission", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("error: there is no lab \"99\""));
    course()
        .args(["grade", "--lab", "00", "--submission", "/no/such/folder"])
        .assert()
        .code(2)
        .stderr("error: the submission folder /no/such/folder does not exist.\n");
    course()
        .args(["grade", "--submission", "."])
        .assert()
        .code(2)
        .stderr("error: the following required arguments were not provided: --lab <NN>.\n");
    course().args(["grade", "--lab", "00", "--fast"]).assert().code(2);
}

#[test]
fn the_handout_refuses_a_folder_that_is_not_empty() {
    let dir = scratch("handout");
    std::fs::write(dir.join("mine.txt"), "a student's notes").unwrap();
    course().args(["handout", "--out"]).arg(&*dir).assert().code(2).stderr(
        predicate::str::contains("is not empty; the handout goes into a new or empty folder"),
    );
    assert_eq!(std::fs::read_to_string(dir.join("mine.txt")).unwrap(), "a student's notes");
    course()
        .args(["handout"])
        .assert()
        .code(2)
        .stderr("error: the following required arguments were not provided: --out <DIR>.\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn elle(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/data/elle-histories")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn check_txn_judges_elle_histories_against_the_model_asked_for() {
    let skew = elle("si-without-g-single.edn");
    course()
        .args(["check-txn", "--workload", "list-append", "--model", "snapshot-isolation", &skew])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("satisfies snapshot-isolation.").and(
            predicate::str::contains(
                "anomalies: G2-item; weakest models violated: repeatable-read",
            ),
        ));
    let paper = elle("paper-example.edn");
    course()
        .args([
            "check-txn",
            "--workload",
            "list-append",
            "--model",
            "snapshot-isolation",
            &skew,
            &paper,
        ])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("paper-example.edn: violates snapshot-isolation.")
                .and(predicate::str::contains("However, T3 < T1, because T1 appended 3 to key 256"))
                .and(predicate::str::contains("G2-item (").not()),
        );
}

#[test]
fn check_txn_draws_each_history() {
    let dir = scratch("txn-html");
    let out = dir.join("pages");
    course()
        .args(["check-txn", "--workload", "list-append", "--html"])
        .arg(&out)
        .arg(elle("paper-example.edn"))
        .assert()
        .code(1);
    let page = std::fs::read_to_string(out.join("paper-example.edn.html")).unwrap();
    assert!(page.contains("<svg") && page.contains(">G-single</figcaption>"), "{page}");
}

#[test]
fn check_txn_refuses_bad_input_with_one_sentence_and_exit_2() {
    let dir = scratch("txn-bad");
    let bad = dir.join("bad.edn");
    std::fs::write(&bad, "{:type :invoke, :process 1, :value [[:append 1 1]]}\n{:type :ok, :process 1, :value [[:append 1 2]]}\n").unwrap();
    let bad = bad.display().to_string();
    course().args(["check-txn", "--workload", "list-append", &bad]).assert().code(2).stderr(
        format!(
            "error: {bad} line 2: the completion [[:append 1 2]] is not the invocation \
             [[:append 1 1]] with its reads filled in.\n"
        ),
    );
    let twice = dir.join("twice.edn");
    std::fs::write(&twice, "{:type :invoke, :process 1, :value [[:w 1 1]]}\n{:type :ok, :process 1, :value [[:w 1 1]]}\n{:type :invoke, :process 2, :value [[:w 1 1]]}\n").unwrap();
    let twice = twice.display().to_string();
    course()
        .args(["check-txn", "--workload", "rw-register", &twice])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the value 1 is written to key 1 twice"));
    course()
        .args(["check-txn", "--workload", "rw-register", &elle("paper-example.edn")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "line 1: [:append 253 1] is not a rw-register micro-operation",
        ));
    course()
        .args(["check-txn", "--workload", "list-append", "--model", "serialisable", &twice])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a similar value exists: 'serializable'"));
}
