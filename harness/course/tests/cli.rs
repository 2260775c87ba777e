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
        .stderr(predicate::str::starts_with("error: there is no lab \"42\"; the labs are 00"))
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
