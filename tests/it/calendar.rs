//! Calendars, freeze windows and status-date re-forecasts.

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;

use super::{plan_dir, sim_dir};

/// "Mon 20/10/14" → 2014-10-20.
fn mpx_date(s: &str) -> String {
    let d = s.split_whitespace().nth(1).unwrap();
    let p: Vec<&str> = d.split('/').collect();
    format!("20{}-{}-{}", p[2], p[1], p[0])
}

#[test]
fn link_types_and_lags_match_microsoft_projects_stored_dates() {
    let bytes = std::fs::read(super::test_data("schedules/mpxj/task-links-project98.mpx"))
        .expect("tests/data");
    let text: String = bytes.iter().map(|&b| b as char).collect(); // Latin-1
    let mut csv = String::from("id,distribution,likely,predecessors\n");
    let mut expected = Vec::new();
    for line in text.lines().filter(|l| l.starts_with("70,")) {
        let f: Vec<&str> = line.split(',').collect();
        if f[1] == "0" {
            continue; // the project summary row
        }
        let dur = f[4].trim_end_matches('d');
        let pred = f[8];
        let link = if pred.is_empty() {
            String::new()
        } else {
            let digits: String = pred.chars().take_while(char::is_ascii_digit).collect();
            format!("T{digits} {}", &pred[digits.len()..])
        };
        csv += &format!("T{},fixed,{dur},{}\n", f[1], link.trim());
        expected.push((
            format!("T{}", f[1]),
            mpx_date(f[9]),
            mpx_date(f[10]),
            f[8].to_string(),
        ));
    }
    assert_eq!(expected.len(), 16, "eight link/lag pairs");
    let dir = plan_dir(&[("tasks.csv", &csv), ("plan.toml", "start = 2014-10-17\n")]);
    let (_, _, f) = sim_dir(dir.path(), 64, 1);
    for (id, start, finish, link) in &expected {
        let t = f.tasks.iter().find(|t| &t.id == id).unwrap();
        assert_eq!(
            (
                t.mean_start_date.as_deref().unwrap(),
                t.mean_finish_date.as_deref().unwrap()
            ),
            (start.as_str(), finish.as_str()),
            "{id} ({link})"
        );
    }
}

#[test]
fn a_freeze_window_pushes_a_tagged_deployment_and_leaves_other_work_alone() {
    // Build finishes Friday 26 Feb (t = 5·… ) and deployment would start Monday 1 March,
    // inside the freeze 1–12 March: it waits for Monday 15 March. Docs are untagged.
    let dir = plan_dir(&[
        ("plan.toml", "start = 2027-02-01\n"),
        (
            "calendar.csv",
            "from,to,kind,tags\n2027-03-01,2027-03-12,freeze,deploy;cutover\n2027-03-15,2027-03-15,freeze,other\n",
        ),
        (
            "tasks.csv",
            "id,distribution,likely,predecessors,calendar_tags,milestone\n\
             BUILD,fixed,20,,,\nDEPLOY,fixed,2,BUILD,deploy,true\nDOCS,fixed,2,BUILD,,true\nLATE,fixed,1,BUILD FS+5,cutover,true\n",
        ),
    ]);
    let (_, _, f) = sim_dir(dir.path(), 64, 1);
    let t = |id: &str| f.tasks.iter().find(|t| t.id == id).unwrap().clone();
    assert_eq!(t("DEPLOY").mean_start_date.as_deref(), Some("2027-03-15"));
    assert_eq!(t("DEPLOY").deterministic_start, 30.0); // 20 + two frozen weeks
    assert_eq!(t("DOCS").mean_start_date.as_deref(), Some("2027-03-01"));
    // A start already after the window is not moved.
    assert_eq!(t("LATE").mean_start_date.as_deref(), Some("2027-03-15"));
    let m: Vec<(&str, &str)> = f
        .milestones
        .iter()
        .map(|m| (m.id.as_str(), m.deterministic_date.as_deref().unwrap()))
        .collect();
    assert!(m.contains(&("DEPLOY", "2027-03-16")));
    assert!(
        f.warnings
            .iter()
            .any(|w| w.kind == slipcast::WarningKind::UnusedFreeze
                && w.message.contains("applies to tags other that no task has")),
        "{:?}",
        f.warnings
    );
}

