//! The simulation: keyed random streams, the block kernel and rayon orchestration.
//!
//! Pure: no I/O. Blocks of [`LANES`] iterations run in parallel; each writes its
//! milestone finishes into its own slice of the sample buffer and adds to per-thread
//! fixed-point accumulators, so results are byte-identical for any thread count.

// Lane loops index several arrays by the same lane number; that form is the clearest
// and the one LLVM vectorises.
#[allow(clippy::needless_range_loop)]
mod kernel;

pub mod cashflow;
pub mod loading;
pub(crate) mod periods;
pub mod quantiles;

use rayon::prelude::*;

use crate::error::{Error, Result};
pub use crate::lanes::LANES;
use crate::model::Network;

/// What a replay keeps per worker: the block's scratch, accumulators and row buffer.
type ReplayBuffers = (kernel::Scratch, kernel::Acc, Vec<f32>);

/// A replay's fixed part: the network, its keyed random numbers, what is tracked and
/// how many iterations there are.
struct Replay<'a> {
    net: &'a Network,
    keys: kernel::Keys,
    n: usize,
    track: kernel::Tracking,
    width: usize,
}

impl<'a> Replay<'a> {
    fn new(net: &'a Network, seed: u64, n: usize, track: kernel::Tracking) -> Self {
        let k = net.milestones().len();
        let cost = if track.cost {
            net.cost().map_or(0, |c| c.width(k))
        } else {
            0
        };
        Replay {
            net,
            keys: kernel::Keys::new(net, seed),
            n,
            track,
            width: k + cost + 2 * kernel::levelled_resources(net),
        }
    }

    fn blocks(&self) -> usize {
        self.n.div_ceil(LANES)
    }

    fn buffers(&self) -> ReplayBuffers {
        (
            kernel::Scratch::new(self.net),
            kernel::Acc::new(self.net),
            vec![0f32; LANES * self.width],
        )
    }

    /// Runs block `block` into `buf`; the block, for reading the scratch.
    fn run(&self, block: u64, buf: &mut ReplayBuffers) -> kernel::Block<'_> {
        let b = kernel::Block {
            net: self.net,
            keys: &self.keys,
            block,
            valid: (self.n - block as usize * LANES).min(LANES),
            track: self.track,
            loo: None,
        };
        let (s, acc, out) = buf;
        kernel::run_block(
            b,
            kernel::BlockOut {
                s,
                acc,
                out,
                hashes: &mut [],
                loo_out: &mut [],
            },
        );
        b
    }
}

/// Runs the first `n` iterations of `net` with `seed` again, block by block in parallel
/// with the same keyed random numbers (so each is the forecast's iteration), and reads
/// each block with `read(state, scratch, block)`; every thread starts from its own clone
/// of `state`. The blocks' readings, in block order; None when any reading is None.
pub(crate) fn replay<S, R>(
    net: &Network,
    seed: u64,
    n: usize,
    track: kernel::Tracking,
    state: &S,
    read: impl Fn(&mut S, &mut kernel::Scratch, &kernel::Block) -> Option<R> + Sync,
) -> Option<Vec<R>>
where
    S: Clone + Send + Sync,
    R: Send,
{
    let r = Replay::new(net, seed, n, track);
    (0..r.blocks() as u64)
        .into_par_iter()
        .map_init(
            || (r.buffers(), state.clone()),
            |(buf, state), block| {
                let b = r.run(block, buf);
                read(state, &mut buf.0, &b)
            },
        )
        .collect()
}

