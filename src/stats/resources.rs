//! The levelled run's resource view: how much of each resource is used, and how often
//! work waits for it (the bottleneck view).

use serde::Serialize;

use crate::model::Network;
use crate::sim::Samples;
use crate::stats::percentile;

/// One resource's use over the simulated iterations.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceForecast {
    /// Id.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Units available at once.
    pub capacity: f64,
    /// Mean over iterations of the most units held at once.
    pub mean_peak: f64,
    /// P90 of the most units held at once.
    pub p90_peak: f64,
    /// Mean share of its capacity held from the start (or status date) to the last
    /// reported milestone's finish.
    pub utilisation: f64,
    /// Share of iterations in which some task waited for it.
    pub wait_share: f64,
    /// Units in use week by week (see [`crate::sim::loading`]), when read.
    pub loading: Option<Loading>,
}

/// One resource's units in use, period by period.
#[derive(Debug, Clone, Serialize)]
pub struct Loading {
    /// Iterations read (the first ones).
    pub iterations: usize,
    /// `week`, or `5 working days` without a calendar.
    pub period: String,
    /// Each period, in order.
    pub periods: Vec<LoadPeriod>,
}

/// The mean units in use within one period.
#[derive(Debug, Clone, Serialize)]
pub struct LoadPeriod {
    /// Its last day (`2027-03-07`, a Sunday), or `day 15` without a calendar.
    pub end: String,
    /// Working days through its end.
    pub days: u64,
    /// The deterministic levelled plan's.
    pub plan: f64,
    /// Mean over the iterations.
    pub mean: f64,
    /// P50 across the iterations.
    pub p50: f64,
    /// P90 across the iterations.
    pub p90: f64,
}

/// Sets each resource's [`Loading`] from the loading samples.
pub fn set_loading(resources: &mut [ResourceForecast], l: &crate::sim::loading::LoadingSamples) {
    let mut column: Vec<f32> = Vec::new();
    for (r, (rows, det)) in resources
        .iter_mut()
        .zip(l.rows.iter().zip(&l.deterministic))
    {
        let periods = l
            .days
            .iter()
            .enumerate()
            .map(|(j, &days)| {
                column.clear();
                column.extend(rows.iter().map(|row| row[j]));
                column.sort_unstable_by(f32::total_cmp);
                let n = column.len();
                let q = |p: f64| {
                    if n == 0 {
                        0.0
                    } else {
                        crate::num::round4(column[crate::stats::percentile_rank(n, p) - 1] as f64)
                    }
                };
                LoadPeriod {
                    end: l.dates.get(j).map_or_else(
                        || format!("day {days}"),
                        |d| d.format("%Y-%m-%d").to_string(),
                    ),
                    days,
                    plan: crate::num::round4(det[j]),
                    mean: crate::num::round4(
                        column.iter().map(|&x| x as f64).sum::<f64>() / n.max(1) as f64,
                    ),
                    p50: q(50.0),
                    p90: q(90.0),
                }
            })
            .collect();
        r.loading = Some(Loading {
            iterations: rows.len(),
            period: l.period.clone(),
            periods,
        });
    }
}

/// The resources of a levelled run (empty otherwise).
pub fn forecast(net: &Network, samples: &Samples) -> Vec<ResourceForecast> {
    let Some(lev) = net.levelling.as_ref().filter(|l| l.on) else {
        return Vec::new();
    };
    let n = samples.iterations as usize;
    let t0 = net.status_time.unwrap_or(0.0);
    // Each iteration's span: from the start to the last reported milestone.
    let span: Vec<f64> = (0..n)
        .map(|i| {
            samples
                .milestones
                .iter()
                .map(|m| m[i] as f64)
                .fold(t0, f64::max)
                - t0
        })
        .collect();
    lev.resources
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let peak = samples.resource_peak.get(k).cloned().unwrap_or_default();
            let held = samples.resource_held.get(k).cloned().unwrap_or_default();
            let mut sorted = peak.clone();
            sorted.sort_unstable_by(f32::total_cmp);
            let mean_peak = peak.iter().map(|&x| x as f64).sum::<f64>() / n.max(1) as f64;
            let utilisation = if r.capacity > 0.0 {
                held.iter()
                    .zip(&span)
                    .map(|(&h, &s)| {
                        if s > 0.0 {
                            h as f64 / (r.capacity * s)
                        } else {
                            0.0
                        }
                    })
                    .sum::<f64>()
                    / n.max(1) as f64
            } else {
                0.0
            };
            ResourceForecast {
                id: r.id.clone(),
                name: r.name.clone(),
                capacity: r.capacity,
                mean_peak: crate::num::round4(mean_peak),
                p90_peak: if sorted.is_empty() {
                    0.0
                } else {
                    crate::num::round4(percentile(&sorted, 90.0) as f64)
                },
                utilisation: crate::num::round4(utilisation),
                wait_share: crate::num::round4(
                    samples.resource_waited.get(k).copied().unwrap_or(0) as f64 / n.max(1) as f64,
                ),
                loading: None,
            }
        })
        .collect()
}
