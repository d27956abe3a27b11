//! Schedule health before simulating: the DCMA 14-point assessment as applied to a plan,
//! and slipcast's own risk-readiness checks (`slipcast check`).
//!
//! A Monte Carlo run on a broken network is garbage in, garbage out: open ends hide the
//! critical path, hard constraints freeze dates the simulation should move, long lags
//! stand in for work, and estimates all cut from one template carry no real uncertainty.
//! Every check here reads the plan and its deterministic schedule only; each is one pass
//! over the tasks and links (the critical path test adds one deterministic schedule).
//!
//! Populations, as DCMA defines them for a schedule (the README states each check):
//! *incomplete tasks* are the tasks not finished at the status date (every task without
//! one) that take time — milestones and zero-length tasks excluded; *links* are the
//! links into tasks not finished. Float is total float of the deterministic schedule in
//! working days of the project calendar.

use std::collections::HashMap;

use serde::Serialize;

use crate::model::resource::backward_pass;
use crate::model::{Distribution, Network, Status};
use crate::plan::{LinkKind, Plan};

/// DCMA's threshold for high float and high duration: 44 working days (two months).
pub const LONG_DAYS: f64 = 44.0;

/// Working days the critical path test adds to a critical task.
pub const CP_TEST_DAYS: f64 = 600.0;

/// Float within this many working days counts as zero (critical): the backward pass on
/// several calendars converts times to working days and back.
pub const CRITICAL: f64 = 1e-3;

/// More predecessors than this make a merge point a merge-bias hot spot.
pub const MERGE_LIMIT: usize = 5;

/// A range narrower than this (max / min) is implausibly narrow.
pub const NARROW: f64 = 1.1;

/// A range wider than this (max / min) is implausibly wide.
pub const WIDE: f64 = 10.0;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// Within the threshold.
    #[serde(rename = "pass")]
    Pass,
    /// Beyond the threshold.
    #[serde(rename = "fail")]
    Fail,
    /// The plan lacks what the check measures (no baseline, no target, …).
    #[serde(rename = "n/a")]
    NotApplicable,
}

impl Verdict {
    /// `pass`, `fail` or `n/a`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::NotApplicable => "n/a",
        }
    }
}

/// Which set of checks a check belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// The DCMA 14-point assessment.
    Dcma,
    /// slipcast's risk-readiness checks.
    RiskReadiness,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// Stable key for scripts: `logic`, `leads`, … (the README lists them).
    pub id: &'static str,
    /// DCMA 14-point or risk-readiness.
    pub family: Family,
    /// Its number in the family (DCMA's 1–14; risk-readiness R1–R5).
    pub number: u8,
    /// The check's name.
    pub check: &'static str,
    /// What is measured.
    pub metric: String,
    /// The measured value in `unit` (`None` when not applicable).
    pub value: Option<f64>,
    /// Unit of `value` and `threshold`: `%`, `links`, `tasks`, `risks`, `index`.
    pub unit: &'static str,
    /// The threshold as DCMA (or slipcast) states it, e.g. `≤ 5`.
    pub threshold: String,
    /// Pass, fail or not applicable.
    pub status: Verdict,
    /// How many tasks (links, risks) the metric counts.
    pub count: usize,
    /// Out of how many (the population).
    pub of: usize,
    /// The offending task ids (or risk ids, or links as `PRED→SUCC`), in tasks.csv order.
    pub tasks: Vec<String>,
    /// Why a check does not apply, or what its number means.
    pub note: Option<String>,
}

/// The health of a plan: every check, DCMA's first.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// Plan name.
    pub plan: Option<String>,
    /// The status date the checks count incomplete work at (YYYY-MM-DD).
    pub status_date: Option<String>,
    /// Incomplete tasks that take time (the population of most checks).
    pub incomplete: usize,
    /// Every check.
    pub checks: Vec<Check>,
}

