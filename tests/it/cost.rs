//! Cost and joint confidence: answers theory gives.

use slipcast::model::cost::CostModel;
use slipcast::{NoProgress, SimConfig, compile, forecast, load, simulate};

/// Loads a plan folder of (file, contents) and simulates it.
fn run(
    files: &[(&str, &str)],
    n: u64,
    threads: Option<usize>,
) -> (slipcast::Network, slipcast::Samples, slipcast::Forecast) {
    let dir = super::plan_dir(files);
    let net = compile(&load(dir.path()).unwrap_or_else(|e| panic!("{e}")))
        .unwrap_or_else(|e| panic!("{e}"));
    let cfg = SimConfig {
        iterations: n,
        seed: 3,
        threads,
    };
    let s = simulate(&net, &cfg, &NoProgress).unwrap();
    let f = forecast(&net, &s, &[10.0, 50.0, 80.0, 90.0]);
    (net, s, f)
}

fn total(s: &slipcast::Samples) -> Vec<f64> {
    s.cost_item(CostModel::TOTAL)
}

/// A triangular task with a rate and a fixed cost: cost = fixed + rate × duration in every
/// iteration, so its percentiles are the affine image of the duration's, and its mean is
/// fixed + rate × (a + b + c)/3.
#[test]
fn a_rate_and_a_fixed_cost_are_an_affine_transform_of_the_duration() {
    let n = 40_000;
    let (_, s, f) = run(
        &[(
            "tasks.csv",
            "id,min,likely,max,cost,rate,predecessors,milestone\nA,10,15,25,5000,1000,,\nM,,,,,,A,true\n",
        )],
        n,
        None,
    );
    let (d, c) = (&s.milestones[0], total(&s));
    for (x, y) in d.iter().zip(&c) {
        let want = 5000.0 + 1000.0 * *x as f64;
        assert!((y - want).abs() <= want * 1e-6, "{y} vs {want}");
    }
    let cf = f.cost.as_ref().unwrap();
    let tot = &cf.items[0];
    assert_eq!(tot.item, "total");
    assert_eq!(tot.deterministic, 20_000.0); // 5000 + 1000 × 15
    for (q, mq) in tot.percentiles.iter().zip(&f.milestones[0].percentiles) {
        let want = 5000.0 + 1000.0 * mq.days;
        assert!(
            (q.value - want).abs() <= 0.1 + want * 1e-6,
            "{} vs {want}",
            q.value
        );
    }
    let (a, b, m) = (10.0f64, 25.0f64, 15.0f64);
    let sd_d = ((a * a + b * b + m * m - a * b - a * m - b * m) / 18.0).sqrt();
    let se = 1000.0 * sd_d / (n as f64).sqrt();
    let want = 5000.0 + 1000.0 * (a + b + m) / 3.0;
    assert!((tot.mean - want).abs() < 5.0 * se, "{} vs {want}", tot.mean);
    assert!((tot.sd - 1000.0 * sd_d).abs() < 0.03 * 1000.0 * sd_d);
}

/// An overhead until a milestone costs rate × the milestone's finish, iteration by
/// iteration; a group's cost is its tasks' costs.
#[test]
fn an_overhead_accrues_until_its_milestone_finishes() {
    let (_, s, f) = run(
        &[
            (
                "tasks.csv",
                "id,group,min,likely,max,predecessors,milestone,rate\nA,Build,5,8,14,,,100\nB,Build,3,4,9,A,,100\nM,,,,,B,true,\n",
            ),
            (
                "plan.toml",
                "[[overhead]]\nname = \"PMO\"\nrate = 400\nuntil = \"M\"\nfrom = 2\n",
            ),
        ],
        10_000,
        None,
    );
    let cf = f.cost.as_ref().unwrap();
    let names: Vec<&str> = cf.items.iter().map(|i| i.item.as_str()).collect();
    assert_eq!(names, ["total", "group:Build", "overhead:PMO"]);
    // Slots: total, the tasks' part, group:Build, overhead:PMO.
    let (over, group) = (s.cost_item(3), s.cost_item(2));
    for ((f, o), g) in s.milestones[0].iter().zip(&over).zip(&group) {
        let want = 400.0 * (*f as f64 - 2.0);
        assert!((*o - want).abs() <= want * 1e-6 + 1e-3, "{o} vs {want}");
        // Both tasks at 100 a day: the group costs 100 × the milestone's finish.
        assert!((*g - 100.0 * *f as f64).abs() <= 1e-2, "{g} vs {f}");
    }
    assert_eq!(cf.items[2].deterministic, 400.0 * (8.0 + 4.0 - 2.0));
}