/// Runs the first `n` iterations of `net` with `seed` again, as [`replay`] does, and
/// folds every block into a worker's state with `read(state, scratch, block)`. The
/// workers' states, one per worker that ran (at most one per thread), in no particular
/// order: merge them with an operation for which the order does not matter.
pub(crate) fn replay_fold<S: Send>(
    net: &Network,
    seed: u64,
    n: usize,
    track: kernel::Tracking,
    make: impl Fn() -> S + Sync,
    read: impl Fn(&mut S, &kernel::Scratch, &kernel::Block) + Sync,
) -> Vec<S> {
    let r = Replay::new(net, seed, n, track);
    let blocks = r.blocks();
    let per_job = blocks_per_job(blocks);
    let pool = Pool::default();
    (0..blocks.div_ceil(per_job)).into_par_iter().for_each(|j| {
        let (mut buf, mut state) = pool.take(|| (r.buffers(), make()));
        for block in j * per_job..((j + 1) * per_job).min(blocks) {
            let b = r.run(block as u64, &mut buf);
            read(&mut state, &buf.0, &b);
        }
        pool.give((buf, state));
    });
    pool.into_items().into_iter().map(|(_, s)| s).collect()
}

/// Bytes of sampled durations the sensitivity subsample may keep (tasks × iterations × 4).
pub const SENSITIVITY_BUDGET: usize = 64 << 20;

/// Subsample size for sensitivity, for a network of `tasks` tasks and `n` iterations:
/// every iteration while their durations fit [`SENSITIVITY_BUDGET`].
pub fn subsample_size(tasks: usize, n: u64) -> usize {
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    let cap = (SENSITIVITY_BUDGET / 4 / tasks.max(1)).max(LANES);
    if n <= cap {
        return n;
    }
    (cap / LANES) * LANES
}

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
    /// Levelled runs: per resource, the most units held at once in each iteration.
    pub resource_peak: Vec<Vec<f32>>,
    /// Levelled runs: per resource, units × time held in each iteration (time on the
    /// network's axis: working days, or calendar days on several calendars).
    pub resource_held: Vec<Vec<f32>>,
    /// Levelled runs: per resource, iterations in which some task waited for it.
    pub resource_waited: Vec<u64>,
    /// Levelled runs: per task, the mean working days it waited for resources.
    pub mean_wait: Vec<f64>,
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
    /// Driver analysis, when asked for.
    pub tracked: Option<Tracked>,
    /// Per risk: share of iterations in which it occurred.
    pub risk_occurrence: Vec<f64>,
    /// Per risk: mean impact drawn when it occurred (in its unit; 0 if it never did).
    pub risk_mean_impact: Vec<f64>,
    /// Per risk: mean working days it added to the tasks it hits, per iteration in which
    /// it occurred (summed over those tasks; 0 if it never occurred).
    pub risk_mean_added: Vec<f64>,
    /// Per risk with a cost impact: its mean cost per iteration in which it occurred
    /// (None without a cost impact).
    pub risk_mean_cost: Vec<Option<f64>>,
    /// When the plan has costs: per cost item (the slots of
    /// [`crate::model::cost::CostModel::width`]), its value in every iteration less its
    /// `cost_offset`, in iteration order (aligned with `milestones`).
    pub costs: Vec<Vec<f32>>,
    /// Per cost item: the amount its values in `costs` are relative to (the deterministic
    /// plan's), so that `f32` keeps the cents of a spread however large the total.
    pub cost_offset: Vec<f64>,
}

impl Samples {
    /// Cost item `slot`'s amount in every iteration (its stored value plus its offset).
    pub fn cost_item(&self, slot: usize) -> Vec<f64> {
        let off = self.cost_offset[slot];
        self.costs[slot].iter().map(|&x| off + x as f64).collect()
    }
}

/// What a driver analysis collects beyond the plain forecast.
#[derive(Debug, Clone)]
pub struct Tracked {
    /// Per task: mean of its duration.
    pub dur_mean: Vec<f64>,
    /// Per task: standard deviation of its duration.
    pub dur_sd: Vec<f64>,
    /// Per milestone, per ancestor: mean total float towards that milestone.
    pub float_mean: Vec<Vec<f64>>,
    /// Per milestone, per iteration: an order-free hash of the set of critical tasks.
    pub hashes: Vec<Vec<u64>>,
    /// Number of iterations kept in the subsample (the first ones).
    pub sub_iterations: usize,
    /// The subsample's blocks in order, each task-major as the kernel leaves it: task t,
    /// lane l at `t * LANES + l` (read through [`Tracked::duration_chunks`]).
    pub sub_blocks: Vec<Vec<f32>>,
    /// Per milestone: for each subsample block in order, the critical lane masks of its
    /// ancestors.
    pub sub_crit: Vec<Vec<Vec<u64>>>,
    /// A plan with cost: the subsample's blocks in order, each cost entry's cost lanes
    /// entry-major (read through [`Tracked::cost_chunks`]).
    pub sub_costs: Vec<Vec<f32>>,
}

