//! Big and hostile inputs, generated here: each finishes with the right exit code well
//! inside a generous bound (10× what was measured, never under 5 s), and an input
//! family four times larger costs at most about four times as much (a quadratic cost
//! would show 16×).

use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;

use super::plan_dir;

const LIMIT: Duration = Duration::from_secs(5);

/// Runs slipcast with `args`, asserting the exit code and the time bound; returns the
/// wall time.
fn timed(args: &[&str], code: i32) -> Duration {
    let t = Instant::now();
    let out = cargo_bin_cmd!("slipcast")
        .args(args)
        .timeout(LIMIT * 4)
        .output()
        .unwrap();
    let took = t.elapsed();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{args:?}"
    );
    assert!(took < LIMIT, "{args:?} took {took:?}");
    took
}

/// The time of `make(4n)` is at most about four times that of `make(n)` (with slack
/// for process start-up, which dominates small inputs).
fn scales_linearly(n: usize, make: impl Fn(usize) -> tempfile::TempDir, code: i32) {
    let small = make(n);
    let big = make(4 * n);
    let p = |d: &tempfile::TempDir| d.path().to_string_lossy().into_owned();
    let t1 = timed(&["validate", &p(&small)], code);
    let t4 = timed(&["validate", &p(&big)], code);
    assert!(
        t4 < t1 * 8 + Duration::from_millis(300),
        "{n} → {t1:?}, {} → {t4:?}",
        4 * n
    );
}

#[test]
fn absurd_arguments_are_refused_before_any_work() {
    let plan = plan_dir(&[("tasks.csv", "id,min,likely,max\nA,1,2,4\n")]);
    let p = plan.path().to_string_lossy().into_owned();
    for force in [false, true] {
        let mut args = vec![
            "run",
            &p,
            "-n",
            "2305843009213693952",
            "--max-iterations",
            "4611686018427387904",
        ];
        if force {
            args.push("--force-memory");
        }
        timed(&args, 2);
    }
    timed(
        &[
            "run",
            &p,
            "-n",
            "1000",
            "--threads",
            "100000",
            "--format",
            "csv",
        ],
        0,
    );
    let h = plan_dir(&[("h.csv", "week,done\n2027-01-04,7\n2027-01-11,5\n")]);
    let h = h.path().join("h.csv").to_string_lossy().into_owned();
    for args in [
        vec!["--items", "50", "-n", "1000000000000"],
        vec!["--weeks", "1000000000"],
        vec!["--until", "9999-12-31", "--start", "2027-01-04"],
        vec!["--items", "1000000000000"],
    ] {
        let mut all = vec!["throughput", h.as_str()];
        all.extend(args);
        timed(&all, 2);
    }
    // A date beyond the year 9999 is named as such, never printed as +10004-….
    let out = cargo_bin_cmd!("slipcast")
        .args(["throughput", &h, "--items", "1000", "--start", "9999-12-01"])
        .assert()
        .success();
    out.stdout(
        predicate::str::contains("after 9999-12-31").and(predicate::str::contains("+1000").not()),
    );
    // Two rows 18,000 years apart: refused when read, not walked week by week.
    let gap = plan_dir(&[("g.csv", "week,done\n0001-01-01,3\n9999-12-27,5\n")]);
    let g = gap.path().join("g.csv").to_string_lossy().into_owned();
    timed(&["throughput", &g, "--backtest"], 2);
}

#[test]
fn thousands_of_unknown_predecessors_cost_linear_time() {
    scales_linearly(
        1_500,
        |n| {
            let mut csv = String::from("id,likely,predecessors\n");
            for i in 0..n {
                csv.push_str(&format!("T{i},3,X{i}\n"));
            }
            plan_dir(&[("tasks.csv", &csv)])
        },
        2,
    );
}

#[test]
fn targets_and_constraints_past_a_long_holiday_cost_linear_time() {
    scales_linearly(
        750,
        |n| {
            let mut csv = String::from("id,likely,milestone,target,not_before\n");
            for i in 0..n {
                csv.push_str(&format!(
                    "T{i},3,true,9999-12-31,9999-12-{:02}\n",
                    i % 28 + 1
                ));
            }
            plan_dir(&[
                ("plan.toml", "start = 2027-01-04\n"),
                (
                    "calendar.csv",
                    "from,to,kind\n2028-01-01,9999-12-30,holiday\n",
                ),
                ("tasks.csv", &csv),
            ])
        },
        0,
    );
}

