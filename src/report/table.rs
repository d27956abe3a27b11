//! The human-readable terminal table.

use std::fmt::Write as _;

use crate::stats::{Forecast, fmt_p};

/// Renders the milestone table, the most critical tasks and the risk register.
/// Warnings are not part of it: the CLI prints them on stderr.
pub fn table(f: &Forecast) -> String {
    table_within(f, None)
}

/// [`table`] with the milestone table fitted to `width` columns when given: it drops,
/// in turn, the working days after each date, the mean ± sd column, and long names, until
/// it fits (the other tables already fit 100 columns).
pub fn table_within(f: &Forecast, width: Option<usize>) -> String {
    let mut out = String::new();
    let dated = f.start.is_some();
    let _ = writeln!(
        out,
        "{} — {} iterations, seed {}{}",
        f.plan.as_deref().unwrap_or("plan"),
        group_thousands(f.iterations),
        f.seed,
        f.start
            .as_ref()
            .map(|s| format!(", day 1 = {s}"))
            .unwrap_or_default()
    );
    if let Some(c) = &f.calibration {
        // "calibrated with FILE: …", said once, as a sentence.
        let mut chars = c.chars();
        let first = chars.next().map(|x| x.to_uppercase().collect::<String>());
        let _ = writeln!(out, "{}{}.", first.unwrap_or_default(), chars.as_str());
    }
    if let Some(sd) = &f.status_date {
        let count = |s: &str| f.tasks.iter().filter(|t| t.status == Some(s)).count();
        let _ = writeln!(
            out,
            "Re-forecast from the status date {sd}: {} tasks done (actual dates kept), {} in progress (remaining work simulated from {sd}), {} not started (none starts before {sd}).",
            count("done"),
            count("in progress"),
            count("not started")
        );
    }
    // The widest form first; each next one drops detail, while the table is too wide.
    // (days after dates, mean ± sd, label length (0: ids alone), the plan's confidence)
    let forms = [
        (true, true, 34, true),
        (false, true, 34, true),
        (false, false, 34, true),
        (false, false, 16, true),
        (false, false, 0, true),
        (false, false, 0, false),
    ];
    let (mut fitted, mut with_days, mut with_plan) = (String::new(), true, true);
    for (i, &(days, spread, label, plan)) in forms.iter().enumerate() {
        fitted.clear();
        with_days = days || !dated;
        with_plan = plan;
        milestone_table(&mut fitted, f, (with_days, spread, plan), label);
        let wide = fitted.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        if width.is_none_or(|w| wide <= w) || i + 1 == forms.len() {
            break;
        }
    }
    let _ = writeln!(
        out,
        "Finish of each milestone: {}.\nP80 = 80 % of simulated outcomes finish by then.\n{}",
        match (dated, with_days) {
            (true, true) => "date (working days from start)",
            (true, false) => "date (--wide adds the working days from start)",
            (false, _) => "working days from start",
        },
        if with_plan {
            "P(plan): the chance of finishing by the deterministic date.\n"
        } else {
            ""
        }
    );
    out.push_str(&fitted);
    margin_table(&mut out, f);
    let cell = |days: f64, date: &Option<String>| match date {
        Some(d) if dated => format!("{d} ({days:.1})"),
        _ => format!("{days:.1}"),
    };
    let waits: Vec<String> = f
        .milestones
        .iter()
        .filter_map(|m| {
            let (p50, p80) = (m.resource_delay_p50?, m.resource_delay_p80?);
            Some(format!(
                "{} {} at P50, {} at P80",
                m.id,
                days1(p50),
                days1(p80)
            ))
        })
        .collect();
    if !waits.is_empty() {
        let _ = writeln!(
            out,
            "\nLevelled: tasks wait for the resources they hold. Waiting moves {} (against --no-levelling, the same iterations).",
            waits.join("; ")
        );
        let head: Vec<String> = [
            "Resource",
            "Capacity",
            "Peak mean",
            "Peak P90",
            "Utilisation",
            "Work waited",
        ]
        .map(String::from)
        .to_vec();
        let rows: Vec<Vec<String>> = f
            .resources
            .iter()
            .map(|r| {
                let label = match &r.name {
                    Some(n) => format!("{} {}", r.id, n),
                    None => r.id.clone(),
                };
                vec![
                    truncate(&label, 34),
                    format!("{}", r.capacity),
                    format!("{:.1}", r.mean_peak),
                    format!("{:.1}", r.p90_peak),
                    format!("{:.0} %", r.utilisation * 100.0),
                    format!("{:.0} % of runs", r.wait_share * 100.0),
                ]
            })
            .collect();
        let _ = writeln!(out);
        render(&mut out, &head, &rows);
    }
    if let Some(c) = &f.cost {
        cost_table(&mut out, f, c);
    }

    if let Some(latest) = f.focus_milestone() {
        let mut crit: Vec<_> = f.tasks.iter().filter(|t| t.criticality > 0.0).collect();
        crit.sort_by(|a, b| {
            b.criticality
                .total_cmp(&a.criticality)
                .then_with(|| a.id.cmp(&b.id))
        });
        if !crit.is_empty() {
            let _ = writeln!(
                out,
                "\nMost critical tasks for {} (share of iterations on the critical path):",
                latest.id
            );
            let head = vec![
                "Task".to_string(),
                "Criticality".into(),
                "Mean start".into(),
                "Mean finish".into(),
            ];
            let rows: Vec<Vec<String>> = crit
                .iter()
                .take(10)
                .map(|t| {
                    let label = match &t.name {
                        Some(n) => format!("{} {}", t.id, n),
                        None => t.id.clone(),
                    };
                    vec![
                        truncate(&label, 40),
                        format!("{:.1} %", t.criticality * 100.0),
                        cell(t.mean_start, &t.mean_start_date),
                        cell(t.mean_finish, &t.mean_finish_date),
                    ]
                })
                .collect();
            render(&mut out, &head, &rows);
        }
    }
    if !f.risks.is_empty() {
        let _ = writeln!(
            out,
            "\nRisk register (how often each risk occurred; when it did, its impact on each task it hits\nand the working days it added across all of them, not a delay of the milestone):"
        );
        let costed = f.risks.iter().any(|r| r.mean_cost.is_some());
        let mut head = vec![
            "Risk".to_string(),
            "Probability".into(),
            "Occurred".into(),
            "Impact per task".into(),
            "Tasks hit".into(),
            "Days added".into(),
        ];
        if costed {
            head.push("Cost if hit".into());
        }
        // Within 100 columns.
        let width = if costed { 26 } else { 36 };
        let rows: Vec<Vec<String>> = f
            .risks
            .iter()
            .map(|r| {
                let label = match &r.name {
                    Some(n) => format!("{} {}", r.id, n),
                    None => r.id.clone(),
                };
                let mut row = vec![
                    truncate(&label, width),
                    format!("{:.0} %", r.probability * 100.0),
                    format!("{:.1} %", r.occurred * 100.0),
                    risk_impact(r),
                    r.tasks.len().to_string(),
                    risk_days(r),
                ];
                if costed {
                    row.push(r.mean_cost.map_or("–".into(), signed_amount));
                }
                row
            })
            .collect();
        render(&mut out, &head, &rows);
    }
    out
}

