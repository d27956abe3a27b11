//! What drives the date: criticality, sensitivity, schedule sensitivity index, total
//! float, the most frequent critical paths, risk and uncertainty drivers in days, and
//! merge bias.
//!
//! * **Sensitivity** is the Spearman rank correlation between a task's sampled duration
//!   and the milestone's finish. Memory stays bounded: it is computed on a fixed
//!   subsample, the first S iterations, S = min(n, 4,096, ⌊16,777,216 / tasks⌋) rounded
//!   down to whole blocks of 64 (at least 64). Its standard error is about (1 − ρ²)/√S:
//!   at most 0.016 for S = 4,096, 0.026 for a 10,000-task plan (S = 1,536).
//! * **SSI** (schedule sensitivity index) = criticality × σ(task) / σ(milestone), with σ
//!   over all iterations.
//! * **Mean total float**: latest finish (a backward pass towards the milestone in every
//!   iteration) minus early finish, averaged over all iterations.
//! * **Critical paths**: in each iteration, the set of tasks with zero total float
//!   towards the milestone; the five most frequent sets with their share of iterations
//!   (path criticality). The sets are counted over all iterations (by an order-free hash);
//!   their task lists come from the subsample.
//! * **Risk drivers**: for each risk, the milestone's P50 and P80 minus those of the same
//!   plan with the risk removed, with common random numbers — so the difference is the
//!   risk's effect, not noise. **Uncertainty drivers**: the same for the tasks with the
//!   highest SSI when the task is held at its deterministic value. All of them are
//!   evaluated in one pass ([`crate::sim::simulate_leave_one_out`]): each block samples
//!   the network once, and each change re-runs only the tasks downstream of it.
//! * **Merge bias** of a task with two or more predecessors: E\[start\] − max over its
//!   constraints of E\[constraint\] (finish-to-start: E\[finish of predecessor\] + lag, …);
//!   zero without uncertainty, positive when parallel paths make the merge later than
//!   any single path expects.

use rayon::prelude::*;
use serde::Serialize;

use crate::error::Result;
use crate::model::correlation::order_key;
use crate::model::{Network, Sampler};
use crate::plan::LinkKind;
use crate::sim::{LANES, LeaveOut, Samples, SimConfig};
use crate::stats::{Forecast, percentile, round4};

/// Subsample size for sensitivity, for a network of `tasks` tasks and `n` iterations.
pub fn subsample_size(tasks: usize, n: u64) -> usize {
    let cap = (16_777_216 / tasks.max(1)).clamp(LANES, 4096);
    let s = (cap.min(n as usize) / LANES) * LANES;
    s.max(LANES.min(n as usize))
}

/// Per task and milestone.
#[derive(Debug, Clone, Serialize)]
pub struct TaskDriver {
    /// Task id.
    pub task: String,
    /// Milestone id.
    pub milestone: String,
    /// Criticality index.
    pub criticality: f64,
    /// Spearman rank correlation of duration and milestone finish (subsample).
    pub sensitivity: f64,
    /// Schedule sensitivity index.
    pub ssi: f64,
    /// Mean total float towards the milestone, working days.
    pub mean_float: f64,
}

/// One of the most frequent critical paths.
#[derive(Debug, Clone, Serialize)]
pub struct CriticalPath {
    /// Milestone id.
    pub milestone: String,
    /// 1 = most frequent.
    pub rank: usize,
    /// Share of iterations in which exactly these tasks were critical.
    pub share: f64,
    /// The critical tasks in schedule (topological) order; empty when the set never
    /// occurred within the subsample.
    pub tasks: Vec<String>,
}

/// A tornado bar: how much a milestone moves when a risk is removed or a task's
/// uncertainty is taken away.
#[derive(Debug, Clone, Serialize)]
pub struct Driver {
    /// Risk or task id.
    pub driver: String,
    /// `risk` or `task`.
    pub kind: &'static str,
    /// Milestone id.
    pub milestone: String,
    /// P50 with the driver − P50 without it, working days.
    pub p50_days: f64,
    /// P80 with the driver − P80 without it, working days.
    pub p80_days: f64,
}

