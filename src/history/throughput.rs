//! Forecasting from delivery throughput (items done per week), by bootstrap: when will
//! N items be done, how many by a date, and a rolling-origin backtest of both.
//!
//! Each simulated week draws one week of the history's recent throughput at random
//! (with replacement); "when" sums draws until the backlog is done (the last week counted
//! in proportion to the items it needed), "how many" sums a fixed number of weeks.
//! Random numbers are keyed by (seed, iteration, week), so results are reproducible and
//! independent of threads.

use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Arg, Error, Result};
use crate::lanes::rng::mix64;
use crate::model::Calendar;
pub use crate::model::backlog::{
    DEFAULT_WINDOW, Features, Growth, features_finish, items_in, net_in, weeks_to_finish,
    weeks_to_finish_growing,
};
use crate::plan::Workweek;
pub use crate::plan::throughput::{
    FeatureTrack, History, MAX_WEEKS, TrackedItem, from_items, load, load_filtered, open_at,
    open_features, parse, tracks,
};
pub use crate::plan::workitems::Filter;

/// Reads a features file (`feature, items`, highest priority first).
pub fn load_features(path: &std::path::Path) -> Result<Vec<(String, f64)>> {
    let file = path.display().to_string();
    let mut diags = crate::error::Diags::default();
    match crate::plan::sheet::read_limited(path, &file, &mut diags)? {
        Some(bytes) => crate::plan::workitems::parse_features(&bytes, &file),
        None => Err(Error::Invalid(diags.0)),
    }
}
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

/// Default number of weeks a "when" forecast looks ahead: a backlog not finished within
/// ten years is reported as such, not as a number.
pub const DEFAULT_HORIZON: usize = 520;

/// Most features one forecast takes, and most worked on at once.
pub const MAX_FEATURES: usize = 10_000;

/// Work one features forecast may do in all (trials × weeks × features open at once).
pub const FEATURE_WORK: f64 = 4e9;

/// What a "when" forecast assumes about the backlog: the weeks sampled, scope growth, the
/// split factor and how far ahead it looks.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Most recent weeks sampled (0: all).
    pub window: usize,
    /// Scope growth from the history: each simulated week's new items are the items
    /// created in the week drawn for its throughput.
    pub growth: bool,
    /// The share of new items that land in this backlog (`None`: 1).
    pub share: Option<f64>,
    /// Bounds of a uniform factor on the remaining items (`None`: 1).
    pub split: Option<(f64, f64)>,
    /// Weeks looked ahead at most (0: [`DEFAULT_HORIZON`]).
    pub horizon: usize,
}

impl Scope {
    fn horizon(&self) -> usize {
        if self.horizon == 0 {
            DEFAULT_HORIZON
        } else {
            self.horizon
        }
    }

    fn split(&self) -> (f64, f64) {
        self.split.unwrap_or((1.0, 1.0))
    }

    /// The growth model of history `h`; an error when growth is asked of a history
    /// without creation dates.
    fn growth<'a>(&self, h: &'a History) -> Result<Growth<'a>> {
        let arrivals = if self.growth {
            let Some(a) = &h.arrivals else {
                return Err(Error::Usage(format!(
                    "{}: --growth history needs the date each item was created; this history has none (export Created / Created Date with the items, or leave out --growth)",
                    h.file
                )));
            };
            Some(window_of(a, self.window))
        } else {
            None
        };
        Ok(Growth {
            arrivals,
            share: self.share.unwrap_or(1.0),
            split: self.split(),
        })
    }

    /// The assumption in words, for the forecast's reader.
    pub fn describe(&self) -> String {
        let mut s = Vec::new();
        if self.growth {
            match self.share {
                Some(x) if x != 1.0 => s.push(format!(
                    "scope grows by {} % of the items created in each sampled week",
                    crate::stats::round4(x * 100.0)
                )),
                _ => s.push("scope grows by the items created in each sampled week".into()),
            }
        }
        if let Some((a, b)) = self.split {
            s.push(format!(
                "remaining items multiplied by a split factor between {a} and {b}"
            ));
        }
        if s.is_empty() {
            "fixed scope: no growth, no split".into()
        } else {
            s.join("; ")
        }
    }
}

/// The most recent `window` entries of `v` (all when 0 or longer).
fn window_of(v: &[f64], window: usize) -> &[f64] {
    if window == 0 || window >= v.len() {
        v
    } else {
        &v[v.len() - window..]
    }
}

