//! Statistical results against closed forms. Tolerances come from the sample size:
//! 5 standard errors for moments, the DKW bound (α = 1e-6) for distribution functions.

use statrs::distribution::{ContinuousCDF, Normal};

use super::{dkw, moments, samples_of, sim};

/// Central moments 2 and 4 of a triangular(a, c, b) by numerical integration
/// (Simpson, 20,000 intervals; exact to far below the test tolerances).
fn triangular_m2_m4(a: f64, c: f64, b: f64) -> (f64, f64) {
    let pdf = |x: f64| {
        if x < a || x > b {
            0.0
        } else if x < c {
            2.0 * (x - a) / ((b - a) * (c - a))
        } else if x > c {
            2.0 * (b - x) / ((b - a) * (b - c))
        } else {
            2.0 / (b - a)
        }
    };
    let mean = (a + b + c) / 3.0;
    let n = 20_000;
    let h = (b - a) / n as f64;
    let (mut m2, mut m4) = (0.0, 0.0);
    for i in 0..=n {
        let x = a + i as f64 * h;
        let w = if i == 0 || i == n {
            1.0
        } else if i % 2 == 1 {
            4.0
        } else {
            2.0
        };
        m2 += w * pdf(x) * (x - mean).powi(2);
        m4 += w * pdf(x) * (x - mean).powi(4);
    }
    (m2 * h / 3.0, m4 * h / 3.0)
}

#[test]
fn chain_of_triangular_tasks_has_exact_mean_and_variance() {
    let est = [
        (2.0, 5.0, 11.0),
        (1.0, 1.5, 4.0),
        (10.0, 12.0, 20.0),
        (3.0, 3.5, 4.0),
        (0.5, 4.0, 6.0),
    ];
    let mut csv = String::from("id,min,likely,max,predecessors\n");
    for (i, (a, c, b)) in est.iter().enumerate() {
        let pred = if i == 0 {
            String::new()
        } else {
            format!("T{}", i - 1)
        };
        csv += &format!("T{i},{a},{c},{b},{pred}\n");
    }
    let n = 40_000;
    let (net, s, f) = sim(&csv, n, 11);
    let x = samples_of(&net, &s, "T4");
    let (m, v) = moments(&x);
    let mu: f64 = est.iter().map(|(a, c, b)| (a + b + c) / 3.0).sum();
    let per: Vec<(f64, f64)> = est
        .iter()
        .map(|&(a, c, b)| triangular_m2_m4(a, c, b))
        .collect();
    let var: f64 = per.iter().map(|p| p.0).sum();
    // Fourth central moment of a sum of independent terms.
    let mut mu4: f64 = per.iter().map(|p| p.1).sum();
    for i in 0..per.len() {
        for j in i + 1..per.len() {
            mu4 += 6.0 * per[i].0 * per[j].0;
        }
    }
    let se_mean = (var / n as f64).sqrt();
    let se_var = ((mu4 - var * var) / n as f64).sqrt();
    assert!(
        (m - mu).abs() < 5.0 * se_mean,
        "mean {m} vs {mu} (se {se_mean})"
    );
    assert!(
        (v - var).abs() < 5.0 * se_var,
        "variance {v} vs {var} (se {se_var})"
    );
    assert_eq!(f.milestones[0].deterministic, 5.0 + 1.5 + 12.0 + 3.5 + 4.0);
}

#[test]
fn parallel_identical_tasks_follow_the_max_distribution() {
    let (a, c, b) = (2.0, 5.0, 12.0);
    let k = 4;
    let mut csv = String::from("id,min,likely,max,predecessors,milestone\n");
    let mut preds = Vec::new();
    for i in 0..k {
        csv += &format!("P{i},{a},{c},{b},,\n");
        preds.push(format!("P{i}"));
    }
    csv += &format!("M,,,,{},true\n", preds.join(";"));
    let n = 20_000;
    let (net, s, _) = sim(&csv, n, 3);
    let mut x = samples_of(&net, &s, "M");
    x.sort_by(f64::total_cmp);
    let cdf = |t: f64| {
        if t <= a {
            0.0
        } else if t <= c {
            (t - a).powi(2) / ((b - a) * (c - a))
        } else if t < b {
            1.0 - (b - t).powi(2) / ((b - a) * (b - c))
        } else {
            1.0
        }
    };
    let eps = dkw(n as usize, 1e-6);
    let mut worst: f64 = 0.0;
    for i in 0..=200 {
        let t = a + (b - a) * i as f64 / 200.0;
        let emp = x.partition_point(|&v| v <= t) as f64 / n as f64;
        worst = worst.max((emp - cdf(t).powi(k)).abs());
    }
    assert!(worst < eps, "sup |F̂ − F^k| = {worst}, DKW bound {eps}");
}