#[test]
fn hundreds_of_freeze_windows_to_the_year_9999_cost_their_count_not_their_days() {
    scales_linearly(
        100,
        |n| {
            let mut cal = String::from("from,to,kind,tags\n");
            let mut tasks = String::from("id,min,likely,max,calendar_tags,predecessors\n");
            for i in 0..n {
                cal.push_str(&format!(
                    "2027-{:02}-{:02},9999-12-{:02},freeze,t{i}\n",
                    i % 12 + 1,
                    i % 27 + 1,
                    i % 28 + 1
                ));
                let pred = if i > 0 {
                    format!("T{}", i - 1)
                } else {
                    String::new()
                };
                tasks.push_str(&format!("T{i},1,2,3,t{i},{pred}\n"));
            }
            plan_dir(&[
                ("plan.toml", "start = 2027-01-04\n"),
                ("calendar.csv", &cal),
                ("tasks.csv", &tasks),
            ])
        },
        0,
    );
}

/// A Microsoft Project XML file of `n` tasks that all carry the ID 1.
fn duplicate_ids_xml(n: usize) -> tempfile::TempDir {
    let tasks: String = (0..n)
        .map(|i| {
            format!(
                "<Task><UID>{}</UID><ID>1</ID><Name>T</Name><Duration>PT8H0M0S</Duration><OutlineLevel>1</OutlineLevel></Task>",
                i + 1
            )
        })
        .collect();
    plan_dir(&[(
        "dup.xml",
        &format!(
            "<?xml version=\"1.0\"?><Project xmlns=\"http://schemas.microsoft.com/project\"><Name>d</Name><StartDate>2027-01-04T08:00:00</StartDate><MinutesPerDay>480</MinutesPerDay><Tasks>{tasks}</Tasks></Project>"
        ),
    )])
}

#[test]
fn an_import_with_thousands_of_duplicate_ids_costs_linear_time() {
    let run = |n: usize| {
        let dir = duplicate_ids_xml(n);
        let file = dir.path().join("dup.xml").to_string_lossy().into_owned();
        let out = dir.path().join("plan").to_string_lossy().into_owned();
        let t = timed(&["import", &file, "--out", &out], 0);
        let tasks = std::fs::read_to_string(dir.path().join("plan/tasks.csv")).unwrap();
        assert!(tasks.contains(&format!("\nT1_{n},")));
        t
    };
    let (t1, t4) = (run(2_500), run(10_000));
    assert!(t4 < t1 * 8 + Duration::from_millis(300), "{t1:?} → {t4:?}");
}

#[test]
fn a_long_double_chain_with_a_cycle_is_named_in_linear_time() {
    scales_linearly(
        12_500,
        |n| {
            let mut csv = String::from("id,likely,predecessors\n");
            for i in 0..n {
                let mut p = Vec::new();
                if i >= 1 {
                    p.push(format!("T{}", i - 1));
                }
                if i >= 2 {
                    p.push(format!("T{}", i - 2));
                }
                if i == 0 {
                    p.push(format!("T{}", n - 1));
                }
                csv.push_str(&format!("T{i},1,{}\n", p.join(";")));
            }
            plan_dir(&[("tasks.csv", &csv)])
        },
        2,
    );
}

/// A Microsoft Project XML file: tasks as (outline level, summary, hours, links as
/// (predecessor UID, type: 0 FF, 1 FS, 2 SF, 3 SS)); UIDs and IDs are 1, 2, ….
type XmlTask = (usize, bool, u32, Vec<(usize, u8)>);

