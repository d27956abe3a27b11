//! `slipcast cycletime`: how long items take from start to finish, the service level
//! expectation, and the work in progress already older than it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use slipcast::history::cycletime::{self, CycleRequest};
use slipcast::plan::workitems;
use slipcast::report::{self, cycletime as view};

use super::{Format, parse_date, parse_workweek};

#[derive(Args)]
pub struct CycletimeArgs {
    /// A Jira or Azure DevOps export, or a CSV with id,start,done (and title, type,
    /// status).
    pub items: PathBuf,
    /// The service level expectation's percentile: "this share of items finish within
    /// N days".
    #[arg(long, default_value_t = 85.0)]
    pub sle: f64,
    #[command(flatten)]
    pub filter: super::ItemFilterArgs,
    /// The day ages of items in progress are taken on (default: the latest date in the
    /// file).
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Working days, e.g. Sun,Mon,Tue,Wed,Thu (default Mon–Fri).
    #[arg(long, value_parser = parse_workweek)]
    pub workweek: Option<slipcast::plan::Workweek>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write cycletime.csv, levels.csv, aging.csv, cycletime.html and cycletime.svg here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(a: CycletimeArgs) -> slipcast::Result<ExitCode> {
    let req = CycleRequest {
        sle: a.sle,
        workweek: a.workweek.unwrap_or_default(),
        as_of: a.as_of,
        since: a.filter.since,
    };
    let items = workitems::load(&a.items)?;
    let kept = items.select(&a.filter.filter())?;
    let c = cycletime::cycletime(&items, &kept, &req)?;
    let body = match a.format {
        Format::Table => view::cycletime_table(&c),
        Format::Csv => view::levels_csv(&c),
        Format::Json => report::to_json(&c),
        Format::Markdown => view::cycletime_markdown(&c),
    };
    super::stdout_write(&body)?;
    if let Some(dir) = &a.out {
        let html = view::cycletime_html(&c)?;
        let mut set = report::out::OutSet::new();
        view::add_cycletime_files(&mut set, &c, &html);
        super::commit_out(set, dir)?;
    }
    Ok(ExitCode::SUCCESS)
}
