//! What drives the date: criticality, sensitivity, schedule sensitivity index, total
//! float, the most frequent critical paths, risk and uncertainty drivers in days, and
//! merge bias.
//!
//! * **Sensitivity** is the Spearman rank correlation between a task's sampled duration
//!   and the milestone's finish, over every iteration while the durations fit a memory
//!   budget of 64 MiB: S = min(n, ⌊2²⁴ / tasks⌋) rounded down to whole blocks of 64
//!   (at least 64), the first S iterations. Its standard error is about (1 − ρ²)/√S, at
//!   most 1/√S; when S < n the driver analysis says so with that bound.
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

use crate::error::{Result, Warning, WarningKind};
use crate::lanes::radix::order_key;
use crate::model::{Network, Sampler};
use crate::plan::LinkKind;
use crate::sim::{LANES, LeaveOut, Samples, SimConfig};
pub use crate::sim::{SENSITIVITY_BUDGET, subsample_size};
pub use crate::stats::drivers::{Bottleneck, CriticalPath, Driver, Drivers, Merge, TaskDriver};
use crate::stats::{Forecast, percentile_select, round4};

/// The most distinct tasks held at their deterministic value in one driver analysis:
/// each re-runs the tasks downstream of it, so a plan with hundreds of milestones gets
/// task drivers for as many milestones as fit (see [`Drivers::uncertainty_milestones`]).
pub const MAX_TASK_VARIANTS: usize = 60;

/// Scratch of [`sorted_keys`].
#[derive(Default)]
struct SortScratch {
    keys: Vec<u64>,
    tmp: Vec<u64>,
    /// Twice the ranks, in index order.
    r2: Vec<f64>,
}

/// Sort keys of the values in `chunks` (taken in order as one sequence) in ascending
/// order of value (ties in index order) into `s.keys`: order-preserving f32 bits above
/// the index, sorted by a radix sort of the value ([`crate::lanes::radix`]). Sorting
/// 64-bit keys is several times faster than sorting indices through a comparator.
fn sorted_keys<'a>(chunks: impl IntoIterator<Item = &'a [f32]>, s: &mut SortScratch) {
    let keys = &mut s.keys;
    keys.clear();
    for chunk in chunks {
        let base = keys.len() as u64;
        keys.extend(chunk.iter().zip(base..).map(|(&x, i)| {
            // `+ 0.0` turns −0 into +0 so that the two tie, as they compare equal.
            (u64::from(order_key(x + 0.0)) << 32) | i
        }));
    }
    crate::lanes::radix::sort_by_key(keys, &mut s.tmp, |k| (k >> 32) as u32);
}

/// Calls `f(twice the average rank, keys)` for each run of tied values in sorted `keys`
/// (ranks 1-based; ties share their mean rank, so twice it is an integer; the index is
/// a key's low 32 bits).
#[inline(always)]
fn tie_groups(keys: &[u64], mut f: impl FnMut(i64, &[u64])) {
    let value = |k: u64| (k >> 32) as u32;
    let mut i = 0;
    while i < keys.len() {
        let mut j = i + 1;
        while j < keys.len() && value(keys[j]) == value(keys[i]) {
            j += 1;
        }
        f((i + j + 1) as i64, &keys[i..j]);
        i = j;
    }
}

/// Twice the average ranks (1-based; ties share their mean rank, so twice it is an
/// integer) of the values whose sorted keys are `keys`, in index order, into `r2`.
/// Returns Σ (2r − (n + 1))², exactly: n(n² − 1)/3 for distinct values, each run of t
/// ties lowering it by t(t² − 1)/3.
fn twice_ranks(keys: &[u64], r2: &mut Vec<f64>) -> f64 {
    let n = keys.len();
    let idx = |k: u64| (k & 0xffff_ffff) as usize;
    r2.clear();
    r2.resize(n, 0.0);
    for (i, &k) in keys.iter().enumerate() {
        r2[idx(k)] = 2.0 * (i + 1) as f64;
    }
    let n = n as i64;
    let mut sxx3 = n * (n * n - 1);
    let value = |k: u64| (k >> 32) as u32;
    if keys.windows(2).any(|w| value(w[0]) == value(w[1])) {
        tie_groups(keys, |twice, group| {
            if group.len() > 1 {
                for &k in group {
                    r2[idx(k)] = twice as f64;
                }
                let t = group.len() as i64;
                sxx3 -= t * (t * t - 1);
            }
        });
    }
    (sxx3 / 3) as f64
}

