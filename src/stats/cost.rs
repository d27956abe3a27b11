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
}

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
}

/// Amounts are reported to the cent.
pub fn round2(x: f64) -> f64 {
    let r = (x * 100.0).round() / 100.0;
    if r == 0.0 { 0.0 } else { r }
}

fn summary(v: &[f32], percentiles: &[f64]) -> (f64, f64, Vec<CostQuantile>) {
    let n = v.len() as f64;
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n.max(1.0);
    let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    let mut s = v.to_vec();
    crate::stats::sort_f32(&mut s);
    let qs = percentiles
        .iter()
        .map(|&p| CostQuantile {
            p,
            value: round2(percentile(&s, p) as f64),
        })
        .collect();
    (round2(mean), round2(var.sqrt()), qs)
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
            let (mean, sd, percentiles) = summary(&samples.costs[slot], percentiles);
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
    let n = total.len() as f64;
    let p_budget = cm
        .budget
        .map(|b| total.iter().filter(|&&x| x as f64 <= b).count() as f64 / n);
    let milestones = net
        .milestones()
        .iter()
        .enumerate()
        .map(|(mi, m)| {
            let slot = cm.milestone_slot(mi);
            let (mean, _, qs) = summary(&samples.costs[slot], percentiles);
            let mut s = samples.costs[slot].clone();
            crate::stats::sort_f32(&mut s);
            let d = det[slot];
            let jcl = match (&m.target, cm.budget) {
                (Some(tg), Some(b)) => Some(
                    samples.milestones[mi]
                        .iter()
                        .zip(total)
                        .filter(|&(&f, &c)| f as f64 <= tg.days + SNAP && c as f64 <= b)
                        .count() as f64
                        / n,
                ),
                _ => None,
            };
            MilestoneCost {
                id: net.tasks()[m.task as usize].id.clone(),
                deterministic: round2(d),
                mean,
                contingency_p50: round2(percentile(&s, 50.0) as f64 - d),
                contingency_p80: round2(percentile(&s, 80.0) as f64 - d),
                percentiles: qs,
                jcl,
            }
        })
        .collect();
    Some(CostForecast {
        currency: cm.currency.clone(),
        budget: cm.budget,
        p_budget,
        items,
        milestones,
    })
}
