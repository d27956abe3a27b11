//! Samples → [`Forecast`]: percentiles, moments, target probabilities, histograms,
//! criticality, and the statistical caveats of a run.
//!
//! Percentile rule (SPEC §2): Pp is the smallest simulated value x with F̂(x) ≥ p, i.e.
//! the ⌈p·n⌉-th smallest of n samples (the inverted empirical CDF, Hyndman & Fan type 1).
//! Standard deviation is the sample standard deviation (n − 1 denominator).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{Warning, WarningKind};
use crate::model::Network;
use crate::model::calendar::{SNAP, finish_day, start_day};
use crate::sim::Samples;

pub use crate::lanes::radix::sort_f32;

pub mod cost;
pub mod drivers;
pub mod resources;

/// The one result schema: JSON is its serde form; CSV and tables are views of it.
#[derive(Debug, Clone, Serialize)]
pub struct Forecast {
    /// slipcast version that made it.
    pub slipcast_version: String,
    /// Plan name.
    pub plan: Option<String>,
    /// Iterations simulated.
    pub iterations: u64,
    /// Seed used.
    pub seed: u64,
    /// First working day (t = 0), when the plan has a start date.
    pub start: Option<String>,
    /// Status (data) date of a re-forecast: the first day of remaining work.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_date: Option<String>,
    /// Requested percentiles, in percent.
    pub percentiles: Vec<f64>,
    /// Reported milestones in order of deterministic finish.
    pub milestones: Vec<MilestoneForecast>,
    /// The milestone the headline, criticality, critical tasks and drivers describe, when
    /// chosen (`--milestone`); otherwise the latest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus: Option<String>,
    /// Every task, in deterministic schedule order (early start, early finish, id).
    pub tasks: Vec<TaskForecast>,
    /// One histogram per milestone.
    pub histograms: Vec<Histogram>,
    /// The risk register's results, in file order.
    pub risks: Vec<RiskForecast>,
    /// Each pair of correlations.csv with the rank correlation asked for and achieved.
    pub correlations: Vec<crate::model::CorrelationPair>,
    /// The calibration applied, when the run used one (`--calibration`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calibration: Option<String>,
    /// Cost, when the plan has any: percentiles of the total, groups, overheads and
    /// risks, each milestone's incurred cost, P(cost ≤ budget) and the joint confidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<cost::CostForecast>,
    /// The driver analysis, when asked for (`--drivers`, `--out`).
    pub drivers: Option<drivers::Drivers>,
    /// Levelled runs: each resource's use and how often work waited for it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<resources::ResourceForecast>,
    /// Statistical caveats and notes on the run.
    pub warnings: Vec<Warning>,
}

/// One milestone's forecast. Values are working days from the start.
#[derive(Debug, Clone, Serialize)]
pub struct MilestoneForecast {
    /// Task id.
    pub id: String,
    /// Task name.
    pub name: Option<String>,
    /// Deterministic CPM finish (every task at its most likely value).
    pub deterministic: f64,
    /// Its date.
    pub deterministic_date: Option<String>,
    /// Mean finish.
    pub mean: f64,
    /// Sample standard deviation of the finish.
    pub sd: f64,
    /// Smallest simulated finish.
    pub min: f64,
    /// Largest simulated finish.
    pub max: f64,
    /// Requested percentiles.
    pub percentiles: Vec<Quantile>,
    /// Committed target and the probability of meeting it.
    pub target: Option<TargetForecast>,
    /// For a milestone with a target: the schedule margin a commitment at the margin
    /// level needs over the single-point plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin: Option<Margin>,
    /// The single-point plan's own confidence: the share of iterations finishing on or
    /// before the deterministic finish ("the plan's 5 August is a P27 date").
    pub p_deterministic: f64,
    /// Contingency the P50 needs over the deterministic plan: P50 − deterministic.
    pub contingency_p50: f64,
    /// P80 − deterministic.
    pub contingency_p80: f64,
    /// What capacity costs, when the plan levels resources: the levelled P50 minus the
    /// resource-free P50 of the same iterations (common random numbers), working days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_delay_p50: Option<f64>,
    /// The levelled P80 minus the resource-free P80.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_delay_p80: Option<f64>,
}

