//! Benchmarking planning assumptions: how good were past estimates, and the correction
//! that history says they need.
//!
//! **Checks.** For each past task, the estimate's own P10 and P90 and the probability
//! integral transform (PIT) u = F(actual) of the actual duration. A calibrated
//! estimator has 80 % of actuals inside P10–P90 and PIT values uniform on (0, 1).
//!
//! **Correction: a lognormal multiplier on the sampled duration.** Duration errors are
//! multiplicative (a task that is 30 % late is late in proportion to its size; the
//! reference-class method of Flyvbjerg applies uplifts as multipliers), so the fit works on
//! log ratios. For a past task with estimate F and most-likely value L:
//! y = ln(actual / L), x = E_F[ln(D / L)], v = Var_F[ln(D / L)] (by quadrature over F's
//! quantiles). The model actual = D · M with D ~ F and ln M ~ N(b, σ²) gives
//! E[y − x] = b and Var[y − x] = v̄ + σ², so b = mean(y − x) and
//! σ² = max(0, Var(y − x) − mean(v)). The correction keeps each task's own range and
//! adds only the bias and the extra spread that history shows; when estimates were wider
//! than history (σ² would be negative) they are not narrowed, and the report says so.
//! The corrected estimate's quantiles are computed exactly by quadrature.
//!
//! **Backtest.** k-fold (k = 5, fold = row index mod 5): the correction is fitted on four
//! folds and checked on the fifth; coverage before and after is reported.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Diags, Error, Result, Warning, WarningKind};
use crate::plan::Distribution;
use crate::plan::sheet::Sheet;

const COLUMNS: &[&str] = &[
    "id",
    "name",
    "group",
    "distribution",
    "min",
    "likely",
    "max",
    "mean",
    "sd",
    "values",
    "actual",
];

/// Fewer rows than this cannot be fitted.
pub const MIN_FIT_ROWS: usize = 10;
/// Fewer rows than this give a warning.
pub const WARN_FIT_ROWS: usize = 30;
/// Quadrature points over an estimate's quantiles.
const GRID: usize = 512;

/// One past task.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    /// 1-based line.
    pub line: u64,
    /// Id.
    pub id: String,
    /// Group (team, work type).
    pub group: Option<String>,
    /// The estimate as it was made.
    pub estimate: Distribution,
    /// What it actually took, working days (> 0).
    pub actual: f64,
}

/// Reads a history file.
pub fn load(path: &Path) -> Result<Vec<HistoryRow>> {
    let file = path.display().to_string();
    let mut diags = Diags::default();
    match crate::plan::sheet::read_limited(path, &file, &mut diags)? {
        Some(bytes) => parse(&bytes, &file),
        None => Err(Error::Invalid(diags.0)),
    }
}

/// Parses a history held in memory (`file` names it in messages).
pub fn parse(bytes: &[u8], file: &str) -> Result<Vec<HistoryRow>> {
    let file = file.to_string();
    let mut diags = Diags::default();
    let mut out = Vec::new();
    if let Some(sheet) = Sheet::parse(bytes, &file, COLUMNS, &["id", "actual"], &mut diags) {
        for row in &sheet.rows {
            let id = sheet.get(row, "id").unwrap_or("").to_string();
            let actual = match sheet.number(row, "actual", &mut diags) {
                Some(a) if a > 0.0 => Some(a),
                Some(a) => {
                    diags.push(
                        sheet
                            .diag(
                                row,
                                "actual",
                                format!("the actual duration must be more than 0, found {a}"),
                            )
                            .fix("give the working days the task really took"),
                    );
                    None
                }
                None => {
                    if sheet.get(row, "actual").is_none() {
                        diags.push(
                            sheet
                                .diag(row, "actual", "the row has no actual duration")
                                .fix("fill in the working days the task took, or remove the row"),
                        );
                    }
                    None
                }
            };
            let estimate = crate::plan::tasks::estimate(&sheet, row, false, &mut diags);
            if let (Some(actual), Some(estimate)) = (actual, estimate) {
                out.push(HistoryRow {
                    line: row.line,
                    id,
                    group: sheet.get(row, "group").map(str::to_string),
                    estimate,
                    actual,
                });
            }
        }
    }
    if out.is_empty() && diags.is_empty() {
        diags.push(
            Diagnostic::new(&file, "the history has no rows")
                .fix("add one row per finished task: id,min,likely,max,actual"),
        );
    }
    diags.finish(out)
}

