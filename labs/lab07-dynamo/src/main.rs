//! `cargo run -p lab07 -- list | run | trace`: the lab's scenarios, run on your ring and node.

fn main() -> std::process::ExitCode {
    lab07::harness::cli::run(|| lab07::lab::<lab07::ring::Ring, lab07::node::Node>("lab07"))
}
