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
    let n = net.len();
    let end = net
        .det_finish
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let mut lf = vec![f64::INFINITY; n];
    let span = |t: usize| net.det_finish[t] - net.det_start[t];
    for t in (0..n).rev() {
        if lf[t] == f64::INFINITY {
            lf[t] = end;
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

/// Units in use over time on one resource, as change points: `level[i]` units are held
/// over `[at[i], at[i + 1])` (none before `at[0]`, and the last level is what stays held
/// after the last point). Adding a span inserts at most two points, so a profile holds at
/// most twice the spans added to it.
#[derive(Debug, Clone, Default)]
pub struct Profile<T> {
    at: Vec<T>,
    level: Vec<i64>,
    /// Per point: the task whose span ends there (the last one added), or [`NO_TASK`].
    ends: Vec<u32>,
}

/// No task ends at a change point.
pub const NO_TASK: u32 = u32::MAX;

impl<T: Copy + PartialOrd> Profile<T> {
    /// Empties the profile, keeping its memory.
    pub fn clear(&mut self) {
        self.at.clear();
        self.level.clear();
        self.ends.clear();
    }

    /// Whether `units` more fit over `[s, f)` below `capacity`: `None` when they do, else
    /// the earliest time after `s` at which a span starting there could fit: where the
    /// level first falls to `capacity − units` or below after the first point over it.
    /// No start before that time fits, whatever the span's length (at least `f − s`).
    pub fn conflict(&self, s: T, f: T, units: i64, capacity: i64) -> Option<T> {
        self.conflict_by(s, f, units, capacity).map(|x| x.0)
    }

    /// [`Profile::conflict`], with the task whose finish released the units at that
    /// time ([`NO_TASK`] when none ends there).
    pub fn conflict_by(&self, s: T, f: T, units: i64, capacity: i64) -> Option<(T, u32)> {
        let room = capacity - units;
        let n = self.at.len();
        // The segment holding `s`, then every point before `f`.
        let mut i = self.at.partition_point(|x| *x <= s);
        let first = if i > 0 && self.level[i - 1] > room {
            Some(i - 1)
        } else {
            loop {
                if i >= n || self.at[i] >= f {
                    break None;
                }
                if self.level[i] > room {
                    break Some(i);
                }
                i += 1;
            }
        };
        let mut j = first? + 1;
        while j < n && self.level[j] > room {
            j += 1;
        }
        // The last level is what stays held: within capacity unless tasks in progress
        // overbook it for good, which [`Profile::add`] never lets a waiting task do.
        let j = j.min(n - 1);
        Some((self.at[j], self.ends[j]))
    }

    /// Holds `units` over `[s, f)` (`s < f`) for `task`.
    pub fn add(&mut self, s: T, f: T, units: i64, task: u32) {
        let i = self.point(s);
        let j = self.point(f);
        for l in &mut self.level[i..j] {
            *l += units;
        }
        self.ends[j] = task;
    }

    /// The index of a change point at `x`, inserted (with the level already held there)
    /// when absent.
    fn point(&mut self, x: T) -> usize {
        let i = self.at.partition_point(|y| *y < x);
        if i == self.at.len() || self.at[i] != x {
            let held = if i > 0 { self.level[i - 1] } else { 0 };
            self.at.insert(i, x);
            self.level.insert(i, held);
            self.ends.insert(i, NO_TASK);
        }
        i
    }

    /// The change points: `(time, units held from it)`.
    pub fn points(&self) -> impl Iterator<Item = (T, i64)> + '_ {
        self.at.iter().copied().zip(self.level.iter().copied())
    }
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
mod tests {
    use super::*;

    #[test]
    fn a_profile_finds_the_first_gap_that_fits() {
        let mut p: Profile<f64> = Profile::default();
        p.add(0.0, 5.0, 1000, 0);
        p.add(3.0, 8.0, 1000, 1);
        // Capacity 2: one more unit fits only where one is held: [0,3) and [5,8) and after.
        assert_eq!(p.conflict(0.0, 3.0, 1000, 2000), None);
        assert_eq!(p.conflict(0.0, 4.0, 1000, 2000), Some(5.0));
        assert_eq!(p.conflict(3.5, 4.0, 1000, 2000), Some(5.0));
        assert_eq!(p.conflict(5.0, 20.0, 1000, 2000), None);
        // Two more units fit only from 8 on.
        assert_eq!(p.conflict(0.0, 1.0, 2000, 2000), Some(8.0));
        // The units free at 5 are task 0's, at 8 task 1's.
        assert_eq!(p.conflict_by(0.0, 4.0, 1000, 2000), Some((5.0, 0)));
        assert_eq!(p.conflict_by(0.0, 1.0, 2000, 2000), Some((8.0, 1)));
        assert_eq!(p.conflict(8.0, 9.0, 2000, 2000), None);
        let levels: Vec<(f64, i64)> = p.points().collect();
        assert_eq!(
            levels,
            vec![(0.0, 1000), (3.0, 2000), (5.0, 1000), (8.0, 0)]
        );
    }
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