impl Health {
    /// The checks that fail.
    pub fn failing(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| c.status == Verdict::Fail)
    }

    /// Of a family's checks: how many fail, and how many apply.
    pub fn tally(&self, family: Family) -> (usize, usize) {
        let all = self.checks.iter().filter(|c| c.family == family);
        let failed = all.clone().filter(|c| c.status == Verdict::Fail).count();
        let applied = all.filter(|c| c.status != Verdict::NotApplicable).count();
        (failed, applied)
    }

    /// The one-line summary `run` prints.
    pub fn summary(&self) -> String {
        let (df, da) = self.tally(Family::Dcma);
        let (rf, _) = self.tally(Family::RiskReadiness);
        let warnings = match rf {
            0 => String::new(),
            1 => ", 1 risk-readiness warning".into(),
            n => format!(", {n} risk-readiness warnings"),
        };
        if df == 0 && rf == 0 {
            format!("schedule health: all {da} applicable DCMA checks pass")
        } else {
            format!(
                "schedule health: {df} of {da} applicable DCMA checks fail{warnings} — see slipcast check"
            )
        }
    }
}

/// Per task (topological index), what the checks read, computed once.
struct Facts<'a> {
    net: &'a Network,
    /// Incomplete and taking time: the population of the task checks.
    counted: Vec<bool>,
    /// Not finished at the status date (milestones included).
    open: Vec<bool>,
    /// Successor counts.
    succs: Vec<u32>,
    /// Total float, working days.
    float: Vec<f64>,
    /// Plan row of each task (tasks.csv order for listings).
    row: Vec<usize>,
}

impl Facts<'_> {
    /// Ids of `tasks` (topological indices) in tasks.csv order.
    fn ids(&self, mut tasks: Vec<usize>) -> Vec<String> {
        tasks.sort_unstable_by_key(|&t| self.row[t]);
        tasks
            .into_iter()
            .map(|t| self.net.tasks()[t].id.clone())
            .collect()
    }

    fn counted(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.net.len()).filter(|&t| self.counted[t])
    }
}

/// Runs every check on `plan` compiled as `net` (compile the plan with levelling as it
/// will run: the deterministic schedule is the levelled one).
pub fn check(plan: &Plan, net: &Network) -> Health {
    let n = net.len();
    let rows: HashMap<&str, usize> = plan
        .tasks
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let row: Vec<usize> = net
        .tasks()
        .iter()
        .map(|t| rows.get(t.id.as_str()).copied().unwrap_or(usize::MAX))
        .collect();
    let milestone_row = |t: usize| plan.tasks.get(row[t]).is_some_and(|r| r.milestone);
    let open: Vec<bool> = net
        .status()
        .iter()
        .map(|s| !matches!(s, Status::Done { .. }))
        .collect();
    let counted: Vec<bool> = (0..n)
        .map(|t| open[t] && !milestone_row(t) && net.det_duration[t] > 0.0)
        .collect();
    let mut succs = vec![0u32; n];
    for l in net.links() {
        succs[l.pred as usize] += 1;
    }
    let float = net.total_float();
    let f = Facts {
        net,
        counted,
        open,
        succs,
        float,
        row,
    };
    let incomplete = f.counted().count();
    let mut checks = vec![
        logic(&f),
        leads(&f),
        lags(&f),
        relationship_types(&f),
        hard_constraints(plan, &f),
        high_float(&f),
        negative_float(&f),
        high_duration(&f),
        invalid_dates(&f),
        resources(plan, &f),
        missed_tasks(plan, &f),
        critical_path_test(&f),
        cpli(&f),
        bei(plan, &f),
    ];
    checks.extend([
        no_uncertainty(&f),
        one_template(&f),
        merge_points(&f),
        implausible_ranges(&f),
        unmapped_risks(&f),
    ]);
    Health {
        plan: net.name().map(str::to_string),
        status_date: net.status_date().map(|d| d.format("%Y-%m-%d").to_string()),
        incomplete,
        checks,
    }
}

/// A share check: `count` of `of` against `≤ limit %` (or `≥` when `at_least`).
#[allow(clippy::too_many_arguments)]
fn share(
    id: &'static str,
    number: u8,
    check: &'static str,
    metric: &str,
    count: usize,
    of: usize,
    limit: f64,
    at_least: bool,
    tasks: Vec<String>,
) -> Check {
    let value = (of > 0).then(|| crate::stats::round4(100.0 * count as f64 / of as f64));
    let status = match value {
        None => Verdict::NotApplicable,
        Some(v) if (at_least && v >= limit) || (!at_least && v <= limit) => Verdict::Pass,
        Some(_) => Verdict::Fail,
    };
    Check {
        id,
        family: Family::Dcma,
        number,
        check,
        metric: metric.to_string(),
        value,
        unit: "%",
        threshold: format!("{} {limit}", if at_least { "≥" } else { "≤" }),
        status,
        count,
        of,
        tasks,
        note: (of == 0).then(|| "nothing to count".to_string()),
    }
}

