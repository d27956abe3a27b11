//! `slipcast check`: the schedule's health before simulating — the DCMA 14-point
//! assessment and the risk-readiness checks.

use std::process::ExitCode;

use clap::Args;
use slipcast::analysis::health;
use slipcast::report::{self, health as view};

use super::{Format, PlanArgs};

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write health.csv and health.json into this folder.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Exit 1 when any check fails (a gate for pipelines).
    #[arg(long)]
    pub strict: bool,
}

pub fn run(a: CheckArgs) -> slipcast::Result<ExitCode> {
    report::out::refuse_plan_folder(a.out.as_deref(), &[&a.plan.plan])?;
    if let Some(dir) = &a.out {
        report::prepare_out_dir(dir)?;
    }
    let (plan, net, _) = super::load_plan(&a.plan)?;
    let h = health::check(&plan, &net);
    let body = match a.format {
        Format::Table => view::health_table(&h),
        Format::Csv => view::health_csv(&h),
        Format::Json => report::to_json(&h),
        Format::Markdown => view::health_markdown(&h),
    };
    super::stdout_write(&body)?;
    if let Some(dir) = &a.out {
        let mut set = report::out::OutSet::new();
        set.add("health.csv", view::health_csv(&h));
        set.add("health.json", report::to_json(&h));
        super::commit_out(set, dir)?;
    }
    let failed = h.failing().count();
    Ok(if a.strict && failed > 0 {
        eprintln!(
            "check failed: {failed} check{} failed (--strict)",
            if failed == 1 { "" } else { "s" }
        );
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
