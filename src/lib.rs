//! # slipcast
//!
//! A Monte Carlo schedule-risk engine. slipcast reads a plan — tasks with three-point
//! estimates, dependencies with lags, milestones with committed dates, a working
//! calendar, a risk register — simulates it many thousands of times in parallel, and
//! reports when each milestone will land at a given confidence, the chance of meeting its
//! target, and what drives the date.
//!
//! Data flows one way: files → [`Plan`] ([`load`]) → [`Network`] ([`compile`]) →
//! [`Forecast`] ([`Forecaster::run`]) → bytes ([`report`]).
//!
//! ```
//! use slipcast::{Forecaster, Iterations, NoProgress, compile, from_tasks_csv};
//!
//! let plan = from_tasks_csv(
//!     "id,min,likely,max,predecessors,milestone,target\n\
//!      design,5,8,14,,,\n\
//!      build,10,15,25,design,,\n\
//!      test,3,5,9,build,,\n\
//!      launch,,,,test,true,30\n",
//!     "tasks.csv",
//! )?;
//! let net = compile(&plan)?;
//! let f = Forecaster::new(&net)
//!     .iterations(Iterations::Fixed(5_000))
//!     .percentiles(&[50.0, 80.0])
//!     .run(&NoProgress)?;
//! let launch = &f.milestones[0];
//! assert_eq!(launch.deterministic, 28.0); // 8 + 15 + 5
//! assert!(launch.percentiles[1].days > launch.percentiles[0].days); // P80 after P50
//! let on_time = launch.target.as_ref().unwrap().probability; // P(finish ≤ day 30)
//! assert!(on_time > 0.0 && on_time < 1.0);
//! # Ok::<(), slipcast::Error>(())
//! ```
//!
//! The same seed and plan give byte-identical results on any number of threads. The
//! command line (`slipcast run`, `compare`, `validate`, `calibrate`, `throughput`,
//! `import`) is built on this API behind the default `cli` feature.
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

// Layers, bottom to top (ARCHITECTURE.md): error, num, lanes, plan, model, sim, stats,
// history, analysis, report, import. A module imports only from layers below its own.
pub mod analysis;
pub mod error;
pub mod history;
pub mod import;
// The lane machinery (blocks of 64 iterations, CPU dispatch, keyed random streams,
// sorting): public for the benchmarks, not part of the API.
#[doc(hidden)]
pub mod lanes;
pub mod model;
mod num;
pub mod plan;
pub mod report;
pub mod sim;
pub mod stats;

// The API in one place: the types and entry points a program uses. The modules hold the
// rest (readers, writers, the parts of each result).
pub use analysis::compare::{CompareRow, Comparison};
pub use analysis::drivers::Drivers;
pub use analysis::forecaster::{
    DEFAULT_PERCENTILES, Forecaster, Iterations, parse_percentiles, widest_half_width,
};
pub use analysis::gate::{Gate, Outcome, check_all as check_gates};
pub use analysis::versions::{VersionReport, attribute as attribute_versions};
pub use error::{Arg, Diagnostic, Error, Result, Warning, WarningKind};
pub use history::calibrate::{
    CalibrationFile, CalibrationReport, CalibrationRequest, Correction, HistoryRow,
};
pub use history::throughput::{History, ThroughputReport, ThroughputRequest};
pub use import::{ImportOptions, Schedule};
pub use model::{Calendar, CompileOptions, Network, compile, compile_with};
pub use plan::{Distribution, Plan, Scenarios, from_tasks_csv, load};
pub use sim::{LANES, NoProgress, Progress, Samples, SimConfig, simulate};
pub use stats::{Forecast, MilestoneForecast, Quantile, RiskForecast, TaskForecast, forecast};
