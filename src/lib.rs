//! # slipcast
//!
//! A Monte Carlo schedule-risk engine. slipcast reads a plan — tasks with three-point
//! estimates, dependencies with lags, milestones with committed dates, a working
//! calendar — simulates it many thousands of times in parallel, and reports when each
//! milestone will land at a given confidence, the chance of meeting its target, and which
//! tasks are critical.
//!
//! Data flows one way: files → [`Plan`] → [`Network`] → [`Samples`] → [`Forecast`] → bytes.
//!
//! ```
//! use slipcast::{compile, forecast, plan, simulate, NoProgress, SimConfig};
//!
//! let plan = plan::from_tasks_csv(
//!     "id,min,likely,max,predecessors,milestone\n\
//!      design,5,8,14,,\n\
//!      build,10,15,25,design,\n\
//!      test,3,5,9,build,\n\
//!      launch,,,,test,true\n",
//!     "tasks.csv",
//! )?;
//! let net = compile(&plan)?;
//! let cfg = SimConfig { iterations: 5_000, seed: 1, threads: None };
//! let samples = simulate(&net, &cfg, &NoProgress)?;
//! let f = forecast(&net, &samples, &[50.0, 80.0]);
//! let launch = &f.milestones[0];
//! assert_eq!(launch.deterministic, 28.0); // 8 + 15 + 5
//! assert!(launch.percentiles[1].days > launch.percentiles[0].days);
//! # Ok::<(), slipcast::Error>(())
//! ```
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod analysis;
pub mod error;
pub mod history;
pub mod import;
pub mod lanes;
pub mod model;
pub mod num;
pub mod plan;
pub mod report;
pub mod sim;
pub mod stats;

pub use analysis::forecaster::{
    DEFAULT_PERCENTILES, Forecaster, Iterations, parse_percentiles, widest_half_width,
};
pub use error::{Diagnostic, Error, Result};
pub use model::{Network, compile};
pub use plan::{Plan, load};
pub use sim::{NoProgress, Progress, Samples, SimConfig, simulate};
pub use stats::{Forecast, forecast};
