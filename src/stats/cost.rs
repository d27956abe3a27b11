//! Cost samples → the cost part of a [`Forecast`](crate::stats::Forecast): percentiles of
//! the total and of each group, overhead and the risks, each milestone's incurred cost,
//! P(cost ≤ budget) and the joint confidence level P(finish ≤ target ∧ cost ≤ budget).

use serde::Serialize;

use crate::model::Network;
use crate::model::calendar::SNAP;
use crate::model::cost::{self, CostModel};
use crate::sim::Samples;
use crate::stats::percentile;

/// The cost forecast.
#[derive(Debug, Clone, Serialize)]
pub struct CostForecast {
    /// Currency label of every amount.
    pub currency: Option<String>,
    /// The committed budget.
    pub budget: Option<f64>,
    /// P(total cost ≤ budget).
    pub p_budget: Option<f64>,
    /// `total`, then `group:NAME`, `overhead:NAME` and `risks`.
    pub items: Vec<CostItem>,
    /// Per milestone (as the forecast's milestones): the cost incurred by its finish.
    pub milestones: Vec<MilestoneCost>,
    /// The total's percentiles P0, P1, …, P100 (its cumulative distribution).
    pub cdf: Vec<f64>,
    /// The cumulative spend by period, when placed in time (see [`crate::sim::cashflow`]).
    pub cashflow: Option<CashFlow>,
}

/// The spend S-curve with its band.
#[derive(Debug, Clone, Serialize)]
pub struct CashFlow {
    /// Iterations placed in time (the first ones).
    pub iterations: usize,
    /// `month` (calendar months) or `20 working days`.
    pub period: String,
    /// Each period, in order.
    pub periods: Vec<CashPeriod>,
}

/// The cumulative spend at one period's end.
#[derive(Debug, Clone, Serialize)]
pub struct CashPeriod {
    /// Its last day (`2027-03-31`), or `day 60` without a calendar.
    pub end: String,
    /// Working days through its end.
    pub days: u64,
    /// The deterministic plan's cumulative spend.
    pub deterministic: f64,
    /// Mean.
    pub mean: f64,
    /// P10 across the iterations.
    pub p10: f64,
    /// P50.
    pub p50: f64,
    /// P90.
    pub p90: f64,
}

/// Summarises the cash-flow samples: per period, the deterministic plan's cumulative
/// spend and the mean, P10, P50 and P90 of the iterations'.
pub fn cash_flow(c: &crate::sim::cashflow::CashSamples) -> CashFlow {
    let n = c.rows.len();
    let mut column = Vec::with_capacity(n);
    let periods = c
        .days
        .iter()
        .enumerate()
        .map(|(j, &days)| {
            column.clear();
            column.extend(c.rows.iter().map(|r| r[j]));
            column.sort_unstable_by(f64::total_cmp);
            let q = |p: f64| match column.len() {
                0 => 0.0,
                n => round2(column[crate::stats::percentile_rank(n, p) - 1]),
            };
            CashPeriod {
                end: c.dates.get(j).map_or_else(
                    || format!("day {days}"),
                    |d| d.format("%Y-%m-%d").to_string(),
                ),
                days,
                deterministic: round2(c.deterministic[j]),
                mean: round2(column.iter().sum::<f64>() / n.max(1) as f64),
                p10: q(10.0),
                p50: q(50.0),
                p90: q(90.0),
            }
        })
        .collect();
    CashFlow {
        iterations: n,
        period: if c.dates.is_empty() {
            format!("{} working days", crate::sim::cashflow::PERIOD_DAYS)
        } else {
            "month".into()
        },
        periods,
    }
}

/// Where the iterations fall against a target and the budget (shares of all
/// iterations; they add up to 1).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Quadrants {
    /// Finish ≤ target and cost ≤ budget (the joint confidence).
    pub on_time_within_budget: f64,
    /// Finish ≤ target, cost > budget.
    pub on_time_over_budget: f64,
    /// Finish > target, cost ≤ budget.
    pub late_within_budget: f64,
    /// Finish > target and cost > budget.
    pub late_over_budget: f64,
}

/// Iterations a cost–schedule scatter draws at most (the first ones: the same on any
/// thread count).
pub const SCATTER_POINTS: usize = 2_000;

/// Milestones that get a cost–schedule scatter at most: the latest with a target (the
/// last milestone when none has one).
pub const SCATTER_MILESTONES: usize = 3;

/// The distribution of one cost item.
#[derive(Debug, Clone, Serialize)]
pub struct CostItem {
    /// `total`, `group:NAME`, `overhead:NAME` or `risks`.
    pub item: String,
    /// The deterministic plan's cost (most likely amounts and durations, no risk).
    pub deterministic: f64,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation.
    pub sd: f64,
    /// The forecast's percentiles, in the same order.
    pub percentiles: Vec<CostQuantile>,
}

/// One percentile of a cost.
#[derive(Debug, Clone, Serialize)]
pub struct CostQuantile {
    /// Percent.
    pub p: f64,
    /// Amount.
    pub value: f64,
}

