//! Resources and levelling: the serial scheme on hand-computed plans, the PSPLIB j30 and
//! j120 sets (read from ../shared/data when present), the resource-free equivalence and
//! the input errors.

use slipcast::plan::{PlanFiles, parse_files};
use slipcast::{NoProgress, SimConfig, compile, simulate};
use std::path::Path;

use super::{assert_success, plan_dir};

fn slipcast_round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

fn net_of(tasks: &str, resources: &str, toml: Option<&str>) -> slipcast::Network {
    let files = PlanFiles {
        tasks: Some(("tasks.csv", tasks.as_bytes())),
        resources: Some(("resources.csv", resources.as_bytes())),
        plan_toml: toml.map(|t| ("plan.toml", t.as_bytes())),
        ..Default::default()
    };
    let plan = parse_files(&files, Path::new("."), None).unwrap_or_else(|e| panic!("{e}"));
    compile(&plan).unwrap_or_else(|e| panic!("{e}"))
}

fn dates(net: &slipcast::Network) -> Vec<(String, f64, f64)> {
    net.tasks()
        .iter()
        .enumerate()
        .map(|(t, x)| (x.id.clone(), net.det_start()[t], net.det_finish()[t]))
        .collect()
}

/// Simulated milestone finishes of a fixed-duration plan: every iteration is the
/// deterministic schedule.
fn simulated(net: &slipcast::Network, iterations: u64) -> Vec<Vec<f32>> {
    let cfg = SimConfig {
        iterations,
        seed: 7,
        threads: None,
    };
    simulate(net, &cfg, &NoProgress).unwrap().milestones
}

