//! `cargo run -p lab06 -- list | run | trace`: the lab's scenarios, run on your code.

fn main() -> std::process::ExitCode {
    lab06::harness::cli::run(|| lab06::lab::<lab06::Yours>("lab06"))
}
