//! Driver analysis against known answers: criticality, path criticality, sensitivity,
//! float, leave-one-out risk and uncertainty drivers, merge bias, contingency.

use slipcast::analysis::drivers::{Drivers, analyse, hold_at_deterministic, subsample_size};
use slipcast::sim::simulate_tracked;
use slipcast::{Forecast, Network, NoProgress, SimConfig, compile, forecast, simulate};

use super::plan_dir;

fn run_dir(dir: &std::path::Path, n: u64) -> (Network, Forecast, Drivers) {
    let net = compile(&slipcast::load(dir).unwrap()).unwrap();
    let cfg = SimConfig {
        iterations: n,
        seed: 21,
        threads: None,
    };
    let s = simulate_tracked(&net, &cfg, subsample_size(net.len(), n), &NoProgress).unwrap();
    let f = forecast(&net, &s, &[50.0, 80.0]);
    let d = analyse(&net, &s, &f, &cfg, 10).unwrap();
    (net, f, d)
}

fn run(tasks: &str, n: u64) -> (Network, Forecast, Drivers) {
    let dir = plan_dir(&[("tasks.csv", tasks)]);
    run_dir(dir.path(), n)
}

fn task<'a>(d: &'a Drivers, id: &str, m: &str) -> &'a slipcast::analysis::drivers::TaskDriver {
    d.tasks
        .iter()
        .find(|t| t.task == id && t.milestone == m)
        .unwrap_or_else(|| panic!("{id} → {m}"))
}

#[test]
fn criticality_and_path_criticality_have_known_answers() {
    let n = 20_000u64;
    let se = 5.0 * (0.25 / n as f64).sqrt();
    // Two identical independent tasks into a milestone: each critical half the time.
    let (_, _, d) = run(
        "id,min,likely,max,predecessors,milestone\nA,2,5,9,,\nB,2,5,9,,\nM,,,,A;B,true\n",
        n,
    );
    for id in ["A", "B"] {
        assert!((task(&d, id, "M").criticality - 0.5).abs() < se, "{id}");
    }
    // A chain is always critical; a dominated path never is, and has float.
    let (_, _, d) = run(
        "id,min,likely,max,predecessors,milestone\nA,5,6,8,,\nB,4,5,6,A,\nS,1,1.5,2,,\nM,,,,B;S,true\n",
        n,
    );
    assert_eq!(task(&d, "A", "M").criticality, 1.0);
    assert_eq!(task(&d, "B", "M").criticality, 1.0);
    assert_eq!(task(&d, "S", "M").criticality, 0.0);
    assert!(task(&d, "S", "M").mean_float.unwrap() > 7.0);
    // Three paths with discrete durations: X ∈ {4, 8} (½ each), Y = 6 fixed, Z ∈ {5, 7}.
    // X critical iff X = 8 (½); Y iff X = 4 and Z = 5 (¼); Z iff X = 4 and Z = 7 (¼).
    let (_, _, d) = run(
        "id,distribution,values,likely,predecessors,milestone\nX,discrete,4:1;8:1,,,\nY,fixed,,6,,\nZ,discrete,5:1;7:1,,,\nM,fixed,,0,X;Y;Z,true\n",
        n,
    );
    for (id, p) in [("X", 0.5), ("Y", 0.25), ("Z", 0.25)] {
        assert!((task(&d, id, "M").criticality - p).abs() < se, "{id}");
    }
    let shares: Vec<(f64, Vec<String>)> =
        d.paths.iter().map(|p| (p.share, p.tasks.clone())).collect();
    assert_eq!(shares.len(), 3);
    assert_eq!(shares[0].1, ["X", "M"]);
    assert!((shares[0].0 - 0.5).abs() < se);
    assert!((shares[1].0 - 0.25).abs() < se && (shares[2].0 - 0.25).abs() < se);
    assert!((shares.iter().map(|s| s.0).sum::<f64>() - 1.0).abs() < 1e-12);
}

