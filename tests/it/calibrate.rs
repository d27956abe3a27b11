//! Calibration against actuals, and throughput forecasting.

use assert_cmd::cargo::cargo_bin_cmd;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution as _, LogNormal};
use slipcast::history::calibrate::{self, HistoryRow};
use slipcast::history::throughput::{self, History};
use slipcast::model::Distribution;

use super::plan_dir;

#[test]
fn coverage_and_pit_computed_by_hand() {
    // Triangular(0, 5, 10): P10 = √5 ≈ 2.236, P90 = 10 − √5 ≈ 7.764.
    let actuals = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 7.5, 8.0, 9.5];
    let rows: Vec<HistoryRow> = actuals
        .iter()
        .enumerate()
        .map(|(i, &a)| HistoryRow {
            line: i as u64 + 2,
            id: format!("T{i}"),
            group: None,
            estimate: Distribution::Triangular {
                min: 0.0,
                likely: 5.0,
                max: 10.0,
            },
            actual: a,
        })
        .collect();
    let m = calibrate::metrics(&rows);
    assert_eq!(m.n, 10);
    assert_eq!(
        (m.below_p10, m.coverage_p10_p90, m.above_p90),
        (0.2, 0.6, 0.2)
    );
    // PIT = F(a): 0.02, 0.08, 0.18, 0.32, 0.5, 0.68, 0.82, 0.875, 0.92, 0.995.
    let want = [0.2, 0.1, 0.0, 0.1, 0.0, 0.1, 0.1, 0.0, 0.2, 0.2];
    for (i, (g, w)) in m.pit_deciles.iter().zip(want).enumerate() {
        assert!((g - w).abs() < 1e-12, "decile {i}: {g} vs {w}");
    }
    // Ratios actual / 5: median is the 5th smallest of 10 = 5/5.
    assert_eq!(m.median_actual_over_likely, 1.0);
}

/// A history from a known biased process: actual = likely × LogNormal(μ, σ), with
/// triangular estimates (0.8·L, L, 1.3·L).
fn biased_history(n: usize, mu: f64, sigma: f64) -> Vec<HistoryRow> {
    let mut rng = StdRng::seed_from_u64(99);
    let ln = LogNormal::new(mu, sigma).unwrap();
    (0..n)
        .map(|i| {
            let l: f64 = rng.random_range(3.0..40.0);
            HistoryRow {
                line: i as u64 + 2,
                id: format!("T{i}"),
                group: None,
                estimate: Distribution::Triangular {
                    min: 0.8 * l,
                    likely: l,
                    max: 1.3 * l,
                },
                actual: l * ln.sample(&mut rng),
            }
        })
        .collect()
}

#[test]
fn a_known_bias_is_recovered_and_the_correction_is_calibrated_on_held_out_rows() {
    let (mu, sigma, n) = (0.25, 0.3, 3000);
    let rows = biased_history(n, mu, sigma);
    let m = calibrate::metrics(&rows);
    // Median of a lognormal sample: SE ≈ 1.2533·σ·e^μ/√n; sd of logs: SE ≈ σ/√(2n).
    let se_median = 1.2533 * sigma * mu.exp() / (n as f64).sqrt();
    assert!(
        (m.median_actual_over_likely - mu.exp()).abs() < 5.0 * se_median,
        "{}",
        m.median_actual_over_likely
    );
    assert!(
        (m.log_ratio_sd - sigma).abs() < 5.0 * sigma / (2.0 * n as f64).sqrt(),
        "{}",
        m.log_ratio_sd
    );
    assert!(
        m.coverage_p10_p90 < 0.5,
        "the raw estimates are badly calibrated: {}",
        m.coverage_p10_p90
    );
    let bt = calibrate::backtest(&rows, 5).unwrap();
    let se = (0.8f64 * 0.2 / n as f64).sqrt();
    assert!(
        (bt.coverage_after - 0.8).abs() < 5.0 * se,
        "after {}",
        bt.coverage_after
    );
    assert!((bt.coverage_before - m.coverage_p10_p90).abs() < 1e-12);
    // The fitted bias is μ minus the estimates' own mean log-ratio (a small constant).
    let c = calibrate::fit(&rows).unwrap();
    let x: f64 = {
        let d = Distribution::Triangular {
            min: 0.8,
            likely: 1.0,
            max: 1.3,
        };
        (0..4000)
            .map(|i| d.quantile((i as f64 + 0.5) / 4000.0).ln())
            .sum::<f64>()
            / 4000.0
    };
    assert!(
        (c.log_bias - (mu - x)).abs() < 5.0 * sigma / (n as f64).sqrt(),
        "b {}",
        c.log_bias
    );
}