/// Average ranks (1-based, ties share their mean rank) of `v`.
#[cfg(test)]
fn ranks(v: &[f32]) -> Vec<f64> {
    let mut sc = SortScratch::default();
    sorted_keys([v], &mut sc);
    let mut r = Vec::new();
    twice_ranks(&sc.keys, &mut r);
    r.iter_mut().for_each(|x| *x /= 2.0);
    r
}

/// The other side of a Spearman correlation: twice its centred ranks
/// (2 · rank − (n + 1), integers) and their sum of squares.
struct RankedSide {
    centred2: Vec<f64>,
    sum_sq: f64,
}

impl RankedSide {
    fn new(v: &[f32]) -> RankedSide {
        let mut sc = SortScratch::default();
        sorted_keys([v], &mut sc);
        let mut centred2 = Vec::new();
        let sum_sq = twice_ranks(&sc.keys, &mut centred2);
        let n1 = v.len() as f64 + 1.0;
        centred2.iter_mut().for_each(|x| *x -= n1);
        RankedSide { centred2, sum_sq }
    }
}

/// Spearman's rank correlation of a variable with twice-ranks `r2` (and Σ (2r − (n + 1))²
/// `sxx`, from [`twice_ranks`]) with `y`: the Pearson correlation of the two
/// average-rank vectors. Every term is an integer and every partial sum stays far
/// below 2⁵³ for the subsample sizes used, so the f64 sums are exact in any order:
/// eight running sums let the loop vectorise.
fn spearman(r2: &[f64], sxx: f64, y: &RankedSide) -> f64 {
    // Σ 2r · 2c_y = Σ (2r − (n + 1)) · 2c_y, as Σ c_y = 0.
    let mut part = [0f64; 8];
    let (ra, rest_a) = r2.as_chunks::<8>();
    let (rb, rest_b) = y.centred2.as_chunks::<8>();
    for (a, b) in ra.iter().zip(rb) {
        for i in 0..8 {
            part[i] += a[i] * b[i];
        }
    }
    let sxy = part.iter().sum::<f64>() + rest_a.iter().zip(rest_b).map(|(a, b)| a * b).sum::<f64>();
    if sxx <= 0.0 || y.sum_sq <= 0.0 {
        0.0
    } else {
        sxy / (sxx * y.sum_sq).sqrt()
    }
}

/// A copy of `net` in which task `t` always takes its deterministic duration (its
/// uncertainty removed; risks, scenarios and branching still apply).
pub fn hold_at_deterministic(net: &Network, t: usize) -> Network {
    let mut n2 = net.clone();
    n2.samplers[t] = Sampler::Fixed(net.det_duration[t] as f32);
    n2
}

/// A copy of `net` in which risk `r` never occurs.
pub fn without_risk(net: &Network, r: usize) -> Network {
    let mut n2 = net.clone();
    n2.risks[r].probability = 0.0;
    n2
}

/// P50 and P80 of each milestone, by selection (linear time: a plan may have hundreds
/// of milestones, each evaluated once per driver).
fn p50_p80(milestones: &[Vec<f32>], net: &Network) -> Vec<[f64; 2]> {
    milestones
        .iter()
        .map(|m| {
            let mut v = m.clone();
            // In working days of the project calendar (a monotone map: it commutes with
            // the percentile).
            [50.0, 80.0].map(|p| net.days(percentile_select(&mut v, p) as f64))
        })
        .collect()
}

