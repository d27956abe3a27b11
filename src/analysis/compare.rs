//! Scenario comparison with common random numbers (SPEC §3).
//!
//! Every scenario is simulated with its baseline's random numbers, so the difference
//! between the two in each iteration is the effect of the change alone, not noise.
//! `delta_*` compares the two distributions (scenario percentile − baseline percentile);
//! `diff_*` are percentiles of the per-iteration difference (scenario − baseline), which
//! answers "how much do we gain in the bad case, the typical case, the good case";
//! `p_earlier` is the share of iterations in which the scenario finishes strictly earlier.

use serde::Serialize;

use crate::error::Result;
use crate::model::Network;
use crate::sim::{Progress, SimConfig, simulate};
use crate::stats::{Forecast, forecast, percentile, round4};

/// Percentiles reported by `compare` (SPEC: p10, p50, p80, p90).
pub const COMPARE_PERCENTILES: [f64; 4] = [10.0, 50.0, 80.0, 90.0];

/// One scenario × milestone row.
#[derive(Debug, Clone, Serialize)]
pub struct CompareRow {
    /// Scenario name (`baseline` first).
    pub scenario: String,
    /// Milestone id.
    pub milestone: String,
    /// Mean finish.
    pub mean: f64,
    /// P10, P50, P80, P90 of the finish.
    pub percentiles: [f64; 4],
    /// Their dates, when the plan has a start date.
    pub dates: Option<[String; 4]>,
    /// Scenario mean − baseline mean.
    pub delta_mean: f64,
    /// Scenario P50, P80, P90 − baseline P50, P80, P90.
    pub delta: [f64; 3],
    /// P10, P50, P90 of the per-iteration difference scenario − baseline.
    pub diff: [f64; 3],
    /// Share of iterations in which the scenario finishes strictly earlier.
    pub p_earlier: f64,
    /// P(finish ≤ target), when the milestone has a target.
    pub p_target: Option<f64>,
    /// The plan's total cost in this scenario, when it has costs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<CompareCost>,
}

/// The total cost of a scenario, against the baseline's (0 when the baseline has none).
#[derive(Debug, Clone, Serialize)]
pub struct CompareCost {
    /// Mean.
    pub mean: f64,
    /// P50.
    pub p50: f64,
    /// P80.
    pub p80: f64,
    /// P50 − the baseline's P50.
    pub delta_p50: f64,
    /// P80 − the baseline's P80.
    pub delta_p80: f64,
    /// P(finish ≤ target ∧ cost ≤ budget) of this row's milestone, when it has a target
    /// and the plan a budget.
    pub jcl: Option<f64>,
}

/// (mean, P50, P80) of a forecast's total cost.
fn cost_summary(f: &Forecast) -> Option<(f64, f64, f64)> {
    let total = f.cost.as_ref()?.items.first()?;
    let at = |p: f64| {
        total
            .percentiles
            .iter()
            .find(|q| q.p == p)
            .map_or(0.0, |q| q.value)
    };
    Some((total.mean, at(50.0), at(80.0)))
}

/// A comparison of scenarios against the baseline.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// slipcast version.
    pub slipcast_version: String,
    /// Plan name.
    pub plan: Option<String>,
    /// Iterations per scenario.
    pub iterations: u64,
    /// Seed shared by every scenario.
    pub seed: u64,
    /// First working day, when known.
    pub start: Option<String>,
    /// Rows: baseline first, then scenarios in file order; milestones in the baseline's
    /// order within each.
    pub rows: Vec<CompareRow>,
    /// The full forecast of the baseline and of each scenario (for gates and reports;
    /// not part of the JSON).
    #[serde(skip)]
    pub forecasts: Vec<(String, Forecast)>,
    /// Caveats.
    pub warnings: Vec<crate::error::Warning>,
}

/// Simulates the baseline and each `(name, network)` scenario with the same seed and
/// iteration count, and compares them.
pub fn compare(
    base: &Network,
    scenarios: &[(String, Network)],
    cfg: &SimConfig,
    progress: &dyn Progress,
) -> Result<Comparison> {
    let base_samples = simulate(base, cfg, progress)?;
    let base_f = forecast(base, &base_samples, &COMPARE_PERCENTILES);
    let mut rows = Vec::new();
    let mut forecasts = Vec::new();
    let base_cost = cost_summary(&base_f).unwrap_or((0.0, 0.0, 0.0));
    let mut push_rows = |name: &str, f: &Forecast, samples: &[Vec<f32>]| {
        let cost = cost_summary(f);
        for (mi, m) in f.milestones.iter().enumerate() {
            let b = &base_f.milestones[mi];
            let pct = |mf: &crate::stats::MilestoneForecast| -> [f64; 4] {
                [0, 1, 2, 3].map(|i| mf.percentiles[i].days)
            };
            let (p, bp) = (pct(m), pct(b));
            let mut diff: Vec<f32> = samples[mi]
                .iter()
                .zip(&base_samples.milestones[mi])
                .map(|(s, b)| ((*s as f64) - (*b as f64)) as f32)
                .collect();
            let earlier = samples[mi]
                .iter()
                .zip(&base_samples.milestones[mi])
                .filter(|(s, b)| s < b)
                .count();
            diff.sort_unstable_by(f32::total_cmp);
            let dates = if f.start.is_some() {
                Some([0, 1, 2, 3].map(|i| m.percentiles[i].date.clone().unwrap_or_default()))
            } else {
                None
            };
            rows.push(CompareRow {
                scenario: name.to_string(),
                milestone: m.id.clone(),
                mean: m.mean,
                percentiles: p,
                dates,
                delta_mean: round4(m.mean - b.mean),
                delta: [
                    round4(p[1] - bp[1]),
                    round4(p[2] - bp[2]),
                    round4(p[3] - bp[3]),
                ],
                diff: [10.0, 50.0, 90.0].map(|q| round4(percentile(&diff, q) as f64)),
                p_earlier: earlier as f64 / samples[mi].len() as f64,
                p_target: m.target.as_ref().map(|t| t.probability),
                cost: cost.map(|(mean, p50, p80)| CompareCost {
                    mean,
                    p50,
                    p80,
                    delta_p50: crate::stats::cost::round2(p50 - base_cost.1),
                    delta_p80: crate::stats::cost::round2(p80 - base_cost.2),
                    jcl: f
                        .cost
                        .as_ref()
                        .and_then(|c| c.milestones.get(mi))
                        .and_then(|x| x.jcl),
                }),
            });
        }
    };
    push_rows("baseline", &base_f, &base_samples.milestones);
    for (name, net) in scenarios {
        let s = simulate(net, cfg, progress)?;
        let f = forecast(net, &s, &COMPARE_PERCENTILES);
        push_rows(name, &f, &s.milestones);
        forecasts.push((name.clone(), f));
    }
    let mut warnings = base_f.warnings.clone();
    warnings.dedup();
    forecasts.insert(0, ("baseline".to_string(), base_f.clone()));
    Ok(Comparison {
        slipcast_version: env!("CARGO_PKG_VERSION").to_string(),
        plan: base_f.plan.clone(),
        iterations: cfg.iterations,
        seed: cfg.seed,
        start: base_f.start.clone(),
        rows,
        forecasts,
        warnings,
    })
}
