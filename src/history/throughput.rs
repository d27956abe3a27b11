//! Forecasting from delivery throughput (items done per week), by bootstrap: when will
//! N items be done, how many by a date, and a rolling-origin backtest of both.
//!
//! Each simulated week draws one week of the history's recent throughput at random
//! (with replacement); "when" sums draws until the backlog is done (the last week counted
//! in proportion to the items it needed), "how many" sums a fixed number of weeks.
//! Random numbers are keyed by (seed, iteration, week), so results are reproducible and
//! independent of threads.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::error::{Arg, Error, Result};
use crate::lanes::rng::mix64;
use crate::model::Calendar;
pub use crate::model::backlog::{DEFAULT_WINDOW, items_in, weeks_to_finish};
use crate::plan::Workweek;
pub use crate::plan::throughput::{History, MAX_WEEKS, load, parse};
use crate::stats::round4;

/// The most bootstrap iterations a throughput forecast takes (the percentiles of a
/// weekly bootstrap are settled long before).
pub const MAX_ITERATIONS: u64 = 100_000;

/// Draws one rolling-origin backtest may make in all (origins × trials × horizon): the
/// trials per origin shrink to fit, from 2,000 down to 200.
pub const BACKTEST_DRAWS: u64 = 200_000_000;

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

/// What `slipcast throughput` asks: one or more of a "when" (`items`), a "how many"
/// (`weeks`, or `until` a date with a `start`) and a backtest.
#[derive(Debug, Clone, Default)]
pub struct ThroughputRequest {
    /// Weeks to finish this many items.
    pub items: Option<f64>,
    /// Items done in this many weeks.
    pub weeks: Option<usize>,
    /// Items done by this date (needs `start`).
    pub until: Option<NaiveDate>,
    /// First day of the forecast: gives dates.
    pub start: Option<NaiveDate>,
    /// Working days of a week (default Monday–Friday).
    pub workweek: Workweek,
    /// Most recent weeks sampled (0: all).
    pub window: usize,
    /// Bootstrap iterations.
    pub iterations: u64,
    /// Seed.
    pub seed: u64,
    /// Rolling-origin backtest over the `weeks` horizon (default 4).
    pub backtest: bool,
}

/// What `slipcast throughput` reports: JSON is its serde form.
#[derive(Debug, Clone, Serialize)]
pub struct ThroughputReport {
    /// The backtest, when asked.
    pub backtest: Option<ThroughputBacktest>,
    /// The forecasts, "when" before "how many".
    pub forecasts: Vec<ThroughputForecast>,
}

/// Checks the bounds of a request (iterations, horizon) before any history is read.
pub fn check_request(req: &ThroughputRequest) -> Result<()> {
    if req.iterations == 0 || req.iterations > MAX_ITERATIONS {
        return Err(Error::Argument {
            arg: Arg::Iterations,
            message: format!(
                " {} is out of range: a throughput forecast takes 1 to {MAX_ITERATIONS} iterations",
                req.iterations
            ),
        });
    }
    if req.weeks.is_some_and(|w| w == 0 || w > MAX_WEEKS) {
        return Err(Error::Argument {
            arg: Arg::Weeks,
            message: format!(" must be 1 to {MAX_WEEKS} (about 192 years)"),
        });
    }
    if req.until.is_some() && req.start.is_none() {
        return Err(Error::Argument {
            arg: Arg::Until,
            message: " needs a start date".into(),
        });
    }
    Ok(())
}

/// Answers `req` from history `h` (its bounds checked by [`check_request`]).
pub fn report(h: &History, req: &ThroughputRequest) -> Result<ThroughputReport> {
    check_request(req)?;
    let calendar = req.start.map(|s| Calendar::new(s, req.workweek, &[]));
    let mut forecasts = Vec::new();
    if let Some(items) = req.items {
        if !(items > 0.0 && items.is_finite()) {
            return Err(Error::Argument {
                arg: Arg::Items,
                message: " must be a positive number".into(),
            });
        }
        forecasts.push(forecast_items(
            h,
            items,
            req.window,
            calendar.as_ref(),
            req.iterations,
            req.seed,
        )?);
    }
    let weeks = match (req.weeks, req.until, &calendar) {
        (Some(w), _, _) => Some(w),
        (None, Some(u), Some(c)) if u >= c.first_day() => {
            let w = (c.working_days_through(u) / c.days_per_week()) as usize;
            if w > MAX_WEEKS {
                return Err(Error::Argument {
                    arg: Arg::Until,
                    message: format!(
                        " {u} is {w} weeks after the start; slipcast forecasts at most {MAX_WEEKS} weeks (about 192 years)"
                    ),
                });
            }
            Some(w)
        }
        (None, Some(_), Some(_)) => {
            return Err(Error::Argument {
                arg: Arg::Until,
                message: " is before the start".into(),
            });
        }
        _ => None,
    };
    if let Some(w) = weeks.filter(|_| req.items.is_none()) {
        forecasts.push(forecast_weeks(h, w, req.window, req.iterations, req.seed));
    }
    let backtest = if req.backtest {
        Some(backtest(
            h,
            weeks.unwrap_or(4).max(1),
            req.window,
            2000,
            req.seed,
        )?)
    } else {
        None
    };
    if forecasts.is_empty() && backtest.is_none() {
        return Err(Error::Usage(
            "nothing to forecast: ask for items, weeks, a date (with a start) or a backtest".into(),
        ));
    }
    Ok(ThroughputReport {
        backtest,
        forecasts,
    })
}
