//! `scenarios.csv`: what-if scenarios for `slipcast compare`.
//!
//! `scenario, target, action, value` — one row per change; rows with the same `scenario`
//! form one scenario, compared against the baseline (the plan as written).

use std::path::Path;

use crate::error::{Diags, Error, Result};
use crate::plan::Distribution;
use crate::plan::sheet::{Sheet, closest, parse_date, parse_number};
use crate::plan::tasks::DateOrDays;

/// Every column scenarios.csv may have.
pub(crate) const COLUMNS: &[&str] = &["scenario", "target", "action", "value", "note"];

const ACTIONS: &[&str] = &[
    "remove",
    "scale",
    "delay",
    "set",
    "probability",
    "disable",
    "not_before",
    "cost",
    "rate",
    "capacity",
    "assign",
];

/// One change a scenario makes.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The task takes zero time (scope removed; its links are kept).
    Remove,
    /// Multiply the task's (or group's) sampled durations by the factor.
    Scale(f64),
    /// Add working days to the task's duration.
    Delay(f64),
    /// Replace the task's estimate by min/likely/max.
    Set {
        /// Minimum.
        min: f64,
        /// Most likely.
        likely: f64,
        /// Maximum.
        max: f64,
    },
    /// Change a risk's probability.
    Probability(f64),
    /// The risk cannot occur.
    Disable,
    /// New start-no-earlier-than.
    NotBefore(DateOrDays),
    /// An amount paid once when the scenario is taken (a mitigation's price): on a task,
    /// added to its cost; on a risk or `plan`, to the plan's.
    Cost(f64),
    /// A new cost per working day for the task or group.
    Rate(Distribution),
    /// A resource's new capacity ("add a second QA team": QA from 1 to 2).
    Capacity(f64),
    /// What the task holds instead of its `resources` (`DEV:2;QA:1`; empty: nothing).
    Assign(Vec<crate::plan::Assignment>),
}

/// One row of scenarios.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioRow {
    /// 1-based line.
    pub line: u64,
    /// Scenario name.
    pub scenario: String,
    /// Task id, `group:NAME`, or risk id.
    pub target: String,
    /// The change.
    pub action: Action,
}

/// Scenarios as read: rows and the file name for messages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scenarios {
    /// How the file is named in messages.
    pub file: String,
    /// Rows in file order.
    pub rows: Vec<ScenarioRow>,
}

impl Scenarios {
    /// Scenario names in order of first appearance.
    pub fn names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.rows {
            if !out.contains(&r.scenario.as_str()) {
                out.push(&r.scenario);
            }
        }
        out
    }
}

/// Reads a scenarios file.
pub fn load(path: &Path) -> Result<Scenarios> {
    let file = path.display().to_string();
    let mut diags = Diags::default();
    match crate::plan::sheet::read_limited(path, &file, &mut diags)? {
        Some(bytes) => parse_bytes(&bytes, &file),
        None => Err(Error::Invalid(diags.0)),
    }
}

/// Parses a scenarios file held in memory (`file` names it in messages).
pub fn parse_bytes(bytes: &[u8], file: &str) -> Result<Scenarios> {
    let file = file.to_string();
    let mut diags = Diags::default();
    let mut rows = Vec::new();
    if let Some(sheet) = Sheet::parse(
        bytes,
        &file,
        COLUMNS,
        &["scenario", "target", "action"],
        &mut diags,
    ) {
        rows = parse(&sheet, &mut diags);
    }
    if rows.is_empty() && diags.is_empty() {
        diags.push(
            crate::error::Diagnostic::new(&file, "the file defines no scenario")
                .fix("add rows: scenario,target,action,value — e.g. faster-build,BUILD,scale,0.8"),
        );
    }
    if !diags.is_empty() {
        return Err(Error::Invalid(diags.0));
    }
    Ok(Scenarios { file, rows })
}