#[test]
fn sensitivity_is_equal_along_a_symmetric_chain_and_zero_off_the_critical_path() {
    // Four iid normal tasks in a chain: Pearson(Dᵢ, ΣD) = ½, so Spearman = (6/π)·asin(¼).
    let n = 8_192u64;
    let tasks = "id,distribution,mean,sd,min,likely,max,predecessors,milestone\n\
        A,normal,20,3,,,,,\nB,normal,20,3,,,,A,\nC,normal,20,3,,,,B,\nD,normal,20,3,,,,C,\n\
        S,triangular,,,1,2,3,,\nM,fixed,,,,0,,D;S,true\n";
    let (_, _, d) = run(tasks, n);
    let s = subsample_size(6, n) as f64;
    let want = 6.0 / std::f64::consts::PI * (0.25f64).asin();
    let tol = 5.0 * (1.0 - want * want) / s.sqrt();
    for id in ["A", "B", "C", "D"] {
        let got = task(&d, id, "M").sensitivity;
        assert!((got - want).abs() < tol, "{id}: {got} vs {want}");
    }
    let off = task(&d, "S", "M");
    assert_eq!(off.criticality, 0.0);
    assert!(
        off.sensitivity.abs() < 5.0 / s.sqrt(),
        "{}",
        off.sensitivity
    );
    assert_eq!(off.ssi, 0.0);
    // SSI = criticality × σ(task)/σ(milestone) = 1 × 3/6 for the chain.
    for id in ["A", "D"] {
        assert!((task(&d, id, "M").ssi - 0.5).abs() < 0.03, "{id}");
    }
}

#[test]
fn total_float_and_contingency() {
    let (_, f, d) = run(
        "id,distribution,likely,predecessors,milestone\nA,fixed,10,,\nB,fixed,4,,\nC,fixed,3,B FS+1,\nM,fixed,0,A;C,true\n",
        256,
    );
    assert_eq!(task(&d, "A", "M").mean_float, Some(0.0));
    assert_eq!(task(&d, "B", "M").mean_float, Some(2.0));
    assert_eq!(task(&d, "C", "M").mean_float, Some(2.0));
    assert_eq!(
        (
            f.milestones[0].contingency_p50,
            f.milestones[0].contingency_p80
        ),
        (0.0, 0.0)
    );
    let (_, f, _) = run("id,min,likely,max\nT,2,4,12\n", 4000);
    let m = &f.milestones[0];
    assert_eq!(
        m.contingency_p50,
        slipcast::stats::round4(m.percentiles[0].days - 4.0)
    );
    assert!(m.contingency_p80 > m.contingency_p50);
}

#[test]
fn leave_one_out_risk_driver_is_exact_and_a_fixed_task_drives_nothing() {
    let dir = plan_dir(&[
        ("tasks.csv", "id,distribution,likely\nA,fixed,10\n"),
        ("risks.csv", "id,probability,likely,tasks\nR,0.3,5,A\n"),
    ]);
    let (net, _, d) = run_dir(dir.path(), 20_000);
    let r = d.drivers.iter().find(|x| x.driver == "R").unwrap();
    // With the risk: P50 = 10, P80 = 15; without: 10 and 10.
    assert_eq!((r.kind, r.p50_days, r.p80_days), ("risk", 0.0, 5.0));
    // Holding a fixed task at its deterministic value changes no sample.
    let cfg = SimConfig {
        iterations: 1000,
        seed: 3,
        threads: None,
    };
    let held = hold_at_deterministic(&net, 0);
    assert_eq!(
        simulate(&net, &cfg, &NoProgress).unwrap().milestones,
        simulate(&held, &cfg, &NoProgress).unwrap().milestones
    );
    assert!(
        d.drivers.iter().all(|x| x.kind == "risk"),
        "a fixed task is no uncertainty driver"
    );
}

