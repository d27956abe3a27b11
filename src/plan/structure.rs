//! Structural checks of a plan — non-empty, unique ids, known predecessors, no self or
//! duplicate links, no cycles — in one place: loading runs them (with every row problem,
//! so the user sees all at once) and compiling runs them again, since a [`Plan`] built in
//! code has not been through loading.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::error::{Diagnostic, Diags};
use crate::plan::Plan;
use crate::plan::sheet::listing;

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
    crate::plan::resources::check(plan, diags);
    let mut graph: DiGraph<usize, ()> = DiGraph::with_capacity(plan.tasks.len(), 0);
    let nodes: Vec<NodeIndex> = (0..plan.tasks.len()).map(|i| graph.add_node(i)).collect();
    let mut suggest = crate::plan::sheet::Suggester::new(index.keys().copied());
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
                    diags.push(Diagnostic {
                        message: format!(
                            "predecessor \"{}\" of task {} is not a task id",
                            l.pred, t.id
                        ),
                        fix: Some(suggest.fix(&l.pred, "add the task or correct the id")),
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
    // Cycles: only when there is one (toposort fails) are the strongly connected
    // components computed, with Kosaraju's algorithm (iterative: no recursion depth limit,
    // a 200,000-task chain is fine).
    let sccs = if petgraph::algo::toposort(&graph, None).is_ok() {
        Vec::new()
    } else {
        petgraph::algo::kosaraju_scc(&graph)
    };
    for scc in sccs {
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
        // A long cycle is named by its first 20 and last 5 steps.
        let shown = if names.len() > 30 {
            format!(
                "{} → … {} more … → {}",
                names[..20].join(" → "),
                names.len() - 25,
                names[names.len() - 5..].join(" → ")
            )
        } else {
            names.join(" → ")
        };
        let first = scc.iter().map(|n| graph[*n]).min().unwrap_or(0);
        let mut msg = format!("dependency cycle: {shown}");
        if scc.len() > cycle.len() {
            let on_cycle: std::collections::HashSet<NodeIndex> = cycle.iter().copied().collect();
            let mut others: Vec<&str> = scc
                .iter()
                .filter(|n| !on_cycle.contains(n))
                .map(|n| plan.tasks[graph[*n]].id.as_str())
                .collect();
            others.sort_unstable();
            msg.push_str(&format!(
                " (also on cycles with them: {})",
                listing(&others, 20)
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
