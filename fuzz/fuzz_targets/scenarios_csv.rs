#![no_main]
//! Fuzz target: scenarios.csv, parsed and applied to a small network.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let plan = slipcast::plan::from_tasks_csv("id,min,likely,max,predecessors,group\nA,1,2,4,,core\nB,2,3,5,A,core\n", "t.csv").unwrap();
    let net = slipcast::compile(&plan).unwrap();
    if let Ok(sc) = slipcast::plan::scenarios::parse_bytes(data, "scenarios.csv") {
        for name in sc.names() {
            let _ = slipcast::model::scenario::apply(&net, name, &sc.rows, &sc.file);
        }
    }
});
