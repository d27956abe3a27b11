//! # slipcast
//!
//! A Monte Carlo schedule-risk engine. slipcast reads a plan — tasks with three-point
//! estimates, dependencies with lags, milestones with committed dates, a working
//! calendar — simulates it many thousands of times in parallel, and reports when each
//! milestone will land at a given confidence, the chance of meeting its target, and which
//! tasks are critical.
//!
//! Data flows one way: files → [`Plan`] → [`Network`] → [`Samples`] → [`Forecast`] → bytes.
//!
//! ```
//! use slipcast::{compile, forecast, plan, simulate, NoProgress, SimConfig};
//!
//! let plan = plan::from_tasks_csv(
//!     "id,min,likely,max,predecessors,milestone\n\
//!      design,5,8,14,,\n\
//!      build,10,15,25,design,\n\
//!      test,3,5,9,build,\n\
//!      launch,,,,test,true\n",
//!     "tasks.csv",
//! )?;
//! let net = compile(&plan)?;
//! let cfg = SimConfig { iterations: 5_000, seed: 1, threads: None };
//! let samples = simulate(&net, &cfg, &NoProgress)?;
//! let f = forecast(&net, &samples, &[50.0, 80.0]);
//! let launch = &f.milestones[0];
//! assert_eq!(launch.deterministic, 28.0); // 8 + 15 + 5
//! assert!(launch.percentiles[1].days > launch.percentiles[0].days);
//! # Ok::<(), slipcast::Error>(())
//! ```
#![deny(missing_docs)]

pub mod analysis;
pub mod error;
pub mod history;
pub mod import;
pub mod lanes;
pub mod model;
pub mod num;
pub mod plan;
pub mod report;
pub mod sim;
pub mod stats;

pub use error::{Diagnostic, Error, Result};
pub use model::{Network, compile};
pub use plan::{Plan, load};
pub use sim::{NoProgress, Progress, Samples, SimConfig, simulate};
pub use stats::{Forecast, forecast};

/// Default reported percentiles, in percent.
pub const DEFAULT_PERCENTILES: [f64; 4] = [10.0, 50.0, 80.0, 90.0];

/// Parses a percentile list such as `10,50,80,90` (each in (0, 100), ascending order
/// not required; duplicates removed; output sorted).
pub fn parse_percentiles(s: &str) -> Result<Vec<f64>> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let p = part.trim_start_matches(['p', 'P']);
        match p.parse::<f64>() {
            Ok(x) if x > 0.0 && x < 100.0 => out.push(x),
            _ => {
                return Err(Error::Usage(format!(
                    "--percentiles: \"{part}\" is not a percentage strictly between 0 and 100 (e.g. --percentiles 10,50,80,90)"
                )));
            }
        }
    }
    if out.is_empty() {
        return Err(Error::Usage(
            "--percentiles needs at least one value, e.g. 10,50,80,90".into(),
        ));
    }
    out.sort_by(f64::total_cmp);
    out.dedup();
    Ok(out)
}

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

/// Simulates with a fixed or automatic iteration count. Because random numbers are keyed
/// by iteration, the result for N iterations is exactly that of a fixed `-n N` run.
/// Returns the samples and whether the precision target was met (always true when fixed).
pub fn simulate_iterations(
    net: &Network,
    iterations: Iterations,
    seed: u64,
    threads: Option<usize>,
    percentiles: &[f64],
    progress: &dyn Progress,
) -> Result<(Samples, bool)> {
    simulate_iterations_with(net, iterations, seed, threads, percentiles, progress, false)
}

/// [`simulate_iterations`]; with `milestones_only` the per-task figures (criticality,
/// mean dates) are not computed and stay zero — for outputs that show milestones only.
/// Milestone samples and risk statistics are the same either way.
pub fn simulate_iterations_with(
    net: &Network,
    iterations: Iterations,
    seed: u64,
    threads: Option<usize>,
    percentiles: &[f64],
    progress: &dyn Progress,
    milestones_only: bool,
) -> Result<(Samples, bool)> {
    let simulate = |net: &Network, cfg: &SimConfig, progress: &dyn Progress| {
        if milestones_only {
            sim::simulate_milestones_with(net, cfg, progress)
        } else {
            simulate(net, cfg, progress)
        }
    };
    match iterations {
        Iterations::Fixed(n) => Ok((
            simulate(
                net,
                &SimConfig {
                    iterations: n,
                    seed,
                    threads,
                },
                progress,
            )?,
            true,
        )),
        Iterations::Auto {
            precision,
            start,
            max,
        } => {
            if precision.is_nan() || precision <= 0.0 {
                return Err(Error::Usage(
                    "--precision must be a positive number of working days".into(),
                ));
            }
            let mut n = start.clamp(1, max.max(1));
            loop {
                let samples = simulate(
                    net,
                    &SimConfig {
                        iterations: n,
                        seed,
                        threads,
                    },
                    progress,
                )?;
                let widest = widest_half_width(&samples, percentiles);
                if widest <= precision {
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
