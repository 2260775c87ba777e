//! Lab 04's graded tests, run on the reference node, server and clerk against the lab's own
//! snapshots.

lab04::grading_tests!(lab03_solution::Node; lab04_solution::Node, lab04_solution::Server, lab04_solution::Clerk);
