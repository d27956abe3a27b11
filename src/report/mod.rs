//! Forecast → bytes: one exporter per format, and atomic writing of output folders.
//!
//! Every exporter is a view of [`Forecast`]; JSON is its serde form.

pub mod cycletime;
pub mod health;
pub mod html;
pub mod out;
pub mod record;
pub mod svg;
mod table;
pub mod trend;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

pub use table::{
    calibration_table, compare_table, drivers_table, table, table_within, throughput_table,
    versions_table, wrap_text,
};

use crate::error::{Error, Result};

/// `x` with its sign to `decimals` places, and a zero (also one that rounds to zero)
/// without a sign: never `-0.0`.
pub(crate) fn signed(x: f64, decimals: usize) -> String {
    let s = format!("{x:+.decimals$}");
    if s[1..].bytes().all(|b| b == b'0' || b == b'.') {
        s[1..].to_string()
    } else {
        s
    }
}

/// A move in working days in words: `1.7 d earlier`, `2.0 d later`, `no change`.
pub(crate) fn moved(x: f64) -> String {
    match signed(x, 1) {
        z if !z.starts_with(['+', '-']) => "no change".into(),
        s if x < 0.0 => format!("{} d earlier", &s[1..]),
        s => format!("{} d later", &s[1..]),
    }
}
use crate::stats::{Forecast, fmt_p};

/// Formats a working-day value for CSV (shortest exact form of the rounded value).
fn num(x: f64) -> String {
    format!("{x}")
}

