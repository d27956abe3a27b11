//! The command line: validation errors (exit 2, file/line/column and a fix), output
//! shapes, --out files, and the example plans.

use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;

const GOOD: &str = "id,name,min,likely,max,predecessors,milestone,target\n\
A,Design,5,8,14,,,\n\
B,Build,10,15,25,A,,\n\
C,Docs,3,4,6,A,,\n\
D,Test,3,5,9,B;C,,\n\
M,Launch,,,,D,true,2027-03-31\n";

fn folder(tasks: &str, toml: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tasks.csv"), tasks).unwrap();
    if let Some(t) = toml {
        std::fs::write(dir.path().join("plan.toml"), t).unwrap();
    }
    dir
}

/// Runs `validate` and `run` on a plan whose tasks.csv is `tasks`; both must exit 2 and
/// stderr must contain every fragment.
fn rejects(tasks: &str, toml: Option<&str>, fragments: &[&str]) {
    let dir = folder(tasks, toml);
    for sub in ["validate", "run"] {
        let mut pred = predicate::str::contains("error:").boxed();
        for f in fragments {
            pred = pred.and(predicate::str::contains(*f)).boxed();
        }
        cargo_bin_cmd!("slipcast")
            .arg(sub)
            .arg(dir.path())
            .assert()
            .code(2)
            .stdout("")
            .stderr(pred)
            .stderr(predicate::str::contains("panicked").not());
    }
}

#[test]
fn unknown_column_names_the_closest() {
    rejects(
        "id,likley,predecessors\nA,3,\n",
        None,
        &[
            "tasks.csv line 1, column likley",
            "unknown column \"likley\"",
            "did you mean \"likely\"?",
        ],
    );
}

#[test]
fn underscore_columns_are_the_users_own() {
    let dir = folder(
        "id,likely,_owner,_notes\nA,3,ana,\"note, with comma\"\n",
        None,
    );
    cargo_bin_cmd!("slipcast")
        .arg("validate")
        .arg(dir.path())
        .assert()
        .success();
}

#[test]
fn duplicate_id() {
    rejects(
        "id,likely\nA,3\nB,2\nA,4\n",
        None,
        &[
            "line 4, column id",
            "duplicate id \"A\" (first used on line 2)",
        ],
    );
}

#[test]
fn dangling_predecessor() {
    rejects(
        "id,likely,predecessors\nBuild,3,\nTest,2,Biuld\n",
        None,
        &[
            "line 3, column predecessors",
            "predecessor \"Biuld\" of task Test is not a task id",
            "did you mean Build?",
        ],
    );
}

#[test]
fn cycle_names_every_task_on_it() {
    rejects(
        "id,likely,predecessors\nStart,1,\nA,3,Start;C\nB,2,A\nC,2,B\nEnd,1,C\n",
        None,
        &[
            "dependency cycle:",
            "A",
            "B",
            "C",
            "→",
            "column predecessors",
        ],
    );
    let dir = folder("id,likely,predecessors\nA,3,C\nB,2,A\nC,2,B\n", None);
    let out = cargo_bin_cmd!("slipcast")
        .arg("validate")
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let cyc = err
        .lines()
        .find(|l| l.contains("dependency cycle"))
        .unwrap();
    for id in ["A → ", "B → ", "C → "] {
        assert!(cyc.contains(id), "{cyc}");
    }
}

#[test]
fn estimate_out_of_order() {
    rejects(
        "id,min,likely,max\nA,5,3,9\n",
        None,
        &["line 2, column min", "min ≤ likely ≤ max", "5 / 3 / 9"],
    );
}

