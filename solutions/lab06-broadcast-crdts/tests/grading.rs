//! Lab 06's graded tests, run on the reference code against the lab's own snapshots.

lab06::grading_tests!(lab06_solution::Reference);
