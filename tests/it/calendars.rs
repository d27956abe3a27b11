//! Calendars per task and lag calendars: dates computed by hand.

use slipcast::{NoProgress, SimConfig};

use super::{plan_dir, sim_dir};

/// The dates of each task of a forecast: (id, mean start date, mean finish date).
fn dates(f: &slipcast::Forecast) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = f
        .tasks
        .iter()
        .map(|t| {
            (
                t.id.clone(),
                t.mean_start_date.clone().unwrap(),
                t.mean_finish_date.clone().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn row(id: &str, start: &str, finish: &str) -> (String, String, String) {
    (id.into(), start.into(), finish.into())
}

const SITE: &str = "name = \"Calendars\"\nstart = 2027-01-04\n\n[calendars.site]\nworkweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n";

#[test]
fn a_seven_day_task_between_five_day_tasks_across_a_weekend_and_a_holiday() {
    // Mon 4 Jan 2027; Mon 11 Jan is a bank holiday of the project calendar only.
    let dir = plan_dir(&[
        ("plan.toml", SITE),
        (
            "calendar.csv",
            "from,to,name\n2027-01-11,2027-01-11,Bank holiday\n",
        ),
        (
            "tasks.csv",
            "id,distribution,likely,predecessors,milestone,calendar\n\
             A,fixed,5,,,\n\
             B,fixed,3,A,,site\n\
             C,fixed,2,B,,\n\
             M,fixed,0,C,true,\n",
        ),
    ]);
    let (net, _, f) = sim_dir(dir.path(), 128, 1);
    // A works Mon 4 – Fri 8; B (every day) Sat 9 – Mon 11, the holiday included; C
    // resumes on the project calendar on Tue 12 and works Tue 12 – Wed 13.
    assert_eq!(
        dates(&f),
        vec![
            row("A", "2027-01-04", "2027-01-08"),
            row("B", "2027-01-09", "2027-01-11"),
            row("C", "2027-01-12", "2027-01-13"),
            row("M", "2027-01-13", "2027-01-13"),
        ]
    );
    let m = &f.milestones[0];
    // Reported days are the project calendar's: Mon 4 – Wed 13 less the weekend and the
    // holiday is 7 working days.
    assert_eq!(m.deterministic, 7.0);
    assert_eq!(m.deterministic_date.as_deref(), Some("2027-01-13"));
    assert_eq!(m.percentiles[1].days, 7.0);
    assert!(net.clock().is_some());
    // Every task is on the one path: critical in every iteration.
    assert!(f.tasks.iter().all(|t| t.criticality == 1.0));

    // Without the task calendar, B waits for the project calendar: Tue 12 – Thu 14.
    let dir = plan_dir(&[
        ("plan.toml", "start = 2027-01-04\n"),
        (
            "calendar.csv",
            "from,to,name\n2027-01-11,2027-01-11,Bank holiday\n",
        ),
        (
            "tasks.csv",
            "id,distribution,likely,predecessors,milestone\nA,fixed,5,,\nB,fixed,3,A,\nC,fixed,2,B,\nM,fixed,0,C,true\n",
        ),
    ]);
    let (net, _, f) = sim_dir(dir.path(), 64, 1);
    assert!(net.clock().is_none());
    assert_eq!(
        f.milestones[0].deterministic_date.as_deref(),
        Some("2027-01-18")
    );
}

/// B (on a Monday-to-Thursday calendar) follows A (on the site calendar, which is off on
/// Saturday 9 Jan) with a lag of 3 days; the project calendar is Monday to Friday with
/// Monday 11 Jan off.
fn lag_plan(lag_calendar: &str) -> tempfile::TempDir {
    plan_dir(&[
        (
            "plan.toml",
            &format!(
                "start = 2027-01-04\nlag_calendar = \"{lag_calendar}\"\n\n[calendars.site]\nworkweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n\n[calendars.office]\nworkweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\"]\n"
            ),
        ),
        (
            "calendar.csv",
            "from,to,name,calendar\n2027-01-11,2027-01-11,Bank holiday,\n2027-01-09,2027-01-09,Site closed,site\n",
        ),
        (
            "tasks.csv",
            "id,distribution,likely,predecessors,milestone,calendar\n\
             A,fixed,5,,,site\n\
             B,fixed,1,A +3d,,office\n\
             M,fixed,0,B,true,\n",
        ),
    ])
}

#[test]
fn each_lag_calendar_gives_its_own_hand_computed_dates() {
    // A works Mon 4 – Fri 8 on the site calendar. The lag of 3 days then ends:
    // - predecessor (site, off on Sat 9): Sun 10, Mon 11, Tue 12 → B starts on the
    //   office calendar's next working day, Wed 13;
    // - successor (office, Mon–Thu): Fri 8 does not count; Mon 11, Tue 12, Wed 13 →
    //   B starts Thu 14;
    // - project (Mon–Fri, Mon 11 off): Tue 12, Wed 13, Thu 14 → B's next working day
    //   is Mon 18;
    // - 24h: three calendar days, Sat 9 – Mon 11 → B starts Tue 12.
    for (lag, b, m) in [
        ("predecessor", "2027-01-13", "2027-01-13"),
        ("successor", "2027-01-14", "2027-01-14"),
        ("project", "2027-01-18", "2027-01-18"),
        ("24h", "2027-01-12", "2027-01-12"),
    ] {
        let dir = lag_plan(lag);
        let (_, _, f) = sim_dir(dir.path(), 64, 1);
        assert_eq!(
            dates(&f),
            vec![
                row("A", "2027-01-04", "2027-01-08"),
                row("B", b, b),
                row("M", m, m),
            ],
            "lag_calendar = {lag}"
        );
    }
}

#[test]
fn float_is_counted_on_the_tasks_own_calendar() {
    // A (project calendar) Mon 4 – Fri 8 drives M; B on the site calendar works Mon 4 –
    // Thu 7. M cannot start before Tue 12 (weekend, then the holiday), so B may finish as
    // late as the end of Mon 11: four days of B's calendar (Fri, Sat, Sun, Mon).
    let dir = plan_dir(&[
        ("plan.toml", SITE),
        ("calendar.csv", "from,to\n2027-01-11,2027-01-11\n"),
        (
            "tasks.csv",
            "id,distribution,likely,predecessors,milestone,calendar\n\
             A,fixed,5,,,\n\
             B,fixed,4,,,site\n\
             M,fixed,0,A;B,true,\n",
        ),
    ]);
    let plan = slipcast::load(dir.path()).unwrap();
    let net = slipcast::compile(&plan).unwrap();
    let forecast = slipcast::Forecaster::new(&net)
        .iterations(slipcast::Iterations::Fixed(128))
        .drivers(true)
        .run(&NoProgress)
        .unwrap();
    let d = forecast.drivers.as_ref().unwrap();
    let float = |id: &str| {
        d.tasks
            .iter()
            .find(|t| t.task == id)
            .and_then(|t| t.mean_float)
            .unwrap()
    };
    assert_eq!(float("A"), 0.0);
    assert_eq!(float("B"), 4.0);
    let crit = |id: &str| {
        forecast
            .tasks
            .iter()
            .find(|t| t.id == id)
            .unwrap()
            .criticality
    };
    assert_eq!((crit("A"), crit("B")), (1.0, 0.0));
}

#[test]
fn the_kernel_agrees_with_the_deterministic_schedule_on_three_calendars() {
    // Fractional durations, every link type, leads and lags, three calendars with
    // holidays, under each lag calendar: the kernel's tables (f32) against the exact
    // deterministic schedule (f64).
    let mut rng = 12345u64;
    let mut next = |m: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % m
    };
    let mut tasks = String::from("id,distribution,likely,predecessors,calendar\n");
    // The same network re-forecast on Wed 20 Jan with three tasks in progress since Tue
    // 12 Jan whatever their predecessors (out of sequence, so that retained logic holds
    // their remaining work back).
    let mut progressed =
        String::from("id,distribution,likely,predecessors,calendar,actual_start\n");
    for i in 0..120 {
        let cal = ["", "site", "office"][next(3) as usize];
        let d = next(40) as f64 / 4.0;
        let mut preds = Vec::new();
        for _ in 0..next(3) {
            if i > 0 {
                let p = i - 1 - next(i.min(8));
                let kind = ["", " SS", " FF", " SF"][next(4) as usize];
                let lag = match next(3) {
                    0 => String::new(),
                    1 => format!("{}+{}d", if kind.is_empty() { " " } else { "" }, next(6)),
                    _ => format!("{}-{}d", if kind.is_empty() { " " } else { "" }, next(3)),
                };
                preds.push(format!("T{p}{kind}{lag}"));
            }
        }
        preds.sort();
        preds.dedup_by(|a, b| a.split([' ', '+', '-']).next() == b.split([' ', '+', '-']).next());
        tasks += &format!("T{i},fixed,{d},{},{cal}\n", preds.join(";"));
        let started = if [5, 17, 30].contains(&i) {
            "2027-01-12"
        } else {
            ""
        };
        progressed += &format!("T{i},fixed,{d},{},{cal},{started}\n", preds.join(";"));
    }
    // Each lag calendar, and working hours (the project's with a lunch break, the site's
    // a day shift, the office's a night shift across midnight's two sides).
    let hours = [
        ("", "", ""),
        (
            "hours = [\"08:00-12:00\", \"13:00-17:00\"]\n",
            "hours = [\"07:00-15:30\"]\n",
            "hours = [\"00:00-06:00\", \"22:00-24:00\"]\n",
        ),
    ];
    let cases = ["predecessor", "successor", "project", "24h"]
        .into_iter()
        .map(|l| (l, String::new(), &tasks))
        .chain(["retained", "override"].into_iter().map(|p| {
            let status = format!("status_date = 2027-01-20\nprogress_logic = \"{p}\"\n");
            ("predecessor", status, &progressed)
        }));
    // Per progressed case: the in-progress tasks' finishes summed.
    let mut held = Vec::new();
    for ((lag, status, tasks), (project, site, office)) in
        cases.flat_map(|c| hours.iter().map(move |h| (c.clone(), *h)))
    {
        let dir = plan_dir(&[
            (
                "plan.toml",
                &format!(
                    "start = 2027-01-04\n{status}lag_calendar = \"{lag}\"\n{project}[calendars.site]\nworkweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n{site}[calendars.office]\nworkweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\"]\n{office}"
                ),
            ),
            (
                "calendar.csv",
                "from,to,calendar\n2027-01-11,2027-01-11,\n2027-02-01,2027-02-03,site\n2027-03-01,2027-03-05,office;project\n",
            ),
            ("tasks.csv", tasks),
        ]);
        let plan = slipcast::load(dir.path()).unwrap();
        let net = slipcast::compile(&plan).unwrap();
        let cfg = SimConfig {
            iterations: 64,
            seed: 1,
            threads: Some(1),
        };
        let s = slipcast::sim::simulate(&net, &cfg, &NoProgress).unwrap();
        if !status.is_empty() {
            let ids = ["T5", "T17", "T30"].map(|id| net.index_of(id).unwrap());
            held.push(ids.iter().map(|&t| net.det_finish()[t]).sum::<f64>());
        }
        for t in 0..net.len() {
            for (kernel, exact, what) in [
                (s.mean_start[t], net.det_start()[t], "start"),
                (s.mean_finish[t], net.det_finish()[t], "finish"),
            ] {
                assert!(
                    (kernel - exact).abs() < 2e-3,
                    "{} {what}: kernel {kernel}, exact {exact} (lag_calendar = {lag}, {status})",
                    net.tasks()[t].id
                );
            }
        }
    }
    // Retained logic held some remaining work back, with and without hours.
    assert!(held[0] > held[2] && held[1] > held[3], "{held:?}");
}

#[test]
fn unknown_calendars_are_refused_with_the_line_and_the_fix() {
    let dir = plan_dir(&[
        ("plan.toml", SITE),
        (
            "calendar.csv",
            "from,to,calendar\n2027-01-11,2027-01-11,sites\n",
        ),
        (
            "tasks.csv",
            "id,distribution,likely,predecessors,calendar\nA,fixed,5,,site\nB,fixed,1,A,nights\n",
        ),
    ]);
    let plan = slipcast::load(dir.path()).unwrap();
    let err = slipcast::compile(&plan).unwrap_err().to_string();
    assert!(
        err.contains("calendar.csv") && err.contains("line 2"),
        "{err}"
    );
    assert!(err.contains("did you mean site?"), "{err}");
    assert!(err.contains("task B names calendar \"nights\""), "{err}");
    assert!(err.contains("line 3"), "{err}");
    // A task calendar needs the plan's start date.
    let dir = plan_dir(&[
        ("plan.toml", "[calendars.site]\nworkweek = [\"Sat\"]\n"),
        (
            "tasks.csv",
            "id,distribution,likely,calendar\nA,fixed,5,site\n",
        ),
    ]);
    let plan = slipcast::load(dir.path()).unwrap();
    let err = slipcast::compile(&plan).unwrap_err().to_string();
    assert!(
        err.contains("task calendars need the plan's start date"),
        "{err}"
    );
}

/// Working hours: a task on an 08:00–16:00 calendar that starts when an 08:00–17:00
/// (lunch 12–13) task finishes at 16:00 waits for the next morning; a task on the
/// 08:00–17:00 calendar after one that finishes at 16:00 works the last hour of that day
/// (Primavera P6's dates for such calendars).
#[test]
fn working_hours_place_work_within_the_day() {
    let plan = "name = \"Hours\"\nstart = 2027-01-04\nhours = [\"08:00-12:00\", \"13:00-17:00\"]\n\n\
                [calendars.seven]\nworkweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n\
                hours = [\"08:00-16:00\"]\n";
    let tasks = "id,distribution,likely,predecessors,milestone,calendar\n\
                 A,fixed,2.875,,,\n\
                 B,fixed,1,A,,seven\n\
                 C,fixed,1,B,,\n\
                 M,fixed,0,B,true,seven\n\
                 D,fixed,0.125,M,,\n";
    let dir = plan_dir(&[("plan.toml", plan), ("tasks.csv", tasks)]);
    let (net, _, f) = sim_dir(dir.path(), 64, 1);
    // A: Mon 4 and Tue 5 whole, Wed 6 08:00–16:00 (7 of its 8 hours). B (seven) cannot
    // start at 16:00, its day's end: Thu 7 08:00–16:00. C: Thu 7 16:00–17:00, then
    // Fri 8 08:00–16:00. M sits at B's finish, Thu 16:00; D is C's first hour on Thu 7.
    assert_eq!(
        dates(&f),
        vec![
            row("A", "2027-01-04", "2027-01-06"),
            row("B", "2027-01-07", "2027-01-07"),
            row("C", "2027-01-07", "2027-01-08"),
            row("D", "2027-01-07", "2027-01-07"),
            row("M", "2027-01-07", "2027-01-07"),
        ]
    );
    // Days are the project calendar's working time: C finishes 7 hours into Fri 8, the
    // fifth working day: 4 + 7/8.
    let c = net.index_of("C").unwrap();
    let days = net.days(net.det_finish()[c]);
    assert!((days - 4.875).abs() < 1e-9, "{days}");
    // The milestone M at Thu 16:00: three days and 7 of Thursday's 8 hours.
    let m = f.milestones.iter().find(|m| m.id == "M").unwrap();
    assert!(
        (m.deterministic - 3.875).abs() < 1e-9,
        "{}",
        m.deterministic
    );

    // Whole days instead (no hours): B starts in A's last day, Wed 6.
    let plain = plan
        .replace("hours = [\"08:00-12:00\", \"13:00-17:00\"]\n", "")
        .replace("hours = [\"08:00-16:00\"]\n", "");
    let dir = plan_dir(&[("plan.toml", &plain), ("tasks.csv", tasks)]);
    let (_, _, f) = sim_dir(dir.path(), 64, 1);
    assert_eq!(dates(&f)[1], row("B", "2027-01-06", "2027-01-07"));
}

#[test]
fn malformed_working_hours_are_refused() {
    for (hours, says) in [
        ("[\"8-12\"]", "is not a period"),
        ("[\"12:00-08:00\"]", "ends before it starts"),
        (
            "[\"08:00-12:00\", \"11:00-13:00\"]",
            "starts before the period ahead of it ends",
        ),
        ("[\"08:00-25:00\"]", "is not a period"),
        ("[]", "lists no period"),
    ] {
        let dir = plan_dir(&[
            (
                "plan.toml",
                &format!("start = 2027-01-04\nhours = {hours}\n"),
            ),
            ("tasks.csv", "id,distribution,likely\nA,fixed,1\n"),
        ]);
        let out = assert_cmd::cargo::cargo_bin_cmd!("slipcast")
            .arg("validate")
            .arg(dir.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{hours}: {err}");
        assert!(
            err.contains(says) && err.contains("hours"),
            "{hours}: {err}"
        );
    }
}

/// ALAP: a task placed as late as its successors allow, in the deterministic schedule and
/// in every iteration, on one calendar and on the clock axis; its criticality is that of
/// its early position.
#[test]
fn alap_tasks_finish_just_in_time() {
    // Mon 4 Jan 2027. A 5 d; B 2 d ALAP feeding C; C 1 d after A and B; D 1 d ALAP after A
    // with no successor (finishes with the project).
    let tasks = "id,distribution,likely,predecessors,milestone,alap,calendar\n\
                 A,fixed,5,,,,\n\
                 B,fixed,2,,,true,CAL\n\
                 C,fixed,1,A;B,,,\n\
                 D,fixed,1,A,,true,\n\
                 M,fixed,0,C;D,true,,\n";
    // One calendar: B works Thu 7 – Fri 8, right before C on Mon 11; D on Mon 11 with C.
    let dir = plan_dir(&[
        ("plan.toml", "start = 2027-01-04\n"),
        ("tasks.csv", &tasks.replace("CAL", "")),
    ]);
    let (net, _, f) = sim_dir(dir.path(), 64, 1);
    assert_eq!(
        dates(&f),
        vec![
            row("A", "2027-01-04", "2027-01-08"),
            row("B", "2027-01-07", "2027-01-08"),
            row("C", "2027-01-11", "2027-01-11"),
            row("D", "2027-01-11", "2027-01-11"),
            row("M", "2027-01-11", "2027-01-11"),
        ]
    );
    let b = net.index_of("B").unwrap();
    assert_eq!((net.det_start()[b], net.det_finish()[b]), (3.0, 5.0));
    let crit = |id: &str| f.tasks.iter().find(|t| t.id == id).unwrap().criticality;
    assert_eq!(
        crit("B"),
        0.0,
        "B has three days of float at its early dates"
    );
    assert_eq!(crit("A"), 1.0);

    // B on a seven-day calendar: it works the weekend, Sat 9 – Sun 10.
    let dir = plan_dir(&[
        (
            "plan.toml",
            "start = 2027-01-04\n[calendars.seven]\nworkweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n",
        ),
        ("tasks.csv", &tasks.replace("CAL", "seven")),
    ]);
    let (_, _, f) = sim_dir(dir.path(), 64, 1);
    assert_eq!(dates(&f)[1], row("B", "2027-01-09", "2027-01-10"));
}

/// A start-no-earlier-than with a time of day: on an 08:00–16:00 calendar, 11:00 leaves
/// 5 of the day's 8 hours.
#[test]
fn a_start_constraint_may_name_the_time_of_day() {
    let dir = plan_dir(&[
        (
            "plan.toml",
            "start = 2027-01-04\nhours = [\"08:00-16:00\"]\n[calendars.seven]\nworkweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n",
        ),
        (
            "tasks.csv",
            "id,distribution,likely,not_before,calendar\nA,fixed,1,2027-01-05T11:00,seven\nB,fixed,1,2027-01-05T11:00,\nC,fixed,0.5,2027-01-05T11:00,\n",
        ),
    ]);
    let (net, _, f) = sim_dir(dir.path(), 64, 1);
    // One day from Tue 11:00 ends Wed 11:00; half a day from Tue 11:00 ends Tue 15:00.
    assert_eq!(dates(&f)[0], row("A", "2027-01-05", "2027-01-06"));
    assert_eq!(dates(&f)[2], row("C", "2027-01-05", "2027-01-05"));
    let c = net.index_of("C").unwrap();
    let days = net.days(net.det_finish()[c]);
    // (Constraints are kept in single precision: within a second.)
    assert!((days - (1.0 + 3.0 / 8.0 + 0.5)).abs() < 1e-6, "{days}");
}

/// Cash flow on the clock axis: a month's spend is what was worked by the end of its last
/// calendar day, on the task's own calendar.
#[test]
fn cash_flow_month_ends_are_calendar_days_on_the_clock_axis() {
    // A seven-day task of 40 days at 100 a day from Mon 4 Jan 2027: 28 days (4–31 Jan)
    // by the end of January, all 40 (to Fri 12 Feb) by the end of February.
    let dir = plan_dir(&[
        (
            "plan.toml",
            "start = 2027-01-04\n[calendars.seven]\nworkweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n",
        ),
        (
            "tasks.csv",
            "id,distribution,likely,rate,calendar,milestone,predecessors\nA,fixed,40,100,seven,,\nM,fixed,0,,,true,A\n",
        ),
    ]);
    let net = slipcast::compile(&slipcast::load(dir.path()).unwrap()).unwrap();
    let c = slipcast::sim::cashflow::cash_flow(&net, 1, 64).unwrap();
    assert_eq!(c.dates[0].to_string(), "2027-01-31");
    assert!(
        (c.deterministic[0] - 2800.0).abs() < 1e-6,
        "{}",
        c.deterministic[0]
    );
    assert!(
        (c.deterministic[1] - 4000.0).abs() < 1e-6,
        "{}",
        c.deterministic[1]
    );
    assert!(c.rows.iter().all(|r| (r[0] - 2800.0).abs() < 1e-3));
    // Reported as the project calendar's working days: 4–29 Jan is 20.
    assert_eq!(c.days[0], 20);
}

/// Float respects freeze windows: a task whose latest start falls in a freeze must start
/// before it, and its predecessors' float shrinks with it (on one calendar and on the
/// clock axis).
#[test]
fn float_stops_at_a_freeze_window() {
    // Mon 4 Jan 2027. B (10 d) drives M (Fri 15). A (2 d) → T (2 d, tag deploy) → M:
    // without the freeze T could start as late as Thu 14 (day 8) and A finish then: six
    // days of float each. Starts on Wed 13 and Thu 14 are frozen: T must start by the
    // end of Tue 12 (day 7), so both have five.
    let tasks = "id,distribution,likely,predecessors,milestone,calendar_tags,calendar\n\
                 A,fixed,2,,,,\n\
                 T,fixed,2,A,,deploy,CAL\n\
                 B,fixed,10,,,,\n\
                 M,fixed,0,T;B,true,,\n";
    let freeze = "from,to,kind,tags\n2027-01-13,2027-01-14,freeze,deploy\n";
    for (toml, cal) in [
        ("start = 2027-01-04\n", ""),
        (
            "start = 2027-01-04\n[calendars.other]\nworkweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\"]\nhours = [\"09:00-17:00\"]\n",
            "other",
        ),
    ] {
        let dir = plan_dir(&[
            ("plan.toml", toml),
            ("calendar.csv", freeze),
            ("tasks.csv", &tasks.replace("CAL", cal)),
        ]);
        let net = slipcast::compile(&slipcast::load(dir.path()).unwrap()).unwrap();
        let forecast = slipcast::Forecaster::new(&net)
            .iterations(slipcast::Iterations::Fixed(64))
            .drivers(true)
            .run(&NoProgress)
            .unwrap();
        let d = forecast.drivers.as_ref().unwrap();
        let float = |id: &str| {
            d.tasks
                .iter()
                .find(|t| t.task == id)
                .and_then(|t| t.mean_float)
                .unwrap()
        };
        assert!((float("T") - 5.0).abs() < 1e-4, "T {} ({cal})", float("T"));
        assert!((float("A") - 5.0).abs() < 1e-4, "A {} ({cal})", float("A"));
        assert_eq!(float("B"), 0.0);
    }
}

/// Work that began before the plan's start is said so: its start is reported as the
/// plan's start, its finish stays exact.
#[test]
fn a_start_before_the_plan_start_is_reported() {
    let dir = plan_dir(&[
        (
            "plan.toml",
            "start = 2027-01-11\nstatus_date = 2027-01-20\n",
        ),
        (
            "tasks.csv",
            "id,distribution,likely,actual_start,predecessors\nA,fixed,10,2027-01-04,\nB,fixed,2,,A\n",
        ),
    ]);
    let out = assert_cmd::cargo::cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "1000"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("A started before the plan's start 2027-01-11"),
        "{err}"
    );
    // A: 10 days of work left from Wed 20 Jan end Tue 2 Feb; B Wed 3 – Thu 4 Feb.
    let (_, _, f) = sim_dir(dir.path(), 64, 1);
    assert_eq!(
        f.milestones[0].deterministic_date.as_deref(),
        Some("2027-02-04")
    );
}

/// A start milestone against a finish milestone between office and site work. P, on the
/// project's Monday to Friday, takes Mon 4 – Fri 8 Jan 2027; S is a zero-length milestone
/// after it and X, on a seven-day calendar, takes two days after S. A finish milestone
/// (`milestone = true`) lies where the office last stopped, Friday evening, so the site
/// works the weekend (X Sat 9 – Sun 10). A start milestone (`milestone = start`, P6's)
/// lies where the office next works, Monday morning, and X follows it (Mon 11 – Tue 12).
#[test]
fn a_start_milestone_holds_its_successors_to_the_next_working_time() {
    for (kind, s_date, x_start, x_finish, crit_p) in [
        ("true", "2027-01-08", "2027-01-09", "2027-01-10", 1.0),
        ("start", "2027-01-11", "2027-01-11", "2027-01-12", 1.0),
    ] {
        let dir = plan_dir(&[
            (
                "plan.toml",
                "start = 2027-01-04\n\n[calendars.site]\nworkweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n",
            ),
            (
                "tasks.csv",
                &format!(
                    "id,distribution,likely,predecessors,calendar,milestone\n\
                     P,fixed,5,,,\n\
                     S,,,P,,{kind}\n\
                     X,fixed,2,S,site,\n\
                     M,,,X,site,true\n"
                ),
            ),
        ]);
        let (_, _, f) = sim_dir(dir.path(), 640, 1);
        let d = dates(&f);
        assert!(
            d.contains(&row("P", "2027-01-04", "2027-01-08")),
            "{kind}: {d:?}"
        );
        let s = f.tasks.iter().find(|t| t.id == "S").unwrap();
        assert_eq!(s.mean_finish_date.as_deref(), Some(s_date), "{kind}");
        assert!(d.contains(&row("X", x_start, x_finish)), "{kind}: {d:?}");
        let m = f.milestones.iter().find(|m| m.id == "M").unwrap();
        assert_eq!(m.deterministic_date.as_deref(), Some(x_finish), "{kind}");
        // P drives M either way.
        let p = f.tasks.iter().find(|t| t.id == "P").unwrap();
        assert_eq!(p.criticality, crit_p, "{kind}");
        // On one calendar the two are the same instant, each dated as above.
        let dir = plan_dir(&[
            ("plan.toml", "start = 2027-01-04\n"),
            (
                "tasks.csv",
                &format!(
                    "id,distribution,likely,predecessors,milestone\nP,fixed,5,,\nS,,,P,{kind}\n"
                ),
            ),
        ]);
        let (_, _, f) = sim_dir(dir.path(), 64, 1);
        let s = f.milestones.iter().find(|m| m.id == "S").unwrap();
        assert_eq!(
            (s.deterministic, s.deterministic_date.as_deref()),
            (5.0, Some(s_date))
        );
        assert_eq!(s.percentiles[0].date.as_deref(), Some(s_date), "{kind}");
    }
}

/// A task in progress with no work left at a status date on a weekend (Sat 16 Jan 2027)
/// finishes when its Monday-to-Friday calendar next works, Mon 18 Jan 08:00, as
/// Primavera P6 has it — not where its calendar last stopped, the Friday before the status date. Its
/// seven-day successor follows from Monday.
#[test]
fn work_in_progress_with_nothing_left_finishes_when_its_calendar_next_works() {
    let dir = plan_dir(&[
        (
            "plan.toml",
            "start = 2027-01-04\nstatus_date = 2027-01-16\nhours = [\"08:00-12:00\", \"13:00-17:00\"]\n\n[calendars.site]\nworkweek = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n",
        ),
        (
            "tasks.csv",
            "id,distribution,likely,predecessors,actual_start,remaining,calendar,milestone\n\
             W,fixed,5,,2027-01-11,0,,\n\
             X,fixed,2,W,,,site,\n\
             M,,,X,,,site,true\n",
        ),
    ]);
    let (_, _, f) = sim_dir(dir.path(), 64, 1);
    let d = dates(&f);
    assert!(d.contains(&row("W", "2027-01-11", "2027-01-18")), "{d:?}");
    assert!(d.contains(&row("X", "2027-01-18", "2027-01-19")), "{d:?}");
    let m = f.milestones.iter().find(|m| m.id == "M").unwrap();
    assert_eq!(m.deterministic_date.as_deref(), Some("2027-01-19"));
}