#[test]
fn a_sunday_to_thursday_working_week() {
    let dir = plan_dir(&[
        (
            "plan.toml",
            "start = 2027-01-03\nworkweek = [\"Sun\", \"Mon\", \"Tue\", \"Wed\", \"Thu\"]\n",
        ),
        (
            "tasks.csv",
            "id,distribution,likely,predecessors\nA,fixed,5,\nB,fixed,1,A\n",
        ),
    ]);
    let (_, _, f) = sim_dir(dir.path(), 64, 1);
    let a = f.tasks.iter().find(|t| t.id == "A").unwrap();
    assert_eq!(a.mean_finish_date.as_deref(), Some("2027-01-07")); // Sunday → Thursday
    let b = f.tasks.iter().find(|t| t.id == "B").unwrap();
    assert_eq!(b.mean_start_date.as_deref(), Some("2027-01-10")); // next Sunday
}

#[test]
fn reforecast_from_the_status_date() {
    // Start Monday 4 Jan 2027; status date Monday 18 Jan (t = 10).
    let dir = plan_dir(&[
        (
            "plan.toml",
            "start = 2027-01-04\nstatus_date = 2027-01-18\n",
        ),
        (
            "tasks.csv",
            "id,min,likely,max,predecessors,actual_start,actual_finish,remaining,milestone\n\
             DONE,5,6,9,,2027-01-04,2027-01-08,,\n\
             WIP,5,5,5,DONE,2027-01-11,,,\n\
             WIP2,,,,DONE,2027-01-13,,4,\n\
             NEXT,3,3,3,,,,,\n\
             AFTER,2,2,2,WIP;WIP2,,,,\n\
             M,,,,AFTER;NEXT,,,,true\n",
        ),
    ]);
    let (net, _, f) = sim_dir(dir.path(), 640, 1);
    let t = |id: &str| f.tasks.iter().find(|t| t.id == id).unwrap().clone();
    // Done: actual dates kept (Mon 4 – Fri 8 Jan = t 0 … 5), not sampled.
    assert_eq!((t("DONE").mean_start, t("DONE").mean_finish), (0.0, 5.0));
    assert_eq!(t("DONE").status, Some("done"));
    // In progress: started Mon 11 Jan (t = 5), ends at status date + remaining work.
    assert_eq!((t("WIP").mean_start, t("WIP").mean_finish), (5.0, 15.0));
    assert_eq!(t("WIP").status, Some("in progress"));
    assert_eq!((t("WIP2").mean_start, t("WIP2").mean_finish), (7.0, 14.0));
    // Not started: nothing starts before the status date.
    assert_eq!((t("NEXT").mean_start, t("NEXT").mean_finish), (10.0, 13.0));
    assert_eq!(t("NEXT").status, Some("not started"));
    assert_eq!(t("AFTER").mean_start, 15.0);
    assert_eq!(f.milestones[0].deterministic, 17.0);
    assert_eq!(f.status_date.as_deref(), Some("2027-01-18"));
    assert_eq!(net.status_time(), Some(10.0));
    let out = cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "200"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("Re-forecast from the status date 2027-01-18: 1 tasks done")
    );
}

#[test]
fn remaining_work_scales_an_estimate_given_beside_it() {
    // Status date Mon 18 Jan (t = 10). P1 has likely 9 and remaining 4: it finishes at
    // status + 4, not status + 9. P2's triangular(6, 9, 15) with remaining 3 becomes
    // triangular(2, 3, 5): mean 10/3 after the status date.
    let dir = plan_dir(&[
        (
            "plan.toml",
            "start = 2027-01-04\nstatus_date = 2027-01-18\n",
        ),
        (
            "tasks.csv",
            "id,min,likely,max,actual_start,remaining\nP1,,9,,2027-01-11,4\nP2,6,9,15,2027-01-11,3\n",
        ),
    ]);
    let n = 20_000;
    let (_, _, f) = sim_dir(dir.path(), n, 1);
    let t = |id: &str| f.tasks.iter().find(|t| t.id == id).unwrap().clone();
    assert_eq!(t("P1").mean_finish, 14.0);
    // sd of triangular(2, 3, 5) = √((4 + 9 + 25 − 6 − 10 − 15)/18) = √(7/18).
    let se = (7.0f64 / 18.0 / n as f64).sqrt();
    assert!((t("P2").mean_finish - (10.0 + 10.0 / 3.0)).abs() < 5.0 * se);
    assert!(
        f.warnings
            .iter()
            .any(|w| w.kind == slipcast::WarningKind::ScaledToRemaining
                && w.message
                    .contains("2 tasks in progress give an estimate and remaining work")
                && w.message.contains("P1 9 → 4")),
        "{:?}",
        f.warnings
    );
}