#[test]
fn uncertainty_drivers_are_the_shift_when_a_task_is_held() {
    // A right-skewed task on the only path: holding it at its most likely value (4)
    // removes (P50 − 4) and (P80 − 4) of a triangular(2, 4, 14).
    let (_, f, d) = run(
        "id,min,likely,max,predecessors\nT,2,4,14,\nU,1,1,1,T\n",
        20_000,
    );
    let t = d.drivers.iter().find(|x| x.driver == "T").unwrap();
    assert_eq!(t.kind, "task");
    let m = &f.milestones[0];
    assert!((t.p50_days - (m.percentiles[0].days - 5.0)).abs() < 1e-3);
    assert!((t.p80_days - (m.percentiles[1].days - 5.0)).abs() < 1e-3);
}

#[test]
fn merge_bias_of_parallel_uniforms_is_e_max_minus_mean() {
    // k = 3 uniform(0, 10) tasks into a milestone: E[max] = 10·k/(k+1) = 7.5, mean 5.
    let n = 20_000u64;
    let (_, _, d) = run(
        "id,distribution,min,max,likely,predecessors,milestone\nA,uniform,0,10,,,\nB,uniform,0,10,,,\nC,uniform,0,10,,,\nM,fixed,,,0,A;B;C,true\n",
        n,
    );
    let m = d.merges.iter().find(|m| m.task == "M").unwrap();
    assert_eq!(m.predecessors, 3);
    // SE: sd(max) = √3.75 ≈ 1.94 and sd(Uᵢ) ≈ 2.89 over n iterations.
    let tol = 5.0 * (1.94 + 2.89) / (n as f64).sqrt();
    assert!(
        (m.merge_bias - 2.5).abs() < tol,
        "merge bias {}",
        m.merge_bias
    );
}

#[test]
fn out_dir_has_the_driver_files() {
    let dir = plan_dir(&[
        (
            "tasks.csv",
            "id,min,likely,max,predecessors,milestone\nA,2,4,9,,\nB,3,4,8,,\nM,,,,A;B,true\n",
        ),
        ("risks.csv", "id,probability,likely,tasks\nR,0.5,2,A\n"),
    ]);
    let out = tempfile::tempdir().unwrap();
    assert_cmd::cargo::cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "2000", "--out"])
        .arg(out.path())
        .arg(dir.path())
        .assert()
        .success();
    let read = |f: &str| std::fs::read_to_string(out.path().join(f)).unwrap();
    assert!(read("drivers.csv").starts_with("driver,kind,milestone,p50_days,p80_days\n"));
    assert!(read("paths.csv").starts_with("milestone,rank,share,tasks\nM,1,"));
    assert!(read("merges.csv").starts_with(
        "milestone,task,predecessors,mean_start,latest_expected_constraint,merge_bias\nM,M,2,"
    ));
    assert!(
        read("tasks.csv")
            .lines()
            .next()
            .unwrap()
            .contains(",criticality,sensitivity,ssi,mean_total_float,status,p10_start,")
    );
    let v: serde_json::Value = serde_json::from_str(&read("summary.json")).unwrap();
    assert!(v["drivers"]["tasks"].as_array().unwrap().len() >= 3);
    assert!(v["milestones"][0]["contingency_p80"].is_number());
}