impl Tracked {
    /// Task `t`'s durations over the subsample, one slice per block, in iteration order.
    pub fn duration_chunks(&self, t: usize) -> impl Iterator<Item = &[f32]> + '_ {
        self.sub_blocks.iter().enumerate().map(move |(b, lanes)| {
            let live = self.sub_iterations.saturating_sub(b * LANES).min(LANES);
            &lanes[t * LANES..t * LANES + live]
        })
    }

    /// Cost entry `ci`'s cost over the subsample, one slice per block, in iteration order
    /// (empty when the plan has no cost).
    pub fn cost_chunks(&self, ci: usize) -> impl Iterator<Item = &[f32]> + '_ {
        self.sub_costs.iter().enumerate().map(move |(b, lanes)| {
            let live = self.sub_iterations.saturating_sub(b * LANES).min(LANES);
            &lanes[ci * LANES..ci * LANES + live]
        })
    }
}

/// Columns `first..first + count` of a row-major buffer `w` wide, each as one vector,
/// copied a tile of rows at a time (a column at a time read every row of a buffer a
/// thousand milestones wide once per milestone, a cache miss per value).
fn columns<T: Copy>(buf: &[T], w: usize, first: usize, count: usize) -> Vec<Vec<T>> {
    const TILE: usize = 64;
    let rows = buf.len().checked_div(w).unwrap_or(0);
    let mut out: Vec<Vec<T>> = (0..count).map(|_| Vec::with_capacity(rows)).collect();
    for r0 in (0..rows).step_by(TILE) {
        let r1 = (r0 + TILE).min(rows);
        for (c, col) in out.iter_mut().enumerate() {
            col.extend((r0..r1).map(|r| buf[r * w + first + c]));
        }
    }
    out
}

/// Means of fixed-point sums over the iterations in which each risk occurred (0 when it
/// never did).
fn per_occurrence(sums: &[i128], counts: &[u64]) -> Vec<f64> {
    sums.iter()
        .zip(counts)
        .map(|(&s, &c)| {
            if c == 0 {
                0.0
            } else {
                kernel::fixed_mean(s, c)
            }
        })
        .collect()
}

/// Bytes a run of `net` needs, roughly: milestone samples (kept, then transposed), the
/// critical-path hashes and duration subsample of a driver analysis, and the per-thread
/// scratch (tasks × 64 lanes of duration, start, finish, latest finish).
pub fn memory_estimate(net: &Network, iterations: u64, threads: usize, drivers: bool) -> u64 {
    // In u128 and saturated: an absurd iteration count must read as an absurd need, not
    // wrap around to a small one.
    let it = iterations as u128;
    let n = net.len() as u128;
    let k = net.milestones.len().max(1) as u128;
    let samples = it * k * 4 * 2;
    let hashes = if drivers { it * k * 8 * 2 } else { 0 };
    // Durations and, with costs, each cost entry's cost.
    let entries = net.cost.as_ref().map_or(0, |c| c.tasks.len()) as u128;
    let sub = if drivers {
        (n + entries) * subsample_size(net.len(), iterations) as u128 * 4
    } else {
        0
    };
    let scratch = threads.max(1) as u128 * n * LANES as u128 * 4 * if drivers { 5 } else { 3 };
    let ancestors: u128 = net
        .milestones
        .iter()
        .map(|m| m.ancestors.len() as u128 * 8 * 4)
        .sum();
    // Leave-one-out samples: one milestone set per risk and uncertainty driver, in
    // batches of at most 256 MiB.
    let loo = if drivers {
        (it * k * 4 * (net.risks.len() as u128 + 10)).min(256 << 20)
    } else {
        0
    };
    u64::try_from(samples + hashes + sub + scratch + ancestors + loo + n * 512).unwrap_or(u64::MAX)
}

