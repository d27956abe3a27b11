//! Forecast trend and scoring (`slipcast trend`): scores against answers theory gives,
//! and the command from `run --record` to `trend.html`.

use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;
use chrono::{Days, NaiveDate};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution as _, Normal};
use slipcast::history::trend::{self, Actual, Recorded, TrendRequest};
use statrs::distribution::{ContinuousCDF, Normal as N01};

use super::plan_dir;

const MILESTONES: usize = 1000;

/// A calibrated forecaster's record: milestone k's finish is 20 days plus four
/// independent stages of N(40, 12²) days after its start; recording j (of four, a month
/// apart) knows the first j stages, so its forecast is the exact conditional
/// distribution: N(20 + known + 40(4 − j), 144(4 − j)). Its percentiles and the actual are
/// whole days (rounded), the target is day 170 and p_target the exact chance of meeting it.
/// `late` puts every actual a week after the latest of its recordings' P90s.
fn history(late: bool) -> (Vec<Recorded>, Vec<Actual>, Vec<f64>) {
    let z = N01::standard();
    let q = [0.1, 0.5, 0.8, 0.9].map(|p| z.inverse_cdf(p));
    let stage = Normal::new(40.0, 12.0).unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    let origin = NaiveDate::from_ymd_opt(2027, 1, 4).unwrap();
    let day = |s: NaiveDate, x: f64| s + Days::new(x.round() as u64);
    let (mut rows, mut actuals, mut p_targets) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..MILESTONES {
        let start = origin + Days::new(k as u64);
        let x: Vec<f64> = (0..4).map(|_| stage.sample(&mut rng)).collect();
        let total = 20.0 + x.iter().sum::<f64>();
        let mut latest_p90 = start;
        for j in 0..4 {
            let mean = 20.0 + x[..j].iter().sum::<f64>() + 40.0 * (4 - j) as f64;
            let sd = 12.0 * ((4 - j) as f64).sqrt();
            let p_target = z.cdf((170.5 - mean) / sd);
            p_targets.push(p_target);
            latest_p90 = latest_p90.max(day(start, mean + q[3] * sd));
            rows.push(Recorded {
                line: (rows.len() + 2) as u64,
                recorded_at: start + Days::new(30 * j as u64),
                plan: "P".into(),
                milestone: format!("M{k}"),
                deterministic: day(start, mean),
                p: q.map(|zq| day(start, mean + zq * sd)),
                target: Some(day(start, 170.0)),
                p_target: Some(p_target),
                iterations: 10_000,
                seed: 1,
                plan_hash: format!("{k}-{j}"),
            });
        }
        // Late: a week after the latest of its forecasts' P90s.
        let finish = if late {
            latest_p90 + Days::new(7)
        } else {
            day(start, total)
        };
        actuals.push(Actual {
            plan: None,
            milestone: format!("M{k}"),
            finish,
        });
    }
    (rows, actuals, p_targets)
}

#[test]
fn calibrated_forecasts_score_eighty_percent_inside_and_a_flat_pit() {
    let (rows, actuals, p_targets) = history(false);
    let t = trend::trend(&rows, &actuals, &TrendRequest::default()).unwrap();
    let all = t.scores.last().unwrap();
    assert_eq!(all.group, "all");
    assert_eq!(
        (all.milestones, all.forecasts),
        (MILESTONES, 4 * MILESTONES)
    );
    // Forecasts of one milestone share its actual: the standard error counts
    // milestones, which is conservative for the share over forecasts.
    let n = MILESTONES as f64;
    let se = |p: f64| (p * (1.0 - p) / n).sqrt();
    assert!(
        (all.inside - 0.8).abs() < 5.0 * se(0.8),
        "inside P10–P90: {}",
        all.inside
    );
    // A flat PIT on the recorded percentiles' bins: each band holds its width.
    for (b, (name, width)) in trend::BANDS.iter().enumerate() {
        assert!(
            (all.bands[b] - width).abs() < 5.0 * se(*width),
            "{name}: {} against {width}",
            all.bands[b]
        );
    }
    assert!(
        (all.by_p50 - 0.5).abs() < 5.0 * se(0.5),
        "by P50 {}",
        all.by_p50
    );
    assert!(all.verdict.starts_with("consistent"), "{}", all.verdict);
    eprintln!(
        "calibrated history: inside {:.4}, bands {:?}, by P50 {:.4}, Brier {:?}",
        all.inside, all.bands, all.by_p50, all.brier
    );
    // Calibrated chances: the Brier score's expectation is the mean of p(1 − p).
    let expected: f64 =
        p_targets.iter().map(|p| p * (1.0 - p)).sum::<f64>() / p_targets.len() as f64;
    let brier = all.brier.unwrap();
    let var: f64 = p_targets
        .iter()
        .map(|p| p * (1.0 - p) * (1.0 - 2.0 * p).powi(2))
        .sum::<f64>()
        / p_targets.len() as f64;
    assert!(
        (brier - expected).abs() < 5.0 * (var / n).sqrt(),
        "Brier {brier} against {expected}"
    );
    // Unbiased P50: the mean error is near zero against its spread (days of SD 12–24,
    // about 0.7 working days per day).
    assert!(all.bias.abs() < 5.0 * 20.0 / n.sqrt(), "bias {}", all.bias);
    // Errors shrink as the actual nears: the last month's MAE is below the first's.
    let mae: Vec<f64> = t.accuracy.iter().map(|a| a.mae).collect();
    assert!(mae.first().unwrap() < mae.last().unwrap(), "{mae:?}");
}

