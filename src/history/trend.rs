//! Forecast trend and scoring (`slipcast trend`): how each milestone's forecast moved
//! over the recordings of `run --record`, and, once its actual finish is known, how
//! honest the recorded forecasts were.
//!
//! Scoring compares each recorded forecast made before the actual with the actual:
//! - the band the actual fell in: before P10, P10–P50, after P50 to P80, after P80 to
//!   P90, after P90 (a date on a percentile counts as within it: P80 is the date by
//!   which 80 % of futures finish). A calibrated forecaster's actuals fall in them 10,
//!   40, 30, 10 and 10 % of the time; the P10–P90 band holds 80 %;
//! - the PIT, the forecast's cumulative probability at the actual, interpolated
//!   linearly in days between the recorded percentiles (known only inside P10–P90);
//! - the Brier score of `p_target` against whether the target was met;
//! - the error of P50 in working days (actual minus P50: positive is late), by whole
//!   months between recording and actual.
//!
//! Forecasts of one milestone share one actual, so they are not independent: the
//! confidence interval of a share uses the number of milestones, not of forecasts, as
//! its sample size.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::{Diagnostic, Diags, Error, Result};
use crate::model::calendar::Calendar;
use crate::plan::sheet::{Sheet, read_limited};
use crate::plan::{Holiday, Plan, Workweek};

/// The record's columns, in order.
pub const COLUMNS: [&str; 13] = [
    "recorded_at",
    "plan",
    "milestone",
    "deterministic",
    "p10_date",
    "p50_date",
    "p80_date",
    "p90_date",
    "target",
    "p_target",
    "iterations",
    "seed",
    "plan_hash",
];

/// The percentiles a record holds.
pub const LEVELS: [f64; 4] = [10.0, 50.0, 80.0, 90.0];

/// The bands an actual can fall in, and the share of actuals a calibrated forecaster
/// puts in each.
pub const BANDS: [(&str, f64); 5] = [
    ("before P10", 0.1),
    ("P10–P50", 0.4),
    ("P50–P80", 0.3),
    ("P80–P90", 0.1),
    ("after P90", 0.1),
];

/// Fewer finished milestones than this and a score says it cannot judge yet.
pub const MIN_MILESTONES: usize = 5;

/// Days in an average month, for "months before the actual".
const MONTH_DAYS: f64 = 30.4375;

/// One recorded forecast of one milestone (a row of the record).
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// 1-based line in the record.
    pub line: u64,
    /// The plan's status date at the run (or the day of the run).
    pub recorded_at: NaiveDate,
    /// The plan's name.
    pub plan: String,
    /// The milestone's id.
    pub milestone: String,
    /// The single-point plan's date.
    pub deterministic: NaiveDate,
    /// P10, P50, P80 and P90 dates.
    pub p: [NaiveDate; 4],
    /// The milestone's target date, when it has one.
    pub target: Option<NaiveDate>,
    /// The forecast chance of meeting the target.
    pub p_target: Option<f64>,
    /// The run's iterations.
    pub iterations: u64,
    /// The run's seed.
    pub seed: u64,
    /// The hash of the run's inputs.
    pub plan_hash: String,
}

/// A milestone's actual finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actual {
    /// The plan it belongs to (`None`: the milestone of that id in every plan).
    pub plan: Option<String>,
    /// The milestone's id.
    pub milestone: String,
    /// The day it finished.
    pub finish: NaiveDate,
}

