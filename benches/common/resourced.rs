//! Resource-constrained networks for the levelling benchmark: an RCPSP instance in the
//! manner of PSPLIB's j120 (122 jobs, four renewable resources) and the kernel
//! benchmark's layered network with twenty resources.

use std::fmt::Write as _;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// A j120-like instance: 120 jobs with 1–3 successors each among the next jobs, fixed
/// integer durations 1–10, and requests of 1–10 units of one to four of four resources
/// whose capacities make roughly half the work wait (PSPLIB's resource strength 0.2–0.5).
/// Returns (tasks.csv, resources.csv).
pub fn j120_like(seed: u64) -> (String, String) {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = 120;
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n - 1 {
        for _ in 0..rng.random_range(1..=3) {
            let j = rng.random_range(i + 1..(i + 15).min(n));
            if !preds[j].contains(&i) {
                preds[j].push(i);
            }
        }
    }
    let mut s = String::from("id,min,likely,max,predecessors,resources,milestone\n");
    for (i, p) in preds.iter().enumerate() {
        let d: u32 = rng.random_range(1..=10);
        let mut r: Vec<String> = Vec::new();
        for k in 1..=4 {
            if rng.random_range(0..2) == 0 {
                r.push(format!("R{k}:{}", rng.random_range(1..=10)));
            }
        }
        let p: Vec<String> = p.iter().map(|p| format!("J{p}")).collect();
        let _ = writeln!(s, "J{i},{d},{d},{d},{},{},", p.join(";"), r.join(";"));
    }
    let ends: Vec<String> = (0..n)
        .filter(|i| !preds.iter().any(|p| p.contains(i)))
        .map(|i| format!("J{i}"))
        .collect();
    let _ = writeln!(s, "END,,,,{},,true", ends.join(";"));
    (s, "id,capacity\nR1,14\nR2,12\nR3,13\nR4,12\n".into())
}

/// Twenty resources over a network of tasks.csv text (the kernel benchmark's layered
/// network): every task but the end milestone holds 1 or 2 units of one resource, of
/// capacity 6 each. Returns (tasks.csv, resources.csv).
pub fn with_twenty_resources(tasks: &str) -> (String, String) {
    let mut rng = StdRng::seed_from_u64(11);
    let mut out = String::new();
    for (i, line) in tasks.lines().enumerate() {
        if i == 0 {
            let _ = writeln!(out, "{line},resources");
        } else if line.starts_with("END,") {
            let _ = writeln!(out, "{line},");
        } else {
            let r = rng.random_range(0..20);
            let u = rng.random_range(1..=2);
            let _ = writeln!(out, "{line},R{r}:{u}");
        }
    }
    let mut res = String::from("id,capacity\n");
    for r in 0..20 {
        let _ = writeln!(res, "R{r},6");
    }
    (out, res)
}
