//! Kernel benchmark: generated networks of 1,000, 10,000 and 100,000 tasks, reported
//! per task-iteration; and the samplers alone, per lane.
//!
//! `cargo bench --bench kernel` — criterion's "elements" throughput is task-iterations,
//! so the time per element is the cost of one task in one iteration (sampling, forward
//! pass, criticality marking and accumulators).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use slipcast::model::Distribution;
use slipcast::plan::{CorrelationRow, RiskRow, Unit};
use slipcast::{NoProgress, SimConfig, compile, plan, simulate};

#[path = "common/network.rs"]
mod network;
use network::network_csv;
#[path = "common/resourced.rs"]
mod resourced;

/// Benchmarks a plain simulation of `net` on one and on two threads, as `NAME-1-threads`
/// and `NAME-2-threads`, each task-iteration an element.
fn on_threads(
    g: &mut criterion::BenchmarkGroup<criterion::measurement::WallTime>,
    net: &slipcast::Network,
    iterations: u64,
    name: &str,
) {
    g.throughput(Throughput::Elements((net.len() as u64) * iterations));
    for threads in [1usize, 2] {
        let cfg = SimConfig {
            iterations,
            seed: 1,
            threads: Some(threads),
        };
        g.bench_function(format!("{name}-{threads}-threads"), |b| {
            b.iter(|| simulate(net, &cfg, &NoProgress).unwrap())
        });
    }
}

fn kernel(c: &mut Criterion) {
    let iterations = 6_400u64;
    let mut g = c.benchmark_group("kernel");
    g.sample_size(10);
    for (tasks, dist) in [
        (10_000usize, "triangular"),
        (10_000, "pert"),
        (1_000, "triangular"),
        (100_000, "triangular"),
    ] {
        let net = compile(&plan::from_tasks_csv(&network_csv(tasks, dist), "bench.csv").unwrap())
            .unwrap();
        on_threads(&mut g, &net, iterations, &format!("{tasks}-tasks-{dist}"));
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
            cost: None,
        });
    }
    let net = compile(&p).unwrap();
    let mut g = c.benchmark_group("kernel");
    g.sample_size(10);
    on_threads(&mut g, &net, iterations, "10000-tasks-risks-correlations");
    g.finish();
}

/// Cost on the plain 10,000-task network, against the same run without costs
/// (`10000-tasks-triangular`): `costs` gives every task a day rate and a fixed cost as
/// amounts (a team's rate, a contract's price) and 10 overheads until the end milestone;
/// `uncertain-costs` makes both amounts of every task and the overheads' rates three-point
/// estimates (three draws per task where a run without costs has one).
fn costs(c: &mut Criterion) {
    let iterations = 6_400u64;
    let triangular =
        |min: f64, likely: f64, max: f64| Distribution::Triangular { min, likely, max };
    for (name, uncertain) in [("costs", false), ("uncertain-costs", true)] {
        let amount = |min: f64, likely: f64, max: f64| {
            if uncertain {
                triangular(min, likely, max)
            } else {
                Distribution::Fixed { likely }
            }
        };
        let mut p = plan::from_tasks_csv(&network_csv(10_000, "triangular"), "bench.csv").unwrap();
        for t in p.tasks.iter_mut().filter(|t| !t.milestone) {
            t.cost = Some(amount(8_000.0, 10_000.0, 15_000.0));
            t.rate = Some(amount(800.0, 1_000.0, 1_400.0));
        }
        for o in 0..10 {
            p.settings.overheads.push(slipcast::plan::cost::Overhead {
                name: format!("O{o}"),
                rate: amount(900.0, 1_000.0, 1_300.0),
                until: "END".into(),
                from: 0.0,
                line: 0,
            });
        }
        let net = compile(&p).unwrap();
        let mut g = c.benchmark_group("kernel");
        g.sample_size(10);
        on_threads(&mut g, &net, iterations, &format!("10000-tasks-{name}"));
        g.finish();
    }
}