/// How well the estimates covered the actuals.
#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    /// Rows.
    pub n: usize,
    /// Share of actuals within their estimate's P10–P90 (0.80 when calibrated).
    pub coverage_p10_p90: f64,
    /// Share below P10 (0.10 when calibrated).
    pub below_p10: f64,
    /// Share above P90 (0.10 when calibrated).
    pub above_p90: f64,
    /// Share of PIT values F(actual) in each decile (0.10 each when calibrated).
    pub pit_deciles: [f64; 10],
    /// Median of actual / most likely.
    pub median_actual_over_likely: f64,
    /// 10th and 90th percentile of actual / most likely.
    pub ratio_p10: f64,
    /// 90th percentile of actual / most likely.
    pub ratio_p90: f64,
    /// Standard deviation of ln(actual / most likely).
    pub log_ratio_sd: f64,
}

/// A fitted correction (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    /// b: mean log bias; exp(b) is the median multiplier.
    pub log_bias: f64,
    /// σ: extra log spread.
    pub log_sigma: f64,
    /// Rows it was fitted on.
    pub n: usize,
    /// How much wider (positive) or narrower (negative) the estimates were than history,
    /// as a log variance; a positive value means the estimates were not narrowed.
    pub excess_estimate_variance: f64,
}

/// The file written by `calibrate --save` and read by `run --calibration`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CalibrationFile {
    /// Method name.
    pub method: String,
    /// slipcast version that fitted it.
    pub slipcast_version: String,
    /// History it was fitted from.
    pub source: String,
    /// The correction for every task.
    pub overall: Correction,
    /// Corrections by group (used for tasks of that group).
    pub groups: BTreeMap<String, Correction>,
}

/// Coverage of held-out rows before and after the fitted correction.
#[derive(Debug, Clone, Serialize)]
pub struct Backtest {
    /// Folds.
    pub folds: usize,
    /// Held-out coverage of the raw estimates' P10–P90.
    pub coverage_before: f64,
    /// Held-out coverage of the corrected estimates' P10–P90.
    pub coverage_after: f64,
}

fn likely(d: &Distribution) -> f64 {
    d.deterministic().max(1e-9)
}

/// The estimate's quantiles at GRID midpoints.
fn grid(d: &Distribution) -> Vec<f64> {
    (0..GRID)
        .map(|i| d.quantile((i as f64 + 0.5) / GRID as f64))
        .collect()
}

fn log_moments(d: &Distribution) -> (f64, f64) {
    let l = likely(d);
    let logs: Vec<f64> = grid(d)
        .into_iter()
        .map(|q| (q.max(1e-6 * l) / l).ln())
        .collect();
    let m = logs.iter().sum::<f64>() / logs.len() as f64;
    let v = logs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / logs.len() as f64;
    (m, v)
}

fn sorted_quantile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let k = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[k - 1]
}

