//! Scenario comparison with common random numbers, gates and percentile precision.

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use slipcast::model::scenario;
use slipcast::plan::scenarios;
use slipcast::{NoProgress, SimConfig, compile, simulate};

use super::{plan_dir, samples_of};

const TASKS: &str = "id,name,distribution,min,likely,max,group,predecessors,milestone,target\n\
A,Design,triangular,2,4,9,core,,,\n\
B,Build,pert,5,8,20,core,A,,\n\
C,Test,triangular,1,3,6,qa,B,,\n\
M,Launch,,,,,,C,true,20\n";

fn compare_csv(files: &[(&str, &str)], extra: &[&str]) -> (Vec<Vec<String>>, std::process::Output) {
    let dir = plan_dir(files);
    let out = cargo_bin_cmd!("slipcast")
        .args(["compare", "--format", "csv", "-n", "3000"])
        .args(extra)
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let rows = text
        .lines()
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (rows, out)
}

fn col(rows: &[Vec<String>], name: &str) -> usize {
    rows[0]
        .iter()
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn a_scenario_that_changes_nothing_has_zero_deltas_and_diffs() {
    let (rows, out) = compare_csv(
        &[
            ("tasks.csv", TASKS),
            (
                "scenarios.csv",
                "scenario,target,action,value\nsame,B,scale,1\nsame,C,delay,0\n",
            ),
        ],
        &[],
    );
    super::assert_success(&out);
    assert_eq!(
        rows[0].join(","),
        "scenario,milestone,mean,p10,p50,p80,p90,delta_mean,delta_p50,delta_p80,delta_p90,diff_p10,diff_p50,diff_p90,p_earlier,p_target"
    );
    assert_eq!(rows[1][0], "baseline");
    let same = &rows[2];
    assert_eq!(same[0], "same");
    for c in [
        "delta_mean",
        "delta_p50",
        "delta_p80",
        "delta_p90",
        "diff_p10",
        "diff_p50",
        "diff_p90",
        "p_earlier",
    ] {
        assert_eq!(same[col(&rows, c)], "0", "{c}");
    }
    assert_eq!(same[2..7], rows[1][2..7]);
}

#[test]
fn delaying_a_task_on_the_only_path_shifts_every_iteration_by_the_delay() {
    let (rows, _) = compare_csv(
        &[
            ("tasks.csv", TASKS),
            (
                "scenarios.csv",
                "scenario,target,action,value\nslip,B,delay,5\nslip1w,A,delay,1w\n",
            ),
        ],
        &[],
    );
    for (r, d) in [(&rows[2], "5"), (&rows[3], "5")] {
        for c in [
            "delta_mean",
            "delta_p50",
            "delta_p80",
            "delta_p90",
            "diff_p10",
            "diff_p50",
            "diff_p90",
        ] {
            assert_eq!(r[col(&rows, c)], d, "{} {c}", r[0]);
        }
        assert_eq!(r[col(&rows, "p_earlier")], "0");
    }
}

#[test]
fn removing_scaling_and_disabling_match_their_definitions_per_iteration() {
    let dir = plan_dir(&[
        (
            "tasks.csv",
            "id,min,likely,max,predecessors,milestone\nA,2,4,9,,true\nB,5,8,20,A,true\nC,1,3,6,B,true\n",
        ),
        (
            "risks.csv",
            "id,probability,min,likely,max,tasks\nR,0.4,2,5,10,B\n",
        ),
    ]);
    let plan = slipcast::load(dir.path()).unwrap();
    let net = compile(&plan).unwrap();
    let cfg = SimConfig {
        iterations: 2_000,
        seed: 5,
        threads: None,
    };
    let base = simulate(&net, &cfg, &NoProgress).unwrap();
    let rows = |text: &str| {
        let p = dir.path().join("s.csv");
        std::fs::write(&p, text).unwrap();
        scenarios::load(&p).unwrap()
    };
    let run = |text: &str, name: &str| {
        let sc = rows(text);
        let n = scenario::apply(&net, name, &sc.rows, &sc.file).unwrap();
        simulate(&n, &cfg, &NoProgress).unwrap()
    };
    let (a, b, c) = (
        samples_of(&net, &base, "A"),
        samples_of(&net, &base, "B"),
        samples_of(&net, &base, "C"),
    );
    // Remove B (on the only path): C moves earlier by exactly B's duration (incl. the risk).
    let s = run("scenario,target,action\ncut,B,remove\n", "cut");
    let c2 = samples_of(&net, &s, "C");
    for i in 0..c.len() {
        let dur_b = b[i] - a[i];
        assert!(((c2[i] - c[i]) + dur_b).abs() < 1e-3, "iteration {i}");
    }
    // Scale A by 0.5: A's finish halves in every iteration.
    let s = run("scenario,target,action,value\nfast,A,scale,0.5\n", "fast");
    let a2 = samples_of(&net, &s, "A");
    assert!(a.iter().zip(&a2).all(|(x, y)| (x * 0.5 - y).abs() < 1e-4));
    // Disabling the risk equals the plan without it.
    let s = run("scenario,target,action\nsafe,R,disable\n", "safe");
    let no_risk = plan_dir(&[(
        "tasks.csv",
        "id,min,likely,max,predecessors,milestone\nA,2,4,9,,true\nB,5,8,20,A,true\nC,1,3,6,B,true\n",
    )]);
    let plain = compile(&slipcast::load(no_risk.path()).unwrap()).unwrap();
    assert_eq!(
        s.milestones,
        simulate(&plain, &cfg, &NoProgress).unwrap().milestones
    );
    // Probability 0 is the same as disable.
    assert_eq!(
        run(
            "scenario,target,action,value\nzero,R,probability,0\n",
            "zero"
        )
        .milestones,
        s.milestones
    );
}

#[test]
fn group_scaling_set_and_not_before() {
    let (rows, out) = compare_csv(
        &[
            ("tasks.csv", TASKS),
            (
                "scenarios.csv",
                "scenario,target,action,value\nteam,group:core,scale,0\nfixed,B,set,8\nlate,A,not_before,10\n",
            ),
        ],
        &[],
    );
    super::assert_success(&out);
    let p50 = col(&rows, "p50");
    let team = rows.iter().find(|r| r[0] == "team").unwrap();
    let base = &rows[1];
    // With A and B at zero, the milestone is C alone: P50 of triangular(1,3,6) = 6 − √7.5.
    let got: f64 = team[p50].parse().unwrap();
    assert!((got - (6.0 - 7.5f64.sqrt())).abs() < 0.15, "{got}");
    let late = rows.iter().find(|r| r[0] == "late").unwrap();
    assert!(late[p50].parse::<f64>().unwrap() >= 10.0 + 5.0);
    assert!(base[p50].parse::<f64>().unwrap() < late[p50].parse::<f64>().unwrap());
}

#[test]
fn scenario_validation() {
    let bad = |scen: &str, frags: &[&str]| {
        let (_, out) = compare_csv(&[("tasks.csv", TASKS), ("scenarios.csv", scen)], &[]);
        assert_eq!(out.status.code(), Some(2), "{scen}");
        let err = String::from_utf8_lossy(&out.stderr);
        for f in frags {
            assert!(err.contains(f), "{scen}: {err}");
        }
    };
    bad(
        "scenario,target,action,value\nx,Q,delay,5\n",
        &[
            "scenarios.csv line 2, column target",
            "\"Q\" is not a task id",
        ],
    );
    bad(
        "scenario,target,action,value\nx,A,probability,0.5\n",
        &["is not a risk id"],
    );
    bad(
        "scenario,target,action,value\nx,A,scale,-1\n",
        &["column value", "a factor"],
    );
    bad(
        "scenario,target,action,value\nx,A,set,9/4/5\n",
        &["min ≤ likely ≤ max"],
    );
    bad(
        "scenario,target,action,value\nx,A,speedup,2\n",
        &["unknown action \"speedup\""],
    );
    bad(
        "scenario,target,action,value\nx,group:nobody,scale,0.5\n",
        &["no task has group \"nobody\""],
    );
    let dir = plan_dir(&[("tasks.csv", TASKS)]);
    cargo_bin_cmd!("slipcast")
        .arg("compare")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no scenarios file"));
}

#[test]
fn gates_exit_1_when_failing_and_name_the_gate() {
    let dir = plan_dir(&[("tasks.csv", TASKS), ("plan.toml", "start = 2027-01-04\n")]);
    let run = |gates: &[&str]| {
        let mut cmd = cargo_bin_cmd!("slipcast");
        cmd.args(["run", "-n", "2000", "--format", "csv"]);
        for g in gates {
            cmd.args(["--gate", g]);
        }
        cmd.arg(dir.path()).output().unwrap()
    };
    let out = run(&["M:p10>=1", "M:p_target>=0.01", "M:p95<=2030-01-01"]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("gate passed: M:p95<=2030-01-01"), "{err}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(",p95,"),
        "a gate's percentile is reported"
    );
    let out = run(&["M:p80<=2027-01-05", "M:p50<=1000"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gate FAILED: M:p80<=2027-01-05 (actual 2027-"),
        "{err}"
    );
    assert!(err.contains("gate passed: M:p50<=1000"));
    assert!(!out.stdout.is_empty(), "results are still printed");
    for bad in ["Nope:p80<=10", "M:p80<=soon", "M:p_target>=2"] {
        assert_eq!(run(&[bad]).status.code(), Some(2), "{bad}");
    }
}

/// A date gate on several calendars compares the percentile's own date: site work that
/// ends on a Saturday (Mon 4 Jan 2027 + 6 days on a seven-day calendar) is a Saturday
/// finish, not the Friday the project calendar's working days would show.
#[test]
fn a_date_gate_reads_the_finish_date_on_its_own_calendar() {
    let dir = plan_dir(&[
        (
            "tasks.csv",
            "id,distribution,likely,predecessors,calendar,milestone\nS,fixed,6,,site,\nM,,,S,site,true\n",
        ),
        (
            "plan.toml",
            "start = 2027-01-04\n\n[calendars.site]\nworkweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n",
        ),
    ]);
    let gate = |g: &str| {
        cargo_bin_cmd!("slipcast")
            .args(["run", "-n", "200", "--format", "csv", "--gate", g])
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let out = gate("M:p50<=2027-01-08");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("(actual 2027-01-09"), "{err}");
    assert_eq!(gate("M:p50<=2027-01-09").status.code(), Some(0));
}

#[test]
fn percentile_confidence_intervals_cover_the_true_value_95_percent_of_the_time() {
    // Uniform(0, 10): the true P80 is 8 and the true P50 is 5.
    let net = compile(
        &slipcast::plan::from_tasks_csv("id,distribution,min,max\nU,uniform,0,10\n", "t.csv")
            .unwrap(),
    )
    .unwrap();
    let runs = 400;
    let mut hits = [0u32; 2];
    for seed in 0..runs {
        let s = simulate(
            &net,
            &SimConfig {
                iterations: 500,
                seed,
                threads: Some(1),
            },
            &NoProgress,
        )
        .unwrap();
        let f = slipcast::forecast(&net, &s, &[50.0, 80.0]);
        for (k, truth) in [5.0, 8.0].iter().enumerate() {
            let q = &f.milestones[0].percentiles[k];
            if q.low <= *truth && *truth <= q.high {
                hits[k] += 1;
            }
        }
    }
    // Coverage ≥ 95 % by construction (discreteness makes it a little higher); 5 binomial
    // standard errors of 400 runs is ±5.4 points.
    for h in hits {
        let cov = h as f64 / runs as f64;
        assert!(
            (0.95 - 0.055..=1.0).contains(&cov) && cov <= 0.95 + 0.055,
            "coverage {cov}"
        );
    }
}

#[test]
fn ci_columns_and_auto_iterations() {
    let dir = plan_dir(&[("tasks.csv", TASKS)]);
    let out = cargo_bin_cmd!("slipcast")
        .args(["run", "--format", "csv", "-n", "2000", "--ci"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with(
        "milestone,name,deterministic,mean,sd,p10,p50,p80,p90,p10_low,p10_high,p50_low,p50_high,"
    ));
    let out = cargo_bin_cmd!("slipcast")
        .args([
            "run",
            "--format",
            "json",
            "-n",
            "auto",
            "--precision",
            "0.08",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    super::assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = v["iterations"].as_u64().unwrap();
    assert!(
        n > 10_000 && n.is_multiple_of(10_000) && (n / 10_000).is_power_of_two(),
        "doubling from 10,000: {n}"
    );
    for q in v["milestones"][0]["percentiles"].as_array().unwrap() {
        let half = (q["high"].as_f64().unwrap() - q["low"].as_f64().unwrap()) / 2.0;
        assert!(half <= 0.08 + 1e-3, "half-width {half}");
    }
    assert!(String::from_utf8_lossy(&out.stderr).contains("-n auto:"));
    cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "auto"])
        .arg(dir.path())
        .assert()
        .code(2);
}

fn versions_csv(old: &[(&str, &str)], new: &[(&str, &str)]) -> Vec<Vec<String>> {
    let (a, b) = (plan_dir(old), plan_dir(new));
    let out = cargo_bin_cmd!("slipcast")
        .args(["compare", "--format", "csv", "-n", "4000", "--against"])
        .arg(b.path())
        .arg(a.path())
        .output()
        .unwrap();
    super::assert_success(&out);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

#[test]
fn plan_versions_attribute_a_single_estimate_change_entirely_to_that_task() {
    let new_tasks = TASKS.replace("B,Build,pert,5,8,20", "B,Build,pert,6,10,30");
    let rows = versions_csv(&[("tasks.csv", TASKS)], &[("tasks.csv", &new_tasks)]);
    assert_eq!(rows[0].join(","), "milestone,change,p50_days,p80_days,note");
    let total = &rows[1];
    let b = &rows[2];
    let inter = &rows[3];
    assert_eq!((total[0].as_str(), total[1].as_str()), ("M", "total"));
    assert_eq!(b[1], "estimate of B");
    assert_eq!(
        (b[2].as_str(), b[3].as_str()),
        (total[2].as_str(), total[3].as_str())
    );
    assert!(total[3].parse::<f64>().unwrap() > 1.0);
    assert_eq!(
        (inter[1].as_str(), inter[2].as_str(), inter[3].as_str()),
        ("interaction", "0", "0")
    );
}

#[test]
fn plan_versions_separate_links_added_tasks_and_risks() {
    let old =
        "id,min,likely,max,predecessors,milestone\nA,5,6,8,,\nB,3,4,9,,\nC,2,3,4,A,\nM,,,,C,true\n";
    // New: C now also waits for B, a review task R is added before M, and a risk appears.
    let new = "id,min,likely,max,predecessors,milestone\nA,5,6,8,,\nB,9,10,12,,\nC,2,3,4,A;B,\nR,1,1,1,C,\nM,,,,R,true\n";
    let rows = versions_csv(
        &[("tasks.csv", old)],
        &[
            ("tasks.csv", new),
            ("risks.csv", "id,probability,likely,tasks\nZ,1,2,A\n"),
        ],
    );
    let labels: Vec<&str> = rows.iter().skip(1).map(|r| r[1].as_str()).collect();
    for want in [
        "total",
        "links into C",
        "task R added",
        "estimate of B",
        "risk Z added",
        "interaction",
    ] {
        assert!(labels.contains(&want), "{want} in {labels:?}");
    }
    let get = |label: &str| {
        rows.iter().find(|r| r[1] == label).unwrap()[2]
            .parse::<f64>()
            .unwrap()
    };
    // R adds exactly one day everywhere; B's estimate alone moves nothing (B is not linked
    // in the old plan); the link into C alone makes B (old estimate, ≤ 9) sometimes drive.
    assert_eq!(get("task R added"), 1.0);
    assert_eq!(get("estimate of B"), 0.0);
    // Every row between total and interaction is a change; with interaction they add up.
    let explained: f64 = rows[2..rows.len() - 1]
        .iter()
        .map(|r| r[2].parse::<f64>().unwrap())
        .sum();
    assert!(
        (get("total") - explained - get("interaction")).abs() < 1e-3,
        "{rows:?}"
    );
    assert!(
        labels.contains(&"links into M"),
        "M now waits for R instead of C"
    );
}
