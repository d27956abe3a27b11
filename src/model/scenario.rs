//! Applying a what-if scenario to a compiled network.
//!
//! A scenario changes the network, never the random numbers: every task and risk keeps
//! its keyed streams, so the scenario and its baseline share every random number (common
//! random numbers) and a scenario that changes nothing reproduces the baseline exactly.

use crate::error::{Diagnostic, Diags, Error, Result};
use crate::model::cost::CostModel;
use crate::model::{Network, Sampler};
use crate::plan::Distribution;
use crate::plan::{Action, DateOrDays, ScenarioRow, Scenarios};

/// Every scenario of `sc` applied to `base`, in file order, with the problems of every
/// scenario reported together.
pub fn apply_all(base: &Network, sc: &Scenarios) -> Result<Vec<(String, Network)>> {
    let mut nets = Vec::new();
    let mut problems = Vec::new();
    for name in sc.names() {
        match apply(base, name, &sc.rows, &sc.file) {
            Ok(n) => nets.push((name.to_string(), n)),
            Err(Error::Invalid(d)) => problems.extend(d),
            Err(e) => return Err(e),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    Ok(nets)
}

/// Returns a copy of `base` with the rows of scenario `name` applied. `file` names the
/// scenarios file in messages.
pub fn apply(base: &Network, name: &str, rows: &[ScenarioRow], file: &str) -> Result<Network> {
    let mut net = base.clone();
    let mut diags = Diags::default();
    let mut suggest = crate::plan::sheet::Suggester::new(
        base.tasks
            .iter()
            .map(|t| t.id.as_str())
            .chain(base.risks.iter().map(|r| r.id.as_str())),
    );
    for row in rows.iter().filter(|r| r.scenario == name) {
        let at = |msg: String, col: &str, fix: &str| {
            Diagnostic::new(file, msg)
                .line(row.line)
                .column(col)
                .fix(fix)
        };
        let task = net.index_of(&row.target);
        let risk = net.risks.iter().position(|r| r.id == row.target);
        let group: Option<Vec<usize>> = row.target.strip_prefix("group:").map(|g| {
            (0..net.len())
                .filter(|&t| net.tasks[t].group.as_deref() == Some(g))
                .collect()
        });
        let mut unknown = |what: &str| {
            let fix = suggest.fix(&row.target, &format!("use {what}"));
            at(format!("\"{}\" is not {what}", row.target), "target", &fix)
        };
        match (&row.action, task, risk) {
            (Action::Capacity(c), _, _) => match net.levelling.as_mut() {
                Some(lev) => match lev.resources.iter().position(|r| r.id == row.target) {
                    Some(k) => {
                        lev.resources[k].capacity = *c;
                        lev.capacity[k] = crate::model::resource::milli(*c);
                    }
                    None => {
                        let ids: Vec<&str> = lev.resources.iter().map(|r| r.id.as_str()).collect();
                        let fix = match crate::plan::sheet::closest(&row.target, &ids) {
                            Some(k) => format!("did you mean {k}?"),
                            None => format!("use a resource of resources.csv: {}", ids.join(", ")),
                        };
                        diags.push(at(
                            format!("\"{}\" is not a resource", row.target),
                            "target",
                            &fix,
                        ));
                    }
                },
                None => diags.push(at(
                    "capacity changes a resource, but the plan has no resources.csv".into(),
                    "action",
                    "add resources.csv (id, name, capacity) and the tasks' resources column",
                )),
            },
            (Action::Assign(list), Some(t), _) => {
                if let Err(why) = reassign(&mut net, t, list) {
                    diags.push(at(
                        why,
                        "value",
                        "name resources of resources.csv, e.g. DEV:2;QA:1",
                    ));
                }
            }
            (Action::Assign(_), None, _) => diags.push(unknown("a task id")),
            (Action::Probability(p), _, Some(r)) => net.risks[r].probability = *p,
            (Action::Disable, _, Some(r)) => net.risks[r].probability = 0.0,
            (Action::Probability(_) | Action::Disable, _, None) => diags.push(unknown(
                "a risk id (probability and disable act on risks.csv)",
            )),
            (Action::Scale(_) | Action::Rate(_), _, _) if group.is_some() => {
                let members = group.unwrap_or_default();
                if members.is_empty() {
                    diags.push(at(
                        format!("no task has group \"{}\"", &row.target[6..]),
                        "target",
                        "use a group name from the group column of tasks.csv",
                    ));
                }
                for t in members {
                    match &row.action {
                        Action::Scale(f) => net.scale[t] *= *f as f32,
                        Action::Rate(d) => set_rate(&mut net, t, d),
                        _ => {}
                    }
                }
            }
            (Action::Cost(x), None, _) if risk.is_some() || row.target == "plan" => {
                net.cost.get_or_insert_with(|| CostModel::empty(base)).extra += *x;
            }

            (_, None, _) => diags.push(unknown("a task id")),
            (Action::Cost(x), Some(t), _) => {
                let mut cm = net.cost.take().unwrap_or_else(|| CostModel::empty(base));
                cm.entry(&net, t).added += *x;
                net.cost = Some(cm);
            }
            (Action::Rate(d), Some(t), _) => set_rate(&mut net, t, d),
            (Action::Remove, Some(t), _) => net.keep[t] = false,
            (Action::Scale(f), Some(t), _) => net.scale[t] *= *f as f32,
            (Action::Delay(d), Some(t), _) => net.extra[t] += *d as f32,
            (Action::Set { min, likely, max }, Some(t), _) => {
                let d = match net.tasks[t].estimate {
                    Some(Distribution::Pert { .. }) => Distribution::Pert {
                        min: *min,
                        likely: *likely,
                        max: *max,
                    },
                    _ => Distribution::Triangular {
                        min: *min,
                        likely: *likely,
                        max: *max,
                    },
                };
                net.samplers[t] = Sampler::new(&d, &mut net.discrete);
                net.det_duration[t] = d.deterministic();
                net.tasks[t].estimate = Some(d);
            }
            (Action::NotBefore(v), Some(t), _) => match (v, &net.calendar) {
                (DateOrDays::Days(x), _) => {
                    net.floor[t] = net.clock().map_or(*x, |k| k.project().start(*x)) as f32
                }
                (DateOrDays::Date(d) | DateOrDays::At(d, _), Some(c)) => {
                    net.floor[t] = match net.clock() {
                        Some(k) => k.start_of_date(*d),
                        None => c.start_time_of(*d),
                    } as f32
                }
                (DateOrDays::Date(_) | DateOrDays::At(..), None) => diags.push(at(
                    "not_before is a date but the plan has no start date".into(),
                    "value",
                    "set start in plan.toml (or --start), or give a working-day number",
                )),
            },
        }
    }
    if let Some(mut cm) = net.cost.take() {
        crate::model::cost::index_milestones(&mut cm, &net);
        net.cost = Some(cm);
    }
    if let Some(lev) = &net.levelling {
        // Every task must fit its resources once the others release them.
        for t in 0..net.len() {
            for h in lev.holds(t) {
                let k = h.resource as usize;
                if h.units > lev.capacity[k] {
                    diags.push(
                        Diagnostic::new(
                            file,
                            format!(
                                "in scenario {name}, task {} needs {} units of {}, whose capacity is {}: it could never start",
                                net.tasks[t].id,
                                h.units as f64 / crate::model::resource::UNIT_SCALE,
                                lev.resources[k].id,
                                lev.resources[k].capacity
                            ),
                        )
                        .fix("raise the capacity or lower the task's units (action assign)"),
                    );
                }
            }
        }
    }
    if !diags.is_empty() {
        return Err(Error::Invalid(diags.0));
    }
    net.reschedule();
    Ok(net)
}

/// Task `t` holds `list` instead of what it held (the levelling order stays the
/// baseline's).
fn reassign(
    net: &mut Network,
    t: usize,
    list: &[crate::plan::Assignment],
) -> std::result::Result<(), String> {
    let Some(lev) = net.levelling.as_mut() else {
        return Err("assign gives a task resources, but the plan has no resources.csv".into());
    };
    let mut new = Vec::with_capacity(list.len());
    for a in list {
        let Some(k) = lev.resources.iter().position(|r| r.id == a.resource) else {
            return Err(format!(
                "\"{}\" is not a resource of resources.csv",
                a.resource
            ));
        };
        new.push(crate::model::resource::Hold {
            resource: k as u32,
            units: crate::model::resource::milli(a.units),
        });
    }
    let (a, b) = (lev.hold_start[t] as usize, lev.hold_start[t + 1] as usize);
    let grow = new.len() as i64 - (b - a) as i64;
    lev.holds.splice(a..b, new);
    for s in &mut lev.hold_start[t + 1..] {
        *s = (*s as i64 + grow) as u32;
    }
    Ok(())
}

/// Task `t` costs `d` per working day from now on.
fn set_rate(net: &mut Network, t: usize, d: &Distribution) {
    let mut cm = net.cost.take().unwrap_or_else(|| CostModel::empty(net));
    let mut tables = std::mem::take(&mut net.discrete);
    let e = cm.entry(net, t);
    e.rate = Some(Sampler::new(d, &mut tables));
    e.likely.1 = d.deterministic();
    net.discrete = tables;
    net.cost = Some(cm);
}
