//! What a forecast means for a decision: what drives the date (`drivers`), what-if
//! scenarios against the baseline (`compare`), what moved between two versions of a plan
//! (`versions`), pipeline gates (`gate`), and the schedule's health before simulating
//! (`health`).

pub mod compare;
pub mod drivers;
pub mod forecaster;
pub mod gate;
pub mod health;
pub mod versions;