/// The schedule margin of a milestone: the buffer to put before it in the schedule (a
/// margin task) so that the date it then shows is met with the margin level's confidence.
#[derive(Debug, Clone, Serialize)]
pub struct Margin {
    /// Confidence in percent (the P-level: 80 by default, `--margin-level`).
    pub level: f64,
    /// P-level finish − deterministic finish, working days (0 when the plan's date
    /// already has that confidence).
    pub days: f64,
    /// The P-level finish in working days: the date the milestone shows with the margin.
    pub finish: f64,
    /// Its date.
    pub date: Option<String>,
    /// Whether that date is on or before the target.
    pub meets_target: bool,
}

/// One percentile of a milestone finish.
#[derive(Debug, Clone, Serialize)]
pub struct Quantile {
    /// Percent (e.g. 80).
    pub p: f64,
    /// Working days from the start.
    pub days: f64,
    /// Finish date.
    pub date: Option<String>,
    /// Lower end of the distribution-free 95 % confidence interval of this percentile.
    pub low: f64,
    /// Upper end of that interval.
    pub high: f64,
}

/// A target and P(finish ≤ target).
#[derive(Debug, Clone, Serialize)]
pub struct TargetForecast {
    /// The target as a working-day bound.
    pub days: f64,
    /// The target date, when given as a date.
    pub date: Option<String>,
    /// Share of iterations finishing on or before the target.
    pub probability: f64,
}

/// Per-task results.
#[derive(Debug, Clone, Serialize)]
pub struct TaskForecast {
    /// Id.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Group.
    pub group: Option<String>,
    /// Deterministic early start.
    pub deterministic_start: f64,
    /// Deterministic early finish.
    pub deterministic_finish: f64,
    /// Mean early start.
    pub mean_start: f64,
    /// Mean early finish.
    pub mean_finish: f64,
    /// Date of the deterministic start.
    pub deterministic_start_date: Option<String>,
    /// Date of the deterministic finish.
    pub deterministic_finish_date: Option<String>,
    /// Date of the mean start.
    pub mean_start_date: Option<String>,
    /// Date of the mean finish.
    pub mean_finish_date: Option<String>,
    /// Progress at the status date: `done`, `in progress` or `not started` (omitted
    /// without a status date).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// Criticality index towards the focus milestone ([`Forecast::focus_milestone`]: the
    /// latest reported one unless another was chosen).
    pub criticality: f64,
    /// Criticality index towards each reported milestone the task leads to.
    pub criticality_by_milestone: BTreeMap<String, f64>,
    /// Levelled runs, tasks that hold resources: mean working days the task waited for
    /// them after its logic allowed it to start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_resource_wait: Option<f64>,
    /// The start and finish at each reported percentile (empty unless asked for:
    /// [`crate::Forecaster::task_percentiles`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub percentiles: Vec<TaskQuantile>,
}

/// One percentile of a task's start and finish. Each is that percentile of its own
/// distribution: the P80 start and the P80 finish may come from different futures.
#[derive(Debug, Clone, Serialize)]
pub struct TaskQuantile {
    /// Percent (e.g. 80).
    pub p: f64,
    /// Start, working days from the plan's start.
    pub start: f64,
    /// Finish, working days from the plan's start.
    pub finish: f64,
    /// Date of the start (first day of work).
    pub start_date: Option<String>,
    /// Date of the finish (last day of work).
    pub finish_date: Option<String>,
}

/// Per-risk results.
#[derive(Debug, Clone, Serialize)]
pub struct RiskForecast {
    /// Id.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Probability given in the register.
    pub probability: f64,
    /// Share of iterations in which it occurred.
    pub occurred: f64,
    /// Unit of the impact.
    pub unit: crate::plan::Unit,
    /// Smallest impact it can draw, in its unit.
    pub impact_min: f64,
    /// Largest impact it can draw, in its unit (`None`: unbounded, e.g. lognormal).
    pub impact_max: Option<f64>,
    /// Mean impact drawn when it occurred, in its unit.
    pub mean_impact: f64,
    /// Mean working days it added to the tasks it hits when it occurred (summed over them).
    pub mean_added_days: f64,
    /// Whether it has a schedule impact (false: a risk with only a cost).
    pub moves_dates: bool,
    /// With a cost impact: its mean cost when it occurred.
    pub mean_cost: Option<f64>,
    /// Ids of the tasks it hits.
    pub tasks: Vec<String>,
}