/// A cost-only risk with probability p and a fixed impact: mean p × impact, P50 = 0 and
/// P90 = the impact when p = 0.3; no date moves.
#[test]
fn a_cost_only_risk_shifts_the_mean_by_p_times_its_impact_and_moves_no_date() {
    let n = 40_000u64;
    let tasks = "id,min,likely,max,predecessors,milestone\nA,10,15,25,,\nM,,,,A,true\n";
    let (_, s, f) = run(
        &[
            ("tasks.csv", tasks),
            ("risks.csv", "id,probability,tasks,cost\nR1,0.3,A,10000\n"),
        ],
        n,
        None,
    );
    let cf = f.cost.as_ref().unwrap();
    let risks = cf.items.iter().find(|i| i.item == "risks").unwrap();
    let se = 10_000.0 * (0.3f64 * 0.7 / n as f64).sqrt();
    assert!((risks.mean - 3000.0).abs() < 5.0 * se, "{}", risks.mean);
    let p = |q: f64| risks.percentiles.iter().find(|x| x.p == q).unwrap().value;
    assert_eq!(
        (p(10.0), p(50.0), p(80.0), p(90.0)),
        (0.0, 0.0, 10_000.0, 10_000.0)
    );
    let (_, plain, _) = run(&[("tasks.csv", tasks)], n, None);
    assert_eq!(
        s.milestones, plain.milestones,
        "a cost-only risk moved a date"
    );
    // The register: a cost only, 10,000 whenever it occurs.
    let r = &f.risks[0];
    assert!(!r.moves_dates);
    assert_eq!(r.mean_cost, Some(10_000.0));
    // A three-point cost: its mean when it occurs is (a + b + c) / 3, within 5 SE
    // (sd of a triangular: √((a² + b² + c² − ab − ac − bc) / 18)).
    let (_, _, f) = run(
        &[
            ("tasks.csv", tasks),
            (
                "risks.csv",
                "id,probability,min,likely,max,tasks,cost\nR1,0.5,1,2,4,A,1000/2000/6000\n",
            ),
        ],
        n,
        None,
    );
    let r = &f.risks[0];
    let (a, b, c) = (1000.0f64, 2000.0f64, 6000.0f64);
    let sd = ((a * a + b * b + c * c - a * b - a * c - b * c) / 18.0).sqrt();
    let se = sd / (r.occurred * n as f64).sqrt();
    let mean = r.mean_cost.unwrap();
    assert!(r.moves_dates);
    assert!((mean - 3000.0).abs() < 5.0 * se, "{mean}");
}

/// The joint confidence level: with cost = rate × duration (comonotone) it is
/// min(P(on time), P(within budget)); with cost independent of the finish it is their
/// product, within 5 standard errors.
#[test]
fn jcl_is_the_minimum_when_comonotone_and_the_product_when_independent() {
    let n = 40_000u64;
    // Target day 17 and a budget of 16,000 at 1,000 a day: within budget means D ≤ 16,
    // which implies on time, so the joint is P(within budget), the smaller.
    let (_, s, f) = run(
        &[
            (
                "tasks.csv",
                "id,min,likely,max,rate,predecessors,milestone,target\nA,10,15,25,1000,,,\nM,,,,,A,true,17\n",
            ),
            ("plan.toml", "budget = 16000\n"),
        ],
        n,
        None,
    );
    let cf = f.cost.as_ref().unwrap();
    let pt = f.milestones[0].target.as_ref().unwrap().probability;
    let pb = cf.p_budget.unwrap();
    let jcl = cf.milestones[0].jcl.unwrap();
    assert!(pb < pt, "{pb} {pt}");
    assert!(
        (jcl - pt.min(pb)).abs() <= 1.0 / n as f64,
        "{jcl} vs min {pt} {pb}"
    );
    assert_eq!(s.costs.len(), 4); // total, tasks, risks, M
    // Independent: the finish is A's (B is always shorter, in parallel), the cost is B's.
    let (_, _, f) = run(
        &[
            (
                "tasks.csv",
                "id,min,likely,max,rate,predecessors,milestone,target\nA,10,15,25,,,,\nB,1,2,3,1000,,,\nM,,,,,A;B,true,16\n",
            ),
            ("plan.toml", "budget = 2000\n"),
        ],
        n,
        None,
    );
    let cf = f.cost.as_ref().unwrap();
    let pt = f.milestones[0].target.as_ref().unwrap().probability;
    let pb = cf.p_budget.unwrap();
    let jcl = cf.milestones[0].jcl.unwrap();
    let want = pt * pb;
    let se = (want * (1.0 - want) / n as f64).sqrt();
    assert!((jcl - want).abs() < 5.0 * se, "{jcl} vs {pt} × {pb}");
    assert!(pt > 0.3 && pt < 0.7 && pb > 0.3 && pb < 0.7, "{pt} {pb}");
    // The four outcomes: the joint, on time alone less it, within budget alone less it,
    // and the rest — exactly, as counts of the same iterations.
    let q = cf.milestones[0].quadrants.unwrap();
    let eps = 0.5 / n as f64;
    assert!((q.on_time_within_budget - jcl).abs() < eps);
    assert!((q.on_time_over_budget - (pt - jcl)).abs() < eps, "{q:?}");
    assert!((q.late_within_budget - (pb - jcl)).abs() < eps, "{q:?}");
    assert!(
        (q.late_over_budget - (1.0 - pt - pb + jcl)).abs() < eps,
        "{q:?}"
    );
    // The report's scatter: the first 2,000 iterations of the only milestone.
    assert_eq!(cf.milestones[0].scatter.len(), 2_000);
}

