//! [`Plan`] → [`Network`]: validated and compiled to flat arrays for the kernel.
//!
//! Compilation checks the plan's structure (unique ids, known predecessors, no cycles,
//! dates that need a start date have one), orders tasks topologically (petgraph), and lays
//! the network out as arrays indexed by topological position: CSR predecessor lists with
//! link type and lag, per-task sampler constants, random-stream keys and start floors.

pub mod calendar;
pub mod distribution;
pub mod pert;
pub mod sampler;

use std::collections::HashMap;

use chrono::NaiveDate;
use petgraph::graph::{DiGraph, NodeIndex};

pub use calendar::Calendar;
pub use distribution::Distribution;
pub use sampler::{DiscreteTables, Sampler};

use crate::error::{Diagnostic, Diags, Result};
use crate::plan::{DateOrDays, LinkKind, Plan};

/// A compiled predecessor link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// Predecessor's topological index (always smaller than the successor's).
    pub pred: u32,
    /// Link type.
    pub kind: LinkKind,
    /// Lag in working days.
    pub lag: f32,
}

/// Static information about one task, for reports.
#[derive(Debug, Clone)]
pub struct TaskInfo {
    /// Id.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Group.
    pub group: Option<String>,
    /// Line in tasks.csv.
    pub line: u64,
    /// The estimate (`None` for a zero-duration milestone).
    pub estimate: Option<Distribution>,
}

/// A reported milestone.
#[derive(Debug, Clone)]
pub struct Milestone {
    /// Topological index of the task.
    pub task: u32,
    /// Target: t bound (finish ≤ days counts as on time) and how the user wrote it.
    pub target: Option<Target>,
    /// The milestone and all tasks with a path to it, ascending topological order.
    pub ancestors: Vec<u32>,
}

/// A committed date or working-day number for a milestone.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Finishing at t ≤ `days` meets the target.
    pub days: f64,
    /// The target date, when given as a date.
    pub date: Option<NaiveDate>,
}

/// A validated, compiled network. Invariants: tasks are in topological order (every
/// link's `pred` is smaller than its successor's index); `pred_start` has `n + 1`
/// ascending entries into `links`; every milestone's `ancestors` is closed under
/// predecessors and sorted; lags and sampler constants are finite.
#[derive(Debug, Clone)]
pub struct Network {
    /// Plan name.
    pub name: Option<String>,
    /// Per task, in topological order.
    pub tasks: Vec<TaskInfo>,
    /// Per task: seed-independent key of its id for the random streams.
    pub keys: Vec<u64>,
    /// Per task: sampler.
    pub samplers: Vec<Sampler>,
    /// Shared discrete tables.
    pub discrete: DiscreteTables,
    /// Per task: earliest allowed start (0 or the not-before constraint).
    pub floor: Vec<f32>,
    /// CSR offsets into `links`.
    pub pred_start: Vec<u32>,
    /// Predecessor links.
    pub links: Vec<Link>,
    /// Reported milestones, in order of deterministic finish (ties by id).
    pub milestones: Vec<Milestone>,
    /// Calendar, when the plan has a start date.
    pub calendar: Option<Calendar>,
    /// Deterministic CPM early start per task.
    pub det_start: Vec<f64>,
    /// Deterministic CPM early finish per task.
    pub det_finish: Vec<f64>,
}

impl Network {
    /// Number of tasks.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the network has no task (never true for a compiled network).
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Links into task `t`.
    pub fn preds(&self, t: usize) -> &[Link] {
        &self.links[self.pred_start[t] as usize..self.pred_start[t + 1] as usize]
    }