/// Histogram of one milestone's finish.
#[derive(Debug, Clone, Serialize)]
pub struct Histogram {
    /// Milestone id.
    pub milestone: String,
    /// Bins `[from, to)` (the last includes `to`), ascending.
    pub bins: Vec<Bin>,
}

/// One histogram bin.
#[derive(Debug, Clone, Serialize)]
pub struct Bin {
    /// Lower edge, working days.
    pub from: f64,
    /// Upper edge, working days.
    pub to: f64,
    /// Iterations in the bin.
    pub count: u64,
    /// Share of iterations at or below `to`.
    pub cumulative: f64,
}

pub use crate::num::round4;

/// Pp of ascending `sorted` by the SPEC §2 rule; `p` in percent, (0, 100].
pub fn percentile(sorted: &[f32], p: f64) -> f32 {
    sorted[percentile_rank(sorted.len(), p) - 1]
}

pub(crate) use crate::num::percentile_rank;

/// Pp of `v` by the SPEC §2 rule, as [`percentile`] of its sorted copy gives, found by
/// selection in linear time (`v` is reordered).
pub fn percentile_select(v: &mut [f32], p: f64) -> f32 {
    let k = percentile_rank(v.len(), p);
    *v.select_nth_unstable_by(k - 1, f32::total_cmp).1
}

/// Order-statistic ranks (1-based) of a distribution-free confidence interval with
/// coverage ≥ `level` for the p-th percentile (p in percent) of `n` samples: with
/// B ~ Binomial(n, p/100), P(X₍ₗ₎ ≤ ξ ≤ X₍ᵤ₎) = P(l ≤ B ≤ u − 1); l is the largest rank
/// with P(B ≤ l − 1) ≤ (1 − level)/2 and u the smallest with P(B ≤ u − 1) ≥ (1 + level)/2.
/// Ranks are clamped to 1..=n (the interval is then open-ended in practice).
pub fn ci_ranks(n: usize, p: f64, level: f64) -> (usize, usize) {
    use statrs::distribution::{Binomial, DiscreteCDF};
    let tail = (1.0 - level) / 2.0;
    let Ok(b) = Binomial::new((p / 100.0).clamp(0.0, 1.0), n as u64) else {
        return (1, n);
    };
    // Binary searches over the monotone binomial CDF.
    let (mut lo, mut hi) = (0usize, n);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        // candidate l = mid + 1: need P(B ≤ mid) ≤ tail
        if b.cdf(mid as u64) <= tail {
            lo = mid
        } else {
            hi = mid - 1
        }
    }
    let l = if b.cdf(lo as u64) <= tail { lo + 1 } else { 1 };
    let (mut lo2, mut hi2) = (0usize, n);
    while lo2 < hi2 {
        let mid = (lo2 + hi2) / 2;
        if b.cdf(mid as u64) >= 1.0 - tail {
            hi2 = mid
        } else {
            lo2 = mid + 1
        }
    }
    let u = lo2 + 1;
    (l.clamp(1, n), u.clamp(1, n))
}

/// The distribution-free 95 % confidence interval of Pp from ascending samples.
pub fn percentile_ci(sorted: &[f32], p: f64) -> (f32, f32) {
    let (l, u) = ci_ranks(sorted.len(), p, 0.95);
    (sorted[l - 1], sorted[u - 1])
}