/// Cost columns change no date, and costs are the same bits on any thread count.
#[test]
fn costs_change_no_date_and_do_not_depend_on_threads() {
    let base = "id,min,likely,max,predecessors,milestone,probability\nA,5,8,14,,,\nB,10,15,25,A,,0.6\nC,3,4,9,A,,\nM,,,,B;C,true,\n";
    let costed = "id,min,likely,max,predecessors,milestone,probability,cost,rate\nA,5,8,14,,,,pert:100/200/400,50\nB,10,15,25,A,,0.6,1000,10/20/40\nC,3,4,9,A,,,,30\nM,,,,B;C,true,,,\n";
    let toml = "name = \"X\"\n[[overhead]]\nname = \"PMO\"\nrate = \"90/100/130\"\nuntil = \"M\"\n";
    let risks = "id,probability,min,likely,max,tasks,cost\nR1,0.4,1,2,6,C,100/300/900\n";
    let (_, plain, _) = run(
        &[
            ("tasks.csv", base),
            ("risks.csv", risks),
            ("plan.toml", "name = \"X\"\n"),
        ],
        5_000,
        Some(2),
    );
    let (_, one, f1) = run(
        &[
            ("tasks.csv", costed),
            ("plan.toml", toml),
            ("risks.csv", risks),
        ],
        5_000,
        Some(1),
    );
    let (_, three, f3) = run(
        &[
            ("tasks.csv", costed),
            ("plan.toml", toml),
            ("risks.csv", risks),
        ],
        5_000,
        Some(3),
    );
    assert_eq!(
        plain.milestones, one.milestones,
        "a cost column moved a date"
    );
    assert_eq!(one.costs, three.costs);
    assert_eq!(slipcast::report::json(&f1), slipcast::report::json(&f3));
}

/// A task that happens with probability p pays its fixed cost only when it happens (the
/// same draw as its duration's): mean p × the cost, and never paid with a zero duration.
#[test]
fn a_probabilistic_task_pays_its_fixed_cost_only_when_it_happens() {
    let n = 40_000u64;
    let (_, s, f) = run(
        &[(
            "tasks.csv",
            "id,min,likely,max,predecessors,milestone,probability,cost
A,5,8,14,,,0.4,1000
M,,,,A,true,,
",
        )],
        n,
        None,
    );
    let mean = f.cost.as_ref().unwrap().items[0].mean;
    let se = 1000.0 * (0.4f64 * 0.6 / n as f64).sqrt();
    assert!((mean - 400.0).abs() < 5.0 * se, "{mean}");
    for (&d, &c) in s.milestones[0].iter().zip(&total(&s)) {
        assert_eq!(d > 0.0, c > 0.0, "duration {d}, cost {c}");
    }
}

/// Work in progress costs what it has spent plus its rate on the work left; finished work
/// its actual cost. Deterministic: hand-computed.
#[test]
fn progress_costs_actuals_plus_the_rate_on_the_work_left() {
    let (net, s, f) = run(
        &[
            (
                "tasks.csv",
                "id,likely,predecessors,milestone,actual_start,actual_finish,remaining,cost,rate,actual_cost\n\
                 D,5,,,2027-01-04,2027-01-08,,999,999,123456789.12\n\
                 P,10,D,,2027-01-11,,4,500,100,2500\n\
                 O,6,P,,,,,300,50,\n\
                 M,,O,true,,,,,,\n",
            ),
            (
                "plan.toml",
                "start = 2027-01-04\nstatus_date = 2027-01-13\n",
            ),
        ],
        1_000,
        None,
    );
    // D: 123,456,789.12 spent (beyond f32's cents). P: 2,500 spent + 100 × 4 days left.
    // O: 300 + 50 × 6.
    let want = 123_456_789.12 + 2500.0 + 400.0 + 300.0 + 300.0;
    let cf = f.cost.as_ref().unwrap();
    assert_eq!(cf.items[0].deterministic, want);
    // Certain costs: every percentile is the deterministic cost to the cent.
    for q in &cf.items[0].percentiles {
        assert_eq!(q.value, want, "P{}", q.p);
    }
    for x in total(&s) {
        assert!((x - want).abs() < 1e-2, "{x} vs {want}");
    }
    // In time: D's cost at its finish and P's spend at the status date (both January),
    // P's rate over its 4 days left from the status date and O after it.
    let c = slipcast::sim::cashflow::cash_flow(&net, 3, 100).unwrap();
    assert_eq!(c.deterministic.last(), Some(&want));
    assert!(c.rows.iter().all(|r| r.last() == Some(&want)));
}

/// Bad cost input: positioned errors, every one at once.
#[test]
fn bad_cost_input_is_refused_with_positions() {
    let dir = super::plan_dir(&[
        (
            "tasks.csv",
            "id,likely,predecessors,milestone,cost,rate,actual_cost\nA,5,,,12x,,\nB,5,A,,,-3,\nC,5,B,,,,100\nM,,C,true,,,\n",
        ),
        (
            "plan.toml",
            "budget = -1\n[[overhead]]\nname = \"PMO\"\nrate = 100\nuntil = \"NOPE\"\n",
        ),
    ]);
    let e = slipcast::load(dir.path())
        .and_then(|p| compile(&p))
        .unwrap_err()
        .to_string();
    for frag in [
        "line 2, column cost (A): \"12x\" is not a number",
        "line 3, column rate (B): -3 is negative",
        "line 4, column actual_cost (C): actual_cost is given but the task has no actual_start",
        "budget must be a positive amount",
    ] {
        assert!(e.contains(frag), "{frag} not in\n{e}");
    }
    let dir = super::plan_dir(&[
        (
            "tasks.csv",
            "id,likely,predecessors,milestone\nA,5,,\nM,,A,true\n",
        ),
        (
            "plan.toml",
            "[[overhead]]\nname = \"PMO\"\nrate = 100\nuntil = \"NOPE\"\n",
        ),
    ]);
    let e = slipcast::load(dir.path())
        .and_then(|p| compile(&p))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("overhead \"PMO\": until names no task: \"NOPE\""),
        "{e}"
    );
}