/// The working day a finish `weeks` after the start lies on, by the plan's convention (a
/// finish at t lies on working day ⌈t⌉, within 1e-4).
fn finish_date(c: &Calendar, weeks: Option<f64>, horizon: usize) -> String {
    let Some(w) = weeks else {
        return format!("not within {horizon} weeks");
    };
    let day = crate::model::calendar::finish_day(w * c.days_per_week() as f64);
    match c.working_day(day) {
        Some(d) if d.year() <= 9999 => d.format("%Y-%m-%d").to_string(),
        _ => "after 9999-12-31".to_string(),
    }
}

/// Pp of trial results (`INFINITY`: not finished), `None` when it is not finished.
fn pct_finished(sorted: &[f64], p: f64) -> Option<f64> {
    let v = pct(sorted, p);
    v.is_finite().then(|| round4(v))
}

/// A throughput forecast.
#[derive(Debug, Clone, Serialize)]
pub struct ThroughputForecast {
    /// `weeks` (time to finish a backlog) or `items` (items done by a date).
    pub forecast: String,
    /// The question in words.
    pub question: String,
    /// P10, P50, P80, P90 (`null`: not finished within the horizon).
    pub percentiles: [Option<f64>; 4],
    /// For `weeks` with a start date: the finish dates at those percentiles.
    pub dates: Option<[String; 4]>,
    /// How to read it.
    pub reading: String,
    /// What it assumed about the backlog's scope.
    pub scope: String,
    /// Bootstrap iterations.
    pub iterations: u64,
    /// Seed.
    pub seed: u64,
    /// Weeks of history sampled.
    pub weeks_sampled: usize,
    /// Weeks looked ahead at most (`weeks` forecasts).
    pub horizon: usize,
    /// Share of trials that could not finish within the horizon.
    pub unfinished: f64,
}

/// "When will `items` be done?", with a fixed scope sampling the last `window` weeks.
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
    let scope = Scope {
        window,
        horizon: MAX_WEEKS,
        ..Scope::default()
    };
    forecast_backlog(h, items, &scope, calendar, n, seed)
}

/// "When will `items` be done?" under `scope`'s assumptions (growth, split, horizon).
pub fn forecast_backlog(
    h: &History,
    items: f64,
    scope: &Scope,
    calendar: Option<&crate::model::calendar::Calendar>,
    n: u64,
    seed: u64,
) -> Result<ThroughputForecast> {
    let pool = h.pool(scope.window);
    if pool.iter().all(|&x| x == 0.0) {
        return Err(Error::Usage(format!(
            "{}: no items were done in the weeks sampled; nothing can be forecast",
            h.file
        )));
    }
    let growth = scope.growth(h)?;
    let horizon = scope.horizon();
    // A fixed backlog the history cannot finish within MAX_WEEKS even at its mean pace is
    // refused before any trial runs.
    let mean = pool.iter().sum::<f64>() / pool.len() as f64;
    if growth.arrivals.is_none() && items * growth.split.0 / mean > MAX_WEEKS as f64 {
        return Err(Error::Usage(format!(
            "{}: at the recent mean of {mean:.2} items a week, {items} items take about {:.0} weeks, beyond the {MAX_WEEKS} weeks (about 192 years) slipcast forecasts",
            h.file,
            items / mean
        )));
    }
    let trials = weeks_to_finish_growing(pool, growth, items, horizon, n, mix64(seed));
    let unfinished = trials.iter().filter(|t| t.is_none()).count() as f64 / n as f64;
    let mut v: Vec<f64> = trials
        .into_iter()
        .map(|t| t.unwrap_or(f64::INFINITY))
        .collect();
    v.sort_by(f64::total_cmp);
    let ps = [10.0, 50.0, 80.0, 90.0].map(|p| pct_finished(&v, p));
    let dates = calendar.map(|c| ps.map(|w| finish_date(c, w, horizon)));
    let reading = match (ps[1], ps[3]) {
        (Some(p50), Some(p90)) => format!(
            "90 % likely to be done within {p90:.1} weeks (P90); 50 % within {p50:.1} weeks"
        ),
        (Some(p50), None) => format!(
            "50 % likely to be done within {p50:.1} weeks, but {:.0} % of trials do not finish within {horizon} weeks: no P90 can be promised",
            unfinished * 100.0
        ),
        _ if growth.arrivals.is_some() => format!(
            "the backlog is not finished within {horizon} weeks in {:.0} % of trials: new items arrive about as fast as the team finishes them, or faster",
            unfinished * 100.0
        ),
        _ => format!(
            "the backlog is not finished within {horizon} weeks in {:.0} % of trials",
            unfinished * 100.0
        ),
    };
    Ok(ThroughputForecast {
        forecast: "weeks".into(),
        question: format!("weeks to finish {items} items"),
        percentiles: ps,
        dates,
        reading,
        scope: scope.describe(),
        iterations: n,
        seed,
        weeks_sampled: pool.len(),
        horizon,
        unfinished,
    })
}