/// The working days a risk added across its tasks (`–` for a cost-only risk).
pub(crate) fn risk_days(r: &crate::stats::RiskForecast) -> String {
    if r.moves_dates {
        format!("{} d", signed1(r.mean_added_days))
    } else {
        "–".into()
    }
}

/// An amount with thousands separators and its sign when negative: `12,500`, `-3,000`.
pub(crate) fn signed_amount(x: f64) -> String {
    let s = group_thousands(x.abs().round() as u64);
    if x < -0.5 { format!("-{s}") } else { s }
}

/// A risk's mean drawn impact in its unit (`+10.0 d`, `+15.0 %`).
pub(crate) fn risk_impact(r: &crate::stats::RiskForecast) -> String {
    if !r.moves_dates {
        return "cost only".into();
    }
    match r.unit {
        crate::plan::Unit::Days => format!("{} d", signed1(r.mean_impact)),
        crate::plan::Unit::Percent => format!("{} %", signed1(r.mean_impact)),
    }
}

/// Renders the driver analysis for the latest milestone: the tornado, the tasks with
/// the highest schedule sensitivity index, the most frequent critical paths and merge
/// points.
pub fn drivers_table(f: &Forecast) -> String {
    let mut out = String::new();
    let (Some(d), Some(latest)) = (&f.drivers, f.focus_milestone()) else {
        return out;
    };
    let id = latest.id.as_str();
    // Ids with their names (`BD5 Build sprint 5`): tasks and risks by id, built once.
    let names = super::names(f);
    let label = |x: &str| match names.get(x) {
        Some(n) => truncate(&format!("{x} {n}"), 40),
        None => truncate(x, 40),
    };
    let _ = writeln!(
        out,
        "\nDrivers of {id} (contingency over the deterministic plan: P50 {}, P80 {} working days)",
        signed1(latest.contingency_p50),
        signed1(latest.contingency_p80)
    );
    let bars: Vec<_> = d
        .drivers
        .iter()
        .filter(|x| x.milestone == id)
        .take(12)
        .collect();
    if !bars.is_empty() {
        let _ = writeln!(
            out,
            "\nTornado: how much {id} moves because of each risk, or each task's uncertainty (days):"
        );
        let head: Vec<String> = ["Driver", "Kind", "P50 days", "P80 days"]
            .map(String::from)
            .to_vec();
        let rows: Vec<Vec<String>> = bars
            .iter()
            .map(|b| {
                vec![
                    label(&b.driver),
                    b.kind.to_string(),
                    signed1(b.p50_days),
                    signed1(b.p80_days),
                ]
            })
            .collect();
        render(&mut out, &head, &rows);
    }
    if !d.bottlenecks.is_empty() {
        let _ = writeln!(
            out,
            "\nBottlenecks: what one more unit of each resource buys {id} (same iterations):"
        );
        let head: Vec<String> = ["Resource", "Capacity", "P50", "P80"]
            .map(String::from)
            .to_vec();
        let rows: Vec<Vec<String>> = d
            .bottlenecks
            .iter()
            .map(|b| {
                vec![
                    b.resource.clone(),
                    format!("{} → {}", b.capacity, b.capacity + 1.0),
                    days1(b.p50_days),
                    days1(b.p80_days),
                ]
            })
            .collect();
        render(&mut out, &head, &rows);
    }
    if !d.cost.is_empty() {
        let cur = f
            .cost
            .as_ref()
            .and_then(|c| c.currency.as_deref())
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "\nCost drivers: how much each risk adds to the total cost, its own cost and the rates and\nstanding costs its delays run up{cur}:"
        );
        let head: Vec<String> = ["Risk", "P50", "P80"].map(String::from).to_vec();
        let rows: Vec<Vec<String>> = d
            .cost
            .iter()
            .take(12)
            .map(|c| {
                let signed = |x: f64| {
                    let a = signed_amount(x);
                    if x > 0.5 { format!("+{a}") } else { a }
                };
                vec![truncate(&c.driver, 40), signed(c.p50), signed(c.p80)]
            })
            .collect();
        render(&mut out, &head, &rows);
    }
    if !d.cost_sensitivity.is_empty() {
        let _ = writeln!(
            out,
            "\nWhere the total cost's uncertainty comes from (share of its variance; rank correlation\nwith the total; from the first {} iterations):",
            group_thousands(d.sensitivity_subsample as u64)
        );
        let head: Vec<String> = ["Item", "Mean", "SD", "Share", "Sensitivity"]
            .map(String::from)
            .to_vec();
        let rows: Vec<Vec<String>> = d
            .cost_sensitivity
            .iter()
            .take(10)
            .map(|c| {
                vec![
                    truncate(&c.item, 40),
                    signed_amount(c.mean),
                    signed_amount(c.sd),
                    format!("{:.1} %", 100.0 * c.variance_share),
                    format!("{:.2}", c.sensitivity),
                ]
            })
            .collect();
        render(&mut out, &head, &rows);
    }
    let mut ts: Vec<_> = d.tasks.iter().filter(|t| t.milestone == id).collect();
    ts.sort_by(|a, b| b.ssi.total_cmp(&a.ssi).then_with(|| a.task.cmp(&b.task)));
    let _ = writeln!(
        out,
        "\nTasks by schedule sensitivity index (sensitivity from the first {} iterations):",
        group_thousands(d.sensitivity_subsample as u64)
    );
    let head: Vec<String> = ["Task", "Criticality", "Sensitivity", "SSI", "Mean float"]
        .map(String::from)
        .to_vec();
    let rows: Vec<Vec<String>> = ts
        .iter()
        .take(15)
        .map(|t| {
            vec![
                label(&t.task),
                format!("{:.1} %", t.criticality * 100.0),
                super::signed(t.sensitivity, 2),
                format!("{:.2}", t.ssi),
                t.mean_float
                    .map(|x| format!("{x:.1}"))
                    .unwrap_or_else(|| "–".into()),
            ]
        })
        .collect();
    render(&mut out, &head, &rows);
    let _ = writeln!(out, "\nMost frequent critical paths to {id}:");
    for p in d.paths.iter().filter(|p| p.milestone == id) {
        let list = if p.tasks.is_empty() {
            "(not in the subsample)".to_string()
        } else {
            p.tasks.join(" → ")
        };
        wrap_text(
            &mut out,
            &format!("  {:5.1} %", p.share * 100.0),
            &list,
            11,
            100,
        );
    }
    let merges: Vec<_> = d
        .merges
        .iter()
        .filter(|m| m.milestone == id && m.merge_bias > 0.0)
        .take(5)
        .collect();
    if !merges.is_empty() {
        let _ = writeln!(
            out,
            "\nMerge bias (days the merge adds over the latest expected predecessor):"
        );
        for m in merges {
            let _ = writeln!(
                out,
                "  {:>6.1}  {} ({} predecessors)",
                m.merge_bias,
                label(&m.task),
                m.predecessors
            );
        }
    }
    out
}