/// A merge point.
#[derive(Debug, Clone, Serialize)]
pub struct Merge {
    /// Milestone id.
    pub milestone: String,
    /// Task id.
    pub task: String,
    /// Number of predecessors.
    pub predecessors: usize,
    /// Mean early start.
    pub mean_start: f64,
    /// The largest expected constraint on the start.
    pub latest_expected_constraint: f64,
    /// Mean start − latest expected constraint.
    pub merge_bias: f64,
}

/// The whole driver analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Drivers {
    /// Iterations in the sensitivity subsample.
    pub sensitivity_subsample: usize,
    /// Per task and milestone (ancestors of the milestone only).
    pub tasks: Vec<TaskDriver>,
    /// Up to five most frequent critical paths per milestone.
    pub paths: Vec<CriticalPath>,
    /// Risk and uncertainty drivers, per milestone largest P80 effect first.
    pub drivers: Vec<Driver>,
    /// Merge points per milestone, largest bias first (top 10).
    pub merges: Vec<Merge>,
}

/// Average ranks (1-based, ties share their mean rank) of `v`, written to `r`; `keys`
/// is scratch. Sorting 64-bit keys (order-preserving f32 bits, then the index) is
/// several times faster than sorting indices through a comparator.
fn ranks_into(v: impl IntoIterator<Item = f32>, keys: &mut Vec<u64>, r: &mut Vec<f64>) {
    keys.clear();
    keys.extend(v.into_iter().enumerate().map(|(i, x)| {
        // `+ 0.0` turns −0 into +0 so that the two tie, as they compare equal.
        (u64::from(order_key(x + 0.0)) << 32) | i as u64
    }));
    radix_sort_high(keys);
    r.clear();
    r.resize(keys.len(), 0.0);
    let value = |k: u64| (k >> 32) as u32;
    let mut i = 0;
    while i < keys.len() {
        let mut j = i;
        while j + 1 < keys.len() && value(keys[j + 1]) == value(keys[i]) {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &keys[i..=j] {
            r[(k & 0xffff_ffff) as usize] = avg;
        }
        i = j + 1;
    }
}

/// Sorts `keys` by their high 32 bits, stably (least-significant-digit radix sort, one
/// pass per byte, a pass skipped when every key has the same byte there). For the few
/// thousand keys of a sensitivity subsample this is several times faster than a
/// comparison sort, whose branches mispredict on random data.
fn radix_sort_high(keys: &mut Vec<u64>) {
    let mut tmp = vec![0u64; keys.len()];
    for shift in [32, 40, 48, 56] {
        let mut count = [0usize; 257];
        for &k in keys.iter() {
            count[((k >> shift) & 0xff) as usize + 1] += 1;
        }
        if count.contains(&keys.len()) {
            continue;
        }
        for i in 0..256 {
            count[i + 1] += count[i];
        }
        for &k in keys.iter() {
            let d = ((k >> shift) & 0xff) as usize;
            tmp[count[d]] = k;
            count[d] += 1;
        }
        std::mem::swap(keys, &mut tmp);
    }
}

fn ranks(v: &[f32]) -> Vec<f64> {
    let (mut keys, mut r) = (Vec::new(), Vec::new());
    ranks_into(v.iter().copied(), &mut keys, &mut r);
    r
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

/// A copy of `net` in which task `t` always takes its deterministic duration (its
/// uncertainty removed; risks, scenarios and branching still apply).
pub fn hold_at_deterministic(net: &Network, t: usize) -> Network {
    let mut n2 = net.clone();
    n2.samplers[t] = Sampler::Fixed(net.det_duration[t] as f32);
    n2
}

fn p50_p80(milestones: &[Vec<f32>]) -> Vec<[f64; 2]> {
    milestones
        .iter()
        .map(|m| {
            let mut v = m.clone();
            v.sort_unstable_by(f32::total_cmp);
            [percentile(&v, 50.0) as f64, percentile(&v, 80.0) as f64]
        })
        .collect()
}

/// Runs the driver analysis. `samples` must come from
/// [`simulate_tracked`](crate::sim::simulate_tracked); `f` is their forecast; leave-one-out
/// runs reuse `cfg` (same seed and iterations) and cover every risk plus the `top_tasks`
/// tasks with the highest SSI towards the latest milestone.
pub fn analyse(
    net: &Network,
    samples: &Samples,
    f: &Forecast,
    cfg: &SimConfig,
    top_tasks: usize,
) -> Result<Drivers> {
    let Some(tr) = samples.tracked.as_ref() else {
        return Ok(Drivers {
            sensitivity_subsample: 0,
            tasks: Vec::new(),
            paths: Vec::new(),
            drivers: Vec::new(),
            merges: Vec::new(),
        });
    };
    let s = tr.sub_iterations;
    // Sensitivity of every (milestone, ancestor) pair: each task's ranks are computed
    // once, in parallel, and never stored for the whole network.
    let milestone_ranks: Vec<Vec<f64>> =
        samples.milestones.iter().map(|m| ranks(&m[..s])).collect();
    let mut owner = vec![Vec::new(); net.len()];
    for (mi, m) in net.milestones.iter().enumerate() {
        for &a in &m.ancestors {
            owner[a as usize].push(mi);
        }
    }
    let sens: Vec<Vec<f64>> = crate::sim::with_threads(cfg.threads, || {
        owner
            .par_iter()
            .enumerate()
            .map_init(
                || (Vec::new(), Vec::new()),
                |(keys, r), (t, ms)| {
                    if ms.is_empty() {
                        return Vec::new();
                    }
                    ranks_into(tr.durations(t), keys, r);
                    ms.iter()
                        .map(|&mi| pearson(r, &milestone_ranks[mi]))
                        .collect()
                },
            )
            .collect()
    })?;
    let mut seen = vec![0usize; net.len()];
    let mut tasks = Vec::new();
    let mut paths = Vec::new();
    let mut merges = Vec::new();
    for (mi, m) in net.milestones.iter().enumerate() {
        let mid = net.tasks[m.task as usize].id.clone();
        let sd_m = f.milestones[mi].sd;
        for (k, &a) in m.ancestors.iter().enumerate() {
            let a = a as usize;
            let crit = samples.criticality[mi][k];
            debug_assert_eq!(owner[a][seen[a]], mi);
            tasks.push(TaskDriver {
                task: net.tasks[a].id.clone(),
                milestone: mid.clone(),
                criticality: crit,
                sensitivity: round4(sens[a][seen[a]]),
                ssi: round4(if sd_m > 0.0 {
                    crit * tr.dur_sd[a] / sd_m
                } else {
                    0.0
                }),
                mean_float: round4(tr.float_mean[mi][k]),
            });
            seen[a] += 1;
        }
        // Critical paths by frequency.
        let mut h = tr.hashes[mi].clone();
        h.sort_unstable();
        let mut counts: Vec<(u64, u64)> = Vec::new();
        for x in h {
            match counts.last_mut() {
                Some((v, c)) if *v == x => *c += 1,
                _ => counts.push((x, 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for (rank, (hash, count)) in counts.iter().take(5).enumerate() {
            let found = tr.hashes[mi][..s].iter().position(|x| x == hash);
            let list = found
                .map(|i| {
                    let masks = &tr.sub_crit[mi][i / LANES];
                    m.ancestors
                        .iter()
                        .zip(masks)
                        .filter(|(_, mask)| (*mask >> (i % LANES)) & 1 == 1)
                        .map(|(&a, _)| net.tasks[a as usize].id.clone())
                        .collect()
                })
                .unwrap_or_default();
            paths.push(CriticalPath {
                milestone: mid.clone(),
                rank: rank + 1,
                share: *count as f64 / samples.iterations as f64,
                tasks: list,
            });
        }
        // Merge bias from expected constraints.
        let mut ms: Vec<Merge> = m
            .ancestors
            .iter()
            .map(|&t| t as usize)
            .filter(|&t| net.preds(t).len() >= 2)
            .map(|t| {
                let dur = samples.mean_finish[t] - samples.mean_start[t];
                let latest = net
                    .preds(t)
                    .iter()
                    .map(|l| {
                        let p = l.pred as usize;
                        let lag = l.lag as f64;
                        match l.kind {
                            LinkKind::FS => samples.mean_finish[p] + lag,
                            LinkKind::SS => samples.mean_start[p] + lag,
                            LinkKind::FF => samples.mean_finish[p] + lag - dur,
                            LinkKind::SF => samples.mean_start[p] + lag - dur,
                        }
                    })
                    .fold(net.floor[t] as f64, f64::max);
                Merge {
                    milestone: mid.clone(),
                    task: net.tasks[t].id.clone(),
                    predecessors: net.preds(t).len(),
                    mean_start: round4(samples.mean_start[t]),
                    latest_expected_constraint: round4(latest),
                    merge_bias: round4((samples.mean_start[t] - latest).max(0.0)),
                }
            })
            .collect();
        ms.sort_by(|a, b| {
            b.merge_bias
                .total_cmp(&a.merge_bias)
                .then_with(|| a.task.cmp(&b.task))
        });
        merges.extend(ms.into_iter().take(10));
    }

    // Leave-one-out drivers with common random numbers.
    // The tracked run used the same seed and iterations: its percentiles are the base.
    let base = p50_p80(&samples.milestones);
    let mut drivers = Vec::new();
    let push = |name: &str, kind: &'static str, without: &[[f64; 2]], drivers: &mut Vec<Driver>| {
        for (mi, m) in net.milestones.iter().enumerate() {
            drivers.push(Driver {
                driver: name.to_string(),
                kind,
                milestone: net.tasks[m.task as usize].id.clone(),
                p50_days: round4(base[mi][0] - without[mi][0]),
                p80_days: round4(base[mi][1] - without[mi][1]),
            });
        }
    };
    // Every risk, then the tasks with the highest SSI towards the latest milestone, all
    // evaluated in one leave-one-out pass.
    let mut changes: Vec<(String, &'static str, LeaveOut)> = net
        .risks
        .iter()
        .enumerate()
        .filter(|(_, risk)| risk.probability != 0.0)
        .map(|(r, risk)| (risk.id.clone(), "risk", LeaveOut::RemoveRisk(r)))
        .collect();
    if let Some(latest) = net.milestones.last() {
        let lid = &net.tasks[latest.task as usize].id;
        let mut by_ssi: Vec<&TaskDriver> = tasks
            .iter()
            .filter(|t| &t.milestone == lid && t.ssi > 0.0)
            .filter(|t| {
                net.index_of(&t.task)
                    .is_some_and(|i| !matches!(net.samplers[i], Sampler::Fixed(_)))
            })
            .collect();
        by_ssi.sort_by(|a, b| b.ssi.total_cmp(&a.ssi).then_with(|| a.task.cmp(&b.task)));
        for td in by_ssi.into_iter().take(top_tasks) {
            if let Some(t) = net.index_of(&td.task) {
                changes.push((td.task.clone(), "task", LeaveOut::HoldTask(t)));
            }
        }
    }
    let only: Vec<LeaveOut> = changes.iter().map(|c| c.2).collect();
    let without = crate::sim::simulate_leave_one_out(net, cfg, &only)?;
    for ((name, kind, _), w) in changes.iter().zip(&without) {
        push(name, kind, &p50_p80(w), &mut drivers);
    }
    let order: Vec<String> = net
        .milestones
        .iter()
        .map(|m| net.tasks[m.task as usize].id.clone())
        .collect();
    drivers.sort_by(|a, b| {
        let pos = |m: &str| order.iter().position(|x| x == m).unwrap_or(0);
        pos(&a.milestone)
            .cmp(&pos(&b.milestone))
            .then(b.p80_days.abs().total_cmp(&a.p80_days.abs()))
            .then(b.p50_days.abs().total_cmp(&a.p50_days.abs()))
            .then_with(|| a.driver.cmp(&b.driver))
    });
    Ok(Drivers {
        sensitivity_subsample: s,
        tasks,
        paths,
        drivers,
        merges,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_average_ties_and_order_negative_values() {
        let v = [3.0, -1.5, 3.0, 0.0, -0.0, 7.25, -20.0, 3.0];
        // Sorted: -20 (1), -1.5 (2), ±0 (3, 4 → 3.5), 0, 3 ×3 (5, 6, 7 → 6), 7.25 (8).
        assert_eq!(ranks(&v), [6.0, 2.0, 6.0, 3.5, 3.5, 8.0, 1.0, 6.0]);
        // Against a direct count: rank = #smaller + (#equal + 1) / 2.
        let w: Vec<f32> = (0..500).map(|i| ((i * 37) % 101) as f32 - 50.0).collect();
        let r = ranks(&w);
        for (i, x) in w.iter().enumerate() {
            let less = w.iter().filter(|y| *y < x).count() as f64;
            let equal = w.iter().filter(|y| *y == x).count() as f64;
            assert_eq!(r[i], less + (equal + 1.0) / 2.0);
        }
    }
}