#[test]
fn calendar_and_progress_validation() {
    let bad = |files: &[(&str, &str)], frags: &[&str]| {
        let dir = plan_dir(files);
        let mut pred = predicate::str::contains("error:").boxed();
        for f in frags {
            pred = pred.and(predicate::str::contains(*f)).boxed();
        }
        cargo_bin_cmd!("slipcast")
            .arg("validate")
            .arg(dir.path())
            .assert()
            .code(2)
            .stderr(pred);
    };
    let toml = (
        "plan.toml",
        "start = 2027-01-04\nstatus_date = 2027-01-18\n",
    );
    bad(
        &[
            toml,
            (
                "tasks.csv",
                "id,likely,actual_start,actual_finish\nA,3,2027-01-08,2027-01-05\n",
            ),
        ],
        &[
            "tasks.csv line 2, column actual_finish",
            "is before actual_start",
        ],
    );
    bad(
        &[
            toml,
            ("tasks.csv", "id,likely,actual_start\nA,3,2027-02-01\n"),
        ],
        &["column actual_start", "after the status date 2027-01-18"],
    );
    bad(
        &[
            toml,
            (
                "tasks.csv",
                "id,likely,actual_start,actual_finish\nA,3,2027-01-05,2027-01-20\n",
            ),
        ],
        &["column actual_finish", "not before the status date"],
    );
    bad(
        &[
            ("plan.toml", "start = 2027-01-04\n"),
            ("tasks.csv", "id,likely,actual_start\nA,3,2027-01-05\n"),
        ],
        &["has actual dates but the plan has no status date"],
    );
    bad(
        &[
            toml,
            ("tasks.csv", "id,likely,actual_start\nA,3,05/01/2027\n"),
        ],
        &["column actual_start (A): expected a date"],
    );
    bad(
        &[
            toml,
            ("tasks.csv", "id,likely\nA,3\n"),
            (
                "calendar.csv",
                "from,to,kind,tags\n2027-03-10,2027-03-01,freeze,deploy\n",
            ),
        ],
        &["calendar.csv line 2, column to", "is before from"],
    );
    bad(
        &[
            toml,
            ("tasks.csv", "id,likely\nA,3\n"),
            (
                "calendar.csv",
                "from,to,kind,tags\n2027-03-01,2027-03-10,freeze,\n",
            ),
        ],
        &["a freeze window needs the tags"],
    );
    // Out-of-sequence progress is a warning, not an error.
    let dir = plan_dir(&[
        toml,
        (
            "tasks.csv",
            "id,likely,predecessors,actual_start,actual_finish\nP,3,,,\nX,2,P,2027-01-05,2027-01-06\n",
        ),
    ]);
    cargo_bin_cmd!("slipcast")
        .arg("validate")
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "X is finished but its predecessor P has not started",
        ));
}

#[test]
fn a_milestone_starts_on_the_day_it_finishes() {
    // Monday 4 Jan 2027; A takes 15 working days (t 0 … 15, finishing Fri 22 Jan); the
    // zero-duration milestone M starts and finishes on Fri 22 Jan, not Mon 25 Jan.
    let dir = plan_dir(&[
        ("plan.toml", "start = 2027-01-04\n"),
        (
            "tasks.csv",
            "id,likely,predecessors,milestone\nA,15,,\nM,,A,true\n",
        ),
    ]);
    let (_, _, f) = sim_dir(dir.path(), 64, 1);
    let m = f.tasks.iter().find(|t| t.id == "M").unwrap();
    assert_eq!((m.mean_start, m.mean_finish), (15.0, 15.0));
    assert_eq!(m.mean_finish_date.as_deref(), Some("2027-01-22"));
    assert_eq!(m.mean_start_date.as_deref(), Some("2027-01-22"));
    let a = f.tasks.iter().find(|t| t.id == "A").unwrap();
    assert_eq!(a.mean_start_date.as_deref(), Some("2027-01-04"));
}