/// Checks estimates against actuals.
pub fn metrics(rows: &[HistoryRow]) -> Metrics {
    let n = rows.len().max(1) as f64;
    let (mut inside, mut below, mut above) = (0usize, 0usize, 0usize);
    let mut deciles = [0f64; 10];
    let mut ratios = Vec::with_capacity(rows.len());
    for r in rows {
        let (lo, hi) = (r.estimate.quantile(0.1), r.estimate.quantile(0.9));
        if r.actual < lo {
            below += 1;
        } else if r.actual > hi {
            above += 1;
        } else {
            inside += 1;
        }
        deciles[((pit(&r.estimate, r.actual) * 10.0) as usize).min(9)] += 1.0 / n;
        ratios.push(r.actual / likely(&r.estimate));
    }
    let logs: Vec<f64> = ratios.iter().map(|x| x.ln()).collect();
    let ml = logs.iter().sum::<f64>() / n;
    let sd = (logs.iter().map(|x| (x - ml).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
    Metrics {
        n: rows.len(),
        coverage_p10_p90: inside as f64 / n,
        below_p10: below as f64 / n,
        above_p90: above as f64 / n,
        pit_deciles: deciles,
        median_actual_over_likely: sorted_quantile(&mut ratios.clone(), 0.5),
        ratio_p10: sorted_quantile(&mut ratios.clone(), 0.1),
        ratio_p90: sorted_quantile(&mut ratios, 0.9),
        log_ratio_sd: sd,
    }
}

/// PIT of an actual: F(actual), the midpoint of the jump for an atom (fixed, discrete).
pub fn pit(d: &Distribution, x: f64) -> f64 {
    let below = d.cdf(x - 1e-9 * x.abs().max(1.0));
    let at = d.cdf(x);
    if at - below > 1e-6 {
        (below + at) / 2.0
    } else {
        at
    }
}

/// Fits the correction. Needs at least [`MIN_FIT_ROWS`] rows.
pub fn fit(rows: &[HistoryRow]) -> Result<Correction> {
    if rows.len() < MIN_FIT_ROWS {
        return Err(Error::Usage(format!(
            "a correction needs at least {MIN_FIT_ROWS} past tasks, the history has {}",
            rows.len()
        )));
    }
    let n = rows.len() as f64;
    let mut resid = Vec::with_capacity(rows.len());
    let mut vsum = 0.0;
    for r in rows {
        let (x, v) = log_moments(&r.estimate);
        resid.push((r.actual / likely(&r.estimate)).ln() - x);
        vsum += v;
    }
    let b = resid.iter().sum::<f64>() / n;
    let var = resid.iter().map(|e| (e - b).powi(2)).sum::<f64>() / (n - 1.0);
    let excess = vsum / n - var;
    Ok(Correction {
        log_bias: b,
        log_sigma: (-excess).max(0.0).sqrt(),
        n: rows.len(),
        excess_estimate_variance: excess.max(0.0),
    })
}

/// The p-quantile of an estimate after the correction: of D·M with D ~ estimate and
/// ln M ~ N(b, σ²).
pub fn corrected_quantile(d: &Distribution, c: &Correction, p: f64) -> f64 {
    let g = grid(d);
    if c.log_sigma == 0.0 {
        return d.quantile(p) * c.log_bias.exp();
    }
    let l = likely(d);
    let logs: Vec<f64> = g.iter().map(|q| q.max(1e-6 * l).ln()).collect();
    let cdf = |y: f64| {
        logs.iter()
            .map(|ld| {
                statrs::function::erf::erfc(
                    -((y - ld - c.log_bias) / c.log_sigma) / std::f64::consts::SQRT_2,
                ) / 2.0
            })
            .sum::<f64>()
            / logs.len() as f64
    };
    let (mut lo, mut hi) = (
        logs[0] + c.log_bias - 9.0 * c.log_sigma,
        logs[logs.len() - 1] + c.log_bias + 9.0 * c.log_sigma,
    );
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi)).exp()
}

/// k-fold backtest of the correction.
pub fn backtest(rows: &[HistoryRow], folds: usize) -> Result<Backtest> {
    if rows.len() < MIN_FIT_ROWS + folds {
        return Err(Error::Usage(format!(
            "a {folds}-fold backtest needs at least {} past tasks, the history has {}",
            MIN_FIT_ROWS + folds,
            rows.len()
        )));
    }
    let (mut before, mut after) = (0usize, 0usize);
    for k in 0..folds {
        let train: Vec<HistoryRow> = rows
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds != k)
            .map(|(_, r)| r.clone())
            .collect();
        let c = fit(&train)?;
        for r in rows
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds == k)
            .map(|(_, r)| r)
        {
            let d = &r.estimate;
            if d.quantile(0.1) <= r.actual && r.actual <= d.quantile(0.9) {
                before += 1;
            }
            if corrected_quantile(d, &c, 0.1) <= r.actual
                && r.actual <= corrected_quantile(d, &c, 0.9)
            {
                after += 1;
            }
        }
    }
    let n = rows.len() as f64;
    Ok(Backtest {
        folds,
        coverage_before: before as f64 / n,
        coverage_after: after as f64 / n,
    })
}

