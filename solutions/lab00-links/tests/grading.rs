//! Lab 00's graded tests, run on the reference solution against the lab's own snapshots.

lab00::grading_tests!(lab00_solution::Link);
