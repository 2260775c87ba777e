//! `cargo run -p lab05 -- list | run | trace`: the lab's scenarios, run on your node and clerk.

fn main() -> std::process::ExitCode {
    lab05::harness::cli::run(|| lab05::lab::<lab05::chain::Node, lab05::chain::Clerk>("lab05"))
}
