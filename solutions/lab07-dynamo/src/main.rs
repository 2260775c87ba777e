//! `cargo run -p lab07-solution -- list | run | trace`: the lab's scenarios, run on the
//! reference ring and node.

fn main() -> std::process::ExitCode {
    lab07::harness::cli::run(|| {
        lab07::lab::<lab07_solution::Ring, lab07_solution::Node>("lab07-solution")
    })
}
