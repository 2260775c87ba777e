//! Lab 05's graded tests, run on your chain node and clerk in `src/chain.rs`.
//! `cargo run -p lab05 -- list` describes every scenario.

lab05::grading_tests!(lab05::chain::Node, lab05::chain::Clerk);
