//! Lab 03's graded tests, run on your Raft node in `src/election.rs` (parts A and C) and your
//! lease holder in `src/lease.rs` (part B, tests named `lease_*`). Tests named `extension_*` grade
//! part C (PreVote and CheckQuorum), an extension: skip it and only those fail.
//! `cargo run -p lab03 -- list` describes every scenario.

lab03::grading_tests!(lab03::election::Node, lab03::lease::Holder);
