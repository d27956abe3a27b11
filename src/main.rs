//! The `slipcast` command line: parse arguments, call the library, map errors to exit codes.
//!
//! Exit codes: 0 success; 1 a requested gate failed; 2 bad input or usage.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use slipcast::analysis::gate::Gate;
use slipcast::model::{CompileOptions, Network};
use slipcast::plan::{Scenarios, Settings, Workweek};
use slipcast::sim::{DEFAULT_ITERATIONS, DEFAULT_SEED};
use slipcast::stats::{Forecast, MilestoneForecast};
use slipcast::{Error, Iterations, Progress, SimConfig, report};

#[derive(Parser)]
#[command(
    name = "slipcast",
    version,
    about = "Monte Carlo schedule risk: milestone confidence bands from three-point estimates"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a plan and report milestone confidence bands.
    Run(RunArgs),
    /// Compare what-if scenarios against the baseline with common random numbers.
    Compare(CompareArgs),
    /// Check a plan without simulating it.
    Validate(PlanArgs),
    /// How good were past estimates? Coverage, PIT, bias; fit and backtest a correction.
    Calibrate(CalibrateArgs),
    /// Forecast from weekly throughput: when will N items be done, how many by a date.
    Throughput(ThroughputArgs),
    /// Turn a Microsoft Project (XML, MPX) or Primavera P6 (XER) schedule into a plan folder.
    Import(ImportArgs),
}

#[derive(Args)]
struct ImportArgs {
    /// The schedule file (format detected by content).
    file: PathBuf,
    /// Plan folder to write (plan.toml, tasks.csv, calendar.csv, import-report.csv).
    #[arg(long)]
    out: PathBuf,
    /// Uncertainty template for tasks without three-point estimates: min,likely,max as
    /// percent of the planned duration.
    #[arg(long, default_value = "90,100,130")]
    template: String,
    /// Distribution for the estimates.
    #[arg(long, default_value = "triangular", value_parser = ["triangular", "pert", "uniform"])]
    distribution: String,
}

#[derive(Args)]
struct CalibrateArgs {
    /// History CSV: id, distribution, min, likely, max (or mean/sd/values), actual [, group].
    history: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also report per group (the `group` column).
    #[arg(long, value_name = "COLUMN", value_parser = ["group"])]
    by: Option<String>,
    /// Write the fitted correction to FILE (JSON), for `run --calibration FILE`.
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
    /// Check the correction on held-out rows (5-fold).
    #[arg(long)]
    backtest: bool,
}

#[derive(Args)]
struct ThroughputArgs {
    /// History CSV: week,done (or one row per item with its done date).
    history: PathBuf,
    /// How many weeks to finish this many items?
    #[arg(long, conflicts_with_all = ["until", "weeks"])]
    items: Option<f64>,
    /// How many items by this date (needs --start)?
    #[arg(long, value_parser = parse_date, requires = "start")]
    until: Option<chrono::NaiveDate>,
    /// How many items in this many weeks?
    #[arg(long, conflicts_with = "until")]
    weeks: Option<usize>,
    /// First day of the forecast (gives dates).
    #[arg(long, value_parser = parse_date)]
    start: Option<chrono::NaiveDate>,
    /// Working days of a week, e.g. Sun,Mon,Tue,Wed,Thu (default Mon–Fri): a week of
    /// throughput is that many working days, and dates fall on working days.
    #[arg(long, value_parser = parse_workweek)]
    workweek: Option<Workweek>,
    /// Sample the most recent W weeks of the history (0 = all).
    #[arg(long, default_value_t = slipcast::history::throughput::DEFAULT_WINDOW)]
    window: usize,
    /// Bootstrap iterations.
    #[arg(short = 'n', long, default_value_t = DEFAULT_ITERATIONS)]
    iterations: u64,
    /// Seed.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Rolling-origin backtest: how often the actual items in the next --weeks (default
    /// 4) weeks fell within the forecast's P10–P90.
    #[arg(long)]
    backtest: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Args)]
struct PlanArgs {
    /// Plan folder (tasks.csv and optional plan.toml, calendar.csv, risks.csv,
    /// correlations.csv, scenarios.csv) or a tasks CSV file.
    plan: PathBuf,
    /// Project start date (YYYY-MM-DD); overrides plan.toml.
    #[arg(long, value_parser = parse_date)]
    start: Option<chrono::NaiveDate>,
    /// Working days, e.g. Mon,Tue,Wed,Thu,Fri; overrides plan.toml.
    #[arg(long, value_parser = parse_workweek)]
    workweek: Option<Workweek>,
    /// Replace an inconsistent correlation matrix by the nearest valid one (and report
    /// the largest change) instead of refusing the plan.
    #[arg(long)]
    repair_correlations: bool,
}

