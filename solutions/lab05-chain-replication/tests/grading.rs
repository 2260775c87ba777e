//! Lab 05's graded tests, run on the reference node and clerk against the lab's own snapshots.

lab05::grading_tests!(lab05_solution::Node, lab05_solution::Clerk);