/// Gates on cost and on the joint confidence: exit 1 when one fails, 2 when the plan
/// cannot answer it.
#[test]
fn cost_and_jcl_gates() {
    use assert_cmd::cargo::cargo_bin_cmd;
    use predicates::prelude::*;
    // Cost = 1,000 × duration of a triangular(10, 15, 25) task: P80 of the cost is
    // 1,000 × P80 of the duration, below 25,000 always.
    let dir = super::plan_dir(&[
        (
            "tasks.csv",
            "id,min,likely,max,rate,predecessors,milestone,target\nA,10,15,25,1000,,,\nM,,,,,A,true,17\n",
        ),
        ("plan.toml", "budget = 16000\n"),
    ]);
    cargo_bin_cmd!("slipcast")
        .args([
            "run",
            "-n",
            "4000",
            "--gate",
            "cost:p80<=25000",
            "--gate",
            "cost:mean>=10000",
        ])
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("gate passed: cost:p80<=25000"));
    // Within budget needs D ≤ 16: P = 1 − 9²/(15·10) = 0.46, so both gates at 0.7 fail.
    cargo_bin_cmd!("slipcast")
        .args([
            "run",
            "-n",
            "4000",
            "--gate",
            "M:jcl>=0.7",
            "--gate",
            "cost:p_budget>=0.7",
        ])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("gate FAILED: M:jcl>=0.7")
                .and(predicate::str::contains("gate FAILED: cost:p_budget>=0.7")),
        );
    let plain = super::plan_dir(&[("tasks.csv", "id,likely,milestone\nA,3,\nM,,true\n")]);
    cargo_bin_cmd!("slipcast")
        .args(["run", "--gate", "cost:p80<=1"])
        .arg(plain.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the plan has no cost"));
}

/// Scenario cost actions with common random numbers: `cost` on the plan adds exactly its
/// amount to every iteration; `rate` on a task changes the total by the rate difference
/// times that task's duration, iteration by iteration.
#[test]
fn scenario_cost_and_rate_actions_are_exact_under_common_random_numbers() {
    let dir = super::plan_dir(&[
        (
            "tasks.csv",
            "id,min,likely,max,predecessors,milestone,rate\nA,5,8,14,,,1000\nB,3,4,9,A,,\nM,,,,B,true,\n",
        ),
        (
            "scenarios.csv",
            "scenario,target,action,value\nfee,plan,cost,40000\ndearer,A,rate,1500\nnew,B,rate,200\n",
        ),
    ]);
    let net = compile(&load(dir.path()).unwrap()).unwrap();
    let sc = slipcast::plan::scenarios::load(&dir.path().join("scenarios.csv")).unwrap();
    let nets = slipcast::model::scenario::apply_all(&net, &sc).unwrap();
    let cfg = SimConfig {
        iterations: 2_000,
        seed: 5,
        threads: None,
    };
    let base = simulate(&net, &cfg, &NoProgress).unwrap();
    let tot = |s: &slipcast::Samples| total(s);
    let b = tot(&base);
    let by_name = |n: &str| &nets.iter().find(|(m, _)| m == n).unwrap().1;
    let fee = tot(&simulate(by_name("fee"), &cfg, &NoProgress).unwrap());
    for (x, y) in fee.iter().zip(&b) {
        assert!((x - y - 40_000.0).abs() < 0.02, "{x} {y}");
    }
    // A's duration: the milestone's finish minus B's; B's own samples are not exposed, so
    // use A alone: with rate 1,000 the base total is 1,000 × A, the scenario 1,500 × A.
    let dearer = tot(&simulate(by_name("dearer"), &cfg, &NoProgress).unwrap());
    for (x, y) in dearer.iter().zip(&b) {
        assert!((x - 1.5 * y).abs() < 0.02 * y.max(1.0), "{x} {y}");
    }
    // B had no cost: the scenario gives it one (200 a day), so the total grows by 200 × B
    // and stays within 200 × B's range [3, 9].
    let new = tot(&simulate(by_name("new"), &cfg, &NoProgress).unwrap());
    for (x, y) in new.iter().zip(&b) {
        let added = x - y;
        assert!((600.0 - 0.02..=1800.0 + 0.02).contains(&added), "{added}");
    }
}

