//! `slipcast validate`: check a plan (and its scenarios.csv) without simulating it.

use std::process::ExitCode;

use slipcast::model::calendar::finish_day;
use slipcast::model::scenario;

use super::PlanArgs;

pub fn run(a: PlanArgs) -> slipcast::Result<ExitCode> {
    let (net, _) = super::load(&a)?;
    // The folder's scenarios.csv is part of the plan: check it as compare would.
    let scenarios = a.plan.join("scenarios.csv");
    let scenario_count = if a.plan.is_dir() && scenarios.is_file() {
        let sc = slipcast::plan::scenarios::load(&scenarios)?;
        Some(scenario::apply_all(&net, &sc)?.len())
    } else {
        None
    };
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let latest = net.det_finish().iter().copied().fold(0.0f64, f64::max);
    let mut s = format!(
        "ok: {} tasks, {} links, {} reported milestone{}{}\nlongest deterministic path: {} working days",
        net.len(),
        net.links().len(),
        net.milestones().len(),
        plural(net.milestones().len()),
        match (net.risks().len(), net.groups().len()) {
            (0, 0) => String::new(),
            (r, g) => format!(
                ", {r} risk{}, {g} correlation group{}",
                plural(r),
                plural(g)
            ),
        },
        slipcast::stats::round4(net.days(latest))
    );
    if net.calendar().is_some() {
        match net.date_of_day(finish_day(latest)) {
            Some(d) if chrono::Datelike::year(&d) <= 9999 => {
                s.push_str(&format!(" (finishing {d})"))
            }
            _ => s.push_str(" (finishing after 9999-12-31)"),
        }
    }
    s.push('\n');
    // The tasks of the deterministic critical path, by id, wrapped to 100 columns.
    let critical = net.critical_tasks();
    if !critical.is_empty() {
        const SHOWN: usize = 30;
        let mut ids: Vec<&str> = critical
            .iter()
            .take(SHOWN)
            .map(|&t| net.tasks()[t].id.as_str())
            .collect();
        let more = critical.len().saturating_sub(SHOWN);
        let tail = format!("… and {more} more");
        if more > 0 {
            ids.push(&tail);
        }
        slipcast::report::wrap_text(
            &mut s,
            &format!("critical path ({} tasks with zero float):", critical.len()),
            &ids.join(" → "),
            2,
            100,
        );
    }
    if let Some(k) = scenario_count {
        s.push_str(&format!(
            "scenarios.csv: {k} scenario{}, each applies\n",
            plural(k)
        ));
    }
    super::stdout_write(&s)?;
    Ok(ExitCode::SUCCESS)
}