/// A count check that passes at zero.
#[allow(clippy::too_many_arguments)]
fn none_allowed(
    id: &'static str,
    family: Family,
    number: u8,
    check: &'static str,
    metric: &str,
    unit: &'static str,
    of: usize,
    tasks: Vec<String>,
) -> Check {
    Check {
        id,
        family,
        number,
        check,
        metric: metric.to_string(),
        value: Some(tasks.len() as f64),
        unit,
        threshold: "= 0".into(),
        status: if tasks.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Fail
        },
        count: tasks.len(),
        of,
        tasks,
        note: None,
    }
}

/// A check that does not apply, and why.
#[allow(clippy::too_many_arguments)]
fn not_applicable(
    id: &'static str,
    family: Family,
    number: u8,
    check: &'static str,
    metric: &str,
    unit: &'static str,
    threshold: &str,
    why: &str,
) -> Check {
    Check {
        id,
        family,
        number,
        check,
        metric: metric.to_string(),
        value: None,
        unit,
        threshold: threshold.to_string(),
        status: Verdict::NotApplicable,
        count: 0,
        of: 0,
        tasks: Vec::new(),
        note: Some(why.to_string()),
    }
}

/// DCMA 1: Incomplete tasks without a predecessor or without a successor, except the
/// project's first task (the earliest-starting task without predecessors) and last
/// (the latest-finishing task without successors).
fn logic(f: &Facts) -> Check {
    let net = f.net;
    let first = (0..net.len())
        .filter(|&t| net.preds(t).is_empty())
        .min_by(|&a, &b| {
            net.det_start[a]
                .total_cmp(&net.det_start[b])
                .then(a.cmp(&b))
        });
    let last = (0..net.len())
        .filter(|&t| f.succs[t] == 0)
        .max_by(|&a, &b| {
            net.det_finish[a]
                .total_cmp(&net.det_finish[b])
                .then(a.cmp(&b))
        });
    over_five_percent(
        f,
        ("logic", 1, "Logic"),
        "incomplete tasks without a predecessor or a successor",
        |t| (net.preds(t).is_empty() && Some(t) != first) || (f.succs[t] == 0 && Some(t) != last),
    )
}

/// The links into tasks not finished, as (predecessor, successor, link).
fn open_links<'a>(f: &'a Facts) -> impl Iterator<Item = (usize, usize, &'a crate::model::Link)> {
    (0..f.net.len())
        .filter(|&t| f.open[t])
        .flat_map(move |t| f.net.preds(t).iter().map(move |l| (l.pred as usize, t, l)))
}

fn link_name(f: &Facts, p: usize, s: usize) -> String {
    format!("{}→{}", f.net.tasks()[p].id, f.net.tasks()[s].id)
}

/// Links as `PRED→SUCC` in the successors' tasks.csv order.
fn link_names(f: &Facts, mut links: Vec<(usize, usize)>) -> Vec<String> {
    links.sort_unstable_by_key(|&(p, s)| (f.row[s], f.row[p]));
    links.into_iter().map(|(p, s)| link_name(f, p, s)).collect()
}

/// DCMA 2: Links with a negative lag (leads).
fn leads(f: &Facts) -> Check {
    let all: Vec<_> = open_links(f).collect();
    let bad: Vec<(usize, usize)> = all
        .iter()
        .filter(|(_, _, l)| l.lag < 0.0)
        .map(|&(p, s, _)| (p, s))
        .collect();
    none_allowed(
        "leads",
        Family::Dcma,
        2,
        "Leads",
        "links into incomplete tasks with a negative lag",
        "links",
        all.len(),
        link_names(f, bad),
    )
}

/// DCMA 3: Links with a positive lag.
fn lags(f: &Facts) -> Check {
    let all: Vec<_> = open_links(f).collect();
    let bad: Vec<(usize, usize)> = all
        .iter()
        .filter(|(_, _, l)| l.lag > 0.0)
        .map(|&(p, s, _)| (p, s))
        .collect();
    share(
        "lags",
        3,
        "Lags",
        "links into incomplete tasks with a positive lag",
        bad.len(),
        all.len(),
        5.0,
        false,
        link_names(f, bad),
    )
}

