//! Lab 02's graded tests, run on the reference processes against the lab's own snapshots.

lab02::grading_tests!(lab02_solution::Reference);
