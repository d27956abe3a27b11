//! `tasks.csv`: tasks, estimates, links, milestones and targets.

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::Diags;
use crate::plan::Distribution;
use crate::plan::sheet::{Row, Sheet, parse_date, parse_number};

/// Every column tasks.csv may have.
pub(crate) const COLUMNS: &[&str] = &[
    "id",
    "name",
    "distribution",
    "min",
    "likely",
    "max",
    "mean",
    "sd",
    "values",
    "predecessors",
    "milestone",
    "probability",
    "target",
    "not_before",
    "alap",
    "group",
    "calendar_tags",
    "calendar",
    "actual_start",
    "actual_finish",
    "remaining",
    "items",
    "throughput",
    "cost",
    "rate",
    "actual_cost",
    "resources",
    "priority",
    "baseline_finish",
    "constraint",
];

/// The columns of an estimate (besides `distribution`), shared with risks.csv's impact.
pub(crate) const ESTIMATE_COLUMNS: [&str; 6] = ["min", "likely", "max", "mean", "sd", "values"];

/// The type of a dependency link (activity-on-node, SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum LinkKind {
    /// Finish-to-start: ES(s) ≥ EF(p) + lag.
    FS,
    /// Start-to-start: ES(s) ≥ ES(p) + lag.
    SS,
    /// Finish-to-finish: EF(s) ≥ EF(p) + lag.
    FF,
    /// Start-to-finish: EF(s) ≥ ES(p) + lag.
    SF,
}

/// A predecessor link as written: `B SS+2`, `C FF-1.5`, `D SF+1w`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkSpec {
    /// The predecessor's id.
    pub pred: String,
    /// Link type.
    pub kind: LinkKind,
    /// Lag in working days (negative = lead).
    pub lag: f64,
}

/// A date, or a number of working days from the start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DateOrDays {
    /// A calendar date.
    Date(NaiveDate),
    /// A date and a time of day in minutes after midnight (`2027-03-01T11:00`: a
    /// start-no-earlier-than within the day).
    At(NaiveDate, u16),
    /// Working days from the project start (t).
    Days(f64),
}

/// One row of tasks.csv, parsed. Fields that failed to parse are `None`/empty and have a
/// diagnostic; the row is kept so that other rows can still refer to its id.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRow {
    /// 1-based line in tasks.csv.
    pub line: u64,
    /// Unique id.
    pub id: String,
    /// Human name.
    pub name: Option<String>,
    /// The estimate; `None` when the row has none (allowed for milestones).
    pub estimate: Option<Distribution>,
    /// Predecessor links.
    pub predecessors: Vec<LinkSpec>,
    /// Flagged as a milestone.
    pub milestone: bool,
    /// A start milestone (`milestone = start`): at zero length it finishes where it
    /// starts, when its calendar next works (Primavera P6's start milestone), not where
    /// its calendar last stopped.
    pub start_milestone: bool,
    /// Committed date or working-day number.
    pub target: Option<DateOrDays>,
    /// Start-no-earlier-than.
    pub not_before: Option<DateOrDays>,
    /// Workstream label.
    pub group: Option<String>,
    /// Chance the task happens at all (1 unless given); when it does not, it takes zero
    /// time and its links still hold.
    pub probability: f64,
    /// Tags that freeze windows apply to.
    pub calendar_tags: Vec<String>,
    /// The named calendar it works on (None: the project calendar).
    pub calendar: Option<String>,
    /// As late as possible: placed, in each iteration, as late as its successors allow
    /// (its free float used up), never earlier than its early dates.
    pub alap: bool,
    /// Date the work started (status-date re-forecast).
    pub actual_start: Option<NaiveDate>,
    /// Date the work finished.
    pub actual_finish: Option<NaiveDate>,
    /// Remaining working days of a task in progress.
    pub remaining: Option<f64>,
    /// Backlog size: the task's duration is the time to finish these items at the
    /// throughput of `throughput`.
    pub items: Option<f64>,
    /// Throughput history file (relative to the plan folder).
    pub throughput: Option<String>,
    /// The history, once read.
    pub history: Option<crate::plan::throughput::History>,
    /// Time-independent cost (materials, a fixed-price contract).
    pub cost: Option<Distribution>,
    /// Time-dependent cost per working day of the task's duration.
    pub rate: Option<Distribution>,
    /// Cost spent so far (a task in progress or done).
    pub actual_cost: Option<f64>,
    /// Resources the task holds from its start to its finish (`DEV:2;QA:1`).
    pub resources: Vec<crate::plan::resources::Assignment>,
    /// Levelling priority (larger first); `None`: the default order.
    pub priority: Option<f64>,
    /// The baseline (committed) finish date, for the health check's missed tasks and
    /// baseline execution index.
    pub baseline_finish: Option<NaiveDate>,
    /// A date constraint slipcast does not schedule by (an import's must-start-on,
    /// must-finish-on, finish-no-later-than …), as written: the health check counts it.
    pub constraint: Option<String>,
}

