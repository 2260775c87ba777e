//! `cargo run -p lab05-solution -- list | run | trace`: the lab's scenarios, run on the
//! reference node and clerk.

fn main() -> std::process::ExitCode {
    lab05::harness::cli::run(|| {
        lab05::lab::<lab05_solution::Node, lab05_solution::Clerk>("lab05-solution")
    })
}
