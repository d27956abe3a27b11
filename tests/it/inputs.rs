//! Robustness of inputs and outputs: equivalent spellings of the same plan give the same
//! forecast; broken, hostile or huge inputs give exit 2 and a message, never a panic;
//! interrupted runs leave no partial file.

use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;

use super::plan_dir;

const CLEAN: &str = "id,name,min,likely,max,predecessors,milestone\nA,\"Design, review\",2,4,9,,\nB,\"Build\nand test\",3,5,8,A,\nM,Launch,,,,A;B SS+1,true\n";

fn json_of(tasks: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tasks.csv"), tasks).unwrap();
    let out = cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "1000", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    super::assert_success(&out);
    // The plan is named after its folder, which differs between runs.
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    serde_json::to_string(&v["milestones"]).unwrap() + &serde_json::to_string(&v["tasks"]).unwrap()
}

#[test]
fn equivalent_spellings_give_identical_forecasts() {
    let clean = json_of(CLEAN.as_bytes());
    let crlf = CLEAN
        .replace('\n', "\r\n")
        .replace("Build\r\nand", "Build\nand");
    let bom = format!("\u{feff}{CLEAN}");
    let spaced = " id , name , min , likely , max , predecessors , milestone \nA ,\"Design, review\", 2 , 4 , 9 ,  , \n B ,\"Build\nand test\", 3 , 5 , 8 , A , \nM , Launch ,  ,  ,  , A; B SS+1 , true \n".to_string();
    let upper = CLEAN.replacen(
        "id,name,min,likely,max,predecessors,milestone",
        "ID,Name,MIN,Likely,MAX,Predecessors,MileStone",
        1,
    );
    let quoted = "\"id\",\"name\",\"min\",\"likely\",\"max\",\"predecessors\",\"milestone\"\n\"A\",\"Design, review\",\"2\",\"4\",\"9\",\"\",\"\"\n\"B\",\"Build\nand test\",\"3\",\"5\",\"8\",\"A\",\"\"\n\"M\",\"Launch\",\"\",\"\",\"\",\"A;B SS+1\",\"true\"\n";
    for (what, text) in [
        ("CRLF", crlf),
        ("BOM", bom),
        ("spaces", spaced),
        ("header case", upper),
        ("quoted", quoted.to_string()),
    ] {
        assert_eq!(json_of(text.as_bytes()), clean, "{what}");
    }
}

fn rejects(tasks: &[u8], frag: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tasks.csv"), tasks).unwrap();
    cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "100"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(frag).and(predicate::str::contains("panicked").not()));
}

#[test]
fn broken_and_hostile_inputs_exit_2_with_a_message() {
    // Truncated in the middle of a row, and in the middle of a quoted field.
    rejects(
        b"id,min,likely,max,predecessors\nA,1,2,3,\nB,1,2",
        "the row has 3 fields but the header has 5",
    );
    rejects(
        b"id,name,min,likely,max\nA,\"unfinished name,1,2,3\n",
        "line 2",
    );
    // Binary garbage.
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    rejects(&garbage, "error:");
    rejects(b"\x00\x01\x02\xff\xfe", "not UTF-8");
    // Out-of-range numbers.
    rejects(b"id,min,likely,max\nA,1,2,1e308\n", "out of range");
    rejects(b"id,min,likely,max\nA,1,NaN,3\n", "expected a number");
    rejects(b"id,min,likely,max\nA,1,2,-inf\n", "finite");
    // Too many and too few fields; duplicate headers.
    rejects(b"id,likely\nA,3,4\n", "the row has 3 fields");
    rejects(b"id,likely\nA\n", "the row has 1 fields");
    rejects(b"id,likely,likely\nA,3,4\n", "column likely appears twice");
    // An id thousands of characters long.
    rejects(
        format!("id,likely\n{},3\n", "x".repeat(5000)).as_bytes(),
        "the id is 5000 characters long",
    );
}

#[test]
fn a_200000_task_chain_runs() {
    let mut s = String::with_capacity(6_000_000);
    s.push_str("id,min,likely,max,predecessors\nT0,1,2,3,\n");
    for i in 1..200_000 {
        s.push_str(&format!("T{i},1,2,3,T{}\n", i - 1));
    }
    let dir = plan_dir(&[("tasks.csv", &s)]);
    let out = cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "64", "--format", "csv"])
        .arg(dir.path())
        .output()
        .unwrap();
    super::assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().nth(1).unwrap().starts_with("T199999,,400000,"));
}

#[test]
fn a_file_larger_than_slipcast_reads_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let f = std::fs::File::create(dir.path().join("tasks.csv")).unwrap();
    f.set_len(600 << 20).unwrap(); // sparse: no disk used
    cargo_bin_cmd!("slipcast")
        .arg("validate")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "slipcast reads plan files of up to 512 MiB",
        ));
}

