//! `slipcast calibrate`: how good were past estimates; fit, save and backtest a correction.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use slipcast::history::calibrate::{self, CalibrationRequest};
use slipcast::report;

use super::Format;

#[derive(Args)]
pub struct CalibrateArgs {
    /// History CSV: id, distribution, min, likely, max (or mean/sd/values), actual [, group].
    pub history: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also report per group (the `group` column).
    #[arg(long, value_name = "COLUMN", value_parser = ["group"])]
    pub by: Option<String>,
    /// Write the fitted correction to FILE (JSON), for `run --calibration FILE`.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Check the correction on held-out rows (5-fold).
    #[arg(long)]
    pub backtest: bool,
}

pub fn run(a: CalibrateArgs) -> slipcast::Result<ExitCode> {
    let rows = calibrate::load(&a.history)?;
    let req = CalibrationRequest {
        by_group: a.by.is_some(),
        backtest: a.backtest,
        need_fit: a.save.is_some(),
    };
    let r = calibrate::report(&rows, &a.history.display().to_string(), req)?;
    for w in &r.warnings {
        super::print_warning(w);
    }
    if let (Some(path), Some(file)) = (&a.save, r.file()) {
        report::write_atomic(path, report::to_json(&file).as_bytes())?;
        eprintln!("wrote {}", path.display());
    }
    let body = match a.format {
        Format::Json => report::to_json_sorted(&r),
        Format::Markdown => report::html::calibration_markdown(&r),
        Format::Csv => report::calibration_csv(&r, req.by_group),
        Format::Table => report::calibration_table(&r),
    };
    super::stdout_write(&body)?;
    Ok(ExitCode::SUCCESS)
}
