//! `cargo run -p lab04 -- list | run | trace`: the lab's scenarios, run on your node, server and
//! clerk.

fn main() -> std::process::ExitCode {
    lab04::harness::cli::run(|| {
        lab04::lab::<lab04::raft::Node, lab04::kv::Server, lab04::kv::Clerk>(
            "lab04",
            lab04::lab03_done::<lab03::election::Node>,
        )
    })
}