#[test]
fn a_run_larger_than_memory_is_refused_with_the_override_named() {
    let mut s = String::from("id,min,likely,max,milestone\n");
    for i in 0..20_000 {
        s += &format!("T{i},1,2,3,true\n");
    }
    let dir = plan_dir(&[("tasks.csv", &s)]);
    cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "100000000", "--max-iterations", "100000000"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--force-memory"));
}

#[test]
fn sigterm_during_a_run_leaves_no_partial_file() {
    let mut s = String::from("id,min,likely,max,predecessors\n");
    for i in 0..3000 {
        let p = if i == 0 {
            String::new()
        } else {
            format!("T{}", i / 2)
        };
        s += &format!("T{i},1,2,3,{p}\n");
    }
    let dir = plan_dir(&[("tasks.csv", &s)]);
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("keep.txt"), "mine").unwrap();
    let bin = assert_cmd::cargo::cargo_bin!("slipcast");
    let mut child = std::process::Command::new(bin)
        .args(["run", "-n", "1000000", "--format", "csv", "--out"])
        .arg(out.path())
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the run was interrupted");
    let names: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains(".tmp-")),
        "temporary files left: {names:?}"
    );
    assert!(
        names
            .iter()
            .all(|n| n == "keep.txt" || Path::new(n).extension().is_some()),
        "{names:?}"
    );
    assert_eq!(
        std::fs::read_to_string(out.path().join("keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn spreadsheet_habits_get_a_fix_that_names_them() {
    // A percentage where a probability belongs: the fix gives the fraction.
    rejects(b"id,likely,probability\nA,3,30%\n", "0.3 for 30 %");
    rejects(b"id,likely,probability\nA,3,45\n", "0.45 for 45 %");
    // A semicolon-separated export (decimal-comma locale) is named as such.
    rejects(
        b"id;min;likely;max\nA;1,5;2;3\n",
        "separates its columns with ';'",
    );
    // A decimal comma in a comma file: the row gets one field too many.
    rejects(b"id,min,likely,max\nA,1,5,2,3\n", "decimals with a point");
}

#[test]
fn a_file_inside_a_plan_folder_runs_the_folder_or_says_so() {
    let dir = plan_dir(&[
        ("plan.toml", "name = \"P\"\nstart = 2027-01-04\n"),
        ("tasks.csv", "id,likely\nA,3\n"),
        ("risks.csv", "id,probability,likely,tasks\nR,0.5,2,A\n"),
    ]);
    let folder = cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "200", "--format", "csv"])
        .arg(dir.path())
        .output()
        .unwrap();
    let toml = cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "200", "--format", "csv"])
        .arg(dir.path().join("plan.toml"))
        .output()
        .unwrap();
    super::assert_success(&toml);
    assert_eq!(toml.stdout, folder.stdout);
    cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "200"])
        .arg(dir.path().join("risks.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a part of the plan"));
}

#[cfg(unix)]
#[test]
fn devices_and_pipes_are_refused_at_once() {
    cargo_bin_cmd!("slipcast")
        .args(["run", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(10))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a regular file"));
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("tasks.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        cargo_bin_cmd!("slipcast")
            .arg("run")
            .arg(dir.path())
            .timeout(std::time::Duration::from_secs(10))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("not a regular file"));
    }
}

#[test]
fn validate_checks_the_scenarios_and_names_work_that_reaches_no_milestone() {
    let dir = plan_dir(&[
        (
            "tasks.csv",
            "id,likely,predecessors,milestone\nA,3,,\nM,,A,true\nSTRAY,4,,\nLOOSE,2,STRAY,\n",
        ),
        (
            "scenarios.csv",
            "scenario,target,action,value\nfast,A,scale,0.5\n",
        ),
    ]);
    let out = cargo_bin_cmd!("slipcast")
        .arg("validate")
        .arg(dir.path())
        .output()
        .unwrap();
    super::assert_success(&out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("scenarios.csv: 1 scenario, each applies")
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "2 tasks reach no reported milestone and change no milestone's date: STRAY, LOOSE"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A scenario compare would reject is rejected by validate too.
    std::fs::write(
        dir.path().join("scenarios.csv"),
        "scenario,target,action,value\nfast,NOPE,scale,0.5\n",
    )
    .unwrap();
    cargo_bin_cmd!("slipcast")
        .arg("validate")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("NOPE"));
}

