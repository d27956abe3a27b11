//! `slipcast trend`: how the recorded forecasts of each milestone moved, and how honest
//! they were once the milestones finished.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use slipcast::history::trend::{self, Grouping, TrendRequest};
use slipcast::report::{self, trend as view};

use super::{Format, parse_workweek};

/// How scores are grouped.
#[derive(Clone, Copy, ValueEnum)]
pub enum By {
    /// One score per milestone, and one over all.
    Milestone,
    /// One score per plan, and one over all: a portfolio's plans side by side.
    Plan,
}

#[derive(Args)]
pub struct TrendArgs {
    /// The forecast record written by `slipcast run PLAN --record FILE`.
    pub record: PathBuf,
    /// Actual finishes: a CSV with milestone,actual_finish (and plan, when milestones of
    /// several plans share ids).
    #[arg(long)]
    pub actuals: Option<PathBuf>,
    /// The plan's latest version: its tasks' actual_finish are actuals, and its working
    /// week and holidays count working days. --actuals wins where both give a date.
    #[arg(long)]
    pub plan: Option<PathBuf>,
    /// Only these milestones (ids, comma-separated): their trend and their scores.
    #[arg(long, value_delimiter = ',')]
    pub milestones: Vec<String>,
    /// Group the scores by milestone or by plan.
    #[arg(long, value_enum, default_value_t = By::Milestone)]
    pub by: By,
    /// Working days, e.g. Sun,Mon,Tue,Wed,Thu, for errors in working days (default: the
    /// plan's with --plan, else Mon–Fri).
    #[arg(long, value_parser = parse_workweek)]
    pub workweek: Option<slipcast::plan::Workweek>,
    /// Output format on stdout (csv: one row per recording).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write trend.csv, scores.csv, accuracy.csv, slippage.csv, trend.html and a fan
    /// chart per milestone into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(a: TrendArgs) -> slipcast::Result<ExitCode> {
    let plans: Vec<&std::path::Path> = a.plan.iter().map(PathBuf::as_path).collect();
    report::out::refuse_plan_folder(a.out.as_deref(), &plans)?;
    if let Some(dir) = &a.out {
        report::prepare_out_dir(dir)?;
    }
    let rows = trend::load_record(&a.record)?;
    let mut actuals = Vec::new();
    let mut req = TrendRequest {
        by: match a.by {
            By::Milestone => Grouping::Milestone,
            By::Plan => Grouping::Plan,
        },
        milestones: a.milestones.iter().map(|m| m.trim().to_string()).collect(),
        ..TrendRequest::default()
    };
    if let Some(p) = &a.plan {
        let plan = slipcast::plan::load(p)?;
        let name = super::plan_name(p, &plan.settings);
        if !rows.iter().any(|r| r.plan == name) {
            let mut names: Vec<&str> = rows.iter().map(|r| r.plan.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            return Err(slipcast::Error::Usage(format!(
                "the record holds no forecasts of the plan \"{name}\" (it holds {}); give --plan the plan that was recorded, or name it so in plan.toml",
                names
                    .iter()
                    .take(5)
                    .map(|n| format!("\"{n}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        actuals.extend(trend::plan_actuals(&plan, &name));
        req.workweek = plan.settings.workweek;
        req.holidays = plan.holidays.clone();
    }
    if let Some(f) = &a.actuals {
        actuals.extend(trend::load_actuals(f)?);
    }
    if let Some(w) = a.workweek {
        req.workweek = w;
    }
    let t = trend::trend(&rows, &actuals, &req)?;
    let file = a.record.display().to_string();
    let body = match a.format {
        Format::Table => view::trend_table(&t, &file),
        Format::Csv => view::trend_csv(&t),
        Format::Json => report::to_json(&t),
        Format::Markdown => view::trend_markdown(&t),
    };
    super::stdout_write(&body)?;
    if let Some(dir) = &a.out {
        let html = view::trend_html(&t, &file)?;
        let mut set = report::out::OutSet::new();
        view::add_trend_files(&mut set, &t, &html);
        super::commit_out(set, dir)?;
    }
    Ok(ExitCode::SUCCESS)
}
