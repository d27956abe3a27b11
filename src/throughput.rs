//! Forecasting from delivery throughput (items done per week), by bootstrap.
//!
//! Each simulated week draws one week of the history's recent throughput at random
//! (with replacement); "when" sums draws until the backlog is done (the last week counted
//! in proportion to the items it needed), "how many" sums a fixed number of weeks.
//! Random numbers are keyed by (seed, iteration, week), so results are reproducible and
//! independent of threads.

use std::path::Path;

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

use crate::error::{Diagnostic, Diags, Error, Result};
use crate::plan::sheet::{Sheet, parse_date, parse_number};
use crate::sim::rng::mix64;
use crate::stats::round4;

/// Default number of most recent weeks sampled.
pub const DEFAULT_WINDOW: usize = 26;

/// Weeks beyond which a "when" forecast gives up (the history delivers almost nothing),
/// the longest "how many" horizon and the longest history read (about 192 years).
pub const MAX_WEEKS: usize = 10_000;

/// The most bootstrap iterations a throughput forecast takes (the percentiles of a
/// weekly bootstrap are settled long before).
pub const MAX_ITERATIONS: u64 = 100_000;

/// Draws one rolling-origin backtest may make in all (origins × trials × horizon): the
/// trials per origin shrink to fit, from 2,000 down to 200.
pub const BACKTEST_DRAWS: u64 = 200_000_000;

/// A weekly throughput history, oldest first, one entry per week (weeks without
/// completions are zeros).
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// File name, for messages.
    pub file: String,
    /// Items done per week.
    pub weeks: Vec<f64>,
    /// First week (Monday), when the history has dates.
    pub first_week: Option<NaiveDate>,
    /// How the file was read.
    pub notes: Vec<String>,
}

fn monday(d: NaiveDate) -> NaiveDate {
    d - Days::new(d.weekday().num_days_from_monday() as u64)
}

/// Whether a history of `n` weeks is within [`MAX_WEEKS`]; a diagnostic when not.
fn span_ok(n: usize, file: &str, diags: &mut Diags) -> bool {
    if n <= MAX_WEEKS {
        return true;
    }
    diags.push(
        Diagnostic::new(
            file,
            format!(
                "the history spans {n} weeks (about {} years); slipcast reads at most {MAX_WEEKS} weeks",
                n / 52
            ),
        )
        .fix("check the week column for a mistyped year, or keep the recent years"),
    );
    false
}

/// Reads a history: `week,done` rows (week a date or a week number; done a count), or one
/// row per item with its `done` date (counted per week), or any two-column file read as
/// week and count.
pub fn load(path: &Path) -> Result<History> {
    let file = path.display().to_string();
    let mut diags = Diags::default();
    match crate::plan::sheet::read_limited(path, &file, &mut diags)? {
        Some(bytes) => parse(&bytes, &file),
        None => Err(Error::Invalid(diags.0)),
    }
}

