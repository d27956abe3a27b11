//! Plan versions: what moved since the last forecast, and why.
//!
//! `slipcast compare OLD --against NEW` matches tasks and risks by id, lists every change
//! (a task's estimate, the links into a task among tasks in both plans, an added or a
//! removed task with its links, a risk, the correlations, the calendar), and attributes
//! each milestone's P50/P80 shift: each change is applied alone to the old plan and
//! simulated with the same keyed random numbers, so its effect is exact, not noise. What
//! the separate effects do not add up to is reported as interaction (for example two
//! changes on parallel paths, each hidden by the other).

use serde::Serialize;

use crate::error::{Error, Result};
use crate::plan::{Plan, TaskRow};
use crate::sim::{NoProgress, SimConfig, simulate};
use crate::stats::{forecast, round4};

/// One difference between two plan versions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// What changed, in words ("estimate of BUILD", "task QA2 added", …).
    pub label: String,
    #[serde(skip)]
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Task(String),
    Links(String),
    Added(String),
    Removed(String),
    Risk(String),
    Correlations,
    Calendar,
}

/// The effect of one change on one milestone.
#[derive(Debug, Clone, Serialize)]
pub struct Effect {
    /// The change.
    pub change: String,
    /// Shift of the milestone's P50 when the change alone is applied (working days).
    pub p50_days: Option<f64>,
    /// Shift of its P80.
    pub p80_days: Option<f64>,
    /// Why the change could not be applied alone, if it could not.
    pub note: Option<String>,
}

/// Attribution for one milestone present in both versions.
#[derive(Debug, Clone, Serialize)]
pub struct MilestoneShift {
    /// Milestone id.
    pub milestone: String,
    /// Old and new P50.
    pub p50: [f64; 2],
    /// Old and new P80.
    pub p80: [f64; 2],
    /// Effects of each change, largest |P80 shift| first.
    pub effects: Vec<Effect>,
    /// New − old − Σ effects, for P50 and P80.
    pub interaction: [f64; 2],
}

/// The full comparison of two plan versions.
#[derive(Debug, Clone, Serialize)]
pub struct VersionReport {
    /// slipcast version.
    pub slipcast_version: String,
    /// Iterations per simulation.
    pub iterations: u64,
    /// Seed shared by every simulation.
    pub seed: u64,
    /// Every change found.
    pub changes: Vec<Change>,
    /// Per milestone present in both versions, in the old plan's order.
    pub milestones: Vec<MilestoneShift>,
}

fn same_schedule(a: &TaskRow, b: &TaskRow) -> bool {
    a.estimate == b.estimate
        && a.probability == b.probability
        && a.not_before == b.not_before
        && a.actual_start == b.actual_start
        && a.actual_finish == b.actual_finish
        && a.remaining == b.remaining
        && a.calendar_tags == b.calendar_tags
        && a.items == b.items
        && a.history == b.history
}

