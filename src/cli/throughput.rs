//! `slipcast throughput`: forecast from weekly delivery history.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use slipcast::history::throughput::{self as tp, ThroughputRequest};
use slipcast::plan::Workweek;
use slipcast::report;
use slipcast::sim::{DEFAULT_ITERATIONS, DEFAULT_SEED};

use super::{Format, parse_date, parse_workweek};

/// Where a backlog's new items come from.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum GrowthFrom {
    /// The items created per week in the export, drawn with the same week's throughput.
    History,
}

#[derive(Args)]
pub struct ThroughputArgs {
    /// History CSV: week,done; one row per item with its done date; or a Jira or Azure
    /// DevOps export (read by its columns).
    pub history: PathBuf,
    #[command(flatten)]
    pub filter: super::ItemFilterArgs,
    /// Scope growth: new items arrive each simulated week as they were created in the
    /// week drawn for its throughput (needs an export with creation dates).
    #[arg(long, value_enum)]
    pub growth: Option<GrowthFrom>,
    /// The share of new items that land in this backlog (default 1).
    #[arg(long, requires = "growth")]
    pub growth_share: Option<f64>,
    /// Multiply the remaining items by a factor drawn uniformly from LOW-HIGH per trial
    /// (stories split as they are refined), e.g. 1.0-1.5.
    #[arg(long, value_parser = parse_split)]
    pub split: Option<(f64, f64)>,
    /// Features in priority order: a CSV of feature,items (highest priority first).
    #[arg(long, conflicts_with_all = ["by_parent", "items"])]
    pub features: Option<PathBuf>,
    /// Features from the export: its unfinished items grouped by parent, in the
    /// export's order.
    #[arg(long, conflicts_with = "items")]
    pub by_parent: bool,
    /// How many features the team works on at once; each week's throughput is split
    /// equally among them, the remainder to the higher priority.
    #[arg(long, default_value_t = 1)]
    pub wip: usize,
    /// Weeks a "when" forecast looks ahead at most: a backlog not finished by then is
    /// reported as not finished, not as a number.
    #[arg(long, default_value_t = tp::DEFAULT_HORIZON)]
    pub horizon: usize,
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

/// `LOW-HIGH`, e.g. `1.0-1.5`.
fn parse_split(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| format!("expected LOW-HIGH such as 1.0-1.5, found \"{s}\""))?;
    let num = |x: &str| {
        x.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("expected LOW-HIGH such as 1.0-1.5, found \"{s}\""))
    };
    Ok((num(a)?, num(b)?))
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
        growth: a.growth.is_some(),
        growth_share: a.growth_share,
        split: a.split,
        horizon: a.horizon,
        features: Vec::new(),
        wip: a.wip,
        tracks: Vec::new(),
    };
    if a.items.is_none()
        && a.weeks.is_none()
        && a.until.is_none()
        && !a.backtest
        && a.features.is_none()
        && !a.by_parent
    {
        return Err(slipcast::Error::Usage(
            "say what to forecast: --items N, --weeks W, --until DATE (with --start), --features FILE, --by-parent, or --backtest".into(),
        ));
    }
    if a.horizon == 0 || a.wip == 0 {
        return Err(slipcast::Error::Usage(
            "--horizon and --wip are 1 or more".into(),
        ));
    }
    // Bounds first: a bad -n or --weeks is reported before the history is read.
    tp::check_request(&req)?;
    let mut req = req;
    if let Some(f) = &a.features {
        req.features = tp::load_features(f)?;
    }
    let filter = a.filter.filter();
    let (h, tracks) = tp::load_filtered(&a.history, &filter, a.by_parent)?;
    if a.by_parent {
        let by_parent = tp::open_features(&tracks);
        // Everything finished: nothing to forecast, but the past can still be replayed.
        if by_parent.is_empty() && a.backtest {
            eprintln!(
                "note: {}: no unfinished item among those selected; only the backtests run",
                a.history.display()
            );
        } else if by_parent.is_empty() {
            return Err(slipcast::Error::Usage(format!(
                "{}: --by-parent found no unfinished item among those selected",
                a.history.display()
            )));
        }
        req.features = by_parent;
        req.tracks = tracks;
    } else if a.features.is_some() && a.backtest {
        eprintln!(
            "note: --backtest scores the throughput forecast only: a features file has no history of its features; --by-parent on an export backtests the features too"
        );
    }
    tp::check_request(&req)?;
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
