//! Per-task percentiles of start and finish, exact, without a tasks × iterations matrix.
//!
//! The forecast's iterations are run again (the same keyed random numbers, so each is the
//! forecast's iteration) a few times, each pass narrowing, for every task, side (start or
//! finish) and percentile, an interval known to hold the wanted order statistic:
//!
//! - the first pass finds each task's least and greatest start and finish;
//! - a histogram pass counts the values in the interval into `B` bins, keeping each bin's
//!   least and greatest value; the bin holding the wanted rank becomes the interval
//!   (its least to its greatest value, so the next pass counts exactly that bin's values);
//! - once the interval holds few enough values (at most 65,536, and all intervals'
//!   together within the budget), a pass collects them and the wanted one is picked by
//!   rank.
//!
//! An interval whose ends meet is solved. The bin of a value is monotone in the value, so
//! every interval holds exactly the values its bin counted, and the result is the order
//! statistic the milestones' percentiles use (`stats::percentile`), bit for bit.
//! `B` is chosen per pass so that the bins stay within [`QUANTILE_BUDGET`] per worker
//! (up to 1,024). A histogram pass leaves an interval about n / `B` values, so a run of
//! 10,000 iterations of a 4,000-task plan takes three passes (range, histogram, collect),
//! 100,000 iterations of it four; a plan small enough that every start and finish fits
//! the budget is collected in the second. Counts are integers and least and greatest are
//! order-free, so the result does not depend on the thread count.

use super::LANES;
use super::kernel::Tracking;
use crate::model::Network;
use crate::num::percentile_rank;

/// Task-iterations (tasks × iterations) up to which a forecast computes the per-task
/// percentiles; beyond, it leaves them out with a warning (each pass reads every task's
/// start and finish of every iteration).
pub const TASK_ITERATIONS_LIMIT: u64 = 200_000_000;

/// Bytes the histograms of one worker may take.
pub const QUANTILE_BUDGET: usize = 32 << 20;

/// Bins per histogram, at most and at least.
const MAX_BINS: usize = 1024;
const MIN_BINS: usize = 16;

/// Values an interval may hold for a pass to collect them rather than count them into
/// bins (within the budget).
const COLLECT: u64 = 1 << 16;

/// Passes after which an interval is given its upper end (never reached: an interval of
/// `f32` values is down to one value after a handful of passes).
const MAX_PASSES: usize = 24;

/// The percentiles of every task's start and finish.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskQuantiles {
    /// The percentiles, in percent, in the order asked.
    pub levels: Vec<f64>,
    /// Per level, per task: the start at that percentile (on the network's time axis).
    pub start: Vec<Vec<f32>>,
    /// Per level, per task: the finish at that percentile.
    pub finish: Vec<Vec<f32>>,
    /// Replays of the simulation it took.
    pub passes: usize,
}

/// One wanted order statistic: of task `task`'s side `side` (0 start, 1 finish), rank
/// `rank` (1-based) among all iterations; `below` values lie under `lo`, `count` in
/// `lo..=hi`.
#[derive(Debug, Clone, Copy)]
struct Want {
    side: usize,
    task: usize,
    rank: u64,
    lo: f32,
    hi: f32,
    below: u64,
    count: u64,
    solved: Option<f32>,
}

/// One interval a pass reads: the wants that share it point to it.
#[derive(Debug, Clone, Copy)]
struct Probe {
    lo: f32,
    hi: f32,
    /// Bins per unit of value.
    scale: f32,
    /// Histogram pass (`true`) or collecting pass.
    hist: bool,
    /// First bin (histogram) in the worker's bins.
    bin0: usize,
}

/// One histogram bin: its count, least and greatest value.
#[derive(Debug, Clone, Copy)]
struct Bin {
    count: u32,
    least: f32,
    most: f32,
}

