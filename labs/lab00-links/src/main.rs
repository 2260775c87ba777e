//! `cargo run -p lab00 -- list | run | trace`: the lab's scenarios, run on your code.

fn main() -> std::process::ExitCode {
    lab00::harness::cli::run(|| lab00::lab::<lab00::link::Link>("lab00"))
}
