//! `cargo run -p lab02-solution -- list | run | trace`: the lab's scenarios, run on the
//! reference processes.

fn main() -> std::process::ExitCode {
    lab02::harness::cli::run(|| lab02::lab::<lab02_solution::Reference>("lab02-solution"))
}