/// Retained logic against progress override on one calendar. Start Mon 4 Jan 2027,
/// status Mon 18 Jan (t = 10). P is not started (4 days: t 10 … 14). W started Mon 11
/// Jan (t = 5, 5 days done) with 3 to do after P (finish-to-start); V likewise with P as
/// a finish-to-finish predecessor. Override: both resume at the status date and finish
/// at t = 13. Retained: W's remaining work waits for P (t 14 … 17); V's must end no
/// earlier than P, so it resumes at 14 − 3 = 11 and finishes at 14.
#[test]
fn retained_logic_holds_remaining_work_for_its_predecessors() {
    let tasks = "id,distribution,likely,predecessors,actual_start,remaining,milestone\n\
                 P,fixed,4,,,,\n\
                 W,fixed,8,P,2027-01-11,3,\n\
                 V,fixed,8,P FF,2027-01-11,3,\n\
                 M,,,W;V,,,true\n";
    for (logic, w, v, crit_p) in [("override", 13.0, 13.0, 0.0), ("retained", 17.0, 14.0, 1.0)] {
        let dir = plan_dir(&[
            (
                "plan.toml",
                &format!(
                    "start = 2027-01-04\nstatus_date = 2027-01-18\nprogress_logic = \"{logic}\"\n"
                ),
            ),
            ("tasks.csv", tasks),
        ]);
        let (_, _, f) = sim_dir(dir.path(), 640, 1);
        let t = |id: &str| f.tasks.iter().find(|t| t.id == id).unwrap().clone();
        assert_eq!((t("W").mean_start, t("W").mean_finish), (5.0, w), "{logic}");
        assert_eq!((t("V").mean_start, t("V").mean_finish), (5.0, v), "{logic}");
        assert_eq!(f.milestones[0].deterministic, w, "{logic}");
        assert_eq!(f.milestones[0].percentiles[0].days, w, "{logic}");
        assert_eq!(t("P").criticality, crit_p, "{logic}");
        assert_eq!(t("W").criticality, 1.0, "{logic}");
        assert_eq!(
            t("V").criticality,
            if logic == "override" { 1.0 } else { 0.0 }
        );
    }
}

/// Retained logic on two calendars: P works seven days a week (6 days from the status
/// date Mon 18 Jan 2027: to the end of Sat 23 Jan); W, on the project's Monday to
/// Friday, started Mon 11 Jan with 3 days to do after P. Override: Mon 18 – Wed 20 Jan.
/// Retained: the next working time after Saturday is Mon 25 Jan, so Mon 25 – Wed 27 Jan.
#[test]
fn retained_logic_on_two_calendars() {
    for (logic, finish) in [("override", "2027-01-20"), ("retained", "2027-01-27")] {
        let dir = plan_dir(&[
            (
                "plan.toml",
                &format!(
                    "start = 2027-01-04\nstatus_date = 2027-01-18\nprogress_logic = \"{logic}\"\n\n\
                     [calendars.site]\nworkweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n"
                ),
            ),
            (
                "tasks.csv",
                "id,distribution,likely,predecessors,actual_start,remaining,calendar,milestone\n\
                 P,fixed,6,,,,site,\n\
                 W,fixed,8,P,2027-01-11,3,,\n\
                 M,,,W,,,,true\n",
            ),
        ]);
        let (_, _, f) = sim_dir(dir.path(), 640, 1);
        let t = |id: &str| f.tasks.iter().find(|t| t.id == id).unwrap().clone();
        assert_eq!(
            t("P").mean_finish_date.as_deref(),
            Some("2027-01-23"),
            "{logic}"
        );
        assert_eq!(
            t("W").mean_start_date.as_deref(),
            Some("2027-01-11"),
            "{logic}"
        );
        assert_eq!(t("W").mean_finish_date.as_deref(), Some(finish), "{logic}");
        assert_eq!(
            f.milestones[0].deterministic_date.as_deref(),
            Some(finish),
            "{logic}"
        );
        let crit = if logic == "override" { 0.0 } else { 1.0 };
        assert_eq!(t("P").criticality, crit, "{logic}");
    }
}