/// Lists the changes from `old` to `new`.
pub fn changes(old: &Plan, new: &Plan) -> Vec<Change> {
    let find = |p: &'_ Plan, id: &str| p.tasks.iter().position(|t| t.id == id);
    let mut out = Vec::new();
    for t in &new.tasks {
        match find(old, &t.id) {
            None => out.push(Change {
                label: format!("task {} added", t.id),
                kind: Kind::Added(t.id.clone()),
            }),
            Some(i) => {
                if !same_schedule(&old.tasks[i], t) {
                    out.push(Change {
                        label: format!("estimate of {}", t.id),
                        kind: Kind::Task(t.id.clone()),
                    });
                }
                let common = |row: &TaskRow| {
                    let mut v: Vec<_> = row
                        .predecessors
                        .iter()
                        .filter(|l| find(old, &l.pred).is_some() && find(new, &l.pred).is_some())
                        .map(|l| (l.pred.clone(), l.kind, l.lag.to_bits()))
                        .collect();
                    v.sort();
                    v
                };
                if common(&old.tasks[i]) != common(t) {
                    out.push(Change {
                        label: format!("links into {}", t.id),
                        kind: Kind::Links(t.id.clone()),
                    });
                }
            }
        }
    }
    for t in &old.tasks {
        if find(new, &t.id).is_none() {
            out.push(Change {
                label: format!("task {} removed", t.id),
                kind: Kind::Removed(t.id.clone()),
            });
        }
    }
    let mut risk_ids: Vec<&str> = old
        .risks
        .iter()
        .chain(&new.risks)
        .map(|r| r.id.as_str())
        .collect();
    risk_ids.sort_unstable();
    risk_ids.dedup();
    for id in risk_ids {
        let (a, b) = (
            old.risks.iter().find(|r| r.id == id),
            new.risks.iter().find(|r| r.id == id),
        );
        let same = match (a, b) {
            (Some(a), Some(b)) => {
                a.probability == b.probability
                    && a.impact == b.impact
                    && a.unit == b.unit
                    && a.tasks == b.tasks
            }
            _ => false,
        };
        if !same {
            let what = match (a, b) {
                (None, _) => "added",
                (_, None) => "removed",
                _ => "changed",
            };
            out.push(Change {
                label: format!("risk {id} {what}"),
                kind: Kind::Risk(id.to_string()),
            });
        }
    }
    let corr = |p: &Plan| {
        let mut v: Vec<(String, String, u64)> = p
            .correlations
            .iter()
            .map(|c| {
                if c.a < c.b {
                    (c.a.clone(), c.b.clone(), c.rho.to_bits())
                } else {
                    (c.b.clone(), c.a.clone(), c.rho.to_bits())
                }
            })
            .collect();
        v.sort();
        v
    };
    if corr(old) != corr(new) {
        out.push(Change {
            label: "correlations".into(),
            kind: Kind::Correlations,
        });
    }
    if old.settings.start != new.settings.start
        || old.settings.workweek != new.settings.workweek
        || old.settings.status_date != new.settings.status_date
        || old.holidays != new.holidays
        || old.freezes != new.freezes
    {
        out.push(Change {
            label: "calendar (start, status date, working week, holidays, freezes)".into(),
            kind: Kind::Calendar,
        });
    }
    out
}

/// The old plan with only `change` applied.
fn apply(old: &Plan, new: &Plan, change: &Change) -> Plan {
    let mut p = old.clone();
    let in_new = |id: &str| new.tasks.iter().find(|t| t.id == id);
    match &change.kind {
        Kind::Task(id) => {
            if let (Some(row), Some(n)) = (p.tasks.iter_mut().find(|t| &t.id == id), in_new(id)) {
                row.estimate = n.estimate.clone();
                row.probability = n.probability;
                row.not_before = n.not_before;
                row.actual_start = n.actual_start;
                row.actual_finish = n.actual_finish;
                row.remaining = n.remaining;
                row.calendar_tags = n.calendar_tags.clone();
                row.items = n.items;
                row.throughput = n.throughput.clone();
                row.history = n.history.clone();
            }
        }
        Kind::Links(id) => {
            let ids: Vec<String> = old.tasks.iter().map(|t| t.id.clone()).collect();
            if let (Some(row), Some(n)) = (p.tasks.iter_mut().find(|t| &t.id == id), in_new(id)) {
                // Links to tasks only one version has belong to those tasks' own changes.
                let kept_old: Vec<_> = row
                    .predecessors
                    .iter()
                    .filter(|l| in_new(&l.pred).is_none())
                    .cloned()
                    .collect();
                row.predecessors = n
                    .predecessors
                    .iter()
                    .filter(|l| ids.contains(&l.pred))
                    .cloned()
                    .collect();
                row.predecessors.extend(kept_old);
            }
        }
        Kind::Added(id) => {
            if let Some(n) = in_new(id) {
                let mut row = n.clone();
                row.predecessors
                    .retain(|l| old.tasks.iter().any(|t| t.id == l.pred));
                p.tasks.push(row);
                for s in &new.tasks {
                    if let Some(l) = s.predecessors.iter().find(|l| &l.pred == id)
                        && let Some(r) = p.tasks.iter_mut().find(|t| t.id == s.id)
                    {
                        r.predecessors.push(l.clone());
                    }
                }
            }
        }
        Kind::Removed(id) => {
            p.tasks.retain(|t| &t.id != id);
            for t in &mut p.tasks {
                t.predecessors.retain(|l| &l.pred != id);
            }
            for r in &mut p.risks {
                r.tasks.retain(|t| t != id);
            }
            p.risks.retain(|r| !r.tasks.is_empty());
            // Its duration, or its cost amounts (`ID.cost`, `ID.rate`).
            let names = |x: &str| {
                x == id
                    || crate::plan::correlations::amount_of(x).is_some_and(|(base, _)| base == id)
            };
            p.correlations.retain(|c| !names(&c.a) && !names(&c.b));
        }
        Kind::Risk(id) => {
            p.risks.retain(|r| &r.id != id);
            if let Some(r) = new.risks.iter().find(|r| &r.id == id) {
                p.risks.push(r.clone());
            }
        }
        Kind::Correlations => p.correlations = new.correlations.clone(),
        Kind::Calendar => {
            p.settings.start = new.settings.start;
            p.settings.workweek = new.settings.workweek;
            p.settings.status_date = new.settings.status_date;
            p.holidays = new.holidays.clone();
            p.freezes = new.freezes.clone();
        }
    }
    p
}