#[test]
fn non_numeric_nan_infinite_and_negative_values() {
    rejects(
        "id,min,likely,max\nA,1,2,abc\n",
        None,
        &["line 2, column max (A): expected a number, found \"abc\""],
    );
    rejects(
        "id,min,likely,max\nA,1,NaN,3\n",
        None,
        &["column likely (A): expected a number, found \"NaN\""],
    );
    rejects(
        "id,min,likely,max\nA,1,2,inf\n",
        None,
        &["column max (A): expected a finite number, found \"inf\""],
    );
    rejects(
        "id,min,likely,max\nA,1,2,1e308\n",
        None,
        &["column max (A): 1e308 is out of range"],
    );
    rejects(
        "id,min,likely,max\nA,-1,2,3\n",
        None,
        &["column min (A): must not be negative"],
    );
    rejects(
        "id,likely,predecessors\nA,2,\nB,2,A SS+x\n",
        None,
        &["column predecessors", "cannot read the lag"],
    );
}

#[test]
fn empty_plan() {
    rejects("id,min,likely,max\n", None, &["the plan has no tasks"]);
    rejects("", None, &["the file is empty"]);
}

#[test]
fn task_without_estimate_unless_milestone() {
    rejects(
        "id,min,likely,max,predecessors,milestone\nA,,,,,\nM,,,,A,true\n",
        None,
        &[
            "line 2, column likely (A): the task has no estimate",
            "mark it milestone = true",
        ],
    );
    rejects(
        "id,distribution,mean\nA,normal,5\n",
        None,
        &["column sd (A): a normal estimate needs sd"],
    );
    rejects(
        "id,distribution,likely\nA,gamma,5\n",
        None,
        &["unknown distribution \"gamma\""],
    );
}

#[test]
fn unparsable_dates() {
    rejects(
        "id,likely,target\nA,3,2027-13-45\n",
        Some("start = 2027-01-04\n"),
        &["line 2, column target", "expected a date"],
    );
    rejects(
        GOOD,
        Some("start = \"next monday\"\n"),
        &["plan.toml line 1, column start", "must be a date"],
    );
    rejects(
        "id,likely,target\nA,3,2027-06-30\n",
        None,
        &["target is a date but the plan has no start date"],
    );
}

#[test]
fn plan_toml_unknown_key() {
    rejects(
        GOOD,
        Some("start = 2027-01-04\niteratons = 5000\n"),
        &[
            "plan.toml line 2",
            "unknown key \"iteratons\"",
            "did you mean iterations?",
        ],
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let dir = folder(
        "id,min,likely,max,predecessors\nA,1,2,x,\nB,5,3,9,A\nC,1,2,3,Nope\nA,1,1,1,\n",
        None,
    );
    cargo_bin_cmd!("slipcast")
        .arg("validate")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("4 problems found"))
        .stderr(predicate::str::contains("line 2, column max"))
        .stderr(predicate::str::contains("line 3, column min"))
        .stderr(predicate::str::contains("line 4, column predecessors"))
        .stderr(predicate::str::contains("line 5, column id"));
}