/// The one-pass leave-one-out (only the cone downstream of a change is re-run) gives,
/// sample for sample, what simulating a modified copy of the network gives: every risk
/// removed and every task held, on the examples with risks (days and percent),
/// correlations, probabilistic tasks, a freeze and progress at a status date, on a
/// partial last block and on several thread counts.
#[test]
fn one_pass_leave_one_out_equals_separate_runs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for plan in ["cloud-migration", "erp-cutover", "erp-cutover-in-flight"] {
        let net = compile(&slipcast::load(&root.join(plan)).unwrap()).unwrap();
        leave_one_out_matches_copies(plan, &net);
    }
    // Tasks on their own working calendars (a six-day site week, a holiday), with a
    // risk on one of them and a plain task on another: each is placed a block at a time.
    let dir = plan_dir(&[
        (
            "tasks.csv",
            "id,min,likely,max,predecessors,milestone,not_before,calendar\n\
             DES,8,10,15,,,,\n\
             BLD,15,20,30,DES,,,\n\
             SITE,5,6,9,DES,,2027-02-08,site\n\
             FIX,3,3,3,SITE,,,site\n\
             TST,8,10,16,BLD FF+2d;FIX,,,\n\
             LIVE,,,,TST,true,,\n",
        ),
        (
            "plan.toml",
            "start = 2027-01-04\n[calendars.site]\nworkweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\"]\n",
        ),
        (
            "calendar.csv",
            "from,to,kind,calendar\n2027-03-26,2027-03-29,holiday,project;site\n",
        ),
        ("risks.csv", "id,probability,likely,tasks\nR,0.4,3,SITE\n"),
    ]);
    let net = compile(&slipcast::load(dir.path()).unwrap()).unwrap();
    leave_one_out_matches_copies("task calendars", &net);
}

/// Every risk removed and every task held, in one pass and as separate runs of a copy,
/// on 1, 2 and 3 threads: the same finishes, bit for bit.
fn leave_one_out_matches_copies(plan: &str, net: &slipcast::model::Network) {
    use slipcast::sim::{LeaveOut, simulate_leave_one_out, simulate_milestones};
    {
        let mut changes: Vec<LeaveOut> = (0..net.risks().len()).map(LeaveOut::RemoveRisk).collect();
        changes.extend((0..net.len()).map(LeaveOut::HoldTask));
        for threads in [1, 2, 3] {
            let cfg = SimConfig {
                iterations: 200,
                seed: 8,
                threads: Some(threads),
            };
            let one_pass = simulate_leave_one_out(net, &cfg, &changes).unwrap();
            assert_eq!(one_pass.len(), changes.len());
            for (c, got) in changes.iter().zip(&one_pass) {
                let copy = match *c {
                    LeaveOut::RemoveRisk(r) => slipcast::analysis::drivers::without_risk(net, r),
                    LeaveOut::HoldTask(t) => hold_at_deterministic(net, t),
                };
                let want = simulate_milestones(&copy, &cfg).unwrap().milestones;
                assert_eq!(got.len(), want.len());
                for (g, w) in got.iter().zip(&want) {
                    let same = g.iter().zip(w).all(|(a, b)| a.to_bits() == b.to_bits());
                    assert!(same && g.len() == w.len(), "{plan}: {c:?} differs");
                }
            }
        }
    }
}

#[test]
fn each_milestone_lists_its_own_uncertainty_drivers() {
    // An early milestone M1 after A1, A2; a late milestone M2 after M1 and eleven wide
    // tasks B1..B11 in a chain. Towards M2 the B tasks have the highest SSI; towards M1
    // only A1 and A2 can move it, and they are the drivers it lists.
    let mut csv = String::from("id,min,likely,max,predecessors,milestone\n");
    csv.push_str("A1,4,5,8,,\nA2,1,2,3,A1,\nM1,,,,A2,true\n");
    let mut prev = "M1".to_string();
    for i in 1..=11 {
        csv.push_str(&format!("B{i},5,10,30,{prev},\n"));
        prev = format!("B{i}");
    }
    csv.push_str(&format!("M2,,,,{prev},true\n"));
    let (_, f, d) = run(&csv, 6_400);
    let of = |m: &str| -> Vec<&str> {
        d.drivers
            .iter()
            .filter(|x| x.milestone == m && x.kind == "task")
            .map(|x| x.driver.as_str())
            .collect()
    };
    assert_eq!(of("M1"), ["A1", "A2"]);
    let m2 = of("M2");
    assert_eq!(m2.len(), 10);
    assert!(m2.iter().all(|t| t.starts_with('B')), "{m2:?}");
    // Holding A1 at 5 leaves M1 = 5 + A2, A2 triangular(1, 2, 3): its P80 is
    // 3 − √0.4; the driver is the base P80 minus that. The percentile's standard error is
    // √(0.8·0.2/n) / f(P80), f(P80) = √0.4.
    let a1 = d
        .drivers
        .iter()
        .find(|x| x.driver == "A1" && x.milestone == "M1")
        .unwrap();
    let held_p80 = 5.0 + 3.0 - 0.4f64.sqrt();
    let se = (0.16f64 / 6_400.0).sqrt() / 0.4f64.sqrt();
    let expected = f.milestones[0].percentiles[1].days - held_p80;
    assert!(
        (a1.p80_days - expected).abs() < 5.0 * se,
        "{} vs {expected}",
        a1.p80_days
    );
}

