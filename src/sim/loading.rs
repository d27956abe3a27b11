//! Resource loading: how many units of each resource are in use, week by week, for the
//! utilisation chart.
//!
//! The first iterations (at most [`LOADING_ITERATIONS`]) of a levelled plan are run again,
//! block by block, with the same keyed random numbers, so each one's schedule is the
//! forecast's. After a block, every lane's levelled profile of each resource is read
//! period by period: the unit-days it holds within the period over the period's length
//! (working days; calendar time on the clock axis of a plan with task calendars, where
//! holds run through nights and weekends too) is the mean units in use in that period.
//! A profile of p change points over P periods costs p log P + P.

use super::kernel::Tracking;
use super::periods::{Periods, Span};
use crate::model::resource::{Levelling, Profile, UNIT_SCALE};
use crate::model::{Network, Status};
use chrono::NaiveDate;

/// Iterations the loading reads at most.
pub const LOADING_ITERATIONS: u64 = 2_000;

/// Bytes the loading's rows may take (resources × iterations × weeks × 4): a plan with
/// many resources over many weeks reads fewer iterations (at least one block).
pub const LOADING_BUDGET: usize = 256 << 20;

/// Units in use per period, per resource, for the first iterations.
#[derive(Debug, Clone)]
pub struct LoadingSamples {
    /// What a period is (`week`, or `5 working days` without a calendar).
    pub period: String,
    /// Each period's end in working days of the project calendar.
    pub days: Vec<u64>,
    /// Each period's last calendar day (a Sunday), when the plan has a calendar.
    pub dates: Vec<NaiveDate>,
    /// Per resource, per iteration: the mean units in use in each period.
    pub rows: Vec<Vec<Vec<f32>>>,
    /// Per resource: the deterministic levelled plan's mean units in use in each period.
    pub deterministic: Vec<Vec<f64>>,
}

/// The loading of the first `iterations` (at most [`LOADING_ITERATIONS`], fewer when
/// [`LOADING_BUDGET`] needs it) of `net` with `seed`: None when the plan does not level, or spans more than
/// [`super::periods::MAX_PERIODS`] weeks.
pub fn loading(net: &Network, seed: u64, iterations: u64) -> Option<LoadingSamples> {
    let lev = net.levelling.as_ref().filter(|l| l.on)?;
    let r = lev.resources.len();
    // Lean: the profiles are all it reads, and they do not depend on criticality or
    // the per-task sums.
    let track = Tracking::new(net, false, 0, true);
    let mut periods = Periods::new(net, Span::Weeks);
    let det_profiles = deterministic_profiles(net, lev);
    if !periods.cover(horizon(&det_profiles)) {
        return None;
    }
    let n = budgeted(iterations, r, periods.ends.len());
    // Each thread with its own periods (extended as its blocks need): every row depends
    // on its block alone.
    let blocks = super::replay(
        net,
        seed,
        n,
        track,
        &(periods.clone(), Vec::new()),
        |(periods, sums), s, b| {
            let valid = b.valid;
            let last = (0..valid)
                .flat_map(|l| (0..r).map(move |k| (l, k)))
                .filter_map(|(l, k)| s.profile(l, k, r).last())
                .fold(0f32, f32::max);
            if !periods.cover(last as f64) {
                return None;
            }
            Some(
                (0..r)
                    .map(|k| {
                        (0..valid)
                            .map(|l| {
                                mean_units(s.profile(l, k, r), &periods.ends, sums)
                                    .iter()
                                    .map(|&x| x as f32)
                                    .collect()
                            })
                            .collect()
                    })
                    .collect::<Vec<Vec<Vec<f32>>>>(),
            )
        },
    )?;
    let mut rows: Vec<Vec<Vec<f32>>> = vec![Vec::with_capacity(n); r];
    for b in blocks {
        for (all, block) in rows.iter_mut().zip(b) {
            all.extend(block);
        }
    }
    // Every row over every period: nothing is held after an iteration's last hold.
    let m = rows
        .iter()
        .flatten()
        .map(Vec::len)
        .max()
        .unwrap_or(0)
        .max(periods.ends.len());
    if !periods.extend_to(m) {
        return None;
    }
    for row in rows.iter_mut().flatten() {
        row.resize(m, 0.0);
    }
    let mut sums = Vec::new();
    let deterministic = det_profiles
        .iter()
        .map(|p| {
            let mut v = mean_units(p, &periods.ends, &mut sums);
            v.resize(m, 0.0);
            v
        })
        .collect();
    Some(LoadingSamples {
        period: Span::Weeks.name(net.calendar().is_some()),
        days: periods.days,
        dates: periods.dates,
        rows,
        deterministic,
    })
}

