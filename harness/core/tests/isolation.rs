use harness::isolation::{Workload, check, explain, summary, txn::parse_edn};
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/elle-histories").join(name)
}

#[test]
fn explore() {
    for f in ["paper-example.edn", "si-without-g-single.edn", "huge-scc.edn"] {
        let text = std::fs::read_to_string(data(f)).unwrap();
        let t = std::time::Instant::now();
        let h = parse_edn(&text, f, Workload::ListAppend).unwrap();
        let parsed = t.elapsed();
        let a = check(&h, Workload::ListAppend).unwrap();
        println!(
            "{f}: parse {parsed:?} total {:?} nodes {} edges {}",
            t.elapsed(),
            a.graph.nodes(),
            a.graph.edges()
        );
        println!("{}", summary(&a, &h));
        println!("{}", explain(&a, &h));
    }
}