#[derive(Args)]
struct SimArgs {
    /// Iterations: a number, or `auto` with --precision (default: plan.toml, else 10000).
    #[arg(short = 'n', long)]
    iterations: Option<String>,
    /// With `-n auto`: run until every reported percentile's 95 % confidence interval
    /// is at most this many working days either side.
    #[arg(long)]
    precision: Option<f64>,
    /// Upper bound for `-n auto`.
    #[arg(long, default_value_t = 1_000_000)]
    max_iterations: u64,
    /// Seed of the random streams (default: plan.toml, else 1).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: one per core). Output does not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the results into this folder (files are replaced atomically).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Run even when the memory estimate exceeds what the machine has available.
    #[arg(long)]
    force_memory: bool,
    /// Gate for scripts, repeatable: 'M:p80<=2027-06-30', 'M:p50<=120', 'M:p_target>=0.8'
    /// (in compare, 'SCENARIO@M:…' gates a scenario). Exit 1 when any gate fails.
    #[arg(long = "gate")]
    gates: Vec<String>,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    plan: PlanArgs,
    #[command(flatten)]
    sim: SimArgs,
    /// Percentiles to report, in percent.
    #[arg(long, default_value = "10,50,80,90")]
    percentiles: String,
    /// Add pNN_low and pNN_high columns: a distribution-free 95 % confidence interval
    /// for each percentile.
    #[arg(long)]
    ci: bool,
    /// What drives the date: criticality, sensitivity, SSI, float, critical paths, risk
    /// and uncertainty drivers in days, merge bias (also computed with --out).
    #[arg(long)]
    drivers: bool,
    /// Apply a correction fitted by `slipcast calibrate --save FILE`.
    #[arg(long, value_name = "FILE")]
    calibration: Option<PathBuf>,
    /// Milestones to show on stdout: ids separated by commas, `final` (the latest) or
    /// `all`. Default: all, except that a table of more than 15 shows those with a target
    /// and the final one. Files written with --out always hold every milestone.
    #[arg(long, value_name = "ID,ID|final|all")]
    milestones: Option<String>,
}

#[derive(Args)]
struct CompareArgs {
    #[command(flatten)]
    plan: PlanArgs,
    #[command(flatten)]
    sim: SimArgs,
    /// Scenarios file (default: PLAN/scenarios.csv).
    #[arg(long, conflicts_with = "against")]
    scenarios: Option<PathBuf>,
    /// Compare two versions of a plan instead: what moved since PLAN, and which changes
    /// moved it.
    #[arg(long, value_name = "NEW_PLAN")]
    against: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
    Markdown,
}

/// Finish dates for working-day times, for chart axes (None without a calendar).
fn date_fn(net: &Network, horizon: f64) -> impl Fn(f64) -> Option<String> + '_ {
    let days = net
        .calendar
        .as_ref()
        .map(|c| c.working_days(horizon.max(0.0).ceil() as u64 + 30))
        .unwrap_or_default();
    move |t: f64| {
        net.calendar.as_ref()?;
        let d = slipcast::model::calendar::finish_day(t) as usize;
        days.get(d.saturating_sub(1))
            .map(|x| x.format("%Y-%m-%d").to_string())
    }
}

fn horizon(f: &slipcast::Forecast) -> f64 {
    f.histograms
        .iter()
        .flat_map(|h| h.bins.last().map(|b| b.to))
        .fold(0.0, f64::max)
        + f.milestones
            .iter()
            .filter_map(|m| m.target.as_ref().map(|t| t.days))
            .fold(0.0, f64::max)
}

fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("\"{s}\" is not a date; write YYYY-MM-DD"))
}

fn parse_workweek(s: &str) -> Result<Workweek, String> {
    Workweek::parse(s.split(','))
}

struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.0.reset();
        self.0.set_length(total);
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

fn bar() -> Bar {
    Bar(if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(0)
    } else {
        indicatif::ProgressBar::hidden()
    })
}