/// Sets each targeted milestone's schedule margin at confidence `level` (percent): its
/// P-level finish from the samples, less the deterministic finish.
pub fn set_margins(net: &Network, samples: &Samples, f: &mut Forecast, level: f64) {
    for (mi, m) in f.milestones.iter_mut().enumerate() {
        let (Some(x), Some(ms)) = (samples.milestones.get(mi), net.milestones.get(mi)) else {
            continue;
        };
        let Some(target) = &ms.target else {
            continue;
        };
        let mut x = x.clone();
        let v = percentile_select(&mut x, level) as f64;
        let finish = round4(net.days(v));
        let day = net.finish_day_of(ms.task as usize, v);
        let date = net
            .calendar
            .as_ref()
            .and_then(|_| net.axis_dates(day).get(day as usize - 1).copied())
            .map(|d| d.format("%Y-%m-%d").to_string());
        m.margin = Some(Margin {
            level,
            days: round4((finish - m.deterministic).max(0.0)),
            finish,
            date,
            meets_target: v <= target.time + SNAP,
        });
    }
}
/// Sets every task's start and finish percentiles from `q` (computed for `net`).
pub fn set_task_percentiles(
    net: &Network,
    q: &crate::sim::quantiles::TaskQuantiles,
    f: &mut Forecast,
) {
    // A task that takes no time in those futures starts on the day it finishes.
    let start_of = |t: usize, s: f64, fin: f64| {
        if fin - s < SNAP {
            net.finish_day_of(t, fin)
        } else {
            start_day(s)
        }
    };
    let last = q
        .finish
        .iter()
        .flatten()
        .map(|&x| finish_day(x as f64).max(start_day(x as f64)))
        .max()
        .unwrap_or(1);
    let table = net.axis_dates(last + 1);
    let date = |day: u64| -> Option<String> {
        net.calendar.as_ref()?;
        table
            .get(day as usize - 1)
            .filter(|d| chrono::Datelike::year(*d) <= 9999)
            .map(|d| d.format("%Y-%m-%d").to_string())
    };
    for task in &mut f.tasks {
        let Some(t) = net.index_of(&task.id) else {
            continue;
        };
        task.percentiles = q
            .levels
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                let (s, fin) = (q.start[i][t] as f64, q.finish[i][t] as f64);
                TaskQuantile {
                    p,
                    start: round4(net.days(s)),
                    finish: round4(net.days(fin)),
                    start_date: date(start_of(t, s, fin)),
                    finish_date: date(net.finish_day_of(t, fin)),
                }
            })
            .collect();
    }
}