/// A change for [`simulate_leave_one_out`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaveOut {
    /// Hold this task (topological index) at its deterministic duration.
    HoldTask(usize),
    /// Treat this risk (index into `Network::risks`) as absent.
    RemoveRisk(usize),
}

/// Milestone finishes of `net` with each change applied alone (`result[change][milestone]`,
/// one value per iteration), with the same keyed random numbers as a plain run. Sample
/// for sample the same as simulating a copy of the network with the change (a test
/// checks it), but each block samples the network once and re-runs only the part
/// downstream of each change. Changes are evaluated in batches that keep the stored
/// samples within about 256 MiB.
pub fn simulate_leave_one_out(
    net: &Network,
    cfg: &SimConfig,
    changes: &[LeaveOut],
) -> Result<Vec<Vec<Vec<f32>>>> {
    let mut result: Vec<Vec<Vec<f32>>> = vec![Vec::new(); changes.len()];
    leave_one_out_each(
        net,
        cfg,
        changes,
        |_, _| true,
        |v, _, lanes| result[v].push(lanes.to_vec()),
    )?;
    Ok(result)
}

/// As [`simulate_leave_one_out`], without keeping every variant: for each change `v`
/// and milestone `m` with `wanted(v, m)`, `visit(v, m, samples)` receives that
/// milestone's finishes (one per iteration, in iteration order) in a buffer it may
/// reorder. Memory stays at one batch of about 256 MiB whatever the number of changes.
pub fn leave_one_out_each(
    net: &Network,
    cfg: &SimConfig,
    changes: &[LeaveOut],
    wanted: impl Fn(usize, usize) -> bool,
    mut visit: impl FnMut(usize, usize, &mut [f32]),
) -> Result<()> {
    let n_iter = iteration_count(cfg)?;
    if net.levelling.as_ref().is_some_and(|l| l.on) {
        return leave_one_out_levelled(net, cfg, changes, wanted, visit);
    }
    let n = net.len();
    let k = net.milestones.len().max(1);
    let keys = kernel::Keys::new(net, cfg.seed);
    let changes: Vec<kernel::VariantSpec> = changes
        .iter()
        .map(|c| {
            let mut changed = vec![false; n];
            match *c {
                LeaveOut::HoldTask(t) => {
                    if t < n {
                        changed[t] = true;
                    }
                    kernel::VariantSpec {
                        hold: Some(t),
                        skip_risk: None,
                        changed,
                    }
                }
                LeaveOut::RemoveRisk(r) => {
                    for (t, flag) in changed.iter_mut().enumerate() {
                        let hits =
                            &net.hits[net.hit_start[t] as usize..net.hit_start[t + 1] as usize];
                        *flag = hits.iter().any(|h| h.risk as usize == r);
                    }
                    kernel::VariantSpec {
                        hold: None,
                        skip_risk: Some(r),
                        changed,
                    }
                }
            }
        })
        .collect();
    let batch = ((256usize << 20) / (n_iter * k * 4).max(1)).clamp(1, changes.len().max(1));
    let blocks = n_iter.div_ceil(LANES);
    let pool = Pool::default();
    let mut lanes = vec![0f32; n_iter];
    for (g, group) in changes.chunks(batch).enumerate() {
        let program = kernel::LooProgram::new(net, group);
        let chunk = group.len() * LANES * k;
        let mut vbuf = vec![0f32; blocks * chunk];
        with_threads(cfg.threads, || {
            let per_job = blocks_per_job(blocks);
            vbuf.par_chunks_mut(per_job * chunk)
                .enumerate()
                .for_each(|(j, job)| {
                    let (mut scratch, mut acc, mut base) = pool.take(|| {
                        (
                            kernel::Scratch::new(net),
                            kernel::Acc::new(net),
                            vec![0f32; LANES * k],
                        )
                    });
                    let track = kernel::Tracking::new(net, false, 0, true);
                    for (i, out) in job.chunks_mut(chunk).enumerate() {
                        let b = j * per_job + i;
                        let valid = (n_iter - b * LANES).min(LANES);
                        let block = kernel::Block {
                            net,
                            keys: &keys,
                            block: b as u64,
                            valid,
                            track,
                            loo: Some(&program),
                        };
                        kernel::run_block(
                            block,
                            kernel::BlockOut {
                                s: &mut scratch,
                                acc: &mut acc,
                                out: &mut base,
                                hashes: &mut [],
                                loo_out: out,
                            },
                        );
                    }
                    pool.give((scratch, acc, base));
                });
        })?;
        for v in 0..group.len() {
            let change = g * batch + v;
            for m in 0..net.milestones.len() {
                if !wanted(change, m) {
                    continue;
                }
                for (i, x) in lanes.iter_mut().enumerate() {
                    let (b, l) = (i / LANES, i % LANES);
                    *x = vbuf[b * chunk + v * LANES * k + l * k + m];
                }
                visit(change, m, &mut lanes);
            }
        }
    }
    Ok(())
}