/// The cost incurred by a milestone's finish: its ancestors' costs, the overheads that
/// end with it and the risks that hit its ancestors.
#[derive(Debug, Clone, Serialize)]
pub struct MilestoneCost {
    /// Milestone id.
    pub id: String,
    /// The deterministic plan's.
    pub deterministic: f64,
    /// Mean.
    pub mean: f64,
    /// The forecast's percentiles.
    pub percentiles: Vec<CostQuantile>,
    /// P50 − deterministic: the cost contingency at P50.
    pub contingency_p50: f64,
    /// P80 − deterministic.
    pub contingency_p80: f64,
    /// With a target and a budget: P(finish ≤ target ∧ total cost ≤ budget).
    pub jcl: Option<f64>,
    /// The joint-confidence frontiers, one per level (70 % unless asked otherwise).
    pub frontiers: Vec<Frontier>,
    /// With a target and a budget: the four outcomes' shares.
    pub quadrants: Option<Quadrants>,
    /// For the report's scatter: (finish in working days, total cost) of the first
    /// [`SCATTER_POINTS`] iterations, for up to [`SCATTER_MILESTONES`] milestones; empty
    /// otherwise. Not in the JSON.
    #[serde(skip)]
    pub scatter: Vec<(f32, f64)>,
}

/// The default joint confidence level of the frontiers (NASA budgets at 70 % JCL).
pub const FRONTIER_LEVEL: f64 = 0.7;

/// A joint-confidence frontier: for dates from the milestone's P`level` to its P99, the
/// least total budget B with P(finish ≤ date ∧ cost ≤ B) ≥ `level`.
#[derive(Debug, Clone, Serialize)]
pub struct Frontier {
    /// The joint confidence level, in (0, 1).
    pub level: f64,
    /// Up to ten points, dates ascending.
    pub points: Vec<FrontierPoint>,
}

/// One point of a joint-confidence frontier.
#[derive(Debug, Clone, Serialize)]
pub struct FrontierPoint {
    /// Finish, working days from the start.
    pub days: f64,
    /// Its date, when the plan has a calendar.
    pub date: Option<String>,
    /// The least budget that, with this finish, is met together at the level.
    pub budget: f64,
}

