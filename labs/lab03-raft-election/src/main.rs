//! `cargo run -p lab03 -- list | run | trace`: the lab's scenarios, run on your node.

fn main() -> std::process::ExitCode {
    lab03::harness::cli::run(|| lab03::lab::<lab03::election::Node>("lab03"))
}