fn parse(sheet: &Sheet, diags: &mut Diags) -> Vec<ScenarioRow> {
    let mut out = Vec::new();
    for row in &sheet.rows {
        let (Some(scenario), Some(target), Some(action)) = (
            sheet.get(row, "scenario"),
            sheet.get(row, "target"),
            sheet.get(row, "action"),
        ) else {
            diags.push(
                sheet
                    .diag(
                        row,
                        "scenario",
                        "the row needs a scenario, a target and an action",
                    )
                    .fix("fill in scenario, target and action"),
            );
            continue;
        };
        if scenario == "baseline" {
            diags.push(
                sheet
                    .diag(
                        row,
                        "scenario",
                        "\"baseline\" is the plan as written and cannot be a scenario name",
                    )
                    .fix("choose another name"),
            );
            continue;
        }
        let value = sheet.get(row, "value");
        let need = |what: &str, diags: &mut Diags| {
            diags.push(
                sheet
                    .diag(row, "value", format!("action {action} needs {what}"))
                    .fix(format!("write {what} in column value")),
            );
        };
        let num = |v: &str| parse_number(v).ok();
        let act = match action.to_ascii_lowercase().as_str() {
            "remove" => Some(Action::Remove),
            "disable" => Some(Action::Disable),
            "scale" => match value.and_then(num) {
                Some(f) if f >= 0.0 => Some(Action::Scale(f)),
                _ => {
                    need("a factor of 0 or more (0.8 = 20 % faster)", diags);
                    None
                }
            },
            "delay" => match value.and_then(|v| {
                let v = v.trim();
                let (n, k) = match v.strip_suffix(['w', 'W']) {
                    Some(n) => (n, 5.0),
                    None => (v.strip_suffix(['d', 'D']).unwrap_or(v), 1.0),
                };
                num(n.trim()).map(|x| x * k)
            }) {
                Some(d) => Some(Action::Delay(d)),
                None => {
                    need(
                        "a number of working days (15, or 3w for three weeks)",
                        diags,
                    );
                    None
                }
            },
            "set" => {
                let parts: Option<Vec<f64>> = value
                    .map(|v| v.split('/').map(|x| num(x.trim())).collect())
                    .unwrap_or(None);
                match parts.as_deref() {
                    Some(&[x]) if x >= 0.0 => Some(Action::Set {
                        min: x,
                        likely: x,
                        max: x,
                    }),
                    Some(&[a, c, b]) if 0.0 <= a && a <= c && c <= b => Some(Action::Set {
                        min: a,
                        likely: c,
                        max: b,
                    }),
                    _ => {
                        need(
                            "an estimate min/likely/max with 0 ≤ min ≤ likely ≤ max, e.g. 10/15/30",
                            diags,
                        );
                        None
                    }
                }
            }
            "cost" => match value.and_then(|v| v.trim().parse::<f64>().ok()) {
                Some(x) if x.is_finite() && x.abs() <= crate::plan::cost::MAX_AMOUNT => {
                    Some(Action::Cost(x))
                }
                _ => {
                    need("an amount (40000; negative for a saving)", diags);
                    None
                }
            },
            "rate" => match value.map(|v| crate::plan::cost::parse_amount(v, false)) {
                Some(Ok(d)) => Some(Action::Rate(d)),
                _ => {
                    need("a cost per working day (3000, or 2500/3000/4000)", diags);
                    None
                }
            },
            "capacity" => match value.and_then(num) {
                Some(c) if (0.0..=crate::plan::resources::MAX_UNITS).contains(&c) => {
                    Some(Action::Capacity(c))
                }
                _ => {
                    need(
                        "the resource's units available at once (2 for two teams)",
                        diags,
                    );
                    None
                }
            },
            "assign" => {
                let (list, problems) = crate::plan::resources::assignments(value.unwrap_or(""));
                if problems.is_empty() {
                    Some(Action::Assign(list))
                } else {
                    need(
                        &format!(
                            "resources as ID:units separated by ';' ({})",
                            problems.join("; ")
                        ),
                        diags,
                    );
                    None
                }
            }
            "probability" => match value.and_then(num) {
                Some(p) if (0.0..=1.0).contains(&p) => Some(Action::Probability(p)),
                _ => {
                    need("a probability between 0 and 1", diags);
                    None
                }
            },
            "not_before" => match value {
                Some(v) => match parse_date(v) {
                    Some(d) => Some(Action::NotBefore(DateOrDays::Date(d))),
                    None => match num(v) {
                        Some(x) if x >= 0.0 => Some(Action::NotBefore(DateOrDays::Days(x))),
                        _ => {
                            need("a date (YYYY-MM-DD) or a working-day number", diags);
                            None
                        }
                    },
                },
                None => {
                    need("a date (YYYY-MM-DD)", diags);
                    None
                }
            },
            other => {
                let fix = match closest(other, ACTIONS) {
                    Some(k) => format!("did you mean {k}?"),
                    None => format!("use one of {}", ACTIONS.join(", ")),
                };
                diags.push(
                    sheet
                        .diag(row, "action", format!("unknown action \"{other}\""))
                        .fix(fix),
                );
                None
            }
        };
        if let Some(action) = act {
            out.push(ScenarioRow {
                line: row.line,
                scenario: scenario.to_string(),
                target: target.to_string(),
                action,
            });
        }
    }
    out
}