/// Parses all rows of tasks.csv.
pub(crate) fn parse(sheet: &Sheet, diags: &mut Diags) -> Vec<TaskRow> {
    let mut out = Vec::with_capacity(sheet.rows.len());
    for row in &sheet.rows {
        let Some(id) = sheet.get(row, "id") else {
            diags.push(
                sheet
                    .diag(row, "id", "the task has no id")
                    .fix("give every task a unique id"),
            );
            continue;
        };
        if id.chars().count() > crate::plan::sheet::MAX_ID_CHARS {
            diags.push(
                sheet
                    .diag(
                        row,
                        "id",
                        format!("the id is {} characters long", id.chars().count()),
                    )
                    .fix(format!(
                        "keep ids under {} characters; put the description in name",
                        crate::plan::sheet::MAX_ID_CHARS
                    )),
            );
            continue;
        }
        if id.contains(';') || id.chars().any(char::is_whitespace) {
            diags.push(
                sheet
                    .diag(row, "id", format!("id \"{id}\" contains a space or ';'"))
                    .fix("ids are single words; use _ or - instead of spaces"),
            );
        }
        // `start` and `finish` say which kind of milestone; either is a milestone.
        let kind = sheet.get(row, "milestone").map(str::to_ascii_lowercase);
        let start_milestone = kind.as_deref() == Some("start");
        let milestone = if matches!(kind.as_deref(), Some("start" | "finish")) {
            true
        } else {
            sheet.boolean(row, "milestone", diags).unwrap_or(false)
        };
        let actual_start = sheet.date(row, "actual_start", diags);
        let actual_finish = sheet.date(row, "actual_finish", diags);
        let remaining = sheet.non_negative(row, "remaining", diags);
        if let (Some(s), Some(f)) = (actual_start, actual_finish)
            && f < s
        {
            diags.push(
                sheet
                    .diag(
                        row,
                        "actual_finish",
                        format!("actual_finish {f} is before actual_start {s}"),
                    )
                    .fix("correct one of the two dates"),
            );
        }
        if actual_finish.is_some() && actual_start.is_none() {
            diags.push(
                sheet
                    .diag(
                        row,
                        "actual_start",
                        "a finished task needs its actual_start",
                    )
                    .fix("give the date the work started"),
            );
        }
        if remaining.is_some() && actual_start.is_none() {
            diags.push(
                sheet
                    .diag(
                        row,
                        "remaining",
                        "remaining work is given but the task has no actual_start",
                    )
                    .fix("give actual_start for a task in progress, or leave remaining empty"),
            );
        }
        let items = sheet.number(row, "items", diags);
        let throughput = sheet.get(row, "throughput").map(str::to_string);
        if let Some(x) = items
            && x <= 0.0
        {
            diags.push(
                sheet
                    .diag(
                        row,
                        "items",
                        format!("items must be more than 0, found {x}"),
                    )
                    .fix("give the backlog size"),
            );
        }
        if items.is_some() != throughput.is_some() {
            diags.push(
                sheet
                    .diag(
                        row,
                        if items.is_some() {
                            "throughput"
                        } else {
                            "items"
                        },
                        "a backlog task needs both items and throughput",
                    )
                    .fix("give the number of items and the throughput history file (week,done)"),
            );
        }
        let backlog = items.is_some() && throughput.is_some();
        if backlog && ESTIMATE_COLUMNS.iter().any(|c| sheet.get(row, c).is_some()) {
            diags.push(
                sheet
                    .diag(row, "items", "the task has both an estimate and a backlog")
                    .fix("give either min/likely/max or items + throughput"),
            );
        }
        // Finished work needs no estimate; work in progress may give `remaining` instead;
        // a backlog task's duration comes from throughput.
        let needs_estimate =
            !milestone && actual_finish.is_none() && remaining.is_none() && !backlog;
        let estimate = estimate(sheet, row, !needs_estimate, diags);
        let predecessors = sheet
            .get(row, "predecessors")
            .map(|v| links(sheet, row, v, diags))
            .unwrap_or_default();
        let probability = sheet.probability(row, "probability", diags).unwrap_or(1.0);
        let target = date_or_days(sheet, row, "target", diags);
        // A fixed cost may be a credit (negative); a rate or an amount spent may not.
        let amount = |col: &str, diags: &mut Diags| {
            let v = sheet.get(row, col)?;
            match crate::plan::cost::parse_amount(v, col == "cost") {
                Ok(d) => Some(d),
                Err(why) => {
                    diags.push(sheet.diag(row, col, why).fix(
                        "write an amount or min/likely/max, e.g. 120000 or 80000/100000/150000 (pert: before it for Beta-PERT)",
                    ));
                    None
                }
            }
        };
        let cost = amount("cost", diags);
        let rate = amount("rate", diags);
        let actual_cost = match amount("actual_cost", diags) {
            Some(Distribution::Fixed { likely }) => Some(likely),
            Some(_) => {
                diags.push(
                    sheet
                        .diag(row, "actual_cost", "actual_cost is one amount, not a range")
                        .fix("write what has been spent, e.g. 25000"),
                );
                None
            }
            None => None,
        };
        if actual_cost.is_some() && actual_start.is_none() {
            diags.push(
                sheet
                    .diag(
                        row,
                        "actual_cost",
                        "actual_cost is given but the task has no actual_start",
                    )
                    .fix("give actual_start for work that has begun, or leave actual_cost empty"),
            );
        }
        let not_before = date_or_days(sheet, row, "not_before", diags);
        let alap = sheet.boolean(row, "alap", diags).unwrap_or(false);
        let resources = crate::plan::resources::parse_assignments(sheet, row, diags);
        let priority = sheet.number(row, "priority", diags);
        out.push(TaskRow {
            line: row.line,
            id: id.to_string(),
            name: sheet.get(row, "name").map(str::to_string),
            estimate,
            predecessors,
            milestone,
            start_milestone,
            target,
            not_before,
            group: sheet.get(row, "group").map(str::to_string),
            probability,
            calendar_tags: sheet.list(row, "calendar_tags"),
            alap,
            calendar: sheet
                .get(row, "calendar")
                .filter(|c| !c.eq_ignore_ascii_case(crate::plan::settings::PROJECT_CALENDAR))
                .map(str::to_string),
            actual_start,
            actual_finish,
            remaining,
            items,
            throughput,
            history: None,
            cost,
            rate,
            actual_cost,
            resources,
            priority,
            baseline_finish: sheet.date(row, "baseline_finish", diags),
            constraint: sheet.get(row, "constraint").map(str::to_string),
        });
    }
    out
}

