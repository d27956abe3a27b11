//! The `slipcast` command line: parse arguments, dispatch to the subcommand in
//! `cli/<command>.rs`, map errors to exit codes.
//!
//! Exit codes: 0 success; 1 a requested gate failed; 2 bad input or usage.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use slipcast::{Error, report};

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
    Run(cli::run::RunArgs),
    /// Compare what-if scenarios against the baseline with common random numbers.
    Compare(cli::compare::CompareArgs),
    /// Check a plan without simulating it.
    Validate(cli::PlanArgs),
    /// Schedule health before simulating: the DCMA 14-point assessment and risk readiness.
    Check(cli::check::CheckArgs),
    /// How good were past estimates? Coverage, PIT, bias; fit and backtest a correction.
    Calibrate(cli::calibrate::CalibrateArgs),
    /// Forecast from weekly throughput or a Jira / Azure DevOps export: when will N items
    /// or each feature be done, how many by a date.
    Throughput(cli::throughput::ThroughputArgs),
    /// Cycle time from a Jira / Azure DevOps export: the service level expectation and
    /// the work in progress already older than it.
    Cycletime(cli::cycletime::CycletimeArgs),
    /// How recorded forecasts moved, and how honest they were once milestones finished.
    Trend(cli::trend::TrendArgs),
    /// Turn a Microsoft Project (XML, MPX) or Primavera P6 (XER) schedule into a plan folder.
    Import(cli::import::ImportArgs),
    /// Write a commented starter plan (tasks, milestones, a risk, a holiday, scenarios).
    Init(cli::init::InitArgs),
}

fn main() -> ExitCode {
    // Ctrl-C or SIGTERM: remove any file being written, so no partial file is left.
    let _ = ctrlc::set_handler(|| {
        report::remove_temporary_files();
        std::process::exit(130);
    });
    let result = match Cli::parse().command {
        Command::Run(a) => cli::run::run(a),
        Command::Compare(a) => cli::compare::run(a),
        Command::Validate(a) => cli::validate::run(a),
        Command::Check(a) => cli::check::run(a),
        Command::Calibrate(a) => cli::calibrate::run(a),
        Command::Throughput(a) => cli::throughput::run(a),
        Command::Cycletime(a) => cli::cycletime::run(a),
        Command::Trend(a) => cli::trend::run(a),
        Command::Import(a) => cli::import::run(a),
        Command::Init(a) => cli::init::run(a),
    };
    match result {
        Ok(code) => code,
        Err(Error::Write { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(Error::Argument { arg, message }) => {
            eprintln!("error: {}{message}", cli::flag(arg));
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