#[test]
fn discrete_tasks_in_series_and_parallel_give_exact_percentiles() {
    // Series: A + B with A, B ∈ {1, 2} equally likely: P(2) = ¼, P(3) = ½, P(4) = ¼.
    let series = "id,distribution,values,predecessors\nA,discrete,1:1;2:1,\nB,discrete,1:1;2:1,A\n";
    let (_, _, f) = sim(series, 20_000, 5);
    let days: Vec<f64> = f.milestones[0].percentiles.iter().map(|q| q.days).collect();
    assert_eq!(days, vec![2.0, 3.0, 4.0, 4.0]); // P10 P50 P80 P90
    assert_eq!(f.milestones[0].deterministic, 3.0); // means: 1.5 + 1.5

    // Parallel: max(A, B): P(1) = ¼, P(2) = ¾. Weights need not sum to one.
    let parallel = "id,distribution,values,predecessors,milestone\nA,discrete,1:3;2:3,,\nB,discrete,1:0.5;2:0.5,,\nM,,,A;B,true\n";
    let (_, _, f) = sim(parallel, 20_000, 5);
    let days: Vec<f64> = f.milestones[0].percentiles.iter().map(|q| q.days).collect();
    assert_eq!(days, vec![1.0, 2.0, 2.0, 2.0]);

    // Unequal weights: C ∈ {10 (0.3), 20 (0.7)} then D fixed 5: P10 = 15, P50 = 25.
    let skew = "id,distribution,values,likely,predecessors\nC,discrete,10:3;20:7,,\nD,fixed,,5,C\n";
    let (_, _, f) = sim(skew, 20_000, 5);
    let days: Vec<f64> = f.milestones[0].percentiles.iter().map(|q| q.days).collect();
    assert_eq!(days, vec![15.0, 25.0, 25.0, 25.0]);
}

#[test]
fn normal_chain_matches_phi() {
    let csv =
        "id,distribution,mean,sd,predecessors\nA,normal,20,2,\nB,normal,30,3,A\nC,normal,10,1,B\n";
    let n = 20_000;
    let (net, s, f) = sim(csv, n, 9);
    let sd = (4.0f64 + 9.0 + 1.0).sqrt();
    let phi = Normal::new(60.0, sd).unwrap();
    let eps = dkw(n as usize, 1e-6);
    for q in &f.milestones[0].percentiles {
        let at = phi.cdf(q.days);
        assert!(
            (at - q.p / 100.0).abs() < eps + 1e-4,
            "P{}: Φ at {} is {at}",
            q.p,
            q.days
        );
    }
    let (m, v) = moments(&samples_of(&net, &s, "C"));
    assert!((m - 60.0).abs() < 5.0 * sd / (n as f64).sqrt());
    // Normal: Var(s²) = 2σ⁴/(n − 1).
    assert!((v - sd * sd).abs() < 5.0 * (2.0 * sd.powi(4) / (n as f64 - 1.0)).sqrt());
}

#[test]
fn lognormal_and_exponential_moments() {
    let n = 40_000u64;
    // Lognormal with mean 10, sd 4.
    let (net, s, _) = sim("id,distribution,mean,sd\nL,lognormal,10,4\n", n, 2);
    let (m, v) = moments(&samples_of(&net, &s, "L"));
    let s2 = (1.0f64 + 0.16).ln();
    let kurt_excess = (4.0 * s2).exp() + 2.0 * (3.0 * s2).exp() + 3.0 * (2.0 * s2).exp() - 6.0;
    let var = 16.0;
    assert!(
        (m - 10.0).abs() < 5.0 * (var / n as f64).sqrt(),
        "lognormal mean {m}"
    );
    let se_var = (var * var * (kurt_excess + 2.0) / n as f64).sqrt();
    assert!((v - var).abs() < 5.0 * se_var, "lognormal variance {v}");

    // Exponential with mean 7: variance 49, fourth central moment 9·7⁴.
    let (net, s, _) = sim("id,distribution,mean\nE,exponential,7\n", n, 2);
    let (m, v) = moments(&samples_of(&net, &s, "E"));
    assert!(
        (m - 7.0).abs() < 5.0 * (49.0 / n as f64).sqrt(),
        "exponential mean {m}"
    );
    let se_var = ((9.0 * 7f64.powi(4) - 49.0 * 49.0) / n as f64).sqrt();
    assert!((v - 49.0).abs() < 5.0 * se_var, "exponential variance {v}");
}