fn sheet_of(
    bytes: &[u8],
    file: &str,
    known: &[&'static str],
    required: &[&'static str],
) -> Result<Sheet> {
    let mut diags = Diags::default();
    let sheet = Sheet::parse(bytes, file, known, required, &mut diags);
    match sheet {
        Some(s) if diags.is_empty() => Ok(s),
        _ => Err(Error::Invalid(diags.0)),
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    let file = path.display().to_string();
    let mut diags = Diags::default();
    match read_limited(path, &file, &mut diags)? {
        Some(b) => Ok(b),
        None => Err(Error::Invalid(diags.0)),
    }
}

/// Checks that `text` starts with the record's header; the error names the file.
pub fn check_header(text: &str, file: &str) -> Result<()> {
    let first = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .lines()
        .next()
        .unwrap_or("");
    if first.trim_end() == COLUMNS.join(",") {
        return Ok(());
    }
    Err(Error::Invalid(vec![
        Diagnostic::new(
            file,
            format!("the columns are \"{first}\", not slipcast's forecast record"),
        )
        .line(1)
        .fix(format!(
            "give a file written by `slipcast run PLAN --record FILE`, with the columns {}",
            COLUMNS.join(",")
        )),
    ]))
}

/// Reads a record written by `run --record`.
pub fn load_record(path: &Path) -> Result<Vec<Recorded>> {
    parse_record(&read(path)?, &path.display().to_string())
}

/// Parses a record held in memory, shown to the user as `file`: every row checked
/// (dates, percentiles in order, `p_target` a probability), every problem reported.
pub fn parse_record(bytes: &[u8], file: &str) -> Result<Vec<Recorded>> {
    check_header(&String::from_utf8_lossy(bytes), file)?;
    let sheet = sheet_of(bytes, file, &COLUMNS, &COLUMNS)?;
    let mut diags = Diags::default();
    let mut out = Vec::with_capacity(sheet.rows.len());
    for row in &sheet.rows {
        let text = |col: &str, diags: &mut Diags| {
            let v = sheet.get(row, col).map(str::to_string);
            if v.is_none() {
                diags.push(sheet.diag(row, col, format!("the row has no {col}")).fix(
                    "the record was edited by hand: restore the row from a backup, or delete it",
                ));
            }
            v
        };
        let date = |col: &str, diags: &mut Diags| match sheet.get(row, col) {
            Some(_) => sheet.date(row, col, diags),
            None => {
                diags.push(sheet.diag(row, col, format!("the row has no {col}")).fix(
                    "the record was edited by hand: restore the row from a backup, or delete it",
                ));
                None
            }
        };
        let count = |col: &str, diags: &mut Diags| {
            let v = sheet.get(row, col)?;
            match v.parse::<u64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    diags.push(
                        sheet
                            .diag(row, col, format!("expected a whole number, found \"{v}\""))
                            .fix("the record was edited by hand: restore the row from a backup, or delete it"),
                    );
                    None
                }
            }
        };
        let recorded_at = date("recorded_at", &mut diags);
        let plan = text("plan", &mut diags);
        let milestone = text("milestone", &mut diags);
        let deterministic = date("deterministic", &mut diags);
        let p = [
            date("p10_date", &mut diags),
            date("p50_date", &mut diags),
            date("p80_date", &mut diags),
            date("p90_date", &mut diags),
        ];
        let target = sheet.date(row, "target", &mut diags);
        let p_target = sheet.probability(row, "p_target", &mut diags);
        let iterations = count("iterations", &mut diags);
        let seed = count("seed", &mut diags);
        let plan_hash = sheet.get(row, "plan_hash").unwrap_or("").to_string();
        let (
            Some(recorded_at),
            Some(plan),
            Some(milestone),
            Some(deterministic),
            [Some(p10), Some(p50), Some(p80), Some(p90)],
        ) = (recorded_at, plan, milestone, deterministic, p)
        else {
            continue;
        };
        if !(p10 <= p50 && p50 <= p80 && p80 <= p90) {
            diags.push(
                sheet
                    .diag(
                        row,
                        "p10_date",
                        format!("the percentiles are out of order: P10 {p10}, P50 {p50}, P80 {p80}, P90 {p90}"),
                    )
                    .subject(&milestone)
                    .fix("the record was edited by hand: restore the row from a backup, or delete it"),
            );
            continue;
        }
        out.push(Recorded {
            line: row.line,
            recorded_at,
            plan,
            milestone,
            deterministic,
            p: [p10, p50, p80, p90],
            target,
            p_target,
            iterations: iterations.unwrap_or(0),
            seed: seed.unwrap_or(0),
            plan_hash,
        });
    }
    if diags.is_empty() && out.is_empty() {
        diags.push(
            Diagnostic::new(file, "the record holds no forecasts yet")
                .fix("record a run first: slipcast run PLAN --record FILE"),
        );
    }
    diags.finish(out)
}

/// Reads an actuals file: `milestone, actual_finish` rows, with an optional `plan`
/// column when milestones of several plans share ids.
pub fn load_actuals(path: &Path) -> Result<Vec<Actual>> {
    parse_actuals(&read(path)?, &path.display().to_string())
}

/// Parses an actuals file held in memory. A milestone given two different dates is an
/// error; the same date twice is one actual.
pub fn parse_actuals(bytes: &[u8], file: &str) -> Result<Vec<Actual>> {
    let sheet = sheet_of(
        bytes,
        file,
        &["milestone", "actual_finish", "plan", "name"],
        &["milestone", "actual_finish"],
    )?;
    let mut diags = Diags::default();
    let mut out: Vec<Actual> = Vec::with_capacity(sheet.rows.len());
    let mut seen: HashMap<(Option<String>, String), (NaiveDate, u64)> = HashMap::new();
    for row in &sheet.rows {
        let Some(milestone) = sheet.get(row, "milestone") else {
            if sheet.get(row, "actual_finish").is_some() {
                diags.push(
                    sheet
                        .diag(row, "milestone", "the row has a date but no milestone")
                        .fix("give the milestone's id, as in the record's milestone column"),
                );
            }
            continue;
        };
        let Some(finish) = sheet.date(row, "actual_finish", &mut diags) else {
            continue;
        };
        let plan = sheet.get(row, "plan").map(str::to_string);
        let key = (plan.clone(), milestone.to_string());
        if let Some(&(other, line)) = seen.get(&key) {
            if other != finish {
                diags.push(
                    sheet
                        .diag(
                            row,
                            "actual_finish",
                            format!("{milestone} finished on {other} by line {line}, and on {finish} here"),
                        )
                        .subject(milestone)
                        .fix("keep one actual finish per milestone"),
                );
            }
            continue;
        }
        seen.insert(key, (finish, row.line));
        out.push(Actual {
            plan,
            milestone: milestone.to_string(),
            finish,
        });
    }
    diags.finish(out)
}

/// How scores are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Grouping {
    /// One score per milestone (and one over all).
    #[default]
    Milestone,
    /// One score per plan (and one over all): a portfolio's plans side by side.
    Plan,
}