/// Builds the forecast from a network and its samples.
pub fn forecast(net: &Network, samples: &Samples, percentiles: &[f64]) -> Forecast {
    let n = samples.iterations;
    let mut warnings = Vec::new();
    if n < 1000 {
        warnings.push(Warning::new(
            WarningKind::FewIterations,
            format!(
                "only {n} iterations: percentiles are rough; use -n 10000 or more for decisions"
            ),
        ));
    }
    for &p in percentiles {
        // Pp is the k-th smallest sample: k − 1 outcomes lie below it, n − k above.
        let k = percentile_rank(n as usize, p) as u64;
        let (tail, side) = if p >= 50.0 {
            (n - k, "above")
        } else {
            (k - 1, "below")
        };
        if tail < 20 {
            warnings.push(Warning::new(
                WarningKind::ThinTail,
                format!(
                    "P{} rests on only {tail} simulated {} {side} it; use at least {} iterations",
                    fmt_p(p),
                    if tail == 1 { "outcome" } else { "outcomes" },
                    (2000.0 / (100.0 - p).min(p)).ceil() as u64
                ),
            ));
        }
    }

    let sorted: Vec<Vec<f32>> = samples
        .milestones
        .iter()
        .map(|s| {
            let mut v = s.clone();
            sort_f32(&mut v);
            v
        })
        .collect();

    // Calendar dates for every day any output needs.
    let mut last_day = 1u64;
    let mut need = |t: f64| last_day = last_day.max(finish_day(t).max(start_day(t)));
    for s in &sorted {
        if let Some(&x) = s.last() {
            need(x as f64);
        }
    }
    for t in 0..net.len() {
        need(net.det_finish[t]);
        need(samples.mean_finish[t]);
    }
    let table = net.axis_dates(last_day + 1);
    // Working days of the project calendar (the time itself on a single calendar).
    let days = |t: f64| net.days(t);
    let beyond = std::cell::Cell::new(false);
    let date = |day: u64| -> Option<String> {
        net.calendar.as_ref()?;
        match table.get(day as usize - 1) {
            Some(d) if chrono::Datelike::year(d) <= 9999 => Some(d.format("%Y-%m-%d").to_string()),
            _ => {
                beyond.set(true);
                None
            }
        }
    };

    let mut milestones = Vec::new();
    let mut histograms = Vec::new();
    for (mi, m) in net.milestones.iter().enumerate() {
        let t = m.task as usize;
        let srt = &sorted[mi];
        // In working days of the project calendar (sorted still: the map is monotone).
        let srt_days: std::borrow::Cow<[f32]> = match net.clock() {
            Some(k) => srt.iter().map(|&x| k.days(x as f64) as f32).collect(),
            None => srt.into(),
        };
        let mean = srt_days.iter().map(|&x| x as f64).sum::<f64>() / n as f64;
        let var = if n > 1 {
            srt_days
                .iter()
                .map(|&x| (x as f64 - mean).powi(2))
                .sum::<f64>()
                / (n - 1) as f64
        } else {
            0.0
        };
        let qs = percentiles
            .iter()
            .map(|&p| {
                let v = percentile(srt, p) as f64;
                let (lo, hi) = percentile_ci(&srt_days, p);
                Quantile {
                    p,
                    days: round4(days(v)),
                    date: date(net.finish_day_of(t, v)),
                    low: round4(lo as f64),
                    high: round4(hi as f64),
                }
            })
            .collect();
        let target = m.target.as_ref().map(|tg| {
            let hit = srt.partition_point(|&x| x as f64 <= tg.time + SNAP);
            TargetForecast {
                days: round4(tg.days),
                date: tg.date.map(|d| d.format("%Y-%m-%d").to_string()),
                probability: hit as f64 / n as f64,
            }
        });
        let at = |p: f64| percentile(&srt_days, p) as f64;
        let det = days(net.det_finish[t]);
        let by_plan = srt.partition_point(|&x| x as f64 <= net.det_finish[t] + SNAP);
        milestones.push(MilestoneForecast {
            contingency_p50: round4(at(50.0) - det),
            contingency_p80: round4(at(80.0) - det),
            resource_delay_p50: None,
            resource_delay_p80: None,
            id: net.tasks[t].id.clone(),
            name: net.tasks[t].name.clone(),
            deterministic: round4(det),
            deterministic_date: date(net.finish_day_of(t, net.det_finish[t])),
            mean: round4(mean),
            sd: round4(var.sqrt()),
            min: round4(srt_days[0] as f64),
            max: round4(srt_days[srt_days.len() - 1] as f64),
            percentiles: qs,
            target,
            p_deterministic: by_plan as f64 / n as f64,
            margin: None,
        });
        histograms.push(Histogram {
            milestone: net.tasks[t].id.clone(),
            bins: histogram(&srt_days),
        });
    }

    let mut crit_by: Vec<BTreeMap<String, f64>> = vec![BTreeMap::new(); net.len()];
    for (mi, m) in net.milestones.iter().enumerate() {
        let mid = &net.tasks[m.task as usize].id;
        for (&a, &c) in m.ancestors.iter().zip(&samples.criticality[mi]) {
            crit_by[a as usize].insert(mid.clone(), c);
        }
    }
    let latest = net
        .milestones
        .last()
        .map(|m| net.tasks[m.task as usize].id.clone());
    let mut order: Vec<usize> = (0..net.len()).collect();
    order.sort_by(|&a, &b| {
        net.det_start[a]
            .total_cmp(&net.det_start[b])
            .then(net.det_finish[a].total_cmp(&net.det_finish[b]))
            .then_with(|| net.tasks[a].id.cmp(&net.tasks[b].id))
    });
    // A task that takes no time (a milestone) starts on the day it finishes.
    let start_date = |t: usize, s: f64, f: f64| {
        date(if f - s < crate::model::calendar::SNAP {
            net.finish_day_of(t, f)
        } else {
            start_day(s)
        })
    };
    let tasks = order
        .into_iter()
        .map(|t| TaskForecast {
            id: net.tasks[t].id.clone(),
            name: net.tasks[t].name.clone(),
            group: net.tasks[t].group.clone(),
            deterministic_start: round4(days(net.det_start[t])),
            deterministic_finish: round4(days(net.det_finish[t])),
            mean_start: round4(days(samples.mean_start[t])),
            mean_finish: round4(days(samples.mean_finish[t])),
            deterministic_start_date: start_date(t, net.det_start[t], net.det_finish[t]),
            deterministic_finish_date: date(net.finish_day_of(t, net.det_finish[t])),
            mean_start_date: start_date(t, samples.mean_start[t], samples.mean_finish[t]),
            mean_finish_date: date(net.finish_day_of(t, samples.mean_finish[t])),
            status: net.status_date.map(|_| match net.status[t] {
                crate::model::Status::Done { .. } => "done",
                crate::model::Status::InProgress { .. } => "in progress",
                crate::model::Status::Open => "not started",
            }),
            criticality: latest
                .as_ref()
                .and_then(|l| crit_by[t].get(l))
                .copied()
                .unwrap_or(0.0),
            criticality_by_milestone: std::mem::take(&mut crit_by[t]),
            mean_resource_wait: net
                .levelling
                .as_ref()
                .filter(|l| l.levels(t))
                .and_then(|_| samples.mean_wait.get(t))
                .map(|&w| round4(w)),
            percentiles: Vec::new(),
        })
        .collect();
    if beyond.get() {
        warnings.push(Warning::new(
            WarningKind::BeyondDates,
            "some results lie after 9999-12-31 and are given no date",
        ));
    }
    warnings.extend(net.notes.iter().cloned());
    let risks = net
        .risks
        .iter()
        .enumerate()
        .map(|(r, risk)| RiskForecast {
            id: risk.id.clone(),
            name: risk.name.clone(),
            probability: risk.probability,
            occurred: samples.risk_occurrence[r],
            unit: risk.unit,
            impact_min: round4(risk.impact.bounds().0),
            impact_max: Some(risk.impact.bounds().1)
                .filter(|x| x.is_finite())
                .map(round4),
            mean_impact: round4(samples.risk_mean_impact[r]),
            mean_added_days: round4(samples.risk_mean_added[r]),
            moves_dates: !matches!(risk.impact, crate::plan::Distribution::Fixed { likely } if likely == 0.0),
            mean_cost: samples
                .risk_mean_cost
                .get(r)
                .copied()
                .flatten()
                .map(cost::round2),
            tasks: risk
                .tasks
                .iter()
                .map(|&t| net.tasks[t as usize].id.clone())
                .collect(),
        })
        .collect();

    Forecast {
        slipcast_version: env!("CARGO_PKG_VERSION").to_string(),
        plan: net.name.clone(),
        iterations: n,
        seed: samples.seed,
        status_date: net.status_date.map(|d| d.format("%Y-%m-%d").to_string()),
        start: net
            .calendar
            .as_ref()
            .map(|c| c.first_day().format("%Y-%m-%d").to_string()),
        percentiles: percentiles.to_vec(),
        milestones,
        focus: None,
        tasks,
        histograms,
        risks,
        correlations: net.correlations.clone(),
        cost: cost::forecast(net, samples, percentiles),
        drivers: None,
        calibration: None,
        resources: resources::forecast(net, samples),
        warnings,
    }
}