fn main() -> ExitCode {
    // Ctrl-C or SIGTERM: remove any file being written, so no partial file is left.
    let _ = ctrlc::set_handler(|| {
        report::remove_temporary_files();
        std::process::exit(130);
    });
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => run(a),
        Command::Compare(a) => compare(a),
        Command::Validate(a) => validate(a),
        Command::Calibrate(a) => calibrate(a),
        Command::Throughput(a) => throughput(a),
        Command::Import(a) => import(a),
    };
    match result {
        Ok(code) => code,
        Err(Error::Write { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn load(a: &PlanArgs) -> slipcast::Result<(Network, Settings)> {
    let mut plan = slipcast::load(&a.plan)?;
    if let Some(s) = a.start {
        plan.settings.start = Some(s);
    }
    if let Some(w) = a.workweek {
        plan.settings.workweek = w;
    }
    let opts = CompileOptions {
        repair_correlations: a.repair_correlations,
    };
    let net = slipcast::model::compile_with(&plan, &opts)?;
    for note in &net.notes {
        eprintln!("note: {note}");
    }
    Ok((net, plan.settings))
}

fn stdout_write(s: &str) -> slipcast::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|source| Error::Write {
            path: PathBuf::from("<stdout>"),
            source,
        })
}

/// The validated simulation settings shared by run and compare.
struct SimSetup {
    force_memory: bool,
    iterations: Iterations,
    seed: u64,
    threads: Option<usize>,
    gates: Vec<Gate>,
}

/// Refuses a run whose memory estimate exceeds what is available, before simulating.
fn check_memory(net: &Network, setup: &SimSetup, drivers: bool) -> slipcast::Result<()> {
    let n = match setup.iterations {
        Iterations::Fixed(n) => n,
        Iterations::Auto { max, .. } => max,
    };
    let threads = setup.threads.unwrap_or_else(rayon::current_num_threads);
    let need = slipcast::sim::memory_estimate(net, n, threads, drivers);
    // Beyond what any machine can address, --force-memory cannot help.
    if need > 1 << 47 {
        return Err(Error::Usage(format!(
            "{n} iterations need about {:.0} TiB for {} milestones; use at most a few million iterations",
            need as f64 / (1u64 << 40) as f64,
            net.milestones.len()
        )));
    }
    if let Some(avail) = slipcast::sim::available_memory()
        && need > avail / 10 * 9
        && !setup.force_memory
    {
        return Err(Error::Usage(format!(
            "this run needs about {:.1} GiB but {:.1} GiB is available ({} tasks, {} milestones, {n} iterations); use fewer iterations or milestones, or --force-memory to try anyway",
            need as f64 / (1u64 << 30) as f64,
            avail as f64 / (1u64 << 30) as f64,
            net.len(),
            net.milestones.len()
        )));
    }
    Ok(())
}

fn sim_setup(a: &SimArgs, settings: &Settings) -> slipcast::Result<SimSetup> {
    let iterations = match a.iterations.as_deref() {
        Some("auto") => {
            let precision = a.precision.ok_or_else(|| {
                Error::Usage("-n auto needs --precision DAYS (the widest acceptable half-width of a percentile's 95 % interval)".into())
            })?;
            if a.max_iterations == 0 {
                return Err(Error::Usage("--max-iterations must be at least 1".into()));
            }
            Iterations::Auto {
                precision,
                start: DEFAULT_ITERATIONS.min(a.max_iterations),
                max: a.max_iterations,
            }
        }
        Some(n) => match n.parse::<u64>() {
            Ok(0) | Err(_) => {
                return Err(Error::Usage(format!(
                    "-n/--iterations: \"{n}\" is not a positive whole number or auto"
                )));
            }
            Ok(n) if n > a.max_iterations => {
                return Err(Error::Usage(format!(
                    "-n {n} is above --max-iterations {} (raise --max-iterations to allow it)",
                    a.max_iterations
                )));
            }
            Ok(n) => Iterations::Fixed(n),
        },
        None => Iterations::Fixed(settings.iterations.unwrap_or(DEFAULT_ITERATIONS)),
    };
    if a.precision.is_some() && !matches!(iterations, Iterations::Auto { .. }) {
        return Err(Error::Usage("--precision goes with -n auto".into()));
    }
    let threads = match a.threads {
        Some(0) => return Err(Error::Usage("--threads must be at least 1".into())),
        // More threads than cores only add start-up cost: the output is the same on any
        // thread count.
        Some(t) => {
            let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
            if t > cores {
                eprintln!(
                    "note: --threads {t} is more than this machine's {cores} cores; using {cores}"
                );
            }
            Some(t.min(cores))
        }
        None => None,
    };
    if let Some(dir) = &a.out {
        report::prepare_out_dir(dir)?;
    }
    let gates = a
        .gates
        .iter()
        .map(|g| Gate::parse(g))
        .collect::<slipcast::Result<Vec<_>>>()?;
    Ok(SimSetup {
        force_memory: a.force_memory,
        iterations,
        seed: a.seed.or(settings.seed).unwrap_or(DEFAULT_SEED),
        threads,
        gates,
    })
}

/// Checks gates against forecasts by scenario name (`baseline` for a run); prints each
/// result on stderr; returns whether all passed. Unknown milestones or scenarios are
/// usage errors.
fn check_gates(
    gates: &[Gate],
    net: &Network,
    forecasts: &[(String, &Forecast)],
) -> slipcast::Result<bool> {
    let date_of = |t: f64| {
        let cal = net.calendar.as_ref()?;
        let day = slipcast::model::calendar::finish_day(t);
        cal.working_day(day)
    };
    let mut ok = true;
    for g in gates {
        let name = g.scenario.as_deref().unwrap_or("baseline");
        let f = forecasts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "--gate '{}': there is no scenario named \"{name}\"",
                    g.text
                ))
            })?;
        let m: &MilestoneForecast = f
            .milestones
            .iter()
            .find(|m| m.id == g.milestone)
            .ok_or_else(|| {
                let ids: Vec<&str> = f.milestones.iter().map(|m| m.id.as_str()).collect();
                Error::Usage(format!(
                    "--gate '{}': \"{}\" is not a reported milestone (reported: {})",
                    g.text,
                    g.milestone,
                    ids.join(", ")
                ))
            })?;
        let outcome = g.check(m, &date_of)?;
        if outcome.pass {
            eprintln!("gate passed: {} (actual {})", g.text, outcome.actual);
        } else {
            eprintln!("gate FAILED: {} (actual {})", g.text, outcome.actual);
            ok = false;
        }
    }
    Ok(ok)
}

