//! `cargo run -p lab00-solution -- list | run | trace`: the lab's scenarios, run on the
//! reference solution.

fn main() -> std::process::ExitCode {
    lab00::harness::cli::run(|| lab00::lab::<lab00_solution::Link>("lab00-solution"))
}
