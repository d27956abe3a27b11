//! Views of a [`Health`] check: the terminal table, CSV and Markdown (JSON is its serde
//! form, [`super::to_json`]).

use std::fmt::Write;

use crate::analysis::health::{Check, Family, Health};

/// Task ids a table or Markdown cell shows (CSV and JSON list all of them).
pub const SHOWN_TASKS: usize = 10;

/// `1`–`14` for DCMA, `R1`–`R5` for risk-readiness.
fn label(c: &Check) -> String {
    match c.family {
        Family::Dcma => c.number.to_string(),
        Family::RiskReadiness => format!("R{}", c.number),
    }
}

/// The measured value with its unit (`3.2 %`, `0 links`, `0.97`), `–` when n/a.
fn value(c: &Check) -> String {
    match c.value {
        None => "–".into(),
        Some(v) => {
            let v = crate::stats::round4(v);
            let v = if v == 0.0 { 0.0 } else { v };
            match c.unit {
                "%" => format!("{v:.1} %"),
                "index" => format!("{v:.2}"),
                unit => format!("{v} {}", singular(unit, v)),
            }
        }
    }
}

/// `tasks` → `task` for a value of 1.
fn singular(unit: &str, v: f64) -> &str {
    if v == 1.0 {
        unit.strip_suffix('s').unwrap_or(unit)
    } else {
        unit
    }
}

fn threshold(c: &Check) -> String {
    match c.unit {
        "%" if c.threshold != "reported" => format!("{} %", c.threshold),
        "%" | "index" => c.threshold.clone(),
        unit => format!("{} {unit}", c.threshold),
    }
}

/// The first [`SHOWN_TASKS`] ids, and how many more.
fn shown(c: &Check) -> String {
    crate::plan::sheet::listing(&c.tasks, SHOWN_TASKS)
}

/// What a table cell says under a check: why it does not apply (or what the critical
/// path test moved), else its first offenders.
fn detail(c: &Check) -> String {
    match &c.note {
        Some(n) if c.tasks.is_empty() || c.of == 1 => n.clone(),
        _ => shown(c),
    }
}

/// One check as the cells a table shows.
pub struct HealthRow {
    /// `1`–`14`, `R1`–`R5`.
    pub label: String,
    /// The check's name.
    pub check: &'static str,
    /// The measured value with its unit.
    pub value: String,
    /// The threshold with its unit.
    pub threshold: String,
    /// `pass`, `fail` or `n/a`.
    pub status: &'static str,
    /// Why it does not apply, or its first offenders.
    pub detail: String,
}

/// The checks as table cells, in order.
pub fn health_rows(h: &Health) -> Vec<HealthRow> {
    h.checks
        .iter()
        .map(|c| HealthRow {
            label: label(c),
            check: c.check,
            value: value(c),
            threshold: threshold(c),
            status: c.status.as_str(),
            detail: detail(c),
        })
        .collect()
}

/// Width the terminal table keeps within.
const WIDTH: usize = 100;

/// The checks as a terminal table: one line per check, then, indented, its first ten
/// offenders (or why it does not apply) wrapped to 100 columns; then the summary line.
pub fn health_table(h: &Health) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Schedule health{}{}: {} incomplete {}",
        h.plan
            .as_deref()
            .map(|p| format!(" of {p}"))
            .unwrap_or_default(),
        h.status_date
            .as_deref()
            .map(|d| format!(" at {d}"))
            .unwrap_or_default(),
        h.incomplete,
        if h.incomplete == 1 { "task" } else { "tasks" }
    );
    for (family, title) in [
        (Family::Dcma, "DCMA 14-point assessment"),
        (Family::RiskReadiness, "Risk readiness"),
    ] {
        let _ = writeln!(s, "\n{title}");
        let _ = writeln!(
            s,
            "{:>3}  {:<36} {:>10}  {:>10}  status",
            "", "check", "value", "threshold"
        );
        for c in h.checks.iter().filter(|c| c.family == family) {
            let _ = writeln!(
                s,
                "{:>3}  {:<36} {:>10}  {:>10}  {}",
                label(c),
                c.check,
                value(c),
                threshold(c),
                c.status.as_str(),
            );
            super::table::wrap_text(&mut s, "", &detail(c), 5, WIDTH);
        }
    }
    let _ = writeln!(s, "\n{}", h.summary());
    s
}

/// The checks as CSV: `id, family, number, check, metric, value, unit, threshold,
/// status, count, of, tasks, note` — every offending task, separated by `;`.
pub fn health_csv(h: &Health) -> String {
    let mut rows = vec![
        [
            "id",
            "family",
            "number",
            "check",
            "metric",
            "value",
            "unit",
            "threshold",
            "status",
            "count",
            "of",
            "tasks",
            "note",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for c in &h.checks {
        rows.push(vec![
            c.id.to_string(),
            match c.family {
                Family::Dcma => "dcma".into(),
                Family::RiskReadiness => "risk-readiness".into(),
            },
            c.number.to_string(),
            c.check.to_string(),
            c.metric.clone(),
            c.value.map(super::num).unwrap_or_default(),
            c.unit.to_string(),
            c.threshold.clone(),
            c.status.as_str().to_string(),
            c.count.to_string(),
            c.of.to_string(),
            c.tasks.join(";"),
            c.note.clone().unwrap_or_default(),
        ]);
    }
    super::csv_bytes(rows)
}

/// The checks as Markdown, for a steering pack or a ticket.
pub fn health_markdown(h: &Health) -> String {
    let md = |s: &str| s.replace('|', "\\|").replace(['\n', '\r'], " ");
    let mut s = String::from(
        "| # | Check | Value | Threshold | Status | Tasks |\n|---|---|---:|---:|---|---|\n",
    );
    for r in health_rows(h) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            r.label,
            md(r.check),
            md(&r.value),
            md(&r.threshold),
            r.status,
            md(&r.detail)
        );
    }
    let _ = writeln!(s, "\n{}", h.summary());
    s
}
