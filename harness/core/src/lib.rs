//! The course's deterministic message-passing harness.
//!
//! Read it in layers: [`node`] (the sans-IO process model), [`sim`] (the simulator), [`network`],
//! [`clock`] and [`faults`] (what can go wrong), [`trace`] (what happened), [`history`] (client
//! operations in Jepsen's vocabulary), [`linearizability`] (the consistency checkers), [`scenario`]
//! and [`report`] (grading), [`lab`] and the lab command line.

pub mod causality;
pub mod cli;
pub mod clock;
pub mod diagram;
pub mod evidence;
pub mod faults;
pub mod history;
pub mod isolation;
pub mod lab;
pub mod linearizability;
pub mod network;
pub mod node;
pub mod panics;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod search;
pub mod services;
pub mod sim;
pub mod storage;
pub mod time;
pub mod trace;
pub mod workloads;

pub use clock::Clock;
pub use faults::{Cut, Fault};
pub use lab::Lab;
pub use network::{Delay, Network};
pub use node::{Ctx, NodeId, Process, Protocol, RequestId, TimerId};
pub use report::Report;
pub use rng::{Prob, Rng};
pub use scenario::{Plan, Property, Scenario, Verdict};
pub use sim::{Budgets, NoRequests, Run, Schedule, Workload};
pub use time::{Duration, Time};
pub use trace::{DropReason, EventKind, MsgId};
