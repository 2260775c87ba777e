//! Lab 03's graded tests, run on your node in `src/election.rs`. Tests named `extension_*` grade
//! part C (PreVote and CheckQuorum), an extension: skip it and only those fail.
//! `cargo run -p lab03 -- list` describes every scenario.

lab03::grading_tests!(lab03::election::Node);
