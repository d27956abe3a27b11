//! The one entry point of a forecast: [`Forecaster`], builder-style.
//!
//! ```
//! use slipcast::{Forecaster, Iterations, NoProgress, compile, plan};
//!
//! let plan = plan::from_tasks_csv(
//!     "id,min,likely,max,predecessors,milestone\n\
//!      design,5,8,14,,\n\
//!      build,10,15,25,design,\n\
//!      launch,,,,build,true\n",
//!     "tasks.csv",
//! )?;
//! let net = compile(&plan)?;
//! let f = Forecaster::new(&net)
//!     .iterations(Iterations::Fixed(4_000))
//!     .seed(7)
//!     .percentiles(&[50.0, 80.0])
//!     .drivers(true)
//!     .run(&NoProgress)?;
//! assert_eq!(f.milestones[0].deterministic, 23.0); // 8 + 15
//! assert!(f.drivers.is_some());
//! # Ok::<(), slipcast::Error>(())
//! ```

use std::borrow::Cow;

use crate::analysis::compare::{COMPARE_PERCENTILES, Comparison};
use crate::analysis::drivers;
use crate::error::{Arg, Error, Result, Warning, WarningKind};
use crate::history::calibrate::{self, CalibrationFile};
use crate::model::Network;
use crate::sim::{self, DEFAULT_ITERATIONS, DEFAULT_SEED, Progress, Samples, SimConfig};
use crate::stats::{self, Forecast};

/// Default reported percentiles, in percent.
pub const DEFAULT_PERCENTILES: [f64; 4] = [10.0, 50.0, 80.0, 90.0];

/// Iteration count: a fixed number, or "run until precise enough".
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Iterations {
    /// Exactly this many.
    Fixed(u64),
    /// Start at `start` and double until every reported percentile's 95 % confidence
    /// interval has a half-width at most `precision` working days, or `max` is reached.
    Auto {
        /// Target half-width, working days.
        precision: f64,
        /// First round.
        start: u64,
        /// Upper bound.
        max: u64,
    },
}

impl Iterations {
    /// The most iterations this may run (for memory estimates).
    pub fn max(&self) -> u64 {
        match *self {
            Iterations::Fixed(n) => n,
            Iterations::Auto { max, .. } => max,
        }
    }
}

/// A forecast to run: the network (calibrated when asked), how many iterations, the seed,
/// threads, percentiles, and whether to analyse drivers. Build it with the setters, then
/// [`run`](Forecaster::run) or [`compare`](Forecaster::compare).
///
/// The result depends on the network, iterations, seed and percentiles only: never on the
/// thread count.
#[derive(Debug, Clone)]
pub struct Forecaster<'a> {
    net: Cow<'a, Network>,
    iterations: Iterations,
    seed: u64,
    threads: Option<usize>,
    percentiles: Vec<f64>,
    drivers: bool,
    milestones_only: bool,
    calibration: Option<(String, Vec<Warning>)>,
    jcl_levels: Vec<f64>,
    margin_level: f64,
    focus: Option<String>,
    task_percentiles: bool,
}

impl<'a> Forecaster<'a> {
    /// A forecast of `net` with the defaults: 10,000 iterations, seed 1, one thread per
    /// core, P10/P50/P80/P90, no driver analysis.
    pub fn new(net: &'a Network) -> Self {
        Forecaster {
            net: Cow::Borrowed(net),
            iterations: Iterations::Fixed(DEFAULT_ITERATIONS),
            seed: DEFAULT_SEED,
            threads: None,
            percentiles: DEFAULT_PERCENTILES.to_vec(),
            drivers: false,
            milestones_only: false,
            calibration: None,
            jcl_levels: vec![crate::stats::cost::FRONTIER_LEVEL],
            margin_level: 80.0,
            focus: None,
            task_percentiles: false,
        }
    }

    /// Iterations: fixed, or automatic to a precision.
    pub fn iterations(mut self, n: Iterations) -> Self {
        self.iterations = n;
        self
    }

    /// Seed of the keyed random streams.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Worker threads (`None`: one per core; the output is the same on any count).
    pub fn threads(mut self, threads: Option<usize>) -> Self {
        self.threads = threads;
        self
    }

    /// Percentiles to report, in percent (sorted and deduplicated here).
    pub fn percentiles(mut self, p: &[f64]) -> Self {
        let mut p = p.to_vec();
        p.sort_by(f64::total_cmp);
        p.dedup();
        self.percentiles = p;
        self
    }

    /// Whether to analyse what drives the dates (criticality, sensitivity, SSI, float,
    /// critical paths, risk and task drivers, merge bias): [`Forecast::drivers`].
    pub fn drivers(mut self, on: bool) -> Self {
        self.drivers = on;
        self
    }