/// Reads a calibration file written by `calibrate --save`.
pub fn load_file(path: &Path) -> Result<CalibrationFile> {
    let file = path.display().to_string();
    let mut diags = Diags::default();
    let Some(bytes) = crate::plan::sheet::read_limited(path, &file, &mut diags)? else {
        return Err(Error::Invalid(diags.0));
    };
    let text = String::from_utf8_lossy(&bytes);
    let c: CalibrationFile = serde_json::from_str(&text).map_err(|e| {
        Error::Invalid(vec![
            Diagnostic::new(
                path.display().to_string(),
                format!("not a slipcast calibration file: {e}"),
            )
            .line(e.line() as u64)
            .fix("write it with slipcast calibrate HISTORY.csv --save FILE"),
        ])
    })?;
    let ok = |c: &Correction| {
        c.log_bias.is_finite()
            && c.log_sigma.is_finite()
            && c.log_sigma >= 0.0
            && c.log_bias.abs() < 10.0
    };
    if c.method != METHOD || !ok(&c.overall) || !c.groups.values().all(ok) {
        return Err(Error::Invalid(vec![
            Diagnostic::new(
                path.display().to_string(),
                "the calibration file has an unknown method or out-of-range values",
            )
            .fix("write it again with slipcast calibrate HISTORY.csv --save FILE"),
        ]));
    }
    Ok(c)
}

/// The method name written to calibration files.
pub const METHOD: &str = "lognormal-multiplier";

/// Applies a calibration to a compiled network: every task's sampled duration is
/// multiplied by exp(b + σZ) with its group's correction (or the overall one); groups
/// match case-insensitively. Returns a one-line description for the outputs and a
/// warning for every plan group without a fit and every fitted group the plan lacks.
pub fn apply(
    net: &mut crate::model::Network,
    c: &CalibrationFile,
    source: &str,
) -> (String, Vec<Warning>) {
    // Groups match case-insensitively and without surrounding spaces.
    let key = |g: &str| g.trim().to_lowercase();
    let fitted: BTreeMap<String, (&String, &Correction)> =
        c.groups.iter().map(|(g, x)| (key(g), (g, x))).collect();
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
    let mut unfitted: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for t in 0..net.len() {
        let corr = match net.tasks[t].group.as_deref() {
            Some(g) => match fitted.get(&key(g)) {
                Some((_, x)) => {
                    *used.entry(key(g)).or_default() += 1;
                    *x
                }
                None => {
                    unfitted
                        .entry(key(g))
                        .or_insert_with(|| (g.to_string(), 0))
                        .1 += 1;
                    &c.overall
                }
            },
            None => &c.overall,
        };
        net.calibration[t] = (corr.log_bias as f32, corr.log_sigma as f32);
    }
    let mut warnings = Vec::new();
    if !c.groups.is_empty() {
        let names: Vec<&str> = c.groups.keys().map(String::as_str).collect();
        for (g, n) in unfitted.values() {
            warnings.push(Warning::new(
                WarningKind::CalibrationGroup,
                format!(
                    "group \"{g}\" ({n} task{}) has no fit in {source} (fitted groups: {}): it gets the overall correction",
                    if *n == 1 { "" } else { "s" },
                    names.join(", ")
                ),
            ));
        }
        for (k, (g, _)) in &fitted {
            if !used.contains_key(k) {
                warnings.push(Warning::new(
                    WarningKind::CalibrationGroup,
                    format!(
                        "group \"{g}\" was fitted in {source} but no task of the plan is in it"
                    ),
                ));
            }
        }
    }
    let summary = format!(
        "calibrated with {source}: durations × exp({:.3} + {:.3}·Z) (median ×{:.2}; fitted on {} past tasks{})",
        c.overall.log_bias,
        c.overall.log_sigma,
        c.overall.log_bias.exp(),
        c.overall.n,
        if c.groups.is_empty() {
            String::new()
        } else {
            format!(
                "; {} of the plan's groups with their own fit, {} task{} in them",
                used.len(),
                used.values().sum::<usize>(),
                if used.values().sum::<usize>() == 1 {
                    ""
                } else {
                    "s"
                }
            )
        }
    );
    (summary, warnings)
}

