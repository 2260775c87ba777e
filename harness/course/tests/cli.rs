//! The course command line refuses bad input with one sentence and exit code 2.

use assert_cmd::Command;
use predicates::prelude::*;

fn course() -> Command {
    Command::cargo_bin("course").expect("the course binary is built")
}

#[test]
fn an_unknown_command_gets_one_sentence_and_exit_2() {
    course().arg("grdae").assert().code(2).stderr(predicate::eq(
        "error: unknown command \"grdae\"; the commands are status, grade, handout and verify.\n",
    ));
}

#[test]
fn no_command_prints_the_usage_and_exit_2() {
    course().assert().code(2).stdout(predicate::str::contains("status [--lab NN] [--json]"));
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
        .stderr("error: status does not take \"--fast\"; it takes --lab NN and --json.\n");
    course().args(["verify", "now"]).assert().code(2);
    course().args(["status", "--lab"]).assert().code(2);
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("course-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn grading_a_submission_missing_a_file_names_it() {
    let dir = scratch("missing");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/lamport.rs"), "").unwrap();
    course()
        .args(["grade", "--lab", "01", "--submission"])
        .arg(&dir)
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
        .stderr("error: grade needs --lab NN.\n");
    course().args(["grade", "--lab", "00", "--fast"]).assert().code(2);
}

#[test]
fn the_handout_refuses_a_folder_that_is_not_empty() {
    let dir = scratch("handout");
    std::fs::write(dir.join("mine.txt"), "a student's notes").unwrap();
    course().args(["handout", "--out"]).arg(&dir).assert().code(2).stderr(
        predicate::str::contains("is not empty; the handout goes into a new or empty folder"),
    );
    assert_eq!(std::fs::read_to_string(dir.join("mine.txt")).unwrap(), "a student's notes");
    course()
        .args(["handout"])
        .assert()
        .code(2)
        .stderr("error: handout takes --out DIR, a new or empty folder.\n");
    std::fs::remove_dir_all(&dir).unwrap();
}