/// Writes an output set into `dir` as one (see [`report::out`]) and says where it went.
fn commit_out(set: report::out::OutSet, dir: &Path) -> slipcast::Result<()> {
    let (paths, _, note) = set.commit(dir)?;
    if let Some(n) = note {
        eprintln!("note: {n}");
    }
    eprintln!("{}", report::written_note(&paths));
    Ok(())
}

/// Table rows beyond which a table shows only milestones with a target and the final.
const TABLE_MILESTONES: usize = 15;

/// The forecast as stdout shows it under `--milestones` (`spec`): the chosen milestones
/// (in their order), and a note when some are left out.
fn milestone_view(
    f: &slipcast::Forecast,
    spec: Option<&str>,
    table: bool,
) -> slipcast::Result<(slipcast::Forecast, Option<String>)> {
    let n = f.milestones.len();
    let last = f.milestones.last().map(|m| m.id.clone());
    let keep: Vec<bool> = match spec.map(str::trim) {
        Some("all") => vec![true; n],
        Some("final") => f
            .milestones
            .iter()
            .map(|m| Some(&m.id) == last.as_ref())
            .collect(),
        Some(list) => {
            let wanted: Vec<&str> = list
                .split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .collect();
            let ids: std::collections::HashSet<&str> =
                f.milestones.iter().map(|m| m.id.as_str()).collect();
            let unknown: Vec<&str> = wanted
                .iter()
                .copied()
                .filter(|w| !ids.contains(w))
                .collect();
            if !unknown.is_empty() || wanted.is_empty() {
                let some: Vec<&str> = f
                    .milestones
                    .iter()
                    .rev()
                    .take(5)
                    .map(|m| m.id.as_str())
                    .collect();
                return Err(Error::Usage(format!(
                    "--milestones: {} is not a reported milestone (write ids separated by commas, final or all; the latest are {})",
                    if unknown.is_empty() {
                        "an empty list".to_string()
                    } else {
                        unknown.join(", ")
                    },
                    some.join(", ")
                )));
            }
            let wanted: std::collections::HashSet<&str> = wanted.into_iter().collect();
            f.milestones
                .iter()
                .map(|m| wanted.contains(m.id.as_str()))
                .collect()
        }
        None if table && n > TABLE_MILESTONES => f
            .milestones
            .iter()
            .map(|m| m.target.is_some() || Some(&m.id) == last.as_ref())
            .collect(),
        None => vec![true; n],
    };
    let shown = keep.iter().filter(|&&k| k).count();
    let note = (spec.is_none() && shown < n).then(|| {
        format!(
            "showing {shown} of {n} milestones (those with a target and the final one); --milestones all shows every one, --milestones ID,ID chooses, and CSV, JSON and --out hold all"
        )
    });
    let mut view = f.clone();
    let mut k = keep.iter();
    view.milestones.retain(|_| *k.next().unwrap_or(&false));
    let kept: std::collections::HashSet<&str> =
        view.milestones.iter().map(|m| m.id.as_str()).collect();
    view.histograms
        .retain(|h| kept.contains(h.milestone.as_str()));
    Ok((view, note))
}