    /// The milestone the criticality, drivers and bottlenecks describe (default: the
    /// latest reported one); an id that is not a reported milestone is an error.
    pub fn focus(mut self, id: Option<&str>) -> Result<Self> {
        let Some(id) = id else {
            return Ok(self);
        };
        let net = self.network();
        if !net
            .milestones
            .iter()
            .any(|m| net.tasks[m.task as usize].id == id)
        {
            let known: Vec<&str> = net
                .milestones
                .iter()
                .map(|m| net.tasks[m.task as usize].id.as_str())
                .collect();
            return Err(crate::error::Error::Argument {
                arg: crate::error::Arg::Milestone,
                message: format!(
                    " {id}: not a reported milestone; the plan reports {}",
                    crate::plan::sheet::listing(&known, 10)
                ),
            });
        }
        self.focus = Some(id.to_string());
        Ok(self)
    }

    /// Skips the per-task figures (criticality, mean dates stay zero) when only the
    /// milestones will be shown; milestone samples and risk statistics are unchanged.
    /// Ignored with drivers.
    pub fn milestones_only(mut self, on: bool) -> Self {
        self.milestones_only = on;
        self
    }

    /// Whether to compute every task's start and finish at the reported percentiles
    /// ([`crate::TaskForecast::percentiles`]): exact order statistics, found by running the
    /// iterations again two to four times rather than keeping every task's dates of every
    /// iteration. Off by default; ignored with [`milestones_only`](Self::milestones_only);
    /// left out, with a warning, beyond [`sim::quantiles::TASK_ITERATIONS_LIMIT`]
    /// task-iterations.
    pub fn task_percentiles(mut self, on: bool) -> Self {
        self.task_percentiles = on;
        self
    }

    /// Joint confidence levels of the cost–schedule frontiers (default 0.7), each in
    /// (0, 1): the least budget that meets each date together at that level.
    pub fn jcl_levels(mut self, levels: &[f64]) -> Result<Self> {
        if let Some(l) = levels.iter().find(|l| !(**l > 0.0 && **l < 1.0)) {
            return Err(crate::error::Error::Argument {
                arg: crate::error::Arg::Jcl,
                message: format!(" {l}: not a level between 0 and 1 (e.g. 0.7)"),
            });
        }
        let mut l = levels.to_vec();
        l.sort_by(f64::total_cmp);
        l.dedup();
        if !l.is_empty() {
            self.jcl_levels = l;
        }
        Ok(self)
    }

    /// The confidence (percent, default 80) each milestone's schedule margin is sized for:
    /// [`crate::stats::MilestoneForecast::margin`].
    pub fn margin_level(mut self, level: f64) -> Result<Self> {
        if !(level > 0.0 && level < 100.0) {
            return Err(crate::error::Error::Argument {
                arg: crate::error::Arg::MarginLevel,
                message: format!(" {level}: not a percentage between 0 and 100 (e.g. 80)"),
            });
        }
        self.margin_level = level;
        Ok(self)
    }

    /// Applies a correction fitted by `calibrate` (see [`calibrate::apply`]); `source`
    /// names it in the forecast's warnings.
    pub fn calibration(mut self, file: &CalibrationFile, source: &str) -> Self {
        let (line, warnings) = calibrate::apply(self.net.to_mut(), file, source);
        self.calibration = Some((line, warnings));
        self
    }

    /// The network that will be simulated (calibrated, when a calibration was given).
    pub fn network(&self) -> &Network {
        &self.net
    }

    /// The percentiles that will be reported.
    pub fn reported_percentiles(&self) -> &[f64] {
        &self.percentiles
    }

    /// Bytes the run is expected to need at most (see [`sim::memory_estimate`]).
    pub fn memory_estimate(&self) -> u64 {
        let threads = self.threads.unwrap_or_else(rayon::current_num_threads);
        sim::memory_estimate(&self.net, self.iterations.max(), threads, self.drivers)
    }

    fn config(&self, iterations: u64) -> SimConfig {
        SimConfig {
            iterations,
            seed: self.seed,
            threads: self.threads,
        }
    }

