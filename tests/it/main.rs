//! Integration tests: one binary, one module per area.

mod analytic;
mod big;
mod calendar;
mod calendars;
mod calibrate;
mod cli;
mod compare;
mod cost;
mod cpm;
mod delivery;
mod drivers;
mod health;
mod import;
mod inputs;
mod layers;
mod props;
mod report;
mod repro;
mod resources;
mod risks;
mod trend;

use slipcast::{
    Forecast, Network, NoProgress, Samples, SimConfig, compile, forecast, plan, simulate,
};

/// A file of the committed test data (`tests/data`, see its NOTICE).
pub fn test_data(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path)
}

/// A reference file whose rights are unclear, read from `../shared/data` beside the
/// checkout when present; `None` (after one printed skip line) on a fresh clone.
pub fn shared_data(path: &str, test: &str) -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(path);
    if p.is_file() {
        Some(p)
    } else {
        // Straight to the process's stderr: the test harness captures print macros.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "skipped {test}: ../shared/data/{path} is not beside this checkout"
        );
        None
    }
}

/// Compiles tasks.csv text and simulates it.
pub fn sim(csv: &str, iterations: u64, seed: u64) -> (Network, Samples, Forecast) {
    sim_threads(csv, iterations, seed, None)
}

/// As [`sim`] with a thread count.
pub fn sim_threads(
    csv: &str,
    iterations: u64,
    seed: u64,
    threads: Option<usize>,
) -> (Network, Samples, Forecast) {
    let plan = plan::from_tasks_csv(csv, "tasks.csv").unwrap_or_else(|e| panic!("{e}"));
    let net = compile(&plan).unwrap_or_else(|e| panic!("{e}"));
    let cfg = SimConfig {
        iterations,
        seed,
        threads,
    };
    let samples = simulate(&net, &cfg, &NoProgress).unwrap();
    let f = forecast(&net, &samples, &[10.0, 50.0, 80.0, 90.0]);
    (net, samples, f)
}

/// Samples of the milestone with id `id`, as f64.
pub fn samples_of(net: &Network, s: &Samples, id: &str) -> Vec<f64> {
    let mi = net
        .milestones()
        .iter()
        .position(|m| net.tasks()[m.task as usize].id == id)
        .unwrap_or_else(|| panic!("no milestone {id}"));
    s.milestones[mi].iter().map(|&x| x as f64).collect()
}

/// Dvoretzky–Kiefer–Wolfowitz bound: with probability 1 − α, sup |F̂ − F| ≤ ε.
pub fn dkw(n: usize, alpha: f64) -> f64 {
    ((2.0 / alpha).ln() / (2.0 * n as f64)).sqrt()
}

/// Mean and unbiased variance.
pub fn moments(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, v)
}

/// Writes a plan folder from (file name, contents) pairs.
pub fn plan_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    dir
}

/// Loads, compiles (with `repair`) and simulates a plan folder.
pub fn sim_dir(dir: &std::path::Path, iterations: u64, seed: u64) -> (Network, Samples, Forecast) {
    let plan = slipcast::load(dir).unwrap_or_else(|e| panic!("{e}"));
    let net = compile(&plan).unwrap_or_else(|e| panic!("{e}"));
    let cfg = SimConfig {
        iterations,
        seed,
        threads: None,
    };
    let samples = simulate(&net, &cfg, &NoProgress).unwrap();
    let f = forecast(&net, &samples, &[10.0, 50.0, 80.0, 90.0]);
    (net, samples, f)
}

/// Spearman rank correlation (average ranks for ties).
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    fn ranks(v: &[f64]) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
        let mut r = vec![0.0; v.len()];
        let mut i = 0;
        while i < idx.len() {
            let mut j = i;
            while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
                j += 1;
            }
            let avg = (i + j) as f64 / 2.0 + 1.0;
            for k in i..=j {
                r[idx[k]] = avg;
            }
            i = j + 1;
        }
        r
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let (mx, my) = (moments(&rx).0, moments(&ry).0);
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

/// Asserts that a slipcast run exited 0, showing its stderr otherwise.
pub fn assert_success(out: &std::process::Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