/// [`leave_one_out_each`] on a levelled network: a change to one task moves every task
/// that later waits for the same resources, so no cone of tasks bounds a variant; each
/// variant is a whole simulation of the changed network (same seed: common random
/// numbers).
fn leave_one_out_levelled(
    net: &Network,
    cfg: &SimConfig,
    changes: &[LeaveOut],
    wanted: impl Fn(usize, usize) -> bool,
    mut visit: impl FnMut(usize, usize, &mut [f32]),
) -> Result<()> {
    for (v, c) in changes.iter().enumerate() {
        if !(0..net.milestones.len()).any(|m| wanted(v, m)) {
            continue;
        }
        let mut changed = net.clone();
        match *c {
            LeaveOut::HoldTask(t) if t < net.len() => {
                changed.samplers[t] =
                    crate::model::sampler::Sampler::Fixed(net.det_duration[t] as f32);
            }
            LeaveOut::RemoveRisk(r) if r < net.risks.len() => changed.risks[r].probability = 0.0,
            _ => {}
        }
        let mut samples = simulate_milestones(&changed, cfg)?;
        for (m, lanes) in samples.milestones.iter_mut().enumerate() {
            if wanted(v, m) {
                visit(v, m, lanes);
            }
        }
    }
    Ok(())
}

/// The iteration count of `cfg` as a length: at least 1 and addressable.
fn iteration_count(cfg: &SimConfig) -> Result<usize> {
    if cfg.iterations == 0 {
        return Err(Error::Usage(
            "the iteration count must be at least 1".into(),
        ));
    }
    usize::try_from(cfg.iterations)
        .map_err(|_| Error::Usage("the iteration count is too large for this machine".into()))
}

/// Blocks per parallel job: a few jobs per thread, so that work balances while each job
/// borrows its buffers from a [`Pool`] for all its blocks. (32 jobs per thread measured
/// no faster for a plain run and 10 % slower for leave-one-out.)
fn blocks_per_job(blocks: usize) -> usize {
    let jobs = (rayon::current_num_threads() * 4).clamp(1, blocks.max(1));
    blocks.div_ceil(jobs)
}

/// Buffers shared by the jobs of one run through a free list — scratch (tasks × 64
/// lanes) and accumulators: as many are made as jobs run at once (one per thread), not
/// one per job.
struct Pool<T>(std::sync::Mutex<Vec<T>>);

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Pool(std::sync::Mutex::new(Vec::new()))
    }
}

impl<T> Pool<T> {
    fn take(&self, make: impl FnOnce() -> T) -> T {
        let taken = self.0.lock().ok().and_then(|mut f| f.pop());
        taken.unwrap_or_else(make)
    }

    fn give(&self, item: T) {
        if let Ok(mut f) = self.0.lock() {
            f.push(item);
        }
    }