#[test]
fn pert_and_uniform_moments_and_bounds() {
    let n = 40_000u64;
    let (net, s, f) = sim("id,distribution,min,likely,max\nP,pert,4,6,14\n", n, 4);
    let x = samples_of(&net, &s, "P");
    let (m, v) = moments(&x);
    let d = slipcast::model::Distribution::Pert {
        min: 4.0,
        likely: 6.0,
        max: 14.0,
    };
    assert!(
        (m - d.mean()).abs() < 5.0 * (d.variance() / n as f64).sqrt(),
        "pert mean {m} vs {}",
        d.mean()
    );
    // Beta with α=1.8, β=4.2: bounded, so Var(s²) ≤ μ4/n with μ4 ≤ range²·σ²; use that bound.
    assert!((v - d.variance()).abs() < 5.0 * (100.0 * d.variance() / n as f64).sqrt());
    assert!(x.iter().all(|&v| (4.0..=14.0).contains(&v)));
    assert_eq!(f.milestones[0].deterministic, 6.0);

    let (net, s, f) = sim("id,distribution,min,max\nU,uniform,3,9\n", n, 4);
    let x = samples_of(&net, &s, "U");
    let (m, v) = moments(&x);
    assert!((m - 6.0).abs() < 5.0 * (3.0 / n as f64).sqrt());
    // Uniform: μ4 = w⁴/80, σ² = w²/12 with w = 6.
    assert!((v - 3.0).abs() < 5.0 * ((1296.0 / 80.0 - 9.0) / n as f64).sqrt());
    assert!(x.iter().all(|&v| (3.0..=9.0).contains(&v)));
    assert_eq!(f.milestones[0].deterministic, 6.0);
}

#[test]
fn target_probability_is_the_empirical_cdf() {
    // Uniform 0..10: P(finish ≤ 7) = 0.7.
    let n = 20_000;
    let (_, _, f) = sim("id,distribution,min,max,target\nU,uniform,0,10,7\n", n, 8);
    let p = f.milestones[0].target.as_ref().unwrap().probability;
    assert!((p - 0.7).abs() < dkw(n as usize, 1e-6), "p_target {p}");
}

/// The single-point plan's confidence is the CDF at the deterministic finish: for a
/// triangular(10, 12, 20) task P(X ≤ 12) = (12 − 10) / (20 − 10) = 0.2, and two such
/// tasks in parallel finish by 12 with probability 0.2² = 0.04 (merge bias).
#[test]
fn the_deterministic_date_has_the_cdf_at_it_as_its_confidence() {
    let n = 20_000;
    let (_, _, f) = sim(
        "id,distribution,min,likely,max\nA,triangular,10,12,20\n",
        n,
        8,
    );
    let p = f.milestones[0].p_deterministic;
    assert_eq!(f.milestones[0].deterministic, 12.0);
    assert!((p - 0.2).abs() < dkw(n as usize, 1e-6), "one task: {p}");
    let (_, _, f) = sim(
        "id,distribution,min,likely,max,predecessors,milestone\nA,triangular,10,12,20,,\nB,triangular,10,12,20,,\nM,,,,,A;B,true\n",
        n,
        8,
    );
    let m = f.milestones.iter().find(|m| m.id == "M").unwrap();
    assert_eq!(m.deterministic, 12.0);
    assert!(
        (m.p_deterministic - 0.04).abs() < dkw(n as usize, 1e-6),
        "merge of two: {}",
        m.p_deterministic
    );
}

/// The schedule margin is the P-level less the plan: for a triangular(10, 12, 20) task
/// F(x) = 1 − (20 − x)² / 80, so P80 = 16 and the margin 4 working days; a target of 15
/// (F = 0.6875) is not within it, 17 (F = 0.8875) is. The tolerance is five standard
/// errors of the sample P80: √(0.8 · 0.2 / n) / f(16), with the density f(16) = 0.1.
#[test]
fn the_schedule_margin_is_the_p_level_less_the_plan() {
    let n = 20_000u64;
    let tol = 5.0 * (0.16 / n as f64).sqrt() / 0.1;
    for (target, within) in [(15.0, false), (17.0, true)] {
        let plan = slipcast::plan::from_tasks_csv(
            &format!("id,distribution,min,likely,max,target\nA,triangular,10,12,20,{target}\n"),
            "tasks.csv",
        )
        .unwrap();
        let net = slipcast::compile(&plan).unwrap();
        let f = slipcast::Forecaster::new(&net)
            .iterations(slipcast::Iterations::Fixed(n))
            .margin_level(80.0)
            .unwrap()
            .run(&slipcast::NoProgress)
            .unwrap();
        let m = f.milestones[0]
            .margin
            .as_ref()
            .expect("a targeted milestone has a margin");
        assert!((m.days - 4.0).abs() < tol, "margin {}", m.days);
        assert!((m.finish - 16.0).abs() < tol, "P80 {}", m.finish);
        assert_eq!(m.meets_target, within, "target {target}");
    }
    let plan = slipcast::plan::from_tasks_csv("id,min,likely,max\nA,1,2,3\n", "tasks.csv").unwrap();
    let net = slipcast::compile(&plan).unwrap();
    assert!(slipcast::Forecaster::new(&net).margin_level(100.0).is_err());
}

