//! `slipcast run`: simulate a plan and report milestone confidence bands.

use std::process::ExitCode;

use clap::Args;
use slipcast::analysis::gate::Gate;
use slipcast::history::calibrate;
use slipcast::report;

use super::{Format, PlanArgs, SimArgs};

#[derive(Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Percentiles to report, in percent.
    #[arg(long, default_value = "10,50,80,90")]
    pub percentiles: String,
    /// Add pNN_low and pNN_high columns: a distribution-free 95 % confidence interval
    /// for each percentile.
    #[arg(long)]
    pub ci: bool,
    /// What drives the date: criticality, sensitivity, SSI, float, critical paths, risk
    /// and uncertainty drivers in days, merge bias (also computed with --out).
    #[arg(long)]
    pub drivers: bool,
    /// Apply a correction fitted by `slipcast calibrate --save FILE`.
    #[arg(long, value_name = "FILE")]
    pub calibration: Option<std::path::PathBuf>,
    /// Milestones to show on stdout: ids separated by commas, `final` (the latest) or
    /// `all`. Default: all, except that a table of more than 15 shows those with a target
    /// and the final one. Files written with --out always hold every milestone.
    #[arg(long, value_name = "ID,ID|final|all")]
    pub milestones: Option<String>,
    /// Joint confidence level of the cost–schedule frontier in jcl-frontier.csv and the
    /// JSON: the least budget that meets each date together at this level (default 0.7;
    /// repeat for several).
    #[arg(long, value_name = "LEVEL")]
    pub jcl: Vec<f64>,
    /// The milestone the headline, critical tasks, drivers and tornado describe (default:
    /// the latest), e.g. go-live rather than hypercare exit.
    #[arg(long, value_name = "ID")]
    pub milestone: Option<String>,
    /// The confidence, in percent, each targeted milestone's schedule margin is sized for
    /// (default 80): the buffer before the milestone that makes its date a P80 date.
    #[arg(long, value_name = "P", default_value_t = 80.0)]
    pub margin_level: f64,
    /// The full milestone table whatever the terminal's width (a pipe always gets it).
    #[arg(long)]
    pub wide: bool,
    /// Also write the forecast for a scheduling tool into the --out folder (repeat for
    /// several): `csv-gantt` writes gantt.csv (every task's plan, P50 and P80 dates and
    /// criticality, for Excel, Smartsheet, Jira or Microsoft Project's CSV import);
    /// `mspdi` writes risk-adjusted.xml (the imported Microsoft Project file with the
    /// P-dates in custom fields, or a new one of the plan); `xer` writes
    /// risk-adjusted.xer (the imported P6 file with them as user-defined fields).
    #[arg(long, value_name = "FORMAT")]
    pub export: Vec<Export>,
    /// Append this run's forecast of every milestone (date, P10–P90, target, P(target))
    /// to FILE.csv, the record `slipcast trend` scores; the same plan and settings are
    /// recorded once.
    #[arg(long, value_name = "FILE.csv")]
    pub record: Option<std::path::PathBuf>,
}

/// What `--export` writes.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Export {
    /// gantt.csv: one row per task with its plan, P50 and P80 dates.
    CsvGantt,
    /// risk-adjusted.xml: Microsoft Project XML with every task's P-dates.
    Mspdi,
    /// risk-adjusted.xer: the imported P6 XER with every task's P-dates.
    Xer,
}

/// The schedule a plan was imported from (plan.toml's `source`), read; `None` when it
/// names none.
fn read_source(
    plan: &std::path::Path,
    settings: &slipcast::plan::Settings,
) -> slipcast::Result<Option<(String, Vec<u8>)>> {
    let Some(name) = &settings.source else {
        return Ok(None);
    };
    let dir = if plan.is_dir() {
        plan
    } else {
        plan.parent().unwrap_or(std::path::Path::new("."))
    };
    let path = dir.join(name);
    let bytes = std::fs::read(&path).map_err(|source| slipcast::Error::Read {
        path: path.clone(),
        source,
    })?;
    Ok(Some((path.display().to_string(), bytes)))
}

