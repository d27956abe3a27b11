//! `slipcast check`: each DCMA and risk-readiness check on a hand-made plan that passes
//! every check, and on variants of it that each break one check (or, where DCMA's
//! definitions tie two checks together, the two it must).

use slipcast::analysis::health::{self, Health, Verdict};
use slipcast::plan::{PlanFiles, parse_files};

/// A progressed plan that passes every check: A done, B in progress at the status date
/// (2027-02-01, day 20), C..G open, END with a far target. Working days from day 0 =
/// 2027-01-04: B's remaining 12 from day 20 ends at 32; C 32–52, D 32–46, E 52–60,
/// F 60–70, G 52–70; END at 70.
const HEADER: &str = "id,min,likely,max,predecessors,milestone,target,not_before,constraint,actual_start,actual_finish,baseline_finish,cost";
const BASE: &[&str] = &[
    "A,8,10,13,,,,,,2027-01-04,2027-01-15,2027-01-15,1000",
    "B,9,12,16,A,,,,,2027-01-18,,2027-02-12,2000",
    "C,15,20,30,B,,,,,,,,3000",
    "D,10,14,25,B,,,,,,,,3000",
    "E,6,8,12,C;D,,,,,,,,3000",
    "F,8,10,15,E,,,,,,,,3000",
    "G,12,18,24,C,,,,,,,,3000",
    "END,,,,F;G,true,2027-06-30,,,,,,",
];
const PLAN_TOML: &str = "start = 2027-01-04\nstatus_date = 2027-02-01\n";
const RISKS: &str = "id,probability,min,likely,max,tasks\nR1,0.3,2,4,8,C\n";

/// The base plan with rows replaced (by id) or added before END.
fn plan(changes: &[&str]) -> String {
    let mut rows: Vec<String> = BASE.iter().map(|r| r.to_string()).collect();
    for c in changes {
        let id = c.split(',').next().unwrap();
        match rows.iter().position(|r| r.split(',').next() == Some(id)) {
            Some(i) => rows[i] = c.to_string(),
            None => {
                let end = rows.len() - 1;
                rows.insert(end, c.to_string());
            }
        }
    }
    format!("{HEADER}\n{}\n", rows.join("\n"))
}

fn check_of(tasks: &str, risks: &str) -> Health {
    let files = PlanFiles {
        plan_toml: Some(("plan.toml", PLAN_TOML.as_bytes())),
        tasks: Some(("tasks.csv", tasks.as_bytes())),
        risks: Some(("risks.csv", risks.as_bytes())),
        ..Default::default()
    };
    let p = parse_files(&files, std::path::Path::new("."), Some("health".into())).unwrap();
    let net = slipcast::compile(&p).unwrap();
    health::check(&p, &net)
}

fn failing(h: &Health) -> Vec<&'static str> {
    h.failing().map(|c| c.id).collect()
}

fn get<'a>(h: &'a Health, id: &str) -> &'a health::Check {
    h.checks.iter().find(|c| c.id == id).unwrap()
}

#[test]
fn the_base_plan_passes_every_check() {
    let h = check_of(&plan(&[]), RISKS);
    assert_eq!(failing(&h), Vec::<&str>::new(), "{h:#?}");
    assert!(h.checks.iter().all(|c| c.status == Verdict::Pass), "{h:#?}");
    assert_eq!(h.checks.len(), 19);
    assert_eq!(h.incomplete, 6);
    // Hand-computed values: 9 links into open tasks, all finish-to-start; BEI 1/1; CPLI
    // (50 + float to 30 June) / 50: 30 June ends working day 128 (25 weeks to 28 June,
    // then 28, 29, 30 June), so the float is 58.
    assert_eq!(get(&h, "relationship-types").of, 9);
    assert_eq!(get(&h, "relationship-types").value, Some(100.0));
    assert_eq!(get(&h, "bei").value, Some(1.0));
    assert_eq!(get(&h, "critical-path-test").value, Some(600.0));
    assert_eq!(get(&h, "critical-path-test").tasks, vec!["B"]);
    let cpli = get(&h, "cpli").value.unwrap();
    assert!((cpli - (50.0 + 58.0) / 50.0).abs() < 1e-9, "{cpli}");
    assert_eq!(get(&h, "resources").value, Some(0.0));
    assert_eq!(
        h.summary(),
        "schedule health: all 14 applicable DCMA checks pass"
    );
}