#[test]
fn actuals_always_past_p90_score_nothing_inside() {
    let (rows, actuals, _) = history(true);
    let t = trend::trend(&rows, &actuals, &TrendRequest::default()).unwrap();
    let all = t.scores.last().unwrap();
    assert_eq!(all.inside, 0.0);
    assert_eq!(all.bands, [0.0, 0.0, 0.0, 0.0, 1.0]);
    assert_eq!(all.met, Some(0.0));
    assert!(
        all.verdict.starts_with("bands too narrow") && all.verdict.contains("optimistic"),
        "{}",
        all.verdict
    );
    assert!(all.bias > 0.0);
}

#[test]
fn a_record_of_many_milestones_keeps_the_page_readable() {
    let (rows, actuals, _) = history(false);
    let t = trend::trend(&rows, &actuals, &TrendRequest::default()).unwrap();
    let html = slipcast::report::trend::trend_html(&t, "r.csv").unwrap();
    // 50 fan charts and the bars of where the actuals fell; the note says so.
    assert_eq!(html.matches("<svg").count(), 51);
    assert!(html.contains("the first 50 of 1000 milestones"), "note");
    let moves = html.split("How P80 moved").nth(1).unwrap();
    let moves = &moves[..moves.find("</table>").unwrap()];
    assert_eq!(moves.matches("<tr").count(), 1 + 25, "the 25 largest moves");
    assert_eq!(slipcast::report::trend::fan_charts(&t).len(), 50);
    // --milestones: the trend and scores of those alone.
    let req = TrendRequest {
        milestones: vec!["M7".into(), "M9".into()],
        ..TrendRequest::default()
    };
    let t = trend::trend(&rows, &actuals, &req).unwrap();
    assert_eq!(t.series.len(), 2);
    assert_eq!(t.scores.last().unwrap().forecasts, 8);
    assert!(
        t.unmatched_actuals.is_empty(),
        "the others' actuals still match"
    );
    let req = TrendRequest {
        milestones: vec!["M7".into(), "Nope".into()],
        ..TrendRequest::default()
    };
    let e = trend::trend(&rows, &actuals, &req).unwrap_err();
    assert!(e.to_string().contains("Nope"), "{e}");
}

fn slipcast(args: &[&str], paths: &[&Path]) -> std::process::Output {
    cargo_bin_cmd!("slipcast")
        .args(args)
        .args(paths)
        .output()
        .unwrap()
}