    /// Simulates and summarises: the [`Forecast`], with the driver analysis when asked,
    /// the calibration line and the `-n auto` outcome among its warnings.
    pub fn run(&self, progress: &dyn Progress) -> Result<Forecast> {
        let net = self.network();
        let tracked = |n: u64| {
            // Same keyed random numbers: the tracked run reproduces a plain run's samples.
            let sub = sim::subsample_size(net.len(), n);
            sim::simulate_tracked(net, &self.config(n), sub, progress)
        };
        let (samples, precise) = match self.iterations {
            // A fixed count with drivers needs only the tracked run.
            Iterations::Fixed(n) if self.drivers => (tracked(n)?, true),
            iterations => {
                let only = self.milestones_only && !self.drivers;
                let (samples, precise) =
                    self.simulate(iterations, &self.percentiles, only, progress)?;
                if self.drivers {
                    (tracked(samples.iterations)?, precise)
                } else {
                    (samples, precise)
                }
            }
        };
        let mut f = stats::forecast(net, &samples, &self.percentiles);
        stats::set_margins(net, &samples, &mut f, self.margin_level);
        let work = (net.len() as u64).saturating_mul(samples.iterations);
        let limit = sim::quantiles::TASK_ITERATIONS_LIMIT;
        let task_percentiles = self.task_percentiles && (!self.milestones_only || self.drivers);
        if task_percentiles && work > limit {
            f.warnings.push(Warning::new(
                WarningKind::NoTaskPercentiles,
                format!(
                    "no per-task percentiles: {} tasks × {} iterations is more than {} million task-iterations; run fewer iterations for them",
                    net.len(),
                    samples.iterations,
                    limit / 1_000_000
                ),
            ));
        } else if task_percentiles {
            let q = sim::with_threads(self.threads, || {
                sim::quantiles::task_quantiles(
                    net,
                    self.seed,
                    samples.iterations,
                    &self.percentiles,
                )
            })?;
            stats::set_task_percentiles(net, &q, &mut f);
        }
        if let Some(id) = &self.focus {
            f.set_focus(id);
        }
        if net.levelling.as_ref().is_some_and(|l| l.on) {
            self.resource_delays(&samples, &mut f)?;
            // Units in use week by week: the first iterations again, read per period.
            match sim::loading::loading(net, self.seed, samples.iterations) {
                Some(l) => crate::stats::resources::set_loading(&mut f.resources, &l),
                None => f.warnings.push(Warning::new(
                    WarningKind::NoLoading,
                    format!(
                        "no resource loading: the plan spans more than {} weeks",
                        sim::cashflow::MAX_PERIODS
                    ),
                )),
            }
        }
        if let Some(cf) = f.cost.as_mut() {
            if self.jcl_levels != [crate::stats::cost::FRONTIER_LEVEL] {
                crate::stats::cost::set_frontier_levels(cf, net, &samples, &self.jcl_levels);
            }
            // The spend in time: the first iterations again, placed period by period.
            match sim::cashflow::cash_flow(net, self.seed, samples.iterations) {
                Some(c) => cf.cashflow = Some(crate::stats::cost::cash_flow(&c)),
                None => f.warnings.push(Warning::new(
                    WarningKind::NoCashFlow,
                    format!(
                        "no cash flow: the plan's spend spans more than {} periods",
                        sim::cashflow::MAX_PERIODS
                    ),
                )),
            }
        }
        if let Some((line, warnings)) = &self.calibration {
            f.warnings
                .push(Warning::new(WarningKind::Calibrated, line.clone()));
            f.warnings.extend(warnings.iter().cloned());
            f.calibration = Some(line.clone());
        }
        if self.drivers {
            let d = drivers::analyse(net, &samples, &f, &self.config(samples.iterations), 10)?;
            f.warnings.extend(d.warnings.iter().cloned());
            f.drivers = Some(d);
        }
        if let Iterations::Auto { precision, .. } = self.iterations {
            let widest = widest_half_width(&samples, &self.percentiles);
            f.warnings.push(Warning::new(
                if precise {
                    WarningKind::AutoIterations
                } else {
                    WarningKind::PrecisionNotReached
                },
                if precise {
                format!(
                    "-n auto: {} iterations give every percentile a 95 % interval within ±{widest:.2} working days (asked ±{precision})",
                    samples.iterations
                )
            } else {
                format!(
                    "-n auto: precision ±{precision} not reached within --max-iterations {}; widest 95 % interval ±{widest:.2} working days",
                    samples.iterations
                )
            }));
        }
        Ok(f)
    }