/// When each feature of a priority-ordered list sharing one team is done.
#[derive(Debug, Clone, Serialize)]
pub struct FeatureForecast {
    /// The feature.
    pub feature: String,
    /// Its items (before any split factor).
    pub items: f64,
    /// P50, P80, P90 weeks (`null`: not finished within the horizon).
    pub percentiles: [Option<f64>; 3],
    /// With a start date: the finish dates at those percentiles.
    pub dates: Option<[String; 3]>,
    /// Share of trials in which it is not finished within the horizon.
    pub unfinished: f64,
}

/// "When is each feature done?": `features` (name, items) in priority order, `wip` of
/// them worked on at once (see [`features_finish`] for how a week's throughput is
/// shared).
pub fn forecast_features(
    h: &History,
    features: &[(String, f64)],
    wip: usize,
    scope: &Scope,
    calendar: Option<&crate::model::calendar::Calendar>,
    n: u64,
    seed: u64,
) -> Result<Vec<FeatureForecast>> {
    if scope.growth {
        return Err(Error::Usage(
            "--growth history applies to one backlog: with --features, new items would have no feature to land in; model growth within features with --split".into(),
        ));
    }
    let pool = h.pool(scope.window);
    if pool.iter().all(|&x| x == 0.0) {
        return Err(Error::Usage(format!(
            "{}: no items were done in the weeks sampled; nothing can be forecast",
            h.file
        )));
    }
    let horizon = scope.horizon();
    let split = scope.split();
    let items: Vec<f64> = features.iter().map(|f| f.1).collect();
    // Work is trials × weeks simulated × features open at once; the weeks are bounded by
    // the horizon and, in practice, by the total at the mean pace.
    let mean = pool.iter().sum::<f64>() / pool.len() as f64;
    let total: f64 = items.iter().sum::<f64>() * split.1;
    let weeks = (2.0 * total / mean + 52.0).min(horizon as f64);
    let work = n as f64 * weeks * wip.min(features.len()).max(1) as f64;
    if work > FEATURE_WORK {
        let most = (FEATURE_WORK / (weeks * wip.min(features.len()).max(1) as f64)) as u64;
        return Err(Error::Argument {
            arg: Arg::Iterations,
            message: format!(
                " {n} is too many for {} features over up to {weeks:.0} weeks with {wip} at once; at most {most} iterations fit",
                features.len()
            ),
        });
    }
    let f = Features {
        items: &items,
        wip,
        split,
    };
    let out = features_finish(pool, f, horizon, n, mix64(seed), &mut Vec::new());
    let nn = n as usize;
    Ok(features
        .iter()
        .enumerate()
        .map(|(x, (name, k))| {
            let mut v = out[x * nn..(x + 1) * nn].to_vec();
            v.sort_by(f64::total_cmp);
            let ps = [50.0, 80.0, 90.0].map(|p| pct_finished(&v, p));
            FeatureForecast {
                feature: name.clone(),
                items: *k,
                percentiles: ps,
                dates: calendar.map(|c| ps.map(|w| finish_date(c, w, horizon))),
                unfinished: v.iter().filter(|w| !w.is_finite()).count() as f64 / n as f64,
            }
        })
        .collect())
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
        percentiles: ps.map(Some),
        dates: None,
        reading: format!(
            "the conservative reading is the low percentile: 90 % likely to finish at least {} items (P10), 80 % at least {} items (P20 is between P10 and P50)",
            ps[0],
            round4(pct(&v, 20.0))
        ),
        scope: "items done, whatever the scope".into(),
        iterations: n,
        seed,
        weeks_sampled: h.pool(window).len(),
        horizon: weeks,
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
    /// What was forecast and compared: `items done`, or with scope growth `items done
    /// less items arrived` (the change of the backlog).
    pub measure: String,
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
    backtest_scope(h, horizon, window, None, n, seed)
}

