//! Cycle time from a tracker export: how long items take from start to finish, the
//! service level expectation ("85 % of our items finish within N days") with the
//! uncertainty of that percentile, and the work in progress already older than it.
//!
//! A cycle time counts days inclusively, as ActionableAgile does: an item started and
//! finished on the same day took 1 day. Working days count the days of the working week
//! from the start to the finish, both included.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use statrs::distribution::{Binomial, DiscreteCDF};

use crate::error::{Diagnostic, Error, Result};
use crate::plan::Workweek;
use crate::plan::workitems::{Stage, WorkItem, WorkItems};

/// Serializes a day as `YYYY-MM-DD`.
fn iso<S: serde::Serializer>(d: &NaiveDate, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&d.format("%Y-%m-%d").to_string())
}

/// The percentiles reported besides the SLE (ActionableAgile's lines).
pub const LEVELS: [f64; 4] = [50.0, 70.0, 85.0, 95.0];

/// The confidence of the interval given for the SLE's percentile.
pub const INTERVAL: f64 = 0.90;

/// Finished items below which the SLE carries a warning.
pub const FEW: usize = 30;

/// What `slipcast cycletime` asks.
#[derive(Debug, Clone)]
pub struct CycleRequest {
    /// The service level expectation's percentile (e.g. 85).
    pub sle: f64,
    /// The working week, for working days.
    pub workweek: Workweek,
    /// The day ages are taken on (default: the latest date in the export).
    pub as_of: Option<NaiveDate>,
    /// Only items finished on or after this day count in the history.
    pub since: Option<NaiveDate>,
}

impl Default for CycleRequest {
    fn default() -> Self {
        CycleRequest {
            sle: 85.0,
            workweek: Workweek::default(),
            as_of: None,
            since: None,
        }
    }
}

/// One finished item.
#[derive(Debug, Clone, Serialize)]
pub struct Finished {
    /// Its key or id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its type.
    pub kind: String,
    /// Start day.
    #[serde(serialize_with = "iso")]
    pub started: NaiveDate,
    /// Finish day.
    #[serde(serialize_with = "iso")]
    pub done: NaiveDate,
    /// Calendar days, start and finish included.
    pub days: u32,
    /// Working days, start and finish included.
    pub working_days: u32,
}

/// One item in progress.
#[derive(Debug, Clone, Serialize)]
pub struct Aging {
    /// Its key or id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its status.
    pub status: String,
    /// Start day.
    #[serde(serialize_with = "iso")]
    pub started: NaiveDate,
    /// Calendar days since its start, the start and the as-of day included.
    pub age: u32,
    /// Working days of its age.
    pub age_working: u32,
    /// The share of finished items that took longer than its age so far.
    pub share_longer: f64,
    /// Whether it is older than the SLE.
    pub over_sle: bool,
}

/// A percentile of cycle time.
#[derive(Debug, Clone, Serialize)]
pub struct Level {
    /// The percentile (e.g. 85).
    pub level: f64,
    /// Calendar days.
    pub days: u32,
    /// Working days.
    pub working_days: u32,
}

/// The service level expectation and how sure it is.
#[derive(Debug, Clone, Serialize)]
pub struct Sle {
    /// Its percentile.
    pub level: f64,
    /// Calendar days within which that share of items finished.
    pub days: u32,
    /// The same in working days.
    pub working_days: u32,
    /// A 90 % distribution-free interval of that percentile, in calendar days
    /// (order statistics): `None` at an end the history is too short to bound.
    pub interval: (Option<u32>, Option<u32>),
    /// The SLE in words.
    pub reading: String,
}

/// Cycle times of an export.
#[derive(Debug, Clone, Serialize)]
pub struct CycleTime {
    /// The file.
    pub file: String,
    /// What the file is.
    pub source: String,
    /// Finished items with both dates, by finish day.
    pub finished: Vec<Finished>,
    /// P50, P70, P85, P95 (and the SLE's, if another).
    pub levels: Vec<Level>,
    /// The service level expectation.
    pub sle: Sle,
    /// Items in progress, oldest first.
    pub aging: Vec<Aging>,
    /// The day ages are taken on.
    #[serde(serialize_with = "iso")]
    pub as_of: NaiveDate,
    /// How the file was read and what was left out.
    pub notes: Vec<String>,
}

/// Working days of `week` from `a` to `b`, both included (0 when `b < a`).
pub fn working_days(a: NaiveDate, b: NaiveDate, week: &Workweek) -> u32 {
    if b < a {
        return 0;
    }
    let days = (b - a).num_days() + 1;
    let per_week = week.0.iter().filter(|&&w| w).count() as i64;
    let mut n = days / 7 * per_week;
    let first = a.weekday().num_days_from_monday() as i64;
    for k in 0..days % 7 {
        if week.0[((first + k) % 7) as usize] {
            n += 1;
        }
    }
    n as u32
}