fn history_csv(rows: &[(f64, f64, f64, f64)]) -> String {
    let mut s = String::from("id,min,likely,max,actual,group\n");
    for (i, (a, c, b, act)) in rows.iter().enumerate() {
        s += &format!(
            "T{i},{a},{c},{b},{act},{}\n",
            if i % 2 == 0 { "build" } else { "test" }
        );
    }
    s
}

#[test]
fn calibrate_cli_outputs_save_and_run_with_the_correction() {
    // Every task took exactly 1.5 × its fixed estimate: the correction is ×1.5, σ = 0.
    let rows: Vec<(f64, f64, f64, f64)> = (0..40)
        .map(|i| {
            let l = 2.0 + i as f64;
            (l, l, l, 1.5 * l)
        })
        .collect();
    let dir = plan_dir(&[
        ("history.csv", &history_csv(&rows)),
        (
            "tasks.csv",
            "id,distribution,likely,group\nA,fixed,10,build\n",
        ),
    ]);
    let hist = dir.path().join("history.csv");
    let out = cargo_bin_cmd!("slipcast")
        .args(["calibrate", "--format", "csv"])
        .arg(&hist)
        .output()
        .unwrap();
    super::assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("metric,value\nn,40\ncoverage_p10_p90,0\nbelow_p10,0\nabove_p90,1\n"),
        "{text}"
    );
    assert!(text.contains("median_actual_over_likely,1.5\n"));
    let out = cargo_bin_cmd!("slipcast")
        .args(["calibrate", "--format", "csv", "--by", "group"])
        .arg(&hist)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("group,metric,value\nall,n,40\n")
            && text.contains("\nbuild,n,20\n")
            && text.contains("\ntest,n,20\n"),
        "{text}"
    );
    let saved = dir.path().join("cal.json");
    cargo_bin_cmd!("slipcast")
        .args(["calibrate", "--backtest", "--save"])
        .arg(&saved)
        .arg(&hist)
        .assert()
        .success();
    let out = cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "500", "--format", "json", "--calibration"])
        .arg(&saved)
        .arg(dir.path().join("tasks.csv"))
        .output()
        .unwrap();
    super::assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["calibration"].as_str().unwrap().contains("median ×1.50"));
    for q in v["milestones"][0]["percentiles"].as_array().unwrap() {
        assert!((q["days"].as_f64().unwrap() - 15.0).abs() < 1e-3, "{q}");
    }
    assert!(String::from_utf8_lossy(&out.stderr).contains("calibrated with"));
}

