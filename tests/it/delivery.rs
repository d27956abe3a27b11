//! Delivery forecasting from tracker exports: the Jira and Azure DevOps readers, scope
//! growth, features in priority order.

use std::io::Write;
use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;
use slipcast::history::throughput::{self as tp, Filter};

use crate::test_data;

fn slipcast(args: &[&str], paths: &[&Path]) -> std::process::Output {
    cargo_bin_cmd!("slipcast")
        .args(["throughput"])
        .args(paths)
        .args(args)
        .output()
        .unwrap()
}

fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn file(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::File::create(&p)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    p
}

/// The Jira export, counted by hand from its rows: finished items per week from the week
/// of the first Resolved date, the last (running) week left out.
#[test]
fn a_jira_export_reads_as_weekly_throughput_and_arrivals() {
    let path = test_data("exports/jira-cloud.csv");
    let (h, _) = tp::load_filtered(&path, &Filter::default(), false).unwrap();
    // Recount independently with the csv crate: Resolved is column 11, Created 9.
    let mut rdr = csv::Reader::from_path(&path).unwrap();
    let date = |v: &str| {
        let d = v.split(' ').next().unwrap();
        chrono::NaiveDate::parse_from_str(d, "%d/%b/%y").unwrap()
    };
    let (mut done, mut created) = (Vec::new(), Vec::new());
    for r in rdr.records() {
        let r = r.unwrap();
        if !r[11].is_empty() {
            done.push(date(&r[11]));
        }
        created.push(date(&r[9]));
    }
    let first = *done.iter().min().unwrap();
    let monday = first - chrono::Days::new(first.weekday().num_days_from_monday() as u64);
    assert_eq!(h.first_week, Some(monday));
    use chrono::Datelike;
    let week = |d: chrono::NaiveDate| ((d - monday).num_days() / 7) as usize;
    let mut expect = vec![0.0; h.weeks.len()];
    let mut arrive = vec![0.0; h.weeks.len()];
    for d in done {
        if week(d) < expect.len() && d >= monday {
            expect[week(d)] += 1.0;
        }
    }
    for d in created {
        if d >= monday && week(d) < arrive.len() {
            arrive[week(d)] += 1.0;
        }
    }
    assert_eq!(h.weeks, expect);
    assert_eq!(h.arrivals.as_ref(), Some(&arrive));
    // The latest date, Monday 25 March 2024, starts a week still running: the history
    // ends with the week of 18 March.
    let last = chrono::NaiveDate::from_ymd_opt(2024, 3, 18).unwrap();
    assert_eq!(h.weeks.len() as i64, (last - monday).num_days() / 7 + 1);
    assert!(
        h.notes.iter().any(|n| n.contains("week of 2024-03-25")),
        "{:?}",
        h.notes
    );
    assert!(
        h.notes.iter().any(|n| n.contains("Won't Do")),
        "{:?}",
        h.notes
    );
    assert!(
        h.notes.iter().any(|n| n.contains("3 items are parents")),
        "{:?}",
        h.notes
    );

    // Filters: stories only, cancelled left out, from a date.
    let f = Filter {
        types: vec!["story".into()],
        exclude_status: vec!["Won't Do".into()],
        since: chrono::NaiveDate::from_ymd_opt(2024, 2, 1),
    };
    let (hs, _) = tp::load_filtered(&path, &f, false).unwrap();
    assert_eq!(hs.first_week, chrono::NaiveDate::from_ymd_opt(2024, 1, 29));
    assert!(hs.weeks.iter().sum::<f64>() < h.weeks.iter().sum::<f64>());
    assert!(!hs.notes.iter().any(|n| n.contains("Won't Do")));
}

