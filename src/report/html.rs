//! The steering-committee report: one self-contained HTML page (inline CSS and SVG, no
//! script, font or network access), rendered through an askama template whose every
//! interpolation is HTML-escaped, plus each chart as a standalone SVG, and Markdown
//! tables for pasting into wikis and tickets.

use std::fmt::Write as _;

use askama::Template;

use super::{long_date, svg};
use crate::analysis::compare::Comparison;
use crate::error::{Error, Result};
use crate::stats::{Forecast, fmt_p};

/// A chart and its caption.
pub struct Chart {
    /// The SVG (built by [`svg`], user text escaped).
    pub svg: String,
    /// Caption.
    pub caption: String,
}

/// A date cell: the date, kept on one line, and its working days beneath it.
struct When {
    date: String,
    days: String,
}

impl When {
    /// The cell's HTML, its text escaped: the date on one line, the days beneath.
    fn html(&self) -> String {
        let mut h = format!(r#"<span class="date">{}</span>"#, svg::esc(&self.date));
        if !self.days.is_empty() {
            let _ = write!(h, r#"<span class="days">{}</span>"#, svg::esc(&self.days));
        }
        h
    }

    fn none() -> When {
        When {
            date: "–".into(),
            days: String::new(),
        }
    }
}

struct MilestoneRow {
    label: String,
    deterministic: When,
    p50: When,
    p80: When,
    p90: When,
    target: String,
    p_target: String,
    contingency: String,
}

struct CriticalRow {
    label: String,
    criticality: String,
    sensitivity: String,
    start: When,
    finish: When,
}

struct RiskRow {
    label: String,
    probability: String,
    occurred: String,
    /// The impact it can draw: `3–10 d`, `10–30 %`.
    range: String,
    impact: String,
    /// The tasks it hits, with their names (the first five, then how many more).
    hits: String,
    added: String,
    cost: String,
}

struct CostRow {
    item: String,
    deterministic: String,
    p50: String,
    p80: String,
    p90: String,
    contingency: String,
}

struct ScenarioRow {
    scenario: String,
    p50: When,
    d50: String,
    p80: When,
    d80: String,
    p_target: String,
    earlier: String,
}

/// The scenarios' rows of one milestone.
struct ScenarioGroup {
    milestone: String,
    rows: Vec<ScenarioRow>,
}

/// One row of "where the cost uncertainty comes from".
struct CostShareRow {
    item: String,
    sd: String,
    share: String,
    sensitivity: String,
}

/// One resource in the report's resource table.
struct ResourceRow {
    label: String,
    capacity: String,
    peak: String,
    utilisation: String,
    waited: String,
    /// What one more unit buys the latest milestone at P80 (with drivers).
    more: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page {
    title: String,
    subtitle: String,
    /// "Status date 1 Mar 2027" or "Run on 5 Dec 2026 (the plan has no status date)".
    as_of: String,
    /// The plan folder and the files read, with what they hold.
    inputs: String,
    warnings: Vec<String>,
    headlines: Vec<String>,
    milestones: Vec<MilestoneRow>,
    scurves: Vec<Chart>,
    tornado: Option<Chart>,
    latest: String,
    critical: Vec<CriticalRow>,
    resources: Vec<ResourceRow>,
    resource_charts: Vec<Chart>,
    bottlenecks: bool,
    risks: Vec<RiskRow>,
    risk_costs: bool,
    scenario_groups: Vec<ScenarioGroup>,
    scenario_charts: Vec<Chart>,
    cost_rows: Vec<CostRow>,
    cost_notes: Vec<String>,
    cost_charts: Vec<Chart>,
    cost_heading: String,
    cost_shares: Vec<CostShareRow>,
    cost_share_iterations: String,
    assumptions: Vec<(String, String)>,
    /// The health check's one-line verdict (empty without a check).
    health_summary: String,
    health: Vec<super::health::HealthRow>,
    /// Some check fails: the health verdict goes on the first screen too.
    health_failing: bool,
    version: String,
}

/// An amount with thousands separators and the currency: `1,250,000 EUR`.
fn money(x: f64, currency: Option<&str>) -> String {
    let s = crate::report::table::group_thousands(x.abs().round() as u64);
    let s = if x < -0.5 { format!("-{s}") } else { s };
    match currency {
        Some(c) => format!("{s} {c}"),
        None => s,
    }
}

/// The cost section: each item's deterministic cost, P50/P80/P90 and contingency; the
/// budget's chance and each target's joint confidence.
fn cost_section(f: &Forecast) -> (Vec<CostRow>, Vec<String>) {
    let Some(c) = &f.cost else {
        return (Vec::new(), Vec::new());
    };
    let cur = c.currency.as_deref();
    // The currency is in the section's heading, not in every cell.
    let rows = c
        .items
        .iter()
        .map(|i| {
            let q = |p: f64| i.percentiles.iter().find(|q| q.p == p).map(|q| q.value);
            let show = |p: f64| q(p).map_or("–".into(), |v| money(v, None));
            CostRow {
                item: i.item.clone(),
                deterministic: money(i.deterministic, None),
                p50: show(50.0),
                p80: show(80.0),
                p90: show(90.0),
                contingency: match (q(50.0), q(80.0)) {
                    (Some(a), Some(b)) => format!(
                        "{} / {}",
                        money(a - i.deterministic, None),
                        money(b - i.deterministic, None)
                    ),
                    _ => "–".into(),
                },
            }
        })
        .collect();
    let mut notes = Vec::new();
    if let (Some(b), Some(p)) = (c.budget, c.p_budget) {
        notes.push(format!(
            "Budget {}: {:.0} % of the simulated futures cost no more.",
            money(b, cur),
            p * 100.0
        ));
    }
    for (m, mc) in f.milestones.iter().zip(&c.milestones) {
        if let (Some(t), Some(j)) = (&m.target, mc.jcl) {
            notes.push(format!(
                "{}: {:.0} % joint confidence of finishing by {} and within budget (on time alone {:.0} %).",
                name(&m.id, &m.name),
                j * 100.0,
                t.date.as_deref().map(long_date).unwrap_or_else(|| format!("day {}", t.days)),
                t.probability * 100.0
            ));
        }
    }
    (rows, notes)
}

/// The ten items with the largest share of the total cost's variance, tasks by name.
fn cost_shares(f: &Forecast) -> Vec<CostShareRow> {
    let Some(d) = &f.drivers else {
        return Vec::new();
    };
    let names: std::collections::HashMap<&str, &Option<String>> =
        f.tasks.iter().map(|t| (t.id.as_str(), &t.name)).collect();
    d.cost_sensitivity
        .iter()
        .take(10)
        .map(|c| CostShareRow {
            item: match names.get(c.item.as_str()) {
                Some(n) => name(&c.item, n),
                None => c.item.clone(),
            },
            sd: money(c.sd, None),
            share: format!("{:.1} %", 100.0 * c.variance_share),
            sensitivity: format!("{:.2}", c.sensitivity),
        })
        .collect()
}

/// Run details shown under "Assumptions".
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// Wall-clock seconds the run took.
    pub seconds: f64,
    /// The plan path as given.
    pub plan_path: String,
    /// The schedule's health check, for the report's health section.
    pub health: Option<crate::analysis::health::Health>,
    /// The files read and what they hold, from [`inputs`]: `tasks.csv (34 tasks), …`.
    pub inputs: String,
    /// The day the report was made (ISO), for the "as of" line of a plan without a
    /// status date.
    pub run_date: Option<String>,
}

/// The input files of a plan and what each holds: `tasks.csv (34 tasks), risks.csv
/// (4 risks), calendar.csv (9 holidays)`. Files the plan does not use are left out.
pub fn inputs(plan: &crate::plan::Plan) -> String {
    let base = |f: &str| {
        std::path::Path::new(f)
            .file_name()
            .map_or_else(|| f.to_string(), |n| n.to_string_lossy().into_owned())
    };
    let count = crate::num::count;
    // Tasks always; the other files when the plan uses them.
    let files = [
        (&plan.tasks_file, plan.tasks.len(), "task", "tasks"),
        (&plan.risks_file, plan.risks.len(), "risk", "risks"),
        (
            &plan.correlations_file,
            plan.correlations.len(),
            "correlation",
            "correlations",
        ),
        (
            &plan.resources_file,
            plan.resources.len(),
            "resource",
            "resources",
        ),
    ];
    let mut v: Vec<String> = files
        .iter()
        .enumerate()
        .filter(|(i, (_, n, ..))| *i == 0 || *n > 0)
        .map(|(_, (file, n, one, many))| format!("{} ({})", base(file), count(*n, one, many)))
        .collect();
    let days = plan.holidays.len() + plan.calendar_holidays.len();
    if days + plan.freezes.len() > 0 {
        let mut what = Vec::new();
        if days > 0 {
            what.push(count(days, "holiday", "holidays"));
        }
        if !plan.freezes.is_empty() {
            what.push(count(plan.freezes.len(), "freeze", "freezes"));
        }
        v.push(format!(
            "{} ({})",
            base(&plan.calendar_file),
            what.join(", ")
        ));
    }
    v.join(", ")
}

fn at(days: f64, date: &Option<String>) -> When {
    match date {
        Some(d) => When {
            date: long_date(d),
            days: format!("{days:.1} d"),
        },
        None => When {
            date: format!("{days:.1} working days"),
            days: String::new(),
        },
    }
}

/// A date and its working days on one line, for Markdown: `14 May 2027 (90.2 d)`.
fn at_line(days: f64, date: &Option<String>) -> String {
    let w = at(days, date);
    if w.days.is_empty() {
        w.date
    } else {
        format!("{} ({})", w.date, w.days)
    }
}

fn name(id: &str, n: &Option<String>) -> String {
    match n {
        Some(n) => format!("{id} — {n}"),
        None => id.to_string(),
    }
}

/// A file name for a chart of milestone `id`.
pub fn chart_file(id: &str, suffix: &str) -> String {
    let safe: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}-{suffix}.svg")
}

/// Every chart of a forecast, with its standalone file name.
pub fn charts(f: &Forecast, date_of: &dyn Fn(f64) -> Option<String>) -> Vec<(String, Chart)> {
    let mut out = Vec::new();
    for m in &f.milestones {
        out.push((
            chart_file(&m.id, "scurve"),
            Chart {
                svg: svg::scurve(f, m, date_of),
                caption: format!(
                    "{}: histogram of simulated finishes with the cumulative S-curve; green lines P50/P80/P90, dotted the single-point plan{}; the bars count the simulated futures finishing in each interval.",
                    name(&m.id, &m.name),
                    if m.target.is_some() { ", dashed red the committed target" } else { "" }
                ),
            },
        ));
    }
    if let Some(c) = &f.cost {
        if let Some(svg) = svg::cost_curve(c) {
            out.push((
                "cost-curve.svg".into(),
                Chart {
                    svg,
                    caption: "The chance (up the side) that the whole plan costs no more than each amount; green lines P50/P80, dotted the single-point plan's cost, dashed red the committed budget with its chance.".into(),
                },
            ));
        }
        if let (Some(svg), Some(cf)) = (svg::cash_flow(c), &c.cashflow) {
            out.push((
                "cashflow.svg".into(),
                Chart {
                    svg,
                    caption: format!(
                        "What the plan will have spent by the end of each {}: the band holds 80 % of the simulated futures (the first {}), the line their median; dashed grey the single-point plan without risks; dashed red the budget.",
                        cf.period, cf.iterations
                    ),
                },
            ));
        }
        for (mi, m) in f.milestones.iter().enumerate() {
            if let Some(svg) = svg::cost_scatter(f, mi, date_of) {
                let n = c.milestones[mi].scatter.len();
                out.push((
                    chart_file(&m.id, "cost-scatter"),
                    Chart {
                        svg,
                        caption: format!(
                            "{}: each dot one simulated future (the first {n}) — when it finishes and what the plan costs{}. The green line: the least budget that meets each date together at the stated joint confidence.",
                            name(&m.id, &m.name),
                            if m.target.is_some() && c.budget.is_some() {
                                "; the shares in the corners count every future, against the target and the budget"
                            } else {
                                ""
                            }
                        ),
                    },
                ));
            }
        }
    }
    for r in &f.resources {
        if let (Some(svg), Some(lo)) = (svg::loading(r), &r.loading) {
            out.push((
                chart_file(&r.id, "loading"),
                Chart {
                    svg,
                    caption: format!(
                        "{}: units in use in each {} — bars the mean over the first {} simulated futures, the dark line their P90 (one future in ten uses more), dashed grey the single-point plan, dashed red the capacity. Levelling keeps every future within capacity; where the P90 sits on the red line work queues for this resource.",
                        name(&r.id, &r.name),
                        lo.period,
                        super::table::group_thousands(lo.iterations as u64)
                    ),
                },
            ));
        }
    }
    if let Some(latest) = f.focus_milestone()
        && let Some(t) = svg::tornado(f, &latest.id)
    {
        out.push((
            "drivers.svg".into(),
            Chart {
                svg: t,
                caption: format!(
                    "Each bar: how much {}'s P80 moves because of the risk (red) or the task's uncertainty (blue), removed alone with the same random numbers; the black tick is the P50 effect.",
                    latest.id
                ),
            },
        ));
    }
    out
}

fn page(f: &Forecast, info: &RunInfo, date_of: &dyn Fn(f64) -> Option<String>) -> Page {
    let mut headlines = Vec::new();
    let mut milestones = Vec::new();
    for m in &f.milestones {
        let q = |p: f64| m.percentiles.iter().find(|q| q.p == p);
        let show = |p: f64| q(p).map_or_else(When::none, |q| at(q.days, &q.date));
        if let Some(p80) = q(80.0) {
            let when = p80
                .date
                .as_deref()
                .map(long_date)
                .unwrap_or_else(|| format!("working day {:.1}", p80.days));
            let mut line = format!("{}: 80 % likely by {when}", name(&m.id, &m.name));
            if let Some(t) = &m.target {
                let td = t
                    .date
                    .as_deref()
                    .map(long_date)
                    .unwrap_or_else(|| format!("day {:.1}", t.days));
                let _ = write!(
                    line,
                    "; {:.0} % chance of the committed {td}",
                    t.probability * 100.0
                );
            }
            let _ = write!(
                line,
                " (the single-point plan says {}, which {} of the simulated futures meet).",
                m.deterministic_date
                    .as_deref()
                    .map(long_date)
                    .unwrap_or_else(|| format!("day {:.1}", m.deterministic)),
                super::share(m.p_deterministic)
            );
            // A chosen focus milestone leads the headline.
            if f.focus.as_deref() == Some(m.id.as_str()) {
                headlines.insert(0, line);
            } else {
                headlines.push(line);
            }
        }
        milestones.push(MilestoneRow {
            label: name(&m.id, &m.name),
            deterministic: at(m.deterministic, &m.deterministic_date),
            p50: show(50.0),
            p80: show(80.0),
            p90: show(90.0),
            target: m
                .target
                .as_ref()
                .map(|t| {
                    t.date
                        .as_deref()
                        .map(long_date)
                        .unwrap_or_else(|| format!("{:.1}", t.days))
                })
                .unwrap_or_else(|| "–".into()),
            p_target: m
                .target
                .as_ref()
                .map(|t| format!("{:.0} %", t.probability * 100.0))
                .unwrap_or_else(|| "–".into()),
            contingency: format!(
                "{} / {} d",
                super::signed(m.contingency_p50, 1),
                super::signed(m.contingency_p80, 1)
            ),
        });
    }
    let (mut scurves, mut cost_charts) = (Vec::new(), Vec::new());
    let (mut tornado, mut resource_charts) = (None, Vec::new());
    for (file, c) in charts(f, date_of) {
        if file == "drivers.svg" {
            tornado = Some(c);
        } else if file.ends_with("-loading.svg") {
            resource_charts.push(c);
        } else if file.ends_with("cost-curve.svg")
            || file.ends_with("cost-scatter.svg")
            || file == "cashflow.svg"
        {
            cost_charts.push(c);
        } else {
            scurves.push(c);
        }
    }
    let latest = f
        .focus_milestone()
        .map(|m| m.id.clone())
        .unwrap_or_default();
    let sensitivity: std::collections::HashMap<&str, f64> = f
        .drivers
        .iter()
        .flat_map(|d| d.tasks.iter())
        .filter(|t| t.milestone == latest)
        .map(|t| (t.task.as_str(), t.sensitivity))
        .collect();
    let sens = |id: &str| {
        sensitivity
            .get(id)
            .map_or_else(|| "–".into(), |&s| super::signed(s, 2))
    };
    let mut crit: Vec<_> = f.tasks.iter().filter(|t| t.criticality > 0.0).collect();
    crit.sort_by(|a, b| {
        b.criticality
            .total_cmp(&a.criticality)
            .then_with(|| a.id.cmp(&b.id))
    });
    let critical = crit
        .iter()
        .take(20)
        .map(|t| CriticalRow {
            label: name(&t.id, &t.name),
            criticality: format!("{:.1} %", t.criticality * 100.0),
            sensitivity: sens(&t.id),
            start: at(t.mean_start, &t.mean_start_date),
            finish: at(t.mean_finish, &t.mean_finish_date),
        })
        .collect();
    let bottleneck = |id: &str| {
        f.drivers
            .as_ref()
            .and_then(|d| d.bottlenecks.iter().find(|b| b.resource == id))
    };
    let resources = f
        .resources
        .iter()
        .map(|r| ResourceRow {
            label: name(&r.id, &r.name),
            capacity: svg::num_label(r.capacity),
            peak: format!("{:.1}", r.p90_peak),
            utilisation: format!("{:.0} %", r.utilisation * 100.0),
            waited: format!("{:.0} %", r.wait_share * 100.0),
            more: bottleneck(&r.id).map_or_else(
                || "–".into(),
                |b| {
                    if b.p80_days.abs() < 0.05 {
                        "no change".into()
                    } else {
                        format!("{} d", super::signed(b.p80_days, 1))
                    }
                },
            ),
        })
        .collect();
    let task_names: std::collections::HashMap<&str, &Option<String>> =
        f.tasks.iter().map(|t| (t.id.as_str(), &t.name)).collect();
    let risks = f
        .risks
        .iter()
        .map(|r| RiskRow {
            label: name(&r.id, &r.name),
            probability: format!("{:.0} %", r.probability * 100.0),
            occurred: format!("{:.1} %", r.occurred * 100.0),
            range: risk_range(r),
            impact: super::table::risk_impact(r),
            hits: {
                let labels: Vec<String> = r
                    .tasks
                    .iter()
                    .map(|t| name(t, task_names.get(t.as_str()).copied().unwrap_or(&None)))
                    .collect();
                crate::plan::sheet::listing(&labels, 5)
            },
            added: super::table::risk_days(r),
            cost: r.mean_cost.map_or("–".into(), super::table::signed_amount),
        })
        .collect();
    let mut assumptions = vec![
        ("Plan".to_string(), f.plan.clone().unwrap_or_default()),
        ("Plan files".to_string(), info.plan_path.clone()),
        (
            "Iterations".to_string(),
            match f
                .warnings
                .iter()
                .find(|w| w.kind == crate::error::WarningKind::AutoIterations)
            {
                Some(w) => format!("{} ({w})", f.iterations),
                None => f.iterations.to_string(),
            },
        ),
        ("Seed".to_string(), f.seed.to_string()),
        (
            "Start (day 1)".to_string(),
            f.start
                .as_deref()
                .map(long_date)
                .unwrap_or_else(|| "not given: results in working days".into()),
        ),
    ];
    if let Some(s) = &f.status_date {
        assumptions.push(("Status date".into(), long_date(s)));
    }
    if let Some(c) = &f.calibration {
        assumptions.push(("Calibration".into(), c.clone()));
    }
    assumptions.push((
        "Percentiles".into(),
        f.percentiles
            .iter()
            .map(|p| format!("P{}", fmt_p(*p)))
            .collect::<Vec<_>>()
            .join(", "),
    ));
    assumptions.push(("slipcast version".into(), f.slipcast_version.clone()));
    let (cost_rows, cost_notes) = cost_section(f);
    assumptions.push(("Run time".into(), format!("{:.2} s", info.seconds)));
    Page {
        title: f.plan.clone().unwrap_or_else(|| "Schedule risk".into()),
        subtitle: format!(
            "Monte Carlo schedule risk: {} simulated futures{}",
            f.iterations,
            f.start
                .as_deref()
                .map(|s| format!(", starting {}", long_date(s)))
                .unwrap_or_default()
        ),
        as_of: match (&f.status_date, &info.run_date) {
            (Some(d), _) => format!("As of the status date, {}.", long_date(d)),
            (None, Some(d)) => format!(
                "Made on {}; the plan has no status date, so no work is counted as done.",
                long_date(d)
            ),
            (None, None) => String::new(),
        },
        inputs: if info.inputs.is_empty() {
            info.plan_path.clone()
        } else {
            format!("{}: {}", info.plan_path, info.inputs)
        },
        // Caveats only: the calibration and the iteration count are in the assumptions.
        warnings: f
            .warnings
            .iter()
            .filter(|w| !w.kind.is_note())
            .map(|w| w.message.clone())
            .collect(),
        headlines,
        milestones,
        scurves,
        tornado,
        latest,
        critical,
        bottlenecks: f
            .drivers
            .as_ref()
            .is_some_and(|d| !d.bottlenecks.is_empty()),
        resources,
        resource_charts,
        risk_costs: f.risks.iter().any(|r| r.mean_cost.is_some()),
        risks,
        scenario_groups: Vec::new(),
        scenario_charts: Vec::new(),
        cost_rows,
        cost_notes,
        cost_charts,
        cost_heading: match f.cost.as_ref().and_then(|c| c.currency.as_deref()) {
            Some(c) => format!("Cost ({c})"),
            None => "Cost".into(),
        },
        cost_shares: cost_shares(f),
        cost_share_iterations: crate::report::table::group_thousands(
            f.drivers.as_ref().map_or(0, |d| d.sensitivity_subsample) as u64,
        ),
        assumptions,
        health_summary: info
            .health
            .as_ref()
            .map_or_else(String::new, health_verdict),
        health: info
            .health
            .as_ref()
            .map_or_else(Vec::new, super::health::health_rows),
        health_failing: info
            .health
            .as_ref()
            .is_some_and(|h| h.failing().next().is_some()),
        version: env!("CARGO_PKG_VERSION").to_string(),
    }
}

/// A risk's impact range in its unit: `3–10 d`, `10–30 %`, `5 d` when fixed, `≥ 2 d`
/// when unbounded.
fn risk_range(r: &crate::stats::RiskForecast) -> String {
    let unit = match r.unit {
        crate::plan::Unit::Days => "d",
        crate::plan::Unit::Percent => "%",
    };
    let n = |x: f64| svg::num_label(x);
    match r.impact_max {
        Some(hi) if hi == r.impact_min => format!("{} {unit}", n(hi)),
        Some(hi) => format!("{}–{} {unit}", n(r.impact_min), n(hi)),
        None => format!("≥ {} {unit}", n(r.impact_min)),
    }
}

/// The health check's verdict as a sentence for the report.
fn health_verdict(h: &crate::analysis::health::Health) -> String {
    use crate::analysis::health::Family;
    let (failed, applied) = h.tally(Family::Dcma);
    let (warnings, _) = h.tally(Family::RiskReadiness);
    let dcma = match failed {
        0 => format!("All {applied} applicable DCMA checks pass"),
        n => format!("{n} of {applied} applicable DCMA checks fail"),
    };
    let risk = match warnings {
        0 => "no risk-readiness warning".to_string(),
        1 => "1 risk-readiness warning".to_string(),
        n => format!("{n} risk-readiness warnings"),
    };
    format!("{dcma}; {risk}.")
}

fn render(p: &Page) -> Result<String> {
    p.render()
        .map_err(|e| Error::Usage(format!("cannot render the report: {e}")))
}

/// The report of a run as one self-contained HTML page.
pub fn report_html(
    f: &Forecast,
    info: &RunInfo,
    date_of: &dyn Fn(f64) -> Option<String>,
) -> Result<String> {
    render(&page(f, info, date_of))
}

/// The report of a comparison: the baseline's report with the scenario section.
pub fn compare_html(
    c: &Comparison,
    info: &RunInfo,
    date_of: &dyn Fn(f64) -> Option<String>,
) -> Result<String> {
    let base = &c.forecasts[0].1;
    let mut p = page(base, info, date_of);
    p.subtitle = format!(
        "{} — baseline and {} scenarios, common random numbers",
        p.subtitle,
        c.forecasts.len() - 1
    );
    let show = |days: f64, date: &Option<[String; 4]>, i: usize| match date {
        Some(d) => at(days, &Some(d[i].clone())),
        None => at(days, &None),
    };
    let labels: std::collections::HashMap<&str, String> = base
        .milestones
        .iter()
        .map(|m| (m.id.as_str(), name(&m.id, &m.name)))
        .collect();
    // Grouped by milestone, in the plan's milestone order; scenarios in file order.
    // The baseline's own change is no change at all: a dash.
    let is_base = |r: &crate::analysis::compare::CompareRow| r.scenario == "baseline";
    let mut groups: Vec<ScenarioGroup> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for r in &c.rows {
        let change = |d: f64| {
            if is_base(r) {
                "–".to_string()
            } else {
                super::signed(d, 1)
            }
        };
        let row = ScenarioRow {
            scenario: r.scenario.clone(),
            p50: show(r.percentiles[1], &r.dates, 1),
            d50: change(r.delta[0]),
            p80: show(r.percentiles[2], &r.dates, 2),
            d80: change(r.delta[1]),
            p_target: r
                .p_target
                .map_or_else(|| "–".into(), |p| format!("{:.0} %", p * 100.0)),
            earlier: if is_base(r) {
                "–".into()
            } else {
                format!("{:.0} %", r.p_earlier * 100.0)
            },
        };
        let label = labels
            .get(r.milestone.as_str())
            .cloned()
            .unwrap_or_else(|| r.milestone.clone());
        let at = *index.entry(r.milestone.as_str()).or_insert_with(|| {
            groups.push(ScenarioGroup {
                milestone: label,
                rows: Vec::new(),
            });
            groups.len() - 1
        });
        groups[at].rows.push(row);
    }
    p.scenario_groups = groups;
    p.scenario_charts = scenario_charts(c, date_of)
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    render(&p)
}

/// Scenario range charts, one per milestone, with file names.
pub fn scenario_charts(
    c: &Comparison,
    date_of: &dyn Fn(f64) -> Option<String>,
) -> Vec<(String, Chart)> {
    let mut ids: Vec<&str> = Vec::new();
    for r in &c.rows {
        if !ids.contains(&r.milestone.as_str()) {
            ids.push(&r.milestone);
        }
    }
    ids.into_iter()
        .map(|id| {
            (
                chart_file(id, "scenarios"),
                Chart {
                    svg: svg::scenario_ranges(c, id, date_of),
                    caption: format!("{id}: the bar runs from P50 to P90, the tick marks P80; the shaded band is the baseline's P50–P90."),
                },
            )
        })
        .collect()
}

/// Adds `report.html` and every chart as a standalone SVG to an output set.
pub fn add_report(set: &mut super::out::OutSet, html: &str, charts: &[(String, Chart)]) {
    set.add("report.html", html);
    for (file, c) in charts {
        set.add(
            file.clone(),
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n", c.svg),
        );
    }
}

/// A Markdown table cell: `|` escaped, line breaks as spaces.
pub(crate) fn md(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The milestone table as Markdown (for Confluence, Jira, GitHub).
pub fn milestones_markdown(f: &Forecast) -> String {
    let mut s = String::new();
    let pcts: Vec<String> = f
        .percentiles
        .iter()
        .map(|p| format!("P{}", fmt_p(*p)))
        .collect();
    let _ = writeln!(
        s,
        "| Milestone | Deterministic | {} | Target | P(on time) |",
        pcts.join(" | ")
    );
    let _ = writeln!(s, "|---|---|{}---|---:|", "---|".repeat(pcts.len()));
    for m in &f.milestones {
        let cells: Vec<String> = m
            .percentiles
            .iter()
            .map(|q| md(&at_line(q.days, &q.date)))
            .collect();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            md(&name(&m.id, &m.name)),
            md(&at_line(m.deterministic, &m.deterministic_date)),
            cells.join(" | "),
            m.target
                .as_ref()
                .map(|t| t
                    .date
                    .as_deref()
                    .map(long_date)
                    .unwrap_or_else(|| format!("{:.1}", t.days)))
                .unwrap_or_else(|| "–".into()),
            m.target
                .as_ref()
                .map(|t| format!("{:.1} %", t.probability * 100.0))
                .unwrap_or_else(|| "–".into()),
        );
    }
    s
}

/// A calibration report as Markdown: one row per history (all rows, then each group)
/// with coverage, bias and the fitted correction, then the backtest.
pub fn calibration_markdown(r: &crate::history::calibrate::CalibrationReport) -> String {
    let mut s = String::from(
        "| Rows | Tasks | Inside P10–P90 | Below P10 | Above P90 | Median actual/likely | Correction |\n|---|---:|---:|---:|---:|---:|---|\n",
    );
    let row = |s: &mut String,
               label: &str,
               m: &crate::history::calibrate::Metrics,
               c: Option<&crate::history::calibrate::Correction>| {
        let _ = writeln!(
            s,
            "| {} | {} | {:.1} % | {:.1} % | {:.1} % | ×{:.2} | {} |",
            md(label),
            m.n,
            m.coverage_p10_p90 * 100.0,
            m.below_p10 * 100.0,
            m.above_p90 * 100.0,
            m.median_actual_over_likely,
            c.map(|c| format!("median ×{:.2}, σ = {:.3}", c.log_bias.exp(), c.log_sigma))
                .unwrap_or_else(|| "–".into())
        );
    };
    row(&mut s, "All", &r.overall, r.correction.as_ref());
    for g in &r.groups {
        row(&mut s, &g.group, &g.metrics, g.correction.as_ref());
    }
    if let Some(b) = &r.backtest {
        let _ = writeln!(
            s,
            "\nBacktest ({}-fold, held-out rows): P10–P90 coverage {:.1} % before, {:.1} % after the correction (target 80 %).",
            b.folds,
            b.coverage_before * 100.0,
            b.coverage_after * 100.0
        );
    }
    s
}

/// Throughput forecasts as Markdown: one row per forecast (and its dates), then the
/// backtest.
pub fn throughput_markdown(r: &crate::history::throughput::ThroughputReport) -> String {
    let mut s = String::from(
        "| Question | P10 | P50 | P80 | P90 | Read |\n|---|---:|---:|---:|---:|---|\n",
    );
    for x in &r.forecasts {
        let cell = |i: usize| {
            let v = match x.percentiles[i] {
                None => format!("not within {} weeks", x.horizon),
                Some(v) if x.forecast == "weeks" => format!("{v:.1} weeks"),
                Some(v) => format!("{} items", crate::stats::round4(v)),
            };
            match &x.dates {
                Some(d) => format!("{v} ({})", d[i]),
                None => v,
            }
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            md(&x.question),
            md(&cell(0)),
            md(&cell(1)),
            md(&cell(2)),
            md(&cell(3)),
            md(&x.reading)
        );
    }
    if let (false, Some(wip)) = (r.features.is_empty(), r.wip) {
        let _ = writeln!(
            s,
            "\nFeatures in priority order, {wip} worked on at once ({}):\n\n| Feature | Items | P50 | P80 | P90 |\n|---|---:|---:|---:|---:|",
            md(r.features_scope.as_deref().unwrap_or("fixed scope"))
        );
        for f in &r.features {
            let cell = |i: usize| {
                let w =
                    f.percentiles[i].map_or_else(|| "—".to_string(), |v| format!("{v:.1} weeks"));
                match &f.dates {
                    Some(d) => md(&format!("{w} ({})", d[i])),
                    None => md(&w),
                }
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                md(&f.feature),
                crate::stats::round4(f.items),
                cell(0),
                cell(1),
                cell(2)
            );
        }
    }
    if let Some(b) = &r.backtest {
        let _ = writeln!(
            s,
            "\nBacktest: from {} origins, the actual {} in the next {} weeks fell inside the forecast's P10–P90 {:.1} % of the time (target 80 %).",
            b.origins,
            b.measure,
            b.horizon,
            b.coverage_p10_p90 * 100.0
        );
    }
    if let Some(b) = &r.features_backtest {
        let _ = writeln!(
            s,
            "\nFeatures backtest: {}",
            md(&crate::report::table::features_backtest_text(b))
        );
    }
    s
}

/// The comparison as a Markdown table.
pub fn compare_markdown(c: &Comparison) -> String {
    let mut s = String::from(
        "| Scenario | Milestone | P50 | ΔP50 | P80 | ΔP80 | Typical change | Earlier | P(on time) |\n|---|---|---|---:|---|---:|---:|---:|---:|\n",
    );
    for r in &c.rows {
        let d = |i: usize| match &r.dates {
            Some(d) => format!("{} ({:.1} d)", long_date(&d[i]), r.percentiles[i]),
            None => format!("{:.1}", r.percentiles[i]),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {:.1} % | {} |",
            md(&r.scenario),
            md(&r.milestone),
            d(1),
            super::signed(r.delta[0], 1),
            d(2),
            super::signed(r.delta[1], 1),
            super::moved(r.diff[1]),
            r.p_earlier * 100.0,
            r.p_target
                .map(|p| format!("{:.1} %", p * 100.0))
                .unwrap_or_else(|| "–".into())
        );
    }
    s
}
