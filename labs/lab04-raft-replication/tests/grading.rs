//! Lab 04's graded tests, run on your Raft node in `src/raft.rs` (parts A-C) and your key-value
//! server and clerk in `src/kv.rs` (part D, tests named `kv_*`). Lab 04 continues your lab 03
//! node, so every test first checks that lab 03's election works.
//! `cargo run -p lab04 -- list` describes every scenario.

lab04::grading_tests!(lab03::election::Node; lab04::raft::Node, lab04::kv::Server, lab04::kv::Clerk);
