//! Lab 07's graded tests, run on the reference ring and node against the lab's own snapshots.

lab07::grading_tests!(lab07_solution::Ring, lab07_solution::Node);