/// (milestone id, P50, P80) of a plan's reported milestones.
type Bands = Vec<(String, f64, f64)>;

/// P50 and P80 per milestone id of a plan.
fn p50_p80(plan: &Plan, cfg: &SimConfig) -> Result<Bands> {
    let net = crate::model::compile(plan)?;
    let s = simulate(&net, cfg, &NoProgress)?;
    let f = forecast(&net, &s, &[50.0, 80.0]);
    Ok(f.milestones
        .into_iter()
        .map(|m| (m.id, m.percentiles[0].days, m.percentiles[1].days))
        .collect())
}

/// Compares two versions of a plan and attributes each milestone's shift.
pub fn attribute(old: &Plan, new: &Plan, cfg: &SimConfig) -> Result<VersionReport> {
    let before = p50_p80(old, cfg)?;
    let after = p50_p80(new, cfg)?;
    let list = changes(old, new);
    let mut effects: Vec<(String, std::result::Result<Bands, String>)> = Vec::new();
    for c in &list {
        let r = match p50_p80(&apply(old, new, c), cfg) {
            Ok(v) => Ok(v),
            Err(Error::Invalid(d)) => Err(format!(
                "cannot be applied alone ({}); its effect is in the interaction",
                d.first().map(|x| x.message.clone()).unwrap_or_default()
            )),
            Err(e) => return Err(e),
        };
        effects.push((c.label.clone(), r));
    }
    let mut milestones = Vec::new();
    for (id, o50, o80) in &before {
        let Some((_, n50, n80)) = after.iter().find(|(m, _, _)| m == id) else {
            continue;
        };
        let mut eff: Vec<Effect> = effects
            .iter()
            .map(|(label, r)| match r {
                Ok(v) => {
                    let hit = v.iter().find(|(m, _, _)| m == id);
                    Effect {
                        change: label.clone(),
                        p50_days: hit.map(|(_, a, _)| round4(a - o50)),
                        p80_days: hit.map(|(_, _, b)| round4(b - o80)),
                        note: if hit.is_none() {
                            Some("the milestone is not reported with this change alone".into())
                        } else {
                            None
                        },
                    }
                }
                Err(why) => Effect {
                    change: label.clone(),
                    p50_days: None,
                    p80_days: None,
                    note: Some(why.clone()),
                },
            })
            .collect();
        eff.sort_by(|a, b| {
            b.p80_days
                .unwrap_or(0.0)
                .abs()
                .total_cmp(&a.p80_days.unwrap_or(0.0).abs())
                .then_with(|| a.change.cmp(&b.change))
        });
        let s50: f64 = eff.iter().filter_map(|e| e.p50_days).sum();
        let s80: f64 = eff.iter().filter_map(|e| e.p80_days).sum();
        milestones.push(MilestoneShift {
            milestone: id.clone(),
            p50: [*o50, *n50],
            p80: [*o80, *n80],
            interaction: [round4(n50 - o50 - s50), round4(n80 - o80 - s80)],
            effects: eff,
        });
    }
    Ok(VersionReport {
        slipcast_version: env!("CARGO_PKG_VERSION").to_string(),
        iterations: cfg.iterations,
        seed: cfg.seed,
        changes: list,
        milestones,
    })
}
