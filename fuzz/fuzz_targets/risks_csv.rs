#![no_main]
//! Fuzz target: risks.csv. Any input must give a result or a positioned error, never a
//! panic, hang or abort.

use libfuzzer_sys::fuzz_target;
use slipcast::plan::{PlanFiles, parse_files};

const TASKS: &[u8] = b"id,min,likely,max,predecessors,milestone,calendar_tags\nA,1,2,4,,,deploy\nB,2,3,5,A,,\nC,1,1,2,A SS+1,,\nM,,,,B;C,true,\n";
const TOML: &[u8] = b"start = 2027-01-04\n";

fuzz_target!(|data: &[u8]| {
    let mut files = PlanFiles { tasks: Some(("tasks.csv", TASKS)), plan_toml: Some(("plan.toml", TOML)), ..PlanFiles::default() };
    files.risks = Some(("risks.csv", data));
    if let Ok(plan) = parse_files(&files, std::path::Path::new("/nonexistent"), None) {
        let _ = slipcast::compile(&plan);
    }
});
