//! The simulation: keyed random streams, the block kernel and rayon orchestration.
//!
//! Pure: no I/O. Blocks of [`LANES`] iterations run in parallel; each writes its
//! milestone finishes into its own slice of the sample buffer and adds to per-thread
//! fixed-point accumulators, so results are byte-identical for any thread count.

// Lane loops index several arrays by the same lane number; that form is the clearest
// and the one LLVM vectorises.
#[allow(clippy::needless_range_loop)]
mod kernel;
#[allow(clippy::needless_range_loop)]
pub mod rng;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::model::Network;
pub use rng::LANES;

/// Receives progress from a running simulation. Every method has a no-op default.
pub trait Progress: Sync {
    /// The run starts; `total` iterations will be simulated.
    fn start(&self, _total: u64) {}
    /// `n` more iterations are done.
    fn advance(&self, _n: u64) {}
    /// The run is over.
    fn finish(&self) {}
}

/// A [`Progress`] that ignores everything.
pub struct NoProgress;
impl Progress for NoProgress {}

/// How to run a simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimConfig {
    /// Number of iterations (≥ 1).
    pub iterations: u64,
    /// Seed of every random stream.
    pub seed: u64,
    /// Worker threads; `None` uses rayon's default (one per core).
    pub threads: Option<usize>,
}

/// Default seed: fixed, printed in every output.
pub const DEFAULT_SEED: u64 = 1;
/// Default iteration count.
pub const DEFAULT_ITERATIONS: u64 = 10_000;

/// Raw simulation results: milestone samples and per-task accumulators.
#[derive(Debug, Clone)]
pub struct Samples {
    /// Iterations simulated.
    pub iterations: u64,
    /// Seed used.
    pub seed: u64,
    /// Per milestone (same order as `Network::milestones`): finish time of every iteration,
    /// in iteration order.
    pub milestones: Vec<Vec<f32>>,
    /// Per task: mean early start.
    pub mean_start: Vec<f64>,
    /// Per task: mean early finish.
    pub mean_finish: Vec<f64>,
    /// Per milestone, per ancestor (aligned with `Milestone::ancestors`): share of
    /// iterations in which the task is critical to that milestone.
    pub criticality: Vec<Vec<f64>>,
    /// Per risk: share of iterations in which it occurred.
    pub risk_occurrence: Vec<f64>,
    /// Per risk: mean impact drawn when it occurred (in its unit; 0 if it never did).
    pub risk_mean_impact: Vec<f64>,
    /// Per risk: mean working days it added to the tasks it hits, per iteration in which
    /// it occurred (summed over those tasks; 0 if it never occurred).
    pub risk_mean_added: Vec<f64>,
}

/// Runs the Monte Carlo simulation of `net`.
pub fn simulate(net: &Network, cfg: &SimConfig, progress: &dyn Progress) -> Result<Samples> {
    if cfg.iterations == 0 {
        return Err(Error::Usage(
            "the iteration count must be at least 1".into(),
        ));
    }
    let n_iter = usize::try_from(cfg.iterations)
        .map_err(|_| Error::Usage("the iteration count is too large for this machine".into()))?;
    let k = net.milestones.len().max(1);
    let keys = kernel::Keys::new(net, cfg.seed);
    let mut buf = vec![0f32; n_iter * k];
    progress.start(cfg.iterations);
    // Blocks are grouped into a few jobs per thread; each job borrows a scratch buffer
    // from a free list, so scratch (tasks × 64 lanes) is allocated once per thread, not
    // once per rayon split. Accumulators are integers: the merge order does not matter.
    let free: std::sync::Mutex<Vec<kernel::Scratch>> = std::sync::Mutex::new(Vec::new());
    let run = |buf: &mut Vec<f32>| {
        let blocks = n_iter.div_ceil(LANES);
        let jobs = (rayon::current_num_threads() * 4).clamp(1, blocks);
        let per_job = blocks.div_ceil(jobs);
        buf.par_chunks_mut(per_job * LANES * k)
            .enumerate()
            .map(|(j, job)| {
                let taken = free.lock().ok().and_then(|mut f| f.pop());
                let mut scratch = taken.unwrap_or_else(|| kernel::Scratch::new(net));
                let mut acc = kernel::Acc::new(net);
                for (i, chunk) in job.chunks_mut(LANES * k).enumerate() {
                    let valid = chunk.len() / k;
                    let b = (j * per_job + i) as u64;
                    kernel::run_block(net, &keys, b, valid, &mut scratch, &mut acc, chunk);
                    progress.advance(valid as u64);
                }
                if let Ok(mut f) = free.lock() {
                    f.push(scratch);
                }
                acc
            })
            .reduce(|| kernel::Acc::new(net), kernel::Acc::merge)
    };
    let acc = match cfg.threads {
        Some(t) => rayon::ThreadPoolBuilder::new()
            .num_threads(t.max(1))
            .build()
            .map_err(|e| Error::Usage(format!("cannot start {t} threads: {e}")))?
            .install(|| run(&mut buf)),
        None => run(&mut buf),
    };
    progress.finish();
    let milestones = (0..net.milestones.len())
        .map(|m| buf.iter().skip(m).step_by(k).copied().collect())
        .collect();
    let iters = cfg.iterations;
    Ok(Samples {
        iterations: iters,
        seed: cfg.seed,
        milestones,
        mean_start: acc
            .sum_start
            .iter()
            .map(|&s| kernel::fixed_mean(s, iters))
            .collect(),
        mean_finish: acc
            .sum_finish
            .iter()
            .map(|&s| kernel::fixed_mean(s, iters))
            .collect(),
        risk_occurrence: acc
            .risk_occurred
            .iter()
            .map(|&c| c as f64 / iters as f64)
            .collect(),
        risk_mean_impact: acc
            .risk_impact
            .iter()
            .zip(&acc.risk_occurred)
            .map(|(&s, &c)| {
                if c == 0 {
                    0.0
                } else {
                    kernel::fixed_mean(s, c)
                }
            })
            .collect(),
        risk_mean_added: acc
            .risk_added
            .iter()
            .zip(&acc.risk_occurred)
            .map(|(&s, &c)| {
                if c == 0 {
                    0.0
                } else {
                    kernel::fixed_mean(s, c)
                }
            })
            .collect(),
        criticality: acc
            .crit
            .iter()
            .map(|c| c.iter().map(|&x| x as f64 / iters as f64).collect())
            .collect(),
    })
}