/// What `slipcast trend` is asked.
#[derive(Debug, Clone, Default)]
pub struct TrendRequest {
    /// How scores are grouped.
    pub by: Grouping,
    /// The working week that errors are counted in.
    pub workweek: Workweek,
    /// Holidays not counted as working days.
    pub holidays: Vec<Holiday>,
    /// Only these milestones (by id; empty: every milestone recorded).
    pub milestones: Vec<String>,
}

/// One recording of a milestone's forecast, and its score once the actual is known.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// 1-based line in the record.
    pub line: u64,
    /// Status date of the recording.
    pub recorded_at: String,
    /// The single-point plan's date.
    pub deterministic: String,
    /// P10 date.
    pub p10: String,
    /// P50 date.
    pub p50: String,
    /// P80 date.
    pub p80: String,
    /// P90 date.
    pub p90: String,
    /// The target date, when set.
    pub target: Option<String>,
    /// The forecast chance of meeting it.
    pub p_target: Option<f64>,
    /// How far P80 moved since the previous recording, in working days (later is
    /// positive); `None` for the first.
    pub p80_move: Option<i64>,
    /// The same move in calendar days.
    pub p80_move_days: Option<i64>,
    /// Scored: the band the actual fell in (an index into [`BANDS`]).
    pub band: Option<usize>,
    /// Scored: the forecast's cumulative probability at the actual (inside P10–P90).
    pub pit: Option<f64>,
    /// Scored: actual minus P50 in working days (positive: later than P50).
    pub p50_error: Option<i64>,
    /// Scored: whole months from the recording to the actual.
    pub months_before: Option<u32>,
    /// Scored, with a target: whether the actual met it.
    pub met_target: Option<bool>,
}

/// A milestone's recordings, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    /// The plan's name.
    pub plan: String,
    /// The milestone's id.
    pub milestone: String,
    /// Its actual finish, when known.
    pub actual: Option<String>,
    /// One recording per status date (a later run on the same date replaces it).
    pub points: Vec<Point>,
    /// Recordings replaced by a later run on the same status date.
    pub replaced: usize,
    /// Recordings made on or after the actual, which are not forecasts and not scored.
    pub after_actual: usize,
}

/// How honest the scored forecasts of a group were.
#[derive(Debug, Clone, Serialize)]
pub struct Score {
    /// A milestone (`plan: id` when the record holds several plans), a plan, or `all`.
    pub group: String,
    /// Finished milestones scored.
    pub milestones: usize,
    /// Forecasts scored.
    pub forecasts: usize,
    /// The share of actuals in each of [`BANDS`].
    pub bands: [f64; 5],
    /// The share inside P10–P90 (80 % when calibrated).
    pub inside: f64,
    /// A 90 % interval for `inside` (Wilson's, with the milestones as sample size).
    pub inside_interval: (f64, f64),
    /// The share on or before P50 (50 % when calibrated).
    pub by_p50: f64,
    /// The share on or before P80 (80 % when calibrated).
    pub by_p80: f64,
    /// What the shares say, in words.
    pub verdict: String,
    /// Mean of actual minus P50, in working days (positive: forecasts were early).
    pub bias: f64,
    /// Mean absolute error of P50, in working days.
    pub mae: f64,
    /// The Brier score of `p_target` (0 perfect; a constant 50 % scores 0.25).
    pub brier: Option<f64>,
    /// Forecasts with a target that the Brier score covers.
    pub brier_forecasts: usize,
    /// The share of those whose target was met.
    pub met: Option<f64>,
}

/// The error of P50 by how long before the actual it was recorded, over every scored
/// forecast.
#[derive(Debug, Clone, Serialize)]
pub struct Accuracy {
    /// Whole months between the recording and the actual.
    pub months_before: u32,
    /// Forecasts.
    pub forecasts: usize,
    /// Mean absolute error of P50 in working days.
    pub mae: f64,
    /// Mean of actual minus P50 in working days.
    pub bias: f64,
}

/// A move of a milestone's P80 between two consecutive recordings.
#[derive(Debug, Clone, Serialize)]
pub struct Move {
    /// The plan's name.
    pub plan: String,
    /// The milestone's id.
    pub milestone: String,
    /// The earlier recording's status date.
    pub from: String,
    /// The later recording's status date.
    pub to: String,
    /// P80 at the earlier recording.
    pub p80_before: String,
    /// P80 at the later one.
    pub p80_after: String,
    /// The move in working days (later is positive).
    pub working_days: i64,
    /// The move in calendar days.
    pub days: i64,
    /// The milestone's largest move (by size, the earliest of equals).
    pub largest: bool,
}