/// Renders a calibration report.
pub fn calibration_table(r: &crate::history::calibrate::CalibrationReport) -> String {
    let (m, c, bt) = (&r.overall, r.correction.as_ref(), r.backtest.as_ref());
    let mut out = String::new();
    let line = |out: &mut String, label: &str, m: &crate::history::calibrate::Metrics| {
        let _ = writeln!(
            out,
            "{label}: {} tasks; {:.1} % of actuals inside their own P10–P90 (calibrated: 80 %), {:.1} % below P10, {:.1} % above P90; median actual/likely ×{:.2} (P10 ×{:.2}, P90 ×{:.2})",
            m.n,
            m.coverage_p10_p90 * 100.0,
            m.below_p10 * 100.0,
            m.above_p90 * 100.0,
            m.median_actual_over_likely,
            m.ratio_p10,
            m.ratio_p90
        );
    };
    line(&mut out, "All", m);
    let _ = writeln!(
        out,
        "\nWhere actuals fell in their estimates (PIT deciles; calibrated: 10 % each):"
    );
    for (i, d) in m.pit_deciles.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {:>3}–{:<3} % {:5.1} %  {}",
            i * 10,
            i * 10 + 10,
            d * 100.0,
            "█".repeat((d * 100.0).round() as usize)
        );
    }
    if let Some(c) = c {
        let _ = writeln!(
            out,
            "\nFitted correction (lognormal multiplier on each sampled duration): median ×{:.2}, extra log spread σ = {:.3}{}",
            c.log_bias.exp(),
            c.log_sigma,
            if c.excess_estimate_variance > 0.0 {
                " (estimates were wider than history; not narrowed)"
            } else {
                ""
            }
        );
    }
    if let Some(b) = bt {
        let _ = writeln!(
            out,
            "Backtest ({}-fold, held-out rows): P10–P90 coverage {:.1} % before, {:.1} % after the correction (target 80 %).",
            b.folds,
            b.coverage_before * 100.0,
            b.coverage_after * 100.0
        );
    }
    if !r.groups.is_empty() {
        out.push('\n');
        for g in &r.groups {
            line(&mut out, &g.group, &g.metrics);
        }
    }
    out
}