impl Forecast {
    /// The milestone the headline, criticality and drivers describe: the chosen focus,
    /// else the latest reported milestone.
    pub fn focus_milestone(&self) -> Option<&MilestoneForecast> {
        self.focus
            .as_deref()
            .and_then(|id| self.milestones.iter().find(|m| m.id == id))
            .or(self.milestones.last())
    }

    /// Makes milestone `id` the focus: each task's `criticality` becomes its criticality
    /// towards it (0 for a task that does not lead to it).
    pub fn set_focus(&mut self, id: &str) {
        for t in &mut self.tasks {
            t.criticality = t.criticality_by_milestone.get(id).copied().unwrap_or(0.0);
        }
        self.focus = Some(id.to_string());
    }
}

/// Formats a percent level without a trailing `.0` (80 → "80", 97.5 → "97.5").
pub fn fmt_p(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p}")
    }
}

/// Histogram of ascending samples with about 30 bins of a "nice" width (1, 2 or 5 × 10ᵏ
/// working days), edges on multiples of the width.
pub fn histogram(sorted: &[f32]) -> Vec<Bin> {
    let n = sorted.len();
    let (lo, hi) = (sorted[0] as f64, sorted[n - 1] as f64);
    if hi == lo {
        // Every iteration gave the same value: one bin of one working day around it.
        return vec![Bin {
            from: round4(lo - 0.5),
            to: round4(lo + 0.5),
            count: n as u64,
            cumulative: 1.0,
        }];
    }
    let raw = ((hi - lo) / 30.0).max(1e-3);
    let mag = 10f64.powf(raw.log10().floor());
    let width = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|w| *w >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / width).floor();
    let bins = (((hi / width).floor() - first) as usize + 1).max(1);
    let mut out = Vec::with_capacity(bins);
    let mut i = 0;
    for b in 0..bins {
        let from = (first + b as f64) * width;
        let to = from + width;
        let start = i;
        while i < n && ((sorted[i] as f64) < to || b + 1 == bins) {
            i += 1;
        }
        out.push(Bin {
            from: round4(from),
            to: round4(to),
            count: (i - start) as u64,
            cumulative: i as f64 / n as f64,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_by_selection_is_the_sorted_order_statistic() {
        let mut bits = crate::lanes::rng::test_sequence(3);
        for n in [1usize, 2, 3, 10, 99, 1000] {
            // Coarse values: many ties.
            let v: Vec<f32> = (0..n).map(|_| (bits() % 17) as f32 - 8.0).collect();
            let mut sorted = v.clone();
            sorted.sort_by(f32::total_cmp);
            for p in [0.1, 10.0, 50.0, 80.0, 90.0, 99.9, 100.0] {
                let mut w = v.clone();
                assert_eq!(
                    percentile_select(&mut w, p),
                    percentile(&sorted, p),
                    "n {n} p {p}"
                );
            }
        }
    }

    #[test]
    fn percentile_rule_is_inverted_ecdf() {
        let v: Vec<f32> = (1..=10_000).map(|x| x as f32).collect();
        assert_eq!(percentile(&v, 80.0), 8000.0);
        assert_eq!(percentile(&v, 50.0), 5000.0);
        assert_eq!(percentile(&v, 100.0), 10000.0);
        assert_eq!(percentile(&v, 0.001), 1.0);
        let w = [1.0f32, 2.0, 3.0];
        assert_eq!(percentile(&w, 50.0), 2.0);
        assert_eq!(percentile(&w, 66.0), 2.0);
        assert_eq!(percentile(&w, 67.0), 3.0);
    }

    #[test]
    fn ci_ranks_have_the_promised_coverage() {
        use statrs::distribution::{Binomial, DiscreteCDF};
        for (n, p) in [(100usize, 50.0), (1000, 80.0), (10_000, 90.0), (50, 10.0)] {
            let (l, u) = ci_ranks(n, p, 0.95);
            let b = Binomial::new(p / 100.0, n as u64).unwrap();
            let lower = b.cdf(l as u64 - 1);
            let coverage = b.cdf(u as u64 - 1) - lower;
            assert!(
                coverage >= 0.95,
                "n {n} p {p}: ranks {l}..{u} cover {coverage}"
            );
            // Equal tails, each as tight as allowed: l is the largest rank with
            // P(B ≤ l − 1) ≤ 2.5 %, u the smallest with P(B ≤ u − 1) ≥ 97.5 %.
            assert!(
                lower <= 0.025 && b.cdf(l as u64) > 0.025,
                "n {n} p {p}: l {l}"
            );
            assert!(
                b.cdf(u as u64 - 1) >= 0.975 && b.cdf(u as u64 - 2) < 0.975,
                "n {n} p {p}: u {u}"
            );
        }
        // n = 10,000, p = 50: about 5,000 ± 1.96·50.
        let (l, u) = ci_ranks(10_000, 50.0, 0.95);
        assert!(
            (4895..=4905).contains(&l) && (5095..=5105).contains(&u),
            "{l} {u}"
        );
    }

    #[test]
    fn histogram_counts_everything_once() {
        let v: Vec<f32> = (0..1000).map(|x| 10.0 + x as f32 * 0.037).collect();
        let h = histogram(&v);
        assert_eq!(h.iter().map(|b| b.count).sum::<u64>(), 1000);
        assert_eq!(h.last().unwrap().cumulative, 1.0);
        let single = histogram(&[5.0, 5.0]);
        assert_eq!(single.len(), 1);
        assert_eq!(
            (single[0].from, single[0].to, single[0].count),
            (4.5, 5.5, 2)
        );
    }
}