    /// Each milestone's resource delay at P50 and P80: the levelled percentile minus the
    /// resource-free one over the same iterations (the same keyed random numbers, so
    /// only the waiting differs).
    fn resource_delays(&self, samples: &Samples, f: &mut Forecast) -> Result<()> {
        let net = self.network();
        let mut free = net.clone();
        if let Some(l) = free.levelling.as_mut() {
            l.on = false;
        }
        let mut unlevelled = sim::simulate_milestones(&free, &self.config(samples.iterations))?;
        for (mi, m) in f.milestones.iter_mut().enumerate() {
            let (Some(a), Some(b)) = (
                samples.milestones.get(mi),
                unlevelled.milestones.get_mut(mi),
            ) else {
                continue;
            };
            let mut a = a.clone();
            let delay = |p: f64, a: &mut [f32], b: &mut [f32]| {
                crate::num::round4(
                    net.days(stats::percentile_select(a, p) as f64)
                        - net.days(stats::percentile_select(b, p) as f64),
                )
            };
            m.resource_delay_p50 = Some(delay(50.0, &mut a, b));
            m.resource_delay_p80 = Some(delay(80.0, &mut a, b));
        }
        Ok(())
    }

    /// Compares what-if scenarios (each a network, e.g. from
    /// [`crate::model::scenario::apply_all`]) against this baseline with common random
    /// numbers. `-n auto` sizes the run on the baseline, then compares every scenario at
    /// that size.
    pub fn compare(
        &self,
        scenarios: &[(String, Network)],
        progress: &dyn Progress,
    ) -> Result<Comparison> {
        let iterations = match self.iterations {
            Iterations::Fixed(n) => n,
            auto => {
                self.simulate(auto, &COMPARE_PERCENTILES, false, progress)?
                    .0
                    .iterations
            }
        };
        let mut c = crate::analysis::compare::compare(
            self.network(),
            scenarios,
            &self.config(iterations),
            progress,
        )?;
        if self.drivers {
            // The same keyed random numbers: the baseline's drivers over its own futures.
            let base = self
                .clone()
                .iterations(Iterations::Fixed(iterations))
                .run(progress)?;
            c.forecasts[0].1.drivers = base.drivers;
        }
        if let Some(id) = &self.focus {
            for (_, f) in &mut c.forecasts {
                f.set_focus(id);
            }
        }
        Ok(c)
    }

    /// Simulates with a fixed or automatic iteration count. Because random numbers are
    /// keyed by iteration, the result for N iterations is exactly that of a fixed `-n N`
    /// run. Returns the samples and whether the precision target was met (always true
    /// when fixed).
    fn simulate(
        &self,
        iterations: Iterations,
        percentiles: &[f64],
        milestones_only: bool,
        progress: &dyn Progress,
    ) -> Result<(Samples, bool)> {
        let net = self.network();
        let run = |n: u64| {
            if milestones_only {
                sim::simulate_milestones_with(net, &self.config(n), progress)
            } else {
                sim::simulate(net, &self.config(n), progress)
            }
        };
        match iterations {
            Iterations::Fixed(n) => Ok((run(n)?, true)),
            Iterations::Auto {
                precision,
                start,
                max,
            } => {
                if precision.is_nan() || precision <= 0.0 {
                    return Err(Error::Argument {
                        arg: Arg::Precision,
                        message: " must be a positive number of working days".into(),
                    });
                }
                let mut n = start.clamp(1, max.max(1));
                loop {
                    let samples = run(n)?;
                    if widest_half_width(&samples, percentiles) <= precision {
                        return Ok((samples, true));
                    }
                    if n >= max {
                        return Ok((samples, false));
                    }
                    n = (n * 2).min(max);
                }
            }
        }
    }
}

/// The widest half-width of the 95 % confidence intervals of `percentiles` over all
/// milestones.
pub fn widest_half_width(samples: &Samples, percentiles: &[f64]) -> f64 {
    let mut widest = 0.0f64;
    for s in &samples.milestones {
        let mut v = s.clone();
        v.sort_unstable_by(f32::total_cmp);
        for &p in percentiles {
            let (lo, hi) = stats::percentile_ci(&v, p);
            widest = widest.max((hi as f64 - lo as f64) / 2.0);
        }
    }
    widest
}

/// Parses a percentile list such as `10,50,80,90` (each in (0, 100), ascending order
/// not required; duplicates removed; output sorted).
pub fn parse_percentiles(s: &str) -> Result<Vec<f64>> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let p = part.trim_start_matches(['p', 'P']);
        match p.parse::<f64>() {
            Ok(x) if x > 0.0 && x < 100.0 => out.push(x),
            _ => {
                return Err(Error::Argument {
                    arg: Arg::Percentiles,
                    message: format!(
                        ": \"{part}\" is not a percentage strictly between 0 and 100 (e.g. 10,50,80,90)"
                    ),
                });
            }
        }
    }
    if out.is_empty() {
        return Err(Error::Argument {
            arg: Arg::Percentiles,
            message: " needs at least one value, e.g. 10,50,80,90".into(),
        });
    }
    out.sort_by(f64::total_cmp);
    out.dedup();
    Ok(out)
}