fn date_or_days(sheet: &Sheet, row: &Row, col: &str, diags: &mut Diags) -> Option<DateOrDays> {
    let v = sheet.get(row, col)?;
    if let Some(d) = parse_date(v) {
        return Some(DateOrDays::Date(d));
    }
    // A date and a time of day (start-no-earlier-than constraints from schedules kept in
    // hours).
    if col == "not_before"
        && let Some((d, t)) = v.split_once(['T', ' '])
        && let Some(d) = parse_date(d)
        && let Some((h, m)) = t.split_once(':')
        && let (Ok(h), Ok(m)) = (h.parse::<u16>(), m.get(..2).unwrap_or(m).parse::<u16>())
        && h < 24
        && m < 60
    {
        return Some(DateOrDays::At(d, h * 60 + m));
    }
    match parse_number(v) {
        Ok(x) if x >= 0.0 => Some(DateOrDays::Days(x)),
        _ => {
            diags.push(
                sheet
                    .diag(row, col, format!("expected a date or a number of working days, found \"{v}\""))
                    .fix("write a date as YYYY-MM-DD (e.g. 2027-06-30) or a working-day number such as 120"),
            );
            None
        }
    }
}

/// Parses the estimate; `optional` when the row may have none (milestones, finished
/// work, work in progress with `remaining`).
pub(crate) fn estimate(
    sheet: &Sheet,
    row: &Row,
    optional: bool,
    diags: &mut Diags,
) -> Option<Distribution> {
    let n_before = diags.0.len();
    let min = sheet.non_negative(row, "min", diags);
    let likely = sheet.non_negative(row, "likely", diags);
    let max = sheet.non_negative(row, "max", diags);
    let mean = sheet.non_negative(row, "mean", diags);
    let sd = sheet.non_negative(row, "sd", diags);
    let values = sheet.get(row, "values");
    let given = |c: &str| sheet.get(row, c).is_some();
    let dist_name = sheet.get(row, "distribution").map(str::to_ascii_lowercase);
    if diags.0.len() > n_before {
        return None;
    }
    let name = match dist_name.as_deref() {
        Some(n) => n,
        None if given("min") && given("likely") && given("max") => "triangular",
        None if given("likely") && !given("min") && !given("max") => "fixed",
        None if ESTIMATE_COLUMNS.iter().all(|c| !given(c)) => {
            if !optional {
                diags.push(
                    sheet.diag(row, "likely", "the task has no estimate").fix(
                        "give min, likely and max (working days), or mark it milestone = true",
                    ),
                );
            }
            return None;
        }
        None => {
            diags.push(
                sheet
                    .diag(row, "distribution", "the estimate is incomplete and no distribution is named")
                    .fix("give all of min, likely and max, or name a distribution (pert, uniform, normal, …)"),
            );
            return None;
        }
    };
    let need = |col: &str, v: Option<f64>, diags: &mut Diags| -> Option<f64> {
        if v.is_none() {
            diags.push(
                sheet
                    .diag(row, col, format!("a {name} estimate needs {col}"))
                    .fix(format!("fill in column {col}")),
            );
        }
        v
    };
    let d = match name {
        "triangular" | "pert" => {
            let (a, c, b) = (
                need("min", min, diags),
                need("likely", likely, diags),
                need("max", max, diags),
            );
            let (a, c, b) = (a?, c?, b?);
            if name == "pert" {
                Distribution::Pert {
                    min: a,
                    likely: c,
                    max: b,
                }
            } else {
                Distribution::Triangular {
                    min: a,
                    likely: c,
                    max: b,
                }
            }
        }
        "uniform" => {
            let (a, b) = (need("min", min, diags), need("max", max, diags));
            Distribution::Uniform {
                min: a?,
                max: b?,
                planned: likely,
            }
        }
        "fixed" => Distribution::Fixed {
            likely: need("likely", likely, diags)?,
        },
        "normal" | "lognormal" => {
            let (m, s) = (need("mean", mean, diags), need("sd", sd, diags));
            if name == "normal" {
                Distribution::Normal { mean: m?, sd: s? }
            } else {
                Distribution::Lognormal { mean: m?, sd: s? }
            }
        }
        "exponential" => Distribution::Exponential {
            mean: need("mean", mean, diags)?,
        },
        "discrete" => {
            let Some(v) = values else {
                diags.push(
                    sheet
                        .diag(row, "values", "a discrete estimate needs values")
                        .fix("write value:weight pairs such as 11:5;12:10;13:25"),
                );
                return None;
            };
            Distribution::Discrete {
                values: discrete_values(sheet, row, v, diags)?,
            }
        }
        other => {
            let known = [
                "triangular",
                "pert",
                "uniform",
                "normal",
                "lognormal",
                "exponential",
                "discrete",
                "fixed",
            ];
            let fix = match crate::plan::sheet::closest(other, &known) {
                Some(k) => format!("did you mean {k}?"),
                None => format!("use one of {}", known.join(", ")),
            };
            diags.push(
                sheet
                    .diag(
                        row,
                        "distribution",
                        format!("unknown distribution \"{other}\""),
                    )
                    .fix(fix),
            );
            return None;
        }
    };
    let column = match d {
        Distribution::Normal { .. }
        | Distribution::Lognormal { .. }
        | Distribution::Exponential { .. } => "mean",
        Distribution::Discrete { .. } => "values",
        Distribution::Fixed { .. } => "likely",
        _ => "min",
    };
    if let Err(why) = d.check() {
        diags.push(
            sheet
                .diag(row, column, why)
                .fix("correct the estimate so that min ≤ likely ≤ max and no value is negative"),
        );
        return None;
    }
    Some(d)
}

