//! Lab 02's graded tests, run on your code in `src/retry.rs`, `src/heartbeat.rs` and
//! `src/swim.rs`. `cargo run -p lab02 -- list` describes every scenario.

lab02::grading_tests!(lab02::Yours);
