//! `slipcast throughput`: forecast from weekly delivery history.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use slipcast::history::throughput::{self as tp, ThroughputRequest};
use slipcast::plan::Workweek;
use slipcast::report;
use slipcast::sim::{DEFAULT_ITERATIONS, DEFAULT_SEED};

use super::{Format, parse_date, parse_workweek};

#[derive(Args)]
pub struct ThroughputArgs {
    /// History CSV: week,done (or one row per item with its done date).
    pub history: PathBuf,
    /// How many weeks to finish this many items?
    #[arg(long, conflicts_with_all = ["until", "weeks"])]
    pub items: Option<f64>,
    /// How many items by this date (needs --start)?
    #[arg(long, value_parser = parse_date, requires = "start")]
    pub until: Option<chrono::NaiveDate>,
    /// How many items in this many weeks?
    #[arg(long, conflicts_with = "until")]
    pub weeks: Option<usize>,
    /// First day of the forecast (gives dates).
    #[arg(long, value_parser = parse_date)]
    pub start: Option<chrono::NaiveDate>,
    /// Working days of a week, e.g. Sun,Mon,Tue,Wed,Thu (default Mon–Fri): a week of
    /// throughput is that many working days, and dates fall on working days.
    #[arg(long, value_parser = parse_workweek)]
    pub workweek: Option<Workweek>,
    /// Sample the most recent W weeks of the history (0 = all).
    #[arg(long, default_value_t = tp::DEFAULT_WINDOW)]
    pub window: usize,
    /// Bootstrap iterations.
    #[arg(short = 'n', long, default_value_t = DEFAULT_ITERATIONS)]
    pub iterations: u64,
    /// Seed.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Rolling-origin backtest: how often the actual items in the next --weeks (default
    /// 4) weeks fell within the forecast's P10–P90.
    #[arg(long)]
    pub backtest: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(a: ThroughputArgs) -> slipcast::Result<ExitCode> {
    let req = ThroughputRequest {
        items: a.items,
        weeks: a.weeks,
        until: a.until,
        start: a.start,
        workweek: a.workweek.unwrap_or_default(),
        window: a.window,
        iterations: a.iterations,
        seed: a.seed,
        backtest: a.backtest,
    };
    if a.items.is_none() && a.weeks.is_none() && a.until.is_none() && !a.backtest {
        return Err(slipcast::Error::Usage(
            "say what to forecast: --items N, --weeks W, --until DATE (with --start), or --backtest".into(),
        ));
    }
    // Bounds first: a bad -n or --weeks is reported before the history is read.
    tp::check_request(&req)?;
    let h = tp::load(&a.history)?;
    for n in &h.notes {
        eprintln!("note: {n}");
    }
    let r = tp::report(&h, &req)?;
    let body = match a.format {
        Format::Json => report::to_json_sorted(&r),
        Format::Markdown => report::html::throughput_markdown(&r),
        Format::Csv => report::throughput_csv(&r),
        Format::Table => report::throughput_table(&h, &r),
    };
    super::stdout_write(&body)?;
    Ok(ExitCode::SUCCESS)
}
