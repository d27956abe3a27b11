//! Kernel benchmark: a generated 10,000-task network, reported per task-iteration.
//!
//! `cargo bench --bench kernel` — criterion's "elements" throughput is task-iterations,
//! so the time per element is the cost of one task in one iteration (sampling, forward
//! pass, criticality marking and accumulators).

use std::fmt::Write as _;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use slipcast::model::Distribution;
use slipcast::plan::{CorrelationRow, RiskRow, Unit};
use slipcast::{NoProgress, SimConfig, compile, plan, simulate};

/// A layered random network: `n` tasks in layers of 50, each with 1–3 finish-to-start
/// predecessors from the previous five layers, triangular or PERT estimates, and a final
/// milestone after every task without successors.
fn network_csv(n: usize, dist: &str) -> String {
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

fn kernel(c: &mut Criterion) {
    let iterations = 6_400u64;
    let mut g = c.benchmark_group("kernel");
    g.sample_size(10);
    for (tasks, dist) in [
        (10_000usize, "triangular"),
        (10_000, "pert"),
        (1_000, "triangular"),
    ] {
        let net = compile(&plan::from_tasks_csv(&network_csv(tasks, dist), "bench.csv").unwrap())
            .unwrap();
        g.throughput(Throughput::Elements((net.len() as u64) * iterations));
        for threads in [1usize, 2] {
            let cfg = SimConfig {
                iterations,
                seed: 1,
                threads: Some(threads),
            };
            g.bench_function(format!("{tasks}-tasks-{dist}-{threads}-threads"), |b| {
                b.iter(|| simulate(&net, &cfg, &NoProgress).unwrap())
            });
        }
    }
    g.finish();
}

/// The plain 10,000-task network plus 100 groups of 10 correlated tasks (10 % of tasks,
/// every pair ρ = 0.4) and 50 risks hitting 5 tasks each.
fn risks_and_correlations(c: &mut Criterion) {
    let iterations = 6_400u64;
    let mut p = plan::from_tasks_csv(&network_csv(10_000, "triangular"), "bench.csv").unwrap();
    let mut rng = StdRng::seed_from_u64(11);
    for g in 0..100 {
        let members: Vec<usize> = (0..10).map(|k| g * 97 + k * 7).collect();
        for (i, a) in members.iter().enumerate() {
            for b in &members[i + 1..] {
                p.correlations.push(CorrelationRow {
                    line: 0,
                    a: format!("T{a}"),
                    b: format!("T{b}"),
                    rho: 0.4,
                });
            }
        }
    }
    for r in 0..50 {
        let tasks = (0..5)
            .map(|_| format!("T{}", rng.random_range(0..10_000)))
            .collect::<Vec<_>>();
        let mut tasks_unique = tasks.clone();
        tasks_unique.sort();
        tasks_unique.dedup();
        p.risks.push(RiskRow {
            line: 0,
            id: format!("R{r}"),
            name: None,
            probability: 0.3,
            impact: Distribution::Triangular {
                min: 1.0,
                likely: 3.0,
                max: 10.0,
            },
            unit: if r % 2 == 0 {
                Unit::Days
            } else {
                Unit::Percent
            },
            tasks: tasks_unique,
        });
    }
    let net = compile(&p).unwrap();
    let mut g = c.benchmark_group("kernel");
    g.sample_size(10);
    g.throughput(Throughput::Elements((net.len() as u64) * iterations));
    for threads in [1usize, 2] {
        let cfg = SimConfig {
            iterations,
            seed: 1,
            threads: Some(threads),
        };
        g.bench_function(
            format!("10000-tasks-risks-correlations-{threads}-threads"),
            |b| b.iter(|| simulate(&net, &cfg, &NoProgress).unwrap()),
        );
    }
    g.finish();
}

/// What `run --drivers` adds: the tracked run (criticality, floats, path hashes, the
/// sensitivity subsample) and the analysis with ten leave-one-out uncertainty drivers,
/// against the plain run of the same 10,000-task network.
fn drivers(c: &mut Criterion) {
    let iterations = 6_400u64;
    let net =
        compile(&plan::from_tasks_csv(&network_csv(10_000, "triangular"), "bench.csv").unwrap())
            .unwrap();
    let mut g = c.benchmark_group("kernel");
    g.sample_size(10);
    g.throughput(Throughput::Elements((net.len() as u64) * iterations));
    let cfg = SimConfig {
        iterations,
        seed: 1,
        threads: Some(2),
    };
    let sub = slipcast::drivers::subsample_size(net.len(), iterations);
    g.bench_function("10000-tasks-drivers-2-threads", |b| {
        b.iter(|| {
            let samples = slipcast::sim::simulate_tracked(&net, &cfg, sub, &NoProgress).unwrap();
            let f = slipcast::forecast(&net, &samples, &[50.0, 80.0, 90.0]);
            slipcast::drivers::analyse(&net, &samples, &f, &cfg, 10).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, kernel, risks_and_correlations, drivers);
criterion_main!(benches);
