//! `slipcast compare`: what-if scenarios against the baseline, or two versions of a plan
//! (`--against`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use slipcast::model::scenario;
use slipcast::sim::SimConfig;
use slipcast::{Error, Forecast, Iterations, report};

use super::{Format, PlanArgs, SimArgs};

#[derive(Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Scenarios file (default: PLAN/scenarios.csv).
    #[arg(long, conflicts_with = "against")]
    pub scenarios: Option<PathBuf>,
    /// Compare two versions of a plan instead: what moved since PLAN, and which changes
    /// moved it.
    #[arg(long, value_name = "NEW_PLAN")]
    pub against: Option<PathBuf>,
    /// The milestone the report's critical tasks, tornado and sensitivities describe
    /// (default: the latest).
    #[arg(long, value_name = "ID", conflicts_with = "against")]
    pub milestone: Option<String>,
}

pub fn run(a: CompareArgs) -> slipcast::Result<ExitCode> {
    let started = std::time::Instant::now();
    let mut plans = vec![a.plan.plan.as_path()];
    plans.extend(a.against.as_deref());
    report::out::refuse_plan_folder(a.sim.out.as_deref(), &plans)?;
    if let Some(new) = &a.against {
        return versions(&a, new);
    }
    let (plan, net, settings) = super::load_plan(&a.plan)?;
    let health = slipcast::analysis::health::check(&plan, &net);
    let mut inputs = report::html::inputs(&plan);
    drop(plan);
    let setup = super::sim_setup(&a.sim, &settings)?;
    let path = match &a.scenarios {
        Some(p) => p.clone(),
        None if a.plan.plan.is_dir() => a.plan.plan.join("scenarios.csv"),
        None => a
            .plan
            .plan
            .parent()
            .unwrap_or(Path::new("."))
            .join("scenarios.csv"),
    };
    if !path.exists() {
        return Err(Error::Usage(format!(
            "no scenarios file at {} (add scenarios.csv to the plan folder or pass --scenarios FILE)",
            path.display()
        )));
    }
    let scenarios = slipcast::plan::scenarios::load(&path)?;
    let nets = scenario::apply_all(&net, &scenarios)?;
    inputs.push_str(&format!(
        ", {} ({} scenario{})",
        path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned()
        ),
        nets.len(),
        if nets.len() == 1 { "" } else { "s" }
    ));
    // The report carries the baseline's tornado and sensitivities.
    let forecaster = setup
        .forecaster(&net)
        .drivers(a.sim.out.is_some())
        .focus(a.milestone.as_deref())?;
    super::check_memory(&forecaster, &setup)?;
    let c = forecaster.compare(&nets, &super::bar())?;
    for w in &c.warnings {
        super::print_warning(w);
    }
    let forecasts: Vec<(&str, &Forecast)> =
        c.forecasts.iter().map(|(n, f)| (n.as_str(), f)).collect();
    let pass = super::check_gates(&setup.gates, &net, &forecasts)?;
    let body = match a.sim.format {
        Format::Table => report::compare_table(&c),
        Format::Csv => report::compare_csv(&c),
        Format::Json => report::to_json(&c),
        Format::Markdown => report::html::compare_markdown(&c),
    };
    if let Some(dir) = &a.sim.out {
        let mut set = report::out::OutSet::new();
        report::add_compare_files(&mut set, &c);
        let base = &c.forecasts[0].1;
        let dates = report::date_axis(&net, report::horizon(base) * 1.5);
        let info = report::html::RunInfo {
            seconds: started.elapsed().as_secs_f64(),
            plan_path: a.plan.plan.display().to_string(),
            health: Some(health),
            inputs,
            run_date: Some(super::today()),
        };
        let html = report::html::compare_html(&c, &info, &dates)?;
        let mut charts = report::html::charts(base, &dates);
        charts.extend(report::html::scenario_charts(&c, &dates));
        report::html::add_report(&mut set, &html, &charts);
        super::commit_out(set, dir)?;
    }
    super::stdout_write(&body)?;
    Ok(super::gate_status(pass))
}

/// `compare OLD --against NEW`: what moved between two versions, change by change.
fn versions(a: &CompareArgs, new_path: &Path) -> slipcast::Result<ExitCode> {
    let old = slipcast::load(&a.plan.plan)?;
    let new = slipcast::load(new_path)?;
    if !a.sim.gates.is_empty() {
        return Err(Error::Usage(
            "--gate applies to run and scenario comparisons, not to --against".into(),
        ));
    }
    let setup = super::sim_setup(&a.sim, &old.settings)?;
    let Iterations::Fixed(iterations) = setup.iterations else {
        return Err(Error::Usage(
            "-n auto is not available with --against; give a number".into(),
        ));
    };
    let cfg = SimConfig {
        iterations,
        seed: setup.seed,
        threads: setup.threads,
    };
    let r = slipcast::analysis::versions::attribute(&old, &new, &cfg)?;
    let body = match a.sim.format {
        Format::Table | Format::Markdown => report::versions_table(&r),
        Format::Csv => report::versions_csv(&r),
        Format::Json => report::to_json(&r),
    };
    if let Some(dir) = &a.sim.out {
        let mut set = report::out::OutSet::new();
        set.add("versions.csv", report::versions_csv(&r));
        set.add("versions.json", report::to_json(&r));
        super::commit_out(set, dir)?;
    }
    super::stdout_write(&body)?;
    Ok(ExitCode::SUCCESS)
}
