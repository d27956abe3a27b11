//! Cost compiled for the kernel (AACE 57R-09's split): each task's time-independent cost
//! and its cost per working day of its sampled duration, standing costs (overheads) that
//! accrue until a milestone's simulated finish, and risks' cost impacts.
//!
//! In one iteration a task costs `fixed + rate × duration` (its duration after risks,
//! scenarios and calibration; nothing when it does not happen or is removed). A task in
//! progress costs its `actual_cost` (or, without one, its fixed cost) plus its rate on the
//! work left; a finished task its `actual_cost` (or its most likely cost over its actual
//! duration). An overhead costs `rate × max(0, finish of its milestone − from)`. A risk
//! that occurs costs its cost impact, drawn from the same uniform as its schedule impact.

use crate::error::{Diagnostic, Diags};
use crate::model::{Network, Sampler, Status};
use crate::plan::{Distribution, Plan};

/// No group / no cost entry.
pub const NONE: u32 = u32::MAX;

/// One task's cost.
#[derive(Debug, Clone)]
pub struct TaskCost {
    /// Topological index.
    pub task: u32,
    /// Time-independent cost, if any.
    pub fixed: Option<Sampler>,
    /// Cost per working day, if any.
    pub rate: Option<Sampler>,
    /// The most likely fixed cost and rate (the deterministic plan's).
    pub likely: (f64, f64),
    /// Cost already spent (in progress or done), charged in place of the fixed cost.
    pub actual: Option<f64>,
    /// Working days of the duration the rate does not apply to (the elapsed part of a
    /// task in progress).
    pub elapsed: f32,
    /// Finished: the cost is the constant `done_cost`.
    pub done: bool,
    /// A finished task's cost.
    pub done_cost: f64,
    /// Index into [`CostModel::groups`], or [`NONE`].
    pub group: u32,
    /// Whether a milestone's incurred cost reads its lanes.
    pub kept: bool,
    /// An amount a scenario adds, paid whatever happens.
    pub added: f64,
    /// The slots (in `Network::amounts`) of its fixed cost and its rate when a
    /// correlation group reorders them, else [`NONE`]: the kernel then reads the drawn
    /// lanes from the group instead of drawing them.
    pub corr: [u32; 2],
}

/// A standing cost.
#[derive(Debug, Clone)]
pub struct OverheadCost {
    /// Name.
    pub name: String,
    /// Cost per working day.
    pub rate: Sampler,
    /// Its most likely rate.
    pub rate_likely: f64,
    /// Its stream key (of its name).
    pub key: u64,
    /// The task whose simulated finish ends it.
    pub until: u32,
    /// Working-day time it starts.
    pub from: f32,
}

/// What a milestone's incurred cost sums: its ancestors' task costs (listed, or all
/// tasks' minus those listed when that list is shorter), the overheads that end with it
/// and the risks that hit one of its ancestors.
#[derive(Debug, Clone, Default)]
pub struct MilestoneCost {
    /// `tasks` lists the cost entries *not* among the ancestors.
    pub exclude: bool,
    /// Indices into [`CostModel::tasks`].
    pub tasks: Vec<u32>,
    /// Indices into [`CostModel::overheads`].
    pub overheads: Vec<u32>,
    /// Indices into `Network::risks` with a cost.
    pub risks: Vec<u32>,
}

/// The cost side of a network.
#[derive(Debug, Clone, Default)]
pub struct CostModel {
    /// Currency label.
    pub currency: Option<String>,
    /// The committed budget.
    pub budget: Option<f64>,
    /// Task groups that have cost, in order of first appearance.
    pub groups: Vec<String>,
    /// Tasks with a cost, in topological order.
    pub tasks: Vec<TaskCost>,
    /// Per task: index into `tasks`, or [`NONE`].
    pub of_task: Vec<u32>,
    /// Overheads.
    pub overheads: Vec<OverheadCost>,
    /// Per risk: its cost impact's sampler, if any.
    pub risk_cost: Vec<Option<Sampler>>,
    /// Per milestone (as `Network::milestones`).
    pub milestones: Vec<MilestoneCost>,
    /// Amounts scenarios add to the plan as a whole (on a risk or `plan`).
    pub extra: f64,
}

/// Cost items per iteration, in this order: the total, the tasks' part, each group, each
/// overhead, the risks' part, then each milestone's incurred cost.
impl CostModel {
    /// Items per iteration.
    pub fn width(&self, milestones: usize) -> usize {
        3 + self.groups.len() + self.overheads.len() + milestones
    }
    /// Slot of the total.
    pub const TOTAL: usize = 0;
    /// Slot of the tasks' part.
    pub const TASKS: usize = 1;
    /// Slot of group `g`.
    pub fn group_slot(&self, g: usize) -> usize {
        2 + g
    }
    /// Slot of overhead `o`.
    pub fn overhead_slot(&self, o: usize) -> usize {
        2 + self.groups.len() + o
    }
    /// Slot of the risks' part.
    pub fn risks_slot(&self) -> usize {
        2 + self.groups.len() + self.overheads.len()
    }
    /// Slot of milestone `m`'s incurred cost.
    pub fn milestone_slot(&self, m: usize) -> usize {
        3 + self.groups.len() + self.overheads.len() + m
    }
}