/// A plan run at three status dates with `--record`, then scored with `--plan` once its
/// launch has an actual finish.
#[test]
fn trend_from_recorded_runs_to_the_page() {
    let tasks = "id,name,min,likely,max,predecessors,milestone,target,actual_start,actual_finish\n\
A,Design,5,8,14,,,,,\n\
B,Build,10,15,25,A,,,,\n\
M1,Design done,,,,A,true,,,\n\
M2,Launch,,,,B,true,2027-03-01,,\n";
    let dir = plan_dir(&[
        ("tasks.csv", tasks),
        ("plan.toml", "name = \"Launch\"\nstart = 2027-01-04\n"),
    ]);
    let out = tempfile::tempdir().unwrap();
    let rec = out.path().join("forecasts.csv");
    let record = |status: &str, tasks: &str| {
        std::fs::write(
            dir.path().join("plan.toml"),
            format!("name = \"Launch\"\nstart = 2027-01-04\nstatus_date = {status}\n"),
        )
        .unwrap();
        std::fs::write(dir.path().join("tasks.csv"), tasks).unwrap();
        let r = slipcast(
            &["run", "-n", "2000", "--format", "csv", "--record"],
            &[&rec, dir.path()],
        );
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    };
    record("2027-01-04", tasks);
    let design_done = tasks
        .replace(
            "A,Design,5,8,14,,,,,",
            "A,Design,5,8,14,,,,2027-01-04,2027-01-15",
        )
        .replace(
            "M1,Design done,,,,A,true,,,",
            "M1,Design done,,,,A,true,,2027-01-15,2027-01-15",
        );
    record("2027-01-18", &design_done);
    let launched = design_done
        .replace(
            "B,Build,10,15,25,A,,,,",
            "B,Build,10,15,25,A,,,2027-01-18,2027-02-19",
        )
        .replace(
            "M2,Launch,,,,B,true,2027-03-01,,",
            "M2,Launch,,,,B,true,2027-03-01,2027-02-19,2027-02-19",
        );
    record("2027-02-22", &launched);

    let page = out.path().join("trend");
    let r = slipcast(
        &["trend", "--plan"],
        &[dir.path(), &rec, Path::new("--out"), &page],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let table = String::from_utf8_lossy(&r.stdout);
    assert!(
        table.contains("1 plan, 2 milestones, 6 recordings"),
        "{table}"
    );
    assert!(table.lines().all(|l| l.chars().count() <= 100), "{table}");
    // The launch's two forecasts before 19 February are scored; the run after it is not.
    let scores = std::fs::read_to_string(page.join("scores.csv")).unwrap();
    let m2 = scores
        .lines()
        .find(|l| l.starts_with("M2,"))
        .expect(&scores);
    assert!(m2.starts_with("M2,1,2,"), "{m2}");
    let trend_csv = std::fs::read_to_string(page.join("trend.csv")).unwrap();
    assert_eq!(trend_csv.lines().count(), 7, "{trend_csv}");
    assert!(
        trend_csv
            .lines()
            .filter(|l| l.contains(",M2,"))
            .all(|l| l.contains(",2027-02-19,"))
    );
    for f in [
        "slippage.csv",
        "accuracy.csv",
        "M1-trend.svg",
        "M2-trend.svg",
        "trend.html",
    ] {
        assert!(page.join(f).exists(), "{f}");
    }
    let json = slipcast(
        &["trend", "--format", "json", "--plan"],
        &[dir.path(), &rec],
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["series"].as_array().unwrap().len(), 2);
    assert_eq!(v["series"][1]["actual"], "2027-02-19");
    assert_eq!(v["series"][1]["after_actual"], 1);
    super::report::renders_in_a_browser(&page.join("trend.html"), 3);

    // Not a record: exit 2 with the file named. A plan the record does not hold: exit 2.
    let r = slipcast(&["trend"], &[&dir.path().join("tasks.csv")]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("not slipcast's forecast record"));
    let other = plan_dir(&[("tasks.csv", tasks), ("plan.toml", "name = \"Other\"\n")]);
    let r = slipcast(&["trend", "--plan"], &[other.path(), &rec]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("no forecasts of the plan \"Other\""));
}

/// Any rows, with dates anywhere in the calendar's range (year 1 to 9999), parse or fail
/// with a diagnostic, and whatever parses is trended and rendered without panic.
#[test]
fn any_record_parses_or_is_refused_and_renders() {
    use proptest::prelude::*;
    let strategy = (
        proptest::collection::vec(
            (
                0u32..4,
                0u32..3,
                proptest::array::uniform6(0i64..3_652_000),
                proptest::option::of(0.0f64..1.0),
            ),
            1..30,
        ),
        proptest::collection::vec((0u32..4, 0i64..3_652_000), 0..6),
    );
    let parsed = std::cell::Cell::new(0);
    // A fixed stream of cases, so the count of records that parse is the same each run.
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
        .run(&strategy, |(rows, actual)| {
            let date = |d: i64| NaiveDate::from_ymd_opt(1, 1, 1).unwrap() + Days::new(d as u64);
            let mut text = trend::COLUMNS.join(",");
            text.push('\n');
            for (m, p, d, pt) in &rows {
                let mut q = [d[2], d[3], d[4], d[5]];
                // Mostly in order; now and then not, which refuses the record.
                if (*m, *p, d[0] % 5) != (3, 2, 0) {
                    q.sort_unstable();
                }
                text.push_str(&format!(
                    "{},plan{p},M{m},{},{},{},{},{},{},{},100,1,h\n",
                    date(d[0]),
                    date(d[1]),
                    date(q[0]),
                    date(q[1]),
                    date(q[2]),
                    date(q[3]),
                    date(d[0]),
                    pt.map(|x| x.to_string()).unwrap_or_default()
                ));
            }
            let mut acts = String::from("milestone,actual_finish\n");
            let mut seen = std::collections::HashSet::new();
            for (m, d) in actual.iter().filter(|(m, _)| seen.insert(*m)) {
                acts.push_str(&format!("M{m},{}\n", date(*d)));
            }
            let (Ok(rows), Ok(actuals)) = (
                trend::parse_record(text.as_bytes(), "r.csv"),
                trend::parse_actuals(acts.as_bytes(), "a.csv"),
            ) else {
                return Ok(());
            };
            parsed.set(parsed.get() + 1);
            for by in [trend::Grouping::Milestone, trend::Grouping::Plan] {
                let req = TrendRequest {
                    by,
                    ..TrendRequest::default()
                };
                let t = trend::trend(&rows, &actuals, &req).unwrap();
                let _ = slipcast::report::trend::trend_table(&t, "r.csv");
                let _ = slipcast::report::trend::trend_html(&t, "r.csv").unwrap();
                for s in &t.scores {
                    prop_assert!((s.bands.iter().sum::<f64>() - 1.0).abs() < 1e-9);
                }
            }
            Ok(())
        })
        .unwrap();
    assert!(
        parsed.get() < 64,
        "no record was refused: the case for it is not exercised"
    );
    assert!(
        parsed.get() >= 16,
        "only {} of 64 records parsed",
        parsed.get()
    );
}