/// Refuses an `--out` folder that holds a plan being read: slipcast's outputs
/// (`tasks.csv`, `risks.csv`, `correlations.csv`) would replace its input files.
fn guard_out_dir(out: Option<&Path>, plans: &[&Path]) -> slipcast::Result<()> {
    let Some(out) = out else { return Ok(()) };
    let Ok(out_c) = out.canonicalize() else {
        return Ok(()); // not there yet: it holds no plan
    };
    for plan in plans {
        let folder = if plan.is_dir() {
            Some(plan.to_path_buf())
        } else {
            plan.parent().map(|p| {
                if p.as_os_str().is_empty() {
                    Path::new(".").to_path_buf()
                } else {
                    p.to_path_buf()
                }
            })
        };
        if folder.and_then(|f| f.canonicalize().ok()).as_deref() == Some(out_c.as_path()) {
            return Err(Error::Usage(format!(
                "--out {} is the folder of the plan {}: the forecast's tasks.csv, risks.csv and correlations.csv would replace the plan's own files; write to another folder, e.g. --out {}",
                out.display(),
                plan.display(),
                out.join("forecast").display()
            )));
        }
    }
    Ok(())
}

fn run(a: RunArgs) -> slipcast::Result<ExitCode> {
    let started = std::time::Instant::now();
    guard_out_dir(a.sim.out.as_deref(), &[&a.plan.plan])?;
    let mut percentiles = slipcast::parse_percentiles(&a.percentiles)?;
    let (mut net, settings) = load(&a.plan)?;
    let calibrated = match &a.calibration {
        Some(p) => Some(slipcast::history::calibrate::apply(
            &mut net,
            &slipcast::history::calibrate::load_file(p)?,
            &p.display().to_string(),
        )),
        None => None,
    };
    let setup = sim_setup(&a.sim, &settings)?;
    for p in setup.gates.iter().filter_map(Gate::percentile) {
        if !percentiles.contains(&p) {
            percentiles.push(p);
        }
    }
    percentiles.sort_by(f64::total_cmp);
    check_memory(&net, &setup, a.drivers || a.sim.out.is_some())?;
    let want_drivers = a.drivers || a.sim.out.is_some();
    let tracked = |iterations: u64| {
        // Same keyed random numbers: the tracked run reproduces a plain run's samples.
        let cfg = SimConfig {
            iterations,
            seed: setup.seed,
            threads: setup.threads,
        };
        let sub = slipcast::analysis::drivers::subsample_size(net.len(), iterations);
        slipcast::sim::simulate_tracked(&net, &cfg, sub, &bar())
    };
    let (samples, precise) = match setup.iterations {
        // A fixed count with drivers needs only the tracked run.
        Iterations::Fixed(n) if want_drivers => (tracked(n)?, true),
        iterations => {
            // CSV and Markdown show milestones only: no per-task figures to compute.
            let milestones_only =
                !want_drivers && matches!(a.sim.format, Format::Csv | Format::Markdown);
            let (samples, precise) = slipcast::simulate_iterations_with(
                &net,
                iterations,
                setup.seed,
                setup.threads,
                &percentiles,
                &bar(),
                milestones_only,
            )?;
            if want_drivers {
                (tracked(samples.iterations)?, precise)
            } else {
                (samples, precise)
            }
        }
    };
    let cfg = SimConfig {
        iterations: samples.iterations,
        seed: setup.seed,
        threads: setup.threads,
    };
    let mut f = slipcast::forecast(&net, &samples, &percentiles);
    if let Some((c, warnings)) = calibrated {
        f.warnings.push(c.clone());
        f.warnings.extend(warnings);
        f.calibration = Some(c);
    }
    if want_drivers {
        let d = slipcast::analysis::drivers::analyse(&net, &samples, &f, &cfg, 10)?;
        f.warnings.extend(d.warnings.iter().cloned());
        f.drivers = Some(d);
    }
    if let Iterations::Auto { precision, .. } = setup.iterations {
        let widest = slipcast::widest_half_width(&samples, &percentiles);
        f.warnings.push(if precise {
            format!(
                "-n auto: {} iterations give every percentile a 95 % interval within ±{widest:.2} working days (asked ±{precision})",
                samples.iterations
            )
        } else {
            format!(
                "-n auto: precision ±{precision} not reached within --max-iterations {}; widest 95 % interval ±{widest:.2} working days",
                samples.iterations
            )
        });
    }
    let table = matches!(a.sim.format, Format::Table | Format::Markdown);
    let (view, shown_note) = milestone_view(&f, a.milestones.as_deref(), table)?;
    let body = match a.sim.format {
        Format::Table if a.drivers => report::table(&view) + &report::drivers_table(&view),
        Format::Table => report::table(&view),
        Format::Csv => report::milestones_csv_with(&view, a.ci),
        Format::Json => report::json(&view),
        Format::Markdown => report::html::milestones_markdown(&view),
    };
    if let Some(n) = shown_note {
        eprintln!("note: {n}");
    }
    for w in f.warnings.iter().filter(|w| !net.notes.contains(w)) {
        eprintln!("warning: {w}");
    }
    let pass = check_gates(&setup.gates, &net, &[("baseline".to_string(), &f)])?;
    if let Some(dir) = &a.sim.out {
        let mut set = report::out::OutSet::new();
        report::add_forecast_files(&mut set, &f);
        let dates = date_fn(&net, horizon(&f));
        let info = report::html::RunInfo {
            seconds: started.elapsed().as_secs_f64(),
            plan_path: a.plan.plan.display().to_string(),
        };
        let html = report::html::report_html(&f, &info, &dates)?;
        report::html::add_report(&mut set, &html, &report::html::charts(&f, &dates));
        commit_out(set, dir)?;
    }
    stdout_write(&body)?;
    Ok(if pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn versions(a: &CompareArgs, new_path: &Path) -> slipcast::Result<ExitCode> {
    let old = slipcast::load(&a.plan.plan)?;
    let new = slipcast::load(new_path)?;
    if !a.sim.gates.is_empty() {
        return Err(Error::Usage(
            "--gate applies to run and scenario comparisons, not to --against".into(),
        ));
    }
    let setup = sim_setup(&a.sim, &old.settings)?;
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
        commit_out(set, dir)?;
    }
    stdout_write(&body)?;
    Ok(ExitCode::SUCCESS)
}

fn compare(a: CompareArgs) -> slipcast::Result<ExitCode> {
    let started = std::time::Instant::now();
    let mut plans = vec![a.plan.plan.as_path()];
    plans.extend(a.against.as_deref());
    guard_out_dir(a.sim.out.as_deref(), &plans)?;
    if let Some(new) = &a.against {
        return versions(&a, new);
    }
    let (net, settings) = load(&a.plan)?;
    let setup = sim_setup(&a.sim, &settings)?;
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
    let nets = scenario_networks(&net, &path)?;
    let iterations = match setup.iterations {
        Iterations::Fixed(n) => n,
        Iterations::Auto { .. } => {
            // Size the run on the baseline, then compare every scenario at that size.
            let pct = slipcast::analysis::compare::COMPARE_PERCENTILES;
            let (s, _) = slipcast::simulate_iterations(
                &net,
                setup.iterations,
                setup.seed,
                setup.threads,
                &pct,
                &bar(),
            )?;
            s.iterations
        }
    };
    let cfg = SimConfig {
        iterations,
        seed: setup.seed,
        threads: setup.threads,
    };
    check_memory(&net, &setup, false)?;
    let c = slipcast::analysis::compare::compare(&net, &nets, &cfg, &bar())?;
    for w in &c.warnings {
        eprintln!("warning: {w}");
    }
    let forecasts: Vec<(String, &Forecast)> =
        c.forecasts.iter().map(|(n, f)| (n.clone(), f)).collect();
    let pass = check_gates(&setup.gates, &net, &forecasts)?;
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
        let dates = date_fn(&net, horizon(base) * 1.5);
        let info = report::html::RunInfo {
            seconds: started.elapsed().as_secs_f64(),
            plan_path: a.plan.plan.display().to_string(),
        };
        let html = report::html::compare_html(&c, &info, &dates)?;
        let mut charts = report::html::charts(base, &dates);
        charts.extend(report::html::scenario_charts(&c));
        report::html::add_report(&mut set, &html, &charts);
        commit_out(set, dir)?;
    }
    stdout_write(&body)?;
    Ok(if pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Every scenario of the scenarios file at `path` applied to `net`, each problem of
/// every scenario reported together.
fn scenario_networks(net: &Network, path: &Path) -> slipcast::Result<Vec<(String, Network)>> {
    let sc: Scenarios = slipcast::plan::scenarios::load(path)?;
    let mut nets = Vec::new();
    let mut problems = Vec::new();
    for name in sc.names() {
        match slipcast::model::scenario::apply(net, name, &sc.rows, &sc.file) {
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

fn validate(a: PlanArgs) -> slipcast::Result<ExitCode> {
    let (net, _) = load(&a)?;
    // The folder's scenarios.csv is part of the plan: check it as compare would.
    let scenarios = a.plan.join("scenarios.csv");
    let scenario_count = if a.plan.is_dir() && scenarios.is_file() {
        Some(scenario_networks(&net, &scenarios)?.len())
    } else {
        None
    };
    let latest = net.det_finish.iter().copied().fold(0.0f64, f64::max);
    let mut s = format!(
        "ok: {} tasks, {} links, {} reported milestone{}{}\nlongest deterministic path: {} working days",
        net.len(),
        net.links.len(),
        net.milestones.len(),
        if net.milestones.len() == 1 { "" } else { "s" },
        match (net.risks.len(), net.groups.len()) {
            (0, 0) => String::new(),
            (r, g) => format!(
                ", {r} risk{}, {g} correlation group{}",
                if r == 1 { "" } else { "s" },
                if g == 1 { "" } else { "s" }
            ),
        },
        slipcast::stats::round4(latest)
    );
    if let Some(cal) = &net.calendar {
        let day = slipcast::model::calendar::finish_day(latest);
        match cal.working_day(day) {
            Some(d) if chrono::Datelike::year(&d) <= 9999 => {
                s.push_str(&format!(" (finishing {d})"))
            }
            _ => s.push_str(" (finishing after 9999-12-31)"),
        }
    }
    s.push('\n');
    if let Some(k) = scenario_count {
        s.push_str(&format!(
            "scenarios.csv: {k} scenario{}, each applies\n",
            if k == 1 { "" } else { "s" }
        ));
    }
    stdout_write(&s)?;
    Ok(ExitCode::SUCCESS)
}

fn calibrate(a: CalibrateArgs) -> slipcast::Result<ExitCode> {
    use slipcast::history::calibrate as cal;
    let rows = cal::load(&a.history)?;
    if rows.len() < cal::WARN_FIT_ROWS {
        eprintln!(
            "warning: only {} past tasks: coverage and any fitted correction are rough (30 or more recommended)",
            rows.len()
        );
    }
    let fit_needed = a.save.is_some() || a.backtest;
    let overall = cal::metrics(&rows);
    let correction = if fit_needed || rows.len() >= cal::MIN_FIT_ROWS {
        Some(cal::fit(&rows))
    } else {
        None
    };
    let correction = match correction {
        Some(Ok(c)) => Some(c),
        Some(Err(e)) if fit_needed => return Err(e),
        _ => None,
    };
    let mut groups: std::collections::BTreeMap<String, Vec<cal::HistoryRow>> = Default::default();
    if a.by.is_some() {
        for r in &rows {
            groups
                .entry(r.group.clone().unwrap_or_else(|| "(none)".into()))
                .or_default()
                .push(r.clone());
        }
    }
    let backtest = if a.backtest {
        Some(cal::backtest(&rows, 5)?)
    } else {
        None
    };
    let mut per_group = Vec::new();
    for (g, rs) in &groups {
        per_group.push((g.clone(), cal::metrics(rs), cal::fit(rs).ok()));
    }
    if let (Some(path), Some(c)) = (&a.save, &correction) {
        let file = cal::CalibrationFile {
            method: cal::METHOD.into(),
            slipcast_version: env!("CARGO_PKG_VERSION").into(),
            source: a.history.display().to_string(),
            overall: *c,
            groups: per_group
                .iter()
                .filter_map(|(g, _, c)| c.map(|c| (g.clone(), c)))
                .collect(),
        };
        report::write_atomic(path, report::to_json(&file).as_bytes())?;
        eprintln!("wrote {}", path.display());
    }
    let body = match a.format {
        Format::Json | Format::Markdown => report::to_json(&serde_json::json!({
            "history": a.history.display().to_string(),
            "overall": overall,
            "correction": correction,
            "backtest": backtest,
            "groups": per_group.iter().map(|(g, m, c)| serde_json::json!({"group": g, "metrics": m, "correction": c})).collect::<Vec<_>>(),
        })),
        Format::Csv => report::calibration_csv(
            &overall,
            correction.as_ref(),
            backtest.as_ref(),
            &per_group,
            a.by.is_some(),
        ),
        Format::Table => {
            report::calibration_table(&overall, correction.as_ref(), backtest.as_ref(), &per_group)
        }
    };
    stdout_write(&body)?;
    Ok(ExitCode::SUCCESS)
}

fn throughput(a: ThroughputArgs) -> slipcast::Result<ExitCode> {
    use slipcast::history::throughput as tp;
    if a.iterations == 0 || a.iterations > tp::MAX_ITERATIONS {
        return Err(Error::Usage(format!(
            "-n {} is out of range: a throughput forecast takes 1 to {} iterations",
            a.iterations,
            tp::MAX_ITERATIONS
        )));
    }
    if a.weeks.is_some_and(|w| w == 0 || w > tp::MAX_WEEKS) {
        return Err(Error::Usage(format!(
            "--weeks must be 1 to {} (about 192 years)",
            tp::MAX_WEEKS
        )));
    }
    let h = tp::load(&a.history)?;
    for n in &h.notes {
        eprintln!("note: {n}");
    }
    let mut out = Vec::new();
    let calendar = a
        .start
        .map(|s| slipcast::model::calendar::Calendar::new(s, a.workweek.unwrap_or_default(), &[]));
    if let Some(items) = a.items {
        if !(items > 0.0 && items.is_finite()) {
            return Err(Error::Usage("--items must be a positive number".into()));
        }
        out.push(tp::forecast_items(
            &h,
            items,
            a.window,
            calendar.as_ref(),
            a.iterations,
            a.seed,
        )?);
    }
    let weeks = match (a.weeks, a.until, &calendar) {
        (Some(w), _, _) => Some(w),
        (None, Some(u), Some(c)) if u >= c.first_day() => {
            let w = (c.working_days_through(u) / c.days_per_week()) as usize;
            if w > tp::MAX_WEEKS {
                return Err(Error::Usage(format!(
                    "--until {u} is {w} weeks after --start; slipcast forecasts at most {} weeks (about 192 years)",
                    tp::MAX_WEEKS
                )));
            }
            Some(w)
        }
        (None, Some(_), Some(_)) => return Err(Error::Usage("--until is before --start".into())),
        _ => None,
    };
    if let Some(w) = weeks.filter(|_| a.items.is_none()) {
        out.push(tp::forecast_weeks(&h, w, a.window, a.iterations, a.seed));
    }
    let bt = if a.backtest {
        Some(tp::backtest(
            &h,
            weeks.unwrap_or(4).max(1),
            a.window,
            2000,
            a.seed,
        )?)
    } else {
        None
    };
    if out.is_empty() && bt.is_none() {
        return Err(Error::Usage("say what to forecast: --items N, --weeks W, --until DATE (with --start), or --backtest".into()));
    }
    let body = match a.format {
        Format::Json | Format::Markdown => {
            report::to_json(&serde_json::json!({ "forecasts": out, "backtest": bt }))
        }
        Format::Csv => report::throughput_csv(&out, bt.as_ref()),
        Format::Table => report::throughput_table(&h, &out, bt.as_ref()),
    };
    stdout_write(&body)?;
    Ok(ExitCode::SUCCESS)
}

fn import(a: ImportArgs) -> slipcast::Result<ExitCode> {
    use slipcast::import;
    let t: Vec<f64> = a
        .template
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            Error::Usage(format!(
                "--template \"{}\": write three percentages, e.g. 90,100,130",
                a.template
            ))
        })?;
    let [lo, mid, hi] = t[..] else {
        return Err(Error::Usage(
            "--template takes three percentages: min,likely,max (e.g. 90,100,130)".into(),
        ));
    };
    if !(0.0 <= lo && lo <= mid && mid <= hi && hi.is_finite()) {
        return Err(Error::Usage(
            "--template must satisfy 0 ≤ min ≤ likely ≤ max".into(),
        ));
    }
    let started = std::time::Instant::now();
    let s = import::read(&a.file)?;
    let opts = import::ImportOptions {
        template: (lo, mid, hi),
        distribution: a.distribution.clone(),
    };
    let (written, rows) = import::write_plan_set(&s, &a.out, &opts)?;
    for n in &s.notes {
        eprintln!("note: {n}");
    }
    let matched = rows.iter().filter(|r| r.matches).count();
    let mut out = format!(
        "imported {} ({}): {} tasks, {} links, {} working hours a day{} → {}\n",
        a.file.display(),
        s.format,
        s.tasks.len(),
        s.tasks.iter().map(|t| t.preds.len()).sum::<usize>(),
        s.hours_per_day,
        s.status_date
            .map(|d| format!(", status date {d}"))
            .unwrap_or_default(),
        a.out.display()
    );
    out += &format!(
        "uncertainty template {lo}/{mid}/{hi} % ({}) applied to {} tasks; {} had no duration or were finished\n",
        a.distribution,
        written.templated.len(),
        s.tasks.len() - written.templated.len()
    );
    out += &format!(
        "fidelity: {matched} of {} tasks have the same early start and finish dates as the source schedule (details in {})\n",
        rows.len(),
        a.out.join("import-report.csv").display()
    );
    let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
    for r in rows.iter().filter(|r| !r.matches) {
        *reasons.entry(r.reason.as_str()).or_default() += 1;
    }
    for (why, n) in &reasons {
        out += &format!("  {n} differ: {why}\n");
    }
    out += &format!("took {:.2} s\n", started.elapsed().as_secs_f64());
    stdout_write(&out)?;
    Ok(ExitCode::SUCCESS)
}