/// The 70 % joint-confidence frontier: when cost = rate × duration (comonotone), meeting
/// a date at or after the duration's P70 together with a budget B at 70 % needs exactly
/// B = rate × P70 of the duration, whatever the date: the frontier is flat there. With
/// the cost independent of the finish, B = F_C⁻¹(0.7 / F_D(date)), which falls as the
/// date moves out (checked at the last point against the cost's own quantile, DKW bound).
#[test]
fn the_jcl_frontier_is_flat_when_comonotone_and_falls_when_independent() {
    let n = 40_000u64;
    let (_, s, f) = run(
        &[(
            "tasks.csv",
            "id,min,likely,max,rate,predecessors,milestone\nA,10,15,25,1000,,\nM,,,,,A,true\n",
        )],
        n,
        None,
    );
    let mut d: Vec<f32> = s.milestones[0].clone();
    d.sort_unstable_by(f32::total_cmp);
    let k = (0.7 * n as f64).ceil() as usize;
    let want = 1000.0 * d[k - 1] as f64;
    let fr = &f.cost.as_ref().unwrap().milestones[0].frontiers[0].points;
    assert!(fr.len() >= 5, "{fr:?}");
    for p in fr {
        assert!(
            (p.budget - want).abs() <= want * 1e-6 + 0.01,
            "{} vs {want}",
            p.budget
        );
    }
    // Independent: the finish is A's, the cost B's (B always shorter, in parallel).
    let (_, s, f) = run(
        &[(
            "tasks.csv",
            "id,min,likely,max,rate,predecessors,milestone\nA,10,15,25,,,\nB,1,2,3,1000,,\nM,,,,,A;B,true\n",
        )],
        n,
        None,
    );
    let fr = &f.cost.as_ref().unwrap().milestones[0].frontiers[0].points;
    for w in fr.windows(2) {
        assert!(w[1].budget <= w[0].budget, "{fr:?}");
    }
    let last = fr.last().unwrap();
    let fd = s.milestones[0]
        .iter()
        .filter(|&&x| x as f64 <= last.days + 1e-4)
        .count() as f64
        / n as f64;
    // B's cost is 1000 × triangular(1, 2, 3): its quantile at q is closed-form.
    let q = 0.7 / fd;
    let tri = |q: f64| {
        if q <= 0.5 {
            1.0 + (2.0 * q).sqrt()
        } else {
            3.0 - (2.0 * (1.0 - q)).sqrt()
        }
    };
    // DKW: the empirical quantile lies between the true quantiles at q ± ε.
    let eps = super::dkw(n as usize, 1e-4) / fd;
    let (lo, hi) = (1000.0 * tri(q - eps), 1000.0 * tri((q + eps).min(1.0)));
    assert!(
        last.budget >= lo - 0.01 && last.budget <= hi + 0.01,
        "{} not in [{lo}, {hi}]",
        last.budget
    );
}

/// A cost-only risk moves no date, so the date tornado has no bar for it.
#[test]
fn a_cost_only_risk_has_no_bar_in_the_date_tornado() {
    let dir = super::plan_dir(&[
        (
            "tasks.csv",
            "id,min,likely,max,predecessors,milestone\nA,10,15,25,,\nM,,,,A,true\n",
        ),
        (
            "risks.csv",
            "id,probability,min,likely,max,tasks,cost\nR1,0.3,,,,A,10000\nR2,0.4,2,4,8,A,\n",
        ),
    ]);
    let net = compile(&load(dir.path()).unwrap()).unwrap();
    let f = slipcast::Forecaster::new(&net)
        .iterations(slipcast::Iterations::Fixed(2_000))
        .drivers(true)
        .run(&NoProgress)
        .unwrap();
    let d = f.drivers.as_ref().unwrap();
    let names: Vec<&str> = d.drivers.iter().map(|x| x.driver.as_str()).collect();
    assert!(names.contains(&"R2"), "{names:?}");
    assert!(!names.contains(&"R1"), "{names:?}");
}