/// Runs the driver analysis. `samples` must come from
/// [`simulate_tracked`](crate::sim::simulate_tracked); `f` is their forecast; leave-one-out
/// runs reuse `cfg` (same seed and iterations) and cover every risk plus the `top_tasks`
/// tasks with the highest SSI towards each milestone (each milestone lists its own).
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
            uncertainty_milestones: Vec::new(),
            warnings: Vec::new(),
            merges: Vec::new(),
            cost: Vec::new(),
            cost_sensitivity: Vec::new(),
            bottlenecks: Vec::new(),
        });
    };
    let s = tr.sub_iterations;
    // Sensitivity of every (milestone, ancestor) pair: each task's ranks are computed
    // once, in parallel, and never stored for the whole network.
    let milestone_ranks: Vec<RankedSide> = samples
        .milestones
        .iter()
        .map(|m| RankedSide::new(&m[..s]))
        .collect();
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
            .map_init(SortScratch::default, |sc, (t, ms)| {
                if ms.is_empty() {
                    return Vec::new();
                }
                sorted_keys(tr.duration_chunks(t), sc);
                let sxx = twice_ranks(&sc.keys, &mut sc.r2);
                ms.iter()
                    .map(|&mi| spearman(&sc.r2, sxx, &milestone_ranks[mi]))
                    .collect()
            })
            .collect()
    })?;
    // The five most frequent critical sets per milestone, milestones in parallel.
    let path_counts: Vec<Vec<(u64, u64)>> = crate::sim::with_threads(cfg.threads, || {
        tr.hashes
            .par_iter()
            .map(|hashes| {
                let mut h = hashes.clone();
                h.sort_unstable();
                let mut counts: Vec<(u64, u64)> = Vec::new();
                for x in h {
                    match counts.last_mut() {
                        Some((v, c)) if *v == x => *c += 1,
                        _ => counts.push((x, 1)),
                    }
                }
                counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                counts.truncate(5);
                counts
            })
            .collect()
    })?;
    let mut seen = vec![0usize; net.len()];
    let mut enforced = vec![false; net.len()];
    let mut tasks = Vec::new();
    let mut paths = Vec::new();
    let mut merges = Vec::new();
    for (mi, m) in net.milestones.iter().enumerate() {
        let mid = net.tasks[m.task as usize].id.clone();
        let sd_m = f.milestones[mi].sd;
        // Which ancestors reach the milestone through enforced links (every successor
        // on the way enforcing its links): in reverse topological order, as the kernel.
        for &a in &m.ancestors {
            enforced[a as usize] = false;
        }
        enforced[m.task as usize] = true;
        for &a in m.ancestors.iter().rev() {
            let a = a as usize;
            if enforced[a] && net.links_enforced(a) {
                for l in net.preds(a) {
                    enforced[l.pred as usize] = true;
                }
            }
        }
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
                mean_float: (enforced[a]
                    && !matches!(net.status[a], crate::model::Status::Done { .. }))
                .then(|| round4(tr.float_mean[mi][k])),
            });
            seen[a] += 1;
        }
        // Critical paths by frequency.
        for (rank, (hash, count)) in path_counts[mi].iter().enumerate() {
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
    let base = p50_p80(&samples.milestones, net);
    // Every risk (towards every milestone), then per milestone the `top_tasks` tasks with
    // the highest SSI towards *that* milestone: the union of those tasks is evaluated in
    // one leave-one-out pass, and each milestone lists only its own.
    let mut changes: Vec<(String, &'static str, LeaveOut)> = net
        .risks
        .iter()
        .enumerate()
        // A risk that moves no date (a cost-only risk) has no bar in the date tornado.
        .filter(|(_, risk)| {
            risk.probability != 0.0
                && risk.impact != crate::plan::Distribution::Fixed { likely: 0.0 }
        })
        .map(|(r, risk)| (risk.id.clone(), "risk", LeaveOut::RemoveRisk(r)))
        .collect();
    // For each change, the milestones it is listed for (`None`: all of them).
    let mut listed_for: Vec<Option<Vec<usize>>> = vec![None; changes.len()];
    let mut change_of_task = vec![usize::MAX; net.len()];
    let mut first = Vec::with_capacity(net.milestones.len());
    let mut start = 0;
    for m in &net.milestones {
        first.push(start);
        start += m.ancestors.len();
    }
    // Milestones in order of interest: the focus (the latest unless one was chosen),
    // then those with a target, then the rest, latest first; each takes its whole list
    // while the distinct task variants stay within the budget.
    let mut order: Vec<usize> = (0..net.milestones.len()).rev().collect();
    if let Some(fi) = focus_index(net, f) {
        order.retain(|&mi| mi != fi);
        order.insert(0, fi);
    }
    if let Some((_, rest)) = order.split_first_mut() {
        rest.sort_by_key(|&mi| net.milestones[mi].target.is_none());
    }
    let mut chosen = vec![false; net.milestones.len()];
    let mut picks: Vec<usize> = Vec::new();
    let mut variants = 0;
    for &mi in &order {
        let m = &net.milestones[mi];
        let own = &tasks[first[mi]..first[mi] + m.ancestors.len()];
        let mut by_ssi: Vec<(usize, f64)> = own
            .iter()
            .zip(&m.ancestors)
            .filter(|(t, a)| {
                t.ssi > 0.0 && !matches!(net.samplers[**a as usize], Sampler::Fixed(_))
            })
            .map(|(t, &a)| (a as usize, t.ssi))
            .collect();
        by_ssi.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| net.tasks[a.0].id.cmp(&net.tasks[b.0].id))
        });
        picks.clear();
        picks.extend(by_ssi.iter().take(top_tasks).map(|p| p.0));
        let new = picks
            .iter()
            .filter(|&&t| change_of_task[t] == usize::MAX)
            .count();
        if variants + new > MAX_TASK_VARIANTS.max(top_tasks) {
            continue;
        }
        variants += new;
        chosen[mi] = true;
        for &t in &picks {
            if change_of_task[t] == usize::MAX {
                change_of_task[t] = changes.len();
                changes.push((net.tasks[t].id.clone(), "task", LeaveOut::HoldTask(t)));
                listed_for.push(Some(Vec::new()));
            }
            if let Some(ms) = listed_for[change_of_task[t]].as_mut() {
                ms.push(mi);
            }
        }
    }
    for ms in listed_for.iter_mut().flatten() {
        ms.sort_unstable();
    }
    let uncertainty_milestones: Vec<String> = (0..net.milestones.len())
        .filter(|&mi| chosen[mi])
        .map(|mi| net.tasks[net.milestones[mi].task as usize].id.clone())
        .collect();
    let only: Vec<LeaveOut> = changes.iter().map(|c| c.2).collect();
    let listed = |v: usize, mi: usize| {
        listed_for[v]
            .as_ref()
            .is_none_or(|ms| ms.binary_search(&mi).is_ok())
    };
    let mut drivers: Vec<(usize, Driver)> = Vec::new();
    crate::sim::leave_one_out_each(net, cfg, &only, listed, |v, mi, lanes| {
        let without = [50.0, 80.0].map(|p| net.days(percentile_select(lanes, p) as f64));
        drivers.push((
            mi,
            Driver {
                driver: changes[v].0.clone(),
                kind: changes[v].1,
                milestone: net.tasks[net.milestones[mi].task as usize].id.clone(),
                p50_days: round4(base[mi][0] - without[0]),
                p80_days: round4(base[mi][1] - without[1]),
            },
        ));
    })?;
    // Per milestone (in the network's order), largest P80 effect first.
    drivers.sort_by(|(ma, a), (mb, b)| {
        ma.cmp(mb)
            .then(b.p80_days.abs().total_cmp(&a.p80_days.abs()))
            .then(b.p50_days.abs().total_cmp(&a.p50_days.abs()))
            .then_with(|| a.driver.cmp(&b.driver))
    });
    let drivers = drivers.into_iter().map(|(_, d)| d).collect();
    let mut warnings = Vec::new();
    if (s as u64) < samples.iterations {
        warnings.push(Warning::new(WarningKind::SensitivitySubsample, format!(
            "sensitivity is computed from the first {s} of {} iterations (durations of {} tasks kept within {} MiB): its standard error is at most {:.3} (1/√{s})",
            samples.iterations,
            net.len(),
            SENSITIVITY_BUDGET >> 20,
            1.0 / (s as f64).sqrt()
        )));
    }
    if uncertainty_milestones.len() < net.milestones.len() {
        warnings.push(Warning::new(WarningKind::PartialTaskDrivers, format!(
            "task uncertainty drivers were evaluated for {} of {} milestones (the focus, those with a target, then the latest-finishing, up to {MAX_TASK_VARIANTS} distinct tasks held); risks for all",
            uncertainty_milestones.len(),
            net.milestones.len(),
        )));
    }
    let cost = cost_drivers(net, samples, cfg, &mut warnings)?;
    let cost_sensitivity = cost_sensitivity(net, samples, cfg)?;
    let bottlenecks = bottlenecks(net, samples, cfg, focus_index(net, f))?;
    Ok(Drivers {
        sensitivity_subsample: s,
        tasks,
        paths,
        drivers,
        uncertainty_milestones,
        warnings,
        merges,
        cost,
        cost_sensitivity,
        bottlenecks,
    })
}