/// The SPEC §2 percentile of sorted values: the smallest x with F̂(x) ≥ p.
fn pct(sorted: &[u32], p: f64) -> u32 {
    let k = ((p * sorted.len() as f64 / 100.0 - 1e-9).ceil() as usize).clamp(1, sorted.len());
    sorted[k - 1]
}

/// Ranks (1-based) `(r, s)` of the order statistics bounding the `p` quantile of `n`
/// values with confidence at least [`INTERVAL`]: P(x₍ᵣ₎ ≤ q ≤ x₍ₛ₎) ≥ 0.90 for any
/// continuous distribution, with the lower rank from a 5 % tail and the upper from a
/// 5 % tail of Binomial(n, p). `None` where no rank is that far out (too few values).
pub fn order_interval(n: usize, p: f64) -> (Option<usize>, Option<usize>) {
    let tail = (1.0 - INTERVAL) / 2.0;
    let Ok(b) = Binomial::new(p, n as u64) else {
        return (None, None);
    };
    // x₍ᵣ₎ ≤ q unless fewer than r values are ≤ q: P(B ≤ r − 1) ≤ tail.
    let mut r = None;
    for k in 1..=n {
        if b.cdf((k - 1) as u64) <= tail {
            r = Some(k);
        } else {
            break;
        }
    }
    // x₍ₛ₎ ≥ q unless at least s values are < q: P(B ≥ s) ≤ tail.
    let s = (1..=n).find(|&k| 1.0 - b.cdf((k - 1) as u64) <= tail);
    (r, s)
}