/// A variant: its name, the rows it changes, its risks.csv (`None`: the base's), and
/// the checks it must fail.
type Variant<'a> = (&'a str, &'a [&'a str], Option<&'a str>, &'a [&'a str]);

/// Each variant and the checks it must fail, exactly.
#[test]
fn each_variant_fails_its_own_check() {
    let cases: &[Variant] = &[
        // G loses its successor: an open end.
        (
            "logic",
            &["END,,,,F,true,2027-06-30,,,,,,"],
            None,
            &["logic"],
        ),
        (
            "leads",
            &["E,6,8,12,C;D FS-2,,,,,,,,3000"],
            None,
            &["leads"],
        ),
        ("lags", &["E,6,8,12,C;D FS+2,,,,,,,,3000"], None, &["lags"]),
        (
            "relationship types",
            &["E,6,8,12,C;D SS,,,,,,,,3000"],
            None,
            &["relationship-types"],
        ),
        (
            "constraint",
            &["D,10,14,25,B,,,,must finish on 2027-04-30,,,,3000"],
            None,
            &["hard-constraints"],
        ),
        (
            "not before",
            &["D,10,14,25,B,,,2027-02-01,,,,,3000"],
            None,
            &["hard-constraints"],
        ),
        // H starts at the status date and ends at day 23; the plan ends at 70.
        (
            "high float",
            &["H,2,3,5,A,,,,,,,,500", "END,,,,F;G;H,true,2027-06-30,,,,,,"],
            None,
            &["high-float"],
        ),
        // The target two days before the deterministic finish: CPLI 48/50 still passes.
        (
            "negative float",
            &["END,,,,F;G,true,2027-04-07,,,,,,"],
            None,
            &["negative-float"],
        ),
        (
            "high duration",
            &["D,40,46,60,B,,,,,,,,3000"],
            None,
            &["high-duration"],
        ),
        // A finished two days after its baseline.
        (
            "missed",
            &["A,8,10,13,,,,,,2027-01-04,2027-01-15,2027-01-13,1000"],
            None,
            &["missed-tasks"],
        ),
        // C was due on 29 January and is not finished: missed and BEI fail together (a
        // task due and not finished lowers both).
        (
            "bei",
            &["C,15,20,30,B,,,,,,,2027-01-29,3000"],
            None,
            &["missed-tasks", "bei"],
        ),
        // X's start drives END through Y (start-to-start), so X's length moves nothing.
        (
            "critical path test",
            &[
                "X,3,4,6,A,,,,,,,,500",
                "Y1,20,30,40,X SS,,,,,,,,500",
                "Y2,20,25,35,Y1,,,,,,,,500",
                "END,,,,F;G;Y2,true,2027-06-30,,,,,,",
            ],
            None,
            &["critical-path-test"],
        ),
        // CPLI below 0.95 needs the end behind its target: negative float too.
        (
            "cpli",
            &["END,,,,F;G,true,2027-03-25,,,,,,"],
            None,
            &["negative-float", "cpli"],
        ),
        (
            "no uncertainty",
            &["C,20,20,20,B,,,,,,,,3000"],
            None,
            &["no-uncertainty"],
        ),
        (
            "template",
            &[
                "B,9,12,18,A,,,,,2027-01-18,,2027-02-12,2000",
                "C,15,20,30,B,,,,,,,,3000",
                "D,10.5,14,21,B,,,,,,,,3000",
                "E,6,8,12,C;D,,,,,,,,3000",
                "F,7.5,10,15,E,,,,,,,,3000",
                "G,13.5,18,27,C,,,,,,,,3000",
            ],
            None,
            &["one-template"],
        ),
        (
            "merge",
            &[
                "M1,20,25,30,B,,,,,,,,100",
                "M2,21,25,31,B,,,,,,,,100",
                "M3,22,26,34,B,,,,,,,,100",
                "M4,19,24,33,B,,,,,,,,100",
                "END,,,,F;G;M1;M2;M3;M4,true,2027-06-30,,,,,,",
            ],
            None,
            &["merge-points"],
        ),
        (
            "wide",
            &["D,1,14,25,B,,,,,,,,3000"],
            None,
            &["implausible-ranges"],
        ),
        (
            "narrow",
            &["D,13.5,14,14.5,B,,,,,,,,3000"],
            None,
            &["implausible-ranges"],
        ),
        // Z follows F and ends after END: the project's last task, no milestone after it.
        (
            "unmapped risk",
            &["Z,4,5,7,F,,,,,,,,500"],
            Some("id,probability,min,likely,max,tasks\nR1,0.3,2,4,8,C\nR2,0.2,1,2,3,Z\n"),
            &["unmapped-risks"],
        ),
    ];
    for (name, changes, risks, want) in cases {
        let h = check_of(&plan(changes), risks.unwrap_or(RISKS));
        let mut got = failing(&h);
        got.sort_unstable();
        let mut want = want.to_vec();
        want.sort_unstable();
        assert_eq!(got, want, "variant {name}: {h:#?}");
    }
}

/// The command: the table, CSV with every column, `--strict`'s exit status, the files
/// with `--out`, and `run`'s one-line summary.
#[test]
fn the_check_command_reports_and_gates() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("plan");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("plan.toml"), PLAN_TOML).unwrap();
    std::fs::write(folder.join("risks.csv"), RISKS).unwrap();
    let write = |changes: &[&str]| std::fs::write(folder.join("tasks.csv"), plan(changes)).unwrap();
    let slipcast = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_slipcast"))
            .args(args)
            .output()
            .unwrap()
    };
    let p = folder.to_str().unwrap();
    write(&[]);
    let ok = slipcast(&["check", p, "--strict"]);
    assert_eq!(ok.status.code(), Some(0));
    let table = String::from_utf8(ok.stdout).unwrap();
    assert!(table.contains(" 12  Critical path test"), "{table}");
    assert!(table.lines().all(|l| l.chars().count() <= 100), "{table}");
    // Lags on two links: the check fails, --strict exits 1, plain check exits 0.
    write(&["E,6,8,12,C FS+1;D FS+2,,,,,,,,3000"]);
    assert_eq!(slipcast(&["check", p]).status.code(), Some(0));
    let strict = slipcast(&["check", p, "--strict"]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&strict.stderr).contains("1 check failed"));
    let csv = String::from_utf8(slipcast(&["check", p, "--format", "csv"]).stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,family,number,check,metric,value,unit,threshold,status,count,of,tasks,note"
    );
    let lags = lines.find(|l| l.starts_with("lags,")).unwrap();
    assert!(lags.contains(",fail,2,9,C→E;D→E,"), "{lags}");
    let out = dir.path().join("out");
    let o = slipcast(&[
        "check",
        p,
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["checks"].as_array().unwrap().len(), 19);
    assert_eq!(
        std::fs::read_to_string(out.join("health.csv")).unwrap(),
        csv
    );
    let run = slipcast(&["run", p, "-n", "200"]);
    assert_eq!(run.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&run.stderr)
            .contains("schedule health: 1 of 14 applicable DCMA checks fail — see slipcast check"),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// One XER row: field name → value.
type XerRow = std::collections::HashMap<String, String>;

/// The TASK and TASKPRED rows of an XER file, as field maps.
fn xer_tables(text: &str) -> (Vec<XerRow>, Vec<XerRow>) {
    let (mut table, mut fields) = (String::new(), Vec::new());
    let (mut tasks, mut preds) = (Vec::new(), Vec::new());
    for line in text.lines() {
        let p: Vec<&str> = line.split('\t').collect();
        match p[0] {
            "%T" => table = p[1].to_string(),
            "%F" => fields = p[1..].iter().map(|s| s.to_string()).collect(),
            "%R" => {
                let row: XerRow = fields
                    .iter()
                    .cloned()
                    .zip(p[1..].iter().map(|s| s.to_string()))
                    .collect();
                match table.as_str() {
                    "TASK" => tasks.push(row),
                    "TASKPRED" => preds.push(row),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    (tasks, preds)
}

/// The P6 housing model, imported and checked; the date constraints, leads, lags and
/// link types counted again straight from the XER's TASK and TASKPRED tables.
#[test]
fn the_housing_model_is_checked_as_its_xer_says() {
    let json = recount_xer(&crate::test_data("schedules/p6_xer/MDL4D.xer"));
    assert_eq!(json["hard-constraints"]["count"], 50);
    assert_eq!(json["relationship-types"]["status"], "fail");
    assert_eq!(json["critical-path-test"]["status"], "pass");
}

/// The 3,994-activity rail programme, recounted the same way.
#[test]
fn the_rail_programme_is_checked_as_its_xer_says() {
    let Some(xer) = crate::shared_data(
        "schedules/p6_xer/SP10_COST_LOADED.xer",
        "the_rail_programme_is_checked_as_its_xer_says",
    ) else {
        return;
    };
    let json = recount_xer(&xer);
    assert_eq!(json["hard-constraints"]["count"], 1040);
    assert_eq!(json["leads"]["count"], 54);
    assert_eq!(json["lags"]["count"], 164);
    assert_eq!(json["logic"]["status"], "fail");
    assert_eq!(json["critical-path-test"]["status"], "pass");
}

/// Imports an XER, checks it, and recounts from the XER's own tables the checks whose
/// inputs the file states: date constraints, leads, lags and finish-to-start links.
/// Level-of-effort and WBS-summary activities are left out, as the import leaves them
/// out. Returns the checks by id.
fn recount_xer(xer: &std::path::Path) -> std::collections::HashMap<String, serde_json::Value> {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("plan");
    let bin = env!("CARGO_BIN_EXE_slipcast");
    let import = std::process::Command::new(bin)
        .args([
            "import",
            xer.to_str().unwrap(),
            "--out",
            folder.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        import.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let out = std::process::Command::new(bin)
        .args(["check", folder.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let checks: std::collections::HashMap<String, serde_json::Value> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c.clone()))
        .collect();
    // XER files are Windows-1252: the fields counted here are ASCII.
    let text = String::from_utf8_lossy(&std::fs::read(xer).unwrap()).into_owned();
    let (tasks, preds) = xer_tables(&text);
    let kept: std::collections::HashSet<&str> = tasks
        .iter()
        .filter(|t| !matches!(t["task_type"].as_str(), "TT_LOE" | "TT_WBS"))
        .map(|t| t["task_id"].as_str())
        .collect();
    let open: Vec<&XerRow> = tasks
        .iter()
        .filter(|t| kept.contains(t["task_id"].as_str()) && t["status_code"] != "TK_Complete")
        .collect();
    // Date constraints: every type but as-soon- and as-late-as-possible, primary or
    // secondary.
    let dated = |c: &str| !matches!(c, "" | "CS_ASAP" | "CS_ALAP");
    let constrained = open
        .iter()
        .filter(|t| dated(&t["cstr_type"]) || t.get("cstr_type2").is_some_and(|c| dated(c)))
        .count();
    assert_eq!(checks["hard-constraints"]["count"], constrained);
    // Links into activities not complete, between activities the import keeps.
    let open_ids: std::collections::HashSet<&str> =
        open.iter().map(|t| t["task_id"].as_str()).collect();
    let into_open: Vec<_> = preds
        .iter()
        .filter(|p| {
            open_ids.contains(p["task_id"].as_str()) && kept.contains(p["pred_task_id"].as_str())
        })
        .collect();
    let lag = |p: &XerRow| p["lag_hr_cnt"].parse::<f64>().unwrap_or(0.0);
    let leads = into_open.iter().filter(|p| lag(p) < 0.0).count();
    let lags = into_open.iter().filter(|p| lag(p) > 0.0).count();
    assert_eq!(checks["leads"]["count"], leads);
    assert_eq!(checks["lags"]["count"], lags);
    let fs = into_open
        .iter()
        .filter(|p| p["pred_type"] == "PR_FS")
        .count();
    // The import adds links from the open ends to its project finish: finish-to-start,
    // without lag.
    let types = &checks["relationship-types"];
    let added = types["of"].as_u64().unwrap() as usize - into_open.len();
    assert_eq!(types["count"].as_u64().unwrap() as usize, fs + added);
    assert_eq!(checks["lags"]["of"], types["of"]);
    checks
}
