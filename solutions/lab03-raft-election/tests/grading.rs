//! Lab 03's graded tests, run on the reference node against the lab's own snapshots.

lab03::grading_tests!(lab03_solution::Node);
