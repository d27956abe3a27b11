//! The layered random network of the kernel benchmark, shared with
//! `examples/gen-plan.rs`, which writes it as a plan folder for the end-to-end figures.

use std::fmt::Write as _;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// A layered random network: `n` tasks in layers of 50, each with 1–3 finish-to-start
/// predecessors from the previous five layers, triangular or PERT estimates, and a final
/// milestone after every task without successors.
pub fn network_csv(n: usize, dist: &str) -> String {
    let mut rng = StdRng::seed_from_u64(7);
    let mut s = String::from("id,distribution,min,likely,max,predecessors,milestone\n");
    let width = 50;
    let mut has_succ = vec![false; n];
    for i in 0..n {
        let layer = i / width;
        let mut preds = Vec::new();
        if layer > 0 {
            let lo = layer.saturating_sub(5) * width;
            let hi = layer * width;
            for _ in 0..rng.random_range(1..=3) {
                let p = rng.random_range(lo..hi);
                if !preds.contains(&p) {
                    preds.push(p);
                    has_succ[p] = true;
                }
            }
        }
        let likely: f64 = rng.random_range(2.0..20.0);
        let min = likely * rng.random_range(0.6..0.95);
        let max = likely * rng.random_range(1.1..2.5);
        let p: Vec<String> = preds.iter().map(|p| format!("T{p}")).collect();
        let _ = writeln!(
            s,
            "T{i},{dist},{min:.2},{likely:.2},{max:.2},{},",
            p.join(";")
        );
    }
    let ends: Vec<String> = (0..n)
        .filter(|&i| !has_succ[i])
        .map(|i| format!("T{i}"))
        .collect();
    let _ = writeln!(s, "END,fixed,,0,,{},true", ends.join(";"));
    s
}
