//! `cargo run -p lab01-solution -- list | run | trace`: the lab's scenarios, run on the
//! reference clocks.

fn main() -> std::process::ExitCode {
    lab01::harness::cli::run(|| lab01::lab::<lab01_solution::Reference>("lab01-solution"))
}