/// The percentiles `levels` (in percent) of every task's start and finish over the
/// first `iterations` iterations of `net` with `seed`.
pub fn task_quantiles(net: &Network, seed: u64, iterations: u64, levels: &[f64]) -> TaskQuantiles {
    quantiles_within(net, seed, iterations, levels, QUANTILE_BUDGET)
}

/// [`task_quantiles`] with histograms of at most `budget` bytes per worker.
fn quantiles_within(
    net: &Network,
    seed: u64,
    iterations: u64,
    levels: &[f64],
    budget: usize,
) -> TaskQuantiles {
    let n = iterations.max(1) as usize;
    let tasks = net.len();
    // Starts and finishes only: no criticality or per-task sums.
    let track = Tracking {
        keep_starts: true,
        ..Tracking::new(net, false, 0, true)
    };

    // Pass 1: each task's range of starts and finishes, eight lanes at a time (the
    // partial least and greatest vectorise).
    const W: usize = 8;
    let ranges = super::replay_fold(
        net,
        seed,
        n,
        track,
        || vec![([f32::INFINITY; W], [f32::NEG_INFINITY; W]); 2 * tasks],
        |r, s, b| {
            for side in 0..2 {
                for t in 0..tasks {
                    let lanes = side_of(s, side, t);
                    let e = &mut r[side * tasks + t];
                    let mut chunks = lanes[..b.valid].chunks_exact(W);
                    for chunk in &mut chunks {
                        for (i, &v) in chunk.iter().enumerate() {
                            e.0[i] = e.0[i].min(v);
                            e.1[i] = e.1[i].max(v);
                        }
                    }
                    for &v in chunks.remainder() {
                        e.0[0] = e.0[0].min(v);
                        e.1[0] = e.1[0].max(v);
                    }
                }
            }
        },
    )
    .into_iter()
    .map(|r| {
        r.into_iter()
            .map(|(lo, hi)| {
                let lo = lo.into_iter().fold(f32::INFINITY, f32::min);
                (lo, hi.into_iter().fold(f32::NEG_INFINITY, f32::max))
            })
            .collect::<Vec<_>>()
    })
    .reduce(|mut a, b| {
        for (x, y) in a.iter_mut().zip(b) {
            *x = (x.0.min(y.0), x.1.max(y.1));
        }
        a
    })
    .unwrap_or_default();
    let mut passes = 1;

    let mut wants: Vec<Want> = Vec::with_capacity(2 * tasks * levels.len());
    for side in 0..2 {
        for t in 0..tasks {
            let (lo, hi) = ranges.get(side * tasks + t).copied().unwrap_or((0.0, 0.0));
            for &p in levels {
                wants.push(Want {
                    side,
                    task: t,
                    rank: percentile_rank(n, p) as u64,
                    lo,
                    hi,
                    below: 0,
                    count: n as u64,
                    solved: (lo >= hi).then_some(lo),
                });
            }
        }
    }

    while passes < MAX_PASSES && wants.iter().any(|w| w.solved.is_none()) {
        // The intervals of this pass, grouped by task and side (wants are in that order),
        // one per distinct interval: the levels of a task share its first one.
        let open: Vec<usize> = (0..wants.len())
            .filter(|&i| wants[i].solved.is_none())
            .collect();
        let key = |w: &Want| (w.side, w.task, w.lo.to_bits(), w.hi.to_bits());
        let distinct = open
            .windows(2)
            .filter(|p| key(&wants[p[0]]) != key(&wants[p[1]]))
            .count()
            + 1;
        // At most one histogram per distinct interval: the bins of all fit the budget.
        let bins = (budget / size_of::<Bin>() / distinct).clamp(MIN_BINS, MAX_BINS);
        let mut probes: Vec<Probe> = Vec::with_capacity(distinct);
        let mut probe_of: Vec<u32> = vec![u32::MAX; wants.len()];
        let mut first = vec![0u32; 2 * tasks + 1];
        let mut n_bins = 0usize;
        // Values collected this pass, at most the budget's worth of (probe, value) pairs.
        let mut collected = 0u64;
        let mut last = None;
        for &i in &open {
            let w = wants[i];
            if last != Some(key(&w)) {
                let fits = collected + w.count <= (budget / size_of::<(u32, f32)>()) as u64;
                let hist = w.count > (bins as u64).max(COLLECT) || !fits;
                if !hist {
                    collected += w.count;
                }
                probes.push(Probe {
                    lo: w.lo,
                    hi: w.hi,
                    scale: bins as f32 / (w.hi - w.lo),
                    hist,
                    bin0: n_bins,
                });
                if hist {
                    n_bins += bins;
                }
                last = Some(key(&w));
            }
            probe_of[i] = (probes.len() - 1) as u32;
            first[w.side * tasks + w.task + 1] = probes.len() as u32;
        }
        // Tasks with no open interval start where the previous one ended.
        for k in 1..first.len() {
            first[k] = first[k].max(first[k - 1]);
        }
        let empty = Bin {
            count: 0,
            least: f32::INFINITY,
            most: f32::NEG_INFINITY,
        };
        let tallies = super::replay_fold(
            net,
            seed,
            n,
            track,
            || (vec![empty; n_bins], Vec::new()),
            |(hist, values), s, b| {
                for side in 0..2 {
                    for t in 0..tasks {
                        let (p0, p1) = (first[side * tasks + t], first[side * tasks + t + 1]);
                        if p0 == p1 {
                            continue;
                        }
                        let lanes = side_of(s, side, t);
                        let valid = if b.valid == LANES {
                            u64::MAX
                        } else {
                            (1u64 << b.valid) - 1
                        };
                        for (pi, p) in (p0..p1).zip(&probes[p0 as usize..p1 as usize]) {
                            // The lanes within the interval, as a mask (vectorised), then
                            // each of those alone.
                            let mut inside = 0u64;
                            for (l, &v) in lanes.iter().enumerate() {
                                inside |= u64::from((v >= p.lo) & (v <= p.hi)) << l;
                            }
                            inside &= valid;
                            if p.hist {
                                let bins = &mut hist[p.bin0..p.bin0 + bins];
                                while inside != 0 {
                                    let v = lanes[inside.trailing_zeros() as usize];
                                    inside &= inside - 1;
                                    // Monotone in v: a bin's values are contiguous.
                                    let k = (((v - p.lo) * p.scale) as usize).min(bins.len() - 1);
                                    let e = &mut bins[k];
                                    e.count += 1;
                                    e.least = e.least.min(v);
                                    e.most = e.most.max(v);
                                }
                            } else {
                                while inside != 0 {
                                    values.push((pi, lanes[inside.trailing_zeros() as usize]));
                                    inside &= inside - 1;
                                }
                            }
                        }
                    }
                }
            },
        );
        passes += 1;
        let mut all = vec![empty; n_bins];
        let mut values: Vec<(u32, f32)> = Vec::new();
        for (hist, v) in tallies {
            for (a, x) in all.iter_mut().zip(hist) {
                a.count += x.count;
                a.least = a.least.min(x.least);
                a.most = a.most.max(x.most);
            }
            values.extend(v);
        }
        values.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        for &i in &open {
            let pi = probe_of[i] as usize;
            let p = probes[pi];
            let w = &mut wants[i];
            // 1-based rank within the interval.
            let r = w.rank - w.below;
            if p.hist {
                let mut before = 0u64;
                for e in &all[p.bin0..p.bin0 + bins] {
                    let c = e.count as u64;
                    if before + c >= r {
                        w.lo = e.least;
                        w.hi = e.most;
                        w.below += before;
                        w.count = c;
                        if w.lo >= w.hi {
                            w.solved = Some(w.lo);
                        }
                        break;
                    }
                    before += c;
                }
            } else {
                let from = values.partition_point(|x| (x.0 as usize) < pi);
                w.solved = values.get(from + r as usize - 1).map(|x| x.1);
            }
        }
    }

    let mut start = vec![vec![0f32; tasks]; levels.len()];
    let mut finish = vec![vec![0f32; tasks]; levels.len()];
    for (i, w) in wants.iter().enumerate() {
        let v = w.solved.unwrap_or(w.hi);
        let out = if w.side == 0 { &mut start } else { &mut finish };
        out[i % levels.len().max(1)][w.task] = v;
    }
    TaskQuantiles {
        levels: levels.to_vec(),
        start,
        finish,
        passes,
    }
}