#[test]
fn task_drivers_stay_within_their_budget_on_plans_with_many_milestones() {
    // 80 milestones, each after a task of its own: 80 distinct tasks would be held.
    // The budget takes the latest milestone, then those with a target, then the latest.
    let mut csv = String::from("id,min,likely,max,predecessors,milestone,target\n");
    for i in 0..80 {
        csv.push_str(&format!("T{i},{i},{},{},,,\n", i + 2, i + 9));
        let target = if i == 3 { "40" } else { "" };
        csv.push_str(&format!("M{i},,,,T{i},true,{target}\n"));
    }
    let (_, _, d) = run(&csv, 640);
    let budget = slipcast::analysis::drivers::MAX_TASK_VARIANTS;
    assert_eq!(d.uncertainty_milestones.len(), budget);
    assert!(d.uncertainty_milestones.iter().any(|m| m == "M79"));
    assert!(d.uncertainty_milestones.iter().any(|m| m == "M3"));
    assert!(!d.uncertainty_milestones.iter().any(|m| m == "M4"));
    for m in &d.uncertainty_milestones {
        let own: Vec<_> = d
            .drivers
            .iter()
            .filter(|x| &x.milestone == m && x.kind == "task")
            .collect();
        assert_eq!(own.len(), 1, "{m}");
        assert_eq!(own[0].driver, format!("T{}", &m[1..]));
    }
    assert_eq!(
        d.drivers.iter().filter(|x| x.kind == "task").count(),
        budget
    );
}

#[test]
fn done_work_has_no_float_and_in_progress_work_does_not_pass_float_back() {
    // Status Mon 18 Jan 2027 (t = 10). A and B are done; W is in progress after B; P is
    // not started yet its only successor W already started (out of sequence): under
    // progress override the link P → W is not enforced, so P reaches M through no
    // enforced link.
    let dir = plan_dir(&[
        (
            "plan.toml",
            "start = 2027-01-04\nstatus_date = 2027-01-18\nprogress_logic = \"override\"\n",
        ),
        (
            "tasks.csv",
            "id,min,likely,max,predecessors,actual_start,actual_finish,milestone\n\
             A,2,3,5,,2027-01-04,2027-01-06,\n\
             B,2,3,5,A,2027-01-07,2027-01-12,\n\
             P,1,2,3,,,,\n\
             W,2,4,8,B;P,2027-01-13,,\n\
             C,2,3,9,A,,,\n\
             D,1,2,3,W;C,,,\n\
             M,,,,D,,,true\n",
        ),
    ]);
    let (_, _, d) = run_dir(dir.path(), 6_400);
    for id in ["A", "B", "P"] {
        let t = task(&d, id, "M");
        assert_eq!((t.criticality, t.mean_float), (0.0, None), "{id}");
    }
    // W and C race into D: each is critical in some iterations, with float in others.
    for id in ["W", "C"] {
        let t = task(&d, id, "M");
        assert!(t.criticality > 0.0 && t.criticality < 1.0, "{id}");
        assert!(t.mean_float.unwrap() > 0.0, "{id}");
    }
    assert_eq!(task(&d, "D", "M").mean_float, Some(0.0));
    assert_eq!(task(&d, "D", "M").criticality, 1.0);
}