/// Cycle times of the items `kept` of `all`.
pub fn cycletime(all: &WorkItems, kept: &[&WorkItem], req: &CycleRequest) -> Result<CycleTime> {
    if !(req.sle > 0.0 && req.sle < 100.0) {
        return Err(Error::Argument {
            arg: crate::error::Arg::Percentiles,
            message: format!(
                " --sle {} is out of range: a percentile above 0 and below 100",
                req.sle
            ),
        });
    }
    let mut notes = all.notes.clone();
    notes.extend(all.containers_note(kept));
    let (mut no_start, mut backwards) = (0usize, Vec::new());
    let mut finished: Vec<Finished> = Vec::new();
    for i in kept.iter().filter(|i| i.stage == Stage::Done) {
        let Some(done) = i.done else { continue };
        if req.since.is_some_and(|s| done < s) {
            continue;
        }
        let Some(started) = i.started else {
            no_start += 1;
            continue;
        };
        if done < started {
            backwards.push(format!("{} (line {})", i.id, i.line));
            continue;
        }
        finished.push(Finished {
            id: i.id.clone(),
            title: i.title.clone(),
            kind: i.kind.clone(),
            started,
            done,
            days: ((done - started).num_days() + 1) as u32,
            working_days: working_days(started, done, &req.workweek),
        });
    }
    if no_start > 0 {
        notes.push(format!(
            "{}: {no_start} finished items have no start date and no cycle time ({})",
            all.file,
            match all.source {
                crate::plan::workitems::Source::Jira =>
                    "export a start column such as Start date, or Status Category Changed for items in progress",
                crate::plan::workitems::Source::AzureDevOps => "export Activated Date",
                crate::plan::workitems::Source::Plain => "give the start column",
            }
        ));
    }
    if !backwards.is_empty() {
        notes.push(format!(
            "{}: {} items finish before they start and are left out: {}",
            all.file,
            backwards.len(),
            backwards
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if finished.is_empty() && kept.iter().all(|i| i.started.is_none()) {
        let (col, fix) = match all.source {
            crate::plan::workitems::Source::Jira => (
                "Start date",
                "export the Start date field (Custom field (Start date)) with the issues; Jira's CSV has no status history",
            ),
            crate::plan::workitems::Source::AzureDevOps => (
                "Activated Date",
                "add the Activated Date column to the query before exporting",
            ),
            crate::plan::workitems::Source::Plain => ("start", "add a start column (YYYY-MM-DD)"),
        };
        return Err(Error::Invalid(vec![
            Diagnostic::new(
                &all.file,
                format!("no item has a start date, so no cycle time can be measured ({col})"),
            )
            .line(1)
            .column(col)
            .fix(fix),
        ]));
    }
    if finished.is_empty() {
        return Err(Error::Invalid(vec![
            Diagnostic::new(
                &all.file,
                format!(
                    "none of the {} items selected is finished with both a start and a finish date",
                    kept.len()
                ),
            )
            .fix("export the start (Activated Date, Start date) and finish (Closed Date, Resolved) columns, and check --type, --exclude-status and --since"),
        ]));
    }
    finished.sort_by(|a, b| (a.done, a.started, &a.id).cmp(&(b.done, b.started, &b.id)));
    let mut days: Vec<u32> = finished.iter().map(|f| f.days).collect();
    let mut work: Vec<u32> = finished.iter().map(|f| f.working_days).collect();
    days.sort_unstable();
    work.sort_unstable();
    let mut wanted: Vec<f64> = LEVELS.to_vec();
    if !wanted.contains(&req.sle) {
        wanted.push(req.sle);
        wanted.sort_by(f64::total_cmp);
    }
    let levels: Vec<Level> = wanted
        .iter()
        .map(|&p| Level {
            level: p,
            days: pct(&days, p),
            working_days: pct(&work, p),
        })
        .collect();
    let n = days.len();
    let (r, s) = order_interval(n, req.sle / 100.0);
    let interval = (r.map(|k| days[k - 1]), s.map(|k| days[k - 1]));
    let (sd, sw) = (pct(&days, req.sle), pct(&work, req.sle));
    let lvl = crate::stats::round4(req.sle);
    let mut reading = format!(
        "{lvl} % of items finished within {sd} days ({sw} working days) of starting, over {n} finished items"
    );
    match interval {
        (Some(a), Some(b)) => reading.push_str(&format!(
            "; the percentile is known to within {a}–{b} days (90 % interval)"
        )),
        (Some(a), None) => reading.push_str(&format!(
            "; too few items to bound it from above: at least {a} days (90 % confidence)"
        )),
        _ => reading.push_str("; too few items to bound it"),
    }
    if n < FEW {
        notes.push(format!(
            "only {n} finished items: an SLE from fewer than {FEW} is rough, see its interval"
        ));
    }
    let as_of = req.as_of.or(all.latest).unwrap_or(finished[n - 1].done);
    let mut aging: Vec<Aging> = Vec::new();
    let mut future = 0usize;
    for i in kept.iter().filter(|i| i.stage == Stage::InProgress) {
        let Some(started) = i.started else { continue };
        if started > as_of {
            future += 1;
            continue;
        }
        let age = ((as_of - started).num_days() + 1) as u32;
        let longer = n - days.partition_point(|&d| d <= age);
        aging.push(Aging {
            id: i.id.clone(),
            title: i.title.clone(),
            status: i.status.clone(),
            started,
            age,
            age_working: working_days(started, as_of, &req.workweek),
            share_longer: longer as f64 / n as f64,
            over_sle: age > sd,
        });
    }
    if future > 0 {
        notes.push(format!(
            "{future} items in progress start after {as_of} and have no age yet"
        ));
    }
    aging.sort_by(|a, b| b.age.cmp(&a.age).then_with(|| a.id.cmp(&b.id)));
    Ok(CycleTime {
        file: all.file.clone(),
        source: all.source.name().to_string(),
        finished,
        levels,
        sle: Sle {
            level: req.sle,
            days: sd,
            working_days: sw,
            interval,
            reading,
        },
        aging,
        as_of,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn working_days_count_both_ends() {
        let w = Workweek::default();
        // Monday to Friday: 5; Friday to Monday: 2; a Saturday alone: 0.
        assert_eq!(working_days(d(2024, 1, 1), d(2024, 1, 5), &w), 5);
        assert_eq!(working_days(d(2024, 1, 5), d(2024, 1, 8), &w), 2);
        assert_eq!(working_days(d(2024, 1, 6), d(2024, 1, 6), &w), 0);
        // Against a day-by-day count over many spans.
        for a in 0..30 {
            for len in 0..40 {
                let s = d(2024, 1, 1) + chrono::Days::new(a);
                let e = s + chrono::Days::new(len);
                let slow = (0..=len)
                    .filter(|k| (s + chrono::Days::new(*k)).weekday().num_days_from_monday() < 5)
                    .count() as u32;
                assert_eq!(working_days(s, e, &w), slow);
            }
        }
    }

    #[test]
    fn order_interval_has_its_binomial_coverage() {
        // n = 40, p = 0.85: r is the largest with P(B ≤ r − 1) ≤ 0.05, s the smallest with
        // P(B ≥ s) ≤ 0.05; their coverage is P(r ≤ B ≤ s − 1) ≥ 0.90.
        let (r, s) = order_interval(40, 0.85);
        let (r, s) = (r.unwrap(), s.unwrap());
        let b = Binomial::new(0.85, 40).unwrap();
        assert!(b.cdf((r - 1) as u64) <= 0.05 && b.cdf(r as u64) > 0.05);
        assert!(1.0 - b.cdf((s - 1) as u64) <= 0.05 && 1.0 - b.cdf((s - 2) as u64) > 0.05);
        assert!(b.cdf((s - 1) as u64) - b.cdf((r - 1) as u64) >= 0.90);
        // Ten values cannot bound an 85th percentile from above at 5 %: 0.85^10 = 0.197.
        assert_eq!(order_interval(10, 0.85).1, None);
        assert!(order_interval(10, 0.85).0.is_some());
    }
}
