//! The lab command line, as every lab and solution package has it (implemented once in the
//! harness), exercised through lab 00's solution binary.

use assert_cmd::Command;
use predicates::prelude::*;

fn lab() -> Command {
    Command::cargo_bin("lab00-solution").expect("the solution binary is built")
}

fn stdout(args: &[&str]) -> String {
    let out = lab().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn list_shows_every_scenario_with_part_and_points() {
    let out = stdout(&["list"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 10);
    assert!(lines[0].starts_with("no_faults "), "{}", lines[0]);
    assert!(out.contains("receiver_crash           part B   15 points"), "{out}");
}

#[test]
fn run_prints_the_report_and_exits_0_when_every_property_holds() {
    lab()
        .args(["run", "loss_30", "--seed", "3"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("lab00 loss_30 (part A, 10 points)"))
        .stdout(predicate::str::contains("  ok    exactly once, in order\n"));
}

#[test]
fn run_json_is_machine_readable() {
    let out = stdout(&["run", "duplication", "--seeds", "2", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["scenario"], "duplication");
    assert_eq!(v[0]["seeds_run"], 2);
    assert!(v[0]["properties"].as_array().unwrap().len() >= 9);
}

#[test]
fn a_trace_is_the_same_bytes_every_time_and_differs_between_seeds() {
    let a = stdout(&["trace", "receiver_crash", "--seed", "7"]);
    let b = stdout(&["trace", "receiver_crash", "--seed", "7"]);
    let c = stdout(&["trace", "receiver_crash", "--seed", "8"]);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(a.contains("n1 CRASH") && a.contains("n1 RESTART"), "the crash is in the trace");
    for scenario in ["loss_10", "duplication", "reordering", "burst"] {
        let x = stdout(&["trace", scenario, "--seed", "7"]);
        let y = stdout(&["trace", scenario, "--seed", "8"]);
        assert_ne!(x, y, "{scenario}: a different seed gives a different trace");
    }
}

#[test]
fn json_traces_have_one_object_per_line() {
    let out = stdout(&["trace", "no_faults", "--seed", "1", "--format", "json"]);
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["event"].is_string() && v["at"].is_u64(), "{line}");
    }
}

#[test]
fn bad_input_gets_one_sentence_and_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["run", "loss_99"],
            "error: lab00 has no scenario \"loss_99\"; the scenarios are: no_faults, loss_10,",
        ),
        (&["trace", "no_faults"], "error: trace needs --seed N."),
        (
            &["run", "no_faults", "--seed", "x"],
            "error: --seed takes a positive whole number, not \"x\".",
        ),
        (
            &["run", "no_faults", "--seed", "0"],
            "error: --seed takes a positive whole number, not \"0\".",
        ),
        (&["run", "no_faults", "--fast"], "error: unknown option \"--fast\""),
        (&["run"], "error: run needs a scenario name; the scenarios are: no_faults"),
        (
            &["frobnicate"],
            "error: unknown command \"frobnicate\"; the commands are list, run and trace.",
        ),
        (
            &["trace", "no_faults", "--seed", "1", "--format", "xml"],
            "error: --format takes text or json, not \"xml\".",
        ),
        (&["run", "no_faults", "--seed", "1", "--seeds", "4"], "error: give either --seed N"),
    ];
    for (args, expected) in cases {
        lab()
            .args(*args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with(*expected))
            .stderr(predicate::function(|s: &str| s.lines().count() == 1));
    }
}