#[test]
fn tail_warnings_count_the_outcomes_beyond_the_percentile() {
    // P99.9 of 1,000 samples is the 999th smallest: one outcome lies above it.
    // P99 is the 990th: ten above. P1 is the 10th: nine below. P50: no warning.
    let (net, s, _) = super::sim("id,min,likely,max\nA,1,2,4\n", 1_000, 1);
    let f = slipcast::forecast(&net, &s, &[1.0, 50.0, 99.0, 99.9]);
    let thin = slipcast::WarningKind::ThinTail;
    assert_eq!(f.warnings.iter().filter(|w| w.kind == thin).count(), 3);
    let w: Vec<String> = f.warnings.iter().map(|w| w.to_string()).collect();
    let w = w.join("\n");
    assert!(
        w.contains("P99.9 rests on only 1 simulated outcome above it"),
        "{w}"
    );
    assert!(
        w.contains("P99 rests on only 10 simulated outcomes above it"),
        "{w}"
    );
    assert!(
        w.contains("P1 rests on only 9 simulated outcomes below it"),
        "{w}"
    );
    assert!(!w.contains("P50"), "{w}");
}

/// Every task's percentiles of start and finish: for A triangular(10, 12, 20) then B a
/// fixed 5 days, B starts when A finishes, so B's P80 start is A's P80 finish, 16 (within
/// five standard errors of the sample P80, as above) and its P80 finish is 5 days later;
/// the milestone after B has in tasks the same P-dates, bit for bit, as in milestones;
/// and the figures are the same on one thread and on two.
#[test]
fn each_task_has_its_start_and_finish_at_every_percentile() {
    let n = 20_000u64;
    let tol = 5.0 * (0.16 / n as f64).sqrt() / 0.1;
    let plan = slipcast::plan::from_tasks_csv(
        "id,distribution,min,likely,max,predecessors,milestone\n\
         A,triangular,10,12,20,,\nB,fixed,,5,,A,\nM,,,,,B,true\n",
        "tasks.csv",
    )
    .unwrap();
    let net = slipcast::compile(&plan).unwrap();
    let run = |threads| {
        slipcast::Forecaster::new(&net)
            .iterations(slipcast::Iterations::Fixed(n))
            .percentiles(&[50.0, 80.0])
            .threads(Some(threads))
            .task_percentiles(true)
            .run(&slipcast::NoProgress)
            .unwrap()
    };
    let f = run(2);
    let task = |id: &str| f.tasks.iter().find(|t| t.id == id).unwrap();
    let (a, b, m) = (task("A"), task("B"), task("M"));
    assert_eq!(a.percentiles.len(), 2);
    let p80 = |t: &slipcast::TaskForecast| t.percentiles[1].clone();
    assert_eq!(p80(a).p, 80.0);
    assert_eq!(p80(a).start, 0.0, "A starts on day 0 in every future");
    assert!(
        (p80(a).finish - 16.0).abs() < tol,
        "A P80 finish {}",
        p80(a).finish
    );
    assert_eq!(p80(b).start, p80(a).finish);
    assert!((p80(b).finish - (p80(a).finish + 5.0)).abs() < 1e-3);
    let mf = &f.milestones[0];
    for (q, mq) in m.percentiles.iter().zip(&mf.percentiles) {
        assert_eq!((q.p, q.finish), (mq.p, mq.days), "milestone P{}", q.p);
    }
    let one = run(1);
    for (x, y) in f.tasks.iter().zip(&one.tasks) {
        for (q, r) in x.percentiles.iter().zip(&y.percentiles) {
            assert_eq!(
                (q.start, q.finish),
                (r.start, r.finish),
                "{} P{}",
                x.id,
                q.p
            );
        }
    }
    // Off by default: no task figures computed, none written.
    let plain = slipcast::Forecaster::new(&net)
        .iterations(slipcast::Iterations::Fixed(1000))
        .run(&slipcast::NoProgress)
        .unwrap();
    assert!(plain.tasks.iter().all(|t| t.percentiles.is_empty()));
}
