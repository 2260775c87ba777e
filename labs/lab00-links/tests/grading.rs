//! Lab 00's graded tests, run on your code in `src/link.rs`. Each test is one scenario of the
//! registry in `src/scenarios.rs`; `cargo run -p lab00 -- list` describes them.

lab00::grading_tests!(lab00::link::Link);