/// Calendars per task: the plain 10,000-task network on a start date, its tasks spread
/// round-robin over three calendars — the project's Monday to Friday with bank holidays, a
/// Monday-to-Saturday one and a seven-day one, each with its own holidays (so every task
/// converts between clock time and its working time) — against the same network on the
/// project calendar alone (`10000-tasks-one-calendar`), and the three calendars with
/// working hours (`10000-tasks-three-calendars-with-hours`).
fn calendars(c: &mut Criterion) {
    use chrono::NaiveDate;
    use slipcast::plan::{CalendarDef, CalendarHoliday, Holiday, Workweek};
    let iterations = 6_400u64;
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let mut g = c.benchmark_group("kernel");
    g.sample_size(10);
    for (name, spread, hours) in [
        ("one-calendar", false, false),
        ("three-calendars", true, false),
        ("three-calendars-with-hours", true, true),
    ] {
        let mut p = plan::from_tasks_csv(&network_csv(10_000, "triangular"), "bench.csv").unwrap();
        p.settings.start = Some(date(2027, 1, 4));
        for y in 2027..2040 {
            for (m, d) in [(1, 1), (4, 2), (5, 3), (8, 30), (12, 25), (12, 26)] {
                p.holidays.push(Holiday {
                    from: date(y, m, d),
                    to: date(y, m, d),
                });
            }
            for (cal, (m, d)) in [("six", (5, 27)), ("seven", (12, 24))]
                .into_iter()
                .filter(|_| spread)
            {
                p.calendar_holidays.push(CalendarHoliday {
                    calendar: cal.into(),
                    line: 0,
                    holiday: Holiday {
                        from: date(y, m, d),
                        to: date(y, m, d + 1),
                    },
                });
            }
        }
        if spread {
            // With hours: the project's 08:00-17:00 with a lunch break, a 07:00-15:30
            // shift and an 08:00-16:00 day.
            if hours {
                p.settings.hours = vec![(480, 720), (780, 1020)];
            }
            for (cal, days, shift) in [
                (
                    "six",
                    vec!["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
                    (420, 930),
                ),
                (
                    "seven",
                    vec!["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
                    (480, 960),
                ),
            ] {
                p.settings.calendars.push(CalendarDef {
                    name: cal.into(),
                    line: 0,
                    workweek: Workweek::parse(days).unwrap(),
                    hours: hours.then(|| vec![shift]),
                });
            }
            for (i, t) in p.tasks.iter_mut().enumerate() {
                t.calendar = [None, Some("six".into()), Some("seven".into())][i % 3].clone();
            }
        }
        let net = compile(&p).unwrap();
        assert_eq!(net.clock().is_some(), spread);
        on_threads(&mut g, &net, iterations, &format!("10000-tasks-{name}"));
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
    let sub = slipcast::analysis::drivers::subsample_size(net.len(), iterations);
    g.bench_function("10000-tasks-drivers-2-threads", |b| {
        b.iter(|| {
            let samples = slipcast::sim::simulate_tracked(&net, &cfg, sub, &NoProgress).unwrap();
            let f = slipcast::forecast(&net, &samples, &[50.0, 80.0, 90.0]);
            slipcast::analysis::drivers::analyse(&net, &samples, &f, &cfg, 10).unwrap()
        })
    });
    g.finish();
}

/// Sampling alone: 64-lane blocks of triangular and Beta-PERT durations for 1,024 tasks
/// with varied estimates, from precomputed uniforms, through the samplers the kernel's
/// general path uses (the fused path runs the same arithmetic a chunk at a time). Run in
/// an AVX2 function where the CPU has it, as the kernel is, so that the samplers are
/// compiled for it. Reported per lane (`cargo bench --bench kernel -- sampler/`).
fn sampler(c: &mut Criterion) {
    use slipcast::model::{DiscreteTables, Sampler};
    use slipcast::sim::LANES;
    let mut rng = StdRng::seed_from_u64(3);
    let tasks = 1_024;
    let estimates: Vec<(f64, f64, f64)> = (0..tasks)
        .map(|_| {
            let likely: f64 = rng.random_range(2.0..20.0);
            (
                likely * rng.random_range(0.6..0.95),
                likely,
                likely * rng.random_range(1.1..2.5),
            )
        })
        .collect();
    let uniforms: Vec<[f32; LANES]> = (0..tasks)
        .map(|t| {
            let mut u = [0f32; LANES];
            slipcast::lanes::rng::block_uniforms(t as u64, 0, &mut u);
            u
        })
        .collect();
    let mut g = c.benchmark_group("sampler");
    g.throughput(Throughput::Elements((tasks * LANES) as u64));
    for dist in ["triangular", "pert"] {
        let mut tables = DiscreteTables::default();
        let samplers: Vec<Sampler> = estimates
            .iter()
            .map(|&(min, likely, max)| {
                let d = if dist == "pert" {
                    Distribution::Pert { min, likely, max }
                } else {
                    Distribution::Triangular { min, likely, max }
                };
                Sampler::new(&d, &mut tables)
            })
            .collect();
        let mut out = vec![[0f32; LANES]; tasks];
        g.bench_function(format!("{dist}-64-lane-blocks"), |b| {
            b.iter(|| fill_all(&samplers, &uniforms, &mut out, &tables))
        });
    }
    g.finish();
}

/// Every task's block, in code compiled for AVX2 when the CPU has it.
fn fill_all(
    samplers: &[slipcast::model::Sampler],
    uniforms: &[[f32; slipcast::sim::LANES]],
    out: &mut [[f32; slipcast::sim::LANES]],
    tables: &slipcast::model::DiscreteTables,
) {
    #[inline(always)]
    fn each(
        samplers: &[slipcast::model::Sampler],
        uniforms: &[[f32; slipcast::sim::LANES]],
        out: &mut [[f32; slipcast::sim::LANES]],
        tables: &slipcast::model::DiscreteTables,
    ) {
        for ((s, u), o) in samplers.iter().zip(uniforms).zip(out) {
            s.fill(u, o, tables);
        }
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        #[target_feature(enable = "avx2")]
        fn avx2(
            samplers: &[slipcast::model::Sampler],
            uniforms: &[[f32; slipcast::sim::LANES]],
            out: &mut [[f32; slipcast::sim::LANES]],
            tables: &slipcast::model::DiscreteTables,
        ) {
            each(samplers, uniforms, out, tables)
        }
        // SAFETY: the CPU has AVX2.
        unsafe { avx2(samplers, uniforms, out, tables) };
        return;
    }
    each(samplers, uniforms, out, tables)
}

/// Levelling in every iteration (the serial scheme, each task at the first time its
/// resources are free): a j120-like instance (122 jobs, 4 resources) and the layered
/// network of 1,000 and 10,000 tasks with 20 resources. Each task-iteration an element.
fn levelling(c: &mut Criterion) {
    let iterations = 6_400u64;
    let mut g = c.benchmark_group("levelling");
    g.sample_size(10);
    let resourced = |(tasks, resources): (String, String)| {
        let files = slipcast::plan::PlanFiles {
            tasks: Some(("tasks.csv", tasks.as_bytes())),
            resources: Some(("resources.csv", resources.as_bytes())),
            ..Default::default()
        };
        let p = slipcast::plan::parse_files(&files, std::path::Path::new("."), None).unwrap();
        compile(&p).unwrap()
    };
    let net = resourced(resourced::j120_like(1));
    on_threads(&mut g, &net, iterations, "j120-like");
    for tasks in [1_000usize, 10_000] {
        let net = resourced(resourced::with_twenty_resources(&network_csv(
            tasks,
            "triangular",
        )));
        on_threads(
            &mut g,
            &net,
            iterations,
            &format!("{tasks}-tasks-20-resources"),
        );
    }
    g.finish();
}

criterion_group!(
    benches,
    kernel,
    levelling,
    risks_and_correlations,
    costs,
    calendars,
    drivers,
    sampler
);
criterion_main!(benches);
