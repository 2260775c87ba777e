//! `cargo run -p lab04-solution -- list | run | trace`: the lab's scenarios, run on the
//! reference node, server and clerk.

fn main() -> std::process::ExitCode {
    lab04::harness::cli::run(|| {
        lab04::lab::<lab04_solution::Node, lab04_solution::Server, lab04_solution::Clerk>(
            "lab04-solution",
            lab04::lab03_done::<lab03_solution::Node>,
        )
    })
}