/// DCMA 4: Finish-to-start links' share.
fn relationship_types(f: &Facts) -> Check {
    let all: Vec<_> = open_links(f).collect();
    let other: Vec<(usize, usize)> = all
        .iter()
        .filter(|(_, _, l)| l.kind != LinkKind::FS)
        .map(|&(p, s, _)| (p, s))
        .collect();
    let fs = all.len() - other.len();
    let mut c = share(
        "relationship-types",
        4,
        "Relationship types",
        "links into incomplete tasks that are finish-to-start (listed: the others)",
        fs,
        all.len(),
        90.0,
        true,
        link_names(f, other),
    );
    c.count = fs;
    c
}

/// DCMA 5: Incomplete tasks with a date constraint: `not_before` (start no earlier than,
/// soft in DCMA's sense but listed) and the hard constraints an import records in
/// `constraint` (must start on, must finish on, finish no later than …). Milestones
/// count: constraints sit on them most.
fn hard_constraints(plan: &Plan, f: &Facts) -> Check {
    let net = f.net;
    let constrained = |t: usize| {
        plan.tasks
            .get(f.row[t])
            .is_some_and(|r| r.not_before.is_some() || r.constraint.is_some())
    };
    let population: Vec<usize> = (0..net.len())
        .filter(|&t| f.open[t] && (f.counted[t] || net.det_duration[t] == 0.0))
        .collect();
    let bad: Vec<usize> = population
        .iter()
        .copied()
        .filter(|&t| constrained(t))
        .collect();
    share(
        "hard-constraints",
        5,
        "Hard constraints",
        "incomplete tasks and milestones with a date constraint (not_before or constraint)",
        bad.len(),
        population.len(),
        5.0,
        false,
        f.ids(bad),
    )
}

/// DCMA 6: Incomplete tasks with total float above 44 working days.
fn high_float(f: &Facts) -> Check {
    over_five_percent(
        f,
        ("high-float", 6, "High float"),
        "incomplete tasks with total float over 44 working days",
        |t| f.float[t] > LONG_DAYS + 1e-9,
    )
}

/// DCMA's usual shape: the incomplete tasks for which `offends` holds, at most 5 % of
/// them. `(id, number, check)` name the check.
fn over_five_percent(
    f: &Facts,
    (id, number, check): (&'static str, u8, &'static str),
    metric: &str,
    offends: impl Fn(usize) -> bool,
) -> Check {
    let bad: Vec<usize> = f.counted().filter(|&t| offends(t)).collect();
    share(
        id,
        number,
        check,
        metric,
        bad.len(),
        f.counted().count(),
        5.0,
        false,
        f.ids(bad),
    )
}

/// DCMA 7: Incomplete tasks with negative float against the milestones' targets: a
/// backward pass from each target (a milestone's target as its latest finish, the
/// smallest where several bound a task).
fn negative_float(f: &Facts) -> Check {
    let net = f.net;
    let targets: Vec<_> = net
        .milestones()
        .iter()
        .filter_map(|m| m.target.as_ref().map(|t| (m.task as usize, t.time)))
        .collect();
    let metric = "incomplete tasks with negative float against a milestone target";
    if targets.is_empty() {
        return not_applicable(
            "negative-float",
            Family::Dcma,
            7,
            "Negative float",
            metric,
            "tasks",
            "= 0",
            "no reported milestone has a target",
        );
    }
    let mut lf0 = vec![f64::INFINITY; net.len()];
    for (t, time) in targets {
        lf0[t] = lf0[t].min(time);
    }
    let lf = backward_pass(net, lf0, None);
    let bad: Vec<usize> = (0..net.len())
        .filter(|&t| {
            f.open[t] && lf[t].is_finite() && net.days(lf[t]) - net.days(net.det_finish[t]) < -1e-9
        })
        .collect();
    let of = (0..net.len()).filter(|&t| f.open[t]).count();
    none_allowed(
        "negative-float",
        Family::Dcma,
        7,
        "Negative float",
        metric,
        "tasks",
        of,
        f.ids(bad),
    )
}

/// DCMA 8: Incomplete tasks whose deterministic (most likely) duration exceeds 44 working
/// days.
fn high_duration(f: &Facts) -> Check {
    over_five_percent(
        f,
        ("high-duration", 8, "High duration"),
        "incomplete tasks with a most likely duration over 44 working days",
        |t| f.net.det_duration[t] > LONG_DAYS + 1e-9,
    )
}