/// Parses a history held in memory (`file` names it in messages).
pub fn parse(bytes: &[u8], file: &str) -> Result<History> {
    let file = file.to_string();
    let mut diags = Diags::default();
    let Some(sheet) = Sheet::parse(bytes, &file, &[], &[], &mut diags) else {
        return Err(Error::Invalid(diags.0));
    };
    if !diags.is_empty() {
        return Err(Error::Invalid(diags.0));
    }
    let mut notes = Vec::new();
    let has = |c: &str| sheet.names.iter().any(|n| n == c);
    let (week_col, done_col, per_item) = if has("week") && has("done") {
        ("week".to_string(), "done".to_string(), false)
    } else if has("done") && !has("week") {
        (String::new(), "done".to_string(), true)
    } else if sheet.names.len() == 2 {
        notes.push(format!(
            "{file}: read column {} as the week and {} as items done",
            sheet.names[0], sheet.names[1]
        ));
        (sheet.names[0].clone(), sheet.names[1].clone(), false)
    } else {
        return Err(Error::Invalid(vec![
            Diagnostic::new(&file, "cannot tell which columns hold the week and the items done")
                .line(1)
                .fix("use columns week,done (one row per week) or done (one row per item, with its completion date)"),
        ]));
    };
    let mut weeks: Vec<f64> = Vec::new();
    let mut first_week = None;
    if per_item {
        let mut dates = Vec::new();
        for row in &sheet.rows {
            match sheet.get(row, "done").map(|v| (v, parse_date(v))) {
                Some((_, Some(d))) => dates.push(monday(d)),
                Some((v, None)) => diags.push(
                    sheet
                        .diag(
                            row,
                            "done",
                            format!("expected the completion date, found \"{v}\""),
                        )
                        .fix("write dates as YYYY-MM-DD"),
                ),
                None => {}
            }
        }
        if let (Some(&lo), Some(&hi)) = (dates.iter().min(), dates.iter().max())
            && span_ok(((hi - lo).num_days() / 7 + 1) as usize, &file, &mut diags)
        {
            let n = ((hi - lo).num_days() / 7 + 1) as usize;
            weeks = vec![0.0; n];
            for d in dates {
                weeks[((d - lo).num_days() / 7) as usize] += 1.0;
            }
            first_week = Some(lo);
        }
    } else {
        let mut rows: Vec<(i64, f64, u64)> = Vec::new();
        let mut dated = None;
        for row in &sheet.rows {
            let w = sheet.get(row, &week_col);
            let key = match w {
                Some(v) => match parse_date(v) {
                    Some(d) if dated != Some(false) => {
                        dated = Some(true);
                        Some(monday(d).num_days_from_ce() as i64 / 7)
                    }
                    None if dated != Some(true) => match v.parse::<i64>() {
                        Ok(k) => {
                            dated = Some(false);
                            Some(k)
                        }
                        Err(_) => None,
                    },
                    _ => None,
                },
                None => None,
            };
            let Some(key) = key else {
                diags.push(
                    sheet
                        .diag(row, &week_col, format!("expected a week (a date or a week number), found \"{}\"", w.unwrap_or("")))
                        .fix("write the week as YYYY-MM-DD (any day of the week) or as a whole number, the same way on every row"),
                );
                continue;
            };
            match sheet.get(row, &done_col).map(parse_number) {
                Some(Ok(x)) if x >= 0.0 => rows.push((key, x, row.line)),
                _ => diags.push(
                    sheet
                        .diag(
                            row,
                            &done_col,
                            "expected the number of items done, 0 or more",
                        )
                        .fix("write a whole number such as 7"),
                ),
            }
        }
        rows.sort_by_key(|r| r.0);
        for w in rows.windows(2) {
            if w[0].0 == w[1].0 {
                diags.push(
                    Diagnostic::new(&file, format!("week given twice (also on line {})", w[0].2))
                        .line(w[1].2)
                        .column(week_col.clone())
                        .fix("give each week once"),
                );
            }
        }
        if let (Some(lo), Some(hi)) = (rows.first(), rows.last()) {
            let n = (hi.0 - lo.0 + 1) as usize;
            if span_ok(n, &file, &mut diags) {
                weeks = vec![0.0; n];
                for r in &rows {
                    weeks[(r.0 - lo.0) as usize] = r.1;
                }
                if rows.len() < n {
                    notes.push(format!(
                        "{file}: {} weeks missing from the history were counted as 0",
                        n - rows.len()
                    ));
                }
                if dated == Some(true) {
                    first_week = NaiveDate::from_num_days_from_ce_opt((lo.0 * 7) as i32);
                }
            }
        }
    }
    if weeks.is_empty() && diags.is_empty() {
        diags.push(
            Diagnostic::new(&file, "the history is empty").fix("add one row per week: week,done"),
        );
    }
    diags.finish(History {
        file,
        weeks,
        first_week,
        notes,
    })
}

impl History {
    /// The most recent `window` weeks (all when 0 or longer than the history).
    pub fn pool(&self, window: usize) -> &[f64] {
        if window == 0 || window >= self.weeks.len() {
            &self.weeks
        } else {
            &self.weeks[self.weeks.len() - window..]
        }
    }
}

