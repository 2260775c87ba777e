//! Lab 06's graded tests, run on your code in `src/broadcast.rs`, `src/crdt.rs` and
//! `src/anti_entropy.rs`. `cargo run -p lab06 -- list` describes every scenario.

lab06::grading_tests!(lab06::Yours);
