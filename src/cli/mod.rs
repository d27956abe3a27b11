//! The command line's shared parts: plan and simulation arguments, the output format,
//! the progress bar, and writing to stdout and into an output folder. Each subcommand is
//! a file of its own: arguments → one library call → a writer.

pub mod calibrate;
pub mod check;
pub mod compare;
pub mod cycletime;
pub mod import;
pub mod init;
pub mod run;
pub mod throughput;
pub mod trend;
pub mod validate;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use slipcast::analysis::gate::{self, Gate};
use slipcast::model::{CompileOptions, Network};
use slipcast::plan::{Settings, Workweek};
use slipcast::sim::{DEFAULT_ITERATIONS, DEFAULT_SEED};
use slipcast::{Error, Forecast, Iterations, Progress, report};

/// The flag that sets a library argument, for error messages.
pub fn flag(arg: slipcast::Arg) -> &'static str {
    use slipcast::Arg;
    match arg {
        Arg::Gate => "--gate",
        Arg::Percentiles => "--percentiles",
        Arg::Precision => "--precision",
        Arg::Iterations => "-n",
        Arg::Milestones => "--milestones",
        Arg::Milestone => "--milestone",
        Arg::Out => "--out",
        Arg::Items => "--items",
        Arg::Weeks => "--weeks",
        Arg::Until => "--until",
        Arg::Horizon => "--horizon",
        Arg::GrowthShare => "--growth-share",
        Arg::Split => "--split",
        Arg::Wip => "--wip",
        Arg::Jcl => "--jcl",
        Arg::MarginLevel => "--margin-level",
        _ => "an argument",
    }
}

/// Which items of a Jira or Azure DevOps export count (throughput, cycletime).
#[derive(clap::Args)]
pub struct ItemFilterArgs {
    /// Of an export, count only these item types, e.g. Story,Bug.
    #[arg(long = "type", value_delimiter = ',')]
    pub types: Vec<String>,
    /// Of an export, leave out items in these statuses, e.g. "Cancelled,Won't Do":
    /// cancelled items are not throughput.
    #[arg(long, value_delimiter = ',')]
    pub exclude_status: Vec<String>,
    /// Of an export, only items finished on or after this date (throughput counts the
    /// weeks from its Monday).
    #[arg(long, value_parser = parse_date)]
    pub since: Option<chrono::NaiveDate>,
}

impl ItemFilterArgs {
    /// The library's filter.
    pub fn filter(&self) -> slipcast::plan::workitems::Filter {
        slipcast::plan::workitems::Filter {
            types: self.types.clone(),
            exclude_status: self.exclude_status.clone(),
            since: self.since,
        }
    }
}

/// Output format on stdout.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Markdown,
}

#[derive(Args)]
pub struct PlanArgs {
    /// Plan folder (tasks.csv and optional plan.toml, calendar.csv, risks.csv,
    /// correlations.csv, scenarios.csv, resources.csv) or a tasks CSV file.
    pub plan: PathBuf,
    /// Project start date (YYYY-MM-DD); overrides plan.toml.
    #[arg(long, value_parser = parse_date)]
    pub start: Option<chrono::NaiveDate>,
    /// Working days, e.g. Mon,Tue,Wed,Thu,Fri; overrides plan.toml.
    #[arg(long, value_parser = parse_workweek)]
    pub workweek: Option<Workweek>,
    /// Replace an inconsistent correlation matrix by the nearest valid one (and report
    /// the largest change) instead of refusing the plan.
    #[arg(long)]
    pub repair_correlations: bool,
    /// Ignore resources.csv's capacities: the resource-free forecast of the same plan,
    /// for comparison with the levelled one.
    #[arg(long, alias = "no-leveling")]
    pub no_levelling: bool,
}

#[derive(Args)]
pub struct SimArgs {
    /// Iterations: a number, or `auto` with --precision (default: plan.toml, else 10000).
    #[arg(short = 'n', long)]
    pub iterations: Option<String>,
    /// With `-n auto`: run until every reported percentile's 95 % confidence interval
    /// is at most this many working days either side.
    #[arg(long)]
    pub precision: Option<f64>,
    /// Upper bound for `-n auto`.
    #[arg(long, default_value_t = 1_000_000)]
    pub max_iterations: u64,
    /// Seed of the random streams (default: plan.toml, else 1).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: one per core). Output does not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the results into this folder (files are replaced atomically).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Run even when the memory estimate exceeds what the machine has available.
    #[arg(long)]
    pub force_memory: bool,
    /// Gate for scripts, repeatable: 'M:p80<=2027-06-30', 'M:p50<=120', 'M:p_target>=0.8'
    /// (in compare, 'SCENARIO@M:…' gates a scenario). Exit 1 when any gate fails.
    #[arg(long = "gate")]
    pub gates: Vec<String>,
}

pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("\"{s}\" is not a date; write YYYY-MM-DD"))
}