#[test]
fn two_builds_share_one_developer_in_priority_order() {
    // Hand-computed: A 0–5; B and C both need the one developer after A. Both have the
    // latest finish 15 in the resource-free plan (D starts at 15), the same early start,
    // so B (the earlier row) goes first: B 5–15, C 15–23, then D (QA) 23–27.
    let tasks = "id,min,likely,max,predecessors,resources,milestone\n\
                 A,5,5,5,,DEV:1,\nB,10,10,10,A,DEV:1,\nC,8,8,8,A,DEV:1,\n\
                 D,4,4,4,B;C,QA:1,\nM,,,,D,,true\n";
    let res = "id,name,capacity\nDEV,Developers,1\nQA,Testers,1\n";
    let net = net_of(tasks, res, None);
    let want = [
        ("A", 0.0, 5.0),
        ("B", 5.0, 15.0),
        ("C", 15.0, 23.0),
        ("D", 23.0, 27.0),
        ("M", 27.0, 27.0),
    ];
    for (id, s, f) in want {
        let t = net.index_of(id).unwrap();
        assert_eq!((net.det_start()[t], net.det_finish()[t]), (s, f), "{id}");
    }
    assert_eq!(
        net.milestones()[0].task as usize,
        net.index_of("M").unwrap()
    );
    assert!(simulated(&net, 128)[0].iter().all(|&x| x == 27.0));
    // The resource view: DEV is held 23 of the 27 days, QA 4; C waited 10 days for DEV
    // in every iteration, D none (QA was free).
    let samples = simulate(
        &net,
        &SimConfig {
            iterations: 200,
            seed: 1,
            threads: None,
        },
        &NoProgress,
    )
    .unwrap();
    let f = slipcast::forecast(&net, &samples, &[50.0, 80.0]);
    let dev = &f.resources[0];
    assert_eq!(
        (dev.id.as_str(), dev.mean_peak, dev.p90_peak),
        ("DEV", 1.0, 1.0)
    );
    assert_eq!(dev.utilisation, slipcast_round4(23.0 / 27.0));
    assert_eq!(dev.wait_share, 1.0);
    let qa = &f.resources[1];
    assert_eq!(
        (qa.utilisation, qa.wait_share),
        (slipcast_round4(4.0 / 27.0), 0.0)
    );
    let wait = |id: &str| {
        f.tasks
            .iter()
            .find(|t| t.id == id)
            .unwrap()
            .mean_resource_wait
    };
    assert_eq!(
        (wait("C"), wait("D"), wait("M")),
        (Some(10.0), Some(0.0), None)
    );
    // Criticality through the resource: D is driven by C, C waited for the developer
    // B released, B follows A — every task is critical, though B's finish (15) binds
    // no link.
    for id in ["A", "B", "C", "D", "M"] {
        let t = f.tasks.iter().find(|t| t.id == id).unwrap();
        assert_eq!(t.criticality, 1.0, "{id}");
    }
    // The bottleneck ranking: a second developer lets B and C run together (27 → 19), a
    // second tester buys nothing; the resource delay is those 8 days.
    let f = slipcast::Forecaster::new(&net)
        .iterations(slipcast::Iterations::Fixed(200))
        .drivers(true)
        .run(&NoProgress)
        .unwrap();
    let b = &f.drivers.as_ref().unwrap().bottlenecks;
    let got: Vec<(&str, f64, f64)> = b
        .iter()
        .map(|x| (x.resource.as_str(), x.p50_days, x.p80_days))
        .collect();
    assert_eq!(got, [("DEV", -8.0, -8.0), ("QA", 0.0, 0.0)]);
    let m = &f.milestones[0];
    assert_eq!(
        (m.resource_delay_p50, m.resource_delay_p80),
        (Some(8.0), Some(8.0))
    );
    // A priority column overrides the latest-finish rule: C (priority 900) first.
    let tasks_p = "id,min,likely,max,predecessors,resources,priority\n\
                   A,5,5,5,,DEV:1,\nB,10,10,10,A,DEV:1,\nC,8,8,8,A,DEV:1,900\nD,4,4,4,B;C,QA:1,\n";
    let net = net_of(tasks_p, res, None);
    let c = net.index_of("C").unwrap();
    let b = net.index_of("B").unwrap();
    assert_eq!((net.det_start()[c], net.det_finish()[c]), (5.0, 13.0));
    assert_eq!((net.det_start()[b], net.det_finish()[b]), (13.0, 23.0));
    // With two developers both builds run at once: the resource-free plan.
    let net = net_of(tasks, "id,capacity\nDEV,2\nQA,1\n", None);
    let m = net.index_of("M").unwrap();
    assert_eq!(net.det_finish()[m], 19.0);
}

#[test]
fn decimal_units_share_a_capacity_exactly() {
    // Capacity 1.5: X (1 unit, 0–4) and Y (0.5 unit) fit together; Z (1 unit) waits for X.
    let tasks = "id,min,likely,max,resources\nX,4,4,4,ENV:1\nY,6,6,6,ENV:0.5\nZ,2,2,2,ENV:1\n";
    let net = net_of(tasks, "id,capacity\nENV,1.5\n", None);
    let d = dates(&net);
    let of = |id: &str| d.iter().find(|x| x.0 == id).unwrap().clone();
    assert_eq!((of("X").1, of("X").2), (0.0, 4.0));
    assert_eq!((of("Y").1, of("Y").2), (0.0, 6.0));
    assert_eq!((of("Z").1, of("Z").2), (4.0, 6.0));
}

#[test]
fn a_task_in_progress_holds_its_resource_from_the_status_date() {
    // The status date is day 5 (2027-01-11 on a Mon–Fri calendar from Monday 2027-01-04).
    // W started on day 2 with 3 days left: it holds the developer over days 5–8, so N,
    // which could start at 5, waits until 8.
    let toml = "start = 2027-01-04\nstatus_date = 2027-01-11\n";
    let tasks = "id,min,likely,max,actual_start,remaining,resources\n\
                 W,6,6,6,2027-01-06,3,DEV\nN,2,2,2,,,DEV\n";
    let net = net_of(tasks, "id,capacity\nDEV,1\n", Some(toml));
    let n = net.index_of("N").unwrap();
    assert_eq!((net.det_start()[n], net.det_finish()[n]), (8.0, 10.0));
    // levelling = false in plan.toml: the resource-free plan.
    let net = net_of(
        tasks,
        "id,capacity\nDEV,1\n",
        Some(&format!("{toml}levelling = false\n")),
    );
    let n = net.index_of("N").unwrap();
    assert_eq!(net.det_start()[n], 5.0);
}

