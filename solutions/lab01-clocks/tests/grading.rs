//! Lab 01's graded tests, run on the reference clocks against the lab's own snapshots.

lab01::grading_tests!(lab01_solution::Reference);