/// What the features backtest found, in a sentence or three.
pub fn features_backtest_text(b: &crate::history::throughput::FeatureBacktest) -> String {
    let mut s = if b.scored == 0 {
        format!(
            "at {} origins ({} at once, sampling the {} weeks before each), no feature forecast could be scored yet.",
            b.origins, b.wip, b.window
        )
    } else {
        format!(
            "at {} origins ({} at once, sampling the {} weeks before each), {} scored against the week the feature's last item finished: {:.1} % inside P10–P90 ({:.1} % earlier, {:.1} % later; target 80 %).",
            b.origins,
            b.wip,
            b.window,
            if b.scored == 1 {
                "1 feature forecast was".to_string()
            } else {
                format!("{} feature forecasts were", b.scored)
            },
            b.coverage_p10_p90 * 100.0,
            b.below_p10 * 100.0,
            b.above_p90 * 100.0
        )
    };
    if let Some(e) = b.median_error_weeks {
        let _ = write!(
            s,
            " Features finished a median {:.1} weeks {} their P50.",
            e.abs(),
            if e >= 0.0 { "after" } else { "before" }
        );
    }
    if b.unscored > 0 {
        let _ = write!(
            s,
            " {} not scored: the feature is still open at the export's end and the P90 lies beyond it.",
            if b.unscored == 1 {
                "1 forecast is".to_string()
            } else {
                format!("{} forecasts are", b.unscored)
            }
        );
    }
    s
}