pub fn parse_workweek(s: &str) -> Result<Workweek, String> {
    Workweek::parse(s.split(','))
}

/// The progress bar: drawn only when stderr is a terminal.
pub struct Bar(indicatif::ProgressBar);

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

pub fn bar() -> Bar {
    Bar(if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(0)
    } else {
        indicatif::ProgressBar::hidden()
    })
}

/// Loads and compiles the plan with the flags' overrides; prints the compiler's notes.
pub fn load(a: &PlanArgs) -> slipcast::Result<(Network, Settings)> {
    let (plan, net, settings) = load_plan(a)?;
    drop(plan);
    Ok((net, settings))
}

/// [`load`], keeping the plan as read (the health check reads its rows).
pub fn load_plan(a: &PlanArgs) -> slipcast::Result<(slipcast::Plan, Network, Settings)> {
    let mut plan = slipcast::load(&a.plan)?;
    if let Some(s) = a.start {
        plan.settings.start = Some(s);
    }
    if let Some(w) = a.workweek {
        plan.settings.workweek = w;
    }
    if a.no_levelling {
        plan.settings.levelling = Some(false);
    }
    let opts = CompileOptions {
        repair_correlations: a.repair_correlations,
    };
    let net = slipcast::model::compile_with(&plan, &opts)?;
    for note in net.notes() {
        eprintln!("note: {note}");
    }
    let settings = plan.settings.clone();
    Ok((plan, net, settings))
}

/// Today (UTC) from the system clock: the report's "as of" date for a plan without a
/// status date, and `init`'s default start.
pub fn today_date() -> chrono::NaiveDate {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
        + chrono::Days::new(secs / 86_400)
}

/// A plan's name: plan.toml's `name`, else its folder's name.
pub fn plan_name(plan: &Path, settings: &Settings) -> String {
    settings.name.clone().unwrap_or_else(|| {
        let dir = if plan.is_dir() {
            plan
        } else {
            plan.parent().unwrap_or(plan)
        };
        dir.canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "plan".into())
    })
}

/// [`today_date`] as ISO text.
pub fn today() -> String {
    today_date().to_string()
}

/// A forecast's warning on stderr: `note:` for information about the run, `warning:` for
/// a caveat on its numbers.
pub fn print_warning(w: &slipcast::Warning) {
    let label = if w.kind.is_note() { "note" } else { "warning" };
    eprintln!("{label}: {w}");
}

pub fn stdout_write(s: &str) -> slipcast::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|source| Error::Write {
            path: PathBuf::from("<stdout>"),
            source,
        })
}

/// The validated simulation settings shared by run and compare.
pub struct SimSetup {
    pub force_memory: bool,
    pub iterations: Iterations,
    pub seed: u64,
    pub threads: Option<usize>,
    pub gates: Vec<Gate>,
}

impl SimSetup {
    /// A forecaster of `net` with these settings.
    pub fn forecaster<'a>(&self, net: &'a Network) -> slipcast::Forecaster<'a> {
        slipcast::Forecaster::new(net)
            .iterations(self.iterations)
            .seed(self.seed)
            .threads(self.threads)
    }
}

/// Refuses a run whose memory estimate exceeds what is available, before simulating.
pub fn check_memory(f: &slipcast::Forecaster, setup: &SimSetup) -> slipcast::Result<()> {
    let net = f.network();
    let need = f.memory_estimate();
    let n = setup.iterations.max();
    // Beyond what any machine can address, --force-memory cannot help.
    if need > 1 << 47 {
        return Err(Error::Usage(format!(
            "{n} iterations need about {:.0} TiB for {} milestones; use at most a few million iterations",
            need as f64 / (1u64 << 40) as f64,
            net.milestones().len()
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
            net.milestones().len()
        )));
    }
    Ok(())
}

pub fn sim_setup(a: &SimArgs, settings: &Settings) -> slipcast::Result<SimSetup> {
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

/// Checks the gates, prints each result on stderr, and returns whether all passed.
pub fn check_gates(
    gates: &[Gate],
    net: &Network,
    forecasts: &[(&str, &Forecast)],
) -> slipcast::Result<bool> {
    let outcomes = gate::check_all(gates, forecasts, net.calendar())?;
    for o in &outcomes {
        let verdict = if o.pass { "passed" } else { "FAILED" };
        eprintln!("gate {verdict}: {} (actual {})", o.gate, o.actual);
    }
    Ok(outcomes.iter().all(|o| o.pass))
}

/// Exit status 0, or 1 when a gate failed.
pub fn gate_status(pass: bool) -> ExitCode {
    if pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Writes an output set into `dir` as one (see [`report::out`]) and says where it went.
pub fn commit_out(set: report::out::OutSet, dir: &Path) -> slipcast::Result<()> {
    let (paths, _, note) = set.commit(dir)?;
    if let Some(n) = note {
        eprintln!("note: {n}");
    }
    eprintln!("{}", report::written_note(&paths));
    Ok(())
}