/// Task `t`'s start (side 0) or finish (side 1) lanes.
fn side_of(s: &super::kernel::Scratch, side: usize, t: usize) -> &[f32; LANES] {
    if side == 0 { s.es(t) } else { s.ef(t) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{compile, from_tasks_csv};

    /// Every task's starts and finishes over the first `n` iterations, sorted.
    fn exact(net: &Network, seed: u64, n: usize) -> [Vec<Vec<f32>>; 2] {
        let tasks = net.len();
        let track = Tracking::new(net, false, 0, false);
        let blocks = crate::sim::replay(net, seed, n, track, &(), |_, s, b| {
            Some(
                (0..tasks)
                    .map(|t| (s.es(t)[..b.valid].to_vec(), s.ef(t)[..b.valid].to_vec()))
                    .collect::<Vec<_>>(),
            )
        })
        .unwrap();
        let mut out = [vec![Vec::new(); tasks], vec![Vec::new(); tasks]];
        for block in blocks {
            for (t, (es, ef)) in block.into_iter().enumerate() {
                out[0][t].extend(es);
                out[1][t].extend(ef);
            }
        }
        for v in out.iter_mut().flatten() {
            v.sort_by(f32::total_cmp);
        }
        out
    }

    /// A plan with every shape of distribution a task's dates take: continuous, a spike
    /// (a date constraint most iterations wait for), start-to-start and finish-to-finish
    /// links, a risk's two-humped finish, a task that sometimes happens.
    fn plan() -> Network {
        let plan = from_tasks_csv(
            "id,min,likely,max,predecessors,milestone,not_before,probability\n\
             a,5,8,14,,,,\n\
             b,10,15,25,a,,,\n\
             c,3,5,9,a SS+2,,,\n\
             d,1,1,1,c,,12,\n\
             e,4,6,30,b FF+1;d,,,\n\
             f,2,3,5,e,,,0.3\n\
             g,,,,f;e,true,,\n",
            "tasks.csv",
        )
        .unwrap();
        compile(&plan).unwrap()
    }

    #[test]
    fn task_percentiles_are_the_exact_order_statistics() {
        let net = plan();
        let levels = [0.1, 10.0, 50.0, 80.0, 90.0, 100.0];
        for (n, budget) in [
            (1, QUANTILE_BUDGET),
            (3, QUANTILE_BUDGET),
            (1000, QUANTILE_BUDGET),
            (20_000, QUANTILE_BUDGET),
            // The fewest bins and nothing collected: histogram passes down to single values.
            (20_000, 0),
            // Some intervals collected, some counted.
            (20_000, 16 << 10),
        ] {
            let q = quantiles_within(&net, 7, n as u64, &levels, budget);
            let want = exact(&net, 7, n);
            for (li, &p) in levels.iter().enumerate() {
                let k = percentile_rank(n, p) - 1;
                #[allow(clippy::needless_range_loop)]
                for t in 0..net.len() {
                    assert_eq!(
                        q.start[li][t], want[0][t][k],
                        "n {n} P{p} start of task {t}"
                    );
                    assert_eq!(
                        q.finish[li][t], want[1][t][k],
                        "n {n} P{p} finish of task {t}"
                    );
                }
            }
            if budget < QUANTILE_BUDGET {
                assert!(q.passes >= 4, "{} passes with 16 bins", q.passes);
            } else if n == 20_000 {
                // 14 intervals of 20,000 values fit the budget: collected at once.
                assert_eq!(q.passes, 2, "range, collect");
            }
        }
    }
}
