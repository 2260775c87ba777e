//! Lab 07's graded tests, run on your ring (`src/ring.rs`) and node (`src/node.rs`).
//! `cargo run -p lab07 -- list` describes every scenario.

lab07::grading_tests!(lab07::ring::Ring, lab07::node::Node);
