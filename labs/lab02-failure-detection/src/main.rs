//! `cargo run -p lab02 -- list | run | trace`: the lab's scenarios, run on your code.

fn main() -> std::process::ExitCode {
    lab02::harness::cli::run(|| lab02::lab::<lab02::Yours>("lab02"))
}