/// `--jcl`: one frontier per level, levels ascending; when cost = rate × duration the
/// frontier at level L is flat at rate × the duration's P`L` (the first sample of rank
/// ⌈L·n⌉), exactly. A level outside (0, 1) is an argument error naming `--jcl`, exit 2.
#[test]
fn jcl_levels_give_one_frontier_each() {
    let dir = super::plan_dir(&[(
        "tasks.csv",
        "id,min,likely,max,rate,predecessors,milestone\nA,10,15,25,1000,,\nM,,,,,A,true\n",
    )]);
    let net = compile(&load(dir.path()).unwrap()).unwrap();
    let n = 20_000u64;
    let f = slipcast::Forecaster::new(&net)
        .iterations(slipcast::Iterations::Fixed(n))
        .jcl_levels(&[0.9, 0.5, 0.9])
        .unwrap()
        .run(&NoProgress)
        .unwrap();
    let s = simulate(
        &net,
        &SimConfig {
            iterations: n,
            seed: slipcast::sim::DEFAULT_SEED,
            threads: None,
        },
        &NoProgress,
    )
    .unwrap();
    let mut d = s.milestones[0].clone();
    d.sort_unstable_by(f32::total_cmp);
    let frs = &f.cost.as_ref().unwrap().milestones[0].frontiers;
    assert_eq!(frs.iter().map(|f| f.level).collect::<Vec<_>>(), [0.5, 0.9]);
    for fr in frs {
        let k = (fr.level * n as f64).ceil() as usize;
        let want = 1000.0 * d[k - 1] as f64;
        assert!(fr.points.len() >= 5, "{fr:?}");
        for p in &fr.points {
            assert!(
                (p.budget - want).abs() <= want * 1e-6 + 0.01,
                "{fr:?} vs {want}"
            );
        }
    }
    let out = assert_cmd::cargo::cargo_bin_cmd!("slipcast")
        .args(["run", dir.path().to_str().unwrap(), "--jcl", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--jcl 1: not a level between 0 and 1"),
        "{err}"
    );
}

/// Cash flow, hand-computed: A takes 30 working days from Monday 4 January 2027 (a
/// five-day week: 20 working days in January, 10 in February), costs 5,000 at its start
/// and 1,000 a day; an overhead of 100 a day runs until M (A's finish, 12 February); a
/// certain risk on A costs 7,000 at its finish. By 31 January: 5,000 + 20 × 1,000 + 20 ×
/// 100 = 27,000; by 28 February everything, 5,000 + 30,000 + 3,000 + 7,000 = 45,000.
/// Certain, so every percentile is the deterministic plan's.
#[test]
fn cash_flow_places_each_cost_in_time() {
    let (net, s, f) = run(
        &[
            (
                "tasks.csv",
                "id,distribution,likely,predecessors,milestone,cost,rate\nA,fixed,30,,,5000,1000\nM,,,A,true,,\n",
            ),
            (
                "plan.toml",
                "start = 2027-01-04\nworkweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\"]\n\n[[overhead]]\nname = \"PMO\"\nrate = 100\nuntil = \"M\"\n",
            ),
            (
                "risks.csv",
                "id,probability,min,likely,max,tasks,cost\nR,1,0,0,0,A,7000\n",
            ),
        ],
        100,
        None,
    );
    let c = slipcast::sim::cashflow::cash_flow(&net, 3, 100).unwrap();
    assert_eq!(c.ends, [20, 40]); // working days through each month end
    assert_eq!(c.deterministic, [27_000.0, 38_000.0]);
    let cf = slipcast::stats::cost::cash_flow(&c);
    assert_eq!(cf.period, "month");
    assert_eq!(cf.iterations, 100);
    let ends: Vec<&str> = cf.periods.iter().map(|p| p.end.as_str()).collect();
    assert_eq!(ends, ["2027-01-31", "2027-02-28"]);
    for (p, want) in cf.periods.iter().zip([27_000.0, 45_000.0]) {
        assert_eq!(
            (p.p10, p.p50, p.p90, p.mean),
            (want, want, want, want),
            "{p:?}"
        );
    }
    // The last period holds each iteration's whole cost.
    for (row, t) in c.rows.iter().zip(total(&s)) {
        assert!((row[1] - t).abs() < 1e-6, "{row:?} vs {t}");
    }
    assert!(
        f.cost.unwrap().cashflow.is_none(),
        "only the Forecaster places costs"
    );
}

/// Uncertain costs: each iteration's spend by its last period is its total cost (the
/// same keyed random numbers as the forecast), never falls from one period to the next,
/// and without a calendar the periods are 20 working days.
#[test]
fn cash_flow_adds_up_to_each_iterations_cost() {
    let (net, s, _) = run(
        &[
            (
                "tasks.csv",
                "id,min,likely,max,predecessors,milestone,cost,rate,probability\n\
                 A,10,20,40,,,1000/2000/5000,300/400/600,\n\
                 B,5,15,30,A,,pert:100/200/900,50,0.7\n\
                 C,8,9,30,A,,,100/150/300,\n\
                 M,,,,B;C,true,,,\n",
            ),
            (
                "plan.toml",
                "[[overhead]]\nname = \"PMO\"\nrate = \"80/100/150\"\nuntil = \"M\"\nfrom = 5\n",
            ),
            (
                "risks.csv",
                "id,probability,min,likely,max,tasks,cost\nR,0.4,2,5,9,B;C,1000/3000/8000\n",
            ),
        ],
        3_000,
        None,
    );
    let c = slipcast::sim::cashflow::cash_flow(&net, 3, 3_000).unwrap();
    assert_eq!(c.rows.len(), 2_000);
    assert!(c.dates.is_empty());
    assert!(
        c.ends
            .iter()
            .enumerate()
            .all(|(j, &e)| e == 20 * (j as u64 + 1))
    );
    for (i, (row, t)) in c.rows.iter().zip(total(&s)).enumerate() {
        let last = *row.last().unwrap();
        assert!(
            (last - t).abs() <= 1e-6 * t.abs() + 1e-6,
            "iteration {i}: {last} vs {t}"
        );
        assert!(
            row.windows(2).all(|w| w[1] >= w[0] - 1e-9),
            "iteration {i}: {row:?}"
        );
    }
}

/// `--out` on a plan with costs: cashflow.csv (one row per month, cumulative, never
/// falling at P50) and the report's cost charts — the total's curve, the spend S-curve
/// and a cost–schedule scatter per milestone of the latest three with a target — each
/// also as its own SVG.
#[test]
fn out_folder_has_the_cash_flow_and_the_cost_charts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let plan =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/cloud-migration-cost");
    let o = assert_cmd::cargo::cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "2000", "--out"])
        .arg(&out)
        .arg(&plan)
        .output()
        .unwrap();
    super::assert_success(&o);
    let csv = std::fs::read_to_string(out.join("cashflow.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("period_end,working_days,deterministic,mean,p10,p50,p90")
    );
    let p50: Vec<f64> = lines
        .map(|l| l.split(',').nth(5).unwrap().parse().unwrap())
        .collect();
    assert!(p50.len() >= 8, "{csv}");
    assert!(p50.windows(2).all(|w| w[1] >= w[0]), "{csv}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for (class, file) in [
        ("costcurve", "cost-curve.svg"),
        ("cashflow", "cashflow.svg"),
        ("scatter", "M_EXIT-cost-scatter.svg"),
    ] {
        assert!(
            html.contains(&format!("class=\"chart {class}\"")),
            "{class}"
        );
        assert!(out.join(file).exists(), "{file}");
    }
    assert_eq!(html.matches("class=\"chart scatter\"").count(), 3);
    // The driver analysis that --out runs: where the total cost's uncertainty comes from.
    let sens = std::fs::read_to_string(out.join("cost-sensitivity.csv")).unwrap();
    assert!(sens.starts_with("item,mean,sd,sensitivity,variance_share\n"));
    assert!(html.contains("uncertainty comes from"));
}

