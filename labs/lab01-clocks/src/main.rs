//! `cargo run -p lab01 -- list | run | trace`: the lab's scenarios, run on your clocks.

fn main() -> std::process::ExitCode {
    lab01::harness::cli::run(|| lab01::lab::<lab01::Yours>("lab01"))
}
