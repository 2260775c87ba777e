//! `cargo run -p lab06-solution -- list | run | trace`: the lab's scenarios, run on the
//! reference code.

fn main() -> std::process::ExitCode {
    lab06::harness::cli::run(|| lab06::lab::<lab06_solution::Reference>("lab06-solution"))
}
