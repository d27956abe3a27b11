//! Renewable resources: capacities, what each task holds, the levelling order and the
//! resource profile both the deterministic schedule and the kernel level against.
//!
//! Levelling is the serial schedule generation scheme with a priority rule fixed for the
//! run. Because the rule and the network are fixed, the order in which tasks are taken
//! ("among the tasks whose predecessors are all scheduled, the one with the highest
//! priority") is the same in every iteration: `sgs_order` computes it once, and the
//! network is laid out in that order, so the kernel's forward pass *is* the serial scheme.
//! Each task then starts at the earliest time, at or after its logic start, at which every
//! resource it holds has the units free over its whole span.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::model::{LinkKind, Network, Status};
use crate::plan::Plan;

pub use crate::model::profile::{NO_TASK, Profile};

/// Units are counted in thousandths (1.5 engineers = 1,500), so that adding and
/// releasing units is exact.
pub const UNIT_SCALE: f64 = 1000.0;

/// The default priority of a task without one when some task has a `priority` (as
/// Microsoft Project's default of 500).
pub const DEFAULT_PRIORITY: f64 = 500.0;

/// A resource as compiled.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Resource {
    /// Id.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Units available at once.
    pub capacity: f64,
}

/// One resource a task holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hold {
    /// Index into [`Levelling::resources`].
    pub resource: u32,
    /// Units held, in thousandths.
    pub units: i64,
}

/// The resources of a network and what each task holds. Invariants: `hold_start` has
/// `n + 1` ascending entries into `holds`; every hold's units are at most its resource's
/// capacity (so every task can start once the others release their units).
#[derive(Debug, Clone)]
pub struct Levelling {
    /// Every resource of resources.csv, in file order.
    pub resources: Vec<Resource>,
    /// Per resource: capacity in thousandths.
    pub capacity: Vec<i64>,
    /// CSR offsets into `holds`, per task (topological index).
    pub hold_start: Vec<u32>,
    /// What each task holds.
    pub holds: Vec<Hold>,
    /// Whether tasks wait for the resources they hold (false: the resource-free forecast
    /// of the same plan, `--no-levelling`).
    pub on: bool,
}

impl Levelling {
    /// What task `t` holds.
    #[inline]
    pub fn holds(&self, t: usize) -> &[Hold] {
        &self.holds[self.hold_start[t] as usize..self.hold_start[t + 1] as usize]
    }

    /// Whether task `t` waits for resources in this run.
    #[inline]
    pub fn levels(&self, t: usize) -> bool {
        self.on && self.hold_start[t] != self.hold_start[t + 1]
    }
}

/// Units in thousandths.
pub(crate) fn milli(x: f64) -> i64 {
    (x * UNIT_SCALE).round() as i64
}

/// Compiles resources.csv and the tasks' assignments (`topo_of[row]` is each plan row's
/// topological index). `None` when the plan has no resources.
pub(crate) fn compile(plan: &Plan, topo_of: &[u32]) -> Option<Levelling> {
    if plan.resources.is_empty() {
        return None;
    }
    let index: HashMap<&str, u32> = plan
        .resources
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i as u32))
        .collect();
    let n = plan.tasks.len();
    let mut per_task: Vec<Vec<Hold>> = vec![Vec::new(); n];
    for (row, t) in plan.tasks.iter().enumerate() {
        // Checked by the structure checks: known ids, units within capacity.
        per_task[topo_of[row] as usize] = t
            .resources
            .iter()
            .filter_map(|a| {
                index.get(a.resource.as_str()).map(|&r| Hold {
                    resource: r,
                    units: milli(a.units),
                })
            })
            .collect();
    }
    let mut hold_start = Vec::with_capacity(n + 1);
    let mut holds = Vec::new();
    hold_start.push(0);
    for h in per_task {
        holds.extend(h);
        hold_start.push(holds.len() as u32);
    }
    Some(Levelling {
        resources: plan
            .resources
            .iter()
            .map(|r| Resource {
                id: r.id.clone(),
                name: r.name.clone(),
                capacity: r.capacity,
            })
            .collect(),
        capacity: plan.resources.iter().map(|r| milli(r.capacity)).collect(),
        hold_start,
        holds,
        on: plan.settings.levelling.unwrap_or(true),
    })
}

/// Whether the plan's tasks hold resources, so that the network is laid out in the
/// levelling order.
pub(crate) fn has_assignments(plan: &Plan) -> bool {
    !plan.resources.is_empty() && plan.tasks.iter().any(|t| !t.resources.is_empty())
}