/// The index in [`Network::milestones`] of the forecast's chosen focus milestone.
fn focus_index(net: &Network, f: &Forecast) -> Option<usize> {
    let id = f.focus.as_deref()?;
    net.milestones
        .iter()
        .position(|m| net.tasks[m.task as usize].id == id)
}

/// The resource bottleneck ranking of a levelled plan: for each resource, the focus
/// milestone's (`focus`, else the latest) P50 and P80 with one more unit of it minus the
/// plan's, over the same iterations (one whole run per resource), largest P80 gain first
/// (ties by id).
fn bottlenecks(
    net: &Network,
    samples: &Samples,
    cfg: &SimConfig,
    focus: Option<usize>,
) -> Result<Vec<Bottleneck>> {
    let Some(lev) = net.levelling.as_ref().filter(|l| l.on) else {
        return Ok(Vec::new());
    };
    let Some(mi) = focus.or(net.milestones.len().checked_sub(1)) else {
        return Ok(Vec::new());
    };
    let at = |v: &[f32], p: f64| {
        let mut v = v.to_vec();
        net.days(percentile_select(&mut v, p) as f64)
    };
    let base = [
        at(&samples.milestones[mi], 50.0),
        at(&samples.milestones[mi], 80.0),
    ];
    let mut out = Vec::with_capacity(lev.resources.len());
    for (k, r) in lev.resources.iter().enumerate() {
        let mut more = net.clone();
        if let Some(l) = more.levelling.as_mut() {
            l.resources[k].capacity += 1.0;
            l.capacity[k] += crate::model::resource::milli(1.0);
        }
        let s = crate::sim::simulate_milestones(&more, cfg)?;
        out.push(Bottleneck {
            resource: r.id.clone(),
            capacity: r.capacity,
            milestone: net.tasks[net.milestones[mi].task as usize].id.clone(),
            p50_days: round4(at(&s.milestones[mi], 50.0) - base[0]),
            p80_days: round4(at(&s.milestones[mi], 80.0) - base[1]),
        });
    }
    out.sort_by(|a, b| {
        a.p80_days
            .total_cmp(&b.p80_days)
            .then(a.p50_days.total_cmp(&b.p50_days))
            .then_with(|| a.resource.cmp(&b.resource))
    });
    Ok(out)
}