#[test]
fn rows_with_wrong_field_counts() {
    rejects(
        "id,likely\nA,3,extra\n",
        None,
        &["line 2", "the row has 3 fields but the header has 2"],
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = folder(GOOD, None);
    for args in [
        vec!["-n", "0"],
        vec!["--percentiles", "50,120"],
        vec!["--threads", "0"],
        vec!["--format", "xml"],
    ] {
        cargo_bin_cmd!("slipcast")
            .arg("run")
            .arg(dir.path())
            .args(&args)
            .assert()
            .code(2);
    }
    cargo_bin_cmd!("slipcast")
        .args(["run", "/no/such/plan"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read /no/such/plan"));
}

#[test]
fn csv_output_has_the_contract_columns() {
    let dir = folder(
        GOOD,
        Some("name = \"Demo\"\nstart = 2027-01-04\nseed = 3\n"),
    );
    let out = cargo_bin_cmd!("slipcast")
        .args(["run", "--format", "csv", "-n", "2000"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "milestone,name,deterministic,mean,sd,p10,p50,p80,p90,deterministic_date,p10_date,p50_date,p80_date,p90_date,target,p_target,p_deterministic"
    );
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(row[0..3], ["M", "Launch", "28"]);
    assert_eq!(row[9], "2027-02-10"); // 28 working days from Monday 4 January
    assert_eq!(row[14], "2027-03-31");
    assert!(lines.next().is_none());

    // Without a start date: no date columns; custom percentiles.
    let dir = folder(&GOOD.replace(",2027-03-31", ",40"), None);
    let out = cargo_bin_cmd!("slipcast")
        .args([
            "run",
            "--format",
            "csv",
            "-n",
            "500",
            "--percentiles",
            "95,50",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        "milestone,name,deterministic,mean,sd,p50,p95,target,p_target,p_deterministic"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: only 500 iterations"));
}

#[test]
fn json_output_is_the_forecast() {
    let dir = folder(GOOD, Some("start = 2027-01-04\n"));
    let out = cargo_bin_cmd!("slipcast")
        .args(["run", "--format", "json", "-n", "3000", "--seed", "9"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["seed"], 9);
    assert_eq!(v["iterations"], 3000);
    assert_eq!(v["start"], "2027-01-04");
    let m = &v["milestones"][0];
    assert_eq!(m["id"], "M");
    assert_eq!(m["percentiles"].as_array().unwrap().len(), 4);
    assert_eq!(m["percentiles"][2]["p"], 80.0);
    assert!(m["target"]["probability"].as_f64().unwrap() > 0.9);
    assert_eq!(v["tasks"].as_array().unwrap().len(), 5);
    assert_eq!(v["tasks"][0]["id"], "A");
    assert_eq!(v["tasks"][0]["criticality"], 1.0);
    // Each task's dates at each percentile.
    let q = &v["tasks"][0]["percentiles"];
    assert_eq!(q.as_array().unwrap().len(), 4);
    assert_eq!(q[2]["p"], 80.0);
    assert!(q[2]["finish"].as_f64().unwrap() >= q[1]["finish"].as_f64().unwrap());
    let bins = v["histograms"][0]["bins"].as_array().unwrap();
    assert_eq!(
        bins.iter()
            .map(|b| b["count"].as_u64().unwrap())
            .sum::<u64>(),
        3000
    );
}

#[test]
fn out_dir_gets_its_files_and_no_leftovers() {
    let dir = folder(GOOD, Some("start = 2027-01-04\n"));
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("forecast");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("keep.txt"), "mine").unwrap();
    cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "1000", "--out"])
        .arg(&target)
        .arg(dir.path())
        .assert()
        .success();
    let mut names: Vec<String> = std::fs::read_dir(&target)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ".slipcast-manifest",
            "M-scurve.svg",
            "correlations.csv",
            "drivers.csv",
            "drivers.svg",
            "histogram.csv",
            "keep.txt",
            "margins.csv",
            "merges.csv",
            "milestones.csv",
            "paths.csv",
            "report.html",
            "risks.csv",
            "summary.json",
            "tasks.csv"
        ]
    );
    let tasks = std::fs::read_to_string(target.join("tasks.csv")).unwrap();
    assert!(tasks.starts_with("task,name,group,deterministic_start,deterministic_finish,mean_start,mean_finish,mean_start_date,mean_finish_date,deterministic_start_date,deterministic_finish_date,criticality,sensitivity,ssi,mean_total_float,status,p10_start,p50_start,p80_start,p90_start,p10_finish,p50_finish,p80_finish,p90_finish,p10_start_date,p50_start_date,p80_start_date,p90_start_date,p10_finish_date,p50_finish_date,p80_finish_date,p90_finish_date\n"));
    assert_eq!(
        std::fs::read_to_string(target.join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn out_into_the_plan_folder_is_refused_and_the_plan_kept() {
    let dir = folder(GOOD, Some("start = 2027-01-04\n"));
    let before = std::fs::read_to_string(dir.path().join("tasks.csv")).unwrap();
    cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "100", "--out"])
        .arg(dir.path())
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is the folder of the plan"));
    cargo_bin_cmd!("slipcast")
        .args(["compare", "-n", "100", "--out"])
        .arg(dir.path())
        .arg(dir.path().join("tasks.csv"))
        .assert()
        .code(2);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("tasks.csv")).unwrap(),
        before
    );
}

#[test]
fn unwritable_out_fails_before_simulating() {
    let dir = folder(GOOD, Some("start = 2027-01-04\n"));
    let file = dir.path().join("tasks.csv");
    cargo_bin_cmd!("slipcast")
        .args(["run", "--out"])
        .arg(file.join("sub"))
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot write"));
}

#[test]
fn single_tasks_csv_with_flags() {
    let dir = folder(GOOD, None);
    cargo_bin_cmd!("slipcast")
        .args([
            "run",
            "--format",
            "csv",
            "-n",
            "500",
            "--start",
            "2027-01-04",
        ])
        .arg(dir.path().join("tasks.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains(",2027-02-10,"));
}

#[test]
fn validate_prints_a_summary() {
    let dir = folder(GOOD, Some("start = 2027-01-04\n"));
    cargo_bin_cmd!("slipcast")
        .arg("validate")
        .arg(dir.path())
        .assert()
        .success()
        .stdout("ok: 5 tasks, 5 links, 1 reported milestone\nlongest deterministic path: 28 working days (finishing 2027-02-10)\ncritical path (4 tasks with zero float): A → B → D → M\n");
}

#[test]
fn example_plans_validate_and_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let p = entry.unwrap().path();
        if !p.is_dir() {
            continue;
        }
        n += 1;
        cargo_bin_cmd!("slipcast")
            .arg("validate")
            .arg(&p)
            .assert()
            .success();
        let out = cargo_bin_cmd!("slipcast")
            .args(["run", "-n", "2000", "--format", "csv"])
            .arg(&p)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            p.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.lines().count() >= 3,
            "{} should report several milestones",
            p.display()
        );
        let head = text.lines().next().unwrap();
        assert!(
            head.ends_with("target,p_target,p_deterministic")
                || head.ends_with("target,p_target,p_deterministic,cost_p50,cost_p80")
                || head.ends_with(
                    "target,p_target,p_deterministic,resource_delay_p50,resource_delay_p80"
                ),
            "{} has targets",
            p.display()
        );
    }
    assert!(n >= 3, "at least three example plans");
}