/// What `slipcast trend` reports: JSON is its serde form.
#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    /// How the scores are grouped.
    pub by: Grouping,
    /// One series per milestone, in the order first recorded.
    pub series: Vec<Series>,
    /// The scores: the groups, then `all` (empty when no actual is known).
    pub scores: Vec<Score>,
    /// The error of P50 by months before the actual, over all scored forecasts.
    pub accuracy: Vec<Accuracy>,
    /// Every move of P80 between consecutive recordings, in series order.
    pub moves: Vec<Move>,
    /// Actuals that match no recorded milestone.
    pub unmatched_actuals: Vec<String>,
}

impl Trend {
    /// Whether the record holds several plans (labels then name the plan).
    pub fn several_plans(&self) -> bool {
        self.series.iter().any(|s| s.plan != self.series[0].plan)
    }

    /// A series' label: its milestone, with its plan when the record holds several.
    pub fn label(&self, s: &Series) -> String {
        self.label_of(&s.plan, &s.milestone)
    }

    /// The label of a plan's milestone, as [`Trend::label`].
    pub fn label_of(&self, plan: &str, milestone: &str) -> String {
        if self.several_plans() {
            format!("{plan}: {milestone}")
        } else {
            milestone.to_string()
        }
    }

    /// The moves, largest first (by size; ties in series order).
    pub fn largest_moves(&self, n: usize) -> Vec<&Move> {
        let mut m: Vec<&Move> = self.moves.iter().filter(|m| m.working_days != 0).collect();
        m.sort_by_key(|m| std::cmp::Reverse(m.working_days.unsigned_abs()));
        m.truncate(n);
        m
    }
}

/// The band `actual` falls in for percentiles `p` (an index into [`BANDS`]).
pub fn band(p: &[NaiveDate; 4], actual: NaiveDate) -> usize {
    if actual < p[0] {
        0
    } else {
        1 + p[1..].iter().take_while(|&&d| actual > d).count()
    }
}

/// The PIT of `actual` under the recorded percentiles: the cumulative probability,
/// interpolated linearly in days between them; `None` outside P10–P90. On a day that
/// several percentiles share, the middle of their levels.
pub fn pit(p: &[NaiveDate; 4], actual: NaiveDate) -> Option<f64> {
    let levels = LEVELS.map(|l| l / 100.0);
    if actual < p[0] || actual > p[3] {
        return None;
    }
    let on: Vec<f64> = (0..4)
        .filter(|&i| p[i] == actual)
        .map(|i| levels[i])
        .collect();
    if let (Some(lo), Some(hi)) = (on.first(), on.last()) {
        return Some((lo + hi) / 2.0);
    }
    let i = p.iter().rposition(|&d| d < actual)?;
    let (a, b) = (p[i], p[i + 1]);
    let t = (actual - a).num_days() as f64 / (b - a).num_days() as f64;
    Some(levels[i] + t * (levels[i + 1] - levels[i]))
}

/// Wilson's score interval for a share `p` of `n`, at z (1.645: 90 %).
pub fn wilson(p: f64, n: usize, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n = n as f64;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// What a score's shares say, in words.
fn verdict(milestones: usize, inside: f64, interval: (f64, f64), bands: &[f64; 5]) -> String {
    if milestones < MIN_MILESTONES {
        return format!(
            "too few finished milestones to judge ({milestones}; at least {MIN_MILESTONES})"
        );
    }
    let (lo, hi) = interval;
    let side = if bands[4] > bands[0] {
        "actuals land after P90 more often than before P10: forecasts are optimistic"
    } else {
        "actuals land before P10 more often than after P90: forecasts are pessimistic"
    };
    if hi < 0.8 {
        format!(
            "bands too narrow: {:.0} % inside P10–P90, 80 % expected; {side}",
            inside * 100.0
        )
    } else if lo > 0.8 {
        format!(
            "bands too wide: {:.0} % inside P10–P90, 80 % expected",
            inside * 100.0
        )
    } else {
        format!(
            "consistent with calibrated forecasts: {:.0} % inside P10–P90, 80 % expected",
            inside * 100.0
        )
    }
}

/// A scored forecast, for the scores' sums.
struct Scored<'a> {
    group: &'a str,
    milestone: usize,
    band: usize,
    error: i64,
    months: u32,
    brier: Option<(f64, bool)>,
}