/// [`backtest`], and with `growth` (the share of arrivals) the backlog's change over the
/// horizon: items done less the share of items created, drawn week by week together as
/// a growth forecast draws them, against the actual change.
pub fn backtest_scope(
    h: &History,
    horizon: usize,
    window: usize,
    growth: Option<f64>,
    n: u64,
    seed: u64,
) -> Result<ThroughputBacktest> {
    let arrivals = match (growth, &h.arrivals) {
        (Some(share), Some(a)) => Some((a.as_slice(), share)),
        (Some(_), None) => {
            return Err(Error::Usage(format!(
                "{}: a backtest of scope growth needs the date each item was created; this history has none",
                h.file
            )));
        }
        (None, _) => None,
    };
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
        let mut actual: f64 = h.weeks[o..o + horizon].iter().sum();
        let mut v = match arrivals {
            None => items_in(pool, horizon, n, mix64(seed ^ o as u64)),
            Some((a, share)) => {
                actual -= share * a[o..o + horizon].iter().sum::<f64>();
                let a = if window == 0 { &a[..o] } else { &a[o - w..o] };
                net_in(pool, a, share, horizon, n, mix64(seed ^ o as u64))
            }
        };
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
        measure: if arrivals.is_some() {
            "items done less items arrived".into()
        } else {
            "items done".into()
        },
    })
}

/// Work a features backtest may do in all (trials × weeks × features open at once,
/// summed over origins).
const FEATURE_BACKTEST_WORK: f64 = 5e7;

/// Items × origins a features backtest scans for the features open at each origin.
const SCAN_BUDGET: f64 = 1e8;

/// Rolling-origin backtest of the features forecast: at each past week, the features then
/// open were forecast as `--by-parent` forecasts them today, and each forecast's P10–P90
/// is scored against the week the feature's last item actually finished.
#[derive(Debug, Clone, Serialize)]
pub struct FeatureBacktest {
    /// Forecast origins (weeks with a full window behind them and a feature open).
    pub origins: usize,
    /// Weeks of history each forecast sampled.
    pub window: usize,
    /// Features worked on at once.
    pub wip: usize,
    /// Feature forecasts scored.
    pub scored: usize,
    /// Share of scored forecasts whose actual finish week fell within P10–P90.
    pub coverage_p10_p90: f64,
    /// Share finished before P10's week.
    pub below_p10: f64,
    /// Share finished after P90's week (or still open after it).
    pub above_p90: f64,
    /// Median of actual minus P50, in weeks, over the forecasts whose feature finished
    /// (positive: later than the median forecast).
    pub median_error_weeks: Option<f64>,
    /// Forecasts that cannot be scored: the feature is still open at the export's end
    /// and its P90 reaches beyond it.
    pub unscored: usize,
}