/// Cost drivers, exact: A takes 10 days at 1,000 a day. R1 always occurs, adds 2 days to
/// A and costs 5,000: it adds 2 × 1,000 + 5,000 = 7,000 at every percentile. R2 occurs in
/// 30 % of iterations and costs 10,000: the P50 is unchanged (70 % without it) and the P80
/// carries it (30 % > 20 %), so +0 and +10,000. Largest P80 effect first; drivers.csv
/// lists them as kind `risk-cost` against `total cost`.
#[test]
fn cost_drivers_are_each_risks_effect_on_the_total() {
    let dir = super::plan_dir(&[
        (
            "tasks.csv",
            "id,distribution,likely,predecessors,milestone,rate\nA,fixed,10,,,1000\nM,,,A,true,\n",
        ),
        (
            "risks.csv",
            "id,probability,min,likely,max,tasks,cost\nR1,1,2,2,2,A,5000\nR2,0.3,,,,A,10000\n",
        ),
    ]);
    let net = compile(&load(dir.path()).unwrap()).unwrap();
    let f = slipcast::Forecaster::new(&net)
        .iterations(slipcast::Iterations::Fixed(4_000))
        .drivers(true)
        .run(&NoProgress)
        .unwrap();
    let d = &f.drivers.as_ref().unwrap().cost;
    let got: Vec<(&str, f64, f64)> = d
        .iter()
        .map(|c| (c.driver.as_str(), c.p50, c.p80))
        .collect();
    assert_eq!(got, [("R2", 0.0, 10_000.0), ("R1", 7_000.0, 7_000.0)]);
    let csv = slipcast::report::drivers_csv(&f);
    assert!(csv.contains("R2,risk-cost,total cost,0,10000"), "{csv}");
}

/// Task cost sensitivity: each item's share of the total cost's variance. Independent
/// costs share it in proportion to their variances: A at 1,000 a day over a triangular
/// 10/15/25-day duration (variance 10⁶ · 175/18), B a triangular 1,000/2,000/6,000 price
/// (variance 21·10⁶/18), C a certain 500 (no share, not listed), plus a standing cost
/// until A's milestone (comonotone with A). The shares add up to 1.
#[test]
fn task_cost_sensitivity_splits_the_total_variance() {
    let n = 10_000u64;
    let dir = super::plan_dir(&[(
        "tasks.csv",
        "id,min,likely,max,cost,rate,predecessors,milestone
\
         A,10,15,25,,1000,,\n\
         B,1,1,1,1000/2000/6000,,,\n\
         C,1,1,1,500,,,\n\
         M,,,,,,A;B;C,true\n",
    )]);
    let net = compile(&load(dir.path()).unwrap()).unwrap();
    let shares = |threads| {
        slipcast::Forecaster::new(&net)
            .iterations(slipcast::Iterations::Fixed(n))
            .threads(threads)
            .drivers(true)
            .run(&NoProgress)
            .unwrap()
            .drivers
            .unwrap()
            .cost_sensitivity
    };
    let got = shares(Some(1));
    let items: Vec<&str> = got.iter().map(|c| c.item.as_str()).collect();
    assert_eq!(items, ["A", "B"]);
    let (va, vb) = (1e6 * 175.0 / 18.0, 21e6 / 18.0);
    // The share's standard error is about sd_A · sd_B / (√n · var(total)) ≈ 0.0031 (the
    // sample covariance of independent costs) plus the error of var̂_B (≈ 0.0013): 5 SE.
    let tol = 5.0 * 0.0034;
    assert!(
        (got[0].variance_share - va / (va + vb)).abs() < tol,
        "{got:?}"
    );
    assert!(
        (got[1].variance_share - vb / (va + vb)).abs() < tol,
        "{got:?}"
    );
    assert!((got[0].variance_share + got[1].variance_share - 1.0).abs() < 2e-4);
    // Means and SDs against the closed forms (5 SE on the mean).
    assert!((got[1].mean - 3000.0).abs() < 5.0 * vb.sqrt() / (n as f64).sqrt());
    assert!((got[0].mean - 1000.0 * 50.0 / 3.0).abs() < 5.0 * va.sqrt() / (n as f64).sqrt());
    assert!((got[0].sd / va.sqrt() - 1.0).abs() < 0.05, "{got:?}");
    assert!(got[0].sensitivity > got[1].sensitivity && got[1].sensitivity > 0.0);
    // The same numbers on any thread count.
    let two = shares(Some(2));
    assert_eq!(format!("{got:?}"), format!("{two:?}"));
    // A standing cost until the milestone moves with A: it takes a share of its own.
    let dir = super::plan_dir(&[
        (
            "tasks.csv",
            "id,min,likely,max,cost,rate,predecessors,milestone\n\
             A,10,15,25,,1000,,\n\
             M,,,,,,A,true\n",
        ),
        (
            "plan.toml",
            "[[overhead]]\nname = \"PMO\"\nrate = 3000\nuntil = \"M\"\n",
        ),
    ]);
    let net = compile(&load(dir.path()).unwrap()).unwrap();
    let f = slipcast::Forecaster::new(&net)
        .iterations(slipcast::Iterations::Fixed(n))
        .drivers(true)
        .run(&NoProgress)
        .unwrap();
    let got = &f.drivers.as_ref().unwrap().cost_sensitivity;
    // Total = 4,000 × A's duration: PMO three quarters of it, A one quarter, exactly.
    let items: Vec<(&str, f64, f64)> = got
        .iter()
        .map(|c| (c.item.as_str(), c.variance_share, c.sensitivity))
        .collect();
    assert_eq!(items, [("overhead:PMO", 0.75, 1.0), ("A", 0.25, 1.0)]);
    let csv = slipcast::report::cost_sensitivity_csv(f.drivers.as_ref().unwrap());
    assert!(
        csv.starts_with("item,mean,sd,sensitivity,variance_share\noverhead:PMO,"),
        "{csv}"
    );
}