/// The serial scheme's order of the plan's rows: repeatedly the highest-priority task
/// among those whose predecessors are all taken. Priority: a larger `priority` first
/// (when any task has one; [`DEFAULT_PRIORITY`] for the others), then the smaller latest
/// finish of the resource-free deterministic schedule `free`, then the smaller early
/// start, then the row. O(n log n + links).
pub(crate) fn sgs_order(plan: &Plan, free: &Network) -> Vec<usize> {
    let n = plan.tasks.len();
    let row_of: HashMap<&str, usize> = plan
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    let lf = latest_finishes(free);
    let any_priority = plan.tasks.iter().any(|t| t.priority.is_some());
    // (priority, latest finish, early start) per row.
    let key: Vec<(f64, f64, f64)> = (0..n)
        .map(|row| {
            let t = free.index_of(&plan.tasks[row].id).unwrap_or(0);
            let p = if any_priority {
                plan.tasks[row].priority.unwrap_or(DEFAULT_PRIORITY)
            } else {
                0.0
            };
            (p, lf[t], free.det_start[t])
        })
        .collect();
    let mut by_key: Vec<usize> = (0..n).collect();
    by_key.sort_by(|&a, &b| {
        key[b]
            .0
            .total_cmp(&key[a].0)
            .then(key[a].1.total_cmp(&key[b].1))
            .then(key[a].2.total_cmp(&key[b].2))
            .then(a.cmp(&b))
    });
    let mut rank = vec![0u32; n];
    for (k, &row) in by_key.iter().enumerate() {
        rank[row] = k as u32;
    }
    let mut indegree = vec![0u32; n];
    let mut succs: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (row, t) in plan.tasks.iter().enumerate() {
        for l in &t.predecessors {
            if let Some(&p) = row_of.get(l.pred.as_str()) {
                succs[p].push(row as u32);
                indegree[row] += 1;
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<u32>> = (0..n)
        .filter(|&r| indegree[r] == 0)
        .map(|r| Reverse(rank[r]))
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse(k)) = ready.pop() {
        let row = by_key[k as usize];
        order.push(row);
        for &s in &succs[row] {
            indegree[s as usize] -= 1;
            if indegree[s as usize] == 0 {
                ready.push(Reverse(rank[s as usize]));
            }
        }
    }
    order
}

/// Latest finishes of the deterministic schedule of `net` (a backward pass over every
/// link from the plan's latest deterministic finish; a task without successors has that
/// finish). On the clock axis a task keeps its deterministic span and lags are taken
/// back on their lag calendar.
pub(crate) fn latest_finishes(net: &Network) -> Vec<f64> {
    let end = net
        .det_finish
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    backward_pass(net, vec![f64::INFINITY; net.len()], Some(end))
}

/// The backward pass of the deterministic schedule from the latest finishes `lf` some
/// tasks start with (`f64::INFINITY`: none): each task's latest finish is the smallest
/// its own and its successors' links allow. A task still unbounded when reached takes
/// `open_end` (`None`: stays unbounded, and bounds none of its predecessors). One pass
/// in reverse topological order: linear in tasks and links.
pub(crate) fn backward_pass(net: &Network, mut lf: Vec<f64>, open_end: Option<f64>) -> Vec<f64> {
    let n = net.len();
    let span = |t: usize| net.det_finish[t] - net.det_start[t];
    for t in (0..n).rev() {
        if lf[t] == f64::INFINITY {
            match open_end {
                Some(end) => lf[t] = end,
                None => continue,
            }
        }
        let ls = lf[t] - span(t);
        for l in net.preds(t) {
            let p = l.pred as usize;
            let back = |x: f64| match net.clock() {
                Some(k) => k.before_lag(x, l.lag as f64, p, t),
                None => x - l.lag as f64,
            };
            let bound = match l.kind {
                LinkKind::FS => back(ls),
                LinkKind::SS => back(ls) + span(p),
                LinkKind::FF => back(lf[t]),
                LinkKind::SF => back(lf[t]) + span(p),
            };
            if bound < lf[p] {
                lf[p] = bound;
            }
        }
    }
    lf
}

/// The deterministic levelled schedule: the serial scheme over the network's order with
/// `durations`, each task placed by `place(t, es, ef, floor)` (its early dates with
/// every constraint and an extra floor on its start). Returns (early starts, early
/// finishes).
pub(crate) fn level_deterministic(
    net: &Network,
    lev: &Levelling,
    durations: &[f64],
    place: impl Fn(usize, &[f64], &[f64], f64) -> (f64, f64),
) -> (Vec<f64>, Vec<f64>) {
    let n = net.len();
    let (mut es, mut ef) = (vec![0.0; n], vec![0.0; n]);
    let mut profiles: Vec<Profile<f64>> = vec![Profile::default(); lev.resources.len()];
    for t in 0..n {
        let (mut s, mut f) = place(t, &es, &ef, f64::NEG_INFINITY);
        let holds = match net.status[t] {
            Status::Done { .. } => &[][..],
            _ => lev.holds(t),
        };
        if !holds.is_empty() && f > s && durations[t] > 0.0 {
            if net.status[t] == Status::Open {
                loop {
                    let next = holds
                        .iter()
                        .filter_map(|h| {
                            profiles[h.resource as usize].conflict(
                                s,
                                f,
                                h.units,
                                lev.capacity[h.resource as usize],
                            )
                        })
                        .fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| a.max(x))));
                    // Each move passes a change point (`r > s`), so this ends.
                    match next {
                        Some(r) if r > s => (s, f) = place(t, &es, &ef, r),
                        _ => break,
                    }
                }
            }
            let from = match (net.status[t], net.status_time) {
                (Status::InProgress { .. }, Some(st)) => s.max(st),
                _ => s,
            };
            if f > from {
                for h in holds {
                    profiles[h.resource as usize].add(from, f, h.units, t as u32);
                }
            }
        }
        es[t] = s;
        ef[t] = f;
    }
    (es, ef)
}

#[cfg(test)]
mod order_tests {
    fn plan(tasks: &str, resources: &str) -> crate::plan::Plan {
        let files = crate::plan::PlanFiles {
            tasks: Some(("tasks.csv", tasks.as_bytes())),
            resources: Some(("resources.csv", resources.as_bytes())),
            ..Default::default()
        };
        crate::plan::parse_files(&files, std::path::Path::new("."), None).unwrap()
    }

    #[test]
    fn ties_go_to_the_earlier_row() {
        let p = plan(
            "id,min,likely,max,predecessors,resources\nA,5,5,5,,DEV\nB,10,10,10,A,DEV\nC,8,8,8,A,DEV\nD,4,4,4,B;C,\n",
            "id,capacity\nDEV,1\n",
        );
        let net = crate::model::compile(&p).unwrap();
        let ids: Vec<&str> = net.tasks().iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["A", "B", "C", "D"]);
        assert_eq!(net.det_start(), &[0.0, 5.0, 15.0, 23.0]);
    }
}