/// The library names its own arguments; the command line puts its flags in their place.
#[test]
fn library_errors_name_arguments_and_the_cli_names_flags() {
    let e = slipcast::parse_percentiles("10,x").unwrap_err();
    assert!(matches!(
        e,
        slipcast::Error::Argument {
            arg: slipcast::Arg::Percentiles,
            ..
        }
    ));
    let text = e.to_string();
    assert!(
        text.starts_with("percentiles: \"x\" is not a percentage"),
        "{text}"
    );
    let e = slipcast::Gate::parse("M:q80<=3").unwrap_err().to_string();
    assert!(e.starts_with("gate 'M:q80<=3': unknown metric"), "{e}");
    assert!(!e.contains("--"), "{e}");
    let dir = folder(GOOD, Some("start = 2027-01-04\n"));
    cargo_bin_cmd!("slipcast")
        .args(["run", "--percentiles", "10,x"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: --percentiles: \"x\" is not a percentage",
        ));
    cargo_bin_cmd!("slipcast")
        .args(["run", "--gate", "M:q80<=3"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: --gate 'M:q80<=3': unknown metric",
        ));
}

/// tasks.csv gives each task's deterministic start and finish as dates: on the GOOD plan
/// from Monday 2027-01-04, A takes working days 1–8 (to Wednesday 13 January), B days
/// 9–23 (14 January to 3 February), D days 24–28, and the milestone lands on D's finish.
#[test]
fn tasks_csv_has_the_deterministic_dates() {
    let dir = folder(GOOD, Some("start = 2027-01-04\n"));
    let out = tempfile::tempdir().unwrap();
    cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "200", "--out"])
        .arg(out.path().join("o"))
        .arg(dir.path())
        .assert()
        .success();
    let text = std::fs::read_to_string(out.path().join("o/tasks.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let head = rows.headers().unwrap().clone();
    let col = |n: &str| head.iter().position(|h| h == n).unwrap();
    let (s, f) = (
        col("deterministic_start_date"),
        col("deterministic_finish_date"),
    );
    let dates: std::collections::HashMap<String, (String, String)> = rows
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), (r[s].to_string(), r[f].to_string()))
        })
        .collect();
    let want = [
        ("A", "2027-01-04", "2027-01-13"),
        ("B", "2027-01-14", "2027-02-03"),
        ("C", "2027-01-14", "2027-01-19"),
        ("D", "2027-02-04", "2027-02-10"),
        ("M", "2027-02-10", "2027-02-10"),
    ];
    for (id, a, b) in want {
        assert_eq!(dates[id], (a.to_string(), b.to_string()), "{id}");
    }
}

