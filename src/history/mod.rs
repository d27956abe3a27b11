//! Benchmarking against the past: how good were earlier estimates (`calibrate`), and
//! what does delivery throughput say about the future (`throughput`).

pub mod calibrate;
pub mod cycletime;
pub mod throughput;
pub mod trend;