/// Renders throughput forecasts.
pub fn throughput_table(
    h: &crate::history::throughput::History,
    r: &crate::history::throughput::ThroughputReport,
) -> String {
    let (f, bt) = (&r.forecasts, r.backtest.as_ref());
    let mut out = String::new();
    let _ = writeln!(out, "{}: {} weeks of history", h.file, h.weeks.len());
    for x in f {
        let _ = writeln!(
            out,
            "\n{} (bootstrap of the last {} weeks, {} iterations, seed {}):",
            x.question,
            x.weeks_sampled,
            group_thousands(x.iterations),
            x.seed
        );
        if x.forecast == "weeks" {
            wrap_text(&mut out, "  Scope:", &format!("{}.", x.scope), 9, 100);
        }
        // Weeks to one decimal; items as counted (fractions only from a partial week).
        let p = |v: Option<f64>| match v {
            None => format!("not within {} weeks", x.horizon),
            Some(v) if x.forecast == "weeks" => format!("{v:.1}"),
            Some(v) => format!("{}", crate::stats::round4(v)),
        };
        if x.percentiles.iter().all(Option::is_none) {
            wrap_text(&mut out, "  Read:", &format!("{}.", x.reading), 8, 100);
            continue;
        }
        let _ = writeln!(
            out,
            "  P10 {}   P50 {}   P80 {}   P90 {}",
            p(x.percentiles[0]),
            p(x.percentiles[1]),
            p(x.percentiles[2]),
            p(x.percentiles[3])
        );
        if let Some(d) = &x.dates {
            let _ = writeln!(
                out,
                "  dates: P10 {}   P50 {}   P80 {}   P90 {}",
                d[0], d[1], d[2], d[3]
            );
        }
        wrap_text(&mut out, "  Read:", &format!("{}.", x.reading), 8, 100);
    }
    if let (false, Some(wip)) = (r.features.is_empty(), r.wip) {
        out.push('\n');
        wrap_text(
            &mut out,
            "",
            &format!(
                "Features in priority order, {wip} worked on at once (weeks; {}):",
                r.features_scope.as_deref().unwrap_or("fixed scope")
            ),
            0,
            100,
        );
        let head = ["Feature", "Items", "P50", "P80", "P90"]
            .map(String::from)
            .to_vec();
        let dated = r.features.iter().any(|f| f.dates.is_some());
        let rows: Vec<Vec<String>> = r
            .features
            .iter()
            .map(|f| {
                let mut row = vec![
                    truncate(&f.feature, 40),
                    format!("{}", crate::stats::round4(f.items)),
                ];
                row.extend((0..3).map(|i| {
                    let w = f.percentiles[i].map_or_else(|| "—".to_string(), |v| format!("{v:.1}"));
                    match &f.dates {
                        Some(d) if dated && f.percentiles[i].is_some() => format!("{w} {}", d[i]),
                        _ => w,
                    }
                }));
                row
            })
            .collect();
        render(&mut out, &head, &rows);
        if r.features.iter().any(|f| f.unfinished > 0.0) {
            let _ = writeln!(
                out,
                "  — : not finished within the horizon in that share of trials."
            );
        }
    }
    if let Some(b) = bt {
        out.push('\n');
        wrap_text(
            &mut out,
            "Backtest:",
            &format!(
                "from {} origins, the actual {} in the next {} weeks fell inside the forecast's P10–P90 {:.1} % of the time ({:.1} % below, {:.1} % above; target 80 %), sampling the {} weeks before each origin.",
                b.origins,
                b.measure,
                b.horizon,
                b.coverage_p10_p90 * 100.0,
                b.below_p10 * 100.0,
                b.above_p90 * 100.0,
                b.window
            ),
            2,
            100,
        );
    }
    if let Some(b) = &r.features_backtest {
        out.push('\n');
        wrap_text(
            &mut out,
            "Features backtest:",
            &features_backtest_text(b),
            2,
            100,
        );
    }
    out
}

