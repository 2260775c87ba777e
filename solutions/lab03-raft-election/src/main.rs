//! `cargo run -p lab03-solution -- list | run | trace`: the lab's scenarios, run on the
//! reference node.

fn main() -> std::process::ExitCode {
    lab03::harness::cli::run(|| lab03::lab::<lab03_solution::Node>("lab03-solution"))
}
