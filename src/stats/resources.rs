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
            }
        })
        .collect()
}