fn csv_bytes(rows: Vec<Vec<String>>) -> String {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    for r in rows {
        // Writing to a Vec cannot fail. Field by field: a safe cell is not copied.
        for c in &r {
            let _ = w.write_field(spreadsheet_safe(c).as_bytes());
        }
        let _ = w.write_record(None::<&[u8]>);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A text cell a spreadsheet would run as a formula (it begins with `=`, `+`, `-`, `@`,
/// a tab or a carriage return: CWE-1236) gets a leading `'`, which spreadsheets show as
/// text; numbers (`-1.5`) are never altered.
pub(crate) fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// `2027-05-14` → `14 May 2027`: the one date style of the report, its charts and the
/// terminal's prose.
pub fn long_date(iso: &str) -> String {
    match chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        Ok(d) => d.format("%-d %b %Y").to_string(),
        Err(_) => iso.to_string(),
    }
}

/// A share as a whole percentage that never rounds a rare event away: `27 %`, `<1 %`
/// for a share above 0 but under 0.5 %, `>99 %` just below 1.
pub fn share(p: f64) -> String {
    if p > 0.0 && p < 0.005 {
        "<1 %".into()
    } else if p < 1.0 && p > 0.995 {
        ">99 %".into()
    } else {
        format!("{:.0} %", p * 100.0)
    }
}

/// Each targeted milestone's schedule margin: `milestone, name, level, deterministic,
/// deterministic_date, margin_days, commit, commit_date, target, meets_target`. None when
/// no milestone has a target.
pub fn margins_csv(f: &Forecast) -> Option<String> {
    let mut rows = vec![
        [
            "milestone",
            "name",
            "level",
            "deterministic",
            "deterministic_date",
            "margin_days",
            "commit",
            "commit_date",
            "target",
            "meets_target",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for m in &f.milestones {
        let (Some(g), Some(t)) = (&m.margin, &m.target) else {
            continue;
        };
        rows.push(vec![
            m.id.clone(),
            m.name.clone().unwrap_or_default(),
            num(g.level),
            num(m.deterministic),
            m.deterministic_date.clone().unwrap_or_default(),
            num(g.days),
            num(g.finish),
            g.date.clone().unwrap_or_default(),
            t.date.clone().unwrap_or_else(|| num(t.days)),
            g.meets_target.to_string(),
        ]);
    }
    (rows.len() > 1).then(|| csv_bytes(rows))
}

/// Task and risk names by id, built once per report: `BD5` → `Build sprint 5`.
pub fn names(f: &Forecast) -> std::collections::HashMap<&str, &str> {
    f.tasks
        .iter()
        .filter_map(|t| Some((t.id.as_str(), t.name.as_deref()?)))
        .chain(
            f.risks
                .iter()
                .filter_map(|r| Some((r.id.as_str(), r.name.as_deref()?))),
        )
        .collect()
}

/// The milestone table as CSV (SPEC §4): `milestone, name, deterministic, mean, sd, pNN…`,
/// then `deterministic_date, pNN_date…` when a start date is known, then `target,
/// p_target` when any milestone has a target.
pub fn milestones_csv(f: &Forecast) -> String {
    milestones_csv_with(f, false)
}

/// As [`milestones_csv`]; with `ci`, `pNN_low, pNN_high` columns (distribution-free 95 %
/// confidence interval of each percentile) follow the percentile columns.
pub fn milestones_csv_with(f: &Forecast, ci: bool) -> String {
    let dated = f.start.is_some();
    let targets = f.milestones.iter().any(|m| m.target.is_some());
    let mut head: Vec<String> = ["milestone", "name", "deterministic", "mean", "sd"]
        .map(String::from)
        .to_vec();
    head.extend(f.percentiles.iter().map(|p| format!("p{}", fmt_p(*p))));
    if ci {
        for p in &f.percentiles {
            head.push(format!("p{}_low", fmt_p(*p)));
            head.push(format!("p{}_high", fmt_p(*p)));
        }
    }
    if dated {
        head.push("deterministic_date".into());
        head.extend(f.percentiles.iter().map(|p| format!("p{}_date", fmt_p(*p))));
    }
    if targets {
        head.extend(["target".into(), "p_target".into()]);
    }
    head.push("p_deterministic".into());
    let contingency = f.drivers.is_some();
    if contingency {
        head.extend(["contingency_p50".into(), "contingency_p80".into()]);
    }
    let levelled = f.milestones.iter().any(|m| m.resource_delay_p50.is_some());
    if levelled {
        head.extend(["resource_delay_p50".into(), "resource_delay_p80".into()]);
    }
    let cost = f.cost.as_ref();
    if cost.is_some() {
        head.extend(["cost_p50".into(), "cost_p80".into()]);
    }
    let mut rows = vec![head];
    for (mi, m) in f.milestones.iter().enumerate() {
        let mut r = vec![
            m.id.clone(),
            m.name.clone().unwrap_or_default(),
            num(m.deterministic),
            num(m.mean),
            num(m.sd),
        ];
        r.extend(m.percentiles.iter().map(|q| num(q.days)));
        if ci {
            for q in &m.percentiles {
                r.push(num(q.low));
                r.push(num(q.high));
            }
        }
        if dated {
            r.push(m.deterministic_date.clone().unwrap_or_default());
            r.extend(
                m.percentiles
                    .iter()
                    .map(|q| q.date.clone().unwrap_or_default()),
            );
        }
        if targets {
            match &m.target {
                Some(t) => {
                    r.push(t.date.clone().unwrap_or_else(|| num(t.days)));
                    r.push(num(t.probability));
                }
                None => r.extend([String::new(), String::new()]),
            }
        }
        r.push(num(m.p_deterministic));
        if contingency {
            r.push(num(m.contingency_p50));
            r.push(num(m.contingency_p80));
        }
        if levelled {
            r.push(m.resource_delay_p50.map(num).unwrap_or_default());
            r.push(m.resource_delay_p80.map(num).unwrap_or_default());
        }
        if let Some(c) = cost {
            let at = |p: f64| {
                c.milestones
                    .get(mi)
                    .and_then(|x| x.percentiles.iter().find(|q| q.p == p))
                    .map(|q| num(q.value))
                    .unwrap_or_default()
            };
            r.push(at(50.0));
            r.push(at(80.0));
        }
        rows.push(r);
    }
    csv_bytes(rows)
}

/// `cost.csv`: `item, deterministic, mean, sd` and one column per percentile, for the
/// total, each group, each overhead and the risks.
pub fn cost_csv(c: &crate::stats::cost::CostForecast, percentiles: &[f64]) -> String {
    let mut head: Vec<String> = ["item", "deterministic", "mean", "sd"]
        .map(String::from)
        .to_vec();
    head.extend(percentiles.iter().map(|p| format!("p{}", fmt_p(*p))));
    let mut rows = vec![head];
    for i in &c.items {
        let mut r = vec![i.item.clone(), num(i.deterministic), num(i.mean), num(i.sd)];
        r.extend(i.percentiles.iter().map(|q| num(q.value)));
        rows.push(r);
    }
    csv_bytes(rows)
}

/// `jcl-frontier.csv`: per milestone, its joint-confidence frontiers (70 %, or the
/// levels of `--jcl`): `milestone, level, days, date, budget`.
pub fn frontier_csv(c: &crate::stats::cost::CostForecast) -> String {
    let mut rows = vec![
        ["milestone", "level", "days", "date", "budget"]
            .map(String::from)
            .to_vec(),
    ];
    for m in &c.milestones {
        for (fr, p) in m
            .frontiers
            .iter()
            .flat_map(|fr| fr.points.iter().map(move |p| (fr, p)))
        {
            rows.push(vec![
                m.id.clone(),
                num(fr.level),
                num(p.days),
                p.date.clone().unwrap_or_default(),
                num(p.budget),
            ]);
        }
    }
    csv_bytes(rows)
}

/// `jcl.csv`: per milestone with a target, when the plan has a budget:
/// `milestone, target, p_target, budget, p_budget, jcl`.
pub fn jcl_csv(f: &Forecast) -> Option<String> {
    let c = f.cost.as_ref()?;
    let budget = c.budget?;
    let mut rows = vec![
        [
            "milestone",
            "target",
            "p_target",
            "budget",
            "p_budget",
            "jcl",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (m, mc) in f.milestones.iter().zip(&c.milestones) {
        let (Some(t), Some(j)) = (&m.target, mc.jcl) else {
            continue;
        };
        rows.push(vec![
            m.id.clone(),
            t.date.clone().unwrap_or_else(|| num(t.days)),
            num(t.probability),
            num(budget),
            num(c.p_budget.unwrap_or(0.0)),
            num(j),
        ]);
    }
    Some(csv_bytes(rows))
}

/// Per-task CSV: schedule, means and criticality.
pub fn tasks_csv(f: &Forecast) -> String {
    let mut rows = vec![
        [
            "task",
            "name",
            "group",
            "deterministic_start",
            "deterministic_finish",
            "mean_start",
            "mean_finish",
            "mean_start_date",
            "mean_finish_date",
            "deterministic_start_date",
            "deterministic_finish_date",
            "criticality",
            "sensitivity",
            "ssi",
            "mean_total_float",
            "status",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let levelled = f.tasks.iter().any(|t| t.mean_resource_wait.is_some());
    if levelled {
        rows[0].push("mean_resource_wait".into());
    }
    // Percentile columns: every start, every finish, then their dates.
    let levels: Vec<f64> = f
        .tasks
        .first()
        .map(|t| t.percentiles.iter().map(|q| q.p).collect())
        .unwrap_or_default();
    let dated = f.start.is_some();
    let sides: &[&str] = if dated {
        &["start", "finish", "start_date", "finish_date"]
    } else {
        &["start", "finish"]
    };
    for side in sides {
        rows[0].extend(levels.iter().map(|&p| format!("p{}_{side}", fmt_p(p))));
    }
    // Driver figures are towards the focus milestone, like criticality.
    let latest = f
        .focus_milestone()
        .map(|m| m.id.as_str())
        .unwrap_or_default();
    // Indexed once: a lookup per task, not a scan of every driver row.
    let by_task: std::collections::HashMap<&str, &crate::stats::drivers::TaskDriver> = f
        .drivers
        .iter()
        .flat_map(|d| d.tasks.iter())
        .filter(|x| x.milestone == latest)
        .map(|x| (x.task.as_str(), x))
        .collect();
    let driver = |id: &str| by_task.get(id).copied();
    for t in &f.tasks {
        let d = driver(&t.id);
        let mut row = vec![
            t.id.clone(),
            t.name.clone().unwrap_or_default(),
            t.group.clone().unwrap_or_default(),
            num(t.deterministic_start),
            num(t.deterministic_finish),
            num(t.mean_start),
            num(t.mean_finish),
            t.mean_start_date.clone().unwrap_or_default(),
            t.mean_finish_date.clone().unwrap_or_default(),
            t.deterministic_start_date.clone().unwrap_or_default(),
            t.deterministic_finish_date.clone().unwrap_or_default(),
            num(t.criticality),
            d.map(|d| num(d.sensitivity)).unwrap_or_default(),
            d.map(|d| num(d.ssi)).unwrap_or_default(),
            d.and_then(|d| d.mean_float.map(num)).unwrap_or_default(),
            t.status.unwrap_or_default().to_string(),
        ];
        if levelled {
            row.push(t.mean_resource_wait.map(num).unwrap_or_default());
        }
        if !levels.is_empty() {
            let q = &t.percentiles;
            row.extend(q.iter().map(|q| num(q.start)));
            row.extend(q.iter().map(|q| num(q.finish)));
            if dated {
                row.extend(q.iter().map(|q| q.start_date.clone().unwrap_or_default()));
                row.extend(q.iter().map(|q| q.finish_date.clone().unwrap_or_default()));
            }
        }
        rows.push(row);
    }
    csv_bytes(rows)
}

/// `gantt.csv` (`--export csv-gantt`): one row per task in the order of tasks.csv, with the
/// deterministic, P50 and P80 start and finish dates and the criticality, in a shape
/// spreadsheet and work-management importers take (Excel, Smartsheet, Jira, Microsoft
/// Project's CSV import). `predecessor_rows` gives the predecessors by row number in
/// Microsoft Project's and Smartsheet's form (`3`, `5SS`, `7FS+2d`). None when the
/// forecast has no task percentiles at 50 and 80 or the plan has no start date.
pub fn gantt_csv(net: &crate::model::Network, f: &Forecast) -> Option<String> {
    use crate::plan::LinkKind;
    f.start.as_ref()?;
    fn at(t: &crate::stats::TaskForecast, p: f64) -> Option<&crate::stats::TaskQuantile> {
        t.percentiles.iter().find(|q| q.p == p)
    }
    let first = f.tasks.first()?;
    at(first, 50.0)?;
    at(first, 80.0)?;
    // Row numbers (1-based, after the header) by topological index.
    let mut row_of = vec![0usize; net.len()];
    let mut index = Vec::with_capacity(f.tasks.len());
    for (r, t) in f.tasks.iter().enumerate() {
        let i = net.index_of(&t.id)?;
        row_of[i] = r + 1;
        index.push(i);
    }
    let mut flagged = vec![false; net.len()];
    for m in net.milestones() {
        flagged[m.task as usize] = true;
    }
    let mut rows = vec![
        [
            "row",
            "id",
            "name",
            "group",
            "milestone",
            "start",
            "finish",
            "p50_start",
            "p50_finish",
            "p80_start",
            "p80_finish",
            "duration_days",
            "criticality",
            "status",
            "predecessors",
            "predecessor_rows",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (r, (t, &i)) in f.tasks.iter().zip(&index).enumerate() {
        let (p50, p80) = (at(t, 50.0)?, at(t, 80.0)?);
        let duration = t.deterministic_finish - t.deterministic_start;
        let (mut ids, mut nums) = (Vec::new(), Vec::new());
        // In row order, as a scheduling tool lists them.
        let mut links: Vec<_> = net.preds(i).iter().collect();
        links.sort_by_key(|l| row_of[l.pred as usize]);
        for l in links {
            let kind = match l.kind {
                LinkKind::FS => "FS",
                LinkKind::SS => "SS",
                LinkKind::FF => "FF",
                LinkKind::SF => "SF",
            };
            let lag = match l.lag {
                0.0 => String::new(),
                x if x > 0.0 => format!("+{}", num(x as f64)),
                x => num(x as f64),
            };
            let pred = &net.tasks[l.pred as usize].id;
            let plain = kind == "FS" && lag.is_empty();
            ids.push(if plain {
                pred.clone()
            } else {
                format!("{pred} {kind}{lag}")
            });
            let n = row_of[l.pred as usize];
            nums.push(match (plain, lag.is_empty()) {
                (true, _) => n.to_string(),
                (false, true) => format!("{n}{kind}"),
                (false, false) => format!("{n}{kind}{lag}d"),
            });
        }
        rows.push(vec![
            (r + 1).to_string(),
            t.id.clone(),
            t.name.clone().unwrap_or_default(),
            t.group.clone().unwrap_or_default(),
            if flagged[i] || duration == 0.0 {
                "yes"
            } else {
                "no"
            }
            .into(),
            t.deterministic_start_date.clone().unwrap_or_default(),
            t.deterministic_finish_date.clone().unwrap_or_default(),
            p50.start_date.clone().unwrap_or_default(),
            p50.finish_date.clone().unwrap_or_default(),
            p80.start_date.clone().unwrap_or_default(),
            p80.finish_date.clone().unwrap_or_default(),
            num(crate::num::round4(duration)),
            num(t.criticality),
            t.status.unwrap_or_default().to_string(),
            ids.join("; "),
            nums.join(","),
        ]);
    }
    Some(csv_bytes(rows))
}

/// `resources.csv` of a levelled run: `resource, name, capacity, mean_peak, p90_peak,
/// utilisation, wait_share` — the bottleneck view.
pub fn resources_csv(f: &Forecast) -> String {
    let mut rows = vec![
        [
            "resource",
            "name",
            "capacity",
            "mean_peak",
            "p90_peak",
            "utilisation",
            "wait_share",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for r in &f.resources {
        rows.push(vec![
            r.id.clone(),
            r.name.clone().unwrap_or_default(),
            num(r.capacity),
            num(r.mean_peak),
            num(r.p90_peak),
            num(r.utilisation),
            num(r.wait_share),
        ]);
    }
    csv_bytes(rows)
}

/// `loading.csv` of a levelled run: per resource and period, the mean units in use in
/// the period: `resource, period_end, working_days, capacity, plan, mean, p50, p90`.
pub fn loading_csv(f: &Forecast) -> String {
    let mut rows = vec![
        [
            "resource",
            "period_end",
            "working_days",
            "capacity",
            "plan",
            "mean",
            "p50",
            "p90",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for r in &f.resources {
        for p in r.loading.iter().flat_map(|l| &l.periods) {
            rows.push(vec![
                r.id.clone(),
                p.end.clone(),
                p.days.to_string(),
                num(r.capacity),
                num(p.plan),
                num(p.mean),
                num(p.p50),
                num(p.p90),
            ]);
        }
    }
    csv_bytes(rows)
}

/// `paths.csv`: `milestone, rank, share, tasks` (tasks `;`-separated in schedule order).
pub fn paths_csv(f: &Forecast) -> String {
    let mut rows = vec![
        ["milestone", "rank", "share", "tasks"]
            .map(String::from)
            .to_vec(),
    ];
    for p in f.drivers.iter().flat_map(|d| &d.paths) {
        rows.push(vec![
            p.milestone.clone(),
            p.rank.to_string(),
            num(p.share),
            p.tasks.join(";"),
        ]);
    }
    csv_bytes(rows)
}

/// `drivers.csv`: `driver, kind, milestone, p50_days, p80_days` — the tornado.
pub fn drivers_csv(f: &Forecast) -> String {
    let mut rows = vec![
        ["driver", "kind", "milestone", "p50_days", "p80_days"]
            .map(String::from)
            .to_vec(),
    ];
    for d in f.drivers.iter().flat_map(|d| &d.drivers) {
        rows.push(vec![
            d.driver.clone(),
            d.kind.to_string(),
            d.milestone.clone(),
            num(d.p50_days),
            num(d.p80_days),
        ]);
    }
    // One more unit of a resource (kind `resource`): days the latest milestone moves.
    for b in f.drivers.iter().flat_map(|d| &d.bottlenecks) {
        rows.push(vec![
            b.resource.clone(),
            "resource".into(),
            b.milestone.clone(),
            num(b.p50_days),
            num(b.p80_days),
        ]);
    }
    // A risk's effect on the total cost: an amount, not days (kind `risk-cost`).
    for d in f.drivers.iter().flat_map(|d| &d.cost) {
        rows.push(vec![
            d.driver.clone(),
            d.kind.to_string(),
            "total cost".into(),
            num(d.p50),
            num(d.p80),
        ]);
    }
    csv_bytes(rows)
}

/// `merges.csv`: `milestone, task, predecessors, mean_start, latest_expected_constraint,
/// merge_bias`.
pub fn merges_csv(f: &Forecast) -> String {
    let mut rows = vec![
        [
            "milestone",
            "task",
            "predecessors",
            "mean_start",
            "latest_expected_constraint",
            "merge_bias",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for m in f.drivers.iter().flat_map(|d| &d.merges) {
        rows.push(vec![
            m.milestone.clone(),
            m.task.clone(),
            m.predecessors.to_string(),
            num(m.mean_start),
            num(m.latest_expected_constraint),
            num(m.merge_bias),
        ]);
    }
    csv_bytes(rows)
}

/// Histogram CSV: `milestone, from, to, count, cumulative`.
pub fn histogram_csv(f: &Forecast) -> String {
    let mut rows = vec![
        ["milestone", "from", "to", "count", "cumulative"]
            .map(String::from)
            .to_vec(),
    ];
    for h in &f.histograms {
        for b in &h.bins {
            rows.push(vec![
                h.milestone.clone(),
                num(b.from),
                num(b.to),
                b.count.to_string(),
                num(b.cumulative),
            ]);
        }
    }
    csv_bytes(rows)
}

/// Risk CSV: `risk, name, probability, occurred, unit, mean_impact, mean_added_days, tasks`,
/// then `mean_cost` (the mean cost when it occurred; empty without one) when the plan has
/// costs.
pub fn risks_csv(f: &Forecast) -> String {
    let costed = f.cost.is_some();
    let mut head = [
        "risk",
        "name",
        "probability",
        "occurred",
        "unit",
        "mean_impact",
        "mean_added_days",
        "tasks",
    ]
    .map(String::from)
    .to_vec();
    if costed {
        head.push("mean_cost".into());
    }
    let mut rows = vec![head];
    for r in &f.risks {
        let mut row = vec![
            r.id.clone(),
            r.name.clone().unwrap_or_default(),
            num(r.probability),
            num(r.occurred),
            match r.unit {
                crate::plan::Unit::Days => "days".into(),
                crate::plan::Unit::Percent => "percent".into(),
            },
            num(r.mean_impact),
            num(r.mean_added_days),
            r.tasks.join(";"),
        ];
        if costed {
            row.push(r.mean_cost.map(num).unwrap_or_default());
        }
        rows.push(row);
    }
    csv_bytes(rows)
}

/// Correlation CSV: `a, b, requested, achieved` (Spearman rank correlations).
pub fn correlations_csv(f: &Forecast) -> String {
    let mut rows = vec![
        ["a", "b", "requested", "achieved"]
            .map(String::from)
            .to_vec(),
    ];
    for c in &f.correlations {
        rows.push(vec![
            c.a.clone(),
            c.b.clone(),
            num(c.requested),
            num(c.achieved),
        ]);
    }
    csv_bytes(rows)
}

/// The comparison as CSV: `scenario, milestone, mean, p10, p50, p80, p90, delta_mean,
/// delta_p50, delta_p80, delta_p90, diff_p10, diff_p50, diff_p90, p_earlier, p_target`,
/// then `p10_date, p50_date, p80_date, p90_date` when the plan has a start date.
pub fn compare_csv(c: &crate::analysis::compare::Comparison) -> String {
    let dated = c.start.is_some();
    let mut head: Vec<String> = [
        "scenario",
        "milestone",
        "mean",
        "p10",
        "p50",
        "p80",
        "p90",
        "delta_mean",
        "delta_p50",
        "delta_p80",
        "delta_p90",
        "diff_p10",
        "diff_p50",
        "diff_p90",
        "p_earlier",
        "p_target",
    ]
    .map(String::from)
    .to_vec();
    if dated {
        head.extend(["p10_date", "p50_date", "p80_date", "p90_date"].map(String::from));
    }
    let costed = c.rows.iter().any(|r| r.cost.is_some());
    if costed {
        head.extend(
            [
                "cost_mean",
                "cost_p50",
                "cost_p80",
                "delta_cost_p50",
                "delta_cost_p80",
                "jcl",
            ]
            .map(String::from),
        );
    }
    let mut rows = vec![head];
    for r in &c.rows {
        let mut v = vec![r.scenario.clone(), r.milestone.clone(), num(r.mean)];
        v.extend(r.percentiles.iter().map(|x| num(*x)));
        v.push(num(r.delta_mean));
        v.extend(r.delta.iter().map(|x| num(*x)));
        v.extend(r.diff.iter().map(|x| num(*x)));
        v.push(num(r.p_earlier));
        v.push(r.p_target.map(num).unwrap_or_default());
        if let Some(d) = &r.dates {
            v.extend(d.iter().cloned());
        }
        if costed {
            match &r.cost {
                Some(k) => {
                    v.extend([k.mean, k.p50, k.p80, k.delta_p50, k.delta_p80].map(num));
                    v.push(k.jcl.map(num).unwrap_or_default());
                }
                None => v.extend(std::iter::repeat_n(String::new(), 6)),
            }
        }
        rows.push(v);
    }
    csv_bytes(rows)
}

/// Plan-version attribution as CSV: `milestone, change, p50_days, p80_days, note`; per
/// milestone a `total` row (new − old), one row per change, and an `interaction` row.
pub fn versions_csv(r: &crate::analysis::versions::VersionReport) -> String {
    let mut rows = vec![
        ["milestone", "change", "p50_days", "p80_days", "note"]
            .map(String::from)
            .to_vec(),
    ];
    for m in &r.milestones {
        rows.push(vec![
            m.milestone.clone(),
            "total".into(),
            num(crate::stats::round4(m.p50[1] - m.p50[0])),
            num(crate::stats::round4(m.p80[1] - m.p80[0])),
            format!(
                "P50 {} -> {}, P80 {} -> {}",
                m.p50[0], m.p50[1], m.p80[0], m.p80[1]
            ),
        ]);
        for e in &m.effects {
            rows.push(vec![
                m.milestone.clone(),
                e.change.clone(),
                e.p50_days.map(num).unwrap_or_default(),
                e.p80_days.map(num).unwrap_or_default(),
                e.note.clone().unwrap_or_default(),
            ]);
        }
        rows.push(vec![
            m.milestone.clone(),
            "interaction".into(),
            num(m.interaction[0]),
            num(m.interaction[1]),
            String::new(),
        ]);
    }
    csv_bytes(rows)
}

/// Calibration as `metric,value` rows (with `group,metric,value` when `by_group`).
pub fn calibration_csv(r: &crate::history::calibrate::CalibrationReport, by_group: bool) -> String {
    let (m, c, bt) = (&r.overall, r.correction.as_ref(), r.backtest.as_ref());
    fn metric_rows(
        m: &crate::history::calibrate::Metrics,
        c: Option<&crate::history::calibrate::Correction>,
    ) -> Vec<(String, String)> {
        let mut v = vec![
            ("n".to_string(), m.n.to_string()),
            ("coverage_p10_p90".into(), num(m.coverage_p10_p90)),
            ("below_p10".into(), num(m.below_p10)),
            ("above_p90".into(), num(m.above_p90)),
        ];
        for (i, d) in m.pit_deciles.iter().enumerate() {
            v.push((format!("pit_{}_{}", i * 10, i * 10 + 10), num(*d)));
        }
        v.push((
            "median_actual_over_likely".into(),
            num(m.median_actual_over_likely),
        ));
        v.push(("ratio_p10".into(), num(m.ratio_p10)));
        v.push(("ratio_p90".into(), num(m.ratio_p90)));
        v.push(("log_ratio_sd".into(), num(m.log_ratio_sd)));
        if let Some(c) = c {
            v.push(("fitted_log_bias".into(), num(c.log_bias)));
            v.push(("fitted_log_sigma".into(), num(c.log_sigma)));
        }
        v
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut all = metric_rows(m, c);
    if let Some(b) = bt {
        all.push(("backtest_coverage_before".into(), num(b.coverage_before)));
        all.push(("backtest_coverage_after".into(), num(b.coverage_after)));
    }
    if by_group {
        rows.push(["group", "metric", "value"].map(String::from).to_vec());
        rows.extend(all.into_iter().map(|(k, v)| vec!["all".into(), k, v]));
        for g in &r.groups {
            rows.extend(
                metric_rows(&g.metrics, g.correction.as_ref())
                    .into_iter()
                    .map(|(k, v)| vec![g.group.clone(), k, v]),
            );
        }
    } else {
        rows.push(["metric", "value"].map(String::from).to_vec());
        rows.extend(all.into_iter().map(|(k, v)| vec![k, v]));
    }
    csv_bytes(rows)
}

/// Throughput forecasts as CSV: `forecast, p10, p50, p80, p90` (then the backtest).
pub fn throughput_csv(r: &crate::history::throughput::ThroughputReport) -> String {
    let (f, bt) = (&r.forecasts, r.backtest.as_ref());
    let mut rows = vec![
        ["forecast", "p10", "p50", "p80", "p90"]
            .map(String::from)
            .to_vec(),
    ];
    for x in f {
        let mut r = vec![x.forecast.clone()];
        // Not finished within the horizon: empty.
        r.extend(x.percentiles.iter().map(|v| v.map(num).unwrap_or_default()));
        rows.push(r);
        if let Some(d) = &x.dates {
            let mut r = vec!["finish_date".to_string()];
            r.extend(d.iter().cloned());
            rows.push(r);
        }
    }
    if !r.features.is_empty() {
        rows.push(
            [
                "feature", "items", "p50", "p80", "p90", "p50_date", "p80_date", "p90_date",
            ]
            .map(String::from)
            .to_vec(),
        );
        for x in &r.features {
            let mut row = vec![x.feature.clone(), num(x.items)];
            row.extend(x.percentiles.iter().map(|v| v.map(num).unwrap_or_default()));
            match &x.dates {
                Some(d) => row.extend(d.iter().cloned()),
                None => row.extend([String::new(), String::new(), String::new()]),
            }
            rows.push(row);
        }
    }
    if let Some(b) = bt {
        rows.push(vec![
            "backtest_coverage_p10_p90".into(),
            num(b.coverage_p10_p90),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    if let Some(b) = &r.features_backtest {
        rows.push(vec![
            "features_backtest_coverage_p10_p90".into(),
            num(b.coverage_p10_p90),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    csv_bytes(rows)
}

/// Table rows beyond which a table shows only milestones with a target and the final.
pub const TABLE_MILESTONES: usize = 15;

/// The forecast as stdout shows it under `--milestones` (`spec`): the chosen milestones
/// (in their order), and a note when some are left out.
pub fn milestone_view(
    f: &crate::stats::Forecast,
    spec: Option<&str>,
    table: bool,
) -> crate::error::Result<(crate::stats::Forecast, Option<String>)> {
    let n = f.milestones.len();
    let last = f.milestones.last().map(|m| m.id.clone());
    let keep: Vec<bool> = match spec.map(str::trim) {
        Some("all") => vec![true; n],
        Some("final") => f
            .milestones
            .iter()
            .map(|m| Some(&m.id) == last.as_ref())
            .collect(),
        Some(list) => {
            let wanted: Vec<&str> = list
                .split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .collect();
            let ids: std::collections::HashSet<&str> =
                f.milestones.iter().map(|m| m.id.as_str()).collect();
            let unknown: Vec<&str> = wanted
                .iter()
                .copied()
                .filter(|w| !ids.contains(w))
                .collect();
            if !unknown.is_empty() || wanted.is_empty() {
                let some: Vec<&str> = f
                    .milestones
                    .iter()
                    .rev()
                    .take(5)
                    .map(|m| m.id.as_str())
                    .collect();
                return Err(crate::error::Error::Argument {
                    arg: crate::error::Arg::Milestones,
                    message: format!(
                        ": {} is not a reported milestone (write ids separated by commas, final or all; the latest are {})",
                        if unknown.is_empty() {
                            "an empty list".to_string()
                        } else {
                            unknown.join(", ")
                        },
                        some.join(", ")
                    ),
                });
            }
            let wanted: std::collections::HashSet<&str> = wanted.into_iter().collect();
            f.milestones
                .iter()
                .map(|m| wanted.contains(m.id.as_str()))
                .collect()
        }
        None if table && n > TABLE_MILESTONES => f
            .milestones
            .iter()
            .map(|m| m.target.is_some() || Some(&m.id) == last.as_ref())
            .collect(),
        None => vec![true; n],
    };
    // The focus milestone, when chosen, stays in view: the critical tasks and drivers
    // describe it.
    let mut keep = keep;
    if let Some(id) = f.focus.as_deref() {
        for (k, m) in keep.iter_mut().zip(&f.milestones) {
            *k |= m.id == id;
        }
    }
    let shown = keep.iter().filter(|&&k| k).count();
    let note = (spec.is_none() && shown < n).then(|| {
        format!(
            "showing {shown} of {n} milestones (those with a target and the final one); --milestones all shows every one, --milestones ID,ID chooses, and CSV, JSON and --out hold all"
        )
    });
    let mut view = f.clone();
    let mut k = keep.iter();
    view.milestones.retain(|_| *k.next().unwrap_or(&false));
    let kept: std::collections::HashSet<&str> =
        view.milestones.iter().map(|m| m.id.as_str()).collect();
    view.histograms
        .retain(|h| kept.contains(h.milestone.as_str()));
    if let Some(c) = view.cost.as_mut() {
        c.milestones.retain(|m| kept.contains(m.id.as_str()));
    }
    // Without a chosen focus the latest milestone in view is the one described.
    let last_shown = view.milestones.last().map(|m| m.id.clone());
    if let Some(id) = last_shown.filter(|id| f.focus.is_none() && Some(id) != last.as_ref()) {
        view.set_focus(&id);
    }
    Ok((view, note))
}

/// Finish dates for working-day times up to `horizon` (and a month beyond), for chart
/// axes: None without a calendar.
pub fn date_axis(net: &crate::model::Network, horizon: f64) -> impl Fn(f64) -> Option<String> + '_ {
    let days = net
        .calendar
        .as_ref()
        .map(|c| c.working_days(horizon.max(0.0).ceil() as u64 + 30))
        .unwrap_or_default();
    move |t: f64| {
        net.calendar.as_ref()?;
        let d = crate::model::calendar::finish_day(t) as usize;
        days.get(d.saturating_sub(1))
            .map(|x| x.format("%Y-%m-%d").to_string())
    }
}

/// The working days a chart of `f` spans: its histograms and targets.
pub fn horizon(f: &crate::stats::Forecast) -> f64 {
    f.histograms
        .iter()
        .flat_map(|h| h.bins.last().map(|b| b.to))
        .fold(0.0, f64::max)
        + f.milestones
            .iter()
            .filter_map(|m| m.target.as_ref().map(|t| t.days))
            .fold(0.0, f64::max)
}

/// Any serialisable result as pretty JSON, ending in a newline.
pub fn to_json<T: serde::Serialize>(x: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(x).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// A result as pretty JSON with every object's keys in alphabetical order, ending in a
/// newline: the calibrate and throughput reports keep the key order they have always
/// had, so scripts diffing their JSON see no change.
pub fn to_json_sorted<T: serde::Serialize>(x: &T) -> String {
    match serde_json::to_value(x) {
        Ok(v) => to_json(&v),
        Err(e) => format!("{{\"error\": \"{e}\"}}\n"),
    }
}

/// The forecast as pretty JSON (its serde form), ending in a newline.
pub fn json(f: &Forecast) -> String {
    let mut s =
        serde_json::to_string_pretty(f).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// Checks that `dir` can be written (creating it if needed) before any simulation runs.
pub fn prepare_out_dir(dir: &Path) -> Result<()> {
    let err = |source| Error::Write {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    let probe = dir.join(format!(".slipcast-probe-{}", std::process::id()));
    std::fs::File::create(&probe).map_err(err)?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Adds `milestones.csv`, `tasks.csv`, `histogram.csv`, `risks.csv`,
/// `correlations.csv`, `paths.csv`, `drivers.csv`, `merges.csv` and `summary.json` to an
/// output set ([`out::OutSet::commit`] writes the set as one).
pub fn add_forecast_files(set: &mut out::OutSet, f: &Forecast) {
    let files = [
        ("milestones.csv", milestones_csv(f)),
        ("tasks.csv", tasks_csv(f)),
        ("histogram.csv", histogram_csv(f)),
        ("risks.csv", risks_csv(f)),
        ("correlations.csv", correlations_csv(f)),
        ("paths.csv", paths_csv(f)),
        ("drivers.csv", drivers_csv(f)),
        ("merges.csv", merges_csv(f)),
        ("summary.json", json(f)),
    ];
    for (name, body) in files {
        set.add(name, body);
    }
    if !f.resources.is_empty() {
        set.add("resources.csv", resources_csv(f));
        if f.resources.iter().any(|r| r.loading.is_some()) {
            set.add("loading.csv", loading_csv(f));
        }
    }
    if let Some(c) = &f.cost {
        set.add("cost.csv", cost_csv(c, &f.percentiles));
    }
    if let Some(m) = margins_csv(f) {
        set.add("margins.csv", m);
    }
    if let Some(j) = jcl_csv(f) {
        set.add("jcl.csv", j);
    }
    if let Some(c) = &f.cost {
        set.add("jcl-frontier.csv", frontier_csv(c));
    }
    if let Some(cf) = f.cost.as_ref().and_then(|c| c.cashflow.as_ref()) {
        set.add("cashflow.csv", cashflow_csv(cf));
    }
    if let Some(d) = f
        .drivers
        .as_ref()
        .filter(|d| !d.cost_sensitivity.is_empty())
    {
        set.add("cost-sensitivity.csv", cost_sensitivity_csv(d));
    }
}

/// `cost-sensitivity.csv`: `item, mean, sd, sensitivity, variance_share` — where the
/// total cost's uncertainty comes from, largest share first.
pub fn cost_sensitivity_csv(d: &crate::stats::drivers::Drivers) -> String {
    let mut rows = vec![
        ["item", "mean", "sd", "sensitivity", "variance_share"]
            .map(String::from)
            .to_vec(),
    ];
    for c in &d.cost_sensitivity {
        rows.push(vec![
            c.item.clone(),
            num(c.mean),
            num(c.sd),
            num(c.sensitivity),
            num(c.variance_share),
        ]);
    }
    csv_bytes(rows)
}

/// `cashflow.csv`: per period, the cumulative spend by its end: `period_end,
/// working_days, deterministic, mean, p10, p50, p90`.
pub fn cashflow_csv(c: &crate::stats::cost::CashFlow) -> String {
    let mut rows = vec![
        [
            "period_end",
            "working_days",
            "deterministic",
            "mean",
            "p10",
            "p50",
            "p90",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for p in &c.periods {
        rows.push(vec![
            p.end.clone(),
            p.days.to_string(),
            num(p.deterministic),
            num(p.mean),
            num(p.p10),
            num(p.p50),
            num(p.p90),
        ]);
    }
    csv_bytes(rows)
}

/// Writes the forecast files of [`add_forecast_files`] into `dir` as one set.
pub fn write_out_dir(dir: &Path, f: &Forecast) -> Result<Vec<PathBuf>> {
    let mut set = out::OutSet::new();
    add_forecast_files(&mut set, f);
    Ok(set.commit(dir)?.0)
}

/// Temporary files being written right now; removed by [`remove_temporary_files`] when
/// the process is interrupted.
static IN_FLIGHT: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Removes every temporary file or staging folder a write in progress left (for signal
/// handlers: an interrupted run leaves no partial file).
pub fn remove_temporary_files() {
    if let Ok(list) = IN_FLIGHT.try_lock() {
        for p in list.iter() {
            if std::fs::remove_file(p).is_err() {
                let _ = std::fs::remove_dir_all(p);
            }
        }
    }
}

/// Registers a staging folder for [`remove_temporary_files`].
pub(crate) fn track_temporary(p: &Path) {
    if let Ok(mut l) = IN_FLIGHT.lock() {
        l.push(p.to_path_buf());
    }
}

/// Unregisters a staging folder.
pub(crate) fn untrack_temporary(p: &Path) {
    if let Ok(mut l) = IN_FLIGHT.lock() {
        l.retain(|x| x != p);
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Ok(mut l) = IN_FLIGHT.lock() {
        l.push(tmp.clone());
    }
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    if let Ok(mut l) = IN_FLIGHT.lock() {
        l.retain(|p| p != &tmp);
    }
    result.map_err(err)
}

/// Adds `compare.csv` and `compare.json` to an output set.
pub fn add_compare_files(set: &mut out::OutSet, c: &crate::analysis::compare::Comparison) {
    set.add("compare.csv", compare_csv(c));
    set.add("compare.json", to_json(c));
}

/// Renders a short plain-text summary of where files went.
pub fn written_note(paths: &[PathBuf]) -> String {
    let mut s = String::from("wrote");
    for p in paths {
        let _ = write!(s, " {}", p.display());
    }
    s
}

#[cfg(test)]
mod spreadsheet_tests {
    use super::spreadsheet_safe;

    #[test]
    fn formulas_become_text_and_numbers_stay() {
        for (cell, out) in [
            ("=1+1", "'=1+1"),
            ("+g", "'+g"),
            ("-x", "'-x"),
            ("@SUM(1)", "'@SUM(1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-1.5", "-1.5"),
            ("+2", "+2"),
            ("-0", "-0"),
            ("1e-3", "1e-3"),
            ("Design", "Design"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_safe(cell), out, "{cell:?}");
        }
    }
}

#[cfg(test)]
mod sign_tests {
    use super::{moved, signed};

    #[test]
    fn no_negative_zero_and_moves_in_words() {
        for (x, d, out) in [
            (-0.04, 1, "0.0"),
            (0.0, 1, "0.0"),
            (-0.0, 2, "0.00"),
            (-1.74, 1, "-1.7"),
            (2.0, 1, "+2.0"),
            (0.004, 2, "0.00"),
            (-0.456, 2, "-0.46"),
        ] {
            assert_eq!(signed(x, d), out, "{x}");
        }
        assert_eq!(moved(-1.74), "1.7 d earlier");
        assert_eq!(moved(3.0), "3.0 d later");
        assert_eq!(moved(-0.04), "no change");
        assert_eq!(moved(0.0), "no change");
    }
}