/// Correlated cost amounts (`ID.cost`, `ID.rate` in correlations.csv): each reaches the
/// rank correlation asked for — with another amount and with a duration — and keeps its
/// samples: every 64-iteration block holds the same set as without the correlation.
/// Correlating two costs moves no date.
#[test]
fn correlated_costs_reach_their_rank_correlation_and_keep_their_samples() {
    let n = 40_000u64;
    let tasks = "id,group,min,likely,max,cost,rate,milestone\n\
                 A,GA,10,15,25,100/200/500,,true\n\
                 B,GB,5,8,14,pert:1000/2000/4000,,true\n\
                 C,GC,4,6,12,,50/80/200,true\n";
    let corr = "a,b,rho\nA.cost,B.cost,0.8\nA,B.cost,-0.5\nC.rate,C,-0.6\n";
    let (net, s, f) = run(&[("tasks.csv", tasks), ("correlations.csv", corr)], n, None);
    let (_, u, _) = run(&[("tasks.csv", tasks)], n, None);
    // Each group's slot (groups are numbered in the plan's topological order).
    let cm = net.cost().unwrap();
    let slot = |g: &str| cm.group_slot(cm.groups.iter().position(|x| x == g).unwrap());
    let (ga, gb, gc) = (
        s.cost_item(slot("GA")),
        s.cost_item(slot("GB")),
        s.cost_item(slot("GC")),
    );
    let dur = |s: &slipcast::Samples, id: &str| super::samples_of(&net, s, id);
    let (a, c) = (dur(&s, "A"), dur(&s, "C"));
    let rate: Vec<f64> = gc.iter().zip(&c).map(|(x, d)| x / d).collect();
    let tol = 5.0 / ((n - 1) as f64).sqrt();
    let achieved = |x: &str, y: &str| {
        f.correlations
            .iter()
            .find(|p| p.a == x && p.b == y)
            .unwrap_or_else(|| panic!("{x} ~ {y}: {:?}", f.correlations))
            .achieved
    };
    for (got, x, y) in [
        (super::spearman(&ga, &gb), "A.cost", "B.cost"),
        (super::spearman(&a, &gb), "A", "B.cost"),
        (super::spearman(&rate, &c), "C.rate", "C"),
    ] {
        let want = achieved(x, y);
        assert!((got - want).abs() < tol, "{x} ~ {y}: {got} vs {want}");
    }
    assert!((achieved("A.cost", "B.cost") - 0.8).abs() < 0.01);
    // Marginals: block by block the same samples as the uncorrelated run.
    let (ua, ub) = (u.cost_item(slot("GA")), u.cost_item(slot("GB")));
    let uc: Vec<f64> = u
        .cost_item(slot("GC"))
        .iter()
        .zip(dur(&u, "C"))
        .map(|(x, d)| x / d)
        .collect();
    for (x, y) in [(&ga, &ua), (&gb, &ub), (&rate, &uc)] {
        for block in 0..(n as usize / 64) {
            let sorted = |v: &[f64]| {
                let mut v = v[block * 64..(block + 1) * 64].to_vec();
                v.sort_by(f64::total_cmp);
                v
            };
            let (p, q) = (sorted(x), sorted(y));
            for (p, q) in p.iter().zip(&q) {
                assert!((p - q).abs() <= 1e-5 * q.abs(), "block {block}: {p} vs {q}");
            }
        }
    }
    assert!(super::spearman(&ua, &ub).abs() < tol);
    // Two costs correlated with each other alone: every date is the uncorrelated one.
    let (_, only, _) = run(
        &[
            ("tasks.csv", tasks),
            ("correlations.csv", "a,b,rho\nA.cost,B.cost,0.8\n"),
        ],
        n,
        None,
    );
    assert_eq!(only.milestones, u.milestones);
}

/// A correlation must name an uncertain amount: a single amount, a missing one or an
/// unknown task exits with the file, line, column and the fix.
#[test]
fn a_correlated_cost_must_be_uncertain() {
    let tasks = "id,min,likely,max,cost,rate,milestone\nA,1,2,3,500,,true\nB,1,2,3,1/2/3,,true\n";
    for (corr, want) in [
        (
            "a,b,rho\nA.cost,B.cost,0.5\n",
            "\"A.cost\": task A has no uncertain fixed cost to correlate (its tasks.csv value is a single amount)",
        ),
        (
            "a,b,rho\nB,B.rate,0.5\n",
            "\"B.rate\": task B has no uncertain rate to correlate (its tasks.csv value is empty)",
        ),
        (
            "a,b,rho\nZ.cost,B.cost,0.5\n",
            "\"Z.cost\" is not a task id",
        ),
    ] {
        let dir = super::plan_dir(&[("tasks.csv", tasks), ("correlations.csv", corr)]);
        let err = compile(&load(dir.path()).unwrap()).unwrap_err().to_string();
        assert!(err.contains(want), "{err}");
        assert!(err.contains("correlations.csv line 2"), "{err}");
    }
}