/// Renders a comparison: per milestone, each scenario's P50 and P80 with their change
/// against the baseline, the typical per-iteration gain and how often it is earlier.
pub fn compare_table(c: &crate::analysis::compare::Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {} iterations per scenario, seed {}, common random numbers{}",
        c.plan.as_deref().unwrap_or("plan"),
        group_thousands(c.iterations),
        c.seed,
        c.start
            .as_ref()
            .map(|s| format!(", day 1 = {s}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "ΔP50/ΔP80: change of the percentile against the baseline (working days; negative = earlier).\n\
         Typical change: median of the per-iteration difference. Earlier: share of iterations that finish earlier.\n"
    );
    let mut milestones: Vec<&str> = Vec::new();
    for r in &c.rows {
        if !milestones.contains(&r.milestone.as_str()) {
            milestones.push(&r.milestone);
        }
    }
    for m in milestones {
        let _ = writeln!(out, "{m}");
        let head: Vec<String> = [
            "Scenario",
            "P50",
            "ΔP50",
            "P80",
            "ΔP80",
            "Typical change",
            "Earlier",
            "P(on time)",
        ]
        .map(String::from)
        .to_vec();
        let rows: Vec<Vec<String>> = c
            .rows
            .iter()
            .filter(|r| r.milestone == m)
            .map(|r| {
                let at = |i: usize| match &r.dates {
                    Some(d) => format!("{} ({:.1})", d[i], r.percentiles[i]),
                    None => format!("{:.1}", r.percentiles[i]),
                };
                vec![
                    truncate(&r.scenario, 30),
                    at(1),
                    signed1(r.delta[0]),
                    at(2),
                    signed1(r.delta[1]),
                    super::moved(r.diff[1]),
                    format!("{:.1} %", r.p_earlier * 100.0),
                    r.p_target
                        .map_or("–".into(), |p| format!("{:.1} %", p * 100.0)),
                ]
            })
            .collect();
        render(&mut out, &head, &rows);
        out.push('\n');
    }
    // The cost of each scenario: one line per scenario (the total does not depend on
    // the milestone).
    let mut seen: Vec<&str> = Vec::new();
    let costs: Vec<Vec<String>> = c
        .rows
        .iter()
        .filter(|r| {
            let new = !seen.contains(&r.scenario.as_str());
            seen.push(&r.scenario);
            new && r.cost.is_some()
        })
        .filter_map(|r| {
            let k = r.cost.as_ref()?;
            let amount = |x: f64| {
                let s = group_thousands(x.abs().round() as u64);
                if x < -0.5 { format!("-{s}") } else { s }
            };
            let delta = |x: f64| {
                let s = group_thousands(x.abs().round() as u64);
                if x < -0.5 {
                    format!("-{s}")
                } else {
                    format!("+{s}")
                }
            };
            Some(vec![
                truncate(&r.scenario, 30),
                amount(k.p50),
                delta(k.delta_p50),
                amount(k.p80),
                delta(k.delta_p80),
            ])
        })
        .collect();
    if !costs.is_empty() {
        let _ = writeln!(out, "Total cost");
        let head: Vec<String> = ["Scenario", "P50", "ΔP50", "P80", "ΔP80"]
            .map(String::from)
            .to_vec();
        render(&mut out, &head, &costs);
        out.push('\n');
    }
    out
}

/// Renders a plan-version attribution.
pub fn versions_table(r: &crate::analysis::versions::VersionReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "What moved between the two plan versions — {} iterations each, seed {}, common random numbers",
        group_thousands(r.iterations),
        r.seed
    );
    if r.changes.is_empty() {
        let _ = writeln!(
            out,
            "\nThe two versions schedule the same work: nothing moved."
        );
        return out;
    }
    let _ = writeln!(
        out,
        "{} change{} found. Each is applied alone to the old plan; days are its shift of the percentile.\n",
        r.changes.len(),
        if r.changes.len() == 1 { "" } else { "s" }
    );
    for m in &r.milestones {
        let _ = writeln!(
            out,
            "{}: P50 {:.1} → {:.1} ({}), P80 {:.1} → {:.1} ({})",
            m.milestone,
            m.p50[0],
            m.p50[1],
            signed1(m.p50[1] - m.p50[0]),
            m.p80[0],
            m.p80[1],
            signed1(m.p80[1] - m.p80[0])
        );
        let head: Vec<String> = ["Change", "P50 days", "P80 days", "Note"]
            .map(String::from)
            .to_vec();
        let mut rows: Vec<Vec<String>> = m
            .effects
            .iter()
            .filter(|e| e.p80_days != Some(0.0) || e.p50_days != Some(0.0))
            .map(|e| {
                vec![
                    truncate(&e.change, 40),
                    e.p50_days.map_or("–".into(), signed1),
                    e.p80_days.map_or("–".into(), signed1),
                    e.note.clone().unwrap_or_default(),
                ]
            })
            .collect();
        rows.push(vec![
            "interaction (not explained by any change alone)".into(),
            signed1(m.interaction[0]),
            signed1(m.interaction[1]),
            String::new(),
        ]);
        render(&mut out, &head, &rows);
        out.push('\n');
    }
    out
}

