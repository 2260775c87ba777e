use harness::linearizability::generate::{cas_register, RegisterShape};
use harness::linearizability::{check_linearizable, CasRegister, Options};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let clients: u64 = args[1].parse().unwrap();
    let ops: usize = args[2].parse().unwrap();
    let seed: u64 = args[3].parse().unwrap();
    let budget: u64 = args.get(4).map(|b| b.parse().unwrap()).unwrap_or(10_000_000);
    let mut shape = RegisterShape::new(clients, ops);
    shape.stale_read_at = Some(0.9);
    let h = cas_register(shape, seed);
    let t = std::time::Instant::now();
    let a = check_linearizable(&mut CasRegister::new(), &h, &Options { split: true, budget });
    println!("{clients} {ops} seed {seed}: {:?} in {:?}", match a { harness::linearizability::Answer::Holds => "holds".to_string(), harness::linearizability::Answer::Violated(_) => "violated".into(), harness::linearizability::Answer::Unknown(e) => e.to_string() }, t.elapsed());
}