/// `slipcast init` writes a commented starter plan that validates, runs (a milestone
/// with a target, a risk that occurs) and compares as it is, and refuses a folder that
/// holds anything.
#[test]
fn init_writes_a_starter_plan_that_runs() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("starter");
    cargo_bin_cmd!("slipcast")
        .args(["init", "--start", "2027-03-01"])
        .arg(&dir)
        .assert()
        .success();
    for f in [
        "plan.toml",
        "tasks.csv",
        "risks.csv",
        "calendar.csv",
        "scenarios.csv",
    ] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        assert!(text.starts_with('#'), "{f} explains itself");
    }
    cargo_bin_cmd!("slipcast")
        .arg("validate")
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::contains("2 reported milestones, 1 risk"));
    let out = cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "1000", "--format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let live = &json["milestones"][1];
    assert_eq!(live["id"], "M_LIVE");
    let p = live["target"]["probability"].as_f64().unwrap();
    assert!(p > 0.05 && p < 0.95, "a target worth discussing: {p}");
    assert!(json["risks"][0]["occurred"].as_f64().unwrap() > 0.0);
    cargo_bin_cmd!("slipcast")
        .args(["compare", "-n", "1000"])
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::contains("second-developer"));
    cargo_bin_cmd!("slipcast")
        .arg("init")
        .arg(&dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not empty"));
}

/// `--export csv-gantt` writes gantt.csv beside tasks.csv: a row per task in the same
/// order, its plan, P50 and P80 dates (the same as tasks.csv's, even when --percentiles
/// leaves 50 and 80 out), and predecessors by row number; it needs --out and a start date.
#[test]
fn export_csv_gantt_writes_every_task_at_p50_and_p80() {
    let tasks = "id,name,min,likely,max,predecessors,milestone,target\n\
A,Design,5,8,14,,,\n\
B,Build,10,15,25,A,,\n\
C,Docs,3,4,6,A SS+2,,\n\
D,Test,3,5,9,B;C FF,,\n\
M,Launch,,,,D,true,2027-03-31\n";
    let dir = folder(tasks, Some("start = 2027-01-04\n"));
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("f");
    cargo_bin_cmd!("slipcast")
        .args([
            "run",
            "-n",
            "2000",
            "--percentiles",
            "90",
            "--export",
            "csv-gantt",
        ])
        .arg("--out")
        .arg(&target)
        .arg(dir.path())
        .assert()
        .success();
    let read = |f: &str| -> Vec<Vec<String>> {
        let mut r = csv::Reader::from_path(target.join(f)).unwrap();
        let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let mut rows = vec![head];
        rows.extend(
            r.records()
                .map(|x| x.unwrap().iter().map(String::from).collect()),
        );
        rows
    };
    let gantt = read("gantt.csv");
    assert_eq!(
        gantt[0].join(","),
        "row,id,name,group,milestone,start,finish,p50_start,p50_finish,p80_start,p80_finish,duration_days,criticality,status,predecessors,predecessor_rows"
    );
    let tasks = read("tasks.csv");
    assert_eq!(gantt.len(), tasks.len());
    let col = |rows: &[Vec<String>], name: &str| rows[0].iter().position(|h| h == name).unwrap();
    for (g, t) in gantt[1..].iter().zip(&tasks[1..]) {
        assert_eq!(g[1], t[0], "same order as tasks.csv");
        for c in ["p50_start", "p50_finish", "p80_start", "p80_finish"] {
            let want = &t[col(&tasks, &format!("{c}_date"))];
            assert_eq!(&g[col(&gantt, c)], want, "{} {c}", g[1]);
        }
        assert!(g[col(&gantt, "p80_finish")] >= g[col(&gantt, "p50_finish")]);
        assert!(g[col(&gantt, "p50_finish")] >= g[col(&gantt, "p50_start")]);
    }
    let row = |id: &str| gantt.iter().position(|r| r[1] == id).unwrap().to_string();
    let d = gantt.iter().find(|r| r[1] == "D").unwrap();
    // In row order: C (which starts two days after A) comes before B.
    assert_eq!(d[col(&gantt, "predecessors")], "C FF; B");
    assert_eq!(
        d[col(&gantt, "predecessor_rows")],
        format!("{}FF,{}", row("C"), row("B"))
    );
    let c = gantt.iter().find(|r| r[1] == "C").unwrap();
    assert_eq!(
        c[col(&gantt, "predecessor_rows")],
        format!("{}SS+2d", row("A"))
    );
    let m = gantt.iter().find(|r| r[1] == "M").unwrap();
    assert_eq!(m[col(&gantt, "milestone")], "yes");
    // Without --out, or without a start date: exit 2, nothing written.
    cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "100", "--export", "csv-gantt"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("add --out DIR"));
    let undated = folder(GOOD, None);
    cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "100", "--export", "csv-gantt", "--out"])
        .arg(out.path().join("g"))
        .arg(undated.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("start = YYYY-MM-DD"));
    assert!(!out.path().join("g").exists());
}