fn likely(d: &Distribution) -> f64 {
    d.deterministic()
}

/// Compiles the plan's costs onto `net` (after its milestones are known). None when the
/// plan has no cost at all. Unknown overhead milestones are diagnostics.
pub(crate) fn compile(plan: &Plan, net: &Network, diags: &mut Diags) -> Option<CostModel> {
    let s = &plan.settings;
    let any = plan
        .tasks
        .iter()
        .any(|t| t.cost.is_some() || t.rate.is_some() || t.actual_cost.is_some())
        || !s.overheads.is_empty()
        || plan.risks.iter().any(|r| r.cost.is_some());
    if !any {
        return None;
    }
    let mut m = CostModel {
        currency: s.currency.clone(),
        budget: s.budget,
        of_task: vec![NONE; net.len()],
        ..CostModel::default()
    };
    let mut discrete = crate::model::DiscreteTables::default();
    let mut sampler = |d: &Distribution| Sampler::new(d, &mut discrete);
    let row_of: std::collections::HashMap<&str, &crate::plan::TaskRow> =
        plan.tasks.iter().map(|t| (t.id.as_str(), t)).collect();
    for t in 0..net.len() {
        let Some(row) = row_of.get(net.tasks[t].id.as_str()) else {
            continue;
        };
        if row.cost.is_none() && row.rate.is_none() && row.actual_cost.is_none() {
            continue;
        }
        let done = matches!(net.status[t], Status::Done { .. });
        let done_cost = match (done, row.actual_cost) {
            (true, Some(a)) => a,
            (true, None) => {
                row.cost.as_ref().map_or(0.0, likely)
                    + row.rate.as_ref().map_or(0.0, likely) * net.det_duration[t]
            }
            _ => 0.0,
        };
        let (fixed, rate) = (
            row.cost.as_ref().map(&mut sampler),
            row.rate.as_ref().map(&mut sampler),
        );
        let e = m.entry(net, t);
        e.fixed = fixed;
        e.rate = rate;
        e.likely = (
            row.cost.as_ref().map_or(0.0, likely),
            row.rate.as_ref().map_or(0.0, likely),
        );
        e.actual = row.actual_cost;
        e.done_cost = done_cost;
    }
    for o in &s.overheads {
        let Some(until) = net.index_of(&o.until) else {
            diags.push(
                Diagnostic::new(
                    "plan.toml",
                    format!(
                        "overhead \"{}\": until names no task: \"{}\"",
                        o.name, o.until
                    ),
                )
                .line(o.line)
                .column("overhead")
                .fix("give the id of the milestone whose finish ends the overhead"),
            );
            continue;
        };
        m.overheads.push(OverheadCost {
            name: o.name.clone(),
            rate: sampler(&o.rate),
            rate_likely: likely(&o.rate),
            key: crate::model::id_key(&format!("overhead:{}", o.name)),
            until: until as u32,
            from: o.from as f32,
        });
    }
    let risk_cost: Vec<Option<Sampler>> = plan
        .risks
        .iter()
        .map(|r| r.cost.as_ref().map(&mut sampler))
        .collect();
    m.risk_cost = risk_cost;
    // Correlated amounts exist (the correlations were checked against tasks.csv).
    for (slot, a) in net.amounts.iter().enumerate() {
        let ci = m.of_task[a.task as usize];
        if ci != NONE {
            m.tasks[ci as usize].corr[a.rate as usize] = slot as u32;
        }
    }
    index_milestones(&mut m, net);
    Some(m)
}

impl CostModel {
    /// An empty cost model for `net` (a scenario that adds the first cost).
    pub(crate) fn empty(net: &Network) -> CostModel {
        let mut m = CostModel {
            of_task: vec![NONE; net.len()],
            risk_cost: vec![None; net.risks.len()],
            ..CostModel::default()
        };
        index_milestones(&mut m, net);
        m
    }

    /// Task `t`'s cost entry, made (without any cost yet) when it has none.
    pub(crate) fn entry(&mut self, net: &Network, t: usize) -> &mut TaskCost {
        if self.of_task[t] == NONE {
            let group = match &net.tasks[t].group {
                Some(g) => match self.groups.iter().position(|x| x == g) {
                    Some(i) => i as u32,
                    None => {
                        self.groups.push(g.clone());
                        (self.groups.len() - 1) as u32
                    }
                },
                None => NONE,
            };
            let (done, elapsed) = match net.status[t] {
                Status::Done { .. } => (true, 0.0),
                Status::InProgress { elapsed, .. } => (false, elapsed),
                Status::Open => (false, 0.0),
            };
            self.of_task[t] = self.tasks.len() as u32;
            self.tasks.push(TaskCost {
                task: t as u32,
                fixed: None,
                rate: None,
                likely: (0.0, 0.0),
                actual: None,
                elapsed,
                done,
                done_cost: 0.0,
                group,
                kept: false,
                added: 0.0,
                corr: [NONE; 2],
            });
        }
        &mut self.tasks[self.of_task[t] as usize]
    }
}

