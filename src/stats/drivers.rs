//! The driver analysis' result types, part of the [`Forecast`](crate::stats::Forecast)
//! schema; `analysis::drivers` computes them.

use serde::Serialize;

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
    /// Mean total float towards the milestone, working days; `None` for a task that is
    /// done, or that reaches the milestone only through links no longer enforced (into
    /// done or in-progress work): it is not part of the remaining schedule.
    pub mean_float: Option<f64>,
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
    /// The milestones whose uncertainty drivers (their own tasks with the highest SSI)
    /// were evaluated: all of them unless the plan has more than
    /// [`MAX_TASK_VARIANTS`](crate::analysis::drivers::MAX_TASK_VARIANTS) distinct such tasks; then the latest milestone, those with a
    /// target and the rest, latest first, while they fit. Risks are evaluated for every
    /// milestone.
    pub uncertainty_milestones: Vec<String>,
    /// What the user should know about the analysis' limits (a sensitivity subsample
    /// smaller than the run, milestones without task drivers).
    pub warnings: Vec<crate::error::Warning>,
    /// Merge points per milestone, largest bias first (top 10).
    pub merges: Vec<Merge>,
    /// Plans with cost: how much each risk adds to the total cost's P50 and P80, largest
    /// P80 effect first.
    pub cost: Vec<CostDriver>,
    /// Plans with cost: where the total cost's uncertainty comes from, item by item
    /// (tasks' costs, overheads, the risks' costs), largest share of its variance first;
    /// items whose cost never varies are left out.
    pub cost_sensitivity: Vec<CostSensitivity>,
    /// Levelled plans: each resource given one more unit, how much earlier the latest
    /// milestone's P50 and P80 land (same iterations), largest P80 gain first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bottlenecks: Vec<Bottleneck>,
}

/// What one more unit of a resource buys the latest milestone: its P50 and P80 with the
/// unit minus without it, in working days (negative: earlier), with the same random
/// numbers.
#[derive(Debug, Clone, Serialize)]
pub struct Bottleneck {
    /// Resource id.
    pub resource: String,
    /// Its capacity in the plan.
    pub capacity: f64,
    /// The milestone.
    pub milestone: String,
    /// Change of the milestone's P50 with one more unit.
    pub p50_days: f64,
    /// Change of its P80.
    pub p80_days: f64,
}

/// One cost item's part in the total cost's uncertainty, over the sensitivity subsample
/// (the first [`Drivers::sensitivity_subsample`] iterations).
#[derive(Debug, Clone, Serialize)]
pub struct CostSensitivity {
    /// A task id, `overhead:NAME` or `risks` (every risk's cost impact).
    pub item: String,
    /// Its mean cost.
    pub mean: f64,
    /// Its cost's standard deviation.
    pub sd: f64,
    /// Spearman rank correlation of its cost with the total cost.
    pub sensitivity: f64,
    /// Its share of the total cost's variance, cov(item, total) / var(total): the
    /// items' shares add up to 1 (an item that moves against the others has a negative
    /// share).
    pub variance_share: f64,
}

/// A risk's effect on the plan's total cost: the total with the risk minus the total
/// without it (its probability set to 0), with the same random numbers. It counts the
/// risk's own cost and the rates and overheads its delays run up.
#[derive(Debug, Clone, Serialize)]
pub struct CostDriver {
    /// Risk id.
    pub driver: String,
    /// `risk-cost`.
    pub kind: &'static str,
    /// P50 of the total cost with the risk − without it.
    pub p50: f64,
    /// P80 with − without.
    pub p80: f64,
}