/// Iterations to read of `iterations` for `resources` over a plan of `weeks`: at most
/// [`LOADING_ITERATIONS`], within [`LOADING_BUDGET`] with room for iterations twice as
/// long as the plan, at least one block.
fn budgeted(iterations: u64, resources: usize, weeks: usize) -> usize {
    let per_iteration = 4 * resources.max(1) * 2 * weeks.max(1);
    (iterations.min(LOADING_ITERATIONS) as usize)
        .min((LOADING_BUDGET / per_iteration).max(crate::lanes::LANES))
}

/// The deterministic levelled plan's profiles: each task holds its units from its
/// deterministic start (the status date for a task in progress) to its finish, as the
/// kernel's levelling holds them.
fn deterministic_profiles(net: &Network, lev: &Levelling) -> Vec<Profile<f64>> {
    let mut profiles = vec![Profile::default(); lev.resources.len()];
    for t in 0..net.len() {
        let (s, f) = (net.det_start()[t], net.det_finish()[t]);
        let from = match (net.status[t], net.status_time) {
            (Status::Done { .. }, _) => continue,
            (Status::InProgress { .. }, Some(st)) => s.max(st),
            _ => s,
        };
        if f > from {
            for h in lev.holds(t) {
                profiles[h.resource as usize].add(from, f, h.units, t as u32);
            }
        }
    }
    profiles
}

fn horizon(profiles: &[Profile<f64>]) -> f64 {
    profiles
        .iter()
        .filter_map(Profile::last)
        .fold(0.0, f64::max)
}

/// The mean units `p` holds in each period ending at `ends` (axis times, the first
/// period from 0): unit-days within the period over its length. `sums` is scratch.
pub(crate) fn mean_units<T: Copy + PartialOrd + Default + Into<f64>>(
    p: &Profile<T>,
    ends: &[u64],
    sums: &mut Vec<f64>,
) -> Vec<f64> {
    sums.clear();
    sums.resize(ends.len(), 0.0);
    let mut prev: Option<(f64, i64)> = None;
    // The first period ending after the segment's start: the points come in time order,
    // so it only moves forward (one pass over the points and the periods).
    let mut first = 0;
    for (x, level) in p.points() {
        let x: f64 = x.into();
        let x = x.max(0.0);
        if let Some((x0, l0)) = prev
            && l0 != 0
            && x > x0
        {
            while first < ends.len() && (ends[first] as f64) <= x0 {
                first += 1;
            }
            // The periods [ends[j - 1], ends[j]) the segment [x0, x) overlaps.
            let mut j = first;
            while j < ends.len() {
                let lo = if j == 0 { 0.0 } else { ends[j - 1] as f64 };
                if lo >= x {
                    break;
                }
                let overlap = x.min(ends[j] as f64) - x0.max(lo);
                sums[j] += overlap * l0 as f64;
                j += 1;
            }
        }
        prev = Some((x, level));
    }
    sums.iter()
        .enumerate()
        .map(|(j, &held)| {
            let lo = if j == 0 { 0 } else { ends[j - 1] };
            let len = ends[j].saturating_sub(lo);
            if len == 0 {
                0.0
            } else {
                held / (len as f64 * UNIT_SCALE)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_plans_read_fewer_iterations_within_the_budget() {
        assert_eq!(budgeted(10_000, 20, 100), 2_000);
        assert_eq!(budgeted(500, 20, 100), 500);
        // 300 resources over 200 weeks: 256 MiB / (4 × 300 × 2 × 200) = 559.
        assert_eq!(budgeted(10_000, 300, 200), 559);
        let n = budgeted(10_000, 300, 200);
        assert!(n * 4 * 300 * 2 * 200 <= LOADING_BUDGET);
        assert!((n + 1) * 4 * 300 * 2 * 200 > LOADING_BUDGET);
        // Never below one block.
        assert_eq!(budgeted(10_000, 5_000, 1_200), crate::lanes::LANES);
    }

    #[test]
    fn units_are_averaged_over_each_period() {
        let mut p: Profile<f64> = Profile::default();
        // Two units over days [2, 7), one more over [4, 12).
        p.add(2.0, 7.0, 2000, 0);
        p.add(4.0, 12.0, 1000, 1);
        let mut sums = Vec::new();
        let got = mean_units(&p, &[5, 10, 15], &mut sums);
        // Week 1 [0,5): 2 units × 3 days + 1 × 1 = 7 unit-days; week 2 [5,10): 2 × 2 +
        // 1 × 5 = 9; week 3 [10,15): 1 × 2 = 2.
        assert_eq!(got, vec![7.0 / 5.0, 9.0 / 5.0, 2.0 / 5.0]);
    }
}