fn score(group: &str, xs: &[&Scored]) -> Score {
    let n = xs.len() as f64;
    let mut counts = [0usize; 5];
    for x in xs {
        counts[x.band] += 1;
    }
    let bands = counts.map(|c| c as f64 / n);
    let mut ms: Vec<usize> = xs.iter().map(|x| x.milestone).collect();
    ms.sort_unstable();
    ms.dedup();
    let inside = (counts[1] + counts[2] + counts[3]) as f64 / n;
    let interval = wilson(inside, ms.len(), 1.645);
    let briers: Vec<(f64, bool)> = xs.iter().filter_map(|x| x.brier).collect();
    let bn = briers.len() as f64;
    Score {
        group: group.to_string(),
        milestones: ms.len(),
        forecasts: xs.len(),
        bands,
        inside,
        inside_interval: interval,
        by_p50: (counts[0] + counts[1]) as f64 / n,
        by_p80: (counts[0] + counts[1] + counts[2]) as f64 / n,
        verdict: verdict(ms.len(), inside, interval, &bands),
        bias: xs.iter().map(|x| x.error as f64).sum::<f64>() / n,
        mae: xs.iter().map(|x| x.error.abs() as f64).sum::<f64>() / n,
        brier: (!briers.is_empty()).then(|| {
            briers
                .iter()
                .map(|&(p, met)| (p - f64::from(u8::from(met))).powi(2))
                .sum::<f64>()
                / bn
        }),
        brier_forecasts: briers.len(),
        met: (!briers.is_empty()).then(|| briers.iter().filter(|b| b.1).count() as f64 / bn),
    }
}

/// The actual finish of (plan, milestone): a plan's own actual first, then one for
/// every plan.
fn actual_of<'a>(
    actuals: &HashMap<(Option<&'a str>, &'a str), NaiveDate>,
    plan: &'a str,
    milestone: &'a str,
) -> Option<NaiveDate> {
    actuals
        .get(&(Some(plan), milestone))
        .or_else(|| actuals.get(&(None, milestone)))
        .copied()
}