/// Each milestone's incurred cost lists: its ancestors' cost entries, or every entry but
/// those listed (whichever list is shorter), its overheads and the risks with a cost that
/// hit one of its ancestors. Run again when entries are added.
pub(crate) fn index_milestones(m: &mut CostModel, net: &Network) {
    m.milestones.clear();
    for c in &mut m.tasks {
        c.kept = false;
    }
    let n_cost = m.tasks.len();
    for ms in &net.milestones {
        let mut anc = vec![false; n_cost];
        for &a in &ms.ancestors {
            let c = m.of_task[a as usize];
            if c != NONE {
                anc[c as usize] = true;
            }
        }
        let inside = anc.iter().filter(|&&x| x).count();
        let exclude = inside * 2 > n_cost;
        let tasks: Vec<u32> = (0..n_cost as u32)
            .filter(|&c| anc[c as usize] != exclude)
            .collect();
        for &c in &tasks {
            m.tasks[c as usize].kept = true;
        }
        let is_anc = |t: u32| ms.ancestors.binary_search(&t).is_ok();
        m.milestones.push(MilestoneCost {
            exclude,
            tasks,
            overheads: (0..m.overheads.len() as u32)
                .filter(|&o| m.overheads[o as usize].until == ms.task)
                .collect(),
            risks: (0..net.risks.len() as u32)
                .filter(|&r| {
                    m.risk_cost[r as usize].is_some()
                        && net.risks[r as usize].tasks.iter().any(|&t| is_anc(t))
                })
                .collect(),
        });
    }
}

/// The deterministic plan's total cost (most likely amounts and durations, no risk), when
/// the network has costs.
pub fn deterministic_total(net: &Network) -> Option<f64> {
    net.cost().map(|m| deterministic(m, net)[CostModel::TOTAL])
}

/// A cost entry's cost in the deterministic plan, in two parts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TaskAmount {
    /// What does not depend on the duration: its fixed cost or what it has spent (a
    /// finished task's whole cost), plus a scenario's amount.
    pub fixed: f64,
    /// Its rate over the work left.
    pub variable: f64,
    /// The work left, working days.
    pub work: f64,
}

/// Each cost entry's [`TaskAmount`] (most likely amounts and deterministic durations).
pub(crate) fn task_amounts(m: &CostModel, net: &Network) -> Vec<TaskAmount> {
    m.tasks
        .iter()
        .map(|c| {
            let t = c.task as usize;
            let only = |fixed: f64| TaskAmount {
                fixed: fixed + c.added,
                variable: 0.0,
                work: 0.0,
            };
            if c.done {
                return only(c.done_cost);
            }
            if !net.keep[t] {
                return only(0.0);
            }
            // A task in progress: its deterministic duration is the work left.
            let work = net.det_duration[t].max(0.0);
            TaskAmount {
                fixed: c.actual.unwrap_or(c.likely.0) + c.added,
                variable: c.likely.1 * work,
                work,
            }
        })
        .collect()
}

/// The deterministic cost of each item (most likely amounts and rates, deterministic
/// durations, no risk), in the slots of [`CostModel::width`].
pub(crate) fn deterministic(m: &CostModel, net: &Network) -> Vec<f64> {
    let k = net.milestones.len();
    let mut v = vec![0.0; m.width(k)];
    let task_cost: Vec<f64> = task_amounts(m, net)
        .iter()
        .map(|a| a.fixed + a.variable)
        .collect();
    let tasks_total: f64 = task_cost.iter().sum();
    v[CostModel::TASKS] = tasks_total;
    for (c, tc) in m.tasks.iter().zip(&task_cost) {
        if c.group != NONE {
            v[m.group_slot(c.group as usize)] += tc;
        }
    }
    let mut over = vec![0.0; m.overheads.len()];
    for (o, oc) in m.overheads.iter().enumerate() {
        let span = (net.det_finish[oc.until as usize] - oc.from as f64).max(0.0);
        over[o] = oc.rate_likely * span;
        v[m.overhead_slot(o)] = over[o];
    }
    v[CostModel::TOTAL] = tasks_total + over.iter().sum::<f64>() + m.extra;
    for (mi, mc) in m.milestones.iter().enumerate() {
        let listed: f64 = mc.tasks.iter().map(|&c| task_cost[c as usize]).sum();
        let tasks = if mc.exclude {
            tasks_total - listed
        } else {
            listed
        };
        v[m.milestone_slot(mi)] =
            tasks + mc.overheads.iter().map(|&o| over[o as usize]).sum::<f64>();
    }
    v
}