/// Each cost item's share of the total cost's variance and its rank correlation with
/// the total (see [`CostSensitivity`](crate::stats::drivers::CostSensitivity)), over
/// the sensitivity subsample: every task cost entry (from the kernel's kept lanes), each
/// overhead and the risks' part. Covariances are two-pass sums in f64 in iteration order,
/// so the result does not depend on the thread count.
pub fn cost_sensitivity(
    net: &Network,
    samples: &Samples,
    cfg: &SimConfig,
) -> Result<Vec<crate::stats::drivers::CostSensitivity>> {
    use crate::model::cost::CostModel;
    let (Some(cm), Some(tr)) = (net.cost.as_ref(), samples.tracked.as_ref()) else {
        return Ok(Vec::new());
    };
    let s = tr.sub_iterations;
    if s < 2 || tr.sub_costs.is_empty() || samples.costs.is_empty() {
        return Ok(Vec::new());
    }
    // The total as stored (each value less the plan's amount: the same order, the same
    // deviations).
    let total = &samples.costs[CostModel::TOTAL][..s];
    let total_side = RankedSide::new(total);
    let t_mean = total.iter().map(|&x| x as f64).sum::<f64>() / s as f64;
    let t_dev: Vec<f64> = total.iter().map(|&x| x as f64 - t_mean).collect();
    let t_var: f64 = t_dev.iter().map(|d| d * d).sum::<f64>();
    if t_var <= 0.0 {
        return Ok(Vec::new());
    }
    let total = Total {
        dev: t_dev,
        var: t_var,
        ranks: total_side,
    };
    let mut out: Vec<_> = crate::sim::with_threads(cfg.threads, || {
        (0..cm.tasks.len())
            .into_par_iter()
            .map_init(SortScratch::default, |sc, ci| {
                let id = net.tasks[cm.tasks[ci].task as usize].id.clone();
                let chunks: Vec<&[f32]> = tr.cost_chunks(ci).collect();
                total.item(id, &chunks, 0.0, sc)
            })
            .collect::<Vec<_>>()
    })?
    .into_iter()
    .flatten()
    .collect();
    let mut sc = SortScratch::default();
    let stored = |slot: usize| &samples.costs[slot][..s];
    for (o, oc) in cm.overheads.iter().enumerate() {
        let slot = cm.overhead_slot(o);
        let offset = samples.cost_offset[slot];
        out.extend(total.item(
            format!("overhead:{}", oc.name),
            &[stored(slot)],
            offset,
            &mut sc,
        ));
    }
    let slot = cm.risks_slot();
    out.extend(total.item(
        "risks".into(),
        &[stored(slot)],
        samples.cost_offset[slot],
        &mut sc,
    ));
    out.sort_by(|a, b| {
        b.variance_share
            .total_cmp(&a.variance_share)
            .then_with(|| a.item.cmp(&b.item))
    });
    Ok(out)
}