#[test]
fn history_validation() {
    let bad = |text: &str, args: &[&str], frag: &str| {
        let dir = plan_dir(&[("h.csv", text)]);
        cargo_bin_cmd!("slipcast")
            .arg("calibrate")
            .args(args)
            .arg(dir.path().join("h.csv"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(frag));
    };
    use predicates::prelude::*;
    bad(
        "id,min,likely,max,actual\nA,1,2,3,\n",
        &[],
        "line 2, column actual (A): the row has no actual duration",
    );
    bad(
        "id,min,likely,max,actual\nA,1,2,3,0\n",
        &[],
        "must be more than 0",
    );
    bad("id,min,likely,max,actual\n", &[], "the history has no rows");
    bad(
        "id,min,likely,max,actual\nA,1,2,3,4\nB,1,2,3,4\n",
        &["--save", "x.json"],
        "needs at least 10 past tasks",
    );
    let dir = plan_dir(&[("t.csv", "week,done\n1,5\nx,4\n")]);
    cargo_bin_cmd!("slipcast")
        .args(["throughput", "--weeks", "4"])
        .arg(dir.path().join("t.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "line 3, column week: expected a week",
        ));
    let dir = plan_dir(&[("t.csv", "week,done\n")]);
    cargo_bin_cmd!("slipcast")
        .args(["throughput", "--weeks", "4"])
        .arg(dir.path().join("t.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the history is empty"));
}

fn history(weeks: Vec<f64>) -> History {
    History {
        file: "h.csv".into(),
        weeks,
        first_week: None,
        arrivals: None,
        notes: Vec::new(),
    }
}

#[test]
fn constant_throughput_gives_exact_weeks_and_items() {
    let h = history(vec![5.0; 30]);
    let f = throughput::forecast_items(&h, 22.0, 26, None, 1000, 1).unwrap();
    assert_eq!(f.percentiles, [Some(4.4); 4]);
    let f = throughput::forecast_weeks(&h, 3, 26, 1000, 1);
    assert_eq!(f.percentiles, [Some(15.0); 4]);
}

#[test]
fn a_two_valued_history_matches_its_exact_distribution() {
    // Weeks of 0 or 10 items, equally often: 4 weeks give 10·Binomial(4, ½):
    // F(0) = 1/16, F(10) = 5/16, F(20) = 11/16, F(30) = 15/16.
    let h = history(
        (0..26)
            .map(|i| if i % 2 == 0 { 0.0 } else { 10.0 })
            .collect(),
    );
    let f = throughput::forecast_weeks(&h, 4, 26, 20_000, 3);
    assert_eq!(f.percentiles, [10.0, 20.0, 30.0, 30.0].map(Some));
    // Weeks to finish 15 items: T ≥ 2 draws of 10 are needed; P(finish within 2 weeks) = ¼
    // (both 10): 1.5 weeks then. P(within 3 weeks) = ½.
    let g = throughput::forecast_items(&h, 15.0, 26, None, 20_000, 3).unwrap();
    assert_eq!(g.percentiles[0], Some(1.5));
}

#[test]
fn real_throughput_histories_backtest() {
    for f in [
        "tokio-rs_tokio_weekly_throughput.csv",
        "pallets_flask_weekly_throughput.csv",
    ] {
        let path = super::test_data("throughput").join(f);
        let h = throughput::load(&path).unwrap();
        assert!(h.weeks.len() > 400);
        let bt = throughput::backtest(&h, 4, 26, 2000, 1).unwrap();
        eprintln!(
            "{f}: {} origins, P10–P90 coverage {:.3}",
            bt.origins, bt.coverage_p10_p90
        );
        assert!(
            (0.5..=0.95).contains(&bt.coverage_p10_p90),
            "{f}: {}",
            bt.coverage_p10_p90
        );
        assert!((bt.below_p10 + bt.above_p90 + bt.coverage_p10_p90 - 1.0).abs() < 1e-12);
    }
}

#[test]
fn a_backlog_task_takes_its_duration_from_throughput() {
    let dir = plan_dir(&[
        (
            "team.csv",
            &format!(
                "week,done\n{}",
                (1..=30).map(|w| format!("{w},5\n")).collect::<String>()
            ),
        ),
        (
            "tasks.csv",
            "id,likely,items,throughput,predecessors\nDESIGN,3,,,\nBACKLOG,,22,team.csv,DESIGN\n",
        ),
    ]);
    let (_, _, f) = super::sim_dir(dir.path(), 500, 1);
    // 22 items at 5 per week = 4.4 weeks = 22 working days; after 3 days of design.
    let m = &f.milestones[0];
    assert_eq!(m.id, "BACKLOG");
    assert_eq!(
        (
            m.deterministic,
            m.percentiles[0].days,
            m.percentiles[3].days
        ),
        (25.0, 25.0, 25.0)
    );
    let dir = plan_dir(&[("tasks.csv", "id,likely,items,throughput\nB,3,22,team.csv\n")]);
    cargo_bin_cmd!("slipcast")
        .arg("validate")
        .arg(dir.path())
        .assert()
        .code(2);
}

#[test]
fn calibration_groups_match_whatever_the_case_and_every_mismatch_is_named() {
    // "build" tasks took 2× their estimate, "test" tasks 1×: the build group's correction
    // is ×2 exactly. The plan writes "Build" (matched) and "qa" (no fit: the overall
    // correction, and a warning); "test" is fitted but absent (a warning).
    let rows: Vec<(f64, f64, f64, f64)> = (0..40)
        .map(|i| {
            let l = 2.0 + i as f64;
            (l, l, l, if i % 2 == 0 { 2.0 * l } else { l })
        })
        .collect();
    let dir = plan_dir(&[
        ("history.csv", &history_csv(&rows)),
        (
            "tasks.csv",
            "id,distribution,likely,group\nA,fixed,10,Build\nB,fixed,10,qa\n",
        ),
    ]);
    let saved = dir.path().join("cal.json");
    cargo_bin_cmd!("slipcast")
        .args(["calibrate", "--by", "group", "--save"])
        .arg(&saved)
        .arg(dir.path().join("history.csv"))
        .assert()
        .success();
    let out = cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "500", "--format", "json", "--calibration"])
        .arg(&saved)
        .arg(dir.path().join("tasks.csv"))
        .output()
        .unwrap();
    super::assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let a = v["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "A")
        .unwrap();
    for q in a["percentiles"].as_array().unwrap() {
        assert!((q["days"].as_f64().unwrap() - 20.0).abs() < 1e-3, "{q}");
    }
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 of the plan's groups with their own fit"),
        "{err}"
    );
    assert!(err.contains("group \"qa\" (1 task) has no fit"), "{err}");
    assert!(err.contains("group \"test\" was fitted"), "{err}");
}