/// The Azure DevOps export, by hand: closed items (the Removed one has a Closed Date but
/// is left out by status), weeks of 8, 15, 22 and 29 January 2024 (the file's latest date
/// is Friday 2 February: that week is whole).
#[test]
fn an_azure_devops_export_reads_by_hand() {
    let path = test_data("exports/azure-devops.csv");
    let f = Filter {
        types: vec!["User Story".into(), "Bug".into()],
        exclude_status: vec!["Removed".into()],
        since: None,
    };
    let (h, tracks) = tp::load_filtered(&path, &f, true).unwrap();
    let features = tp::open_features(&tracks);
    assert_eq!(h.first_week, chrono::NaiveDate::from_ymd_opt(2024, 1, 8));
    // Closed: 1001 (10 Jan), 1003 (11 Jan), 1002 (12 Jan) | 1004 (19 Jan) | 1006 (24 Jan),
    // 1009 (26 Jan) | 1010 (31 Jan), 1015 (2 Feb).
    assert_eq!(h.weeks, vec![3.0, 1.0, 2.0, 2.0]);
    // Created in those weeks: 1003, 1004, (1005 removed) | 1006, 1007, 1010 | 1008, 1009, 1011 |
    // 1012, 1013, 1015, 1016.
    assert_eq!(h.arrivals, Some(vec![2.0, 3.0, 3.0, 4.0]));
    // Open items by parent, parents named by their titles, in the file's order; the
    // features themselves are no items.
    assert_eq!(
        features,
        vec![
            ("100 Identity: single sign-on".to_string(), 3.0),
            ("101 Reporting, phase 2".to_string(), 3.0)
        ]
    );
}

/// Day-first numeric dates are recognised by a day above 12; a file that mixes both
/// orders is refused naming the line.
#[test]
fn numeric_dates_follow_the_file_and_bad_ones_name_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = file(
        dir.path(),
        "ado.csv",
        "ID,Work Item Type,State,Created Date,Closed Date\n\
         1,Bug,Closed,02/01/2024 10:00,05/01/2024 10:00\n\
         2,Bug,Closed,03/01/2024 10:00,19/01/2024 10:00\n",
    );
    let (h, _) = tp::load_filtered(&p, &Filter::default(), false).unwrap();
    // 5 and 19 January (a Friday: its week is whole): weeks of 1 and 15 January.
    assert_eq!(h.weeks, vec![1.0, 0.0, 1.0]);
    let bad = file(
        dir.path(),
        "bad.csv",
        "ID,Work Item Type,State,Created Date,Closed Date\n\
         1,Bug,Closed,02/01/2024 10:00,05/01/2024 10:00\n\
         2,Bug,Closed,03/01/2024 10:00,next week\n",
    );
    let out = slipcast(&["--items", "5"], &[&bad]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3") && err.contains("closed date") && err.contains("next week"),
        "{err}"
    );
    assert!(err.contains('2'), "names the item: {err}");
    let mixed = file(
        dir.path(),
        "mixed.csv",
        "ID,Work Item Type,State,Created Date,Closed Date\n\
         1,Bug,Closed,02/01/2024 10:00,13/01/2024 10:00\n\
         2,Bug,Closed,03/01/2024 10:00,01/14/2024 10:00\n",
    );
    let out = slipcast(&["--items", "5"], &[&mixed]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("both day first") && err.contains("line 3"),
        "{err}"
    );
}