/// The milestone table: dates with their working days in parentheses (`days`), the
/// mean ± sd column (`spread`), labels cut to `label` characters.
/// The schedule margin of each milestone with a target: the buffer to put before it so
/// that the date it then shows has the margin level's confidence.
fn margin_table(out: &mut String, f: &Forecast) {
    let margins: Vec<_> = f
        .milestones
        .iter()
        .filter_map(|m| Some((m, m.margin.as_ref()?)))
        .collect();
    let Some((_, first)) = margins.first() else {
        return;
    };
    let _ = writeln!(
        out,
        "\nSchedule margin for a P{} commitment: a margin task of this many working days before\neach milestone with a target makes the date it shows {} % likely.\n",
        fmt_p(first.level),
        fmt_p(first.level)
    );
    let head: Vec<String> = [
        "Milestone",
        "Plan",
        "Margin",
        "Commit to",
        "Target",
        "Within target",
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = margins
        .iter()
        .map(|(m, g)| {
            let t = m.target.as_ref();
            vec![
                m.id.clone(),
                m.deterministic_date
                    .clone()
                    .unwrap_or_else(|| format!("{:.1}", m.deterministic)),
                format!("{:.1} d", g.days),
                g.date.clone().unwrap_or_else(|| format!("{:.1}", g.finish)),
                t.map_or_else(String::new, |t| {
                    t.date.clone().unwrap_or_else(|| format!("{:.1}", t.days))
                }),
                if g.meets_target { "yes" } else { "no" }.into(),
            ]
        })
        .collect();
    render(out, &head, &rows);
}

/// The milestone table with or without (the working days after each date, mean ± sd, the
/// plan's confidence), labels cut to `label` characters (0: ids alone).
fn milestone_table(
    out: &mut String,
    f: &Forecast,
    (days, spread, confidence): (bool, bool, bool),
    label: usize,
) {
    let dated = f.start.is_some();
    // The compact forms call the deterministic column "Plan".
    let plan = if spread { "Deterministic" } else { "Plan" };
    let mut head = vec!["Milestone".to_string(), plan.into()];
    if confidence {
        head.push("P(plan)".into());
    }
    if spread {
        head.push("Mean ± sd".into());
    }
    head.extend(f.percentiles.iter().map(|p| format!("P{}", fmt_p(*p))));
    let targets = f.milestones.iter().any(|m| m.target.is_some());
    if targets {
        head.extend(["Target".into(), "P(on time)".into()]);
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    let cell = |d: f64, date: &Option<String>| match date {
        Some(x) if dated && days => format!("{x} ({d:.1})"),
        Some(x) if dated => x.clone(),
        _ => format!("{d:.1}"),
    };
    for m in &f.milestones {
        let name = match &m.name {
            Some(n) if label > 0 => format!("{} {}", m.id, n),
            _ => m.id.clone(),
        };
        let mut r = vec![
            if label > 0 {
                truncate(&name, label)
            } else {
                name
            },
            cell(m.deterministic, &m.deterministic_date),
        ];
        if confidence {
            r.push(super::share(m.p_deterministic));
        }
        if spread {
            r.push(format!("{:.1} ± {:.1}", m.mean, m.sd));
        }
        r.extend(m.percentiles.iter().map(|q| cell(q.days, &q.date)));
        if targets {
            match &m.target {
                Some(t) => {
                    r.push(t.date.clone().unwrap_or_else(|| format!("{:.1}", t.days)));
                    r.push(format!("{:.1} %", t.probability * 100.0));
                }
                None => r.extend(["–".into(), "–".into()]),
            }
        }
        rows.push(r);
    }
    render(out, &head, &rows);
}

/// `text` broken at spaces into lines within `width` columns: the first line starts
/// with `lead` (padded to `indent`, or followed by a space when longer), the others are
/// indented by `indent`.
pub fn wrap_text(out: &mut String, lead: &str, text: &str, indent: usize, width: usize) {
    let lead_width = lead.chars().count();
    let mut prefix = if lead.is_empty() || lead_width < indent {
        format!("{lead:indent$}")
    } else {
        format!("{lead} ")
    };
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let used = prefix.chars().count() + line.chars().count();
        if !line.is_empty() && used + 1 + word.chars().count() > width {
            let _ = writeln!(out, "{prefix}{line}");
            line.clear();
            prefix = " ".repeat(indent);
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{prefix}{line}");
    }
}

pub(crate) fn render(out: &mut String, head: &[String], rows: &[Vec<String>]) {
    let widths: Vec<usize> = (0..head.len())
        .map(|c| {
            rows.iter()
                .map(|r| r[c].chars().count())
                .chain([head[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |out: &mut String, cells: &[String]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i] - c.chars().count();
            if i == 0 {
                let _ = write!(s, "{c}{}", " ".repeat(pad));
            } else {
                let _ = write!(s, "  {}{c}", " ".repeat(pad));
            }
        }
        let _ = writeln!(out, "{}", s.trim_end());
    };
    line(out, head);
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    line(out, &rule);
    for r in rows {
        line(out, r);
    }
}

/// `{:+.1}` without a "-0.0".
/// Working days moved, in words: "4.0 days later", "no day".
fn days1(x: f64) -> String {
    if x.abs() < 0.05 {
        "no day".into()
    } else if x > 0.0 {
        format!("{x:.1} days later")
    } else {
        format!("{:.1} days earlier", -x)
    }
}

fn signed1(x: f64) -> String {
    super::signed(x, 1)
}

pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

pub(crate) fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// The cost block under the milestones: each item's deterministic cost and percentiles,
/// the chance of the budget and each target's joint confidence with it.
fn cost_table(out: &mut String, f: &Forecast, c: &crate::stats::cost::CostForecast) {
    let cur = c
        .currency
        .as_deref()
        .map(|x| format!(" ({x})"))
        .unwrap_or_default();
    let _ = writeln!(out, "\nCost{cur}:");
    let amount = |x: f64| group_thousands(x.round().max(0.0) as u64);
    let signed = |x: f64| {
        if x < 0.0 {
            format!("-{}", amount(-x))
        } else {
            amount(x)
        }
    };
    let mut head = vec!["Item".to_string(), "Deterministic".into(), "Mean".into()];
    head.extend(
        f.percentiles
            .iter()
            .map(|p| format!("P{}", crate::stats::fmt_p(*p))),
    );
    let rows: Vec<Vec<String>> = c
        .items
        .iter()
        .map(|i| {
            let mut r = vec![
                truncate(&i.item, 30),
                signed(i.deterministic),
                signed(i.mean),
            ];
            r.extend(i.percentiles.iter().map(|q| signed(q.value)));
            r
        })
        .collect();
    render(out, &head, &rows);
    if let (Some(b), Some(p)) = (c.budget, c.p_budget) {
        let _ = writeln!(
            out,
            "Budget {}: {:.1} % of simulated outcomes cost no more.",
            amount(b),
            p * 100.0
        );
    }
    for (m, mc) in f.milestones.iter().zip(&c.milestones) {
        if let (Some(t), Some(j)) = (&m.target, mc.jcl) {
            let _ = writeln!(
                out,
                "Joint confidence for {} (finish by {} and cost within budget): {:.1} % (on time {:.1} %, within budget {:.1} %).",
                m.id,
                t.date.clone().unwrap_or_else(|| format!("day {}", t.days)),
                j * 100.0,
                t.probability * 100.0,
                c.p_budget.unwrap_or(0.0) * 100.0
            );
        }
    }
}