#[test]
fn throughput_dates_fall_on_working_days_by_the_plan_convention() {
    // One week of history, 7 items: N items take N/7 weeks = 5N/7 working days from
    // Monday 4 Jan 2027, finishing on working day ⌈5N/7⌉.
    let dir = plan_dir(&[("h.csv", "week,done\n2026-12-28,7\n")]);
    let expect = [
        "2027-01-04",
        "2027-01-05",
        "2027-01-06",
        "2027-01-06",
        "2027-01-07",
        "2027-01-08",
        "2027-01-08",
    ];
    for (n, want) in (1..=7).zip(expect) {
        let out = cargo_bin_cmd!("slipcast")
            .args([
                "throughput",
                "--format",
                "json",
                "-n",
                "100",
                "--start",
                "2027-01-04",
            ])
            .args(["--items", &n.to_string()])
            .arg(dir.path().join("h.csv"))
            .output()
            .unwrap();
        super::assert_success(&out);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for d in v["forecasts"][0]["dates"].as_array().unwrap() {
            assert_eq!(d, want, "{n} items");
        }
    }
    // A Sunday–Thursday week: 7 items from Sunday 3 Jan finish on Thursday 7 Jan.
    let out = cargo_bin_cmd!("slipcast")
        .args([
            "throughput",
            "--format",
            "json",
            "-n",
            "100",
            "--start",
            "2027-01-03",
        ])
        .args(["--workweek", "Sun,Mon,Tue,Wed,Thu", "--items", "7"])
        .arg(dir.path().join("h.csv"))
        .output()
        .unwrap();
    super::assert_success(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["forecasts"][0]["dates"][3], "2027-01-07");
    // The table prints weeks to one decimal.
    let out = cargo_bin_cmd!("slipcast")
        .args(["throughput", "-n", "100", "--items", "3"])
        .arg(dir.path().join("h.csv"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("P50 0.4"));
}

/// `--format markdown` gives Markdown tables (it printed JSON before), and the typed
/// reports behind them carry the same numbers as the library calls.
#[test]
fn calibrate_and_throughput_print_markdown_tables() {
    let rows: Vec<(f64, f64, f64, f64)> = (0..12)
        .map(|i| (4.0, 5.0, 7.0, 5.0 + (i % 3) as f64))
        .collect();
    let dir = plan_dir(&[
        ("h.csv", &history_csv(&rows)),
        ("t.csv", "week,done\n1,5\n2,5\n3,5\n4,5\n"),
    ]);
    let out = cargo_bin_cmd!("slipcast")
        .args(["calibrate", "--format", "markdown"])
        .arg(dir.path().join("h.csv"))
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.starts_with("| Rows | Tasks | Inside P10–P90"), "{md}");
    assert!(md.contains("\n| All | 12 | "), "{md}");
    let out = cargo_bin_cmd!("slipcast")
        .args(["throughput", "--items", "22", "--format", "markdown"])
        .arg(dir.path().join("t.csv"))
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    // Five items a week, every week: 22 items take exactly 4.4 weeks at every percentile.
    assert!(
        md.contains("| weeks to finish 22 items | 4.4 weeks | 4.4 weeks | 4.4 weeks | 4.4 weeks |"),
        "{md}"
    );
    let req = throughput::ThroughputRequest {
        items: Some(22.0),
        window: 26,
        iterations: 1000,
        seed: 1,
        ..Default::default()
    };
    let r = throughput::report(&history(vec![5.0; 30]), &req).unwrap();
    assert_eq!(r.forecasts.len(), 1);
    assert_eq!(r.forecasts[0].percentiles, [Some(4.4); 4]);
    let zero = throughput::ThroughputRequest {
        iterations: 0,
        ..req
    };
    assert!(throughput::check_request(&zero).is_err());
}