/// DCMA 9: Invalid dates: work recorded after the status date (an actual start or finish
/// after it), or work not started forecast to start before it.
fn invalid_dates(f: &Facts) -> Check {
    let net = f.net;
    let metric = "tasks with actuals after the status date or a forecast start before it";
    let Some(now) = net.status_time() else {
        return not_applicable(
            "invalid-dates",
            Family::Dcma,
            9,
            "Invalid dates",
            metric,
            "tasks",
            "= 0",
            "the plan has no status date",
        );
    };
    let bad: Vec<usize> = (0..net.len())
        .filter(|&t| match net.status()[t] {
            Status::Open => net.det_start[t] < now - 1e-9,
            Status::InProgress { start, .. } => start as f64 > now + 1e-9,
            Status::Done { finish, .. } => finish as f64 > now + 1e-9,
        })
        .collect();
    let mut c = none_allowed(
        "invalid-dates",
        Family::Dcma,
        9,
        "Invalid dates",
        metric,
        "tasks",
        net.len(),
        f.ids(bad),
    );
    c.note = Some(
        "slipcast refuses actuals after the status date when it loads a plan and starts no work before it, so a loaded plan passes; imports report such dates in their fidelity notes".into(),
    );
    c
}

/// DCMA 10: Incomplete tasks that take time with neither resources nor cost, when the plan
/// carries either (DCMA sets no threshold: reported, never failed).
fn resources(plan: &Plan, f: &Facts) -> Check {
    let metric = "incomplete tasks with neither resources nor cost";
    let carries =
        |r: &crate::plan::TaskRow| !r.resources.is_empty() || r.cost.is_some() || r.rate.is_some();
    if !plan.tasks.iter().any(carries) && plan.resources.is_empty() {
        return not_applicable(
            "resources",
            Family::Dcma,
            10,
            "Resources",
            metric,
            "%",
            "reported",
            "the plan carries no resources and no costs",
        );
    }
    let bad: Vec<usize> = f
        .counted()
        .filter(|&t| plan.tasks.get(f.row[t]).is_some_and(|r| !carries(r)))
        .collect();
    let mut c = share(
        "resources",
        10,
        "Resources",
        metric,
        bad.len(),
        f.counted().count(),
        100.0,
        false,
        f.ids(bad),
    );
    c.threshold = "reported".into();
    if c.status == Verdict::Fail {
        c.status = Verdict::Pass;
    }
    c.note = Some("DCMA sets no threshold: reported, never failed".into());
    c
}

/// Tasks with a baseline finish on or before the status date (`None` when the plan has
/// no status date or no baseline finishes).
fn due(plan: &Plan, f: &Facts) -> Result<Vec<usize>, &'static str> {
    let Some(now) = f.net.status_date() else {
        return Err("the plan has no status date");
    };
    if !plan.tasks.iter().any(|r| r.baseline_finish.is_some()) {
        return Err("no task has a baseline_finish");
    }
    Ok((0..f.net.len())
        .filter(|&t| {
            f.net.det_duration[t] > 0.0 || matches!(f.net.status()[t], Status::Done { .. })
        })
        .filter(|&t| {
            plan.tasks
                .get(f.row[t])
                .and_then(|r| r.baseline_finish)
                // The status date is the first day of remaining work: a baseline finish
                // before it was due.
                .is_some_and(|b| b < now)
        })
        .collect())
}

fn finished_by_baseline(plan: &Plan, f: &Facts, t: usize) -> bool {
    let r = plan.tasks.get(f.row[t]);
    match (
        r.and_then(|r| r.actual_finish),
        r.and_then(|r| r.baseline_finish),
    ) {
        (Some(a), Some(b)) => a <= b,
        _ => false,
    }
}

/// DCMA 11: Tasks due by their baseline that did not finish by it.
fn missed_tasks(plan: &Plan, f: &Facts) -> Check {
    let metric =
        "tasks due by the status date (baseline finish) that did not finish by their baseline";
    match due(plan, f) {
        Err(why) => not_applicable(
            "missed-tasks",
            Family::Dcma,
            11,
            "Missed tasks",
            metric,
            "%",
            "≤ 5",
            why,
        ),
        Ok(due) => {
            let bad: Vec<usize> = due
                .iter()
                .copied()
                .filter(|&t| !finished_by_baseline(plan, f, t))
                .collect();
            share(
                "missed-tasks",
                11,
                "Missed tasks",
                metric,
                bad.len(),
                due.len(),
                5.0,
                false,
                f.ids(bad),
            )
        }
    }
}