#[test]
fn sensitivity_uses_every_iteration_within_its_memory_budget() {
    // Two iid uniforms into a milestone M = max(A, B): Spearman(A, M) = 12·E[A·M²] − 3
    // with E[A·M²] = ∫ u(u³ + (1 − u³)/3) du = 3/10, so 0.6 for both. Over all 200,000
    // iterations its standard error is about (1 − 0.36)/√n.
    let n = 200_000u64;
    let (_, _, d) = run(
        "id,distribution,min,max,predecessors,milestone\nA,uniform,0,10,,\nB,uniform,0,10,,\nM,,,,A;B,true\n",
        n,
    );
    assert_eq!(d.sensitivity_subsample as u64, n);
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
    let tol = 5.0 * 0.64 / (n as f64).sqrt();
    for id in ["A", "B"] {
        let got = task(&d, id, "M").sensitivity;
        assert!((got - 0.6).abs() < tol, "{id}: {got}");
    }
    // A plan too large for the budget keeps whole blocks and says so.
    let tasks = slipcast::analysis::drivers::SENSITIVITY_BUDGET / 4 / 64 / 100;
    assert_eq!(subsample_size(tasks, 1_000_000), 6_400);
    assert_eq!(subsample_size(tasks, 6_000), 6_000);
    assert_eq!(subsample_size(10_000, 100_000), 1_664);
}

/// `--milestone` chooses what the criticality, critical tasks and drivers describe: on
/// two chains whose answers are exact (A only leads to M1; B, always longer than A + C,
/// drives M2), each focus gives its own chain criticality 1 and the other 0.
#[test]
fn the_focus_milestone_is_the_one_described() {
    let dir = plan_dir(&[(
        "tasks.csv",
        "id,name,distribution,min,likely,max,predecessors,milestone\n\
         A,Alpha,uniform,5,,15,,\n\
         M1,First,,,,,A,true\n\
         B,Beta,uniform,20,,30,,\n\
         C,Gamma,uniform,1,,3,A,\n\
         M2,Second,,,,,B;C,true\n",
    )]);
    let bin = env!("CARGO_BIN_EXE_slipcast");
    let run = |extra: &[&str]| {
        let out = std::process::Command::new(bin)
            .args(["run", "-n", "2000", "--drivers"])
            .args(extra)
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let crit = |json: &serde_json::Value, id: &str| {
        json["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()["criticality"]
            .as_f64()
            .unwrap()
    };
    let focused: serde_json::Value =
        serde_json::from_slice(&run(&["--milestone", "M1", "--format", "json"])).unwrap();
    assert_eq!(focused["focus"], "M1");
    assert_eq!((crit(&focused, "A"), crit(&focused, "B")), (1.0, 0.0));
    let latest: serde_json::Value = serde_json::from_slice(&run(&["--format", "json"])).unwrap();
    assert!(latest.get("focus").is_none());
    assert_eq!((crit(&latest, "A"), crit(&latest, "B")), (0.0, 1.0));
    // The tables name the focus and show drivers with their names.
    let table = String::from_utf8(run(&["--milestone", "M1"])).unwrap();
    assert!(table.contains("Most critical tasks for M1"), "{table}");
    assert!(table.contains("Drivers of M1"), "{table}");
    let tornado = &table[table.find("Tornado").unwrap()..];
    let first_bar = tornado.lines().nth(3).unwrap();
    assert!(first_bar.starts_with("A Alpha "), "{tornado}");
    // An id that is not a reported milestone: exit 2, naming those that are.
    let bad = std::process::Command::new(bin)
        .args(["run", "--milestone", "B"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("B: not a reported milestone") && err.contains("M1, M2"),
        "{err}"
    );
}