/// Backtests the features forecast on the parents' `tracks` (see [`FeatureBacktest`]):
/// at each week `o` with `window` weeks behind it (0: all before it, from the 26th),
/// the features open at its start — items created before it and not finished before
/// it, in the order of their first such item, items without a parent last — are
/// forecast with `wip` and `split` from the weeks before `o`. A forecast of `t` weeks
/// means the feature finishes in week `o + ⌈t⌉ − 1`; the actual is the week its last
/// item finished, items created later included (scope growth the forecast did not
/// know of counts against it). A feature still open at the export's end is scored above
/// P90 when its P90 week has passed and is otherwise not scored; the `(no parent)`
/// group and features with a finished item of unknown date are simulated but not scored.
#[allow(clippy::too_many_arguments)]
pub fn backtest_features(
    h: &History,
    tracks: &[FeatureTrack],
    wip: usize,
    split: Option<(f64, f64)>,
    window: usize,
    horizon: usize,
    n: u64,
    seed: u64,
) -> Result<FeatureBacktest> {
    let w = if window == 0 { DEFAULT_WINDOW } else { window };
    let weeks = h.weeks.len();
    if weeks < w + 1 {
        return Err(Error::Usage(format!(
            "a features backtest with a {w}-week window needs at least {} weeks of history, {} has {}",
            w + 1,
            h.file,
            weeks
        )));
    }
    let wip = wip.max(1);
    let split = split.unwrap_or((1.0, 1.0));
    let pool_at = |o: usize| {
        if window == 0 {
            &h.weeks[..o]
        } else {
            &h.weeks[o - w..o]
        }
    };
    // Work per origin: trials × weeks until its features are done at twice the mean
    // pace (at most the horizon) × features open at once; the trials and, beyond that,
    // the origins are thinned to stay within the backtest's budget.
    // Finding the open features scans every item: origins are thinned first so that the
    // scans stay within a budget too.
    let items: usize = tracks.iter().map(|t| t.items.len()).sum();
    let scan = (((weeks - w) as f64 * items as f64 / SCAN_BUDGET).ceil() as usize).max(1);
    let origins: Vec<(usize, Vec<(usize, f64)>)> = (w..weeks)
        .step_by(scan)
        .map(|o| (o, open_at(tracks, o as i64)))
        .filter(|(o, f)| !f.is_empty() && pool_at(*o).iter().any(|&x| x > 0.0))
        .collect();
    if origins.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no feature was open after the first {w} weeks of history; nothing to backtest",
            h.file
        )));
    }
    let cost: Vec<f64> = origins
        .iter()
        .map(|(o, f)| {
            let p = pool_at(*o);
            let mean = p.iter().sum::<f64>() / p.len() as f64;
            let total: f64 = f.iter().map(|x| x.1).sum::<f64>() * split.1;
            (2.0 * total / mean + 52.0).min(horizon as f64) * wip.min(f.len()) as f64
                + f.len() as f64
        })
        .collect();
    let budget = FEATURE_BACKTEST_WORK;
    let all: f64 = cost.iter().sum();
    let trials = ((budget / all) as u64).clamp(200, n.max(200));
    let stride = ((all * trials as f64 / budget).ceil() as usize).max(1);
    let nn = trials as usize;
    let picked: Vec<&(usize, Vec<(usize, f64)>)> = origins.iter().step_by(stride).collect();
    // Per origin, in parallel (each keyed by its week): inside, below, above, unscored,
    // and the errors of the finished ones.
    let tallies: Vec<([usize; 4], Vec<f64>)> = picked
        .par_iter()
        .map_init(Vec::new, |scratch, (o, open)| {
            let items: Vec<f64> = open.iter().map(|x| x.1).collect();
            let f = Features {
                items: &items,
                wip,
                split,
            };
            let key = mix64(seed ^ *o as u64);
            let out = features_finish(pool_at(*o), f, horizon, trials, key, scratch);
            let left = (weeks - o) as f64;
            let (mut tally, mut errors) = ([0usize; 4], Vec::new());
            let mut v = Vec::with_capacity(nn);
            for (x, &(k, _)) in open.iter().enumerate() {
                let t = &tracks[k];
                if t.orphans || t.items.iter().any(|i| i.finished && i.done.is_none()) {
                    continue;
                }
                v.clear();
                v.extend_from_slice(&out[x * nn..(x + 1) * nn]);
                v.sort_by(f64::total_cmp);
                // Whole weeks from the origin; beyond the horizon: never.
                let week = |p: f64| pct_finished(&v, p).map_or(f64::INFINITY, f64::ceil);
                let (lo, mid, hi) = (week(10.0), week(50.0), week(90.0));
                let actual = if t.items.iter().all(|i| i.finished) {
                    t.items
                        .iter()
                        .filter_map(|i| i.done)
                        .max()
                        .map(|d| (d - *o as i64 + 1) as f64)
                } else {
                    None
                };
                let slot = match actual {
                    Some(a) => {
                        if mid.is_finite() {
                            errors.push(a - mid);
                        }
                        if a < lo {
                            1
                        } else if a > hi {
                            2
                        } else {
                            0
                        }
                    }
                    // Still open after `left` weeks.
                    None if hi <= left => 2,
                    None => 3,
                };
                tally[slot] += 1;
            }
            (tally, errors)
        })
        .collect();
    let mut counts = [0usize; 4];
    let mut errors: Vec<f64> = Vec::new();
    for (t, e) in tallies {
        for (c, x) in counts.iter_mut().zip(t) {
            *c += x;
        }
        errors.extend(e);
    }
    let [inside, below, above, unscored] = counts;
    let used = picked.len();
    let scored = inside + below + above;
    let share = |k: usize| {
        if scored == 0 {
            0.0
        } else {
            k as f64 / scored as f64
        }
    };
    errors.sort_by(f64::total_cmp);
    Ok(FeatureBacktest {
        origins: used,
        window: w,
        wip,
        scored,
        coverage_p10_p90: share(inside),
        below_p10: share(below),
        above_p90: share(above),
        median_error_weeks: (!errors.is_empty()).then(|| round4(pct(&errors, 50.0))),
        unscored,
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
    /// Scope growth from the history's arrivals.
    pub growth: bool,
    /// The share of new items that land in this backlog (`None`: 1).
    pub growth_share: Option<f64>,
    /// Bounds of a uniform split factor on the remaining items.
    pub split: Option<(f64, f64)>,
    /// Weeks a "when" forecast looks ahead at most (0: [`DEFAULT_HORIZON`]).
    pub horizon: usize,
    /// Features in priority order (name, items) sharing the team.
    pub features: Vec<(String, f64)>,
    /// How many features the team works on at once (0: 1).
    pub wip: usize,
    /// The parents' items through time (from `--by-parent`): with `backtest`, the
    /// features forecast is backtested on them too.
    pub tracks: Vec<FeatureTrack>,
}

impl ThroughputRequest {
    /// The scope assumptions of the request's "when" forecasts.
    pub fn scope(&self) -> Scope {
        Scope {
            window: self.window,
            growth: self.growth,
            share: self.growth_share,
            split: self.split,
            horizon: self.horizon,
        }
    }
}

/// What `slipcast throughput` reports: JSON is its serde form.
#[derive(Debug, Clone, Serialize)]
pub struct ThroughputReport {
    /// The backtest, when asked.
    pub backtest: Option<ThroughputBacktest>,
    /// The features backtest, when asked with features grouped by parent.
    pub features_backtest: Option<FeatureBacktest>,
    /// The forecasts, "when" before "how many".
    pub forecasts: Vec<ThroughputForecast>,
    /// Per feature, in priority order, when features were given.
    pub features: Vec<FeatureForecast>,
    /// Features worked on at once, when features were given.
    pub wip: Option<usize>,
    /// What the feature forecasts assumed about scope, when features were given.
    pub features_scope: Option<String>,
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
    if req.horizon > MAX_WEEKS {
        return Err(Error::Argument {
            arg: Arg::Horizon,
            message: format!(" must be 1 to {MAX_WEEKS} weeks (about 192 years)"),
        });
    }
    if let Some(x) = req.growth_share
        && !(0.0..=1.0).contains(&x)
    {
        return Err(Error::Argument {
            arg: Arg::GrowthShare,
            message: format!(
                " {x} is out of range: the share of new items that land in this backlog is 0 to 1"
            ),
        });
    }
    if req.growth_share.is_some() && !req.growth {
        return Err(Error::Argument {
            arg: Arg::GrowthShare,
            message: " needs --growth history".into(),
        });
    }
    if let Some((a, b)) = req.split
        && !(a > 0.0 && a <= b && b <= 100.0)
    {
        return Err(Error::Argument {
            arg: Arg::Split,
            message: format!(
                " {a}-{b} is out of range: write LOW-HIGH with 0 < LOW ≤ HIGH ≤ 100, e.g. 1.0-1.5"
            ),
        });
    }
    if req.wip > MAX_FEATURES {
        return Err(Error::Argument {
            arg: Arg::Wip,
            message: format!(" must be 1 to {MAX_FEATURES}"),
        });
    }
    if req.features.len() > MAX_FEATURES {
        return Err(Error::Usage(format!(
            "{} features given; slipcast forecasts at most {MAX_FEATURES} at once",
            req.features.len()
        )));
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
        forecasts.push(forecast_backlog(
            h,
            items,
            &req.scope(),
            calendar.as_ref(),
            req.iterations,
            req.seed,
        )?);
    }
    let features = if req.features.is_empty() {
        Vec::new()
    } else {
        forecast_features(
            h,
            &req.features,
            req.wip.max(1),
            &req.scope(),
            calendar.as_ref(),
            req.iterations,
            req.seed,
        )?
    };
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
        Some(backtest_scope(
            h,
            weeks.unwrap_or(4).max(1),
            req.window,
            req.growth.then(|| req.growth_share.unwrap_or(1.0)),
            2000,
            req.seed,
        )?)
    } else {
        None
    };
    let features_backtest = if req.backtest && !req.tracks.is_empty() {
        Some(backtest_features(
            h,
            &req.tracks,
            req.wip,
            req.split,
            req.window,
            req.scope().horizon(),
            2000,
            req.seed,
        )?)
    } else {
        None
    };
    if forecasts.is_empty() && backtest.is_none() && features.is_empty() {
        return Err(Error::Usage(
            "nothing to forecast: ask for items, weeks, a date (with a start), features or a backtest".into(),
        ));
    }
    let given = !req.features.is_empty();
    Ok(ThroughputReport {
        backtest,
        features_backtest,
        forecasts,
        features,
        wip: given.then_some(req.wip.max(1)),
        features_scope: given.then(|| req.scope().describe()),
    })
}