/// The latest-finishing reported milestone (the project's end, as the forecast
/// reports it), else the latest-finishing task.
fn end_task(net: &Network) -> Option<usize> {
    net.milestones()
        .last()
        .map(|m| m.task as usize)
        .or_else(|| (0..net.len()).max_by(|&a, &b| net.det_finish[a].total_cmp(&net.det_finish[b])))
}

/// DCMA 12: Critical path test: 600 working days added to the earliest-starting incomplete
/// task with no float must move the end by as much as they move the task's own finish
/// (exactly 600 on one calendar; within a working day across calendars).
fn critical_path_test(f: &Facts) -> Check {
    let net = f.net;
    let metric = "working days the end moves when 600 are added to a critical task";
    let Some(end) = end_task(net) else {
        return not_applicable(
            "critical-path-test",
            Family::Dcma,
            12,
            "Critical path test",
            metric,
            "days",
            "= 600",
            "the plan has no tasks",
        );
    };
    let pick = f
        .counted()
        .filter(|&t| {
            f.float[t].abs() < CRITICAL && (t == end || net.det_finish[t] <= net.det_finish[end])
        })
        .min_by(|&a, &b| {
            net.det_start[a]
                .total_cmp(&net.det_start[b])
                .then(a.cmp(&b))
        });
    let Some(t) = pick else {
        return not_applicable(
            "critical-path-test",
            Family::Dcma,
            12,
            "Critical path test",
            metric,
            "days",
            "= 600",
            "no incomplete task has zero float",
        );
    };
    let mut d = net.det_durations();
    d[t] += CP_TEST_DAYS;
    let (_, ef) = net.cpm(&d);
    let task_moved = net.days(ef[t]) - net.days(net.det_finish[t]);
    let end_moved = net.days(ef[end]) - net.days(net.det_finish[end]);
    let ok = (end_moved - task_moved).abs() <= 1.0 + 1e-9 && task_moved > 0.0;
    Check {
        id: "critical-path-test",
        family: Family::Dcma,
        number: 12,
        check: "Critical path test",
        metric: metric.to_string(),
        value: Some(crate::stats::round4(end_moved)),
        unit: "days",
        threshold: format!("= {}", crate::stats::round4(task_moved)),
        status: if ok { Verdict::Pass } else { Verdict::Fail },
        count: usize::from(!ok),
        of: 1,
        tasks: vec![net.tasks()[t].id.clone()],
        note: Some(format!(
            "{} added to {}; {} moved by {}",
            CP_TEST_DAYS,
            net.tasks()[t].id,
            net.tasks()[end].id,
            crate::stats::round4(end_moved)
        )),
    }
}

/// DCMA 13: Critical path length index against the end milestone's target:
/// (remaining critical path length + float to the target) / remaining length.
fn cpli(f: &Facts) -> Check {
    let net = f.net;
    let metric =
        "critical path length index: (remaining length + float to the target) / remaining length";
    let na = |why: &str| {
        not_applicable(
            "cpli",
            Family::Dcma,
            13,
            "CPLI",
            metric,
            "index",
            "≥ 0.95",
            why,
        )
    };
    let Some(m) = net.milestones().last() else {
        return na("the plan reports no milestone");
    };
    let Some(target) = &m.target else {
        return na("the latest milestone has no target");
    };
    let t = m.task as usize;
    let from = net.status_time().map_or(0.0, |s| net.days(s));
    let length = net.days(net.det_finish[t]) - from;
    if length <= 0.0 {
        return na("the latest milestone has no remaining path");
    }
    let float = target.days - net.days(net.det_finish[t]);
    let index = (length + float) / length;
    let ok = index >= 0.95 - 1e-12;
    Check {
        id: "cpli",
        family: Family::Dcma,
        number: 13,
        check: "CPLI",
        metric: metric.to_string(),
        value: Some(crate::stats::round4(index)),
        unit: "index",
        threshold: "≥ 0.95".into(),
        status: if ok { Verdict::Pass } else { Verdict::Fail },
        count: usize::from(!ok),
        of: 1,
        tasks: vec![net.tasks()[t].id.clone()],
        note: Some(format!(
            "{}: {} working days to go, {} of float to its target",
            net.tasks()[t].id,
            crate::stats::round4(length),
            crate::stats::round4(float)
        )),
    }
}