/// The trend and scores of a record against known actuals. Cost: O(n log n) in the
/// record's rows, plus O(log holidays) per working-day count.
pub fn trend(rows: &[Recorded], actuals: &[Actual], req: &TrendRequest) -> Result<Trend> {
    let whole = rows;
    let chosen: Vec<Recorded>;
    let rows = if req.milestones.is_empty() {
        rows
    } else {
        let known: std::collections::HashSet<&str> =
            rows.iter().map(|r| r.milestone.as_str()).collect();
        let unknown: Vec<&str> = req
            .milestones
            .iter()
            .map(String::as_str)
            .filter(|m| !known.contains(m))
            .collect();
        if !unknown.is_empty() {
            let mut ids: Vec<&str> = known.into_iter().collect();
            ids.sort_unstable();
            return Err(Error::Argument {
                arg: crate::error::Arg::Milestones,
                message: format!(
                    " names milestones the record does not hold: {} (it holds {})",
                    unknown.join(", "),
                    crate::plan::sheet::listing(&ids, 8)
                ),
            });
        }
        let wanted: std::collections::HashSet<&str> =
            req.milestones.iter().map(String::as_str).collect();
        chosen = rows
            .iter()
            .filter(|r| wanted.contains(r.milestone.as_str()))
            .cloned()
            .collect();
        &chosen
    };
    let first = rows
        .iter()
        .flat_map(|r| {
            std::iter::once(r.recorded_at)
                .chain(r.p)
                .chain([r.deterministic])
        })
        .chain(actuals.iter().map(|a| a.finish))
        .min()
        .unwrap_or_default();
    let cal = Calendar::new(first, req.workweek, &req.holidays);
    let wd = |a: NaiveDate, b: NaiveDate| {
        cal.working_days_through(b) as i64 - cal.working_days_through(a) as i64
    };
    let by_key: HashMap<(Option<&str>, &str), NaiveDate> = actuals
        .iter()
        .map(|a| ((a.plan.as_deref(), a.milestone.as_str()), a.finish))
        .collect();

    // Series in the order first recorded; in each, one row per status date (the last
    // in file order), oldest first.
    let mut index: HashMap<(&str, &str), usize> = HashMap::new();
    let mut groups: Vec<BTreeMap<NaiveDate, Vec<&Recorded>>> = Vec::new();
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for r in rows {
        let k = (r.plan.as_str(), r.milestone.as_str());
        let i = *index.entry(k).or_insert_with(|| {
            keys.push(k);
            groups.push(BTreeMap::new());
            groups.len() - 1
        });
        groups[i].entry(r.recorded_at).or_default().push(r);
    }
    let mut series = Vec::with_capacity(keys.len());
    let mut moves = Vec::new();
    let mut scored: Vec<Scored> = Vec::new();
    for (si, ((plan, milestone), days)) in keys.iter().zip(&groups).enumerate() {
        let actual = actual_of(&by_key, plan, milestone);
        let mut points: Vec<Point> = Vec::with_capacity(days.len());
        let mut replaced = 0;
        let mut after_actual = 0;
        let mut prev: Option<&Recorded> = None;
        let first_move = moves.len();
        for rs in days.values() {
            replaced += rs.len() - 1;
            let r = rs[rs.len() - 1];
            let (p80_move, p80_move_days) = match prev {
                Some(q) => {
                    let m = wd(q.p[2], r.p[2]);
                    let d = (r.p[2] - q.p[2]).num_days();
                    moves.push(Move {
                        plan: plan.to_string(),
                        milestone: milestone.to_string(),
                        from: q.recorded_at.to_string(),
                        to: r.recorded_at.to_string(),
                        p80_before: q.p[2].to_string(),
                        p80_after: r.p[2].to_string(),
                        working_days: m,
                        days: d,
                        largest: false,
                    });
                    (Some(m), Some(d))
                }
                None => (None, None),
            };
            prev = Some(r);
            let mut pt = Point {
                line: r.line,
                recorded_at: r.recorded_at.to_string(),
                deterministic: r.deterministic.to_string(),
                p10: r.p[0].to_string(),
                p50: r.p[1].to_string(),
                p80: r.p[2].to_string(),
                p90: r.p[3].to_string(),
                target: r.target.map(|d| d.to_string()),
                p_target: r.p_target,
                p80_move,
                p80_move_days,
                band: None,
                pit: None,
                p50_error: None,
                months_before: None,
                met_target: None,
            };
            if let Some(a) = actual {
                if r.recorded_at >= a {
                    after_actual += 1;
                } else {
                    let b = band(&r.p, a);
                    let error = wd(r.p[1], a);
                    let months = ((a - r.recorded_at).num_days() as f64 / MONTH_DAYS) as u32;
                    let met = r.target.map(|t| a <= t);
                    pt.band = Some(b);
                    pt.pit = pit(&r.p, a);
                    pt.p50_error = Some(error);
                    pt.months_before = Some(months);
                    pt.met_target = met;
                    scored.push(Scored {
                        group: "",
                        milestone: si,
                        band: b,
                        error,
                        months,
                        brier: r.p_target.zip(met),
                    });
                }
            }
            points.push(pt);
        }
        // The milestone's largest move: by size, the earliest of equals.
        if let Some(m) = moves[first_move..]
            .iter_mut()
            .filter(|m| m.working_days != 0)
            .rev()
            .max_by_key(|m| m.working_days.unsigned_abs())
        {
            m.largest = true;
        }
        series.push(Series {
            plan: plan.to_string(),
            milestone: milestone.to_string(),
            actual: actual.map(|d| d.to_string()),
            points,
            replaced,
            after_actual,
        });
    }
    let mut trend = Trend {
        by: req.by,
        series,
        scores: Vec::new(),
        accuracy: Vec::new(),
        moves,
        unmatched_actuals: Vec::new(),
    };
    let labels: Vec<String> = trend
        .series
        .iter()
        .map(|s| match req.by {
            Grouping::Milestone => trend.label(s),
            Grouping::Plan => s.plan.clone(),
        })
        .collect();
    for x in &mut scored {
        x.group = &labels[x.milestone];
    }
    // Groups in series order, then all.
    let mut order: Vec<&str> = Vec::new();
    let mut members: HashMap<&str, Vec<&Scored>> = HashMap::new();
    for x in &scored {
        let v = members.entry(x.group).or_insert_with(|| {
            order.push(x.group);
            Vec::new()
        });
        v.push(x);
    }
    for g in &order {
        trend.scores.push(score(g, &members[g]));
    }
    let all: Vec<&Scored> = scored.iter().collect();
    if !all.is_empty() && order.len() > 1 {
        trend.scores.push(score("all", &all));
    }
    let mut by_month: BTreeMap<u32, Vec<&Scored>> = BTreeMap::new();
    for x in &scored {
        by_month.entry(x.months).or_default().push(x);
    }
    for (months, xs) in by_month {
        let n = xs.len() as f64;
        trend.accuracy.push(Accuracy {
            months_before: months,
            forecasts: xs.len(),
            mae: xs.iter().map(|x| x.error.abs() as f64).sum::<f64>() / n,
            bias: xs.iter().map(|x| x.error as f64).sum::<f64>() / n,
        });
    }
    // Against the whole record: an actual of a milestone left out by `milestones`
    // still matches.
    let recorded: std::collections::HashSet<(&str, &str)> = whole
        .iter()
        .map(|r| (r.plan.as_str(), r.milestone.as_str()))
        .collect();
    let ids: std::collections::HashSet<&str> = whole.iter().map(|r| r.milestone.as_str()).collect();
    trend.unmatched_actuals = actuals
        .iter()
        .filter(|a| match &a.plan {
            Some(p) => !recorded.contains(&(p.as_str(), a.milestone.as_str())),
            None => !ids.contains(a.milestone.as_str()),
        })
        .map(|a| match &a.plan {
            Some(p) => format!("{p}: {}", a.milestone),
            None => a.milestone.clone(),
        })
        .collect();
    Ok(trend)
}