#[test]
fn record_appends_each_run_once_and_two_processes_both_land() {
    let tasks = "id,name,min,likely,max,predecessors,milestone,target\n\
A,Design,5,8,14,,,\n\
B,Build,10,15,25,A,,\n\
M1,Design done,,,,A,true,\n\
M2,Launch,,,,B,true,2027-03-31\n";
    let dir = folder(tasks, Some("name = \"Launch\"\nstart = 2027-01-04\n"));
    let out = tempfile::tempdir().unwrap();
    let rec = out.path().join("forecasts.csv");
    let run = |seed: &str| {
        cargo_bin_cmd!("slipcast")
            .args([
                "run", "-n", "2000", "--seed", seed, "--format", "csv", "--record",
            ])
            .arg(&rec)
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let first = run("1");
    assert!(first.status.success());
    assert!(String::from_utf8_lossy(&first.stderr).contains("recorded 2 milestone forecasts"));
    // The same run again: recognised, not double-counted.
    let again = run("1");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds this run"));
    let text = std::fs::read_to_string(&rec).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "recorded_at,plan,milestone,deterministic,p10_date,p50_date,p80_date,p90_date,target,p_target,iterations,seed,plan_hash"
    );
    assert_eq!(lines.len(), 3, "{text}");
    // The record holds the milestones' own dates.
    let milestones = String::from_utf8_lossy(&first.stdout).into_owned();
    let m2: Vec<&str> = lines
        .iter()
        .find(|l| l.contains(",M2,"))
        .unwrap()
        .split(',')
        .collect();
    assert_eq!(m2[1], "Launch");
    assert_eq!(m2[8], "2027-03-31");
    assert!(
        milestones.contains(m2[6]),
        "P80 date {} in {milestones}",
        m2[6]
    );
    // Two processes at once, with other seeds: both land, whole.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| run("2"));
        let b = s.spawn(|| run("3"));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(a.status.success() && b.status.success());
    let text = std::fs::read_to_string(&rec).unwrap();
    assert_eq!(text.lines().count(), 7, "{text}");
    assert!(text.lines().all(|l| l.split(',').count() == 13));
    // A file with other columns is refused before the run, untouched.
    std::fs::write(out.path().join("other.csv"), "a,b\n1,2\n").unwrap();
    cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "200", "--record"])
        .arg(out.path().join("other.csv"))
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not slipcast's forecast record"));
    assert_eq!(
        std::fs::read_to_string(out.path().join("other.csv")).unwrap(),
        "a,b\n1,2\n"
    );
}