/// DCMA 14: Baseline execution index: tasks finished / tasks due by their baseline finish.
fn bei(plan: &Plan, f: &Facts) -> Check {
    let metric = "baseline execution index: tasks finished / tasks with a baseline finish before the status date";
    match due(plan, f) {
        Err(why) => not_applicable(
            "bei",
            Family::Dcma,
            14,
            "BEI",
            metric,
            "index",
            "≥ 0.95",
            why,
        ),
        Ok(due) if due.is_empty() => not_applicable(
            "bei",
            Family::Dcma,
            14,
            "BEI",
            metric,
            "index",
            "≥ 0.95",
            "no task was due by the status date",
        ),
        Ok(due) => {
            let done = (0..f.net.len())
                .filter(|&t| matches!(f.net.status()[t], Status::Done { .. }))
                .filter(|&t| {
                    f.net.det_duration[t] > 0.0
                        || !plan.tasks.get(f.row[t]).is_some_and(|r| r.milestone)
                })
                .count();
            let index = done as f64 / due.len() as f64;
            let ok = index >= 0.95 - 1e-12;
            let late: Vec<usize> = due
                .iter()
                .copied()
                .filter(|&t| !matches!(f.net.status()[t], Status::Done { .. }))
                .collect();
            Check {
                id: "bei",
                family: Family::Dcma,
                number: 14,
                check: "BEI",
                metric: metric.to_string(),
                value: Some(crate::stats::round4(index)),
                unit: "index",
                threshold: "≥ 0.95".into(),
                status: if ok { Verdict::Pass } else { Verdict::Fail },
                count: done,
                of: due.len(),
                note: (!late.is_empty()).then(|| "listed: tasks due and not finished".into()),
                tasks: f.ids(late),
            }
        }
    }
}

/// Whether an estimate has no spread.
fn certain(e: Option<&Distribution>) -> bool {
    match e {
        None => true,
        Some(Distribution::Fixed { .. }) => true,
        Some(
            Distribution::Triangular { min, max, .. }
            | Distribution::Pert { min, max, .. }
            | Distribution::Uniform { min, max, .. },
        ) => max <= min,
        Some(Distribution::Normal { sd, .. } | Distribution::Lognormal { sd, .. }) => *sd <= 0.0,
        Some(Distribution::Exponential { mean }) => *mean <= 0.0,
        Some(Distribution::Discrete { values }) => values
            .iter()
            .filter(|v| v.1 > 0.0)
            .all(|v| v.0 == values[0].0),
    }
}

/// R1: Incomplete tasks on the deterministic critical path with no uncertainty.
fn no_uncertainty(f: &Facts) -> Check {
    let bad: Vec<usize> = f
        .counted()
        .filter(|&t| f.float[t].abs() < CRITICAL && certain(f.net.tasks()[t].estimate.as_ref()))
        .collect();
    let of = f.counted().filter(|&t| f.float[t].abs() < CRITICAL).count();
    none_allowed(
        "no-uncertainty",
        Family::RiskReadiness,
        1,
        "No uncertainty on the critical path",
        "incomplete critical tasks with a fixed estimate (or min = max)",
        "tasks",
        of,
        f.ids(bad),
    )
}

/// The (min, max) of a three-point estimate.
fn range(e: Option<&Distribution>) -> Option<(f64, f64, f64)> {
    match e? {
        Distribution::Triangular { min, likely, max } | Distribution::Pert { min, likely, max } => {
            Some((*min, *likely, *max))
        }
        Distribution::Uniform { min, max, planned } => Some((*min, planned.unwrap_or(*min), *max)),
        _ => None,
    }
}

/// The share of three-point estimates that must share one shape for a template.
pub const TEMPLATE_SHARE: f64 = 0.9;