fn mspdi(tasks: &[XmlTask]) -> String {
    let body: String = tasks
        .iter()
        .enumerate()
        .map(|(i, (level, summary, hours, links))| {
            let links: String = links
                .iter()
                .map(|(p, t)| {
                    format!("<PredecessorLink><PredecessorUID>{p}</PredecessorUID><Type>{t}</Type></PredecessorLink>")
                })
                .collect();
            format!(
                "<Task><UID>{u}</UID><ID>{u}</ID><Name>N{u}</Name><OutlineLevel>{level}</OutlineLevel><Summary>{}</Summary><Duration>PT{hours}H0M0S</Duration>{links}</Task>",
                u8::from(*summary),
                u = i + 1
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><Project xmlns=\"http://schemas.microsoft.com/project\"><Name>s</Name><StartDate>2027-01-04T08:00:00</StartDate><MinutesPerDay>480</MinutesPerDay><Tasks>{body}</Tasks></Project>"
    )
}

#[test]
fn links_between_summaries_keep_their_dates_through_connectors() {
    // S1 (A 2 d, B 3 d) → FS → S2 (C 1 d, D 2 d); S1 → SS+0 → E (1 d); F (4 d) → FF → S2.
    // C and D start when S1's work is done (day 3); E starts with S1 (day 0); C and D
    // finish no earlier than F (day 4): C 3–4, D 3–5.
    let file = mspdi(&[
        (1, true, 0, vec![]),
        (2, false, 16, vec![]),
        (2, false, 24, vec![]),
        (1, true, 0, vec![(1, 1), (7, 0)]),
        (2, false, 8, vec![]),
        (2, false, 16, vec![]),
        (1, false, 8, vec![(1, 3)]),
        (1, false, 32, vec![]),
    ]);
    let dir = plan_dir(&[("s.xml", &file)]);
    let s = slipcast::import::read(&dir.path().join("s.xml")).unwrap();
    let out = dir.path().join("plan");
    let w = slipcast::import::write_plan(&s, &out, &slipcast::import::ImportOptions::default())
        .unwrap();
    let rows = slipcast::import::fidelity(&s, &w).unwrap();
    assert!(
        rows.iter().all(|r| !r.task.starts_with('S')),
        "connectors are not checked"
    );
    let plan = slipcast::load(&out).unwrap();
    let net = slipcast::compile(&plan).unwrap();
    let at = |id: &str| {
        let i = net.index_of(id).unwrap();
        (net.det_start()[i], net.det_finish()[i])
    };
    assert_eq!(at("T5"), (3.0, 4.0));
    assert_eq!(at("T6"), (3.0, 5.0));
    assert_eq!(at("T7"), (0.0, 1.0));
    // Nested: S1 holds S2 (A 2 d) and B (1 d); S3 holds S4 (C 1 d) and D (1 d); S1 → FS
    // → S3 and S2 → FF → S4: C and D start after A (day 2); nothing after S3 waits
    // longer than its own work.
    let file = mspdi(&[
        (1, true, 0, vec![]),
        (2, true, 0, vec![]),
        (3, false, 16, vec![]),
        (2, false, 8, vec![]),
        (1, true, 0, vec![(1, 1)]),
        (2, true, 0, vec![(2, 0)]),
        (3, false, 8, vec![]),
        (2, false, 8, vec![]),
        (1, false, 8, vec![(5, 1)]),
    ]);
    std::fs::write(dir.path().join("n.xml"), file).unwrap();
    let s = slipcast::import::read(&dir.path().join("n.xml")).unwrap();
    let out = dir.path().join("nested");
    slipcast::import::write_plan(&s, &out, &slipcast::import::ImportOptions::default()).unwrap();
    let net = slipcast::compile(&slipcast::load(&out).unwrap()).unwrap();
    let at = |id: &str| {
        let i = net.index_of(id).unwrap();
        (net.det_start()[i], net.det_finish()[i])
    };
    assert_eq!(at("T3"), (0.0, 2.0));
    assert_eq!(at("T7"), (2.0, 3.0));
    assert_eq!(at("T8"), (2.0, 3.0));
    assert_eq!(at("T9"), (3.0, 4.0));
}

#[test]
fn a_summary_linked_to_a_summary_costs_linear_time() {
    let run = |n: usize| {
        let mut tasks = vec![(1, true, 0, vec![])];
        tasks.extend((0..n).map(|_| (2, false, 8, vec![])));
        tasks.push((1, true, 0, vec![(1, 1)]));
        tasks.extend((0..n).map(|_| (2, false, 8, vec![])));
        let dir = plan_dir(&[("s.xml", &mspdi(&tasks))]);
        let file = dir.path().join("s.xml").to_string_lossy().into_owned();
        let out = dir.path().join("plan").to_string_lossy().into_owned();
        let t = timed(&["import", &file, "--out", &out], 0);
        let csv = std::fs::read_to_string(dir.path().join("plan/tasks.csv")).unwrap();
        // Each task of the second summary has one link (from the connector), not n.
        assert!(csv.lines().count() < 2 * n + 10);
        assert!(csv.len() < 200 * n);
        t
    };
    let (t1, t4) = (run(1_000), run(4_000));
    assert!(t4 < t1 * 8 + Duration::from_millis(300), "{t1:?} → {t4:?}");
}

#[test]
fn thousands_of_nested_outline_levels_cost_linear_time() {
    let run = |depth: usize| {
        // Each level: a summary holding one task and the next level; the top summary
        // links to a task after it all.
        let mut tasks = Vec::new();
        for l in 0..depth {
            tasks.push((l + 1, true, 0, vec![]));
            tasks.push((l + 2, false, 8, vec![]));
        }
        tasks.push((1, false, 8, vec![(1, 1)]));
        let dir = plan_dir(&[("s.xml", &mspdi(&tasks))]);
        let file = dir.path().join("s.xml").to_string_lossy().into_owned();
        let out = dir.path().join("plan").to_string_lossy().into_owned();
        timed(&["import", &file, "--out", &out], 0)
    };
    let (t1, t4) = (run(500), run(2_000));
    assert!(t4 < t1 * 8 + Duration::from_millis(300), "{t1:?} → {t4:?}");
}