pub(crate) fn discrete_values(
    sheet: &Sheet,
    row: &Row,
    v: &str,
    diags: &mut Diags,
) -> Option<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    for part in v.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let parsed = part
            .split_once(':')
            .and_then(|(a, b)| Some((parse_number(a.trim()).ok()?, parse_number(b.trim()).ok()?)));
        match parsed {
            Some(p) => out.push(p),
            None => {
                diags.push(
                    sheet
                        .diag(
                            row,
                            "values",
                            format!("\"{part}\" is not a value:weight pair"),
                        )
                        .fix("write value:weight pairs separated by ';', e.g. 11:5;12:10;13:25"),
                );
                return None;
            }
        }
    }
    Some(out)
}

fn links(sheet: &Sheet, row: &Row, v: &str, diags: &mut Diags) -> Vec<LinkSpec> {
    let mut out = Vec::new();
    for part in v.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match parse_link(part) {
            Ok(l) => out.push(l),
            Err(why) => diags.push(
                sheet
                    .diag(row, "predecessors", why)
                    .fix("write links as ID, ID SS+2, ID FF-1.5 or ID SF+1w, separated by ';'"),
            ),
        }
    }
    out
}

/// Parses one link: `ID [TYPE][±LAG[d|w]]`, the id separated from the rest by whitespace.
pub(crate) fn parse_link(part: &str) -> Result<LinkSpec, String> {
    let (id, rest) = match part.split_once(char::is_whitespace) {
        Some((id, rest)) => (id, rest.split_whitespace().collect::<String>()),
        None => (part, String::new()),
    };
    let upper = rest.to_ascii_uppercase();
    let (kind, lag_text) = match upper.get(..2) {
        Some("FS") => (LinkKind::FS, &upper[2..]),
        Some("SS") => (LinkKind::SS, &upper[2..]),
        Some("FF") => (LinkKind::FF, &upper[2..]),
        Some("SF") => (LinkKind::SF, &upper[2..]),
        _ => (LinkKind::FS, upper.as_str()),
    };
    let lag = if lag_text.is_empty() {
        0.0
    } else {
        if !lag_text.starts_with(['+', '-']) {
            return Err(format!(
                "cannot read link \"{part}\": expected a type (FS, SS, FF, SF) and/or a signed lag such as +2 or -1w"
            ));
        }
        let (num, factor) = if let Some(n) = lag_text.strip_suffix('W') {
            (n, 5.0)
        } else if let Some(n) = lag_text.strip_suffix('D') {
            (n, 1.0)
        } else {
            (lag_text, 1.0)
        };
        let x = parse_number(num).map_err(|_| format!("cannot read the lag in link \"{part}\""))?;
        x * factor
    };
    Ok(LinkSpec {
        pred: id.to_string(),
        kind,
        lag,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_forms() {
        let l = |s| parse_link(s).unwrap();
        assert_eq!(
            l("A"),
            LinkSpec {
                pred: "A".into(),
                kind: LinkKind::FS,
                lag: 0.0
            }
        );
        assert_eq!(
            l("B SS+2"),
            LinkSpec {
                pred: "B".into(),
                kind: LinkKind::SS,
                lag: 2.0
            }
        );
        assert_eq!(
            l("C ff-1.5"),
            LinkSpec {
                pred: "C".into(),
                kind: LinkKind::FF,
                lag: -1.5
            }
        );
        assert_eq!(
            l("D SF+1w"),
            LinkSpec {
                pred: "D".into(),
                kind: LinkKind::SF,
                lag: 5.0
            }
        );
        assert_eq!(
            l("E +3d"),
            LinkSpec {
                pred: "E".into(),
                kind: LinkKind::FS,
                lag: 3.0
            }
        );
        assert_eq!(
            l("F FS + 2"),
            LinkSpec {
                pred: "F".into(),
                kind: LinkKind::FS,
                lag: 2.0
            }
        );
        assert!(parse_link("G XX").is_err());
        assert!(parse_link("G SS+abc").is_err());
    }
}
