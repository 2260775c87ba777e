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
    assert_eq!(lines.len(), 11);
    assert!(lines[0].starts_with("no_faults "), "{}", lines[0]);
    let crash = lines.iter().find(|l| l.starts_with("receiver_crash ")).unwrap();
    assert_eq!(
        crash.split_whitespace().take(5).collect::<Vec<_>>()[1..],
        ["part", "B", "15", "points"]
    );
}

#[test]
fn list_json_names_each_scenarios_graded_seeds_and_properties() {
    let out = stdout(&["list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 11);
    let crash = rows.iter().find(|r| r["name"] == "receiver_crash").unwrap();
    assert_eq!((crash["part"].as_str(), crash["points"].as_u64()), (Some("B"), Some(15)));
    assert!(crash["graded_seeds"].as_u64().unwrap() > 0);
    let properties: Vec<&str> =
        crash["properties"].as_array().unwrap().iter().filter_map(|p| p.as_str()).collect();
    assert_eq!(properties[..2], ["the run completes", "the seed replays identically"]);
    // The same names, in the same order, as the report's lines.
    let report = stdout(&["run", "receiver_crash", "--seed", "1", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let reported: Vec<&str> = report[0]["properties"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(properties, reported);
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
        (
            &["run", "no_faults", "--sede", "3"],
            "error: unknown option \"--sede\"; the nearest is --seed.",
        ),
        (&["rnu", "no_faults"], "error: unknown command \"rnu\"; the nearest is run."),
        (&["run"], "error: run needs a scenario name; the scenarios are: no_faults"),
        (
            &["frobnicate"],
            "error: unknown command \"frobnicate\"; the commands are list, run, trace and search.",
        ),
        (
            &["trace", "no_faults", "--seed", "1", "--format", "xml"],
            "error: --format takes text, json or html, not \"xml\".",
        ),
        (
            &["trace", "no_faults", "--seed", "1", "--format", "html"],
            "error: --format html writes a file: give --out FILE",
        ),
        (
            &["trace", "no_faults", "--seed", "1", "--out", "x.txt"],
            "error: --out is for --format html",
        ),
        (
            &["trace", "no_faults", "--seed", "1", "--node", "n7"],
            "error: no_faults has nodes n0..n2, not n7.",
        ),
        (
            &["trace", "no_faults", "--seed", "1", "--node", "seven"],
            "error: --node takes a node like n1, not \"seven\".",
        ),
        (
            &["trace", "no_faults", "--seed", "1", "--from", "soon"],
            "error: --from takes a time like 1.5s, 250ms or 900us, not \"soon\".",
        ),
        (&["run", "no_faults", "--node", "n1"], "error: run does not take --node;"),
        (&["run", "no_faults", "--seed", "1", "--seeds", "4"], "error: give either --seed N"),
        (
            &["search", "loss_10"],
            "error: loss_10 is a scenario of random runs, not a search; the search scenarios \
             are: every_interleaving.",
        ),
        (&["search", "every_interleaving", "--bfs", "--dfs"], "error: give either --bfs"),
        (
            &["search", "every_interleaving", "--depth", "0"],
            "error: --depth takes a positive whole number, not \"0\".",
        ),
        (&["search", "every_interleaving", "--seed", "3"], "error: search does not take --seed;"),
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

#[test]
fn trace_filters_keep_one_node_and_a_window() {
    let all = stdout(&["trace", "receiver_crash", "--seed", "3"]);
    let n2 = stdout(&["trace", "receiver_crash", "--seed", "3", "--node", "n2"]);
    assert!(n2.lines().count() < all.lines().count());
    for line in n2.lines() {
        assert!(line.contains("n2") || line.contains("NETWORK"), "{line}");
    }
    let window =
        stdout(&["trace", "receiver_crash", "--seed", "3", "--from", "200ms", "--to", "0.3s"]);
    assert!(!window.is_empty());
    for line in window.lines() {
        let t: f64 = line.split_whitespace().next().unwrap().trim_end_matches('s').parse().unwrap();
        assert!((0.2..=0.3).contains(&t), "{line}");
    }
    let json = stdout(&[
        "trace",
        "receiver_crash",
        "--seed",
        "3",
        "--format",
        "json",
        "--node",
        "n0",
        "--to",
        "50ms",
    ]);
    assert!(
        json.lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["at"].as_u64().unwrap()
                <= 50_000)
    );
}

#[test]
fn a_healthy_run_has_no_violation_to_center_on() {
    lab()
        .args(["trace", "no_faults", "--seed", "1", "--around-violation", "--node", "n1"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("no property fails on seed 1 of no_faults"));
}

#[test]
fn an_html_diagram_is_one_offline_page_with_the_runs_events() {
    let dir = std::env::temp_dir().join(format!("lab00-diagram-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page = dir.join("crash.html");
    lab()
        .args(["trace", "receiver_crash", "--seed", "3", "--format", "html", "--out"])
        .arg(&page)
        .assert()
        .code(0);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!-- course space-time diagram -->"));
    assert!(
        !html.contains("http://")
            || html.matches("http://").all(|_| html.contains("http://www.w3.org/2000/svg"))
    );
    assert!(!html.contains("https://"), "the page fetches nothing");
    let start = html.find(r#"<script id="data" type="application/json">"#).unwrap();
    let data = &html[start..];
    let data = &data[data.find('>').unwrap() + 1..data.find("</script>").unwrap()];
    let v: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(v["nodes"].as_array().unwrap().len(), 3);
    assert!(v["violation"].is_null(), "the solution violates nothing");
    let messages = v["messages"].as_array().unwrap();
    assert!(messages.len() > 100);
    assert!(messages.iter().any(|m| m["dropped"][1] == "destination down"));
    let down: Vec<_> =
        v["bands"].as_array().unwrap().iter().filter(|b| b["kind"] == "down").collect();
    assert_eq!(down.len(), 1, "n1's crash is one band, from crash to restart");
    assert_eq!(down[0]["node"], 1);
    assert!(down[0]["t2"].as_u64() > down[0]["t1"].as_u64());
    // Writing again over our own page is fine; over someone else's file it is refused.
    lab()
        .args(["trace", "no_faults", "--seed", "1", "--format", "html", "--out"])
        .arg(&page)
        .assert()
        .code(0);
    let mine = dir.join("notes.html");
    std::fs::write(&mine, "my notes").unwrap();
    lab()
        .args(["trace", "no_faults", "--seed", "1", "--format", "html", "--out"])
        .arg(&mine)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("exists and was not written by this tool"));
    assert_eq!(std::fs::read_to_string(&mine).unwrap(), "my notes");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn search_explores_every_state_and_exits_0_on_a_correct_link() {
    let out = stdout(&["search", "every_interleaving", "--depth", "6"]);
    let first = out.lines().next().unwrap();
    assert!(first.contains("depth 6,"), "{out}");
    assert!(out.contains("no state within 6 steps violates a property"), "{out}");
    // Depth first visits the same states (each once, or again when reached by a shorter path).
    let dfs = stdout(&["search", "every_interleaving", "--depth", "6", "--dfs"]);
    let unique = |s: &str| s.split(", ").nth(1).map(str::to_string);
    assert_eq!(unique(first), unique(dfs.lines().next().unwrap()), "{out}\n{dfs}");
}

#[test]
fn a_search_scenarios_trace_needs_no_seed_and_says_nothing_fails() {
    lab()
        .args(["trace", "every_interleaving"])
        .assert()
        .code(0)
        .stdout("")
        .stderr(predicate::str::contains("no state within every_interleaving's budget violates"));
}