    /// Topological index of the task with id `id`.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.tasks.iter().position(|t| t.id == id)
    }

    /// Forward CPM pass in f64 with the given durations: (early starts, early finishes).
    /// The kernel does the same arithmetic in f32 lanes.
    pub fn cpm(&self, durations: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let n = self.len();
        let (mut es, mut ef) = (vec![0.0; n], vec![0.0; n]);
        for t in 0..n {
            let d = durations[t];
            let mut s = self.floor[t] as f64;
            for l in self.preds(t) {
                let p = l.pred as usize;
                let lag = l.lag as f64;
                let c = match l.kind {
                    LinkKind::FS => ef[p] + lag,
                    LinkKind::SS => es[p] + lag,
                    LinkKind::FF => ef[p] + lag - d,
                    LinkKind::SF => es[p] + lag - d,
                };
                if c > s {
                    s = c;
                }
            }
            es[t] = s;
            ef[t] = s + d;
        }
        (es, ef)
    }
}

/// FNV-1a hash of a task or risk id: the seed-independent part of its random-stream key.
pub fn id_key(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Structural checks: non-empty, unique ids, known predecessors, no self or duplicate
/// links, no cycles. Each problem is positioned in tasks.csv.
pub(crate) fn check_structure(plan: &Plan, diags: &mut Diags) {
    let file = plan.tasks_file.as_str();
    if plan.tasks.is_empty() {
        if diags.is_empty() {
            diags.push(
                Diagnostic::new(file, "the plan has no tasks").fix(
                    "add one row per task below the header: id,name,min,likely,max,predecessors",
                ),
            );
        }
        return;
    }
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(plan.tasks.len());
    for (i, t) in plan.tasks.iter().enumerate() {
        if let Some(&first) = index.get(t.id.as_str()) {
            diags.push(
                Diagnostic::new(
                    file,
                    format!(
                        "duplicate id \"{}\" (first used on line {})",
                        t.id, plan.tasks[first].line
                    ),
                )
                .line(t.line)
                .column("id")
                .fix("give every task a unique id"),
            );
        } else {
            index.insert(&t.id, i);
        }
    }
    let mut graph: DiGraph<usize, ()> = DiGraph::with_capacity(plan.tasks.len(), 0);
    let nodes: Vec<NodeIndex> = (0..plan.tasks.len()).map(|i| graph.add_node(i)).collect();
    for (i, t) in plan.tasks.iter().enumerate() {
        if index.get(t.id.as_str()) != Some(&i) {
            continue;
        }
        let mut seen = HashMap::new();
        for l in &t.predecessors {
            let at = Diagnostic::new(file, "")
                .line(t.line)
                .column("predecessors");
            match index.get(l.pred.as_str()) {
                None => {
                    let ids: Vec<&str> = index.keys().copied().collect();
                    let near = crate::plan::sheet::closest(&l.pred, &ids);
                    diags.push(Diagnostic {
                        message: format!(
                            "predecessor \"{}\" of task {} is not a task id",
                            l.pred, t.id
                        ),
                        fix: Some(match near {
                            Some(n) => format!("did you mean {n}?"),
                            None => "add the task or correct the id".into(),
                        }),
                        ..at
                    });
                }
                Some(&p) if p == i => diags.push(Diagnostic {
                    message: format!("task {} depends on itself", t.id),
                    fix: Some("remove the task's own id from its predecessors".into()),
                    ..at
                }),
                Some(&p) => {
                    if seen.insert((p, l.kind), ()).is_some() {
                        diags.push(Diagnostic {
                            message: format!(
                                "the link from {} ({:?}) is listed twice",
                                l.pred, l.kind
                            ),
                            fix: Some("keep one of the two links".into()),
                            ..at
                        });
                    } else {
                        graph.add_edge(nodes[p], nodes[i], ());
                    }
                }
            }
        }
    }
    for scc in petgraph::algo::tarjan_scc(&graph) {
        if scc.len() < 2 {
            continue;
        }
        let members: std::collections::HashSet<NodeIndex> = scc.iter().copied().collect();
        // Walk edges inside the component until a task repeats: that walk closes a cycle.
        let mut walk = vec![scc[0]];
        let mut pos: HashMap<NodeIndex, usize> = HashMap::from([(scc[0], 0)]);
        let cycle = loop {
            let cur = *walk.last().unwrap_or(&scc[0]);
            let Some(next) = graph.neighbors(cur).find(|n| members.contains(n)) else {
                break walk.clone();
            };
            if let Some(&k) = pos.get(&next) {
                break walk[k..].to_vec();
            }
            pos.insert(next, walk.len());
            walk.push(next);
        };
        let mut names: Vec<&str> = cycle
            .iter()
            .map(|n| plan.tasks[graph[*n]].id.as_str())
            .collect();
        names.push(names[0]);
        let first = scc.iter().map(|n| graph[*n]).min().unwrap_or(0);
        let mut msg = format!("dependency cycle: {}", names.join(" → "));
        if scc.len() > cycle.len() {
            let mut others: Vec<&str> = scc
                .iter()
                .filter(|n| !cycle.contains(n))
                .map(|n| plan.tasks[graph[*n]].id.as_str())
                .collect();
            others.sort_unstable();
            msg.push_str(&format!(
                " (also on cycles with them: {})",
                others.join(", ")
            ));
        }
        diags.push(
            Diagnostic::new(file, msg)
                .line(plan.tasks[first].line)
                .column("predecessors")
                .fix("remove one of these links; work cannot wait for itself"),
        );
    }
}

/// Validates `plan` and compiles it to a [`Network`].
pub fn compile(plan: &Plan) -> Result<Network> {
    let mut diags = Diags::default();
    check_structure(plan, &mut diags);
    if !diags.is_empty() {
        return diags.finish(unreachable_network());
    }
    let file = plan.tasks_file.as_str();
    let calendar = plan
        .settings
        .start
        .map(|s| Calendar::new(s, plan.settings.workweek, &plan.holidays));

    // Topological order; ties broken by file order so the layout is stable.
    let index: HashMap<&str, usize> = plan
        .tasks
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    let mut graph: DiGraph<usize, ()> = DiGraph::with_capacity(plan.tasks.len(), 0);
    let nodes: Vec<NodeIndex> = (0..plan.tasks.len()).map(|i| graph.add_node(i)).collect();
    for (i, t) in plan.tasks.iter().enumerate() {
        for l in &t.predecessors {
            graph.add_edge(nodes[index[l.pred.as_str()]], nodes[i], ());
        }
    }
    let order = match petgraph::algo::toposort(&graph, None) {
        Ok(o) => o,
        Err(_) => return diags.finish(unreachable_network()),
    };
    let mut topo_of = vec![0u32; plan.tasks.len()];
    for (k, n) in order.iter().enumerate() {
        topo_of[graph[*n]] = k as u32;
    }

    let days_of = |v: &DateOrDays,
                   row: u64,
                   col: &str,
                   diags: &mut Diags,
                   as_start: bool|
     -> Option<(f64, Option<NaiveDate>)> {
        match (v, &calendar) {
            (DateOrDays::Days(x), _) => Some((*x, None)),
            (DateOrDays::Date(d), Some(c)) => Some((
                if as_start {
                    c.start_time_of(*d)
                } else {
                    c.working_days_through(*d) as f64
                },
                Some(*d),
            )),
            (DateOrDays::Date(_), None) => {
                diags.push(
                    Diagnostic::new(file, format!("{col} is a date but the plan has no start date"))
                        .line(row)
                        .column(col)
                        .fix("set start = YYYY-MM-DD in plan.toml (or --start), or give a working-day number"),
                );
                None
            }
        }
    };

    let n = plan.tasks.len();
    let mut tasks = Vec::with_capacity(n);
    let mut keys = Vec::with_capacity(n);
    let mut samplers = Vec::with_capacity(n);
    let mut discrete = DiscreteTables::default();
    let mut floor = Vec::with_capacity(n);
    let mut pred_start = Vec::with_capacity(n + 1);
    let mut links = Vec::new();
    let mut targets: Vec<Option<Target>> = Vec::with_capacity(n);
    let mut has_succ = vec![false; n];
    let mut durations = Vec::with_capacity(n);
    pred_start.push(0u32);
    for node in &order {
        let row = &plan.tasks[graph[*node]];
        tasks.push(TaskInfo {
            id: row.id.clone(),
            name: row.name.clone(),
            group: row.group.clone(),
            line: row.line,
            estimate: row.estimate.clone(),
        });
        keys.push(id_key(&row.id));
        let dist = row
            .estimate
            .clone()
            .unwrap_or(Distribution::Fixed { likely: 0.0 });
        durations.push(dist.deterministic());
        samplers.push(Sampler::new(&dist, &mut discrete));
        let nb = row
            .not_before
            .as_ref()
            .and_then(|v| days_of(v, row.line, "not_before", &mut diags, true))
            .map_or(0.0, |(d, _)| d);
        floor.push(nb as f32);
        targets.push(
            row.target
                .as_ref()
                .and_then(|v| days_of(v, row.line, "target", &mut diags, false))
                .map(|(days, date)| Target { days, date }),
        );
        let mut ls: Vec<Link> = row
            .predecessors
            .iter()
            .map(|l| {
                let p = index[l.pred.as_str()];
                has_succ[p] = true;
                Link {
                    pred: topo_of[p],
                    kind: l.kind,
                    lag: l.lag as f32,
                }
            })
            .collect();
        ls.sort_by_key(|l| l.pred);
        links.extend(ls);
        pred_start.push(links.len() as u32);
    }
    if !diags.is_empty() {
        return diags.finish(unreachable_network());
    }

    let mut net = Network {
        name: plan.settings.name.clone(),
        tasks,
        keys,
        samplers,
        discrete,
        floor,
        pred_start,
        links,
        milestones: Vec::new(),
        calendar,
        det_start: Vec::new(),
        det_finish: Vec::new(),
    };
    let (es, ef) = net.cpm(&durations);
    net.det_start = es;
    net.det_finish = ef;

    // Reported: flagged milestones (or, when none is flagged, every task without
    // successors), plus every task that has a target.
    let any_flagged = plan.tasks.iter().any(|t| t.milestone);
    let reported: Vec<usize> = order
        .iter()
        .enumerate()
        .filter(|(k, node)| {
            let row = &plan.tasks[graph[**node]];
            let base = if any_flagged {
                row.milestone
            } else {
                !has_succ[graph[**node]]
            };
            base || targets[*k].is_some()
        })
        .map(|(k, _)| k)
        .collect();
    let mut ms: Vec<Milestone> = reported
        .into_iter()
        .map(|t| Milestone {
            task: t as u32,
            target: targets[t].clone(),
            ancestors: ancestors(&net, t),
        })
        .collect();
    ms.sort_by(|a, b| {
        net.det_finish[a.task as usize]
            .total_cmp(&net.det_finish[b.task as usize])
            .then_with(|| {
                net.tasks[a.task as usize]
                    .id
                    .cmp(&net.tasks[b.task as usize].id)
            })
    });
    net.milestones = ms;
    Ok(net)
}

/// Placeholder returned alongside diagnostics; never used because `finish` returns `Err`.
fn unreachable_network() -> Network {
    Network {
        name: None,
        tasks: Vec::new(),
        keys: Vec::new(),
        samplers: Vec::new(),
        discrete: DiscreteTables::default(),
        floor: Vec::new(),
        pred_start: vec![0],
        links: Vec::new(),
        milestones: Vec::new(),
        calendar: None,
        det_start: Vec::new(),
        det_finish: Vec::new(),
    }
}

/// Task `t` and every task with a path to it, ascending.
fn ancestors(net: &Network, t: usize) -> Vec<u32> {
    let mut mark = vec![false; net.len()];
    mark[t] = true;
    let mut stack = vec![t];
    while let Some(s) = stack.pop() {
        for l in net.preds(s) {
            let p = l.pred as usize;
            if !mark[p] {
                mark[p] = true;
                stack.push(p);
            }
        }
    }
    (0..=t).filter(|&i| mark[i]).map(|i| i as u32).collect()
}