/// The total cost over the sensitivity subsample: its deviations from its mean, their sum
/// of squares and its ranks.
struct Total {
    dev: Vec<f64>,
    var: f64,
    ranks: RankedSide,
}

impl Total {
    /// One item's [`CostSensitivity`](crate::stats::drivers::CostSensitivity) from its
    /// values over the subsample (`chunks`, in iteration order; `offset` added back to
    /// values stored relative to the plan's amount); None when it never varies.
    fn item(
        &self,
        name: String,
        chunks: &[&[f32]],
        offset: f64,
        sc: &mut SortScratch,
    ) -> Option<crate::stats::drivers::CostSensitivity> {
        let n = self.dev.len();
        let values = chunks.iter().flat_map(|c| c.iter()).map(|&x| x as f64);
        let m = values.clone().sum::<f64>() / n as f64;
        let (mut var, mut cov) = (0.0, 0.0);
        for (x, t) in values.zip(&self.dev) {
            let d = x - m;
            var += d * d;
            cov += d * t;
        }
        if var <= 0.0 {
            return None;
        }
        sorted_keys(chunks.iter().copied(), sc);
        let mut r2 = Vec::new();
        let sxx = twice_ranks(&sc.keys, &mut r2);
        Some(crate::stats::drivers::CostSensitivity {
            item: name,
            mean: crate::stats::cost::round2(m + offset),
            sd: crate::stats::cost::round2((var / (n as f64 - 1.0)).sqrt()),
            sensitivity: crate::num::round4(spearman(&r2, sxx, &self.ranks)),
            variance_share: crate::num::round4(cov / self.var),
        })
    }
}

/// Risks whose effect on the total cost is evaluated at most (each is one more run).
pub const MAX_COST_DRIVERS: usize = 20;