    /// Everything made, once the jobs are done.
    fn into_items(self) -> Vec<T> {
        self.0.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

/// Runs `f` on a pool of `threads` workers (`None`: rayon's global pool).
pub fn with_threads<R: Send>(threads: Option<usize>, f: impl FnOnce() -> R + Send) -> Result<R> {
    match threads {
        Some(t) => Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(t.max(1))
            .build()
            .map_err(|e| Error::Usage(format!("cannot start {t} threads: {e}")))?
            .install(f)),
        None => Ok(f()),
    }
}

/// Memory the system says is available, in bytes (Linux `MemAvailable`), if known.
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Runs the Monte Carlo simulation of `net`.
pub fn simulate(net: &Network, cfg: &SimConfig, progress: &dyn Progress) -> Result<Samples> {
    simulate_tracked(net, cfg, 0, progress)
}

/// Runs the simulation for milestone finishes only: no criticality, no per-task means
/// (those fields of the result are zero). For leave-one-out and other comparisons.
pub fn simulate_milestones(net: &Network, cfg: &SimConfig) -> Result<Samples> {
    run(net, cfg, 0, true, &NoProgress)
}

/// [`simulate_milestones`] reporting progress.
pub fn simulate_milestones_with(
    net: &Network,
    cfg: &SimConfig,
    progress: &dyn Progress,
) -> Result<Samples> {
    run(net, cfg, 0, true, progress)
}

/// Runs the simulation and, when `subsample > 0`, a driver analysis keeping every task's
/// durations for the first `subsample` iterations (rounded up to whole blocks of 64).
pub fn simulate_tracked(
    net: &Network,
    cfg: &SimConfig,
    subsample: usize,
    progress: &dyn Progress,
) -> Result<Samples> {
    run(net, cfg, subsample, false, progress)
}

fn run(
    net: &Network,
    cfg: &SimConfig,
    subsample: usize,
    lean: bool,
    progress: &dyn Progress,
) -> Result<Samples> {
    let n_iter = iteration_count(cfg)?;
    let k = net.milestones.len().max(1);
    // Each iteration's row: the milestones' finishes, then the cost items.
    let n_cost = net
        .cost
        .as_ref()
        .map_or(0, |c| c.width(net.milestones.len()));
    let n_res = kernel::levelled_resources(net);
    let w = net.milestones.len() + n_cost + 2 * n_res;
    let w = w.max(1);
    let keys = kernel::Keys::new(net, cfg.seed);
    let mut buf = vec![0f32; n_iter * w];
    let on = subsample > 0;
    let mut track =
        kernel::Tracking::new(net, on, subsample.min(n_iter).div_ceil(LANES) as u64, lean);
    track.cost = n_cost > 0;
    let mut hbuf = vec![0u64; if on { n_iter * k } else { 0 }];
    progress.start(cfg.iterations);
    // Blocks are grouped into jobs; each job borrows a scratch buffer and accumulators
    // from a free list, so both are made once per thread, not once per job or rayon
    // split. Accumulators are integers: the merge order does not matter.
    let new_acc = || {
        if on {
            kernel::Acc::tracked(net)
        } else {
            kernel::Acc::new(net)
        }
    };
    let run = |buf: &mut Vec<f32>, hbuf: &mut Vec<u64>| {
        let pool = Pool::default();
        let blocks = n_iter.div_ceil(LANES);
        let per_job = blocks_per_job(blocks);
        let job_len = per_job * LANES * w;
        let mut hchunks: Vec<&mut [u64]> = if on {
            hbuf.chunks_mut(per_job * LANES * k).collect()
        } else {
            buf.chunks(job_len)
                .map(|_| <&mut [u64]>::default())
                .collect()
        };
        buf.par_chunks_mut(job_len)
            .zip(hchunks.par_iter_mut())
            .enumerate()
            .for_each(|(j, (job, hjob))| {
                let (mut scratch, mut acc) = pool.take(|| (kernel::Scratch::new(net), new_acc()));
                for (i, chunk) in job.chunks_mut(LANES * w).enumerate() {
                    let valid = chunk.len() / w;
                    let b = (j * per_job + i) as u64;
                    let h: &mut [u64] = if on {
                        &mut hjob[i * LANES * k..i * LANES * k + valid * k]
                    } else {
                        &mut []
                    };
                    let block = kernel::Block {
                        net,
                        keys: &keys,
                        block: b,
                        valid,
                        track,
                        loo: None,
                    };
                    kernel::run_block(
                        block,
                        kernel::BlockOut {
                            s: &mut scratch,
                            acc: &mut acc,
                            out: chunk,
                            hashes: h,
                            loo_out: &mut [],
                        },
                    );
                    progress.advance(valid as u64);
                }
                pool.give((scratch, acc));
            });
        pool.into_items()
            .into_iter()
            .map(|(_, acc)| acc)
            .fold(new_acc(), kernel::Acc::merge)
    };
    let mut acc = with_threads(cfg.threads, || run(&mut buf, &mut hbuf))?;
    progress.finish();
    let milestones = columns(&buf, w, 0, net.milestones.len());
    let costs = columns(&buf, w, net.milestones.len(), n_cost);
    let res = columns(&buf, w, net.milestones.len() + n_cost, 2 * n_res);
    let (mut resource_peak, mut resource_held) = (Vec::new(), Vec::new());
    for (i, c) in res.into_iter().enumerate() {
        if i % 2 == 0 {
            resource_peak.push(c);
        } else {
            resource_held.push(c);
        }
    }
    let iters = cfg.iterations;
    let tracked = on.then(|| {
        let mut acc_sub = std::mem::take(&mut acc.sub);
        acc_sub.sort_unstable_by_key(|(b, _)| *b);
        let sub_iterations = (acc_sub.len() * LANES).min(n_iter);
        let sub_blocks: Vec<Vec<f32>> = acc_sub.into_iter().map(|(_, b)| b).collect();
        let mut acc_sub_cost = std::mem::take(&mut acc.sub_cost);
        acc_sub_cost.sort_unstable_by_key(|(b, _)| *b);
        let sub_costs: Vec<Vec<f32>> = acc_sub_cost.into_iter().map(|(_, b)| b).collect();
        let mut crit = std::mem::take(&mut acc.sub_crit);
        crit.sort_by_key(|(b, mi, _)| (*mi, *b));
        let mut sub_crit = vec![Vec::new(); net.milestones.len()];
        for (_, mi, masks) in crit {
            sub_crit[mi].push(masks);
        }
        let mean = |x: i128| kernel::fixed_mean(x, iters);
        Tracked {
            dur_mean: acc.sum_dur.iter().map(|&x| mean(x)).collect(),
            dur_sd: acc
                .sum_dur
                .iter()
                .zip(&acc.sum_dur2)
                .map(|(&s1, &s2)| {
                    let m = mean(s1);
                    let var = (mean(s2) - m * m) * iters as f64 / (iters as f64 - 1.0).max(1.0);
                    var.max(0.0).sqrt()
                })
                .collect(),
            float_mean: acc
                .float
                .iter()
                .map(|v| v.iter().map(|&x| mean(x)).collect())
                .collect(),
            hashes: columns(&hbuf, k, 0, net.milestones.len()),
            sub_iterations,
            sub_blocks,
            sub_crit,
            sub_costs,
        }
    });
    Ok(Samples {
        tracked,
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
        risk_mean_impact: per_occurrence(&acc.risk_impact, &acc.risk_occurred),
        risk_mean_added: per_occurrence(&acc.risk_added, &acc.risk_occurred),
        risk_mean_cost: per_occurrence(&acc.risk_cost, &acc.risk_occurred)
            .into_iter()
            .enumerate()
            .map(|(r, c)| {
                let costed = net
                    .cost
                    .as_ref()
                    .is_some_and(|cm| cm.risk_cost[r].is_some());
                costed.then_some(c)
            })
            .collect(),
        costs,
        cost_offset: keys.cost_offset.clone(),
        resource_peak,
        resource_held,
        resource_waited: acc.waited.clone(),
        mean_wait: acc
            .wait
            .iter()
            .map(|&s| kernel::fixed_mean(s, iters))
            .collect(),
        criticality: acc
            .crit
            .iter()
            .map(|c| c.iter().map(|&x| x as f64 / iters as f64).collect())
            .collect(),
    })
}