/// A plan of every kind of link, lag, risk and calendar rule, with resources.
fn rich_plan(capacity: &str) -> Vec<(&'static str, String)> {
    let mut tasks = String::from(
        "id,distribution,min,likely,max,predecessors,not_before,milestone,resources,target\n",
    );
    for i in 0..60usize {
        let preds: Vec<String> = (1..=(i % 4))
            .filter(|k| *k <= i)
            .map(|k| {
                let p = i.saturating_sub(k * (1 + i % 3));
                match (i + k) % 6 {
                    0 => format!("T{p} SS+1"),
                    1 => format!("T{p} FF-1"),
                    2 => format!("T{p} FS+2"),
                    _ => format!("T{p}"),
                }
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let res = match i % 5 {
            0 => "DEV:2",
            1 => "DEV:1;QA:1",
            2 => "QA:1",
            3 => "",
            _ => "OPS:0.5",
        };
        let est = if i % 2 == 0 {
            "triangular,2,4,9"
        } else {
            "pert,1,3,8"
        };
        let nb = if i % 17 == 5 { "12" } else { "" };
        tasks += &format!("T{i},{est},{},{nb},,{res},\n", preds.join(";"));
    }
    tasks += "M1,,,,,T30;T31;T29,,true,,60\nM2,,,,,T59;T58;T57;T56,,true,,120\n";
    let resources = format!(
        "id,name,capacity\nDEV,Developers,{capacity}\nQA,Testers,{capacity}\nOPS,Operations,{capacity}\n"
    );
    let risks = "id,probability,min,likely,max,tasks\nR1,0.3,2,5,10,T3;T40\n".to_string();
    vec![
        ("tasks.csv", tasks),
        ("resources.csv", resources),
        ("risks.csv", risks),
    ]
}

fn run_json(dir: &Path, extra: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_slipcast"))
        .args([
            "run",
            dir.to_str().unwrap(),
            "-n",
            "2000",
            "--format",
            "json",
        ])
        .args(extra)
        .output()
        .unwrap();
    assert_success(&out);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn ample_capacity_gives_the_resource_free_forecast_byte_for_byte() {
    let files = rich_plan("1000");
    let files: Vec<(&str, &str)> = files.iter().map(|(n, b)| (*n, b.as_str())).collect();
    let dir = plan_dir(&files);
    // The levelled run adds its resource view (use, waits, delays of 0); everything
    // else is the resource-free forecast, byte for byte.
    let strip = |json: &str| {
        let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
        let o = v.as_object_mut().unwrap();
        o.remove("resources");
        for m in o["milestones"].as_array_mut().unwrap() {
            let m = m.as_object_mut().unwrap();
            for k in ["resource_delay_p50", "resource_delay_p80"] {
                if let Some(d) = m.remove(k) {
                    assert_eq!(d.as_f64(), Some(0.0));
                }
            }
        }
        for t in o["tasks"].as_array_mut().unwrap() {
            if let Some(w) = t.as_object_mut().unwrap().remove("mean_resource_wait") {
                assert_eq!(w.as_f64(), Some(0.0));
            }
        }
        serde_json::to_string_pretty(&v).unwrap()
    };
    let levelled = run_json(dir.path(), &[]);
    let free = run_json(dir.path(), &["--no-levelling"]);
    assert!(levelled.contains("resource_delay_p80") && !free.contains("resource_delay_p80"));
    assert_eq!(strip(&levelled), strip(&free));
    // Tight capacities move the forecast later, never earlier.
    let tight = rich_plan("2");
    let tight: Vec<(&str, &str)> = tight.iter().map(|(n, b)| (*n, b.as_str())).collect();
    let dir = plan_dir(&tight);
    let plan = slipcast::load(dir.path()).unwrap();
    let net = compile(&plan).unwrap();
    let mut free_plan = plan.clone();
    free_plan.settings.levelling = Some(false);
    let free_net = compile(&free_plan).unwrap();
    let (a, b) = (simulated(&net, 4096), simulated(&free_net, 4096));
    let mut later = 0;
    // Milestones are reported in order of deterministic finish, which levelling may
    // change: pair them by id.
    let ids = |n: &slipcast::Network| -> Vec<String> {
        n.milestones()
            .iter()
            .map(|m| n.tasks()[m.task as usize].id.clone())
            .collect()
    };
    let (ia, ib) = (ids(&net), ids(&free_net));
    for (k, ma) in a.iter().enumerate() {
        let mb = &b[ib.iter().position(|x| *x == ia[k]).unwrap()];
        for (x, y) in ma.iter().zip(mb) {
            assert!(x >= y, "a levelled finish {x} before the resource-free {y}");
            later += usize::from(x > y);
        }
    }
    assert!(later > 0, "capacity 2 never delayed anything");
}

/// One PSPLIB single-mode instance: durations, successors (1-based jobs), requests and
/// capacities.
struct Instance {
    durations: Vec<u32>,
    successors: Vec<Vec<usize>>,
    requests: Vec<[u32; 4]>,
    capacity: [u32; 4],
    /// The header's MPM-Time: the resource-free critical path.
    critical_path: u32,
}

fn parse_sm(text: &str) -> Instance {
    let lines: Vec<&str> = text.lines().collect();
    let at = |head: &str| lines.iter().position(|l| l.starts_with(head)).unwrap();
    let jobs: usize = lines[at("jobs (incl. supersource/sink )")]
        .split(':')
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let prec = at("PRECEDENCE RELATIONS:") + 2;
    let mut successors = Vec::with_capacity(jobs);
    for l in &lines[prec..prec + jobs] {
        let v: Vec<usize> = l.split_whitespace().map(|x| x.parse().unwrap()).collect();
        successors.push(v[3..3 + v[2]].to_vec());
    }
    let req = at("REQUESTS/DURATIONS:") + 3;
    let (mut durations, mut requests) = (Vec::new(), Vec::new());
    for l in &lines[req..req + jobs] {
        let v: Vec<u32> = l.split_whitespace().map(|x| x.parse().unwrap()).collect();
        durations.push(v[2]);
        requests.push([v[3], v[4], v[5], v[6]]);
    }
    let cap = at("RESOURCEAVAILABILITIES:") + 2;
    let c: Vec<u32> = lines[cap]
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let critical_path = lines[at("pronr.") + 1]
        .split_whitespace()
        .nth(5)
        .unwrap()
        .parse()
        .unwrap();
    Instance {
        critical_path,
        durations,
        successors,
        requests,
        capacity: [c[0], c[1], c[2], c[3]],
    }
}

/// The instance as a plan: fixed durations, finish-to-start links, its four resources.
fn as_plan(x: &Instance) -> (String, String) {
    let n = x.durations.len();
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (j, s) in x.successors.iter().enumerate() {
        for &k in s {
            preds[k - 1].push(j + 1);
        }
    }
    let mut tasks = String::from("id,min,likely,max,predecessors,resources,milestone\n");
    for (j, pj) in preds.iter().enumerate() {
        let d = x.durations[j];
        let p: Vec<String> = pj.iter().map(|p| format!("J{p}")).collect();
        let r: Vec<String> = (0..4)
            .filter(|&k| x.requests[j][k] > 0)
            .map(|k| format!("R{}:{}", k + 1, x.requests[j][k]))
            .collect();
        let (est, ms) = if j == n - 1 {
            (String::from(",,"), "true")
        } else {
            (format!("{d},{d},{d}"), "")
        };
        tasks += &format!("J{},{est},{},{},{ms}\n", j + 1, p.join(";"), r.join(";"));
    }
    let mut res = String::from("id,capacity\n");
    for k in 0..4 {
        res += &format!("R{},{}\n", k + 1, x.capacity[k]);
    }
    (tasks, res)
}

/// Checks precedence and capacity of the deterministic schedule at every change point,
/// and returns its makespan.
fn check_feasible(x: &Instance, net: &slipcast::Network, name: &str) -> f64 {
    let n = x.durations.len();
    let idx: Vec<usize> = (1..=n)
        .map(|j| net.index_of(&format!("J{j}")).unwrap())
        .collect();
    let (es, ef) = (net.det_start(), net.det_finish());
    for (j, s) in x.successors.iter().enumerate() {
        for &k in s {
            assert!(
                es[idx[k - 1]] >= ef[idx[j]],
                "{name}: J{k} starts before its predecessor J{} finishes",
                j + 1
            );
        }
        assert_eq!(ef[idx[j]] - es[idx[j]], x.durations[j] as f64, "{name}");
    }
    for j in 0..n {
        let at = es[idx[j]];
        for k in 0..4 {
            let used: u32 = (0..n)
                .filter(|&i| es[idx[i]] <= at && ef[idx[i]] > at)
                .map(|i| x.requests[i][k])
                .sum();
            assert!(
                used <= x.capacity[k],
                "{name}: R{} holds {used} > {} at {at}",
                k + 1,
                x.capacity[k]
            );
        }
    }
    ef[idx[n - 1]]
}

fn psplib_set(set: &str) {
    let Some(opt) = super::shared_data(
        &format!("psplib/{set}.sm/optimum/optimum.csv"),
        &format!("psplib_{set}"),
    ) else {
        return;
    };
    let dir = opt.parent().unwrap().parent().unwrap().to_path_buf();
    let text = std::fs::read_to_string(&opt).unwrap();
    let (mut count, mut dev_best, mut dev_lower, mut at_best) = (0usize, 0.0, 0.0, 0usize);
    for line in text.lines().skip(1) {
        let (file, bound) = line.split_once(',').unwrap();
        // "104..105": a lower bound and the best known makespan.
        // "..103": only the best known; the critical path is then the lower bound.
        let x = parse_sm(&std::fs::read_to_string(dir.join(file)).unwrap());
        let (lower, best): (f64, f64) = match bound.split_once("..") {
            Some(("", b)) => (x.critical_path as f64, b.parse().unwrap()),
            Some((a, b)) => (a.parse().unwrap(), b.parse().unwrap()),
            None => (bound.parse().unwrap(), bound.parse().unwrap()),
        };
        let (tasks, res) = as_plan(&x);
        let net = net_of(&tasks, &res, None);
        let makespan = check_feasible(&x, &net, file);
        assert!(
            makespan >= lower,
            "{file}: makespan {makespan} below the optimum's lower bound {lower}"
        );
        // The kernel levels every iteration the same way as the deterministic schedule.
        if count % 40 == 0 {
            let m = simulated(&net, 64);
            assert!(m[0].iter().all(|&f| f as f64 == makespan), "{file}");
        }
        dev_best += (makespan - best) / best;
        dev_lower += (makespan - lower) / lower;
        at_best += usize::from(makespan == best);
        count += 1;
    }
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "psplib {set}: {count} instances, mean deviation {:.2} % from the best known makespan ({:.2} % from the lower bound), {at_best} at the best known",
        100.0 * dev_best / count as f64,
        100.0 * dev_lower / count as f64,
    );
    assert!(count >= 480);
}

#[test]
fn psplib_j30_schedules_are_feasible_and_never_below_the_optimum() {
    psplib_set("j30");
}

#[test]
fn psplib_j120_schedules_are_feasible_and_never_below_the_optimum() {
    psplib_set("j120");
}

#[test]
fn resource_errors_name_the_file_line_task_and_fix() {
    let cases = [
        (
            "id,min,likely,max,resources\nA,1,2,3,DEV:3\n",
            "id,capacity\nDEV,2\n",
            "tasks.csv line 2",
            "needs 3 units of DEV, whose capacity is 2",
        ),
        (
            "id,min,likely,max,resources\nA,1,2,3,DEVV:1\n",
            "id,capacity\nDEV,2\n",
            "tasks.csv line 2",
            "did you mean DEV?",
        ),
        (
            "id,min,likely,max,resources\nA,1,2,3,DEV:x\n",
            "id,capacity\nDEV,2\n",
            "tasks.csv line 2",
            "ID:units",
        ),
        (
            "id,min,likely,max,resources\nA,1,2,3,DEV:0\n",
            "id,capacity\nDEV,2\n",
            "tasks.csv line 2",
            "more than 0",
        ),
        (
            "id,min,likely,max,resources\nA,1,2,3,DEV\n",
            "id,capacity\nDEV,-1\n",
            "resources.csv line 2",
            "capacity must be 0",
        ),
        (
            "id,min,likely,max,resources\nA,1,2,3,DEV\n",
            "id,capacity\nDEV,1\nDEV,2\n",
            "resources.csv line 3",
            "duplicate resource id",
        ),
    ];
    // `slipcast run` on the files: exit 2 and its stderr.
    let refused = |files: &[(&str, &str)]| {
        let dir = plan_dir(files);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_slipcast"))
            .args(["run", dir.path().to_str().unwrap(), "-n", "100"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    for (tasks, res, at, says) in cases {
        let err = refused(&[("tasks.csv", tasks), ("resources.csv", res)]);
        assert!(err.contains(at) && err.contains(says), "{err}");
    }
    // A resources column without resources.csv.
    let err = refused(&[("tasks.csv", "id,min,likely,max,resources\nA,1,2,3,DEV\n")]);
    assert!(err.contains("add resources.csv"), "{err}");
}

#[test]
fn staffing_scenarios_change_capacities_and_assignments() {
    let tasks = "id,min,likely,max,predecessors,resources,milestone\n\
                 A,5,5,5,,DEV:1,\nB,10,10,10,A,DEV:1,\nC,8,8,8,A,DEV:1,\n\
                 D,4,4,4,B;C,QA:1,\nM,,,,D,,true\n";
    let base = net_of(
        tasks,
        "id,name,capacity\nDEV,Developers,1\nQA,Testers,1\n",
        None,
    );
    let sc = slipcast::plan::scenarios::parse_bytes(
        b"scenario,target,action,value\n\
          second developer,DEV,capacity,2\n\
          C needs no developer,C,assign,\n\
          C needs QA,C,assign,QA:1\n",
        "scenarios.csv",
    )
    .unwrap();
    let nets = slipcast::model::scenario::apply_all(&base, &sc).unwrap();
    let finish = |n: &slipcast::Network| n.det_finish()[n.index_of("M").unwrap()];
    assert_eq!(finish(&base), 27.0);
    // Two developers: B and C in parallel, the resource-free 5 + 10 + 4.
    assert_eq!(finish(&nets[0].1), 19.0);
    assert_eq!(finish(&nets[1].1), 19.0);
    // C on QA runs beside B (5–13); D still waits for B (15): 19.
    assert_eq!(finish(&nets[2].1), 19.0);
    let c = nets[2].1.index_of("C").unwrap();
    assert_eq!(nets[2].1.det_start()[c], 5.0);
    // Errors: an unknown resource, and a capacity a task no longer fits.
    for (rows, says) in [
        ("x,DEVV,capacity,2\n", "did you mean DEV?"),
        (
            "x,DEV,capacity,0.5\n",
            "needs 1 units of DEV, whose capacity is 0.5",
        ),
        ("x,C,assign,OPS:1\n", "\"OPS\" is not a resource"),
    ] {
        let sc = slipcast::plan::scenarios::parse_bytes(
            format!("scenario,target,action,value\n{rows}").as_bytes(),
            "scenarios.csv",
        )
        .unwrap();
        let err = slipcast::model::scenario::apply_all(&base, &sc)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("scenarios.csv line 2") || err.contains(says),
            "{err}"
        );
        assert!(err.contains(says), "{err}");
    }
}

#[test]
fn loading_is_the_units_held_week_by_week() {
    // Hand-computed: A holds both units over days [0, 5); B waits for one and holds it
    // over [5, 9). Week 1: 2 units; week 2: 1 unit for 4 of its 5 days = 0.8.
    let tasks = "id,min,likely,max,predecessors,resources,milestone\n\
                 A,5,5,5,,R:2,\nB,4,4,4,,R:1,\nM,,,,A;B,,true\n";
    let net = net_of(tasks, "id,capacity\nR,2\n", None);
    let l = slipcast::sim::loading::loading(&net, 7, 300).expect("a levelled plan");
    assert_eq!(l.period, "5 working days");
    assert_eq!(&l.days[..2], &[5, 10]);
    assert_eq!(l.rows[0].len(), 300);
    for row in &l.rows[0] {
        assert_eq!(&row[..2], &[2.0, 0.8]);
        assert!(row[2..].iter().all(|&x| x == 0.0));
    }
    assert_eq!(&l.deterministic[0][..2], &[2.0, 0.8]);
    // With a calendar, weeks end on Sundays: a Wednesday start gives a first week of
    // three working days (Wed–Fri): A's 2 units; then A's last 2 days and B's first 3
    // of the next five: (2 × 2 + 1 × 3) / 5.
    let net = net_of(tasks, "id,capacity\nR,2\n", Some("start = 2027-02-03\n"));
    let l = slipcast::sim::loading::loading(&net, 7, 64).expect("a levelled plan");
    assert_eq!(l.period, "week");
    assert_eq!(
        l.dates[..2]
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>(),
        ["2027-02-07", "2027-02-14"]
    );
    assert_eq!(&l.days[..3], &[3, 8, 13]);
    assert_eq!(&l.rows[0][0][..3], &[2.0, 1.4, 0.2]);
}

#[test]
fn loading_of_an_uncertain_task_matches_its_distribution() {
    // One task, triangular(3, 7, 9) days, holding one unit. Week 1 holds min(d, 5) / 5,
    // week 2 (d − 5)⁺ / 5: their mean adds up to E[d] / 5 = 19 / 15, and week 2's P90
    // is (q₉₀ − 5) / 5 where 1 − (9 − q)² / 12 = 0.9: q₉₀ = 9 − √1.2.
    let tasks = "id,min,likely,max,predecessors,resources,milestone\n\
                 T,3,7,9,,R:1,\nM,,,,T,,true\n";
    let net = net_of(tasks, "id,capacity\nR,1\n", None);
    let cfg = SimConfig {
        iterations: 2000,
        seed: 11,
        threads: None,
    };
    let samples = simulate(&net, &cfg, &NoProgress).unwrap();
    let mut f = slipcast::forecast(&net, &samples, &[50.0, 80.0]);
    let l = slipcast::sim::loading::loading(&net, 11, 2000).unwrap();
    slipcast::stats::resources::set_loading(&mut f.resources, &l);
    let lo = f.resources[0].loading.as_ref().unwrap();
    assert_eq!(lo.iterations, 2000);
    let n = 2000f64;
    // Mean: sd of d is √(28/18) days; four standard errors.
    let total: f64 = lo.periods.iter().map(|p| p.mean * 5.0).sum();
    let tol = 4.0 * (28.0f64 / 18.0).sqrt() / n.sqrt();
    assert!(
        (total - 19.0 / 3.0).abs() < tol,
        "unit-days {total} vs 6.333 ± {tol}"
    );
    // The loading rows are the simulated durations themselves: the same iterations.
    let d = &samples.milestones[0];
    let want: f64 = d.iter().map(|&x| x as f64).sum::<f64>() / n;
    assert!(
        (total - want).abs() < 1e-3,
        "{total} vs the samples' mean {want}"
    );
    // P90: the sample quantile's standard error √(p(1 − p)/n) / f(q), f(q) = 2(9 − q)/12.
    let q = 9.0 - 1.2f64.sqrt();
    let se = (0.09 / n).sqrt() / (2.0 * (9.0 - q) / 12.0) / 5.0;
    let p90 = lo.periods[1].p90;
    assert!(
        ((p90 - (q - 5.0) / 5.0).abs()) < 4.0 * se + 1e-4,
        "week 2 P90 {p90}"
    );
    // Week 1 is full unless the task ends within it, which happens one time in six.
    assert_eq!(lo.periods[0].p90, 1.0);
    assert_eq!(lo.periods[0].plan, 1.0);
}

#[test]
fn the_report_shows_each_resource_loading_and_the_bottlenecks() {
    let dir = plan_dir(&[
        ("plan.toml", "name = \"Staffed\"\nstart = 2027-02-01\n"),
        (
            "tasks.csv",
            "id,min,likely,max,predecessors,resources,milestone\n\
             A,4,5,8,,DE:2,\nB,3,4,6,,DE:1,\nC,2,3,5,A;B,QA:1,\nM,,,,C,,true\n",
        ),
        (
            "resources.csv",
            "id,name,capacity\nDE,Data engineers,2\nQA,Testers,1\n",
        ),
    ]);
    let out_dir = dir.path().join("out");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_slipcast"))
        .args([
            "run",
            dir.path().to_str().unwrap(),
            "-n",
            "500",
            "--drivers",
        ])
        .args(["--out", out_dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success(&out);
    let csv = std::fs::read_to_string(out_dir.join("loading.csv")).unwrap();
    assert!(csv.starts_with("resource,period_end,working_days,capacity,plan,mean,p50,p90\n"));
    // DE's first week is the deterministic plan's A (two units, five days).
    assert!(csv.contains("\nDE,2027-02-07,5,2,2,"), "{csv}");
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    assert!(html.contains("<h2>Resources</h2>"));
    assert!(html.contains("DE Data engineers: units in use per week"));
    assert!(html.contains("<th>One more unit</th>"));
    assert!(out_dir.join("DE-loading.svg").exists());
}

#[test]
fn a_levelled_plan_with_costs_has_a_cash_flow() {
    // The cash flow re-runs iterations with the resource columns in each row too.
    let dir = plan_dir(&[
        ("plan.toml", "start = 2027-02-01\n"),
        (
            "tasks.csv",
            "id,min,likely,max,predecessors,resources,cost,milestone\n\
             A,4,5,8,,DE:2,1000,\nB,3,4,6,,DE:1,500,\nM,,,,A;B,,,true\n",
        ),
        ("resources.csv", "id,capacity\nDE,2\n"),
    ]);
    let out_dir = dir.path().join("out");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_slipcast"))
        .args(["run", dir.path().to_str().unwrap(), "-n", "300"])
        .args(["--out", out_dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_success(&out);
    let cf = std::fs::read_to_string(out_dir.join("cashflow.csv")).unwrap();
    // Everything is spent by the end: 1,500 in every iteration.
    assert!(
        cf.trim_end()
            .lines()
            .last()
            .unwrap()
            .contains(",1500,1500,1500,1500,1500"),
        "{cf}"
    );
    assert!(out_dir.join("loading.csv").exists());
}