#[test]
fn problems_come_in_file_and_line_order_naming_the_row_id() {
    let dir = plan_dir(&[
        ("risks.csv", "id,probability,likely,tasks\nR,2,3,A\n"),
        (
            "tasks.csv",
            "id,min,likely,max,predecessors\nA,1,2,3,\nB,9,5,10,A\nC,1,x,3,\n",
        ),
    ]);
    let out = cargo_bin_cmd!("slipcast")
        .arg("validate")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let at = |s: &str| err.find(s).unwrap_or_else(|| panic!("{s} in {err}"));
    assert!(at("tasks.csv line 3, column min (B)") < at("tasks.csv line 4, column likely (C)"));
    assert!(at("tasks.csv line 4") < at("risks.csv line 2, column probability (R)"));
}

#[test]
fn csv_outputs_never_hand_a_spreadsheet_a_formula() {
    let dir = plan_dir(&[(
        "tasks.csv",
        "id,name,group,likely,predecessors,milestone\nA,\"=HYPERLINK(\"\"http://x\"\";\"\"click\"\")\",+g,3,,\nM,@SUM(1+1),-x,,A,true\n",
    )]);
    let out = tempfile::tempdir().unwrap();
    let run = cargo_bin_cmd!("slipcast")
        .args(["run", "-n", "200", "--format", "csv", "--out"])
        .arg(out.path())
        .arg(dir.path())
        .output()
        .unwrap();
    super::assert_success(&run);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("M,'@SUM(1+1),3,"), "{stdout}");
    let tasks = std::fs::read_to_string(out.path().join("tasks.csv")).unwrap();
    assert!(
        tasks.contains("\"'=HYPERLINK(\"\"http://x\"\";\"\"click\"\")\",'+g,"),
        "{tasks}"
    );
    assert!(tasks.contains("'@SUM(1+1),'-x,"), "{tasks}");
    // JSON keeps the exact text; numbers are never prefixed (a negative value stays -…).
    let json = std::fs::read_to_string(out.path().join("summary.json")).unwrap();
    assert!(json.contains("\"name\": \"@SUM(1+1)\""));
}

/// The output folder holds one complete set: every file its manifest lists, all from
/// the same plan (`which` is the milestone that plan ends with).
fn one_complete_set(out: &Path) -> Option<&'static str> {
    let manifest = std::fs::read_to_string(out.join(".slipcast-manifest")).ok()?;
    for n in manifest.lines() {
        assert!(out.join(n).is_file(), "{n} listed but missing");
    }
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    let milestones = std::fs::read_to_string(out.join("milestones.csv")).unwrap();
    let which = if summary.contains("\"M_EXIT\"") {
        "M_EXIT"
    } else {
        "END"
    };
    assert!(
        milestones.contains(which),
        "milestones.csv and summary.json disagree"
    );
    assert!(manifest.contains(&format!("{which}-scurve.svg")));
    let other = if which == "END" { "M_EXIT" } else { "END" };
    assert!(
        !out.join(format!("{other}-scurve.svg")).exists(),
        "two runs mixed"
    );
    Some(which)
}

#[test]
fn an_output_folder_is_one_run_whatever_happens() {
    let plan = |end: &str| {
        let mut s = String::from("id,min,likely,max,predecessors,milestone\n");
        for i in 0..2000 {
            let p = if i == 0 {
                String::new()
            } else {
                format!("T{}", i / 2)
            };
            s += &format!("T{i},1,2,3,{p},\n");
        }
        s += &format!("{end},,,,T1999,true\n");
        plan_dir(&[("tasks.csv", &s)])
    };
    let (a, b) = (plan("M_EXIT"), plan("END"));
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("forecast");
    let run = |p: &Path| {
        cargo_bin_cmd!("slipcast")
            .args(["run", "-n", "2000", "--format", "csv", "--out"])
            .arg(&target)
            .arg(p)
            .assert()
            .success();
    };
    run(a.path());
    std::fs::write(target.join("keep.txt"), "mine").unwrap();
    run(b.path());
    // The earlier plan's chart went with its set; the user's file stayed.
    assert_eq!(one_complete_set(&target), Some("END"));
    assert_eq!(
        std::fs::read_to_string(target.join("keep.txt")).unwrap(),
        "mine"
    );
    // Killed at staggered points of a run (SIGKILL: no handler runs), the folder holds
    // one of the two complete sets, never a mix.
    let bin = assert_cmd::cargo::cargo_bin!("slipcast");
    for (k, delay) in [5u64, 20, 40, 60, 80, 100, 130, 160]
        .into_iter()
        .enumerate()
    {
        let p = if k % 2 == 0 { a.path() } else { b.path() };
        let mut child = std::process::Command::new(bin)
            .args(["run", "-n", "20000", "--format", "csv", "--out"])
            .arg(&target)
            .arg(p)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            one_complete_set(&target).is_some(),
            "after a kill at {delay} ms"
        );
        assert_eq!(
            std::fs::read_to_string(target.join("keep.txt")).unwrap(),
            "mine"
        );
    }
}
