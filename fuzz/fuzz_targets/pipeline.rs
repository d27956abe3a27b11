#![no_main]
//! Fuzz target: parse + validate + simulate 10 iterations + forecast.

use libfuzzer_sys::fuzz_target;
use slipcast::plan::{PlanFiles, parse_files};

fuzz_target!(|data: &[u8]| {
    let files = PlanFiles { tasks: Some(("tasks.csv", data)), plan_toml: Some(("plan.toml", b"start = 2027-01-04\n")), ..PlanFiles::default() };
    let Ok(plan) = parse_files(&files, std::path::Path::new("/nonexistent"), None) else { return };
    let Ok(net) = slipcast::compile(&plan) else { return };
    if net.len() > 2000 {
        return;
    }
    let cfg = slipcast::SimConfig { iterations: 10, seed: 1, threads: Some(1) };
    if let Ok(s) = slipcast::simulate(&net, &cfg, &slipcast::NoProgress) {
        let f = slipcast::forecast(&net, &s, &[50.0, 80.0]);
        let _ = slipcast::report::json(&f);
    }
});