/// A uniform in [0, 1) for (key, iteration, week).
#[inline]
fn draw(key: u64, i: u64, w: u64) -> f64 {
    let x = mix64(
        key ^ mix64(
            i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ mix64(w.wrapping_add(0x632B_E59B_D9B4_E019)),
        ),
    );
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Weeks to finish `items` in each of `n` bootstrap trials (`None` if beyond MAX_WEEKS).
pub fn weeks_to_finish(pool: &[f64], items: f64, n: u64, key: u64) -> Vec<Option<f64>> {
    (0..n)
        .map(|i| {
            let mut done = 0.0;
            for w in 0..MAX_WEEKS {
                let x = pool[(draw(key, i, w as u64) * pool.len() as f64) as usize % pool.len()];
                if done + x >= items {
                    let part = if x > 0.0 { (items - done) / x } else { 0.0 };
                    return Some(w as f64 + part);
                }
                done += x;
            }
            None
        })
        .collect()
}

/// Items done in `weeks` whole weeks in each of `n` bootstrap trials.
pub fn items_in(pool: &[f64], weeks: usize, n: u64, key: u64) -> Vec<f64> {
    (0..n)
        .map(|i| {
            (0..weeks)
                .map(|w| pool[(draw(key, i, w as u64) * pool.len() as f64) as usize % pool.len()])
                .sum()
        })
        .collect()
}

/// Pp of values by the SPEC §2 rule (smallest x with F̂(x) ≥ p).
fn pct(sorted: &[f64], p: f64) -> f64 {
    let k = ((p * sorted.len() as f64 / 100.0 - 1e-9).ceil() as usize).clamp(1, sorted.len());
    sorted[k - 1]
}

/// A throughput forecast.
#[derive(Debug, Clone, Serialize)]
pub struct ThroughputForecast {
    /// `weeks` (time to finish a backlog) or `items` (items done by a date).
    pub forecast: String,
    /// The question in words.
    pub question: String,
    /// P10, P50, P80, P90.
    pub percentiles: [f64; 4],
    /// For `weeks` with a start date: the finish dates at those percentiles.
    pub dates: Option<[String; 4]>,
    /// How to read it.
    pub reading: String,
    /// Bootstrap iterations.
    pub iterations: u64,
    /// Seed.
    pub seed: u64,
    /// Weeks of history sampled.
    pub weeks_sampled: usize,
    /// Share of trials that could not finish within the week limit.
    pub unfinished: f64,
}

/// "When will `items` be done?"
///
/// With a calendar, each percentile's weeks become working days of its week
/// (`weeks × working days a week`) and the date is the working day that finish lies on,
/// by the plan's convention (a finish at t lies on working day ⌈t⌉, within 1e-4): one
/// week from a Monday of a Monday–Friday week is that Friday. A date past 9999-12-31
/// reads "after 9999-12-31".
pub fn forecast_items(
    h: &History,
    items: f64,
    window: usize,
    calendar: Option<&crate::model::calendar::Calendar>,
    n: u64,
    seed: u64,
) -> Result<ThroughputForecast> {
    let pool = h.pool(window);
    if pool.iter().all(|&x| x == 0.0) {
        return Err(Error::Usage(format!(
            "{}: no items were done in the weeks sampled; nothing can be forecast",
            h.file
        )));
    }
    // A backlog the history cannot finish within MAX_WEEKS even at its mean pace is
    // refused before any trial runs (each would run MAX_WEEKS weeks).
    let mean = pool.iter().sum::<f64>() / pool.len() as f64;
    if items / mean > MAX_WEEKS as f64 {
        return Err(Error::Usage(format!(
            "{}: at the recent mean of {mean:.2} items a week, {items} items take about {:.0} weeks, beyond the {MAX_WEEKS} weeks (about 192 years) slipcast forecasts",
            h.file,
            items / mean
        )));
    }
    let trials = weeks_to_finish(pool, items, n, mix64(seed));
    let unfinished = trials.iter().filter(|t| t.is_none()).count() as f64 / n as f64;
    let mut v: Vec<f64> = trials
        .into_iter()
        .map(|t| t.unwrap_or(MAX_WEEKS as f64))
        .collect();
    v.sort_by(f64::total_cmp);
    let ps = [10.0, 50.0, 80.0, 90.0].map(|p| round4(pct(&v, p)));
    let dates = calendar.map(|c| {
        let per_week = c.days_per_week() as f64;
        ps.map(|w| {
            let day = crate::model::calendar::finish_day(w * per_week);
            match c.working_day(day) {
                Some(d) if d.year() <= 9999 => d.format("%Y-%m-%d").to_string(),
                _ => "after 9999-12-31".to_string(),
            }
        })
    });
    Ok(ThroughputForecast {
        forecast: "weeks".into(),
        question: format!("weeks to finish {items} items"),
        percentiles: ps,
        dates,
        reading: format!(
            "90 % likely to be done within {:.1} weeks (P90); 50 % within {:.1} weeks",
            ps[3], ps[1]
        ),
        iterations: n,
        seed,
        weeks_sampled: pool.len(),
        unfinished,
    })
}

/// "How many items by then?"
pub fn forecast_weeks(
    h: &History,
    weeks: usize,
    window: usize,
    n: u64,
    seed: u64,
) -> ThroughputForecast {
    let mut v = items_in(h.pool(window), weeks, n, mix64(seed));
    v.sort_by(f64::total_cmp);
    let ps = [10.0, 50.0, 80.0, 90.0].map(|p| round4(pct(&v, p)));
    ThroughputForecast {
        forecast: "items".into(),
        question: format!("items done in {weeks} weeks"),
        percentiles: ps,
        dates: None,
        reading: format!(
            "the conservative reading is the low percentile: 90 % likely to finish at least {} items (P10), 80 % at least {} items (P20 is between P10 and P50)",
            ps[0],
            round4(pct(&v, 20.0))
        ),
        iterations: n,
        seed,
        weeks_sampled: h.pool(window).len(),
        unfinished: 0.0,
    }
}

/// Rolling-origin backtest of "how many items in `horizon` weeks".
#[derive(Debug, Clone, Serialize)]
pub struct ThroughputBacktest {
    /// Forecast origins checked.
    pub origins: usize,
    /// Weeks ahead.
    pub horizon: usize,
    /// Weeks of history each forecast sampled.
    pub window: usize,
    /// Share of origins whose actual total fell within the forecast's P10–P90.
    pub coverage_p10_p90: f64,
    /// Share below P10.
    pub below_p10: f64,
    /// Share above P90.
    pub above_p90: f64,
}

/// Backtests "how many in `horizon` weeks" from every origin with a full window behind
/// it and `horizon` weeks of actuals ahead.
pub fn backtest(
    h: &History,
    horizon: usize,
    window: usize,
    n: u64,
    seed: u64,
) -> Result<ThroughputBacktest> {
    // A window of 0 samples every week before the origin (an expanding window), from
    // the 26th week on.
    let w = if window == 0 { DEFAULT_WINDOW } else { window };
    if h.weeks.len() < w + horizon + 1 {
        return Err(Error::Usage(format!(
            "a backtest with a {w}-week window and a {horizon}-week horizon needs at least {} weeks of history, {} has {}",
            w + horizon + 1,
            h.file,
            h.weeks.len()
        )));
    }
    let (mut inside, mut below, mut above, mut origins) = (0usize, 0usize, 0usize, 0usize);
    let all = (h.weeks.len() - horizon + 1 - w) as u64;
    let n = (BACKTEST_DRAWS / (all * horizon as u64).max(1)).clamp(200, n.max(200));
    for o in w..=(h.weeks.len() - horizon) {
        let pool = if window == 0 {
            &h.weeks[..o]
        } else {
            &h.weeks[o - w..o]
        };
        let actual: f64 = h.weeks[o..o + horizon].iter().sum();
        let mut v = items_in(pool, horizon, n, mix64(seed ^ o as u64));
        v.sort_by(f64::total_cmp);
        let (lo, hi) = (pct(&v, 10.0), pct(&v, 90.0));
        if actual < lo {
            below += 1;
        } else if actual > hi {
            above += 1;
        } else {
            inside += 1;
        }
        origins += 1;
    }
    let n = origins as f64;
    Ok(ThroughputBacktest {
        origins,
        horizon,
        window: w,
        coverage_p10_p90: inside as f64 / n,
        below_p10: below as f64 / n,
        above_p90: above as f64 / n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_uniform() {
        let mut bins = [0u32; 10];
        for i in 0..20_000 {
            bins[(draw(7, i, 3) * 10.0) as usize] += 1;
        }
        // Chi-square, 9 degrees of freedom: 99.99th percentile ≈ 33.7.
        let chi: f64 = bins
            .iter()
            .map(|&o| (o as f64 - 2000.0).powi(2) / 2000.0)
            .sum();
        assert!(chi < 33.7, "{chi}");
    }
}