pub fn run(a: RunArgs) -> slipcast::Result<ExitCode> {
    let started = std::time::Instant::now();
    report::out::refuse_plan_folder(a.sim.out.as_deref(), &[&a.plan.plan])?;
    let mut percentiles = slipcast::parse_percentiles(&a.percentiles)?;
    if !a.export.is_empty() && a.sim.out.is_none() {
        return Err(slipcast::Error::Usage(
            "--export writes into the output folder: add --out DIR".into(),
        ));
    }
    let (plan, net, settings) = super::load_plan(&a.plan)?;
    if !a.export.is_empty() && net.calendar().is_none() {
        return Err(slipcast::Error::Usage(format!(
            "--export writes dates and {} has no start date: add `start = YYYY-MM-DD` to its plan.toml or pass --start",
            a.plan.plan.display()
        )));
    }
    // The exports give every task's P50 and P80 dates.
    if !a.export.is_empty() {
        percentiles.extend([50.0, 80.0]);
    }
    if let Some(file) = &a.record {
        if net.calendar().is_none() {
            return Err(slipcast::Error::Usage(format!(
                "--record {} keeps dates and {} has no start date: add `start = YYYY-MM-DD` to its plan.toml or pass --start",
                file.display(),
                a.plan.plan.display()
            )));
        }
        report::record::check(file)?;
        percentiles.extend(report::record::LEVELS);
    }
    // The write-back's source, read (and its kind checked) before the run.
    let source = if a
        .export
        .iter()
        .any(|e| matches!(e, Export::Mspdi | Export::Xer))
    {
        read_source(&a.plan.plan, &settings)?
    } else {
        None
    };
    let source_is = |ext: &str| {
        source
            .as_ref()
            .is_some_and(|(path, _)| path.to_ascii_lowercase().ends_with(ext))
    };
    if a.export.contains(&Export::Xer) && !source_is(".xer") {
        return Err(slipcast::import::writeback::not_from_xer(
            &a.plan.plan.display().to_string(),
            settings.source.as_deref(),
        ));
    }
    // A plan not imported from Microsoft Project XML gets a new file of its own.
    let new_mspdi = a.export.contains(&Export::Mspdi) && !source_is(".xml");
    if !a.export.is_empty() {
        let n = super::sim_setup(&a.sim, &settings)?.iterations.max();
        let limit = slipcast::sim::quantiles::TASK_ITERATIONS_LIMIT;
        if (net.len() as u64).saturating_mul(n) > limit {
            return Err(slipcast::Error::Usage(format!(
                "--export needs every task's percentiles, which slipcast computes up to {limit} task-iterations; {} tasks × {n} iterations is more: use at most {} iterations",
                net.len(),
                limit / (net.len() as u64).max(1)
            )));
        }
    }
    // One line on the schedule's health (slipcast check has the details).
    let health = slipcast::analysis::health::check(&plan, &net);
    let inputs = report::html::inputs(&plan);
    let plan = new_mspdi.then_some(plan);
    let calibration = match &a.calibration {
        Some(p) => Some((calibrate::load_file(p)?, p.display().to_string())),
        None => None,
    };
    let setup = super::sim_setup(&a.sim, &settings)?;
    // A gate on a percentile needs that percentile computed.
    percentiles.extend(setup.gates.iter().filter_map(Gate::percentile));
    // --out writes the driver analysis too.
    let want_drivers = a.drivers || a.sim.out.is_some();
    let mut forecaster = setup
        .forecaster(&net)
        .percentiles(&percentiles)
        .drivers(want_drivers)
        // CSV and Markdown show milestones only: no per-task figures to compute.
        .milestones_only(matches!(a.sim.format, Format::Csv | Format::Markdown))
        // tasks.csv and the JSON give each task's dates at the percentiles.
        .task_percentiles(a.sim.out.is_some() || matches!(a.sim.format, Format::Json))
        .jcl_levels(&a.jcl)?
        .margin_level(a.margin_level)?
        .focus(a.milestone.as_deref())?;
    if let Some((file, source)) = &calibration {
        forecaster = forecaster.calibration(file, source);
    }
    super::check_memory(&forecaster, &setup)?;
    let f = forecaster.run(&super::bar())?;
    let net = forecaster.network();
    let table = matches!(a.sim.format, Format::Table | Format::Markdown);
    let (view, shown_note) = report::milestone_view(&f, a.milestones.as_deref(), table)?;
    // A terminal gets the milestone table fitted to its width; a pipe the full table.
    let width = (!a.wide)
        .then(|| console::Term::stdout().size_checked())
        .flatten()
        .map(|(_, cols)| usize::from(cols));
    let body = match a.sim.format {
        Format::Table if a.drivers => {
            report::table_within(&view, width) + &report::drivers_table(&view)
        }
        Format::Table => report::table_within(&view, width),
        Format::Csv => report::milestones_csv_with(&view, a.ci),
        Format::Json => report::json(&view),
        Format::Markdown => report::html::milestones_markdown(&view),
    };
    if let Some(n) = shown_note {
        eprintln!("note: {n}");
    }
    // The table says which calibration it used: not again on stderr.
    let said = |w: &slipcast::Warning| {
        matches!(a.sim.format, Format::Table) && w.kind == slipcast::WarningKind::Calibrated
    };
    for w in f
        .warnings
        .iter()
        .filter(|w| !net.notes().contains(w) && !said(w))
    {
        super::print_warning(w);
    }
    eprintln!("{}", health.summary());
    let pass = super::check_gates(&setup.gates, net, &[("baseline", &f)])?;
    if let Some(dir) = &a.sim.out {
        let mut set = report::out::OutSet::new();
        report::add_forecast_files(&mut set, &f);
        if a.export.contains(&Export::CsvGantt)
            && let Some(g) = report::gantt_csv(net, &f)
        {
            set.add("gantt.csv", g);
        }
        write_back(&a.export, source.as_ref(), plan.as_ref(), &f, &mut set)?;
        let dates = report::date_axis(net, report::horizon(&f));
        let info = report::html::RunInfo {
            seconds: started.elapsed().as_secs_f64(),
            plan_path: a.plan.plan.display().to_string(),
            health: Some(health),
            inputs,
            run_date: Some(super::today()),
        };
        let html = report::html::report_html(&f, &info, &dates)?;
        report::html::add_report(&mut set, &html, &report::html::charts(&f, &dates));
        super::commit_out(set, dir)?;
    }
    if let Some(file) = &a.record {
        record(file, &a, &settings, &f)?;
    }
    super::stdout_write(&body)?;
    Ok(super::gate_status(pass))
}