#[test]
fn missing_columns_empty_selections_and_filters_on_a_weekly_history_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let no_done = file(
        dir.path(),
        "j.csv",
        "Issue key,Issue Type,Status,Created\nA-1,Story,To Do,12/Mar/24 3:15 PM\n",
    );
    let out = slipcast(&["--items", "5"], &[&no_done]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Resolved"));
    let out = slipcast(
        &["--items", "5", "--type", "Feature"],
        &[&test_data("exports/jira-cloud.csv")],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no item is left") && err.contains("Story"),
        "{err}"
    );
    let weekly = file(dir.path(), "w.csv", "week,done\n1,4\n2,5\n");
    let out = slipcast(&["--items", "5", "--type", "Story"], &[&weekly]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("weekly history without items"));
    let out = slipcast(&["--items", "5", "--growth", "history"], &[&weekly]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("created"));
    for bad in [
        ["--split", "1.5-1.0"],
        ["--split", "x"],
        ["--growth-share", "0.5"],
        ["--horizon", "0"],
        ["--wip", "0"],
    ] {
        let out = slipcast(&[&["--items", "5"][..], &bad[..]].concat(), &[&weekly]);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
}

/// An item list with a constant `done` items finished and `created` created every week,
/// all on Fridays (so the last week is whole).
fn constant_export(dir: &Path, done: usize, created: usize) -> std::path::PathBuf {
    let mut s = String::from("id,created,done\n");
    let monday = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut k = 0;
    for w in 0..20u64 {
        let day = monday + chrono::Days::new(7 * w + 4);
        for _ in 0..done {
            k += 1;
            let _ = std::fmt::Write::write_fmt(&mut s, format_args!("D{k},2023-12-01,{day}\n"));
        }
        for _ in 0..created {
            k += 1;
            let _ = std::fmt::Write::write_fmt(&mut s, format_args!("C{k},{day},\n"));
        }
    }
    file(dir, "items.csv", &s)
}

/// With a constant throughput t and arrival a, N items take exactly N / (t − a) weeks;
/// with a ≥ t the forecast says the backlog is not finished, with no number.
#[test]
fn growth_at_constant_rates_takes_n_over_t_minus_a() {
    let dir = tempfile::tempdir().unwrap();
    let p = constant_export(dir.path(), 5, 2);
    let v = json(&slipcast(
        &["--items", "30", "--growth", "history", "--format", "json"],
        &[&p],
    ));
    let f = &v["forecasts"][0];
    for i in 0..4 {
        assert_eq!(f["percentiles"][i].as_f64(), Some(10.0), "{f}");
    }
    assert!(f["scope"].as_str().unwrap().contains("grows"), "{f}");
    // Half of the arrivals: 30 / (5 − 1).
    let v = json(&slipcast(
        &[
            "--items",
            "30",
            "--growth",
            "history",
            "--growth-share",
            "0.5",
            "--format",
            "json",
        ],
        &[&p],
    ));
    assert_eq!(v["forecasts"][0]["percentiles"][1].as_f64(), Some(7.5));
    // Without growth: 30 / 5.
    let v = json(&slipcast(&["--items", "30", "--format", "json"], &[&p]));
    assert_eq!(v["forecasts"][0]["percentiles"][1].as_f64(), Some(6.0));

    let fast = tempfile::tempdir().unwrap();
    let p = constant_export(fast.path(), 5, 5);
    let out = slipcast(
        &["--items", "30", "--growth", "history", "--horizon", "200"],
        &[&p],
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("not finished within 200 weeks in 100 %"),
        "{text}"
    );
    assert!(!text.contains("P50"), "{text}");
    let v = json(&slipcast(
        &["--items", "30", "--growth", "history", "--format", "json"],
        &[&p],
    ));
    assert!(v["forecasts"][0]["percentiles"][1].is_null(), "{v}");
    assert_eq!(v["forecasts"][0]["unfinished"].as_f64(), Some(1.0));
}

/// Two features sharing a team of 5 items a week: with WIP 1 in sequence (10 items in 2
/// weeks, then 15 more by week 5); with WIP 2 sharing 3 and 2 a week (the first's last
/// item a third of week 4 in, then all of the rest of the week to the second: 5 weeks).
#[test]
fn features_share_a_team_in_priority_order() {
    let dir = tempfile::tempdir().unwrap();
    let p = constant_export(dir.path(), 5, 0);
    let features = file(
        dir.path(),
        "features.csv",
        "feature,items\nCheckout,10\nRefunds,15\n",
    );
    let run = |wip: &str| {
        json(&slipcast(
            &[
                "--features",
                features.to_str().unwrap(),
                "--wip",
                wip,
                "--format",
                "json",
            ],
            &[&p],
        ))
    };
    let v = run("1");
    assert_eq!(
        v["features"][0]["percentiles"][0].as_f64(),
        Some(2.0),
        "{v}"
    );
    assert_eq!(
        v["features"][1]["percentiles"][0].as_f64(),
        Some(5.0),
        "{v}"
    );
    let v = run("2");
    assert_eq!(
        v["features"][0]["percentiles"][2].as_f64(),
        Some(3.3333),
        "{v}"
    );
    assert_eq!(
        v["features"][1]["percentiles"][2].as_f64(),
        Some(5.0),
        "{v}"
    );
    assert_eq!(v["wip"].as_u64(), Some(2));

    // The table, with dates, fits 100 columns.
    let out = slipcast(
        &[
            "--features",
            features.to_str().unwrap(),
            "--wip",
            "2",
            "--start",
            "2024-06-03",
        ],
        &[&p],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Refunds") && text.contains("2024-07-05"),
        "{text}"
    );
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    // CSV and Markdown carry the features too.
    for fmt in ["csv", "markdown"] {
        let out = slipcast(
            &["--features", features.to_str().unwrap(), "--format", fmt],
            &[&p],
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Refunds"),
            "{fmt}"
        );
    }
    let dup = file(dir.path(), "dup.csv", "feature,items\nA,3\nA,4\n");
    let out = slipcast(&["--features", dup.to_str().unwrap()], &[&p]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 3"));
}

/// A growth backtest compares the backlog's change (done less arrived) with its forecast:
/// at constant rates every origin's actual change is the forecast, so all are inside.
#[test]
fn a_growth_backtest_scores_the_backlogs_change() {
    let dir = tempfile::tempdir().unwrap();
    let p = constant_export(dir.path(), 5, 2);
    let v = json(&slipcast(
        &[
            "--backtest",
            "--weeks",
            "2",
            "--window",
            "6",
            "--growth",
            "history",
            "--format",
            "json",
        ],
        &[&p],
    ));
    let b = &v["backtest"];
    assert_eq!(b["measure"].as_str(), Some("items done less items arrived"));
    assert_eq!(b["coverage_p10_p90"].as_f64(), Some(1.0), "{b}");
}

/// A plan's backlog task reads an export as its throughput history.
#[test]
fn a_plan_backlog_reads_an_export() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        test_data("exports/azure-devops.csv"),
        dir.path().join("ado.csv"),
    )
    .unwrap();
    file(
        dir.path(),
        "tasks.csv",
        "id,name,items,throughput,predecessors\nB,Backlog,12,ado.csv,\n",
    );
    let out = cargo_bin_cmd!("slipcast")
        .args(["run"])
        .arg(dir.path())
        .args(["-n", "2000", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The committed exports with random cells replaced (dates of any year and format,
/// junk, empties, quotes, line breaks): each parses or is refused with a diagnostic,
/// and whatever parses forecasts a backlog with growth, features and a table.
#[test]
fn any_edited_export_parses_or_is_refused_and_forecasts() {
    use proptest::prelude::*;
    let files = ["exports/jira-cloud.csv", "exports/azure-devops.csv"].map(|f| {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(test_data(f))
            .unwrap();
        r.records()
            .map(|x| x.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
            .collect::<Vec<Vec<String>>>()
    });
    let cells = prop_oneof![
        Just(String::new()),
        Just("x".to_string()),
        Just("13/13/2024 10:00".to_string()),
        Just("line\nbreak, \"quoted\"".to_string()),
        (1i32..9999, 1u32..13, 1u32..29).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        (1u32..29, 0usize..12, 0u32..100, 0u32..13).prop_map(|(d, m, y, h)| format!(
            "{d:02}/{}/{y:02} {h}:05 PM",
            [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
            ][m]
        )),
        (1u32..13, 1u32..29, 1990i32..2040).prop_map(|(m, d, y)| format!("{m}/{d}/{y} 3:15:42 PM")),
    ];
    let strategy = (
        0usize..2,
        proptest::collection::vec((0usize..200, 0usize..30, cells), 0..12),
    );
    let (parsed, refused) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    let mut runner = proptest::test_runner::TestRunner::new_with_rng(
        ProptestConfig {
            cases: 64,
            ..ProptestConfig::default()
        },
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    runner
        .run(&strategy, |(which, edits)| {
            let mut rows = files[which].clone();
            for (r, c, v) in edits {
                let r = 1 + r % (rows.len() - 1);
                let c = c % rows[r].len();
                rows[r][c] = v;
            }
            let mut w = csv::Writer::from_writer(Vec::new());
            for r in &rows {
                w.write_record(r).unwrap();
            }
            let bytes = w.into_inner().unwrap();
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("export.csv");
            std::fs::write(&p, &bytes).unwrap();
            let Ok((h, tracks)) = tp::load_filtered(&p, &Filter::default(), true) else {
                refused.set(refused.get() + 1);
                return Ok(());
            };
            parsed.set(parsed.get() + 1);
            let req = tp::ThroughputRequest {
                items: Some(20.0),
                iterations: 200,
                seed: 3,
                growth: h.arrivals.is_some(),
                split: Some((1.0, 1.5)),
                horizon: 100,
                start: chrono::NaiveDate::from_ymd_opt(2024, 6, 3),
                ..tp::ThroughputRequest::default()
            };
            if let Ok(r) = tp::report(&h, &req) {
                let _ = slipcast::report::throughput_table(&h, &r);
            }
            let features = tp::open_features(&tracks);
            if !features.is_empty() {
                let req = tp::ThroughputRequest {
                    features,
                    wip: 2,
                    iterations: 200,
                    seed: 3,
                    horizon: 100,
                    ..tp::ThroughputRequest::default()
                };
                if let Ok(r) = tp::report(&h, &req) {
                    prop_assert!(r.features.iter().all(|f| f.unfinished <= 1.0));
                }
                // Backtested with a short window, so that short exports have origins.
                let split = Some((1.0, 1.5));
                if let Ok(b) = tp::backtest_features(&h, &tracks, 2, split, 2, 100, 200, 3) {
                    let sum = b.coverage_p10_p90 + b.below_p10 + b.above_p90;
                    prop_assert!(b.scored == 0 || (sum - 1.0).abs() < 1e-9);
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(
        parsed.get() > 0 && refused.get() > 0,
        "{} {}",
        parsed.get(),
        refused.get()
    );
}

fn cycletime(args: &[&str], paths: &[&Path]) -> std::process::Output {
    cargo_bin_cmd!("slipcast")
        .args(["cycletime"])
        .args(paths)
        .args(args)
        .output()
        .unwrap()
}

/// The Azure DevOps export's cycle times by hand (Activated → Closed, both days counted):
/// 1001 4→10 Jan 7, 1002 8→12 Jan 5, 1003 9→11 Jan 3, 1004 15→19 Jan 5, 1006 17→24 Jan
/// 8, 1009 23→26 Jan 4, 1010 22→31 Jan 10, 1015 1→2 Feb 2: sorted 2 3 4 5 5 7 8 10.
#[test]
fn cycle_times_of_an_azure_devops_export_by_hand() {
    let v = json(&cycletime(
        &[
            "--type",
            "User Story,Bug",
            "--exclude-status",
            "Removed",
            "--format",
            "json",
        ],
        &[&test_data("exports/azure-devops.csv")],
    ));
    let days: Vec<u64> = v["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["days"].as_u64().unwrap())
        .collect();
    // P50: the 4th of 8, P70 the 6th (5.6 up), P85 the 7th (6.8 up), P95 the 8th.
    assert_eq!(days, vec![5, 7, 8, 10]);
    let sle = &v["sle"];
    assert_eq!(sle["days"].as_u64(), Some(8));
    // Binomial(8, 0.85): P(B ≤ 4) = 0.021 ≤ 0.05 < P(B ≤ 5) = 0.105: the 5th value, 5
    // days, bounds it below; P(B = 8) = 0.85⁸ = 0.27 > 0.05: nothing bounds it above.
    assert_eq!(sle["interval"][0].as_u64(), Some(5));
    assert!(sle["interval"][1].is_null());
    // 1001: Thursday 4 to Wednesday 10 January, 5 working days.
    let f = v["finished"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "1001")
        .unwrap();
    assert_eq!(
        (f["days"].as_u64(), f["working_days"].as_u64()),
        (Some(7), Some(5))
    );
    // Ages on the latest date, Friday 2 February: 1007 (25 Jan) 9 days, older than the
    // SLE, and 1 of 8 took longer; 1011 (1 Feb) 2 days, 7 of 8 took longer.
    let aging = v["aging"].as_array().unwrap();
    assert_eq!(aging.len(), 2);
    assert_eq!(aging[0]["id"], "1007");
    assert_eq!(aging[0]["age"].as_u64(), Some(9));
    assert_eq!(aging[0]["share_longer"].as_f64(), Some(0.125));
    assert_eq!(aging[0]["over_sle"].as_bool(), Some(true));
    assert_eq!(aging[1]["share_longer"].as_f64(), Some(0.875));
    assert_eq!(aging[1]["over_sle"].as_bool(), Some(false));
    // As of a later day, ages grow.
    let v = json(&cycletime(
        &["--as-of", "2024-02-09", "--format", "json"],
        &[&test_data("exports/azure-devops.csv")],
    ));
    let a1007 = v["aging"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "1007")
        .unwrap();
    assert_eq!(a1007["age"].as_u64(), Some(16));
}

/// The order-statistic interval of a percentile covers it as often as the binomial
/// count says: 4,000 samples of 40 exponential cycle times, the 85th percentile.
#[test]
fn the_sle_interval_covers_the_true_percentile_at_its_binomial_rate() {
    use rand::{RngExt, SeedableRng};
    use slipcast::history::cycletime::order_interval;
    use statrs::distribution::{Binomial, DiscreteCDF};
    let (n, p) = (40usize, 0.85);
    let (r, s) = order_interval(n, p);
    let (r, s) = (r.unwrap(), s.unwrap());
    let b = Binomial::new(p, n as u64).unwrap();
    let exact = b.cdf((s - 1) as u64) - b.cdf((r - 1) as u64);
    assert!(exact >= 0.90);
    let q = -(1.0f64 - p).ln(); // the exponential(1) 85th percentile
    let mut rng = rand::rngs::StdRng::seed_from_u64(17);
    let reps = 4000;
    let mut covered = 0;
    for _ in 0..reps {
        let mut x: Vec<f64> = (0..n).map(|_| -(1.0 - rng.random::<f64>()).ln()).collect();
        x.sort_by(f64::total_cmp);
        if x[r - 1] <= q && q <= x[s - 1] {
            covered += 1;
        }
    }
    let share = covered as f64 / reps as f64;
    let se = (exact * (1.0 - exact) / reps as f64).sqrt();
    assert!((share - exact).abs() < 5.0 * se, "{share} vs {exact}");
}

#[test]
fn cycletime_of_a_plain_list_writes_its_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = String::from("id,title,start,done\n");
    let day = chrono::NaiveDate::from_ymd_opt(2024, 3, 4).unwrap();
    for k in 0..40u64 {
        // Cycle times 1..=40 days, one finishing each day.
        let done = day + chrono::Days::new(40 + k);
        let start = done - chrono::Days::new(k);
        s.push_str(&format!("I{k},Item {k},{start},{done}\n"));
    }
    // Thirty items in progress, started a day apart from 1 April.
    for k in 0..30u64 {
        let start = chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap() + chrono::Days::new(k);
        s.push_str(&format!("W{k},Still going {k},{start},\n"));
    }
    let p = file(dir.path(), "items.csv", &s);
    let out_dir = dir.path().join("out");
    let out = cycletime(&["--sle", "70", "--out", out_dir.to_str().unwrap()], &[&p]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    // 1..=40: P70 is the 28th value, 28 days.
    assert!(
        text.contains("70 % of items finished within 28 days"),
        "{text}"
    );
    assert!(text.contains("P70 (SLE)"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    // The oldest first; 15 shown, the rest counted.
    assert!(text.contains("W0 Still going 0"), "{text}");
    assert!(text.contains("… 15 more"), "{text}");
    for f in [
        "cycletime.csv",
        "levels.csv",
        "aging.csv",
        "cycletime.html",
        "cycletime.svg",
    ] {
        assert!(out_dir.join(f).is_file(), "{f}");
    }
    let items = std::fs::read_to_string(out_dir.join("cycletime.csv")).unwrap();
    assert_eq!(items.lines().count(), 41);
    crate::report::renders_in_a_browser(&out_dir.join("cycletime.html"), 1);
}

#[test]
fn cycletime_refuses_what_it_cannot_measure() {
    let dir = tempfile::tempdir().unwrap();
    let jira = file(
        dir.path(),
        "j.csv",
        "Issue key,Issue Type,Status,Created,Resolved\nA-1,Story,Done,01/Mar/24 3:15 PM,12/Mar/24 3:15 PM\n",
    );
    let out = cycletime(&[], &[&jira]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Start date") && err.contains("no item has a start date"),
        "{err}"
    );
    let weekly = file(dir.path(), "w.csv", "week,done\n1,4\n");
    let out = cycletime(&[], &[&weekly]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no items with dates"));
    let out = cycletime(&["--sle", "100"], &[&test_data("exports/azure-devops.csv")]);
    assert_eq!(out.status.code(), Some(2));
}

/// An item list: items in priority order, `(parent, week done)` each (`None`: open),
/// all created on Monday 1 January 2024 and finished on the Friday of their week, so
/// every week is whole.
fn feature_items(
    dir: &Path,
    items: &[(String, Option<u64>)],
) -> (tp::History, Vec<tp::FeatureTrack>) {
    let monday = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let mut text = String::from("id,created,done,parent\n");
    for (j, (parent, week)) in items.iter().enumerate() {
        let done = week.map_or(String::new(), |w| {
            (monday + chrono::Days::new(7 * w + 4)).to_string()
        });
        text.push_str(&format!("{j},{monday},{done},{parent}\n"));
    }
    let p = file(dir, "items.csv", &text);
    tp::load_filtered(&p, &Filter::default(), true).unwrap()
}

/// Ten features of four items done two a week in priority order: sampling four weeks of
/// that pace, every forecast from every origin names the week the feature finished.
/// At origin o the open features are F⌊o/2⌋ … F9: 16 origins (weeks 4–19), 72
/// forecasts, all exact.
#[test]
fn the_features_backtest_scores_exact_forecasts_as_inside() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<(String, Option<u64>)> = (0..40)
        .map(|j| (format!("F{}", j / 4), Some(j / 2)))
        .collect();
    let (h, tracks) = feature_items(dir.path(), &items);
    assert_eq!(h.weeks, vec![2.0; 20]);
    let b = tp::backtest_features(&h, &tracks, 1, None, 4, 520, 500, 1).unwrap();
    assert_eq!((b.origins, b.scored, b.unscored), (16, 72, 0));
    assert_eq!(b.coverage_p10_p90, 1.0);
    assert_eq!(b.median_error_weeks, Some(0.0));
}

/// The same plan with one more item of F5, never finished, listed last. While F5's
/// own items are open (origins 4–11) it ranks sixth: its forecast (12.5 − o weeks, its
/// P90 week 13 − o) has passed before the export ends (20 − o weeks ahead), so it is
/// scored late; F6–F9 carry its item and are forecast one week later than they
/// finished (early, 4 × 8). From origin 12 F5 holds only that item and ranks last: its
/// P90 week (21 − o) lies beyond the export, so it is not scored (8); every other
/// forecast is exact.
#[test]
fn the_features_backtest_scores_late_early_and_open_features_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let mut items: Vec<(String, Option<u64>)> = (0..40)
        .map(|j| (format!("F{}", j / 4), Some(j / 2)))
        .collect();
    items.push(("F5".into(), None));
    let (h, tracks) = feature_items(dir.path(), &items);
    let b = tp::backtest_features(&h, &tracks, 1, None, 4, 520, 500, 1).unwrap();
    assert_eq!((b.origins, b.scored, b.unscored), (16, 72, 8));
    assert_eq!(b.above_p90, 8.0 / 72.0);
    assert_eq!(b.below_p10, 32.0 / 72.0);
    assert_eq!(b.coverage_p10_p90, 32.0 / 72.0);
    // Finished forecasts: 32 exact, 32 a week early (nearest rank: the 32nd of 64).
    assert_eq!(b.median_error_weeks, Some(-1.0));
}

/// A team that slows down (four items a week for eight weeks, then one): forecasts
/// sampling the fast weeks are late, never early — the actual pace is the slowest the
/// bootstrap can draw, so no feature finishes before its P10 (from week 12 the window
/// holds only slow weeks and the forecasts are exact).
#[test]
fn the_features_backtest_sees_a_team_that_slowed_down() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<(String, Option<u64>)> = (0..48)
        .map(|j| {
            (
                format!("F{}", j / 4),
                Some(if j < 32 { j / 4 } else { j - 24 }),
            )
        })
        .collect();
    let (h, tracks) = feature_items(dir.path(), &items);
    assert_eq!(h.weeks.len(), 24);
    let b = tp::backtest_features(&h, &tracks, 1, None, 4, 520, 500, 1).unwrap();
    assert_eq!(b.below_p10, 0.0, "{b:?}");
    assert!(b.above_p90 > 0.3, "{b:?}");
    assert!(b.median_error_weeks.unwrap() >= 0.0, "{b:?}");
    // Assuming three at once when the team finished them one by one: the first of the
    // three is forecast later than it finished, so some forecasts are early misses.
    let b3 = tp::backtest_features(&h, &tracks, 3, None, 4, 520, 500, 1).unwrap();
    assert!(b3.below_p10 > 0.0, "{b3:?}");
}

/// The command line backtests features from `--by-parent` and says so in every format.
#[test]
fn throughput_backtests_features_by_parent() {
    let path = test_data("exports/azure-devops.csv");
    let args = [
        "--by-parent",
        "--backtest",
        "--window",
        "2",
        "--weeks",
        "1",
        "--type",
        "User Story,Bug",
        "--exclude-status",
        "Removed",
    ];
    let out = slipcast(&[&args[..], &["--format", "json"]].concat(), &[&path]);
    let v = json(&out);
    let b = &v["features_backtest"];
    assert_eq!(b["window"], 2);
    assert!(b["origins"].as_u64().unwrap() >= 1, "{b}");
    let out = slipcast(&args, &[&path]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Features backtest:"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
    let out = slipcast(&[&args[..], &["--format", "csv"]].concat(), &[&path]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("features_backtest_coverage_p10_p90"));
}

/// A simulated team that works two epics at a time (each week 10 tries at 80 %, the
/// items going alternately to the two open epics, 30 % of epic-weeks adding an item):
/// the features backtest covers best with `--wip 2`, the way the team worked (24 %,
/// 49 % and 38 % for WIP 1, 2 and 3: the forecasts do not know the growth to come), and
/// an export with nothing left open is still backtested.
#[test]
fn the_features_backtest_finds_how_many_epics_a_team_works_at_once() {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let monday = chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
    // Per epic, its items' (created week, done week).
    let mut epics: Vec<Vec<(u64, Option<u64>)>> = (0..40)
        .map(|_| vec![(0, None); rng.random_range(6..=20)])
        .collect();
    let (mut active, mut next): (Vec<usize>, usize) = (Vec::new(), 0);
    for w in 0..60u64 {
        while active.len() < 2 && next < epics.len() {
            for it in &mut epics[next] {
                it.0 = w.saturating_sub(2);
            }
            active.push(next);
            next += 1;
        }
        for &e in &active {
            if rng.random::<f64>() < 0.3 {
                epics[e].push((w, None));
            }
        }
        let mut cap = (0..10).filter(|_| rng.random::<f64>() < 0.8).count();
        let mut i = 0;
        while cap > 0 && !active.is_empty() {
            let e = active[i % active.len()];
            match epics[e].iter_mut().find(|it| it.1.is_none()) {
                Some(it) => {
                    it.1 = Some(w);
                    cap -= 1;
                    i += 1;
                }
                None => {
                    active.retain(|&x| x != e);
                    while active.len() < 2 && next < epics.len() {
                        for it in &mut epics[next] {
                            it.0 = w.saturating_sub(2);
                        }
                        active.push(next);
                        next += 1;
                    }
                }
            }
        }
    }
    let day = |w: u64| monday + chrono::Days::new(7 * w + 2);
    let mut text = String::from("id,created,done,parent\n");
    for (e, items) in epics.iter().enumerate() {
        for (j, (c, d)) in items.iter().enumerate() {
            let done = d.map_or(String::new(), |w| day(w).to_string());
            text.push_str(&format!("{e}-{j},{},{done},Epic {e}\n", day(*c)));
        }
    }
    // The export is taken on the Friday of week 59.
    text.push_str(&format!(
        "last,{},{},Epic 99\n",
        day(59),
        day(59) + chrono::Days::new(2)
    ));
    let dir = tempfile::tempdir().unwrap();
    let p = file(dir.path(), "items.csv", &text);
    let (h, tracks) = tp::load_filtered(&p, &Filter::default(), true).unwrap();
    assert!(tp::open_features(&tracks).len() > 2, "some epics are open");
    let cover: Vec<f64> = (1..=3)
        .map(|wip| {
            tp::backtest_features(&h, &tracks, wip, None, 12, 520, 2000, 1)
                .unwrap()
                .coverage_p10_p90
        })
        .collect();
    assert!(cover[1] > cover[0] && cover[1] > cover[2], "{cover:?}");

    // Everything finished: no forecast, still a backtest.
    let done: String = text
        .lines()
        .filter(|l| !l.ends_with(','))
        .filter(|l| l.split(',').nth(2) != Some(""))
        .map(|l| format!("{l}\n"))
        .collect();
    let p = file(dir.path(), "done.csv", &done);
    let out = slipcast(
        &["--by-parent", "--backtest", "--window", "12", "--wip", "2"],
        &[&p],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success() && text.contains("Features backtest:"),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("only the backtests run"));
}