/// The frontier of `finish` × `cost` (aligned per iteration) at `level`: 10 dates evenly
/// from the finish's P`level` to its P99 (a date earlier than P`level` cannot reach the
/// level whatever the budget), each with the least budget B such that the share of
/// iterations with finish ≤ date and cost ≤ B is at least `level`.
pub fn frontier(finish: &[f32], cost: &[f32], level: f64) -> Vec<(f64, f64)> {
    let n = finish.len();
    if n == 0 {
        return Vec::new();
    }
    let need = ((level * n as f64) - 1e-9).ceil().max(1.0) as usize;
    let mut sorted = finish.to_vec();
    crate::stats::sort_f32(&mut sorted);
    let (lo, hi) = (
        percentile(&sorted, level * 100.0) as f64,
        percentile(&sorted, 99.0) as f64,
    );
    let mut out = Vec::new();
    let mut within = Vec::with_capacity(n);
    for i in 0..10 {
        let d = lo + (hi - lo) * i as f64 / 9.0;
        within.clear();
        within.extend(
            finish
                .iter()
                .zip(cost)
                .filter(|&(&f, _)| f as f64 <= d + SNAP)
                .map(|(_, &c)| c),
        );
        if within.len() < need {
            continue;
        }
        let (_, b, _) = within.select_nth_unstable_by(need - 1, f32::total_cmp);
        out.push((d, *b as f64));
        if i > 0 && hi == lo {
            break;
        }
    }
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// The frontiers of milestone `mi` at each level (see [`frontier`]).
fn frontiers(net: &Network, samples: &Samples, mi: usize, levels: &[f64]) -> Vec<Frontier> {
    let total = &samples.costs[CostModel::TOTAL];
    let off = samples.cost_offset[CostModel::TOTAL];
    let date = |t: f64| {
        net.calendar()?;
        let d = net.date_of_day(crate::model::calendar::finish_day(t))?;
        (chrono::Datelike::year(&d) <= 9999).then(|| d.format("%Y-%m-%d").to_string())
    };
    levels
        .iter()
        .map(|&level| Frontier {
            level,
            points: frontier(&samples.milestones[mi], total, level)
                .into_iter()
                .map(|(t, budget)| FrontierPoint {
                    days: crate::stats::round4(net.days(t)),
                    date: date(t),
                    budget: round2(off + budget),
                })
                .collect(),
        })
        .collect()
}

/// Replaces every milestone's frontiers with those at `levels` (`--jcl`).
pub fn set_frontier_levels(
    cf: &mut CostForecast,
    net: &Network,
    samples: &Samples,
    levels: &[f64],
) {
    for (mi, m) in cf.milestones.iter_mut().enumerate() {
        m.frontiers = frontiers(net, samples, mi, levels);
    }
}

/// Amounts are reported to the cent.
pub fn round2(x: f64) -> f64 {
    let r = (x * 100.0).round() / 100.0;
    if r == 0.0 { 0.0 } else { r }
}

/// Mean, sd, the percentiles, and the samples sorted (for further percentiles) of the
/// amounts `off + v[i]`.
fn summary(v: &[f32], off: f64, percentiles: &[f64]) -> (f64, f64, Vec<CostQuantile>, Vec<f32>) {
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n.max(1.0);
    let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    let mut s = v.to_vec();
    crate::stats::sort_f32(&mut s);
    let qs = percentiles
        .iter()
        .map(|&p| CostQuantile {
            p,
            value: round2(off + percentile(&s, p) as f64),
        })
        .collect();
    (round2(off + mean), round2(var.sqrt()), qs, s)
}

/// The cost forecast of `samples`, or None when the plan has no cost.
pub fn forecast(net: &Network, samples: &Samples, percentiles: &[f64]) -> Option<CostForecast> {
    let cm: &CostModel = net.cost()?;
    if samples.costs.is_empty() || samples.iterations == 0 {
        return None;
    }
    let det = cost::deterministic(cm, net);
    let mut slots: Vec<(String, usize)> = vec![("total".into(), CostModel::TOTAL)];
    slots.extend(
        cm.groups
            .iter()
            .enumerate()
            .map(|(g, name)| (format!("group:{name}"), cm.group_slot(g))),
    );
    slots.extend(
        cm.overheads
            .iter()
            .enumerate()
            .map(|(o, oc)| (format!("overhead:{}", oc.name), cm.overhead_slot(o))),
    );
    if cm.risk_cost.iter().any(Option::is_some) {
        slots.push(("risks".into(), cm.risks_slot()));
    }
    let items = slots
        .into_iter()
        .map(|(item, slot)| {
            let off = samples.cost_offset[slot];
            let (mean, sd, percentiles, _) = summary(&samples.costs[slot], off, percentiles);
            CostItem {
                item,
                deterministic: round2(det[slot]),
                mean,
                sd,
                percentiles,
            }
        })
        .collect();
    let total = &samples.costs[CostModel::TOTAL];
    let off_total = samples.cost_offset[CostModel::TOTAL];
    let n = total.len() as f64;
    // The budget relative to the stored values.
    let budget = cm.budget.map(|b| b - off_total);
    let p_budget = budget.map(|b| total.iter().filter(|&&x| x as f64 <= b).count() as f64 / n);
    let k = net.milestones().len();
    // The latest milestones with a target, or the last one when none has.
    let mut scattered: Vec<usize> = (0..k)
        .rev()
        .filter(|&mi| net.milestones()[mi].target.is_some())
        .take(SCATTER_MILESTONES)
        .collect();
    if scattered.is_empty() && k > 0 {
        scattered.push(k - 1);
    }
    let milestones = net
        .milestones()
        .iter()
        .enumerate()
        .map(|(mi, m)| {
            let slot = cm.milestone_slot(mi);
            let off = samples.cost_offset[slot];
            let (mean, _, qs, s) = summary(&samples.costs[slot], off, percentiles);
            let d = det[slot];
            let quadrants = match (&m.target, budget) {
                (Some(tg), Some(b)) => {
                    let mut q = [0u64; 4];
                    for (&f, &c) in samples.milestones[mi].iter().zip(total) {
                        let late = f as f64 > tg.time + SNAP;
                        let over = c as f64 > b;
                        q[2 * late as usize + over as usize] += 1;
                    }
                    Some(Quadrants {
                        on_time_within_budget: q[0] as f64 / n,
                        on_time_over_budget: q[1] as f64 / n,
                        late_within_budget: q[2] as f64 / n,
                        late_over_budget: q[3] as f64 / n,
                    })
                }
                _ => None,
            };
            let jcl = quadrants.map(|q| q.on_time_within_budget);
            let scatter = if scattered.contains(&mi) {
                samples.milestones[mi]
                    .iter()
                    .zip(total)
                    .take(SCATTER_POINTS)
                    .map(|(&f, &c)| (net.days(f as f64) as f32, off_total + c as f64))
                    .collect()
            } else {
                Vec::new()
            };
            MilestoneCost {
                frontiers: frontiers(net, samples, mi, &[FRONTIER_LEVEL]),
                id: net.tasks()[m.task as usize].id.clone(),
                deterministic: round2(d),
                mean,
                contingency_p50: round2(off + percentile(&s, 50.0) as f64 - d),
                contingency_p80: round2(off + percentile(&s, 80.0) as f64 - d),
                percentiles: qs,
                jcl,
                quadrants,
                scatter,
            }
        })
        .collect();
    let mut sorted = total.clone();
    crate::stats::sort_f32(&mut sorted);
    let cdf = (0..=100)
        .map(|p| round2(off_total + percentile(&sorted, p as f64) as f64))
        .collect();
    Some(CostForecast {
        currency: cm.currency.clone(),
        budget: cm.budget,
        p_budget,
        items,
        milestones,
        cdf,
        cashflow: None,
    })
}