/// Appends the run to the forecast record `file`, saying on stderr what it did.
fn record(
    file: &std::path::Path,
    a: &RunArgs,
    settings: &slipcast::plan::Settings,
    f: &slipcast::stats::Forecast,
) -> slipcast::Result<()> {
    use report::record;
    // What the forecast depends on: the plan's files, the calibration, the run's settings.
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    let plan = &a.plan.plan;
    if plan.is_dir() {
        for name in [
            "plan.toml",
            "tasks.csv",
            "calendar.csv",
            "risks.csv",
            "correlations.csv",
            "resources.csv",
        ] {
            if let Ok(b) = std::fs::read(plan.join(name)) {
                inputs.push((name.to_string(), b));
            }
        }
    } else if let Ok(b) = std::fs::read(plan) {
        inputs.push(("tasks.csv".to_string(), b));
    }
    if let Some(c) = &a.calibration
        && let Ok(b) = std::fs::read(c)
    {
        inputs.push(("calibration".to_string(), b));
    }
    let knobs = format!(
        "seed={};iterations={};start={:?};workweek={:?};no_levelling={}",
        f.seed,
        f.iterations,
        a.plan.start,
        a.plan.workweek.map(|w| w.0),
        a.plan.no_levelling
    );
    let hash = record::plan_hash(
        inputs.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
        &knobs,
    );
    let name = super::plan_name(plan, settings);
    let recorded_at = settings
        .status_date
        .map(|d| d.to_string())
        .unwrap_or_else(super::today);
    let Some(rows) = record::rows(f, &name, &recorded_at, &hash) else {
        return Ok(());
    };
    match record::append(file, &rows)? {
        record::Appended::Added(n) => eprintln!(
            "recorded {n} milestone forecast{} as of {recorded_at} in {}",
            if n == 1 { "" } else { "s" },
            file.display()
        ),
        record::Appended::AlreadyRecorded => eprintln!(
            "note: {} already holds this run (plan hash {hash}): not recorded again",
            file.display()
        ),
    }
    Ok(())
}

/// The `mspdi` and `xer` exports into the output set, each with a line on stderr saying
/// which fields hold what.
fn write_back(
    export: &[Export],
    source: Option<&(String, Vec<u8>)>,
    plan: Option<&slipcast::Plan>,
    f: &slipcast::stats::Forecast,
    set: &mut report::out::OutSet,
) -> slipcast::Result<()> {
    use slipcast::import::writeback;
    if !export
        .iter()
        .any(|e| matches!(e, Export::Mspdi | Export::Xer))
    {
        return Ok(());
    }
    let Some(values) = writeback::task_values(f) else {
        return Ok(());
    };
    let say = |file: &str, from: &str, w: &writeback::Written| {
        eprintln!("{file}: {} tasks {from}, in the fields", w.tasks);
        // The fields, a few to a line, within a 100-column terminal.
        let mut line = String::new();
        for (name, label) in &w.fields {
            let item = format!("{name} \"{label}\"");
            if !line.is_empty() && line.len() + item.len() + 2 > 96 {
                eprintln!("  {line},");
                line.clear();
            }
            if !line.is_empty() {
                line.push_str(", ");
            }
            line.push_str(&item);
        }
        if !line.is_empty() {
            eprintln!("  {line}");
        }
        if w.not_in_source > 0 {
            let n = w.not_in_source;
            eprintln!(
                "note: {n} plan {} not in the source schedule got no values",
                if n == 1 { "task" } else { "tasks" }
            );
        }
    };
    // Each once, however often it was asked for.
    for e in [Export::Mspdi, Export::Xer]
        .iter()
        .filter(|e| export.contains(e))
    {
        let (name, bytes, from, w) = match (e, source, plan) {
            (Export::Xer, Some((path, bytes)), _) | (Export::Mspdi, Some((path, bytes)), None) => {
                let (out, w) = writeback::into_source(bytes, path, &values)?;
                let name = if matches!(e, Export::Xer) {
                    "risk-adjusted.xer"
                } else {
                    "risk-adjusted.xml"
                };
                (name, out, format!("written into a copy of {path}"), w)
            }
            (Export::Mspdi, _, Some(plan)) => {
                let (out, w) = writeback::new_mspdi(plan, f, &values)?;
                (
                    "risk-adjusted.xml",
                    out.into_bytes(),
                    "in a new Microsoft Project file of the plan".to_string(),
                    w,
                )
            }
            _ => continue,
        };
        say(name, &from, &w);
        set.add(name, bytes);
    }
    Ok(())
}