/// One group's calibration (`--by group`).
#[derive(Debug, Clone, Serialize)]
pub struct GroupCalibration {
    /// Its fitted correction, when it has enough rows.
    pub correction: Option<Correction>,
    /// The group name (`(none)` for rows without one).
    pub group: String,
    /// How well its estimates covered its actuals.
    pub metrics: Metrics,
}

/// What `slipcast calibrate` reports: JSON is its serde form.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationReport {
    /// The held-out check of the correction, when asked.
    pub backtest: Option<Backtest>,
    /// The correction fitted on every row, when there are enough rows (or it was asked).
    pub correction: Option<Correction>,
    /// Per group, when asked.
    pub groups: Vec<GroupCalibration>,
    /// The history file.
    pub history: String,
    /// Metrics over every row.
    pub overall: Metrics,
    /// Caveats (too few rows).
    #[serde(skip)]
    pub warnings: Vec<Warning>,
}

/// What to compute from a history.
#[derive(Debug, Clone, Copy, Default)]
pub struct CalibrationRequest {
    /// Report per group too.
    pub by_group: bool,
    /// Check the correction on held-out rows (5-fold).
    pub backtest: bool,
    /// A correction is required (to save it): too few rows is an error, not a gap.
    pub need_fit: bool,
}

/// Checks a history's estimates against its actuals, fits the correction and backtests
/// it as `req` asks. `history` names the file in the report.
pub fn report(
    rows: &[HistoryRow],
    history: &str,
    req: CalibrationRequest,
) -> Result<CalibrationReport> {
    let mut warnings = Vec::new();
    if rows.len() < WARN_FIT_ROWS {
        warnings.push(Warning::new(
            WarningKind::FewHistoryRows,
            format!(
                "only {} past tasks: coverage and any fitted correction are rough (30 or more recommended)",
                rows.len()
            ),
        ));
    }
    let need_fit = req.need_fit || req.backtest;
    let correction = if need_fit || rows.len() >= MIN_FIT_ROWS {
        match fit(rows) {
            Ok(c) => Some(c),
            Err(e) if need_fit => return Err(e),
            Err(_) => None,
        }
    } else {
        None
    };
    let mut by: BTreeMap<String, Vec<HistoryRow>> = BTreeMap::new();
    if req.by_group {
        for r in rows {
            by.entry(r.group.clone().unwrap_or_else(|| "(none)".into()))
                .or_default()
                .push(r.clone());
        }
    }
    let backtest = if req.backtest {
        Some(backtest(rows, 5)?)
    } else {
        None
    };
    let groups = by
        .iter()
        .map(|(g, rs)| GroupCalibration {
            correction: fit(rs).ok(),
            group: g.clone(),
            metrics: metrics(rs),
        })
        .collect();
    Ok(CalibrationReport {
        backtest,
        correction,
        groups,
        history: history.to_string(),
        overall: metrics(rows),
        warnings,
    })
}

impl CalibrationReport {
    /// The correction file `run --calibration` reads (None without a fitted correction).
    pub fn file(&self) -> Option<CalibrationFile> {
        let overall = self.correction?;
        Some(CalibrationFile {
            method: METHOD.into(),
            slipcast_version: env!("CARGO_PKG_VERSION").into(),
            source: self.history.clone(),
            overall,
            groups: self
                .groups
                .iter()
                .filter_map(|g| g.correction.map(|c| (g.group.clone(), c)))
                .collect(),
        })
    }
}