/// Each risk's effect on the total cost's P50 and P80 (see [`CostDriver`](crate::stats::drivers::CostDriver)): the plan
/// re-run without it, with the same random numbers. At most [`MAX_COST_DRIVERS`] risks,
/// those with the largest probability × (expected cost impact, then impact in days);
/// a warning says when some were left out.
pub fn cost_drivers(
    net: &Network,
    samples: &Samples,
    cfg: &SimConfig,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<crate::stats::drivers::CostDriver>> {
    let Some(cm) = net.cost.as_ref() else {
        return Ok(Vec::new());
    };
    if samples.costs.is_empty() {
        return Ok(Vec::new());
    }
    let p50_p80 = |mut v: Vec<f64>| {
        v.sort_unstable_by(f64::total_cmp);
        let q = |p: f64| v[crate::stats::percentile_rank(v.len(), p) - 1];
        (q(50.0), q(80.0))
    };
    let base = p50_p80(samples.cost_item(crate::model::cost::CostModel::TOTAL));
    let mut order: Vec<(usize, f64, f64)> = net
        .risks
        .iter()
        .enumerate()
        .filter(|(_, r)| r.probability > 0.0)
        .map(|(r, risk)| {
            let cost = cm.risk_cost[r]
                .as_ref()
                .map_or(0.0, |_| samples.risk_mean_cost[r].unwrap_or(0.0).abs());
            (
                r,
                risk.probability * cost,
                risk.probability * samples.risk_mean_added[r].abs(),
            )
        })
        .collect();
    order.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then(b.2.total_cmp(&a.2))
            .then(a.0.cmp(&b.0))
    });
    if order.len() > MAX_COST_DRIVERS {
        warnings.push(Warning::new(
            WarningKind::PartialTaskDrivers,
            format!(
                "cost drivers: the {MAX_COST_DRIVERS} risks with the largest expected cost of {} were evaluated",
                order.len()
            ),
        ));
        order.truncate(MAX_COST_DRIVERS);
    }
    let mut out = Vec::with_capacity(order.len());
    for (r, _, _) in order {
        let mut without = net.clone();
        without.risks[r].probability = 0.0;
        let s = crate::sim::simulate_milestones(&without, cfg)?;
        let (p50, p80) = p50_p80(s.cost_item(crate::model::cost::CostModel::TOTAL));
        out.push(crate::stats::drivers::CostDriver {
            driver: net.risks[r].id.clone(),
            kind: "risk-cost",
            p50: crate::stats::cost::round2(base.0 - p50),
            p80: crate::stats::cost::round2(base.1 - p80),
        });
    }
    out.sort_by(|a, b| {
        b.p80
            .abs()
            .total_cmp(&a.p80.abs())
            .then(a.driver.cmp(&b.driver))
    });
    Ok(out)
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

    #[test]
    fn keys_sort_like_the_standard_sort() {
        let mut next = crate::lanes::rng::test_sequence(11);
        let mut unit = move || (next() >> 40) as f32 / (1u64 << 24) as f32;
        type Gen = fn(f32, usize) -> f32;
        let shapes: [(&str, Gen); 7] = [
            ("uniform", |u, _| 2.0 + 8.0 * u),
            ("heavy tail", |u, _| (1.0 - u).powf(-3.0)),
            ("negative and zeros", |u, i| [0.0, -0.0, -u, u][i % 4]),
            ("coarse grid", |u, _| (u * 12.0).floor()),
            ("constant", |_, _| 4.5),
            // Most values bunched far from a few others; every byte varies.
            ("bunched", |u, i| {
                if i % 100 == 0 {
                    1e6 * u
                } else {
                    3.0 + u * 1e-3
                }
            }),
            ("two humps", |u, i| if i % 3 == 0 { 40.0 + u } else { u }),
        ];
        for (name, shape) in shapes {
            for n in [0, 1, 255, 256, 257, 1000, 1664, 4096] {
                let v: Vec<f32> = (0..n).map(|i| shape(unit(), i)).collect();
                let mut sc = SortScratch::default();
                sorted_keys(v.chunks(64), &mut sc);
                let mut want: Vec<u64> = v
                    .iter()
                    .zip(0u64..)
                    .map(|(&x, i)| (u64::from(order_key(x + 0.0)) << 32) | i)
                    .collect();
                want.sort_unstable();
                assert_eq!(sc.keys, want, "{name}, n = {n}");
            }
        }
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

    #[test]
    fn spearman_is_pearson_of_average_ranks() {
        let mut bits = crate::lanes::rng::test_sequence(7);
        let mut next = move || (bits() >> 40) as f32 / (1u64 << 24) as f32;
        for (n, levels) in [
            (1, 0),
            (2, 0),
            (7, 3),
            (64, 0),
            (200, 5),
            (1536, 0),
            (1536, 40),
        ] {
            // `levels` > 0: values on a coarse grid (many ties, negative and ±0 too).
            let draw = |next: &mut dyn FnMut() -> f32| {
                (0..n)
                    .map(|_| {
                        let x = next() * 20.0 - 10.0;
                        if levels > 0 {
                            (x * levels as f32 / 10.0).round() * 10.0 / levels as f32
                        } else {
                            x
                        }
                    })
                    .collect::<Vec<f32>>()
            };
            let x = draw(&mut next);
            let mut y = draw(&mut next);
            // Make y depend on x, so that the correlation is not near zero.
            for (b, a) in y.iter_mut().zip(&x) {
                *b += a;
            }
            let mut sc = SortScratch::default();
            sorted_keys(x.chunks(50), &mut sc);
            let sorted: Vec<f32> = sc
                .keys
                .iter()
                .map(|&k| x[(k & 0xffff_ffff) as usize])
                .collect();
            assert!(sorted.windows(2).all(|w| w[0] <= w[1]), "n {n}: not sorted");
            let sxx = twice_ranks(&sc.keys, &mut sc.r2);
            let got = spearman(&sc.r2, sxx, &RankedSide::new(&y));
            let want = pearson(&ranks(&x), &ranks(&y));
            assert!(
                (got - want).abs() < 1e-12,
                "n {n} levels {levels}: {got} vs {want}"
            );
        }
    }
}
