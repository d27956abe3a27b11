//! `risks.csv`: the risk register ("risk drivers", AACE 57R-09).
//!
//! In each iteration a risk occurs with its probability; when it does, one impact is
//! drawn and applied to every task it lists: `days` adds working days, `percent` adds
//! that share of the task's sampled duration. Negative impacts are opportunities.

use crate::error::Diags;
use crate::plan::Distribution;
use crate::plan::sheet::{Row, Sheet, closest};

/// Every column risks.csv may have.
pub(crate) const COLUMNS: &[&str] = &[
    "id",
    "name",
    "probability",
    "distribution",
    "min",
    "likely",
    "max",
    "mean",
    "sd",
    "values",
    "unit",
    "tasks",
    "cost",
];

/// How a risk's impact applies to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Working days added to the task's duration.
    Days,
    /// Percent of the task's sampled duration added (10 = +10 %).
    Percent,
}

/// One parsed row of risks.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskRow {
    /// 1-based line.
    pub line: u64,
    /// Unique risk id.
    pub id: String,
    /// Human name.
    pub name: Option<String>,
    /// Chance of occurring in an iteration, in [0, 1].
    pub probability: f64,
    /// Impact distribution (may be negative: an opportunity).
    pub impact: Distribution,
    /// Unit of the impact.
    pub unit: Unit,
    /// Ids of the tasks it hits.
    pub tasks: Vec<String>,
    /// Cost when it occurs (negative: a saving); drawn from the same uniform as the
    /// schedule impact.
    pub cost: Option<Distribution>,
}

/// Parses all rows of risks.csv.
pub(crate) fn parse(sheet: &Sheet, diags: &mut Diags) -> Vec<RiskRow> {
    let mut out = Vec::new();
    for row in &sheet.rows {
        let Some(id) = sheet.get(row, "id") else {
            diags.push(
                sheet
                    .diag(row, "id", "the risk has no id")
                    .fix("give every risk a unique id"),
            );
            continue;
        };
        let probability = sheet.probability(row, "probability", diags);
        if sheet.get(row, "probability").is_none() {
            diags.push(
                sheet
                    .diag(row, "probability", "the risk has no probability")
                    .fix("give the chance it occurs, between 0 and 1"),
            );
        }
        let unit = match sheet
            .get(row, "unit")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("days") | Some("day") | Some("d") => Some(Unit::Days),
            Some("percent") | Some("%") | Some("pct") => Some(Unit::Percent),
            Some(other) => {
                let fix = match closest(other, &["days", "percent"]) {
                    Some(k) => format!("did you mean {k}?"),
                    None => "use days or percent".into(),
                };
                diags.push(
                    sheet
                        .diag(row, "unit", format!("unknown unit \"{other}\""))
                        .fix(fix),
                );
                None
            }
        };
        let tasks: Vec<String> = sheet.list(row, "tasks");
        if tasks.is_empty() {
            diags.push(
                sheet
                    .diag(row, "tasks", format!("risk {id} hits no task"))
                    .fix("list the ids of the tasks it affects, separated by ';'"),
            );
        }
        let cost = sheet
            .get(row, "cost")
            .and_then(|v| match crate::plan::cost::parse_amount(v, true) {
                Ok(d) => Some(d),
                Err(why) => {
                    diags.push(sheet.diag(row, "cost", why).fix(
                        "write the cost impact as an amount or min/likely/max, e.g. 40000 or 20000/40000/90000",
                    ));
                    None
                }
            });
        let schedule_given = sheet.get(row, "distribution").is_some()
            || crate::plan::tasks::ESTIMATE_COLUMNS
                .iter()
                .any(|c| sheet.get(row, c).is_some());
        // A cost-only risk moves no date.
        let impact = if !schedule_given && sheet.get(row, "cost").is_some() {
            Some(Distribution::Fixed { likely: 0.0 })
        } else {
            impact(sheet, row, diags)
        };
        if let (Some(probability), Some(unit), Some(impact)) = (probability, unit, impact) {
            out.push(RiskRow {
                line: row.line,
                id: id.to_string(),
                name: sheet.get(row, "name").map(str::to_string),
                probability,
                impact,
                unit,
                tasks,
                cost,
            });
        }
    }
    out
}

fn impact(sheet: &Sheet, row: &Row, diags: &mut Diags) -> Option<Distribution> {
    let n = diags.0.len();
    let num = |c: &str, d: &mut Diags| sheet.number(row, c, d);
    let (min, likely, max) = (num("min", diags), num("likely", diags), num("max", diags));
    let (mean, sd) = (num("mean", diags), num("sd", diags));
    if diags.0.len() > n {
        return None;
    }
    let name = sheet.get(row, "distribution").map(str::to_ascii_lowercase);
    let name = name.as_deref().unwrap_or(match (min, likely, max) {
        (Some(_), Some(_), Some(_)) => "triangular",
        (None, Some(_), None) => "fixed",
        _ => "",
    });
    let missing = |col: &str, d: &mut Diags| {
        d.push(
            sheet
                .diag(row, col, format!("the impact needs {col}"))
                .fix("give the impact as min, likely, max (or likely alone for a fixed impact)"),
        )
    };
    let d = match name {
        "triangular" | "pert" => match (min, likely, max) {
            (Some(a), Some(c), Some(b)) if name == "pert" => Distribution::Pert {
                min: a,
                likely: c,
                max: b,
            },
            (Some(a), Some(c), Some(b)) => Distribution::Triangular {
                min: a,
                likely: c,
                max: b,
            },
            _ => {
                missing(
                    if min.is_none() {
                        "min"
                    } else if likely.is_none() {
                        "likely"
                    } else {
                        "max"
                    },
                    diags,
                );
                return None;
            }
        },
        "uniform" => match (min, max) {
            (Some(a), Some(b)) => Distribution::Uniform {
                min: a,
                max: b,
                planned: likely,
            },
            _ => {
                missing(if min.is_none() { "min" } else { "max" }, diags);
                return None;
            }
        },
        "fixed" => match likely {
            Some(c) => Distribution::Fixed { likely: c },
            None => {
                missing("likely", diags);
                return None;
            }
        },
        "normal" | "lognormal" => match (mean, sd) {
            (Some(m), Some(s)) if name == "normal" => Distribution::Normal { mean: m, sd: s },
            (Some(m), Some(s)) => Distribution::Lognormal { mean: m, sd: s },
            _ => {
                missing(if mean.is_none() { "mean" } else { "sd" }, diags);
                return None;
            }
        },
        "exponential" => match mean {
            Some(m) => Distribution::Exponential { mean: m },
            None => {
                missing("mean", diags);
                return None;
            }
        },
        "discrete" => {
            let v = sheet.get(row, "values")?;
            let vals = crate::plan::tasks::discrete_values(sheet, row, v, diags)?;
            Distribution::Discrete { values: vals }
        }
        "" => {
            diags.push(
                sheet.diag(row, "likely", "the risk has no impact").fix(
                    "give min, likely and max of the impact, or likely alone for a fixed impact",
                ),
            );
            return None;
        }
        other => {
            diags.push(sheet.diag(row, "distribution", format!("unknown distribution \"{other}\"")).fix(
                "use triangular, pert, uniform, fixed, discrete, normal, lognormal or exponential",
            ));
            return None;
        }
    };
    if let Err(why) = d.check_impact() {
        diags.push(
            sheet
                .diag(row, "min", why)
                .fix("order the impact so that min ≤ likely ≤ max"),
        );
        return None;
    }
    Some(d)
}