/// The actual finishes a plan's tasks.csv gives (its `actual_finish` column), as the
/// actuals of plan `name`.
pub fn plan_actuals(plan: &Plan, name: &str) -> Vec<Actual> {
    plan.tasks
        .iter()
        .filter_map(|t| {
            Some(Actual {
                plan: Some(name.to_string()),
                milestone: t.id.clone(),
                finish: t.actual_finish?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const HEAD: &str = "recorded_at,plan,milestone,deterministic,p10_date,p50_date,p80_date,p90_date,target,p_target,iterations,seed,plan_hash\n";

    #[test]
    fn bands_and_pit_by_hand() {
        let p = [
            d("2027-05-17"),
            d("2027-06-02"),
            d("2027-06-23"),
            d("2027-06-30"),
        ];
        assert_eq!(band(&p, d("2027-05-16")), 0);
        assert_eq!(band(&p, d("2027-05-17")), 1, "on P10 is inside");
        assert_eq!(band(&p, d("2027-06-02")), 1, "on P50 is by P50");
        assert_eq!(band(&p, d("2027-06-03")), 2);
        assert_eq!(band(&p, d("2027-06-23")), 2);
        assert_eq!(band(&p, d("2027-06-30")), 3);
        assert_eq!(band(&p, d("2027-07-01")), 4);
        assert_eq!(pit(&p, d("2027-05-16")), None);
        assert_eq!(pit(&p, d("2027-07-01")), None);
        assert_eq!(pit(&p, d("2027-06-02")), Some(0.5));
        // 14 of the 21 days from P50 to P80: 0.5 + 0.3 · 2/3.
        assert!((pit(&p, d("2027-06-16")).unwrap() - 0.7).abs() < 1e-12);
        // A day two percentiles share: the middle of their levels.
        let q = [
            d("2027-05-17"),
            d("2027-05-17"),
            d("2027-05-27"),
            d("2027-06-06"),
        ];
        assert!((pit(&q, d("2027-05-17")).unwrap() - 0.3).abs() < 1e-12);
        let (lo, hi) = wilson(0.8, 100, 1.645);
        // Wilson's 90 % interval for 80 of 100 (z² = 2.706): centre 0.81353 / 1.02706
        // = 0.79210, half-width 1.60166 · √(0.0016 + 0.0000677) = 0.06541.
        assert!(
            (lo - 0.7267).abs() < 1e-4 && (hi - 0.8575).abs() < 1e-4,
            "{lo} {hi}"
        );
    }

    #[test]
    fn a_milestone_scored_by_hand() {
        let text = format!(
            "{HEAD}\
             2027-01-04,ERP,GoLive,2027-05-03,2027-05-10,2027-05-24,2027-06-07,2027-06-14,2027-06-01,0.6,10000,1,aaaa\n\
             2027-02-01,ERP,GoLive,2027-05-17,2027-05-17,2027-05-31,2027-06-21,2027-06-28,2027-06-01,0.4,10000,1,bbbb\n\
             2027-02-01,ERP,GoLive,2027-05-17,2027-05-17,2027-06-02,2027-06-23,2027-06-30,2027-06-01,0.35,10000,1,cccc\n\
             2027-06-20,ERP,GoLive,2027-06-16,2027-06-16,2027-06-16,2027-06-16,2027-06-16,2027-06-01,0,10000,1,dddd\n"
        );
        let rows = parse_record(text.as_bytes(), "forecasts.csv").unwrap();
        assert_eq!(rows.len(), 4);
        let actuals = parse_actuals(
            b"milestone,actual_finish\nGoLive,2027-06-16\nGhost,2027-01-01\nGoLive,2027-06-16\n",
            "actuals.csv",
        )
        .unwrap();
        let t = trend(&rows, &actuals, &TrendRequest::default()).unwrap();
        assert_eq!(t.unmatched_actuals, vec!["Ghost".to_string()]);
        let s = &t.series[0];
        assert_eq!((s.points.len(), s.replaced, s.after_actual), (3, 1, 1));
        let (a, b, c) = (&s.points[0], &s.points[1], &s.points[2]);
        // Before P90? No: after it. P50 24 May to 16 June is 17 working days; 163 days
        // is 5 whole months; the target of 1 June was missed.
        assert_eq!((a.band, a.pit, a.p50_error), (Some(4), None, Some(17)));
        assert_eq!((a.months_before, a.met_target), (Some(5), Some(false)));
        // The 1 February run that replaced the first of that day: P50–P80, PIT 0.7.
        assert_eq!(b.line, 4);
        assert_eq!(
            (b.band, b.p50_error, b.months_before),
            (Some(2), Some(10), Some(4))
        );
        assert!((b.pit.unwrap() - 0.7).abs() < 1e-12);
        // P80 7 June → 23 June: 16 days, 12 working days; then back 5 working days.
        assert_eq!((b.p80_move, b.p80_move_days), (Some(12), Some(16)));
        assert_eq!(
            (c.p80_move, c.band),
            (Some(-5), None),
            "after the actual: not scored"
        );
        assert_eq!(t.moves.len(), 2);
        assert!(t.moves[0].largest && !t.moves[1].largest);
        assert_eq!(t.largest_moves(1)[0].to, "2027-02-01");
        assert_eq!(t.scores.len(), 1, "one milestone: no separate total");
        let sc = &t.scores[0];
        assert_eq!((sc.milestones, sc.forecasts), (1, 2));
        assert_eq!(sc.bands, [0.0, 0.0, 0.5, 0.0, 0.5]);
        assert_eq!((sc.inside, sc.by_p50, sc.by_p80), (0.5, 0.0, 0.5));
        assert_eq!((sc.bias, sc.mae), (13.5, 13.5));
        // (0.6 − 0)² and (0.35 − 0)², averaged.
        assert!((sc.brier.unwrap() - (0.36 + 0.1225) / 2.0).abs() < 1e-12);
        assert_eq!(sc.met, Some(0.0));
        assert!(sc.verdict.starts_with("too few"), "{}", sc.verdict);
        let acc: Vec<(u32, usize, f64)> = t
            .accuracy
            .iter()
            .map(|a| (a.months_before, a.forecasts, a.mae))
            .collect();
        assert_eq!(acc, vec![(4, 1, 10.0), (5, 1, 17.0)]);
    }

    #[test]
    fn a_portfolio_is_scored_by_plan_and_actuals_find_their_plan() {
        let text = format!(
            "{HEAD}\
             2027-01-04,A,GoLive,2027-05-03,2027-05-10,2027-05-24,2027-06-07,2027-06-14,,,100,1,a1\n\
             2027-01-04,B,GoLive,2027-05-03,2027-05-10,2027-05-24,2027-06-07,2027-06-14,,,100,1,b1\n\
             2027-01-04,B,Design,2027-02-01,2027-02-01,2027-02-05,2027-02-10,2027-02-12,,,100,1,b1\n\
             2027-02-01,A,GoLive,2027-05-17,2027-05-17,2027-06-02,2027-06-23,2027-06-30,,,100,1,a2\n"
        );
        let rows = parse_record(text.as_bytes(), "f.csv").unwrap();
        let actuals = parse_actuals(
            b"plan,milestone,actual_finish\nA,GoLive,2027-06-16\n,Design,2027-02-03\n",
            "a.csv",
        )
        .unwrap();
        let by_milestone = trend(&rows, &actuals, &TrendRequest::default()).unwrap();
        let labels: Vec<String> = by_milestone
            .series
            .iter()
            .map(|s| by_milestone.label(s))
            .collect();
        assert_eq!(labels, ["A: GoLive", "B: GoLive", "B: Design"]);
        let actual: Vec<Option<&str>> = by_milestone
            .series
            .iter()
            .map(|s| s.actual.as_deref())
            .collect();
        // A's actual is A's alone; one without a plan is every plan's.
        assert_eq!(actual, [Some("2027-06-16"), None, Some("2027-02-03")]);
        let groups: Vec<(&str, usize)> = by_milestone
            .scores
            .iter()
            .map(|s| (s.group.as_str(), s.forecasts))
            .collect();
        assert_eq!(groups, [("A: GoLive", 2), ("B: Design", 1), ("all", 3)]);
        let by_plan = trend(
            &rows,
            &actuals,
            &TrendRequest {
                by: Grouping::Plan,
                ..TrendRequest::default()
            },
        )
        .unwrap();
        let groups: Vec<(&str, usize, usize)> = by_plan
            .scores
            .iter()
            .map(|s| (s.group.as_str(), s.milestones, s.forecasts))
            .collect();
        assert_eq!(groups, [("A", 1, 2), ("B", 1, 1), ("all", 2, 3)]);
        // Design: 3 Feb between P10 (1 Feb) and P50 (5 Feb); GoLive as by hand above.
        assert_eq!(by_plan.scores[1].bands, [0.0, 1.0, 0.0, 0.0, 0.0]);
        assert_eq!(by_plan.scores[0].bands, [0.0, 0.0, 0.5, 0.0, 0.5]);
    }

    #[test]
    fn bad_records_and_actuals_name_the_line() {
        let other = parse_record(b"milestone,date\nM,2027-01-01\n", "f.csv").unwrap_err();
        assert!(
            other.to_string().contains("not slipcast's forecast record"),
            "{other}"
        );
        let empty = parse_record(HEAD.as_bytes(), "f.csv").unwrap_err();
        assert!(empty.to_string().contains("no forecasts yet"), "{empty}");
        let order = format!(
            "{HEAD}2027-01-04,ERP,GoLive,2027-05-03,2027-05-10,2027-06-24,2027-06-07,2027-06-14,,,10000,1,aaaa\n"
        );
        let e = parse_record(order.as_bytes(), "f.csv").unwrap_err();
        let Error::Invalid(ds) = &e else {
            panic!("{e}")
        };
        assert_eq!(ds[0].line, Some(2), "{e}");
        assert!(e.to_string().contains("out of order"), "{e}");
        let e = parse_actuals(
            b"milestone,actual_finish\nGoLive,2027-06-16\nGoLive,2027-06-18\n",
            "actuals.csv",
        )
        .unwrap_err();
        let Error::Invalid(ds) = &e else {
            panic!("{e}")
        };
        assert_eq!(ds[0].line, Some(3), "{e}");
        let e =
            parse_actuals(b"milestone,actual_finish\nGoLive,16/06/2027\n", "a.csv").unwrap_err();
        assert!(e.to_string().contains("actual_finish"), "{e}");
    }
}