/// R2: Estimates cut from one template: 90 % or more of the incomplete tasks'
/// three-point estimates (at least five) have the same min/likely and max/likely
/// ratios, and no correlation ties them.
fn one_template(f: &Facts) -> Check {
    let metric = "three-point estimates with the most common min/likely and max/likely ratios";
    let shapes: Vec<(usize, (i64, i64))> = f
        .counted()
        .filter_map(|t| {
            let (min, likely, max) = range(f.net.tasks()[t].estimate.as_ref())?;
            (likely > 0.0 && max > min).then(|| {
                let key = |x: f64| (x / likely * 1000.0).round() as i64;
                (t, (key(min), key(max)))
            })
        })
        .collect();
    let mut counts: HashMap<(i64, i64), usize> = HashMap::new();
    for (_, k) in &shapes {
        *counts.entry(*k).or_default() += 1;
    }
    let most_common = counts
        .iter()
        .max_by_key(|(k, c)| (**c, std::cmp::Reverse(**k)))
        .filter(|_| shapes.len() >= 5);
    let Some((&key, &most)) = most_common else {
        return not_applicable(
            "one-template",
            Family::RiskReadiness,
            2,
            "One estimate template",
            metric,
            "%",
            "< 90",
            "fewer than five three-point estimates",
        );
    };
    let share = most as f64 / shapes.len() as f64;
    let correlated = !f.net.groups().is_empty();
    let fail = share >= TEMPLATE_SHARE && !correlated;
    let tasks: Vec<usize> = shapes.iter().filter(|s| s.1 == key).map(|s| s.0).collect();
    Check {
        id: "one-template",
        family: Family::RiskReadiness,
        number: 2,
        check: "One estimate template",
        metric: metric.to_string(),
        value: Some(crate::stats::round4(100.0 * share)),
        unit: "%",
        threshold: "< 90".into(),
        status: if fail { Verdict::Fail } else { Verdict::Pass },
        count: most,
        of: shapes.len(),
        tasks: if fail { f.ids(tasks) } else { Vec::new() },
        note: Some(format!(
            "most common shape: min {:.2} × likely, max {:.2} × likely{}",
            key.0 as f64 / 1000.0,
            key.1 as f64 / 1000.0,
            if correlated {
                "; correlations.csv ties estimates together"
            } else {
                ""
            }
        )),
    }
}

/// R3: Merge points: incomplete tasks (milestones included) with more than five
/// predecessors, where merge bias pushes the date later than any single path.
fn merge_points(f: &Facts) -> Check {
    let net = f.net;
    let bad: Vec<usize> = (0..net.len())
        .filter(|&t| f.open[t] && net.preds(t).len() > MERGE_LIMIT)
        .collect();
    let of = (0..net.len()).filter(|&t| f.open[t]).count();
    none_allowed(
        "merge-points",
        Family::RiskReadiness,
        3,
        "Merge points",
        "incomplete tasks with more than five predecessors",
        "tasks",
        of,
        f.ids(bad),
    )
}

/// R4: Three-point estimates implausibly narrow (max/min < 1.1) or wide (> 10, or a
/// minimum of 0).
fn implausible_ranges(f: &Facts) -> Check {
    let ranged: Vec<(usize, f64, f64)> = f
        .counted()
        .filter_map(|t| {
            let (min, _, max) = range(f.net.tasks()[t].estimate.as_ref())?;
            (max > min).then_some((t, min, max))
        })
        .collect();
    let bad: Vec<usize> = ranged
        .iter()
        .filter(|(_, min, max)| *min <= 0.0 || max / min > WIDE || max / min < NARROW)
        .map(|r| r.0)
        .collect();
    none_allowed(
        "implausible-ranges",
        Family::RiskReadiness,
        4,
        "Implausible ranges",
        "three-point estimates with max/min under 1.1 or over 10",
        "tasks",
        ranged.len(),
        f.ids(bad),
    )
}

/// R5: Risks that hit no task on a path to a reported milestone.
fn unmapped_risks(f: &Facts) -> Check {
    let net = f.net;
    let metric = "risks hitting no task on a path to a reported milestone";
    if net.risks().is_empty() {
        return not_applicable(
            "unmapped-risks",
            Family::RiskReadiness,
            5,
            "Unmapped risks",
            metric,
            "risks",
            "= 0",
            "the plan has no risks",
        );
    }
    let mut reach = vec![false; net.len()];
    for m in net.milestones() {
        for &a in &m.ancestors {
            reach[a as usize] = true;
        }
    }
    let bad: Vec<String> = net
        .risks()
        .iter()
        .filter(|r| !r.tasks.iter().any(|&t| reach[t as usize]))
        .map(|r| r.id.clone())
        .collect();
    none_allowed(
        "unmapped-risks",
        Family::RiskReadiness,
        5,
        "Unmapped risks",
        metric,
        "risks",
        net.risks().len(),
        bad,
    )
}
