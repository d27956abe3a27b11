//! The `slipcast` command line: parse arguments, call the library, map errors to exit codes.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use slipcast::plan::Workweek;
use slipcast::sim::{DEFAULT_ITERATIONS, DEFAULT_SEED};
use slipcast::{Error, Progress, SimConfig, report};

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
    /// Check a plan without simulating it.
    Validate(PlanArgs),
}

#[derive(Args)]
struct PlanArgs {
    /// Plan folder (with tasks.csv, optional plan.toml and calendar.csv) or a tasks CSV file.
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
struct RunArgs {
    #[command(flatten)]
    plan: PlanArgs,
    /// Iterations (default: plan.toml, else 10000).
    #[arg(short = 'n', long)]
    iterations: Option<u64>,
    /// Seed of the random streams (default: plan.toml, else 1).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: one per core). Output does not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Also write milestones.csv, tasks.csv, histogram.csv and summary.json to this folder.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Percentiles to report, in percent.
    #[arg(long, default_value = "10,50,80,90")]
    percentiles: String,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Csv,
    Json,
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
        self.0.set_length(total);
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => run(a),
        Command::Validate(a) => validate(a),
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

fn load(a: &PlanArgs) -> slipcast::Result<(slipcast::Network, slipcast::plan::Settings)> {
    let mut plan = slipcast::load(&a.plan)?;
    if let Some(s) = a.start {
        plan.settings.start = Some(s);
    }
    if let Some(w) = a.workweek {
        plan.settings.workweek = w;
    }
    let opts = slipcast::model::CompileOptions {
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

fn run(a: RunArgs) -> slipcast::Result<ExitCode> {
    let percentiles = slipcast::parse_percentiles(&a.percentiles)?;
    let (net, settings) = load(&a.plan)?;
    let iterations = a
        .iterations
        .or(settings.iterations)
        .unwrap_or(DEFAULT_ITERATIONS);
    let seed = a.seed.or(settings.seed).unwrap_or(DEFAULT_SEED);
    if iterations == 0 {
        return Err(Error::Usage("-n/--iterations must be at least 1".into()));
    }
    if a.threads == Some(0) {
        return Err(Error::Usage("--threads must be at least 1".into()));
    }
    if let Some(dir) = &a.out {
        report::prepare_out_dir(dir)?;
    }
    let cfg = SimConfig {
        iterations,
        seed,
        threads: a.threads,
    };
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(iterations)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let samples = slipcast::simulate(&net, &cfg, &Bar(bar))?;
    let f = slipcast::forecast(&net, &samples, &percentiles);
    let body = match a.format {
        Format::Table => report::table(&f),
        Format::Csv => report::milestones_csv(&f),
        Format::Json => report::json(&f),
    };
    for w in f.warnings.iter().filter(|w| !net.notes.contains(w)) {
        eprintln!("warning: {w}");
    }
    if let Some(dir) = &a.out {
        let paths = report::write_out_dir(dir, &f)?;
        eprintln!("{}", report::written_note(&paths));
    }
    stdout_write(&body)?;
    Ok(ExitCode::SUCCESS)
}

fn validate(a: PlanArgs) -> slipcast::Result<ExitCode> {
    let (net, _) = load(&a)?;
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
        if let Some(d) = cal.working_days(day).last() {
            s.push_str(&format!(" (finishing {d})"));
        }
    }
    s.push('\n');
    stdout_write(&s)?;
    Ok(ExitCode::SUCCESS)
}
